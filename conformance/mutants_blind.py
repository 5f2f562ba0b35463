"""A blind set of defects: plausible sync bugs written from the spec and the reference's code alone (issue 13).

Why a second set: the shipped mutants (``conformance/mutants.py``) were written by the kit's authors, so killing
them only shows the kit catches the defects its authors thought of. These were written without reading those
mutants or the suites, one or more per rule family (matching, scope, orphaning, record controls, two-way push,
push-all, disconnect, counts, field mapping, incremental passes, settings-dependent behaviour), each breaking a rule
the spec states on a concrete scenario (named in the mutant's docstring). docs/conformance-blind-defects.md has the
table and the kill figures.

Form: like the shipped mutants, each wraps the reference adapter and swaps one reference_impl function with
``unittest.mock.patch`` while the adapter's calls run; reference_impl itself is never edited. Unlike
``MutantAdapter``, the patches are active around *every* adapter call (record controls, creation, disconnect,
reads), so defects in those operations are reachable too.

    CI=true python -m conformance.kill --blind     # kill rate of this set under the CI profile
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any
from unittest import mock

from conformance.adapter import ReferenceAdapter
from conformance.mutants import Mutant, MutantAdapter

_P = "reference_impl.sync"

_WRAPPED = ("connect", "apply_settings", "run_pass", "records", "summary", "create_record", "edit_and_save",
            "disable", "enable", "sync_now", "delete_record", "push_all", "pause", "resume", "disconnect",
            "status_filter_options", "records_with_status", "integration_status", "logs")


class BlindMutant(MutantAdapter):
    """A reference adapter whose EVERY call (see _WRAPPED, not only passes and saves) runs with ``patches()``
    applied; ``patches``/``_patched`` come from the shipped mutants' base class."""


def _wrap(name: str) -> Callable[..., Any]:
    base = getattr(ReferenceAdapter, name)

    def method(self: BlindMutant, *args: Any, **kw: Any) -> Any:
        with self._patched():
            return base(self, *args, **kw)

    method.__name__ = name
    return method


for _n in _WRAPPED:
    setattr(BlindMutant, _n, _wrap(_n))


def _mutant(name: str, *patches: Callable[[], Any]) -> type[BlindMutant]:
    """A BlindMutant class whose patches are built fresh on each call (mock patchers are single-use)."""

    def make(self: BlindMutant) -> list[Any]:
        return [p() for p in patches]

    return type(name, (BlindMutant,), {"patches": make})


def _remap(kind: str, itg: str, pull: Callable[[dict[str, Any], Any], Any]) -> Callable[[], Any]:
    """Replace the pull conversion of one mapped field (mapping.MAPPINGS is read on every conversion)."""
    from reference_impl.sync import mapping

    def build() -> Any:
        rows = tuple(dataclasses.replace(fm, pull=pull) if fm.itg == itg else fm for fm in mapping.MAPPINGS[kind])
        return mock.patch.dict(mapping.MAPPINGS, {kind: rows})

    return build


def _wrap_fn(target: str, wrapper: Callable[[Callable[..., Any]], Callable[..., Any]]) -> Callable[[], Any]:
    """Patch ``target`` with ``wrapper(original)``; the original is resolved when the patch starts."""

    def build() -> Any:
        mod, _, attr = target.rpartition(".")
        import importlib

        obj: Any
        try:
            obj = importlib.import_module(mod)
        except ModuleNotFoundError:  # a class attribute: module.Class.attr
            m2, _, cls = mod.rpartition(".")
            obj = getattr(importlib.import_module(m2), cls)
        orig = getattr(obj, attr)
        return mock.patch(target, wrapper(orig))

    return build


# ===================================================================================== matching (M-*)
def _simple_key(*parts: Any) -> Any:
    from reference_impl.sync.matching import simple_key

    return simple_key(*parts)


