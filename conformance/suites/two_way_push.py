"""Two-way push suite (§8: P-01..P-14, with SC-08/SC-09 push prerequisites).

Properties that need the push to exist (``push`` capability) are skipped for adapters without it; the rest
(nothing written when two-way is off, nothing pushed just because two-way was switched on, PSA wins on pull, deletes
never propagate) hold for every implementation, pushing or not.
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Refused
from conformance.suites import _oracle as O
from conformance.suites._common import checked, draw_linked, prop
from conformance.world import API_ONLY_MANAGER, MANAGER, add_resource, base_settings, world

RULES = ["P-01", "P-02", "P-03", "P-04", "P-05", "P-06", "P-07", "P-08", "P-09", "P-11", "P-12", "P-13", "P-14",
         "SC-08"]


@prop(rules=["P-01", "FM-G3"], needs={"edit_and_save"}, spec=S.tenants(), settings=S.sync_settings(two_way=False),
      edits=st.lists(S.doc_edits, max_size=3), at=st.data())
def test_P01_two_way_off_never_writes_to_autotask(factory: Any, spec: dict, settings: dict, edits: list,
                                                  at: Any) -> None:
    """With two-way off (whatever the other settings), passes, documentation edits and Autotask edits never cause a
    write to Autotask."""
    with world(factory, spec, settings) as w:
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
        checked()


@prop(rules=["P-04", "P-07", "§16.6"], spec=S.tenants(), settings=S.sync_settings(two_way=False))
def test_P04_P07_enabling_two_way_pushes_nothing_by_itself(factory: Any, spec: dict, settings: dict) -> None:
    """Switching two-way on pushes neither records that exist on both sides nor records created through the
    platform's API before; passes after that write nothing either."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        w.adapter.create_record("organization", {"name": "Created through the API"}, via="api")
        w.adapter.create_record("organization", {"name": "Imported"}, via="import")
        w.mark()
        w.adapter.apply_settings({**settings, "two_way": True})
        w.pass_ok()
        w.pass_ok()
        writes = w.writes()
        assert not writes, f"P-04/P-07: enabling two-way pushed: {[(e['method'], e['path']) for e in writes]}"
        checked()


@prop(rules=["P-12", "FM-G1", "Q11"], needs={"edit_and_save"}, spec=S.tenants(docs=False),
      settings=S.scoped_settings(two_way=True), data=st.data())
def test_P12_psa_wins_on_the_next_pull(factory: Any, spec: dict, settings: dict, data: Any) -> None:
    """After a documentation save of a mapped field and a later Autotask change of the same field, the next pull
    leaves the Autotask value in the documentation record."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org", settings)
        try:
            w.adapter.edit_and_save("organization", org["id"], {"name": "Edited in docs"})
        except Refused:
            pass
        w.at_update("Companies", int(org["link"]["psa_id"]), companyName="Edited in Autotask")
        w.pass_ok()
        now = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert now["fields"]["name"] == "Edited in Autotask", f"P-12: PSA must win, got {now['fields']['name']!r}"
        checked()


@prop(rules=["P-13", "R-08"], needs={"record_controls"}, spec=S.tenants(docs=False),
      settings=S.scoped_settings(two_way=True), data=st.data())
def test_P13_deleting_in_the_documentation_never_deletes_in_autotask(factory: Any, spec: dict, settings: dict,
                                                                     data: Any) -> None:
    """Deleting a (disabled) record never deletes anything in Autotask."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        kind = data.draw(st.sampled_from([k for k in ("contact", "configuration")
                                          if O.expected_linked(spec, settings, k)] or ["contact"]), label="kind")
        r = draw_linked(w, data, kind, "record", settings)
        w.mark()
        w.adapter.disable(r["kind"], r["id"])
        w.adapter.delete_record(r["kind"], r["id"])
        assert r["id"] not in {x["id"] for x in w.records(r["kind"])}, "R-08: a disabled record could not be deleted"
        w.pass_ok()
        assert not [e for e in w.writes() if e["method"] == "DELETE"], "P-13: a delete reached Autotask"
        checked()


MANAGER_CHOICES = ("fixture administrator", "added administrator", "API user", "added API user")


@prop(rules=["SC-08", "P-09", "§16.10"], spec=S.tenants(docs=False), settings=S.sync_settings(two_way=True),
      manager=st.sampled_from(MANAGER_CHOICES), max_examples=6)
