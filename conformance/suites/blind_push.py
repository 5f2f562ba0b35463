"""Two-way push details the blind defects reached (issue 13, docs/conformance-blind-defects.md): the contact
channels of a pushed contact (FM-K4).

Oracle: FM-K4 "Contacts created in IT Glue are pushed with the Email Type and Phone Type chosen in the Two-Way
settings. If none is chosen, they are pushed without email or phone data." Read per channel: without an Email Type
the new Autotask contact carries no e-mail address, without a Phone Type no phone number.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from conformance import strategies as S
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["FM-K4", "P-06", "SC-14"]

_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "contacts": [], "cis": [], "locations": [],
        "tickets": [], "docs": []}
_TYPES = st.sampled_from([None, "Work"])
_BASE = base_settings(two_way=True)


@prop(rules=["FM-K4", "P-06", "P-02"], needs={"push", "create_record"}, max_examples=5,
      settings=S.scoped_settings(contacts_enabled=True, two_way=True), email_type=_TYPES, phone_type=_TYPES,
      examples=({"settings": _BASE, "email_type": None, "phone_type": None},
                {"settings": _BASE, "email_type": "Work", "phone_type": None},
                {"settings": _BASE, "email_type": None, "phone_type": "Work"}))
def test_FMK4_a_new_contact_is_pushed_without_the_channels_no_type_was_chosen_for(
        factory: Any, settings: dict, email_type: Any, phone_type: Any) -> None:
    """A contact created in the UI of a synced organization, with e-mail and phones filled in, is pushed to
    Autotask (P-06: no contact there has its name); the new Autotask contact carries an e-mail address only if an
    Email Type is chosen and phone numbers only if a Phone Type is chosen (FM-K4)."""
    settings = {**settings, "ad_email_type": email_type, "ad_phone_type": phone_type}
    with world(factory, _ONE, settings) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)["id"]
        before = {c["id"] for c in w.at_query("Contacts")}
        w.adapter.create_record("contact", {"first_name": "Eve", "last_name": "Nun", "work_email": "eve@contoso.com",
                                            "work_phone": "555-0199", "mobile_phone": "555-0198"}, org_id=org,
                                via="ui")
        created = [c for c in w.at_query("Contacts") if c["id"] not in before]
        assert len(created) == 1, f"P-06: saving a new contact should create one Autotask contact, got {created}"
        c = created[0]
        if not settings["ad_email_type"]:
            assert not c.get("emailAddress"), \
                f"FM-K4: no Email Type is chosen but the contact was pushed with e-mail {c.get('emailAddress')!r}"
        if not settings["ad_phone_type"]:
            phones = {k: c.get(k) for k in ("phone", "mobilePhone") if c.get(k)}
            assert not phones, f"FM-K4: no Phone Type is chosen but the contact was pushed with {phones}"
        checked()
