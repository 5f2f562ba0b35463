"""Sending webhook callouts: one FIFO queue per webhook, retries, error logs and automatic deactivation.

The background half of mockserver.webhooks: a worker thread (alive only while work is pending) POSTs the
deliveries mockserver.webhook_payloads built, never under a tenant lock; a payload that cannot be delivered
becomes a ``WebhookEventErrorLogs`` record, and ``webhook_deactivate_after`` consecutive failures
deactivate the webhook (:func:`deactivate`, which also sends the deactivation notice).
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections import deque
from typing import Any
from urllib.parse import urlsplit

from mockserver.webhook_payloads import Delivery, _replace, deactivation_notice

log = logging.getLogger("mockserver.webhooks")


class WebhookDispatcher:
    """Background delivery: one FIFO queue per webhook, a worker thread that exists only while work is pending."""

    def __init__(self, config) -> None:
        self.config = config
        self._cond = threading.Condition()
        self._queues: dict[tuple, deque[Delivery]] = {}
        self._due: dict[tuple, float] = {}
        self._worker: threading.Thread | None = None
        self._busy = 0
        self.finished: list[Delivery] = []
        self._failures: dict[tuple, int] = {}  # consecutive undeliverable events per webhook

    # queueing -----------------------------------------------------------
    def enqueue(self, delivery: Delivery) -> None:
        key = (delivery.tenant_name, delivery.webhook_entity, delivery.webhook_id, delivery.kind)
        with self._cond:
            self._queues.setdefault(key, deque()).append(delivery)
            self._due.setdefault(key, 0.0)
            if self._worker is None:
                self._worker = threading.Thread(target=self._run, name="autotask-mock-webhooks", daemon=True)
                self._worker.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if not self._queues:
                        self._worker = None
                        self._cond.notify_all()
                        return
                    now = time.monotonic()
                    ready = [k for k in self._queues if self._due.get(k, 0.0) <= now]
                    if ready:
                        key = min(ready, key=lambda k: (self._due.get(k, 0.0), self._queues[k][0].sequence))
                        delivery = self._queues[key][0]
                        self._busy += 1
                        break
                    self._cond.wait(max(0.0, min(self._due[k] for k in self._queues) - now))
            try:
                self._attempt(key, delivery)
            except Exception as exc:  # noqa: BLE001 - the worker must survive anything a delivery does
                log.exception("webhook delivery failed unexpectedly")
                if delivery.outcome is None:
                    delivery.attempts.append({"status": None, "error": f"{type(exc).__name__}: {exc}"})
                    self._finish(key, delivery, "failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _attempt(self, key: tuple, delivery: Delivery) -> None:
        if delivery.kind == "event" and not self._still_active(delivery):
            self._finish(key, delivery, "discarded")
            return
        status, error = self._post(delivery)
        delivery.attempts.append({"status": status, "error": error})
        if error is None:
            self._failures.pop(key[:3], None)
            self._finish(key, delivery, "delivered")
            return
        delays = list(self.config.webhook_retry_delays or [])
        if len(delivery.attempts) <= len(delays):
            with self._cond:
                self._due[key] = time.monotonic() + float(delays[len(delivery.attempts) - 1])
            return
        self._log_error(delivery, error)
        self._finish(key, delivery, "failed")
        if delivery.kind == "event":
            count = self._failures.get(key[:3], 0) + 1
            self._failures[key[:3]] = count
            limit = int(self.config.webhook_deactivate_after or 0)
            if limit and count >= limit:
                self._failures.pop(key[:3], None)
                deactivate(self, delivery.tenant, delivery.webhook_entity, delivery.webhook_id,
                           reason=f"{count} consecutive callouts could not be delivered")

    def _finish(self, key: tuple, delivery: Delivery, outcome: str) -> None:
        with self._cond:
            delivery.outcome = outcome
            queue = self._queues.get(key)
            if queue and queue[0] is delivery:
                queue.popleft()
            if not queue:
                self._queues.pop(key, None)
                self._due.pop(key, None)
            else:
                self._due[key] = 0.0
            self.finished.append(delivery)
            self._cond.notify_all()

    def _still_active(self, delivery: Delivery) -> bool:
        tenant = delivery.tenant
        with tenant.lock:
            record = tenant.get(delivery.webhook_entity, delivery.webhook_id)
            return record is not None and record.get("isActive") is True

    def _post(self, delivery: Delivery) -> tuple[int | None, str | None]:
        parts = urlsplit(delivery.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None, f"invalid callout URL {delivery.url!r}"
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = cls(parts.hostname, parts.port, timeout=float(self.config.webhook_timeout_seconds))
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            conn.request("POST", target, body=delivery.body, headers=delivery.headers)
            resp = conn.getresponse()
            resp.read()
            if 200 <= resp.status < 300:
                return resp.status, None
            return resp.status, f"the callout URL answered HTTP {resp.status}"
        except (OSError, http.client.HTTPException) as exc:
            return None, f"{type(exc).__name__}: {exc}"
        finally:
            conn.close()

    def _log_error(self, delivery: Delivery, error: str) -> None:
        tenant = delivery.tenant
        spec = tenant.catalog.get("WebhookEventErrorLogs")
        if spec is None:
            return
        body: dict[str, Any] = {
            "errorMessage": f"{delivery.action} callout to {delivery.url} failed after "
                            f"{len(delivery.attempts)} attempts: {error}",
            "payload": delivery.body.decode("utf-8"),
            "sequenceNumber": delivery.sequence,
        }
        if delivery.webhook_entity == "CompanyWebhooks":
            body["accountWebhookID"] = delivery.webhook_id
        elif delivery.webhook_entity == "ContactWebhooks":
            body["contactWebhookID"] = delivery.webhook_id
        try:
            tenant.create(spec, body)
        except Exception:  # noqa: BLE001 - e.g. the webhook was deleted meanwhile; log without the link
            body.pop("contactWebhookID", None)
            try:
                tenant.create(spec, body)
            except Exception:  # noqa: BLE001
                pass

    # waiting -------------------------------------------------------------
    def wait_for_deliveries(self, n: int, timeout: float = 10.0) -> list[Delivery]:
        """Block until at least ``n`` deliveries have finished (delivered, failed or discarded)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.finished) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.finished)} of {n} webhook deliveries finished within {timeout} s")
                self._cond.wait(left)
            return list(self.finished)

    def wait_idle(self, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queues or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("webhook deliveries still pending")
                self._cond.wait(left)
            return list(self.finished)

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def clear(self) -> None:
        with self._cond:
            self.finished.clear()


def deactivate(dispatcher: WebhookDispatcher, tenant, webhook_entity: str, webhook_id: int, reason: str = "") -> bool:
    """Set isActive = false and send the deactivation notice; False when it was not active."""
    with tenant.lock:
        record = tenant.get(webhook_entity, webhook_id)
        if record is None or record.get("isActive") is not True:
            return False
        updated = dict(record)
        updated["isActive"] = False
        _replace(tenant, webhook_entity, updated)
        notice = deactivation_notice(tenant, webhook_entity, updated)
    dispatcher.enqueue(notice)
    return True
