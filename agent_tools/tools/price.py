"""get_price: live prices with ticker disambiguation and a cross-source check.

CoinGecko is the primary source (one `/simple/price` request for the whole batch, plus
the hours-cached coin list that resolves tickers). DefiLlama is fetched concurrently as
the cross-check; Binance answers when both of those fail; the bundled snapshot answers
when nothing live does, or in offline mode.
"""

from __future__ import annotations  # the nested helpers' annotations are not evaluated on every call

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field

from agent_tools.domain.assets import (
    COINGECKO_PLATFORM,
    DEFILLAMA_CHAIN,
    Coin,
    CoinIndex,
    ContractQuery,
    NameQuery,
    parse_asset_query,
)
from agent_tools.errors import AgentToolsError, InvalidArgument, NotConfigured, NotFound, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.snapshot import SnapshotAsset, price_snapshot
from agent_tools.tools._assets import coin_index, money, snapshot_coin
from agent_tools.tools._registry import ToolSpec
from agent_tools.upstream._core import Fetched
from agent_tools.upstream.coingecko import PriceRow
from agent_tools.upstream.defillama import LlamaCoin

T = TypeVar("T")

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
    not_found: list[str] = Field(default_factory=list[str], description="queries no source could price")


# --- orchestration -----------------------------------------------------------------------------


@dataclass
class _Live:
    """What each live source returned per item; None where the source failed or was not asked."""

    cg: dict[str, Fetched[PriceRow] | None] | None = None  # coin id -> row
    cg_tokens: dict[str, dict[str, Fetched[PriceRow] | None]] | None = None  # platform -> address -> row
    llama: dict[str, Fetched[LlamaCoin] | None] | None = None  # DefiLlama key -> coin
    binance: Fetched[dict[str, float]] | None = None


async def fetch_prices(services: Services, symbols: Sequence[str], vs_currency: str) -> PriceResult:
    vs = vs_currency.strip().lower()
    if vs not in VS_CURRENCIES:
        raise InvalidArgument(
            f"unsupported vs_currency {vs_currency!r}", hint=f"one of: {', '.join(sorted(VS_CURRENCIES))}"
        )
    queries = _parse_all(symbols)
    warnings: list[str] = []
    if services.settings.offline:
        return _answer_from_snapshot(queries, vs, warnings, "offline mode (AGENT_TOOLS_OFFLINE=1)")

    failures: dict[str, str] = {}
    index = await _coin_index(services, failures, warnings)
    candidates = {q: _candidates(q, index) for q in queries if isinstance(q, NameQuery)}
    contracts = [q for q in queries if isinstance(q, ContractQuery)]
    live = await _fetch_live(services, vs, candidates, contracts, failures)

    quotes: list[Quote] = []
    not_found: list[str] = []
    for query in queries:
        if isinstance(query, NameQuery):
            quote = _quote_name(query, candidates[query], vs, live, warnings)
        else:
            quote = _quote_contract(query, index, vs, live)
        if quote is None and vs == "usd":
            quote = _snapshot_quote(query)
            if quote is not None:
                warnings.append(f"{query.text}: no live source answered; price from the offline snapshot")
        if quote is None:
            not_found.append(query.text)
        else:
            quotes.append(quote)
            _cross_check_warning(quote, warnings)

    if failures:
        warnings.insert(0, "sources unavailable: " + "; ".join(f"{k}: {v}" for k, v in failures.items()))
    if not quotes:
        if failures:
            raise UpstreamUnavailable(
                "prices", "no price source answered: " + "; ".join(failures.values()), retryable=True
            )
        raise NotFound(
            f"no asset found for {', '.join(not_found)}",
            hint="use search_assets to find the CoinGecko id, or pass chain:0xaddress for a token",
        )
    if not_found:
        warnings.append(f"not found: {', '.join(not_found)} (try search_assets)")
    return PriceResult(quotes=quotes, warnings=warnings, not_found=not_found)


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


async def _coin_index(services: Services, failures: dict[str, str], warnings: list[str]) -> CoinIndex | None:
    try:
        fetched = await coin_index(services)
    except NotConfigured:
        raise
    except AgentToolsError as exc:
        failures["coingecko"] = exc.message
        return None
    if fetched.stale:
        warnings.append("CoinGecko coin list is stale (served from cache after an upstream error)")
    return fetched.value


