"""The app's context: what every feature module plugs into (guards, wrappers, recorders) and what it sees.

Feature modules (journal, security, throttle, faults, webhooks) and the admin package depend on this
module and on mockserver.answers, never on mockserver.app: the app assembles them (mockserver.features),
so they must not reach back into it (see docs/architecture-layering.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response
from werkzeug.wrappers import Request

from mockserver.api.handlers import ApiHandlers
from mockserver.api.routes import Route
from mockserver.catalog import Catalog
from mockserver.config import MockConfig
from mockserver.state.store import Store
from mockserver.state.tenant import Actor, ApiUser, TenantState

CONTEXT_KEY = "autotask_mock"


@dataclass
class ApiCall:
    """What guards, wrappers and recorders see of one API request."""

    method: str
    path: str
    route: Route | None
    tenant: TenantState | None = None
    user: ApiUser | None = None
    actor: Actor | None = None
    body: bytes = b""
    integration_code: str | None = None
    mask_protected: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    request: Request | None = None  # headers, full URL, and the environ (which carries the client socket)

    @property
    def entity(self) -> str | None:
        return self.route.entity.name if self.route and self.route.entity else None


Guard = Callable[[ApiCall], "Response | None"]
# (request, the ApiCall once the caller was authenticated else None, final response, milliseconds)
Recorder = Callable[[Request, "ApiCall | None", Response, float], None]


@dataclass
class MockContext:
    config: MockConfig
    catalog: Catalog
    store: Store
    handlers: ApiHandlers
    guards: list[Guard] = field(default_factory=list)  # run after auth, before the handler
    wrappers: list[Callable[[ApiCall, Callable[[], Response]], Response]] = field(default_factory=list)
    recorders: list[Recorder] = field(default_factory=list)  # see every API answer, refusals included


def get_context(app: Flask) -> MockContext:
    return app.extensions[CONTEXT_KEY]


