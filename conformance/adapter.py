"""The adapter seam: the only way the conformance suites touch a sync implementation.

A third party implements :class:`SyncAdapter` for their Autotask ↔ documentation sync and passes a *factory*
(``package.module:callable`` returning a fresh, unconnected adapter) to ``pytest --sync-adapter=...``. The suites
create a fresh Autotask tenant (the project's mock, in-process) for every example, call
``adapter.connect(connection)`` and then drive the implementation only through the methods below.

Neutral shapes
--------------
Kinds: ``organization``, ``location``, ``contact``, ``configuration``, ``ticket``.

A **record** is a plain dict::

    {"kind": "configuration", "id": 7,               # the implementation's local id (any hashable)
     "org_id": 3,                                    # local id of its organization (None for organizations)
     "fields": {"name": ..., "serial_number": ...},  # mapped fields, neutral names (NEUTRAL_FIELDS)
     "unmapped": {...},                              # documentation-only data the sync must never touch
     "link": {"psa_id": 100001, "state": "enabled"} or None,   # state in LINK_STATES (+ "error" details)
     "created_at": "2025-01-01T00:00:00Z"}

``link["psa_id"]`` is ``None`` only for a record in the ``error`` state that never had an Autotask counterpart (a
failed push of a record that was never linked, P-11/ST-03). ``link["error"]`` holds the error details the
sync-error state shows (R-05, P-11); it may be omitted or ``None`` for the other states.

Optional (protocol 1.1): an organization record may carry ``"primary_location_id"``, the local id of the location
record that is the organization's *Primary Location* (FM-O2; the "Organization Location ↔ Primary Location" row of
the spec's mapping table), or ``None`` when it has none. Properties that need it are skipped for an adapter whose
organization records lack the key, so 1.0 adapters keep working unchanged.

**Settings** are a dict with the keys of :data:`DEFAULT_SETTINGS` (picklist values as strings, §2 of the spec).

**Connection** (:class:`Connection`): API user name, secret, integration code, the zone-lookup root URL (the real
``https://webservices.autotask.net`` in-process), and the tenant clock's ``now`` so implementations with an
injectable clock can start from it.

Optional features are announced in ``capabilities`` (a set of the names in :data:`CAPABILITIES`); a suite test that
needs a missing capability is *skipped* with the reason "adapter does not support X". Methods of a missing capability
raise :class:`NotSupported` (a ``NotImplementedError``).

Refusals the rules require (editing a read-only synced field with two-way off, deleting a syncing record, invalid
settings, ...) raise :class:`Refused`.
"""

from __future__ import annotations

import importlib
from typing import Any, cast

# The protocol and its shapes live in conformance.adapter_protocol; this module is their public import path.
from conformance.adapter_protocol import (
    CAPABILITIES,
    DEFAULT_SETTINGS,
    KINDS,
    LINK_STATES,
    NEUTRAL_FIELDS,
    AdapterFactory,
    Connection,
    NotSupported,
    Refused,
    SyncAdapter,
)

__all__ = ["CAPABILITIES", "DEFAULT_SETTINGS", "KINDS", "LINK_STATES", "NEUTRAL_FIELDS", "AdapterFactory",
           "Connection", "NotSupported", "ReferenceAdapter", "ReferenceUrllibAdapter", "Refused", "SyncAdapter", "load_factory",
           "reference_factory", "reference_urllib_factory"]


def load_factory(spec: str) -> AdapterFactory:
    """``"package.module:callable"`` → the callable; ``"http://host:port"`` → a factory of remote adapters
    speaking the remote adapter protocol (``conformance.remote``) (``--sync-adapter``)."""
    if spec.lower().startswith(("http://", "https://")):
        from conformance.remote import RemoteAdapterFactory

        # a RemoteAdapter answers every SyncAdapter method (through __getattr__), which mypy cannot see
        return cast(AdapterFactory, RemoteAdapterFactory(spec))
    mod, _, attr = spec.partition(":")
    if not mod or not attr:
        raise ValueError(f"--sync-adapter wants 'package.module:factory', got {spec!r}")
    obj: Any = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{spec} is not callable")
    return cast(AdapterFactory, obj)  # the user's factory: the suites check what its adapters do


# ============================================================================================ reference adapter
# Candidate method names of features being added to the reference implementation (issue 5): the adapter
# lights them up as soon as SyncService grows one of them.
_FEATURE_METHODS = {
    "push_all": ("push_all",),
    "pause": ("pause",),
    "resume": ("resume",),
    "disconnect": ("disconnect",),
    "push": ("push_record", "push"),
}


