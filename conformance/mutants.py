"""Deliberately wrong adapters: each breaks one rule the way a naive implementation would.

They prove the suites bite (``tests/conformance/test_mutants.py``: every mutant must make at least one suite test
fail; the reference adapter must make none fail). A mutant wraps the reference adapter and corrupts behaviour either
at the adapter boundary or by swapping one of reference_impl's pure functions *while the mutant's own calls run*
(``unittest.mock.patch`` around each call, restored afterwards). reference_impl itself is never edited.

``MUTANTS`` maps a name to ``(factory, rules it breaks, suite tests expected to catch it)``; the kill test tries the
expected killers first and then every other suite test, so a mutant counts as killed only by a real failure.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from unittest import mock

from conformance.adapter import ReferenceAdapter, Refused


class MutantAdapter(ReferenceAdapter):
    """A reference adapter whose calls run with ``patches()`` applied."""

    def patches(self) -> list[Any]:
        return []

    @contextlib.contextmanager
    def _patched(self) -> Iterator[None]:
        with contextlib.ExitStack() as stack:
            for p in self.patches():
                stack.enter_context(p)
            yield

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        with self._patched():
            return super().run_pass(full)

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        with self._patched():
            super().edit_and_save(kind, record_id, changes)

    def apply_settings(self, settings: dict[str, Any]) -> None:
        with self._patched():
            super().apply_settings(settings)

    def push_all(self) -> None:
        with self._patched():
            super().push_all()


# ------------------------------------------------------------------------------------------ §16.1
class OrphanOnFailedFetch(MutantAdapter):
    """A failed pass is read as "everything is gone": every active link is orphaned (C-11, O-08)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if not r["ok"]:
            for lk in self.svc.store.links():
                if lk.state in ("enabled", "error"):
                    self.svc.store.set_link_state(lk.kind, lk.record_id, "orphaned")
        return r


# ------------------------------------------------------------------------------------------ §16.2
def _and_match(wanted: Any, candidates: Any) -> dict[int, int | None]:
    """Serial AND MAC, as the ConnectWise rule (M-02 violated)."""
    from reference_impl.sync.matching import _order

    cands = sorted((c for c in candidates if c.eligible), key=_order)
    claimed: set[int] = set()
    out: dict[int, int | None] = {}
    for w in sorted(wanted, key=lambda w: w.psa_id):
        hit = next((c for c in cands if c.record_id not in claimed and c.org_id == w.org_id and w.serial is not None
                    and c.serial == w.serial and c.mac == w.mac), None)
        out[w.psa_id] = hit.record_id if hit else None
        if hit:
            claimed.add(hit.record_id)
    return out


class ConfigAndInsteadOfOr(MutantAdapter):
    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.plan.match_configurations", _and_match)]


class ConfigAcrossOrganizations(MutantAdapter):
    """Configurations matched against every organization's configurations (M-14 violated)."""

    def patches(self) -> list[Any]:
        import reference_impl.sync.plan as P

        original = P.plan
        store = self.svc.store

        def plan(kind: str, at_records: Any, records: Any, **kw: Any) -> Any:
            if kind == "configuration":
                records = store.list_records("configuration")
            return original(kind, at_records, records, **kw)

        return [mock.patch.object(P, "plan", plan)]


# ------------------------------------------------------------------------------------------ §16.3
def _blank_equal_serial(v: Any) -> str:
    return "" if v is None else str(v)


class BlankSerialsMatch(MutantAdapter):
    """Blank serials compare equal (M-11 violated)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.plan.serial_key", _blank_equal_serial)]


# ------------------------------------------------------------------------------------------ §16.4
class _Rev:
    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, o: Any) -> bool:
        return o.v < self.v

    def __eq__(self, o: Any) -> bool:
        return self.v == o.v


class LatestCreatedWins(MutantAdapter):
    """Ties go to the most recently created record (M-08 violated)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.matching._order", lambda c: _Rev((c.created_at, c.record_id)))]


def _non_injective_simple(wanted: Any, candidates: Any) -> dict[int, int | None]:
    from reference_impl.sync.matching import _order

    cands = sorted((c for c in candidates if c.eligible and c.key is not None), key=_order)
    return {w.psa_id: next((c.record_id for c in cands if (c.org_id, c.key) == (w.org_id, w.key)), None)
            for w in wanted}


class NotInjective(MutantAdapter):
    """An already-claimed record is claimed again by the next Autotask record with the same key (M-09)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.plan.match_simple", _non_injective_simple)]


class CaseInsensitiveNames(MutantAdapter):
    """Organization names compared case-insensitively and trimmed (M-06 / Q1 violated)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync import matching

        return [mock.patch("reference_impl.sync.plan.org_key",
                           lambda name: matching.org_key(name.strip().lower() if isinstance(name, str) else name))]


# ------------------------------------------------------------------------------------------ §16.5
class DisableUnlinks(MutantAdapter):
    """"Disable sync" drops the link, so the next pull re-matches or duplicates the record (M-12, R-01)."""

    def disable(self, kind: str, record_id: Any) -> None:
        rec = self.svc.store.get_record(kind, record_id)
        if rec is None or rec.link is None:
            raise Refused("not synced")
        self.svc.store.remove_link(kind, record_id)


class OrphansNotCandidates(MutantAdapter):
    """Orphans are excluded from matching, so an Autotask re-create duplicates the record (M-13)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.matching import Candidate

        return [mock.patch.object(Candidate, "eligible", property(lambda c: c.link_state is None))]


# ------------------------------------------------------------------------------------------ §16.6
class PushExistingOnTwoWay(MutantAdapter):
    """Turning two-way on pushes every existing linked organization (P-04 violated)."""

    def apply_settings(self, settings: dict[str, Any]) -> None:
        super().apply_settings(settings)
        if settings.get("two_way"):
            client = self.svc.client()
            for r in self.svc.records("organization"):
                if r["sync"] and r["sync"]["state"] == "enabled":
                    client.update("Companies", {"id": r["sync"]["psa_id"], "companyName": r["name"]})


# ------------------------------------------------------------------------------------------ §16.7
class PushAllMatches(MutantAdapter):
    """Push-all links to existing companies of the same name instead of creating duplicates (PA-02)."""

    def push_all(self) -> None:
        client = self.svc.client()
        existing = {c.get("companyName"): c["id"] for c in client.query_all("Companies", None, ["id", "companyName"])}
        taken: set[int] = set()
        for r in self.svc.store.list_records("organization"):
            name = r.fields.get("name")
            if r.link is None and name in existing and existing[name] not in taken:
                taken.add(existing[name])
                self.svc.store.set_link("organization", r.id, int(existing[name]), "enabled")
        super().push_all()


# ------------------------------------------------------------------------------------------ §16.8
class ReconnectRemembersLinks(MutantAdapter):
    """Option 1 forgets the integration but keeps the links, so a reconnect silently resumes old links (D-02/D-03)."""

    def disconnect(self, mode: str) -> None:
        if mode != "keep":
            return super().disconnect(mode)
        self._require("disconnect")
        links = self.svc.store.links()
        super().disconnect(mode)
        for lk in links:
            self.svc.store.set_link(lk.kind, lk.record_id, lk.psa_id, lk.state)


class DeleteAllTakesStandalone(MutantAdapter):
    """Option 2 deletes every organization, linked or not (D-07)."""

    def disconnect(self, mode: str) -> None:
        if mode == "delete":
            for r in self.svc.store.list_records("organization"):
                if r.link is None:
                    self.svc.store.delete_record("organization", r.id)
        super().disconnect(mode)


# ------------------------------------------------------------------------------------------ §16.9 / ST-05
class CountsIncludeUnlinked(MutantAdapter):
    """Manage Data counts every record as synced, unsynced contact-address locations included (ST-05, FM-K1)."""

    def summary(self) -> dict[str, dict[str, int]]:
        out = super().summary()
        for kind, row in out.items():
            row["synced"] = len(self.svc.records(kind)) - row["orphaned"] - row["disconnected"] - row["errors"]
        return out


# ------------------------------------------------------------------------------------------ §16.10
class ApiOnlyManagerAccepted(MutantAdapter):
    """Settings validation skips the account-manager check (SC-08)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.settings import validate_settings

        return [mock.patch("reference_impl.sync.service.validate_settings",
                           lambda s, m, **kw: validate_settings(s, None, manager_lookup_done=False))]


# ------------------------------------------------------------------------------------------ other naive habits
class PullClobbersUnmapped(MutantAdapter):
    """A pull rewrites whole records, losing unmapped documentation data (FM-G3)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        for kind in ("organization", "configuration", "contact"):
            for rec in self.svc.store.list_records(kind):
                if rec.link is not None and rec.unmapped:
                    self.svc.store.set_unmapped(kind, rec.id, {})
        return r


class PassTouchesAutotask(MutantAdapter):
    """Every pass writes the pulled names back to Autotask (P-01, idempotence)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if r["ok"]:
            client = self.svc.client()
            for rec in self.svc.records("organization"):
                if rec["sync"] and rec["sync"]["state"] == "enabled":
                    client.update("Companies", {"id": rec["sync"]["psa_id"], "companyName": rec["name"]})
        return r


class OrphanWithoutCascade(MutantAdapter):
    """Orphaning an organization leaves its children enabled (O-04)."""

    def patches(self) -> list[Any]:
        return [mock.patch.object(self.svc.store, "orphan_children", lambda org_id: {})]


