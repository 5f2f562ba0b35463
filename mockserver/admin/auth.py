"""Admin-token check shared by every /_mock/ endpoint.

When MockConfig.admin_token is set (mandatory when the server binds to anything but loopback), admin
calls must carry it as ``X-Mock-Admin-Token: <token>`` or ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac

from flask import Request


def admin_token_ok(config, request: Request) -> bool:
    token = config.admin_token
    if not token:
        return True
    given = request.headers.get("X-Mock-Admin-Token") or ""
    auth = request.headers.get("Authorization") or ""
    if not given and auth.lower().startswith("bearer "):
        given = auth[7:].strip()
    return hmac.compare_digest(given.encode(), token.encode())
