"""Network (gas / miner) fee estimates from already-decoded fee data; no I/O here.

Each ``*_estimate*`` function takes the domain-owned input its source adapter decodes
(sources/network_fees.py: mempool rates, an ``eth_feeHistory`` in wei, gas-oracle prices in
gwei, one gas price in wei, Solana priority-fee samples) and returns a
:class:`NetworkFeeEstimate` with slow / standard / fast tiers. Amounts are computed in the
chain's smallest unit (sat, wei, lamport) as integers and only then converted to floats.
Chains and their fee profiles come from the one chain registry (domain/chains.py).

A ``ValueError`` means bad caller input (a chain without fees, bad ``tx_type``, bad price →
INVALID_ARGUMENT) or an input the maths cannot use (no fee samples, a fee history with
another number of percentiles than :func:`fee_history_params` asks for).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from agent_tools.domain.chains import BY_NAME, Chain, FeeProfile

TierName = Literal["slow", "standard", "fast"]
TIERS: tuple[TierName, ...] = ("slow", "standard", "fast")

TIER_BLOCKS: Mapping[TierName, int] = {"slow": 6, "standard": 3, "fast": 1}
"""Rough blocks-to-inclusion per tier, times the chain's block time. For Bitcoin this gives
mempool.space's own targets (next block, ~30 min, ~60 min); elsewhere it is only indicative."""

TIER_PERCENTILES: tuple[int, int, int] = (10, 50, 90)
"""Percentiles of recent priority fees mapped to slow / standard / fast (EVM tips requested
from ``eth_feeHistory``; Solana prioritization fees)."""
FEE_HISTORY_BLOCK_COUNT = 20
"""Blocks of history: enough for a stable median, short enough to follow a fee spike."""

TX_TYPES = ("transfer", "erc20_transfer", "swap")

EVM_GAS_UNITS: Mapping[str, int] = {"transfer": 21_000, "erc20_transfer": 65_000, "swap": 180_000}
"""21,000 is the protocol's fixed cost of a plain value transfer. 65,000 covers an ERC-20
``transfer`` to an address that does not yet hold the token (to an existing holder it is
~35-52k; USDT ~63k). Swaps vary with the route: a single-hop Uniswap V2/V3 swap uses roughly
150-200k gas; 180,000 is taken as a typical router swap."""
EVM_MIN_GAS = 21_000
MAX_GAS_UNITS = 100_000_000
"""Sanity bound for an explicit gas number, above any chain's block gas limit."""

P2WPKH_TRANSFER_VBYTES = 141
"""1-input, 2-output (payment + change) native-segwit P2WPKH transaction: 10.5 vB overhead
(version, locktime, counts, segwit marker/flag at 1/4 weight) + 68 vB per input (41 bytes
outpoint/sequence + ~107 weight units of witness) + 31 vB per output = 140.5, rounded up
because fees are paid on whole vbytes."""
MAX_STANDARD_VBYTES = 100_000
"""Bitcoin Core's standardness limit: 400,000 weight units = 100,000 vB."""

SOLANA_BASE_FEE_LAMPORTS = 5_000
"""Protocol base fee per signature."""
SOLANA_COMPUTE_UNITS: Mapping[str, int] = {"transfer": 6_000, "erc20_transfer": 203_000, "swap": 400_000}
"""Compute-unit *limit* the priority fee is charged on (the requested limit, not the CUs used).
With no SetComputeUnitLimit instruction the runtime default is 3,000 CU per builtin
instruction (SIMD-0170) and 200,000 per program instruction: a SOL transfer (System +
SetComputeUnitPrice) gets 6,000; an SPL token transfer (Token program + SetComputeUnitPrice)
203,000. Aggregator swaps set their own limit from simulation, commonly 200-600k; 400,000 is
taken as typical."""
SOLANA_MAX_COMPUTE_UNITS = 1_400_000
"""Per-transaction compute-unit cap."""


def fee_profile(chain: Chain) -> FeeProfile:
    """The chain's fee facts; a chain without them has no network-fee estimate."""
    if chain.fees is None:
        raise ValueError(f"no network-fee estimate for {chain.name}")
    return chain.fees


