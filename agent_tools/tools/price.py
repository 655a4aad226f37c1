"""get_price: live prices with ticker disambiguation and a cross-source check.

CoinGecko is the primary source (one `/simple/price` request for the whole batch, plus
the hours-cached coin list that resolves tickers). DefiLlama is fetched concurrently as
the cross-check; Binance answers when both of those fail; the bundled snapshot answers
when nothing live does, or in offline mode.
"""

from __future__ import annotations  # the nested helpers' annotations are not evaluated on every call

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from pydantic import BaseModel, Field

from agent_tools.domain.assets import (
    Coin,
    CoinIndex,
    ContractQuery,
    NameQuery,
    PriceRow,
    PriceRows,
    parse_asset_query,
)
from agent_tools.domain.chains import Chain
from agent_tools.errors import InvalidArgument, NotFound, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.snapshot import SnapshotAsset, age_days, price_snapshot
from agent_tools.sources import prices
from agent_tools.sources.coins import coin_index, snapshot_coin
from agent_tools.sources.outcome import Ok, SourceRun
from agent_tools.tools._registry import ToolSpec

MAX_SYMBOLS = 50
DISAGREEMENT_PCT = 2.0
MAX_ALTERNATIVES = 5
# CoinGecko's vs_currencies that we accept (a stable subset of /simple/supported_vs_currencies)
VS_CURRENCIES = frozenset(
    [
        "usd",
        "eur",
        "gbp",
        "jpy",
        "cny",
        "krw",
        "inr",
        "cad",
        "aud",
        "chf",
        "brl",
        "rub",
        "try",
        "sgd",
        "hkd",
        "mxn",
        "nzd",
        "sek",
        "nok",
        "dkk",
        "pln",
        "zar",
        "idr",
        "thb",
        "php",
        "myr",
        "twd",
        "vnd",
        "uah",
        "ngn",
        "ars",
        "clp",
        "czk",
        "huf",
        "ils",
        "aed",
        "sar",
        "btc",
        "eth",
        "bnb",
        "sol",
        "xrp",
        "ltc",
        "bch",
    ]
)


class Alternative(BaseModel):
    asset_id: str
    name: str
    market_cap: float | None


class CrossCheck(BaseModel):
    source: str
    price: float
    diff_pct: float = Field(description="(cross-check price − quoted price) / quoted price × 100")


class Quote(BaseModel):
    query: str
    asset_id: str | None = Field(description="CoinGecko id, or chain:address for a token")
    symbol: str | None
    name: str | None
    price: float
    currency: str
    change_24h_pct: float | None
    market_cap: float | None
    volume_24h: float | None
    source: str = Field(description="coingecko | defillama | binance | snapshot")
    as_of: datetime = Field(description="when the source priced it (its own timestamp where it gives one)")
    stale: bool = Field(description="true when served from an expired cache entry or the offline snapshot")
    cross_check: CrossCheck | None = None
    alternatives: list[Alternative] = Field(
        default_factory=list[Alternative], description="other coins sharing the ticker, largest first"
    )


class PriceResult(BaseModel):
    quotes: list[Quote]
    warnings: list[str]
    not_found: list[str] = Field(
        default_factory=list[str],
        description="queries the sources answered for and do not know (or cannot price)",
    )
    unavailable: list[str] = Field(
        default_factory=list[str],
        description="queries not looked up because a source failed: retry later; this says nothing about existence",
    )


# --- orchestration -----------------------------------------------------------------------------


@dataclass
class _Live:
    """What each live source answered per item; a source absent here failed or was not asked."""

    cg: PriceRows | None = None  # coin id -> row
    cg_tokens: dict[str, PriceRows] = field(
        default_factory=dict[str, PriceRows]
    )  # chain name -> address -> row
    llama: PriceRows | None = None  # DefiLlama key -> row
    binance: Ok[Mapping[str, float]] | None = None
    fresh_until: float | None = None  # every row came from the cache, fresh until then (monotonic)


