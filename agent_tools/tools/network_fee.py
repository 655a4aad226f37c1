"""estimate_network_fee: what a transaction costs now on Bitcoin, EVM chains and Solana.

Sources, tried in order until one gives usable data (each failure becomes a warning):
bitcoin: mempool.space; EVM: the Etherscan gas oracle (when a key is set and Etherscan covers
the chain), then `eth_feeHistory`, then `eth_gasPrice` on the chain's RPC; solana:
`getRecentPrioritizationFees`. The native coin's USD price is fetched alongside through
`fetch_prices`. Offline, or when every source fails, the bundled snapshot answers (stale).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

from pydantic import Field, StrictInt

from agent_tools.domain.network_fees import (
    CHAINS,
    EVM_GAS_UNITS,
    MAX_GAS_UNITS,
    P2WPKH_TRANSFER_VBYTES,
    SOLANA_COMPUTE_UNITS,
    TX_TYPES,
    ChainInfo,
    NetworkFeeEstimate,
    UpstreamDataError,
    bitcoin_fee_estimate,
    estimate_from_snapshot,
    evm_estimate_from_fee_history,
    evm_estimate_from_gas_oracle,
    evm_estimate_from_gas_price,
    fee_history_params,
    load_fee_snapshot,
    resolve_chain,
    resolve_tx_size,
    solana_fee_estimate,
    solana_minimum_estimate,
)
from agent_tools.errors import AgentToolsError, InvalidArgument, NotFound, UpstreamUnavailable
from agent_tools.services import Services
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools.price import fetch_prices
from agent_tools.upstream._core import Fetched
from agent_tools.upstream.etherscan import Etherscan
from agent_tools.upstream.evm_rpc import EvmRpc
from agent_tools.upstream.mempool import Mempool
from agent_tools.upstream.solana_rpc import SolanaRpc

TxType = str | int
Build = Callable[[float | None], NetworkFeeEstimate]
"""An estimate from already-fetched data, given the native coin's USD price (or None)."""


class NetworkFeeResult(NetworkFeeEstimate):
    native_usd: float | None = Field(
        description="USD price of the native coin that fee_usd used; null if unknown"
    )
    price_source: str | None = Field(description="where native_usd came from")
    warnings: list[str] = Field(description="sources that failed, stale data, missing prices")


@dataclass(frozen=True)
class _Source:
    """One way to get fee data: fetch it, then build an estimate from it."""

    name: str
    fetch: Callable[[], Awaitable[Fetched[Any]]]
    build: Callable[[Any, float | None], NetworkFeeEstimate]


def _sources(services: Services, info: ChainInfo, tx_type: TxType) -> list[_Source]:
    if info.family == "bitcoin":
        return [
            _Source(
                "mempool.space",
                services.provider(Mempool).recommended_fees,
                lambda fees, usd: bitcoin_fee_estimate(fees.model_dump(), tx_type=tx_type, native_usd=usd),
            )
        ]
    if info.family == "solana":
        return [
            _Source(
                "Solana getRecentPrioritizationFees",
                services.provider(SolanaRpc).recent_prioritization_fees,
                lambda fees, usd: solana_fee_estimate(
                    [f.model_dump() for f in fees], tx_type=tx_type, native_usd=usd
                ),
            )
        ]
    rpc = services.provider(EvmRpc)
    url = services.settings.evm_rpc_url(info.name) or info.rpc_url
    assert url is not None  # every EVM chain of the table has a default RPC
    sources: list[_Source] = []
    etherscan = services.provider(Etherscan)
    if etherscan.configured and info.etherscan_gas_oracle and info.chain_id is not None:
        sources.append(
            _Source(
                "Etherscan gas oracle",
                partial(etherscan.gas_oracle, info.chain_id),
                lambda oracle, usd: evm_estimate_from_gas_oracle(
                    info.name, oracle.model_dump(exclude_none=True), tx_type=tx_type, native_usd=usd
                ),
            )
        )
    sources += [
        _Source(
            "eth_feeHistory",
            partial(rpc.fee_history, info.name, url, fee_history_params()),
            lambda history, usd: evm_estimate_from_fee_history(
                info.name, history.model_dump(), tx_type=tx_type, native_usd=usd
            ),
        ),
        _Source(
            "eth_gasPrice",
            partial(rpc.gas_price, info.name, url),
            lambda price, usd: evm_estimate_from_gas_price(info.name, price, tx_type=tx_type, native_usd=usd),
        ),
    ]
    return sources


