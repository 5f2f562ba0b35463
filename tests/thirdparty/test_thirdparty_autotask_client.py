"""autotask-client 0.3.1 (PyPI, module ``autotask``; async httpx) against the live mock.

Configured only with ``AutotaskConfig(username, secret, integration_code, api_url=<mock>)`` or the
environment (``AUTOTASK_API_URL`` and friends, through ``AutotaskConfig.from_env``); the client then calls
``{api_url}/atservicesrest/v1.0/...`` (lower-case root: the mock's routing is case-insensitive).

The package declares Requires-Python >=3.12 (its code runs on 3.11); it is skipped when not installed.

What this client cannot do, by design:
* zone lookup: hard-wired to https://webservices.autotask.net and it rejects any zone URL whose host is not
  ``webservices<N>.autotask.net`` over https, so a local mock can only be used through ``api_url``.
* count: no helper; ``client.post("<Entity>/query/count", ...)`` (its generic request method) is used.
* child writes: only for model classes declaring ``_parent_entity`` (none of its bundled models is a Company
  child), so the test declares a Contacts model the way the library's own note models are declared.
Paging past 1,000 records is built in: ``query_all`` re-POSTs ``/query`` adding ``id gt <last id>`` while a
page is full (500), relying on id-ascending results; it ignores ``nextPageUrl``.
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

import pytest

pytest.importorskip("autotask.entities.manager", reason="autotask-client not installed (pip install autotask-client)")

from autotask.client import AutotaskClient  # noqa: E402
from autotask.config import AutotaskConfig  # noqa: E402
from autotask.entities.manager import EntityManager  # noqa: E402
from autotask.exceptions import AutotaskAuthError  # noqa: E402
from autotask.models.base import AutotaskModel  # noqa: E402
from autotask.models.company import Company  # noqa: E402
from autotask.models.resource import Resource  # noqa: E402
from autotask.query import Q  # noqa: E402

COMPANY_NAME = "AutotaskClient Acceptance Co"


class CompanyContact(AutotaskModel):
    """A Contact written through /Companies/{companyID}/Contacts (declared like the library's TicketNote)."""

    _entity_type: ClassVar[str] = "Contacts"
    _parent_entity: ClassVar[str | None] = "Companies"
    _parent_id_field: ClassVar[str | None] = "companyID"

    companyID: int | None = None
    firstName: str | None = None
    lastName: str | None = None
    isActive: int | None = None
    emailAddress: str | None = None
    title: str | None = None


def make_config(live_mock, credentials, **overrides) -> AutotaskConfig:
    return AutotaskConfig(**{**credentials, "api_url": live_mock.base_url, **overrides})


def run(config: AutotaskConfig, scenario):
    """Run ``scenario(client, entity_manager)`` on a fresh event loop (no pytest-asyncio needed)."""

    async def main():
        async with AutotaskClient(config) as client:
            return await scenario(client, EntityManager(client))

    return asyncio.run(main())


@pytest.fixture(scope="module")
def config(live_mock, credentials) -> AutotaskConfig:
    return make_config(live_mock, credentials)


@pytest.fixture(scope="module")
def company(config, facts) -> Company:
    async def scenario(client, em):
        return await em.create(Company(companyName=COMPANY_NAME, companyType=1, ownerResourceID=facts.owner_resource_id,
                                       phone="555-0400", city="Asyncville"))

    return run(config, scenario)


def test_base_url_from_config_and_env(config, live_mock, credentials, monkeypatch):
    assert AutotaskClient(config)._base_url == f"{live_mock.base_url}/atservicesrest/v1.0"
    monkeypatch.setenv("AUTOTASK_USERNAME", credentials["username"])
    monkeypatch.setenv("AUTOTASK_SECRET", credentials["secret"])
    monkeypatch.setenv("AUTOTASK_INTEGRATION_CODE", credentials["integration_code"])
    monkeypatch.setenv("AUTOTASK_API_URL", live_mock.base_url)

    async def scenario(client, em):
        return await em.get(Company, 1)

    assert run(AutotaskConfig.from_env(), scenario).companyName == "Acme Corp"


def test_create_returns_fetched_model(company, facts):
    # create POSTs, reads {"itemId"} and GETs the new record back.
    assert isinstance(company, Company)
    assert company.id > facts.bulk_last_id
    assert (company.companyName, company.companyType, company.city) == (COMPANY_NAME, 1, "Asyncville")


def test_get(config, company):
    async def scenario(client, em):
        return await em.get(Company, company.id), await em.get("Companies", 2)

    typed, raw = run(config, scenario)
    assert typed.id == company.id and typed.phone == "555-0400"
    assert raw.companyName == "Globex"  # "Companies" resolves to the registered Company model


def test_query_with_filters(config, facts):
    async def scenario(client, em):
        return (
            await em.query(Company, Q(companyName__beginsWith=f"{facts.bulk_prefix} 00"), Q(companyType=1)),
            await em.query("Companies", Q(id__in=[1, 2, 3]), Q(companyName__contains="acme")),
            await em.query("Companies", Q.udf(**{"Number of Employees": "42"})),
            await em.query("Companies", Q(parentCompanyID__not_exist=None), Q(companyName__begins_with="ACME")),
        )

    bulk, acme, udf, no_parent = run(config, scenario)
    assert [c.companyName for c in bulk] == [f"{facts.bulk_prefix} {n:04d}" for n in range(1, 100, 2)]
    assert [c.id for c in acme] == [1, 3]  # case-insensitive contains
    assert [c.id for c in udf] == [1]
    assert [c.id for c in no_parent] == [1]


def test_paging_past_1000_records(config, facts, live_mock):
    mark = live_mock.mark()

    async def scenario(client, em):
        return await em.query(Company, Q(companyName__beginsWith=facts.bulk_prefix))

    companies = run(config, scenario)
    assert [c.id for c in companies] == list(range(facts.bulk_first_id, facts.bulk_last_id + 1))
    queries = [r for r in live_mock.since(mark) if r[1].endswith("/Companies/query")]
    assert len(queries) == 3  # 500 + 500 + 200, each narrowed with id gt <last id>


def test_update_patch(config, company, live_mock):
    mark = live_mock.mark()

    async def scenario(client, em):
        await em.update(Company(id=company.id, phone="555-0499"))
        return await em.get(Company, company.id)

    after = run(config, scenario)
    assert ("PATCH", "/atservicesrest/v1.0/Companies") in live_mock.since(mark)
    assert (after.phone, after.companyName, after.city) == ("555-0499", COMPANY_NAME, "Asyncville")


def test_count(config, facts):
    async def scenario(client, em):
        return await client.post("Companies/query/count", json={"filter": Q(companyName__beginsWith=facts.bulk_prefix).to_filter()})

    assert run(config, scenario) == {"queryCount": facts.bulk_count}


def test_contact_created_under_company(config, company, live_mock):
    mark = live_mock.mark()

    async def scenario(client, em):
        created = await em.create(CompanyContact(companyID=company.id, firstName="Ada", lastName="Async", isActive=1))
        await em.update(CompanyContact(id=created.id, companyID=company.id, title="CTO"))
        fetched = await em.get("Contacts", created.id)
        listed = await em.query("Contacts", Q(companyID=company.id))
        await em.delete(CompanyContact, created.id, parent_id=company.id)
        return created, fetched, listed

    created, fetched, listed = run(config, scenario)
    requests = live_mock.since(mark)
    assert ("POST", f"/atservicesrest/v1.0/Companies/{company.id}/Contacts") in requests
    assert ("GET", f"/atservicesrest/v1.0/Companies/{company.id}/Contacts/{created.id}") in requests
    assert ("PATCH", f"/atservicesrest/v1.0/Companies/{company.id}/Contacts") in requests
    assert ("DELETE", f"/atservicesrest/v1.0/Companies/{company.id}/Contacts/{created.id}") in requests
    assert (created.companyID, created.firstName, created.lastName) == (company.id, "Ada", "Async")
    assert fetched.title == "CTO"  # "Contacts" resolves to the CompanyContact model declared above
    assert [c.id for c in listed] == [created.id]


def test_entity_field_metadata(config):
    async def scenario(client, em):
        return (
            await em.entity_info(Company),
            await em.field_info(Company),
            await em.resolve_picklist(Company, "companyType"),
        )

    info, fields, company_types = run(config, scenario)
    assert info["info"]["canQuery"] and info["info"]["hasUserDefinedFields"]
    names = {f["name"] for f in fields["fields"]}
    assert {"companyName", "companyType", "ownerResourceID"} <= names
    assert company_types == {1: "Customer", 2: "Lead", 3: "Prospect", 7: "Vendor"}


def test_whoami(config, credentials):
    async def scenario(client, em):
        return await em.whoami()

    me = run(config, scenario)
    assert isinstance(me, Resource) and me.id == 100


def test_wrong_secret_gives_auth_error(live_mock, credentials):
    async def scenario(client, em):
        return await em.get(Company, 1)

    with pytest.raises(AutotaskAuthError):
        run(make_config(live_mock, credentials, secret="not-the-secret"), scenario)
