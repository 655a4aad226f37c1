"""Network fee maths on hand-computed upstream payloads."""

from __future__ import annotations

import math
from datetime import date

import pytest

from agent_tools.domain.network_fees import (
    CHAINS,
    EVM_GAS_UNITS,
    P2WPKH_TRANSFER_VBYTES,
    FeeSnapshot,
    GasPriceSnapshot,
    UpstreamDataError,
    bitcoin_fee_estimate,
    estimate_from_snapshot,
    evm_estimate_from_fee_history,
    evm_estimate_from_gas_oracle,
    evm_estimate_from_gas_price,
    fee_history_params,
    load_fee_snapshot,
    parse_fee_history,
    resolve_chain,
    resolve_tx_size,
    solana_fee_estimate,
    solana_minimum_estimate,
)
from tests.fakes.chain import FEE_HISTORY_RECORDED

FEE_HISTORY_EXAMPLE = FEE_HISTORY_RECORDED  # upstream-apis.md §6.2, requested with two reward percentiles

# Same shape, requested with [10, 50, 90]: 2 blocks, base fees 20, 20, then 25 gwei next.
FEE_HISTORY_3: dict[str, object] = {
    "oldestBlock": "0x10",
    "baseFeePerGas": ["0x4a817c800", "0x4a817c800", "0x5d21dba00"],
    "reward": [
        ["0x3b9aca00", "0x77359400", "0xb2d05e00"],  # 1, 2, 3 gwei
        ["0x5f5e100", "0x3b9aca00", "0x12a05f200"],  # 0.1, 1, 5 gwei
    ],
    "gasUsedRatio": [0.5, 0.6],
}

ETHERSCAN_V2_EXAMPLE = {
    "LastBlock": "23467872",
    "SafeGasPrice": "0.496839934",
    "ProposeGasPrice": "0.496840168",
    "FastGasPrice": "0.55411917",
    "suggestBaseFee": "0.496839934",
    "gasUsedRatio": "0.405942555555556,0.5",
}


# --- registry and tx sizes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("eth", "ethereum"),
        ("ETH", "ethereum"),
        (" Ethereum ", "ethereum"),
        ("btc", "bitcoin"),
        ("bnb", "bsc"),
        ("binance", "bsc"),
        ("matic", "polygon"),
        ("arb", "arbitrum"),
        ("op", "optimism"),
        ("sol", "solana"),
        ("base", "base"),
        ("1", "ethereum"),
        ("56", "bsc"),
        ("137", "polygon"),
        ("42161", "arbitrum"),
        ("10", "optimism"),
        ("8453", "base"),
    ],
)
def test_chain_aliases(alias: str, canonical: str) -> None:
    assert resolve_chain(alias).name == canonical


def test_unknown_chain_lists_supported() -> None:
    with pytest.raises(ValueError, match=r"unsupported chain 'dogecoin'; supported: bitcoin, ethereum, bsc"):
        resolve_chain("dogecoin")


def test_registry_facts() -> None:
    assert resolve_chain("polygon").coingecko_id == "polygon-ecosystem-token"
    assert resolve_chain("polygon").native_symbol == "POL"
    assert {CHAINS[c].coingecko_id for c in ("arbitrum", "optimism", "base")} == {"ethereum"}
    assert resolve_chain("bitcoin").fee_unit == "sat/vB"
    assert resolve_chain("solana").fee_unit == "micro-lamports/CU"
    assert all(c.fee_unit == "gwei" and c.chain_id for c in CHAINS.values() if c.family == "evm")


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
    assert resolve_tx_size(resolve_chain(chain), tx_type) == expected


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
        resolve_tx_size(resolve_chain(chain), tx_type)


# --- Bitcoin --------------------------------------------------------------------------------


