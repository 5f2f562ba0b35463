"""Run the parity probes against a live tenant over HTTP (requests) and clean up what --write created."""

from __future__ import annotations

import json
import secrets
from typing import Any

import requests

from mockserver.parity import probes
from mockserver.parity.report import Finding, ParityReport


class ParityError(Exception):
    """One line: the tenant cannot be reached or refuses the credentials."""


class HttpProbeApi:
    """What the probes talk through: the zone root, the credentials, and the list of records to delete."""

    def __init__(self, root: str, headers: dict[str, str], timeout: float) -> None:
        self.root = root if root.endswith("/") else root + "/"
        self.headers = headers
        self.timeout = timeout
        self.session = requests.Session()
        self.prefix = f"{probes.PREFIX}-{secrets.token_hex(3).upper()}"
        self.to_delete: list[tuple[str, int]] = []

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             params: dict[str, str] | None = None) -> tuple[int, Any]:
        try:
            resp = self.session.request(method, self.root + path, json=body, params=params,
                                        headers={**self.headers, **(headers or {})}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ParityError(f"cannot reach {self.root}: {type(exc).__name__}") from None
        try:
            data = resp.json() if resp.content else None
        except ValueError:
            data = resp.text
        return resp.status_code, data

    def created(self, entity: str, item_id: int) -> None:
        self.to_delete.append((entity, item_id))

    def cleanup(self) -> list[str]:
        lines = []
        for entity, item_id in reversed(self.to_delete):
            status: int | str
            try:
                status, _ = self.call("DELETE", f"V1.0/{entity}/{item_id}")
            except ParityError as exc:
                status = str(exc)
            lines.append(f"deleted {entity} {item_id}" if status == 200 else
                         f"could NOT delete {entity} {item_id} ({status}); remove it by hand (name starts {self.prefix})")
        self.to_delete.clear()
        return lines


def zone_root(url: str, user: str, timeout: float) -> str:
    """The tenant's REST root: from the zone lookup when ``url`` answers one, else ``url``/ATServicesRest/."""
    base = url.rstrip("/")
    if base.lower().endswith("/atservicesrest"):
        base = base[: -len("/atservicesrest")]
    try:
        resp = requests.get(f"{base}/ATServicesRest/V1.0/zoneInformation", params={"user": user}, timeout=timeout)
    except requests.RequestException as exc:
        raise ParityError(f"cannot reach {base}: {type(exc).__name__}") from None
    if resp.status_code == 200:
        try:
            found = resp.json().get("url")
        except (ValueError, AttributeError):
            found = None
        if isinstance(found, str) and found.startswith("http"):
            return found
    elif resp.status_code == 500 and "Zone information" in resp.text:
        raise ParityError(f"{base} does not know the API user {user!r} (zone lookup failed)")
    return f"{base}/ATServicesRest/"


def run_parity(url: str, user: str, secret: str, code: str, *, write: bool = False, timeout: float = 60.0,
               limited: tuple[str, str] | None = None) -> ParityReport:
    root = zone_root(url, user, timeout)
    api = HttpProbeApi(root, {"UserName": user, "Secret": secret, "ApiIntegrationCode": code,
                              "Content-Type": "application/json"}, timeout)
    status, body = api.call("GET", "V1.0/Companies/entityInformation")
    if status != 200:
        detail = json.dumps(body)[:200] if body not in (None, "") else "no body"
        raise ParityError(f"{root} refused the credentials or the probe entity ({status}: {detail})")
    report = ParityReport(root)
    try:
        for probe in probes.READ_PROBES:
            report.findings.append(probe(api))
        report.findings.extend(probes.probe_threshold(api))
        if write:
            for probe in probes.WRITE_PROBES:
                report.findings.append(probe(api))
            report.findings.append(probes.probe_permission(api, limited))
        else:
            for setting in probes.WRITE_SETTINGS:
                report.findings.append(Finding(setting, None, "write probe: run with --write"))
    finally:
        report.cleanup = api.cleanup()
    return report
