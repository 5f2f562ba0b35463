"""Parity findings and their printout: per-setting values, the differences, a ready ``--set`` line."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mockserver.config import MockConfig
from mockserver.parity.unprobed import NOT_PROBED

UNDECIDED = None


@dataclass
class Finding:
    setting: str
    observed: Any  # None: the probe could not decide
    evidence: str
    default: Any = None

    def __post_init__(self) -> None:
        self.default = getattr(MockConfig(), self.setting)

    @property
    def decided(self) -> bool:
        return self.observed is not UNDECIDED

    @property
    def differs(self) -> bool:
        return self.decided and self.observed != self.default


@dataclass
class ParityReport:
    url: str
    findings: list[Finding] = field(default_factory=list)
    cleanup: list[str] = field(default_factory=list)  # what --write created and what became of it

    @property
    def differences(self) -> list[Finding]:
        return [f for f in self.findings if f.differs]

    def set_line(self) -> str:
        parts = [f"--set {f.setting}={_cli_value(f.observed)}" for f in self.differences]
        return "autotask-mock serve " + " ".join(parts) if parts else "autotask-mock serve"

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "settings": {f.setting: {"observed": f.observed, "default": f.default, "differs": f.differs,
                                     "evidence": f.evidence} for f in self.findings},
            "differences": {f.setting: f.observed for f in self.differences},
            "set": self.set_line(),
            "cleanup": self.cleanup,
        }


def _cli_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def render(report: ParityReport) -> str:
    width = max((len(f.setting) for f in report.findings), default=10)
    lines = [f"parity with {report.url}", ""]
    for f in report.findings:
        shown = "undecided" if not f.decided else _cli_value(f.observed)
        mark = "DIFFERS" if f.differs else ("same" if f.decided else "-")
        default = f"(mock default {_cli_value(f.default)})"
        lines.append(f"  {f.setting.ljust(width)}  {shown:<10} {default:<22} {mark:<7} {f.evidence}")
    lines.append("")
    if report.differences:
        lines.append(f"{len(report.differences)} setting(s) differ from the mock's defaults:")
        for f in report.differences:
            lines.append(f"  {f.setting}: tenant {_cli_value(f.observed)}, mock default {_cli_value(f.default)}")
    else:
        lines.append("the mock's defaults match every decided setting")
    lines.append("not probed: " + "; ".join(f"{', '.join(names)} ({why})" for why, names in NOT_PROBED.items()))
    for line in report.cleanup:
        lines.append(f"cleanup: {line}")
    lines.append("")
    lines.append(report.set_line())
    return "\n".join(lines)
