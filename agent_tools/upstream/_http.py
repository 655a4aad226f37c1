"""One provider through the pipeline: cache → limiter → retry (tenacity) → httpx → parsed body.

A body that is not the documented shape is schema drift: `UpstreamDrifted`, counted and
logged, and never cached as a good answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from opentelemetry import trace
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_exponential_jitter

from agent_tools.errors import (
    DeadlineExceeded,
    UpstreamBadResponse,
    UpstreamDrifted,
    UpstreamRateLimited,
    UpstreamTimedOut,
    UpstreamUnavailable,
)
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._cache import Fetched
from agent_tools.upstream._clock import remaining
from agent_tools.upstream._limiter import LimiterFull
from agent_tools.upstream._pipeline import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, Pipeline
from agent_tools.upstream._spec import MAX_ATTEMPTS, ProviderSpec, Retryable, parse_retry_after, with_wait

_tracer = trace.get_tracer("agent_tools.upstream")  # a no-op unless an OpenTelemetry SDK is configured
T = TypeVar("T")
log = logging.getLogger("agent_tools.upstream")


_BACKOFF = wait_exponential_jitter(multiplier=0.5, max=8.0, jitter=0.5)  # 0.5, 1, 2, 4 s (+ up to 0.5 s)


def _where(error: ValidationError) -> str:
    """Where a body failed validation, cheaply: listing a huge body's errors can take seconds."""
    count = error.error_count()
    if count > 20:
        return f"{count} fields wrong"
    places = sorted(
        {".".join(_loc_part(p) for p in e["loc"]) or "<root>" for e in error.errors(include_url=False)}
    )
    return "at " + ", ".join(places[:5])


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_.-]{1,48}")


def _loc_part(part: str | int) -> str:
    """A location step for a message: our field names and indexes as they are; a provider's own
    dict key (an address, or anything a hostile body sends) only when short and plain."""
    text = str(part)
    return text if _PLAIN_KEY.fullmatch(text) else "<key>"


