"""Errors that mean the *run* failed, not the implementation under test.

The runner maps these to exit code 2: an adapter that does not answer, times out, answers non-JSON or breaks
the adapter protocol has not been judged, so reporting "does not conform" (exit 1) would be a lie.
"""

from __future__ import annotations


class AdapterProtocolError(RuntimeError):
    """The adapter broke the protocol (or could not be reached) during ``operation``.

    ``str(exc)`` is one line that names the operation and what was wrong, fit to print as the run's verdict.
    """

    def __init__(self, operation: str, detail: str) -> None:
        self.operation = operation
        self.detail = detail
        super().__init__(f"adapter protocol error in '{operation}': {detail}")