def resolve_tx_size(chain: Chain, tx_type: str | int) -> tuple[str, int]:
    """``(tx_type label, size)``: gas units (EVM), vbytes (Bitcoin) or compute units (Solana).

    ``tx_type`` is one of :data:`TX_TYPES` or an explicit size (int or digit string), labelled
    ``"custom"``. Call it before any upstream request so bad input is refused early.
    """
    if isinstance(tx_type, str) and not tx_type.strip().isdigit():
        label = tx_type.strip().lower()
        if label not in TX_TYPES:
            raise ValueError(f"unknown tx_type {tx_type!r}; use one of {', '.join(TX_TYPES)} or a number")
        if chain.family == "evm":
            return label, EVM_GAS_UNITS[label]
        if chain.family == "solana":
            return label, SOLANA_COMPUTE_UNITS[label]
        if label != "transfer":
            raise ValueError(
                f"tx_type {label!r} does not exist on bitcoin (no tokens or swaps); "
                "use 'transfer' or a size in vbytes"
            )
        return label, P2WPKH_TRANSFER_VBYTES
    if isinstance(tx_type, bool):
        raise ValueError("tx_type must be a name or a number, got a boolean")
    size = int(tx_type)
    low, high, what = {
        "evm": (EVM_MIN_GAS, MAX_GAS_UNITS, "gas units"),
        "bitcoin": (1, MAX_STANDARD_VBYTES, "vbytes"),
        "solana": (1, SOLANA_MAX_COMPUTE_UNITS, "compute units"),
    }[chain.family]
    if not low <= size <= high:
        raise ValueError(
            f"tx_type as a number is {what} on {chain.name}: must be {low:,}..{high:,}, got {size:,}"
        )
    return "custom", size


class FeeTier(BaseModel):
    """Cost of one transaction at one speed."""

    fee_rate: float | None
    """Price per unit of size, in ``unit``; ``None`` when the source gives only a per-tx total."""
    unit: str
    fee_native: float | None
    """Whole transaction, in the native coin (BTC, ETH, BNB, POL, SOL)."""
    fee_smallest_unit: int | None
    """Same amount in the chain's smallest unit (sat, wei, lamport)."""
    fee_usd: float | None
    """``None`` when the native coin's price is unknown."""
    est_seconds: float
    """Rough time to inclusion (see :data:`TIER_BLOCKS`)."""
    priority_fee: float | None = None
    """EVM: tip per gas in gwei, when the source separates it from the base fee."""
    max_fee_per_gas: float | None = None
    """EVM EIP-1559 cap in gwei, ``2 × next base fee + tip``."""


class NetworkFeeEstimate(BaseModel):
    """Slow / standard / fast fee estimates for one transaction type on one chain."""

    chain: str
    tx_type: str
    gas_units: int | None = None
    vbytes: int | None = None
    compute_units: int | None = None
    slow: FeeTier
    standard: FeeTier
    fast: FeeTier
    base_fee: float | None = None
    """EVM: the next block's base fee per gas, in gwei."""
    base_fee_lamports: int | None = None
    """Solana: base fee for this transaction (5,000 lamports per signature), in every tier."""
    native_symbol: str
    smallest_unit: str
    source: str
    as_of: str | None = None
    stale: bool = False
    notes: list[str] = Field(default_factory=list[str])


def _sig(x: float, digits: int = 8) -> float:
    """Round to significant digits: drops float noise, keeps tiny fees non-zero."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def _check_price(native_usd: float | None) -> float | None:
    if native_usd is not None and not (math.isfinite(native_usd) and native_usd > 0):
        raise ValueError(f"native_usd must be a finite number > 0 or None, got {native_usd}")
    return native_usd


def _tier(
    fees: FeeProfile,
    tier: TierName,
    *,
    fee_rate: float | None,
    fee_smallest: int | None,
    native_usd: float | None,
    priority_fee: float | None = None,
    max_fee_per_gas: float | None = None,
) -> FeeTier:
    fee_native = None if fee_smallest is None else fee_smallest / 10**fees.decimals
    fee_usd = None if fee_native is None or native_usd is None else _sig(fee_native * native_usd, 6)
    return FeeTier(
        fee_rate=None if fee_rate is None else _sig(fee_rate),
        unit=fees.fee_unit,
        fee_native=None if fee_native is None else _sig(fee_native),
        fee_smallest_unit=fee_smallest,
        fee_usd=fee_usd,
        est_seconds=_sig(fees.block_time_s * TIER_BLOCKS[tier], 6),
        priority_fee=None if priority_fee is None else _sig(priority_fee),
        max_fee_per_gas=None if max_fee_per_gas is None else _sig(max_fee_per_gas),
    )


def _median_int(values: Sequence[int]) -> int:
    """Median, rounded down to a whole wei for an even count."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def _percentile(values: Sequence[int], pct: float) -> int:
    """Nearest-rank percentile: always a value that was actually observed."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _gwei(wei: int) -> float:
    return wei / 1e9


# --- Bitcoin -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MempoolRates:
    """mempool.space's recommended fee rates in sat/vB, by confirmation target."""

    next_block: Decimal  # fastestFee
    half_hour: Decimal  # halfHourFee
    hour: Decimal  # hourFee


