"""What a provider declares (`ProviderSpec`) and how its failures are classified for retry.

Provider error hooks only classify a response (an error, or a `Retryable` one); the wait a
response asks for (Retry-After) is read once, here, against the wall clock, for every provider.
"""

from __future__ import annotations

import email.utils
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import httpx

from agent_tools.errors import AgentToolsError, UpstreamBadResponse, UpstreamError, UpstreamRateLimited

MAX_ATTEMPTS = 4
MAX_RETRY_AFTER_S = 3 * 24 * 3600.0  # Binance bans last up to three days


class Retryable(Exception):
    """A failure worth retrying; carries the error to report if retries run out.

    Provider error hooks return one to ask for a retry, or a plain error to fail at once.
    """

    def __init__(
        self, error: UpstreamError, retry_after: float | None = None, max_attempts: int = MAX_ATTEMPTS
    ) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after
        self.max_attempts = max_attempts


def parse_retry_after(value: str | None, wall_now: float) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - wall_now
    if not math.isfinite(seconds):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def with_wait(
    failure: AgentToolsError | Retryable, retry_after: float | None, hint: str | None
) -> AgentToolsError | Retryable:
    """A rate limit a hook classified, completed with the response's Retry-After and the provider's hint.

    A wait the hook set itself (say, a per-second limit it knows) is kept.
    """
    error = failure.error if isinstance(failure, Retryable) else failure
    if not isinstance(error, UpstreamRateLimited):
        return failure
    if error.retry_after_s is None and retry_after is not None:
        error.retry_after_s = retry_after
    if error.retry_after_s is not None and "try again in" not in error.message:
        error.message = f"{error.message}; try again in {math.ceil(error.retry_after_s)} s"
        error.args = (error.message,)
    if error.hint is None:
        error.hint = hint
    if isinstance(failure, Retryable) and failure.retry_after is None:
        failure.retry_after = error.retry_after_s
    return failure


ErrorHook = Callable[[httpx.Response, Any], "AgentToolsError | Retryable | None"]
"""Reads a provider's own error body (status and parsed JSON or None); None = not special."""

_PLAIN_CODE = re.compile(r"\d{1,10}")


def code_error_hook(
    provider: str, display: str, request: str, *, success: str, rate_limited: str
) -> ErrorHook:
    """The hook for an exchange that answers `{"code": ...}`: `success` is no error, `rate_limited` (or
    HTTP 429) its rate limit, any other code a refusal of `request`, shown only when it is plain digits."""

    def hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
        if not isinstance(body, dict) or response.status_code >= 500:  # 5xx: retried by the pipeline
            return None
        code = cast(dict[str, object], body).get("code")
        if code is None or code == success:
            return None
        if code == rate_limited or response.status_code == 429:
            return Retryable(UpstreamRateLimited(provider, f"{display} is rate limiting"))
        shown = f" (code {code})" if isinstance(code, str) and _PLAIN_CODE.fullmatch(code) else ""
        return UpstreamBadResponse(provider, f"{display} refused the {request}{shown}")

    return hook


@dataclass(frozen=True)
class ProviderSpec:
    name: str  # settings key and metrics label, e.g. "coingecko"
    display: str  # for messages, e.g. "CoinGecko"
    base_url: str
    rate_per_min: int
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    auth_params: Mapping[str, str] = field(default_factory=dict[str, str])  # e.g. apikey=...
    error_hook: ErrorHook | None = None
    hint: str | None = None  # what helps when this provider rate-limits us
