"""MCP resources: the fee schedules and the chains each tool supports, as JSON."""

from __future__ import annotations

import json

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError

from agent_tools.domain.chains import APPROVAL_CHAINS, CHAINS, TOKEN_CHAINS
from agent_tools.errors import NotFound
from agent_tools.tools.trading_fees import fee_schedule, fee_schedule_index


def supported_chains() -> str:
    """Every chain the tools accept (from the one registry), its aliases and which tools cover it."""
    rows = [
        {
            "chain": chain.name,
            "family": chain.family,
            "chain_id": chain.chain_id,
            "aliases": list(chain.aliases),
            "native_symbol": chain.native_symbol,
            "get_price_tokens": chain.coingecko_platform is not None,
            "assess_rug_pull_risk": chain.has_tokens,
            "assess_address_risk": chain in TOKEN_CHAINS,
            "check_token_approvals": chain in APPROVAL_CHAINS,
            "honeypot_simulation": chain.honeypot_chain_id is not None,
            "estimate_network_fee": chain.fees is not None,
        }
        for chain in CHAINS
    ]
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
