"""Push-all suite (§9: PA-01..PA-07). Needs the ``push_all`` capability."""

from __future__ import annotations

from typing import Any

from conformance import strategies as S
from conformance.suites._common import prop
from conformance.world import base_settings, world

RULES = ["PA-01", "PA-02", "PA-03", "PA-05", "PA-07"]


def _org_specs() -> Any:
    return S.tenants(max_cis=0, max_contacts=0)


@prop(rules=["PA-01", "PA-02", "PA-05", "PA-07", "§16.7"], needs={"push_all", "create_record"}, spec=_org_specs())
def test_PA02_PA05_push_all_creates_without_matching_and_links(factory: Any, spec: dict) -> None:
    """Push-all creates one Autotask company per eligible, unlinked organization even when a company of the same
    name exists (no matching), and links each pushed organization to the company it created."""
    docs = [{**d, "fields": {**d["fields"], "org_type": "Lead" if i % 3 == 2 else "Customer"}}
            for i, d in enumerate(x for x in spec["docs"] if x["kind"] == "organization")]
    spec = {**spec, "docs": docs}
    with world(factory, spec, base_settings(two_way=True)) as w:
        # PA-07: eligible = named, of a selected type (Customer), not already linked
        eligible = [w.doc_ids[d["ref"]] for d in docs if d["fields"]["name"] and d["fields"]["org_type"] == "Customer"]
        before = {c["id"] for c in w.at_query("Companies")}
        w.adapter.push_all()
        after = {c["id"]: c for c in w.at_query("Companies")}
        created = set(after) - before
        assert len(created) == len(eligible), (
            f"PA-02: push-all must create one company per eligible organization ({len(eligible)}), "
            f"created {len(created)}")
        for rid in eligible:
            r = next(r for r in w.records("organization") if r["id"] == rid)
            assert r["link"] and int(r["link"]["psa_id"]) in created and r["link"]["state"] == "enabled", \
                f"PA-05: pushed org {rid} is not linked to a company it created: {r['link']}"


@prop(rules=["PA-03"], needs={"push_all", "create_record"}, spec=_org_specs(), max_examples=3)
def test_PA03_push_all_carries_no_parents(factory: Any, spec: dict) -> None:
    """Companies created by push-all have no parent, whatever the documentation parent."""
    spec = {**spec, "docs": []}
    with world(factory, spec, base_settings(two_way=True)) as w:
        parent = w.adapter.create_record("organization", {"name": "Parent Org", "org_type": "Customer"}, via="api")
        w.adapter.create_record("organization", {"name": "Child Org", "org_type": "Customer", "parent_id": parent},
                                via="api")
        before = {c["id"] for c in w.at_query("Companies")}
        w.adapter.push_all()
        new = [c for c in w.at_query("Companies") if c["id"] not in before]
        assert all(not c.get("parentCompanyID") for c in new), "PA-03: push-all pushed a parent relationship"
