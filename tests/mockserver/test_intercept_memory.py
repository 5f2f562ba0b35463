"""mock_autotask keeps only what the verification helpers need (issue 15, part 7).

``responses`` records every request and response of the block; a 100k-record paging walk pinned 325 MiB.
The intercepted Autotask calls are now kept only up to ``keep_calls`` (default 0), calls to the test's
own stubs are kept as ``responses`` keeps them, and the verification helpers (which read the mock's
bounded journal) still see every call. A tenant added after start-up is frozen out of the collector.
"""

from __future__ import annotations

import gc

import pytest
import requests

from mockserver import mock_autotask
from tests.mockserver.conftest import BASIC

GENERIC = "https://webservices.autotask.net/ATServicesRest/V1.0"
ALL = {"filter": [{"op": "gte", "field": "id", "value": 0}], "maxRecords": 1}


def walk(at, pages: int) -> None:
    url = at.base_url + "V1.0/Companies/query"
    for _ in range(pages):
        resp = requests.post(url, json=ALL, headers=at.headers, timeout=30)
        assert resp.status_code == 200
        url = resp.json()["pageDetails"]["nextPageUrl"]
        if not url:
            break


def autotask_calls(at) -> list:
    return [c for c in at.responses.calls if "autotask.net" in c.request.url]


def test_intercepted_calls_are_not_kept_by_default_but_the_journal_sees_them():
    with mock_autotask(str(BASIC)) as at:
        walk(at, 3)
        assert autotask_calls(at) == []
        assert len(at.responses.calls) == 0
        at.assert_called("POST", "Companies/query", times=1)  # the verification helpers still see all
        at.assert_called("POST", "Companies/query/next", times=2)


def test_keep_calls_keeps_the_newest_n_and_every_call_to_other_stubs():
    with mock_autotask(str(BASIC), keep_calls=2) as at:
        at.responses.add("GET", "https://other.example/ping", json={"ok": True})
        assert requests.get("https://other.example/ping", timeout=5).json() == {"ok": True}
        walk(at, 3)
        assert requests.get("https://other.example/ping", timeout=5).status_code == 200
        kept = autotask_calls(at)
        assert len(kept) == 2
        assert "query/next" in kept[-1].request.url  # the newest ones (the walk's last page)
        assert [c.request.url for c in at.responses.calls if "other.example" in c.request.url] == [
            "https://other.example/ping", "https://other.example/ping"]


def test_keep_calls_must_be_a_non_negative_int():
    with pytest.raises(ValueError, match="keep_calls"):
        mock_autotask(str(BASIC), keep_calls=-1)


def test_a_large_tenant_added_after_start_up_is_frozen_out_of_the_collector(monkeypatch):
    from mockserver.state import store

    monkeypatch.setattr(store, "FREEZE_MIN_RECORDS", 5)  # the basic fixture stands in for a large tenant
    with mock_autotask(str(BASIC)) as at:
        tables = at.tenant.tables
        assert gc.is_tracked(tables)
        tracked = {id(o) for o in gc.get_objects()}  # the permanent (frozen) generation is not listed
        assert id(tables) not in tracked


def test_a_small_tenant_stays_collectable():
    with mock_autotask(str(BASIC)) as at:
        tables = at.tenant.tables
        assert any(o is tables for o in gc.get_objects())
