"""SyncService, part: per-record controls (§7), pause and resume (D-01, P-14), disconnect (D-02..D-07) and the
bulk actions by category (R-07). See reference_impl.sync.service_base for how the parts fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reference_impl.client import AutotaskError
from reference_impl.docstore import KINDS, LINK_STATES, Record
from reference_impl.sync.pull import PassResult
from reference_impl.sync.service_base import (
    ADMIN_ROLES,
    MANAGE_COMMANDS,
    RecordActionError,
    RoleError,
    ServiceBase,
)

if TYPE_CHECKING:
    pass


class RecordControls(ServiceBase):
    """What a user does to single records and to the whole integration, besides syncing and pushing."""

    # ------------------------------------------------------------------ per-record controls (§7)
    def _record(self, kind: str, record_id: int) -> Record:
        rec = self.store.get_record(kind, record_id)
        if rec is None:
            raise RecordActionError(f"{kind} {record_id} does not exist")
        return rec

    def disable_sync(self, kind: str, record_id: int) -> None:
        """R-01: immediately disconnect the record; later pulls leave it alone and do not duplicate it (M-12)."""
        rec = self._record(kind, record_id)
        if rec.link is None:
            raise RecordActionError(f"{kind} {record_id} is not synced")
        self.store.set_link_state(kind, record_id, "disabled")
        self.store.log(None, "info", f"Sync disabled on {kind} {record_id} (R-01)", kind=kind, record_id=record_id,
                       psa_id=rec.link.psa_id)

    def enable_sync(self, kind: str, record_id: int) -> None:
        """R-02/R-06: resume syncing; the next pull overwrites mapped fields with Autotask's values."""
        rec = self._record(kind, record_id)
        if rec.link is None or rec.link.state != "disabled":
            raise RecordActionError(f"{kind} {record_id} is not disconnected")
        self.store.set_link_state(kind, record_id, "enabled")
        self.store.log(None, "info", f"Sync re-enabled on {kind} {record_id} (R-02)", kind=kind,
                       record_id=record_id, psa_id=rec.link.psa_id)

    def sync_now(self, kind: str, record_id: int) -> PassResult:
        """R-03: pull this one record's latest Autotask values now; nothing else changes state or fields."""
        from reference_impl.sync.pull import PullPass

        rec = self._record(kind, record_id)
        if rec.link is None or rec.link.state == "disabled":
            raise RecordActionError(f"{kind} {record_id} is not syncing; enable sync first (R-06)")
        if self.paused:
            raise RecordActionError("The integration is paused: nothing is pulled (P-14)")
        client = self.client()
        pass_id = self.store.start_pass(False)
        p = PullPass(self.store, client, self.settings, self.clock, full=False, pass_id=pass_id)
        calls0 = client.stats.calls
        try:
            fx = p.fetch_one(kind, rec.link.psa_id)
        except AutotaskError as exc:
            self.store.finish_pass(pass_id, "error", {}, client.stats.calls - calls0, exc.message)
            return PassResult(pass_id=pass_id, full=False, status="error", error=exc.message,
                              error_kind=getattr(exc, "kind", "error"))
        if not fx.records[kind]:
            # A successful GET that returns no item proves the deletion (O-01).
            if rec.link.active:
                self.store.set_link_state(kind, record_id, "orphaned")
                if kind == "organization":
                    self.store.orphan_children(record_id)  # O-04
                p.result.counts[kind].orphaned += 1
        else:
            p.apply(fx)
            with self.store.transaction():
                self.store.cache_put("lookups", fx.lookups.to_json())
        p.result.status = "ok"
        p.result.api_calls = client.stats.calls - calls0
        self.store.finish_pass(pass_id, "ok", p.result.to_json(), p.result.api_calls)
        self.store.log(pass_id, "info", f"Sync now of {kind} {record_id} completed (R-03)", kind=kind,
                       record_id=record_id)
        return p.result

    def manage_url(self, kind: str, record_id: int) -> str:
        """R-04: the Autotask URL that opens the corresponding record."""
        rec = self._record(kind, record_id)
        if rec.link is None:
            raise RecordActionError(f"{kind} {record_id} is not linked to Autotask")
        row = self._row()
        web = row.get("web_url") or "https://ww1.autotask.net/"
        code, param = MANAGE_COMMANDS[kind]
        psa = rec.link.psa_id
        if kind == "location":
            co = self.store.get_link("organization", int(rec.organization_id or 0))
            psa = co.psa_id if co else psa
        return f"{web.rstrip('/')}/Autotask/AutotaskExtend/ExecuteCommand.aspx?Code={code}&{param}={psa}"

    def delete_record(self, kind: str, record_id: int) -> None:
        """R-08/Q10: only a record that is not syncing (disabled, orphaned or never linked) can be deleted."""
        rec = self._record(kind, record_id)
        if rec.link is not None and rec.link.active:
            raise RecordActionError(f"{kind} {record_id} is syncing; disable sync before deleting it (R-08)")
        self.store.delete_record(kind, record_id)
        self.store.log(None, "info", f"Deleted {kind} {record_id}", kind=kind, record_id=record_id)

    def delete_orphans(self, kind: str) -> int:
        """O-07: Manage Data bulk-deletes the orphans of a category (hard delete)."""
        ids = [lk.record_id for lk in self.store.links(kind) if lk.state == "orphaned"]
        with self.store.transaction():
            for rid in ids:
                self.store.delete_record(kind, rid)
        self.store.log(None, "info", f"Deleted {len(ids)} orphaned {kind} records (O-07)", kind=kind)
        return len(ids)

    # ------------------------------------------------------------------ pause / resume (D-01, P-14)
    @property
    def paused(self) -> bool:
        row = self.store.get_integration()
        return bool(row and row.get("paused"))

    def pause(self) -> None:
        """D-01: the next sync does not run (one already running finishes); status 'Paused' until resume. Records
        stay viewable and editable; nothing is pushed or pulled (P-14)."""
        self._row()
        self.store.save_integration(paused=1, status="Paused")
        self.store.log(None, "info", "Sync paused (D-01)")

    def resume(self) -> None:
        """D-01: back to normal; edits saved while paused are not pushed retroactively (Q13)."""
        row = self._row()
        self.store.save_integration(paused=0, status="OK" if row.get("last_sync_at") else "Connected")
        self.store.log(None, "info", "Sync resumed (D-01); edits saved while paused must be saved again (Q13)")

    # ------------------------------------------------------------------ disconnect (D-02..D-07)
    def _require_admin(self, role: str) -> None:
        if role not in ADMIN_ROLES:
            raise RoleError(f"Only an Administrator or Manager can do this (role: {role}) (D-08, C-13).")

    def enable_delete_all(self, role: str = "Administrator") -> None:
        """D-04/Q18: the 'delete all data' disconnect option has to be enabled explicitly (by support) first."""
        self._require_admin(role)
        self._row()
        self.store.save_integration(delete_all_enabled=1)
        self.store.log(None, "warning", "Disconnect option 'delete all data' enabled (D-04)")

    def disconnect(self, mode: str = "keep", *, role: str = "Administrator") -> dict[str, int]:
        """Remove the integration. Nothing is written to Autotask in either mode (D-02, P-13).

        * ``"keep"`` (D-02): every link is removed, no record is deleted and no field changes; a later
          reconnect re-matches by key only (D-03, M-16).
        * ``"delete_all"`` (D-04..D-07, Q18): refused unless enabled (:meth:`enable_delete_all`); hard-deletes
          every organization with a link in state enabled, error or orphaned, with all its children including
          unlinked and unmapped data; disabled and never-linked organizations stay. Then as ``"keep"``.
        """
        self._require_admin(role)
        if mode in ("keep", "keep_data", "keep-data"):
            mode = "keep"
        elif mode in ("delete_all", "delete-all", "deleteAll"):
            mode = "delete_all"
        else:
            raise ValueError(f"unknown disconnect mode {mode!r}")
        row = self._row()
        deleted = {k: 0 for k in KINDS}
        if mode == "delete_all" and not row.get("delete_all_enabled"):
            raise RecordActionError("The 'delete all data' option must be enabled first (D-04)")
        with self.store.transaction():
            if mode == "delete_all":
                for lk in self.store.links("organization"):
                    if lk.state not in ("enabled", "error", "orphaned"):
                        continue  # Q18: disabled organizations are kept
                    for child in ("location", "contact", "configuration", "ticket"):
                        deleted[child] += len(self.store.list_records(child, [lk.record_id]))
                    self.store.delete_record("organization", lk.record_id)
                    deleted["organization"] += 1
            removed = self.store.remove_all_links()
            self.store.clear_watermarks()
            self.store.delete_integration()
        self._client = None
        self._pending_settings = None
        if mode == "delete_all":
            self.store.log(None, "warning", "Disconnected and deleted all synced data (D-04): " + ", ".join(
                f"{n} {k}" for k, n in deleted.items()) + f"; {removed} links removed")
        else:
            self.store.log(None, "info", f"Disconnected, data kept (D-02): {removed} links removed, nothing deleted")
        return {"links_removed": removed, **{f"deleted_{k}": n for k, n in deleted.items()}}

    # ------------------------------------------------------------------ bulk actions by category
    def _category(self, kind: str, type_name: str | None, states: tuple[str, ...]) -> list[Record]:
        out = []
        for r in self.store.list_records(kind):
            if r.link is None or r.link.state not in states:
                continue
            if type_name is not None:
                t = r.fields.get("configuration_type" if kind == "configuration" else "org_type")
                if t != type_name:
                    continue
            out.append(r)
        return out

    def bulk_disable(self, kind: str, type_name: str | None = None) -> int:
        """R-07 'pause syncing' for a category (optionally one type): links are kept, state disabled (R-01)."""
        recs = self._category(kind, type_name, ("enabled", "error", "orphaned"))
        with self.store.transaction():
            for r in recs:
                self.store.set_link_state(kind, r.id, "disabled")
        self.store.log(None, "info", f"Sync disabled on {len(recs)} {kind} records (R-07)", kind=kind)
        return len(recs)

    def bulk_enable(self, kind: str, type_name: str | None = None) -> int:
        """R-07/R-06: reconnect the disconnected (disabled) records of a category; the next pull overwrites (R-02)."""
        recs = self._category(kind, type_name, ("disabled",))
        with self.store.transaction():
            for r in recs:
                self.store.set_link_state(kind, r.id, "enabled")
        self.store.log(None, "info", f"Sync re-enabled on {len(recs)} {kind} records (R-07)", kind=kind)
        return len(recs)

    def bulk_disconnect(self, kind: str, type_name: str | None = None) -> int:
        """R-07 'permanently disconnect': the links of a category are removed, the copies are kept."""
        recs = self._category(kind, type_name, LINK_STATES)
        with self.store.transaction():
            for r in recs:
                self.store.remove_link(kind, r.id)
        self.store.log(None, "info", f"Permanently disconnected {len(recs)} {kind} records (R-07)", kind=kind)
        return len(recs)

    def bulk_delete(self, kind: str, type_name: str | None = None) -> int:
        """R-07 'permanently delete' for a category: the records linked to Autotask that are not actively syncing
        (disabled or orphaned, R-08) are hard-deleted. Active records must be disabled first."""
        recs = self._category(kind, type_name, ("disabled", "orphaned"))
        with self.store.transaction():
            for r in recs:
                self.store.delete_record(kind, r.id)
        self.store.log(None, "info", f"Permanently deleted {len(recs)} {kind} records (R-07, R-08)", kind=kind)
        return len(recs)
