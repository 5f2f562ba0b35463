"""Credentials -> tenant, in the order the real API checks them (shared/spec/autotask-api.md §2).

unknown UserName -> 500 zone error; wrong Secret -> 401; bad integration code -> 500; a bad
ImpersonationResourceId -> 500. Header names are case-insensitive (werkzeug headers already are).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from werkzeug.datastructures import Headers

from mockserver.errors import INTEGRATION_CODE_INVALID, ZONE_NOT_DETERMINED, AutotaskError
from mockserver.state.tenant import Actor, ApiUser, TenantState


def authenticate(store, headers: Headers | Mapping[str, str], *, unauthorized_body: str = "errors") -> tuple[TenantState, ApiUser, Actor]:
    found = store.find_user(headers.get("UserName"))
    if found is None:
        raise AutotaskError(ZONE_NOT_DETERMINED)
    tenant, user = found
    secret = headers.get("Secret") or ""
    if not hmac.compare_digest(secret.encode(), user.secret.encode()):
        messages = ("Authorization has been denied for this request.",) if unauthorized_body == "errors" else ()
        raise AutotaskError(*messages, status=401)
    code = (headers.get("ApiIntegrationCode") or "").strip()
    if code not in tenant.integration_codes:
        raise AutotaskError(INTEGRATION_CODE_INVALID)
    impersonated = None
    raw = headers.get("ImpersonationResourceId")
    if raw not in (None, ""):
        try:
            impersonated = int(raw)
        except ValueError:
            raise AutotaskError(f"ImpersonationResourceId '{raw}' is not a valid resource id.") from None
        resource = tenant.get("Resources", impersonated)
        if resource is None or resource.get("isActive") is False:
            raise AutotaskError(f"ImpersonationResourceId {impersonated} does not match an active resource.")
    return tenant, user, Actor(user.resource_id, impersonated)
