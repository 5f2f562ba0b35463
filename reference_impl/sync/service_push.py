"""SyncService, part: two-way push (§8), documentation-side creation (P-07) and push-all (§9).
See reference_impl.sync.service_base for how the parts fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reference_impl.client import AutotaskError, CredentialError
from reference_impl.clock import iso
from reference_impl.docstore import Record
from reference_impl.sync.mapping import ENTITY_OF, MAPPINGS
from reference_impl.sync.service_base import (
    RecordActionError,
    ServiceBase,
)

if TYPE_CHECKING:
    from reference_impl.sync.push import Pusher, PushOutcome


class PushOperations(ServiceBase):
    """Writes to Autotask: a UI save that pushes, an explicit push, creation on the documentation side, push-all."""

    # ------------------------------------------------------------------ two-way push (§8)
    def ui_save(self, kind: str, record_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Save from the documentation UI, and push it when the rules say so (P-02: immediately, not at the next
        scheduled sync).

        FM-G2: with two-way off, mapped fields of a synced record are read-only. Unmapped data (``unmapped`` key)
        is always editable (FM-G3). ``organization_id`` moves a child to another organization (a move of a linked
        configuration, contact or location is a push error, FM-C7/FM-K3).

        Returns ``{"saved": True, "push": bool, "outcome": {...} | None}``; ``push`` says whether a push ran. It
        runs only with two-way on (P-01), not while paused (P-14/Q13), never for tickets (T-04), orphans (O-09) or
        disabled records (R-01). A linked, enabled record pushes only the changed mapped fields (P-03); an
        unlinked one (pre-existing, imported or API-created, P-04/P-05/P-07) is matched or created (P-06) because
        this *is* the explicit edit+save; a record in the error state retries (R-05, P-11). Mapped fields of a
        synced ticket are refused in any mode (T-04: documentation tickets are read-only).
        """
        rec = self._record(kind, record_id)
        changes = dict(changes)
        unmapped = changes.pop("unmapped", None)
        new_org = changes.pop("organization_id", None)
        moved = new_org is not None and kind != "organization" and int(new_org) != rec.organization_id
        mapped_names = {fm.itg for fm in MAPPINGS[kind]}
        mapped = {k: v for k, v in changes.items() if k in mapped_names and rec.fields.get(k) != v}
        s = self.settings
        two_way = s.two_way
        if kind == "ticket" and (mapped or moved) and rec.link is not None:
            # T-04 [I]: documentation tickets are read-only copies of Autotask tickets, two-way or not.
            raise RecordActionError(
                f"{', '.join(sorted(mapped) or ['organization'])}: tickets are synced from Autotask and read-only (T-04)")
        if (mapped or moved) and rec.link is not None and rec.link.active and not two_way:
            what = sorted(mapped) + (["organization"] if moved else [])
            raise RecordActionError(
                f"{', '.join(what)}: synced from Autotask and read-only while two-way sync is off (FM-G2)")
        if kind == "configuration" and ("manufacturer" in changes or "model" in changes):
            changes.setdefault("manufacturer", rec.fields.get("manufacturer"))  # the store writes them together
            changes.setdefault("model", rec.fields.get("model"))
        with self.store.transaction():
            if changes or moved:
                self.store.update_record(kind, record_id, changes, organization_id=int(new_org) if moved else None)
            if unmapped is not None:
                self.store.set_unmapped(kind, record_id, unmapped)
        eligible = bool(two_way and kind != "ticket" and (rec.link is None or rec.link.active))  # T-04, O-09, R-01
        if not eligible:
            return {"saved": True, "push": False, "outcome": None}
        if self.paused:
            # Q13: edits made while paused are not queued; the user saves again after resuming.
            self.store.log(None, "warning", f"{kind} {record_id} saved while the integration is paused: not pushed; "
                           "edit and save it again after resuming (P-14, Q13)", kind=kind, record_id=record_id)
            return {"saved": True, "push": False, "outcome": None}
        outcome = self._push(kind, record_id, sorted(mapped), moved=moved)
        return {"saved": True, "push": True, "outcome": outcome.to_json()}

    def push_record(self, kind: str, record_id: int) -> dict[str, Any]:
        """The explicit "edit and save with no change" trigger (P-05, R-05): match-or-create an unlinked record,
        retry a record in the error state, push pending fields. Nothing is written for an enabled record without
        pending changes (P-03). Refused with two-way off (P-01), while paused (P-14), for orphans (O-09), disabled
        records (R-01) and tickets (T-04)."""
        rec = self._record(kind, record_id)
        if not self.settings.two_way:
            raise RecordActionError("Two-way sync is off: nothing is written to Autotask (P-01)")
        if self.paused:
            raise RecordActionError("The integration is paused: nothing is pushed (P-14)")
        if kind == "ticket":
            raise RecordActionError("Tickets are pull-only (T-04)")
        if rec.link is not None and not rec.link.active:
            rule = "O-09" if rec.link.state == "orphaned" else "R-01"
            raise RecordActionError(f"{kind} {record_id} is {rec.link.state}: not pushed ({rule})")
        return self._push(kind, record_id, []).to_json()

    def push_error(self, kind: str, record_id: int) -> str | None:
        """P-11: the error text of the last failed push (also for a record that has no link yet)."""
        rec = self._record(kind, record_id)
        if rec.link is not None and rec.link.state == "error":
            return rec.link.error
        ps = self.store.get_push_state(kind, record_id)
        return ps["error"] if ps else None

    def _pusher(self) -> Pusher:
        from reference_impl.sync.push import Pusher

        return Pusher(self.store, self.client(), self.settings, self.clock)

    def _push(self, kind: str, record_id: int, changed: list[str], *, moved: bool = False) -> PushOutcome:
        """One push with its bookkeeping: success clears the error (enabled), failure sets it (P-11)."""
        from reference_impl.sync.push import Ineligible, PushError, PushOutcome, describe_error

        rec = self._record(kind, record_id)
        ps = self.store.get_push_state(kind, record_id)
        pusher = self._pusher()
        names = list(changed)
        try:
            pusher.check_eligible(rec)
        except Ineligible as exc:
            self.store.log(None, "warning", f"{kind} {record_id} not pushed: {exc} (P-08)", kind=kind,
                           record_id=record_id)
            return PushOutcome(kind, record_id, "skipped", reason=str(exc))
        except AutotaskError as exc:
            return self._push_failed(rec, names, describe_error(exc))
        now = iso(self.clock.now())
        try:
            if rec.link is not None:
                if ps:
                    names = sorted(set(names) | set(ps["pending_fields"]))
                if rec.link.state == "error" and not names and not ps:
                    names = pusher.pushable(kind)  # R-05 retry without a record of what failed: push every field
                out = pusher.update_linked(rec, names)
                with self.store.transaction():
                    self.store.set_link_state(kind, record_id, "enabled")
                    self.store.touch_link(kind, record_id, now)
                    self.store.clear_push_state(kind, record_id)
                if out.action == "updated":
                    self.store.log(None, "info", f"Pushed {', '.join(names) or 'all fields'} of {kind} {record_id} to "
                                   f"{ENTITY_OF[kind]} {out.psa_id} (P-02)", kind=kind, record_id=record_id,
                                   psa_id=out.psa_id)
                elif rec.link.state == "error":
                    self.store.log(None, "info", f"{kind} {record_id}: sync error cleared (R-05)", kind=kind,
                                   record_id=record_id, psa_id=out.psa_id)
                return out
            out = pusher.match_or_create(rec, pending_create=bool(ps and ps["pending_create"]))
            company = None if kind == "organization" else pusher.org_company(rec)
            assert out.psa_id is not None  # a matched or created record has its Autotask id
            with self.store.transaction():
                self.store.set_link(kind, record_id, int(out.psa_id), "enabled", synced_at=now,
                                    psa_company_id=company)
                self.store.clear_push_state(kind, record_id)
            verb = "created in Autotask as" if out.action == "created" else "matched and linked to"
            self.store.log(None, "info", f"{kind} {record_id} {verb} {ENTITY_OF[kind]} {out.psa_id} (P-06)",
                           kind=kind, record_id=record_id, psa_id=out.psa_id)
            if out.action == "linked" and names:
                # The save's own changes go to the matched record too (P-02); nothing else is overwritten (P-03).
                upd = self._push(kind, record_id, names)
                if upd.action == "error":
                    return upd
            return out
        except (PushError, AutotaskError) as exc:
            return self._push_failed(self._record(kind, record_id), names, describe_error(exc))

    def _push_failed(self, rec: Record, names: list[str], message: str) -> PushOutcome:
        """P-11: the record shows the sync-error state with Autotask's text; edit+save retries (R-05)."""
        from reference_impl.sync.push import PushOutcome

        kind, rid = rec.kind, rec.id
        ps = self.store.get_push_state(kind, rid)
        pending_create = bool(ps and ps["pending_create"])
        with self.store.transaction():
            if rec.link is not None:
                self.store.set_link_state(kind, rid, "error", error=message)
            keep = set(names) | set(ps["pending_fields"] if ps else [])
            self.store.set_push_state(kind, rid, pending_fields=keep, pending_create=pending_create, error=message)
        self.store.log(None, "error", f"Push of {kind} {rid} failed: {message} (P-11)", kind=kind, record_id=rid,
                       psa_id=rec.link.psa_id if rec.link else None)
        return PushOutcome(kind, rid, "error", rec.link.psa_id if rec.link else None, error=message)

    # ------------------------------------------------------------------ documentation-side creation (P-07)
    def api_create(self, kind: str, fields: dict[str, Any], *, organization_id: int | None = None,
                   unmapped: dict[str, Any] | None = None, created_at: str | None = None) -> int:
        """A record created through the documentation API or an import: stored, never pushed automatically
        (P-07); an edit+save in the UI pushes it later (P-05)."""
        rid = self.store.create_record(kind, dict(fields), organization_id=organization_id, unmapped=unmapped,
                                       created_at=created_at)
        self.store.log(None, "info", f"{kind} {rid} created through the API/import: not pushed (P-07)", kind=kind,
                       record_id=rid)
        return rid

    def ui_create(self, kind: str, fields: dict[str, Any], *, organization_id: int | None = None,
                  unmapped: dict[str, Any] | None = None) -> dict[str, Any]:
        """A record created and saved in the UI: with two-way on it is pushed at once like any UI save (P-02, P-06;
        FM-O1 new organizations, FM-C5 new configurations). Returns ``{"id", "push", "outcome"}``."""
        rid = self.store.create_record(kind, dict(fields), organization_id=organization_id, unmapped=unmapped)
        out = self.ui_save(kind, rid, {})
        return {"id": rid, **out}

    def ad_create(self, kind: str, fields: dict[str, Any], *, organization_id: int | None = None,
                  unmapped: dict[str, Any] | None = None) -> dict[str, Any]:
        """P-10: a contact that Network Glue discovered in Active Directory and created in the documentation.

        With two-way on it is pushed automatically only when both an AD Email Type and an AD Phone Type are chosen
        (``ad_email_type``/``ad_phone_type``); with "None" chosen for either it is stored and not pushed (like an
        API create, P-07: an edit+save pushes it later, P-05). The push itself is the ordinary one (P-06 matching,
        FM-K4 channels). The AD ↔ documentation matching of P-10 (email, then first and last name) is Network
        Glue's, not part of this sync. Returns ``{"id", "push", "outcome"}``."""
        if kind != "contact":
            raise RecordActionError(f"Only contacts come from Active Directory, not {kind} records (P-10)")
        rid = self.store.create_record(kind, dict(fields), organization_id=organization_id, unmapped=unmapped)
        s = self.settings
        if not (s.two_way and s.ad_email_type and s.ad_phone_type) or self.paused:
            self.store.log(None, "info", f"AD contact {rid} created: not pushed automatically (P-10: two-way off, "
                           "paused, or no AD Email Type / Phone Type chosen)", kind=kind, record_id=rid)
            return {"id": rid, "push": False, "outcome": None}
        return {"id": rid, "push": True, "outcome": self._push(kind, rid, []).to_json()}

    # ------------------------------------------------------------------ push-all (§9)
    def enable_push_all(self, role: str = "Administrator") -> None:
        """PA-04: push-all is enabled explicitly (Kaseya does it after an account-manager review)."""
        self._require_admin(role)
        row = self._row()
        if row.get("push_all_state") == "completed":
            raise RecordActionError("Push-all has already been completed and cannot run again (PA-04)")
        self.store.save_integration(push_all_enabled=1)
        self.store.log(None, "warning", "Push-all enabled (PA-04): the next push-all sends every eligible record to "
                       "Autotask without matching; duplicates are expected (PA-02)")

    def push_all(self) -> dict[str, Any]:
        """PA-01..PA-07: push every eligible organization, then its configurations, contacts and locations, with no
        matching (PA-02: duplicates are expected), no parent–child links (PA-03), linking every pushed record
        (PA-05), logging every skipped record (PA-07) and a final completion entry (PA-06). Refused unless
        enabled, and refused once completed (PA-04). An interrupted run (a failure that stops it) can be started
        again and continues where it stopped without duplicates (records it linked are no longer eligible; an
        uncertain create is looked up before it is repeated)."""
        from reference_impl.sync.push import PUSH_KINDS, Ineligible, PushError, describe_error

        row = self._row()
        if not row.get("push_all_enabled"):
            raise RecordActionError("Push-all is not enabled; it must be enabled explicitly first (PA-04)")
        if row.get("push_all_state") == "completed":
            raise RecordActionError("Push-all has already been completed and cannot run again (PA-04)")
        if self.paused:
            raise RecordActionError("The integration is paused: nothing is pushed (P-14)")
        pass_id = self.store.start_pass(False)
        self.store.save_integration(push_all_state="running", status="Pushing…")  # PA-06
        self.store.log(pass_id, "info", "Push-all started (PA-01)")
        pusher = self._pusher()
        counts = {k: {"pushed": 0, "skipped": 0, "failed": 0} for k in PUSH_KINDS}
        client = self.client()
        calls0 = client.stats.calls
        order = ["organization", "location", "contact", "configuration"]  # parents before the children using them
        for kind in order:
            for rec in self.store.list_records(kind):
                if rec.link is not None and rec.link.active:
                    continue  # PA-07: already actively linked — not eligible (not logged: nothing to do)
                why = None
                if rec.link is not None:
                    why = f"its link is {rec.link.state}"
                else:
                    try:
                        pusher.check_eligible(rec)
                        company = None if kind == "organization" else pusher.org_company(rec)
                    except Ineligible as exc:
                        why = str(exc)
                    except PushError as exc:
                        why = exc.message
                if why is not None:
                    counts[kind]["skipped"] += 1
                    self.store.log(pass_id, "info", f"Push-all skipped {kind} {rec.id}: {why} (PA-07)", kind=kind,
                                   record_id=rec.id)
                    continue
                ps = self.store.get_push_state(kind, rec.id)
                try:
                    found = None
                    if ps and ps["pending_create"]:  # an earlier, interrupted attempt may have created it
                        found = pusher.find_match(rec, company, fingerprint=True)
                    psa = found if found is not None else pusher.create(rec, company, push_all=True).psa_id
                except (PushError, AutotaskError) as exc:
                    counts[kind]["failed"] += 1
                    msg = describe_error(exc)
                    cur = self.store.get_push_state(kind, rec.id)
                    self.store.set_push_state(kind, rec.id, pending_create=bool(cur and cur["pending_create"]),
                                              error=msg)
                    self.store.log(pass_id, "error", f"Push-all could not push {kind} {rec.id}: {msg} (P-11)",
                                   kind=kind, record_id=rec.id)
                    if isinstance(exc, CredentialError):
                        self.store.save_integration(push_all_state="interrupted", status="Error", last_error=msg)
                        self.store.finish_pass(pass_id, "error", counts, client.stats.calls - calls0, msg)
                        raise
                    continue
                assert psa is not None  # a found or created record has its Autotask id
                with self.store.transaction():
                    self.store.set_link(kind, rec.id, int(psa), "enabled", synced_at=iso(self.clock.now()),
                                        psa_company_id=company)  # PA-05
                    self.store.clear_push_state(kind, rec.id)
                counts[kind]["pushed"] += 1
                self.store.log(pass_id, "info", f"Push-all pushed {kind} {rec.id} as {ENTITY_OF[kind]} {psa}",
                               kind=kind, record_id=rec.id, psa_id=int(psa))
        self.store.save_integration(push_all_state="completed", push_all_enabled=0,
                                    push_all_completed_at=iso(self.clock.now()), status="OK")
        self.store.finish_pass(pass_id, "ok", counts, client.stats.calls - calls0)
        self.store.log(pass_id, "info", "Push-all completed: " + ", ".join(
            f"{k} {v['pushed']} pushed, {v['skipped']} skipped, {v['failed']} failed" for k, v in counts.items())
            + " (PA-06)")
        return {"status": "completed", "counts": counts, "pass_id": pass_id}
