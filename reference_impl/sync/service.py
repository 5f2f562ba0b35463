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
from typing import Any

from reference_impl.client import (
    DEFAULT_ZONE_LOOKUP_URL,
    AutotaskClient,
    AutotaskError,
    CredentialError,
    Credentials,
    ZoneInfo,
)
from reference_impl.clock import Clock, SystemClock, iso, parse_at_datetime
from reference_impl.docstore import KINDS, LINK_STATES, DocStore
from reference_impl.sync.pull import PassResult, ProgressFn, run_pull
from reference_impl.sync.service_base import (
    ADMIN_ROLES,
    MANAGE_COMMANDS,
    NotConnectedError,
    RecordActionError,
    RoleError,
)
from reference_impl.sync.service_controls import RecordControls
from reference_impl.sync.service_push import PushOperations
from reference_impl.sync.settings import (
    SettingsError,
    SettingsValidation,
    SyncSettings,
    is_api_only_resource,
    validate_settings,
)

# Re-exported: the refusals live in service_base, the record controls and the push in their own parts.
__all__ = ["ADMIN_ROLES", "MANAGE_COMMANDS", "ClientFactory", "ConnectionConfig", "NotConnectedError",
           "RecordActionError", "RoleError", "SyncService", "default_client_factory"]


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


class SyncService(RecordControls, PushOperations):
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

