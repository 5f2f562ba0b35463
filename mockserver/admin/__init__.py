"""The mock's control plane under /_mock/: tenants, reset, export, seed, clocks, the request journal.

See mockserver.admin.api for the endpoints (``ADMIN_ENDPOINTS``), mockserver.admin.client for a small
HTTP client of them, and mockserver.admin.spec for their OpenAPI description.
"""

from __future__ import annotations


def install(app, ctx) -> None:
    from mockserver.admin.api import install as install_api

    install_api(app, ctx)
