"""Pull sync (Autotask → documentation platform): settings, mapping, matching, scope, plan, pull, service."""

from reference_impl.sync.pull import KindCounts, PassResult
from reference_impl.sync.service import (
    ClientFactory,
    ConnectionConfig,
    NotConnectedError,
    RecordActionError,
    RoleError,
    SyncService,
    default_client_factory,
)
from reference_impl.sync.settings import SettingsError, SettingsValidation, SyncSettings, validate_settings

__all__ = ["SyncService", "SyncSettings", "SettingsError", "SettingsValidation", "validate_settings", "PassResult",
           "KindCounts", "ClientFactory", "ConnectionConfig", "NotConnectedError", "default_client_factory",
           "RecordActionError", "RoleError"]
