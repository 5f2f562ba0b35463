"""django-autotask 1.16.0 (PyPI, module ``djautotask``): its REST API layer (djautotask.api) against the live mock.

Only the API clients are used, not the Django app (models, migrations, sync engine): Django settings are
configured in-process with ``AUTOTASK_SERVER_URL`` = the mock's ``…/atservicesrest/`` (used only for the zone
lookup, sent without auth headers), ``AUTOTASK_CREDENTIALS`` and a local-memory cache (where the zone URL is
kept). Every later call goes to ``zone url + "v1.0/…"``. This is the only client here that follows
``nextPageUrl``: with GET (its default, ``query?search=<json>``) and with POST + the original body (its
ConfigurationItems / child clients). Records are passed as plain objects with an ``id`` attribute where the
library would pass model instances.

Requirements: django-autotask 1.16.0 (last release for Python < 3.12) and ``pytz``, which djautotask.api
imports but the package does not declare.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

pytest.importorskip("django", reason="django-autotask not installed (pip install django-autotask==1.16.0 pytz)")
pytest.importorskip("pytz", reason="pytz not installed (djautotask.api imports it without declaring it)")
pytest.importorskip("retrying", reason="django-autotask not installed")

from django.conf import settings  # noqa: E402

if not settings.configured:
    settings.configure(
        USE_TZ=True,
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        AUTOTASK_SERVER_URL="http://127.0.0.1:9/atservicesrest/",  # replaced by the fixture below
        AUTOTASK_CREDENTIALS={},
    )

djapi = pytest.importorskip("djautotask.api", reason="django-autotask not installed")

COMPANY_NAME = "Django Acceptance Co"
A = djapi.ApiCondition


class CompaniesPostAPIClient(djapi.AccountsAPIClient):
    """Companies queried by POST, declared the way the library declares ConfigurationItemsAPIClient."""

    def get(self, next_url, **kwargs):
        return self.fetch_resource(next_url, method="post", **kwargs)


class CompanyContactsAPIClient(djapi.ChildAPIMixin, djapi.AutotaskAPIClient):
    """Contacts written through /Companies/{id}/Contacts, declared like the library's TicketNotesAPIClient."""

    API = "Contacts"
    PARENT_API = "Companies"
    CHILD_API = "Contacts"


class CompaniesUDFAPIClient(djapi.UDFAPIClient):
    API = "Companies"


@pytest.fixture(scope="module", autouse=True)
def django_settings(live_mock, credentials):
    from django.core.cache import cache

    saved = (settings.AUTOTASK_SERVER_URL, settings.AUTOTASK_CREDENTIALS)
    settings.AUTOTASK_SERVER_URL = f"{live_mock.base_url}/atservicesrest/"
    settings.AUTOTASK_CREDENTIALS = {
        "username": credentials["username"],
        "password": credentials["secret"],
        "integration_code": credentials["integration_code"],
        "rest_api_version": "1.0",
    }
    cache.clear()
    yield
    settings.AUTOTASK_SERVER_URL, settings.AUTOTASK_CREDENTIALS = saved
    cache.clear()


def fetch_all(client, **kwargs) -> tuple[list[dict], list[dict]]:
    """The loop of djautotask.sync.Synchronizer.fetch_records: follow nextPageUrl until it is null."""
    items, pages, next_url = [], [], None
    for _ in range(20):
        page = client.get(next_url, **kwargs)
        items.extend(page["items"])
        pages.append(page["pageDetails"])
        next_url = page["pageDetails"]["nextPageUrl"]
        if not next_url:
            break
    return items, pages


@pytest.fixture(scope="module")
def company_id() -> int:
    return djapi.AccountsAPIClient().create(
        SimpleNamespace(id=None), companyName=COMPANY_NAME, companyType=1, ownerResourceID=101,
        phone="555-0500", city="Djangoville",
    )


def test_zone_lookup(live_mock, credentials):
    from django.core.cache import cache

    cache.clear()
    mark = live_mock.mark()
    client = djapi.AccountsAPIClient()
    assert client.server_url == live_mock.root
    assert client.get_api_url() == f"{live_mock.root}v1.0/Companies/"
    assert live_mock.since(mark) == [("GET", f"/atservicesrest/v1.0/zoneInformation?user={credentials['username']}")]
    zone = djapi.get_zone_info(credentials["username"])
    assert (zone["zoneName"], zone["ci"]) == ("Test Zone", 4242)
    assert djapi.get_web_connection_url(credentials["username"]) == zone["webUrl"]


def test_zone_lookup_unknown_user():
    with pytest.raises(djapi.AutotaskAPIError, match="Zone information could not be determined"):
        djapi.get_zone_info("nobody@UNKNOWN.APIUSER.com")


def test_create(company_id, facts):
    assert isinstance(company_id, int) and company_id > facts.bulk_last_id


def test_get_single(company_id):
    item = djapi.AccountsAPIClient().get_single(company_id)["item"]
    assert (item["id"], item["companyName"], item["city"]) == (company_id, COMPANY_NAME, "Djangoville")
    with pytest.raises(djapi.AutotaskRecordNotFoundError):  # {"item": null}
        djapi.AccountsAPIClient().get_single(987654321)


