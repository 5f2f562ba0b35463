"""The runner's wrapper around the adapter under test: a broken protocol stops the run at once.

Hypothesis treats any ``Exception`` raised by a property as a counterexample and spends minutes shrinking it. An
:class:`~conformance.errors.AdapterProtocolError` is not a counterexample: the adapter was never judged. The guard
proxies every adapter the factory makes and re-raises such an error as :class:`RunAborted`, a ``BaseException``
that hypothesis and the suites let through, so the property stops at the first broken answer and the runner
exits with code 2.

The runner passes ``--sync-adapter=conformance.guard:guarded_factory`` to pytest and sets :data:`TARGET` (or the
``CONFORMANCE_GUARD_TARGET`` environment variable) to the real ``MODULE:FACTORY`` or URL.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from conformance.errors import AdapterProtocolError

ENV = "CONFORMANCE_GUARD_TARGET"
TARGET: str | None = None


class RunAborted(BaseException):  # noqa: N818 - not an error of the implementation: the run stops
    """The adapter broke the protocol; ``error`` (also the ``__cause__``) is the :class:`AdapterProtocolError`."""

    def __init__(self, error: AdapterProtocolError) -> None:
        super().__init__(str(error))
        self.error = error


class GuardedAdapter:
    """Forwards attributes to the adapter; calls that raise :class:`AdapterProtocolError` raise :class:`RunAborted`."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._inner, name)
        if not callable(value):
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return value(*args, **kwargs)
            except AdapterProtocolError as exc:
                raise RunAborted(exc) from exc

        return call


def target() -> str:
    spec = TARGET or os.environ.get(ENV)
    if not spec:
        raise RuntimeError(f"conformance.guard: set conformance.guard.TARGET or ${ENV} to the adapter under test")
    return spec


@functools.cache
def _factory(spec: str) -> Any:
    from conformance.adapter import load_factory

    return load_factory(spec)


def guarded_factory() -> GuardedAdapter:
    """A fresh adapter of :func:`target`, guarded."""
    try:
        return GuardedAdapter(_factory(target())())
    except AdapterProtocolError as exc:
        raise RunAborted(exc) from exc
