"""Two-way push (documentation platform → Autotask), §8 and §9 of shared/spec/sync-behaviour.md.

Why a separate module: the pull decides *what Autotask says*; the push decides *what may be written to Autotask*,
and the spec hedges every write with prerequisites (P-08, FM-C6, SC-08, Q12) and failure rules (P-11, R-05). The
service decides *when* a push runs (P-01 two-way off, P-14 paused, O-09 orphans, R-01 disabled, T-04 tickets); this
module only ever runs when the service says so.

Write paths follow autotask-api.md §6: Companies and ConfigurationItems on the root collection, Contacts and
CompanyLocations through ``Companies/{id}/Contacts|Locations``; every update is a sparse PATCH with the id in the
body carrying only the fields being pushed (P-03). Nothing is ever deleted in Autotask (P-13).

Nothing is lost (issue 5): before a POST the record is marked ``pending_create`` in ``push_state`` (committed), so
when the answer is lost (500, dropped connection) the retry first looks for the record the lost POST may have made —
standard matching (P-06) finds keyed records, a fingerprint query finds the rest — and links it instead of creating a
duplicate. A failed PATCH keeps the unpushed field names, so the retry (R-05) pushes exactly those again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from reference_impl.client import ALL, AutotaskClient, AutotaskError, RequestError
from reference_impl.clock import Clock, iso, parse_at_datetime
from reference_impl.docstore import DocStore, Record
from reference_impl.sync.mapping import AUTOTASK_DEFAULT_TYPE, ENTITY_OF, MAPPINGS, Lookups, push_fields
from reference_impl.sync.matching import mac_key, serial_key
from reference_impl.sync.push_rules import contact_channels, missing_for_push, new_company_defaults
from reference_impl.sync.scope import company_in_scope, device_in_scope
from reference_impl.sync.settings import SyncSettings, is_api_only_resource

PUSH_KINDS = ("organization", "location", "contact", "configuration")  # T-04: tickets are pull-only
# Child write paths (autotask-api.md §6).
CHILD_PATH = {"contact": "Contacts", "location": "Locations"}
# Mapped reference fields pushed as Autotask ids when the referenced record is linked.
REF_FIELDS = {"configuration": {"contact_id": ("contact", "contactID"), "location_id": ("location", "companyLocationID")},
              "contact": {"location_id": ("location", "companyLocationID")}}
# Autotask requires a phone on every company; the documentation organization has none (chosen default, README).
PLACEHOLDER_COMPANY_PHONE = "000-000-0000"


class PushError(Exception):
    """A push the rules refuse or Autotask rejects; ``message`` is what the record's error state shows (P-11)."""

    def __init__(self, message: str, rule: str = "P-11") -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule


class Ineligible(Exception):
    """P-08/PA-07: the record is not one set to sync (not an error: nothing is pushed and it is logged)."""


@dataclass
class PushOutcome:
    """What one push did: ``action`` is none | updated | linked | created | error | skipped."""

    kind: str
    record_id: int
    action: str
    psa_id: int | None = None
    body: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "record_id": self.record_id, "action": self.action, "psa_id": self.psa_id,
                "body": self.body, "error": self.error, "reason": self.reason}


def _blank(v: Any) -> bool:
    return v is None or v == ""