class PullUpdatesOrphans(MutantAdapter):
    """Pulls keep writing an orphaned organization's fields (O-05)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if r["ok"]:
            companies = {c["id"]: c for c in self.svc.client().query_all("Companies", None, ["id", "companyName"])}
            for lk in self.svc.store.links("organization"):
                c = companies.get(lk.psa_id)
                if lk.state == "orphaned" and c is not None:
                    self.svc.store.update_record("organization", lk.record_id, {"name": c["companyName"]})
        return r


# ------------------------------------------------------------------------------------------ locations (M-04)
class LocationPartialAddress(MutantAdapter):
    """Locations matched on Address 1 and City only: Address 2, State and Country ignored (M-04)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.matching import simple_key

        return [mock.patch("reference_impl.sync.plan.location_key",
                           lambda a1, a2, city, state, country: simple_key(a1, city))]


# ------------------------------------------------------------------------------------------ tickets (M-05, T-*)
class TicketsAcrossOrganizations(MutantAdapter):
    """Tickets matched on their number against every organization's tickets (M-05, M-14 violated)."""

    def patches(self) -> list[Any]:
        import reference_impl.sync.plan as P

        original = P.plan
        store = self.svc.store

        def plan(kind: str, at_records: Any, records: Any, **kw: Any) -> Any:
            if kind == "ticket":
                records = store.list_records("ticket")
            return original(kind, at_records, records, **kw)

        return [mock.patch.object(P, "plan", plan)]


class TicketQueuesIgnored(MutantAdapter):
    """Tickets of every queue are synced, whatever the queue selection (T-01, SC-07)."""

    def apply_settings(self, settings: dict[str, Any]) -> None:
        if settings.get("queues"):
            from conformance.world import QUEUES

            settings = {**settings, "queues": [str(q) for q in QUEUES.values()]}
        super().apply_settings(settings)


class TicketsOfUnlinkedCompaniesParked(MutantAdapter):
    """Tickets whose company is not linked are parked in the first organization (T-06, CR-03)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        s = self.svc.settings
        if not r["ok"] or not s.queues:
            return r
        orgs = sorted(self.svc.store.list_records("organization"), key=lambda o: o.id)
        if not orgs:
            return r
        linked_cos = {lk.psa_id for lk in self.svc.store.links("organization")}
        taken = {lk.psa_id for lk in self.svc.store.links("ticket")}
        for t in self.svc.client().query_all("Tickets", None, ["id", "companyID", "ticketNumber", "queueID"]):
            if t["companyID"] not in linked_cos and t["id"] not in taken and str(t.get("queueID")) in s.queues:
                rid = self.svc.store.create_record("ticket", {"ticket_number": t.get("ticketNumber")},
                                                   organization_id=orgs[0].id)
                self.svc.store.set_link("ticket", rid, int(t["id"]), "enabled")
        return r


class TicketWindowIgnored(MutantAdapter):
    """"Sync Tickets Updated Within the Last N months" is ignored (T-02, Q23)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.scope.ticket_window_start", lambda s, now: None),
                mock.patch("reference_impl.sync.pull_fetch.ticket_window_start", lambda s, now: None)]


class TicketEditsPushed(MutantAdapter):
    """A ticket saved in the documentation is written back to Autotask (T-04: tickets are pull-only)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        try:
            super().edit_and_save(kind, record_id, changes)
        except Refused:  # the reference refuses ticket edits (T-04); this sync takes them and pushes
            if kind != "ticket":
                raise
        rec = self.svc.store.get_record(kind, record_id)
        if kind == "ticket" and rec is not None and rec.link is not None and "title" in changes:
            self.svc.client().update("Tickets", {"id": rec.link.psa_id, "title": changes["title"]})


# ------------------------------------------------------------------------------------------ parents (FM-O3)
class ParentsNotPulled(MutantAdapter):
    """Parent Organization is never set (FM-O3 / §3.1 mapping)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import PullPass

        return [mock.patch.object(PullPass, "_finish_parents", lambda self, companies: None)]


class ParentCreatedOnDemand(MutantAdapter):
    """A parent company that is not linked gets an organization created for it, so the reference resolves
    (FM-O3: no parent is created just to satisfy the reference)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if not r["ok"]:
            return r
        store = self.svc.store
        companies = {c["id"]: c for c in self.svc.client().query_all("Companies", None,
                                                                     ["id", "companyName", "parentCompanyID"])}
        for lk in store.links("organization"):
            parent = companies.get(lk.psa_id, {}).get("parentCompanyID")
            if isinstance(parent, int) and parent in companies and store.link_by_psa("organization", parent) is None:
                pid = store.create_record("organization", {"name": companies[parent]["companyName"]})
                store.update_record("organization", lk.record_id, {"parent_id": pid})
        return r


# ------------------------------------------------------------------------------------------ push (P-05..P-11)
class EmptySaveDoesNotPush(MutantAdapter):
    """Only a save that changes a mapped field pushes; the explicit edit+save without a change does nothing for an
    unlinked record (P-05)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        rec = self.svc.store.get_record(kind, record_id)
        if rec is not None and rec.link is None and not (set(changes) - {"unmapped"}):
            if "unmapped" in changes:
                self.svc.store.set_unmapped(kind, record_id, changes["unmapped"])
            return
        super().edit_and_save(kind, record_id, changes)


class PushSaveNeverMatches(MutantAdapter):
    """An edit+save of an unlinked record always creates in Autotask, without matching (P-06)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        return [mock.patch.object(Pusher, "find_match", lambda self, rec, company, fingerprint=False: None)]


class PushMatchLatestCreated(MutantAdapter):
    """Push-side matching picks the most recently created Autotask record (P-06 with M-08 violated)."""

    def patches(self) -> list[Any]:
        from reference_impl.clock import iso, parse_at_datetime
        from reference_impl.sync.push import Pusher

        def latest(cands: list[dict[str, Any]]) -> int | None:
            if not cands:
                return None
            def t(i: dict[str, Any]) -> str:
                created = parse_at_datetime(i.get("createDate"))
                return iso(created) if created is not None else ""
            return int(max(cands, key=lambda i: (t(i), int(i["id"])))["id"])

        return [mock.patch.object(Pusher, "_earliest", staticmethod(latest))]


class PushMatchTakesLinked(MutantAdapter):
    """Push-side matching may pick an Autotask record already linked to another record (P-06 with M-09 violated)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        return [mock.patch.object(Pusher, "_taken", lambda self, kind, psa_id: False)]


class PushedCompanyOwnedByApiUser(MutantAdapter):
    """Companies created by a push are owned by the API user instead of the Default Account Manager (P-09,
    FM-O1)."""

    def patches(self) -> list[Any]:
        from conformance.world import API_ONLY_MANAGER

        return [mock.patch("reference_impl.sync.push.new_company_defaults",
                           lambda s: {"ownerResourceID": API_ONLY_MANAGER})]


class PushIgnoresEligibility(MutantAdapter):
    """Every record is pushed on save, whatever its type and missing fields (P-08, FM-C6)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        return [mock.patch.object(Pusher, "check_eligible", lambda self, rec: None)]


class FailedPushStaysEnabled(MutantAdapter):
    """A failed push is only logged: the record keeps showing "enabled" (P-11)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import PushOutcome

        def failed(rec: Any, names: list[str], message: str) -> Any:
            return PushOutcome(rec.kind, rec.id, "error", rec.link.psa_id if rec.link else None, error=message)

        return [mock.patch.object(self.svc, "_push_failed", failed)]


@dataclass(frozen=True)
class Mutant:
    name: str
    factory: Callable[[], Any]
    rules: tuple[str, ...]
    killers: tuple[str, ...]  # suite tests expected to catch it (tried first)
    edge_case: str = ""  # the §16 item it imitates


