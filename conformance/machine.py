"""A stateful conformance test: Autotask edits, documentation edits, passes, per-record controls and faults,
interleaved by hypothesis, with invariants checked after every step.

Invariants (every step)
    M-09   links are injective per kind
    ST-05  Manage Data counts equal the link states
    FM-G3  no pull ever modifies unmapped documentation data (tracked against what the user saved)
Checked by the rules themselves
    idempotence  after a successful pass, a second pass with no change changes nothing and writes nothing to
                 Autotask (journal: no POST/PATCH/PUT/DELETE other than queries)
    O-08/C-11    a pass under a persistent fault changes nothing (in particular orphans nothing)
    FM-G1/P-12   after a successful pull, every enabled record's mapped key fields equal Autotask's (PSA wins)
    M-07/O-03    after a successful pull, every in-scope Autotask company is linked (enabled, or disabled when the
                 machine disabled it) and every linked out-of-scope one is orphaned or disabled (scope from the
                 mock's data and the settings, not from the implementation)

On failure hypothesis prints the minimal sequence as runnable code, e.g.::

    state = SyncMachine()
    state.rename_company_in_autotask(company=1002, name='contoso')
    state.full_sync()
    state.teardown()

``SyncMachine.factory`` is the adapter factory (the plugin sets it from ``--sync-adapter``; default: the
``SYNC_ADAPTER`` environment variable, else the reference adapter).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from conformance import strategies as S
from conformance.adapter import AdapterFactory, Refused, load_factory, reference_factory
from conformance.suites import _oracle as O
from conformance.suites._common import current_settings, readable_counterexamples, require
from conformance.suites.matching import assert_injective
from conformance.suites.status_counts import check_counts
from conformance.world import base_settings, world

SPEC: dict[str, Any] = {
    "companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Contoso", "type": 1},
                  {"id": 1003, "name": "Fabrikam", "type": 2}],
    "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": "00:1A:2B:3C:4D:5E", "type": 1},
            {"id": 100002, "company": 1001, "serial": "", "mac": None, "type": None},
            {"id": 100003, "company": 1002, "serial": "SN-1", "mac": "00-1a-2b-3c-4d-5e", "type": 2}],
    "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                 {"id": 30002, "company": 1002, "first": "Ann", "last": "Lee"}],
    "locations": [], "tickets": [],
    "docs": [{"kind": "organization", "ref": "o0", "fields": {"name": "Contoso"}, "created_at": "2025-02-01T00:00:00Z",
              "unmapped": {"passwords": ["p0"]}},
             {"kind": "configuration", "ref": "c0", "org": "o0", "created_at": "2025-02-02T00:00:00Z",
              "fields": {"name": "doc-config", "serial_number": "", "mac_address": "00:1A:2B:3C:4D:5E"},
              "unmapped": {"documents": ["d0"]}}],
}
MACHINE_NEEDS = frozenset({"create_record", "edit_and_save", "record_controls"})
DOC_KINDS = ("organization", "configuration", "contact")


def _default_factory() -> AdapterFactory:
    spec = os.environ.get("SYNC_ADAPTER")
    return load_factory(spec) if spec else reference_factory


class SyncMachine(RuleBasedStateMachine):
    factory: AdapterFactory | None = None

    def __init__(self) -> None:
        super().__init__()
        self._cm = world(type(self).factory or _default_factory(), SPEC, base_settings())
        self.w = self._cm.__enter__()
        self.unmapped: dict[tuple[str, Any], dict[str, Any]] = {
            (d["kind"], self.w.doc_ids[d["ref"]]): d["unmapped"] for d in SPEC["docs"]}
        self.disabled: set[tuple[str, Any]] = set()  # records this machine disabled

    def teardown(self) -> None:
        self._cm.__exit__(None, None, None)

    # ------------------------------------------------------------------ helpers
    def _snapshot(self) -> dict[str, Any]:
        return {k: sorted((str(r["id"]), repr(r["link"]), repr(sorted(r["fields"].items()))) for r in rs)
                for k, rs in self.w.all_records().items()}

    def _pick(self, kind: str, index: int, pred: Any = lambda r: True) -> dict[str, Any] | None:
        recs = [r for r in self.w.records(kind) if pred(r)]
        return recs[index % len(recs)] if recs else None

    def _check_psa_wins(self) -> None:
        companies = {c["id"]: c for c in self.w.at_query("Companies")}
        for r in self.w.records("organization"):
            if r["link"] and r["link"]["state"] == "enabled":
                at = companies.get(int(r["link"]["psa_id"]))
                assert at is not None and r["fields"]["name"] == at["companyName"], (
                    f"FM-G1: enabled org {r['id']} shows {r['fields']['name']!r}, Autotask has "
                    f"{at and at['companyName']!r}")
        cis = {c["id"]: c for c in self.w.at_query("ConfigurationItems")}
        for r in self.w.records("configuration"):
            if r["link"] and r["link"]["state"] == "enabled":
                at = cis.get(int(r["link"]["psa_id"]))
                assert at is not None and (r["fields"]["serial_number"] or "") == (at.get("serialNumber") or ""), \
                    f"FM-G1: enabled configuration {r['id']} serial differs from Autotask"

    def _check_companies_linked(self) -> None:
        settings = base_settings()
        for c in self.w.at_query("Companies"):
            rec = self.w.linked("organization", c["id"])
            spec_like = {"name": c.get("companyName"), "type": c.get("companyType"),
                         "classification": c.get("classification")}
            if O.company_in_scope(spec_like, settings):
                assert rec is not None, f"M-07: in-scope company {c['id']} is not linked after a pass"
                want = "disabled" if ("organization", rec["id"]) in self.disabled else "enabled"
                assert rec["link"]["state"] == want, (f"O-06/R-01: in-scope company {c['id']} is "
                                                      f"{rec['link']['state']}, expected {want}")
            elif rec is not None:
                assert rec["link"]["state"] in ("orphaned", "disabled"), \
                    f"O-03: out-of-scope company {c['id']} is still {rec['link']['state']}"

    # ------------------------------------------------------------------ Autotask-side edits
    @rule(company=st.sampled_from([1001, 1002, 1003]), name=st.sampled_from(S.COMPANY_NAMES))
    def rename_company_in_autotask(self, company: int, name: str) -> None:
        self.w.at_update("Companies", company, companyName=name)

    @rule(company=st.sampled_from([1001, 1002, 1003]), company_type=st.sampled_from([1, 2]))
    def change_company_type_in_autotask(self, company: int, company_type: int) -> None:
        self.w.at_update("Companies", company, companyType=company_type)

    @rule(ci=st.sampled_from([100001, 100002, 100003]), serial=st.sampled_from(["SN-1", "SN-2", ""]))
    def change_serial_in_autotask(self, ci: int, serial: str) -> None:
        self.w.at_update("ConfigurationItems", ci, serialNumber=serial)

    @rule(contact=st.sampled_from([30001, 30002]))
    def delete_contact_in_autotask(self, contact: int) -> None:
        if self.w.at_get("Contacts", contact) is not None:
            self.w.at_delete("Contacts", contact)

    # ------------------------------------------------------------------ documentation-side edits
    @rule(kind=st.sampled_from(DOC_KINDS), index=st.integers(0, 4), note=st.sampled_from(["a", "b", ""]))
    def edit_unmapped_in_docs(self, kind: str, index: int, note: str) -> None:
        r = self._pick(kind, index)
        if r is None:
            return
        new = {**r["unmapped"], "note": note}
        self.w.adapter.edit_and_save(kind, r["id"], {"unmapped": new})
        self.unmapped[(kind, r["id"])] = new

    @rule(name=st.sampled_from(["Contoso", "contoso", "Fabrikam", "Initech"]))
    def create_org_in_docs(self, name: str) -> None:
        rid = self.w.adapter.create_record("organization", {"name": name}, unmapped={"passwords": [name]}, via="ui")
        self.unmapped[("organization", rid)] = {"passwords": [name]}

    # ------------------------------------------------------------------ per-record controls
    @rule(kind=st.sampled_from(DOC_KINDS), index=st.integers(0, 4))
    def disable_record(self, kind: str, index: int) -> None:
        r = self._pick(kind, index, lambda r: r["link"] is not None and r["link"]["state"] != "disabled")
        if r is not None:
            self.w.adapter.disable(kind, r["id"])
            self.disabled.add((kind, r["id"]))

    @rule(kind=st.sampled_from(DOC_KINDS), index=st.integers(0, 4))
    def enable_record(self, kind: str, index: int) -> None:
        r = self._pick(kind, index, lambda r: r["link"] is not None and r["link"]["state"] == "disabled")
        if r is not None:
            self.w.adapter.enable(kind, r["id"])
            self.disabled.discard((kind, r["id"]))

    # ------------------------------------------------------------------ passes
    @rule()
    def full_sync(self) -> None:
        res = self.w.adapter.run_pass(full=True)
        assert res["ok"], f"a pass against a healthy tenant failed: {res.get('error')}"
        self._check_psa_wins()
        self._check_companies_linked()
        before = self._snapshot()
        self.w.mark()
        again = self.w.adapter.run_pass(full=True)
        assert again["ok"]
        assert self._snapshot() == before, "idempotence: a second pass with no change changed records"
        writes = self.w.writes()
        assert not writes, f"idempotence/P-01: a pass wrote to Autotask: {[(e['method'], e['path']) for e in writes]}"

    @rule(fault=S.fault_rules())
    def sync_under_fault(self, fault: dict[str, Any]) -> None:
        # Bring the documentation up to date first: a fault the implementation cannot notice (records omitted
        # from an empty page) lets the pass succeed, and it must then have nothing left to change.
        assert self.w.adapter.run_pass(full=True)["ok"], "a pass against a healthy tenant failed"
        before = self._snapshot()
        self.w.fault(fault)
        try:
            self.w.adapter.run_pass(full=True)
        finally:
            self.w.clear_faults()
        assert self._snapshot() == before, f"O-08/C-11: a pass under fault {fault} changed records"

    # ------------------------------------------------------------------ invariants
    @invariant()
    def links_are_injective(self) -> None:
        assert_injective(self.w)

    @invariant()
    def counts_match_states(self) -> None:
        check_counts(self.w)

    @invariant()
    def unmapped_data_untouched(self) -> None:
        for (kind, rid), expected in self.unmapped.items():
            r = next((r for r in self.w.records(kind) if r["id"] == rid), None)
            if r is not None:
                assert r["unmapped"] == expected, f"FM-G3: unmapped data of {kind} {rid} changed: {r['unmapped']}"


def machine_for(factory: AdapterFactory) -> type[SyncMachine]:
    return type("SyncMachine", (SyncMachine,), {"factory": staticmethod(factory)})


def test_stateful_sync_machine(sync_adapter_factory: Any) -> None:
    """M-09, ST-05, FM-G3, FM-G1/P-12, O-08/C-11 and idempotence over interleaved operations."""
    require(sync_adapter_factory, MACHINE_NEEDS)
    with readable_counterexamples():
        run_state_machine_as_test(machine_for(sync_adapter_factory), settings=current_settings())


test_stateful_sync_machine.rules = ("M-09", "ST-05", "FM-G3", "FM-G1", "P-12", "O-08", "C-11", "P-01")  # type: ignore
del Refused