async def fetch_prices(services: Services, symbols: Sequence[str], vs_currency: str) -> PriceResult:
    key = (tuple(symbols), vs_currency)
    reused = _reuse(services, key)
    if reused is not None:
        return reused
    vs = vs_currency.strip().lower()
    if vs not in VS_CURRENCIES:
        raise InvalidArgument(
            f"unsupported vs_currency {vs_currency!r}", hint=f"one of: {', '.join(sorted(VS_CURRENCIES))}"
        )
    queries = _parse_all(symbols)
    warnings: list[str] = []
    if services.settings.offline:
        reason = "offline mode (AGENT_TOOLS_OFFLINE=1)"
        return _answer_from_snapshot(queries, vs, warnings, reason, services.clock.wall())

    run = SourceRun()
    index = await run.ask("coingecko", coin_index(services))
    if isinstance(index, Ok) and index.stale:
        warnings.append("CoinGecko coin list is stale (served from cache after an upstream error)")
    resolved = index.value if isinstance(index, Ok) else None
    candidates = {q: _candidates(q, resolved) for q in queries if isinstance(q, NameQuery)}
    contracts = [q for q in queries if isinstance(q, ContractQuery)]
    live = await _fetch_live(services, run, vs, candidates, contracts)
    misconfigured = run.misconfigured()
    if misconfigured is not None:
        raise misconfigured

    quotes: list[Quote] = []
    not_found: list[str] = []
    unavailable: list[str] = []
    for query in queries:
        coins = candidates[query] if isinstance(query, NameQuery) else []
        if isinstance(query, NameQuery):
            quote = _quote_name(query, coins, vs, live, warnings)
        else:
            quote = _quote_contract(query, resolved, vs, live)
        if quote is None and vs == "usd":
            quote = _snapshot_quote(query)
            if quote is not None:
                warnings.append(
                    f"{query.text}: no live source answered; price from the offline snapshot of "
                    f"{quote.as_of.date().isoformat()} ({age_days(quote.as_of, services.clock.wall())} days old)"
                )
        if quote is not None:
            quotes.append(quote)
            _cross_check_warning(quote, warnings)
        elif _answered_for(query, coins, live, vs, listed=resolved is not None):
            not_found.append(query.text)
        else:
            unavailable.append(query.text)

    warnings[:0] = run.failure_notes()
    if not quotes:
        if unavailable:
            raise run.error("no price source")
        raise NotFound(
            f"no asset found for {', '.join(not_found)}",
            hint="use search_assets to find the CoinGecko id, or pass chain:0xaddress for a token",
        )
    if not_found:
        warnings.append(f"not found: {', '.join(not_found)} (try search_assets)")
    if unavailable:
        warnings.append(f"not looked up, a source failed (retry later): {', '.join(unavailable)}")
    result = PriceResult(quotes=quotes, warnings=warnings, not_found=not_found, unavailable=unavailable)
    warm_until = live.fresh_until if isinstance(index, Ok) and not index.stale else None
    if warm_until is not None and not (run.failures() or unavailable or any(q.stale for q in quotes)):
        # the cache hits the warm path counted: the coin list, then one per row of each provider
        hits = (("coingecko", 1 + len(live.cg or {})), ("defillama", len(live.llama or {})))
        _remember(services, key, _Warm(result, warm_until, hits))
    return result


def _answered_for(
    query: NameQuery | ContractQuery, coins: list[Coin], live: _Live, vs: str, *, listed: bool
) -> bool:
    """Whether the sources that could know `query` all answered, so "not found" is their word, not
    a guess: the coin list for a name it lacks, every price source for one it lists or a contract."""
    llama_answered = vs != "usd" or live.llama is not None  # DefiLlama is asked for USD only
    if isinstance(query, ContractQuery):
        return query.chain.name in live.cg_tokens and llama_answered
    if not coins:
        return listed
    return live.cg is not None and llama_answered


def _parse_all(symbols: Sequence[str]) -> list[NameQuery | ContractQuery]:
    if not 1 <= len(symbols) <= MAX_SYMBOLS:
        raise InvalidArgument(f"symbols must hold 1 to {MAX_SYMBOLS} entries, got {len(symbols)}")
    parsed: dict[str, NameQuery | ContractQuery] = {}
    for raw in symbols:
        try:
            query = parse_asset_query(raw)
        except ValueError as exc:
            raise InvalidArgument(f"symbols: {exc}") from None
        parsed.setdefault(query.text.lower(), query)
    return list(parsed.values())


