"""Provider specifics: CoinGecko key/plan errors, Binance bans, DefiLlama omissions, fault matrix."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from agent_tools.errors import (
    NotConfigured,
    UpstreamBadResponse,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from agent_tools.services import Services
from agent_tools.upstream import deadline_scope
from tests.conftest import make_settings
from tests.fakes.upstream import FAULT_MATRIX, FakeUpstream, Fault

pytestmark = pytest.mark.looptime


@pytest.mark.parametrize(("code", "fix"), [(10010, "PLAN=pro"), (10011, "PLAN=demo")])
async def test_coingecko_wrong_root_error_code_becomes_not_configured(code: int, fix: str) -> None:
    fake = FakeUpstream()
    body = {"status": {"error_code": code, "error_message": "wrong root URL"}}
    fake.fail("coingecko", Fault("status", 401, body=body))
    async with Services(
        make_settings(coingecko_api_key=SecretStr("CG-secret")), transport=fake.transport
    ) as s:
        with deadline_scope(s.clock, 10), pytest.raises(NotConfigured) as caught:
            await s.coingecko.prices(["bitcoin"], "usd")
    assert fix in (caught.value.hint or "")
    assert fake.count("coingecko") == 1
    assert "CG-secret" not in caught.value.to_json()


async def test_coingecko_sends_the_demo_key_header() -> None:
    fake = FakeUpstream()
    async with Services(make_settings(coingecko_api_key=SecretStr("CG-demo")), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            await s.coingecko.prices(["bitcoin"], "usd")
    assert fake.requests[0].headers["x-cg-demo-api-key"] == "CG-demo"


async def test_coingecko_429_body_is_rate_limited_with_key_hint() -> None:
    fake = FakeUpstream()
    body = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}
    fake.fail_always("coingecko", Fault("status", 429, body=body, headers={"retry-after": "30"}))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.coingecko.prices(["bitcoin"], "usd")
    assert caught.value.retry_after_s == 30.0
    assert "AGENT_TOOLS_COINGECKO_API_KEY" in (caught.value.hint or "")
    assert fake.count("coingecko") == 1  # 30 s is past the 10 s deadline: no pointless wait


async def test_binance_418_ban_is_not_retried_and_reports_the_wait() -> None:
    fake = FakeUpstream()
    fake.fail(
        "binance",
        Fault("status", 418, headers={"retry-after": "7200"}, body={"code": -1003, "msg": "banned"}),
    )
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.binance.all_prices()
    assert fake.count("binance") == 1
    assert caught.value.retry_after_s == 7200.0 and "banned" in caught.value.message


async def test_binance_429_with_retry_after_is_retried() -> None:
    fake = FakeUpstream()
    fake.fail("binance", Fault("status", 429, headers={"retry-after": "2"}))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            prices = await s.binance.all_prices()
    assert prices.value["BTCUSDT"] == 97000.0
    assert fake.count("binance") == 2


async def test_binance_string_prices_parse_to_numbers() -> None:
    fake = FakeUpstream()
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            prices = await s.binance.all_prices()
    assert isinstance(prices.value["ETHUSDT"], float)


async def test_defillama_omits_unknown_coins() -> None:
    fake = FakeUpstream()
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10):
            found = await s.defillama.prices(["coingecko:bitcoin", "coingecko:nope"])
    assert found["coingecko:nope"] is None
    bitcoin = found["coingecko:bitcoin"]
    assert bitcoin is not None and bitcoin.value.confidence == 0.99
    assert fake.count("defillama") == 1


FAULTS = FAULT_MATRIX


@pytest.mark.parametrize("provider", ["coingecko", "defillama", "binance"])
@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault_matrix_one_fault_then_recovery(provider: str, name: str) -> None:
    """Transient faults are retried to success; bad bodies fail at once, naming the provider."""
    fault, error = FAULTS[name]
    fake = FakeUpstream()
    fake.fail(provider, fault)
    settings = make_settings(max_body_bytes=1_000_000)
    async with Services(settings, transport=fake.transport) as s:
        call = {
            "coingecko": lambda: s.coingecko.prices(["bitcoin"], "usd"),
            "defillama": lambda: s.defillama.prices(["coingecko:bitcoin"]),
            "binance": lambda: s.binance.all_prices(),
        }[provider]
        with deadline_scope(s.clock, 10):
            if error is None:
                await call()
                assert fake.count(provider) == 2
            else:
                with pytest.raises(error) as caught:
                    await call()
                assert caught.value.provider == provider  # type: ignore[attr-defined]
                assert fake.count(provider) == 1


@pytest.mark.parametrize("provider", ["coingecko", "defillama", "binance"])
async def test_persistent_outage_is_upstream_unavailable(provider: str) -> None:
    fake = FakeUpstream()
    fake.fail_always(provider, Fault("status", 503))
    async with Services(make_settings(), transport=fake.transport) as s:
        call = {
            "coingecko": lambda: s.coingecko.prices(["bitcoin"], "usd"),
            "defillama": lambda: s.defillama.prices(["coingecko:bitcoin"]),
            "binance": lambda: s.binance.all_prices(),
        }[provider]
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamUnavailable):
            await call()
    assert fake.count(provider) == 4


async def test_a_huge_garbage_coin_list_is_refused_as_bad_response() -> None:
    """8 MB of strings passes the coin list's size cap; validation must fail fast, not list 2M errors."""
    fake = FakeUpstream()
    fake.fail("coingecko", Fault("huge"))
    async with Services(make_settings(), transport=fake.transport) as s:
        with (
            deadline_scope(s.clock, 10),
            pytest.raises(UpstreamBadResponse, match="changed its response format"),
        ):
            await s.coingecko.coins_list()