def test_bitcoin_tiers_hand_computed() -> None:
    est = bitcoin_fee_estimate(
        {"fastestFee": 20, "halfHourFee": 10, "hourFee": 5, "minimumFee": 1}, native_usd=50_000
    )
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
    est = bitcoin_fee_estimate({"fastestFee": 1.2, "halfHourFee": 0.575, "hourFee": 0.5}, tx_type=200)
    assert est.standard.fee_smallest_unit == 115  # 0.575 × 200 = 115 exactly
    assert est.fast.fee_smallest_unit == 240
    assert (
        bitcoin_fee_estimate({"fastestFee": 1, "halfHourFee": 0.575, "hourFee": 1}).standard.fee_smallest_unit
        == 82
    )
    assert est.standard.fee_usd is None


@pytest.mark.parametrize(
    "body",
    [
        {"fastestFee": 2, "hourFee": 1},
        {"fastestFee": 2, "halfHourFee": "fast", "hourFee": 1},
        {"fastestFee": 2, "halfHourFee": -1, "hourFee": 1},
        {"fastestFee": 2, "halfHourFee": None, "hourFee": 1},
    ],
)
def test_bitcoin_malformed(body: dict[str, object]) -> None:
    with pytest.raises(UpstreamDataError, match="halfHourFee"):
        bitcoin_fee_estimate(body)


# --- EVM ------------------------------------------------------------------------------------


def test_gas_price_fallback_21000_at_20_gwei() -> None:
    est = evm_estimate_from_gas_price("eth", hex(20 * 10**9), native_usd=2_000)
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


def test_parse_fee_history_example_body() -> None:
    history = parse_fee_history(FEE_HISTORY_EXAMPLE)
    assert history.next_base_fee_wei == 0x57EFFF9E7 == 23_605_541_351
    # column 0 sorted: 81,631,256  84,155,934  84,155,934  90,000,000 → median 84,155,934
    # column 1 sorted: 1.0e9  3.0e9  3,090,443,760  3.71e9 → (3,000,000,000 + 3,090,443,760) / 2
    assert history.median_rewards_wei() == (84_155_934, 3_045_221_880)


def test_fee_history_needs_three_percentiles() -> None:
    with pytest.raises(UpstreamDataError, match=r"expected 3 reward percentiles \[10, 50, 90\], got 2"):
        evm_estimate_from_fee_history("ethereum", FEE_HISTORY_EXAMPLE)


def test_fee_history_params() -> None:
    assert fee_history_params() == ["0x14", "latest", [10, 50, 90]]


def test_fee_history_tiers_hand_computed() -> None:
    est = evm_estimate_from_fee_history("ethereum", FEE_HISTORY_3, native_usd=2_000)
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
    est = evm_estimate_from_fee_history("base", FEE_HISTORY_3, tx_type="swap")
    assert est.native_symbol == "ETH"
    assert any("L1 fee" in n for n in est.notes)
    bsc = evm_estimate_from_gas_price("bnb", hex(10**9), tx_type="erc20_transfer")
    assert bsc.native_symbol == "BNB"
    assert bsc.standard.fee_native == 0.000065  # 65,000 gas × 1 gwei
    assert bsc.standard.est_seconds == 9


@pytest.mark.parametrize(
    ("mutation", "message"),
    [
        ({"baseFeePerGas": []}, "baseFeePerGas must be a non-empty list"),
        ({"baseFeePerGas": ["0x1", "12"]}, r"baseFeePerGas\[1\]: expected a hex quantity"),
        ({"baseFeePerGas": ["0x1", "0xZZ"]}, r"baseFeePerGas\[1\]"),
        ({"baseFeePerGas": ["0x1", 5]}, r"baseFeePerGas\[1\]"),
        ({"reward": []}, "reward must be a non-empty list"),
        ({"reward": None}, "reward must be a non-empty list"),
        ({"reward": [[], []]}, r"reward\[0\] must be a non-empty list"),
        ({"reward": [["0x1", "0x2", "0x3"], ["0x1", "0x2"]]}, "different numbers of percentiles"),
        ({"reward": [["0x1", "0x2", "-0x3"]]}, r"reward\[0\]\[2\]"),
    ],
)
def test_fee_history_malformed(mutation: dict[str, object], message: str) -> None:
    with pytest.raises(UpstreamDataError, match=message):
        evm_estimate_from_fee_history("ethereum", {**FEE_HISTORY_3, **mutation})