def bitcoin_fee_estimate(
    rates: MempoolRates, *, tx_type: str | int = "transfer", native_usd: float | None = None
) -> NetworkFeeEstimate:
    """sat/vB × vbytes, from mempool.space ``/v1/fees/recommended`` (or ``/precise``).

    ``hourFee`` → slow, ``halfHourFee`` → standard, ``fastestFee`` → fast; ``economyFee`` and
    ``minimumFee`` are not used (older deployments omit ``economyFee``).
    """
    chain = BY_NAME["bitcoin"]
    fees = fee_profile(chain)
    label, vbytes = resolve_tx_size(chain, tx_type)
    price = _check_price(native_usd)
    by_tier: Mapping[TierName, Decimal] = {
        "slow": rates.hour,
        "standard": rates.half_hour,
        "fast": rates.next_block,
    }
    tiers: dict[TierName, FeeTier] = {}
    for tier, rate in by_tier.items():
        sats = math.ceil(rate * vbytes)  # fees are whole satoshis
        tiers[tier] = _tier(fees, tier, fee_rate=float(rate), fee_smallest=sats, native_usd=price)
    return NetworkFeeEstimate(
        chain=chain.name,
        tx_type=label,
        vbytes=vbytes,
        slow=tiers["slow"],
        standard=tiers["standard"],
        fast=tiers["fast"],
        native_symbol=chain.native_symbol,
        smallest_unit=fees.smallest_unit,
        source="mempool.space",
        notes=[
            f"fee = sat/vB × {vbytes} vB"
            + (" (1-input, 2-output P2WPKH; each extra input adds ~68 vB)" if label == "transfer" else ""),
            "Tiers: mempool.space hourFee, halfHourFee and fastestFee (next block).",
        ],
    )


# --- EVM -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeeHistory:
    """An ``eth_feeHistory`` answer in wei."""

    base_fees_wei: tuple[int, ...]
    """``blockCount + 1`` entries; the last is the next block's base fee."""
    rewards_wei: tuple[tuple[int, ...], ...]
    """One row per block, one tip per requested percentile."""

    @property
    def next_base_fee_wei(self) -> int:
        return self.base_fees_wei[-1]

    def median_rewards_wei(self) -> tuple[int, ...]:
        """Per percentile, the median over blocks: robust to one block of odd tips."""
        return tuple(_median_int(column) for column in zip(*self.rewards_wei, strict=True))


@dataclass(frozen=True, slots=True)
class OracleGasPrices:
    """A gas oracle's safe / propose / fast gas prices in gwei (base fee included), and its base fee."""

    safe_gwei: Decimal
    propose_gwei: Decimal
    fast_gwei: Decimal
    base_fee_gwei: Decimal | None = None


@dataclass(frozen=True, slots=True)
class GasPrice:
    """A node's one suggested (legacy) gas price."""

    wei: int


def fee_history_params() -> list[object]:
    """JSON-RPC ``params`` for the ``eth_feeHistory`` call that :func:`evm_estimate_from_fee_history` expects."""
    return [hex(FEE_HISTORY_BLOCK_COUNT), "latest", list(TIER_PERCENTILES)]


def _evm_estimate(
    chain: Chain,
    tx_type: str | int,
    native_usd: float | None,
    *,
    prices_wei: Mapping[TierName, int],
    base_fee_wei: int | None,
    source: str,
    notes: list[str],
) -> NetworkFeeEstimate:
    if chain.family != "evm":
        raise ValueError(f"{chain.name} is not an EVM chain")
    fees = fee_profile(chain)
    label, gas = resolve_tx_size(chain, tx_type)
    price = _check_price(native_usd)
    tiers: dict[TierName, FeeTier] = {}
    for tier in TIERS:
        wei = prices_wei[tier]
        tip = None if base_fee_wei is None else max(0, wei - base_fee_wei)
        tiers[tier] = _tier(
            fees,
            tier,
            fee_rate=_gwei(wei),
            fee_smallest=gas * wei,
            native_usd=price,
            priority_fee=None if tip is None else _gwei(tip),
            max_fee_per_gas=None if base_fee_wei is None or tip is None else _gwei(2 * base_fee_wei + tip),
        )
    return NetworkFeeEstimate(
        chain=chain.name,
        tx_type=label,
        gas_units=gas,
        slow=tiers["slow"],
        standard=tiers["standard"],
        fast=tiers["fast"],
        base_fee=None if base_fee_wei is None else _sig(_gwei(base_fee_wei)),
        native_symbol=chain.native_symbol,
        smallest_unit=fees.smallest_unit,
        source=source,
        notes=[f"fee = {gas:,} gas × gas price", *notes, *fees.notes],
    )


