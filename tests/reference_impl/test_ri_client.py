"""Autotask client: zone lookup, auth failure classes, retries/backoff, paging, thresholds (§1 C-rules, O-08)."""

from __future__ import annotations

import random

import pytest
import requests
import responses
from hypothesis import given, settings
from hypothesis import strategies as st
from ri_fake_autotask import CODE, LOOKUP_ROOT, SECRET, USERNAME, ZONE_ROOT, FakeAutotask, Fault

from reference_impl.client import (
    AutotaskClient,
    CredentialError,
    Credentials,
    IncompleteFetchError,
    InvalidIntegrationCodeError,
    InvalidSecretError,
    InvalidUsernameError,
    PermissionDeniedError,
    RateLimitedError,
    RetryPolicy,
    ThresholdPolicy,
    ThresholdState,
    TransientError,
    ZoneLookupError,
    classify,
    normalize_rest_root,
)
from reference_impl.client.policy import parse_retry_after
from reference_impl.clock import ManualClock


def make_client(clock: ManualClock, username: str = USERNAME, secret: str = SECRET, code: str = CODE,
                **kw) -> AutotaskClient:
    kw.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0))
    return AutotaskClient(Credentials(username, secret, code), zone_lookup_url=LOOKUP_ROOT, clock=clock,
                          rng=random.Random(1), **kw)


def zone_calls(fake: FakeAutotask) -> int:
    return sum(1 for _m, p in fake.calls if p.lower().endswith("zoneinformation"))


# ---------------------------------------------------------------- zone (C-02, C-03, C-06, C-07, C-08, Q24)
def test_C02_zone_lookup_first_then_every_call_uses_returned_url(fake, clock):
    c = make_client(clock)
    zone = c.zone()
    assert zone.url == ZONE_ROOT and zone.source == "lookup"
    c.count("Companies")
    c.count("Companies")
    assert zone_calls(fake) == 1  # cached (Q24)
    hosts = {p for _m, p in fake.calls if not p.lower().endswith("zoneinformation")}
    assert all(p.startswith("/ATServicesRest/V1.0/") for p in hosts)


def test_C03_manual_zone_url_skips_lookup_even_when_lookup_fails(fake, clock):
    fake.faults.append(Fault(r"zoneInformation", 500, {"errors": ["boom"]}, times=None))
    c = make_client(clock, zone_url="http://127.0.0.1:8112")  # users paste roots in any form
    zone = c.test_connection()
    assert zone.source == "override" and zone.url == ZONE_ROOT
    assert zone_calls(fake) == 0


def test_C03_override_normalisation_accepts_common_forms():
    for raw in ("webservices2.autotask.net", "https://webservices2.autotask.net/ATServicesRest",
                "https://webservices2.autotask.net/ATServicesRest/V1.0/"):
        assert normalize_rest_root(raw).lower() == "https://webservices2.autotask.net/atservicesrest/"


def test_C06_unknown_user_is_invalid_username_with_actionable_message(fake, clock):
    c = make_client(clock, username="nobody@example.com")
    with pytest.raises(InvalidUsernameError) as ei:
        c.zone()
    assert isinstance(ei.value, CredentialError)
    assert "Zone URL" in ei.value.message and "APIUSER.com" in ei.value.message


def test_C07_zone_lookup_500_is_not_retried(fake, clock):
    fake.faults.append(Fault(r"zoneInformation", 500, {"errors": ["Something odd"]}, times=None))
    c = make_client(clock)
    with pytest.raises(ZoneLookupError):
        c.zone()
    assert zone_calls(fake) == 1 and clock.slept == []


def test_C06_bad_integration_code_is_its_own_credential_error(fake, clock):
    c = make_client(clock, code="WRONG")
    with pytest.raises(InvalidIntegrationCodeError) as ei:
        c.test_connection()
    assert isinstance(ei.value, CredentialError) and "integration code" in ei.value.message.lower()


def test_C04_401_is_bad_credentials_with_apiuser_hint_and_never_retried(fake, clock):
    c = make_client(clock, secret="wrong")
    with pytest.raises(InvalidSecretError) as ei:
        c.test_connection()
    assert "APIUSER.com" in ei.value.message and ei.value.status == 401
    assert clock.slept == []
    # one authenticated call; the re-detection (Q24) found the same zone, so the call is not repeated
    assert sum(1 for _m, p in fake.calls if not p.lower().endswith("zoneinformation")) == 1
    assert zone_calls(fake) == 2