def test_SC08_an_api_only_default_account_manager_is_refused(factory: Any, spec: dict, settings: dict,
                                                             manager: str) -> None:
    """Settings naming an API-only resource as Default Account Manager are refused on save; a full-licence user is
    accepted (whichever one)."""
    with world(factory, spec) as w:
        rid = {"fixture administrator": MANAGER, "API user": API_ONLY_MANAGER}.get(manager)
        if rid is None:
            rid = add_resource(w, "Kim", "Park", license_type=7 if "API" in manager else 1)
        try:
            w.adapter.apply_settings({**settings, "default_account_manager": rid})
        except Refused:
            assert "API" in manager, f"SC-08: a full-licence Default Account Manager ({manager}) was refused"
        else:
            assert "API" not in manager, f"SC-08: an API-only Default Account Manager ({manager}) was accepted"
        checked()


@prop(rules=["P-02", "P-03", "Q11"], needs={"push", "edit_and_save"}, spec=S.tenants(docs=False),
      settings=S.scoped_settings(two_way=True), data=st.data())
def test_P02_P03_saving_a_mapped_field_pushes_only_that_change(factory: Any, spec: dict, settings: dict,
                                                               data: Any) -> None:
    """With two-way on, a save that changes no mapped field of an enabled record writes nothing to Autotask (P-03),
    so it cannot revert a change made in Autotask since the last pull; saving a changed mapped field writes it to
    Autotask immediately (P-02) and leaves Autotask's other fields as they are (Q11: only the changed field)."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org", settings)
        pid = int(org["link"]["psa_id"])
        w.at_update("Companies", pid, companyName="Renamed in Autotask", companyNumber="AT-777")
        w.mark()
        # The organization was created by a pull with two-way already on, so it is not a record that existed before
        # two-way (P-04/P-05): the P-05 "save without a change pushes" exception of P-03 does not apply to it.
        w.adapter.edit_and_save("organization", org["id"], {"unmapped": {"note": "x"}})
        writes = w.writes()
        assert not writes, (f"P-03: a save without a mapped change wrote to Autotask: "
                            f"{[(e['method'], e['path']) for e in writes]}")
        assert w.at_get("Companies", pid)["companyName"] == "Renamed in Autotask", \
            "P-03: a save without a mapped change overwrote the Autotask name"
        w.adapter.edit_and_save("organization", org["id"], {"name": "Pushed name"})
        now = w.at_get("Companies", pid)
        assert now["companyName"] == "Pushed name", "P-02: the change was not pushed"
        assert now["companyNumber"] == "AT-777", (f"P-03/Q11: pushing the name also wrote another mapped field "
                                                  f"(Organization Number is now {now['companyNumber']!r})")
        checked()


@prop(rules=["P-14", "D-01"], needs={"pause", "edit_and_save"}, spec=S.tenants(docs=False),
      settings=S.scoped_settings(two_way=True), data=st.data())
def test_P14_while_paused_nothing_is_pushed_or_pulled(factory: Any, spec: dict, settings: dict, data: Any) -> None:
    """While paused, a pass pulls nothing and a save pushes nothing."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        orgs = [draw_linked(w, data, "organization", "org", settings)]
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
        checked()


# ================================================================== P-05 / P-06 / P-08 / P-09 / P-11 (push side)
def _api_org(ref: str, day: int, name: str, org_type: str = "Customer") -> dict[str, Any]:
    return {"kind": "organization", "ref": ref, "created_at": f"2025-02-{day:02d}T00:00:00Z",
            "fields": {"name": name, "org_type": org_type}, "unmapped": {}}


# Three "Contoso" companies (1002 created first), a case variant; five API-created organizations saved in order:
# the first two claim 1002 then 1001 (M-08 by creation time, M-09), the third finds none left and creates, "contoso"
# claims 1004, "Contoso " (trailing space) matches nothing (M-06).
_PUSH_EDGE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1, "created": "2024-01-01T00:00:00Z"},
                            {"id": 1002, "name": "Contoso", "type": 1, "created": "2023-05-01T00:00:00Z"},
                            {"id": 1003, "name": "Fabrikam", "type": 1, "created": "2023-05-01T00:00:00Z"},
                            {"id": 1004, "name": "contoso", "type": 1, "created": "2024-06-01T00:00:00Z"}],
              "cis": [], "contacts": [], "locations": [], "tickets": [],
              "docs": [_api_org("o0", 5, "Contoso"), _api_org("o1", 2, "Contoso"), _api_org("o2", 9, "Contoso"),
                       _api_org("o3", 1, "contoso"), _api_org("o4", 3, "Contoso ")],
              "save_order": ["o0", "o1", "o2", "o3", "o4"]}


