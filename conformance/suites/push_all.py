"""Push-all suite (§9: PA-01..PA-07). Needs the ``push_all`` capability."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["PA-01", "PA-02", "PA-03", "PA-05", "PA-07"]


def _org_specs() -> Any:
    return S.tenants(max_cis=0, max_contacts=0, min_orgs=1)


TYPE_VALUE = {"Customer": "1", "Lead": "2", "Vendor": "7"}  # Companies.companyType of the minimal fixture


@prop(rules=["PA-01", "PA-02", "PA-05", "PA-07", "§16.7"], needs={"push_all", "create_record"}, spec=_org_specs(),
      settings=S.scoped_settings(two_way=True, account_types=st.sampled_from([["1"], ["1", "2"]])))
def test_PA02_PA05_push_all_creates_without_matching_and_links(factory: Any, spec: dict, settings: dict) -> None:
    """Push-all creates one Autotask company per eligible, unlinked organization even when a company of the same
    name exists (no matching), and links each pushed organization to the company it created; eligible means named
    and of a selected type under the drawn settings (PA-07)."""
    docs = [{**d, "fields": {**d["fields"], "org_type": ("Customer", "Customer", "Lead", "Vendor")[i % 4]}}
            for i, d in enumerate(x for x in spec["docs"] if x["kind"] == "organization")]
    spec = {**spec, "docs": docs}
    with world(factory, spec, settings) as w:
        # PA-07: eligible = named, of a selected type, not already linked
        eligible = [w.doc_ids[d["ref"]] for d in docs
                    if d["fields"]["name"] and TYPE_VALUE[d["fields"]["org_type"]] in settings["account_types"]]
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
        if docs:
            checked()


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
        assert len(new) == 2, f"PA-01: push-all created {len(new)} companies for two eligible organizations"
        assert all(not c.get("parentCompanyID") for c in new), "PA-03: push-all pushed a parent relationship"
        checked()