@pytest.mark.parametrize("denial", [403, 500])
def test_C05_permission_denied_is_distinct_from_401(fake, clock, denial):
    fake.denied["Companies"] = denial
    c = make_client(clock)
    with pytest.raises(PermissionDeniedError) as ei:
        c.test_connection()
    assert not isinstance(ei.value, InvalidSecretError)
    assert "API User (system)" in ei.value.message  # C-05 remedy; C-09 security level
    assert clock.slept == []


def test_C08_successful_test_reports_zone_host(fake, clock):
    assert make_client(clock).test_connection().host == "127.0.0.1:8112"


def test_Q24_401_redetects_zone_and_retries_when_zone_moved(fake, clock):
    from reference_impl.client import ZoneInfo

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moved = FakeAutotask().install(rsps)
        rsps.add(responses.POST, "http://127.0.0.1:8119/ATServicesRest/V1.0/Companies/query/count", status=401)
        stale = ZoneInfo(url="http://127.0.0.1:8119/ATServicesRest/")
        c = make_client(clock, cached_zone=stale)
        assert c.count("Companies") == 0
        assert c.zone().url == ZONE_ROOT
        assert zone_calls(moved) == 1


@pytest.mark.parametrize("status,body,cls", [
    (500, {"errors": ["Zone information could not be determined"]}, InvalidUsernameError),
    (500, {"errors": ["IntegrationCode is invalid."]}, InvalidIntegrationCodeError),
    (401, None, InvalidSecretError),
    (401, "", InvalidSecretError),
    (403, {"errors": ["no"]}, PermissionDeniedError),
    (500, {"errors": ["The logged in Resource does not have the adequate permissions"]}, PermissionDeniedError),
    (429, None, RateLimitedError),
    (502, None, TransientError),
    (500, {"errors": ["Unexpected"]}, TransientError),
])
def test_C04_to_C07_classification_matrix(status, body, cls):
    verdict = classify(status, body, username="u@x")
    assert verdict is not None and verdict.error is cls
    assert verdict.message  # every class has a human message
    assert issubclass(cls, CredentialError) == (not cls.retryable and cls not in ())  # credential ⇔ not retried


def test_C10_credentials_repr_never_shows_secret():
    assert SECRET not in repr(Credentials(USERNAME, SECRET, CODE))


# ---------------------------------------------------------------- retries
def test_429_retry_after_is_honoured_then_succeeds(fake, clock):
    fake.faults.append(Fault(r"query/count", 429, None, headers={"Retry-After": "7"}, times=1))
    c = make_client(clock)
    assert c.count("Companies") == 0
    assert 7 in clock.slept and c.stats.retries == 1


def test_5xx_and_dropped_connections_and_timeouts_are_retried(fake, clock):
    fake.faults += [Fault(r"query/count", 503, None, times=1),
                    Fault(r"query/count", exc=requests.ConnectionError("reset"), times=1),
                    Fault(r"query/count", exc=requests.ReadTimeout("slow"), times=1)]
    c = make_client(clock)
    assert c.count("Companies") == 0
    assert c.stats.retries == 3
    assert all(0 <= d <= 4.0 for d in clock.slept)


def test_retries_are_bounded(fake, clock):
    fake.faults.append(Fault(r"query/count", 503, None, times=None))
    c = make_client(clock)
    with pytest.raises(TransientError) as ei:
        c.count("Companies")
    assert "Gave up after 4 attempts" in ei.value.message
    assert sum(1 for _m, p in fake.calls if p.endswith("count")) == 4


def test_writes_are_not_retried_on_5xx(fake, clock):
    fake.faults.append(Fault(r"POST .*/Companies$", 503, None, times=None))
    c = make_client(clock)
    with pytest.raises(TransientError):
        c.create("Companies", {"companyName": "X"})
    assert sum(1 for m, p in fake.calls if m == "POST" and p.endswith("/Companies")) == 1


@settings(max_examples=60, deadline=None)
@given(attempt=st.integers(1, 12), seed=st.integers(0, 10_000), base=st.floats(0.01, 5), cap=st.floats(0.1, 60))
def test_backoff_is_bounded_exponential_with_jitter(attempt, seed, base, cap):
    pol = RetryPolicy(base_delay=base, max_delay=cap)
    d = pol.delay(attempt, random.Random(seed))
    assert 0 <= d <= min(cap, base * 2 ** (attempt - 1)) + 1e-9


