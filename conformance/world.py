"""One example's world: a fresh mock Autotask tenant plus a connected adapter.

Two modes, chosen per run (the suites cannot tell them apart):

* **in-process** (the default for Python adapters, because it is faster): the tenant lives in an app in this
  process and ``requests`` calls to the real Autotask hosts are routed into it (``mockserver.mock_autotask``);
  ``Connection.zone_lookup_url`` is ``https://webservices.autotask.net``.
* **live** (``--live``, and always for remote adapters): the same app is served over real HTTP on a loopback
  port (:mod:`conformance.live`); ``Connection.zone_lookup_url`` is ``http://127.0.0.1:PORT`` and nothing of
  the implementation is patched or intercepted.

The suites never reach the implementation except through the adapter; they reach Autotask through the mock's
REST API (edits, like a technician in the Autotask UI would make them) and its admin API (seeding, faults, the
request journal).

Tenant specs (built by ``conformance.strategies.tenants``) are plain dicts::

    {"companies": [{"id": 1001, "name": "Contoso", "type": 1, "parent": None, "created": "2024-01-01T00:00:00Z"}],
     "contacts":  [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
     "cis":       [{"id": 100001, "company": 1001, "serial": "SN1", "mac": "00:1A:..", "type": 1}],
     "locations": [{"id": 10001, "company": 1001, "name": "HQ", "address1": "1 Main St", "city": "X", ...}],
     "tickets":   [{"id": 700001, "company": 1001, "number": "T20260101.0001", "queue": 29682833,
                   "created": "2025-12-01T00:00:00Z", "updated": "2025-12-15T00:00:00Z"}],
     "clock":     "2026-03-31T12:00:00Z",   # optional: the tenant clock (default BASE_TIME)
     "docs":      [{"kind": "organization", "ref": "o0", "fields": {...}, "created_at": "..."},
                   {"kind": "configuration", "org": "o0", "fields": {...}, "created_at": "..."}]}
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from conformance import progress
from conformance.adapter import DEFAULT_SETTINGS, KINDS, AdapterFactory, Connection, SyncAdapter
from conformance.mock_app import shared_app  # re-exported: suites and scenarios import it from here

MANAGER = 29682884  # the minimal fixture's Full-licence administrator (SC-08)
API_ONLY_MANAGER = 29682885  # the API user (SC-08: must be refused)
MATERIAL_CODE = "29682801"
PRODUCT_CATEGORY = "1"
QUEUES = {"Triage": 29682833, "Level I Support": 29682969, "Monitoring Alerts": 29683498}
WRITE_KINDS = ("collection", "item", "child_collection", "child_item")
BASE_TIME = "2026-01-01T00:00:00Z"

ENTITY = {"organization": "Companies", "location": "CompanyLocations", "contact": "Contacts",
          "configuration": "ConfigurationItems", "ticket": "Tickets"}


def base_settings(**kw: Any) -> dict[str, Any]:
    """Everything in scope: customers (type 1), CI types 1 and 2 and blank, contacts, locations, Triage."""
    s = dict(DEFAULT_SETTINGS, account_types=["1"], ci_types=["1", "2"], sync_without_ci_type=True,
             contacts_enabled=True, locations_enabled=True, queues=[str(QUEUES["Triage"])],
             default_account_manager=MANAGER, default_material_code=MATERIAL_CODE,
             default_product_category=PRODUCT_CATEGORY)
    s.update(kw)
    return s


_base_doc: dict[str, Any] | None = None
_live_mode = False


def use_live_mode(live: bool = True) -> None:
    """Run every later example against the live mock (``--live``); remote adapter factories always do."""
    global _live_mode
    _live_mode = bool(live)


def live_mode(factory: Any = None) -> bool:
    """Whether examples for ``factory`` run live: the run's choice, or the factory's own need (remote adapters)."""
    return _live_mode or bool(getattr(factory, "needs_live_mock", False))


def _base() -> dict[str, Any]:
    global _base_doc
    if _base_doc is None:
        from mockserver.fixtures_loader import read_fixture

        doc, _ = read_fixture("minimal")
        _base_doc = doc
    return _base_doc


def at_company(c: dict[str, Any]) -> dict[str, Any]:
    return {"id": c["id"], "companyName": c["name"], "companyNumber": str(c["id"]), "companyType": c.get("type", 1),
            "classification": c.get("classification"), "ownerResourceID": MANAGER, "parentCompanyID": c.get("parent"),
            "isActive": True, "phone": "555-0100", "createDate": c.get("created", "2024-01-01T00:00:00Z"),
            "lastActivityDate": "2025-12-01T00:00:00Z"}


def at_location(x: dict[str, Any]) -> dict[str, Any]:
    return {"id": x["id"], "companyID": x["company"], "name": x["name"], "isPrimary": False, "isActive": True,
            "address1": x.get("address1"), "address2": x.get("address2"), "city": x.get("city"),
            "state": x.get("state"), "postalCode": "00000", "countryID": x.get("country", 237)}  # 237 United States


def at_contact(x: dict[str, Any]) -> dict[str, Any]:
    return {"id": x["id"], "companyID": x["company"], "firstName": x["first"], "lastName": x["last"],
            "title": x.get("title"), "emailAddress": x.get("email"), "isActive": 1,
            "createDate": "2024-01-01T00:00:00Z", "lastActivityDate": "2025-12-01T00:00:00Z"}


def at_ci(x: dict[str, Any]) -> dict[str, Any]:
    udfs = [{"name": "MAC Address", "value": x.get("mac")}]
    return {"id": x["id"], "companyID": x["company"], "productID": 401, "configurationItemType": x.get("type"),
            "referenceTitle": x.get("title") or f"DEV-{x['id']}", "serialNumber": x.get("serial"), "isActive": True,
            "installDate": "2024-01-01T00:00:00Z", "createDate": "2024-01-01T00:00:00Z",
            "lastModifiedTime": "2025-12-01T00:00:00Z", "userDefinedFields": udfs}


def at_ticket(x: dict[str, Any]) -> dict[str, Any]:
    return {"id": x["id"], "companyID": x["company"], "ticketNumber": x["number"], "title": x.get("title", "Help"),
            "status": 1, "priority": 2, "queueID": x.get("queue", QUEUES["Triage"]),
            "createDate": x.get("created", "2025-12-01T00:00:00Z"),
            "lastActivityDate": x.get("updated", "2025-12-15T00:00:00Z")}


def tenant_document(spec: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(_base())
    recs = doc["records"]
    recs["Companies"] = [at_company(c) for c in spec.get("companies", ())]
    recs["CompanyLocations"] = [at_location(x) for x in spec.get("locations", ())]
    recs["Contacts"] = [at_contact(x) for x in spec.get("contacts", ())]
    recs["ConfigurationItems"] = [at_ci(x) for x in spec.get("cis", ())]
    recs["Tickets"] = [at_ticket(x) for x in spec.get("tickets", ())]
    doc["faults"] = []
    doc["tenant"] = {**doc["tenant"], "name": "conformance", "clock": spec.get("clock", BASE_TIME)}
    return doc


class World:
    """A tenant handle plus the adapter under test, with helpers the suites share."""

    def __init__(self, at: Any, adapter: SyncAdapter, spec: dict[str, Any]) -> None:
        self.at = at
        self.adapter = adapter
        self.spec = spec
        self.doc_ids: dict[str, Any] = {}  # spec "ref" → local id of pre-existing documentation records
        self._mark = 0
        self._session = at.session()

    # ------------------------------------------------------------------ documentation side
    def seed_docs(self) -> None:
        for d in self.spec.get("docs", ()):
            org = self.doc_ids[d["org"]] if d.get("org") is not None else None
            rid = self.adapter.create_record(d["kind"], d["fields"], org_id=org, created_at=d.get("created_at"),
                                             unmapped=d.get("unmapped"), via=d.get("via", "api"))
            if d.get("ref"):
                self.doc_ids[d["ref"]] = rid

    def records(self, kind: str) -> list[dict[str, Any]]:
        return self.adapter.records(kind)

    def all_records(self) -> dict[str, list[dict[str, Any]]]:
        return {k: self.adapter.records(k) for k in KINDS}

    def by_psa(self, kind: str) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        for r in self.adapter.records(kind):
            if r["link"] is not None and r["link"]["psa_id"] is not None:  # None: a failed first push (P-11)
                out.setdefault(int(r["link"]["psa_id"]), []).append(r)
        return out

    def linked(self, kind: str, psa_id: int) -> dict[str, Any] | None:
        lst = self.by_psa(kind).get(int(psa_id)) or []
        return lst[0] if lst else None

    def record(self, kind: str, record_id: Any) -> dict[str, Any] | None:
        """The documentation record ``record_id`` of ``kind`` as the adapter shows it now, or None when it is gone."""
        return next((r for r in self.records(kind) if r["id"] == record_id), None)

    def must_link(self, kind: str, psa_id: int) -> dict[str, Any]:
        """The record linked to an in-scope Autotask record; a sync that did not link it fails here with the rule it
        broke (M-07/CR-01: every in-scope record is pulled) instead of crashing the property further on."""
        rec = self.linked(kind, psa_id)
        assert rec is not None, f"M-07/CR-01: the in-scope {kind} {psa_id} was not linked by the pass"
        return rec

    def pass_ok(self, full: bool = True) -> dict[str, Any]:
        r = self.adapter.run_pass(full=full)
        assert r["ok"], f"sync pass failed against a healthy tenant: {r.get('error')}"
        return r

    # ------------------------------------------------------------------ Autotask side (REST API of the mock)
    def _req(self, method: str, path: str, body: Any = None) -> Any:
        resp = self._session.request(method, self.at.url(path), json=body, timeout=30)
        assert resp.status_code < 300, f"{method} {path} -> {resp.status_code} {resp.text[:300]}"
        return resp.json() if resp.content else None

    def at_get(self, entity: str, rid: int) -> dict[str, Any] | None:
        resp = self._session.get(self.at.url(f"{entity}/{rid}"), timeout=30)
        if resp.status_code == 404:
            return None
        item = resp.json().get("item")
        return item

    def _company_of(self, entity: str, rid: int) -> Any:
        """The company of an Autotask contact or location (its child path names it)."""
        record = self.at_get(entity, rid)
        assert record is not None, f"the Autotask {entity} {rid} does not exist"
        return record["companyID"]

    def at_query(self, entity: str) -> list[dict[str, Any]]:
        body = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
        out, url = [], self.at.url(f"{entity}/query")
        while url:
            page = self._session.post(url, json=body, timeout=30).json()
            out += page.get("items", [])
            url = page.get("pageDetails", {}).get("nextPageUrl")
        return out

    def at_update(self, entity: str, rid: int, **fields: Any) -> None:
        if entity in ("Contacts", "CompanyLocations"):
            company = self._company_of(entity, rid)
            seg = "Contacts" if entity == "Contacts" else "Locations"
            self._req("PATCH", f"Companies/{company}/{seg}", {"id": rid, **fields})
        else:
            self._req("PATCH", entity, {"id": rid, **fields})

    def at_create(self, entity: str, **fields: Any) -> int:
        if entity in ("Contacts", "CompanyLocations"):
            seg = "Contacts" if entity == "Contacts" else "Locations"
            out = self._req("POST", f"Companies/{fields['companyID']}/{seg}", fields)
        else:
            out = self._req("POST", entity, fields)
        return int(out["itemId"])

    def at_delete(self, entity: str, rid: int) -> None:
        seg = {"Contacts": "Contacts", "CompanyLocations": "Locations"}[entity]
        company = self._company_of(entity, rid)
        self._req("DELETE", f"Companies/{company}/{seg}/{rid}")

    # ------------------------------------------------------------------ journal: writes the sync made
    def mark(self) -> None:
        """Forget earlier requests: :meth:`writes` only reports requests made after this call."""
        self.at.clear_journal()

    def writes(self) -> list[dict[str, Any]]:
        """Requests since :meth:`mark` that write to Autotask (POST/PATCH/PUT/DELETE that are not queries)."""
        out = []
        for e in self.at.calls():
            m = (e.get("method") or "").upper()
            if m in ("PATCH", "PUT", "DELETE") or (m == "POST" and e.get("kind") in WRITE_KINDS):
                out.append(e)
        return out

    # ------------------------------------------------------------------ faults (admin API)
    def fault(self, rule: dict[str, Any]) -> None:
        self.at.admin.request("POST", "/_mock/faults", body=rule, params={"tenant": self.at.tenant_name})

    def clear_faults(self) -> None:
        self.at.admin.request("DELETE", "/_mock/faults", params={"tenant": self.at.tenant_name})


@contextmanager
def _tenant(document: dict[str, Any], *, live: bool) -> Iterator[Any]:
    """A fresh isolated tenant: in-process (intercepted ``requests``) or on the live mock (real HTTP)."""
    if live:
        from conformance.live import live_tenant

        with live_tenant(document) as at:
            yield at
        return
    from mockserver import mock_autotask

    with mock_autotask(document, app=shared_app(), isolate=True) as at:
        yield at


@contextmanager
def world(factory: AdapterFactory, spec: dict[str, Any], settings: dict[str, Any] | None = None, *,
          connect: bool = True, seed_docs: bool = True) -> Iterator[World]:
    """A fresh tenant from ``spec``, a fresh adapter connected to it, settings applied, docs seeded.

    The adapter is made first: a remote adapter (or a wrapper around one, like the runner's guard) says by its
    ``needs_live_mock`` attribute that it can only reach a live mock, whatever the factory looks like.
    """
    progress.example(spec, settings)  # the runner counts examples and keeps the last one (replay scenarios)
    adapter = factory()
    closed = False
    try:
        live = live_mode(factory) or bool(getattr(adapter, "needs_live_mock", False))
        with _tenant(tenant_document(spec), live=live) as at:
            try:
                w = World(at, adapter, spec)
                if connect:
                    c = at.credentials
                    adapter.connect(Connection(c.user_name, c.secret, c.integration_code, at.root_url, at.now()))
                    if seed_docs:
                        w.seed_docs()
                    adapter.apply_settings(settings if settings is not None else base_settings())
                yield w
            finally:
                closed = True
                adapter.close()
    finally:
        if not closed:
            adapter.close()


def add_resource(w: World, first: str, last: str, *, license_type: int = 1, active: bool = True) -> int:
    """Create an Autotask resource through the mock's admin API (a second Default Account Manager choice, SC-08:
    licence 1 is a full licence, 7 an API-only user); returns its id."""
    user = f"{first}.{last}".lower()
    domain = "MINIMAL.APIUSER.com" if license_type == 7 else "northwind-msp.com"
    status, body = w.at.admin.request("POST", f"/_mock/tenants/{w.at.tenant_name}/records", body={"Resources": [
        {"firstName": first, "lastName": last, "userName": user, "email": f"{user}@{domain}",
         "licenseType": license_type, "isActive": active, "resourceType": "Employee"}]})
    assert status < 300, f"the mock refused the resource: {status} {body}"
    return int(body["created"]["Resources"][0])
