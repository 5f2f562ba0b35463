"""Settings-dependent rules the blind defects reached (issue 13, docs/conformance-blind-defects.md): required
settings (SC-09), the configuration name (FM-C1) under any settings, and the contact switch on the push side (SC-04,
SC-14, P-08).

Oracles are the rules' text. SC-09: "Default Material Code and Default Product Category are required"; FM-C1:
``ITG.name == (AT.referenceTitle if non-empty else AT.product.name)``; SC-04: "When Enable Contacts sync is off, no
IT Glue contact is created from AT and no AT contact data is written"; SC-14: the contact section of the two-way
settings only exists with contact sync on; P-08: "A record is pushed only if its ... type and status are ones set to
sync" (with contact sync off, contacts are not set to sync).
"""

from __future__ import annotations

from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from conformance import strategies as S
from conformance.adapter import Refused
from conformance.suites._common import checked, prop
from conformance.world import base_settings, world

RULES = ["SC-09", "FM-C1", "SC-04", "SC-14", "P-08"]

# An explicit example besides the drawn settings: classification sync on, contacts off, two-way on.
_EDGE = base_settings(classification_sync=True, classifications=["2"], sync_without_classification=True,
                      contacts_enabled=False, two_way=True)
_ONE = {"companies": [{"id": 1001, "name": "Contoso", "type": 1}], "contacts": [], "cis": [], "locations": [],
        "tickets": [], "docs": []}


@prop(rules=["SC-09"], max_examples=4, settings=S.sync_settings(),
      missing=st.sampled_from(["default_material_code", "default_product_category"]),
      blank=st.sampled_from([None, ""]),
      examples=({"settings": _EDGE, "missing": "default_material_code", "blank": ""},
                {"settings": _EDGE, "missing": "default_product_category", "blank": None}))
def test_SC09_settings_without_a_material_code_or_product_category_are_refused(factory: Any, settings: dict,
                                                                               missing: str, blank: Any) -> None:
    """Whatever else is chosen, settings whose Default Material Code or Default Product Category is missing or
    blank are refused (SC-09); the same settings with both present are accepted."""
    with world(factory, _ONE, settings) as w:
        bad = {**settings, missing: blank}
        try:
            w.adapter.apply_settings(bad)
        except Refused:
            pass
        else:
            raise AssertionError(f"SC-09: settings without {missing} ({blank!r}) were accepted")
        w.adapter.apply_settings(settings)  # the valid ones still are
        checked()


_TITLES = ["Front desk PC", "", None]


@st.composite
def _titled_cis(draw: Any) -> dict[str, Any]:
    cis = [{"id": 100001 + i, "company": 1001, "serial": f"SN-{i}", "mac": None, "type": 1,
            "title": draw(st.sampled_from(_TITLES))} for i in range(draw(st.integers(1, 3)))]
    return {**_ONE, "cis": cis}


@prop(rules=["FM-C1", "CR-05"], max_examples=4, spec=_titled_cis(),
      settings=S.scoped_settings(ci_types=st.sampled_from([["1"], ["1", "2"], ["1", "2", "3"]])),
      examples=({"spec": {**_ONE, "cis": [{"id": 100001, "company": 1001, "serial": "SN-0", "mac": None, "type": 1,
                                          "title": "Front desk PC"},
                                         {"id": 100002, "company": 1001, "serial": "SN-1", "mac": None, "type": 1,
                                          "title": ""}]},
                 "settings": base_settings(ci_types=["1"], sync_without_ci_type=False, locations_enabled=False)},))
def test_FMC1_a_configuration_is_named_by_its_reference_name_else_its_product(factory: Any, spec: dict,
                                                                           settings: dict) -> None:
    """Each pulled configuration is named by the device's Reference Name when it has one, otherwise by the name of
    the device's product (FM-C1), under any settings that bring the devices in."""
    with world(factory, spec, settings) as w:
        for ci in spec["cis"]:  # the tenant helper names untitled devices; blank the title as Autotask would
            if not ci["title"]:
                w.at_update("ConfigurationItems", ci["id"], referenceTitle=ci["title"])
        w.pass_ok()
        for ci in spec["cis"]:
            at = w.at_get("ConfigurationItems", ci["id"])
            assert at is not None, f"the tenant lost device {ci['id']}"
            product = w.at_get("Products", at["productID"])
            assert product is not None, f"the tenant lost product {at['productID']}"
            want = at["referenceTitle"] if at.get("referenceTitle") else product["name"]
            rec = w.must_link("configuration", ci["id"])
            assert rec["fields"]["name"] == want, (f"FM-C1: device {ci['id']} (reference name "
                                                   f"{at.get('referenceTitle')!r}, product {product['name']!r}) "
                                                   f"was named {rec['fields']['name']!r}, want {want!r}")
        checked()


@prop(rules=["SC-04", "SC-14", "P-08", "P-01"], needs={"push", "create_record"}, max_examples=4,
      settings=S.scoped_settings(contacts_enabled=False, two_way=True), via=st.sampled_from(["ui", "save"]))
def test_SC04_P08_with_contact_sync_off_no_contact_is_pushed(factory: Any, settings: dict, via: str) -> None:
    """With contact sync off and two-way on, a contact created in the UI of a synced organization (or created
    through the API and then saved) is not written to Autotask (SC-04, P-08)."""
    assume(settings["account_types"])
    with world(factory, _ONE, settings) as w:
        w.pass_ok()
        org = w.must_link("organization", 1001)
        w.mark()
        fields = {"first_name": "Dee", "last_name": "Ray", "work_email": "dee@contoso.com"}
        try:
            if via == "ui":
                w.adapter.create_record("contact", fields, org_id=org["id"], via="ui")
            else:
                rid = w.adapter.create_record("contact", fields, org_id=org["id"], via="api")
                w.adapter.edit_and_save("contact", rid, {"title": "Owner"})
        except Refused:
            pass
        writes = [(e["method"], e["path"]) for e in w.writes()]
        assert not any("Contacts" in p for _m, p in writes), \
            f"SC-04/P-08: with contact sync off a contact was written to Autotask: {writes}"
        assert not [c for c in w.at_query("Contacts") if c.get("firstName") == "Dee"], \
            "SC-04/P-08: Autotask gained the contact although contact sync is off"
        checked()
