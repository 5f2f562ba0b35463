"""Admin-token check shared by every /_mock/ endpoint, with a per-client back-off after wrong tokens.

When MockConfig.admin_token is set (mandatory when the server binds to anything but loopback), admin
calls must carry it as ``X-Mock-Admin-Token: <token>`` or ``Authorization: Bearer <token>``.

Without a back-off a client could try about 1,200 tokens a second. After
``admin_token_max_failures`` wrong tokens in a row from one client address, that address is refused
with 429 and ``Retry-After`` for ``admin_token_backoff_seconds``, doubling with every further wrong
token (up to ``admin_token_backoff_max_seconds``). While the back-off runs the token is not even
compared, so guessing learns nothing; requests in it do not lengthen it, so the right token works again
the moment it ends, and one success clears the client's count. The key is the peer address
(``REMOTE_ADDR``): clients behind one proxy share a back-off.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from werkzeug.wrappers import Request  # flask.Request is one; the zones router passes a plain one

ADMIN_BACKOFF_KEY = "autotask_mock.admin_backoff"
_MAX_CLIENTS = 10_000  # remembered failing addresses; the oldest are forgotten beyond this


def is_loopback_peer(addr: str | None) -> bool:
    """Whether a request's peer address is loopback; the admin API needs no token from there."""
    if not addr:
        return True  # in-process requests (test client, `responses` interception) carry no peer
    try:
        return ipaddress.ip_address(addr.split("%", 1)[0]).is_loopback
    except ValueError:
        return addr == "localhost"


def admin_token_ok(config, request: Request) -> bool:
    token = config.admin_token
    if not token:
        return True
    given = request.headers.get("X-Mock-Admin-Token") or ""
    auth = request.headers.get("Authorization") or ""
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return hmac.compare_digest(given.encode(), token.encode())


@dataclass
class _Client:
    failures: int = 0
    blocked_until: float = 0.0


@dataclass
class AdminBackoff:
    """Wrong-token counts per client address (pure bookkeeping; ``clock`` is replaceable for tests)."""

    max_failures: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 60.0
    clock: Callable[[], float] = time.monotonic
    clients: dict[str, _Client] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str) -> float:
        """Seconds this client must still wait (0: it may try a token now)."""
        with self.lock:
            state = self.clients.get(client)
            return 0.0 if state is None else max(0.0, state.blocked_until - self.clock())

    def failed(self, client: str) -> float:
        """Count one wrong token; returns the back-off it starts (0 while under the limit)."""
        with self.lock:
            state = self.clients.pop(client, None) or _Client()
            self.clients[client] = state  # re-inserted: the dict's order is least-recently-failed first
            while len(self.clients) > _MAX_CLIENTS:
                self.clients.pop(next(iter(self.clients)))
            state.failures += 1
            over = state.failures - self.max_failures
            if self.max_failures <= 0 or over < 0:
                return 0.0
            seconds = min(self.base_seconds * (2 ** min(over, 30)), self.max_seconds)
            state.blocked_until = self.clock() + seconds
            return seconds

    def succeeded(self, client: str) -> None:
        with self.lock:
            self.clients.pop(client, None)


def backoff_for(app, config) -> AdminBackoff:
    backoff = app.extensions.get(ADMIN_BACKOFF_KEY)
    if backoff is None:
        backoff = app.extensions.setdefault(ADMIN_BACKOFF_KEY, AdminBackoff(
            config.admin_token_max_failures, config.admin_token_backoff_seconds,
            config.admin_token_backoff_max_seconds))
    return backoff


TOKEN_REQUIRED = ("The admin API needs the admin token: send X-Mock-Admin-Token: <token> "
                  "or Authorization: Bearer <token>.")


def check_admin_token(app, config, request: Request) -> tuple[int, dict[str, object], dict[str, str]] | None:
    """None when the request may pass; else (status, body, headers) of the refusal (401 or 429)."""
    if not config.admin_token:
        return None
    backoff = backoff_for(app, config)
    client = request.remote_addr or ""
    wait = backoff.retry_after(client)
    if wait > 0:
        seconds = max(1, math.ceil(wait))
        return 429, {"error": f"Too many wrong admin tokens from {client or 'this client'}: try again in "
                              f"{seconds} s (Retry-After)."}, {"Retry-After": str(seconds)}
    if admin_token_ok(config, request):
        backoff.succeeded(client)
        return None
    backoff.failed(client)
    return 401, {"error": TOKEN_REQUIRED}, {"WWW-Authenticate": 'Bearer realm="autotask-mock admin"'}
