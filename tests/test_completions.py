"""completion/complete: prompt arguments and resource-template variables, offline, prefix-matched, ranked."""

from __future__ import annotations

import pytest
from mcp import Client
from mcp.types import PromptReference, ResourceTemplateReference

from agent_tools.domain.chains import CHAINS, TOKEN_CHAINS
from agent_tools.domain.trading_fees import supported_exchanges
from agent_tools.prompt_library import load_prompt_files
from agent_tools.services import Services
from tests.conftest import connect, make_settings
from tests.fakes.upstream import FakeUpstream

MAX_VALUES = 20
WRAPPED_SOL = "So11111111111111111111111111111111111111112"


def prompt(name: str) -> PromptReference:
    return PromptReference(type="ref/prompt", name=name)


FEE_TEMPLATE = ResourceTemplateReference(type="ref/resource", uri="fees://exchanges/{exchange}")


async def complete(client: Client, ref: PromptReference | ResourceTemplateReference, name: str, value: str):
    return (await client.complete(ref, {"name": name, "value": value})).completion


async def test_the_capability_is_declared(services: Services) -> None:
    async with connect(services) as client:
        assert client.server_capabilities.completions is not None


async def test_symbols_and_coingecko_ids_by_prefix_most_traded_first(services: Services) -> None:
    async with connect(services) as client:
        eth = await complete(client, prompt("research_token"), "symbol", "et")
        upper = await complete(client, prompt("research_token"), "symbol", "ET")
        b = await complete(client, prompt("research_token"), "symbol", "b")
        ids = await complete(client, prompt("research_token"), "symbol", "bitc")
        nothing = await complete(client, prompt("research_token"), "symbol", "zzzz")
    assert eth.values[:2] == ["ETH", "ethereum"] and eth.values == upper.values
    assert b.values[:2] == ["BTC", "bitcoin"]  # the most traded asset of the bundled snapshot comes first
    assert all(v.lower().startswith("b") for v in b.values)
    assert ids.values == ["bitcoin", "bitcoin-cash"]
    assert nothing.values == [] and not nothing.has_more


async def test_an_empty_value_gets_at_most_twenty_with_the_total(services: Services) -> None:
    async with connect(services) as client:
        everything = await complete(client, prompt("research_token"), "symbol", "")
    assert len(everything.values) == MAX_VALUES
    assert everything.has_more is True and everything.total is not None and everything.total > MAX_VALUES
    assert len(set(everything.values)) == MAX_VALUES


async def test_chains_come_from_the_registry_by_name_or_alias(services: Services) -> None:
    async with connect(services) as client:
        b = await complete(client, prompt("security_checklist"), "chain", "b")
        by_alias = await complete(client, prompt("security_checklist"), "chain", "bnb")
        by_id = await complete(client, prompt("security_checklist"), "chain", "5")
        everything = await complete(client, prompt("security_checklist"), "chain", "")
    token_chains = [c.name for c in TOKEN_CHAINS]
    assert b.values == [n for n in token_chains if n.startswith("b")]  # no bitcoin: it has no token contracts
    assert by_alias.values == ["bsc"]
    assert "bsc" in by_id.values  # chain id 56
    assert everything.values == token_chains[:MAX_VALUES]
    assert set(token_chains) < {c.name for c in CHAINS}


async def test_exchanges_for_the_fee_schedule_template(services: Services) -> None:
    async with connect(services) as client:
        b = await complete(client, FEE_TEMPLATE, "exchange", "B")
        everything = await complete(client, FEE_TEMPLATE, "exchange", "")
        for exchange in b.values:
            read = await client.read_resource(f"fees://exchanges/{exchange}")
            assert read.contents
    assert b.values == [e for e in supported_exchanges() if e.startswith("b")]
    assert everything.values == supported_exchanges()[:MAX_VALUES]


async def test_every_offered_value_is_accepted_by_its_prompt(services: Services) -> None:
    """Completion offers only what prompts/get then accepts (other arguments filled with valid values)."""
    filler = {
        "symbol": "BTC",
        "chain": "ethereum",
        "address": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
        "side": "long",
    }
    checked = 0
    async with connect(services) as client:
        for file in load_prompt_files():
            for argument in file.arguments:
                offered = await complete(client, prompt(file.name), argument.name, "")
                for value in offered.values:
                    arguments = {a.name: filler.get(a.name, "100") for a in file.arguments if a.required}
                    arguments[argument.name] = value
                    if arguments.get("chain") == "solana":
                        arguments["address"] = WRAPPED_SOL
                    await client.get_prompt(file.name, arguments)
                    checked += 1
    assert checked >= MAX_VALUES * 2


@pytest.mark.parametrize(
    ("ref", "argument"),
    [
        (prompt("no_such_prompt"), "symbol"),
        (prompt("research_token"), "chain"),  # not an argument of that prompt
        (prompt("fee_optimization"), "monthly_volume_usd"),  # a free number: nothing to offer
        (ResourceTemplateReference(type="ref/resource", uri="chains://supported"), "exchange"),
    ],
)
async def test_nothing_to_offer_is_an_empty_list_not_an_error(
    services: Services, ref: PromptReference | ResourceTemplateReference, argument: str
) -> None:
    async with connect(services) as client:
        result = await complete(client, ref, argument, "b")
    assert result.values == []


async def test_completion_never_calls_upstream() -> None:
    fake = FakeUpstream()
    async with Services(make_settings(), transport=fake.transport) as services, connect(services) as client:
        await complete(client, prompt("research_token"), "symbol", "s")
        await complete(client, prompt("security_checklist"), "chain", "s")
        await complete(client, FEE_TEMPLATE, "exchange", "")
    assert fake.requests == []
