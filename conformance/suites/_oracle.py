"""Executable expectations written from the rule text of ``shared/spec/sync-behaviour.md`` (never from an
implementation's code): scope (§2), matching (§4) and the link states behind the Manage Data counts (§6, §7, §11).

Why brute force: an oracle that mirrors an implementation's algorithm shares its bugs. The matcher here does not
process records one by one with indexes; it enumerates every injective assignment of Autotask records to matching
documentation records (or to "new") and picks the one the rules select. Q4 processes Autotask records in ascending id
and Q7/M-08 give each the best remaining candidate, so the selected assignment is the lexicographically smallest
one, comparing Autotask records in ascending id and each record's candidate by its rank (M-08: earliest created, Q5:
then lowest id; for configurations both-keys matches first), "new" ranking last. Tenants are tiny, so the search is
cheap.
"""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

NEW = "new"
HEX = set("0123456789ABCDEF")
AUTOTASK_DEFAULT = "Autotask Default"  # SC-02 / FM-C4


def blank(v: Any) -> bool:
    """M-11/Q2: a key part that is missing or empty."""
    return v is None or v == ""


# ------------------------------------------------------------------------------------------------ keys (§4, §15)
def canonical_mac(v: Any) -> str | None:
    """Q1: a MAC compares after removing ':' '-' '.' and upper-casing; it must then be 12 hex digits (anything else
    is not a MAC and never matches, M-11)."""
    if blank(v):
        return None
    s = "".join(ch for ch in str(v) if ch not in ":-.").upper()
    return s if len(s) == 12 and set(s) <= HEX else None


def first_valid_mac(value: Any) -> str | None:
    """Q3: the value of the MAC UDF may hold several MACs; the first valid one counts."""
    if blank(value):
        return None
    for token in str(value).replace(",", " ").replace(";", " ").replace("|", " ").split():
        mac = canonical_mac(token)
        if mac is not None:
            return mac
    return None


def exact_key(*parts: Any) -> tuple[str, ...] | None:
    """M-06/Q1: exact strings (no case folding, no trimming); a missing part equals an empty one; a key whose parts
    are all blank never matches (M-11)."""
    if all(blank(p) for p in parts):
        return None
    return tuple("" if p is None else str(p) for p in parts)


def location_key(address1: Any, address2: Any, city: Any, region: Any, country: Any) -> tuple[str, ...] | None:
    """M-04: Address 1 AND Address 2 AND City AND State/Province AND Country (the name plays no part)."""
    return exact_key(address1, address2, city, region, country)


composite_key = exact_key  # the name the location and ticket properties use


# --------------------------------------------------------------------------------------------------- scope (§2)
def company_in_scope(c: dict[str, Any], s: dict[str, Any]) -> bool:
    """SC-01 (a) type selected AND (b) classification sync off, or classification selected, or none and "Sync
    Accounts without Classifications"; M-11: an organization with an empty name is not created."""
    if blank(c.get("name")):
        return False
    if str(c.get("type")) not in {str(t) for t in s["account_types"]}:
        return False
    if not s.get("classification_sync"):
        return True
    cls = c.get("classification")
    if blank(cls):
        return bool(s.get("sync_without_classification"))
    return str(cls) in {str(x) for x in s.get("classifications") or ()}


def ci_in_scope(ci: dict[str, Any], s: dict[str, Any]) -> bool:
    """SC-02: device type selected, or blank and "Sync Configuration Items without Configuration Item Types"."""
    t = ci.get("type")
    if blank(t):
        return bool(s["sync_without_ci_type"])
    return str(t) in {str(x) for x in s["ci_types"]}


def ci_mac(ci: dict[str, Any], s: dict[str, Any]) -> str | None:
    """Q3: the MAC comes from the UDF the settings name (the tenant's devices carry it as "MAC Address")."""
    if s.get("mac_udf_name", "MAC Address") != "MAC Address":
        return None
    return first_valid_mac(ci.get("mac"))


def expected_configuration_type(ci: dict[str, Any]) -> str | None:
    """SC-02/FM-C4: a synced device without a type gets "Autotask Default"."""
    return AUTOTASK_DEFAULT if blank(ci.get("type")) else None


# ------------------------------------------------------------------------------------------- matching (§4, §15)
@dataclass(frozen=True)
class Cand:
    """A pre-existing documentation record that might be matched."""

    ref: Any
    created_at: str
    local_id: Any
    key: Any = None  # simple kinds
    serial: str | None = None  # configurations
    mac: str | None = None


def _id_order(v: Any) -> tuple[int, Any]:
    return (0, v) if isinstance(v, int) else (1, str(v))