async def _live_fees(sources: list[_Source], warnings: list[str]) -> tuple[Build, Fetched[Any]] | None:
    """The first source whose data builds an estimate; the failures of those before it as warnings."""
    for source in sources:
        try:
            fetched = await source.fetch()
            source.build(fetched.value, None)  # checks the payload now, so bad data falls through
        except AgentToolsError as exc:
            warnings.append(f"{source.name} unavailable: {exc.message}")
        except UpstreamDataError as exc:
            warnings.append(f"{source.name} returned unusable data: {exc}")
        else:
            return partial(source.build, fetched.value), fetched
    return None


async def _native_price(services: Services, info: ChainInfo) -> tuple[float | None, str | None, str | None]:
    """(USD price, its source, a warning): a live or recently cached price only, never a guess."""
    missing = f"fee_usd is null: no live {info.native_symbol} price"
    try:
        result = await fetch_prices(services, [info.coingecko_id], "usd")
    except AgentToolsError as exc:
        return None, None, f"{missing} ({exc.message})"
    quote = result.quotes[0]
    if quote.source == "snapshot":
        return None, None, f"{missing} (every price source failed; the snapshot price is too old to use)"
    stale = f"{info.native_symbol} price is stale (cached, as of {quote.as_of.isoformat()})"
    return quote.price, quote.source, stale if quote.stale else None


def _from_snapshot(
    info: ChainInfo,
    tx_type: TxType,
    warnings: list[str],
    *,
    offline: bool,
    live_price: tuple[float | None, str | None, str | None] = (None, None, None),
) -> NetworkFeeResult:
    """The bundled snapshot, or Solana's protocol minimum (priced with a live price if there is one)."""
    reason = "offline mode (AGENT_TOOLS_OFFLINE=1)" if offline else "no live fee source answered"
    estimate = estimate_from_snapshot(info.name, tx_type=tx_type)
    covered = ", ".join(load_fee_snapshot().chains)
    if estimate is None and info.family == "solana":
        warnings.append(
            f"{reason}: slow is Solana's protocol minimum (the base fee, no priority fee); "
            "standard and fast are null without recent priority fees"
        )
        native_usd, price_source, price_warning = live_price  # as _native_price returns it
        if price_warning:
            warnings.append(price_warning)
        minimum = solana_minimum_estimate(tx_type=tx_type, native_usd=native_usd)
        return _result(minimum, warnings, stale=True, native_usd=native_usd, price_source=price_source)
    if estimate is None:
        if offline:
            raise NotFound(
                f"offline mode: no bundled network-fee data for {info.name}; offline data covers only {covered}",
                hint="unset AGENT_TOOLS_OFFLINE for live fees",
            )
        raise UpstreamUnavailable(
            "network_fees",
            f"no fee source answered for {info.name} ({'; '.join(warnings)}), and offline data covers only {covered}",
        )
    warnings.append(
        f"{reason}: fees from the bundled snapshot of {estimate.as_of}, a daily average, not a live quote"
    )
    if estimate.standard.fee_native is None:
        warnings.append(
            f"fee_native is null: the snapshot gives this fee in USD only, no {info.native_symbol} amount"
        )
    price_source = "snapshot" if estimate.standard.fee_usd is not None else None
    return _result(estimate, warnings, stale=True, native_usd=None, price_source=price_source)


def _result(
    estimate: NetworkFeeEstimate,
    warnings: list[str],
    *,
    stale: bool,
    native_usd: float | None,
    price_source: str | None,
    as_of: str | None = None,
) -> NetworkFeeResult:
    """The tool's answer: the estimate, its provenance (`as_of` overrides the estimate's own) and warnings."""
    return NetworkFeeResult.model_validate(
        {
            **estimate.model_dump(),
            "as_of": as_of or estimate.as_of,
            "stale": stale,
            "native_usd": native_usd,
            "price_source": price_source,
            "warnings": warnings,
        }
    )


