"""Disconnect/delete suite (§10: D-01..D-08, and M-16 reconnect). Needs ``disconnect`` / ``delete_all``."""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Connection
from conformance.suites import _oracle as O
from conformance.suites._common import checked, prop
from conformance.world import world

RULES = ["D-02", "D-03", "D-04", "D-07", "M-16", "Q18"]


@prop(rules=["D-02", "§16.8"], needs={"disconnect"}, spec=S.tenants(), settings=S.sync_settings())
def test_D02_option1_clears_every_link_keeps_data_writes_nothing(factory: Any, spec: dict, settings: dict) -> None:
    """Option 1 clears every link, deletes no record, changes no field and writes nothing to Autotask."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        before = {k: {str(r["id"]): (r["fields"], r["unmapped"]) for r in rs} for k, rs in w.all_records().items()}
        w.mark()
        w.adapter.disconnect("keep")
        after = w.all_records()
        for k, rs in after.items():
            assert all(r["link"] is None for r in rs), f"D-02: {k} records still show a sync state"
            assert {str(r["id"]): (r["fields"], r["unmapped"]) for r in rs} == before[k], f"D-02: {k} data changed"
        assert not w.writes(), "D-02: disconnecting wrote to Autotask"
        checked()


@prop(rules=["D-03", "M-16", "§16.8"], needs={"disconnect"}, spec=S.tenants(docs=False, max_cis=2, max_contacts=0),
      settings=S.scoped_settings())
def test_D03_M16_reconnect_matches_by_key_not_by_old_links(factory: Any, spec: dict, settings: dict) -> None:
    """After Option 1, a company renamed in Autotask does not find its old organization again: reconnecting matches
    by key only, so the renamed company creates a new organization."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        first = spec["companies"][0]
        assume(first["id"] in O.expected_linked(spec, settings, "organization"))
        old = w.linked("organization", first["id"])
        assert old is not None, f"M-07: in-scope company {first['id']} was not linked by the first pass"
        w.adapter.disconnect("keep")
        w.at_update("Companies", first["id"], companyName="Renamed after disconnect")
        c = w.at.credentials
        w.adapter.connect(Connection(c.user_name, c.secret, c.integration_code, w.at.root_url, w.at.now()))
        w.adapter.apply_settings(settings)
        w.pass_ok()
        new = w.linked("organization", first["id"])
        assert new is not None and new["id"] != old["id"], (
            "D-03: the reconnect remembered the old link instead of matching by key")
        checked()


@prop(rules=["D-04", "D-07", "Q18"], needs={"delete_all", "create_record", "record_controls"},
      spec=S.tenants(max_companies=3), settings=S.scoped_settings(), data=st.data())
def test_D07_option2_deletes_only_linked_organizations_and_their_children(factory: Any, spec: dict, settings: dict,
                                                                          data: Any) -> None:
    """Option 2 deletes organizations with a link in state enabled or orphaned, and all their children; disabled
    organizations (Q18) and never-linked ones survive with their children; nothing is deleted in Autotask."""
    with world(factory, spec, settings) as w:
        w.pass_ok()
        linked = {int(r["link"]["psa_id"]): r["id"] for r in w.records("organization") if r["link"]}
        must = O.expected_linked(spec, settings, "organization")
        assume(must)
        assert must <= set(linked), f"M-07: in-scope companies {sorted(must - set(linked))} were not linked"
        roles = {pid: data.draw(st.sampled_from(["enabled", "disabled", "orphaned"]), label=f"role of {pid}")
                 for pid in sorted(linked)}
        for pid, role in roles.items():
            if role == "disabled":
                w.adapter.disable("organization", linked[pid])
            elif role == "orphaned":
                w.at_update("Companies", pid, companyType=2)  # type 2 is never selected here (O-03)
        if "orphaned" in roles.values():
            w.pass_ok()
        standalone = w.adapter.create_record("organization", {"name": "Standalone docs-only org"}, via="ui")
        keep = {standalone} | {linked[p] for p, role in roles.items() if role == "disabled"} | \
            {r["id"] for r in w.records("organization") if r["id"] not in linked.values()}
        gone = {linked[p] for p, role in roles.items() if role != "disabled"}
        children = {k: {r["id"]: r["org_id"] for r in w.records(k)} for k in ("contact", "configuration", "location")}
        w.mark()
        w.adapter.disconnect("delete")
        left = {r["id"] for r in w.records("organization")}
        assert standalone in left, "D-07: a never-linked organization was deleted"
        assert keep <= left, f"Q18/D-07: disabled or never-linked organizations were deleted: {sorted(keep - left)}"
        assert not (gone & left), f"D-04/Q18: enabled or orphaned organizations survived Option 2: {sorted(gone & left)}"
        for k, before in children.items():
            now = {r["id"] for r in w.records(k)}
            survived = sorted(rid for rid, org in before.items() if org in gone and rid in now)
            lost = sorted(rid for rid, org in before.items() if org in keep and rid not in now)
            assert not survived, f"D-04: {k} children of deleted organizations survived: {survived}"
            assert not lost, f"Q18/D-07: {k} children of kept organizations were deleted: {lost}"
        assert not [e for e in w.writes() if e["method"] == "DELETE"], "D-07: Option 2 deleted in Autotask"
        checked()
