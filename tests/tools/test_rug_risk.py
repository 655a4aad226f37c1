"""assess_rug_pull_risk through the in-memory MCP client, against the fake security APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agent_tools.domain.addresses import validate_address
from agent_tools.domain.chains import resolve_chain
from agent_tools.domain.rug_risk import EXPECTED
from agent_tools.prometheus_text import render
from agent_tools.services import Services
from agent_tools.upstream import LoopClock
from tests.conftest import call, call_error, connect, make_settings
from tests.fakes.security import (
    BLUE_CHIP,
    FORTA_LISTED,
    HONEYPOT,
    MEMELON,
    SOL_AUTHORITIES,
    SOL_UNKNOWN,
    SPARSE,
    TAXED,
    TROE,
    UNVERIFIED,
    WETH,
    SecurityFake,
)
from tests.fakes.upstream import NOW, Fault

TOOL = "assess_rug_pull_risk"
EVM_SOURCES = ["goplus", "honeypot.is", "dexscreener"]


class FixedWall(LoopClock):
    """Loop time for waits, the fake's fixed "now" for timestamps and pair ages."""

    def wall(self) -> float:
        return float(NOW)


@pytest.fixture
def sfake() -> SecurityFake:
    return SecurityFake()


@pytest.fixture
async def svc(sfake: SecurityFake) -> AsyncIterator[Services]:
    async with Services(make_settings(), clock=FixedWall(), transport=sfake.transport) as s:
        yield s


async def assess(svc: Services, chain: str, address: str) -> dict[str, Any]:
    async with connect(svc) as client:
        out = await call(client, TOOL, chain=chain, address=address)
    assert len(json.dumps(out)) < 4096, "the answer must stay small enough for a model's context"
    return out


def codes(out: dict[str, Any]) -> dict[str, str]:
    return {f["code"]: f["severity"] for f in out["findings"]}


def status(out: dict[str, Any]) -> dict[str, str]:
    """Every source's state: those that answered are in coverage.sources_ok, the others in source_status."""
    assert all(s["status"] != "ok" or s["detail"] for s in out["source_status"]), "a plain ok listed twice"
    return dict.fromkeys(out["coverage"]["sources_ok"], "ok") | {
        s["name"]: s["status"] for s in out["source_status"]
    }


def detail(out: dict[str, Any], source: str) -> str | None:
    return next(s["detail"] for s in out["source_status"] if s["name"] == source)


# --- verdicts ----------------------------------------------------------------------------------------------


async def test_honeypot_is_critical(svc: Services) -> None:
    out = await assess(svc, "ethereum", HONEYPOT)
    assert (out["risk_level"], out["risk_score"], out["is_honeypot"]) == ("critical", 100, True)
    assert out["sell_tax_pct"] == 100.0 and out["buy_tax_pct"] == 0.0
    found = codes(out)
    assert found["HONEYPOT"] == "critical" and found["HIGH_SELL_TAX"] == "critical"
    assert found["NEW_PAIR"] == "medium"  # 5 hours old
    assert out["summary"].startswith("Critical")
    assert "honeypot.is: Sell failed: TRANSFER_FROM_FAILED" in out["provider_flags"]
    assert "goplus: the owner can change holders' balances" in out["provider_flags"]
    assert out["source"] == [*EVM_SOURCES, "known_malicious_lists"]


async def test_blue_chip_is_low(svc: Services, sfake: SecurityFake) -> None:
    out = await assess(svc, "eth", BLUE_CHIP.upper().replace("0X", "0x"))
    assert out["risk_level"] == "low" and out["risk_score"] < 9
    assert out["address"] == "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"  # checksummed
    assert out["coverage"]["unknown"] == [] and out["coverage"]["sources_failed"] == []
    assert out["coverage"]["sources_ok"] == EVM_SOURCES
    assert (out["is_honeypot"], out["sell_tax_pct"], out["liquidity_usd"]) == (False, 0.0, 50_000_000.0)
    assert all(f["severity"] in ("info", "low") for f in out["findings"])
    assert out["stale"] is False and out["as_of"].startswith("2026-05-28")
    assert status(out) == {
        "goplus": "ok",
        "honeypot.is": "ok",
        "dexscreener": "ok",
        "rugcheck": "not_applicable",
    }
    assert out["warnings"] == [] and out["provider_flags"] == []
    assert sfake.by_provider() == {"goplus": 1, "honeypot": 1, "dexscreener": 1}


