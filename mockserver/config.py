"""MockConfig: every behaviour the sources leave open is a setting here, defaulting to the documented choice.

Where shared/spec/autotask-api.md marks something UNVERIFIED, the default is the recommendation it makes,
and the setting lets a user switch to the alternative (README "Behaviour settings" lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from mockserver.clock import Clock
from mockserver.settings_model import validate_settings


@dataclass
class MockConfig:
    # Where clients should be told to go (zoneInformation.url, nextPageUrl). None: derived from the request.
    external_url: str | None = None
    # GET /{Entity}/{id} for a missing id: 200 {"item": null} (django-autotask, go-autotask) or 404 (apigrate README).
    missing_item_status: Literal[200, 404] = 200
    # 401 body: the real body is undocumented; "errors" gives {"errors": [...]}, "empty" an empty body.
    unauthorized_body: Literal["errors", "empty"] = "errors"
    # A value sent for a field that cannot change after creation (ConfigurationItems.companyID, Contacts.companyID):
    # "ignore" as the Autotask ConfigurationItems entity docs say, or "error".
    immutable_field_change: Literal["ignore", "error"] = "ignore"
    # py-autotask PATCHes/PUTs /{Entity}/{id}; the real spec has no such route. True accepts it as an extension.
    item_url_writes: bool = True
    # Unknown properties in a write body: ASP.NET model binding ignores them ("ignore"); "error" rejects them.
    unknown_fields: Literal["ignore", "error"] = "ignore"
    # SQL Server's default collation compares strings case-insensitively.
    case_insensitive_strings: bool = True
    # A filter with an unknown operator: "error" (the reading of the real API) or "ignore" (a live
    # report, WYRE-AI/autotask-mcp#193, says the clause is silently dropped).
    unknown_operator: Literal["error", "ignore"] = "error"
    max_page_size: int = 500
    max_conditions: int = 500
    max_udf_filters: int = 1
    # With includeFields: "all" UDFs still come back (research note §4), or only the "named" ones.
    include_fields_udfs: Literal["all", "named"] = "all"
    # Whether the nextPageUrl of a POST query also carries ?search= (then a GET on it works too).
    post_next_page_includes_search: bool = False
    # Permission failures: 403 {"errors": [...]} or the 500 "adequate permissions" variant (django-autotask notes).
    permission_error_status: Literal[403, 500] = 403
    # Threshold accounting (ThresholdInformation); latency / 429 behaviour lives in the throttle module.
    request_threshold: int = 10_000
    threshold_timeframe_minutes: int = 60
    # Admin API (/_mock/...) token; required when binding to anything but loopback.
    admin_token: str | None = None
    # Back-off on wrong admin tokens, per client address (mockserver.admin.auth): after this many wrong
    # tokens in a row, 429 + Retry-After for admin_token_backoff_seconds, doubling per further wrong token
    # up to the maximum. 0 failures turns the back-off off.
    admin_token_max_failures: int = 5
    admin_token_backoff_seconds: float = 1.0
    admin_token_backoff_max_seconds: float = 60.0
    # Fixtures (names, paths or already-parsed documents) loaded at start-up.
    fixtures: list[Any] = field(default_factory=lambda: ["demo"])
    # Snapshot cache of built tenants (mockserver.snapshot): fixture files of at least snapshot_min_bytes
    # start from a pickled snapshot keyed by the file's hash. Directory: snapshot_cache_dir, else
    # $AUTOTASK_MOCK_CACHE_DIR, else $XDG_CACHE_HOME (~/.cache)/autotask-mock/snapshots.
    snapshot_cache: bool = True
    snapshot_cache_dir: str | None = None
    snapshot_min_bytes: int = 4_000_000
    clock: Clock = field(default_factory=Clock)
    # --- failure modes ---
    # Usage-based added latency: [percent of request_threshold already used, seconds added]; the highest tier
    # reached applies ([3RD]: about +0.5 s from 50 %, +1 s from 75 %; exact tiers UNVERIFIED).
    latency_tiers: list[list[float]] = field(default_factory=lambda: [[50, 0.5], [75, 1.0]])
    # Multiplies the threshold window and the usage-based latency (use values <= 1): 0.001 runs the 60-minute
    # window in 3.6 s of tenant-clock time and turns +0.5 s into 0.5 ms (ThresholdInformation still reports the
    # nominal minutes). Fault-rule latency is never scaled.
    throttle_time_scale: float = 1.0
    # At 100 % of request_threshold: 429 + Retry-After until the oldest request leaves the window (False: count only).
    threshold_enforced: bool = True
    # Concurrent requests per integration code x endpoint (DOC-THREAD: 3); 0 turns the limit off.
    thread_limit: int = 3
    # Over the thread limit: "queue" (wait for a free slot) or "reject" (429 naming the limit).
    thread_limit_mode: Literal["queue", "reject"] = "queue"
    # Seed of probabilistic fault rules that carry no seed of their own.
    fault_seed: int = 0
    # Webhook callouts: per-attempt timeout, pauses between attempts (attempts = len + 1; the docs: 5 attempts
    # 30 s apart), and how many consecutive undeliverable events deactivate a webhook (the docs: 25).
    webhook_timeout_seconds: float = 10.0
    webhook_retry_delays: list[float] = field(default_factory=lambda: [30.0, 30.0, 30.0, 30.0])
    webhook_deactivate_after: int = 25
    # --- admin / journal ---
    # Request journal: entries kept per tenant (newest first; older ones are dropped), and how many
    # characters of each request body an entry keeps.
    journal_size: int = 1000
    journal_body_limit: int = 2000
    # The web console at /_mock/ui (mockserver.console); same access rules as the admin API.
    console: bool = True

    def with_overrides(self, **overrides: Any) -> MockConfig:
        """A copy with ``overrides`` applied after checking their declared types and allowed values.

        Raises :class:`mockserver.settings_model.SettingsError` (a ValueError) naming every bad key and value.
        """
        return replace(self, **validate_settings(type(self), overrides))

    def public_settings(self) -> dict[str, Any]:
        """Settings as JSON-friendly data (for the admin API and `serve --print-settings`)."""
        skip = {"clock", "fixtures", "admin_token"}
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in skip}