def evm_estimate_from_fee_history(
    chain: Chain,
    history: FeeHistory,
    *,
    tx_type: str | int = "transfer",
    native_usd: float | None = None,
) -> NetworkFeeEstimate:
    """EIP-1559 estimate from ``eth_feeHistory`` requested with :func:`fee_history_params`.

    Tip per tier = median over blocks of the 10th / 50th / 90th percentile tip. Expected gas
    price = next block's base fee + tip (what is actually paid); ``max_fee_per_gas`` =
    2 × next base fee + tip, the ethers.js rule, which still lands after six consecutive
    full blocks (+12.5 % each).
    """
    tips = history.median_rewards_wei()
    if len(tips) != len(TIER_PERCENTILES):
        raise ValueError(
            f"eth_feeHistory: expected {len(TIER_PERCENTILES)} reward percentiles "
            f"{list(TIER_PERCENTILES)}, got {len(tips)}"
        )
    base = history.next_base_fee_wei
    return _evm_estimate(
        chain,
        tx_type,
        native_usd,
        prices_wei={tier: base + tip for tier, tip in zip(TIERS, tips, strict=True)},
        base_fee_wei=base,
        source="eth_feeHistory",
        notes=[
            f"Gas price = next base fee + median tip of the last {len(history.rewards_wei)} blocks at the "
            f"{'/'.join(map(str, TIER_PERCENTILES))}th percentiles; max_fee_per_gas = 2 × base fee + tip."
        ],
    )


def _gwei_to_wei(gwei: Decimal) -> int:
    return int(gwei * 10**9)


def evm_estimate_from_gas_oracle(
    chain: Chain,
    prices: OracleGasPrices,
    *,
    tx_type: str | int = "transfer",
    native_usd: float | None = None,
) -> NetworkFeeEstimate:
    """From the Etherscan V2 gas oracle (gwei, possibly below 1).

    Safe → slow, Propose → standard, Fast → fast; these already include the base fee.
    ``suggestBaseFee``, when present, gives ``base_fee`` and splits out the tip.
    """
    base = prices.base_fee_gwei
    return _evm_estimate(
        chain,
        tx_type,
        native_usd,
        prices_wei={
            "slow": _gwei_to_wei(prices.safe_gwei),
            "standard": _gwei_to_wei(prices.propose_gwei),
            "fast": _gwei_to_wei(prices.fast_gwei),
        },
        base_fee_wei=None if base is None else _gwei_to_wei(base),
        source="etherscan",
        notes=["Tiers: Etherscan gas oracle SafeGasPrice, ProposeGasPrice, FastGasPrice."],
    )


def evm_estimate_from_gas_price(
    chain: Chain, gas_price_wei: int, *, tx_type: str | int = "transfer", native_usd: float | None = None
) -> NetworkFeeEstimate:
    """Fallback from ``eth_gasPrice`` (one value in wei): all three tiers are the same."""
    return _evm_estimate(
        chain,
        tx_type,
        native_usd,
        prices_wei={tier: gas_price_wei for tier in TIERS},
        base_fee_wei=None,
        source="eth_gasPrice",
        notes=["Only eth_gasPrice was available: one suggested gas price, no slow/fast distinction."],
    )


# --- Solana --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PriorityFees:
    """Recent Solana prioritization fees, micro-lamports per compute unit, one per slot."""

    micro_lamports: tuple[int, ...]


