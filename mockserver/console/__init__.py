"""A web console for the running mock at ``/_mock/ui``: tenants, data, the request journal, faults, webhooks.

Server-rendered Jinja templates and a little plain JavaScript and CSS, all shipped in this package (no
CDN, no build step: it works offline). The console follows the admin API's access rules
(mockserver.console.access) and is not part of the API surface: it is served by Flask beside the admin
API, never through the API gateway, so it is never in the mock's OpenAPI paths, never counted against a
threshold and never journaled. ``MockConfig.console = False`` leaves it out.

Modules: ``access`` (token form, cookie, CSRF), ``gauges`` (threshold and thread-limit numbers),
``browse`` (filter bar, paging, references), ``journal_view`` (filters, near-miss panel), ``routes``
(the pages).
"""

from __future__ import annotations

from flask import Flask

UI_PATH = "/_mock/ui/"


def install(app: Flask, ctx) -> None:
    if not getattr(ctx.config, "console", True):
        return
    from mockserver.console.routes import bp

    app.register_blueprint(bp)