def test_fee_history_missing_base_fee() -> None:
    with pytest.raises(UpstreamDataError, match="missing 'baseFeePerGas'"):
        parse_fee_history({"reward": [["0x1"]]})


def test_etherscan_sub_gwei_strings() -> None:
    est = evm_estimate_from_gas_oracle("ethereum", ETHERSCAN_V2_EXAMPLE)
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
    body = {"SafeGasPrice": "20", "ProposeGasPrice": "22", "FastGasPrice": "24"}
    est = evm_estimate_from_gas_oracle("polygon", body, native_usd=0.5)
    assert [t.fee_rate for t in (est.slow, est.standard, est.fast)] == [20, 22, 24]
    assert est.standard.fee_native == 0.000462  # 21,000 × 22 gwei, in POL
    assert est.standard.fee_usd == 0.000231
    assert est.base_fee is None
    assert est.standard.priority_fee is None


@pytest.mark.parametrize("bad", ["abc", "-1", "NaN", "Infinity", "", True, None])
def test_etherscan_malformed(bad: object) -> None:
    with pytest.raises(UpstreamDataError, match="FastGasPrice"):
        evm_estimate_from_gas_oracle("ethereum", {**ETHERSCAN_V2_EXAMPLE, "FastGasPrice": bad})


@pytest.mark.parametrize("bad", ["0x", "1000", "0xg1", ""])
def test_gas_price_malformed(bad: str) -> None:
    with pytest.raises(UpstreamDataError, match="eth_gasPrice: expected a hex quantity"):
        evm_estimate_from_gas_price("ethereum", bad)


def test_evm_functions_reject_non_evm_chain_and_bad_price() -> None:
    with pytest.raises(ValueError, match="solana is not an EVM chain"):
        evm_estimate_from_gas_price("sol", "0x1")
    with pytest.raises(ValueError, match="native_usd must be a finite number"):
        evm_estimate_from_gas_price("eth", "0x1", native_usd=math.nan)


# --- Solana ---------------------------------------------------------------------------------

SOLANA_FEES = [
    {"slot": 100 + i, "prioritizationFee": fee}
    for i, fee in enumerate([5_000, 0, 300, 0, 10_000, 100, 1_000, 0, 200, 500])
]


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


@pytest.mark.parametrize(
    "fees",
    [[], [{"slot": 1, "prioritizationFee": -1}], [{"slot": 1, "prioritizationFee": "5"}], [{"slot": 1}]],
)
def test_solana_malformed(fees: list[dict[str, object]]) -> None:
    with pytest.raises(UpstreamDataError, match="getRecentPrioritizationFees"):
        solana_fee_estimate(fees)


# --- snapshot -------------------------------------------------------------------------------


def test_bundled_snapshot_loads_and_converts() -> None:
    snapshot = load_fee_snapshot()
    assert set(snapshot.chains) == {"bitcoin", "ethereum"}
    eth = estimate_from_snapshot("eth")
    assert eth is not None
    assert eth.source == "snapshot"
    assert eth.as_of == snapshot.chains["ethereum"].as_of.isoformat()
    assert eth.slow == eth.standard == eth.fast
    assert eth.standard.fee_usd is not None
    btc = estimate_from_snapshot("bitcoin")
    assert btc is not None
    assert btc.standard.fee_usd is not None
    assert btc.standard.fee_rate is None
    assert any("whatever their size" in n for n in btc.notes)
    assert estimate_from_snapshot("solana") is None


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
    est = estimate_from_snapshot("1", snapshot=snapshot)
    assert est is not None
    assert est.as_of == "2026-01-02"
    assert est.standard.fee_native == 0.00042
    assert est.standard.fee_usd == 0.84
    assert any("daily average" in n for n in est.notes)
    erc20 = estimate_from_snapshot("ethereum", tx_type="erc20_transfer", snapshot=snapshot)
    assert erc20 is not None
    assert erc20.fast.fee_native == 0.0013
    with pytest.raises(ValueError, match="does not exist on bitcoin"):
        estimate_from_snapshot("btc", tx_type="swap", snapshot=snapshot)
