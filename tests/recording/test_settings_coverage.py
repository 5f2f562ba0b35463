"""Every behaviour setting of the mock is either probed by `autotask-mock parity` or listed with a reason."""

from __future__ import annotations

from mockserver.config import MockConfig
from mockserver.parity import probes
from mockserver.parity.report import Finding


class _Api:
    prefix = "P"

    def __init__(self) -> None:
        self.calls = []

    def call(self, method, path, body=None, *, headers=None, params=None):
        self.calls.append((method, path))
        return 500, {"errors": ["x"]}

    def created(self, entity, item_id):
        raise AssertionError("nothing is created when every call fails")


def test_every_setting_is_probed_or_listed_with_a_reason():
    api = _Api()
    probed = {p(api).setting for p in (*probes.READ_PROBES, *probes.WRITE_PROBES)}
    probed |= {f.setting for f in probes.probe_threshold(api)}
    probed.add(probes.probe_permission(api, None).setting)
    listed = {name for names in probes.NOT_PROBED.values() for name in names}
    settings = set(MockConfig().public_settings())
    assert probed | listed == settings, (settings - probed - listed, (probed | listed) - settings)
    assert not probed & listed


def test_decisions_from_observations():
    assert probes.decide_missing_item_status(404, {"Message": "x"}) == 404
    assert probes.decide_missing_item_status(200, {"item": None}) == 200
    assert probes.decide_missing_item_status(500, {"errors": ["x"]}) is None
    assert probes.decide_unauthorized_body(401, None) == "empty"
    assert probes.decide_unauthorized_body(401, {"errors": ["denied"]}) == "errors"
    assert probes.decide_unauthorized_body(500, None) is None
    assert probes.decide_unknown_operator(200, {"items": []}) == "ignore"
    assert probes.decide_unknown_operator(500, {"errors": ["bad op"]}) == "error"
    assert probes.decide_include_fields_udfs(200, {"items": [{"id": 1, "userDefinedFields": []}]}) == "named"
    assert probes.decide_include_fields_udfs(200, {"items": []}) is None
    assert probes.decide_next_page_search(200, {"pageDetails": {"nextPageUrl": "http://h/x?paging=1&search=2"}})
    assert probes.decide_next_page_search(200, {"pageDetails": {"nextPageUrl": None}}) is None
    assert probes.decide_permission_status(500, {"errors": ["... does not have the adequate permissions ..."]}) == 500
    assert probes.decide_permission_status(500, {"errors": ["other"]}) is None
    assert Finding("missing_item_status", 404, "").differs and not Finding("missing_item_status", None, "").differs
