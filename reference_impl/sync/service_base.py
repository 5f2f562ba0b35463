"""What every part of :class:`~reference_impl.sync.service.SyncService` shares: its refusals, the role and
command tables they are judged by, and the state the parts read (the store, the clock, the client).

SyncService is assembled from parts by concern: connection, settings, passes and status
(reference_impl.sync.service), per-record controls, pause and disconnect
(reference_impl.sync.service_controls), two-way push, documentation-side creation and push-all
(reference_impl.sync.service_push). Each part derives from :class:`ServiceBase`, which declares what the
others provide, so every part type-checks on its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reference_impl.client import AutotaskClient
from reference_impl.clock import Clock
from reference_impl.docstore import DocStore, Record
from reference_impl.sync.settings import SyncSettings


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


class ServiceBase:
    """The state SyncService.__init__ sets, and the members one part calls on another."""

    store: DocStore
    clock: Clock
    _client: AutotaskClient | None
    _pending_settings: SyncSettings | None

    if TYPE_CHECKING:
        # provided by reference_impl.sync.service.SyncService
        @property
        def settings(self) -> SyncSettings: ...

        def client(self) -> AutotaskClient: ...

        def _row(self) -> dict[str, Any]: ...

        # provided by reference_impl.sync.service_controls.RecordControls
        @property
        def paused(self) -> bool: ...

        def _record(self, kind: str, record_id: int) -> Record: ...

        def _require_admin(self, role: str) -> None: ...