async def test_troe_capture_low_liquidity_is_high(svc: Services) -> None:
    out = await assess(svc, "ethereum", TROE)
    assert out["risk_level"] == "high"
    assert codes(out) == {"LOW_LIQUIDITY": "high", "BLACKLIST": "medium"}
    assert status(out)["honeypot.is"] == "no_data" and status(out)["dexscreener"] == "no_data"
    assert "pair_created_at" in out["coverage"]["unknown"]


async def test_mostly_missing_data_is_unknown_with_the_gaps_listed(svc: Services) -> None:
    out = await assess(svc, "ethereum", SPARSE)
    assert (out["risk_level"], out["risk_score"]) == ("unknown", None)
    assert out["coverage"]["unknown"] == list(EXPECTED["evm"])
    assert out["coverage"]["sources_failed"] == []  # nobody failed: they simply know little
    assert status(out) == {
        "goplus": "ok",
        "honeypot.is": "no_data",
        "dexscreener": "no_data",
        "rugcheck": "not_applicable",
    }
    assert out["warnings"] == ["goplus: GoPlus data is still syncing (code 2): some checks may be missing"]
    assert detail(out, "honeypot.is") == "Honeypot.is found no trading pair to simulate for this token"
    assert out["summary"].startswith("Risk unknown")


async def test_weth_like_missing_keys_keep_it_from_low(svc: Services) -> None:
    out = await assess(svc, "ethereum", WETH)
    assert out["risk_level"] == "medium"
    assert out["coverage"]["unknown"] == ["owner_renounced", "lp_locked_pct"]


async def test_unverified_source_is_high_even_with_little_else(svc: Services) -> None:
    out = await assess(svc, "ethereum", UNVERIFIED)
    assert out["risk_level"] == "high" and codes(out) == {"UNVERIFIED_SOURCE": "high"}


async def test_known_malicious_address_is_critical(svc: Services) -> None:
    out = await assess(svc, "ethereum", FORTA_LISTED)
    assert out["risk_level"] == "critical" and codes(out) == {"KNOWN_MALICIOUS": "critical"}
    [finding] = out["findings"]
    assert finding["source"] == "forta:malicious_smart_contracts"


# --- Solana ---------------------------------------------------------------------------------------------------


async def test_solana_without_authorities(svc: Services, sfake: SecurityFake) -> None:
    out = await assess(svc, "solana", MEMELON)
    assert not {"MINT_AUTHORITY", "FREEZE_AUTHORITY"} & set(codes(out))
    assert codes(out)["LOW_LIQUIDITY"] == "high"  # the capture's pool holds $3.8k
    assert out["risk_level"] == "high" and out["coverage"]["unknown"] == []
    assert out["is_honeypot"] is None and out["sell_tax_pct"] is None
    assert status(out) == {
        "goplus": "ok",
        "honeypot.is": "not_applicable",
        "dexscreener": "ok",
        "rugcheck": "ok",
    }
    assert "rugcheck: Creator history of rugged tokens (danger)" in out["provider_flags"]
    assert "known_malicious_lists" not in out["source"]
    assert sfake.count("honeypot") == 0


async def test_solana_with_authorities_is_high(svc: Services) -> None:
    out = await assess(svc, "sol", SOL_AUTHORITIES)
    assert codes(out)["MINT_AUTHORITY"] == "high" and codes(out)["FREEZE_AUTHORITY"] == "high"
    assert out["risk_level"] == "high"
    assert "rugcheck" in out["findings"][0]["source"]


async def test_mint_unknown_to_rugcheck_is_no_data_not_failure(svc: Services) -> None:
    out = await assess(svc, "solana", SOL_UNKNOWN)
    assert status(out)["rugcheck"] == "no_data" and out["coverage"]["sources_failed"] == []
    assert out["risk_level"] != "unknown"  # GoPlus still reported authorities and liquidity
    assert detail(out, "rugcheck") == "RugCheck does not know this mint"


async def test_chain_without_honeypot_simulation_skips_it(svc: Services, sfake: SecurityFake) -> None:
    out = await assess(svc, "polygon", BLUE_CHIP)
    assert status(out)["honeypot.is"] == "not_applicable"
    assert sfake.count("honeypot") == 0
    assert sfake.requests[0].url.path.startswith("/api/v1/token_security/137")


# --- degraded sources -------------------------------------------------------------------------------------