class Upstream:
    """A provider seen through the pipeline: `get`/`post` return parsed, cached values."""

    def __init__(self, pipeline: Pipeline, spec: ProviderSpec) -> None:
        self._p = pipeline
        self.spec = spec

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None,
        adapter: BodyAdapter[T],
        *,
        ttl: float,
        grace: float = 3600.0,
        max_bytes: int | None = None,
        cache: bool = True,
    ) -> Fetched[T]:
        """GET and parse; `cache=False` for callers that cache per item themselves (see Batcher)."""
        params = dict(params or {})
        if not cache:
            value = await self._load("GET", path, params, None, adapter, max_bytes)
            return Fetched(value, self._p.clock.wall())
        key = self._key(path, params)
        return await self._p.cached(
            key,
            lambda: self._load("GET", path, params, None, adapter, max_bytes),
            ttl=ttl,
            grace=grace,
            provider=self.spec.name,
            adapter=adapter,
        )

    def peek(self, path: str, params: Mapping[str, str] | None, adapter: BodyAdapter[T]) -> Fetched[T] | None:
        """What `get(path, params)` would return from this process's fresh cache, or None (no request).

        Lets a caller tell a free answer from one that costs the provider's budget.
        """
        entry = self._p.cache.get(self._key(path, dict(params or {})))
        if entry is None or self._p.clock.now() >= entry.fresh_until:
            return None
        value: T = entry.value  # stored by `get` for this key, after `adapter` validated it
        return Fetched(value, entry.fetched_at)

    def _key(self, path: str, params: dict[str, str]) -> tuple[object, ...]:
        return (self.spec.name, self.spec.base_url, "GET", path, tuple(sorted(params.items())))

    async def post(
        self,
        path: str,
        body: Any,
        adapter: BodyAdapter[T],
        *,
        ttl: float,
        grace: float = 3600.0,
    ) -> Fetched[T]:
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        key = (self.spec.name, self.spec.base_url, "POST", path, digest)
        return await self._p.cached(
            key,
            lambda: self._load("POST", path, {}, body, adapter, None),
            ttl=ttl,
            grace=grace,
            provider=self.spec.name,
            adapter=adapter,
        )

    async def budget_left(self) -> int:
        """Requests this provider could send now without waiting (see Pipeline.budget_left)."""
        return await self._p.budget_left(self.spec)

    # -- one load: limiter, retries, HTTP, parse ------------------------------------------

    async def _load(
        self,
        method: str,
        path: str,
        params: dict[str, str],
        body: Any,
        adapter: BodyAdapter[T],
        max_bytes: int | None,
    ) -> T:
        clock = self._p.clock

        def stop(state: RetryCallState) -> bool:
            """Out of attempts, or the next wait would end past the call's deadline."""
            failure = state.outcome.exception() if state.outcome else None
            limit = failure.max_attempts if isinstance(failure, Retryable) else MAX_ATTEMPTS
            left = remaining(clock)
            return state.attempt_number >= limit or (left is not None and state.upcoming_sleep >= left)

        def wait(state: RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            if isinstance(failure, Retryable) and failure.retry_after is not None:
                return failure.retry_after
            return _BACKOFF(state)

        async def before_sleep(state: RetryCallState) -> None:
            self._p.stats.retries[self.spec.name] += 1
            log.info(
                "retrying upstream",
                extra={"provider": self.spec.name, "path": path, "wait_s": round(state.upcoming_sleep, 3)},
            )

        retrying = AsyncRetrying(
            retry=retry_if_exception_type(Retryable),
            wait=wait,
            stop=stop,
            sleep=clock.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        raw: Any = None
        try:
            async for attempt in retrying:
                with attempt:
                    raw = await self._attempt(method, path, params, body, max_bytes or self._p.max_body_bytes)
        except Retryable as failure:
            raise failure.error from None
        try:
            return adapter.validate_python(raw)
        except ValidationError as exc:
            # drift: failed for this call, counted and logged, and never cached as a good answer
            where = _where(exc)
            self._p.stats.drift[self.spec.name] += 1
            log.warning(
                "upstream body drifted", extra={"provider": self.spec.name, "path": path, "where": where}
            )
            raise UpstreamDrifted(
                self.spec.name,
                f"{self.spec.display} changed its response format ({where})",
                hint="the provider may have changed its API; try again later or report it",
            ) from None

    async def _attempt(
        self, method: str, path: str, params: dict[str, str], body: Any, max_bytes: int
    ) -> Any:
        spec, clock, stats = self.spec, self._p.clock, self._p.stats
        left = remaining(clock)
        if left is not None and left <= 0:
            raise DeadlineExceeded(f"no time left to call {spec.display} within the deadline")
        try:
            wait = await self._p.reserve(spec, left)
        except LimiterFull as full:
            raise UpstreamRateLimited(
                spec.name,
                f"{spec.display} request budget ({spec.rate_per_min}/min) is used up; "
                f"try again in {math.ceil(full.wait)} s",
                retry_after_s=full.wait,
                hint=spec.hint,
            ) from None
        if wait > 0:
            stats.limiter_waits[spec.name] += 1
            await clock.sleep(wait)
            left = remaining(clock)

        timeout = READ_TIMEOUT_S if left is None else max(min(READ_TIMEOUT_S, left), 0.001)
        client = self._p.client(spec)
        request = client.build_request(
            method,
            path.lstrip("/") or spec.base_url,  # an empty path means the base URL itself (JSON-RPC)
            params={**params, **spec.auth_params} or None,
            json=body,
            headers=dict(spec.headers),
            timeout=httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT_S, timeout)),
        )
        attributes = {"provider": spec.name, "http.method": method, "path": path}
        try:
            with _tracer.start_as_current_span(f"upstream {spec.name}", attributes=attributes):
                async with asyncio.timeout(timeout):  # the whole attempt, however the body trickles
                    response = await client.send(request, stream=True)
                    try:
                        content = await self._read_capped(response, max_bytes)
                    finally:
                        await response.aclose()
        except (httpx.TimeoutException, TimeoutError):
            stats.requests[(spec.name, "timeout")] += 1
            left = remaining(clock)
            if left is not None and left <= 0.001:
                raise DeadlineExceeded(f"{spec.display} did not answer within the deadline") from None
            raise Retryable(UpstreamTimedOut(spec.name, f"{spec.display} timed out")) from None
        except httpx.ConnectError:
            # no route, refused or no DNS: one quick retry, since another rarely helps within seconds
            stats.requests[(spec.name, "connect_error")] += 1
            raise Retryable(
                UpstreamUnavailable(spec.name, f"{spec.display} is unreachable"), max_attempts=2
            ) from None
        except httpx.TransportError:
            stats.requests[(spec.name, "network_error")] += 1
            raise Retryable(UpstreamUnavailable(spec.name, f"{spec.display} connection failed")) from None

        stats.requests[(spec.name, str(response.status_code))] += 1
        log.info(
            "upstream request",
            extra={"provider": spec.name, "method": method, "path": path, "status": response.status_code},
        )
        return self._interpret(response, content)

    async def _read_capped(self, response: httpx.Response, cap: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise UpstreamBadResponse(
                self.spec.name, f"{self.spec.display} response is too large (over {cap} bytes); refused"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > cap:
                raise UpstreamBadResponse(
                    self.spec.name, f"{self.spec.display} response is too large (over {cap} bytes); refused"
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _interpret(self, response: httpx.Response, content: bytes) -> Any:
        spec = self.spec
        status = response.status_code
        try:
            parsed: Any = json.loads(content) if content else None
            well_formed = True
        except ValueError:
            parsed, well_formed = None, False

        # the one place Retry-After is read: hooks only classify, the wait is added here
        retry_after = parse_retry_after(response.headers.get("retry-after"), self._p.clock.wall())
        if spec.error_hook is not None:
            special = spec.error_hook(response, parsed)
            if special is not None:
                raise with_wait(special, retry_after, spec.hint)

        if status == 429:
            limited = UpstreamRateLimited(spec.name, f"{spec.display} is rate limiting")
            raise with_wait(Retryable(limited), retry_after, spec.hint)
        if status >= 500:
            raise Retryable(UpstreamUnavailable(spec.name, f"{spec.display} failed with HTTP {status}"))
        if status == 404:
            raise UpstreamBadResponse(spec.name, f"{spec.display} has no such resource (HTTP 404)")
        if status >= 400:
            raise UpstreamBadResponse(spec.name, f"{spec.display} refused the request (HTTP {status})")
        if not well_formed:
            raise UpstreamBadResponse(spec.name, f"{spec.display} returned a body that is not JSON")
        return parsed
