"""A deliberately small Autotask REST double for the reference sync's own tests (and bench/bench_sync.py).

Why not the mock: the mock is a separate product still being built; these tests pin the *client's* behaviour against
the documented API (shared/spec/autotask-api.md) with precise fault injection. It is served through ``responses``
on 127.0.0.1 addresses, so nothing ever leaves the machine. It imitates only what the reference sync uses: zone
lookup, the auth matrix, POST queries with filters/includeFields/paging (nextPageUrl POST), counts, get by id,
entityInformation/fields picklists and ThresholdInformation. String comparisons are case-insensitive like SQL Server.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import requests
import responses

from reference_impl.sync.settings import SyncSettings

LOOKUP_ROOT = "http://127.0.0.1:8111/ATServicesRest/"  # stands in for webservices.autotask.net
ZONE_ROOT = "http://127.0.0.1:8112/ATServicesRest/"  # the tenant's zone

USERNAME = "sync@EXAMPLE.APIUSER.com"
SECRET = "s3cret"
CODE = "INTEGRATION-CODE"


@dataclass
class Fault:
    """Answer matching requests with ``status``/``body`` (or raise ``exc``), ``times`` times (None = always)."""

    pattern: str  # regex on "METHOD /path" (path after the host, e.g. 'POST /ATServicesRest/V1.0/Companies/query')
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int | None = 1
    exc: Exception | None = None
    after: int = 0  # let this many matching requests through first
    raw: str | None = None  # send this text verbatim as the body (e.g. JSON cut short)

    def take(self) -> bool:
        if self.after > 0:
            self.after -= 1
            return False
        if self.times is None:
            return True
        if self.times <= 0:
            return False
        self.times -= 1
        return True


def _cmp_value(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        if re.match(r"^\d{4}-\d{2}-\d{2}T", v):
            try:
                return datetime.fromisoformat(v.replace("Z", "+00:00")[:26].rstrip("+")).replace(tzinfo=None)
            except ValueError:
                pass
        try:
            return float(v) if re.match(r"^-?\d+(\.\d+)?$", v) else v.lower()
        except ValueError:
            return v.lower()
    return v


def _dt(v: Any) -> Any:
    if isinstance(v, str):
        return _dt_str(v)
    return _cmp_value(v)


# The shape nearly every stored time has. For it the general path below only drops the 'Z', so parsing it directly
# gives the same value about five times faster: a date-filtered scan (an incremental pass) parses every record's
# change time once, and bench/bench_sync.py counts this double's time as the server's.
_PLAIN_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")


@functools.lru_cache(maxsize=500_000)
def _dt_str(v: str) -> Any:
    if _PLAIN_UTC.fullmatch(v):
        return datetime.fromisoformat(v[:-1])
    if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}T", v):
        s = v.replace("Z", "")
        s = re.sub(r"[+-]\d{2}:\d{2}$", "", s)
        s = re.sub(r"\.(\d{1,6})\d*", lambda m: "." + m.group(1), s)
        return datetime.fromisoformat(s)
    return _cmp_value(v)


def compile_filter(flt: dict[str, Any]) -> Callable[[dict[str, Any]], bool]:
    """Turn one Autotask filter object into a predicate (values converted once, not per record)."""
    op = str(flt.get("op", "")).lower()
    if op in ("and", "or"):
        parts = [compile_filter(f) for f in flt.get("items") or []]
        if op == "and":
            return lambda rec: all(p(rec) for p in parts)
        return lambda rec: any(p(rec) for p in parts)
    fname = str(flt.get("field", ""))
    low = fname.lower()
    if flt.get("udf"):
        def get(rec: dict[str, Any]) -> Any:
            return {u["name"].lower(): u.get("value") for u in rec.get("userDefinedFields") or []}.get(low)
    else:
        def get(rec: dict[str, Any]) -> Any:
            if fname in rec:
                return rec[fname]
            for k, v in rec.items():
                if k.lower() == low:
                    return v
            return None
    if op == "exist":
        return lambda rec: get(rec) not in (None, "")
    if op == "notexist":
        return lambda rec: get(rec) in (None, "")
    target = flt.get("value")
    if op in ("in", "notin"):
        vals = {_dt(x) for x in (target or [])}
        if op == "in":
            return lambda rec: (v := get(rec)) is not None and _dt(v) in vals
        return lambda rec: not ((v := get(rec)) is not None and _dt(v) in vals)
    b = _dt(target)
    sb = str(target).lower()
    cmp = {"eq": lambda a, b: a == b, "noteq": lambda a, b: a != b, "gt": lambda a, b: a > b,
           "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}.get(op)
    text = {"beginswith": str.startswith, "endswith": str.endswith, "contains": lambda a, b: b in a}.get(op)
    if cmp is None and text is None:
        raise ValueError(f"bad op {op}")

    def pred(rec: dict[str, Any]) -> bool:
        val = get(rec)
        if val is None:
            return op == "noteq"
        if text is not None:
            return text(str(val).lower(), sb)
        a, bb = _dt(val), b
        if isinstance(a, datetime) != isinstance(bb, datetime) or isinstance(a, str) != isinstance(bb, str):
            a, bb = str(val).lower(), sb
        return cmp(a, bb)
    return pred


def evaluate(flt: dict[str, Any], rec: dict[str, Any]) -> bool:
    return compile_filter(flt)(rec)


PICKLISTS: dict[str, dict[str, dict[str, str]]] = {
    "Companies": {"companyType": {"1": "Customer", "2": "Lead", "3": "Prospect", "4": "Dead", "6": "Cancellation",
                                  "7": "Vendor", "8": "Partner"}},
    "Tickets": {"queueID": {"5": "Service Desk", "6": "Monitoring", "8": "Projects"},
                "status": {"1": "New", "5": "Complete", "8": "In Progress"},
                "priority": {"1": "High", "2": "Medium", "3": "Low", "4": "Critical"}},
    "Resources": {"licenseType": {"1": "Full", "2": "Time & Expense", "7": "API User"}},
    "Products": {"productCategory": {"1": "Hardware", "2": "Software"}},
}


class FakeAutotask:
    """In-memory tenant plus HTTP behaviour. ``install(rsps)`` registers it on a ``responses.RequestsMock``."""

    def __init__(self, *, username: str = USERNAME, secret: str = SECRET, code: str = CODE,
                 zone_root: str = ZONE_ROOT, lookup_root: str = LOOKUP_ROOT) -> None:
        self.users = {username.lower(): (secret, code)}
        self.zone_root = zone_root
        self.lookup_root = lookup_root
        self.tables: dict[str, dict[int, dict[str, Any]]] = {}
        self._sorted: dict[str, list[int]] = {}
        self.picklists = json.loads(json.dumps(PICKLISTS))
        self.faults: list[Fault] = []
        self.calls: list[tuple[str, str]] = []
        self.request_count = 0
        self.threshold_limit = 10000
        self.next_page_mode = "post"  # "post" | "405" (nextPageUrl unusable) | "truncate" (drops later pages)
        self.denied: dict[str, int] = {}  # entity → 403 or 500 ('adequate permissions')
        self._ids = itertools.count(1000)
        self.now = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)

    # ------------------------------------------------------------------ data
    def add(self, entity: str, **fields: Any) -> int:
        rid = fields.pop("id", None) or next(self._ids)
        rec = {"id": rid, **fields}
        if entity in ("ConfigurationItems", "Companies", "Contacts", "Tickets"):
            rec.setdefault("userDefinedFields", [])
        self.tables.setdefault(entity, {})[rid] = rec
        lst = self._sorted.setdefault(entity, [])
        if not lst or rid > lst[-1]:
            lst.append(rid)
        else:
            i = bisect.bisect_left(lst, rid)
            if i == len(lst) or lst[i] != rid:
                lst.insert(i, rid)
        return rid

    def update(self, entity: str, rid: int, **fields: Any) -> None:
        self.tables[entity][rid].update(fields)

    def delete(self, entity: str, rid: int) -> None:
        del self.tables[entity][rid]
        self._sorted[entity].remove(rid)

    def get(self, entity: str, rid: int) -> dict[str, Any]:
        return self.tables[entity][rid]

    # ------------------------------------------------------------------ http
    def install(self, rsps: responses.RequestsMock) -> FakeAutotask:
        for root in {self.lookup_root, self.zone_root}:
            host = re.escape(root.split("/ATServicesRest/")[0])
            for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
                rsps.add_callback(method, re.compile(host + r"/.*"), callback=self._handle)
        return self

    def _handle(self, req: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(req.url or "")
        path = parts.path
        self.calls.append((req.method or "", path))
        key = f"{req.method} {path}"
        for f in self.faults:
            if re.search(f.pattern, key) and f.take():
                if f.exc is not None:
                    raise f.exc
                if f.raw is not None:
                    return f.status, {"Content-Type": "application/json", **f.headers}, f.raw
                return f.status, {"Content-Type": "application/json", **f.headers}, json.dumps(f.body) \
                    if f.body is not None else ""
        body = json.loads(req.body) if req.body else None
        status, payload = self.route(req.method or "GET", parts, dict(req.headers), body)
        return status, {"Content-Type": "application/json"}, json.dumps(payload) if payload is not None else ""

    def route(self, method: str, parts: Any, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        path = parts.path
        low = path.lower()
        qs = {k: v[0] for k, v in parse_qs(parts.query).items()}
        base = f"{parts.scheme}://{parts.netloc}"
        if low.endswith("/zoneinformation"):
            user = (qs.get("user") or "").lower()
            if user not in self.users:
                return 500, {"errors": ["Zone information could not be determined"]}
            return 200, {"zoneName": "Fake Zone", "url": self.zone_root, "webUrl": "http://127.0.0.1:8113/", "ci": 1}
        if not (base + "/ATServicesRest/").startswith(self.zone_root.rsplit("/ATServicesRest/")[0]):
            return 404, {"errors": ["not the zone host"]}
        h = {k.lower(): v for k, v in headers.items()}
        user = (h.get("username") or "").lower()
        if user not in self.users or self.users[user][0] != h.get("secret"):
            return 401, None
        if self.users[user][1] != h.get("apiintegrationcode"):
            return 500, {"errors": ["IntegrationCode is invalid."]}
        self.request_count += 1
        m = re.match(r"^/atservicesrest/v1\.0/(.*)$", low)
        if not m:
            return 404, {"errors": ["no route"]}
        rest = path[len("/ATServicesRest/V1.0/"):]
        segs = [s for s in rest.split("/") if s]
        if segs[0].lower() == "thresholdinformation":
            return 200, {"externalRequestThreshold": self.threshold_limit, "requestThresholdTimeframe": 60,
                         "currentTimeframeRequestCount": self.request_count}
        entity = segs[0]
        canon = {e.lower(): e for e in [*self.tables, *self.picklists, "Countries", "ClassificationIcons",
                                        "ConfigurationItemTypes", "Products", "Resources", "CompanyLocations",
                                        "Contacts", "ConfigurationItems", "Tickets", "Companies"]}
        entity = canon.get(entity.lower(), entity)
        if entity in self.denied:
            code = self.denied[entity]
            if code == 403:
                return 403, {"errors": ["forbidden"]}
            return 500, {"errors": ["The logged in Resource does not have the adequate permissions"]}
        tail = [s.lower() for s in segs[1:]]
        if tail[:2] == ["entityinformation", "fields"]:
            pk = self.picklists.get(entity, {})
            return 200, {"fields": [{"name": n, "dataType": "integer", "isPickList": True,
                                     "picklistValues": [{"value": v, "label": lab, "isActive": True}
                                                        for v, lab in vals.items()]} for n, vals in pk.items()]}
        if tail == ["query", "count"] and method == "POST":
            return 200, {"queryCount": sum(1 for _ in self._scan(entity, body or {}, None))}
        if tail == ["query"] and method == "POST":
            return 200, self._page(entity, body or {}, None, base)
        if tail == ["query", "next"]:
            if self.next_page_mode == "405":
                return 405, {"Message": "The requested resource does not support http method 'POST'."}
            last = json.loads(qs["paging"])["lastId"]
            if self.next_page_mode == "truncate":
                return 200, {"items": [], "pageDetails": {"count": 0, "requestCount": 500, "prevPageUrl": None,
                                                          "nextPageUrl": None}}
            return 200, self._page(entity, body or {}, last, base)
        if len(tail) == 1 and tail[0].isdigit() and method == "GET":
            return 200, {"item": self.tables.get(entity, {}).get(int(tail[0]))}
        return 404, {"errors": [f"unsupported {method} {path}"]}

    def _scan(self, entity: str, body: dict[str, Any], after: int | None) -> Any:
        lower = {k.lower(): v for k, v in body.items()}
        filters = [compile_filter(f) for f in lower.get("filter") or []]
        if not filters:
            raise ValueError("filter required")
        ids = self._sorted.get(entity, [])
        start = bisect.bisect_right(ids, after) if after is not None else 0
        table = self.tables.get(entity, {})
        for rid in ids[start:]:
            rec = table[rid]
            if all(f(rec) for f in filters):
                yield rec

    def _page(self, entity: str, body: dict[str, Any], after: int | None, base: str) -> dict[str, Any]:
        lower = {k.lower(): v for k, v in body.items()}
        size = min(500, int(lower.get("maxrecords") or 500))
        inc = [f.lower() for f in lower.get("includefields") or []]
        items = []
        more = False
        for rec in self._scan(entity, body, after):
            if len(items) == size:
                more = True
                break
            items.append(rec)
        out = []
        for rec in items:
            if inc:
                r = {k: v for k, v in rec.items() if k.lower() in inc or k in ("id", "userDefinedFields")}
            else:
                r = dict(rec)
            out.append(json.loads(json.dumps(r)))
        nxt = None
        if more:
            paging = quote(json.dumps({"lastId": items[-1]["id"]}))
            nxt = f"{self.zone_root}V1.0/{entity}/query/next?paging={paging}"
        return {"items": out, "pageDetails": {"count": len(out), "requestCount": size,
                                              "prevPageUrl": None, "nextPageUrl": nxt}}


def demo_tenant(fake: FakeAutotask) -> dict[str, int]:
    """A small tenant exercising the mapping: types, products, companies with locations, contacts, CIs, tickets."""
    ids: dict[str, int] = {}
    ids["server"] = fake.add("ConfigurationItemTypes", id=1, name="Server", isActive=True)
    ids["workstation"] = fake.add("ConfigurationItemTypes", id=2, name="Workstation", isActive=True)
    ids["prod_dell"] = fake.add("Products", id=10, name="PowerEdge R740", manufacturerName="Dell",
                                manufacturerProductName="R740")
    ids["prod_hp"] = fake.add("Products", id=11, name="EliteBook 840", manufacturerName="HP",
                              manufacturerProductName="840 G8")
    fake.add("Countries", id=237, name="United States")
    fake.add("Countries", id=236, name="United Kingdom")
    fake.add("ClassificationIcons", id=1, name="Gold")
    fake.add("ClassificationIcons", id=2, name="Silver")
    ids["admin"] = fake.add("Resources", id=29682885, firstName="Ada", lastName="Admin", email="ada@msp.example",
                            userName="ada", licenseType=1, isActive=True)
    ids["apiuser"] = fake.add("Resources", id=29682886, firstName="Sync", lastName="Bot",
                              email="sync@EXAMPLE.APIUSER.com", userName="sync@EXAMPLE.APIUSER.com", licenseType=7,
                              isActive=True)
    ts = "2026-01-10T10:00:00Z"
    ids["acme"] = fake.add("Companies", id=100, companyName="Acme", companyType=1, classification=1, isActive=True,
                           companyNumber="ACM", parentCompanyID=None, lastActivityDate=ts)
    ids["globex"] = fake.add("Companies", id=101, companyName="Globex", companyType=1, classification=None,
                             isActive=True, companyNumber="GLX", parentCompanyID=100, lastActivityDate=ts)
    ids["lead"] = fake.add("Companies", id=102, companyName="Initech", companyType=2, classification=2,
                           isActive=True, companyNumber="INI", parentCompanyID=None, lastActivityDate=ts)
    for cid in (100, 101, 102):
        ids[f"loc_{cid}"] = fake.add("CompanyLocations", id=200 + cid, companyID=cid, name="Primary Location",
                                     address1=f"{cid} Main St", address2="", city="Springfield", state="IL",
                                     postalCode="62701", countryID=237, isPrimary=True, phone="555-0100")
    ids["c_ann"] = fake.add("Contacts", id=400, companyID=100, firstName="Ann", lastName="Lee", title="CTO",
                            emailAddress="ann@acme.example", phone="555-1000", extension="12",
                            mobilePhone="555-2000", companyLocationID=300, isActive=1, lastModifiedDate=ts)
    ids["c_bob"] = fake.add("Contacts", id=401, companyID=100, firstName="Bob", lastName="Ray",
                            emailAddress="bob@acme.example", companyLocationID=None, addressLine="9 Home Rd",
                            city="Shelbyville", state="IL", zipCode="62565", countryID=237, isActive=1,
                            lastModifiedDate=ts)
    ids["ci_srv"] = fake.add("ConfigurationItems", id=500, companyID=100, productID=10, configurationItemType=1,
                             referenceTitle="ACME-DC01", referenceNumber="A-1", serialNumber="SN-500",
                             isActive=True, contactID=400, companyLocationID=300, installDate="2025-01-01T00:00:00Z",
                             notes="rack 1", warrantyExpirationDate="2028-01-01T00:00:00Z", lastModifiedTime=ts,
                             userDefinedFields=[{"name": "MAC Address", "value": "aa:bb:cc:00:00:01"}])
    ids["ci_blank"] = fake.add("ConfigurationItems", id=501, companyID=100, productID=11, configurationItemType=None,
                               referenceTitle="", serialNumber="SN-501", isActive=True, lastModifiedTime=ts,
                               userDefinedFields=[])
    ids["ci_glx"] = fake.add("ConfigurationItems", id=502, companyID=101, productID=11, configurationItemType=2,
                             referenceTitle="GLX-WS1", serialNumber="SN-502", isActive=False, lastModifiedTime=ts,
                             userDefinedFields=[{"name": "MAC Address", "value": "AA-BB-CC-00-00-02"}])
    ids["t_1"] = fake.add("Tickets", id=600, companyID=100, ticketNumber="T20260101.0001", title="Printer",
                          queueID=5, status=1, priority=2, contactID=400, configurationItemID=500,
                          createDate="2025-12-01T00:00:00Z", lastActivityDate="2026-01-05T00:00:00Z")
    ids["t_old"] = fake.add("Tickets", id=601, companyID=100, ticketNumber="T20240101.0001", title="Old",
                            queueID=5, status=5, priority=3, createDate="2024-01-01T00:00:00Z",
                            lastActivityDate="2024-02-01T00:00:00Z")
    ids["t_other_queue"] = fake.add("Tickets", id=602, companyID=100, ticketNumber="T20260101.0002",
                                    title="Monitoring", queueID=6, status=1, priority=2,
                                    createDate="2026-01-01T00:00:00Z", lastActivityDate="2026-01-01T00:00:00Z")
    return ids


def fake_client_factory(clock: Any, **client_kw: Any) -> Callable[..., Any]:
    """A SyncService client factory with fast, deterministic retries (sleep goes through the ManualClock)."""
    import random

    from reference_impl.client import AutotaskClient, RetryPolicy

    retry = client_kw.pop("retry", RetryPolicy(max_attempts=3, base_delay=0.1, max_delay=1.0))

    def factory(cfg: Any, clk: Any) -> AutotaskClient:
        return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, zone_url=cfg.zone_url,
                              cached_zone=cfg.cached_zone, clock=clk, rng=random.Random(7), retry=retry,
                              **client_kw)
    return factory


def rec(svc: Any, kind: str, psa_id: int) -> dict[str, Any] | None:
    """The documentation record linked to an Autotask id (any state), as the service exposes it."""
    for r in svc.records(kind):
        if r["sync"] and r["sync"]["psa_id"] == psa_id:
            return r
    return None


def snapshot(svc: Any) -> dict[str, Any]:
    """Every record (fields, unmapped, link) of every kind — to assert 'nothing changed'."""
    out = {}
    for k in ("organization", "location", "contact", "configuration", "ticket"):
        out[k] = [{x: y for x, y in r.items() if x != "updated_at"} for r in svc.records(k)]
    return out


def base_settings(**kw) -> SyncSettings:
    """Settings selecting the demo tenant's customers, both CI types, the Service Desk queue."""
    d = dict(account_types={"1"}, ci_types={"1", "2"}, sync_without_ci_type=True, contacts_enabled=True,
             locations_enabled=True, queues={"5"}, default_account_manager=29682885, default_material_code="100",
             default_product_category="1")
    d.update(kw)
    return SyncSettings(**d)
