"""The seam itself: the SyncAdapter protocol, its neutral shapes and the exceptions it may raise.

Documented in :mod:`conformance.adapter`, which re-exports every name here and is the import path to use.
The protocol lives apart from the factory loader (``conformance.adapter.load_factory``) because the remote
adapter (:mod:`conformance.remote`) implements it and the loader builds remote adapters: with both in one
module the two would import each other.
"""

from __future__ import annotations

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
    # configuration_ids (§3.5 "Configurations"): the local ids of the ticket's configurations; optional, None when
    # the product lacks the field (the property reading it is then skipped)
    "ticket": ("ticket_number", "title", "status", "priority", "board", "configuration_ids"),
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
    "delete_all_gate",  # disconnect(mode="delete_unenabled"): Option 2 asked for before support enabled it (D-04)
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
        ignore ``org_id`` or raise :class:`Refused`. A push Autotask fails is shown as the record's sync-error state
        (P-11); the save may also raise :class:`Refused`, never another exception."""

    def disable(self, kind: str, record_id: Any) -> None: ...

    def enable(self, kind: str, record_id: Any) -> None: ...

    def sync_now(self, kind: str, record_id: Any) -> None:
        """Pull this one record now (R-03). When Autotask fails, the sync is aborted and changes nothing (C-11,
        O-08): return normally or raise :class:`Refused`; any other exception is a crash of the implementation."""

    def delete_record(self, kind: str, record_id: Any) -> None: ...

    def push_all(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def disconnect(self, mode: str) -> None:
        """``mode`` = "keep" (Option 1, D-02) or "delete" (Option 2, D-04, enabled by support first when the product
        gates it). Capability ``delete_all_gate`` (protocol 1.1): ``mode="delete_unenabled"`` asks for Option 2
        *without* support having enabled it; D-04 ("It has to be enabled by support first") requires a
        :class:`Refused` and no change."""

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