def best_assignment(items: list[Any], cands: list[Cand], rank: Callable[[Any, Cand], tuple | None],
                    *, limit: int = 200_000) -> dict[Any, Any]:
    """``items``: ``(psa_id, ...)`` tuples; ``rank(item, cand)`` is None when ``cand`` does not match ``item``, else a
    tuple (smaller wins). Returns ``{psa_id: cand.ref or NEW}``: the injective assignment (M-09) the rules select."""
    items = sorted(items, key=lambda t: t[0])  # Q4
    options = [[c for c in cands if rank(it, c) is not None] + [None] for it in items]
    size = 1
    for o in options:
        size *= len(o)
    if size > limit:  # pragma: no cover - tenants are tiny by construction
        raise ValueError(f"oracle search space too large ({size})")
    worst = (1,)  # "new" ranks after every match
    best: tuple | None = None
    best_pick: tuple | None = None
    for pick in itertools.product(*options):
        used = [c.ref for c in pick if c is not None]
        if len(used) != len(set(used)):
            continue  # M-09: one documentation record, one Autotask record
        score = tuple(worst if c is None else (0, rank(it, c)) for it, c in zip(items, pick, strict=True))
        if best is None or score < best:
            best, best_pick = score, pick
    return {it[0]: (NEW if c is None else c.ref) for it, c in zip(items, best_pick or (), strict=True)}


def simple_rank(item: tuple[int, Any], c: Cand) -> tuple | None:
    """M-01/M-03/M-04/M-05 with M-06 (exact), M-11 (blank never matches), M-08 (earliest created), Q5 (lowest id)."""
    key = item[1]
    if key is None or c.key is None or key != c.key:
        return None
    return (c.created_at, _id_order(c.local_id))


def config_rank(item: tuple[int, str | None, str | None], c: Cand) -> tuple | None:
    """M-02: serial OR MAC (non-blank, M-11); M-08 [I]: matches on both keys come before matches on one, then the
    earliest created, then (Q5) the lowest id."""
    _pid, serial, mac = item
    s_hit = serial is not None and c.serial is not None and serial == c.serial
    m_hit = mac is not None and c.mac is not None and mac == c.mac
    if not (s_hit or m_hit):
        return None
    return (0 if (s_hit and m_hit) else 1, c.created_at, _id_order(c.local_id))


def match_simple(items: list[tuple[int, Any]], cands: list[Cand]) -> dict[int, Any]:
    return best_assignment(items, cands, simple_rank)


def match_configurations(items: list[tuple[int, Any, Any]], cands: list[Cand]) -> dict[int, Any]:
    return best_assignment(items, cands, config_rank)


def simple_matches(items: list[tuple[int, Any]], cands: list[tuple[str, Any, Any]]) -> dict[int, Any]:
    """Older call shape: ``cands`` as ``(created_at, ref, key)``; equal creation times fall back to the ref order."""
    return match_simple(items, [Cand(ref, ca, ref, key=key) for ca, ref, key in cands])


def push_match(saved: list[tuple[Any, Any]], companies: list[dict[str, Any]]) -> dict[Any, Any]:
    """P-06 with M-01/M-06/M-08/M-09 on the Autotask side: each save, in the order made, links an unclaimed company
    with exactly its name, the earliest-created one (then the lowest id), else a new company is created."""
    out: dict[Any, Any] = {}
    claimed: set[int] = set()
    for ref, name in saved:  # saves happen one after the other: each sees the claims of the earlier ones
        hits = [] if blank(name) else [c for c in companies if c["name"] == name and c["id"] not in claimed]
        win = min(hits, key=lambda c: (c.get("created", ""), c["id"]), default=None)
        out[ref] = NEW if win is None else win["id"]
        if win is not None:
            claimed.add(win["id"])
    return out


# -------------------------------------------------------------------------------------------- tickets (§12, Q23)
def months_before(iso: str, months: int) -> str:
    """Q23: calendar months back from an ISO instant (UTC); the day is clamped to the target month's length."""
    y, m = int(iso[0:4]), int(iso[5:7])
    total = y * 12 + (m - 1) - months
    y, m = divmod(total, 12)
    m += 1
    d = min(int(iso[8:10]), calendar.monthrange(y, m)[1])
    return f"{y:04d}-{m:02d}-{d:02d}{iso[10:]}"


def ticket_in_scope(t: dict[str, Any], settings: dict[str, Any], now: str) -> bool:
    """SC-07/T-01/T-02/Q23: queue selected AND (no window OR max(created, updated) >= now - N months)."""
    if str(t.get("queue")) not in {str(q) for q in settings["queues"]}:
        return False
    n = settings.get("ticket_months")
    if n is None:
        return True
    return max(t["created"], t["updated"]) >= months_before(now, int(n))


def expected_parents(companies: list[dict[str, Any]], linked: dict[int, Any]) -> dict[int, Any]:
    """FM-O3/Q16: for each linked company, the local id of its parent's organization when that parent company is
    itself linked, otherwise None. ``linked``: Autotask company id → local organization id (enabled links)."""
    return {c["id"]: (linked.get(c["parent"]) if c.get("parent") is not None else None)
            for c in companies if c["id"] in linked}


# ------------------------------------------------------------------------------ link states and counts (ST-05)
CHILD_KINDS = ("contact", "configuration", "location")
COUNT_OF = {"enabled": "synced", "orphaned": "orphaned", "disabled": "disconnected", "error": "errors"}


