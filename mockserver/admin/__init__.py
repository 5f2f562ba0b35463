"""The mock's control plane under /_mock/: tenants, reset, export, seed, clocks, the request journal.

See mockserver.admin.api for the endpoints (the table: mockserver.admin.endpoints), mockserver.admin.client
for a small HTTP client of them, and mockserver.admin.spec for their OpenAPI description.

Layering: the admin package depends on the features (faults, webhooks, journal) and on the app's context;
no feature imports it. :func:`install` runs last in mockserver.features.install_features, once the fault
injector and the webhook dispatcher exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from mockserver.context import MockContext


def install(app: Flask, ctx: MockContext) -> None:
    """Register every /_mock/ blueprint: fault rules, webhook deliveries, then the rest of the control plane."""
    # Imported here, not at the top: importing mockserver.admin.client (the HTTP client) must not load
    # Flask blueprints and every feature module.
    from mockserver.admin.api import install as install_api
    from mockserver.admin.faults_webhooks import register_faults_admin, register_webhooks_admin
    from mockserver.faults import FAULTS_KEY
    from mockserver.webhooks import DISPATCHER_KEY

    if FAULTS_KEY in app.extensions:
        register_faults_admin(app, ctx, app.extensions[FAULTS_KEY])
    if DISPATCHER_KEY in app.extensions:
        register_webhooks_admin(app, ctx, app.extensions[DISPATCHER_KEY])
    install_api(app, ctx)
