"""Security levels: per-entity query/create/update/delete permissions and protected-data visibility.

Each API user has a security level (``apiUsers[].securityLevel`` in the tenant fixture). The built-in
"API User (system)" level grants everything, including View Protected Data. Fixture levels are restricted
copies of it::

    securityLevels:
      - name: "Read-only API"
        permissions: {"*": {query: true, create: false, update: false, delete: false}}
        viewProtectedData: false

``permissions`` maps an entity name (path name "Companies" or model name "Company", case-insensitive)
or ``"*"`` to the four operations; an entity entry wins over ``"*"``; an operation that is not granted is
denied. A denied call answers 403 ``{"errors": [...]}`` naming the missing permission, or - with
``MockConfig.permission_error_status = 500`` - the 500 "does not have the adequate permissions" variant
the real API is known to send (shared/spec/autotask-api.md §2). Users without View Protected Data see
protected UDF values as ``*****`` (the guard sets ``call.mask_protected``; handlers do the masking).

The permission decision itself (:func:`required_operation`, :func:`level_allows`) is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.errors import ADEQUATE_PERMISSIONS, AutotaskError
from mockserver.state.tenant import BUILTIN_SECURITY_LEVEL

OPERATIONS = ("query", "create", "update", "delete")

# Route kinds that read (mockserver.api.routes.Route.kind).
_READ_KINDS = frozenset({"query", "count", "next", "entity_info", "fields", "udfs"})


def required_operation(kind: str, method: str) -> str | None:
    """The permission a call needs, or None when it touches no entity (ThresholdInformation, …)."""
    method = method.upper()
    if kind in _READ_KINDS:
        return "query"
    if kind in ("item", "child_item", "collection", "child_collection"):
        if method in ("GET", "HEAD"):
            return "query"
        if method == "POST":
            return "create"
        if method in ("PATCH", "PUT"):
            return "update"
        if method == "DELETE":
            return "delete"
    return None


def is_full_access(level: Mapping[str, Any] | None) -> bool:
    return level is None or bool(level.get("builtin")) or level.get("name") == BUILTIN_SECURITY_LEVEL


def level_allows(level: Mapping[str, Any] | None, entity: str, model: str, operation: str) -> bool:
    """Whether a security level grants ``operation`` on an entity (path name or model name)."""
    if level is None or is_full_access(level):
        return True
    permissions = level.get("permissions") or {}
    wanted = {entity.lower(), model.lower()}
    ops = None
    for key, value in permissions.items():
        if str(key).lower() in wanted:
            ops = value
            break
    if ops is None:
        ops = permissions.get("*")
    if not isinstance(ops, Mapping):
        return False
    return ops.get(operation) is True


def sees_protected_data(level: Mapping[str, Any] | None) -> bool:
    if level is None or is_full_access(level):
        return True
    return level.get("viewProtectedData") is True


def restricted_copy(
    name: str,
    *,
    permissions: Mapping[str, Mapping[str, bool]] | None = None,
    view_protected_data: bool = False,
    read_only: bool = False,
) -> dict[str, Any]:
    """A fixture ``securityLevels`` entry: a copy of "API User (system)" with the given restrictions."""
    if permissions is None:
        permissions = {"*": {op: (op == "query" or not read_only) for op in OPERATIONS}}
    return {"name": name, "permissions": {k: dict(v) for k, v in permissions.items()}, "viewProtectedData": view_protected_data}


def denial(config, level_name: str, spec, operation: str) -> AutotaskError:
    if getattr(config, "permission_error_status", 403) == 500:
        return AutotaskError(ADEQUATE_PERMISSIONS.format(action=operation, entity=spec.model), status=500)
    return AutotaskError(
        f"Permission denied: the security level '{level_name}' of this API user does not grant the "
        f"{operation} permission on {spec.name} ({spec.model}).",
        status=403,
    )


def install(app, ctx) -> None:
    from mockserver.answers import error_response

    def guard(call):
        tenant, user, route = call.tenant, call.user, call.route
        if tenant is None or user is None or route is None:
            return None
        level_name = user.security_level or BUILTIN_SECURITY_LEVEL
        level = tenant.security_levels.get(level_name)
        if level is None and level_name != BUILTIN_SECURITY_LEVEL:
            level = {"name": level_name, "permissions": {}}  # an unknown level grants nothing
        if not sees_protected_data(level):
            call.mask_protected = True
        operation = required_operation(route.kind, call.method)
        spec = route.entity
        if operation is None or spec is None:
            return None
        if level_allows(level, spec.name, spec.model, operation):
            return None
        call.extra["security"] = f"denied: {level_name} lacks {operation} on {spec.name}"
        return error_response(denial(ctx.config, level_name, spec, operation))

    ctx.guards.append(guard)