def test_query_with_filters_get(facts, live_mock):
    client = djapi.AccountsAPIClient()
    client.add_condition(A(op="beginsWith", field="companyName", value=f"{facts.bulk_prefix} 00"))
    client.add_condition(A(op="eq", field="companyType", value="1"))
    mark = live_mock.mark()
    items, pages = fetch_all(client)
    assert live_mock.since(mark)[0][1].startswith("/ATServicesRest/v1.0/Companies/query?search=")
    assert [i["companyName"] for i in items] == [f"{facts.bulk_prefix} {n:04d}" for n in range(1, 100, 2)]
    assert len(pages) == 1

    grouped = djapi.AccountsAPIClient()
    grouped.add_condition(A(A(op="eq", field="id", value=2), A(op="contains", field="companyName", value="acme"), op="or"))
    grouped.add_condition(A(op="exist", field="phone"))
    items, _ = fetch_all(grouped)
    assert [i["id"] for i in items] == [1, 2, 3]


def test_paging_past_1000_records_get_next_page_url(facts, live_mock):
    client = djapi.AccountsAPIClient()
    client.add_condition(A(op="beginsWith", field="companyName", value=facts.bulk_prefix))
    mark = live_mock.mark()
    items, pages = fetch_all(client)
    assert [i["id"] for i in items] == list(range(facts.bulk_first_id, facts.bulk_last_id + 1))
    assert [p["count"] for p in pages] == [500, 500, 200]
    methods_paths = live_mock.since(mark)
    assert [m for m, _ in methods_paths] == ["GET"] * 3
    assert all("/Companies/query/next?" in p and "search=" in p for _, p in methods_paths[1:])


def test_paging_past_1000_records_post_next_page_url(facts, live_mock):
    client = CompaniesPostAPIClient()
    client.add_condition(A(op="beginsWith", field="companyName", value=facts.bulk_prefix))
    mark = live_mock.mark()
    items, pages = fetch_all(client, page_size=400)  # sent as "MaxRecords"
    assert [i["id"] for i in items] == list(range(facts.bulk_first_id, facts.bulk_last_id + 1))
    assert [p["count"] for p in pages] == [400, 400, 400]
    assert [p["requestCount"] for p in pages] == [400, 400, 400]
    methods_paths = live_mock.since(mark)
    assert [m for m, _ in methods_paths] == ["POST"] * 3
    assert methods_paths[0][1] == "/ATServicesRest/v1.0/Companies/query"
    assert all("/Companies/query/next?paging=" in p for _, p in methods_paths[1:])


def test_update_patch(company_id, live_mock):
    mark = live_mock.mark()
    djapi.AccountsAPIClient().update(SimpleNamespace(id=company_id), {"phone": "555-0599"})
    assert live_mock.since(mark) == [("PATCH", "/ATServicesRest/v1.0/Companies/")]
    item = djapi.AccountsAPIClient().get_single(company_id)["item"]
    assert (item["phone"], item["companyName"], item["city"]) == ("555-0599", COMPANY_NAME, "Djangoville")


def test_count(facts):
    client = djapi.AccountsAPIClient()
    client.add_condition(A(op="beginsWith", field="companyName", value=facts.bulk_prefix))
    assert client.get(None, record_count=True) == {"queryCount": facts.bulk_count}
    tickets = djapi.TicketsAPIClient()
    tickets.add_condition(A(op="eq", field="queueID", value="8"))
    assert tickets.count(None, record_count=True)["queryCount"] >= 1


def test_contact_created_under_company(company_id, live_mock):
    mark = live_mock.mark()
    parent = SimpleNamespace(id=company_id)
    contacts = CompanyContactsAPIClient()
    contact_id = contacts.create(SimpleNamespace(id=None), parent, firstName="Dj", lastName="Ango", isActive=1)
    assert live_mock.since(mark) == [("POST", f"/ATServicesRest/v1.0/Companies/{company_id}/Contacts")]
    contacts.update(SimpleNamespace(id=contact_id), parent, {"title": "Pony"})
    contact = djapi.ContactsAPIClient().get_single(contact_id)["item"]
    assert (contact["companyID"], contact["firstName"], contact["title"]) == (company_id, "Dj", "Pony")
    assert contacts.delete(SimpleNamespace(id=contact_id), parent) == contact_id
    with pytest.raises(djapi.AutotaskRecordNotFoundError):
        djapi.ContactsAPIClient().get_single(contact_id)


def test_entity_field_metadata():
    fields = {f["name"]: f for f in djapi.AccountTypesAPIClient().get(None)["fields"]}
    assert {(v["value"], v["label"]) for v in fields["companyType"]["picklistValues"]} >= {("1", "Customer")}
    udf_client = CompaniesUDFAPIClient()
    udfs = udf_client.get(udf_client.get_api_url())
    assert [u["name"] for u in udfs["fields"]] == ["Number of Employees"]


def test_wrong_secret_gives_auth_error():
    client = djapi.AccountsAPIClient(password="not-the-secret")
    client.add_condition(A(op="eq", field="id", value=1))
    with pytest.raises(djapi.AutotaskAPIClientError, match="Unauthorized request"):
        client.get(None)
