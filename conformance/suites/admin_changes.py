"""Autotask changes only an administrator can make, and rules the neutral shape could not reach before protocol 1.1.

Written from the spec's rule text for the last survivors of ``bench/mutation.py`` (issue 13):

* **O-01 / O-04 / O-05 / O-08** — an admin deletes (or merges away) a company in the Autotask UI. A full pass's
  complete enumeration no longer holds it, so its organization is orphaned (never deleted), and so are the children
  whose Autotask records went with it; every other organization keeps syncing. Companies cannot be deleted through
  the REST API (P-13), so the kit makes the change as the admin would (:mod:`conformance.at_admin`).
* **FM-O2 / FM-G1** — with location sync on, an organization's *Primary Location* (mapped ↔, §3.1) is the location
  linked to the Autotask primary location, and bears its name ("Primary Location" unless renamed in Autotask). The
  adapter reports it in the optional ``primary_location_id`` of an organization record (protocol 1.1); for an
  adapter that does not, the property is skipped.
* **§3.5 Queue → Board / FM-G1** — an admin renames a queue; the next full pass overwrites every synced ticket's
  Board with the queue's Autotask name as it is now (the PSA wins on every pull).
* **D-04** — Option 2 "has to be enabled by support first": asked for before that (capability ``delete_all_gate``,
  protocol 1.1), it is refused and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st

from conformance import at_admin
from conformance.suites._common import checked, prop
from conformance.world import QUEUES, base_settings, world

RULES = ["O-01", "O-04", "O-05", "O-08", "FM-O2", "FM-G1", "§3.5", "D-04", "D-07", "Q18"]

_ENTITY_KIND = {"CompanyLocations": "location", "Contacts": "contact", "ConfigurationItems": "configuration",
                "Tickets": "ticket"}


def _vanishing_tenant() -> dict[str, Any]:
    """Three in-scope companies, each with a location, a contact, a device and a ticket of its own."""
    cos = [1001, 1002, 1003]
    return {"companies": [{"id": c, "name": f"Company {c}", "type": 1} for c in cos],
            "locations": [{"id": 10001 + i, "company": c, "name": f"Branch {c}", "address1": f"{i} Main St",
                           "city": "Springfield"} for i, c in enumerate(cos)],
            "contacts": [{"id": 30001 + i, "company": c, "first": "Ann", "last": f"Lee{i}"}
                         for i, c in enumerate(cos)],
            "cis": [{"id": 100001 + i, "company": c, "serial": f"SN-{c}", "type": 1} for i, c in enumerate(cos)],
            "tickets": [{"id": 700001 + i, "company": c, "number": f"T20251201.000{i + 1}"}
                        for i, c in enumerate(cos)],
            "docs": []}


@prop(rules=["O-01", "O-04", "O-05", "O-08", "P-13"], max_examples=4,
      gone=st.sampled_from([1001, 1002, 1003]), locations=st.booleans(), contacts=st.booleans())
def test_O01_O04_an_organization_whose_company_an_admin_deleted_is_orphaned(factory: Any, gone: int, locations: bool,
                                                                             contacts: bool) -> None:
    """O-01: a linked record becomes orphaned when its Autotask record is deleted — also an organization, whose
    company only an admin can delete (P-13). O-08: the full pass's complete enumeration is what shows it absent.
    O-04: the children that went with it are orphans too. O-05: nothing is deleted. The other organizations and
    their children keep syncing (enabled)."""
    spec = _vanishing_tenant()
    settings = base_settings(locations_enabled=locations, contacts_enabled=contacts)
    with world(factory, spec, settings) as w:
        w.pass_ok()
        before = {k: {r["id"] for r in w.records(k)} for k in ("organization", *_ENTITY_KIND.values())}
        children = {kind: {r["link"]["psa_id"]: r["id"] for r in w.records(kind) if r["link"]}
                    for kind in _ENTITY_KIND.values()}
        org = w.must_link("organization", gone)
        removed = at_admin.delete_company(w, gone)
        w.pass_ok(full=True)
        after = w.record("organization", org["id"])
        assert after is not None, f"O-05: the organization of deleted company {gone} was deleted from the documentation"
        assert after["link"] is not None and after["link"]["state"] == "orphaned", (
            f"O-01: company {gone} was deleted in Autotask, but after a full pass its organization is "
            f"{after['link'] and after['link']['state']}")
        for entity, removed_ids in removed.items():
            kind = _ENTITY_KIND.get(entity)
            if kind is None:
                continue
            for pid in removed_ids:
                rid = children[kind].get(pid)
                if rid is None:
                    continue  # never synced (its kind is off): nothing to orphan
                rec = w.record(kind, rid)
                assert rec is not None, f"O-05: the {kind} of deleted Autotask record {pid} was deleted"
                assert rec["link"] is not None and rec["link"]["state"] == "orphaned", (
                    f"O-01/O-04: the {kind} linked to Autotask {pid} (gone with company {gone}) is "
                    f"{rec['link'] and rec['link']['state']}, not orphaned")
        for c in {1001, 1002, 1003} - {gone}:
            other = w.must_link("organization", c)
            assert other["link"]["state"] == "enabled", \
                f"O-01: company {c} still exists, but its organization is {other['link']['state']}"
        for kind, ids in before.items():
            missing = ids - {r["id"] for r in w.records(kind)}
            assert not missing, f"O-05: a pass deleted {kind} records {sorted(missing)}"
        checked()


def _primary_tenant() -> dict[str, Any]:
    """Two in-scope companies with two branch locations each (the mock adds each company's "Primary Location")."""
    return {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
            "locations": [{"id": 10001 + i, "company": c, "name": f"Branch {i}", "address1": f"{i} Side St",
                           "city": "Springfield"} for i, c in enumerate((1001, 1001, 1002, 1002))],
            "contacts": [], "cis": [], "tickets": [], "docs": []}


def _assert_primary_locations(w: Any, companies: list[int], when: str) -> None:
    for c in companies:
        org = w.must_link("organization", c)
        if "primary_location_id" not in org:
            pytest.skip("adapter does not report primary_location_id (optional since protocol 1.1)")
        primary = [x for x in w.at_query("CompanyLocations") if x["companyID"] == c and x.get("isPrimary")]
        assert len(primary) == 1, f"the mock must hold exactly one primary location per company (FM-L2): {primary}"
        loc = w.must_link("location", primary[0]["id"])
        assert org["primary_location_id"] == loc["id"], (
            f"FM-O2 ({when}): company {c}'s Autotask primary location {primary[0]['id']} "
            f"({primary[0]['name']!r}) is documentation location {loc['id']}, but the organization's Primary "
            f"Location is {org['primary_location_id']!r}")
        assert loc["org_id"] == org["id"], f"FM-O2/M-14: the primary location of company {c} is in another org"
        assert loc["fields"].get("name") == primary[0]["name"], (
            f"FM-O2 ({when}): the primary location must have the Autotask primary location's name "
            f"{primary[0]['name']!r}, got {loc['fields'].get('name')!r}")


@prop(rules=["FM-O2", "FM-G1", "SC-05", "FM-L2"], max_examples=4,
      rename=st.sampled_from([None, "Head Office", "HQ (main)"]), move=st.booleans())
def test_FMO2_the_primary_location_is_the_autotask_primary_with_its_name(factory: Any, rename: str | None,
                                                                        move: bool) -> None:
    """FM-O2: with location sync on, each organization's Primary Location is the documentation location linked to
    its company's Autotask primary location, named as in Autotask ("Primary Location" unless renamed there). FM-G1:
    when Autotask makes another location the primary, the next full pass moves the Primary Location with it."""
    with world(factory, _primary_tenant(), base_settings(locations_enabled=True)) as w:
        if rename is not None:
            for x in w.at_query("CompanyLocations"):
                if x["companyID"] == 1001 and x.get("isPrimary"):
                    w.at_update("CompanyLocations", x["id"], name=rename)
        w.pass_ok()
        _assert_primary_locations(w, [1001, 1002], "first pass")
        checked()
        if move:
            w.at_update("CompanyLocations", 10002, isPrimary=True)  # Autotask demotes the old primary
            w.pass_ok(full=True)
            _assert_primary_locations(w, [1001, 1002], "after Autotask moved the primary")


_TICKETS = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}],
            "tickets": [{"id": 700001, "company": 1001, "number": "T20251201.0001", "queue": QUEUES["Triage"]},
                        {"id": 700002, "company": 1001, "number": "T20251201.0002",
                         "queue": QUEUES["Level I Support"]}],
            "locations": [], "contacts": [], "cis": [], "docs": []}