MUTANTS: dict[str, Mutant] = {m.name: m for m in [
    Mutant("orphan_on_failed_fetch", OrphanOnFailedFetch, ("O-08", "C-11"),
           ("test_O08_C11_a_failed_or_partial_fetch_changes_nothing",), "§16.1"),
    Mutant("config_and_instead_of_or", ConfigAndInsteadOfOr, ("M-02",),
           ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",), "§16.2"),
    Mutant("config_across_organizations", ConfigAcrossOrganizations, ("M-14",),
           ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",), "§16.2"),
    Mutant("blank_serials_match", BlankSerialsMatch, ("M-11",),
           ("test_M02_M08_M11_M14_configurations_match_serial_or_mac_within_the_org",), "§16.3"),
    Mutant("latest_created_wins", LatestCreatedWins, ("M-08",),
           ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",), "§16.4"),
    Mutant("not_injective", NotInjective, ("M-09",),
           ("test_stateful_sync_machine",), "§16.4"),
    Mutant("case_insensitive_names", CaseInsensitiveNames, ("M-06", "Q1"),
           ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",), ""),
    Mutant("disable_unlinks", DisableUnlinks, ("M-12", "R-01"),
           ("test_M12_disabled_records_are_left_alone_and_not_duplicated",), "§16.5"),
    Mutant("orphans_not_candidates", OrphansNotCandidates, ("M-13",),
           ("test_M13_orphans_are_candidates_when_autotask_recreates_the_record",), "§16.5"),
    Mutant("push_existing_on_two_way", PushExistingOnTwoWay, ("P-04",),
           ("test_P04_P07_enabling_two_way_pushes_nothing_by_itself",), "§16.6"),
    Mutant("push_all_matches", PushAllMatches, ("PA-02",),
           ("test_PA02_PA05_push_all_creates_without_matching_and_links",), "§16.7"),
    Mutant("reconnect_remembers_links", ReconnectRemembersLinks, ("D-02", "D-03"),
           ("test_D02_option1_clears_every_link_keeps_data_writes_nothing",), "§16.8"),
    Mutant("delete_all_takes_standalone", DeleteAllTakesStandalone, ("D-07",),
           ("test_D07_option2_deletes_only_linked_organizations_and_their_children",), "§16.8"),
    Mutant("counts_include_unlinked", CountsIncludeUnlinked, ("ST-05",),
           ("test_ST05_counts_equal_link_states_after_every_operation",), "§16.9"),
    Mutant("api_only_manager_accepted", ApiOnlyManagerAccepted, ("SC-08",),
           ("test_SC08_an_api_only_default_account_manager_is_refused",), "§16.10"),
    Mutant("pull_clobbers_unmapped", PullClobbersUnmapped, ("FM-G3",),
           ("test_M01_M06_M08_M09_M15_organizations_match_on_exact_name_earliest_first",), ""),
    Mutant("pass_touches_autotask", PassTouchesAutotask, ("P-01",),
           ("test_P01_two_way_off_never_writes_to_autotask",), ""),
    Mutant("orphan_without_cascade", OrphanWithoutCascade, ("O-04",),
           ("test_O03_O04_O06_scope_loss_orphans_with_children_and_scope_return_relinks",), ""),
    Mutant("pull_updates_orphans", PullUpdatesOrphans, ("O-05",),
           ("test_O03_O04_O06_scope_loss_orphans_with_children_and_scope_return_relinks",), ""),
    Mutant("location_partial_address", LocationPartialAddress, ("M-04",),
           ("test_M04_locations_match_on_the_full_address_within_the_org",), ""),
    Mutant("tickets_across_organizations", TicketsAcrossOrganizations, ("M-05", "T-03", "M-14"),
           ("test_M05_T01_T03_T06_tickets_match_on_number_within_the_org_and_only_selected_queues",), ""),
    Mutant("ticket_queues_ignored", TicketQueuesIgnored, ("T-01", "SC-07"),
           ("test_M05_T01_T03_T06_tickets_match_on_number_within_the_org_and_only_selected_queues",), ""),
    Mutant("tickets_of_unlinked_companies_parked", TicketsOfUnlinkedCompaniesParked, ("T-06", "CR-03"),
           ("test_M05_T01_T03_T06_tickets_match_on_number_within_the_org_and_only_selected_queues",), ""),
    Mutant("ticket_window_ignored", TicketWindowIgnored, ("T-02", "Q23"),
           ("test_T02_tickets_outside_the_months_window_are_not_imported",), ""),
    Mutant("ticket_edits_pushed", TicketEditsPushed, ("T-04",), ("test_T04_tickets_are_pull_only",), ""),
    Mutant("parents_not_pulled", ParentsNotPulled, ("FM-O3",),
           ("test_FMO3_parent_organization_only_when_the_parent_is_linked",), ""),
    Mutant("parent_created_on_demand", ParentCreatedOnDemand, ("FM-O3", "Q16"),
           ("test_FMO3_parent_organization_only_when_the_parent_is_linked",), ""),
    Mutant("empty_save_does_not_push", EmptySaveDoesNotPush, ("P-05",),
           ("test_P05_P06_an_explicit_save_matches_autotask_or_creates",), "§16.6"),
    Mutant("push_save_never_matches", PushSaveNeverMatches, ("P-06",),
           ("test_P05_P06_an_explicit_save_matches_autotask_or_creates",), ""),
    Mutant("push_match_latest_created", PushMatchLatestCreated, ("P-06", "M-08"),
           ("test_P05_P06_an_explicit_save_matches_autotask_or_creates",), ""),
    Mutant("push_match_takes_linked", PushMatchTakesLinked, ("P-06", "M-09"),
           ("test_P05_P06_an_explicit_save_matches_autotask_or_creates",), ""),
    Mutant("pushed_company_owned_by_api_user", PushedCompanyOwnedByApiUser, ("P-09", "FM-O1"),
           ("test_P05_P06_an_explicit_save_matches_autotask_or_creates",), "§16.10"),
    Mutant("push_ignores_eligibility", PushIgnoresEligibility, ("P-08", "FM-C6"),
           ("test_P08_FMC6_records_not_set_to_sync_are_not_pushed",), "§16.10"),
    Mutant("failed_push_stays_enabled", FailedPushStaysEnabled, ("P-11",),
           ("test_P11_R05_a_failed_push_shows_the_error_state_and_a_save_retries",), ""),
]}


# ################################################################################################################
# kit-b: whole operations (issue 13 §3) and the kit's known gaps (issue 14). Killed by suites/push_operations.py,
# record_controls.py, passes.py and lifecycle.py. Mutants of behaviour outside the patched calls (records, summary,
# the per-record controls) override the adapter method or patch their *own* store instance, never a module.
# ################################################################################################################
class FailedFirstPushLeavesNoTrace(MutantAdapter):
    """The reference before issue 13 part B: a failed push of a never-linked record leaves no sync state and no
    error count; only the log knows (P-11, ST-03, ST-05)."""

    def connect(self, connection: Any) -> None:
        super().connect(connection)
        self.svc.store.unlinked_push_errors = lambda kind=None: {}


class PushesWholeRecord(MutantAdapter):
    """A save of a linked record PATCHes every mapped field, not only the changed ones (P-03, Q11): Autotask's
    newer values of the other fields are overwritten with stale documentation values."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher.update_linked

        def update_linked(pusher: Any, rec: Any, names: list[str]) -> Any:
            return original(pusher, rec, pusher.pushable(rec.kind))

        return [mock.patch.object(Pusher, "update_linked", update_linked)]


class ApiCreatesPushedWithTwoWay(MutantAdapter):
    """With two-way on, records created through the API or an import are pushed at once (P-07)."""

    def create_record(self, kind: str, fields: dict[str, Any], *, org_id: Any = None, created_at: str | None = None,
                      unmapped: dict[str, Any] | None = None, via: str = "ui") -> Any:
        rid = super().create_record(kind, fields, org_id=org_id, created_at=created_at, unmapped=unmapped, via=via)
        if via in ("api", "import") and self.svc.settings.two_way and kind != "ticket":
            with self._patched():
                self.svc.push_record(kind, rid)
        return rid


class PushCreatesMissingOrganization(MutantAdapter):
    """Pushing a child whose organization is not linked first creates the organization in Autotask (Q12)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        rec = self.svc.store.get_record(kind, record_id)
        if kind != "organization" and rec is not None and self.svc.settings.two_way:
            org = self.svc.store.get_record("organization", rec.organization_id)
            if org is not None and org.link is None:
                self.svc.push_record("organization", org.id)
        super().edit_and_save(kind, record_id, changes)


class PushChildrenNeverMatch(MutantAdapter):
    """The edit+save of an unlinked contact, configuration or location always creates in Autotask; only
    organizations are matched (P-06 for every kind)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher.find_match

        def find_match(pusher: Any, rec: Any, company: Any, fingerprint: bool = False) -> Any:
            return original(pusher, rec, company, fingerprint=fingerprint) if rec.kind == "organization" else None

        return [mock.patch.object(Pusher, "find_match", find_match)]


class AutotaskDefaultPushedAsAType(MutantAdapter):
    """A configuration typed "Autotask Default" is pushed with the tenant's first device type instead of a blank
    type (SC-02, FM-C4)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher.body_for

        def body_for(pusher: Any, rec: Any, names: Any) -> dict[str, Any]:
            body = original(pusher, rec, names)
            if rec.kind == "configuration" and "configurationItemType" in body and not body["configurationItemType"]:
                body["configurationItemType"] = 1
            return body

        return [mock.patch.object(Pusher, "body_for", body_for)]


class AdContactsPushedWithEitherType(MutantAdapter):
    """AD contacts are pushed automatically when an Email Type *or* a Phone Type is chosen (P-10 needs both)."""

    def create_record(self, kind: str, fields: dict[str, Any], *, org_id: Any = None, created_at: str | None = None,
                      unmapped: dict[str, Any] | None = None, via: str = "ui") -> Any:
        if via != "ad":
            return super().create_record(kind, fields, org_id=org_id, created_at=created_at, unmapped=unmapped,
                                         via=via)
        rid = self.svc.api_create(kind, dict(fields), organization_id=org_id, unmapped=unmapped)
        s = self.svc.settings
        if s.two_way and (s.ad_email_type or s.ad_phone_type):
            self.svc.push_record(kind, rid)
        return rid


class SyncNowRunsFullPass(MutantAdapter):
    """"Sync now" on one record runs a whole pass, so every other record changes too (R-03 [I])."""

    def sync_now(self, kind: str, record_id: Any) -> None:
        self.run_pass(full=True)


class SyncNowPullsNothing(MutantAdapter):
    """"Sync now" only queues the record for the next scheduled sync: nothing is pulled now (R-03)."""

    def sync_now(self, kind: str, record_id: Any) -> None:
        rec = self.svc.store.get_record(kind, record_id)
        if rec is None or rec.link is None or rec.link.state == "disabled":
            raise Refused("not syncing")


class DeleteEnabledAllowed(MutantAdapter):
    """Any record can be deleted, also one that is actively syncing (R-08)."""

    def delete_record(self, kind: str, record_id: Any) -> None:
        self.svc.store.delete_record(kind, record_id)


class DisabledEditsPushed(MutantAdapter):
    """A save of a disabled record is pushed like any other (R-01)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        rec = self.svc.store.get_record(kind, record_id)
        if rec is not None and rec.link is not None and rec.link.state == "disabled":
            self.svc.store.set_link_state(kind, record_id, "enabled")
            try:
                super().edit_and_save(kind, record_id, changes)
            finally:
                self.svc.store.set_link_state(kind, record_id, "disabled")
            return
        super().edit_and_save(kind, record_id, changes)


class EnablePushesLocalEdits(MutantAdapter):
    """Enabling sync again pushes the record's documentation values, edits made while disabled included (R-02:
    the PSA wins on the next pull; nothing is pushed without a save, P-04)."""

    def enable(self, kind: str, record_id: Any) -> None:
        super().enable(kind, record_id)
        if self.svc.settings.two_way and kind != "ticket":
            from reference_impl.sync.mapping import MAPPINGS

            self.svc._push(kind, record_id, [fm.itg for fm in MAPPINGS[kind] if fm.push is not None])


class IncrementalMissesChanges(MutantAdapter):
    """The incremental watermark is taken from a local clock running ahead of Autotask's, so an incremental pass
    misses the changes made since the last pass (SC-10, FM-G1)."""

    def connect(self, connection: Any) -> None:
        super().connect(connection)
        store = self.svc.store
        original = store.set_watermark
        store.set_watermark = lambda entity, value: original(entity, "2099-01-01T00:00:00Z")


def _thirty_day_months(s: Any, now: Any) -> Any:
    from datetime import timedelta

    return None if s.ticket_months is None else now - timedelta(days=30 * int(s.ticket_months))


class TicketWindowThirtyDayMonths(MutantAdapter):
    """The months window counts 30-day months instead of calendar months (Q23), which a month end exposes."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.scope.ticket_window_start", _thirty_day_months),
                mock.patch("reference_impl.sync.pull_fetch.ticket_window_start", _thirty_day_months)]


class TicketsLeavingScopeDeleted(MutantAdapter):
    """A synced ticket that leaves the queues or the window is deleted from the documentation (T-07, O-05)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        for lk in self.svc.store.links("ticket"):
            if lk.state == "orphaned":
                self.svc.store.delete_record("ticket", lk.record_id)
        return r


class InactiveDevicesOrphaned(MutantAdapter):
    """An inactive Autotask device is treated as gone: its configuration is orphaned (Q21, §14 item 6)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if r["ok"]:
            cis = {c["id"]: c for c in self.svc.client().query_all("ConfigurationItems", None, ["id", "isActive"])}
            for lk in self.svc.store.links("configuration"):
                if lk.state == "enabled" and cis.get(lk.psa_id, {}).get("isActive") is False:
                    self.svc.store.set_link_state("configuration", lk.record_id, "orphaned")
        return r


class BlankTypeNotAutotaskDefault(MutantAdapter):
    """A blank Autotask device type is named "Unknown" instead of "Autotask Default" (SC-02, FM-C4)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.mapping.AUTOTASK_DEFAULT_TYPE", "Unknown")]


class PushAllIncludesLinked(MutantAdapter):
    """Push-all also pushes the organizations a pass already linked, duplicating them in Autotask (PA-07)."""

    def push_all(self) -> None:
        for lk in self.svc.store.links("organization"):
            if lk.state == "enabled":
                self.svc.store.remove_link("organization", lk.record_id)
        super().push_all()


class PushAllWithoutCompletionLog(MutantAdapter):
    """Push-all logs what it pushes but writes no final completion entry (PA-06)."""

    def connect(self, connection: Any) -> None:
        super().connect(connection)
        store = self.svc.store
        original = store.log

        def log(pass_id: Any, level: str, message: str, **kw: Any) -> Any:
            if message.startswith("Push-all completed"):
                return None
            return original(pass_id, level, message, **kw)

        store.log = log


class PushAllStatusHidden(MutantAdapter):
    """The status column keeps showing the idle status while push-all runs (PA-06)."""

    def connect(self, connection: Any) -> None:
        super().connect(connection)
        store = self.svc.store
        original = store.save_integration

        def save_integration(**values: Any) -> Any:
            if values.get("status") == "Pushing…":
                values.pop("status")
            return original(**values)

        store.save_integration = save_integration


class DisconnectKeepsInactiveLinks(MutantAdapter):
    """Option 1 clears the enabled links only: orphaned and disabled records keep showing their state (D-02)."""

    def disconnect(self, mode: str) -> None:
        kept = [lk for lk in self.svc.store.links() if lk.state in ("orphaned", "disabled")] if mode == "keep" else []
        super().disconnect(mode)
        for lk in kept:
            self.svc.store.set_link(lk.kind, lk.record_id, lk.psa_id, lk.state)


class DeleteAllSparesOrphans(MutantAdapter):
    """Option 2 deletes only the organizations linked as enabled; orphaned ones (and their children) are kept
    (Q18)."""

    def disconnect(self, mode: str) -> None:
        if mode == "delete":
            for lk in self.svc.store.links("organization"):
                if lk.state == "orphaned":
                    self.svc.store.remove_link("organization", lk.record_id)
        super().disconnect(mode)


class PausedStatusOverwrittenByPass(MutantAdapter):
    """A pass that finishes after Pause was pressed writes "OK" over "Paused" (D-01)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = super().run_pass(full)
        if r["ok"]:
            self.svc.store.save_integration(status="OK")
        return r


class PauseAbortsRunningPass(MutantAdapter):
    """Pause stops the pass already running: it is reported as aborted (D-01: it must finish)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        was_paused = self.svc.paused
        r = super().run_pass(full)
        if not was_paused and self.svc.paused:
            return {"ok": False, "error": "The sync was paused."}
        return r


class UnknownTypePushedAsDefault(MutantAdapter):
    """A configuration without a type, or with a type the tenant does not know, falls back to "Autotask Default"
    and is pushed (FM-C6: a Type is required; P-08: only types set to sync)."""

    def patches(self) -> list[Any]:
        import dataclasses

        from reference_impl.sync.mapping import AUTOTASK_DEFAULT_TYPE
        from reference_impl.sync.push import Pusher

        original = Pusher.check_eligible

        def check_eligible(pusher: Any, rec: Any) -> None:
            if rec.kind == "configuration" and rec.fields.get("configuration_type") != AUTOTASK_DEFAULT_TYPE:
                known = pusher.lookups(["ci_types"]).ci_types
                if rec.fields.get("configuration_type") not in known.values():
                    rec = dataclasses.replace(rec, fields={**rec.fields, "configuration_type": AUTOTASK_DEFAULT_TYPE})
            original(pusher, rec)

        return [mock.patch.object(Pusher, "check_eligible", check_eligible)]


MUTANTS.update({m.name: m for m in [
    Mutant("failed_first_push_leaves_no_trace", FailedFirstPushLeavesNoTrace, ("P-11", "ST-03", "ST-05"),
           ("test_P11_ST03_ST05_a_failed_first_push_shows_the_error_state",), ""),
    Mutant("pushes_whole_record", PushesWholeRecord, ("P-03", "Q11"),
           ("test_P03_Q11_a_save_pushes_only_the_fields_it_changed",), "§16.6"),
    Mutant("api_creates_pushed_with_two_way", ApiCreatesPushedWithTwoWay, ("P-07",),
           ("test_P07_records_created_through_the_api_are_not_pushed_until_saved",), "§16.6"),
    Mutant("push_creates_missing_organization", PushCreatesMissingOrganization, ("Q12",),
           ("test_Q12_a_child_of_an_unlinked_organization_is_a_sync_error",), ""),
    Mutant("push_children_never_match", PushChildrenNeverMatch, ("P-06",),
           ("test_P06_M14_an_explicit_save_of_a_child_matches_within_its_organization",), ""),
    Mutant("autotask_default_pushed_as_a_type", AutotaskDefaultPushedAsAType, ("SC-02", "FM-C4"),
           ("test_FMC4_SC02_a_configuration_typed_autotask_default_is_pushed_without_a_type",), "§16.10"),
    Mutant("ad_contacts_pushed_with_either_type", AdContactsPushedWithEitherType, ("P-10",),
           ("test_P10_ad_contacts_are_pushed_only_with_an_email_and_a_phone_type",), ""),
    Mutant("sync_now_runs_full_pass", SyncNowRunsFullPass, ("R-03",),
           ("test_R03_sync_now_pulls_that_one_record_and_nothing_else",), ""),
    Mutant("sync_now_pulls_nothing", SyncNowPullsNothing, ("R-03",),
           ("test_R03_sync_now_pulls_that_one_record_and_nothing_else",), ""),
    Mutant("delete_enabled_allowed", DeleteEnabledAllowed, ("R-08", "Q10"),
           ("test_R08_an_enabled_record_cannot_be_deleted_until_disabled",), ""),
    Mutant("disabled_edits_pushed", DisabledEditsPushed, ("R-01",),
           ("test_R01_editing_a_disabled_record_with_two_way_on_pushes_nothing",), ""),
    Mutant("enable_pushes_local_edits", EnablePushesLocalEdits, ("R-02", "Q19", "P-04"),
           ("test_R02_Q19_edits_made_while_disabled_are_overwritten_after_enabling",), ""),
    Mutant("incremental_misses_changes", IncrementalMissesChanges, ("SC-10", "FM-G1"),
           ("test_SC10_FMG1_an_incremental_pass_brings_every_autotask_change",), ""),
    Mutant("ticket_window_thirty_day_months", TicketWindowThirtyDayMonths, ("T-02", "Q23"),
           ("test_T02_Q23_the_months_window_of_an_incremental_pass_at_a_month_end",), ""),
    Mutant("tickets_leaving_scope_deleted", TicketsLeavingScopeDeleted, ("T-07", "Q15", "O-05"),
           ("test_T07_Q15_a_synced_ticket_leaving_scope_is_orphaned_not_deleted",), ""),
    Mutant("inactive_devices_orphaned", InactiveDevicesOrphaned, ("Q21",),
           ("test_Q21_an_inactive_device_stays_linked_with_status_inactive",), ""),
    Mutant("blank_type_not_autotask_default", BlankTypeNotAutotaskDefault, ("SC-02", "FM-C4"),
           ("test_SC02_FMC4_a_blank_device_type_is_autotask_default_and_retyped_in_place",), "§16.10"),
    Mutant("push_all_includes_linked", PushAllIncludesLinked, ("PA-07", "PA-02"),
           ("test_PA01_PA07_push_all_after_a_pass_pushes_only_the_unlinked_and_no_tickets",), "§16.7"),
    Mutant("push_all_without_completion_log", PushAllWithoutCompletionLog, ("PA-06",),
           ("test_PA06_push_all_shows_progress_and_ends_with_a_completion_log",), ""),
    Mutant("push_all_status_hidden", PushAllStatusHidden, ("PA-06", "ST-01"),
           ("test_PA06_push_all_shows_progress_and_ends_with_a_completion_log",), ""),
    Mutant("disconnect_keeps_inactive_links", DisconnectKeepsInactiveLinks, ("D-02",),
           ("test_D02_D07_Q18_disconnect_with_orphaned_and_disabled_records",), "§16.8"),
    Mutant("delete_all_spares_orphans", DeleteAllSparesOrphans, ("Q18", "D-04"),
           ("test_D02_D07_Q18_disconnect_with_orphaned_and_disabled_records",), "§16.8"),
    Mutant("paused_status_overwritten_by_pass", PausedStatusOverwrittenByPass, ("D-01",),
           ("test_D01_pause_lets_the_running_pass_finish_and_stops_the_next",), ""),
    Mutant("pause_aborts_running_pass", PauseAbortsRunningPass, ("D-01",),
           ("test_D01_pause_lets_the_running_pass_finish_and_stops_the_next",), ""),
    Mutant("unknown_type_pushed_as_default", UnknownTypePushedAsDefault, ("FM-C6", "P-08", "SC-02"),
           ("test_FMC4_SC02_a_configuration_typed_autotask_default_is_pushed_without_a_type",), "§16.10"),
]})


# ======================================================================================================================
# kit-a (issue 13, part A): mutants proving that three formerly unfailable suite assertions can fail.
# Each one is the defect the assertion exists for; tests/conformance/test_assertions_bite.py runs the one suite test
# that must catch it.
# ======================================================================================================================
class FailedPassReportsOk(MutantAdapter):
    """A pass that met failed requests reports success anyway (C-11: the pass must be aborted with an error). It
    still changes nothing, so only the pass's own ok flag can give it away."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        super().run_pass(full)
        return {"ok": True, "error": None}


class UnmappedSavePushesRecord(MutantAdapter):
    """A save that changes no mapped field still pushes the record's mapped fields, overwriting whatever changed in
    Autotask since the last pull (P-03: no write call without a mapped change)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        super().edit_and_save(kind, record_id, changes)
        rec = self.svc.store.get_record(kind, record_id)
        if (kind == "organization" and not (set(changes) - {"unmapped"}) and rec is not None
                and rec.link is not None and rec.link.state == "enabled"):
            self.svc.client().update("Companies", {"id": rec.link.psa_id, "companyName": rec.fields.get("name")})


class DeleteAllTakesDisabled(MutantAdapter):
    """Option 2 also deletes disabled organizations and their children (Q18/D-07: disabled organizations stay)."""

    def disconnect(self, mode: str) -> None:
        if mode == "delete":
            store = self.svc.store
            for lk in store.links("organization"):
                if lk.state == "disabled":
                    for child in ("location", "contact", "configuration", "ticket"):
                        for r in store.list_records(child, [lk.record_id]):
                            store.delete_record(child, r.id)
                    store.delete_record("organization", lk.record_id)
        super().disconnect(mode)


KIT_A_MUTANTS = (
    Mutant("failed_pass_reports_ok", FailedPassReportsOk, ("C-11", "O-08"),
           ("test_O08_C11_a_failed_or_partial_fetch_changes_nothing",), "§16.1"),
    Mutant("unmapped_save_pushes_record", UnmappedSavePushesRecord, ("P-03", "Q11"),
           ("test_P02_P03_saving_a_mapped_field_pushes_only_that_change",), "§16.6"),
    Mutant("delete_all_takes_disabled", DeleteAllTakesDisabled, ("D-07", "Q18"),
           ("test_D07_option2_deletes_only_linked_organizations_and_their_children",), "§16.8"),
)
MUTANTS.update({m.name: m for m in KIT_A_MUTANTS})


# ======================================================================================================================
# kit-surv (issue 13, last survivors of bench/mutation.py): one hand mutant per property of suites/admin_changes.py.
# ======================================================================================================================
class VanishedCompaniesStayLinked(MutantAdapter):
    """Orphans an organization only when its company is out of scope, never when the company is gone: after every
    pass, an organization the pass orphaned although its company was not fetched at all is put back to enabled, with
    its children (O-01: a deleted Autotask record orphans its documentation record)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        store = self.svc.store
        before = {lk.record_id: lk.state for lk in store.links("organization")}
        r = super().run_pass(full)
        client = self.svc.client()
        for lk in store.links("organization"):
            if lk.state == "orphaned" and before.get(lk.record_id) == "enabled" \
                    and client.get("Companies", lk.psa_id) is None:
                store.set_link_state("organization", lk.record_id, "enabled")
                for kind in ("location", "contact", "configuration", "ticket"):
                    for rec in store.list_records(kind, [lk.record_id]):
                        if rec.link is not None and rec.link.state == "orphaned":
                            store.set_link_state(kind, rec.id, "enabled")
        return r


class PrimaryLocationNeverSet(MutantAdapter):
    """Pulls locations but never sets an organization's Primary Location (FM-O2)."""

    def records(self, kind: str) -> list[dict[str, Any]]:
        out = super().records(kind)
        for r in out if kind == "organization" else ():
            r["primary_location_id"] = None
        return out


class FirstLocationIsPrimary(MutantAdapter):
    """Takes the organization's first synced location as its Primary Location instead of the one Autotask marks
    primary (FM-O2)."""

    def records(self, kind: str) -> list[dict[str, Any]]:
        out = super().records(kind)
        if kind == "organization":
            first: dict[Any, Any] = {}
            for loc in super().records("location"):
                if loc["link"] is not None and loc["org_id"] not in first:
                    first[loc["org_id"]] = loc["id"]
            for r in out:
                if r.get("primary_location_id") is not None:
                    r["primary_location_id"] = first.get(r["id"], r["primary_location_id"])
        return out


class QueueNamesReadOnce(MutantAdapter):
    """Reads Autotask's picklists (queue names among them) once per connection and never again, so a queue an admin
    renames keeps its old name on every ticket's Board (§3.5, FM-G1)."""

    def patches(self) -> list[Any]:
        from reference_impl.client.client import AutotaskClient

        original = AutotaskClient.picklists
        memo: dict[str, Any] = self.__dict__.setdefault("_picklist_memo", {})

        def picklists(client: Any, entity: str) -> dict[str, dict[str, str]]:
            if entity not in memo:
                memo[entity] = original(client, entity)
            return memo[entity]

        return [mock.patch.object(AutotaskClient, "picklists", picklists)]


KIT_SURV_MUTANTS: tuple[Mutant, ...] = (
    Mutant("vanished_companies_stay_linked", VanishedCompaniesStayLinked, ("O-01", "O-04"),
           ("test_O01_O04_an_organization_whose_company_an_admin_deleted_is_orphaned",), ""),
    Mutant("primary_location_never_set", PrimaryLocationNeverSet, ("FM-O2",),
           ("test_FMO2_the_primary_location_is_the_autotask_primary_with_its_name",), ""),
    Mutant("first_location_is_primary", FirstLocationIsPrimary, ("FM-O2",),
           ("test_FMO2_the_primary_location_is_the_autotask_primary_with_its_name",), ""),
    Mutant("queue_names_read_once", QueueNamesReadOnce, ("§3.5", "FM-G1"),
           ("test_FMG1_a_queue_renamed_by_an_admin_renames_the_board_on_the_next_full_pass",), ""),
)
MUTANTS.update({m.name: m for m in KIT_SURV_MUTANTS})


class DeleteAllWithoutEnabling(MutantAdapter):
    """Runs Option 2 whether or not support enabled it (D-04: "It has to be enabled by support first")."""

    def disconnect(self, mode: str) -> None:
        super().disconnect("delete" if mode == "delete_unenabled" else mode)


KIT_SURV_MUTANTS += (
    Mutant("delete_all_without_enabling", DeleteAllWithoutEnabling, ("D-04",),
           ("test_D04_option2_is_refused_until_support_enables_it",), "§16.8"),
)
MUTANTS.update({m.name: m for m in KIT_SURV_MUTANTS})


# ======================================================================================================================
# mutation-remap (issue 13, a survivor of the re-measured sample, service_push:172:ReplaceBinaryOperator_BitOr_Sub:2)
# ======================================================================================================================
class RetryForgetsEarlierFailures(MutantAdapter):
    """Keeps only the fields of the newest failed save: a second failed save forgets what the first one failed to
    push, so the retry (edit and save, P-11/R-05) pushes only the newest change."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        store = self.svc.store
        before = store.get_push_state(kind, record_id)
        try:
            super().edit_and_save(kind, record_id, changes)
        finally:
            after = store.get_push_state(kind, record_id)
            if before and after and after["error"]:
                store.set_push_state(kind, record_id, pending_create=after["pending_create"], error=after["error"],
                                     pending_fields=set(after["pending_fields"]) - set(before["pending_fields"]))


REMAP_MUTANTS = (
    Mutant("retry_forgets_earlier_failures", RetryForgetsEarlierFailures, ("P-11", "R-05"),
           ("test_P11_R05_a_retry_pushes_what_every_failed_save_left_unpushed",), ""),
)
MUTANTS.update({m.name: m for m in REMAP_MUTANTS})


# ======================================================================================================================
# kit-incr (issue 13, survivors pull:157:AddNot:6 and pull:533:ReplaceComparisonOperator_IsNot_Is:27 of the re-measured
# sample): incremental passes, suites/survivors_incremental.py.
# ======================================================================================================================
class IncrementalChildrenOfUnchangedCompaniesNeverMatch(MutantAdapter):
    """An incremental pass loads match candidates only in the organizations of the companies it fetched: a new
    Autotask contact, device or location of a company that did not change itself finds no candidate and creates a
    duplicate of its unlinked documentation twin (M-07, M-09, SC-10)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import PullPass

        original = PullPass._load_children

        def load_children(pp: Any, kind: str, by_company: Any, org_of: dict[int, int | None]) -> Any:
            fetched = pp.present["organization"]
            return original(pp, kind, by_company, {c: (o if c in fetched else None) for c, o in org_of.items()})

        return [mock.patch.object(PullPass, "_load_children", load_children)]


class IncrementalCycleCheckSeesOnlyFetched(MutantAdapter):
    """The parent-cycle check of an incremental pass reads no Parent Organization of an organization the pass did
    not load: a parent change in Autotask that closes a cycle through unchanged companies makes a cycle of Parent
    Organizations (Q16, FM-O3)."""

    def patches(self) -> list[Any]:
        import dataclasses

        from reference_impl.sync.pull import PullPass

        original = PullPass._finish_parents

        def finish_parents(pp: Any, companies: Any) -> None:
            real, loaded = pp.store, set(pp.org_by_id)

            class Blind:
                def __getattr__(self, name: str) -> Any:
                    return getattr(real, name)

                def get_record(self, kind: str, rid: Any) -> Any:
                    rec = real.get_record(kind, rid)
                    if kind == "organization" and rec is not None and rid not in loaded:
                        rec = dataclasses.replace(rec, fields={**rec.fields, "parent_id": None})
                    return rec

            pp.store = Blind()
            try:
                original(pp, companies)
            finally:
                pp.store = real

        return [mock.patch.object(PullPass, "_finish_parents", finish_parents)]


INCR_MUTANTS: tuple[Mutant, ...] = (
    Mutant("incremental_children_of_unchanged_companies_never_match", IncrementalChildrenOfUnchangedCompaniesNeverMatch,
           ("M-07", "M-09", "SC-10"),
           ("test_SC10_M09_CR03_an_incremental_pass_matches_a_new_child_of_an_unchanged_company",), ""),
    Mutant("incremental_cycle_check_sees_only_fetched", IncrementalCycleCheckSeesOnlyFetched, ("Q16", "FM-O3"),
           ("test_FMO3_Q16_an_incremental_parent_change_never_closes_a_cycle",), ""),
)
MUTANTS.update({m.name: m for m in INCR_MUTANTS})


# ======================================================================================================================
# kit-fail (issue 13, survivors of the re-measured sample: service_controls:67, service_push:121, service_push:128):
# Autotask failures in the middle of a per-record operation. suites/survivors_failures.py kills each.
# ======================================================================================================================
class _NeverRaised(Exception):
    """Stands in for AutotaskError in an ``except`` clause: a handler that catches nothing."""


class SyncNowCrashesOnAutotaskFailure(MutantAdapter):
    """"Sync now" does not catch Autotask's failure: it escapes as a crash, and the sync it started is never ended
    (R-03, C-11: a failed sync is aborted and reported; the reference's bench mutant service_controls:67)."""

    def patches(self) -> list[Any]:
        return [mock.patch("reference_impl.sync.service_controls.AutotaskError", _NeverRaised)]

    def sync_now(self, kind: str, record_id: Any) -> None:
        with self._patched():
            super().sync_now(kind, record_id)


class EligibilityFailureEscapes(MutantAdapter):
    """An Autotask failure while the push checks the record's eligibility (reading the organization types or CI
    types, P-08) escapes the save as a crash instead of leaving the record in the sync-error state with Autotask's
    message (P-11; the bench mutant service_push:121)."""

    def patches(self) -> list[Any]:
        from reference_impl.client import AutotaskError
        from reference_impl.sync.push import Pusher

        original = Pusher.check_eligible

        def check_eligible(pusher: Any, rec: Any) -> None:
            try:
                original(pusher, rec)
            except AutotaskError as exc:
                raise RuntimeError(f"eligibility check failed: {exc}") from exc

        return [mock.patch.object(Pusher, "check_eligible", check_eligible)]


class RetryAfterFieldlessFailurePushesEverything(MutantAdapter):
    """The retry (edit and save, R-05) of a record whose failed push carried no field pushes every mapped field,
    overwriting Autotask values nobody changed in the documentation (P-03, Q11; the bench mutant service_push:128)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        store = self.svc.store
        rec = store.get_record(kind, record_id)
        ps = store.get_push_state(kind, record_id)
        if rec is not None and rec.link is not None and rec.link.state == "error" and ps and not ps["pending_fields"]:
            store.set_push_state(kind, record_id, pending_fields=set(self.svc._pusher().pushable(kind)),
                                 pending_create=ps["pending_create"], error=ps["error"])
        super().edit_and_save(kind, record_id, changes)


KIT_FAIL_MUTANTS = (
    Mutant("sync_now_crashes_on_autotask_failure", SyncNowCrashesOnAutotaskFailure, ("R-03", "C-11"),
           ("test_R03_C11_sync_now_against_a_failing_autotask_changes_nothing_and_can_run_again",), ""),
    Mutant("eligibility_failure_escapes", EligibilityFailureEscapes, ("P-11", "ST-03"),
           ("test_P11_R05_P03_a_push_failing_at_its_eligibility_check_and_its_retry",), ""),
    Mutant("retry_after_fieldless_failure_pushes_everything", RetryAfterFieldlessFailurePushesEverything,
           ("P-03", "Q11", "R-05"), ("test_P11_R05_P03_a_push_failing_at_its_eligibility_check_and_its_retry",),
           "§16.6"),
)
MUTANTS.update({m.name: m for m in KIT_FAIL_MUTANTS})


# ======================================================================================================================
# kit-warn (issue 13, survivors pull:477, pull:515 and pull:487 of bench/mutation.py): suites/survivors_warnings.py.
# ======================================================================================================================
class MaskedUdfNotWarned(MutantAdapter):
    """Stores a masked protected UDF as unavailable but raises no permissions warning (Q26/C-09: "raise a
    permissions warning"), as pull:477 (the check skipped for configurations) and pull:515 (no value ever read)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import PullPass

        return [mock.patch.object(PullPass, "_warn_masked", lambda *_a, **_k: None)]


class TicketConfigurationsUnresolved(MutantAdapter):
    """A ticket's Configurations keep only the Autotask devices that resolve to no documentation configuration (an
    empty entry each) and drop the linked ones (§3.5: they are the configurations linked to the ticket's device), as
    pull:487."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.mapping import Ref
        from reference_impl.sync.pull import PullPass

        original = PullPass._resolve_refs

        def resolve_refs(p: Any, kind: str, org_id: int, at: Any, fields: dict[str, Any], overlay: Any,
                         *rest: Any) -> None:
            lists = {k: v for k, v in fields.items() if isinstance(v, list) and v and all(isinstance(x, Ref) for x in v)}
            original(p, kind, org_id, at, fields, overlay, *rest)
            for k, v in lists.items():
                fields[k] = [x for x in (p._resolve(r.kind, r.psa_id, org_id, overlay) for r in v) if x is None]

        return [mock.patch.object(PullPass, "_resolve_refs", resolve_refs)]


WARN_MUTANTS = (
    Mutant("masked_udf_not_warned", MaskedUdfNotWarned, ("Q26", "C-09"),
           ("test_Q26_C09_a_masked_protected_udf_raises_a_permissions_warning",), ""),
    Mutant("ticket_configurations_unresolved", TicketConfigurationsUnresolved, ("§3.5", "FM-G1"),
           ("test_FMG1_M14_a_ticket_s_configurations_are_the_linked_device_it_names",), ""),
)
MUTANTS.update({m.name: m for m in WARN_MUTANTS})


# ======================================================================================================================
# kit-review (issue 13, pull:369:AddNot:39 and pull:367:ReplaceComparisonOperator_NotEq_Is:2 of bench/mutation.py,
# reclassified from "unspecified"): suites/survivors_review.py.
# ======================================================================================================================
class MovedRecordsStayPut(MutantAdapter):
    """A pulled record whose Autotask company changed is updated where it is, in the organization of its old company,
    instead of moving to the organization linked to its new one (SC-03: children are only pulled into the org linked
    to their company), as pull:369:AddNot:39 and pull:367:ReplaceComparisonOperator_NotEq_Is:2."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import PullPass

        original = PullPass._write_changes

        def write_changes(p: Any, kind: str, rec: Any, fields: dict[str, Any], *, count: bool = True,
                          organization_id: int | None = None) -> bool:
            return bool(original(p, kind, rec, fields, count=count, organization_id=None))

        return [mock.patch.object(PullPass, "_write_changes", write_changes)]


class SkippedCompaniesReportedAsFailures(MutantAdapter):
    """An out-of-scope company (and the unlinked company of a changed child) is not skipped: its unit is attempted,
    fails, and is logged in CR-04's form as a company that "could not be pulled", as pull:267:ReplaceOrWithAnd:5."""

    def patches(self) -> list[Any]:
        from reference_impl.sync import plan as P
        from reference_impl.sync.pull import PullPass

        original = PullPass._unit

        def unit(p: Any, cid: int, d: Any, company: Any, kids: Any) -> None:
            unlinked = d is None and p.local["organization"].get(cid) is None
            if (d is not None and d.action == P.SKIP) or unlinked:
                p.store.log(p.pass_id, "error", f"Company with UID {cid} could not be pulled: AssertionError:  (CR-04)",
                            kind="organization", psa_id=cid)
                return
            original(p, cid, d, company, kids)

        return [mock.patch.object(PullPass, "_unit", unit)]


REVIEW_MUTANTS = (
    Mutant("moved_records_stay_put", MovedRecordsStayPut, ("SC-03",),
           ("test_SC03_M10_a_ticket_moved_to_another_company_follows_it_to_its_organization",), ""),
    Mutant("skipped_companies_reported_as_failures", SkippedCompaniesReportedAsFailures, ("CR-04",),
           ("test_CR04_SC01_an_out_of_scope_company_is_skipped_not_reported_as_a_failure",), ""),
)
MUTANTS.update({m.name: m for m in REVIEW_MUTANTS})


# ======================================================================================================================
# kit-s29a (issue 13, fresh seed-29 sample of bench/mutation.py: pull:201:ReplaceComparisonOperator_NotEq_LtE:0 and
# pull:85:AddNot:1): suites/survivors_s29_pull.py.
# ======================================================================================================================
class IncrementalCompaniesNeverMatchByName(MutantAdapter):
    """A pass that did not read every company reads no name-matching candidate organizations, so a new Autotask
    company read by an incremental pass creates a second organization instead of linking to the unlinked one of its
    name (M-01, M-07), as pull:201:ReplaceComparisonOperator_NotEq_LtE:0 (no non-blank name is ever looked up)."""

    def patches(self) -> list[Any]:
        from reference_impl.docstore.store import DocStore

        original = DocStore.match_candidates

        def match_candidates(store: Any, kind: str, *args: Any, **kw: Any) -> Any:
            return [] if kind == "organization" else original(store, kind, *args, **kw)

        return [mock.patch.object(DocStore, "match_candidates", match_candidates)]


class IncrementalLinksOfUnreadRecordsUnknown(MutantAdapter):
    """An incremental pass resolves references only to the Autotask records it read (or whose links it loaded for
    them): the link of an unchanged parent company is never read from the store, so an edited company's Parent
    Organization is emptied (FM-O3), as pull:85:AddNot:1 (the batched link read of _LinkIndex.prefetch skipped)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import _LinkIndex

        return [mock.patch.object(_LinkIndex, "prefetch", lambda *_a, **_k: None)]


S29A_MUTANTS = (
    Mutant("incremental_companies_never_match_by_name", IncrementalCompaniesNeverMatchByName, ("M-01", "M-07"),
           ("test_M01_SC10_an_incremental_pass_matches_a_new_company_to_its_named_organization",), ""),
    Mutant("incremental_links_of_unread_records_unknown", IncrementalLinksOfUnreadRecordsUnknown, ("FM-O3",),
           ("test_FMO3_SC10_an_incremental_pass_keeps_the_parent_of_an_edited_company",), ""),
)
MUTANTS.update({m.name: m for m in S29A_MUTANTS})


# ======================================================================================================================
# kit-s29c (bench/mutation.py seed-29 sample, service:251:ReplaceBinaryOperator_Sub_FloorDiv:0 and
# service:255:ReplaceBinaryOperator_Sub_Mod:1): suites/survivors_s29_service.py.
# ======================================================================================================================
class FailedPassCrashesAfterCredentialFailure(MutantAdapter):
    """A failed pass computes its API call count as ``calls // calls0`` instead of ``calls - calls0``: a division by
    zero, so a crash instead of a reported failure (C-11), when the pass started on a connection rebuilt after a
    credential failure (Q24), which has made no call yet; as service:251:ReplaceBinaryOperator_Sub_FloorDiv:0 and
    service:255:ReplaceBinaryOperator_Sub_Mod:1."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        client = self.svc.client()
        calls0 = client.stats.calls
        r = super().run_pass(full)
        if not r["ok"]:
            r["api_calls"] = client.stats.calls // calls0
        return r


class FailedSyncNowCrashesAfterCredentialFailure(MutantAdapter):
    """A failed "Sync now" computes its API call count as ``calls // calls0``: a division by zero, so a crash instead
    of an aborted sync (R-03, C-11), when it runs on a connection rebuilt after a credential failure (Q24); as
    service_controls:68:ReplaceBinaryOperator_Sub_FloorDiv:0 (and its Mod and Div siblings)."""

    def sync_now(self, kind: str, record_id: Any) -> None:
        client = self.svc.client()
        calls0 = client.stats.calls
        r = self._call("sync_now", kind, record_id)
        if r.status == "error":
            r.api_calls = client.stats.calls // calls0


S29C_MUTANTS = (
    Mutant("failed_pass_crashes_after_credential_failure", FailedPassCrashesAfterCredentialFailure, ("C-11",),
           ("test_C11_a_failure_right_after_a_credential_failure_is_reported_not_a_crash",), ""),
    Mutant("failed_sync_now_crashes_after_credential_failure", FailedSyncNowCrashesAfterCredentialFailure,
           ("C-11", "R-03"), ("test_C11_a_failure_right_after_a_credential_failure_is_reported_not_a_crash",), ""),
)
MUTANTS.update({m.name: m for m in S29C_MUTANTS})


# kit-s29b (issue 13, the fresh seed-29 sample of bench/mutation.py): suites/survivors_s29_push.py.
# ======================================================================================================================
class PhoneExtensionDropsThePhone(MutantAdapter):
    """Autotask's Phone/Ext is pulled as the extension alone: the phone number is dropped when an extension is set
    (§3.3), as mapping:184:ReplaceOrWithAnd:4 (``phone and ''``)."""

    def patches(self) -> list[Any]:
        import dataclasses

        from reference_impl.sync.mapping import MAPPINGS

        def pull(r: dict[str, Any], _c: Any) -> Any:
            phone, ext = r.get("phone") or None, r.get("extension") or None
            return f"{phone and ''} x{ext}" if ext else phone

        contact = [dataclasses.replace(fm, pull=pull) if fm.itg == "work_phone" else fm for fm in MAPPINGS["contact"]]
        return [mock.patch.dict(MAPPINGS, {"contact": contact})]


class IncrementalPassesKeepStaleCiTypes(MutantAdapter):
    """An incremental pass never re-reads Autotask's configuration item types: a type added since the last full pass
    is shown by its id, not its name (§3.2), as pull_fetch:112:ReplaceOrWithAnd:2 and
    pull_fetch:112:ReplaceComparisonOperator_LtE_GtE:0."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        from reference_impl.client.client import AutotaskClient

        original = AutotaskClient.query_all
        seen: dict[str, Any] = self.__dict__.setdefault("_ci_types_seen", {})

        def query_all(client: Any, entity: str, *a: Any, **kw: Any) -> Any:
            if entity == "ConfigurationItemTypes" and not full and "types" in seen:
                return [dict(t) for t in seen["types"]]
            out = original(client, entity, *a, **kw)
            if entity == "ConfigurationItemTypes":
                seen["types"] = [dict(t) for t in out]
            return out

        with mock.patch.object(AutotaskClient, "query_all", query_all):
            return super().run_pass(full)


class LocationsMatchOnAnyAddress(MutantAdapter):
    """A pushed location matches an unlinked Autotask location of its company whose address fields are merely set
    where its own are (values not compared, M-04), as push:286:ReplaceComparisonOperator_Is_IsNot:8."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher.find_match

        def find_match(p: Any, rec: Any, company: Any, *, fingerprint: bool = False) -> Any:
            found = original(p, rec, company, fingerprint=fingerprint)
            if found is not None or rec.kind != "location":
                return found
            f = rec.fields
            mine = [f.get(n) is None for n in ("address1", "address2", "city", "region", "country")]
            if all(mine):
                return None
            items = p.client.query_all("CompanyLocations", [{"op": "eq", "field": "companyID", "value": company}],
                                       ["id", "address1", "address2", "city", "state", "countryID"])
            for i in sorted(items, key=lambda i: int(i["id"])):
                theirs = [i.get(n) is None for n in ("address1", "address2", "city", "state", "countryID")]
                if theirs == mine and not p._taken("location", int(i["id"])):
                    return int(i["id"])
            return None

        return [mock.patch.object(Pusher, "find_match", find_match)]


class LostLocationCreateLinksALowerName(MutantAdapter):
    """The retry of a lost location create looks for a location named before its own name instead of with its own
    name (R-05, FM-L2), as push:290:ReplaceComparisonOperator_Eq_Lt:25."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher.find_match

        def find_match(p: Any, rec: Any, company: Any, *, fingerprint: bool = False) -> Any:
            if rec.kind != "location" or not fingerprint:
                return original(p, rec, company, fingerprint=fingerprint)
            found = original(p, rec, company, fingerprint=False)
            if found is not None:
                return found
            items = p.client.query_all("CompanyLocations", [{"op": "eq", "field": "companyID", "value": company}],
                                       ["id", "name", "createDate"])
            cands = [i for i in items if str(i.get("name") or "") < str(rec.fields.get("name") or "")
                     and not p._taken("location", int(i["id"]))]
            return p._earliest(cands)

        return [mock.patch.object(Pusher, "find_match", find_match)]


class KeylessDevicesMatchByName(MutantAdapter):
    """A device without serial number or MAC is matched to an unlinked Autotask device of its company with the same
    name and product instead of created (M-11), as push:334:ReplaceAndWithOr:12."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        original = Pusher._match_configuration

        def match(p: Any, rec: Any, items: Any, fingerprint: bool) -> Any:
            return original(p, rec, items, True)

        return [mock.patch.object(Pusher, "_match_configuration", match)]


S29B_MUTANTS = (
    Mutant("phone_extension_drops_the_phone", PhoneExtensionDropsThePhone, ("§3.3", "FM-G1"),
           ("test_FMG1_a_contacts_phone_and_extension_both_reach_the_work_phone",), ""),
    Mutant("incremental_passes_keep_stale_ci_types", IncrementalPassesKeepStaleCiTypes, ("§3.2", "FM-G1"),
           ("test_FMG1_SC02_an_incremental_pass_names_a_configuration_type_added_since_the_last_pass",), ""),
    Mutant("locations_match_on_any_address", LocationsMatchOnAnyAddress, ("M-04",),
           ("test_M04_P06_a_location_with_another_address_is_not_matched",), ""),
    Mutant("lost_location_create_links_a_lower_name", LostLocationCreateLinksALowerName, ("R-05", "FM-L2"),
           ("test_R05_FML2_the_retry_of_a_lost_location_create_links_the_location_it_created",), ""),
    Mutant("keyless_devices_match_by_name", KeylessDevicesMatchByName, ("M-11",),
           ("test_M11_P06_a_device_without_serial_or_mac_is_created_not_matched",), ""),
)
MUTANTS.update({m.name: m for m in S29B_MUTANTS})


# ======================================================================================================================
# kit-s41d (bench/mutation.py seed-41 sample, service_push:300:ReplaceBinaryOperator_Sub_FloorDiv:1,
# service_push:300:ReplaceBinaryOperator_Sub_LShift:1, service_push:127:ReplaceBinaryOperator_BitOr_BitXor:1):
# suites/survivors_s41_service.py.
# ======================================================================================================================
class _PushAllCallCount(MutantAdapter):
    """Push-all writes ``op(calls, calls0)`` as its pass's API call count instead of ``calls - calls0``."""

    @staticmethod
    def op(calls: int, calls0: int) -> int:
        return calls - calls0

    def push_all(self) -> None:
        store = self.svc.store
        original = store.finish_pass

        def finish_pass(pass_id: int, status: str, summary: dict[str, Any], api_calls: int,
                        error: str | None = None) -> None:
            if status == "ok":
                calls = self.svc.client().stats.calls
                api_calls = self.op(calls, calls - api_calls)
            original(pass_id, status, summary, api_calls, error)

        with mock.patch.object(store, "finish_pass", finish_pass):  # push-all only, not the passes
            super().push_all()


class PushAllCrashesOnAFreshConnection(_PushAllCallCount):
    """Push-all's call count is ``calls // calls0``: a division by zero, so a crash before the final completion log
    (PA-06), when push-all is the first use of a connection rebuilt after a credential failure (Q24), as
    service_push:300:ReplaceBinaryOperator_Sub_FloorDiv:1."""

    @staticmethod
    def op(calls: int, calls0: int) -> int:
        return calls // calls0


class PushAllCrashesAfterManyCalls(_PushAllCallCount):
    """Push-all's call count is ``calls << calls0``: too large for the store once some sixty API calls were made
    before it, so a crash before the final completion log (PA-06), as
    service_push:300:ReplaceBinaryOperator_Sub_LShift:1."""

    @staticmethod
    def op(calls: int, calls0: int) -> int:
        return calls << calls0


class RetryDropsTheFieldSavedAgain(MutantAdapter):
    """The retry of a failed push of a linked record leaves out the fields that failed before, even when the save
    changes them again: nothing is pushed although the link is enabled again (P-02, R-05), as
    service_push:127:ReplaceBinaryOperator_BitOr_BitXor:1 (changed ^ pending instead of changed | pending)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.push import Pusher

        store = self.svc.store
        original = Pusher.update_linked

        def update_linked(p: Any, rec: Any, names: list[str]) -> Any:
            ps = store.get_push_state(rec.kind, rec.id)
            if ps:
                names = sorted(set(names) - set(ps["pending_fields"]))
            return original(p, rec, names)

        return [mock.patch.object(Pusher, "update_linked", update_linked)]


S41D_MUTANTS = (
    Mutant("push_all_crashes_on_a_fresh_connection", PushAllCrashesOnAFreshConnection, ("PA-06",),
           ("test_PA05_PA06_C11_push_all_right_after_a_credential_failure_completes",), ""),
    Mutant("push_all_crashes_after_many_calls", PushAllCrashesAfterManyCalls, ("PA-06",),
           ("test_PA05_PA06_push_all_after_several_passes_completes",), ""),
    Mutant("retry_drops_the_field_saved_again", RetryDropsTheFieldSavedAgain, ("P-02", "R-05"),
           ("test_P11_R05_P02_a_retry_saving_the_failed_field_again_pushes_its_new_value",), ""),
)
MUTANTS.update({m.name: m for m in S41D_MUTANTS})


# kit-s41c (issue 13, the fresh seed-41 sample of bench/mutation.py): suites/survivors_s41_rules.py.
# ======================================================================================================================
class ClearedCountryBreaksThePush(MutantAdapter):
    """A location's Country that names no Autotask country (cleared) crashes the push instead of clearing countryID
    (§3.4, P-02), as mapping:201:ReplaceAndWithOr:4 (``val is not None or val.isdigit()``)."""

    def patches(self) -> list[Any]:
        import dataclasses

        from reference_impl.sync.mapping import MAPPINGS, Lookups

        def push(v: Any, lk: Any) -> dict[str, Any]:
            val: Any = Lookups.value_of(lk.countries, v)
            return {"countryID": int(val) if val is not None or val.isdigit() else None}  # type: ignore[attr-defined]

        location = [dataclasses.replace(fm, push=push) if fm.itg == "country" else fm for fm in MAPPINGS["location"]]
        return [mock.patch.dict(MAPPINGS, {"location": location})]


S41C_MUTANTS = (
    Mutant("cleared_country_breaks_the_push", ClearedCountryBreaksThePush, ("§3.4", "P-02"),
           ("test_P02_a_location_whose_country_is_cleared_pushes_the_blank_country",), ""),
)
MUTANTS.update({m.name: m for m in S41C_MUTANTS})


# kit-s41a (issue 13, fresh seed-41 sample of bench/mutation.py: pull:390:ReplaceComparisonOperator_Eq_Gt:12 and
# pull:424:ReplaceComparisonOperator_NotEq_Gt:4): suites/survivors_s41_pull_a.py.
# ======================================================================================================================
class TicketsJustOutOfTheWindowFrozen(MutantAdapter):
    """A synced ticket the pass reads although it is out of the months window (a day or two out: within the slack of
    the server-side pre-filter) is frozen, left linked and enabled, instead of orphaned (T-07/Q15 default, O-03), as
    pull:390:ReplaceComparisonOperator_Eq_Gt:12 (``ticket_out_of_window > "freeze"``: true for 'orphan')."""

    def patches(self) -> list[Any]:
        from reference_impl.sync import plan as plan_mod

        original = plan_mod.plan

        def plan(kind: str, *args: Any, **kw: Any) -> Any:
            if kind == "ticket":
                in_scope = kw["in_scope"]
                kw["frozen"] = lambda r: not in_scope(r)
            return original(kind, *args, **kw)

        return [mock.patch.object(plan_mod, "plan", plan)]


class ReferencesResolveIntoEarlierOrganizations(MutantAdapter):
    """A reference to an Autotask record of another company resolves to its documentation record when that record's
    organization has a smaller id than the referring record's (M-14, FM-C3): a ticket of the later organization gets
    a configuration of the earlier one, as pull:424:ReplaceComparisonOperator_NotEq_Gt:4 (``hit[1] > org_id``)."""

    def patches(self) -> list[Any]:
        from reference_impl.sync.pull import PullPass

        def resolve(p: Any, kind: str, psa_id: int | None, org_id: int, overlay: Any) -> int | None:
            if psa_id is None:
                return None
            hit = overlay[kind].get(psa_id) or p.local[kind].get(psa_id)
            if hit is None or hit[1] > org_id:
                return None
            return int(hit[0])

        return [mock.patch.object(PullPass, "_resolve", resolve)]


S41A_MUTANTS = (
    Mutant("tickets_just_out_of_the_window_frozen", TicketsJustOutOfTheWindowFrozen, ("T-07", "Q15", "O-03"),
           ("test_T07_Q15_a_ticket_just_outside_the_window_is_orphaned",), ""),
    Mutant("references_resolve_into_earlier_organizations", ReferencesResolveIntoEarlierOrganizations,
           ("M-14", "FM-C3"), ("test_M14_FMC3_a_ticket_never_gets_a_configuration_of_another_organization",), ""),
)
MUTANTS.update({m.name: m for m in S41A_MUTANTS})


# ======================================================================================================================
# kit-s41b (issue 13, fresh seed-41 sample of bench/mutation.py: pull:552:ReplaceOrWithAnd:17):
# suites/survivors_s41_pull_b.py.
# ======================================================================================================================
class ParentsWrittenOnRecordsThatNoLongerSync(MutantAdapter):
    """The parent step of a pull sets the Parent Organization of every linked organization whose company it read,
    whatever the link's state: an orphaned (O-05) or disabled (R-01) organization follows its company's parent change
    in Autotask (FM-O3), as pull:552:ReplaceOrWithAnd:17 (the link state is checked only for unlinked records)."""

    def patches(self) -> list[Any]:
        import dataclasses

        from reference_impl.docstore.store import DocStore
        from reference_impl.sync.pull import PullPass

        original = PullPass._finish_parents
        get_record = DocStore.get_record

        def any_state(store: Any, kind: str, rid: Any) -> Any:
            rec = get_record(store, kind, rid)
            if rec is not None and rec.link is not None and rec.link.state not in ("enabled", "error"):
                rec = dataclasses.replace(rec, link=dataclasses.replace(rec.link, state="enabled"))
            return rec

        def finish_parents(p: Any, companies: Any) -> Any:
            with mock.patch.object(DocStore, "get_record", any_state):
                return original(p, companies)

        return [mock.patch.object(PullPass, "_finish_parents", finish_parents)]


S41B_MUTANTS = (
    Mutant("parents_written_on_records_that_no_longer_sync", ParentsWrittenOnRecordsThatNoLongerSync,
           ("O-05", "R-01"), ("test_O05_R01_FMO3_a_parent_change_does_not_reach_an_organization_that_no_longer_syncs",),
           ""),
)
MUTANTS.update({m.name: m for m in S41B_MUTANTS})
