"""Disconnect/delete suite (§10: D-01..D-08, and M-16 reconnect). Needs ``disconnect`` / ``delete_all``."""

from __future__ import annotations

from typing import Any

from conformance import strategies as S
from conformance.adapter import Connection
from conformance.suites._common import prop
from conformance.world import base_settings, world

RULES = ["D-02", "D-03", "D-07", "M-16"]


@prop(rules=["D-02", "§16.8"], needs={"disconnect"}, spec=S.tenants())
def test_D02_option1_clears_every_link_keeps_data_writes_nothing(factory: Any, spec: dict) -> None:
    """Option 1 clears every link, deletes no record, changes no field and writes nothing to Autotask."""
    with world(factory, spec) as w:
        w.pass_ok()
        before = {k: {str(r["id"]): (r["fields"], r["unmapped"]) for r in rs} for k, rs in w.all_records().items()}
        w.mark()
        w.adapter.disconnect("keep")
        after = w.all_records()
        for k, rs in after.items():
            assert all(r["link"] is None for r in rs), f"D-02: {k} records still show a sync state"
            assert {str(r["id"]): (r["fields"], r["unmapped"]) for r in rs} == before[k], f"D-02: {k} data changed"
        assert not w.writes(), "D-02: disconnecting wrote to Autotask"


@prop(rules=["D-03", "M-16", "§16.8"], needs={"disconnect"}, spec=S.tenants(docs=False, max_cis=2, max_contacts=0))
def test_D03_M16_reconnect_matches_by_key_not_by_old_links(factory: Any, spec: dict) -> None:
    """After Option 1, a company renamed in Autotask does not find its old organization again: reconnecting matches
    by key only, so the renamed company creates a new organization."""
    with world(factory, spec) as w:
        w.pass_ok()
        first = spec["companies"][0]
        old = w.linked("organization", first["id"])
        w.adapter.disconnect("keep")
        w.at_update("Companies", first["id"], companyName="Renamed after disconnect")
        c = w.at.credentials
        w.adapter.connect(Connection(c.user_name, c.secret, c.integration_code, w.at.root_url, w.at.now()))
        w.adapter.apply_settings(base_settings())
        w.pass_ok()
        new = w.linked("organization", first["id"])
        if old is not None:
            assert new is not None and new["id"] != old["id"], (
                "D-03: the reconnect remembered the old link instead of matching by key")


@prop(rules=["D-04", "D-07", "Q18"], needs={"delete_all", "create_record"}, spec=S.tenants())
def test_D07_option2_deletes_only_linked_organizations_and_their_children(factory: Any, spec: dict) -> None:
    """Option 2 deletes organizations linked to the integration and all their children; never-linked
    organizations survive; nothing is deleted in Autotask."""
    with world(factory, spec) as w:
        w.pass_ok()
        standalone = w.adapter.create_record("organization", {"name": "Standalone docs-only org"}, via="ui")
        linked = {r["id"] for r in w.records("organization") if r["link"] and r["link"]["state"] != "disabled"}
        w.mark()
        w.adapter.disconnect("delete")
        left = {r["id"] for r in w.records("organization")}
        assert standalone in left, "D-07: a never-linked organization was deleted"
        assert not (linked & left), "D-04: a linked organization survived Option 2"
        for k in ("contact", "configuration", "location", "ticket"):
            assert not [r for r in w.records(k) if r["org_id"] in linked], f"D-04: {k} children survived"
        assert not [e for e in w.writes() if e["method"] == "DELETE"], "D-07: Option 2 deleted in Autotask"