@prop(rules=["P-05", "P-06", "P-07", "P-09", "FM-O1", "M-01", "M-06", "M-08", "M-09", "Q5", "§16.6"],
      needs={"push", "edit_and_save", "create_record"},
      examples=({"spec": _PUSH_EDGE, "added_manager": False}, {"spec": _PUSH_EDGE, "added_manager": True}),
      spec=S.push_org_tenants(), added_manager=st.booleans())
def test_P05_P06_an_explicit_save_matches_autotask_or_creates(factory: Any, spec: dict, added_manager: bool) -> None:
    """With two-way on, organizations created through the API are not pushed by themselves (P-07); saving each one
    in the UI without a change (P-05) runs standard matching against Autotask (P-06): it links the earliest-created
    (then lowest-id) unclaimed company with exactly its name, otherwise creates one company, owned by the Default
    Account Manager (P-09, FM-O1: the fixture's administrator or a second full-licence user, whichever is chosen)."""
    with world(factory, spec, base_settings(two_way=True)) as w:
        manager = MANAGER
        if added_manager:
            manager = add_resource(w, "Kim", "Park")
            w.adapter.apply_settings(base_settings(two_way=True, default_account_manager=manager))
        before = {c["id"] for c in w.at_query("Companies")}
        assert before == {c["id"] for c in spec["companies"]}, "P-07: API-created organizations were pushed"
        for ref in spec["save_order"]:
            w.adapter.edit_and_save("organization", w.doc_ids[ref], {})
        names = {d["ref"]: d["fields"]["name"] for d in spec["docs"]}
        expected = O.push_match([(ref, names[ref]) for ref in spec["save_order"]], spec["companies"])
        after = {c["id"]: c for c in w.at_query("Companies")}
        created = set(after) - before
        recs = {r["id"]: r for r in w.records("organization")}
        for ref, want in expected.items():
            r = recs[w.doc_ids[ref]]
            assert r["link"] and r["link"]["state"] == "enabled", f"P-05/P-06: saving {ref} did not link it: {r['link']}"
            got = int(r["link"]["psa_id"])
            if want == O.NEW:
                assert got in created, (f"P-06/M-09: {ref} ({names[ref]!r}) should have created a company (no "
                                        f"unclaimed company has exactly its name), linked {got}")
                c = after[got]
                assert c["companyName"] == names[ref], f"P-06: created company named {c['companyName']!r}"
                assert c.get("ownerResourceID") == manager, (f"P-09/FM-O1: company {got} created for {ref} is owned "
                                                             f"by {c.get('ownerResourceID')}, not the Default "
                                                             f"Account Manager {manager}")
            else:
                assert got == want, (f"P-06/M-08/M-09: {ref} ({names[ref]!r}) should link company {want} (earliest "
                                     f"created unclaimed with exactly its name), linked {got}")
        n_new = sum(v == O.NEW for v in expected.values())
        assert len(created) == n_new, f"P-06: {len(created)} companies created for {n_new} unmatched saves"
        checked()


ORG_TYPE_VALUE = {"Lead": "2", "Prospect": "3", "Vendor": "7"}  # Companies.companyType of the minimal fixture


@prop(rules=["P-08", "FM-C6", "P-05"], needs={"push", "edit_and_save", "create_record"}, max_examples=6,
      org_type=st.sampled_from(["Lead", "Prospect", "Vendor"]),
      missing=st.sampled_from([("model",), ("manufacturer", "model")]),  # a model needs a manufacturer
      # the good configuration is typed "Autotask Default": set to sync only when blank types are (SC-02, P-08)
      settings=S.scoped_settings(two_way=True, sync_without_ci_type=True,
                                 account_types=st.sampled_from([["1"], ["1", "2"]])))
