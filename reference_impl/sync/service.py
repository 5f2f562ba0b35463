"""The programmatic face of the reference sync: connect, settings, passes, status, records, logs.

Why a service object: the CLI, the demo and the conformance adapter all drive the same operations of §0.3
(``connect``, ``saveSettings``, ``fullSync``/``manualSync``) and must see identical behaviour. The service owns the
rules about *when* things happen (C-01 validate-then-create, C-11 abort-without-changes, SC-10 scheduling, SC-13
full sync after a scope change); the pull owns *what* a pass does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from reference_impl.client import (
    DEFAULT_ZONE_LOOKUP_URL,
    AutotaskClient,
    AutotaskError,
    CredentialError,
    Credentials,
    ZoneInfo,
)
from reference_impl.clock import Clock, SystemClock, iso, parse_at_datetime
from reference_impl.docstore import KINDS, LINK_STATES, DocStore, Record
from reference_impl.sync.mapping import ENTITY_OF, MAPPINGS
from reference_impl.sync.pull import PassResult, ProgressFn, run_pull
from reference_impl.sync.settings import (
    SettingsError,
    SettingsValidation,
    SyncSettings,
    is_api_only_resource,
    validate_settings,
)

if TYPE_CHECKING:
    from reference_impl.sync.push import Pusher, PushOutcome


@dataclass(frozen=True)
class ConnectionConfig:
    """What a client factory needs to build a client for the stored integration."""

    credentials: Credentials
    zone_lookup_url: str
    zone_url: str | None  # manual override (C-03)
    cached_zone: ZoneInfo | None  # Q24: cache the zone between passes


ClientFactory = Callable[[ConnectionConfig, Clock], AutotaskClient]


def default_client_factory(cfg: ConnectionConfig, clock: Clock) -> AutotaskClient:
    return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, zone_url=cfg.zone_url,
                          cached_zone=cfg.cached_zone, clock=clock)


class NotConnectedError(RuntimeError):
    """An operation needs a connected integration (C-01)."""


class RoleError(PermissionError):
    """C-13: only the Administrator or Manager role may set up or remove the integration."""


class RecordActionError(RuntimeError):
    """A per-record action the rules forbid (FM-G2 read-only fields, R-08 delete while syncing, …)."""


ADMIN_ROLES = frozenset({"Administrator", "Manager"})
# Autotask's ExecuteCommand codes that open a record in the web UI.
MANAGE_COMMANDS = {"organization": ("OpenAccount", "AccountID"), "configuration": ("OpenInstalledProduct",
                   "InstalledProductID"), "contact": ("OpenContact", "ContactID"),
                   "ticket": ("OpenTicketDetail", "TicketID"), "location": ("OpenAccount", "AccountID")}


class SyncService:
    """``SyncService(store, client_factory, settings, clock)``; see the module docstring."""

    def __init__(self, store: DocStore, client_factory: ClientFactory | None = None,
                 settings: SyncSettings | None = None, clock: Clock | None = None,
                 notify: Callable[[str], None] | None = None) -> None:
        self.store = store
        self.notify = notify or (lambda msg: self.store.log(None, "info", f"Notification sent: {msg}"))
        self.client_factory = client_factory or default_client_factory
        self.clock: Clock = clock or store.clock or SystemClock()
        self._client: AutotaskClient | None = None
        self.last_result: PassResult | None = None
        if settings is not None and self.connected:
            self._store_settings(settings)
        self._pending_settings = settings

    # ------------------------------------------------------------------ connection (§1)
    @property
    def connected(self) -> bool:
        return self.store.get_integration() is not None

    def connect(self, username: str, secret: str, integration_code: str, *,
                zone_lookup_url: str | None = None, zone_url: str | None = None,
                role: str = "Administrator") -> ZoneInfo:
        """C-01: validate every field with a real call; only then create (or re-authenticate) the integration.

        C-02/C-03: the zone comes from the lookup unless a manual Zone URL is given, which is used as-is.
        C-10: the secret is stored for later passes but never returned by :meth:`status`.
        C-13: only an Administrator or Manager may connect.
        Raises the client's classified errors (C-04..C-07) and stores nothing when they happen.
        """
        if role not in ADMIN_ROLES:
            raise RoleError(f"Only an Administrator or Manager can set up the Autotask integration (role: {role}).")
        cfg = ConnectionConfig(Credentials(username, secret, integration_code),
                               zone_lookup_url or DEFAULT_ZONE_LOOKUP_URL, zone_url or None, None)
        client = self.client_factory(cfg, self.clock)
        zone = client.test_connection()
        existing = self.store.get_integration()
        values: dict[str, Any] = dict(username=username, secret=secret, integration_code=integration_code,
                      zone_lookup_url=cfg.zone_lookup_url, zone_override=cfg.zone_url, zone_url=zone.url,
                      zone_name=zone.zone_name, web_url=zone.web_url, last_error=None)
        if existing is None:
            values["status"] = "Connected"
            values["full_sync_required"] = 1
        self.store.save_integration(**values)
        self._client = client
        self.store.log(None, "info", f"Connected to Autotask ({zone.host})")
        if self._pending_settings is not None and self.store.get_integration()["settings"] is None:  # type: ignore
            self._store_settings(self._pending_settings)
        return zone

    def client(self) -> AutotaskClient:
        """The client for the stored integration (built once, reusing the cached zone, Q24)."""
        if self._client is None:
            row = self._row()
            cached = None
            if row.get("zone_url") and not row.get("zone_override"):
                cached = ZoneInfo(url=row["zone_url"], zone_name=row.get("zone_name"), source="lookup")
            cfg = ConnectionConfig(Credentials(row["username"], row["secret"], row["integration_code"]),
                                   row.get("zone_lookup_url") or DEFAULT_ZONE_LOOKUP_URL, row.get("zone_override"),
                                   cached)
            self._client = self.client_factory(cfg, self.clock)
        return self._client

    def _row(self) -> dict[str, Any]:
        row = self.store.get_integration()
        if row is None:
            raise NotConnectedError("Not connected to Autotask: run 'autotask-sync connect' first.")
        return row

    # ------------------------------------------------------------------ settings (§2)
    @property
    def settings(self) -> SyncSettings:
        row = self.store.get_integration()
        if row is None or not row.get("settings"):
            return self._pending_settings or SyncSettings()
        return SyncSettings.from_json(json.loads(row["settings"]))

    def validate_settings(self, settings: SyncSettings) -> SettingsValidation:
        """SC-08/SC-09. The account manager is looked up in Autotask so an API-only user is refused on save."""
        manager = None
        if settings.default_account_manager is not None:
            client = self.client()
            manager = client.get("Resources", int(settings.default_account_manager))
            if manager is not None and manager.get("licenseType") is not None:
                labels = client.picklists("Resources").get("licenseType", {})
                manager = {**manager, "licenseTypeLabel": labels.get(str(manager["licenseType"]))}
        return validate_settings(settings, manager)

    def save_settings(self, settings: SyncSettings) -> SettingsValidation:
        """Validate (SC-08, SC-09), store, and queue a sync (SC-10). A scope change needs a full sync (SC-13)."""
        self._row()
        v = self.validate_settings(settings)
        if not v.ok:
            raise SettingsError(v)
        self._store_settings(settings)
        return v

    def _store_settings(self, settings: SyncSettings) -> None:
        row = self._row()
        old = SyncSettings.from_json(json.loads(row["settings"])) if row.get("settings") else None
        scope_changed = old is None or old.scope_key() != settings.scope_key()
        now = self.clock.now()
        values: dict[str, Any] = {"settings": json.dumps(settings.to_json(), sort_keys=True),
                                  "settings_saved_at": iso(now),
                                  "next_sync_at": iso(now + timedelta(minutes=settings.sync_interval_minutes))}
        if scope_changed:
            values["full_sync_required"] = 1
        self.store.save_integration(**values)
        self.store.log(None, "info", "Sync settings saved; sync queued for "
                       f"{values['next_sync_at']}" + (" (full sync: scope changed, SC-13)" if scope_changed else ""))

    def sync_due(self) -> bool:
        """SC-10/Q22: a queued sync is due once its scheduled time has passed."""
        row = self.store.get_integration()
        if row is None or not row.get("next_sync_at"):
            return False
        due = parse_at_datetime(row["next_sync_at"])
        return due is not None and self.clock.now() >= due

    def tenant_options(self) -> dict[str, dict[str, str]]:
        """Choices for the settings screen, read from the tenant: account types, classifications, CI types,
        queues and (non-API) resources for the Default Account Manager."""
        c = self.client()
        co = c.picklists("Companies")
        tk = c.picklists("Tickets")
        types = c.query_all("ConfigurationItemTypes", None, ["id", "name"])
        try:
            icons = c.query_all("ClassificationIcons", None, ["id", "name"])
            classifications = {str(i["id"]): str(i.get("name")) for i in icons}
        except AutotaskError:
            classifications = co.get("classification", {})
        res = c.query_all("Resources", None, ["id", "firstName", "lastName", "email", "userName", "licenseType",
                                               "isActive"])
        lic = c.picklists("Resources").get("licenseType", {})
        people = {}
        for r in res:
            r = {**r, "licenseTypeLabel": lic.get(str(r.get("licenseType")))}
            if not is_api_only_resource(r) and r.get("isActive") is not False:
                people[str(r["id"])] = " ".join(x for x in (r.get("firstName"), r.get("lastName")) if x)
        return {"account_types": co.get("companyType", {}), "classifications": classifications,
                "ci_types": {str(t["id"]): str(t.get("name")) for t in types}, "queues": tk.get("queueID", {}),
                "resources": people, "product_categories": self._optional_picklist("Products", "productCategory")}

    def _optional_picklist(self, entity: str, fld: str) -> dict[str, str]:
        try:
            return self.client().picklists(entity).get(fld, {})
        except AutotaskError:
            return {}

    # ------------------------------------------------------------------ passes (§11)
    def run_pass(self, full: bool = True, progress: ProgressFn | None = None) -> PassResult:
        """Run one pull pass now ("Start Manual Sync", SC-10).

        An incremental request is escalated to a full pass when no full pass has completed yet or the scope
        changed since (SC-13). On a credential/permission failure (C-11) or an incomplete fetch (O-08) the pass
        aborts, the integration shows an error, the failure is logged, and no record or link changes.
        """
        row = self._row()
        settings = self.settings
        if row.get("paused"):
            # D-01/P-14: a paused integration pulls nothing; the status stays 'Paused'.
            self.store.log(None, "info", "Sync not run: the integration is paused (D-01, P-14)")
            return PassResult(pass_id=0, full=full, status="paused", error="The integration is paused.",
                              error_kind="paused")
        if not full and (row.get("full_sync_required") or not row.get("last_full_sync_at")):
            full = True
        pass_id = self.store.start_pass(full)
        self.store.save_integration(status="Syncing…")  # ST-01
        self.store.log(pass_id, "info", f"Sync started ({'full' if full else 'incremental'})")  # ST-02
        client = self.client()
        calls0 = client.stats.calls
        try:
            result = run_pull(self.store, client, settings, self.clock, full=full, pass_id=pass_id,
                              progress=progress)
        except AutotaskError as exc:
            now = iso(self.clock.now())
            status = "Error"
            self.store.save_integration(status=status, last_error=exc.message, last_sync_at=now,
                                        next_sync_at=iso(self.clock.now() + timedelta(
                                            minutes=settings.sync_interval_minutes)))
            self.store.log(pass_id, "error", f"Sync aborted, nothing was changed: {exc.message}")
            kind = getattr(exc, "kind", "error")
            self.store.finish_pass(pass_id, "error", {"error_kind": kind}, client.stats.calls - calls0,
                                  exc.message)
            self.store.log(pass_id, "info", "Sync finished with errors")
            result = PassResult(pass_id=pass_id, full=full, status="error", error=exc.message, error_kind=kind,
                                api_calls=client.stats.calls - calls0)
            if isinstance(exc, CredentialError):
                self._client = None  # re-detect the zone next time (Q24)
            self.last_result = result
            return result
        finished = self.clock.now()
        values: dict[str, Any] = {"status": "OK", "last_error": None, "last_sync_at": iso(finished),
                                  "next_sync_at": iso(finished + timedelta(minutes=settings.sync_interval_minutes))}
        first = False
        if full:
            values.update(last_full_sync_at=iso(finished), full_sync_required=0)
            first = not row.get("initial_sync_notified")
            if first:
                values["initial_sync_notified"] = 1
        if self.paused:
            values["status"] = "Paused"  # D-01: paused while this pass ran; it finished, the next will not run
        zone = client.zone()
        values.update(zone_url=zone.url) if zone.source == "lookup" else None
        self.store.save_integration(**values)
        self.store.finish_pass(pass_id, "ok", result.to_json(), result.api_calls)
        for w in result.warnings:
            self.store.log(pass_id, "warning", w)
        c = result.counts
        self.store.log(pass_id, "info", "Sync completed: " + ", ".join(  # ST-02 completion entry
            f"{k} +{c[k].created} ~{c[k].updated} ={c[k].linked + c[k].relinked} -{c[k].orphaned}" for k in c)
            + f"; {result.api_calls} API calls")
        self.last_result = result
        if first:
            self.notify("The initial Autotask sync has completed.")  # ST-01
        return result

    def run_due(self, progress: ProgressFn | None = None) -> PassResult | None:
        """Run the queued sync if it is due (SC-10); the scheduler/CLI calls this."""
        return self.run_pass(full=False, progress=progress) if self.sync_due() and not self.paused else None

    # ------------------------------------------------------------------ status (§11)
    def summary(self) -> dict[str, dict[str, Any]]:
        """Manage Data (ST-04) per category; ST-05 invariants hold by construction: the counts are the sync states
        the records show (:meth:`_state_counts`), so they sum to the records showing a sync state and records
        showing none are not counted. A failed push of a never-linked record shows the error state and is counted
        under ``errors`` (P-11, ST-03, ST-05: errors = #error)."""
        counts = self._state_counts()
        s = self.settings
        active = {"organization": bool(s.account_types), "configuration": bool(s.ci_types or s.sync_without_ci_type),
                  "contact": s.contacts_enabled, "location": s.locations_enabled, "ticket": bool(s.queues)}
        out: dict[str, dict[str, Any]] = {}
        for k in KINDS:
            st = counts.get(k, dict.fromkeys(LINK_STATES, 0))
            out[k] = {"synced": st["enabled"], "orphaned": st["orphaned"], "disconnected": st["disabled"],
                      "errors": st["error"], "linked": sum(st.values()), "sync_active": active[k]}
        return out

    def _state_counts(self) -> dict[str, dict[str, int]]:
        """Records per kind and sync state, as the records show them: the link states plus the records that never
        had an Autotask counterpart and whose push failed, which show the error state (P-11, ST-03). ST-05 counts
        "errors = #error" over what the records show, so those count as errors (and as linked: the four counts
        sum to the records showing a sync state)."""
        counts = self.store.link_counts()
        for (kind, _rid) in self.store.unlinked_push_errors():
            counts.setdefault(kind, dict.fromkeys(LINK_STATES, 0))["error"] += 1
        return counts

    def status(self) -> dict[str, Any]:
        """Integration status (ST-01) — never includes the secret (C-10)."""
        row = self.store.get_integration()
        if row is None:
            return {"connected": False, "status": "Not connected"}
        last = self.store.passes(1)
        zone_url = row.get("zone_override") or row.get("zone_url")
        return {
            "connected": True, "status": row["status"], "username": row["username"],
            "zone_url": zone_url, "zone_host": ZoneInfo(zone_url).host if zone_url else None,
            "zone_source": "override" if row.get("zone_override") else "lookup",
            "last_error": row.get("last_error"), "last_sync_at": row.get("last_sync_at"),
            "last_full_sync_at": row.get("last_full_sync_at"), "next_sync_at": row.get("next_sync_at"),
            "full_sync_required": bool(row.get("full_sync_required")),
            "paused": bool(row.get("paused")),
            "push_all": {"enabled": bool(row.get("push_all_enabled")), "state": row.get("push_all_state"),
                         "completed_at": row.get("push_all_completed_at")},
            "delete_all_enabled": bool(row.get("delete_all_enabled")),
            "last_pass": last[0] if last else None, "summary": self.summary(),
        }

    def records(self, kind: str, state: str | None = None) -> list[dict[str, Any]]:
        """Records of a kind with their sync state (ST-03); ``state`` filters like the list view (ST-06)."""
        out = []
        failed = self.store.unlinked_push_errors(kind)
        for r in self.store.list_records(kind):
            d = r.as_dict()
            if r.link is None and (kind, r.id) in failed:
                # P-11/ST-03: a failed push of a never-linked record leaves it in the sync-error state with
                # Autotask's message, although it has no Autotask id yet.
                d["sync"] = {"psa_id": None, "state": "error", "psa_changed_at": None, "synced_at": None,
                             "error": failed[(kind, r.id)]}
            if state is not None:
                if state == "none" and d["sync"] is not None:
                    continue
                if state != "none" and (d["sync"] is None or d["sync"]["state"] != state):
                    continue
            out.append(d)
        return out

    def status_filter_options(self, kind: str) -> list[str]:
        """ST-06: only statuses held by at least one record are offered as list filters."""
        counts = self._state_counts().get(kind, {})  # a failed first push offers 'error' too (P-11)
        return [s for s in LINK_STATES if counts.get(s, 0) > 0]

    def logs(self, limit: int = 200, pass_id: int | None = None) -> list[dict[str, Any]]:
        return self.store.logs(limit, pass_id)

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
