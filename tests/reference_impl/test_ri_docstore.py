"""Docstore: migrations, transactions, link constraints (M-09 in the schema), hard delete cascade."""

from __future__ import annotations

import sqlite3

import pytest

from reference_impl.docstore import LATEST_VERSION, DocStore, StoreError
from reference_impl.docstore.schema import MIGRATIONS


def test_fresh_store_is_at_latest_version_and_migrate_is_idempotent(tmp_path):
    path = str(tmp_path / "docs.sqlite")
    s = DocStore(path)
    assert s.schema_version == LATEST_VERSION
    s.close()
    s2 = DocStore(path)
    assert s2.migrate() == LATEST_VERSION


def test_old_file_upgrades_in_place_keeping_data(tmp_path, monkeypatch):
    path = str(tmp_path / "old.sqlite")
    import reference_impl.docstore.store as store_mod
    monkeypatch.setattr(store_mod, "MIGRATIONS", MIGRATIONS[:1])
    old = DocStore(path)
    oid = old.create_record("organization", {"name": "Kept"})
    assert old.schema_version == 1
    old.close()
    monkeypatch.setattr(store_mod, "MIGRATIONS", MIGRATIONS)
    new = DocStore(path)
    assert new.schema_version == LATEST_VERSION
    assert new.get_record("organization", oid).fields["name"] == "Kept"
    new.save_integration(username="u", secret="s", integration_code="c", web_url="http://127.0.0.1:1/")
    assert new.get_integration()["web_url"] == "http://127.0.0.1:1/"


def test_transaction_rolls_back_everything_including_lookup_names():
    s = DocStore()
    with pytest.raises(RuntimeError), s.transaction():
        oid = s.create_record("organization", {"name": "A"})
        s.create_record("configuration", {"name": "c", "manufacturer": "Dell", "model": "R1"}, organization_id=oid)
        s.set_link("organization", oid, 1)
        raise RuntimeError("crash")
    assert s.count_records("organization") == 0 and s.links() == [] and s.manufacturers() == []
    oid = s.create_record("organization", {"name": "B"})
    s.create_record("configuration", {"name": "c", "manufacturer": "Dell", "model": "R1"}, organization_id=oid)
    assert s.manufacturers() == ["Dell"]  # the rolled-back id was not cached


def test_M09_schema_refuses_two_records_for_one_autotask_id():
    s = DocStore()
    a = s.create_record("organization", {"name": "A"})
    b = s.create_record("organization", {"name": "B"})
    s.set_link("organization", a, 100)
    with pytest.raises(sqlite3.IntegrityError):
        s.set_link("organization", b, 100)
    s.set_link("organization", a, 200, "orphaned")  # repointing the same record is fine (M-13)
    assert s.get_link("organization", a).psa_id == 200


def test_nested_transactions_refused_and_bad_fields_rejected():
    s = DocStore()
    with pytest.raises(StoreError), s.transaction(), s.transaction():
        pass
    with pytest.raises(StoreError):
        s.create_record("organization", {"password": "x"})  # unmapped data never goes into mapped columns
    with pytest.raises(StoreError):
        s.create_record("contact", {"first_name": "x"})  # children need an organization


def test_O07_hard_delete_of_org_cascades_children_and_links():
    s = DocStore()
    oid = s.create_record("organization", {"name": "A"})
    cid = s.create_record("contact", {"first_name": "x"}, organization_id=oid)
    s.set_link("organization", oid, 1, "orphaned")
    s.set_link("contact", cid, 2, "orphaned")
    s.delete_record("organization", oid)
    assert s.get_record("contact", cid) is None and s.links() == []


def test_targeted_reads_for_incremental_passes_cover_every_state_and_chunk():
    """records_linked_to / match_candidates / link_targets: what an incremental pull reads instead of everything.
    Candidates are never-linked or orphaned records only (M-09, M-12, M-13), per organization (M-14) or, for
    organizations, by exact name (M-06); more than 500 ids are read in chunks."""
    s = DocStore()
    orgs = [s.create_record("organization", {"name": f"Org {i % 3}"}) for i in range(1200)]
    states = ["enabled", "orphaned", "disabled", "error", None]
    cfgs = []
    for i, oid in enumerate(orgs):
        cid = s.create_record("configuration", {"name": f"c{i}"}, organization_id=oid)
        cfgs.append(cid)
        if states[i % 5]:
            s.set_link("configuration", cid, 10_000 + i, states[i % 5])
            s.set_link("organization", oid, 20_000 + i, states[i % 5])
    linked = s.records_linked_to("configuration", range(10_000, 11_200))
    assert [r.id for r in linked] == [c for i, c in enumerate(cfgs) if states[i % 5]]  # any state, id order
    assert {r.link.state for r in linked} == {"enabled", "orphaned", "disabled", "error"}
    cands = s.match_candidates("configuration", organization_ids=orgs)
    assert [r.id for r in cands] == [c for i, c in enumerate(cfgs) if states[i % 5] in (None, "orphaned")]
    assert s.match_candidates("configuration", organization_ids=[orgs[0], orgs[1]]) == \
        [r for r in cands if r.organization_id in (orgs[0], orgs[1])]
    by_name = s.match_candidates("organization", names=["Org 1", "org 2"])  # exact: 'org 2' matches nothing
    assert by_name and all(r.fields["name"] == "Org 1" and (r.link is None or r.link.state == "orphaned")
                           for r in by_name)
    assert len(by_name) == sum(1 for i in range(1200) if i % 3 == 1 and states[i % 5] in (None, "orphaned"))
    targets = s.link_targets("configuration", [10_000, 10_001, 10_004, 99])
    assert targets == {10_000: (cfgs[0], orgs[0]), 10_001: (cfgs[1], orgs[1])}  # 10_004 was never linked
    assert len(s.link_targets("organization", range(20_000, 21_200))) == 960
    assert s.link_targets("organization", [20_000]) == {20_000: (orgs[0], orgs[0])}
    with pytest.raises(StoreError):
        s.match_candidates("configuration", names=["x"])
