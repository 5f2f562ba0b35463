"""Disabled records among their siblings (M-12, Q9, R-06, M-07): properties written for the blind defects that
survived (issue 13, docs/conformance-blind-defects.md).

Oracles are the rules' text. M-12 [I]: a disabled record "is not a match candidate, and its AT counterpart does
**not** cause a duplicate to be created while it stays disabled"; Q9 "Disabled records as candidates: No"; R-06
"An AT record whose IT Glue counterpart is disconnected will not re-sync in until it is reconnected"; M-07/CR-01:
every in-scope Autotask record without a match creates a record, so the other records of the same organization keep
syncing while one of them is disabled.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites._common import checked, prop
from conformance.world import world

RULES = ["M-12", "Q9", "R-06", "M-07", "CR-01"]

_COMPANIES = [{"id": 1001, "name": "Contoso", "type": 1}, {"id": 1002, "name": "Fabrikam", "type": 1}]
# kind → (entity, the Autotask record that gets disabled, its key fields, a new record with the same key)
_SPEC = {"companies": _COMPANIES,
         "contacts": [{"id": 30001, "company": 1001, "first": "Ann", "last": "Lee"},
                      {"id": 30002, "company": 1002, "first": "Bob", "last": "Kim"}],
         "cis": [{"id": 100001, "company": 1001, "serial": "SN-1", "mac": None, "type": 1},
                 {"id": 100002, "company": 1002, "serial": "SN-2", "mac": None, "type": 1}],
         "locations": [], "tickets": [], "docs": []}
_NEW = {"contact": ("Contacts", 30001, {"companyID": 1001, "firstName": "Ann", "lastName": "Lee", "isActive": 1}),
        "configuration": ("ConfigurationItems", 100001,
                          {"companyID": 1001, "productID": 401, "configurationItemType": 1, "serialNumber": "SN-1",
                           "referenceTitle": "DEV-new", "isActive": True})}
_SIBLING = {"contact": ("Contacts", {"companyID": 1001, "firstName": "Cid", "lastName": "Moe", "isActive": 1}),
            "configuration": ("ConfigurationItems", {"companyID": 1001, "productID": 401,
                                                     "configurationItemType": 1, "serialNumber": "SN-77",
                                                     "referenceTitle": "DEV-sibling", "isActive": True})}
# Contacts and devices in scope whatever else is drawn (type 1 selected, contacts on).
_SETTINGS = S.scoped_settings(contacts_enabled=True, ci_types=st.sampled_from([["1"], ["1", "2"], ["1", "2", "3"]]))


def _linked_to(w: Any, kind: str, psa: int) -> list[dict[str, Any]]:
    return w.by_psa(kind).get(psa, [])


@prop(rules=["M-12", "Q9", "M-07"], needs={"record_controls"}, max_examples=4, settings=_SETTINGS,
      full=st.booleans())
def test_M12_Q9_a_disabled_contact_is_no_candidate_for_a_new_autotask_contact(factory: Any, settings: dict,
                                                                               full: bool) -> None:
    """A contact linked and then disabled; in Autotask its contact is deleted and a new one with the same first
    and last name is made. The next pass must not take the disabled contact for the new one (M-12, Q9): it stays
    disabled and linked to its old id, and the new Autotask contact gets a record of its own (M-07)."""
    with world(factory, _SPEC, settings) as w:
        w.pass_ok()
        old = _linked_to(w, "contact", 30001)
        assert len(old) == 1, f"M-07: Autotask contact 30001 linked to {len(old)} records after the first pass"
        rid = old[0]["id"]
        w.adapter.disable("contact", rid)
        w.at_delete("Contacts", 30001)
        new_id = w.at_create("Contacts", **_NEW["contact"][2])
        w.pass_ok(full=full)
        w.pass_ok()  # a full pass in any case (an incremental pass may escalate or not)
        rec = w.record("contact", rid)
        assert rec is not None and rec["link"] is not None, "M-12: the disabled contact lost its link"
        assert rec["link"]["state"] == "disabled", f"M-12/R-06: the disabled contact became {rec['link']['state']}"
        assert rec["link"]["psa_id"] == 30001, (f"M-12/Q9: the disabled contact was taken as the match of the new "
                                                f"Autotask contact {new_id} (now linked to {rec['link']['psa_id']})")
        got = _linked_to(w, "contact", new_id)
        assert len(got) == 1 and got[0]["id"] != rid, \
            f"M-07: the new Autotask contact {new_id} should have a record of its own, got {got}"
        checked()


@prop(rules=["M-12", "R-06", "M-07", "CR-01"], needs={"record_controls"}, max_examples=4, settings=_SETTINGS,
      kind=st.sampled_from(["contact", "configuration"]))
def test_M12_M07_the_siblings_of_a_disabled_record_keep_syncing(factory: Any, settings: dict, kind: str) -> None:
    """With one contact or device disabled, a pass neither duplicates it (M-12 [I]) nor stops the rest of its
    organization: a sibling created in Autotask meanwhile is pulled (M-07, CR-01) and a sibling's change arrives
    (FM-G1)."""
    entity, psa, _fields = _NEW[kind]
    with world(factory, _SPEC, settings) as w:
        w.pass_ok()
        target = _linked_to(w, kind, psa)
        assert len(target) == 1, f"M-07: Autotask {kind} {psa} linked to {len(target)} records after the first pass"
        w.adapter.disable(kind, target[0]["id"])
        n_before = len(w.records(kind))
        sib_entity, sib_fields = _SIBLING[kind]
        sibling = w.at_create(sib_entity, **sib_fields)
        w.at_update("Companies", 1001, companyName="Contoso renamed")
        w.pass_ok()
        assert len(_linked_to(w, kind, psa)) == 1, f"M-12: the disabled {kind}'s Autotask record was duplicated"
        assert len(w.records(kind)) == n_before + 1, (
            f"M-12/M-07: expected exactly one new {kind} (the sibling), got {len(w.records(kind)) - n_before}")
        got = _linked_to(w, kind, sibling)
        assert len(got) == 1 and got[0]["link"]["state"] == "enabled", (
            f"M-07/CR-01: the sibling {kind} {sibling} created in Autotask was not pulled while another record of "
            "its organization is disabled")
        org = _linked_to(w, "organization", 1001)
        assert org and org[0]["fields"]["name"] == "Contoso renamed", "FM-G1: the organization's rename was not pulled"
        checked()