class LinkModel:
    """The link state every Autotask record should have, kept from the Autotask data (read from the mock) and the
    operations the test itself made — never from the implementation's answers.

    A pass (§6): an in-scope record present in Autotask is linked enabled (M-07/M-01..M-05, O-06), an actively
    linked one that is gone or out of scope is orphaned (O-01, O-03), children follow an organization that is not
    enabled (O-04, SC-03); disabled records stay disabled whatever happens in Autotask (R-01, M-12). Disable/enable
    change one record at once (R-01, R-02).
    """

    def __init__(self) -> None:
        self.state: dict[tuple[str, int], str] = {}

    def disable(self, kind: str, psa_id: int) -> None:
        self.state[(kind, psa_id)] = "disabled"

    def enable(self, kind: str, psa_id: int) -> None:
        self.state[(kind, psa_id)] = "enabled"

    def _settle(self, kind: str, pid: int, wanted: bool) -> None:
        cur = self.state.get((kind, pid))
        if cur == "disabled":
            return
        if wanted:
            self.state[(kind, pid)] = "enabled"
        elif cur in ("enabled", "error"):
            self.state[(kind, pid)] = "orphaned"

    def full_pass(self, at: dict[str, list[dict[str, Any]]], s: dict[str, Any]) -> None:
        """``at``: the mock's records in the spec's neutral shape: companies {id, name, type, classification},
        cis {id, company, type}, contacts {id, company}, locations {id, company}."""
        companies = {c["id"]: c for c in at["companies"]}
        for kind, pid in [k for k in self.state if k[0] == "organization"]:
            if pid not in companies:
                self._settle(kind, pid, False)
        for c in companies.values():
            self._settle("organization", c["id"], company_in_scope(c, s))
        live = {cid for cid in companies if self.state.get(("organization", cid)) == "enabled"}
        wanted_of = {"contact": lambda x: bool(s["contacts_enabled"]),
                     "configuration": lambda x: ci_in_scope(x, s),
                     "location": lambda x: bool(s["locations_enabled"])}
        source = {"contact": "contacts", "configuration": "cis", "location": "locations"}
        for kind in CHILD_KINDS:
            present = {x["id"]: x for x in at[source[kind]]}
            for k, pid in [k for k in self.state if k[0] == kind]:
                if pid not in present:
                    self._settle(k, pid, False)
            for x in present.values():
                self._settle(kind, x["id"], x["company"] in live and wanted_of[kind](x))

    def counts(self) -> dict[str, dict[str, int]]:
        out = {k: dict.fromkeys(COUNT_OF.values(), 0) for k in ("organization", *CHILD_KINDS, "ticket")}
        for (kind, _pid), st in self.state.items():
            out[kind][COUNT_OF[st]] += 1
        return out

    def linked(self, kind: str, state: str | None = None) -> list[int]:
        return sorted(pid for (k, pid), st in self.state.items() if k == kind and (state is None or st == state))


def read_autotask(w: Any) -> dict[str, list[dict[str, Any]]]:
    """The tenant's current Autotask data, read from the mock's REST API, in the neutral shape of :class:`LinkModel`."""
    def rows(entity: str) -> list[dict[str, Any]]:
        return w.at_query(entity)

    return {"companies": [{"id": c["id"], "name": c.get("companyName"), "type": c.get("companyType"),
                           "classification": c.get("classification")} for c in rows("Companies")],
            "cis": [{"id": x["id"], "company": x["companyID"], "type": x.get("configurationItemType")}
                    for x in rows("ConfigurationItems")],
            "contacts": [{"id": x["id"], "company": x["companyID"]} for x in rows("Contacts")],
            "locations": [{"id": x["id"], "company": x["companyID"]} for x in rows("CompanyLocations")]}


def count_states(records: Iterable[dict[str, Any]]) -> dict[str, int]:
    """How many of ``records`` are in each link state, under the Manage Data labels (ST-05)."""
    out = dict.fromkeys(COUNT_OF.values(), 0)
    for r in records:
        if r["link"] is not None and r["link"]["state"] in COUNT_OF:
            out[COUNT_OF[r["link"]["state"]]] += 1
    return out


def expected_linked(spec: dict[str, Any], s: dict[str, Any], kind: str, now: str = "2026-01-01T00:00:00Z") -> set[int]:
    """Autotask ids of ``kind`` that a first full pass over the tenant ``spec`` must link under settings ``s``
    (M-07/CR-01 with the scope of §2 and SC-03: a child only when its company is linked). Locations: the spec's own
    (the mock adds a primary location per company on top)."""
    companies = {c["id"] for c in spec["companies"] if company_in_scope(c, s)}
    if kind == "organization":
        return companies
    if kind == "contact":
        return {x["id"] for x in spec["contacts"] if s["contacts_enabled"] and x["company"] in companies}
    if kind == "configuration":
        return {x["id"] for x in spec["cis"] if ci_in_scope(x, s) and x["company"] in companies}
    if kind == "location":
        return {x["id"] for x in spec["locations"] if s["locations_enabled"] and x["company"] in companies}
    if kind == "ticket":
        return {t["id"] for t in spec["tickets"] if ticket_in_scope(t, s, now) and t["company"] in companies}
    raise ValueError(kind)
