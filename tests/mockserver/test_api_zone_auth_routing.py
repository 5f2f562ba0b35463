"""Zone lookup, auth matrix and routing quirks (shared/spec/autotask-api.md §1, §2, §12 items 1-3)."""

from __future__ import annotations

from tests.mockserver.conftest import BASIC_HEADERS, V1, Api, make_app


def test_zone_lookup_without_credentials_returns_own_root_with_trailing_slash(app):
    resp = app.test_client().get(f"{V1}/zoneInformation?user=sync%40BASIC.APIUSER.com")
    assert resp.status_code == 200
    body = resp.get_json()
    assert set(body) == {"zoneName", "url", "webUrl", "ci"}
    assert body["url"] == "http://localhost/ATServicesRest/"
    assert body["ci"] == 4242 and body["zoneName"] == "Test Zone"


def test_zone_lookup_is_case_insensitive_on_path_and_user(app):
    resp = app.test_client().get("/atservicesrest/v1.0/ZONEINFORMATION?user=SYNC@basic.apiuser.COM")
    assert resp.status_code == 200


def test_zone_lookup_honours_external_url():
    app = make_app(external_url="https://mock.example.test:8443/")
    body = app.test_client().get(f"{V1}/zoneInformation?user=sync@BASIC.APIUSER.com").get_json()
    assert body["url"] == "https://mock.example.test:8443/ATServicesRest/"


def test_zone_lookup_on_a_real_autotask_host_answers_with_the_tenant_zone_host(app):
    resp = app.test_client().get(
        f"{V1}/zoneInformation?user=sync@BASIC.APIUSER.com", base_url="https://webservices.autotask.net"
    )
    assert resp.get_json()["url"] == "https://webservices5.autotask.net/ATServicesRest/"


def test_unknown_or_blank_user_gets_500_zone_error(app):
    client = app.test_client()
    for query in ("?user=nobody@x.com", "?user=", ""):
        resp = client.get(f"{V1}/zoneInformation{query}")
        assert resp.status_code == 500
        assert resp.get_json() == {"errors": ["Zone information could not be determined"]}


def test_version_information(app):
    resp = app.test_client().get("/ATServicesRest/VersionInformation")
    assert resp.get_json() == {"apiVersions": ["1.0"]}


def test_wrong_secret_is_401_with_standard_reason_phrase(app):
    api = Api(app.test_client(), {**BASIC_HEADERS, "Secret": "wrong"})
    resp = api.get("Companies/1")
    assert resp.status_code == 401
    assert resp.status == "401 Unauthorized"


def test_unknown_user_on_an_api_call_is_the_500_zone_error(app):
    api = Api(app.test_client(), {**BASIC_HEADERS, "UserName": "ghost@x.APIUSER.com"})
    resp = api.get("Companies/1")
    assert resp.status_code == 500
    assert resp.get_json() == {"errors": ["Zone information could not be determined"]}


def test_bad_integration_code_is_500_integration_code_invalid(app):
    api = Api(app.test_client(), {**BASIC_HEADERS, "ApiIntegrationCode": "NOPE"})
    resp = api.get("Companies/1")
    assert resp.status_code == 500
    assert resp.get_json() == {"errors": ["IntegrationCode is invalid."]}
    assert resp.status == "500 Internal Server Error"


def test_header_names_are_case_insensitive(app):
    api = Api(app.test_client(), {"username": BASIC_HEADERS["UserName"], "SECRET": "s3cret", "ApiIntegrationcode": "TESTCODE"})
    assert api.get("Companies/1").status_code == 200


def test_impersonation_attributes_created_records(api):
    resp = api.post("Companies", {"companyName": "Imp Co", "companyType": 1, "ownerResourceID": 101, "phone": "1"},
                    headers={"ImpersonationResourceId": "101"})
    item = api.get(f"Companies/{resp.get_json()['itemId']}").get_json()["item"]
    assert item["createdByResourceID"] == 101
    assert item["impersonatorCreatorResourceID"] == 100


def test_impersonating_an_unknown_resource_is_rejected(api):
    resp = api.post("Companies", {"companyName": "Imp Co", "companyType": 1, "ownerResourceID": 101, "phone": "1"},
                    headers={"ImpersonationResourceId": "999"})
    assert resp.status_code == 500 and "ImpersonationResourceId" in resp.get_json()["errors"][0]


def test_paths_are_case_insensitive_and_slash_tolerant(api):
    for path in ("/ATServicesRest/V1.0/Companies/1", "/atservicesrest/v1.0/companies/1",
                 "/ATServicesRest/V1.0/Companies/1/", "/ATServicesRest//V1.0//Companies/1"):
        resp = api.get(path)
        assert resp.status_code == 200, path
        assert resp.get_json()["item"]["id"] == 1


def test_unknown_entity_is_aspnet_404(api):
    resp = api.get("NoSuchThings/1")
    assert resp.status_code == 404
    assert "No HTTP resource was found" in resp.get_json()["Message"]


def test_verbs_the_real_api_lacks_get_aspnet_405(api):
    resp = api.delete("Companies/1")  # Companies cannot be deleted
    assert resp.status_code == 405
    assert resp.get_json() == {"Message": "The requested resource does not support http method 'DELETE'."}
    assert resp.status == "405 Method Not Allowed"
    assert api.post("Contacts", {"firstName": "x"}).status_code == 405  # contacts: only via the company
    assert api.post("Resources", {"firstName": "x"}).status_code == 405  # resources cannot be created
    assert api.post("ClassificationIcons", {"name": "x"}).status_code == 405  # read-only
    assert api.patch("ClassificationIcons", {"id": 1}).status_code == 405


def test_json_output_is_camel_case(api):
    item = api.get("Companies/1").get_json()["item"]
    assert "companyName" in item and "CompanyName" not in item
    assert item["userDefinedFields"] == [{"name": "Number of Employees", "value": "42"}]


def test_tenants_never_see_each_other(api, other_api):
    created = api.post("Companies", {"companyName": "Only In Basic", "companyType": 1, "ownerResourceID": 101, "phone": "1"})
    new_id = created.get_json()["itemId"]
    found = other_api.query("Companies", {"op": "eq", "field": "companyName", "value": "Only In Basic"})
    assert found["items"] == []
    assert other_api.get(f"Companies/{new_id}").get_json() == {"item": None}


def test_unexpected_input_never_produces_a_stack_trace(api):
    for body in ("{not json", "[]", "null", '"text"'):
        resp = api.post("Companies", body)
        assert resp.status_code == 500
        payload = resp.get_json()
        assert isinstance(payload["errors"], list) and payload["errors"]
        assert "Traceback" not in resp.get_data(as_text=True)
