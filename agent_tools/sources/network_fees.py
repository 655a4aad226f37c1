"""Network-fee sources: one adapter per provider call, each turning a body into domain fee data.

An adapter fetches through its upstream client and decodes the body into the type the fee
maths takes (domain/network_fees.py): hex quantities and decimal strings become ints and
Decimals. Their shape and range are checked by the body models, so a malformed value is drift
in the pipeline and never cached; what only this request can tell (an `eth_feeHistory` answer
must hold one tip per percentile `fee_history_params()` asked for) is checked here, and fails
the source for this call as `UpstreamDrifted` too, in our words, counted like the pipeline's own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import TypeVar

from agent_tools.domain.chains import Chain
from agent_tools.domain.network_fees import (
    TIER_PERCENTILES,
    FeeHistory,
    FeeInputs,
    GasPrice,
    MempoolRates,
    OracleGasPrices,
    PriorityFees,
    fee_history_params,
)
from agent_tools.errors import NotConfigured, UpstreamDrifted
from agent_tools.services import Services
from agent_tools.settings import Settings
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.upstream import Fetched, ProviderSpec
from agent_tools.upstream.etherscan import Etherscan, GasOracle
from agent_tools.upstream.evm_rpc import EvmRpc, FeeHistoryResult
from agent_tools.upstream.mempool import Mempool, RecommendedFees
from agent_tools.upstream.solana_rpc import PrioritizationFee, SolanaRpc

B = TypeVar("B")
T = TypeVar("T")
log = logging.getLogger("agent_tools.sources")

FeeRead = Callable[[], Awaitable[Ok[FeeInputs] | NoData]]
FeeSource = tuple[str, FeeRead]

_DRIFT_HINT = "the provider may have changed its API; try again later or report it"


class _Undecodable(Exception):
    """A value that does not decode; `where` names its field in our words."""

    def __init__(self, where: str) -> None:
        super().__init__(where)
        self.where = where


def _decoded(services: Services, spec: ProviderSpec, fetched: Fetched[B], decode: Callable[[B], T]) -> Ok[T]:
    """`fetched` decoded, with its date; an undecodable value makes the source drifted for this call."""
    try:
        value = decode(fetched.value)
    except _Undecodable as exc:
        services.pipeline.stats.drift[spec.name] += 1
        log.warning("upstream value does not decode", extra={"provider": spec.name, "where": exc.where})
        raise UpstreamDrifted(
            spec.name, f"{spec.display} changed its response format ({exc.where})", hint=_DRIFT_HINT
        ) from None
    return Ok(value, fetched.fetched_at, fetched.stale)


# --- decoding ------------------------------------------------------------------------------------


def mempool_rates(body: RecommendedFees) -> MempoolRates:
    """sat/vB as the Decimals they read as (the body model checked them finite and in range)."""
    return MempoolRates(
        next_block=Decimal(str(body.fastestFee)),
        half_hour=Decimal(str(body.halfHourFee)),
        hour=Decimal(str(body.hourFee)),
    )


def fee_history(body: FeeHistoryResult) -> FeeHistory:
    """Wei from the (checked) hex quantities, with one tip per requested percentile in every block."""
    if not body.reward:
        raise _Undecodable("reward")
    for i, row in enumerate(body.reward):
        if len(row) != len(TIER_PERCENTILES):
            raise _Undecodable(f"reward[{i}]: {len(row)} percentiles, {len(TIER_PERCENTILES)} asked for")
    return FeeHistory(
        base_fees_wei=tuple(int(v, 16) for v in body.baseFeePerGas),
        rewards_wei=tuple(tuple(int(v, 16) for v in row) for row in body.reward),
    )


def oracle_prices(body: GasOracle) -> OracleGasPrices:
    base = body.suggestBaseFee
    return OracleGasPrices(
        safe_gwei=Decimal(body.SafeGasPrice),
        propose_gwei=Decimal(body.ProposeGasPrice),
        fast_gwei=Decimal(body.FastGasPrice),
        base_fee_gwei=None if base is None else Decimal(base),
    )


def gas_price(body: str) -> GasPrice:
    return GasPrice(int(body, 16))


def priority_fees(body: list[PrioritizationFee]) -> PriorityFees:
    return PriorityFees(tuple(entry.prioritizationFee for entry in body))


# --- adapters ------------------------------------------------------------------------------------


def rpc_url(settings: Settings, chain: Chain) -> str:
    """`AGENT_TOOLS_EVM_RPC_<CHAIN>` when set, else the registry's public endpoint."""
    url = settings.evm_rpc_url(chain.name) or chain.default_rpc
    if url is None:
        raise NotConfigured(
            f"no RPC endpoint for {chain.name}", hint=f"set AGENT_TOOLS_EVM_RPC_{chain.name.upper()}"
        )
    return url


async def read_mempool(services: Services) -> Ok[FeeInputs]:
    client = services.provider(Mempool)
    return _decoded(services, client.spec, await client.recommended_fees(), mempool_rates)


async def read_gas_oracle(services: Services, chain_id: int) -> Ok[FeeInputs]:
    client = services.provider(Etherscan)
    return _decoded(services, client.spec, await client.gas_oracle(chain_id), oracle_prices)


async def read_fee_history(services: Services, chain: Chain) -> Ok[FeeInputs]:
    client, url = services.provider(EvmRpc), rpc_url(services.settings, chain)
    fetched = await client.fee_history(chain.name, url, fee_history_params())
    return _decoded(services, client.spec(chain.name, url), fetched, fee_history)


async def read_gas_price(services: Services, chain: Chain) -> Ok[FeeInputs]:
    client, url = services.provider(EvmRpc), rpc_url(services.settings, chain)
    fetched = await client.gas_price(chain.name, url)
    return _decoded(services, client.spec(chain.name, url), fetched, gas_price)


async def read_priority_fees(services: Services) -> Ok[FeeInputs] | NoData:
    """An empty answer is no data (no recent slots to sample), not a changed format."""
    client = services.provider(SolanaRpc)
    fetched = await client.recent_prioritization_fees()
    if not fetched.value:
        return NoData("the Solana RPC returned no recent prioritization fees")
    return _decoded(services, client.spec, fetched, priority_fees)


def fee_sources(services: Services, chain: Chain) -> list[FeeSource]:
    """Where `chain`'s fee data comes from, best first, for `SourceRun.first`.

    EVM: the Etherscan gas oracle (only with a key, and for chains it documents), then the
    chain's RPC `eth_feeHistory`, then its `eth_gasPrice`.
    """
    if chain.family == "bitcoin":
        return [("mempool.space", partial(read_mempool, services))]
    if chain.family == "solana":
        return [("Solana getRecentPrioritizationFees", partial(read_priority_fees, services))]
    sources: list[FeeSource] = []
    oracle = chain.fees is not None and chain.fees.etherscan_gas_oracle
    if oracle and chain.chain_id is not None and services.provider(Etherscan).configured:
        sources.append(("Etherscan gas oracle", partial(read_gas_oracle, services, chain.chain_id)))
    return [
        *sources,
        ("eth_feeHistory", partial(read_fee_history, services, chain)),
        ("eth_gasPrice", partial(read_gas_price, services, chain)),
    ]
