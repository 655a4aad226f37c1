"""get_price through the in-memory MCP client, against the fake upstream."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from agent_tools.server import build_server
from agent_tools.services import Services
from tests.conftest import call, call_error, connect, make_settings
from tests.fakes.upstream import FakeUpstream, Fault, coin


async def test_quotes_carry_provenance(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC", "ethereum"])
        btc, eth = out["quotes"]
        assert btc["asset_id"] == "bitcoin" and btc["price"] == 97000.0 and btc["source"] == "coingecko"
        assert btc["as_of"] == "2026-05-28T20:26:40Z"  # CoinGecko's own last_updated_at
        assert btc["stale"] is False and btc["market_cap"] == 1.9e12 and btc["change_24h_pct"] == 1.5
        assert btc["cross_check"] == {"source": "defillama", "price": 97000.0, "diff_pct": 0.0}
        assert eth["query"] == "ethereum" and eth["symbol"] == "ETH"
        assert out["warnings"] == []


async def test_batch_costs_one_request_per_provider(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        fake.coins += [coin(f"coin-{i}", f"c{i}", f"Coin {i}", 1.0 + i, 1e6 * (i + 1)) for i in range(60)]
        symbols = [f"C{i}" for i in range(45)] + ["BTC", "ETH", "SOL", "UNI", "usd-coin"]
        out = await call(client, "get_price", symbols=symbols)
        assert len(out["quotes"]) == 50
        assert fake.count("coingecko", "/api/v3/simple/price") == 1
        assert fake.count("coingecko", "/api/v3/coins/list") == 1
        assert fake.count("defillama") == 1
        assert fake.count("binance") == 0


async def test_ambiguous_ticker_picks_largest_market_cap_and_says_so(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["SOL"])
        [quote] = out["quotes"]
        assert quote["asset_id"] == "solana"
        assert quote["alternatives"] == [
            {"asset_id": "sol-wormhole", "name": "SOL (Wormhole)", "market_cap": 2.0e7}
        ]
        [warning] = out["warnings"]
        assert "SOL is ambiguous" in warning and "picked solana" in warning and "sol-wormhole" in warning


async def test_sources_disagreeing_over_two_percent_is_a_warning(
    services: Services, fake: FakeUpstream
) -> None:
    async with connect(services) as client:
        fake.llama_override["ethereum"] = 2700.0 * 1.03
        out = await call(client, "get_price", symbols=["ETH", "BTC"])
        eth = out["quotes"][0]
        assert eth["cross_check"]["diff_pct"] == pytest.approx(3.0)
        [warning] = out["warnings"]
        assert "ETH" in warning and "coingecko says 2,700" in warning and "defillama says 2,781" in warning


async def test_small_disagreement_is_not_a_warning(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        fake.llama_override["ethereum"] = 2700.0 * 1.015
        out = await call(client, "get_price", symbols=["ETH"])
        assert out["warnings"] == []


@pytest.mark.looptime
async def test_coingecko_down_defillama_answers(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        await call(client, "get_price", symbols=["BTC"])  # warm the coin list
        fake.fail_always("coingecko", Fault("status", 503))
        out = await call(client, "get_price", symbols=["ETH"])
        [quote] = out["quotes"]
        assert quote["source"] == "defillama" and quote["price"] == 2700.0
        assert quote["cross_check"]["source"] == "binance"
        assert any("coingecko" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_coingecko_and_defillama_down_binance_answers(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        fake.fail_always("coingecko", Fault("status", 500))
        fake.fail_always("defillama", Fault("connect"))
        out = await call(client, "get_price", symbols=["BTC"])
        [quote] = out["quotes"]
        assert quote["source"] == "binance" and quote["asset_id"] == "bitcoin"
        assert any("USDT" in w for w in out["warnings"])


@pytest.mark.looptime
async def test_everything_down_answers_from_snapshot_marked_stale(
    services: Services, fake: FakeUpstream
) -> None:
    async with connect(services) as client:
        for provider in ("coingecko", "defillama", "binance"):
            fake.fail_always(provider, Fault("status", 503))
        out = await call(client, "get_price", symbols=["BTC"])
        [quote] = out["quotes"]
        assert quote["source"] == "snapshot" and quote["stale"] is True
        assert quote["as_of"].startswith("2025-02-20")


@pytest.mark.looptime
async def test_stale_cache_is_served_when_upstream_fails(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        import asyncio

        await call(client, "get_price", symbols=["BTC"])
        await asyncio.sleep(120)  # past the 60 s price TTL, within the grace period
        fake.fail_always("coingecko", Fault("status", 503))
        fake.fail_always("defillama", Fault("status", 503))
        out = await call(client, "get_price", symbols=["BTC"])
        [quote] = out["quotes"]
        assert quote["source"] == "coingecko" and quote["stale"] is True


async def test_offline_mode_uses_snapshot_without_any_request(fake: FakeUpstream) -> None:
    async with Services(make_settings(offline=True), transport=fake.transport) as services:
        async with Client(build_server(services)) as client:
            out = await call(client, "get_price", symbols=["BTC", "ETH", "nosuchcoin"])
    assert [q["source"] for q in out["quotes"]] == ["snapshot", "snapshot"]
    assert all(q["stale"] for q in out["quotes"])
    assert out["not_found"] == ["nosuchcoin"]
    assert fake.requests == []


async def test_contract_address_priced_by_token_endpoint(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"])
        [quote] = out["quotes"]
        assert quote["asset_id"] == "ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
        assert quote["symbol"] == "USDC" and quote["name"] == "USDC" and quote["price"] == 1.0
        assert quote["cross_check"]["source"] == "defillama"
        assert fake.count("coingecko", "/api/v3/simple/token_price/ethereum") == 1


async def test_unknown_asset_is_not_found(services: Services) -> None:
    async with connect(services) as client:
        error = await call_error(client, "get_price", symbols=["NOPE"])
        assert error["code"] == "NOT_FOUND" and "search_assets" in error["hint"]


async def test_partly_unknown_batch_lists_the_missing(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC", "NOPE"])
        assert out["not_found"] == ["NOPE"] and len(out["quotes"]) == 1


@pytest.mark.parametrize(
    "arguments",
    [
        {"symbols": []},
        {"symbols": ["BTC"] * 51},
        {"symbols": ["BT C"]},
        {"symbols": ["ethereum:0x1234"]},
        {"symbols": ["ethereum:0xA0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"]},  # bad EIP-55 checksum
        {"symbols": ["mars:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"]},
        {"symbols": "BTC"},
        {"symbols": ["BTC"], "vs_currency": "doubloons"},
        {"symbols": ["BTC"], "extra": 1},
        {},
    ],
)
async def test_bad_input_is_invalid_argument_before_any_upstream_call(
    services: Services, fake: FakeUpstream, arguments: dict[str, object]
) -> None:
    async with connect(services) as client:
        result = await client.call_tool("get_price", arguments)
        assert result.is_error
        text = result.content[0].text  # type: ignore[union-attr]
        assert '"code": "INVALID_ARGUMENT"' in text and "Traceback" not in text
        assert fake.requests == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    symbols=st.lists(
        st.one_of(
            st.text(max_size=130),
            st.from_regex(r"[a-z]{2,9}:0x[0-9a-fA-F]{0,44}", fullmatch=True),
            st.from_regex(r"[ -~]{0,5}:[ -~]{0,50}", fullmatch=True),
        ),
        max_size=55,
    ),
    vs=st.text(max_size=12),
)
async def test_property_invalid_input_never_reaches_upstream(symbols: list[str], vs: str) -> None:
    from agent_tools.domain.assets import parse_asset_query
    from agent_tools.tools.price import VS_CURRENCIES

    def valid(s: str) -> bool:
        try:
            parse_asset_query(s)
        except ValueError:
            return False
        return len(s) <= 120

    if 1 <= len(symbols) <= 50 and all(valid(s) for s in symbols) and vs.strip().lower() in VS_CURRENCIES:
        return  # a valid request: not this property's business

    fake = FakeUpstream()
    async with Services(make_settings(), transport=fake.transport) as services, connect(services) as client:
        result = await client.call_tool("get_price", {"symbols": symbols, "vs_currency": vs})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert '"code": "INVALID_ARGUMENT"' in text, text
    assert fake.requests == []


async def test_concurrent_calls_for_distinct_symbols_are_batched(
    services: Services, fake: FakeUpstream
) -> None:
    import asyncio

    fake.coins += [coin(f"coin-{i}", f"c{i}", f"Coin {i}", 1.0 + i, 1e6 * (i + 1)) for i in range(500)]
    async with connect(services) as client:
        batches = [[f"C{i}" for i in range(start, start + 50)] for start in range(0, 500, 50)]
        results = await asyncio.gather(*(call(client, "get_price", symbols=b) for b in batches))
    assert sum(len(r["quotes"]) for r in results) == 500
    assert fake.count("coingecko", "/api/v3/simple/price") == 2  # 500 ids in chunks of 250
    assert fake.count("defillama") == 2
    assert fake.count("coingecko", "/api/v3/coins/list") == 1


async def test_1000_identical_concurrent_calls_make_one_request_per_endpoint(
    services: Services, fake: FakeUpstream
) -> None:
    import asyncio

    async with connect(services) as client:
        results = await asyncio.gather(*(call(client, "get_price", symbols=["BTC"]) for _ in range(1000)))
    assert {r["quotes"][0]["price"] for r in results} == {97000.0}
    assert fake.by_provider() == {"coingecko": 2, "defillama": 1}  # coin list + prices; one cross-check


# --- unavailable is not missing; one reason when every source fails the same way --------------------------

UNLISTED_TOKEN = "ethereum:0x6b175474e89094c44da98b954eedeac495271d0f"  # in no snapshot


@pytest.mark.looptime
async def test_network_down_is_unavailable_never_not_found(services: Services, fake: FakeUpstream) -> None:
    """The reproduction: with the network down (not offline), a contract missing from the snapshot was
    reported in not_found ("try search_assets"); an agent concludes the token does not exist."""
    for provider in ("coingecko", "defillama", "binance"):
        fake.fail_always(provider, Fault("connect"))
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC", UNLISTED_TOKEN])
        assert [q["query"] for q in out["quotes"]] == ["BTC"]  # from the snapshot
        assert out["not_found"] == []
        assert out["unavailable"] == [UNLISTED_TOKEN]
        assert not any("not found" in w for w in out["warnings"])
        assert any("retry later" in w and UNLISTED_TOKEN in w for w in out["warnings"])
        error = await call_error(client, "get_price", symbols=[UNLISTED_TOKEN])
        assert error["code"] == "UPSTREAM_UNAVAILABLE" and error["retryable"] is True


async def test_a_token_the_sources_answered_for_and_do_not_know_is_not_found(services: Services) -> None:
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC", UNLISTED_TOKEN])
        assert out["not_found"] == [UNLISTED_TOKEN] and out["unavailable"] == []


@pytest.mark.looptime
async def test_every_source_rate_limited_is_upstream_rate_limited_with_the_wait(fake: FakeUpstream) -> None:
    for provider in ("coingecko", "defillama", "binance"):
        fake.fail_always(provider, Fault("status", 429, headers={"retry-after": "3600"}))
    settings = make_settings(coingecko_api_key="CG-demo-key")
    async with Services(settings, transport=fake.transport) as s, connect(s) as client:
        error = await call_error(client, "get_price", symbols=[UNLISTED_TOKEN])
    assert error["code"] == "UPSTREAM_RATE_LIMITED"
    assert error["retry_after_s"] == 3600
    assert "AGENT_TOOLS_COINGECKO_API_KEY" not in error.get("hint", "")  # the key is already set


@pytest.mark.looptime
async def test_rate_limited_without_a_key_hints_at_one(services: Services, fake: FakeUpstream) -> None:
    for provider in ("coingecko", "defillama"):
        fake.fail_always(provider, Fault("status", 429, headers={"retry-after": "120"}))
    async with connect(services) as client:
        error = await call_error(client, "get_price", symbols=[UNLISTED_TOKEN])
    assert error["code"] == "UPSTREAM_RATE_LIMITED" and error["retry_after_s"] == 120
    assert "AGENT_TOOLS_COINGECKO_API_KEY" in error["hint"]


async def test_an_unknown_name_in_another_currency_is_not_found(services: Services) -> None:
    """CoinGecko's coin list answered and lacks it; DefiLlama (USD only) not being asked changes nothing."""
    async with connect(services) as client:
        out = await call(client, "get_price", symbols=["BTC", "NOSUCHCOIN"], vs_currency="eur")
        assert out["not_found"] == ["NOSUCHCOIN"] and out["unavailable"] == []


