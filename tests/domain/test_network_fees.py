"""Network fee maths on hand-computed fee data (the decoded form of recorded upstream bodies)."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from agent_tools.domain.chains import BY_NAME, CHAINS, FEE_CHAINS, resolve_chain
from agent_tools.domain.network_fees import (
    EVM_GAS_UNITS,
    P2WPKH_TRANSFER_VBYTES,
    FeeHistory,
    FeeSnapshot,
    GasPrice,
    GasPriceSnapshot,
    MempoolRates,
    OracleGasPrices,
    PriorityFees,
    bitcoin_fee_estimate,
    estimate_fee,
    estimate_from_snapshot,
    evm_estimate_from_fee_history,
    evm_estimate_from_gas_oracle,
    evm_estimate_from_gas_price,
    fee_history_params,
    fee_profile,
    load_fee_snapshot,
    resolve_tx_size,
    snapshot_native_usd,
    solana_fee_estimate,
    solana_minimum_estimate,
)

GWEI = 10**9
ETH = BY_NAME["ethereum"]

# upstream-apis.md §6.2 as recorded (tests/fakes/chain.py FEE_HISTORY_RECORDED), decoded:
# 4 blocks, requested with two reward percentiles.
FEE_HISTORY_EXAMPLE = FeeHistory(
    base_fees_wei=(0x52D80A82C, 0x50F43F659, 0x50012DE8D, 0x4E30357D6, 0x57EFFF9E7),
    rewards_wei=(
        (0x5041E1E, 0xDD221B80),
        (0x5041E1E, 0xB8346DF0),
        (0x55D4A80, 0xB2D05E00),
        (0x4DD9818, 0x3B9ACA00),
    ),
)

# Requested with [10, 50, 90]: 2 blocks, base fees 20, 20, then 25 gwei next.
FEE_HISTORY_3 = FeeHistory(
    base_fees_wei=(20 * GWEI, 20 * GWEI, 25 * GWEI),
    rewards_wei=(
        (1 * GWEI, 2 * GWEI, 3 * GWEI),
        (GWEI // 10, 1 * GWEI, 5 * GWEI),
    ),
)

# The Etherscan V2 docs example ("0.496839934" ... as decimal strings), decoded.
ETHERSCAN_V2_EXAMPLE = OracleGasPrices(
    safe_gwei=Decimal("0.496839934"),
    propose_gwei=Decimal("0.496840168"),
    fast_gwei=Decimal("0.55411917"),
    base_fee_gwei=Decimal("0.496839934"),
)


def rates(fastest: str, half_hour: str, hour: str) -> MempoolRates:
    return MempoolRates(next_block=Decimal(fastest), half_hour=Decimal(half_hour), hour=Decimal(hour))


# --- registry and tx sizes ----------------------------------------------------------------


def test_fee_chains_of_the_registry() -> None:
    covered = {c.name for c in FEE_CHAINS}
    assert covered >= {"bitcoin", "solana", *(c.name for c in CHAINS if c.family == "evm")}
    assert BY_NAME["polygon"].native_coingecko_id == "polygon-ecosystem-token"
    assert BY_NAME["polygon"].native_symbol == "POL"
    assert {BY_NAME[c].native_coingecko_id for c in ("arbitrum", "optimism", "base")} == {"ethereum"}
    assert fee_profile(BY_NAME["bitcoin"]).fee_unit == "sat/vB"
    assert fee_profile(BY_NAME["solana"]).fee_unit == "micro-lamports/CU"
    evm = [c for c in FEE_CHAINS if c.family == "evm"]
    assert all(fee_profile(c).fee_unit == "gwei" and c.chain_id and c.default_rpc for c in evm)
    oracle = {c.name for c in FEE_CHAINS if fee_profile(c).etherscan_gas_oracle}
    assert oracle == {"ethereum", "bsc", "polygon"}
    rollups = {c.name for c in FEE_CHAINS if any("L1 fee" in n for n in fee_profile(c).notes)}
    assert rollups == {"arbitrum", "optimism", "base", "linea", "zksync"}


def test_a_chain_without_a_fee_profile_has_no_estimate() -> None:
    bare = replace(BY_NAME["cronos"], fees=None)
    with pytest.raises(ValueError, match="no network-fee estimate for cronos"):
        evm_estimate_from_gas_price(bare, GWEI)
    with pytest.raises(ValueError, match="no network-fee estimate for cronos"):
        estimate_from_snapshot(bare)


def test_p2wpkh_size_from_standard_weights() -> None:
    assert math.ceil(10.5 + 68 + 2 * 31) == P2WPKH_TRANSFER_VBYTES == 141


@pytest.mark.parametrize(
    ("chain", "tx_type", "expected"),
    [
        ("ethereum", "transfer", ("transfer", 21_000)),
        ("bsc", "ERC20_transfer", ("erc20_transfer", 65_000)),
        ("base", "swap", ("swap", EVM_GAS_UNITS["swap"])),
        ("ethereum", "50000", ("custom", 50_000)),
        ("ethereum", 90_000, ("custom", 90_000)),
        ("bitcoin", "transfer", ("transfer", 141)),
        ("bitcoin", 250, ("custom", 250)),
        ("solana", "transfer", ("transfer", 6_000)),
        ("solana", "1400000", ("custom", 1_400_000)),
    ],
)
def test_tx_sizes(chain: str, tx_type: str | int, expected: tuple[str, int]) -> None:
    assert resolve_tx_size(BY_NAME[chain], tx_type) == expected


@pytest.mark.parametrize(
    ("chain", "tx_type", "message"),
    [
        ("ethereum", "mint", "unknown tx_type 'mint'"),
        ("ethereum", 20_999, "gas units on ethereum: must be 21,000"),
        ("bitcoin", "swap", "does not exist on bitcoin"),
        ("bitcoin", "0", "vbytes on bitcoin"),
        ("solana", 1_400_001, "compute units on solana"),
    ],
)
def test_bad_tx_type(chain: str, tx_type: str | int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_tx_size(BY_NAME[chain], tx_type)


# --- Bitcoin --------------------------------------------------------------------------------


def test_bitcoin_tiers_hand_computed() -> None:
    est = bitcoin_fee_estimate(rates("20", "10", "5"), native_usd=50_000)
    assert est.vbytes == 141
    # 141 vB × 10 sat/vB = 1,410 sat = 0.0000141 BTC = $0.705 at $50,000
    assert est.standard.fee_rate == 10
    assert est.standard.unit == "sat/vB"
    assert est.standard.fee_smallest_unit == 1_410
    assert est.standard.fee_native == 0.0000141
    assert est.standard.fee_usd == 0.705
    assert (est.slow.fee_smallest_unit, est.fast.fee_smallest_unit) == (705, 2_820)
    assert (est.fast.est_seconds, est.standard.est_seconds, est.slow.est_seconds) == (600, 1800, 3600)
    assert est.base_fee is None


def test_bitcoin_precise_rates_round_up_to_whole_sats_and_no_price() -> None:
    est = bitcoin_fee_estimate(rates("1.2", "0.575", "0.5"), tx_type=200)
    assert est.standard.fee_smallest_unit == 115  # 0.575 × 200 = 115 exactly
    assert est.fast.fee_smallest_unit == 240
    assert bitcoin_fee_estimate(rates("1", "0.575", "1")).standard.fee_smallest_unit == 82
    assert est.standard.fee_usd is None


# --- EVM ------------------------------------------------------------------------------------


def test_gas_price_fallback_21000_at_20_gwei() -> None:
    est = evm_estimate_from_gas_price(resolve_chain("eth"), 20 * GWEI, native_usd=2_000)
    # 21,000 gas × 20 gwei = 420,000 gwei = 0.00042 ETH = $0.84
    for tier in (est.slow, est.standard, est.fast):
        assert tier.fee_rate == 20
        assert tier.unit == "gwei"
        assert tier.fee_smallest_unit == 420_000_000_000_000
        assert tier.fee_native == 0.00042
        assert tier.fee_usd == 0.84
        assert tier.priority_fee is None
    assert est.base_fee is None
    assert est.source == "eth_gasPrice"
    assert any("no slow/fast distinction" in n for n in est.notes)
    assert (est.fast.est_seconds, est.standard.est_seconds, est.slow.est_seconds) == (12, 36, 72)


def test_fee_history_example_body() -> None:
    history = FEE_HISTORY_EXAMPLE
    assert history.next_base_fee_wei == 0x57EFFF9E7 == 23_605_541_351
    # column 0 sorted: 81,631,256  84,155,934  84,155,934  90,000,000 → median 84,155,934
    # column 1 sorted: 1.0e9  3.0e9  3,090,443,760  3.71e9 → (3,000,000,000 + 3,090,443,760) / 2
    assert history.median_rewards_wei() == (84_155_934, 3_045_221_880)


def test_fee_history_needs_three_percentiles() -> None:
    with pytest.raises(ValueError, match=r"expected 3 reward percentiles \[10, 50, 90\], got 2"):
        evm_estimate_from_fee_history(ETH, FEE_HISTORY_EXAMPLE)


def test_fee_history_params() -> None:
    assert fee_history_params() == ["0x14", "latest", [10, 50, 90]]


def test_fee_history_tiers_hand_computed() -> None:
    est = evm_estimate_from_fee_history(ETH, FEE_HISTORY_3, native_usd=2_000)
    assert est.base_fee == 25  # the last baseFeePerGas entry, i.e. the next block
    # tips: median(1, 0.1) = 0.55, median(2, 1) = 1.5, median(3, 5) = 4 gwei
    assert [t.priority_fee for t in (est.slow, est.standard, est.fast)] == [0.55, 1.5, 4]
    assert [t.fee_rate for t in (est.slow, est.standard, est.fast)] == [25.55, 26.5, 29]
    assert [t.max_fee_per_gas for t in (est.slow, est.standard, est.fast)] == [50.55, 51.5, 54]
    # 21,000 × 26.5 gwei = 556,500 gwei = 0.0005565 ETH = $1.113
    assert est.standard.fee_smallest_unit == 556_500_000_000_000
    assert est.standard.fee_native == 0.0005565
    assert est.standard.fee_usd == 1.113
    assert est.gas_units == 21_000


def test_rollup_note_and_other_native_units() -> None:
    est = evm_estimate_from_fee_history(BY_NAME["base"], FEE_HISTORY_3, tx_type="swap")
    assert est.native_symbol == "ETH"
    assert any("L1 fee" in n for n in est.notes)
    bsc = evm_estimate_from_gas_price(resolve_chain("bnb"), GWEI, tx_type="erc20_transfer")
    assert bsc.native_symbol == "BNB"
    assert bsc.standard.fee_native == 0.000065  # 65,000 gas × 1 gwei
    assert bsc.standard.est_seconds == 9


def test_etherscan_sub_gwei_strings() -> None:
    est = evm_estimate_from_gas_oracle(ETH, ETHERSCAN_V2_EXAMPLE)
    assert est.source == "etherscan"
    assert est.base_fee == 0.49683993
    assert est.standard.fee_rate == 0.49684017
    # 21,000 × 496,840,168 wei = 10,433,643,528,000 wei
    assert est.standard.fee_smallest_unit == 10_433_643_528_000
    assert est.standard.fee_native == 0.000010433644
    assert est.slow.priority_fee == 0
    assert est.standard.priority_fee == 2.34e-7  # 234 wei: tiny, but not rounded to zero
    # fast: tip = 554,119,170 − 496,839,934 = 57,279,236 wei; cap = 2 × base + tip
    assert est.fast.priority_fee == 0.057279236
    assert est.fast.max_fee_per_gas == 1.0509591
    assert est.fast.fee_usd is None


def test_etherscan_classic_example_and_missing_base_fee() -> None:
    prices = OracleGasPrices(safe_gwei=Decimal(20), propose_gwei=Decimal(22), fast_gwei=Decimal(24))
    est = evm_estimate_from_gas_oracle(BY_NAME["polygon"], prices, native_usd=0.5)
    assert [t.fee_rate for t in (est.slow, est.standard, est.fast)] == [20, 22, 24]
    assert est.standard.fee_native == 0.000462  # 21,000 × 22 gwei, in POL
    assert est.standard.fee_usd == 0.000231
    assert est.base_fee is None
    assert est.standard.priority_fee is None


def test_evm_functions_reject_non_evm_chain_and_bad_price() -> None:
    with pytest.raises(ValueError, match="solana is not an EVM chain"):
        evm_estimate_from_gas_price(BY_NAME["solana"], 1)
    with pytest.raises(ValueError, match="native_usd must be a finite number"):
        evm_estimate_from_gas_price(ETH, 1, native_usd=math.nan)


# --- Solana ---------------------------------------------------------------------------------

SOLANA_FEES = (5_000, 0, 300, 0, 10_000, 100, 1_000, 0, 200, 500)


def test_solana_percentiles_hand_computed() -> None:
    # sorted: 0 0 0 100 200 300 500 1000 5000 10000; nearest rank: p10 → #1, p50 → #5, p90 → #9
    est = solana_fee_estimate(SOLANA_FEES, native_usd=100)
    assert [t.fee_rate for t in (est.slow, est.standard, est.fast)] == [0, 200, 5_000]
    assert est.compute_units == 6_000
    assert est.base_fee_lamports == 5_000
    # 5,000 + ⌈200 × 6,000 / 10⁶⌉ = 5,000 + ⌈1.2⌉ = 5,002 lamports
    assert est.standard.fee_smallest_unit == 5_002
    assert est.slow.fee_smallest_unit == 5_000
    assert est.fast.fee_smallest_unit == 5_030
    assert est.fast.fee_native == 0.00000503
    assert est.fast.fee_usd == 0.000503
    assert est.standard.unit == "micro-lamports/CU"


def test_solana_swap_and_signatures() -> None:
    est = solana_fee_estimate(SOLANA_FEES, tx_type="swap", signatures=2)
    # 2 × 5,000 + 5,000 × 400,000 / 10⁶ = 12,000 lamports
    assert est.fast.fee_smallest_unit == 12_000
    assert est.base_fee_lamports == 10_000


def test_solana_needs_samples() -> None:
    with pytest.raises(ValueError, match="no recent Solana fee samples"):
        solana_fee_estimate([])


# --- any chain ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chain", "inputs", "source"),
    [
        ("bitcoin", rates("12", "8", "5"), "mempool.space"),
        ("ethereum", FEE_HISTORY_3, "eth_feeHistory"),
        ("polygon", ETHERSCAN_V2_EXAMPLE, "etherscan"),
        ("cronos", GasPrice(GWEI), "eth_gasPrice"),
        ("solana", PriorityFees(SOLANA_FEES), "getRecentPrioritizationFees"),
    ],
)
def test_estimate_fee_takes_whichever_data_a_source_gave(
    chain: str, inputs: MempoolRates | FeeHistory | OracleGasPrices | GasPrice | PriorityFees, source: str
) -> None:
    est = estimate_fee(BY_NAME[chain], inputs, tx_type="transfer", native_usd=10.0)
    assert (est.chain, est.source) == (chain, source)
    assert est.standard.fee_usd is not None


# --- snapshot -------------------------------------------------------------------------------


def test_bundled_snapshot_loads_and_converts() -> None:
    snapshot = load_fee_snapshot()
    assert set(snapshot.chains) == {"bitcoin", "ethereum"}
    eth = estimate_from_snapshot(resolve_chain("eth"))
    assert eth is not None
    assert eth.source == "snapshot"
    assert eth.as_of == snapshot.chains["ethereum"].as_of.isoformat()
    assert eth.slow == eth.standard == eth.fast
    assert eth.standard.fee_usd is not None
    btc = estimate_from_snapshot(BY_NAME["bitcoin"])
    assert btc is not None
    assert btc.standard.fee_usd is not None
    assert btc.standard.fee_rate is None
    assert any("whatever their size" in n for n in btc.notes)
    assert estimate_from_snapshot(BY_NAME["solana"]) is None


def test_snapshot_states_the_price_its_usd_figure_used() -> None:
    eth = estimate_from_snapshot(BY_NAME["ethereum"])
    price = snapshot_native_usd(BY_NAME["ethereum"])
    assert eth is not None and eth.standard.fee_native is not None and price is not None
    assert eth.standard.fee_usd == pytest.approx(eth.standard.fee_native * price, rel=1e-5)
    assert snapshot_native_usd(BY_NAME["bitcoin"]) is None  # USD per transaction: no coin price used
    assert snapshot_native_usd(BY_NAME["solana"]) is None  # not in the snapshot


def test_solana_minimum_is_the_base_fee_per_signature_and_nothing_more() -> None:
    two = solana_minimum_estimate(tx_type="swap", native_usd=150.0, signatures=2)
    assert (two.source, two.as_of, two.compute_units, two.base_fee_lamports) == (
        "protocol-minimum",
        None,
        400_000,
        10_000,
    )
    assert (two.slow.fee_rate, two.slow.fee_smallest_unit, two.slow.fee_native) == (0.0, 10_000, 1e-05)
    assert two.slow.fee_usd == 0.0015  # 0.00001 SOL x $150
    assert two.standard.fee_smallest_unit is None and two.fast.fee_usd is None and two.fast.fee_rate is None
    assert solana_minimum_estimate().slow.fee_usd is None  # no price: unknown, not zero
    with pytest.raises(ValueError, match="native_usd"):
        solana_minimum_estimate(native_usd=float("nan"))
    with pytest.raises(ValueError, match="signatures"):
        solana_minimum_estimate(signatures=0)


def test_snapshot_conversion_hand_computed() -> None:
    snapshot = FeeSnapshot(
        generated_by="test",
        chains={
            "ethereum": GasPriceSnapshot(
                kind="avg_gas_price",
                as_of=date(2026, 1, 2),
                source="x.csv",
                gas_price_gwei=20,
                native_usd=2_000,
            )
        },
    )
    est = estimate_from_snapshot(resolve_chain("1"), snapshot=snapshot)
    assert est is not None
    assert est.as_of == "2026-01-02"
    assert est.standard.fee_native == 0.00042
    assert est.standard.fee_usd == 0.84
    assert any("daily average" in n for n in est.notes)
    erc20 = estimate_from_snapshot(ETH, tx_type="erc20_transfer", snapshot=snapshot)
    assert erc20 is not None
    assert erc20.fast.fee_native == 0.0013
    with pytest.raises(ValueError, match="does not exist on bitcoin"):
        estimate_from_snapshot(resolve_chain("btc"), tx_type="swap", snapshot=snapshot)
