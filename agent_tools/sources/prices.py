"""The price sources: CoinGecko (ids and token contracts), DefiLlama and Binance, as domain `PriceRow`s.

Each adapter asks one provider for a batch and answers item by item: a `PriceRow`, or None where
the provider answered but has no price for that item. A provider that fails raises, so the
caller's `SourceRun` records it and the item becomes *unavailable*, not *not found*.
`cached_*` give the same rows from a warm cache without scheduling any request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from agent_tools.domain.assets import PriceRow, PriceRows
from agent_tools.domain.chains import Chain
from agent_tools.services import Services
from agent_tools.sources.outcome import Ok
from agent_tools.sources.text import symbol
from agent_tools.upstream import Fetched
from agent_tools.upstream.coingecko import PriceRow as CoinGeckoRow
from agent_tools.upstream.defillama import LlamaCoin


def _from_coingecko(fetched: Fetched[CoinGeckoRow], vs: str) -> PriceRow | None:
    row = fetched.value
    price = row.get(vs)
    if price is None:
        return None
    return PriceRow(
        source="coingecko",
        price=price,
        market_cap=row.get(f"{vs}_market_cap") or None,  # CoinGecko sends 0 for unknown
        volume_24h=row.get(f"{vs}_24h_vol"),
        change_24h_pct=row.get(f"{vs}_24h_change"),
        as_of=row.get("last_updated_at") or fetched.fetched_at,
        stale=fetched.stale,
    )


def _from_llama(key: str, fetched: Fetched[LlamaCoin]) -> PriceRow:
    """The ticker is kept for tokens (`chain:address` keys), the only rows that need it."""
    coin = fetched.value
    ticker = None if key.startswith("coingecko:") or not coin.symbol else symbol(coin.symbol.upper())
    return PriceRow(
        source="defillama",
        price=coin.price,
        market_cap=None,
        volume_24h=None,
        change_24h_pct=None,
        as_of=coin.timestamp or fetched.fetched_at,
        stale=fetched.stale,
        symbol=ticker,
    )


def _ok(rows: PriceRows, fetched_at: float) -> Ok[PriceRows]:
    known = [r for r in rows.values() if r is not None]
    return Ok(rows, min((r.as_of for r in known), default=fetched_at), any(r.stale for r in known))


def llama_key(chain: Chain, address: str) -> str:
    return f"{chain.defillama_chain}:{address}"


async def coingecko_prices(services: Services, ids: Iterable[str], vs: str) -> Ok[PriceRows]:
    got = await services.coingecko.prices(ids, vs)
    return _ok(
        {i: None if f is None else _from_coingecko(f, vs) for i, f in got.items()}, services.clock.wall()
    )


async def coingecko_token_prices(
    services: Services, chain: Chain, addresses: Iterable[str], vs: str
) -> Ok[PriceRows]:
    """Keyed by lower-case address."""
    assert chain.coingecko_platform is not None, "only chains with token prices"
    got = await services.coingecko.token_prices(chain.coingecko_platform, addresses, vs)
    return _ok(
        {a: None if f is None else _from_coingecko(f, vs) for a, f in got.items()}, services.clock.wall()
    )


async def defillama_prices(services: Services, keys: Iterable[str]) -> Ok[PriceRows]:
    """USD only; keys are `coingecko:<id>` or `<defillama chain>:<address>`."""
    got = await services.defillama.prices(keys)
    return _ok({k: None if f is None else _from_llama(k, f) for k, f in got.items()}, services.clock.wall())


async def binance_prices(services: Services) -> Ok[Mapping[str, float]]:
    """Every Binance symbol's last price (`BTCUSDT`); USDT quotes, no market data."""
    got = await services.binance.all_prices()
    return Ok(got.value, got.fetched_at, got.stale)


class WarmRows(NamedTuple):
    """CoinGecko and DefiLlama rows served from the cache, fresh until `fresh_until` (monotonic clock)."""

    coingecko: PriceRows
    defillama: PriceRows
    fresh_until: float


def cached_prices(services: Services, ids: list[str], llama_keys: list[str], vs: str) -> WarmRows | None:
    """CoinGecko and DefiLlama rows from a warm cache when every item is fresh (no request, no await)."""
    cg = services.coingecko.cached_prices(ids, vs)
    if cg is None:
        return None
    llama: PriceRows = {}
    fresh_until = cg.fresh_until
    if vs == "usd":
        found = services.defillama.cached_prices(llama_keys)
        if found is None:
            return None
        llama = {k: _from_llama(k, f) for k, f in found.found.items()}
        fresh_until = min(fresh_until, found.fresh_until)
    return WarmRows({i: _from_coingecko(f, vs) for i, f in cg.found.items()}, llama, fresh_until)
