"""The snapshot cache of built tenants (issue 15, cold start; README "Tenants, fixtures and scenarios").

Small fixtures are used with ``snapshot_min_bytes=0``; the cold-start figures for 100,000 records are in
bench/bench_coldstart.py, never asserted here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mockserver.app import create_app, get_context
from mockserver.config import MockConfig
from mockserver.state.store import Store
from tests.mockserver.conftest import BASIC, BASIC_HEADERS, Api


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "tenant.yaml"
    shutil.copy(BASIC, path)
    return path


def _app(fixture: Path, cache: Path, **settings):
    return create_app(MockConfig(fixtures=[str(fixture)], snapshot_cache_dir=str(cache), snapshot_min_bytes=0,
                                 **settings))


def _snapshots(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle")) if cache.is_dir() else []


def _export(app) -> dict:
    doc = get_context(app).store.export_tenant("basic")
    doc["tenant"].pop("clock")  # the running clock moved on between the two loads
    return doc


def _forbid_building(monkeypatch) -> None:
    def refuse(self, doc, source):
        raise AssertionError("the fixture was built instead of restored")

    monkeypatch.setattr(Store, "_build_tenant", refuse)


def test_the_second_start_restores_the_snapshot_with_identical_state(fixture_file, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cold = _app(fixture_file, cache)
    assert len(_snapshots(cache)) == 1
    assert oct(cache.stat().st_mode & 0o777) == "0o700"
    assert oct(_snapshots(cache)[0].stat().st_mode & 0o777) == "0o600"
    _forbid_building(monkeypatch)
    warm = _app(fixture_file, cache)
    assert _export(warm) == _export(cold)
    api = Api(warm.test_client(), BASIC_HEADERS)
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"
    search = '{"filter":[{"op":"eq","field":"companyName","value":"acme corp"}]}'
    assert len(api.get(f"Companies/query?search={search}").get_json()["items"]) == 2  # indexes work


def test_a_changed_fixture_misses_the_cache_and_replaces_the_old_snapshot(fixture_file, tmp_path):
    cache = tmp_path / "cache"
    _app(fixture_file, cache)
    first = _snapshots(cache)
    fixture_file.write_text(fixture_file.read_text().replace("Acme Corp", "Acme Changed"))
    app = _app(fixture_file, cache)
    api = Api(app.test_client(), BASIC_HEADERS)
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Changed"
    second = _snapshots(cache)
    assert len(second) == 1 and second != first


def test_a_corrupt_snapshot_falls_back_to_loading_and_is_rewritten(fixture_file, tmp_path, caplog):
    cache = tmp_path / "cache"
    _app(fixture_file, cache)
    snapshot = _snapshots(cache)[0]
    good_size = snapshot.stat().st_size
    snapshot.write_bytes(b"\x80\x05garbage")
    app = _app(fixture_file, cache)
    assert "unusable" in caplog.text
    assert Api(app.test_client(), BASIC_HEADERS).get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"
    assert snapshot.stat().st_size == good_size  # a good snapshot replaced the corrupt one


def test_resetting_a_restored_tenant_restores_the_snapshot(fixture_file, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    _app(fixture_file, cache)
    _forbid_building(monkeypatch)
    app = _app(fixture_file, cache)
    api = Api(app.test_client(), BASIC_HEADERS)
    body = {"companyName": "Added", "companyType": 1, "ownerResourceID": 101, "phone": "1"}
    new_id = api.post("Companies", body).get_json()["itemId"]
    assert api.get(f"Companies/{new_id}").get_json()["item"] is not None
    api.patch("Companies", {"id": 1, "companyName": "Renamed"})
    assert app.test_client().post("/_mock/tenants/basic/reset").status_code == 200
    assert api.get(f"Companies/{new_id}").get_json()["item"] is None
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"
    # twice: the snapshot's data is never shared with a running tenant
    api.patch("Companies", {"id": 1, "companyName": "Renamed again"})
    app.test_client().post("/_mock/tenants/basic/reset")
    assert api.get("Companies/1").get_json()["item"]["companyName"] == "Acme Corp"


def test_no_cache_when_off_small_or_the_directory_is_not_private(fixture_file, tmp_path):
    off = tmp_path / "off"
    _app(fixture_file, off, snapshot_cache=False)
    assert _snapshots(off) == []
    small = tmp_path / "small"
    create_app(MockConfig(fixtures=[str(fixture_file)], snapshot_cache_dir=str(small)))  # default threshold
    assert _snapshots(small) == []
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    app = _app(fixture_file, shared)
    assert _snapshots(shared) == []
    assert Api(app.test_client(), BASIC_HEADERS).get("Companies/1").get_json()["item"] is not None
