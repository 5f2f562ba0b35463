"""Orphaning suite (§6: O-01..O-09, and C-11 for credential/permission failures during a pass)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites import _oracle as O
from conformance.suites._common import checked, draw_linked, prop
from conformance.world import base_settings, world

RULES = ["O-01", "O-03", "O-04", "O-05", "O-06", "O-08", "O-09", "C-11", "SC-11", "SC-13"]


def snapshot(w: Any) -> dict[str, list[tuple]]:
    """Everything a pass could change: ids, links, mapped fields, unmapped data."""
    out = {}
    for k, recs in w.all_records().items():
        out[k] = sorted((str(r["id"]), repr(r["link"]), repr(sorted(r["fields"].items())),
                          repr(sorted(r["unmapped"].items()))) for r in recs)
    return out


def _hard(rule: dict[str, Any]) -> bool:
    """A fault the client cannot mistake for data: an error status, a dropped connection or a truncated body."""
    return bool("status" in rule or rule.get("drop") or rule.get("truncate"))


def failed_requests(w: Any, faults: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Requests since :meth:`World.mark` that one of the ``faults`` turned into a hard failure (from the mock's
    journal, not from the implementation)."""
    hard = [(f["entity"], f["kind"]) for f in faults if _hard(f)]
    return [e for e in w.at.calls() if e.get("fault") and (e.get("entity"), e.get("kind")) in hard]


@prop(rules=["O-08", "C-11", "§16.1"], spec=S.tenants(docs=False), settings=S.sync_settings(),
      faults=S.fault_schedules())
def test_O08_C11_a_failed_or_partial_fetch_changes_nothing(factory: Any, spec: dict, settings: dict,
                                                           faults: list) -> None:
    """With Autotask unchanged, a pass hit by 401/403/500/503, dropped connections, truncated bodies or pages that
    silently lose records must not orphan, delete or modify anything. A pass that met a failed request (the mock's
    journal says so) must report the failure (C-11: the pass is aborted, with an error), never success."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        before = snapshot(w)
        for rule in faults:
            w.fault(rule)
        w.mark()
        result = w.adapter.run_pass(full=True)
        failed = failed_requests(w, faults)
        if failed:
            assert not result["ok"], (f"C-11: the pass met {len(failed)} failed request(s) "
                                      f"({failed[0]['method']} {failed[0]['path']} -> {failed[0]['fault']}) but "
                                      f"reported success")
            assert result.get("error"), "C-11: a failed pass must say why"
        assert snapshot(w) == before, f"O-08/C-11: a pass under faults {faults} changed documentation records"
        w.clear_faults()
        w.pass_ok()
        assert snapshot(w) == before, "O-08: after the faults cleared, a healthy pass still changed records"
        checked()


@prop(rules=["O-01", "O-05", "O-07"], spec=S.tenants(docs=False, max_contacts=3),
      settings=S.scoped_settings(contacts_enabled=True), data=st.data())
def test_O01_O05_deleted_in_autotask_orphans_and_the_orphan_is_frozen(factory: Any, spec: dict, settings: dict,
                                                                       data: Any) -> None:
    """A contact deleted in Autotask becomes orphaned (not deleted) and later pulls never write its fields."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        victim = draw_linked(w, data, "contact", "victim", settings)
        w.at_delete("Contacts", int(victim["link"]["psa_id"]))
        w.pass_ok()
        w.pass_ok()
        rec = next((r for r in w.records("contact") if r["id"] == victim["id"]), None)
        assert rec is not None, "O-05: the sync deleted a record whose Autotask record was deleted"
        assert rec["link"] and rec["link"]["state"] == "orphaned", f"O-01: state is {rec['link']}"
        assert rec["fields"] == victim["fields"] and rec["unmapped"] == victim["unmapped"], "O-05: orphan modified"
        others = [r for r in w.records("contact") if r["link"] and r["id"] != victim["id"]]
        assert all(r["link"]["state"] == "enabled" for r in others), "O-01: other contacts were orphaned too"
        checked()


@prop(rules=["O-03", "O-04", "O-05", "O-06", "SC-11", "Q20"], spec=S.tenants(docs=False),
      settings=S.scoped_settings(), data=st.data())