class ReferenceAdapter:
    """:class:`SyncAdapter` over ``reference_impl.sync.SyncService`` (public API only)."""

    def __init__(self) -> None:
        self.svc: Any = None
        self.clock: Any = None
        from reference_impl.sync import SyncService

        caps = {"create_record", "edit_and_save", "record_controls"}
        for cap, names in _FEATURE_METHODS.items():
            if any(callable(getattr(SyncService, n, None)) for n in names):
                caps.add(cap)
        if "disconnect" in caps:
            caps.add("delete_all")
            if callable(getattr(SyncService, "enable_delete_all", None)):
                caps.add("delete_all_gate")
        if callable(getattr(SyncService, "status_filter_options", None)):
            caps.add("status_filter")
        if callable(getattr(SyncService, "logs", None)) and callable(getattr(SyncService, "status", None)):
            caps.add("status_log")
        if callable(getattr(SyncService, "ad_create", None)):
            caps.add("ad_contacts")
        if "pause" in caps and "resume" not in caps:
            caps.discard("pause")
        caps.discard("resume")
        self.capabilities = frozenset(caps)

    # -------------------------------------------------------------- plumbing
    def _require(self, cap: str) -> None:
        if cap not in self.capabilities:
            raise NotSupported(f"adapter does not support {cap}")

    @staticmethod
    def _translate(exc: Exception) -> Exception:
        from reference_impl.sync import SettingsError
        from reference_impl.sync.service import RecordActionError

        if isinstance(exc, (SettingsError, RecordActionError)):
            return Refused(str(exc))
        return exc

    # -------------------------------------------------------------- connection / settings / passes
    def connect(self, connection: Connection) -> None:
        from reference_impl.clock import ManualClock, parse_at_datetime
        from reference_impl.docstore import DocStore
        from reference_impl.sync import SyncService

        if self.svc is None:
            now = parse_at_datetime(connection.now)
            assert now is not None, f"Connection.now is not a date: {connection.now!r}"
            self.clock = ManualClock(now.replace(microsecond=0))
            self.svc = SyncService(DocStore(":memory:", clock=self.clock), clock=self.clock)
        self.svc.connect(connection.username, connection.secret, connection.integration_code,
                         zone_lookup_url=connection.zone_lookup_url)

    def apply_settings(self, settings: dict[str, Any]) -> None:
        from reference_impl.sync import SyncSettings

        s = {**DEFAULT_SETTINGS, **settings}
        try:
            self.svc.save_settings(SyncSettings(**s))
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc) from exc

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        r = self.svc.run_pass(full=full)
        return {"ok": r.status == "ok", "error": r.error}

    # -------------------------------------------------------------- reading
    @staticmethod
    def neutral(d: dict[str, Any]) -> dict[str, Any]:
        kind = d["kind"]
        sync = d.get("sync")
        return {"kind": kind, "id": d["id"], "org_id": d.get("organization_id"),
                "fields": {f: d.get(f) for f in NEUTRAL_FIELDS[kind]},
                "unmapped": dict(d.get("unmapped") or {}),
                "link": None if sync is None else {"psa_id": sync["psa_id"], "state": sync["state"],
                                                   **({"error": sync["error"]} if sync.get("error") else {})},
                "created_at": d.get("created_at"),
                **({"primary_location_id": d.get("primary_location_id")} if kind == "organization" else {})}

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [self.neutral(d) for d in self.svc.records(kind)]

    def summary(self) -> dict[str, dict[str, int]]:
        return {k: {n: v[n] for n in ("synced", "orphaned", "disconnected", "errors")}
                for k, v in self.svc.summary().items()}

    # -------------------------------------------------------------- documentation side
    def create_record(self, kind: str, fields: dict[str, Any], *, org_id: Any = None, created_at: str | None = None,
                      unmapped: dict[str, Any] | None = None, via: str = "ui") -> Any:
        try:
            if via == "ad":
                self._require("ad_contacts")
                return self.svc.ad_create(kind, dict(fields), organization_id=org_id, unmapped=unmapped)["id"]
            if via == "ui" and created_at is None and hasattr(self.svc, "ui_create"):
                return self.svc.ui_create(kind, dict(fields), organization_id=org_id, unmapped=unmapped)["id"]
            if hasattr(self.svc, "api_create"):
                return self.svc.api_create(kind, dict(fields), organization_id=org_id, unmapped=unmapped,
                                           created_at=created_at)
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc) from exc
        # Older SyncService without a creation API: the documentation platform's own store.
        return self.svc.store.create_record(kind, dict(fields), organization_id=org_id, unmapped=unmapped,
                                            created_at=created_at)

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        changes = dict(changes)
        if "org_id" in changes:  # a move to another organization (FM-C7, FM-K3)
            changes["organization_id"] = changes.pop("org_id")
        try:
            self.svc.ui_save(kind, record_id, changes)  # pushes by itself when the rules say so (P-02)
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc) from exc

    # -------------------------------------------------------------- per-record controls
    def _call(self, name: str, *args: Any) -> Any:
        try:
            return getattr(self.svc, name)(*args)
        except Exception as exc:  # noqa: BLE001
            raise self._translate(exc) from exc

    def disable(self, kind: str, record_id: Any) -> None:
        self._call("disable_sync", kind, record_id)

    def enable(self, kind: str, record_id: Any) -> None:
        self._call("enable_sync", kind, record_id)

    def sync_now(self, kind: str, record_id: Any) -> None:
        self._call("sync_now", kind, record_id)

    def delete_record(self, kind: str, record_id: Any) -> None:
        self._call("delete_record", kind, record_id)

    # -------------------------------------------------------------- lifecycle (issue 5: lights up when it lands)
    def push_all(self) -> None:
        self._require("push_all")
        if hasattr(self.svc, "enable_push_all"):
            self._call("enable_push_all")  # PA-04: explicitly enabled first
        self._call("push_all")

    def pause(self) -> None:
        self._require("pause")
        self._call("pause")

    def resume(self) -> None:
        self._require("pause")
        self._call("resume")

    def disconnect(self, mode: str) -> None:
        if mode == "delete_unenabled":  # D-04: Option 2 before support enabled it (must be refused)
            self._require("delete_all_gate")
            self._call("disconnect", "delete_all")
            return
        self._require("disconnect" if mode == "keep" else "delete_all")
        if mode == "delete":
            if hasattr(self.svc, "enable_delete_all"):
                self._call("enable_delete_all")  # D-04: enabled by support first
            mode = "delete_all"
        self._call("disconnect", mode)

    # -------------------------------------------------------------- list filter, status column, logs (ST-01/02/06)
    def status_filter_options(self, kind: str) -> list[str]:
        self._require("status_filter")
        return list(self.svc.status_filter_options(kind))

    def records_with_status(self, kind: str, state: str) -> list[dict[str, Any]]:
        self._require("status_filter")
        return [self.neutral(d) for d in self.svc.records(kind, state=state)]

    def integration_status(self) -> str:
        self._require("status_log")
        return str(self.svc.status().get("status"))

    def logs(self) -> list[str]:
        self._require("status_log")
        return [e["message"] for e in self.svc.logs(100_000)]  # oldest first

    def close(self) -> None:
        if self.svc is not None:
            self.svc.store.close()