def _http_date(seconds_ahead: float) -> str:
    import email.utils
    import time

    return email.utils.formatdate(time.time() + seconds_ahead, usegmt=True)


async def test_coingecko_429_with_http_date_retry_after_waits_that_long_then_answers() -> None:
    """An HTTP-date Retry-After 30 s ahead is a 30 s wait, not three days (it was read against epoch 0)."""
    fake = FakeUpstream()
    body = {"status": {"error_code": 429, "error_message": "You've exceeded the Rate Limit."}}
    fake.fail("coingecko", Fault("status", 429, body=body, headers={"retry-after": _http_date(30)}))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 60):
            prices = await s.coingecko.prices(["bitcoin"], "usd")
    assert prices["bitcoin"] is not None
    assert fake.count("coingecko") == 2


async def test_coingecko_429_with_http_date_past_the_deadline_reports_that_wait() -> None:
    fake = FakeUpstream()
    fake.fail_always("coingecko", Fault("status", 429, headers={"retry-after": _http_date(30)}))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.coingecko.prices(["bitcoin"], "usd")
    assert caught.value.retry_after_s is not None and 28 <= caught.value.retry_after_s <= 30
    assert "259200" not in caught.value.message


async def test_coingecko_rate_limit_hint_names_the_key_only_when_none_is_set() -> None:
    fake = FakeUpstream()
    fake.fail_always("coingecko", Fault("status", 429, headers={"retry-after": "3600"}))
    settings = make_settings(coingecko_api_key=SecretStr("CG-demo"))
    async with Services(settings, transport=fake.transport) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.coingecko.prices(["bitcoin"], "usd")
    assert caught.value.retry_after_s == 3600.0
    assert "AGENT_TOOLS_COINGECKO_API_KEY" not in (caught.value.hint or "")


async def test_binance_418_with_http_date_reports_the_real_wait() -> None:
    fake = FakeUpstream()
    fake.fail("binance", Fault("status", 418, headers={"retry-after": _http_date(120)}))
    async with Services(make_settings(), transport=fake.transport) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.binance.all_prices()
    assert caught.value.retry_after_s is not None and 118 <= caught.value.retry_after_s <= 120
