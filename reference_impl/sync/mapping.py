"""Field mappings of §3 as declarative tables, both directions.

Each :class:`FieldMap` row says which documentation field (docstore name) corresponds to which Autotask field, the
direction (↔ or ← only), how to convert on pull (``pull``) and on push (``push``, used by part 2), and which setting
gates it (contacts / locations sync, SC-04, SC-05, SC-06). The pull never writes a field that is not in these
tables, which is what keeps unmapped data untouched (FM-G3).

References to other synced records (a configuration's contact, a contact's location, an org's parent) are mapped to
:class:`Ref` values holding the *Autotask* id; the pull resolves them to local ids through links, because only the
pull knows which records are linked (FM-O3, FM-C3).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reference_impl.sync.macs import MASKED, first_mac

AUTOTASK_DEFAULT_TYPE = "Autotask Default"  # SC-02 / FM-C4


@dataclass(frozen=True)
class Ref:
    """A reference to another Autotask record, resolved to a local id by the pull."""

    kind: str
    psa_id: int | None


@dataclass
class Lookups:
    """Autotask metadata needed to turn ids into names: picklist labels, types, products, resources, countries.

    Keys are strings (picklist values are strings in entityInformation, ids are ints on records)."""

    company_types: dict[str, str] = field(default_factory=dict)
    classifications: dict[str, str] = field(default_factory=dict)
    ci_types: dict[str, str] = field(default_factory=dict)
    queues: dict[str, str] = field(default_factory=dict)
    ticket_statuses: dict[str, str] = field(default_factory=dict)
    ticket_priorities: dict[str, str] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Lookups:
        data = data or {}
        return cls(**{k: dict(data.get(k) or {}) for k in cls.__dataclass_fields__})

    @staticmethod
    def label(table: dict[str, str], value: Any) -> str | None:
        if value is None or value == "":
            return None
        return table.get(str(value), str(value))

    @staticmethod
    def value_of(table: dict[str, str], label: Any) -> str | None:
        """Reverse lookup for the push: label → picklist value (first exact match)."""
        if label is None:
            return None
        for k, v in table.items():
            if v == label:
                return k
        return None


@dataclass
class PullContext:
    """What a pull conversion may look at besides the record itself."""

    lookups: Lookups
    mac_udf_name: str = "MAC Address"
    primary_location: dict[int, int] = field(default_factory=dict)  # AT company id → AT primary location id


@dataclass(frozen=True)
class FieldMap:
    itg: str
    at: tuple[str, ...]  # Autotask fields read on pull (also the includeFields of the query)
    pull: Callable[[dict[str, Any], PullContext], Any]
    push: Callable[[Any, Lookups], dict[str, Any]] | None  # None = pull only
    rule: str
    requires: str | None = None  # "contacts" | "locations": gated by that setting

    @property
    def direction(self) -> str:
        return "<->" if self.push is not None else "<-"


def _s(v: Any) -> str | None:
    """Autotask strings as-is (M-06: no trimming, no case folding); empty stays empty."""
    if v is None:
        return None
    return v if isinstance(v, str) else str(v)


def _get(name: str) -> Callable[[dict[str, Any], PullContext], Any]:
    return lambda r, _c: _s(r.get(name))


def _put(name: str) -> Callable[[Any, Lookups], dict[str, Any]]:
    return lambda v, _l: {name: v}


def _status(r: dict[str, Any], _c: PullContext) -> str:
    v = r.get("isActive")
    return "Active" if v in (True, 1, "1", "true", "True") else "Inactive"


def _status_push(v: Any, _l: Lookups) -> dict[str, Any]:
    return {"isActive": v == "Active"}


def _product(r: dict[str, Any], c: PullContext) -> dict[str, Any]:
    pid = r.get("productID")
    return c.lookups.products.get(str(pid), {}) if pid is not None else {}


def _ci_name(r: dict[str, Any], c: PullContext) -> str | None:
    """FM-C1: Reference Name if present, else Product Name."""
    title = r.get("referenceTitle")
    if title not in (None, ""):
        return _s(title)
    return _s(_product(r, c).get("name"))


def _ci_type(r: dict[str, Any], c: PullContext) -> str:
    """SC-02/FM-C4: a blank Autotask type becomes 'Autotask Default'."""
    t = r.get("configurationItemType")
    if t in (None, "", 0):
        return AUTOTASK_DEFAULT_TYPE
    return c.lookups.ci_types.get(str(t), f"Type {t}")


def _ci_type_push(v: Any, lk: Lookups) -> dict[str, Any]:
    if v in (None, AUTOTASK_DEFAULT_TYPE):
        return {"configurationItemType": None}
    val = Lookups.value_of(lk.ci_types, v)
    return {"configurationItemType": int(val) if val is not None and val.isdigit() else val}


def udf_values(r: dict[str, Any]) -> dict[str, Any]:
    return {str(u.get("name")): u.get("value") for u in (r.get("userDefinedFields") or []) if isinstance(u, dict)}


def _mac(r: dict[str, Any], c: PullContext) -> str | None:
    """Q3: the MAC comes from a configurable UDF; first valid MAC; masked values are 'unavailable' (Q26)."""
    return first_mac(_s(udf_values(r).get(c.mac_udf_name)))


def _udfs(r: dict[str, Any], _c: PullContext) -> dict[str, Any]:
    """FM-G4: device UDFs shown read-only; Q26: masked protected values are stored as unavailable (None)."""
    out: dict[str, Any] = {}
    for k, v in udf_values(r).items():
        out[k] = None if isinstance(v, str) and MASKED.match(v) else v
    return out


def _picklist(name: str, table: str) -> Callable[[dict[str, Any], PullContext], Any]:
    return lambda r, c: Lookups.label(getattr(c.lookups, table), r.get(name))


def _picklist_push(name: str, table: str) -> Callable[[Any, Lookups], dict[str, Any]]:
    def push(v: Any, lk: Lookups) -> dict[str, Any]:
        val = Lookups.value_of(getattr(lk, table), v)
        return {name: int(val) if val is not None and val.lstrip("-").isdigit() else val}
    return push


def _ref(kind: str, name: str) -> Callable[[dict[str, Any], PullContext], Ref]:
    return lambda r, _c: Ref(kind, r.get(name) if isinstance(r.get(name), int) else None)


def _phone_ext(r: dict[str, Any], _c: PullContext) -> str | None:
    """'Phone/Ext' (§3.3): the extension is appended as ' x<ext>'."""
    phone, ext = _s(r.get("phone")), _s(r.get("extension"))
    if ext:
        return f"{phone or ''} x{ext}"
    return phone


def _phone_ext_push(v: Any, _l: Lookups) -> dict[str, Any]:
    if isinstance(v, str) and " x" in v:
        phone, ext = v.rsplit(" x", 1)
        return {"phone": phone, "extension": ext}
    return {"phone": v, "extension": None}


def _country(r: dict[str, Any], c: PullContext) -> str | None:
    return Lookups.label(c.lookups.countries, r.get("countryID"))


def _country_push(v: Any, lk: Lookups) -> dict[str, Any]:
    val = Lookups.value_of(lk.countries, v)
    return {"countryID": int(val) if val is not None and val.isdigit() else None}


def _installed_by(r: dict[str, Any], c: PullContext) -> str | None:
    rid = r.get("installedByID")
    if rid in (None, ""):
        return None
    return c.lookups.resources.get(str(rid), f"Resource {rid}")


def _installed_by_push(v: Any, lk: Lookups) -> dict[str, Any]:
    val = Lookups.value_of(lk.resources, v)
    return {"installedByID": int(val)} if val is not None and val.isdigit() else {}


def _primary_location(r: dict[str, Any], c: PullContext) -> Ref:
    return Ref("location", c.primary_location.get(int(r["id"])))


def _ticket_cis(r: dict[str, Any], _c: PullContext) -> list[Ref]:
    ci = r.get("configurationItemID")
    return [Ref("configuration", ci)] if isinstance(ci, int) else []


# §3.1 Organization ↔ Company
ORGANIZATION: tuple[FieldMap, ...] = (
    FieldMap("name", ("companyName",), _get("companyName"), _put("companyName"), "§3.1 M-01"),
    FieldMap("status", ("isActive",), _status, _status_push, "§3.1"),
    FieldMap("org_type", ("companyType",), _picklist("companyType", "company_types"),
             _picklist_push("companyType", "company_types"), "§3.1"),
    # FM-O3 / PA-03: parent only when the parent is linked; push-all never sends it.
    FieldMap("parent_id", ("parentCompanyID",), _ref("organization", "parentCompanyID"), None, "FM-O3"),
    FieldMap("primary_location_id", (), _primary_location, None, "FM-O2", requires="locations"),
    FieldMap("short_name", ("companyNumber",), _get("companyNumber"), _put("companyNumber"), "§3.1"),
)

# §3.2 Configuration ↔ Configuration item
CONFIGURATION: tuple[FieldMap, ...] = (
    FieldMap("name", ("referenceTitle", "productID"), _ci_name, _put("referenceTitle"), "FM-C1"),
    FieldMap("asset_tag", ("referenceNumber",), _get("referenceNumber"), _put("referenceNumber"), "§3.2"),
    FieldMap("contact_id", ("contactID",), _ref("contact", "contactID"), None, "FM-C3", requires="contacts"),
    FieldMap("status", ("isActive",), _status, _status_push, "§3.2 Q21"),
    FieldMap("configuration_type", ("configurationItemType",), _ci_type, _ci_type_push, "SC-02 FM-C4"),
    FieldMap("installed_at", ("installDate",), _get("installDate"), _put("installDate"), "§3.2"),
    FieldMap("installed_by", ("installedByID",), _installed_by, _installed_by_push, "§3.2"),
    FieldMap("manufacturer", ("productID",), lambda r, c: _s(_product(r, c).get("manufacturerName")), None,
             "FM-C2"),
    FieldMap("model", ("productID",), lambda r, c: _s(_product(r, c).get("manufacturerProductName")), None,
             "FM-C2"),
    FieldMap("notes", ("notes",), _get("notes"), _put("notes"), "§3.2"),
    FieldMap("serial_number", ("serialNumber",), _get("serialNumber"), _put("serialNumber"), "§3.2 M-02"),
    FieldMap("mac_address", (), _mac, None, "Q3 M-02 FM-G4"),
    FieldMap("expiration_date", ("warrantyExpirationDate",), _get("warrantyExpirationDate"),
             _put("warrantyExpirationDate"), "§3.2"),
    FieldMap("location_id", ("companyLocationID",), _ref("location", "companyLocationID"), None, "SC-06",
             requires="locations"),
    FieldMap("psa_udfs", (), _udfs, None, "FM-G4"),
)

# §3.3 Contact ↔ Contact (S001 six fields + P-FM superset, §14 item 2)
CONTACT: tuple[FieldMap, ...] = (
    FieldMap("first_name", ("firstName",), _get("firstName"), _put("firstName"), "§3.3 M-03"),
    FieldMap("last_name", ("lastName",), _get("lastName"), _put("lastName"), "§3.3 M-03"),
    FieldMap("title", ("title",), _get("title"), _put("title"), "§3.3"),
    FieldMap("work_email", ("emailAddress",), _get("emailAddress"), _put("emailAddress"), "§3.3"),
    FieldMap("work_phone", ("phone", "extension"), _phone_ext, _phone_ext_push, "§3.3"),
    FieldMap("mobile_phone", ("mobilePhone",), _get("mobilePhone"), _put("mobilePhone"), "§3.3"),
    FieldMap("alternate_phone", ("alternatePhone",), _get("alternatePhone"), _put("alternatePhone"), "§3.3 P-FM"),
    FieldMap("fax", ("faxNumber",), _get("faxNumber"), _put("faxNumber"), "§3.3 P-FM"),
    FieldMap("location_id", ("companyLocationID",), _ref("location", "companyLocationID"), None, "FM-K1",
             requires="locations"),
)
# Fields read to detect a hand-typed contact address (FM-K1); never written to a synced location.
CONTACT_ADDRESS_FIELDS = ("addressLine", "addressLine1", "city", "state", "zipCode", "countryID")

# §3.4 Location ↔ Company location (P-FM adds Country, Phone, Fax; §14 item 3)
LOCATION: tuple[FieldMap, ...] = (
    FieldMap("name", ("name",), _get("name"), _put("name"), "§3.4 FM-O2"),
    FieldMap("address1", ("address1",), _get("address1"), _put("address1"), "§3.4 M-04"),
    FieldMap("address2", ("address2",), _get("address2"), _put("address2"), "§3.4 M-04"),
    FieldMap("city", ("city",), _get("city"), _put("city"), "§3.4 M-04"),
    FieldMap("region", ("state",), _get("state"), _put("state"), "§3.4 M-04"),
    FieldMap("postal_code", ("postalCode",), _get("postalCode"), _put("postalCode"), "§3.4"),
    FieldMap("country", ("countryID",), _country, _country_push, "§3.4 M-04"),
    FieldMap("phone", ("phone",), _get("phone"), _put("phone"), "§3.4 P-FM"),
    FieldMap("fax", ("fax",), _get("fax"), _put("fax"), "§3.4 P-FM"),
)

# §3.5 Ticket ← Ticket (pull only, T-04)
TICKET: tuple[FieldMap, ...] = (
    FieldMap("board", ("queueID",), _picklist("queueID", "queues"), None, "§3.5"),
    FieldMap("title", ("title",), _get("title"), None, "§3.5"),
    FieldMap("ticket_number", ("ticketNumber",), _get("ticketNumber"), None, "§3.5 M-05"),
    FieldMap("contact_id", ("contactID",), _ref("contact", "contactID"), None, "§3.5", requires="contacts"),
    FieldMap("status", ("status",), _picklist("status", "ticket_statuses"), None, "§3.5"),
    FieldMap("priority", ("priority",), _picklist("priority", "ticket_priorities"), None, "§3.5"),
    FieldMap("psa_created_at", ("createDate",), _get("createDate"), None, "§3.5 P-FM"),
    FieldMap("psa_updated_at", ("lastActivityDate",), _get("lastActivityDate"), None, "§3.5 P-FM"),
    FieldMap("configuration_ids", ("configurationItemID",), _ticket_cis, None, "§3.5 P-FM"),
)

MAPPINGS: dict[str, tuple[FieldMap, ...]] = {
    "organization": ORGANIZATION, "configuration": CONFIGURATION, "contact": CONTACT, "location": LOCATION,
    "ticket": TICKET,
}

ENTITY_OF = {"organization": "Companies", "configuration": "ConfigurationItems", "contact": "Contacts",
             "location": "CompanyLocations", "ticket": "Tickets"}
KIND_OF = {v: k for k, v in ENTITY_OF.items()}

# Extra fields the pull needs besides the mapped ones (scope, company, change time).
EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("classification", "lastActivityDate"),
    "configuration": ("companyID", "lastModifiedTime"),
    "contact": ("companyID", "lastModifiedDate", *CONTACT_ADDRESS_FIELDS),
    "location": ("companyID", "isPrimary"),
    "ticket": ("companyID", "lastActivityDate", "createDate"),
}


def include_fields(kind: str) -> list[str]:
    """The Autotask fields to request for a kind (issue 4: fetch only mapped fields)."""
    out: list[str] = ["id"]
    for fm in MAPPINGS[kind]:
        out.extend(fm.at)
    out.extend(EXTRA_FIELDS[kind])
    # userDefinedFields are always returned alongside includeFields (autotask-api.md §4), so not requested.
    return list(dict.fromkeys(out))


def pull_fields(kind: str, at_record: dict[str, Any], ctx: PullContext, *, contacts: bool = True,
                locations: bool = True) -> dict[str, Any]:
    """Autotask record → documentation fields, for the fields the settings allow (SC-04, SC-05/06)."""
    gate = {"contacts": contacts, "locations": locations}
    return {fm.itg: fm.pull(at_record, ctx) for fm in MAPPINGS[kind] if fm.requires is None or gate[fm.requires]}


def push_fields(kind: str, itg_fields: dict[str, Any], lookups: Lookups) -> dict[str, Any]:
    """Documentation fields → Autotask fields, for the ↔ rows only (P-03: only mapped fields are pushed; UDFs and
    tickets never are, FM-G4, T-04). References are resolved by the push itself (part 2)."""
    out: dict[str, Any] = {}
    for fm in MAPPINGS[kind]:
        if fm.push is not None and fm.itg in itg_fields:
            out.update(fm.push(itg_fields[fm.itg], lookups))
    return out
