"""mockserver: a stateful imitation of the Autotask PSA REST API.

    from mockserver import mock_autotask      # in-process mode (intercepts requests to *.autotask.net)
    from mockserver import create_app         # the Flask app, for a server of your own
"""

from __future__ import annotations

from typing import Any

from mockserver._version import __version__

__all__ = ["__version__", "AdminClient", "MockConfig", "create_app", "current_mock", "mock_autotask"]

_LAZY = {
    "mock_autotask": ("mockserver.intercept", "mock_autotask"),
    "current_mock": ("mockserver.intercept", "current_mock"),
    "create_app": ("mockserver.app", "create_app"),
    "MockConfig": ("mockserver.config", "MockConfig"),
    "AdminClient": ("mockserver.admin.client", "AdminClient"),
}


def __getattr__(name: str) -> Any:  # imported lazily so `import mockserver` (and the pytest plugin) stay cheap
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'mockserver' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(target[0]), target[1])
    globals()[name] = value
    return value
