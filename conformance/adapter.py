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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

KINDS = ("organization", "location", "contact", "configuration", "ticket")
LINK_STATES = ("enabled", "orphaned", "disabled", "error")

# Neutral mapped-field names per kind (spec §3, P-FM superset). Adapters translate their own names to these.
NEUTRAL_FIELDS: dict[str, tuple[str, ...]] = {
    "organization": ("name", "status", "org_type", "short_name", "parent_id"),
    "location": ("name", "address1", "address2", "city", "region", "postal_code", "country", "phone", "fax"),
    "contact": ("first_name", "last_name", "title", "work_email", "work_phone", "mobile_phone"),
    "configuration": ("name", "asset_tag", "status", "configuration_type", "manufacturer", "model", "notes",
                      "serial_number", "mac_address"),
    "ticket": ("ticket_number", "title", "status", "priority", "board"),
}

DEFAULT_SETTINGS: dict[str, Any] = {
    "account_types": [],  # SC-01(a): selected Companies.companyType values
    "classification_sync": False,  # SC-01(b)
    "classifications": [],
    "sync_without_classification": False,
    "ci_types": [],  # SC-02: selected ConfigurationItemTypes ids
    "sync_without_ci_type": False,
    "contacts_enabled": True,  # SC-04
    "locations_enabled": False,  # SC-05
    "queues": [],  # SC-07
    "ticket_months": None,
    "two_way": False,  # §8
    "default_account_manager": None,  # SC-08 (a resource id)
    "default_material_code": None,  # SC-09
    "default_product_category": None,
    "mac_udf_name": "MAC Address",  # Q3
    "ad_email_type": None,  # P-10/FM-K4: the Autotask Email Type chosen for AD contacts (None = none chosen)
    "ad_phone_type": None,  # P-10/FM-K4: the Autotask Phone Type chosen for AD contacts
}

CAPABILITIES = frozenset({
    "create_record",  # documentation-side creation (UI or API); needed by most matching properties
    "edit_and_save",  # UI edit+save (FM-G2, P-02, P-05)
    "record_controls",  # disable / enable / sync_now / delete (§7)
    "push",  # two-way push on UI save actually writes to Autotask (P-02, P-06, P-11)
    "push_all",  # PA-*
    "pause",  # P-14, D-01
    "disconnect",  # D-02, D-03, M-16
    "delete_all",  # D-04, D-07
    "status_filter",  # status_filter_options / records_with_status: the list view's Sync Status filter (ST-06)
    "status_log",  # integration_status / logs: the Active Integrations status column and the sync log (ST-01/02)
    "ad_contacts",  # create_record(..., via="ad"): a contact discovered by Network Glue / Active Directory (P-10)
})


class NotSupported(NotImplementedError):
    """The adapter (or the implementation behind it) does not offer this operation."""


class Refused(Exception):
    """The implementation refused an action, as the rules require it to in some situations."""


@dataclass(frozen=True)
class Connection:
    username: str
    secret: str
    integration_code: str
    zone_lookup_url: str  # root, e.g. "https://webservices.autotask.net"
    now: str  # the tenant clock, ISO 8601 UTC


@runtime_checkable
class SyncAdapter(Protocol):
    """What the suites call. Every method is synchronous; a pass has finished when ``run_pass`` returns."""

    capabilities: frozenset[str]

    def connect(self, connection: Connection) -> None:
        """C-01/C-02: connect with the API user; raise on failure."""

    def apply_settings(self, settings: dict[str, Any]) -> None:
        """Validate and save settings (SC-08/SC-09 violations raise :class:`Refused`)."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        """Run one sync pass now. Return ``{"ok": bool, "error": str | None}``; never raise for an Autotask
        failure (C-11: report it)."""

    def records(self, kind: str) -> list[dict[str, Any]]:
        """Every documentation record of ``kind`` in the neutral record shape."""

    def summary(self) -> dict[str, dict[str, int]]:
        """Manage Data counts per kind: ``{"synced", "orphaned", "disconnected", "errors"}`` (ST-04/ST-05)."""

    def create_record(self, kind: str, fields: dict[str, Any], *, org_id: Any = None, created_at: str | None = None,
                      unmapped: dict[str, Any] | None = None, via: str = "ui") -> Any:
        """Create a documentation record; return its id. ``via="ui"``: created and saved in the UI (with two-way
        on that save pushes, P-02/P-06); ``via="api"``/``"import"``: never pushed automatically (P-07).
        ``created_at`` (for tie-break tests, M-08) may be ignored for UI creation. ``via="ad"`` (capability
        ``ad_contacts``, contacts only): a contact that Network Glue discovered in Active Directory; with two-way on
        it is pushed automatically only when an AD Email Type and Phone Type are chosen (P-10)."""

    def edit_and_save(self, kind: str, record_id: Any, changes: dict[str, Any]) -> None:
        """Edit in the UI and save (P-02/P-05). ``changes`` may hold neutral mapped fields and ``unmapped``, and
        ``org_id`` to move a child record to another organization (FM-C7, FM-K3); an adapter without moves may
        ignore ``org_id`` or raise :class:`Refused`."""

    def disable(self, kind: str, record_id: Any) -> None: ...

    def enable(self, kind: str, record_id: Any) -> None: ...

    def sync_now(self, kind: str, record_id: Any) -> None: ...

    def delete_record(self, kind: str, record_id: Any) -> None: ...

    def push_all(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def disconnect(self, mode: str) -> None:
        """``mode`` = "keep" (Option 1, D-02) or "delete" (Option 2, D-04)."""

    def status_filter_options(self, kind: str) -> list[str]:
        """``status_filter``: the Sync Status filter options of the list view, drawn from :data:`LINK_STATES` (and
        only the states some record holds, ST-06)."""

    def records_with_status(self, kind: str, state: str) -> list[dict[str, Any]]:
        """``status_filter``: the list view filtered on one Sync Status (ST-06), neutral records."""

    def integration_status(self) -> str:
        """``status_log``: the Active Integrations status column text (ST-01: "Syncing…", "OK", "Paused", ...)."""

    def logs(self) -> list[str]:
        """``status_log``: the sync log messages, oldest first (ST-02, PA-06)."""

    def close(self) -> None: ...


AdapterFactory = Callable[[], SyncAdapter]


def load_factory(spec: str) -> AdapterFactory:
    """``"package.module:callable"`` → the callable; ``"http://host:port"`` → a factory of remote adapters
    speaking the remote adapter protocol (``conformance.remote``) (``--sync-adapter``)."""
    if spec.lower().startswith(("http://", "https://")):
        from conformance.remote import RemoteAdapterFactory

        return RemoteAdapterFactory(spec)
    mod, _, attr = spec.partition(":")
    if not mod or not attr:
        raise ValueError(f"--sync-adapter wants 'package.module:factory', got {spec!r}")
    obj: Any = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    if not callable(obj):
        raise TypeError(f"{spec} is not callable")
    return obj


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
            self.clock = ManualClock(parse_at_datetime(connection.now).replace(microsecond=0))
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
                "created_at": d.get("created_at")}

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
            self.clock = ManualClock(parse_at_datetime(connection.now).replace(microsecond=0))
            self.svc = SyncService(DocStore(":memory:", clock=self.clock), client_factory=client_factory,
                                   clock=self.clock)
        self.svc.connect(connection.username, connection.secret, connection.integration_code,
                         zone_lookup_url=connection.zone_lookup_url)


def reference_urllib_factory() -> ReferenceUrllibAdapter:
    """``--sync-adapter=conformance.adapter:reference_urllib_factory --live``: the reference sync without requests."""
    return ReferenceUrllibAdapter()