@prop(rules=["§3.5", "FM-G1", "T-01"], max_examples=3,
      queue=st.sampled_from(["Triage", "Level I Support"]), label=st.sampled_from(["Service Desk", "Triage 2"]))
def test_FMG1_a_queue_renamed_by_an_admin_renames_the_board_on_the_next_full_pass(factory: Any, queue: str,
                                                                                 label: str) -> None:
    """§3.5 maps the Autotask Queue to the ticket's Board; FM-G1: every pull overwrites a linked record's mapped
    fields with the Autotask values. So after an admin renames a queue, the next full pass shows the new name on
    every synced ticket of that queue, and the other queue's tickets keep theirs."""
    settings = base_settings(queues=[str(QUEUES["Triage"]), str(QUEUES["Level I Support"])])
    with world(factory, _TICKETS, settings) as w:
        w.pass_ok()
        for pid, q in ((700001, "Triage"), (700002, "Level I Support")):
            got = w.must_link("ticket", pid)["fields"].get("board")
            assert got == q, f"§3.5: ticket {pid} is in queue {q!r}, but its Board is {got!r}"
        at_admin.rename_picklist_value(w, "Tickets", "queueID", QUEUES[queue], label)
        w.pass_ok(full=True)
        for pid, q in ((700001, "Triage"), (700002, "Level I Support")):
            want = label if q == queue else q
            got = w.must_link("ticket", pid)["fields"].get("board")
            assert got == want, (f"FM-G1/§3.5: the admin renamed queue {queue!r} to {label!r}; after a full pass "
                                 f"ticket {pid}'s Board should be {want!r}, got {got!r}")
        checked()


