"""Where the optional cross-cutting features plug into a freshly built app.

Each feature lives in its own module and exposes ``install(app, ctx)``; it attaches guards, recorders,
wrappers or tenant listeners to the MockContext (see mockserver.app) and never edits handlers.
The order here is the order requests meet them.
"""

from __future__ import annotations

from flask import Flask


def install_features(app: Flask, ctx) -> None:
    from mockserver import console, faults, journal, security, throttle, webhooks
    from mockserver.admin import install as install_admin

    journal.install(app, ctx)  # recorder: records every API call (admin calls are not API calls)
    security.install(app, ctx)  # guard: security levels -> 403 / 500 "adequate permissions"
    throttle.install(app, ctx)  # guard + wrapper: hourly threshold, latency tiers, 429, concurrency
    faults.install(app, ctx)  # wrapper: injected statuses, latency, drops, truncation, short pages
    webhooks.install(app, ctx)  # tenant listener: signed callouts
    install_admin(app, ctx)  # /_mock/ control plane
    console.install(app, ctx)  # /_mock/ui web console (Flask only: never on the API path)