def solana_fee_estimate(
    samples: Sequence[int],
    *,
    tx_type: str | int = "transfer",
    native_usd: float | None = None,
    signatures: int = 1,
) -> NetworkFeeEstimate:
    """From ``getRecentPrioritizationFees`` samples (micro-lamports/CU, one per recent slot).

    Tier price = nearest-rank 10th / 50th / 90th percentile over the samples (idle slots
    report 0 and count). Fee = 5,000 lamports × signatures + ⌈price × CU limit / 10⁶⌉, the
    runtime's own rounding.
    """
    tx = _SolanaTx.of(tx_type, native_usd, signatures)
    if not samples:
        raise ValueError("no recent Solana fee samples to take percentiles of")
    tiers: dict[TierName, FeeTier] = {}
    for tier, pct in zip(TIERS, TIER_PERCENTILES, strict=True):
        micro = _percentile(samples, pct)
        lamports = tx.base + math.ceil(micro * tx.compute_units / 1_000_000)
        tiers[tier] = _tier(tx.fees, tier, fee_rate=micro, fee_smallest=lamports, native_usd=tx.price)
    return tx.estimate(
        tiers,
        source="getRecentPrioritizationFees",
        note=f"fee = {SOLANA_BASE_FEE_LAMPORTS:,} lamports × {signatures} signature(s) + priority price × "
        f"{tx.compute_units:,} CU limit; priority price = "
        f"{'/'.join(map(str, TIER_PERCENTILES))}th percentile of {len(samples)} recent slots.",
    )


def solana_minimum_estimate(
    *, tx_type: str | int = "transfer", native_usd: float | None = None, signatures: int = 1
) -> NetworkFeeEstimate:
    """Solana without fee data: the protocol's base fee, the least any transaction pays.

    5,000 lamports per signature with no priority fee is exact for `slow` (it lands when
    blocks have room); `standard` and `fast` depend on recent priority fees, which only a live
    RPC gives, so their amounts are None. Not dated data: ``as_of`` is None.
    """
    tx = _SolanaTx.of(tx_type, native_usd, signatures)
    unknown: dict[TierName, FeeTier] = {  # standard, fast
        t: _tier(tx.fees, t, fee_rate=None, fee_smallest=None, native_usd=None) for t in TIERS[1:]
    }
    tiers: dict[TierName, FeeTier] = {
        "slow": _tier(tx.fees, "slow", fee_rate=0.0, fee_smallest=tx.base, native_usd=tx.price),
        **unknown,
    }
    return tx.estimate(
        tiers,
        source="protocol-minimum",
        note=f"slow = the base fee, {SOLANA_BASE_FEE_LAMPORTS:,} lamports × {signatures} signature(s), with no "
        "priority fee: the protocol minimum, which lands only when blocks have room. standard and fast "
        "need recent priority fees (getRecentPrioritizationFees) and are null.",
    )


@dataclass(frozen=True)
class _SolanaTx:
    """One Solana transaction's checked inputs: its size, the coin's price and its base fee."""

    chain: Chain
    fees: FeeProfile
    label: str
    compute_units: int
    price: float | None
    base: int  # lamports: 5,000 per signature

    @classmethod
    def of(cls, tx_type: str | int, native_usd: float | None, signatures: int) -> _SolanaTx:
        chain = BY_NAME["solana"]
        label, compute_units = resolve_tx_size(chain, tx_type)
        price = _check_price(native_usd)
        if not 1 <= signatures <= 127:
            raise ValueError(f"signatures must be 1..127, got {signatures}")
        return cls(
            chain, fee_profile(chain), label, compute_units, price, SOLANA_BASE_FEE_LAMPORTS * signatures
        )

    def estimate(self, tiers: Mapping[TierName, FeeTier], *, source: str, note: str) -> NetworkFeeEstimate:
        return NetworkFeeEstimate(
            chain=self.chain.name,
            tx_type=self.label,
            compute_units=self.compute_units,
            slow=tiers["slow"],
            standard=tiers["standard"],
            fast=tiers["fast"],
            base_fee_lamports=self.base,
            native_symbol=self.chain.native_symbol,
            smallest_unit=self.fees.smallest_unit,
            source=source,
            notes=[note],
        )


# --- Any chain -----------------------------------------------------------------------------

FeeInputs = MempoolRates | FeeHistory | OracleGasPrices | GasPrice | PriorityFees
"""What a fee source gives, in domain terms (sources/network_fees.py decodes each)."""


def estimate_fee(
    chain: Chain, inputs: FeeInputs, *, tx_type: str | int = "transfer", native_usd: float | None = None
) -> NetworkFeeEstimate:
    """The estimate for whichever fee data a source gave; mempool rates are Bitcoin's, priority fees Solana's."""
    match inputs:
        case MempoolRates():
            return bitcoin_fee_estimate(inputs, tx_type=tx_type, native_usd=native_usd)
        case FeeHistory():
            return evm_estimate_from_fee_history(chain, inputs, tx_type=tx_type, native_usd=native_usd)
        case OracleGasPrices():
            return evm_estimate_from_gas_oracle(chain, inputs, tx_type=tx_type, native_usd=native_usd)
        case GasPrice():
            return evm_estimate_from_gas_price(chain, inputs.wei, tx_type=tx_type, native_usd=native_usd)
        case PriorityFees():
            return solana_fee_estimate(inputs.micro_lamports, tx_type=tx_type, native_usd=native_usd)


