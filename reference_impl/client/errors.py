"""Failure classes of the Autotask client, and the pure classifier that picks one.

Why distinct classes: the spec makes each failure a different user-facing story (C-04..C-07) and a different
sync consequence. Credential and permission failures abort a pass and change nothing (C-11) and are never
retried; transient failures are retried with backoff; an incomplete enumeration must never orphan (O-08).
Every exception carries ``kind`` (a stable short id for CLIs and logs) and a message a person can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

APIUSER_HINT = "API-only usernames end in @APIUSER.com."


class AutotaskError(Exception):
    """Base of everything the client raises."""

    kind = "error"
    retryable = False

    def __init__(self, message: str, *, status: int | None = None, messages: tuple[str, ...] = (),
                 url: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.messages = messages
        self.url = url


class CredentialError(AutotaskError):
    """Any failure that a retry cannot fix while the credentials are unchanged (C-07, C-11)."""

    kind = "credentials"


class InvalidUsernameError(CredentialError):
    """C-06: HTTP 500 'Zone information could not be determined' — the zone lookup does not know the user."""

    kind = "bad-username"


class InvalidSecretError(CredentialError):
    """C-04: HTTP 401 — the username or the secret is wrong."""

    kind = "bad-secret"


class InvalidIntegrationCodeError(CredentialError):
    """C-06 (py-autotask classification): HTTP 500 'IntegrationCode is invalid'."""

    kind = "bad-integration-code"


class PermissionDeniedError(CredentialError):
    """C-05: HTTP 403, or HTTP 500 '... does not have the adequate permissions' (autotask-api.md §2)."""

    kind = "permission"


class ZoneLookupError(CredentialError):
    """C-06/C-07: the zone lookup failed in a way that is not transient (e.g. a 500 without a known body)."""

    kind = "zone-lookup"


class TransientError(AutotaskError):
    """A failure worth retrying: 429, 5xx other than the credential ones, timeouts, dropped connections."""

    kind = "unavailable"
    retryable = True


class RateLimitedError(TransientError):
    """HTTP 429 (hourly threshold exceeded). ``retry_after`` is the server's hint in seconds, if any."""

    kind = "rate-limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class IncompleteFetchError(AutotaskError):
    """O-08/C-11: an enumeration could not be proven complete (paging broke, counts disagree, retries ran out).

    Not retryable by the client itself: the pull aborts and orphans nothing.
    """

    kind = "incomplete"


class RequestError(AutotaskError):
    """A 4xx (other than 401/403/429) or an unexpected body: a bug or an unsupported request, not retried."""

    kind = "request"


@dataclass(frozen=True)
class Classified:
    """Result of :func:`classify`: the exception class plus its human message."""

    error: type[AutotaskError]
    message: str


def error_messages(body: Any) -> tuple[str, ...]:
    """Extract Autotask's ``{"errors": [...]}`` strings (objects with ``message`` too, as go-autotask accepts)."""
    if isinstance(body, dict):
        errs = body.get("errors") or body.get("Errors")
        if isinstance(errs, list):
            out = []
            for e in errs:
                if isinstance(e, dict):
                    out.append(str(e.get("message") or e.get("Message") or e))
                else:
                    out.append(str(e))
            return tuple(out)
        msg = body.get("Message") or body.get("message")
        if msg:
            return (str(msg),)
    elif isinstance(body, str) and body.strip():
        return (body.strip()[:500],)
    return ()


def classify(status: int, body: Any, *, username: str = "", zone_lookup: bool = False) -> Classified | None:
    """Map an HTTP status and body to a failure class; ``None`` means success (2xx).

    Pure, so the C-04..C-07 matrix is unit-tested without HTTP.
    """
    if 200 <= status < 300:
        return None
    msgs = error_messages(body)
    text = " ".join(msgs).lower()
    who = f" '{username}'" if username else ""
    if "zone information could not be determined" in text:
        return Classified(InvalidUsernameError,
                          f"Autotask does not recognise the API user{who} (zone lookup failed). Check the "
                          f"username — {APIUSER_HINT} — or enter the Zone URL manually.")
    if "integrationcode is invalid" in text or "integration code is invalid" in text:
        return Classified(InvalidIntegrationCodeError,
                          "Autotask rejected the API integration code (tracking identifier). Use the code "
                          "shown on the API user's 'API Tracking Identifier' in Autotask.")
    if "adequate permission" in text or status == 403:
        return Classified(PermissionDeniedError,
                          "The Autotask API user lacks permission for this request. Give it the "
                          "'API User (system)' security level (or a copy of it), not a staff role, and "
                          "'View Protected Data'.")
    if status == 401:
        return Classified(InvalidSecretError,
                          f"Autotask rejected the credentials (HTTP 401): the API username{who} or the secret "
                          f"is wrong. {APIUSER_HINT}")
    if status == 429:
        return Classified(RateLimitedError, "Autotask's hourly API request threshold was reached (HTTP 429).")
    if zone_lookup and status == 500:
        return Classified(ZoneLookupError,
                          f"The Autotask zone lookup failed for{who or ' the user'} (HTTP 500). Check the "
                          "username or enter the Zone URL manually.")
    if status >= 500:
        detail = f": {msgs[0]}" if msgs else ""
        return Classified(TransientError, f"Autotask is unavailable (HTTP {status}){detail}.")
    detail = f": {'; '.join(msgs)}" if msgs else ""
    return Classified(RequestError, f"Autotask refused the request (HTTP {status}){detail}.")
