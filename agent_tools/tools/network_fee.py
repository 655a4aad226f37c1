"""estimate_network_fee: what a transaction costs now on Bitcoin, the EVM chains and Solana.

The chain is resolved in the one chain registry, and refused before any upstream call when it
is unknown or has no fee profile. Its fee sources (sources/network_fees.py) are asked in order
until one answers; each failure becomes a warning in our words. The native coin's USD price is
fetched alongside through `fetch_prices`. Offline, or when no source answers, the bundled
snapshot answers (stale, with its date and age); Solana falls back to its protocol minimum.
"""

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import Field, StrictInt

from agent_tools.domain.chains import FEE_CHAINS, Chain, names, resolve_chain
from agent_tools.domain.network_fees import (
    EVM_GAS_UNITS,
    MAX_GAS_UNITS,
    P2WPKH_TRANSFER_VBYTES,
    SOLANA_COMPUTE_UNITS,
    TX_TYPES,
    NetworkFeeEstimate,
    estimate_fee,
    estimate_from_snapshot,
    load_fee_snapshot,
    resolve_tx_size,
    snapshot_native_usd,
    solana_minimum_estimate,
)
from agent_tools.errors import AgentToolsError, InvalidArgument, NotFound
from agent_tools.services import Services
from agent_tools.sources.outcome import SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools.price import fetch_prices

TxType = str | int
Price = tuple[float | None, str | None, str | None]
"""The native coin's USD price, its source, and a warning about it."""


class NetworkFeeResult(NetworkFeeEstimate):
    native_usd: float | None = Field(
        description="USD price of the native coin that fee_usd used; null if unknown"
    )
    price_source: str | None = Field(description="where native_usd came from")
    warnings: list[str] = Field(description="sources that failed, stale data, missing prices")


async def _native_price(services: Services, chain: Chain) -> Price:
    """(USD price, its source, a warning): a live or recently cached price only, never a guess."""
    missing = f"fee_usd is null: no live {chain.native_symbol} price"
    try:
        result = await fetch_prices(services, [chain.native_coingecko_id], "usd")
    except AgentToolsError as exc:
        return None, None, f"{missing} ({exc.message})"
    quote = result.quotes[0]
    if quote.source == "snapshot":
        return None, None, f"{missing} (every price source failed; the snapshot price is too old to use)"
    stale = f"{chain.native_symbol} price is stale (cached, as of {quote.as_of.isoformat()})"
    return quote.price, quote.source, stale if quote.stale else None


def _age_days(services: Services, as_of: date) -> int:
    """Whole days since `as_of` by the wall clock (0, not negative, if the clock is behind the data)."""
    today = datetime.fromtimestamp(services.clock.wall(), UTC).date()
    return max(0, (today - as_of).days)


def _without_live_fees(
    services: Services,
    chain: Chain,
    tx_type: TxType,
    warnings: list[str],
    *,
    run: SourceRun | None,
    live_price: Price = (None, None, None),
) -> NetworkFeeResult:
    """The bundled snapshot, or Solana's protocol minimum (priced with a live price if there is one).

    `run` is None offline; otherwise it holds the sources that failed, for the error when
    nothing can answer.
    """
    reason = "offline mode (AGENT_TOOLS_OFFLINE=1)" if run is None else "no live fee source answered"
    snapshot = load_fee_snapshot()
    estimate = estimate_from_snapshot(chain, tx_type=tx_type, snapshot=snapshot)
    if estimate is None and chain.family == "solana":
        warnings.append(
            f"{reason}: slow is Solana's protocol minimum (the base fee, no priority fee); "
            "standard and fast are null without recent priority fees"
        )
        native_usd, price_source, price_warning = live_price
        if price_warning:
            warnings.append(price_warning)
        minimum = solana_minimum_estimate(tx_type=tx_type, native_usd=native_usd)
        return _result(minimum, warnings, stale=True, native_usd=native_usd, price_source=price_source)
    if estimate is None:
        if run is not None:
            raise run.error(f"no fee source for {chain.name}")
        covered = ", ".join(snapshot.chains)
        raise NotFound(
            f"offline mode: no bundled network-fee data for {chain.name}; offline data covers only {covered}",
            hint="unset AGENT_TOOLS_OFFLINE for live fees",
        )
    age = _age_days(services, snapshot.chains[chain.name].as_of)
    warnings.append(
        f"{reason}: fees from the bundled snapshot of {estimate.as_of}, {age} day{'' if age == 1 else 's'} "
        "old, a daily average, not a live quote"
    )
    if estimate.standard.fee_native is None:
        warnings.append(
            f"fee_native is null: the snapshot gives this fee in USD only, no {chain.native_symbol} amount"
        )
    price_source = "snapshot" if estimate.standard.fee_usd is not None else None
    native_usd = snapshot_native_usd(chain, snapshot)
    return _result(estimate, warnings, stale=True, native_usd=native_usd, price_source=price_source)


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


