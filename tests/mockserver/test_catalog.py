"""The entity catalogue: generated data (scripts/build_catalog.py) + overrides.yaml, as loaded by the mock.

Capabilities follow the spec research note §6 (capability matrix); field facts §10; webhooks §9.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockserver.catalog import Catalog, ChildPath, EntitySpec, load_catalog
from mockserver.catalog.loader import CATALOG_JSON, CatalogError, build_catalog
from mockserver.catalog.model import DATA_TYPES

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def entity(catalog: Catalog, name: str) -> EntitySpec:
    spec = catalog.get(name)
    assert spec is not None, name
    return spec


# ---- shape -------------------------------------------------------------------------------------


def test_every_2020_query_root_is_a_queryable_entity(catalog: Catalog) -> None:
    queryable = [e for e in catalog if e.root_query]
    assert len(queryable) >= 156
    for name in (
        "Companies",
        "Contacts",
        "CompanyLocations",
        "ConfigurationItems",
        "Tickets",
        "Resources",
        "Products",
        "ClassificationIcons",
        "Countries",
        "TicketNotes",
        "OrganizationalLevel1s",
    ):
        assert entity(catalog, name).root_query, name


def test_post_only_roots_are_served_without_query(catalog: Catalog) -> None:
    spec = entity(catalog, "TicketChecklistLibraries")
    assert not spec.root_query and spec.can_create
    assert catalog.child_path("Tickets", "ChecklistLibraries").methods == {"POST"}


def test_data_types_use_autotask_vocabulary(catalog: Catalog) -> None:
    assert {f.data_type for e in catalog for f in e.fields.values()} <= set(DATA_TYPES)
    companies = entity(catalog, "Companies")
    assert companies.fields["id"].data_type == "long"
    assert companies.fields["ownerResourceID"].data_type == "integer"
    assert companies.fields["assetValue"].data_type == "double"
    assert companies.fields["createDate"].data_type == "datetime"
    assert companies.fields["isActive"].data_type == "boolean"
    assert "userDefinedFields" not in companies.fields
    assert all("soapParentPropertyId" not in e.fields for e in catalog)


def test_global_paths_are_listed(catalog: Catalog) -> None:
    paths = {g.path: g for g in catalog.global_paths}
    assert {
        "/VersionInformation",
        "/V1.0/ZoneInformation",
        "/V1.0/ThresholdInformation",
        "/V1.0/EntityInformation",
    } <= set(paths)
    assert paths["/V1.0/ZoneInformation"].query_params == ("user",)
    assert catalog.get("ZoneInformation") is None


def test_uncached_load_builds_an_equivalent_catalogue() -> None:
    """Load time is a benchmark figure (bench/), not a test; here only that a fresh load agrees."""
    fresh = load_catalog.__wrapped__()  # an uncached load, leaving the shared instance alone
    assert fresh.names() == load_catalog().names()


# ---- capabilities (research note §6) -----------------------------------------------------------


def test_companies_root_create_update_no_delete(catalog: Catalog) -> None:
    spec = entity(catalog, "Companies")
    assert (spec.root_create, spec.root_update, spec.root_delete) == (True, True, False)
    assert spec.can_create and spec.can_update and not spec.can_delete
    assert spec.has_user_defined_fields and spec.supports_webhook_callouts


def test_contacts_are_written_through_companies(catalog: Catalog) -> None:
    spec = entity(catalog, "Contacts")
    assert spec.root_query and not (spec.root_create or spec.root_update or spec.root_delete)
    path = catalog.child_path("Companies", "Contacts")
    assert path == ChildPath(
        "Companies",
        "Contacts",
        "Contacts",
        "companyID",
        frozenset({"GET", "POST", "PATCH", "PUT"}),
        frozenset({"GET", "DELETE"}),
    )
    assert path in spec.child_paths
    assert spec.can_create and spec.can_update and spec.can_delete


def test_company_locations_use_the_locations_segment(catalog: Catalog) -> None:
    path = catalog.child_path("Companies", "Locations")
    assert path is not None and path.entity == "CompanyLocations" and path.parent_field == "companyID"
    assert path.parent_entity == "Companies"
    spec = entity(catalog, "CompanyLocations")
    assert spec.can_create and spec.can_update and spec.can_delete and not spec.root_create


def test_resources_cannot_be_created(catalog: Catalog) -> None:
    spec = entity(catalog, "Resources")
    assert not spec.can_create and spec.can_update and not spec.can_delete
    assert not spec.has_user_defined_fields


def test_classification_icons_are_read_only(catalog: Catalog) -> None:
    spec = entity(catalog, "ClassificationIcons")
    assert spec.root_query and not (spec.can_create or spec.can_update or spec.can_delete)


def test_configuration_items_and_types(catalog: Catalog) -> None:
    assert not entity(catalog, "ConfigurationItems").can_delete
    types = entity(catalog, "ConfigurationItemTypes")
    assert types.can_create and types.can_update and types.root_delete
    segments = {p.segment for p in catalog.children_of("ConfigurationItems")}
    assert {"Notes", "BillingProductAssociations"} <= segments


@pytest.mark.parametrize(
    "hook",
    [
        "CompanyWebhooks",
        "ContactWebhooks",
        "ConfigurationItemWebhooks",
        "TicketWebhooks",
        "TicketNoteWebhooks",
    ],
)
def test_webhook_entities(catalog: Catalog, hook: str) -> None:
    spec = entity(catalog, hook)
    assert spec.root_create and spec.root_update and spec.root_delete
    expected = {"Fields", "ExcludedResources"} | ({"UdfFields"} if hook != "TicketNoteWebhooks" else set())
    kids = {p.segment: p for p in catalog.children_of(hook)}
    assert set(kids) == expected
    assert all(p.parent_field == "webhookID" for p in kids.values())
    fields = entity(catalog, kids["Fields"].entity)
    assert fields.fields["webhookID"].reference_entity == hook
    assert (
        kids["Fields"].methods == {"GET", "POST", "PATCH", "PUT"} and "DELETE" in kids["Fields"].item_methods
    )
    target = catalog.by_model(spec.model[: -len("Webhook")])
    assert target is not None and target.supports_webhook_callouts


def test_webhook_callouts_only_where_a_webhook_entity_exists(catalog: Catalog) -> None:
    assert {e.name for e in catalog if e.supports_webhook_callouts} == {
        "Companies",
        "Contacts",
        "ConfigurationItems",
        "Tickets",
        "TicketNotes",
    }
    tickets = entity(catalog, "Tickets")
    assert tickets.fields["title"].is_supported_webhook_field
    assert not tickets.fields["ticketNumber"].is_supported_webhook_field  # read-only
    assert not any(f.is_supported_webhook_field for f in entity(catalog, "Resources").fields.values())


# ---- fields and overrides ----------------------------------------------------------------------


def test_field_names_are_camel_case(catalog: Catalog) -> None:
    companies = entity(catalog, "Companies")
    assert list(companies.fields)[:2] == ["id", "additionalAddressInformation"]  # 2024 order
    assert {"companyName", "ownerResourceID", "sicCode", "companyType"} <= set(companies.fields)
    contacts = entity(catalog, "Contacts")
    assert contacts.fields["isActive"].data_type == "integer"  # 0/1, not boolean
    assert "zipCode" in contacts.fields and "postalCode" not in contacts.fields
    assert "rmmDeviceID" in entity(catalog, "ConfigurationItems").fields
    assert entity(catalog, "CompanyLocations").fields["isPrimary"].data_type == "boolean"


def test_case_insensitive_lookups(catalog: Catalog) -> None:
    assert catalog.get("companies") is catalog.get("COMPANIES") is catalog.get("Companies")
    assert "configurationitems" in catalog
    assert catalog.child_path("companies", "LOCATIONS") is catalog.child_path("Companies", "Locations")
    assert catalog.by_model("company") is catalog.get("Companies")
    assert (
        entity(catalog, "Companies").field("COMPANYNAME")
        is entity(catalog, "Companies").fields["companyName"]
    )
    assert catalog.get("Nope") is None and catalog.child_path("Companies", "Nope") is None


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("Companies", {"companyName", "companyType", "ownerResourceID", "phone"}),
        ("Contacts", {"companyID", "firstName", "lastName", "isActive"}),
        ("CompanyLocations", {"companyID", "name"}),
        ("ConfigurationItems", {"companyID", "productID", "isActive"}),
        ("ConfigurationItemTypes", {"name"}),
        ("Products", {"name", "productBillingCodeID", "isActive"}),
        ("Tickets", {"companyID", "title", "status", "priority"}),
    ],
)
def test_required_fields(catalog: Catalog, name: str, required: set[str]) -> None:
    assert {f.name for f in entity(catalog, name).fields.values() if f.is_required} == required


def test_webhook_required_fields(catalog: Catalog) -> None:
    required = {f.name for f in entity(catalog, "TicketWebhooks").fields.values() if f.is_required}
    assert {"name", "webhookUrl", "isActive", "isSubscribedToCreateEvents"} <= required


@pytest.mark.parametrize(
    ("name", "field", "length"),
    [
        ("Companies", "companyName", 100),
        ("Companies", "phone", 25),
        ("Companies", "address1", 128),
        ("Companies", "city", 30),
        ("Companies", "postalCode", 10),
        ("Contacts", "firstName", 50),
        ("Contacts", "lastName", 50),
        ("Contacts", "emailAddress", 254),
        ("Contacts", "state", 40),
        ("Contacts", "zipCode", 16),
        ("Contacts", "mobilePhone", 25),
        ("CompanyLocations", "name", 100),
        ("ConfigurationItems", "serialNumber", 100),
        ("ConfigurationItems", "referenceTitle", 200),
        ("ConfigurationItems", "notes", 5000),
        ("Tickets", "title", 255),
        ("Tickets", "description", 8000),
        ("CompanyWebhooks", "name", 50),
        ("TicketWebhooks", "webhookUrl", 500),
        ("ContactWebhooks", "secretKey", 64),
        ("ConfigurationItemWebhooks", "notificationEmailAddress", 150),
    ],
)
def test_string_lengths(catalog: Catalog, name: str, field: str, length: int) -> None:
    spec = entity(catalog, name).fields[field]
    assert spec.data_type == "string" and spec.length == length


def test_read_only_fields(catalog: Catalog) -> None:
    companies = entity(catalog, "Companies").fields
    for name in (
        "id",
        "createDate",
        "createdByResourceID",
        "impersonatorCreatorResourceID",
        "lastActivityDate",
        "lastTrackedModifiedDateTime",
    ):
        assert companies[name].is_read_only, name
    assert not companies["companyName"].is_read_only
    assert entity(catalog, "Contacts").fields["lastModifiedDate"].is_read_only
    assert entity(catalog, "ConfigurationItems").fields["lastModifiedTime"].is_read_only
    assert entity(catalog, "Tickets").fields["ticketNumber"].is_read_only
    assert entity(catalog, "TicketNotes").fields["createDateTime"].is_read_only  # generic rule
    assert entity(catalog, "Products").fields["createdTime"].is_read_only
    hook = entity(catalog, "CompanyWebhooks").fields
    assert hook["webhookGUID"].is_read_only and hook["isReady"].is_read_only
    assert entity(catalog, "TicketAttachments").fields["parentType"].is_read_only  # readOnly in the spec


@pytest.mark.parametrize(
    ("name", "field", "target"),
    [
        ("Contacts", "companyID", "Companies"),
        ("Companies", "parentCompanyID", "Companies"),
        ("Companies", "ownerResourceID", "Resources"),
        ("Companies", "classification", "ClassificationIcons"),
        ("Companies", "countryID", "Countries"),
        ("Companies", "billToCountryID", "Countries"),
        ("ConfigurationItems", "configurationItemType", "ConfigurationItemTypes"),
        ("ConfigurationItems", "productID", "Products"),
        ("ConfigurationItems", "contactID", "Contacts"),
        ("ConfigurationItems", "installedByContactID", "Contacts"),
        ("ConfigurationItems", "parentConfigurationItemID", "ConfigurationItems"),
        ("ConfigurationItems", "companyLocationID", "CompanyLocations"),
        ("Tickets", "assignedResourceID", "Resources"),
        ("Tickets", "configurationItemID", "ConfigurationItems"),
        ("Tickets", "contractID", "Contracts"),
        ("Tickets", "projectID", "Projects"),
        ("TicketNotes", "ticketID", "Tickets"),
        ("ContactWebhookExcludedResources", "webhookID", "ContactWebhooks"),
        ("ContactGroupContacts", "contactGroupId", "ContactGroups"),
    ],
)
def test_references(catalog: Catalog, name: str, field: str, target: str) -> None:
    spec = entity(catalog, name).fields[field]
    assert spec.reference_entity == target and spec.is_reference


def test_references_point_at_catalogue_entities(catalog: Catalog) -> None:
    refs = {f.reference_entity for e in catalog for f in e.fields.values() if f.reference_entity}
    assert refs <= set(catalog.entities)
    assert entity(catalog, "Companies").fields["taxID"].reference_entity is None  # a string, not a Taxes id


def test_picklists(catalog: Catalog) -> None:
    def picklists(name: str) -> set[str]:
        return {f.name for f in entity(catalog, name).fields.values() if f.is_picklist}

    assert {"companyType", "classification"} <= picklists("Companies")
    assert {
        "status",
        "priority",
        "queueID",
        "issueType",
        "subIssueType",
        "source",
        "ticketType",
        "ticketCategory",
    } <= picklists("Tickets")
    assert {"licenseType", "userType", "resourceType"} <= picklists("Resources")
    assert {"namePrefix", "nameSuffix"} <= picklists("Contacts")
    assert {"periodType", "billingType"} <= picklists("Products")
    assert "configurationItemType" in picklists("ConfigurationItems")
    assert picklists("CompanyLocations") == set()
    assert entity(catalog, "Tickets").fields["subIssueType"].picklist_parent_field == "issueType"


# ---- child paths -------------------------------------------------------------------------------


def test_every_child_path_is_resolved(catalog: Catalog) -> None:
    paths = [p for e in catalog for p in e.child_paths]
    assert len(paths) >= 85
    for path in paths:
        child = entity(catalog, path.entity)
        assert path.parent_field in child.fields, path
        assert catalog.child_path(path.parent, path.segment) is path


def test_child_paths_whose_parent_is_not_an_entity(catalog: Catalog) -> None:
    items = catalog.child_path("Expenses", "Items")
    assert items is not None and items.entity == "ExpenseItems"
    assert (items.parent_field, items.parent_entity) == ("expenseReportID", "ExpenseReports")
    assert catalog.children_of("Expenses") == [items] and catalog.children_of("ExpenseReports") == []
    listing = catalog.child_path("UserDefinedFields", "ListItems")
    assert listing.parent_entity == "UserDefinedFieldDefinitions" and listing.parent_field == "udfFieldId"
    assert catalog.child_path("Tasks", "Predecessors").parent_field == "successorTaskID"


def test_parent_fields_dropped_words(catalog: Catalog) -> None:
    assert catalog.child_path("PurchaseOrders", "Items").parent_field == "orderID"
    assert catalog.child_path("Tickets", "Notes").entity == "TicketNotes"


# ---- overrides validation ------------------------------------------------------------------------


def _data() -> dict:
    import json

    return json.loads(CATALOG_JSON.read_text())


def _overrides() -> dict:
    import yaml

    from mockserver.catalog.loader import OVERRIDES_YAML

    return yaml.safe_load(OVERRIDES_YAML.read_text())


def test_unknown_override_field_is_an_error() -> None:
    overrides = _overrides()
    overrides["entities"]["Companies"]["required"].append("accountName")
    with pytest.raises(CatalogError, match="accountName"):
        build_catalog(_data(), overrides)


def test_unresolved_parent_field_is_an_error() -> None:
    overrides = _overrides()
    del overrides["child_paths"]["Tasks/Predecessors"]
    with pytest.raises(CatalogError, match="Tasks/Predecessors"):
        build_catalog(_data(), overrides)


# ---- the generated data never drifts from the script --------------------------------------------


@pytest.mark.skipif(not (SHARED / "reference").is_dir(), reason="../shared/reference not available")
def test_committed_catalog_matches_builder(tmp_path: Path) -> None:
    out = tmp_path / "catalog.json"
    subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "build_catalog.py"),
            "--shared",
            str(SHARED),
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert out.read_text(encoding="utf-8") == CATALOG_JSON.read_text(encoding="utf-8"), (
        "catalog.json is stale: run `python scripts/build_catalog.py` and commit the result"
    )
