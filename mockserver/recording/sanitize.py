"""Replace personal and company data in captured exchanges by faker values (pure: no I/O).

Why two passes: a value may first appear in a request filter and only later in a response. The sanitizer
first *learns* every sensitive value of the whole capture (record fields by name, filter values on those
fields, UDF values, the API user name), then *rewrites* every text: structured positions by the mapping,
free text (error messages, URLs, paging tokens, the ``search`` echo) by replacing each known original.
One original always gets the same replacement within a capture; the Faker is seeded per capture so two
captures do not share replacements. Ids, dates, numbers and picklist values are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

#: Headers that carry credentials: never written anywhere, sanitizing on or off.
CREDENTIAL_HEADERS = frozenset({"secret", "username", "apiintegrationcode", "authorization", "cookie",
                                "set-cookie", "proxy-authorization"})

# field-name (lower-case) -> kind. Exact names first, then substrings (order matters).
_EXACT_KINDS = {
    "firstname": "first_name", "lastname": "last_name", "middlename": "first_name", "middleinitial": "letter",
    "companyname": "company", "name": "name", "username": "email", "initials": "letters",
    "referencetitle": "hostname", "title": "text", "description": "text", "note": "text", "notes": "text",
    "resolution": "text", "summarynotes": "text", "location": "city", "city": "city", "state": "state",
    "postalcode": "postcode", "zipcode": "postcode", "roomnumber": "building", "taxid": "serial",
    "webaddress": "url", "billtoattention": "name", "billtocity": "city", "billtostate": "state",
    "billtozipcode": "postcode", "nameprefix": "letters", "namesuffix": "letters", "greeting": "text",
}
_SUBSTRING_KINDS = (
    ("email", "email"), ("phone", "phone"), ("fax", "phone"), ("mobile", "phone"), ("macaddress", "mac"),
    ("ipaddress", "ip"), ("serial", "serial"), ("hostname", "hostname"), ("address", "address"),
    ("addressline", "address"), ("url", "url"),
)


def field_kind(name: str) -> str | None:
    """The kind of personal data a field holds by its (case-insensitive) name, None for other fields."""
    low = name.lower()
    if low in _EXACT_KINDS:
        return _EXACT_KINDS[low]
    for part, kind in _SUBSTRING_KINDS:
        if part in low:
            return kind
    return None


def _generators(fake: Any) -> dict[str, Callable[[], str]]:
    return {
        "first_name": fake.first_name, "last_name": fake.last_name, "company": fake.company,
        "name": lambda: f"{fake.word().title()} {fake.word().title()}", "email": fake.email,
        "letter": lambda: fake.random_uppercase_letter(), "letters": lambda: fake.lexify("??").upper(),
        "hostname": lambda: fake.hostname(0).upper(), "text": fake.sentence, "city": fake.city,
        "state": fake.state_abbr, "postcode": fake.postcode, "building": fake.building_number,
        "serial": lambda: fake.bothify("SN-????-#####").upper(), "url": fake.url, "phone": fake.phone_number,
        "mac": fake.mac_address, "ip": fake.ipv4_private, "address": fake.street_address,
        "udf": lambda: fake.bothify("udf-????-####"), "user": lambda: f"{fake.user_name()}@CAPTURE.APIUSER.com",
    }


@dataclass
class Sanitizer:
    """Learns originals, then rewrites; ``enabled=False`` still replaces the API user names (credentials)."""

    seed: int
    keep_fields: frozenset[str] = frozenset()  # "Entity.field", case-insensitive
    enabled: bool = True
    mapping: dict[str, str] = field(default_factory=dict)
    # (entity, field), lower-case -> maximum length: a replacement must fit the field the original came from
    lengths: dict[tuple[str, str], int] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)
    _pattern: re.Pattern[str] | None = None
    _kinds: dict[tuple[str | None, str], str | None] = field(default_factory=dict)
    _texts: dict[str, str] = field(default_factory=dict)  # rewrite_text memo (dates, labels repeat a lot)

    def __post_init__(self) -> None:
        from faker import Faker

        self._fake = Faker(use_weighting=False)  # uniform picks: several times faster, same variety
        self._fake.seed_instance(self.seed)
        self._gen = _generators(self._fake)
        self.keep_fields = frozenset(k.lower() for k in self.keep_fields)

    # ------------------------------------------------------------------ learning
    def learn(self, value: Any, kind: str, limit: int | None = None) -> None:
        """Give ``value`` a replacement (once): unique, never containing the original, at most ``limit`` long."""
        if isinstance(value, list):
            for v in value:
                self.learn(v, kind, limit)
            return
        if not isinstance(value, str) or not value.strip() or value in self.mapping:
            return
        gen = self._gen.get(kind, self._gen["text"])
        for attempt in range(50):
            candidate = gen() if attempt < 40 else f"{attempt} {gen()}"
            if limit:
                candidate = candidate[:limit].rstrip() or candidate[:limit]
            if candidate not in self._used and value.lower() not in candidate.lower() and candidate not in self.mapping:
                break
        self.mapping[value] = candidate
        self._used.add(candidate)
        self._pattern = None
        self._texts.clear()

    def learn_user(self, user_name: str) -> str:
        """The API user name is always replaced (it is a credential)."""
        self.learn(user_name, "user")
        return self.mapping[user_name]

    def sensitive(self, entity: str | None, name: str) -> str | None:
        key = (entity, name)
        try:
            return self._kinds[key]
        except KeyError:
            pass
        if not self.enabled or (entity and f"{entity}.{name}".lower() in self.keep_fields):
            kind = None
        else:
            kind = field_kind(name)
        self._kinds[key] = kind
        return kind

    def learn_json(self, data: Any, entity: str | None) -> None:
        """Walk a request or response body: record fields, UDF values and filter values."""
        if not self.enabled:
            return
        self._walk(data, entity, learn=True)

    # ------------------------------------------------------------------ rewriting
    def rewrite_json(self, data: Any, entity: str | None) -> Any:
        return self._walk(data, entity, learn=False)

    def rewrite_text(self, text: str) -> str:
        """Replace every known original inside free text (longest first, not inside longer words)."""
        if not self.mapping or not text:
            return text
        done = self._texts.get(text)
        if done is not None:
            return done
        if text in self.mapping:
            self._texts[text] = self.mapping[text]
            return self.mapping[text]
        if self._pattern is None:
            words = [o for o in self.mapping if len(o) >= MIN_FREE_TEXT]
            self._pattern = re.compile("(?<![A-Za-z0-9])" + trie_pattern(words) + "(?![A-Za-z0-9])")
        out = self._pattern.sub(self._replace, text)
        if len(self._texts) < 200_000:
            self._texts[text] = out
        return out

    def _replace(self, match: re.Match[str]) -> str:
        return self.mapping.get(match.group(0), match.group(0))

    def rewrite_url(self, url: str, entity: str | None) -> str:
        """Decode each query parameter, sanitize it (JSON as JSON), encode it again."""
        parts = urlsplit(url)
        if not parts.query:
            return url
        pairs = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            pairs.append((key, self.rewrite_param(key, value, entity)))
        query = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
        return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))

    def rewrite_param(self, key: str, value: str, entity: str | None) -> str:
        if key.lower() == "user":
            return self.mapping.get(value, value)
        try:
            data = json.loads(value)
        except ValueError:
            return self.rewrite_text(value)
        if isinstance(data, dict | list):
            return json.dumps(self.rewrite_json(data, entity), separators=(",", ":"))
        return self.rewrite_text(value)

    def learn_param(self, key: str, value: str, entity: str | None) -> None:
        try:
            data = json.loads(value)
        except ValueError:
            return
        if isinstance(data, dict | list):
            self.learn_json(data, entity)

    # ------------------------------------------------------------------ the walk
    def _limit(self, entity: str | None, name: Any) -> int | None:
        if not entity or not isinstance(name, str):
            return None
        return self.lengths.get((entity.lower(), name.lower()))

    def _value(self, value: Any, kind: str | None, learn: bool, limit: int | None = None) -> Any:
        if kind is None:
            return value if learn or not isinstance(value, str) else self.rewrite_text(value)
        if learn:
            self.learn(value, kind, limit)
            return value
        if isinstance(value, list):
            return [self._value(v, kind, learn) for v in value]
        if isinstance(value, str):
            mapped = self.mapping.get(value)
            return mapped if mapped is not None else self.rewrite_text(value)
        return value

    def _walk(self, data: Any, entity: str | None, *, learn: bool) -> Any:
        if isinstance(data, list):
            return [self._walk(v, entity, learn=learn) for v in data]
        if not isinstance(data, dict):
            return data if learn or not isinstance(data, str) else self.rewrite_text(data)
        if ("field" in data or "Field" in data or "FIELD" in data) and (
                (lower := {k.lower(): k for k in data}).keys() & {"op", "value"}):  # a filter condition
            out = dict(data)
            name = data.get(lower["field"])
            is_udf = data.get(lower.get("udf", ""), False) is True
            kind = ("udf" if self.enabled and not self._kept(entity, name) else None) if is_udf else (
                self.sensitive(entity, name) if isinstance(name, str) else None)
            if is_udf and "value" in lower and not _personal_udf_value(data[lower["value"]]):
                kind = None  # the same rule as UDF values on records: numbers stay
            if "value" in lower:
                out[lower["value"]] = self._value(data[lower["value"]], kind, learn, self._limit(entity, name))
            if "items" in lower:
                out[lower["items"]] = self._walk(data[lower["items"]], entity, learn=learn)
            return out
        out = {}
        for key, value in data.items():
            low = key.lower()
            if low == "userdefinedfields" and isinstance(value, list) and all(isinstance(u, dict) for u in value):
                out[key] = [self._udf(u, entity, learn) for u in value]
            elif low in ("fields", "info", "picklistvalues"):
                out[key] = value  # entityInformation metadata: schema, not personal data
            elif low in ("nextpageurl", "prevpageurl") and isinstance(value, str):
                out[key] = value if learn else self.rewrite_url(value, entity)
                if learn:
                    for k, v in parse_qsl(urlsplit(value).query, keep_blank_values=True):
                        self.learn_param(k, v, entity)
            elif isinstance(value, dict | list):
                out[key] = self._walk(value, entity, learn=learn)
            else:
                out[key] = self._value(value, self.sensitive(entity, key), learn, self._limit(entity, key))
        return out

    def _kept(self, entity: str | None, name: Any) -> bool:
        return bool(entity) and isinstance(name, str) and f"{entity}.{name}".lower() in self.keep_fields

    def _udf(self, udf: dict[str, Any], entity: str | None, learn: bool) -> dict[str, Any]:
        name = udf.get("name")
        if not self.enabled or self._kept(entity, name) or "value" not in udf:
            return udf
        value = udf["value"]
        if not _personal_udf_value(value):
            return udf  # numbers, booleans and numeric strings are not personal data and keep UDF types valid
        return {**udf, "value": self._value(value, "udf", learn)}


def _personal_udf_value(value: Any) -> bool:
    if isinstance(value, list):
        return any(_personal_udf_value(v) for v in value)
    return isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value) is None


#: free text is searched only for originals at least this long: replacing "IL" or "7" inside any
#: message would mangle text; shorter originals are still replaced wherever they are a field's value
MIN_FREE_TEXT = 3


def trie_pattern(words: Iterable[str]) -> str:
    """One regex for many literals, shaped as a prefix tree.

    Why: a flat ``a|b|c|...`` of thousands of originals makes the regex engine try every alternative
    at every position (a 5,000-company capture took minutes); the tree follows one branch per character.
    Greedy optional tails make the longest original win.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        if "" in node:
            return f"(?:{body})?"
        return body

    return "(?:" + build(trie) + ")" if trie else "(?!)"


def credential_free(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers without credentials (always applied, also with --no-sanitize)."""
    return [(k, v) for k, v in headers if k.lower() not in CREDENTIAL_HEADERS]
