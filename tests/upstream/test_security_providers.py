"""GoPlus, Honeypot.is, DexScreener and RugCheck clients on recorded-shape bodies, plus the fault matrix.

Time is virtual (looptime): retries and back-offs are never really slept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from agent_tools.errors import NotFound, UpstreamBadResponse, UpstreamRateLimited, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.upstream import deadline_scope
from agent_tools.upstream.dexscreener import DexScreener
from agent_tools.upstream.goplus import GoPlus
from agent_tools.upstream.honeypot import Honeypot
from agent_tools.upstream.rugcheck import RugCheck
from tests.conftest import make_settings
from tests.fakes.security import (
    AERO,
    MEMELON,
    NODEAI,
    SOL_AUTHORITIES,
    SPARSE,
    TROE,
    WETH,
    SecurityFake,
)
from tests.fakes.upstream import FAULT_MATRIX, Fault

pytestmark = pytest.mark.looptime

TROE_CHECKSUM = "0x2264927271F2D60B2fcd0F571728a9753B9F4CBD"
NODEAI_CHECKSUM = "0x1258D60B224c0C5cD888D37bbF31aa5FCFb7e870"


def services(fake: SecurityFake) -> Services:
    return Services(make_settings(max_body_bytes=1_000_000), transport=fake.transport)


# --- recorded shapes --------------------------------------------------------------------------------------


async def test_goplus_evm_troe_capture_is_found_by_lower_case_key() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            got = await s.provider(GoPlus).token_security("1", TROE_CHECKSUM)
    token = got.value.token
    assert token is not None and not got.value.pending
    assert (token.token_symbol, token.buy_tax, token.is_blacklisted, token.owner_address) == (
        "TROE",
        "0",
        "1",
        "0x000000000000000000000000000000000000dead",
    )
    assert (
        token.holders is not None
        and token.holders[0].is_contract == 1
        and token.holders[0].tag == "UniswapV2"
    )
    assert token.lp_holders is not None and token.lp_holders[0].is_locked == 1
    assert token.dex is not None and token.dex[0].liquidity == "8857.31530126"
    [request] = fake.requests
    assert request.url.path == "/api/v1/token_security/1"
    assert request.url.params["contract_addresses"] == TROE  # sent lower-case


async def test_goplus_missing_keys_stay_unknown() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            weth = (await s.provider(GoPlus).token_security("1", WETH)).value.token
    assert weth is not None
    assert weth.owner_address is None and weth.dex is None and weth.lp_holders is None
    assert weth.is_in_dex == "1"


async def test_goplus_pending_code_is_usable_and_marked() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            got = await s.provider(GoPlus).token_security("1", SPARSE)
    assert got.value.pending and got.value.token is not None and got.value.token.token_symbol == "SPRS"


async def test_goplus_unknown_token_is_none_not_an_error() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            got = await s.provider(GoPlus).token_security("1", "0x" + "ab" * 20)
    assert got.value.token is None


async def test_goplus_solana_is_keyed_by_the_exact_mint() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            got = await s.provider(GoPlus).solana_token_security(SOL_AUTHORITIES)
    token = got.value.token
    assert token is not None and token.mintable is not None and token.mintable.status == "1"
    assert fake.requests[0].url.path == "/api/v1/solana/token_security"


async def test_goplus_rate_limit_inside_http_200_is_retried() -> None:
    fake = SecurityFake()
    fake.fail(
        "goplus", Fault("status", 200, body={"code": 4029, "message": "FREQUENCY_OVER_LIMIT", "result": None})
    )
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            got = await s.provider(GoPlus).token_security("1", TROE)
    assert got.value.token is not None
    assert fake.count("goplus") == 2
    assert s.pipeline.stats.retries["goplus"] == 1


async def test_goplus_persistent_rate_limit_inside_200_is_rate_limited() -> None:
    fake = SecurityFake()
    fake.fail_always("goplus", Fault("status", 200, body={"code": 4029, "message": "FREQUENCY_OVER_LIMIT"}))
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await s.provider(GoPlus).token_security("1", TROE)
    assert caught.value.provider == "goplus" and "4029" in caught.value.message
    assert "AGENT_TOOLS_GOPLUS_RATE_PER_MIN" in (caught.value.hint or "")
    assert fake.count("goplus") == 4


@pytest.mark.parametrize(
    ("code", "error", "text", "attempts"),
    [
        (2021, NotFound, "CONTRACT_INFO_NOT_FOUND", 1),
        (2018, UpstreamBadResponse, "CHAIN_NOT_SUPPORTED", 1),
        (9999, UpstreamBadResponse, "code 9999)", 1),
        (5000, UpstreamUnavailable, "code 5000", 4),
    ],
)
async def test_goplus_error_codes(code: int, error: type[Exception], text: str, attempts: int) -> None:
    fake = SecurityFake()
    fake.fail_always("goplus", Fault("status", 200, body={"code": code, "message": "boom", "result": {}}))
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(error) as caught:
            await s.provider(GoPlus).token_security("1", TROE)
    assert text in str(caught.value)
    assert fake.count("goplus") == attempts


async def test_honeypot_capture_units_and_string_numbers() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            reply = (await s.provider(Honeypot).is_honeypot(NODEAI_CHECKSUM, 1)).value
    assert reply.summary is None and reply.simulationSuccess is True
    assert reply.simulationResult is not None and reply.simulationResult.sellTax == pytest.approx(3.99887)
    assert reply.pair is not None and reply.pair.createdAtTimestamp == 1702002671
    assert reply.pair.liquidity == pytest.approx(2383331.436)
    assert reply.contractCode is not None and reply.contractCode.openSource is True
    assert dict(fake.requests[0].url.params) == {"address": NODEAI_CHECKSUM, "chainID": "1"}


async def test_honeypot_404_means_no_pair_not_a_failure() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(NotFound) as caught:
            await s.provider(Honeypot).is_honeypot(SPARSE, 56)
    assert "no trading pair" in caught.value.message
    assert fake.count("honeypot") == 1


async def test_dexscreener_bare_array_with_string_price() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            [pair] = (await s.provider(DexScreener).token_pairs("base", AERO)).value
    assert pair.priceUsd == "0.7207" and pair.pairCreatedAt == 1696424985000
    assert pair.liquidity is not None and pair.liquidity.usd == 1017969.4
    assert pair.txns is not None and pair.txns["h24"].sells == 3534
    assert fake.requests[0].url.path == f"/tokens/v1/base/{AERO}"


@pytest.mark.parametrize(
    "body",
    [
        {"schemaVersion": "1.0.0", "pairs": None},
        {"schemaVersion": "1.0.0", "pairs": []},
        [],
    ],
)
async def test_dexscreener_nothing_found_in_either_shape_is_empty(body: Any) -> None:
    fake = SecurityFake()
    fake.fail("dexscreener", Fault("drift", body=body))
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            assert (await s.provider(DexScreener).token_pairs("base", AERO)).value == []


async def test_dexscreener_legacy_envelope_with_pairs_parses() -> None:
    fake = SecurityFake()
    fake.fail(
        "dexscreener", Fault("drift", body={"schemaVersion": "1.0.0", "pairs": fake.tokens[AERO].pairs})
    )
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            [pair] = (await s.provider(DexScreener).token_pairs("base", AERO)).value
    assert pair.baseToken.symbol == "AERO"


async def test_dexscreener_absent_liquidity_and_age_are_none() -> None:
    fake = SecurityFake()
    assert fake.tokens[AERO].pairs is not None
    for key in ("liquidity", "fdv", "marketCap", "pairCreatedAt", "priceUsd"):
        fake.tokens[AERO].pairs[0].pop(key)
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            [pair] = (await s.provider(DexScreener).token_pairs("base", AERO)).value
    assert (pair.liquidity, pair.fdv, pair.pairCreatedAt, pair.priceUsd) == (None, None, None, None)


async def test_rugcheck_capture_null_authorities_are_present_keys() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            report = (await s.provider(RugCheck).report(MEMELON)).value
    assert report.mintAuthority is None and "mintAuthority" in report.model_fields_set
    assert report.topHolders is None
    assert report.markets is not None and report.markets[0].lp is not None
    assert report.markets[0].lp.lpLockedPct == 100
    assert fake.requests[0].url.path == f"/v1/tokens/{MEMELON}/report"


async def test_rugcheck_404_means_unknown_mint() -> None:
    fake = SecurityFake()
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(NotFound) as caught:
            await s.provider(RugCheck).report("DEFaVzfL1pMbmPY6rdnpQWPSmDmMU3Ua2ezEivqTbvTc")
    assert caught.value.message == "RugCheck does not know this mint"
    assert fake.count("rugcheck") == 1


# --- fault matrix -------------------------------------------------------------------------------------------

FAULTS = FAULT_MATRIX
PROVIDERS = ["goplus", "honeypot", "dexscreener", "rugcheck"]


def one_call(s: Services, provider: str) -> Callable[[], Awaitable[object]]:
    return {
        "goplus": lambda: s.provider(GoPlus).token_security("1", TROE),
        "honeypot": lambda: s.provider(Honeypot).is_honeypot(NODEAI, 1),
        "dexscreener": lambda: s.provider(DexScreener).token_pairs("base", AERO),
        "rugcheck": lambda: s.provider(RugCheck).report(MEMELON),
    }[provider]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault_matrix_one_fault_then_recovery(provider: str, name: str) -> None:
    """Transient faults are retried to success; bad bodies fail at once, naming the provider."""
    fault, error = FAULTS[name]
    fake = SecurityFake()
    fake.fail(provider, fault)
    async with services(fake) as s:
        with deadline_scope(s.clock, 10):
            if error is None:
                await one_call(s, provider)()
                assert fake.count(provider) == 2
            else:
                with pytest.raises(error) as caught:
                    await one_call(s, provider)()
                assert caught.value.provider == provider  # type: ignore[attr-defined]
                assert fake.count(provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_persistent_outage_is_upstream_unavailable(provider: str) -> None:
    fake = SecurityFake()
    fake.fail_always(provider, Fault("status", 503))
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamUnavailable):
            await one_call(s, provider)()
    assert fake.count(provider) == 4


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_long_retry_after_past_the_deadline_fails_fast(provider: str) -> None:
    fake = SecurityFake()
    fake.fail_always(provider, Fault("status", 429, headers={"retry-after": "60"}))
    async with services(fake) as s:
        with deadline_scope(s.clock, 10), pytest.raises(UpstreamRateLimited) as caught:
            await one_call(s, provider)()
    assert caught.value.retry_after_s == 60.0
    assert fake.count(provider) == 1