def test_retry_after_parsing():
    from datetime import UTC, datetime
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30
    assert parse_retry_after("garbage", now) is None
    assert RetryPolicy(max_retry_after=60).delay(1, random.Random(0), retry_after=3600) == 60


# ---------------------------------------------------------------- paging (O-08)
def _companies(fake: FakeAutotask, n: int) -> None:
    for i in range(n):
        fake.add("Companies", id=10_000 + i, companyName=f"C{i}", companyType=1)


def test_paging_follows_next_page_url_with_post(fake, clock):
    _companies(fake, 1203)
    c = make_client(clock)
    items = c.query_all("Companies", include_fields=["companyName"], verify_count=True)
    assert [i["id"] for i in items] == sorted(i["id"] for i in items) and len(items) == 1203
    assert set(items[0]) == {"id", "companyName", "userDefinedFields"}
    nexts = [m for m, p in fake.calls if p.endswith("/query/next")]
    assert nexts == ["POST", "POST"]


def test_paging_falls_back_to_id_requery_when_next_page_url_unusable(fake, clock):
    _companies(fake, 1100)
    fake.next_page_mode = "405"
    items = make_client(clock).query_all("Companies", verify_count=True)
    assert len(items) == 1100 and len({i["id"] for i in items}) == 1100


def test_O08_truncated_enumeration_is_detected(fake, clock):
    _companies(fake, 1100)
    fake.next_page_mode = "truncate"
    with pytest.raises(IncompleteFetchError):
        make_client(clock).query_all("Companies", verify_count=True)


def test_next_page_url_on_foreign_host_is_never_followed(fake, clock):
    _companies(fake, 600)
    orig = fake._page

    def evil(entity, body, after, base):
        env = orig(entity, body, after, base)
        if env["pageDetails"]["nextPageUrl"]:
            env["pageDetails"]["nextPageUrl"] = "http://127.0.0.9:1/ATServicesRest/V1.0/Companies/query/next"
        return env

    fake._page = evil
    items = make_client(clock).query_all("Companies")
    assert len(items) == 600  # fetched by id re-query instead; no credentials sent elsewhere


def test_id_paging_mode(fake, clock):
    _companies(fake, 1000)
    items = make_client(clock, paging="id").query_all("Companies")
    assert len(items) == 1000
    assert not any(p.endswith("/next") for _m, p in fake.calls)


# ---------------------------------------------------------------- thresholds
def test_threshold_policy_slows_before_the_limit():
    pol = ThresholdPolicy(slow_from=0.75, stop_at=0.97, stop_wait=60)
    st_ = ThresholdState(limit=10_000, timeframe_minutes=60, count_at_check=1000)
    assert pol.delay(st_) == 0
    st_.count_at_check = 8000
    d1 = pol.delay(st_)
    st_.count_at_check = 9500
    d2 = pol.delay(st_)
    assert 0 < d1 < d2 < 60
    st_.count_at_check = 9800
    assert pol.delay(st_) == 60


def test_client_reads_threshold_and_paces_without_hitting_429(fake, clock):
    fake.threshold_limit = 100
    fake.request_count = 80  # 80% used by other integrations
    c = make_client(clock)
    for _ in range(5):
        c.count("Companies")
    assert any(p.endswith("ThresholdInformation") for _m, p in fake.calls)
    assert clock.slept and all(d > 0 for d in clock.slept)


def test_missing_threshold_endpoint_does_not_break_calls(fake, clock):
    fake.faults.append(Fault(r"ThresholdInformation", 404, {"errors": ["no"]}, times=None))
    c = make_client(clock)
    assert c.count("Companies") == 0 and c.threshold_state.disabled


def test_Q24_redirect_is_never_followed_with_credentials_and_triggers_zone_redetection(fake, clock):
    from reference_impl.client import ZoneInfo

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        moved = FakeAutotask().install(rsps)
        rsps.add(responses.POST, "http://127.0.0.1:8119/ATServicesRest/V1.0/Companies/query/count", status=302,
                 headers={"Location": "http://127.0.0.9/steal"})
        c = make_client(clock, cached_zone=ZoneInfo(url="http://127.0.0.1:8119/ATServicesRest/"))
        assert c.count("Companies") == 0
        assert not any("steal" in p for _m, p in moved.calls)


def test_cut_short_json_body_is_retried(fake, clock):
    fake.faults.append(Fault(r"query/count", 200, raw='{"queryCount": ', times=1))
    c = make_client(clock)
    assert c.count("Companies") == 0 and c.stats.retries == 1