def _candidates(query: NameQuery, index: CoinIndex | None) -> list[Coin]:
    if index is not None:
        return index.candidates(query)
    coin = snapshot_coin(query)  # CoinGecko unreachable: resolve well-known tickers offline
    return [] if coin is None else [coin]


async def _fetch_live(
    services: Services,
    run: SourceRun,
    vs: str,
    candidates: dict[NameQuery, list[Coin]],
    contracts: list[ContractQuery],
) -> _Live:
    """CoinGecko and DefiLlama concurrently; Binance only when CoinGecko failed for names."""

    ids = sorted({coin.id for coins in candidates.values() for coin in coins})
    by_chain: dict[Chain, list[str]] = {}
    for q in contracts:
        by_chain.setdefault(q.chain, []).append(q.address)
    llama_keys = [f"coingecko:{i}" for i in ids] + [prices.llama_key(q.chain, q.address) for q in contracts]

    if not contracts:  # warm path: everything cached, so skip scheduling concurrent fetches
        cached = prices.cached_prices(services, ids, llama_keys, vs)
        if cached is not None:
            llama_rows = cached.defillama if vs == "usd" else None
            return _Live(cached.coingecko, {}, llama_rows, fresh_until=cached.fresh_until)

    async def cg() -> PriceRows | None:
        if not ids:
            return {}
        got = await run.ask("coingecko", prices.coingecko_prices(services, ids, vs))
        return got.value if isinstance(got, Ok) else None

    async def tokens() -> dict[str, PriceRows]:
        out: dict[str, PriceRows] = {}
        for chain, addresses in by_chain.items():
            got = await run.ask("coingecko", prices.coingecko_token_prices(services, chain, addresses, vs))
            if isinstance(got, Ok):
                out[chain.name] = got.value
        return out

    async def llama() -> PriceRows | None:
        if vs != "usd":
            return None
        if not llama_keys:
            return {}
        got = await run.ask("defillama", prices.defillama_prices(services, llama_keys))
        return got.value if isinstance(got, Ok) else None

    live = _Live(*await asyncio.gather(cg(), tokens(), llama()))
    if vs == "usd" and ids and live.cg is None:
        got = await run.ask("binance", prices.binance_prices(services))
        live.binance = got if isinstance(got, Ok) else None
    return live


# --- warm answers ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Warm:
    """An answer built wholly from fresh cache entries, and so the same for as long as they are fresh.

    A warm call's own work (resolving tickers, two cache peeks, building quotes) was the larger part of
    what this server adds to a warm call over stdio (docs/performance.md), so such an answer is kept
    and given again until the first price in it stops being fresh; `hits` are the cache hits building
    it again would have counted, so /metrics reads the same.
    """

    answer: PriceResult
    fresh_until: float  # monotonic clock
    hits: tuple[tuple[str, int], ...]


MAX_WARM_ANSWERS = 512
_warm: WeakKeyDictionary[Services, LRUCache[tuple[tuple[str, ...], str], _Warm]] = WeakKeyDictionary()


def _reuse(services: Services, key: tuple[tuple[str, ...], str]) -> PriceResult | None:
    answers = _warm.get(services)
    if answers is None or (warm := answers.get(key)) is None:
        return None
    if services.clock.now() >= warm.fresh_until:
        del answers[key]
        return None
    stats = services.pipeline.stats.cache
    for provider, count in warm.hits:
        stats[(provider, "hit")] += count
    return warm.answer


def _remember(services: Services, key: tuple[tuple[str, ...], str], warm: _Warm) -> None:
    answers = _warm.get(services)
    if answers is None:
        answers = _warm[services] = LRUCache(MAX_WARM_ANSWERS)
    answers[key] = warm


# --- building quotes -------------------------------------------------------------------------


def _ts(unix: float) -> datetime:
    return datetime.fromtimestamp(unix, tz=UTC)


