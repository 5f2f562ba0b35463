"""The mock settings parity does not probe, each group with the reason (a test checks every setting is
either probed or listed here)."""

from __future__ import annotations

NOT_PROBED: dict[str, tuple[str, ...]] = {
    "needs concurrent load on the tenant": ("thread_limit", "thread_limit_mode"),
    "needs the hourly threshold exhausted": ("latency_tiers", "threshold_enforced", "throttle_time_scale"),
    "needs a webhook receiver the tenant can reach": ("webhook_timeout_seconds", "webhook_retry_delays",
                                                     "webhook_deactivate_after"),
    "the mock's own machinery": ("external_url", "fault_seed", "journal_size", "journal_body_limit",
                                 "admin_token_max_failures", "admin_token_backoff_seconds",
                                 "admin_token_backoff_max_seconds", "snapshot_cache", "snapshot_cache_dir",
                                 "snapshot_min_bytes", "console"),
}
