"""The capture folder: ``capture.json`` (format id and version), ``traffic.har``, ``tenant.yaml``.

Why a version file: a replay of a capture written by another version of this format would silently
compare the wrong things; reading checks ``capture.json`` first and refuses anything else with one
clear line. Writing never touches an existing folder unless asked (``force``), and even then only an
empty folder or a readable capture of this version; files are written to a scratch folder first and
moved in, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from mockserver.recording.fixture_builder import Credentials, build_fixture, fixture_text
from mockserver.recording.har import Exchange, from_har, to_har
from mockserver.recording.sanitize import Sanitizer

CAPTURE_FORMAT = "autotask-mock/capture"
CAPTURE_VERSION = 1
CAPTURE_ID = f"{CAPTURE_FORMAT}@{CAPTURE_VERSION}"
META, HAR, FIXTURE = "capture.json", "traffic.har", "tenant.yaml"


class CaptureError(Exception):
    """One line saying what is wrong with a capture folder."""


@dataclass
class Capture:
    folder: Path
    meta: dict[str, Any]
    exchanges: list[Exchange]
    fixture: dict[str, Any]

    @property
    def credentials(self) -> Credentials:
        user = self.fixture["apiUsers"][0]
        return Credentials(user["userName"], user["secret"], self.fixture["integrationCodes"][0])


def check_output(folder: Path, force: bool) -> None:
    """Refuse an existing folder unless ``force``; with ``force`` only an empty folder or a capture of this version."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise CaptureError(f"{folder} exists and is not a folder")
    if not force:
        raise CaptureError(f"{folder} already exists (use --force to overwrite a capture)")
    if any(folder.iterdir()):
        if not (folder / META).exists():
            raise CaptureError(f"{folder} is not empty and holds no capture; refusing to overwrite it")
        read_meta(folder)  # damaged or another version: refused, nothing overwritten


def read_meta(folder: Path) -> dict[str, Any]:
    path = folder / META
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CaptureError(f"{folder} is not a capture folder (no {META})") from None
    except (OSError, ValueError) as exc:
        raise CaptureError(f"{path} is damaged: {exc}") from None
    fmt = meta.get("format") if isinstance(meta, dict) else None
    if not isinstance(fmt, str) or not fmt.startswith(CAPTURE_FORMAT + "@"):
        raise CaptureError(f"{path} is damaged: no '{CAPTURE_FORMAT}@N' format id")
    if fmt != CAPTURE_ID:
        raise CaptureError(f"{folder} is a capture of format {fmt}; this autotask-mock reads {CAPTURE_ID}")
    return meta


