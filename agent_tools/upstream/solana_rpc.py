"""Solana JSON-RPC: recent prioritization fees (micro-lamports per compute unit)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, NonNegativeInt

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import Body, BodyAdapter
from agent_tools.upstream.evm_rpc import JsonRpcEndpoint, RpcEnvelope, jsonrpc_error_hook

FEES_TTL_S = 10.0
"""The RPC answers over the last ~150 slots (~1 min); 10 s keeps bursts of calls to one request."""
_HINT = "set AGENT_TOOLS_SOLANA_RPC_URL to a keyed RPC (the public endpoint allows 100 requests / 10 s)"


class PrioritizationFee(Body):
    slot: NonNegativeInt
    prioritizationFee: Annotated[int, Field(ge=0, le=2**64 - 1)]  # micro-lamports per CU, a u64


_FEES = BodyAdapter(RpcEnvelope[list[PrioritizationFee]])


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="solana_rpc",
        display="Solana RPC",
        base_url=settings.solana_rpc_url,
        rate_per_min=settings.rate_per_min("solana_rpc"),
        error_hook=jsonrpc_error_hook("solana_rpc", "Solana RPC", _HINT),
        hint=_HINT,
    )


class SolanaRpc:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._rpc = JsonRpcEndpoint(Upstream(pipeline, spec(settings)))

    @property
    def spec(self) -> ProviderSpec:
        return self._rpc.spec

    async def recent_prioritization_fees(self) -> Fetched[list[PrioritizationFee]]:
        """Per recent slot, the lowest priority fee that landed a transaction (no account filter)."""
        return await self._rpc.call("getRecentPrioritizationFees", [], _FEES, ttl=FEES_TTL_S)
