"""Warnings and references of the pull that the other suites never read (survivors of ``bench/mutation.py``).

Each property is written from the rule text of the spec, not from any implementation:

* **Q26 / C-09** — "Protected UDF values arriving masked as ``*****`` (no View Protected Data permission): Store as
  "unavailable", never as the literal value; raise a permissions warning (C-09)." C-09: the integrator resource
  "needs the View Protected Data permission". An Autotask admin marks a device UDF protected and gives the sync's
  API user a security level without View Protected Data (:mod:`conformance.at_admin`); the mock then sends the
  value as ``*****``. The pass that reads it must leave a log entry (capability ``status_log``) naming the
  permission problem, and no mapped field may hold the literal mask. The control: with the permission, the same
  protected UDF raises no such warning.
* **§3.5 / FM-G1 / M-14** — a ticket's *Configurations* (P-FM: Autotask "Configuration(s)" → IT Glue
  "Configurations") are the documentation configurations linked to the Autotask device the ticket names; a device
  the documentation does not hold (out of scope, SC-02) is no configuration of the ticket. The adapter reports
  them in the optional ticket field ``configuration_ids`` (local configuration ids); for an adapter whose tickets
  carry ``None`` there (its product lacks the field) the property is skipped.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import at_admin
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["Q26", "C-09", "§3.5", "FM-G1", "M-14", "SC-02", "CR-05"]

MASK = re.compile(r"^\s*\*+\s*$")
# C-09/Q26: the warning names the permission ("a permissions warning", "the View Protected Data permission")
PERMISSION_WARNING = re.compile(r"view\s+protected\s+data|permission", re.I)

_TICKETS = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
            # 100001 is of a selected type; 100002 of type 2, not selected: out of scope (SC-02), never pulled
            "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "type": 1},
                    {"id": 100002, "company": 1001, "serial": "SN-2", "type": 2}],
            "tickets": [{"id": 700001, "company": 1001, "number": "T20251201.0001"},
                        {"id": 700002, "company": 1001, "number": "T20251201.0002"}],
            "contacts": [], "locations": [], "docs": []}
_CI = st.sampled_from([None, 100001, 100002])


@prop(rules=["§3.5", "FM-G1", "M-14", "SC-02", "CR-05"], max_examples=4,
      examples=({"first": 100001, "second": 100002, "then": None},
                {"first": None, "second": 100001, "then": 100002}),
      first=_CI, second=_CI, then=_CI)
def test_FMG1_M14_a_ticket_s_configurations_are_the_linked_device_it_names(factory: Any, first: int | None,
                                                                          second: int | None,
                                                                          then: int | None) -> None:
    """§3.5 (P-FM): an Autotask ticket's Configuration(s) become the IT Glue ticket's Configurations. A ticket naming
    an in-scope device has exactly that device's documentation configuration (CR-05: pulled exactly; M-14: of the
    same organization); a ticket naming no device, or a device out of scope (SC-02: never pulled), has none. When
    the ticket names another device in Autotask, the next full pass follows it (FM-G1: the PSA wins)."""
    with world(factory, _TICKETS, base_settings(ci_types=["1"], sync_without_ci_type=False)) as w:
        names = {700001: first, 700002: second}
        for tid, ci in names.items():
            if ci is not None:
                w.at_update("Tickets", tid, configurationItemID=ci)
        for step in ("first pass", "after the Autotask change"):
            w.pass_ok()
            device = w.must_link("configuration", 100001)
            assert w.linked("configuration", 100002) is None, "SC-02: a device of an unselected type was pulled"
            for tid, ci in names.items():
                ticket = w.must_link("ticket", tid)
                got = ticket["fields"].get("configuration_ids")
                if got is None:
                    pytest.skip("adapter's tickets carry no configuration_ids (optional ticket field)")
                want = [device["id"]] if ci == 100001 else []
                assert ticket["org_id"] == device["org_id"], "M-14: the ticket and its device are in other orgs"
                assert sorted(got, key=str) == want, (
                    f"§3.5 ({step}): ticket {tid} names Autotask device {ci}, so its Configurations must be {want} "
                    f"(the documentation configuration linked to an in-scope device, none otherwise), got {got!r}")
            if step == "first pass":
                w.at_update("Tickets", 700001, configurationItemID=then)
                names[700001] = then
        checked()


_MASKED = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
           "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": "00:1A:2B:3C:4D:5E", "type": 1},
                   {"id": 100002, "company": 1001, "serial": "SN-2", "mac": "00:1A:2B:3C:4D:5F", "type": 1}],
           "contacts": [], "locations": [], "tickets": [], "docs": []}


def _permission_warnings(entries: list[str]) -> list[str]:
    return [e for e in entries if PERMISSION_WARNING.search(str(e))]


@prop(rules=["Q26", "C-09", "M-07", "CR-01"], needs={"status_log"}, max_examples=4,
      examples=({"udf": "MAC Address", "view": False, "later": False},
                {"udf": "License Key", "view": False, "later": True},
                {"udf": "License Key", "view": True, "later": False}),
      udf=st.sampled_from(["MAC Address", "License Key"]), view=st.booleans(), later=st.booleans())
def test_Q26_C09_a_masked_protected_udf_raises_a_permissions_warning(factory: Any, udf: str, view: bool,
                                                                      later: bool) -> None:
    """Q26: a protected UDF value arriving masked as ``*****`` (the API user lacks View Protected Data, C-09) raises
    a permissions warning in the sync log of the pass that read it, and is never stored as the literal value; the
    device itself is still pulled and linked (M-07/CR-01). The protected UDF is the MAC UDF of the settings (Q3) or
    another one; the permission is missing from the first pass on, or revoked by an admin after a first pass made
    with it. Control: while the API user has View Protected Data, no pass warns about the permission."""
    with world(factory, _MASKED, base_settings(ci_types=["1"])) as w:
        at_admin.define_udf(w, "ConfigurationItems", "License Key", protected=(udf == "License Key"))
        if udf == "MAC Address":
            at_admin.define_udf(w, "ConfigurationItems", "MAC Address", protected=True)
        w.at_update("ConfigurationItems", 100001, userDefinedFields=[{"name": "License Key", "value": "LK-4711"}])
        masked_devices = (100001, 100002) if udf == "MAC Address" else (100001,)
        if later:
            w.pass_ok()
            for psa in masked_devices:
                w.must_link("configuration", psa)
            early = _permission_warnings(w.adapter.logs())
            assert not early, (f"C-09/Q26: the API user has View Protected Data, so no protected value arrived "
                               f"masked, yet the pass warned: {early}")
        if not view:
            at_admin.set_view_protected_data(w, False)
        before = len(w.adapter.logs())
        w.pass_ok()
        devices = [w.must_link("configuration", psa) for psa in masked_devices]
        entries = w.adapter.logs()[before:]
        warned = _permission_warnings(entries)
        if view:
            assert not warned, (f"C-09/Q26: the API user has View Protected Data and every protected value arrived "
                                f"readable, yet the pass warned about the permission: {warned}")
        else:
            assert warned, (f"Q26/C-09: the protected UDF {udf!r} arrived masked as '*****' (the API user lacks View "
                            f"Protected Data), but the pass raised no permissions warning; its log: {entries}")
        for rec in devices:
            literal = {k: v for k, v in rec["fields"].items() if isinstance(v, str) and MASK.match(v)}
            assert not literal, (f"Q26: device {rec['link']['psa_id']}'s protected UDF {udf!r} must be stored as unavailable, never as "
                                 f"the literal masked value; the configuration holds {literal}")
        checked()
