"""Adapters that break the run (not the rules), for the runner's exit-code-2 tests (tests/conformance/test_runner.py).

Imported by the runner in a subprocess as ``broken_adapters:FACTORY`` (this directory on PYTHONPATH).
"""

from __future__ import annotations

from typing import Any

from conformance.adapter import ReferenceAdapter
from conformance.errors import AdapterProtocolError


def unreachable() -> Any:
    """Fails while the runner probes it, as a remote adapter that times out would."""
    raise AdapterProtocolError("capabilities", "no answer within 5 s")


class NonJsonPass(ReferenceAdapter):
    """Answers the probe, then breaks the protocol in the middle of a property."""

    def run_pass(self, full: bool = True) -> dict[str, Any]:
        raise AdapterProtocolError("run_pass", "the answer is not JSON: '<html>Bad Gateway</html>'")


def non_json_pass() -> NonJsonPass:
    return NonJsonPass()
