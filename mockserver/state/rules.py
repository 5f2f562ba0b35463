"""Entity business rules the real API enforces, kept apart from storage so each can be cited and tested.

Every check raises AutotaskError with a message naming the entity and field. The rule set is small on
purpose: required fields, references and picklists are generic (driven by the catalogue); only the
core-entity rules below are special cases.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mockserver.catalog.model import EntitySpec
from mockserver.errors import AutotaskError

if TYPE_CHECKING:
    from mockserver.state.tenant import TenantState

# References are enforced for these entities always; for others only when the tenant holds records of
# the referenced entity (a tenant without Contracts must still accept contractID values it was given).
STRICT_REFERENCES = frozenset(
    {"Companies", "Contacts", "CompanyLocations", "Resources", "Products", "ConfigurationItems", "Tickets"}
)

# Values Autotask gives a record created through the API when the body omits them.
CREATE_DEFAULTS: dict[str, dict[str, Any]] = {
    "Companies": {"isActive": True},
    "CompanyLocations": {"isActive": True, "isPrimary": False},
    "ConfigurationItemTypes": {"isActive": True},
}

# Values a record gets when a fixture omits them: the API defaults plus required flags a hand-written
# scenario should not have to repeat.
FIXTURE_DEFAULTS: dict[str, dict[str, Any]] = {
    "Companies": {"isActive": True},
    "Contacts": {"isActive": 1},
    "CompanyLocations": {"isActive": True, "isPrimary": False},
    "ConfigurationItems": {"isActive": True},
    "ConfigurationItemTypes": {"isActive": True},
    "Products": {"isActive": True},
    "Resources": {"isActive": True},
}

# Fields that cannot change after creation (FM-C7 / P-AT-CI, FM-K3 / P-AT-CON).
IMMUTABLE_FIELDS: dict[str, tuple[str, ...]] = {
    "ConfigurationItems": ("companyID",),
    "Contacts": ("companyID",),
    "CompanyLocations": ("companyID",),
}

API_ONLY_LICENSE_LABEL = "api user"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def check_required(spec: EntitySpec, record: dict[str, Any]) -> None:
    missing = [fs.name for fs in spec.fields.values() if fs.is_required and _blank(record.get(fs.name))]
    if missing:
        raise AutotaskError(*(f"{spec.model}.{name}: Value is required." for name in missing))


def check_references(state: TenantState, spec: EntitySpec, record: dict[str, Any], changed: set[str]) -> None:
    for name in changed:
        fs = spec.fields.get(name)
        value = record.get(name)
        if fs is None or value is None:
            continue
        if fs.reference_entity:
            target = fs.reference_entity
            if target in STRICT_REFERENCES or state.has_records(target):
                if state.get(target, value) is None:
                    raise AutotaskError(f"{spec.model}.{name}: {target} {value} does not exist.")
        allowed = state.picklist_values(spec.name).get(name)
        if allowed is not None and value not in allowed:
            raise AutotaskError(f"{spec.model}.{name}: '{value}' is not a valid picklist value.")


def is_api_only_resource(state: TenantState, resource: dict[str, Any]) -> bool:
    """SC-08: API-only resources carry the "API User" license type (and an …APIUSER.com user name)."""
    label = state.picklist_label("Resources", "licenseType", resource.get("licenseType"))
    if label and label.strip().lower() == API_ONLY_LICENSE_LABEL:
        return True
    for key in ("userName", "email"):
        value = resource.get(key)
        if isinstance(value, str) and value.lower().endswith("apiuser.com"):
            return True
    return False


def _company_owner(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set[str]) -> None:
    if "ownerResourceID" not in changed or new.get("ownerResourceID") is None:
        return
    owner = state.get("Resources", new["ownerResourceID"])
    if owner is None:
        return  # reported by check_references
    if is_api_only_resource(state, owner):
        raise AutotaskError(
            f"{spec.model}.ownerResourceID: Resource {new['ownerResourceID']} is an API-only user and "
            "cannot be the owner (account manager) of a company."
        )
    if owner.get("isActive") is False:
        raise AutotaskError(f"{spec.model}.ownerResourceID: Resource {new['ownerResourceID']} is inactive.")


def _location_rules(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set[str]) -> None:
    """FM-L2: names unique per company, exactly one primary location per company."""
    company_id = new.get("companyID")
    siblings = [r for r in state.records_where("CompanyLocations", "companyID", company_id) if r["id"] != new.get("id")]
    name = new.get("name")
    if name and "name" in changed:
        lowered = name.strip().lower()
        if any((s.get("name") or "").strip().lower() == lowered for s in siblings):
            raise AutotaskError(f"{spec.model}.name: a location named '{name}' already exists for company {company_id}.")
    if old is not None and old.get("isPrimary") and new.get("isPrimary") is False:
        raise AutotaskError(
            f"{spec.model}.isPrimary: a company must have exactly one primary location; "
            "make another location primary instead."
        )


def _contact_company(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set[str]) -> None:
    location_id = new.get("companyLocationID")
    if location_id is not None and "companyLocationID" in changed:
        location = state.get("CompanyLocations", location_id)
        if location is not None and location.get("companyID") != new.get("companyID"):
            raise AutotaskError(
                f"{spec.model}.companyLocationID: location {location_id} does not belong to company {new.get('companyID')}."
            )


def _ci_rules(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set[str]) -> None:
    """A CI's location must be one of its company's locations.

    A contact of *another* company is accepted: the sync rule FM-C3 exists precisely because Autotask
    data can hold such links (the sync must ignore them), so the mock must be able to hold them too.
    """
    ref = new.get("companyLocationID")
    if ref is not None and "companyLocationID" in changed:
        target = state.get("CompanyLocations", ref)
        if target is not None and target.get("companyID") != new.get("companyID"):
            raise AutotaskError(
                f"{spec.model}.companyLocationID: CompanyLocations {ref} does not belong to company {new.get('companyID')}."
            )


def _role_held(state: TenantState, spec: EntitySpec, new: dict, changed: set, resource_field: str,
               role_field: str) -> None:
    """A role given with a resource must be one the resource holds (an active ResourceServiceDeskRoles
    row), once the tenant records who holds which role; that the role exists is check_references'."""
    role_id, resource_id = new.get(role_field), new.get(resource_field)
    if role_id is None or resource_id is None or not ({role_field, resource_field} & changed):
        return
    if not state.has_records("ResourceServiceDeskRoles") or state.get("Roles", role_id) is None:
        return
    held = state.records_where("ResourceServiceDeskRoles", "resourceID", resource_id)
    if not any(r.get("roleID") == role_id and r.get("isActive") is not False for r in held):
        raise AutotaskError(
            f"{spec.model}.{role_field}: Resource {resource_id} does not hold role {role_id} "
            "(see its ResourceServiceDeskRoles; Resources.defaultServiceDeskRoleID is its default role)."
        )


def _time_entry_role(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set) -> None:
    _role_held(state, spec, new, changed, "resourceID", "roleID")


def _ticket_assignee_role(state: TenantState, spec: EntitySpec, new: dict, old: dict | None, changed: set) -> None:
    _role_held(state, spec, new, changed, "assignedResourceID", "assignedResourceRoleID")


BusinessRule = Callable[["TenantState", EntitySpec, dict, "dict | None", set], None]

BUSINESS_RULES: dict[str, list[BusinessRule]] = {
    "Companies": [_company_owner],
    "CompanyLocations": [_location_rules],
    "Contacts": [_contact_company],
    "ConfigurationItems": [_ci_rules],
    "TimeEntries": [_time_entry_role],
    "Tickets": [_ticket_assignee_role],
}
