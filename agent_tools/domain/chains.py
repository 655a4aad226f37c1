"""The one chain registry: every chain a tool accepts, its spellings, and which providers serve it.

Every tool that takes a chain, the `chain:address` form of get_price and `chains://supported`
resolve it here, so a spelling accepted by one tool is accepted by all (`eth`, `mainnet`,
`erc20`, `BNB Chain`, `bep20`, `polygon-pos`, `arbitrum-one`, `OP Mainnet`, a chain id...).
A chain a tool does not cover is still recognised, and the tool says what it covers instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["bitcoin", "evm", "solana"]
"""Address and transaction family: EVM (0x + 40 hex, gas), Solana (base58 keys, compute units), Bitcoin."""

MAX_CHAIN_LEN = 40


@dataclass(frozen=True, slots=True)
class FeeProfile:
    """What estimating a network fee on the chain needs to know."""

    fee_unit: str  # sat/vB, gwei, micro-lamports/CU
    smallest_unit: str  # sat, wei, lamport
    decimals: int
    block_time_s: float
    etherscan_gas_oracle: bool = False  # Etherscan V2 documents its gas oracle for this chain id
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Chain:
    """A chain, and the identifier each provider uses for it (None: that provider does not serve it)."""

    name: str
    family: Family
    chain_id: int | None  # EVM chain id
    aliases: tuple[str, ...]
    native_symbol: str
    native_coingecko_id: str  # the coin fees are paid in, for USD prices
    coingecko_platform: str | None = None  # token prices by contract
    defillama_chain: str | None = None
    goplus_chain_id: str | None = None  # EVM token_security/{id}; Solana has a path of its own
    honeypot_chain_id: int | None = None  # Honeypot.is simulates on Ethereum, BSC and Base only
    dexscreener_slug: str | None = None
    default_rpc: str | None = None  # public JSON-RPC endpoint (EVM, Solana)
    fees: FeeProfile | None = None  # None: no network-fee estimate for this chain

    @property
    def has_tokens(self) -> bool:
        """Token contracts (EVM) or mints (Solana) exist here; Bitcoin has none."""
        return self.family in ("evm", "solana")


_ROLLUP_NOTE = (
    "Execution gas only: this rollup also charges for posting data to Ethereum (a separate L1 fee "
    "on OP-stack chains, folded into the gas used on Arbitrum), so the real cost can be higher."
)


def _evm_fees(block_time_s: float, *, oracle: bool = False, rollup: bool = False) -> FeeProfile:
    return FeeProfile("gwei", "wei", 18, block_time_s, oracle, (_ROLLUP_NOTE,) if rollup else ())


def _evm(
    name: str,
    chain_id: int,
    aliases: tuple[str, ...],
    symbol: str,
    coin: str,
    *,
    platform: str,
    llama: str,
    rpc: str,
    fees: FeeProfile,
    honeypot: bool = False,
    dexscreener: str | None = None,
) -> Chain:
    return Chain(
        name=name,
        family="evm",
        chain_id=chain_id,
        aliases=(str(chain_id), *aliases),
        native_symbol=symbol,
        native_coingecko_id=coin,
        coingecko_platform=platform,
        defillama_chain=llama,
        goplus_chain_id=str(chain_id),
        honeypot_chain_id=chain_id if honeypot else None,
        dexscreener_slug=dexscreener or name,
        default_rpc=rpc,
        fees=fees,
    )


CHAINS: tuple[Chain, ...] = (
    Chain(
        name="bitcoin",
        family="bitcoin",
        chain_id=None,
        aliases=("btc", "xbt", "bitcoin-mainnet"),
        native_symbol="BTC",
        native_coingecko_id="bitcoin",
        fees=FeeProfile("sat/vB", "sat", 8, 600),
    ),
    _evm(
        "ethereum",
        1,
        ("eth", "mainnet", "ethereum-mainnet", "eth-mainnet", "erc20", "erc-20", "homestead"),
        "ETH",
        "ethereum",
        platform="ethereum",
        llama="ethereum",
        rpc="https://ethereum-rpc.publicnode.com",
        fees=_evm_fees(12, oracle=True),
        honeypot=True,
    ),
    _evm(
        "bsc",
        56,
        (
            "bnb",
            "bnb-chain",
            "bnb-smart-chain",
            "binance",
            "binance-smart-chain",
            "bep20",
            "bep-20",
            "bsc-mainnet",
        ),
        "BNB",
        "binancecoin",
        platform="binance-smart-chain",
        llama="bsc",
        rpc="https://bsc-dataseed.bnbchain.org",
        fees=_evm_fees(3, oracle=True),
        honeypot=True,
    ),
    # Polygon's gas token is POL since the 2024-09-04 migration; CoinGecko lists it as
    # polygon-ecosystem-token (the old matic-network page redirects to "MATIC (migrated)").
    _evm(
        "polygon",
        137,
        ("matic", "pol", "polygon-pos", "polygon-mainnet", "matic-mainnet"),
        "POL",
        "polygon-ecosystem-token",
        platform="polygon-pos",
        llama="polygon",
        rpc="https://polygon-rpc.com",
        fees=_evm_fees(2, oracle=True),
    ),
    _evm(
        "arbitrum",
        42161,
        ("arb", "arb1", "arbitrum-one", "arbitrum-mainnet"),
        "ETH",
        "ethereum",
        platform="arbitrum-one",
        llama="arbitrum",
        rpc="https://arb1.arbitrum.io/rpc",
        fees=_evm_fees(0.25, rollup=True),
    ),
    _evm(
        "optimism",
        10,
        ("op", "op-mainnet", "optimistic-ethereum", "optimism-mainnet"),
        "ETH",
        "ethereum",
        platform="optimistic-ethereum",
        llama="optimism",
        rpc="https://mainnet.optimism.io",
        fees=_evm_fees(2, rollup=True),
    ),
    _evm(
        "base",
        8453,
        ("base-mainnet",),
        "ETH",
        "ethereum",
        platform="base",
        llama="base",
        rpc="https://mainnet.base.org",
        fees=_evm_fees(2, rollup=True),
        honeypot=True,
    ),
    _evm(
        "avalanche",
        43114,
        ("avax", "avalanche-c", "avalanche-c-chain", "c-chain", "avax-c", "avaxc"),
        "AVAX",
        "avalanche-2",
        platform="avalanche",
        llama="avax",
        rpc="https://api.avax.network/ext/bc/C/rpc",
        fees=_evm_fees(2),
    ),
    _evm(
        "fantom",
        250,
        ("ftm", "fantom-opera"),
        "FTM",
        "fantom",
        platform="fantom",
        llama="fantom",
        rpc="https://rpc.ftm.tools",
        fees=_evm_fees(1),
    ),
    _evm(
        "linea",
        59144,
        ("linea-mainnet",),
        "ETH",
        "ethereum",
        platform="linea",
        llama="linea",
        rpc="https://rpc.linea.build",
        fees=_evm_fees(2, rollup=True),
    ),
    _evm(
        "zksync",
        324,
        ("zksync-era", "era", "zksync-mainnet"),
        "ETH",
        "ethereum",
        platform="zksync",
        llama="era",
        rpc="https://mainnet.era.zksync.io",
        fees=_evm_fees(1, rollup=True),
    ),
    _evm(
        "cronos",
        25,
        ("cro", "cronos-mainnet"),
        "CRO",
        "crypto-com-chain",
        platform="cronos",
        llama="cronos",
        rpc="https://evm.cronos.org",
        fees=_evm_fees(5.6),
    ),
    Chain(
        name="solana",
        family="solana",
        chain_id=None,
        aliases=("sol", "solana-mainnet", "spl"),
        native_symbol="SOL",
        native_coingecko_id="solana",
        coingecko_platform="solana",
        defillama_chain="solana",
        dexscreener_slug="solana",
        default_rpc="https://api.mainnet-beta.solana.com",
        fees=FeeProfile("micro-lamports/CU", "lamport", 9, 0.4),
    ),
)

BY_NAME: dict[str, Chain] = {c.name: c for c in CHAINS}


def _key(text: str) -> str:
    """`OP Mainnet`, `op_mainnet` and `op-mainnet` are one spelling."""
    return "-".join(text.strip().lower().replace("_", " ").split())


_BY_ALIAS: dict[str, Chain] = {_key(alias): c for c in CHAINS for alias in (c.name, *c.aliases)}


def resolve_chain(text: str) -> Chain:
    """The chain for a name, alias or EVM chain id, case-insensitively; `ValueError` says what is wrong."""
    if len(text) > MAX_CHAIN_LEN:
        raise ValueError(f"chain is {len(text)} characters long; at most {MAX_CHAIN_LEN} are allowed")
    key = _key(text)
    if not key:
        raise ValueError("chain is empty; pass a chain name such as 'ethereum', 'bsc' or 'solana'")
    chain = _BY_ALIAS.get(key)
    if chain is None:
        raise ValueError(f"unknown chain {text.strip()!r}; supported chains: {', '.join(BY_NAME)}")
    return chain


def names(where: tuple[Chain, ...] = CHAINS) -> str:
    """Chain names for a message or a description: "ethereum, bsc, ..."."""
    return ", ".join(c.name for c in where)


TOKEN_CHAINS: tuple[Chain, ...] = tuple(c for c in CHAINS if c.has_tokens)
FEE_CHAINS: tuple[Chain, ...] = tuple(c for c in CHAINS if c.fees is not None)
APPROVAL_CHAINS: tuple[Chain, ...] = tuple(c for c in CHAINS if c.family == "evm" and c.goplus_chain_id)
"""Chains whose token approvals GoPlus lists (its v2 approval endpoints take an EVM chain id)."""
