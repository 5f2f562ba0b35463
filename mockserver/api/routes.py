"""The URL table of the real API as data, and a pure resolver from a request path to a Route.

The real server (ASP.NET Web API behind IIS) matches paths case-insensitively and tolerates trailing
and doubled slashes, so the resolver works on lower-cased, non-empty path segments. Entity and child
names come from the catalogue: adding an entity never touches this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mockserver.catalog import Catalog, EntitySpec
from mockserver.catalog.model import ChildPath
from mockserver.errors import AspNetError
from mockserver.errors import not_found as _not_found

API_ROOT = "atservicesrest"
VERSION = "v1.0"
READ = frozenset({"GET"})
READ_POST = frozenset({"GET", "POST"})


@dataclass(frozen=True)
class Route:
    kind: str
    allowed: frozenset[str]
    entity: EntitySpec | None = None
    child: ChildPath | None = None
    parent_id: int | None = None
    item_id: int | None = None
    needs_auth: bool = True


_INT64_MAX = 2**63 - 1


def _int(segment: str) -> int | None:
    """A path id, as ASP.NET binds it to Int64: not a number -> None; out of range -> 400."""
    try:
        value = int(segment)
    except ValueError:
        return None
    if not -_INT64_MAX - 1 <= value <= _INT64_MAX:
        raise AspNetError(400, "The request is invalid.")
    return value


def split_path(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def resolve(path: str, catalog: Catalog, *, item_url_writes: bool, url_for_errors: str | Callable[[], str]) -> Route:
    """Map a request path to a Route; unknown paths raise the ASP.NET 404.

    ``url_for_errors`` may be a callable: building the full request URL costs more than resolving, so it
    is only built when a 404 needs it.
    """
    if callable(url_for_errors):
        return _resolve(path, catalog, item_url_writes, url_for_errors)
    return _resolve(path, catalog, item_url_writes, lambda: url_for_errors)


def _resolve(path: str, catalog: Catalog, item_url_writes: bool, error_url: Callable[[], str]) -> Route:
    def not_found() -> Exception:
        return _not_found(error_url())

    segments = split_path(path)
    lowered = [s.lower() for s in segments]
    if not lowered or lowered[0] != API_ROOT:
        raise not_found()
    rest, low = segments[1:], lowered[1:]
    if low == ["versioninformation"]:
        return Route("version", READ, needs_auth=False)
    if low[:3] == ["swagger", "docs", "v1"] and len(low) == 3:
        return Route("openapi", READ, needs_auth=False)
    if not low or low[0] != VERSION:
        raise not_found()
    rest, low = rest[1:], low[1:]
    if not low:
        raise not_found()
    if low == ["zoneinformation"]:
        return Route("zone", READ, needs_auth=False)
    if low == ["thresholdinformation"]:
        return Route("threshold", READ)
    if low == ["entityinformation"]:
        return Route("global_entity_info", READ)
    # Child URLs first: their parent segment is not always an entity name (/Expenses/{id}/Items).
    if len(low) >= 3 and _int(low[1]) is not None:
        child = catalog.child_path(rest[0], rest[2])
        if child is not None:
            return _child_route(child, catalog, low, error_url)
    spec = catalog.get(rest[0])
    if spec is None:
        raise not_found()
    tail = low[1:]
    query_verbs = READ_POST if spec.root_query else frozenset()
    if not tail:
        verbs = set()
        if spec.root_create:
            verbs.add("POST")
        if spec.root_update:
            verbs |= {"PATCH", "PUT"}
        return Route("collection", frozenset(verbs), spec)
    if tail == ["query"]:
        return Route("query", query_verbs, spec)
    if tail == ["query", "count"]:
        return Route("count", query_verbs, spec)
    if tail == ["query", "next"]:
        return Route("next", query_verbs, spec)
    if tail[0] == "entityinformation":
        kind = {(): "entity_info", ("fields",): "fields", ("userdefinedfields",): "udfs"}.get(tuple(tail[1:]))
        if kind is None:
            raise not_found()
        return Route(kind, READ, spec)
    first_id = _int(tail[0])
    if first_id is None:
        raise not_found()
    if len(tail) == 1:
        verbs = set(READ) if spec.root_query else set()
        if spec.root_delete:
            verbs.add("DELETE")
        if item_url_writes and spec.root_update:
            verbs |= {"PATCH", "PUT"}
        return Route("item", frozenset(verbs), spec, item_id=first_id)
    raise not_found()


def _child_route(child: ChildPath, catalog: Catalog, low: list[str], error_url: Callable[[], str]) -> Route:
    def not_found() -> Exception:
        return _not_found(error_url())

    child_spec = catalog.get(child.entity)
    if child_spec is None:
        raise not_found()
    parent_id = int(low[1])
    ctail = low[3:]
    if not ctail:
        return Route("child_collection", frozenset(child.methods), child_spec, child, parent_id=parent_id)
    if ctail[0] == "entityinformation":
        kind = {(): "entity_info", ("fields",): "fields", ("userdefinedfields",): "udfs"}.get(tuple(ctail[1:]))
        if kind is None:
            raise not_found()
        return Route(kind, READ, child_spec, child, parent_id=parent_id)
    child_id = _int(ctail[0])
    if child_id is None or len(ctail) != 1:
        raise not_found()
    return Route("child_item", frozenset(child.item_methods), child_spec, child, parent_id=parent_id, item_id=child_id)
