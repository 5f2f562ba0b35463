"""Per-record controls as whole operations (§7): "Sync now" on one record (R-03), deleting an enabled record
(R-08), editing a disabled record with two-way on (R-01), and editing while disabled then enabling again (R-02,
Q19). Needs ``record_controls`` (and ``edit_and_save`` for the edits).

Oracles are the rules' text: R-03 "runs an immediate sync of that one record, pulling its latest AT changes ... No
other record changes state or fields"; R-08 "an enabled, linked record must be disabled or orphaned before it can be
deleted"; R-01 "later pulls do not update it and later IT Glue edits are not pushed"; R-02 "on the next pull, mapped
fields are overwritten with AT values (PSA wins), including fields edited while the record was disabled".
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance.adapter import Refused
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["R-01", "R-02", "R-03", "R-08", "P-13", "Q10", "Q19"]

_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
         "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee", "title": "CEO"},
                      {"id": 30002, "company": 1002, "first": "Bob", "last": "Roe", "title": "CTO"}],
         "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1}],
         "locations": [], "tickets": [], "docs": []}
# kind → (entity, the Autotask record, Autotask field, neutral field)
_TARGETS = {"organization": ("Companies", 1001, "companyName", "name"),
            "contact": ("Contacts", 30001, "title", "title"),
            "configuration": ("ConfigurationItems", 100001, "serialNumber", "serial_number")}


def _snapshot(w: Any) -> dict[tuple[str, Any], tuple[Any, Any]]:
    return {(k, r["id"]): (r["fields"], r["link"] and r["link"]["state"]) for k, rs in w.all_records().items()
            for r in rs}


@prop(rules=["R-03"], needs={"record_controls"}, max_examples=3,
      kind=st.sampled_from(["organization", "contact", "configuration"]))
def test_R03_sync_now_pulls_that_one_record_and_nothing_else(factory: Any, kind: str) -> None:
    """After changes in Autotask to several records, "Sync now" on one record pulls its latest Autotask values
    (R-03), and no other record changes state or fields (R-03 [I]); the next pass brings the rest."""
    entity, psa, at_field, field = _TARGETS[kind]
    with world(factory, _SPEC, base_settings()) as w:
        w.pass_ok()
        target = w.must_link(kind, psa)
        w.at_update(entity, psa, **{at_field: "Changed in Autotask"})
        w.at_update("Companies", 1002, companyName="Fabrikam renamed")  # other records change too
        w.at_update("Contacts", 30002, title="Changed too")
        if kind != "organization":
            w.at_update("Companies", 1001, companyName="Contoso renamed")
        before = _snapshot(w)
        w.adapter.sync_now(kind, target["id"])
        after = _snapshot(w)
        got = after[(kind, target["id"])]
        assert got[0][field] == "Changed in Autotask", f"R-03: sync now did not pull the {kind}'s change: {got[0]}"
        assert got[1] == "enabled", f"R-03: sync now left the {kind} {got[1]}"
        changed = sorted(str(key) for key in after if key != (kind, target["id"]) and after[key] != before.get(key))
        assert not changed, f"R-03: sync now of one {kind} changed other records: {changed}"
        w.pass_ok()
        assert w.must_link("organization", 1002)["fields"]["name"] == "Fabrikam renamed", "FM-G1: the next pass"
    checked()


@prop(rules=["R-08", "Q10", "P-13"], needs={"record_controls"}, max_examples=3,
      kind=st.sampled_from(["organization", "contact", "configuration"]))
def test_R08_an_enabled_record_cannot_be_deleted_until_disabled(factory: Any, kind: str) -> None:
    """Deleting an enabled, linked record is refused and the record stays synced (R-08); once disabled it can be
    deleted, and nothing is deleted in Autotask (P-13)."""
    entity, psa, _at_field, _field = _TARGETS[kind]
    with world(factory, _SPEC, base_settings(two_way=True)) as w:
        w.pass_ok()
        target = w.must_link(kind, psa)
        w.mark()
        try:
            w.adapter.delete_record(kind, target["id"])
        except Refused:
            pass
        still = w.record(kind, target["id"])
        assert still is not None, f"R-08: an enabled, linked {kind} was deleted without being disabled first"
        assert still["link"] and still["link"]["state"] == "enabled", f"R-08: the refused delete left {still['link']}"
        w.adapter.disable(kind, target["id"])
        w.adapter.delete_record(kind, target["id"])
        assert w.record(kind, target["id"]) is None, f"R-08: a disabled {kind} could not be deleted"
        assert not [e for e in w.writes() if e["method"] == "DELETE"], "P-13: a delete reached Autotask"
        assert w.at_get(entity, psa) is not None, f"P-13: the Autotask {entity} {psa} is gone"
    checked()


@prop(rules=["R-01", "P-02", "M-12"], needs={"record_controls", "edit_and_save"}, max_examples=3,
      kind=st.sampled_from(["organization", "contact", "configuration"]))
def test_R01_editing_a_disabled_record_with_two_way_on_pushes_nothing(factory: Any, kind: str) -> None:
    """With two-way on, a save of a disabled record writes nothing to Autotask (R-01: later IT Glue edits are not
    pushed), and later pulls do not update it (R-01, M-12) or duplicate it."""
    entity, psa, at_field, field = _TARGETS[kind]
    with world(factory, _SPEC, base_settings(two_way=True)) as w:
        w.pass_ok()
        target = w.must_link(kind, psa)
        w.adapter.disable(kind, target["id"])
        w.mark()
        try:
            w.adapter.edit_and_save(kind, target["id"], {field: "Edited while disabled"})
        except Refused:
            pass
        writes = [(e["method"], e["path"]) for e in w.writes()]
        assert not writes, f"R-01: a save of a disabled {kind} wrote to Autotask: {writes}"
        assert w.at_get(entity, psa)[at_field] != "Edited while disabled", "R-01: the edit reached Autotask"
        local = w.record(kind, target["id"])["fields"][field]
        w.at_update(entity, psa, **{at_field: "Changed in Autotask"})
        w.pass_ok()
        r = w.record(kind, target["id"])
        assert r["link"] and r["link"]["state"] == "disabled", f"R-01: the pass changed the disabled link: {r['link']}"
        assert r["fields"][field] == local, f"R-01: a pull updated the disabled {kind}: {r['fields'][field]!r}"
        assert len(w.by_psa(kind).get(psa, [])) == 1, f"M-12: the disabled {kind} was duplicated"
    checked()


@prop(rules=["R-02", "R-01", "Q19", "FM-G1", "P-04"], needs={"record_controls", "edit_and_save"}, max_examples=4,
      kind=st.sampled_from(["organization", "contact", "configuration"]), two_way=st.booleans(),
      examples=({"kind": "organization", "two_way": True},))
def test_R02_Q19_edits_made_while_disabled_are_overwritten_after_enabling(factory: Any, kind: str,
                                                                           two_way: bool) -> None:
    """A mapped field edited while the record was disabled is not pushed when sync is enabled again (nothing is
    pushed without a save, P-04/P-05), and the next pull overwrites it with Autotask's value (R-02, Q19)."""
    entity, psa, at_field, field = _TARGETS[kind]
    with world(factory, _SPEC, base_settings(two_way=two_way)) as w:
        w.pass_ok()
        target = w.must_link(kind, psa)
        at_value = w.at_get(entity, psa)[at_field]
        w.adapter.disable(kind, target["id"])
        try:
            w.adapter.edit_and_save(kind, target["id"], {field: "Edited while disabled"})
        except Refused:
            pass
        w.mark()
        w.adapter.enable(kind, target["id"])
        w.pass_ok()
        writes = [(e["method"], e["path"]) for e in w.writes()]
        assert not writes, f"R-02/P-04: enabling sync pushed the edit made while disabled: {writes}"
        r = w.record(kind, target["id"])
        assert r["link"] and r["link"]["state"] == "enabled", f"R-02: enable left {r['link']}"
        assert r["fields"][field] == at_value == w.at_get(entity, psa)[at_field], (
            f"R-02/Q19: after enabling, the pull must restore Autotask's {at_field} {at_value!r}, "
            f"got {r['fields'][field]!r}")
    checked()