@pytest.mark.looptime
async def test_one_source_down_answers_with_reduced_coverage(svc: Services, sfake: SecurityFake) -> None:
    sfake.fail_always("goplus", Fault("status", 503))
    out = await assess(svc, "ethereum", BLUE_CHIP)
    assert out["coverage"]["sources_failed"] == ["goplus"]
    assert out["coverage"]["sources_ok"] == ["honeypot.is", "dexscreener"]
    assert {"mintable", "lp_locked_pct", "top10_holder_pct"} <= set(out["coverage"]["unknown"])
    assert out["risk_level"] == "medium"  # clean as far as known, but not every check was made
    assert out["source"] == ["honeypot.is", "dexscreener", "known_malicious_lists"]
    [failed] = [s for s in out["source_status"] if s["status"] == "failed"]
    assert failed["name"] == "goplus" and "HTTP 503" in failed["detail"]
    assert "sources failed: goplus" in out["summary"]


@pytest.mark.looptime
async def test_goplus_rate_limit_in_200_body_is_a_failed_source(svc: Services, sfake: SecurityFake) -> None:
    sfake.fail_always("goplus", Fault("status", 200, body={"code": 4029, "message": "FREQUENCY_OVER_LIMIT"}))
    out = await assess(svc, "ethereum", BLUE_CHIP)
    [failed] = [s for s in out["source_status"] if s["status"] == "failed"]
    assert "rate limiting (code 4029)" in failed["detail"]
    assert sfake.count("goplus") == 4


@pytest.mark.looptime
async def test_all_sources_down_is_unknown_never_an_error(svc: Services, sfake: SecurityFake) -> None:
    for provider in ("goplus", "honeypot", "dexscreener"):
        sfake.fail_always(provider, Fault("timeout"))
    out = await assess(svc, "ethereum", BLUE_CHIP)
    assert (out["risk_level"], out["risk_score"]) == ("unknown", None)
    assert out["coverage"]["sources_failed"] == EVM_SOURCES
    assert out["coverage"]["checked"] == ["known_malicious_lists"]
    assert out["source"] == ["known_malicious_lists"]


@pytest.mark.looptime
async def test_all_sources_down_still_flags_known_malicious(svc: Services, sfake: SecurityFake) -> None:
    for provider in ("goplus", "honeypot", "dexscreener"):
        sfake.fail_always(provider, Fault("status", 500))
    out = await assess(svc, "ethereum", FORTA_LISTED)
    assert out["risk_level"] == "critical" and "KNOWN_MALICIOUS" in codes(out)


@pytest.mark.looptime
async def test_a_hung_source_fails_within_the_deadline_and_the_rest_answer(
    svc: Services, sfake: SecurityFake
) -> None:
    sfake.fail_always("honeypot", Fault("hang"))
    loop = asyncio.get_running_loop()
    started = loop.time()
    out = await assess(svc, "ethereum", BLUE_CHIP)
    assert loop.time() - started <= svc.settings.deadline_s + 0.01
    assert out["coverage"]["sources_failed"] == ["honeypot.is"]
    assert out["coverage"]["sources_ok"] == ["goplus", "dexscreener"]
    assert out["is_honeypot"] is False  # GoPlus's static flag still answers


@pytest.mark.looptime
async def test_expired_cache_serves_stale_when_sources_fail(svc: Services, sfake: SecurityFake) -> None:
    await assess(svc, "ethereum", BLUE_CHIP)
    await asyncio.sleep(700)  # past every source's TTL, within the grace period
    for provider in ("goplus", "honeypot", "dexscreener"):
        sfake.fail_always(provider, Fault("status", 503))
    out = await assess(svc, "ethereum", BLUE_CHIP)
    assert out["stale"] is True and out["risk_level"] == "low"
    assert any("served from cache" in w for w in out["warnings"])


async def test_out_of_range_values_fail_that_source_only(svc: Services, sfake: SecurityFake) -> None:
    pairs = sfake.tokens[BLUE_CHIP].pairs
    assert pairs is not None
    pairs[0]["txns"]["h24"] = {"buys": -5, "sells": 0}
    out = await assess(svc, "ethereum", BLUE_CHIP)
    [failed] = [s for s in out["source_status"] if s["status"] == "failed"]
    assert failed["name"] == "dexscreener" and "outside their valid range" in failed["detail"]


# --- offline, progress, schema ------------------------------------------------------------------------------


@pytest.mark.parametrize(("address", "level"), [(BLUE_CHIP, "unknown"), (FORTA_LISTED, "critical")])
async def test_offline_answers_from_the_bundled_lists_only(
    sfake: SecurityFake, address: str, level: str
) -> None:
    async with Services(make_settings(offline=True), transport=sfake.transport) as s:
        out = await assess(s, "ethereum", address)
    assert out["risk_level"] == level and out["stale"] is True
    assert out["source"] == ["known_malicious_lists"]
    assert status(out) == {
        "goplus": "skipped",
        "honeypot.is": "skipped",
        "dexscreener": "skipped",
        "rugcheck": "not_applicable",
    }
    assert "offline mode" in out["warnings"][0] and "Offline mode" in out["summary"]
    assert sfake.requests == []


