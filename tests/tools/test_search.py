"""search_assets: CoinGecko's /search, then its cached coin list, then the bundled snapshot."""

from __future__ import annotations

import pytest

from agent_tools.services import Services
from tests.conftest import call, call_error, connect
from tests.fakes.upstream import FakeUpstream, Fault, coin


async def test_search_ranks_by_market_cap_with_contracts(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "search_assets", query="uni")
    assert [c["asset_id"] for c in out["candidates"]] == ["uniswap", "unicorn-token"]
    assert out["candidates"][0]["platforms"] == {"ethereum": "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"}
    assert (out["source"], out["stale"], out["warnings"]) == ("coingecko", False, [])


@pytest.mark.looptime
async def test_search_rate_limited_answers_from_the_cached_coin_list(
    services: Services, fake: FakeUpstream
) -> None:
    """An agent fleet spends CoinGecko's keyless minute on prices; search then matches the coin list the
    price tool already cached (hours) instead of failing, for coins the snapshot does not have."""
    fake.coins += [
        coin("obscure-coin", "obsc", "Obscure Coin", 0.5, None),
        coin("obscura", "obs", "Obscura", 1, None),
    ]
    async with connect(services) as client:
        await call(client, "get_price", symbols=["BTC"])  # caches the coin list
        fake.fail_always("coingecko", Fault("status", 429, headers={"retry-after": "30"}))
        out = await call(client, "search_assets", query="obsc")
        assert out["source"] == "coingecko_coin_list" and out["stale"] is False
        assert [c["asset_id"] for c in out["candidates"]] == ["obscure-coin", "obscura"]  # ticker match first
        assert (
            out["candidates"][0]["market_cap_rank"] is None
        )  # the list has no ranking: unknown, not made up
        assert any("coin list" in w for w in out["warnings"]) and any(
            "coingecko" in w for w in out["warnings"]
        )
        tokens = await call(client, "search_assets", query="uniswap")
        assert tokens["candidates"][0]["platforms"]["ethereum"].startswith("0x1f98")


@pytest.mark.looptime
async def test_search_with_nothing_cached_and_coingecko_down_is_its_error(
    services: Services, fake: FakeUpstream
) -> None:
    fake.fail_always("coingecko", Fault("status", 429, headers={"retry-after": "30"}))
    async with connect(services) as client:
        error = await call_error(client, "search_assets", query="obscure-coin")
    assert error["code"] == "UPSTREAM_RATE_LIMITED"  # unavailable, never "nothing found"