def _candidates(query: NameQuery, index: CoinIndex | None) -> list[Coin]:
    if index is not None:
        return index.candidates(query)
    coin = snapshot_coin(query)  # CoinGecko unreachable: resolve well-known tickers offline
    return [] if coin is None else [coin]


async def _guard(awaitable: Awaitable[T], source: str, failures: dict[str, str]) -> T | None:
    """Run one source; an upstream failure is recorded, not raised (misconfiguration is)."""
    try:
        return await awaitable
    except NotConfigured:
        raise
    except AgentToolsError as exc:
        failures[source] = exc.message
        return None


async def _fetch_live(
    services: Services,
    vs: str,
    candidates: dict[NameQuery, list[Coin]],
    contracts: list[ContractQuery],
    failures: dict[str, str],
) -> _Live:
    """CoinGecko and DefiLlama concurrently; Binance only when both failed for names."""
    ids = sorted({coin.id for coins in candidates.values() for coin in coins})
    by_platform: dict[str, list[str]] = {}
    for q in contracts:
        by_platform.setdefault(COINGECKO_PLATFORM[q.chain], []).append(q.address)

    async def cg_tokens() -> dict[str, dict[str, Fetched[PriceRow] | None]] | None:
        out: dict[str, dict[str, Fetched[PriceRow] | None]] = {}
        for platform, addresses in by_platform.items():
            got = await _guard(
                services.coingecko.token_prices(platform, addresses, vs), "coingecko", failures
            )
            if got is not None:
                out[platform] = got
        return out

    llama_keys = [f"coingecko:{i}" for i in ids] + [_llama_key(q) for q in contracts]
    if not contracts:  # warm path: everything cached, so skip scheduling concurrent fetches
        cached_cg = services.coingecko.cached_prices(ids, vs)
        cached_llama = services.defillama.cached_prices(llama_keys) if vs == "usd" else {}
        if cached_cg is not None and cached_llama is not None:
            return _Live(dict(cached_cg), {}, dict(cached_llama) if vs == "usd" else None)

    async def nothing() -> None:
        return None

    cg, tokens, llama = await asyncio.gather(
        _guard(services.coingecko.prices(ids, vs), "coingecko", failures) if ids else nothing(),
        cg_tokens(),
        _guard(services.defillama.prices(llama_keys), "defillama", failures)
        if vs == "usd" and llama_keys
        else nothing(),
    )
    live = _Live(cg, tokens, llama)
    if vs == "usd" and ids and cg is None:
        live.binance = await _guard(services.binance.all_prices(), "binance", failures)
    return live


def _llama_key(query: ContractQuery) -> str:
    return f"{DEFILLAMA_CHAIN[query.chain]}:{query.address}"


# --- building quotes -------------------------------------------------------------------------


def _ts(unix: float | None, fallback: float) -> datetime:
    return datetime.fromtimestamp(unix if unix else fallback, tz=UTC)


