"""MCP resources: the fee schedules and the chains each tool supports, as JSON."""

from __future__ import annotations

import json

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from agent_tools.domain.addresses import CHAINS
from agent_tools.domain.assets import COINGECKO_PLATFORM
from agent_tools.domain.chains import BY_NAME, FEE_CHAINS
from agent_tools.errors import NotFound
from agent_tools.tools.trading_fees import fee_schedule, fee_schedule_index


def supported_chains() -> str:
    """Every chain name the tools accept, its aliases and which tools cover it."""
    rows: list[dict[str, object]] = []
    for chain in CHAINS:
        rows.append(
            {
                "chain": chain.name,
                "family": chain.family,
                "chain_id": chain.chain_id,
                "aliases": list(chain.aliases),
                "get_price_tokens": chain.name in COINGECKO_PLATFORM,
                "assess_rug_pull_risk": True,
                "honeypot_simulation": chain.honeypot_chain_id is not None,
                "estimate_network_fee": chain.name in BY_NAME and BY_NAME[chain.name].fees is not None,
            }
        )
    known = {c.name for c in CHAINS}
    for fee_chain in FEE_CHAINS:
        if fee_chain.name not in known:
            rows.append({"chain": fee_chain.name, "family": fee_chain.family, "estimate_network_fee": True})
    return json.dumps(rows)


def register_resources(server: MCPServer) -> None:
    server.resource(
        "fees://exchanges",
        name="fee_schedules",
        title="Exchange fee schedules",
        description="Every curated exchange fee schedule: markets, date, source page, share of verified tiers.",
        mime_type="application/json",
    )(fee_schedule_index)

    def one_schedule(exchange: str) -> str:
        try:
            return fee_schedule(exchange)
        except NotFound as exc:
            raise ResourceNotFoundError(exc.message) from None

    server.resource(
        "fees://exchanges/{exchange}",
        name="fee_schedule",
        title="One exchange's fee schedule",
        description="The full schedule of one exchange: all volume tiers, maker/taker rates, discounts, sources.",
        mime_type="application/json",
    )(one_schedule)
    server.resource(
        "chains://supported",
        name="supported_chains",
        title="Supported chains",
        description="Chain names and aliases the tools accept, and which tools cover each chain.",
        mime_type="application/json",
    )(supported_chains)
