"""Who may see the console: the admin API's access rules, with the token kept in a session cookie.

The console shows everything the admin API can (records, secrets in the journal, fault rules), so it
follows the same rules (mockserver.admin.auth):

* With ``MockConfig.admin_token`` set, a browser enters the token once in a form; the console then sets a
  session cookie (no expiry: it ends with the browser session; HttpOnly; SameSite=Strict) holding an
  HMAC of the token under a key made fresh for each process - never the token itself. A request
  without a valid cookie (or the token as ``X-Mock-Admin-Token`` / ``Authorization: Bearer``) gets the
  token form and no data. Wrong tokens count in the admin API's per-client back-off.
* Without a token, only loopback clients may use the console, as with the admin API.

Every form that changes state carries a per-process CSRF value, so another web page open in the same
browser cannot make it post a reset or a fault rule to the mock.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass, field

from flask import Request

from mockserver.admin.auth import admin_token_ok, backoff_for, is_loopback_peer

COOKIE_NAME = "autotask_mock_console"
ACCESS_KEY = "autotask_mock.console_access"


@dataclass
class ConsoleAccess:
    """Per-app secrets of the console: the cookie key and the CSRF value (both random per process)."""

    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def cookie_value(self, token: str) -> str:
        return hmac.new(self.key, b"session:" + token.encode("utf-8"), hashlib.sha256).hexdigest()

    def cookie_ok(self, token: str, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.cookie_value(token), str(given))

    @property
    def csrf(self) -> str:
        return hmac.new(self.key, b"csrf", hashlib.sha256).hexdigest()

    def csrf_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(self.csrf, str(given))


def access_for(app) -> ConsoleAccess:
    access = app.extensions.get(ACCESS_KEY)
    if access is None:
        access = app.extensions.setdefault(ACCESS_KEY, ConsoleAccess())
    return access


@dataclass(frozen=True)
class Verdict:
    """Whether a request may see the console; otherwise why, and with which HTTP status."""

    allowed: bool
    status: int = 200
    reason: str = ""
    show_form: bool = False  # the token form (a token is configured)


def check_request(app, config, request: Request) -> Verdict:
    """Apply the admin API's rules to a console request (cookie or header token; loopback without)."""
    token = config.admin_token
    if not token:
        if is_loopback_peer(request.remote_addr):
            return Verdict(True)
        return Verdict(False, 401, "The console is open to loopback clients only unless the server is started "
                                   "with an admin token (--admin-token).")
    if access_for(app).cookie_ok(token, request.cookies.get(COOKIE_NAME)):
        return Verdict(True)
    if (request.headers.get("X-Mock-Admin-Token") or request.headers.get("Authorization")) and admin_token_ok(
            config, request):
        return Verdict(True)
    return Verdict(False, 401, "This mock needs its admin token.", show_form=True)


def try_token(app, config, request: Request, given: str) -> tuple[bool, str]:
    """Check a token typed into the form, with the admin API's back-off; (ok, message for the form)."""
    backoff = backoff_for(app, config)
    client = request.remote_addr or ""
    wait = backoff.retry_after(client)
    if wait > 0:
        return False, f"Too many wrong admin tokens from this client: try again in {max(1, math.ceil(wait))} s."
    if config.admin_token and hmac.compare_digest(given.encode("utf-8"), config.admin_token.encode("utf-8")):
        backoff.succeeded(client)
        return True, ""
    backoff.failed(client)
    return False, "That is not the admin token."