# --- warm answers --------------------------------------------------------------------------------------


def _hits(services: Services) -> tuple[int, int]:
    stats = services.pipeline.stats.cache
    return stats[("coingecko", "hit")], stats[("defillama", "hit")]


@pytest.mark.looptime
async def test_a_warm_answer_is_reused_while_its_prices_are_fresh(
    services: Services, fake: FakeUpstream
) -> None:
    import asyncio

    async with connect(services) as client:
        first = await call(client, "get_price", symbols=["BTC", "SOL"])  # SOL: ambiguous, with a warning
        before = _hits(services)
        second = await call(client, "get_price", symbols=["BTC", "SOL"])
        per_call = tuple(b - a for a, b in zip(before, _hits(services), strict=True))
        assert second == first
        btc = next(c for c in fake.coins if c["id"] == "bitcoin")
        btc["price"] = 99000.0  # CoinGecko moves; the cached row (60 s) and the answer built on it do not
        third = await call(client, "get_price", symbols=["BTC", "SOL"])
        assert third == first
        # a reused answer counts the cache hits its lookups would have made, so /metrics reads the same
        assert per_call == (4, 3)  # the coin list + bitcoin, solana, sol-wormhole; their 3 DefiLlama keys
        assert tuple(b - a for a, b in zip(before, _hits(services), strict=True)) == (8, 6)
        await asyncio.sleep(61)  # past the price TTL: built again from fresh prices
        fourth = await call(client, "get_price", symbols=["BTC", "SOL"])
        assert fourth["quotes"][0]["price"] == 99000.0
        assert fake.count("coingecko", "/api/v3/simple/price") == 2


async def test_an_answer_with_a_failed_source_is_not_reused(services: Services, fake: FakeUpstream) -> None:
    async with connect(services) as client:
        fake.fail("defillama", Fault("status", 400))  # once, and not retried
        degraded = await call(client, "get_price", symbols=["BTC"])
        assert degraded["quotes"][0]["cross_check"] is None and degraded["warnings"]
        recovered = await call(client, "get_price", symbols=["BTC"])
        assert recovered["quotes"][0]["cross_check"] is not None and recovered["warnings"] == []