def _quote_name(
    query: NameQuery, coins: list[Coin], vs: str, live: _Live, warnings: list[str]
) -> Quote | None:
    rows = live.cg or {}
    priced = [
        (coin, row)
        for coin in coins
        if (row := rows.get(coin.id)) is not None and row.value.get(vs) is not None
    ]
    if priced:
        priced.sort(key=lambda pair: -(pair[1].value.get(f"{vs}_market_cap") or -1.0))
        coin, row = priced[0]
        alternatives = [
            Alternative(asset_id=c.id, name=c.name, market_cap=r.value.get(f"{vs}_market_cap"))
            for c, r in priced[1 : 1 + MAX_ALTERNATIVES]
        ]
        check = _llama_check(live, f"coingecko:{coin.id}", row.value.get(vs) or 0.0)
        quote = _from_coingecko(query.text, coin.id, coin.symbol, coin.name, row, vs, check, alternatives)
        if alternatives:
            others = ", ".join(f"{a.asset_id} ({a.name}, mcap {money(a.market_cap)})" for a in alternatives)
            warnings.append(
                f"{query.text} is ambiguous: picked {coin.id} ({coin.name}, mcap "
                f"{money(row.value.get(f'{vs}_market_cap'))}), the largest by market cap; also: {others}. "
                "Pass a CoinGecko id to choose another."
            )
        return quote

    for coin in coins:
        found = (live.llama or {}).get(f"coingecko:{coin.id}")
        if found is not None:
            check = _binance_check(live, coin.symbol, found.value.price)
            return _from_llama(query.text, coin.id, coin.symbol, coin.name, found, check)
    if live.binance is not None:
        symbol = (coins[0].symbol if coins else query.text).upper()
        price = live.binance.value.get(f"{symbol}USDT")
        if price is not None:
            if len(coins) > 1:
                warnings.append(f"{query.text}: Binance {symbol}USDT priced without market-cap ranking")
            coin = coins[0] if coins else None
            warnings.append(f"{query.text}: Binance quotes USDT, taken as USD")
            return Quote(
                query=query.text,
                asset_id=coin.id if coin else None,
                symbol=symbol,
                name=coin.name if coin else None,
                price=price,
                currency="usd",
                change_24h_pct=None,
                market_cap=None,
                volume_24h=None,
                source="binance",
                as_of=_ts(None, live.binance.fetched_at),
                stale=live.binance.stale,
            )
    return None


def _quote_contract(query: ContractQuery, index: CoinIndex | None, vs: str, live: _Live) -> Quote | None:
    coin = index.contract(query) if index is not None else None
    asset_id = f"{query.chain}:{query.address}"
    llama = (live.llama or {}).get(_llama_key(query))
    row = (live.cg_tokens or {}).get(COINGECKO_PLATFORM[query.chain], {}).get(query.address.lower())
    if row is not None and row.value.get(vs) is not None:
        symbol = coin.symbol if coin else (llama.value.symbol if llama else None)
        check = _llama_check(live, _llama_key(query), row.value.get(vs) or 0.0)
        return _from_coingecko(query.text, asset_id, symbol, coin.name if coin else None, row, vs, check)
    if llama is not None:
        return _from_llama(query.text, asset_id, llama.value.symbol, coin.name if coin else None, llama)
    return None


def _from_coingecko(
    query: str,
    asset_id: str,
    symbol: str | None,
    name: str | None,
    row: Fetched[PriceRow],
    vs: str,
    cross_check: CrossCheck | None = None,
    alternatives: list[Alternative] | None = None,
) -> Quote:
    price = row.value.get(vs)
    assert price is not None
    return Quote(
        query=query,
        asset_id=asset_id,
        symbol=symbol.upper() if symbol else None,
        name=name,
        price=price,
        currency=vs,
        change_24h_pct=row.value.get(f"{vs}_24h_change"),
        market_cap=row.value.get(f"{vs}_market_cap") or None,
        volume_24h=row.value.get(f"{vs}_24h_vol"),
        source="coingecko",
        as_of=_ts(row.value.get("last_updated_at"), row.fetched_at),
        stale=row.stale,
        cross_check=cross_check,
        alternatives=alternatives or [],
    )


def _from_llama(
    query: str,
    asset_id: str,
    symbol: str | None,
    name: str | None,
    found: Fetched[LlamaCoin],
    cross_check: CrossCheck | None = None,
) -> Quote:
    coin = found.value
    return Quote(
        query=query,
        asset_id=asset_id,
        symbol=(symbol or coin.symbol or "").upper() or None,
        name=name,
        price=coin.price,
        currency="usd",
        change_24h_pct=None,
        market_cap=None,
        volume_24h=None,
        source="defillama",
        as_of=_ts(coin.timestamp, found.fetched_at),
        stale=found.stale,
        cross_check=cross_check,
    )


def _llama_check(live: _Live, key: str, price: float) -> CrossCheck | None:
    found = (live.llama or {}).get(key)
    return None if found is None or price == 0 else _check("defillama", found.value.price, price)


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
    queries: list[NameQuery | ContractQuery], vs: str, warnings: list[str], reason: str
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
    oldest = min(q.as_of for q in quotes).date().isoformat()
    warnings.append(f"{reason}: prices are from the bundled snapshot (as old as {oldest}), not live")
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
