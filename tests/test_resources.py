"""Resources: fee schedules and the supported chain list."""

from __future__ import annotations

import json

import pytest
from mcp.shared.exceptions import MCPError

from agent_tools.domain.chains import FEE_CHAINS
from agent_tools.services import Services
from tests.conftest import connect


async def test_fee_schedule_resources(services: Services) -> None:
    async with connect(services) as client:
        listed = {str(r.uri) for r in (await client.list_resources()).resources}
        templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
        assert {"fees://exchanges", "chains://supported"} <= listed
        assert "fees://exchanges/{exchange}" in templates
        index = json.loads((await client.read_resource("fees://exchanges")).contents[0].text)  # type: ignore[union-attr]
        assert {row["exchange"] for row in index} >= {"binance", "kraken", "coinbase"}
        binance = json.loads((await client.read_resource("fees://exchanges/binance")).contents[0].text)  # type: ignore[union-attr]
        assert binance["exchange"] == "binance" and binance["source_url"].startswith("https://")
        with pytest.raises(MCPError):
            await client.read_resource("fees://exchanges/nosuchexchange")


async def test_supported_chains_resource(services: Services) -> None:
    async with connect(services) as client:
        chains = json.loads((await client.read_resource("chains://supported")).contents[0].text)  # type: ignore[union-attr]
    by_name = {c["chain"]: c for c in chains}
    assert by_name["ethereum"]["chain_id"] == 1 and "eth" in by_name["ethereum"]["aliases"]
    assert by_name["solana"]["family"] == "solana"
    assert by_name["bitcoin"]["estimate_network_fee"] is True
    assert all(by_name[c.name]["estimate_network_fee"] is True for c in FEE_CHAINS)
    assert (
        by_name["solana"]["assess_address_risk"] is True
        and by_name["solana"]["check_token_approvals"] is False
    )
    assert (
        by_name["bsc"]["check_token_approvals"] is True and by_name["bitcoin"]["assess_address_risk"] is False
    )