def reference_factory() -> ReferenceAdapter:
    """The factory for ``--sync-adapter=conformance.adapter:reference_factory`` (the default)."""
    return ReferenceAdapter()


# ============================================================================ reference adapter without requests
class _RequestsErrorsSession:
    """The stdlib session (conformance.live_http) under the names of the errors the reference client classifies.

    Only the exception *types* come from ``requests``; no request goes through it (nor through ``responses``).
    """

    def __init__(self) -> None:
        from conformance.live_http import StdlibSession

        self._http = StdlibSession()

    def request(self, method: str, url: str, **kw: Any) -> Any:
        import requests

        from conformance.live_http import TransportConnectionError, TransportTimeout

        try:
            return self._http.request(method, url, **kw)
        except TransportTimeout as exc:
            raise requests.ReadTimeout(str(exc)) from exc
        except TransportConnectionError as exc:
            raise requests.ConnectionError(str(exc)) from exc


class ReferenceUrllibAdapter(ReferenceAdapter):
    """The reference sync with its HTTP done by the standard library (``http.client``), not ``requests``.

    It only works against the live mock (``--live`` or served remotely): interception cannot see it. It proves the
    kit judges implementations by their HTTP traffic alone.
    """

    def connect(self, connection: Connection) -> None:
        from reference_impl.client import AutotaskClient
        from reference_impl.clock import ManualClock, parse_at_datetime
        from reference_impl.docstore import DocStore
        from reference_impl.sync import SyncService

        def client_factory(cfg: Any, clock: Any) -> Any:
            return AutotaskClient(cfg.credentials, zone_lookup_url=cfg.zone_lookup_url, zone_url=cfg.zone_url,
                                  cached_zone=cfg.cached_zone, clock=clock, session=_RequestsErrorsSession())

        if self.svc is None:
            now = parse_at_datetime(connection.now)
            assert now is not None, f"Connection.now is not a date: {connection.now!r}"
            self.clock = ManualClock(now.replace(microsecond=0))
            self.svc = SyncService(DocStore(":memory:", clock=self.clock), client_factory=client_factory,
                                   clock=self.clock)
        self.svc.connect(connection.username, connection.secret, connection.integration_code,
                         zone_lookup_url=connection.zone_lookup_url)


def reference_urllib_factory() -> ReferenceUrllibAdapter:
    """``--sync-adapter=conformance.adapter:reference_urllib_factory --live``: the reference sync without requests."""
    return ReferenceUrllibAdapter()