# --- Offline snapshot ----------------------------------------------------------------------


class GasPriceSnapshot(BaseModel):
    """A day's average gas price actually paid (EVM)."""

    kind: Literal["avg_gas_price"]
    as_of: date
    source: str
    gas_price_gwei: float
    native_usd: float | None


class FeePerTxSnapshot(BaseModel):
    """A day's average fee per transaction, whatever the transaction's size."""

    kind: Literal["avg_fee_per_tx"]
    as_of: date
    source: str
    fee_usd: float | None
    fee_native: float | None


SnapshotEntry = Annotated[GasPriceSnapshot | FeePerTxSnapshot, Field(discriminator="kind")]


class FeeSnapshot(BaseModel):
    """Bundled ``agent_tools/snapshot/network_fees.json``, built by scripts/build_network_fee_snapshot.py."""

    generated_by: str
    chains: dict[str, SnapshotEntry]


@cache
def load_fee_snapshot() -> FeeSnapshot:
    """The bundled offline fee snapshot (parsed once)."""
    text = resources.files("agent_tools.snapshot").joinpath("network_fees.json").read_text(encoding="utf-8")
    return FeeSnapshot.model_validate(json.loads(text))


def snapshot_native_usd(chain: Chain, snapshot: FeeSnapshot | None = None) -> float | None:
    """The coin price a snapshot estimate's USD figure was computed with, or None.

    A gas-price entry carries that day's price and `estimate_from_snapshot` multiplies by it; a
    fee-per-transaction entry is already in USD at a price the data does not give.
    """
    entry = (snapshot or load_fee_snapshot()).chains.get(chain.name)
    return entry.native_usd if isinstance(entry, GasPriceSnapshot) else None


def estimate_from_snapshot(
    chain: Chain, *, tx_type: str | int = "transfer", snapshot: FeeSnapshot | None = None
) -> NetworkFeeEstimate | None:
    """Offline estimate with all tiers equal, or ``None`` when the snapshot has no data for ``chain``.

    ``source`` is ``"snapshot"`` and ``as_of`` the data's date; marking it ``stale`` is left to
    the caller, which knows whether it is serving offline or after an upstream failure.
    """
    fees = fee_profile(chain)
    label, size = resolve_tx_size(chain, tx_type)
    entry = (snapshot or load_fee_snapshot()).chains.get(chain.name)
    if entry is None:
        return None
    if isinstance(entry, GasPriceSnapshot):
        wei = round(Decimal(str(entry.gas_price_gwei)) * 10**9)
        tier = _tier(
            fees,
            "standard",
            fee_rate=entry.gas_price_gwei,
            fee_smallest=size * wei,
            native_usd=entry.native_usd,
        )
        gas_units: int | None = size
        notes = [
            f"fee = {size:,} gas × the average gas price paid on {entry.as_of} "
            "(a daily average, not a live quote; all tiers equal).",
        ]
    else:
        fee_smallest = None if entry.fee_native is None else round(entry.fee_native * 10**fees.decimals)
        tier = _tier(fees, "standard", fee_rate=None, fee_smallest=fee_smallest, native_usd=None)
        tier = FeeTier.model_validate({**tier.model_dump(), "fee_usd": entry.fee_usd})
        gas_units = None
        notes = [
            f"Average fee per transaction over all transactions on {entry.as_of}, whatever their size; "
            f"not scaled to tx_type {label!r} (a daily average, not a live quote; all tiers equal).",
        ]
        if entry.fee_native is None:
            notes.append(
                f"The data gives this fee in USD only (at that day's price), no {chain.native_symbol} amount."
            )
    return NetworkFeeEstimate(
        chain=chain.name,
        tx_type=label,
        gas_units=gas_units,
        slow=tier,
        standard=tier,
        fast=tier,
        native_symbol=chain.native_symbol,
        smallest_unit=fees.smallest_unit,
        source="snapshot",
        as_of=entry.as_of.isoformat(),
        notes=[*notes, f"Source: {entry.source}.", *fees.notes],
    )