def _strip(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else v


def _fold(v: Any) -> Any:
    return v.casefold() if isinstance(v, str) else v


OrgNameTrimmed = _mutant(
    "OrgNameTrimmed",
    # M-06/Q1: "Contoso " matches "Contoso" (trimming the name before comparing).
    lambda: mock.patch(f"{_P}.plan.org_key", lambda name: _simple_key(_strip(name))))

ContactNameCasefold = _mutant(
    "ContactNameCasefold",
    # M-03/M-06/Q1: "ann lee" matches "Ann Lee".
    lambda: mock.patch(f"{_P}.plan.contact_key", lambda f, last: _simple_key(_fold(f), _fold(last))))

ContactFirstNameOnly = _mutant(
    "ContactFirstNameOnly",
    # M-03: a contact matches on first name only, so "Ann Lee" claims "Ann Smith".
    lambda: mock.patch(f"{_P}.plan.contact_key", lambda f, last: _simple_key(f)))


def _raw_mac(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda mac, canonicalize=True: orig(mac, False)


MacComparedRaw = _mutant(
    "MacComparedRaw",
    # M-02/Q1: MACs compared as typed, so "aa:bb:cc:dd:ee:ff" ≠ "AA-BB-CC-DD-EE-FF" and a duplicate is created.
    _wrap_fn(f"{_P}.plan.mac_key", _raw_mac))

SerialCasefold = _mutant(
    "SerialCasefold",
    # M-06: serials compared case-insensitively, so "abc123" claims the device with serial "ABC123".
    lambda: mock.patch(f"{_P}.plan.serial_key", lambda s: None if s in (None, "") else str(s).upper()))

LocationIgnoresCountry = _mutant(
    "LocationIgnoresCountry",
    # M-04: country left out of the location key; same street in another country matches.
    lambda: mock.patch(f"{_P}.plan.location_key", lambda a1, a2, city, state, country: _simple_key(a1, a2, city,
                                                                                                     state)))


def _record_key_with_name(orig: Callable[..., Any]) -> Callable[..., Any]:
    def record_key(kind: str, f: dict[str, Any]) -> Any:
        k = orig(kind, f)
        if kind == "location" and k is not None:
            return (*k, f.get("name"))
        return k

    return record_key


LocationMatchesOnName = _mutant(
    "LocationMatchesOnName",
    # M-04: the location name is added to the key, so the same address under another name creates a duplicate.
    _wrap_fn(f"{_P}.plan.record_key", _record_key_with_name))


def _config_union_earliest(wanted: Any, candidates: Any) -> dict[int, int | None]:
    """M-02 without the M-08 [I] narrowing: the earliest candidate matching serial OR MAC wins."""
    cands = [c for c in candidates if c.eligible]
    claimed: set[int] = set()
    out: dict[int, int | None] = {}
    for w in sorted(wanted, key=lambda w: w.psa_id):
        hits = [c for c in cands if c.org_id == w.org_id and c.record_id not in claimed
                and ((w.serial is not None and c.serial == w.serial) or (w.mac is not None and c.mac == w.mac))]
        chosen = min(hits, key=lambda c: (c.created_at, c.record_id)) if hits else None
        if chosen is not None:
            claimed.add(chosen.record_id)
        out[w.psa_id] = chosen.record_id if chosen else None
    return out


ConfigBothNotPreferred = _mutant(
    "ConfigBothNotPreferred",
    # M-08 [I]: a candidate matching serial AND MAC is not preferred over an older one matching only the serial.
    lambda: mock.patch(f"{_P}.plan.match_configurations", _config_union_earliest))

TieByLowestId = _mutant(
    "TieByLowestId",
    # M-08/Q5: ties go to the lowest record id instead of the earliest created_at.
    lambda: mock.patch(f"{_P}.matching._order", lambda c: ("", c.record_id)))

DisabledIsCandidate = _mutant(
    "DisabledIsCandidate",
    # M-12/Q9: a disabled record is a match candidate for another Autotask record with the same key.
    lambda: mock.patch(f"{_P}.matching.Candidate.eligible",
                       property(lambda c: c.link_state in (None, "orphaned", "disabled"))))


# ----------------------------------------------------------------------------------- plan wrappers
def _plan_wrapper(change: Callable[[str, Any, dict[str, Any] | None, Any], Any]) -> Callable[[], Any]:
    """Patch plan.plan so each decision goes through ``change(kind, decision, at_record, linked_record)``."""

    def wrapper(orig: Callable[..., Any]) -> Callable[..., Any]:
        def plan(kind: str, at_records: Any, records: Any, **kw: Any) -> Any:
            records = list(records)
            links = kw.get("links_by_psa")
            if links is None:
                links = {r.link.psa_id: r for r in records if r.link}
            by_id = {int(a["id"]): a for a in at_records}
            out = orig(kind, at_records, records, **kw)
            return [change(kind, d, by_id.get(d.psa_id), links.get(d.psa_id)) for d in out]

        return plan

    return _wrap_fn(f"{_P}.plan.plan", wrapper)


def _decision(d: Any, action: str, record_id: Any = "same") -> Any:
    return dataclasses.replace(d, action=action, record_id=d.record_id if record_id == "same" else record_id)


def _disabled_duplicate_plan(orig: Callable[..., Any]) -> Callable[..., Any]:
    def plan(kind: str, at_records: Any, records: Any, **kw: Any) -> Any:
        records = [r for r in records if not (r.link and r.link.state == "disabled")]
        links = kw.get("links_by_psa")
        if links is not None:
            kw["links_by_psa"] = {p: r for p, r in links.items() if not (r.link and r.link.state == "disabled")}
        return orig(kind, at_records, records, **kw)

    return plan


DisabledCounterpartDuplicated = _mutant(
    "DisabledCounterpartDuplicated",
    # M-12: a disabled record is treated as if it had no link, so its Autotask record creates a duplicate.
    _wrap_fn(f"{_P}.plan.plan", _disabled_duplicate_plan))

PullReenablesDisabled = _mutant(
    "PullReenablesDisabled",
    # R-01/M-12/R-06: a pull updates a disabled record and turns it back to enabled.
    _plan_wrapper(lambda k, d, at, rec: _decision(d, "update") if d.action == "skip-disabled" else d))

RelinkDuplicates = _mutant(
    "RelinkDuplicates",
    # O-06: a record back in scope is not re-linked; a new record is created instead.
    _plan_wrapper(lambda k, d, at, rec: _decision(d, "create", None) if d.action == "relink" else d))

_CHANGED = {"organization": "lastActivityDate", "contact": "lastModifiedDate", "configuration": "lastModifiedTime",
            "ticket": "lastActivityDate"}


def _skip_if_unchanged(kind: str, d: Any, at: dict[str, Any] | None, rec: Any) -> Any:
    if d.action != "update" or at is None or rec is None or rec.link is None or kind not in _CHANGED:
        return d
    seen = rec.link.psa_changed_at
    now = at.get(_CHANGED[kind])
    if seen is not None and now is not None and str(now) == str(seen):
        return _decision(d, "keep")
    return d


UnchangedInAutotaskSkipped = _mutant(
    "UnchangedInAutotaskSkipped",
    # R-02/FM-G1/Q19: a record whose Autotask change time has not moved is not overwritten, so a field edited
    # while the record was disabled keeps the local value after enable + pull.
    _plan_wrapper(_skip_if_unchanged))


# ===================================================================================== scope (SC-*)
def _with(**changes: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return lambda orig: (lambda rec, s, *a: orig(rec, s.with_(**changes), *a))


ClassificationSyncIgnored = _mutant(
    "ClassificationSyncIgnored",
    # SC-01(b): with classification sync on, companies of an unselected classification are still pulled.
    _wrap_fn(f"{_P}.pull.company_in_scope", _with(classification_sync=False)))

UnclassifiedAlwaysSynced = _mutant(
    "UnclassifiedAlwaysSynced",
    # SC-01(b): companies without a classification are pulled although "without classification" is unchecked.
    _wrap_fn(f"{_P}.pull.company_in_scope", _with(sync_without_classification=True)))

BlankTypeAlwaysSynced = _mutant(
    "BlankTypeAlwaysSynced",
    # SC-02: devices without a type are pulled although "without type" is unchecked.
    _wrap_fn(f"{_P}.pull.device_in_scope", _with(sync_without_ci_type=True)))


def _active_only(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda ci, s: orig(ci, s) and ci.get("isActive") not in (False, 0, "false", "False")


InactiveDeviceOrphaned = _mutant(
    "InactiveDeviceOrphaned",
    # §14 item 6 / Q21: inactive devices are treated as out of scope (orphaned) instead of synced as Inactive.
    _wrap_fn(f"{_P}.pull.device_in_scope", _active_only))


def _blank_type_none(r: dict[str, Any], c: Any) -> Any:
    from reference_impl.sync.mapping import _ci_type

    t = r.get("configurationItemType")
    return None if t in (None, "", 0) else _ci_type(r, c)


BlankTypeNotAutotaskDefault = _mutant(
    "BlankTypeNotAutotaskDefault",
    # SC-02/FM-C4: a blank device type stays blank instead of becoming "Autotask Default".
    _remap("configuration", "configuration_type", _blank_type_none))


def _settings_forced(**changes: Any) -> Callable[[], Any]:
    def wrapper(orig: Callable[..., Any]) -> Callable[..., Any]:
        def init(self: Any, store: Any, client: Any, settings: Any, *a: Any, **kw: Any) -> None:
            orig(self, store, client, settings.with_(**changes), *a, **kw)

        return init

    return _wrap_fn(f"{_P}.pull.PullPass.__init__", wrapper)


ContactsToggleIgnored = _mutant(
    "ContactsToggleIgnored",
    # SC-04: with contact sync off, the pull still creates and updates contacts.
    _settings_forced(contacts_enabled=True))

LocationsToggleIgnored = _mutant(
    "LocationsToggleIgnored",
    # SC-05: with location sync off, Autotask locations are still pulled.
    _settings_forced(locations_enabled=True))


def _window_created_only(orig: Callable[..., Any]) -> Callable[..., Any]:
    def ticket_in_window(ticket: dict[str, Any], s: Any, now: datetime) -> bool:
        return orig({**ticket, "lastActivityDate": None}, s, now)

    return ticket_in_window


def _patch_both(name: str, wrapper: Callable[..., Any]) -> list[Callable[[], Any]]:
    return [_wrap_fn(f"{_P}.scope.{name}", wrapper), _wrap_fn(f"{_P}.pull.{name}", wrapper)]


TicketWindowCreatedOnly = _mutant(
    "TicketWindowCreatedOnly",
    # SC-07/T-02: "created or updated within N months" read as "created within": an old ticket updated last week
    # is left out.
    *_patch_both("ticket_in_window", _window_created_only))


def _months_no_year_wrap(dt: datetime, months: int) -> datetime:
    import calendar

    month = dt.month - months
    while month <= 0:
        month += 12  # forgets to go back a year
    day = min(dt.day, calendar.monthrange(dt.year, month)[1])
    return dt.replace(month=month, day=day)


TicketWindowYearWrap = _mutant(
    "TicketWindowYearWrap",
    # Q23/SC-07: month arithmetic that does not go back a year, so a window crossing 1 January starts in the
    # future (January − 2 months = November of the same year) and every ticket falls out.
    lambda: mock.patch(f"{_P}.scope.subtract_months", _months_no_year_wrap))


# ===================================================================================== orphaning (O-*)
OrphanNoCascade = _mutant(
    "OrphanNoCascade",
    # O-04: an organization that stops syncing leaves its children enabled.
    lambda: mock.patch("reference_impl.docstore.store.DocStore.orphan_children", lambda self, org_id: {}))


def _orphan_unlinks(orig: Callable[..., Any]) -> Callable[..., Any]:
    def set_link_state(self: Any, kind: str, record_id: int, state: str, **kw: Any) -> None:
        if state == "orphaned":
            self.remove_link(kind, record_id)
        else:
            orig(self, kind, record_id, state, **kw)

    return set_link_state


OrphanDropsLink = _mutant(
    "OrphanDropsLink",
    # O-01/O-05/ST-03: orphaning removes the link, so the record shows no sync state and is no longer counted.
    _wrap_fn("reference_impl.docstore.store.DocStore.set_link_state", _orphan_unlinks))


def _always_complete(orig: Callable[..., Any]) -> Callable[..., Any]:
    def fetch_kind(self: Any, kind: str, base: Any, marks: Any) -> Any:
        items, _done = orig(self, kind, base, marks)
        return items, True

    return fetch_kind


IncrementalTreatedAsComplete = _mutant(
    "IncrementalTreatedAsComplete",
    # O-08: an incremental (changed-since) query is treated as a complete enumeration, so every record that did
    # not change since the last pass is orphaned.
    _wrap_fn(f"{_P}.pull.PullPass._fetch_kind", _always_complete))


def _incremental_children_skipped(orig: Callable[..., Any]) -> Callable[..., Any]:
    from reference_impl.sync.mapping import ENTITY_OF

    def fetch_kind(self: Any, kind: str, base: Any, marks: Any) -> Any:
        if not self.full and kind != "organization" and self.store.watermark(ENTITY_OF[kind]) is not None:
            return [], False  # "only companies that changed are re-read"
        return orig(self, kind, base, marks)

    return fetch_kind


IncrementalSkipsChildren = _mutant(
    "IncrementalSkipsChildren",
    # FM-G1 on incremental passes: only changed companies are re-read, so an Autotask edit of a contact, device
    # or ticket never reaches the documentation side until the next full pass.
    _wrap_fn(f"{_P}.pull.PullPass._fetch_kind", _incremental_children_skipped))


def _report_ok(orig: Callable[..., Any]) -> Callable[..., Any]:
    def run_pass(self: Any, *a: Any, **kw: Any) -> Any:
        r = orig(self, *a, **kw)
        if r.status == "error":
            r.status, r.error = "ok", None
        return r

    return run_pass


FailedPassReportedOk = _mutant(
    "FailedPassReportedOk",
    # C-11: a pass aborted by a credential or permission failure reports success.
    _wrap_fn(f"{_P}.service.SyncService.run_pass", _report_ok))


# ===================================================================================== record controls (R-*)
SyncNowRunsPass = _mutant(
    "SyncNowRunsPass",
    # "Sync now" runs a whole (incremental) pass, so other records change too.
    lambda: mock.patch(f"{_P}.service.SyncService.sync_now", lambda self, kind, rid: self.run_pass(full=False)))

DeleteEnabledAllowed = _mutant(
    "DeleteEnabledAllowed",
    # R-08/Q10: a syncing (enabled) record can be deleted without disabling it first.
    lambda: mock.patch(f"{_P}.service.SyncService.delete_record",
                       lambda self, kind, rid: self.store.delete_record(kind, rid)))


# ===================================================================================== two-way push (P-*)
def _all_fields(orig: Callable[..., Any]) -> Callable[..., Any]:
    return lambda self, rec, names: orig(self, rec, self.pushable(rec.kind))


PushSendsEveryField = _mutant(
    "PushSendsEveryField",
    # P-03/Q11: a save pushes every mapped field, clobbering fields changed only in Autotask since the last pull.
    _wrap_fn(f"{_P}.push.Pusher.update_linked", _all_fields))


def _push_in_states(states: tuple[str, ...]) -> Callable[[], Any]:
    def wrapper(orig: Callable[..., Any]) -> Callable[..., Any]:
        def ui_save(self: Any, kind: str, record_id: int, changes: dict[str, Any]) -> Any:
            before = self.store.get_record(kind, record_id)
            out = orig(self, kind, record_id, changes)
            if (self.settings.two_way and before is not None and before.link is not None
                    and before.link.state in states and kind != "ticket"):
                names = sorted(k for k, v in changes.items() if k not in ("unmapped", "organization_id")
                               and before.fields.get(k) != v)
                rec = self.store.get_record(kind, record_id)
                self._pusher().update_linked(rec, names)
                out = {**out, "push": True}
            return out

        return ui_save

    return _wrap_fn(f"{_P}.service.SyncService.ui_save", wrapper)


DisabledEditPushed = _mutant(
    "DisabledEditPushed",
    # with two-way on, editing a disabled record still pushes the edit to Autotask.
    _push_in_states(("disabled",)))

OrphanEditPushed = _mutant(
    "OrphanEditPushed",
    # O-09/Q14: with two-way on, editing an orphan pushes it to Autotask.
    _push_in_states(("orphaned",)))


def _api_create_pushes(orig: Callable[..., Any]) -> Callable[..., Any]:
    def api_create(self: Any, kind: str, fields: dict[str, Any], **kw: Any) -> int:
        rid = orig(self, kind, fields, **kw)
        if self.settings.two_way and kind != "ticket" and not self.paused:
            self._push(kind, rid, [])
        return rid

    return api_create


ApiCreatePushed = _mutant(
    "ApiCreatePushed",
    # P-07: with two-way on, a record created through the API (or an import) is pushed at once.
    _wrap_fn(f"{_P}.service.SyncService.api_create", _api_create_pushes))


def _org_company_creates(orig: Callable[..., Any]) -> Callable[..., Any]:
    def org_company(self: Any, rec: Any) -> int:
        from reference_impl.sync.push import PushError

        try:
            return int(orig(self, rec))
        except PushError:
            org = self.store.get_record("organization", rec.organization_id)
            out = self.match_or_create(org, pending_create=False)
            self.store.set_link("organization", org.id, int(out.psa_id), "enabled")
            return int(out.psa_id)

    return org_company


ChildPushCreatesOrg = _mutant(
    "ChildPushCreatesOrg",
    # Q12: pushing a child of an unlinked organization pushes the organization first instead of failing with
    # "organization not synced".
    _wrap_fn(f"{_P}.push.Pusher.org_company", _org_company_creates))

UnlinkedPushErrorHidden = _mutant(
    "UnlinkedPushErrorHidden",
    # P-11/ST-03: a failed push of a never-linked record leaves no error state anywhere.
    lambda: mock.patch("reference_impl.docstore.store.DocStore.unlinked_push_errors",
                       lambda self, kind=None: {}))


def _no_type_check(orig: Callable[..., Any]) -> Callable[..., Any]:
    def check_eligible(self: Any, rec: Any) -> None:
        from reference_impl.sync.push import Ineligible
        from reference_impl.sync.push_rules import missing_for_push

        if rec.kind == "configuration":
            missing = missing_for_push("configuration", rec.fields)
            if missing:
                raise Ineligible(f"missing {', '.join(missing)}")
            return
        orig(self, rec)

    return check_eligible


PushIgnoresTypeScope = _mutant(
    "PushIgnoresTypeScope",
    # P-08: a configuration whose type is not set to sync is pushed anyway.
    _wrap_fn(f"{_P}.push.Pusher.check_eligible", _no_type_check))

def _product_without_names(orig: Callable[..., Any]) -> Callable[..., Any]:
    def product_id(self: Any, rec: Any) -> int:
        manu, model = rec.fields.get("manufacturer"), rec.fields.get("model")
        if manu and model:
            return int(orig(self, rec))
        code, cat = self.s.default_material_code, self.s.default_product_category
        return int(self.client.create("Products", {
            "name": rec.fields.get("name") or "Unknown product", "manufacturerName": manu or "Unknown",
            "manufacturerProductName": model or "Unknown", "isActive": True,
            "productBillingCodeID": int(code) if code and code.isdigit() else code,
            "productCategory": int(cat) if cat and cat.isdigit() else cat}))

    return product_id


PushWithoutManufacturer = _mutant(
    "PushWithoutManufacturer",
    # FM-C6/P-08: a configuration without manufacturer or model is pushed (its product is made up as "Unknown").
    lambda: mock.patch(f"{_P}.push.missing_for_push",
                       lambda kind, f: [] if kind != "configuration" else
                       [lbl for k, lbl in (("name", "Name"), ("configuration_type", "Type")) if f.get(k) in (None, "")]),
    _wrap_fn(f"{_P}.push.Pusher.product_id", _product_without_names))

ContactChannelsAlwaysPushed = _mutant(
    "ContactChannelsAlwaysPushed",
    # FM-K4: a new contact is pushed with email and phone although no Email Type / Phone Type is chosen.
    lambda: mock.patch(f"{_P}.push.contact_channels", lambda s, fields: dict(fields)))


def _latest(cands: list[dict[str, Any]]) -> int | None:
    from reference_impl.clock import iso, parse_at_datetime

    if not cands:
        return None

    def order(i: dict[str, Any]) -> tuple[str, int]:
        t = parse_at_datetime(i.get("createDate") or i.get("createdTime"))
        return (iso(t) if t else "", int(i["id"]))

    return int(max(cands, key=order)["id"])


PushMatchLatest = _mutant(
    "PushMatchLatest",
    # P-06/M-08: on edit+save, the newest of several matching Autotask records is linked, not the first created.
    lambda: mock.patch(f"{_P}.push.Pusher._earliest", staticmethod(_latest)))

PushMatchTakesLinked = _mutant(
    "PushMatchTakesLinked",
    # P-06/M-09: edit+save links to an Autotask record already linked to another documentation record.
    lambda: mock.patch(f"{_P}.push.Pusher._taken", lambda self, kind, psa_id: False))


# ===================================================================================== push-all (PA-*)
def _push_all_unlinked(orig: Callable[..., Any]) -> Callable[..., Any]:
    def push_all(self: Any) -> Any:
        before = {(lk.kind, lk.record_id) for lk in self.store.links()}
        out = orig(self)
        for lk in self.store.links():
            if (lk.kind, lk.record_id) not in before:
                self.store.remove_link(lk.kind, lk.record_id)
        return out

    return push_all


PushAllLeavesUnlinked = _mutant(
    "PushAllLeavesUnlinked",
    # PA-05/Q27: push-all creates the Autotask records but does not link the pushed records to them.
    _wrap_fn(f"{_P}.service.SyncService.push_all", _push_all_unlinked))


class PushAllIgnoresScope(BlindMutant):
    """PA-07/P-08: push-all sends organizations and configurations whose type is not set to sync."""

    def push_all(self) -> None:
        def eligible(pusher: Any, rec: Any) -> None:
            from reference_impl.sync.push import Ineligible
            from reference_impl.sync.push_rules import missing_for_push

            if rec.kind in ("contact", "location") or missing_for_push(rec.kind, rec.fields):
                return orig(pusher, rec)
            if rec.kind == "organization" and not rec.fields.get("name"):
                raise Ineligible("no name")

        from reference_impl.sync.push import Pusher

        orig = Pusher.check_eligible
        with mock.patch.object(Pusher, "check_eligible", eligible):
            super().push_all()


# ===================================================================================== disconnect (D-*)
def _remove_active_links_only(self: Any) -> int:
    n = 0
    for lk in self.links():
        if lk.active:
            self.remove_link(lk.kind, lk.record_id)
            n += 1
    return n


DisconnectKeepsInactiveLinks = _mutant(
    "DisconnectKeepsInactiveLinks",
    # D-02: "disconnect, keep data" only unlinks syncing records; orphaned and disabled ones keep their link.
    lambda: mock.patch("reference_impl.docstore.store.DocStore.remove_all_links", _remove_active_links_only))


def _delete_disabled_too(orig: Callable[..., Any]) -> Callable[..., Any]:
    def disconnect(self: Any, mode: str = "keep", **kw: Any) -> Any:
        if mode in ("delete_all", "delete-all", "deleteAll"):
            for lk in self.store.links("organization"):
                if lk.state == "disabled":
                    self.store.set_link_state("organization", lk.record_id, "enabled")
        return orig(self, mode, **kw)

    return disconnect


DeleteAllTakesDisabled = _mutant(
    "DeleteAllTakesDisabled",
    # D-07/Q18: "delete all data" also deletes organizations whose sync was disabled.
    _wrap_fn(f"{_P}.service.SyncService.disconnect", _delete_disabled_too))


# ===================================================================================== counts and status (ST-*)
def _errors_as_synced(orig: Callable[..., Any]) -> Callable[..., Any]:
    def summary(self: Any) -> Any:
        out = orig(self)
        for v in out.values():
            v["synced"] += v["errors"]
            v["errors"] = 0
        return out

    return summary


ErrorsCountedAsSynced = _mutant(
    "ErrorsCountedAsSynced",
    # ST-05: records in the sync-error state are counted as synced.
    _wrap_fn(f"{_P}.service.SyncService.summary", _errors_as_synced))

FilterOffersEveryState = _mutant(
    "FilterOffersEveryState",
    # ST-06: the Sync Status filter offers every state, including states no record holds.
    lambda: mock.patch(f"{_P}.service.SyncService.status_filter_options",
                       lambda self, kind: ["enabled", "orphaned", "disabled", "error"]))


# ===================================================================================== field mapping (FM-*)
def _product_name(r: dict[str, Any], c: Any) -> Any:
    from reference_impl.sync.mapping import _product, _s

    return _s(_product(r, c).get("name"))


CiNameIgnoresReference = _mutant(
    "CiNameIgnoresReference",
    # FM-C1: the configuration name is always the product name, even when a Reference Name is set.
    _remap("configuration", "name", _product_name))


def _pre_links(orig: Callable[..., Any]) -> Callable[..., Any]:
    def apply(self: Any, fx: Any) -> None:
        self._blind_pre = {lk.psa_id for lk in self.store.links("organization") if lk.active}
        orig(self, fx)

    return apply


def _parents_need_prior_link(orig: Callable[..., Any]) -> Callable[..., Any]:
    def finish_parents(self: Any, companies: list[dict[str, Any]]) -> None:
        orig(self, companies)
        pre: set[int] = getattr(self, "_blind_pre", set())
        for co in companies:
            hit = self.local["organization"].get(int(co["id"]))
            parent = co.get("parentCompanyID")
            if hit is not None and isinstance(parent, int) and parent not in pre:
                rec = self.store.get_record("organization", hit[0])
                if rec is not None and rec.fields.get("parent_id") is not None:
                    self.store.update_record("organization", hit[0], {"parent_id": None})

    return finish_parents


ParentNeedsPriorLink = _mutant(
    "ParentNeedsPriorLink",
    # FM-O3: the parent is resolved against the links that existed before the pass, so a parent and child pulled
    # in the same pass leave Parent Organization empty.
    _wrap_fn(f"{_P}.pull.PullPass.apply", _pre_links),
    _wrap_fn(f"{_P}.pull.PullPass._finish_parents", _parents_need_prior_link))


# ===================================================================================== settings (SC-08/SC-09)
def _no_sc09(orig: Callable[..., Any]) -> Callable[..., Any]:
    def validate(settings: Any, manager: Any, **kw: Any) -> Any:
        v = orig(settings, manager, **kw)
        v.problems = [p for p in v.problems if p.rule != "SC-09"]
        return v

    return validate


MaterialCodeNotRequired = _mutant(
    "MaterialCodeNotRequired",
    # SC-09: settings without a Default Material Code / Product Category are accepted.
    _wrap_fn(f"{_P}.service.validate_settings", _no_sc09))


# ===================================================================================== second round (after the first measure)
def _filter_links_only(self: Any, kind: str) -> list[str]:
    counts = self.store.link_counts().get(kind, {})
    return [s for s in ("enabled", "orphaned", "disabled", "error") if counts.get(s, 0) > 0]


FilterMissesUnlinkedErrors = _mutant(
    "FilterMissesUnlinkedErrors",
    # ST-06/P-11: the Sync Status filter is built from the links only, so a record whose first push failed (error
    # state, no Autotask id yet) cannot be filtered for.
    lambda: mock.patch(f"{_P}.service.SyncService.status_filter_options", _filter_links_only))


def _remember_first_manager(orig: Callable[..., Any]) -> Callable[..., Any]:
    def store_settings(self: Any, settings: Any) -> None:
        if getattr(self, "_blind_manager", None) is None:
            self._blind_manager = settings.default_account_manager
        orig(self, settings)

    return store_settings


def _pusher_with_first_manager(orig: Callable[..., Any]) -> Callable[..., Any]:
    def pusher(self: Any) -> Any:
        p = orig(self)
        first = getattr(self, "_blind_manager", None)
        if first is not None:
            p.s = p.s.with_(default_account_manager=first)
        return p

    return pusher


OwnerFromFirstSettings = _mutant(
    "OwnerFromFirstSettings",
    # FM-O1/P-09/SC-08: the Default Account Manager is read once (the first settings saved); choosing another one
    # later still makes the first the owner of new companies.
    _wrap_fn(f"{_P}.service.SyncService._store_settings", _remember_first_manager),
    _wrap_fn(f"{_P}.service.SyncService._pusher", _pusher_with_first_manager))


def _contacts_gate_skipped(orig: Callable[..., Any]) -> Callable[..., Any]:
    def check_eligible(self: Any, rec: Any) -> None:
        if rec.kind == "contact" and not self.s.contacts_enabled:
            self.s = self.s.with_(contacts_enabled=True)
            try:
                return orig(self, rec)
            finally:
                self.s = self.s.with_(contacts_enabled=False)
        return orig(self, rec)

    return check_eligible


ContactPushedWithContactsOff = _mutant(
    "ContactPushedWithContactsOff",
    # SC-04/SC-14/P-08: with contact sync off, a contact saved in the documentation is still pushed to Autotask.
    _wrap_fn(f"{_P}.push.Pusher.check_eligible", _contacts_gate_skipped))


def _ad_one_type_enough(orig: Callable[..., Any]) -> Callable[..., Any]:
    def ad_create(self: Any, kind: str, fields: dict[str, Any], **kw: Any) -> Any:
        s = self.settings
        if s.two_way and (s.ad_email_type or s.ad_phone_type) and not (s.ad_email_type and s.ad_phone_type):
            rid = self.store.create_record(kind, dict(fields), organization_id=kw.get("organization_id"),
                                           unmapped=kw.get("unmapped"))
            return {"id": rid, "push": True, "outcome": self._push(kind, rid, []).to_json()}
        return orig(self, kind, fields, **kw)

    return ad_create


AdContactPushedWithOneType = _mutant(
    "AdContactPushedWithOneType",
    # P-10: an AD contact is pushed automatically when only one of AD Email Type / AD Phone Type is chosen.
    _wrap_fn(f"{_P}.service.SyncService.ad_create", _ad_one_type_enough))


# ===================================================================================== third round (after the suites' names were known)
TicketNumberCasefold = _mutant(
    "TicketNumberCasefold",
    # M-05/M-06: ticket numbers compared case-insensitively, so "t20251201.0001" claims "T20251201.0001".
    lambda: mock.patch(f"{_P}.plan.ticket_key", lambda n: _simple_key(_fold(n))))


def _ignore_pause(orig: Callable[..., Any]) -> Callable[..., Any]:
    def run_pass(self: Any, *a: Any, **kw: Any) -> Any:
        row = self.store.get_integration()
        if row and row.get("paused"):
            self.store.save_integration(paused=0)
            try:
                return orig(self, *a, **kw)
            finally:
                self.store.save_integration(paused=1, status="Paused")
        return orig(self, *a, **kw)

    return run_pass


PausedStillPulls = _mutant(
    "PausedStillPulls",
    # P-14/D-01: a pass run while the integration is paused still pulls.
    _wrap_fn(f"{_P}.service.SyncService.run_pass", _ignore_pause))


def _denied_kind_is_empty(orig: Callable[..., Any]) -> Callable[..., Any]:
    def fetch_kind(self: Any, kind: str, base: Any, marks: Any) -> Any:
        from reference_impl.client import AutotaskError

        if kind == "organization":
            return orig(self, kind, base, marks)
        try:
            return orig(self, kind, base, marks)
        except AutotaskError:
            return [], True  # "no permission on this entity: nothing there"

    return fetch_kind


DeniedFetchIsEmpty = _mutant(
    "DeniedFetchIsEmpty",
    # C-11/O-08: a failed fetch of contacts, devices or tickets is read as "there are none", which orphans them.
    _wrap_fn(f"{_P}.pull.PullPass._fetch_kind", _denied_kind_is_empty))

ManualAddressIgnored = _mutant(
    "ManualAddressIgnored",
    # FM-K1: a contact's hand-typed address is dropped instead of becoming an unsynced location.
    lambda: mock.patch(f"{_P}.pull.CONTACT_ADDRESS_FIELDS", ()))


def _delete_in_autotask_too(orig: Callable[..., Any]) -> Callable[..., Any]:
    def delete_record(self: Any, kind: str, rid: int) -> None:
        rec = self.store.get_record(kind, rid)
        orig(self, kind, rid)
        if rec is not None and rec.link is not None and kind in ("contact", "location"):
            company = self.store.get_link("organization", int(rec.organization_id or 0))
            if company is not None:
                seg = "Contacts" if kind == "contact" else "Locations"
                try:
                    self.client().request("DELETE", f"Companies/{company.psa_id}/{seg}/{rec.link.psa_id}",
                                          entity="Contacts" if kind == "contact" else "CompanyLocations")
                except Exception:  # noqa: BLE001 - best effort, as the defect would be written
                    pass

    return delete_record


LocalDeleteDeletesInAutotask = _mutant(
    "LocalDeleteDeletesInAutotask",
    # P-13: deleting a (disabled or orphaned) contact or location in the documentation deletes it in Autotask too.
    _wrap_fn(f"{_P}.service.SyncService.delete_record", _delete_in_autotask_too))


def _switch_off_keeps(setting: str, kind: str) -> Callable[[], Any]:
    def wrapper(orig: Callable[..., Any]) -> Callable[..., Any]:
        def fetch(self: Any) -> Any:
            fx = orig(self)
            if not getattr(self.s, setting):
                fx.complete[kind] = False  # "nothing fetched, so nothing to decide"
            return fx

        return fetch

    return _wrap_fn(f"{_P}.pull.PullPass.fetch", wrapper)


ContactsOffOrphansNothing = _mutant(
    "ContactsOffOrphansNothing",
    # O-03/SC-04: turning contact sync off leaves the synced contacts enabled instead of orphaning them.
    _switch_off_keeps("contacts_enabled", "contact"))

LocationsOffOrphansNothing = _mutant(
    "LocationsOffOrphansNothing",
    # O-03/SC-05: turning location sync off leaves the synced locations enabled instead of orphaning them.
    _switch_off_keeps("locations_enabled", "location"))


def _no_move_check(orig: Callable[..., Any]) -> Callable[..., Any]:
    def update_linked(self: Any, rec: Any, names: list[str]) -> Any:
        if rec.link is not None:
            rec.link = dataclasses.replace(rec.link, psa_company_id=None)
            orig_get = self.client.get
            self.client.get = lambda entity, pid: None  # the company check finds nothing to compare
            try:
                return orig(self, rec, names)
            finally:
                self.client.get = orig_get
        return orig(self, rec, names)

    return update_linked


MovePushedSilently = _mutant(
    "MovePushedSilently",
    # FM-C7/FM-K3: moving a synced device or contact to another organization is pushed as if nothing happened
    # (Autotask ignores the company change), instead of failing with a sync error.
    _wrap_fn(f"{_P}.push.Pusher.update_linked", _no_move_check))


# ===================================================================================== registry
def _m(name: str, cls: type[BlindMutant], rules: tuple[str, ...], edge: str = "") -> Mutant:
    return Mutant(name, cls, rules, KILLERS.get(name, ()), edge)


# The suite tests measured to kill each defect (tried first, so tests/conformance/test_mutants_blind.py stays fast;
# a defect whose listed killer stops failing is still looked for in every other suite test).
KILLERS: dict[str, tuple[str, ...]] = {
    "api_create_pushed": ("test_PA03_push_all_carries_no_parents",),
    "blank_type_always_synced": ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",),
    "blank_type_not_autotask_default": ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",),
    "child_push_creates_org": ("test_Q12_a_child_of_an_unlinked_organization_is_a_sync_error",),
    "ci_name_ignores_reference": ("test_FMC1_a_configuration_is_named_by_its_reference_name_else_its_product",),
    "classification_sync_ignored": ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",),
    "config_both_not_preferred": ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",),
    "contact_first_name_only": ("test_M03_contacts_match_first_and_last_name_within_the_org",),
    "contact_name_casefold": ("test_M03_contacts_match_first_and_last_name_within_the_org",),
    "contact_pushed_with_contacts_off": ("test_SC04_P08_with_contact_sync_off_no_contact_is_pushed",),
    "contacts_toggle_ignored": ("test_M03_contacts_match_first_and_last_name_within_the_org",),
    "delete_enabled_allowed": ("test_R08_an_enabled_record_cannot_be_deleted_until_disabled",),
    "disabled_counterpart_duplicated": ("test_M12_M07_the_siblings_of_a_disabled_record_keep_syncing",),
    "disabled_edit_pushed": ("test_R01_editing_a_disabled_record_with_two_way_on_pushes_nothing",),
    "disabled_is_candidate": ("test_M12_Q9_a_disabled_contact_is_no_candidate_for_a_new_autotask_contact",),
    "failed_pass_reported_ok": ("test_O08_C11_a_failed_or_partial_fetch_changes_nothing",),
    "filter_misses_unlinked_errors": ("test_P11_ST03_ST05_a_failed_first_push_shows_the_error_state",),
    "inactive_device_orphaned": ("test_Q21_an_inactive_device_stays_linked_with_status_inactive",),
    "incremental_skips_children": ("test_SC10_FMG1_an_incremental_pass_brings_every_autotask_change",),
    "incremental_treated_as_complete": ("test_SC10_FMG1_an_incremental_pass_brings_every_autotask_change",),
    "location_ignores_country": ("test_M04_locations_match_on_the_full_address_within_the_org",),
    "location_matches_on_name": ("test_M04_locations_match_on_the_full_address_within_the_org",),
    "locations_toggle_ignored": ("test_M04_locations_match_on_the_full_address_within_the_org",),
    "mac_compared_raw": ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",),
    "material_code_not_required": ("test_SC09_settings_without_a_material_code_or_product_category_are_refused",),
    "org_name_trimmed": ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",),
    "orphan_drops_link": ("test_M13_orphans_are_candidates_when_autotask_recreates_the_record",),
    "orphan_edit_pushed": ("test_O09_editing_an_orphan_with_two_way_on_writes_nothing",),
    "orphan_no_cascade": ("test_O03_O04_O06_scope_loss_orphans_with_children_and_scope_return_relinks",),
    "pull_reenables_disabled": ("test_M12_disabled_records_are_left_alone_and_not_duplicated",),
    "push_ignores_type_scope": ("test_FMC4_SC02_a_configuration_typed_autotask_default_is_pushed_without_a_type",),
    "push_sends_every_field": ("test_P02_P03_saving_a_mapped_field_pushes_only_that_change",),
    "relink_duplicates": ("test_O03_O04_O06_scope_loss_orphans_with_children_and_scope_return_relinks",),
    "serial_casefold": ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",),
    "sync_now_runs_pass": ("test_R03_sync_now_pulls_that_one_record_and_nothing_else",),
    "ticket_window_created_only": ("test_T02_tickets_outside_the_months_window_are_not_imported",),
    "ticket_window_year_wrap": ("test_T02_tickets_outside_the_months_window_are_not_imported",),
    "tie_by_lowest_id": ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",),
    "unchanged_in_autotask_skipped": ("test_R02_Q19_edits_made_while_disabled_are_overwritten_after_enabling",),
    "unclassified_always_synced": ("test_FMO3_parent_organization_only_when_the_parent_is_linked",),
    "unlinked_push_error_hidden": ("test_P11_ST03_ST05_a_failed_first_push_shows_the_error_state",),
    "ad_contact_pushed_with_one_type": ('test_P10_ad_contacts_are_pushed_only_with_an_email_and_a_phone_type',),
    "contact_channels_always_pushed": ("test_FMK4_a_new_contact_is_pushed_without_the_channels_no_type_was_chosen_for",),
    "delete_all_takes_disabled": ('test_D02_D07_Q18_disconnect_with_orphaned_and_disabled_records', 'test_D07_option2_deletes_only_linked_organizations_and_their_children'),
    "disconnect_keeps_inactive_links": ('test_D02_D07_Q18_disconnect_with_orphaned_and_disabled_records', 'test_D02_option1_clears_every_link_keeps_data_writes_nothing'),
    "errors_counted_as_synced": ('test_P11_ST03_ST05_a_failed_first_push_shows_the_error_state', 'test_ST05_counts_equal_link_states_after_every_operation'),
    "filter_offers_every_state": ("test_ST06_the_status_filter_offers_exactly_the_states_records_hold",),
    "owner_from_first_settings": ('test_P05_P06_an_explicit_save_matches_autotask_or_creates',),
    "parent_needs_prior_link": ('test_FMO3_parent_organization_only_when_the_parent_is_linked', 'test_FMO3_Q16_parents_follow_linked_companies_and_never_form_a_cycle'),
    "push_all_ignores_scope": ("test_PA07_push_all_pushes_only_records_set_to_sync",),
    "push_all_leaves_unlinked": ('test_PA02_PA05_push_all_creates_without_matching_and_links',),
    "push_match_latest": ('test_P05_P06_an_explicit_save_matches_autotask_or_creates',),
    "push_match_takes_linked": ('test_P05_P06_an_explicit_save_matches_autotask_or_creates', 'test_P06_M02_M03_M08_M09_saving_an_unlinked_child_matches_inside_its_company'),
    "push_without_manufacturer": ("test_P08_FMC6_records_not_set_to_sync_are_not_pushed",),
    "ticket_number_casefold": ("test_M05_T01_T03_T06_tickets_match_on_number_within_the_org_and_only_selected_queues",),
    "paused_still_pulls": ("test_D01_pause_lets_the_running_pass_finish_and_stops_the_next",),
    "denied_fetch_is_empty": ("test_O08_C11_a_failed_or_partial_fetch_changes_nothing",),
    "manual_address_ignored": ("test_FMK1_a_typed_contact_address_becomes_one_unsynced_location",),
    "local_delete_deletes_in_autotask": ("test_P13_deleting_in_the_documentation_never_deletes_in_autotask",),
    "contacts_off_orphans_nothing": ("test_O03_SC11_a_setting_unchecked_orphans_what_it_no_longer_covers",),
    "locations_off_orphans_nothing": ("test_O03_SC11_a_setting_unchecked_orphans_what_it_no_longer_covers",),
    "move_pushed_silently": ("test_FMC7_FMK3_moving_a_synced_record_to_another_organization_is_a_sync_error",),
}


BLIND_MUTANTS: dict[str, Mutant] = {m.name: m for m in [
    _m("org_name_trimmed", OrgNameTrimmed, ("M-06", "Q1", "M-01")),
    _m("contact_name_casefold", ContactNameCasefold, ("M-03", "M-06", "Q1")),
    _m("contact_first_name_only", ContactFirstNameOnly, ("M-03",)),
    _m("mac_compared_raw", MacComparedRaw, ("M-02", "Q1")),
    _m("serial_casefold", SerialCasefold, ("M-02", "M-06")),
    _m("location_ignores_country", LocationIgnoresCountry, ("M-04",)),
    _m("location_matches_on_name", LocationMatchesOnName, ("M-04",)),
    _m("config_both_not_preferred", ConfigBothNotPreferred, ("M-08",)),
    _m("tie_by_lowest_id", TieByLowestId, ("M-08", "Q5")),
    _m("disabled_is_candidate", DisabledIsCandidate, ("M-12", "Q9")),
    _m("disabled_counterpart_duplicated", DisabledCounterpartDuplicated, ("M-12", "R-06")),
    _m("pull_reenables_disabled", PullReenablesDisabled, ("R-01", "M-12")),
    _m("relink_duplicates", RelinkDuplicates, ("O-06", "M-09")),
    _m("unchanged_in_autotask_skipped", UnchangedInAutotaskSkipped, ("R-02", "FM-G1", "Q19")),
    _m("classification_sync_ignored", ClassificationSyncIgnored, ("SC-01",)),
    _m("unclassified_always_synced", UnclassifiedAlwaysSynced, ("SC-01",)),
    _m("blank_type_always_synced", BlankTypeAlwaysSynced, ("SC-02",)),
    _m("blank_type_not_autotask_default", BlankTypeNotAutotaskDefault, ("SC-02", "FM-C4")),
    _m("inactive_device_orphaned", InactiveDeviceOrphaned, ("Q21", "O-03")),
    _m("contacts_toggle_ignored", ContactsToggleIgnored, ("SC-04",)),
    _m("locations_toggle_ignored", LocationsToggleIgnored, ("SC-05",)),
    _m("ticket_window_created_only", TicketWindowCreatedOnly, ("SC-07", "T-02")),
    _m("ticket_window_year_wrap", TicketWindowYearWrap, ("SC-07", "Q23")),
    _m("orphan_no_cascade", OrphanNoCascade, ("O-04",)),
    _m("orphan_drops_link", OrphanDropsLink, ("O-01", "O-05", "ST-03")),
    _m("incremental_treated_as_complete", IncrementalTreatedAsComplete, ("O-08",)),
    _m("incremental_skips_children", IncrementalSkipsChildren, ("FM-G1",)),
    _m("failed_pass_reported_ok", FailedPassReportedOk, ("C-11",)),
    _m("sync_now_runs_pass", SyncNowRunsPass, ("R-03",)),
    _m("delete_enabled_allowed", DeleteEnabledAllowed, ("R-08", "Q10")),
    _m("push_sends_every_field", PushSendsEveryField, ("P-03", "Q11")),
    _m("disabled_edit_pushed", DisabledEditPushed, ("R-01",)),
    _m("orphan_edit_pushed", OrphanEditPushed, ("O-09", "Q14")),
    _m("api_create_pushed", ApiCreatePushed, ("P-07",)),
    _m("child_push_creates_org", ChildPushCreatesOrg, ("Q12",)),
    _m("unlinked_push_error_hidden", UnlinkedPushErrorHidden, ("P-11", "ST-03")),
    _m("push_ignores_type_scope", PushIgnoresTypeScope, ("P-08",)),
    _m("push_without_manufacturer", PushWithoutManufacturer, ("FM-C6", "P-08")),
    _m("contact_channels_always_pushed", ContactChannelsAlwaysPushed, ("FM-K4",)),
    _m("push_match_latest", PushMatchLatest, ("P-06", "M-08")),
    _m("push_match_takes_linked", PushMatchTakesLinked, ("P-06", "M-09")),
    _m("push_all_leaves_unlinked", PushAllLeavesUnlinked, ("PA-05", "Q27")),
    _m("push_all_ignores_scope", PushAllIgnoresScope, ("PA-07",)),
    _m("disconnect_keeps_inactive_links", DisconnectKeepsInactiveLinks, ("D-02",)),
    _m("delete_all_takes_disabled", DeleteAllTakesDisabled, ("D-07", "Q18")),
    _m("errors_counted_as_synced", ErrorsCountedAsSynced, ("ST-05",)),
    _m("filter_offers_every_state", FilterOffersEveryState, ("ST-06",)),
    _m("ci_name_ignores_reference", CiNameIgnoresReference, ("FM-C1",)),
    _m("parent_needs_prior_link", ParentNeedsPriorLink, ("FM-O3",)),
    _m("material_code_not_required", MaterialCodeNotRequired, ("SC-09",)),
    _m("filter_misses_unlinked_errors", FilterMissesUnlinkedErrors, ("ST-06", "P-11")),
    _m("owner_from_first_settings", OwnerFromFirstSettings, ("FM-O1", "P-09")),
    _m("contact_pushed_with_contacts_off", ContactPushedWithContactsOff, ("SC-04", "SC-14", "P-08")),
    _m("ad_contact_pushed_with_one_type", AdContactPushedWithOneType, ("P-10",)),
    _m("ticket_number_casefold", TicketNumberCasefold, ("M-05", "M-06")),
    _m("paused_still_pulls", PausedStillPulls, ("P-14", "D-01")),
    _m("denied_fetch_is_empty", DeniedFetchIsEmpty, ("C-11", "O-08")),
    _m("manual_address_ignored", ManualAddressIgnored, ("FM-K1",)),
    _m("local_delete_deletes_in_autotask", LocalDeleteDeletesInAutotask, ("P-13",)),
    _m("contacts_off_orphans_nothing", ContactsOffOrphansNothing, ("O-03", "SC-04")),
    _m("locations_off_orphans_nothing", LocationsOffOrphansNothing, ("O-03", "SC-05")),
    _m("move_pushed_silently", MovePushedSilently, ("FM-C7", "FM-K3")),
]}
