"""Autotask REST client: zone lookup, auth, paging, retries/backoff, threshold awareness (issue 4)."""

from reference_impl.client.client import (
    ALL,
    DEFAULT_ZONE_LOOKUP_URL,
    AutotaskClient,
    Credentials,
    ZoneInfo,
    normalize_rest_root,
)
from reference_impl.client.errors import (
    AutotaskError,
    CredentialError,
    IncompleteFetchError,
    InvalidIntegrationCodeError,
    InvalidSecretError,
    InvalidUsernameError,
    PermissionDeniedError,
    RateLimitedError,
    RequestError,
    TransientError,
    ZoneLookupError,
    classify,
)
from reference_impl.client.policy import CallStats, RetryPolicy, ThresholdPolicy, ThresholdState

__all__ = [
    "ALL", "DEFAULT_ZONE_LOOKUP_URL", "AutotaskClient", "Credentials", "ZoneInfo", "normalize_rest_root",
    "AutotaskError", "CredentialError", "IncompleteFetchError", "InvalidIntegrationCodeError",
    "InvalidSecretError", "InvalidUsernameError", "PermissionDeniedError", "RateLimitedError", "RequestError",
    "TransientError", "ZoneLookupError", "classify", "CallStats", "RetryPolicy", "ThresholdPolicy",
    "ThresholdState",
]