def test_P08_FMC6_records_not_set_to_sync_are_not_pushed(factory: Any, org_type: str, missing: tuple,
                                                         settings: dict) -> None:
    """An organization whose type is not selected (under the drawn account types), and a configuration without a
    manufacturer or model, are not pushed by an edit+save; an eligible one saved alongside them is."""
    assume(ORG_TYPE_VALUE[org_type] not in settings["account_types"])
    spec = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "cis": [], "contacts": [], "locations": [],
            "tickets": [], "docs": []}
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = w.linked("organization", 1001)
        assert org is not None, "M-07: in-scope company 1001 was not linked"
        full = {"name": "Laptop", "configuration_type": "Autotask Default", "manufacturer": "Acme", "model": "X1",
                "serial_number": "SN-NEW"}
        bad_org = w.adapter.create_record("organization", {"name": "Not synced type", "org_type": org_type},
                                          via="api")
        bad_cfg = w.adapter.create_record("configuration", {k: v for k, v in full.items() if k not in missing},
                                          org_id=org["id"], via="api")
        w.mark()
        for kind, rid in (("organization", bad_org), ("configuration", bad_cfg)):
            try:
                w.adapter.edit_and_save(kind, rid, {})
            except Refused:
                pass
        writes = [e for e in w.writes() if e["method"] in ("POST", "PATCH", "PUT")]
        assert not writes, (f"P-08/FM-C6: an ineligible record was pushed: "
                            f"{[(e['method'], e['path']) for e in writes]}")
        for kind, rid in (("organization", bad_org), ("configuration", bad_cfg)):
            r = next(r for r in w.records(kind) if r["id"] == rid)
            assert r["link"] is None or r["link"]["state"] == "error", f"P-08: ineligible {kind} got linked"
        good = w.adapter.create_record("configuration", full, org_id=org["id"], via="api")
        w.adapter.edit_and_save("configuration", good, {})
        r = next(r for r in w.records("configuration") if r["id"] == good)
        assert r["link"] and r["link"]["state"] == "enabled", "P-05/P-06: an eligible configuration was not pushed"
        checked()


@prop(rules=["P-11", "R-05", "ST-05"], needs={"push", "edit_and_save"}, spec=S.tenants(docs=False, max_cis=0),
      status=st.sampled_from([400, 403, 500]), data=st.data())
def test_P11_R05_a_failed_push_shows_the_error_state_and_a_save_retries(factory: Any, spec: dict, status: int,
                                                                         data: Any) -> None:
    """When Autotask rejects a push, the record is left in the sync-error state (counted as an error) and Autotask
    keeps its value; once Autotask accepts again, an edit+save without a change pushes and clears the error."""
    settings = base_settings(two_way=True)
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org", settings)
        pid = int(org["link"]["psa_id"])
        old = w.at_get("Companies", pid)["companyName"]
        w.fault({"entity": "Companies", "method": "PATCH", "status": status})
        try:
            w.adapter.edit_and_save("organization", org["id"], {"name": "Renamed in the documentation"})
        except Refused:
            pass
        r = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert r["link"] and r["link"]["state"] == "error", f"P-11: a failed push left the link {r['link']}"
        assert w.adapter.summary()["organization"]["errors"] == 1, "ST-05: the failed push is not counted as an error"
        assert w.at_get("Companies", pid)["companyName"] == old
        w.clear_faults()
        w.adapter.edit_and_save("organization", org["id"], {})
        r = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert r["link"] and r["link"]["state"] == "enabled", f"R-05: the retry left the link {r['link']}"
        assert w.at_get("Companies", pid)["companyName"] == "Renamed in the documentation", \
            "R-05: the retry did not push the change that failed"
        checked()


@prop(rules=["P-11", "R-05"], needs={"push", "edit_and_save"}, spec=S.tenants(docs=False, max_cis=0),
      status=st.sampled_from([400, 403, 500]), data=st.data())
def test_P11_R05_a_retry_pushes_what_every_failed_save_left_unpushed(factory: Any, spec: dict, status: int,
                                                                      data: Any) -> None:
    """P-11: "A failed push leaves the record in the sync-error state with details. The retry is edit and save."
    Two saves that both fail, each changing another mapped field, leave two changes unpushed; the retry must push
    both, not only the latest failure's (a mutant of the reference kept only the newest failed fields)."""
    settings = base_settings(two_way=True)
    with world(factory, spec, settings) as w:
        w.pass_ok()
        org = draw_linked(w, data, "organization", "org", settings)
        pid = int(org["link"]["psa_id"])
        w.fault({"entity": "Companies", "method": "PATCH", "status": status})
        for change in ({"name": "Renamed in the documentation"}, {"short_name": "DOC-7"}):
            try:
                w.adapter.edit_and_save("organization", org["id"], change)
            except Refused:
                pass
        r = next(r for r in w.records("organization") if r["id"] == org["id"])
        assert r["link"] and r["link"]["state"] == "error", f"P-11: two failed pushes left the link {r['link']}"
        w.clear_faults()
        w.adapter.edit_and_save("organization", org["id"], {})
        at = w.at_get("Companies", pid)
        assert (at["companyName"], at.get("companyNumber")) == ("Renamed in the documentation", "DOC-7"), \
            f"P-11/R-05: the retry did not push every change that failed: Autotask has {at['companyName']!r}, " \
            f"{at.get('companyNumber')!r}"
        checked()