class Pusher:
    """Pushes records of one store through one client; construct per operation."""

    def __init__(self, store: DocStore, client: AutotaskClient, settings: SyncSettings, clock: Clock) -> None:
        self.store = store
        self.client = client
        self.s = settings
        self.clock = clock
        self._lookups: Lookups | None = None
        self._manager_checked = False

    # ------------------------------------------------------------------ metadata
    def lookups(self, need: Iterable[str] = ()) -> Lookups:
        """Cached pull lookups, refreshed from Autotask when a table the push needs is empty."""
        if self._lookups is None:
            self._lookups = Lookups.from_json(self.store.cache_get("lookups"))
        lk = self._lookups
        for name in need:
            if getattr(lk, name):
                continue
            if name == "company_types":
                lk.company_types = self.client.picklists("Companies").get("companyType", {})
            elif name == "ci_types":
                lk.ci_types = {str(t["id"]): str(t.get("name") or "") for t in
                               self.client.query_all("ConfigurationItemTypes", list(ALL), ["id", "name"])}
            elif name == "countries":
                try:
                    lk.countries = {str(x["id"]): str(x.get("name") or "") for x in
                                    self.client.query_all("Countries", list(ALL), ["id", "name"])}
                except RequestError:
                    pass
        return lk

    # ------------------------------------------------------------------ eligibility (P-08, FM-C6, PA-07, Q12)
    def check_eligible(self, rec: Record) -> None:
        """Raise :class:`Ineligible` when the record is not one set to sync (P-08)."""
        k, f, s = rec.kind, rec.fields, self.s
        if k not in PUSH_KINDS:
            raise Ineligible("tickets are pull-only (T-04)")
        if k == "organization":
            if _blank(f.get("name")):
                raise Ineligible("the organization has no name (M-11)")
            value = Lookups.value_of(self.lookups(["company_types"]).company_types, f.get("org_type"))
            if value is None or not company_in_scope({"companyType": value, "classification": None},
                                                     s.with_(classification_sync=False)):
                raise Ineligible(f"organization type {f.get('org_type')!r} is not set to sync (P-08)")
        elif k == "configuration":
            missing = missing_for_push(k, f)
            if missing:
                raise Ineligible(f"missing {', '.join(missing)} (FM-C6, P-08)")
            t = f.get("configuration_type")
            if t == AUTOTASK_DEFAULT_TYPE:
                ok = s.sync_without_ci_type
            else:
                tid = Lookups.value_of(self.lookups(["ci_types"]).ci_types, t)
                ok = tid is not None and device_in_scope({"configurationItemType": int(tid) if tid.isdigit()
                                                          else tid}, s)
            if not ok:
                raise Ineligible(f"configuration type {t!r} is not set to sync (P-08)")
        elif k == "contact":
            if not s.contacts_enabled:
                raise Ineligible("contact sync is off (SC-04)")
            if _blank(f.get("first_name")) or _blank(f.get("last_name")):
                raise Ineligible("a contact needs a first and a last name")
        elif k == "location":
            if not s.locations_enabled:
                raise Ineligible("location sync is off (SC-05)")
            if _blank(f.get("name")):
                raise Ineligible("a location needs a name")

    def org_company(self, rec: Record) -> int:
        """Q12: a child is pushed only into the Autotask company its organization is actively linked to."""
        assert rec.organization_id is not None
        link = self.store.get_link("organization", rec.organization_id)
        if link is None or not link.active:
            raise PushError("Organization not synced: push the organization to Autotask first (Q12).", "Q12")
        return link.psa_id

    # ------------------------------------------------------------------ bodies
    def body_for(self, rec: Record, names: Iterable[str]) -> dict[str, Any]:
        """Autotask fields for the given documentation fields: ↔ rows only (P-03), UDFs never (FM-G4)."""
        names = list(names)
        lk = self.lookups(["company_types"] if rec.kind == "organization" else
                          ["ci_types"] if rec.kind == "configuration" else
                          ["countries"] if rec.kind == "location" else [])
        body = push_fields(rec.kind, {n: rec.fields.get(n) for n in names}, lk)
        if rec.kind == "configuration" and ("manufacturer" in names or "model" in names):
            body["productID"] = self.product_id(rec)
        for name, (ref_kind, at_field) in REF_FIELDS.get(rec.kind, {}).items():
            if name in names:
                target = rec.fields.get(name)
                link = self.store.get_link(ref_kind, int(target)) if target is not None else None
                if target is None:
                    body[at_field] = None
                elif link is not None and link.active:
                    body[at_field] = link.psa_id
                # a reference to a record Autotask does not know is left out rather than invented
        return body

    def pushable(self, kind: str) -> list[str]:
        """Documentation fields a push may carry for a kind (↔ rows plus resolved references and the product)."""
        names = [fm.itg for fm in MAPPINGS[kind] if fm.push is not None]
        names += list(REF_FIELDS.get(kind, {}))
        if kind == "configuration":
            names += ["manufacturer", "model"]
        return names

    def product_id(self, rec: Record) -> int:
        """FM-C5/FM-C2: the Product for manufacturer + model (exact names, Q17), created once with the Default
        Material Code and Default Product Category when Autotask has none (P-09)."""
        manu, model = rec.fields.get("manufacturer"), rec.fields.get("model")
        found = self.client.query_all("Products", [{"op": "eq", "field": "manufacturerName", "value": manu},
                                                   {"op": "eq", "field": "manufacturerProductName", "value": model}],
                                      ["id", "manufacturerName", "manufacturerProductName"])
        exact = sorted(int(p["id"]) for p in found
                       if p.get("manufacturerName") == manu and p.get("manufacturerProductName") == model)
        if exact:
            return exact[0]
        if self.s.default_material_code is None or self.s.default_product_category is None:
            raise PushError("Default Material Code and Default Product Category are required to create the "
                            "product in Autotask (SC-09).", "SC-09")
        code, cat = self.s.default_material_code, self.s.default_product_category
        body = {"name": f"{manu} {model}", "manufacturerName": manu, "manufacturerProductName": model,
                "isActive": True, "productBillingCodeID": int(code) if code.isdigit() else code,
                "productCategory": int(cat) if cat.isdigit() else cat}
        pid = self.client.create("Products", body)
        self.store.log(None, "info", f"Created product {pid} '{manu} {model}' in Autotask with the default material "
                       "code and product category (FM-C5, P-09)", kind="configuration", record_id=rec.id)
        return pid

    # ------------------------------------------------------------------ writes
    def _write(self, method: str, rec: Record, body: dict[str, Any], company: int | None) -> int:
        if rec.kind in CHILD_PATH:
            path = f"Companies/{company}/{CHILD_PATH[rec.kind]}"
        else:
            path = ENTITY_OF[rec.kind]
        res = self.client.request(method, path, entity=ENTITY_OF[rec.kind], json_body=body, idempotent=False)
        if method == "POST":
            return int(res["itemId"])
        return int(res.get("itemId", body["id"])) if isinstance(res, dict) else int(body["id"])

    # ------------------------------------------------------------------ linked records (P-02, P-03, FM-C7, FM-K3)
    def update_linked(self, rec: Record, names: list[str]) -> PushOutcome:
        """PATCH only ``names`` (the changed mapped fields) on the linked Autotask record."""
        assert rec.link is not None
        company = None
        if rec.kind != "organization":
            company = self.org_company(rec)
            at_company = rec.link.psa_company_id
            if at_company is None:
                item = self.client.get(ENTITY_OF[rec.kind], rec.link.psa_id)
                at_company = item.get("companyID") if item else None
                if isinstance(at_company, int):
                    self.store.set_link_company(rec.kind, rec.id, at_company)
            if isinstance(at_company, int) and at_company != company:
                # FM-C7/FM-K3: Autotask cannot move a device, contact or location to another company (a changed
                # companyID on a ConfigurationItems PATCH is silently ignored), so the move is refused here.
                raise PushError(f"This {rec.kind} belongs to another organization in Autotask (company "
                                f"{at_company}) and cannot be moved; move it back, or create it in the new "
                                "organization instead (FM-C7, FM-K3).", "FM-C7")
        body = self.body_for(rec, names)
        if not body:
            return PushOutcome(rec.kind, rec.id, "none", rec.link.psa_id, reason="no mapped field changed (P-03)")
        body = {"id": rec.link.psa_id, **body}
        self._write("PATCH", rec, body, company)
        return PushOutcome(rec.kind, rec.id, "updated", rec.link.psa_id, body=body)

    # ------------------------------------------------------------------ unlinked records (P-05, P-06)
    def match_or_create(self, rec: Record, *, pending_create: bool) -> PushOutcome:
        """P-06: standard matching against Autotask (M-01..M-04, tie-break M-08, injectivity M-09); link on a match,
        create on none. After an uncertain create (``pending_create``) the lost record is looked for first."""
        company = None if rec.kind == "organization" else self.org_company(rec)
        found = self.find_match(rec, company, fingerprint=pending_create)
        if found is not None:
            return PushOutcome(rec.kind, rec.id, "linked", found, reason="matched an existing Autotask record (P-06)")
        return self.create(rec, company)

    def _taken(self, kind: str, psa_id: int) -> bool:
        """M-09: an Autotask record already linked to any documentation record is never a candidate."""
        return self.store.link_by_psa(kind, psa_id) is not None

    def find_match(self, rec: Record, company: int | None, *, fingerprint: bool = False) -> int | None:
        k, f = rec.kind, rec.fields
        s = self.s
        if k == "organization":
            name = f.get("name")
            items = self.client.query_all("Companies", [{"op": "eq", "field": "companyName", "value": name}],
                                          ["id", "companyName", "companyType", "classification", "createDate"])
            cands = [i for i in items if i.get("companyName") == name and company_in_scope(i, s)]  # M-06, scope
        elif k == "contact":
            items = self.client.query_all("Contacts", [{"op": "eq", "field": "companyID", "value": company},
                                                       {"op": "eq", "field": "firstName", "value": f.get("first_name")},
                                                       {"op": "eq", "field": "lastName", "value": f.get("last_name")}],
                                          ["id", "companyID", "firstName", "lastName", "createDate"])
            cands = [i for i in items if i.get("firstName") == f.get("first_name")
                     and i.get("lastName") == f.get("last_name")]
        elif k == "location":
            items = self.client.query_all("CompanyLocations", [{"op": "eq", "field": "companyID", "value": company}],
                                          ["id", "companyID", "name", "address1", "address2", "city", "state",
                                           "countryID"])
            countries = self.lookups(["countries"]).countries
            key = (f.get("address1"), f.get("address2"), f.get("city"), f.get("region"), f.get("country"))
            blank = all(_blank(x) for x in key)  # M-11

            def akey(i: dict[str, Any]) -> tuple[Any, ...]:
                return (i.get("address1"), i.get("address2"), i.get("city"), i.get("state"),
                        Lookups.label(countries, i.get("countryID")))

            def norm(t: tuple[Any, ...]) -> tuple[Any, ...]:
                return tuple("" if x is None else x for x in t)

            cands = [i for i in items if not blank and norm(akey(i)) == norm(key)]
            if fingerprint:  # names are unique per company in Autotask (FM-L2)
                cands += [i for i in items if i.get("name") == f.get("name") and i not in cands]
        elif k == "configuration":
            fields = ["id", "companyID", "serialNumber", "referenceTitle", "productID", "configurationItemType",
                      "createDate"]
            items = self.client.query_all("ConfigurationItems",
                                          [{"op": "eq", "field": "companyID", "value": company}], fields)
            return self._match_configuration(rec, items, fingerprint)
        else:
            return None
        cands = [i for i in cands if not self._taken(k, int(i["id"]))]
        return self._earliest(cands)

    @staticmethod
    def _earliest(cands: list[dict[str, Any]]) -> int | None:
        """M-08 (Autotask side): earliest created, then lowest id (Q5)."""
        if not cands:
            return None

        def order(i: dict[str, Any]) -> tuple[str, int]:
            t = parse_at_datetime(i.get("createDate") or i.get("createdTime"))
            return (iso(t) if t else "", int(i["id"]))

        return int(min(cands, key=order)["id"])

    def _match_configuration(self, rec: Record, items: list[dict[str, Any]], fingerprint: bool) -> int | None:
        """M-02: same company AND (serial OR MAC); M-08: both first, then earliest; blank keys never match (M-11)."""
        from reference_impl.sync.macs import first_mac
        from reference_impl.sync.mapping import udf_values

        s = self.s
        serial = serial_key(rec.fields.get("serial_number"))
        mac = mac_key(rec.fields.get("mac_address"), s.canonicalize_mac)
        both, one = [], []
        for i in items:
            if self._taken("configuration", int(i["id"])) or not device_in_scope(i, s):
                continue
            s_hit = serial is not None and serial_key(i.get("serialNumber")) == serial
            i_mac = first_mac(udf_values(i).get(s.mac_udf_name))
            m_hit = mac is not None and mac_key(i_mac, s.canonicalize_mac) == mac
            if s_hit and m_hit:
                both.append(i)
            elif s_hit or m_hit:
                one.append(i)
        hit = self._earliest(both) or self._earliest(one)
        if hit is None and fingerprint:
            # A lost create of a key-less device: same company, reference title and product, and not linked.
            pid = self.product_id(rec)
            fp = [i for i in items if not self._taken("configuration", int(i["id"]))
                  and i.get("referenceTitle") == rec.fields.get("name") and i.get("productID") == pid
                  and (serial is None or serial_key(i.get("serialNumber")) == serial)]
            hit = self._earliest(fp)
        return hit

    def create(self, rec: Record, company: int | None, *, push_all: bool = False) -> PushOutcome:
        """Create the Autotask record. The ``pending_create`` marker is committed before the POST (nothing lost)."""
        k, f = rec.kind, rec.fields
        names = [n for n in self.pushable(k) if not _blank(f.get(n))]
        if k == "organization":
            body = self.body_for(rec, names)
            body.update(new_company_defaults(self.s))  # FM-O1/P-09: owner = Default Account Manager
            self.check_manager()
            body.setdefault("phone", PLACEHOLDER_COMPANY_PHONE)
            body.pop("parentCompanyID", None)  # PA-03: parents are never pushed on create
        elif k == "configuration":
            body = self.body_for(rec, names)
            body.setdefault("productID", self.product_id(rec))  # FM-C5
            body["companyID"] = company
            body.setdefault("isActive", f.get("status") != "Inactive")
            if body.get("configurationItemType") is None:
                body.pop("configurationItemType", None)  # 'Autotask Default' = no type (FM-C4)
        elif k == "contact":
            body = self.body_for(rec, list(contact_channels(self.s, {n: f.get(n) for n in names})))  # FM-K4
            body.update(companyID=company, isActive=1)
        else:
            body = self.body_for(rec, names)
            body["companyID"] = company
        if push_all:
            for ref in ("contactID", "companyLocationID", "parentCompanyID"):
                body.pop(ref, None)  # PA-03: no parent–child links
        body = {key: v for key, v in body.items() if v is not None}
        self.store.set_push_state(k, rec.id, pending_fields=[], pending_create=True,
                                  error=None)  # committed before the POST
        psa_id = self._write("POST", rec, body, company)
        return PushOutcome(k, rec.id, "created", psa_id, body=body)

    def check_manager(self) -> None:
        """SC-08/P-09: a company cannot be created with an API-only (or missing) account manager — rejected up
        front, before any POST."""
        if self._manager_checked:
            return
        rid = self.s.default_account_manager
        if rid is None:
            raise PushError("No Default Account Manager is set (SC-08).", "SC-08")
        res = self.client.get("Resources", int(rid))
        if res is not None and res.get("licenseType") is not None:
            labels = self.client.picklists("Resources").get("licenseType", {})
            res = {**res, "licenseTypeLabel": labels.get(str(res["licenseType"]))}
        if res is None or is_api_only_resource(res) or res.get("isActive") is False:
            raise PushError(f"Default Account Manager {rid} cannot own organizations in Autotask (missing, inactive "
                            "or API-only); choose a non-API user (SC-08).", "SC-08")
        self._manager_checked = True


def describe_error(exc: Exception) -> str:
    if isinstance(exc, PushError):
        return exc.message
    if isinstance(exc, AutotaskError):
        return exc.message
    return f"{exc.__class__.__name__}: {exc}"
