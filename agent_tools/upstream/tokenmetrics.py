"""Token Metrics: tokens, trader and investor grades, trading signals (upstream-apis.md §7).

Every answer is an envelope `{success, message, length, data[]}` whose rows use
UPPER_SNAKE_CASE keys. The key goes in the `api_key` header, as the official SDK sends it.
Failures come as HTTP statuses or as `success: false` with a message; both are mapped
here: a rejected key is NOT_CONFIGURED, a used-up plan quota is UPSTREAM_RATE_LIMITED
without retry (retrying within seconds cannot help), a plain 429 is retried after its
Retry-After by the pipeline.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Generic, TypeVar, cast

import httpx
from pydantic import ConfigDict, Field

from agent_tools.errors import AgentToolsError, NotConfigured, UpstreamBadResponse, UpstreamRateLimited
from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter

GRADES_TTL_S = 3600.0  # grades and signals are computed daily
TOKENS_TTL_S = 24 * 3600.0
MAX_MESSAGE_CHARS = 200
_KEY_HINT = (
    "check AGENT_TOOLS_TOKENMETRICS_API_KEY (a Token Metrics API key), or unset it to use the open model"
)
_QUOTA = re.compile(r"quota|credits?\b|monthly|usage limit|plan limit|upgrade", re.I)
"""Words of a used-up plan allowance, as opposed to a short-term rate limit (retried)."""
_BAD_KEY = re.compile(r"api[ _-]?key|unauthori[sz]ed|forbidden", re.I)


class _Row(Body):
    """Rows name their fields in UPPER_SNAKE_CASE; unknown fields are ignored."""

    model_config = ConfigDict(alias_generator=str.upper, populate_by_name=True)


class Token(_Row):
    token_id: int
    token_name: str
    token_symbol: str


class TraderGrade(_Row):
    as_of: date = Field(alias="DATE")
    tm_trader_grade: float | None = None
    ta_grade: float | None = None
    quant_grade: float | None = None


class InvestorGrade(_Row):
    as_of: date = Field(alias="DATE")
    tm_investor_grade: float | None = None


class TradingSignal(_Row):
    as_of: date = Field(alias="DATE")
    trading_signal: int | None = None  # 1 bullish, -1 bearish, 0 no signal


R = TypeVar("R", bound=_Row)


class Envelope(Body, Generic[R]):
    success: bool
    message: str | None = None
    data: list[R] = Field(default_factory=list[R])


def _message(body: Any) -> tuple[bool | None, str]:
    """The envelope's `success` flag and its message (trimmed), where the body has them."""
    if not isinstance(body, dict):
        return None, ""
    fields = cast(dict[str, object], body)
    success, message = fields.get("success"), fields.get("message")
    text = str(message)[:MAX_MESSAGE_CHARS] if isinstance(message, str) else ""
    return (success if isinstance(success, bool) else None), text


def _error_hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
    status = response.status_code
    success, message = _message(body)  # read to classify, never repeated: it is third-party text
    if _QUOTA.search(message) and (success is False or status >= 400):
        return UpstreamRateLimited(
            "tokenmetrics",
            "Token Metrics quota is used up",
            retryable=False,
            hint="wait for the plan's quota to reset or upgrade it; unset AGENT_TOOLS_TOKENMETRICS_API_KEY"
            " to use the open model meanwhile",
        )
    if status in (401, 403) or (success is False and _BAD_KEY.search(message)):
        return NotConfigured(f"Token Metrics rejected the API key (HTTP {status})", hint=_KEY_HINT)
    if success is False and status < 500 and status != 429:
        return UpstreamBadResponse("tokenmetrics", f"Token Metrics refused the request (HTTP {status})")
    return None


def spec(settings: Settings) -> ProviderSpec:
    key = settings.tokenmetrics_api_key
    if key is None:
        raise NotConfigured(
            "no Token Metrics API key is set",
            hint="set AGENT_TOOLS_TOKENMETRICS_API_KEY to use Token Metrics",
        )
    return ProviderSpec(
        name="tokenmetrics",
        display="Token Metrics",
        base_url=settings.tokenmetrics_base_url,
        rate_per_min=settings.rate_per_min("tokenmetrics"),
        headers={"api_key": key.get_secret_value()},
        error_hook=_error_hook,
    )


_TOKENS = BodyAdapter(Envelope[Token])
_TRADER = BodyAdapter(Envelope[TraderGrade])
_INVESTOR = BodyAdapter(Envelope[InvestorGrade])
_SIGNALS = BodyAdapter(Envelope[TradingSignal])


class TokenMetrics:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def _rows(
        self, path: str, params: dict[str, str], adapter: BodyAdapter[Envelope[R]], ttl: float
    ) -> Fetched[list[R]]:
        got = await self._up.get(path, params, adapter, ttl=ttl)
        return Fetched(got.value.data, got.fetched_at, got.stale)

    async def tokens(self, symbol: str) -> Fetched[list[Token]]:
        """Every Token Metrics token with this ticker (a ticker may name several)."""
        return await self._rows("/tokens", {"symbol": symbol.upper()}, _TOKENS, TOKENS_TTL_S)

    async def trader_grades(self, token_id: int, start: date, end: date) -> Fetched[list[TraderGrade]]:
        return await self._rows("/trader-grades", _range(token_id, start, end), _TRADER, GRADES_TTL_S)

    async def investor_grades(self, token_id: int, start: date, end: date) -> Fetched[list[InvestorGrade]]:
        return await self._rows("/investor-grades", _range(token_id, start, end), _INVESTOR, GRADES_TTL_S)

    async def trading_signals(self, token_id: int, start: date, end: date) -> Fetched[list[TradingSignal]]:
        return await self._rows("/trading-signals", _range(token_id, start, end), _SIGNALS, GRADES_TTL_S)


def _range(token_id: int, start: date, end: date) -> dict[str, str]:
    """The SDK's query for one token over [start, end] (dates as YYYY-MM-DD, first page)."""
    return {
        "token_id": str(token_id),
        "startDate": start.isoformat(),
        "endDate": end.isoformat(),
        "limit": "100",
        "page": "0",
    }
