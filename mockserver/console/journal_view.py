"""The request journal page's logic: its filters and the "why didn't this match" panel.

Filters reuse the journal's own (mockserver.journal.filter_entries) plus a free-text search over the
path, query, request and response bodies and the fault note; the panel is the verification helpers'
near-miss explanation (journal.explain), the same text a failing ``assert_called`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

from mockserver.journal import explain, filter_entries

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")


@dataclass(frozen=True)
class JournalFilters:
    """What the journal page's filter form asked for (empty strings mean "any")."""

    tenant: str = ""
    method: str = ""
    entity: str = ""
    status: str = ""
    text: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> JournalFilters:
        return cls(*(str(args.get(k) or "").strip() for k in ("tenant", "method", "entity", "status", "text")))

    def problems(self) -> list[str]:
        if self.status and not self.status.isdigit():
            return [f"status must be a number such as 200 or 429, got {self.status!r}"]
        return []


def _haystack(entry: Mapping[str, Any]) -> str:
    query = str(entry.get("query") or "")
    parts = (entry.get("path"), query, unquote_plus(query), entry.get("requestBody"), entry.get("responseBody"),
             entry.get("fault"), entry.get("user"))
    return "\n".join(str(p) for p in parts if p).lower()


def apply_filters(entries: Iterable[Mapping[str, Any]], f: JournalFilters, since_seq: int | None = None
                  ) -> list[dict[str, Any]]:
    """The entries the filters select, newest first as given (an invalid status selects nothing)."""
    if f.problems():
        return []
    selected = filter_entries(entries, method=f.method or None, entity=f.entity or None,
                              status=int(f.status) if f.status else None, since_seq=since_seq)
    if f.text:
        needle = f.text.lower()
        selected = [e for e in selected if needle in _haystack(e)]
    return selected


@dataclass(frozen=True)
class Expectation:
    """The "why didn't this match" panel's form: the call a test expected."""

    method: str = ""
    path: str = ""
    entity: str = ""
    status: str = ""
    query: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Expectation:
        return cls(*(str(args.get("x_" + k) or "").strip() for k in ("method", "path", "entity", "status", "query")))

    @property
    def given(self) -> bool:
        return any((self.method, self.path, self.entity, self.status, self.query))


def explain_expectation(entries: Sequence[Mapping[str, Any]], x: Expectation) -> str:
    """journal.explain's account: the matching calls, or the nearest ones and why each differs."""
    if x.status and not x.status.isdigit():
        return f"status must be a number, got {x.status!r}"
    return explain(entries, x.method or None, x.path or None, entity=x.entity or None,
                   status=int(x.status) if x.status else None, query=x.query or None)


def pretty_body(text: str | None) -> str:
    """A JSON body indented for reading (as sent when it is not JSON, e.g. cut short by the journal)."""
    import json

    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text