async def test_progress_is_reported_per_source_when_asked(svc: Services) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    async with connect(svc) as client:
        result = await client.call_tool(
            TOOL, {"chain": "ethereum", "address": BLUE_CHIP}, progress_callback=on_progress
        )
    assert not result.is_error
    assert [(p, t) for p, t, _ in seen] == [(1, 3), (2, 3), (3, 3)]
    assert sorted(m.split(":")[0] for _, _, m in seen if m) == sorted(EVM_SOURCES)


async def test_tool_listing_describes_thresholds_and_hints(svc: Services) -> None:
    async with connect(svc) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    tool = tools[TOOL]
    assert "low < 23 <= medium < 93 <= high < 99 <= critical" in (tool.description or "")
    assert "never as safe" in (tool.description or "")
    assert "calibrated probability" in (tool.description or "")
    assert (
        tool.annotations is not None and tool.annotations.read_only_hint and tool.annotations.open_world_hint
    )
    assert tool.output_schema is not None
    assert {"risk_score", "risk_level", "coverage", "source", "stale", "as_of", "model"} <= set(
        tool.output_schema["properties"]
    )
    assert set(tool.input_schema["properties"]) == {"chain", "address"}


# --- bad input ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        {"chain": "ethereum", "address": "0x1234"},
        {"chain": "ethereum", "address": "0x1F9840a85d5aF5bf1D1762F925BDADdC4201F984"},  # bad EIP-55 checksum
        {"chain": "ethereum", "address": "0x1f9840a85d5af5bf1d1762f925bdaddc4201f98g"},
        {"chain": "mars", "address": BLUE_CHIP},
        {"chain": "solana", "address": BLUE_CHIP},
        {"chain": "solana", "address": "0OIl" * 10},
        {"chain": "ethereum", "address": MEMELON},
        {"chain": "ethereum", "address": ""},
        {"chain": "ethereum", "address": "0x" + "a" * 200},
        {"chain": "ethereum"},
        {"chain": "ethereum", "address": BLUE_CHIP, "extra": 1},
        {"chain": 1, "address": BLUE_CHIP},
    ],
)
async def test_bad_input_is_invalid_argument_before_any_upstream_call(
    svc: Services, sfake: SecurityFake, arguments: dict[str, object]
) -> None:
    async with connect(svc) as client:
        error = await call_error(client, TOOL, **arguments)
    assert error["code"] == "INVALID_ARGUMENT"
    assert sfake.requests == []


async def test_checksum_error_says_what_is_wrong(svc: Services) -> None:
    async with connect(svc) as client:
        error = await call_error(
            client, TOOL, chain="ethereum", address="0x1F9840a85d5aF5bf1D1762F925BDADdC4201F984"
        )
    assert "EIP-55" in error["message"]


def _valid(chain: str, address: str) -> bool:
    try:
        validate_address(resolve_chain(chain), address)
    except ValueError:
        return False
    return True


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    chain=st.one_of(
        st.sampled_from(["ethereum", "bsc", "solana", "sol", "56", "mars", ""]), st.text(max_size=40)
    ),
    address=st.one_of(
        st.text(max_size=140),
        st.from_regex(r"0x[0-9a-fA-F]{0,44}", fullmatch=True),
        st.from_regex(r"[1-9A-HJ-NP-Za-km-z]{28,46}", fullmatch=True),
    ),
)
async def test_property_invalid_input_never_reaches_upstream(chain: str, address: str) -> None:
    if _valid(chain, address):
        return  # a valid request: not this property's business
    fake = SecurityFake()
    async with Services(make_settings(), transport=fake.transport) as services, connect(services) as client:
        error = await call_error(client, TOOL, chain=chain, address=address)
    assert error["code"] == "INVALID_ARGUMENT"
    assert fake.requests == []


# --- schema drift: a renamed field is a failed source, never a lower risk -----------------------------------


