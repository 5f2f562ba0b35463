"""Where the optional cross-cutting features plug into a freshly built app.

Each feature lives in its own module and exposes ``install(app, ctx)``; it attaches guards, recorders,
wrappers or tenant listeners to the MockContext (mockserver.context) and never edits handlers.
The order here is the order requests meet them. The features depend on the context, never on
mockserver.app; the admin package comes last because it depends on the features (its fault and
webhook endpoints drive the injector and the dispatcher they installed).
"""

from __future__ import annotations

from flask import Flask

from mockserver import console, faults, journal, security, throttle, webhooks
from mockserver.admin import install as install_admin
from mockserver.context import MockContext


def install_features(app: Flask, ctx: MockContext) -> None:
    journal.install(app, ctx)  # recorder: records every API call (admin calls are not API calls)
    security.install(app, ctx)  # guard: security levels -> 403 / 500 "adequate permissions"
    throttle.install(app, ctx)  # guard + wrapper: hourly threshold, latency tiers, 429, concurrency
    faults.install(app, ctx)  # wrapper: injected statuses, latency, drops, truncation, short pages
    webhooks.install(app, ctx)  # tenant listener: signed callouts
    install_admin(app, ctx)  # /_mock/ control plane
    console.install(app, ctx)  # /_mock/ui web console (Flask only: never on the API path)
