"""Network-fee sources: one adapter per provider call, each turning a body into domain fee data.

An adapter fetches through its upstream client and decodes the body into the type the fee
maths takes (domain/network_fees.py): hex quantities and decimal strings become ints and
Decimals, checked finite, non-negative and in range, and an `eth_feeHistory` answer must hold
one tip per percentile `fee_history_params()` asked for. A value that does not decode fails
the source for this call as `UpstreamDrifted`, in our words (which field, never the value or
the provider's text), counted like the pipeline's own drift.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
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

_HEX_QUANTITY = re.compile(r"0[xX][0-9a-fA-F]{1,64}")
"""A JSON-RPC quantity that fits the EVM's 256 bits."""
MAX_RATE = Decimal(10**12)
"""Far above any real fee rate (a trillion gwei or sat/vB); past it a value is not a price."""
MAX_U64 = 2**64 - 1
"""Solana fees are unsigned 64-bit integers."""
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


def _hex(value: str, where: str) -> int:
    if not _HEX_QUANTITY.fullmatch(value):
        raise _Undecodable(where)
    return int(value, 16)


def _amount(value: Decimal, where: str) -> Decimal:
    if not value.is_finite() or not 0 <= value <= MAX_RATE:
        raise _Undecodable(where)
    return value


def _rate(value: float, where: str) -> Decimal:
    """A JSON number (sat/vB) as the Decimal it reads as."""
    return _amount(Decimal(str(value)), where)


def _gwei(value: str, where: str) -> Decimal:
    """A decimal string in gwei ("0.496839934")."""
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise _Undecodable(where) from None
    return _amount(number, where)


def mempool_rates(body: RecommendedFees) -> MempoolRates:
    return MempoolRates(
        next_block=_rate(body.fastestFee, "fastestFee"),
        half_hour=_rate(body.halfHourFee, "halfHourFee"),
        hour=_rate(body.hourFee, "hourFee"),
    )


def fee_history(body: FeeHistoryResult) -> FeeHistory:
    """Hex quantities in wei, one tip per requested percentile in every block."""
    base = tuple(_hex(v, f"baseFeePerGas[{i}]") for i, v in enumerate(body.baseFeePerGas))
    if not body.reward:
        raise _Undecodable("reward")
    rows: list[tuple[int, ...]] = []
    for i, row in enumerate(body.reward):
        if len(row) != len(TIER_PERCENTILES):
            raise _Undecodable(f"reward[{i}]: {len(row)} percentiles, {len(TIER_PERCENTILES)} asked for")
        rows.append(tuple(_hex(v, f"reward[{i}][{j}]") for j, v in enumerate(row)))
    return FeeHistory(base_fees_wei=base, rewards_wei=tuple(rows))


def oracle_prices(body: GasOracle) -> OracleGasPrices:
    base = body.suggestBaseFee
    return OracleGasPrices(
        safe_gwei=_gwei(body.SafeGasPrice, "SafeGasPrice"),
        propose_gwei=_gwei(body.ProposeGasPrice, "ProposeGasPrice"),
        fast_gwei=_gwei(body.FastGasPrice, "FastGasPrice"),
        base_fee_gwei=None if base is None else _gwei(base, "suggestBaseFee"),
    )


def gas_price(body: str) -> GasPrice:
    return GasPrice(_hex(body, "result"))


def priority_fees(body: list[PrioritizationFee]) -> PriorityFees:
    for i, entry in enumerate(body):
        if entry.prioritizationFee > MAX_U64:
            raise _Undecodable(f"[{i}].prioritizationFee")
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