def _rename(record: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    return {renames.get(key, key): value for key, value in record.items()}


def drift_goplus(sfake: SecurityFake, address: str) -> None:
    """GoPlus switches its risk fields to camelCase (the rest of the record is unchanged)."""
    token = sfake.tokens[address]
    assert token.goplus is not None
    token.goplus = _rename(
        token.goplus, {"sell_tax": "sellTax", "buy_tax": "buyTax", "is_honeypot": "isHoneypot"}
    )


def drift_honeypot(sfake: SecurityFake, address: str) -> None:
    """Honeypot.is stops sending its simulation section (the verdict it is asked for)."""
    token = sfake.tokens[address]
    assert token.honeypot is not None
    token.honeypot = {k: v for k, v in token.honeypot.items() if k != "simulationResult"}


def drift_dexscreener(sfake: SecurityFake, address: str) -> None:
    token = sfake.tokens[address]
    assert token.pairs is not None
    token.pairs = [
        _rename(p, {"liquidity": "Liquidity", "pairCreatedAt": "pair_created_at"}) for p in token.pairs
    ]


def drift_rugcheck(sfake: SecurityFake, address: str) -> None:
    token = sfake.tokens[address]
    assert token.rugcheck is not None
    renames = {"mintAuthority": "mint_authority", "freezeAuthority": "freeze_authority"}
    token.rugcheck = _rename(token.rugcheck, renames)
    token.rugcheck["token"] = _rename(token.rugcheck["token"], renames)


async def test_renamed_tax_fields_are_failed_sources_not_a_lower_risk(
    svc: Services, sfake: SecurityFake
) -> None:
    """The reproduction: GoPlus renames sell_tax, Honeypot.is drops simulationResult; the 35 % sell tax
    was lost, the level fell from high to medium and both sources still counted as ok."""
    healthy = await assess(svc, "ethereum", TAXED)
    assert healthy["risk_level"] == "high" and codes(healthy)["HIGH_SELL_TAX"] == "high"

    fresh = SecurityFake()
    fresh.fail_always("goplus", Fault("status", 503))
    fresh.fail_always("honeypot", Fault("status", 503))
    async with Services(make_settings(), clock=FixedWall(), transport=fresh.transport) as down_svc:
        down = await assess(down_svc, "ethereum", TAXED)

    drifted_fake = SecurityFake()
    drift_goplus(drifted_fake, TAXED)
    drift_honeypot(drifted_fake, TAXED)
    async with Services(make_settings(), clock=FixedWall(), transport=drifted_fake.transport) as s:
        drifted = await assess(s, "ethereum", TAXED)
        assert set(drifted["coverage"]["sources_failed"]) == {"goplus", "honeypot.is"}
        assert drifted["coverage"]["sources_ok"] == ["dexscreener"]
        assert (drifted["risk_level"], drifted["risk_score"]) == (down["risk_level"], down["risk_score"])
        assert drifted["risk_level"] not in ("low", "medium")
        details = {st["name"]: st["detail"] for st in drifted["source_status"]}
        assert "changed" in details["goplus"] and "changed" in details["honeypot.is"]
        assert s.pipeline.stats.drift["goplus"] >= 1 and s.pipeline.stats.drift["honeypot"] >= 1
        scraped = render(s.metrics)[0].decode()
        assert 'agent_tools_upstream_drift_total{provider="goplus"}' in scraped

        # the providers recover: nothing drifted was cached, so the next call sees the tax again
        drifted_fake.tokens = SecurityFake().tokens
        recovered = await assess(s, "ethereum", TAXED)
        assert recovered["risk_level"] == "high" and recovered["coverage"]["sources_failed"] == []


DRIFTS = {
    "goplus": (drift_goplus, "goplus", TAXED, "ethereum"),
    "honeypot.is": (drift_honeypot, "honeypot", TAXED, "ethereum"),
    "dexscreener": (drift_dexscreener, "dexscreener", TAXED, "ethereum"),
    "rugcheck": (drift_rugcheck, "rugcheck", SOL_AUTHORITIES, "solana"),
}


@pytest.mark.looptime
@pytest.mark.parametrize("source", list(DRIFTS))
async def test_fault_matrix_drift_on_risk_fields_is_never_lower_than_that_source_down(source: str) -> None:
    drift, provider, address, chain = DRIFTS[source]
    down_fake = SecurityFake()
    down_fake.fail_always(provider, Fault("status", 503))
    drift_fake = SecurityFake()
    drift(drift_fake, address)
    results: list[dict[str, Any]] = []
    for fake in (down_fake, drift_fake):
        async with Services(make_settings(), clock=FixedWall(), transport=fake.transport) as s:
            results.append(await assess(s, chain, address))
    down, drifted = results
    assert source in drifted["coverage"]["sources_failed"]
    assert (drifted["risk_level"], drifted["risk_score"]) == (down["risk_level"], down["risk_score"])
    assert drifted["coverage"]["unknown"] == down["coverage"]["unknown"]