def _validated(chain: str, tx_type: TxType) -> ChainInfo:
    try:
        info = resolve_chain(chain)
        resolve_tx_size(info, tx_type)
    except ValueError as exc:
        raise InvalidArgument(
            str(exc), hint=f"chains: {', '.join(CHAINS)}; tx_type: {', '.join(TX_TYPES)} or a number"
        ) from None
    return info


async def estimate_network_fee(
    services: Services,
    chain: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description=f"Chain name, alias or EVM chain id: {', '.join(CHAINS)}.",
        ),
    ],
    tx_type: Annotated[
        Annotated[str, Field(min_length=1, max_length=20)]
        | Annotated[StrictInt, Field(ge=1, le=MAX_GAS_UNITS)],
        Field(
            description="transfer, erc20_transfer (token transfer), swap, or the size as a number: "
            "gas units (EVM), vbytes (bitcoin) or compute units (solana)."
        ),
    ] = "transfer",
) -> NetworkFeeResult:
    info = _validated(chain, tx_type)
    warnings: list[str] = []
    if services.settings.offline:
        return _from_snapshot(info, tx_type, warnings, offline=True)

    live, (native_usd, price_source, price_warning) = await asyncio.gather(
        _live_fees(_sources(services, info, tx_type), warnings), _native_price(services, info)
    )
    if live is None:
        live_price = (native_usd, price_source, price_warning)
        return _from_snapshot(info, tx_type, warnings, offline=False, live_price=live_price)
    build, fetched = live
    estimate = build(native_usd)
    if price_warning:
        warnings.append(price_warning)
    as_of = datetime.fromtimestamp(fetched.fetched_at, UTC)
    if fetched.stale:
        warnings.append(f"fee data is stale: served from cache, fetched at {as_of.isoformat()}")
    return _result(
        estimate,
        warnings,
        stale=fetched.stale,
        native_usd=native_usd,
        price_source=price_source,
        as_of=as_of.isoformat(),
    )


DESCRIPTION = f"""Current network (gas / miner) fee for one transaction, at slow / standard / fast speed.

Use it when a user asks what sending, a token transfer or a swap costs on a chain right now.
`chain`: {", ".join(CHAINS)} (also aliases like btc, eth, bnb, sol, or an EVM chain id).
`tx_type`: transfer (default), erc20_transfer, swap, or an explicit size as a number. Sizes assumed:
EVM {", ".join(f"{k} {v:,} gas" for k, v in EVM_GAS_UNITS.items())}; bitcoin transfer
{P2WPKH_TRANSFER_VBYTES} vB (1-in 2-out segwit); solana compute-unit limits
{", ".join(f"{k} {v:,}" for k, v in SOLANA_COMPUTE_UNITS.items())}.
Each tier gives `fee_rate` in `unit` (sat/vB, gwei, micro-lamports/CU), `fee_native` (BTC, ETH,
BNB, POL, SOL), `fee_usd` (null when the coin's price is unavailable) and `est_seconds`; EVM
answers also give `base_fee` (gwei) and per-tier `priority_fee`/`max_fee_per_gas`.
Sources: mempool.space; Etherscan gas oracle (with AGENT_TOOLS_ETHERSCAN_API_KEY), else the
chain's RPC eth_feeHistory, else eth_gasPrice; Solana getRecentPrioritizationFees. USD via the
get_price sources. On rollups (arbitrum, optimism, base) only execution gas is counted, not
the L1 data fee. Offline or when every source fails, a bundled daily average answers with
`source: "snapshot"`, `stale: true` (it covers only {", ".join(load_fee_snapshot().chains)}); solana
answers with its protocol minimum (`source: "protocol-minimum"`: slow = the base fee, standard and
fast null); other chains answer with an error."""


TOOL = ToolSpec(estimate_network_fee, title="Estimate network fees", description=DESCRIPTION, open_world=True)