def _quote_name(
    query: NameQuery, coins: list[Coin], vs: str, live: _Live, warnings: list[str]
) -> Quote | None:
    rows = live.cg or {}
    priced = [(coin, row) for coin in coins if (row := rows.get(coin.id)) is not None]
    if priced:
        priced.sort(key=lambda pair: -(pair[1].market_cap or -1.0))
        coin, row = priced[0]
        alternatives = [
            Alternative(asset_id=c.id, name=c.name, market_cap=r.market_cap)
            for c, r in priced[1 : 1 + MAX_ALTERNATIVES]
        ]
        check = _cross_check(live, f"coingecko:{coin.id}", row.price)
        quote = _quote(query.text, coin.id, coin.symbol, coin.name, row, vs, check, alternatives)
        if alternatives:  # ids only: names are third-party text, and market caps are in the quote's fields
            others = ", ".join(a.asset_id for a in alternatives)
            warnings.append(
                f"{query.text} is ambiguous: picked {coin.id}, the largest by market cap; alternatives: "
                f"{others}. Pass a CoinGecko id to choose another."
            )
        return quote

    for coin in coins:
        found = (live.llama or {}).get(f"coingecko:{coin.id}")
        if found is not None:
            return _quote(
                query.text,
                coin.id,
                coin.symbol,
                coin.name,
                found,
                "usd",
                _binance_check(live, coin.symbol, found.price),
            )
    if live.binance is not None:
        ticker = (coins[0].symbol if coins else query.text).upper()
        price = live.binance.value.get(f"{ticker}USDT")
        if price is not None:
            if len(coins) > 1:
                warnings.append(f"{query.text}: priced on Binance by ticker, without market-cap ranking")
            warnings.append(f"{query.text}: Binance quotes USDT, taken as USD")
            coin = coins[0] if coins else None
            row = PriceRow("binance", price, None, None, None, live.binance.fetched_at, live.binance.stale)
            return _quote(
                query.text, coin.id if coin else None, ticker, coin.name if coin else None, row, "usd"
            )
    return None


def _quote_contract(query: ContractQuery, index: CoinIndex | None, vs: str, live: _Live) -> Quote | None:
    coin = index.contract(query) if index is not None else None
    asset_id = f"{query.chain.name}:{query.address}"
    key = prices.llama_key(query.chain, query.address)
    llama = (live.llama or {}).get(key)
    row = live.cg_tokens.get(query.chain.name, {}).get(query.address.lower())
    name = coin.name if coin else None
    if row is not None:
        symbol = coin.symbol if coin else (llama.symbol if llama else None)
        return _quote(query.text, asset_id, symbol, name, row, vs, _cross_check(live, key, row.price))
    if llama is not None:
        return _quote(query.text, asset_id, coin.symbol if coin else llama.symbol, name, llama, "usd")
    return None


def _quote(
    query: str,
    asset_id: str | None,
    symbol: str | None,
    name: str | None,
    row: PriceRow,
    currency: str,
    cross_check: CrossCheck | None = None,
    alternatives: list[Alternative] | None = None,
) -> Quote:
    return Quote(
        query=query,
        asset_id=asset_id,
        symbol=symbol.upper() if symbol else None,
        name=name,
        price=row.price,
        currency=currency,
        change_24h_pct=row.change_24h_pct,
        market_cap=row.market_cap,
        volume_24h=row.volume_24h,
        source=row.source,
        as_of=_ts(row.as_of),
        stale=row.stale,
        cross_check=cross_check,
        alternatives=alternatives or [],
    )


def _cross_check(live: _Live, key: str, price: float) -> CrossCheck | None:
    found = (live.llama or {}).get(key)
    return None if found is None or price == 0 else _check("defillama", found.price, price)


def _binance_check(live: _Live, symbol: str, price: float) -> CrossCheck | None:
    other = live.binance.value.get(f"{symbol.upper()}USDT") if live.binance is not None else None
    return None if other is None or price == 0 else _check("binance", other, price)


def _check(source: str, other: float, price: float) -> CrossCheck:
    return CrossCheck(source=source, price=other, diff_pct=round((other - price) / price * 100, 4))


