"""The pydantic models of behaviour settings and fault rules: declared types, allowed values, every problem at once."""

from __future__ import annotations

import pytest

from mockserver.config import MockConfig
from mockserver.faults import FaultRuleError, parse_rule
from mockserver.settings_model import SettingsError, allowed_values, known_settings, validate_settings
from tests.mockserver.conftest import make_app


# ------------------------------------------------------------------------------------------ settings
def test_a_literal_setting_rejects_a_value_outside_its_allowed_values():
    with pytest.raises(SettingsError) as info:
        MockConfig().with_overrides(missing_item_status="abc")
    assert info.value.problems == ["missing_item_status='abc': allowed values are 200, 404"]


def test_every_bad_key_and_value_is_reported_in_one_message():
    with pytest.raises(SettingsError) as info:
        validate_settings(MockConfig, {"unknown_fields": "maybe", "max_page_size": 0, "item_url_writes": "yes",
                           "latency_tiers": [[50, "x"]], "max_page_sise": 5})
    text = str(info.value)
    assert text.startswith("invalid mock settings: ")
    assert "unknown setting 'max_page_sise' (did you mean 'max_page_size'?" in text
    assert "unknown_fields='maybe': allowed values are 'ignore', 'error'" in text
    assert "max_page_size=0: must be an integer > 0" in text
    assert "item_url_writes='yes': must be true or false" in text
    assert "latency_tiers=[[50, 'x']]: must be a list of lists of numbers" in text
    assert len(info.value.problems) == 5


def test_valid_overrides_keep_their_values_and_fill_declared_types():
    config = MockConfig().with_overrides(missing_item_status=404, throttle_time_scale=1, external_url=None,
                                         webhook_retry_delays=[1, 2])
    assert config.missing_item_status == 404
    assert config.throttle_time_scale == 1.0 and isinstance(config.throttle_time_scale, float)
    assert config.webhook_retry_delays == [1.0, 2.0]


def test_every_public_setting_is_settable_and_described():
    public = MockConfig().public_settings()
    assert set(public) <= set(known_settings(MockConfig))
    assert MockConfig().with_overrides(**public).public_settings() == public  # zone workers round-trip them
    for name in known_settings(MockConfig):
        assert allowed_values(MockConfig, name)


def test_the_clock_is_not_a_setting():
    with pytest.raises(SettingsError, match="clock: not a setting"):
        MockConfig().with_overrides(clock=None)


# ------------------------------------------------------------------------------------------ fault rules
def test_fault_rule_problems_are_all_reported_in_the_docs_words():
    with pytest.raises(FaultRuleError) as info:
        parse_rule({"pathRegex": "(", "latency": -1, "method": [""], "drop": "yes", "headers": 3, "status": 500,
                    "omitRecords": {"count": 0, "bogus": 1}}, rule_id="r")
    assert info.value.problems == [
        "fault r: method: must be a method name or a list of them",
        "fault r: pathRegex: missing ), unterminated subpattern at position 0",
        "fault r: latency: must be a non-negative number of seconds",
        "fault r: drop: must be true or false",
        "fault r: headers: must be a mapping of header name to value",
        "fault r: omitRecords.count: must be a positive integer",
        "fault r: omitRecords: give exactly the keys count, ids or fraction",
    ]


def test_fault_rule_shorthands_are_normalised():
    rule = parse_rule({"Method": ["get", "post"], "PATH": "Companies/query", "nth": 2, "omitRecords": 2,
                       "truncate": 0.3, "headers": {"Retry-After": 30}, "status": 503, "Entity": " Companies "},
                      rule_id="n")
    assert rule.methods == {"GET", "POST"} and rule.path_glob == "*/companies/query" and rule.nth == {2}
    assert rule.omit == {"count": 2} and rule.truncate == {"keepLength": False, "fraction": 0.3}
    assert rule.headers == {"Retry-After": "30"} and rule.entity == "companies"
    assert parse_rule({"truncate": 40}, rule_id="b").truncate == {"keepLength": False, "bytes": 40}
    assert parse_rule({"truncate": True, "method": "*"}, rule_id="t").methods is None


def test_admin_api_answers_bad_fault_rules_with_an_autotask_shaped_400():
    app = make_app()
    resp = app.test_client().post("/_mock/faults", json=[{"status": 99}, {"probability": 2, "status": 500}])
    assert resp.status_code == 400
    errors = resp.get_json()["errors"]
    assert "fault f1: status: must be an HTTP status code (100-599)" in errors
    assert "fault f2: probability: must be a number between 0 and 1" in errors


# ------------------------------------------------------------------------------------------ fixture headers
def test_fixture_header_problems_are_all_reported():
    from mockserver.fixtures.format import FixtureError, validate_fixture

    doc = {"format": "autotask-mock/tenant@1", "description": " ", "rules": ["M-01", 3],
           "tenant": {"zone": 0, "ci": -1, "clockFrozen": "no", "clock": "2026-02-30T00:00:00Z", "zoneName": 5,
                      "colour": "red"},
           "integrationCodes": ["X"], "records": {}}
    with pytest.raises(FixtureError) as info:
        validate_fixture(doc, "t.yaml")
    errors = info.value.errors
    for expected in ("t.yaml: description: must be a non-empty string",
                     "t.yaml: rules: must be a list of rule ids (strings)",
                     "t.yaml: tenant: field colour: unknown key (known: name, zoneName, zone, ci, clockFrozen, clock)",
                     "t.yaml: tenant: field name: missing required key",
                     "t.yaml: tenant: field zoneName: must be a string, got integer",
                     "t.yaml: tenant: field zone: must be a positive integer, got 0",
                     "t.yaml: tenant: field ci: must be a positive integer, got -1",
                     "t.yaml: tenant: field clockFrozen: must be a boolean, got string",
                     "t.yaml: tenant: field clock: '2026-02-30T00:00:00Z' is not a valid date-time"):
        assert expected in errors, (expected, errors)