_GATE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}],
         "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"}],
         "cis": [{"id": 100001, "company": 1002, "serial": "SN-1", "type": 1}], "locations": [], "tickets": [],
         "docs": []}


@prop(rules=["D-04", "D-07", "Q18"], needs={"delete_all_gate"}, max_examples=2, full_pass=st.booleans())
def test_D04_option2_is_refused_until_support_enables_it(factory: Any, full_pass: bool) -> None:
    """D-04: Option 2 ("Permanently delete all data including all related/child records") "has to be enabled by
    support first". Asked for before that, it is refused and deletes, unlinks and changes nothing; the records keep
    syncing. Once enabled, Option 2 deletes the linked organizations with their children (D-07)."""
    from conformance.adapter import Refused

    with world(factory, _GATE, base_settings()) as w:
        w.pass_ok()
        before = {k: sorted((str(r["id"]), repr(r["link"])) for r in w.records(k))
                  for k in ("organization", "contact", "configuration")}
        assert before["organization"], "M-07/CR-01: the in-scope companies were not linked"
        try:
            w.adapter.disconnect("delete_unenabled")
            refused = False
        except Refused:
            refused = True
        assert refused, "D-04: Option 2 was carried out although support had not enabled it (no refusal)"
        after = {k: sorted((str(r["id"]), repr(r["link"])) for r in w.records(k)) for k in before}
        assert after == before, f"D-04: Option 2 before support enabled it changed the documentation: {after}"
        checked()
        w.pass_ok(full=full_pass)
        w.must_link("organization", 1001)
        w.adapter.disconnect("delete")
        left = [r for r in w.records("organization") if r["link"] is not None]
        assert not left, f"D-04/D-07: enabled Option 2 left linked organizations: {left}"