def _cross_check_warning(quote: Quote, warnings: list[str]) -> None:
    check = quote.cross_check
    if check is not None and abs(check.diff_pct) > DISAGREEMENT_PCT:
        warnings.append(
            f"{quote.query}: sources disagree by {abs(check.diff_pct):.2f} %: {quote.source} says "
            f"{quote.price:,.6g} {quote.currency.upper()}, {check.source} says {check.price:,.6g}"
        )


# --- snapshot --------------------------------------------------------------------------------


def _snapshot_quote(query: NameQuery | ContractQuery) -> Quote | None:
    if isinstance(query, ContractQuery):
        return None
    snap = price_snapshot()
    asset = snap.by_id.get(query.text.lower()) or snap.by_symbol.get(query.text.upper())
    return None if asset is None else _from_snapshot_asset(query.text, asset)


def _from_snapshot_asset(query: str, asset: SnapshotAsset) -> Quote:
    return Quote(
        query=query,
        asset_id=asset.id,
        symbol=asset.symbol,
        name=asset.name,
        price=asset.price,
        currency="usd",
        change_24h_pct=asset.change_24h_pct,
        market_cap=asset.market_cap,
        volume_24h=asset.volume_24h,
        source="snapshot",
        as_of=asset.as_of,
        stale=True,
    )


def _answer_from_snapshot(
    queries: list[NameQuery | ContractQuery], vs: str, warnings: list[str], reason: str, now: float
) -> PriceResult:
    if vs != "usd":
        raise UpstreamUnavailable("snapshot", f"{reason}: the offline snapshot holds USD prices only")
    quotes: list[Quote] = []
    not_found: list[str] = []
    for query in queries:
        quote = _snapshot_quote(query)
        if quote is None:
            not_found.append(query.text)
        else:
            quotes.append(quote)
    if not quotes:
        raise NotFound(
            f"{reason}: the offline snapshot has no price for {', '.join(not_found)}",
            hint=f"it covers {len(price_snapshot().assets)} major assets; unset AGENT_TOOLS_OFFLINE for live data",
        )
    oldest = min(q.as_of for q in quotes)
    warnings.append(
        f"{reason}: prices are from the bundled snapshot (as old as {oldest.date().isoformat()}, "
        f"{age_days(oldest, now)} days), not live"
    )
    if not_found:
        warnings.append(f"not in the snapshot: {', '.join(not_found)}")
    return PriceResult(quotes=quotes, warnings=warnings, not_found=not_found)


# --- tool ----------------------------------------------------------------------------------------

DESCRIPTION = f"""Current price, 24 h change, market cap and 24 h volume for 1-{MAX_SYMBOLS} crypto assets in one call.

Use it whenever a user asks what a coin or token is worth now. Each entry of `symbols` may be:
- a ticker: "BTC", "eth" (a ticker shared by several coins resolves to the largest market cap;
  `warnings` and `alternatives` name the others — pass the CoinGecko id to choose one);
- a CoinGecko id: "bitcoin", "wrapped-bitcoin";
- a token contract as chain:address: "ethereum:0xa0b8...eb48", "base:0x...", "solana:<mint>".
Prices are in `vs_currency` (default usd). Primary source CoinGecko, cross-checked against
DefiLlama (`cross_check`; a gap over {DISAGREEMENT_PCT:g} % is a warning); Binance or the bundled offline
snapshot answer when live sources fail. Every quote carries `source`, `as_of` and `stale`:
treat stale prices as old. Unknown values are null."""


async def get_price(
    services: Services,
    symbols: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=120)]],
        Field(
            min_length=1,
            max_length=MAX_SYMBOLS,
            description='Tickers ("BTC"), CoinGecko ids ("bitcoin") or chain:address ("ethereum:0x...").',
        ),
    ],
    vs_currency: Annotated[
        str, Field(min_length=2, max_length=10, description="Quote currency, e.g. usd, eur, btc.")
    ] = "usd",
) -> PriceResult:
    return await fetch_prices(services, symbols, vs_currency)


TOOL = ToolSpec(get_price, title="Get crypto prices", description=DESCRIPTION, open_world=True)