def _validated(text: str, tx_type: TxType) -> Chain:
    """The chain, if it has fee estimates and `tx_type` fits it; else INVALID_ARGUMENT, before any request."""
    hint = f"chains: {names(FEE_CHAINS)}; tx_type: {', '.join(TX_TYPES)} or a number"
    try:
        chain = resolve_chain(text)
        if chain.fees is None:
            raise ValueError(f"no network-fee estimate for {chain.name}; covered chains: {names(FEE_CHAINS)}")
        resolve_tx_size(chain, tx_type)
    except ValueError as exc:
        raise InvalidArgument(str(exc), hint=hint) from None
    return chain


async def estimate_network_fee(
    services: Services,
    chain: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description=f"Chain name, alias or EVM chain id: {names(FEE_CHAINS)}.",
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
    target = _validated(chain, tx_type)
    if services.settings.offline:
        return _without_live_fees(services, target, tx_type, [], run=None)

    from agent_tools.sources.network_fees import (
        fee_sources,  # sources load on the first call, not at start-up
    )

    run = SourceRun()
    live, price = await asyncio.gather(
        run.first(fee_sources(services, target)), _native_price(services, target)
    )
    warnings = run.failure_notes()
    if live is None:
        return _without_live_fees(services, target, tx_type, warnings, run=run, live_price=price)
    native_usd, price_source, price_warning = price
    estimate = estimate_fee(target, live.value, tx_type=tx_type, native_usd=native_usd)
    if price_warning:
        warnings.append(price_warning)
    as_of = datetime.fromtimestamp(live.fetched_at, UTC)
    if live.stale:
        warnings.append(f"fee data is stale: served from cache, fetched at {as_of.isoformat()}")
    return _result(
        estimate,
        warnings,
        stale=live.stale,
        native_usd=native_usd,
        price_source=price_source,
        as_of=as_of.isoformat(),
    )


def _symbols() -> str:
    return ", ".join(dict.fromkeys(c.native_symbol for c in FEE_CHAINS))


def _rollups() -> str:
    return names(tuple(c for c in FEE_CHAINS if c.fees is not None and c.fees.notes))


DESCRIPTION = f"""Current network (gas / miner) fee for one transaction, at slow / standard / fast speed.

Use it when a user asks what sending, a token transfer or a swap costs on a chain right now.
`chain`: {names(FEE_CHAINS)}
(or an alias such as btc, eth, bnb, matic, arb, op, avax, sol, or an EVM chain id).
`tx_type`: transfer (default), erc20_transfer, swap, or an explicit size as a number. Sizes assumed:
EVM {", ".join(f"{k} {v:,} gas" for k, v in EVM_GAS_UNITS.items())}; bitcoin transfer
{P2WPKH_TRANSFER_VBYTES} vB (1-in 2-out segwit); solana compute-unit limits
{", ".join(f"{k} {v:,}" for k, v in SOLANA_COMPUTE_UNITS.items())}.
Each tier gives `fee_rate` in `unit` (sat/vB, gwei, micro-lamports/CU), `fee_native` in the
chain's coin ({_symbols()}), `fee_usd` (null when the coin's price is unavailable) and
`est_seconds`; EVM answers also give `base_fee` (gwei) and per-tier `priority_fee`/`max_fee_per_gas`.
Sources: mempool.space; Etherscan gas oracle (with AGENT_TOOLS_ETHERSCAN_API_KEY, on the chains it
covers), else the chain's RPC eth_feeHistory, else eth_gasPrice; Solana getRecentPrioritizationFees.
USD via the get_price sources. On rollups ({_rollups()}) only execution gas is
counted, not the L1 data fee. Offline or when every source fails, a bundled daily average answers
with `source: "snapshot"`, `stale: true`, its date in `as_of` and its age in `warnings` (it covers
only {", ".join(load_fee_snapshot().chains)}); solana answers with its protocol minimum
(`source: "protocol-minimum"`: slow = the base fee, standard and fast null); other chains answer
with the sources' error (all rate limited: UPSTREAM_RATE_LIMITED with `retry_after_s`)."""


TOOL = ToolSpec(estimate_network_fee, title="Estimate network fees", description=DESCRIPTION, open_world=True)