def read_capture(folder: str | Path) -> Capture:
    folder = Path(folder)
    if not folder.is_dir():
        raise CaptureError(f"{folder} is not a folder")
    meta = read_meta(folder)
    try:
        exchanges = from_har(json.loads((folder / HAR).read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise CaptureError(f"{folder} is damaged: {HAR} is missing") from None
    except (OSError, ValueError) as exc:
        raise CaptureError(f"{folder / HAR} is damaged: {exc}") from None
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        fixture = yaml.load((folder / FIXTURE).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader
        if not isinstance(fixture, dict) or not fixture.get("apiUsers") or not fixture.get("integrationCodes"):
            raise ValueError("no apiUsers / integrationCodes")
    except FileNotFoundError:
        raise CaptureError(f"{folder} is damaged: {FIXTURE} is missing") from None
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise CaptureError(f"{folder / FIXTURE} is damaged: {str(exc).splitlines()[0]}") from None
    return Capture(folder, meta, exchanges, fixture)


def _entity(catalog, path: str) -> str | None:
    from mockserver.api.routes import resolve

    try:
        route = resolve(path, catalog, item_url_writes=True, url_for_errors=path)
    except Exception:  # noqa: BLE001
        return None
    return route.entity.name if route.entity else None


def sanitize_exchanges(exchanges: list[Exchange], sanitizer: Sanitizer, catalog) -> list[Exchange]:
    """Learn every sensitive value of the capture, then rewrite every exchange (see mockserver.recording.sanitize)."""
    from urllib.parse import parse_qsl, urlsplit

    entities = [_entity(catalog, ex.path) for ex in exchanges]
    for ex, entity in zip(exchanges, entities, strict=True):
        if ex.user:
            sanitizer.learn_user(ex.user)
        for key, value in parse_qsl(urlsplit(ex.url).query, keep_blank_values=True):
            if key.lower() == "user" and value:
                sanitizer.learn_user(value)
            else:
                sanitizer.learn_param(key, value, entity)
        for data in (ex.request_json(), ex.response_json()):
            if data is not None and entity is not None:  # zone, version, threshold answers hold no records
                sanitizer.learn_json(data, entity)
    out = []
    for ex, entity in zip(exchanges, entities, strict=True):
        out.append(Exchange(
            method=ex.method, url=sanitizer.rewrite_url(ex.url, entity),
            request_headers=[(k, sanitizer.rewrite_text(v)) for k, v in ex.request_headers],
            request_body=_rewrite_body(ex.request_body, ex.request_json(), sanitizer, entity),
            status=ex.status,
            response_headers=[(k, sanitizer.rewrite_text(v)) for k, v in ex.response_headers],
            response_body=_rewrite_body(ex.response_body, ex.response_json(), sanitizer, entity),
            started=ex.started, elapsed_ms=ex.elapsed_ms, credentials=ex.credentials,
            user=sanitizer.mapping.get(ex.user, ex.user) if ex.user else None,
            upstream_error=sanitizer.rewrite_text(ex.upstream_error) if ex.upstream_error else None,
        ))
    return out


def _rewrite_body(text: str, data: Any, sanitizer: Sanitizer, entity: str | None) -> str:
    if not text:
        return text
    if data is None:
        return sanitizer.rewrite_text(text)
    return json.dumps(sanitizer.rewrite_json(data, entity), ensure_ascii=False)


def write_capture(folder: str | Path, exchanges: list[Exchange], *, sanitize: bool = True,
                  keep_fields: tuple[str, ...] = (), seed: int | None = None, upstream: str = "",
                  force: bool = False, version: str = "0") -> Capture:
    """Sanitize, build the fixture and write the three files (atomically per folder)."""
    from mockserver.catalog import load_catalog

    folder = Path(folder)
    check_output(folder, force)
    catalog = load_catalog()
    seed = secrets.randbelow(2**31) if seed is None else seed
    lengths = {(spec.name.lower(), name.lower()): f.length for spec in catalog.entities.values()
               for name, f in spec.fields.items() if f.length}
    sanitizer = Sanitizer(seed, frozenset(keep_fields), enabled=sanitize, lengths=lengths)
    clean = sanitize_exchanges(exchanges, sanitizer, catalog)
    accepted = next((ex.user for ex in clean if ex.credentials == "accepted" and ex.user), None)
    credentials = Credentials(accepted or "capture@CAPTURE.APIUSER.com", secrets.token_urlsafe(12),
                              "CAPTURE" + secrets.token_hex(4).upper())
    clock = min((ex.started for ex in clean), default=datetime.now(UTC))
    fixture = build_fixture(clean, catalog, credentials, clock=clock.strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta = {
        "format": CAPTURE_ID,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "upstream": _origin_only(upstream),
        "sanitized": sanitize,
        "keptFields": sorted(keep_fields),
        "exchanges": len(clean),
        "upstreamFailures": sum(1 for ex in clean if ex.upstream_error),
        "files": {"har": HAR, "fixture": FIXTURE},
    }
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (scratch / HAR).write_text(json.dumps(to_har(clean, version), indent=1, ensure_ascii=False), encoding="utf-8")
        (scratch / FIXTURE).write_text(fixture_text(fixture), encoding="utf-8")
        (scratch / META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        scratch.rename(folder)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return Capture(folder, meta, clean, fixture)


def _origin_only(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}" if parts.scheme else ""
