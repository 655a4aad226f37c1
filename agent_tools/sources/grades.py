"""Token Metrics' own grades and signal for an asset, as a domain `ProviderGrades`."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from agent_tools.domain.grades import ProviderGrades, Signal
from agent_tools.errors import NotFound
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.upstream.tokenmetrics import Token, TokenMetrics

LOOKBACK_DAYS = 7
"""Token Metrics rows are daily; the newest within a week is taken."""
SIGNALS: dict[int, Signal] = {1: "bullish", -1: "bearish", 0: "neutral"}


def _pick(rows: list[Token], asset_id: str, symbol: str, name: str | None, notes: list[str]) -> Token:
    same = [r for r in rows if r.token_symbol.upper() == symbol.upper()]
    if not same:
        raise NotFound(f"Token Metrics lists no token with ticker {symbol.upper()}")
    named = [r for r in same if name and r.token_name.lower() == name.lower()]
    if named:
        return named[0]
    if len(same) > 1:  # ids only in our sentences: token names are third-party text
        notes.append(
            f"Token Metrics has {len(same)} tokens with ticker {symbol.upper()} and none with the "
            f"name CoinGecko gives {asset_id}; took TOKEN_ID {same[0].token_id}"
        )
    return same[0]


async def tokenmetrics_grades(
    services: Services, asset_id: str, symbol: str, name: str | None
) -> Ok[ProviderGrades] | NoData:
    tm = services.provider(TokenMetrics)
    notes: list[str] = []
    try:
        token = _pick((await tm.tokens(symbol)).value, asset_id, symbol, name, notes)
    except NotFound as exc:
        return NoData(exc.message)
    end = datetime.fromtimestamp(services.clock.wall(), UTC).date()
    start = end - timedelta(days=LOOKBACK_DAYS)
    trader_f, investor_f, signal_f = await asyncio.gather(
        tm.trader_grades(token.token_id, start, end),
        tm.investor_grades(token.token_id, start, end),
        tm.trading_signals(token.token_id, start, end),
    )
    trader = max(trader_f.value, key=lambda r: r.as_of, default=None)
    investor = max(investor_f.value, key=lambda r: r.as_of, default=None)
    signal = max(signal_f.value, key=lambda r: r.as_of, default=None)
    if trader is None and investor is None:
        return NoData(f"Token Metrics has no grades for TOKEN_ID {token.token_id} since {start.isoformat()}")
    found = [r.as_of for r in (trader, investor, signal) if r is not None]
    grades = ProviderGrades(
        trader_grade=trader.tm_trader_grade if trader else None,
        investor_grade=investor.tm_investor_grade if investor else None,
        signal=SIGNALS.get(signal.trading_signal) if signal and signal.trading_signal is not None else None,
        ta_grade=trader.ta_grade if trader else None,
        quant_grade=trader.quant_grade if trader else None,
        as_of=min(found),
        notes=tuple(notes),
    )
    stale = trader_f.stale or investor_f.stale or signal_f.stale
    fetched_at = min(trader_f.fetched_at, investor_f.fetched_at, signal_f.fetched_at)
    return Ok(grades, fetched_at, stale)
