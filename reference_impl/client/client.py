"""Autotask PSA REST client built on ``requests``.

Why its own client: the reference sync must run unchanged against the mock, ``responses`` interception or a real
tenant (ARCHITECTURE principle 3), so it speaks only documented HTTP (shared/spec/autotask-api.md):

* zone lookup on the generic host, or a manual Zone URL override that skips it (C-02, C-03, Q24);
* the three auth headers on every call; a 401 triggers one zone re-detection before it is reported (Q24);
* POST queries of at most 500 records, following ``nextPageUrl`` (POST with the same body), falling back to
  ``id > last`` re-queries when the next-page link is unusable, and optionally proving completeness with a
  ``query/count`` (O-08: a truncated enumeration must never look complete);
* failures classified per C-04..C-07; transient ones retried with bounded, jittered exponential backoff, credential
  ones never retried;
* ThresholdInformation read up front and periodically so a long pass slows down before the hourly limit.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests

from reference_impl.client.errors import (
    AutotaskError,
    IncompleteFetchError,
    InvalidSecretError,
    RateLimitedError,
    RequestError,
    TransientError,
    classify,
    error_messages,
)
from reference_impl.client.policy import (
    CallStats,
    RetryPolicy,
    ThresholdPolicy,
    ThresholdState,
    parse_retry_after,
)
from reference_impl.clock import Clock, SystemClock

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/ATServicesRest/"
API_VERSION = "V1.0"
PAGE_SIZE = 500
ALL = ({"op": "gte", "field": "id", "value": 0},)  # Autotask requires a filter; this one means "everything"


class HttpSession(Protocol):
    """What the client needs of its session: ``requests.Session`` or anything with its ``request`` (the
    conformance kit's stdlib transport, for one)."""

    def request(self, method: str, url: str, *, headers: Any = ..., json: Any = ..., params: Any = ...,
                timeout: Any = ..., allow_redirects: bool = ...) -> Any: ...


@dataclass(frozen=True)
class Credentials:
    """The API user's key (username), secret and the integration's tracking identifier (C-01, C-09)."""

    username: str
    secret: str
    integration_code: str
    impersonation_resource_id: int | None = None

    def __repr__(self) -> str:  # never leak the secret into logs or tracebacks (C-10)
        return f"Credentials(username={self.username!r}, secret='***', integration_code='***')"


@dataclass(frozen=True)
class ZoneInfo:
    """Result of the zone lookup (or of an override): ``url`` is the REST root ending in ``/ATServicesRest/``."""

    url: str
    zone_name: str | None = None
    web_url: str | None = None
    ci: int | None = None
    source: str = "lookup"  # or "override"

    @property
    def host(self) -> str:
        """The zone host shown to the user, e.g. ``webservices2.autotask.net`` (C-08)."""
        return urlsplit(self.url).netloc


def normalize_rest_root(url: str) -> str:
    """Accept ``http://host:port``, ``…/ATServicesRest`` or ``…/ATServicesRest/V1.0/`` and return the REST root
    ending in ``/ATServicesRest/`` — users paste all of these into a 'Zone URL' box (C-03)."""
    url = url.strip()
    if not url:
        raise ValueError("empty URL")
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    path = parts.path
    low = path.lower()
    idx = low.find("/atservicesrest")
    if idx >= 0:
        path = path[: idx + len("/atservicesrest")]
    else:
        path = path.rstrip("/") + "/ATServicesRest"
    return f"{parts.scheme}://{parts.netloc}{path}/"


class AutotaskClient:
    """A small, strict Autotask REST client. One instance per credentials; not thread-safe by design (the sync
    issues one request at a time, well under Autotask's 3-thread limit)."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL,
        zone_url: str | None = None,
        session: HttpSession | None = None,
        retry: RetryPolicy | None = None,
        threshold: ThresholdPolicy | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        timeout: float = 60.0,
        page_size: int = PAGE_SIZE,
        paging: str = "next",
        cached_zone: ZoneInfo | None = None,
    ) -> None:
        if paging not in ("next", "id"):
            raise ValueError("paging must be 'next' or 'id'")
        self.credentials = credentials
        self.zone_lookup_url = normalize_rest_root(zone_lookup_url)
        self.zone_override = normalize_rest_root(zone_url) if zone_url else None
        self.session: HttpSession = session or requests.Session()
        self.retry = retry or RetryPolicy()
        self.threshold = threshold or ThresholdPolicy()
        self.threshold_state = ThresholdState()
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.timeout = timeout
        self.page_size = max(1, min(PAGE_SIZE, page_size))
        self.paging = paging
        self.stats = CallStats()
        self._zone: ZoneInfo | None = cached_zone if (cached_zone and not self.zone_override) else None

    # ------------------------------------------------------------------ zone (C-02, C-03, C-06, C-07, Q24)
    def zone(self, *, refresh: bool = False) -> ZoneInfo:
        """Resolve the zone once and cache it. An override (C-03) is used as-is and never looked up."""
        if self.zone_override:
            return ZoneInfo(url=self.zone_override, source="override")
        if self._zone is None or refresh:
            self._zone = self._lookup_zone()
        return self._zone

    def _lookup_zone(self) -> ZoneInfo:
        url = f"{self.zone_lookup_url}{API_VERSION}/zoneInformation"
        body = self._send("GET", url, entity="zoneInformation", params={"user": self.credentials.username},
                          zone_lookup=True, auth=False)
        if not isinstance(body, dict) or not body.get("url"):
            raise RequestError("The Autotask zone lookup returned no zone URL.", url=url)
        return ZoneInfo(url=normalize_rest_root(str(body["url"])), zone_name=body.get("zoneName"),
                        web_url=body.get("webUrl"), ci=body.get("ci"), source="lookup")

    def test_connection(self) -> ZoneInfo:
        """Validate every credential field with the cheapest authenticated call (C-01) and return the zone (C-08).

        A count needs query permission on Companies, which the sync needs anyway (C-09)."""
        zone = self.zone()
        self.count("Companies", list(ALL))
        return zone

    # ------------------------------------------------------------------ HTTP core
    def _headers(self, auth: bool) -> dict[str, str]:
        h = {"Accept": "application/json", "Content-Type": "application/json",
             "User-Agent": "autotask-sync-reference/0.1"}
        if auth:
            h["ApiIntegrationCode"] = self.credentials.integration_code
            h["UserName"] = self.credentials.username
            h["Secret"] = self.credentials.secret
            if self.credentials.impersonation_resource_id is not None:
                h["ImpersonationResourceId"] = str(self.credentials.impersonation_resource_id)
        return h

    def url(self, path: str) -> str:
        return f"{self.zone().url}{API_VERSION}/{path.lstrip('/')}"

    def request(self, method: str, path: str, *, entity: str, json_body: Any = None,
                params: dict[str, Any] | None = None, idempotent: bool = True) -> Any:
        """Authenticated call to ``{zone}/V1.0/{path}``; returns the decoded JSON body."""
        return self._send(method, path, entity=entity, json_body=json_body, params=params, idempotent=idempotent,
                          relative=True)

    def _send(self, method: str, url_or_path: str, *, entity: str, json_body: Any = None,
              params: dict[str, Any] | None = None, zone_lookup: bool = False, auth: bool = True,
              idempotent: bool = True, relative: bool = False, paced: bool = True) -> Any:
        """One logical call: pacing, the HTTP exchange, classification, zone re-detection and retries."""
        redetected = False
        attempt = 0
        while True:
            attempt += 1
            url = self.url(url_or_path) if relative else url_or_path
            if auth and paced:
                self._pace()
            self.stats.record(entity)
            if auth:
                self.threshold_state.calls_since_check += 1
            try:
                # No automatic redirects: requests would carry the Secret header to whatever host a 3xx names.
                resp = self.session.request(method, url, headers=self._headers(auth), json=json_body,
                                            params=params, timeout=self.timeout, allow_redirects=False)
            except requests.Timeout as exc:
                err: AutotaskError = TransientError(
                    f"Autotask did not answer in time ({exc.__class__.__name__}).", url=url)
                # A read timeout on a write may have been applied: only reads (and connect timeouts) are retried.
                if not idempotent and not isinstance(exc, requests.ConnectTimeout):
                    raise err from exc
            except requests.ConnectionError as exc:
                err = TransientError(f"Connection to Autotask failed ({exc.__class__.__name__}).", url=url)
                if not idempotent:
                    raise err from exc
            else:
                kind, value = self._outcome(resp, url, zone_lookup=zone_lookup)
                if kind == "ok":
                    return value
                if kind == "moved":
                    # Q24: a 401 or a redirect may mean the tenant moved zones; re-detect once and retry only if
                    # the zone really changed.
                    if relative and not redetected and not self.zone_override and self._zone is not None:
                        redetected = True
                        old = self._zone.url
                        self._zone = self._lookup_zone()
                        if self._zone.url != old:
                            attempt -= 1
                            continue
                    kind, value = "error", value
                err = value
                if not err.retryable:
                    raise err
                if not idempotent and not isinstance(err, RateLimitedError):
                    raise err  # a 5xx on a write may have been applied; let the caller decide
            if attempt >= self.retry.max_attempts:
                raise type(err)(f"{err.message} Gave up after {attempt} attempts.", status=err.status,
                                messages=err.messages, url=err.url)
            delay = self.retry.delay(attempt, self.rng, getattr(err, "retry_after", None))
            self.stats.retries += 1
            self.stats.slept += delay
            self.clock.sleep(delay)

    def _outcome(self, resp: requests.Response, url: str, *, zone_lookup: bool) -> tuple[str, Any]:
        """("ok", body) | ("moved", error) | ("error", error) for one HTTP response."""
        body = _decode(resp)
        if 300 <= resp.status_code < 400:
            return "moved", RequestError(
                f"Autotask answered with a redirect (HTTP {resp.status_code}) to {resp.headers.get('Location')!r};"
                " check the Zone URL.", status=resp.status_code, url=url)
        verdict = classify(resp.status_code, body, username=self.credentials.username, zone_lookup=zone_lookup)
        if verdict is None:
            if isinstance(body, str) and "json" in resp.headers.get("Content-Type", "").lower():
                # A JSON response that does not parse was cut short in transit: retry it like a timeout.
                return "error", TransientError("Autotask sent an incomplete response.", status=resp.status_code,
                                               url=url)
            return "ok", body
        kw: dict[str, Any] = {"status": resp.status_code, "messages": error_messages(body), "url": url}
        if verdict.error is RateLimitedError:
            # Assume we are at the limit so pacing kicks in for the calls that follow.
            if self.threshold_state.limit:
                self.threshold_state.count_at_check = self.threshold_state.limit
                self.threshold_state.calls_since_check = 0
            return "error", RateLimitedError(verdict.message, retry_after=parse_retry_after(
                resp.headers.get("Retry-After"), self.clock.now()), **kw)
        err = verdict.error(verdict.message, **kw)
        return ("moved" if verdict.error is InvalidSecretError else "error"), err

    # ------------------------------------------------------------------ threshold awareness
    def _pace(self) -> None:
        st = self.threshold_state
        for _ in range(60):  # bounded: at most an hour of waiting at stop_wait=60s
            if self.threshold.needs_check(st):
                self.refresh_threshold()
            delay = self.threshold.delay(st)
            if delay <= 0:
                return
            self.stats.slept += delay
            self.clock.sleep(delay)
            if delay < self.threshold.stop_wait:
                return
            st.calls_since_check = max(st.calls_since_check, self.threshold.check_every)  # force a re-read

    def refresh_threshold(self) -> dict[str, Any] | None:
        """Read ``ThresholdInformation``. If the endpoint is missing, pace on 429s alone instead of failing."""
        st = self.threshold_state
        try:
            body = self._send("GET", "ThresholdInformation", entity="ThresholdInformation", relative=True,
                              paced=False)
        except (RequestError, TransientError):
            st.disabled = True
            return None
        if not isinstance(body, dict):
            st.disabled = True
            return None
        st.limit = int(body.get("externalRequestThreshold") or 0) or None
        st.timeframe_minutes = int(body.get("requestThresholdTimeframe") or 60)
        st.count_at_check = int(body.get("currentTimeframeRequestCount") or 0)
        st.calls_since_check = 0
        if st.limit is None:
            st.disabled = True
        return body

    # ------------------------------------------------------------------ queries
    def query_page(self, entity: str, filters: Sequence[dict[str, Any]] | None = None,
                   include_fields: Sequence[str] | None = None, max_records: int | None = None) -> dict[str, Any]:
        """One POST ``/{entity}/query``; returns the raw envelope ``{"items", "pageDetails"}``."""
        body = self._query_body(filters, include_fields, max_records)
        return self._envelope(self.request("POST", f"{entity}/query", entity=entity, json_body=body))

    def _query_body(self, filters: Sequence[dict[str, Any]] | None, include_fields: Sequence[str] | None,
                    max_records: int | None) -> dict[str, Any]:
        body: dict[str, Any] = {"filter": list(filters) if filters else list(ALL)}
        if include_fields:
            fields = list(dict.fromkeys(include_fields))
            if not any(f.lower() == "id" for f in fields):
                fields.insert(0, "id")  # DOC-AQ: paging beyond 500 needs the id
            body["includeFields"] = fields
        body["maxRecords"] = max_records or self.page_size
        return body

    @staticmethod
    def _envelope(body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise IncompleteFetchError("Autotask returned a query response without an 'items' list.")
        return body

    def iter_pages(self, entity: str, filters: Sequence[dict[str, Any]] | None = None,
                   include_fields: Sequence[str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Yield pages (lists of items) in ascending id, each id at most once.

        ``nextPageUrl`` is followed with POST and the same body (WYRE170). If it is unusable (points at another
        host, or the server answers 404/405) the remaining records are fetched with ``id > last`` re-queries, the
        officially recommended alternative (APIGRATE#24). Duplicated ids across pages are dropped.
        """
        base_filters = list(filters) if filters else list(ALL)
        body = self._query_body(base_filters, include_fields, None)
        env = self._envelope(self.request("POST", f"{entity}/query", entity=entity, json_body=body))
        last_id: int | None = None
        mode = self.paging
        while True:
            items = env["items"]
            fresh = []
            for it in items:
                iid = it.get("id")
                if not isinstance(iid, int) or isinstance(iid, bool):
                    raise IncompleteFetchError(f"{entity}: an item without an integer id was returned.")
                if last_id is not None and iid <= last_id:
                    continue
                fresh.append(it)
                last_id = iid
            if fresh:
                yield fresh
            details = env.get("pageDetails") or {}
            next_url = details.get("nextPageUrl")
            if mode == "id":
                if len(items) < body["maxRecords"]:
                    return
                env = self._id_requery(entity, base_filters, include_fields, last_id)
                continue
            if not next_url:
                return
            if not self._same_origin(next_url):
                mode = "id"
                env = self._id_requery(entity, base_filters, include_fields, last_id)
                continue
            try:
                env = self._envelope(self._send("POST", next_url, entity=entity, json_body=body))
            except RequestError as exc:
                if exc.status in (404, 405):
                    mode = "id"
                    env = self._id_requery(entity, base_filters, include_fields, last_id)
                    continue
                raise

    def _id_requery(self, entity: str, filters: list[dict[str, Any]], include_fields: Sequence[str] | None,
                    last_id: int | None) -> dict[str, Any]:
        extra = [{"op": "gt", "field": "id", "value": last_id}] if last_id is not None else []
        body = self._query_body(filters + extra, include_fields, None)
        return self._envelope(self.request("POST", f"{entity}/query", entity=entity, json_body=body))

    def _same_origin(self, url: str) -> bool:
        """Never send credentials to a host other than the zone's (nextPageUrl is server-supplied)."""
        a, b = urlsplit(url), urlsplit(self.zone().url)
        return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())

    def query_all(self, entity: str, filters: Sequence[dict[str, Any]] | None = None,
                  include_fields: Sequence[str] | None = None, *, verify_count: bool = False) -> list[dict[str, Any]]:
        """All matching records. With ``verify_count`` the result is proven complete against ``query/count``
        (taken before and, on a shortfall, after the fetch, so deletions during the fetch are tolerated) and an
        :class:`IncompleteFetchError` is raised otherwise (O-08)."""
        expected = self.count(entity, filters) if verify_count else None
        out: list[dict[str, Any]] = []
        for page in self.iter_pages(entity, filters, include_fields):
            out.extend(page)
        if expected is not None and len(out) < expected:
            again = self.count(entity, filters)
            if len(out) < again:
                raise IncompleteFetchError(
                    f"{entity}: fetched {len(out)} records but Autotask reports {again}; the enumeration was "
                    "truncated, so nothing will be orphaned this pass.")
        return out

    def query_in(self, entity: str, field: str, values: Sequence[Any], extra: Sequence[dict[str, Any]] = (),
                 include_fields: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Records whose ``field`` is one of ``values``, chunked to 500 values per query (SOAP's OR limit)."""
        out: list[dict[str, Any]] = []
        vals = sorted(set(values))
        for i in range(0, len(vals), 500):
            chunk = vals[i:i + 500]
            flt = [{"op": "in", "field": field, "value": chunk}, *extra]
            for page in self.iter_pages(entity, flt, include_fields):
                out.extend(page)
        return out

    def count(self, entity: str, filters: Sequence[dict[str, Any]] | None = None) -> int:
        body = {"filter": list(filters) if filters else list(ALL)}
        res = self.request("POST", f"{entity}/query/count", entity=entity, json_body=body)
        if not isinstance(res, dict) or "queryCount" not in res:
            raise RequestError(f"{entity}: count response without queryCount.")
        return int(res["queryCount"])

    def get(self, entity: str, item_id: int) -> dict[str, Any] | None:
        """GET by id; a missing record is ``None`` whether the server says 404 or ``{"item": null}`` (§2)."""
        try:
            res = self.request("GET", f"{entity}/{int(item_id)}", entity=entity)
        except RequestError as exc:
            if exc.status == 404:
                return None
            raise
        return res.get("item") if isinstance(res, dict) else None

    # ------------------------------------------------------------------ metadata
    def entity_fields(self, entity: str) -> list[dict[str, Any]]:
        res = self.request("GET", f"{entity}/entityInformation/fields", entity=entity)
        return list(res.get("fields") or []) if isinstance(res, dict) else []

    def picklists(self, entity: str) -> dict[str, dict[str, str]]:
        """``{field: {value: label}}`` for every picklist field; values are strings as Autotask sends them."""
        out: dict[str, dict[str, str]] = {}
        for f in self.entity_fields(entity):
            if f.get("isPickList") and f.get("picklistValues"):
                out[str(f.get("name"))] = {str(v.get("value")): str(v.get("label"))
                                          for v in f["picklistValues"] if v.get("isActive", True) is not False}
        return out

    # ------------------------------------------------------------------ writes (used by the push, part 2)
    def create(self, entity: str, body: dict[str, Any], *, parent: tuple[str, int] | None = None) -> int:
        path = f"{parent[0]}/{parent[1]}/{entity}" if parent else entity
        res = self.request("POST", path, entity=entity, json_body=body, idempotent=False)
        return int(res["itemId"])

    def update(self, entity: str, body: dict[str, Any], *, parent: tuple[str, int] | None = None) -> int:
        """Sparse PATCH on the collection URL with the id in the body (autotask-api.md §6)."""
        path = f"{parent[0]}/{parent[1]}/{entity}" if parent else entity
        res = self.request("PATCH", path, entity=entity, json_body=body, idempotent=False)
        return int(res.get("itemId", body.get("id")))


def _decode(resp: requests.Response) -> Any:
    if not resp.content:
        return None
    try:
        return resp.json()
    except (ValueError, json.JSONDecodeError):
        return resp.text