def test_O03_O04_O06_scope_loss_orphans_with_children_and_scope_return_relinks(factory: Any, spec: dict,
                                                                              settings: dict, data: Any) -> None:
    """A company whose type leaves the selected types (type 2 is never selected here) is orphaned together with its
    linked children; its Autotask edits are not pulled while orphaned; when the type returns the same records are
    re-linked (enabled), with no duplicates."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org", settings)
        pid = int(org["link"]["psa_id"])
        ids_before = {k: sorted(str(r["id"]) for r in rs) for k, rs in w.all_records().items()}
        w.at_update("Companies", pid, companyType=2)
        w.pass_ok()
        o = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert o["link"] and o["link"]["state"] == "orphaned", f"O-03: org out of scope is {o['link']}"
        for k in ("contact", "configuration", "location"):
            for r in w.records(k):
                if r["org_id"] == org["id"] and r["link"]:
                    assert r["link"]["state"] in ("orphaned", "disabled"), f"O-04: {k} {r['id']} not orphaned"
        w.at_update("Companies", pid, companyName="Renamed while orphaned")
        w.pass_ok()
        o = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert o["fields"]["name"] == org["fields"]["name"], "O-05: a pull wrote an orphan's mapped field"
        w.at_update("Companies", pid, companyType=1)
        w.pass_ok()
        o = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert o["link"] == {"psa_id": pid, "state": "enabled"}, f"O-06: scope restored but link is {o['link']}"
        ids_after = {k: sorted(str(r["id"]) for r in rs) for k, rs in w.all_records().items()}
        assert ids_after == ids_before, "O-06: scope restored created or removed records"
        for k in ("contact", "configuration"):
            for r in w.records(k):
                if r["org_id"] == org["id"] and r["link"]:
                    assert r["link"]["state"] == "enabled", f"O-06: {k} {r['id']} stayed {r['link']['state']}"
        checked()


@prop(rules=["O-09", "P-01", "Q14"], needs={"edit_and_save"}, spec=S.tenants(docs=False, max_contacts=2),
      settings=S.scoped_settings(contacts_enabled=True, two_way=True), data=st.data())
def test_O09_editing_an_orphan_with_two_way_on_writes_nothing(factory: Any, spec: dict, settings: dict,
                                                              data: Any) -> None:
    """An orphan edited and saved in the documentation UI with two-way on is not pushed."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        victim = draw_linked(w, data, "contact", "victim", settings)
        w.at_delete("Contacts", int(victim["link"]["psa_id"]))
        w.pass_ok()
        w.mark()
        try:
            w.adapter.edit_and_save("contact", victim["id"], {"title": "Edited orphan"})
        except Exception:  # noqa: BLE001 - refusing the edit is also fine
            pass
        assert not w.writes(), f"O-09: editing an orphan wrote to Autotask: {w.writes()}"
        checked()


_NARROW = base_settings(contacts_enabled=False, locations_enabled=False, ci_types=["1"], sync_without_ci_type=False,
                        classification_sync=True, classifications=["2"], sync_without_classification=False)
_SCOPE_SPEC = {"companies": [{"id": 1001, "name": "Contoso", "type": 1, "classification": 2},
                             {"id": 1002, "name": "Fabrikam", "type": 1, "classification": None}],
               "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1},
                       {"id": 100002, "company": 1001, "serial": "SN-2", "mac": None, "type": 2},
                       {"id": 100003, "company": 1001, "serial": None, "mac": None, "type": None},
                       {"id": 100004, "company": 1002, "serial": "SN-4", "mac": None, "type": 1}],
               "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                            {"id": 30002, "company": 1002, "first": "Bob", "last": "Kim"}],
               "locations": [], "tickets": [], "docs": []}


@prop(rules=["O-03", "O-04", "O-06", "SC-04", "SC-05", "SC-11", "SC-13", "Q20"],
      examples=({"spec": _SCOPE_SPEC, "before": base_settings(), "after": _NARROW},),
      spec=S.tenants(docs=False, min_contacts=1), before=S.sync_settings(), after=S.sync_settings())
def test_O03_SC11_a_setting_unchecked_orphans_what_it_no_longer_covers(factory: Any, spec: dict, before: dict,
                                                                      after: dict) -> None:
    """Changing the settings (a type, classification, contacts, locations or blank-type switch unchecked or checked)
    orphans, at the next full pass, every linked record the new settings no longer cover, with its children, and
    links what they newly cover; switching back re-links the very same records, without duplicates (O-06). The
    expected states come from the mock's data and the settings (``LinkModel``), not from the implementation."""
    model = O.LinkModel()
    with world(factory, spec, before) as w:
        w.pass_ok()
        model.full_pass(O.read_autotask(w), before)
        ids = {k: sorted(str(r["id"]) for r in w.records(k)) for k in ("organization", "contact", "configuration")}
        for step, s in (("after the change", after), ("after switching back", before)):
            w.adapter.apply_settings(s)
            w.pass_ok()
            model.full_pass(O.read_autotask(w), s)
            want = model.counts()
            for kind in ("organization", "contact", "configuration", "location"):
                got = O.count_states(w.records(kind))
                assert got == want[kind], (f"O-03/O-06/SC-11 ({step}): {kind} link states {got}, expected {want[kind]} "
                                           f"from the Autotask data and the settings")
        for k, before_ids in ids.items():
            now = sorted(str(r["id"]) for r in w.records(k))
            assert set(before_ids) <= set(now), f"O-05: {k} records were deleted by a settings change"
        assert not [pid for pid in model.linked("organization", "enabled")
                    if w.linked("organization", pid) is None], "O-06: a company in scope again is not linked"
        checked()
