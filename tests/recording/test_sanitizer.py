"""The sanitizer's pure core: one original -> one replacement everywhere, ids kept, opt-outs honoured."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

from mockserver.recording.sanitize import Sanitizer, credential_free, field_kind


def _learned(s: Sanitizer, *bodies, entity="Companies") -> Sanitizer:
    for body in bodies:
        s.learn_json(body, entity)
    return s


def test_same_value_same_replacement_in_records_filters_urls_and_text():
    record = {"items": [{"id": 7, "companyName": "Acme Secret Corp", "phone": "555-1234", "companyType": 1,
                         "userDefinedFields": [{"name": "Code Name", "value": "Project Bluebird"},
                                               {"name": "Seats", "value": "42"}]}]}
    query = {"filter": [{"op": "or", "items": [{"op": "eq", "field": "CompanyName", "value": "Acme Secret Corp"}]}]}
    s = _learned(Sanitizer(seed=1), record, query)
    fake = s.mapping["Acme Secret Corp"]
    out = s.rewrite_json(record, "Companies")["items"][0]
    assert out["companyName"] == fake and out["id"] == 7 and out["companyType"] == 1
    assert out["userDefinedFields"][0]["value"] == s.mapping["Project Bluebird"]
    assert out["userDefinedFields"][1]["value"] == "42"  # numbers keep the UDF's type valid
    assert s.rewrite_json(query, "Companies")["filter"][0]["items"][0]["value"] == fake
    url = "http://h/ATServicesRest/V1.0/Companies/query?search=" + json.dumps(query)
    search = dict(parse_qsl(urlsplit(s.rewrite_url(url, "Companies")).query))["search"]
    assert json.loads(search)["filter"][0]["items"][0]["value"] == fake
    assert "Acme Secret Corp" not in s.rewrite_text("Company 'Acme Secret Corp' already exists.")


def test_seeded_per_capture():
    body = {"item": {"id": 1, "firstName": "Philomena"}}
    a = _learned(Sanitizer(seed=1), body, entity="Contacts").mapping["Philomena"]
    b = _learned(Sanitizer(seed=1), body, entity="Contacts").mapping["Philomena"]
    c = _learned(Sanitizer(seed=2), body, entity="Contacts").mapping["Philomena"]
    assert a == b != c


def test_keep_field_and_no_sanitize():
    body = {"item": {"id": 1, "companyName": "Keep Me Inc", "city": "Hideville"}}
    s = _learned(Sanitizer(seed=1, keep_fields=frozenset({"Companies.companyName"})), body)
    out = s.rewrite_json(body, "Companies")["item"]
    assert out["companyName"] == "Keep Me Inc" and out["city"] != "Hideville"
    raw = Sanitizer(seed=1, enabled=False)
    raw.learn_json(body, "Companies")
    fake_user = raw.learn_user("real.user@TENANT.APIUSER.com")
    assert raw.rewrite_json(body, "Companies") == body  # --no-sanitize keeps data ...
    assert fake_user.endswith(".APIUSER.com") and "real.user" not in fake_user  # ... but never the user name
    assert raw.rewrite_param("user", "real.user@TENANT.APIUSER.com", None) == fake_user


def test_replacements_fit_the_field():
    s = Sanitizer(seed=1, lengths={("contacts", "note"): 10})
    s.learn_json({"item": {"id": 1, "note": "a short secret"}}, "Contacts")
    assert len(s.mapping["a short secret"]) <= 10


def test_credential_headers_are_always_dropped():
    kept = credential_free([("UserName", "u"), ("secret", "s"), ("APIINTEGRATIONCODE", "c"), ("Accept", "x")])
    assert kept == [("Accept", "x")]


def test_field_kinds():
    assert field_kind("emailAddress2") == "email"
    assert field_kind("rmmDeviceAuditIPAddress") == "ip"
    assert field_kind("rmmDeviceAuditMacAddress") == "mac"
    assert field_kind("serialNumber") == "serial"
    assert field_kind("companyType") is None and field_kind("id") is None


def test_numeric_udf_values_stay_in_filters_as_on_records():
    query = {"filter": [{"op": "eq", "field": "Number of Employees", "value": "42", "udf": True},
                        {"op": "eq", "field": "Code Name", "value": "Bluebird", "udf": True}]}
    s = _learned(Sanitizer(seed=1), query)
    out = s.rewrite_json(query, "Companies")["filter"]
    assert out[0]["value"] == "42" and "42" not in s.mapping
    assert out[1]["value"] == s.mapping["Bluebird"] != "Bluebird"


def test_short_originals_are_replaced_as_values_but_not_inside_text():
    body = {"item": {"id": 1, "state": "IL", "city": "Springfield"}}
    s = _learned(Sanitizer(seed=1), body)
    out = s.rewrite_json(body, "Companies")["item"]
    assert out["state"] == s.mapping["IL"] and out["city"] == s.mapping["Springfield"]
    assert s.rewrite_text("IL office in Springfield") == f"IL office in {s.mapping['Springfield']}"
