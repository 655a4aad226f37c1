"""Chains and token addresses: resolve user spellings, refuse malformed input before any upstream call.

Every error is a ``ValueError`` whose message says exactly what is wrong; the tool layer maps it to
``INVALID_ARGUMENT``. Inputs are length-bounded before any parsing work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from eth_hash.auto import keccak

ChainFamily = Literal["evm", "solana"]

MAX_CHAIN_LEN = 32
MAX_ADDRESS_LEN = 128

_HEX = frozenset("0123456789abcdefABCDEF")
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
# A 32-byte key is 32 ('1' * 32 = all zeros) to 44 base58 characters long.
_SOLANA_MIN_LEN, _SOLANA_MAX_LEN = 32, 44


@dataclass(frozen=True, slots=True)
class Chain:
    """A supported chain and the identifier each upstream provider uses for it.

    ``None`` for a provider means that provider does not cover the chain. GoPlus serves Solana on its own
    path (``/solana/token_security``), so ``goplus_chain_id`` is ``None`` there; Honeypot.is simulates on
    Ethereum, BSC and Base only.
    """

    name: str
    family: ChainFamily
    chain_id: int | None
    goplus_chain_id: str | None
    honeypot_chain_id: int | None
    dexscreener_slug: str
    aliases: tuple[str, ...]


CHAINS: tuple[Chain, ...] = (
    Chain("ethereum", "evm", 1, "1", 1, "ethereum", ("eth", "1", "mainnet", "ethereum-mainnet")),
    Chain(
        "bsc",
        "evm",
        56,
        "56",
        56,
        "bsc",
        ("bnb", "56", "bnb-chain", "binance", "binance-smart-chain", "bep20"),
    ),
    Chain("polygon", "evm", 137, "137", None, "polygon", ("matic", "pol", "137", "polygon-pos")),
    Chain("arbitrum", "evm", 42161, "42161", None, "arbitrum", ("arb", "42161", "arbitrum-one")),
    Chain("optimism", "evm", 10, "10", None, "optimism", ("op", "10", "op-mainnet")),
    Chain("base", "evm", 8453, "8453", 8453, "base", ("8453",)),
    Chain("avalanche", "evm", 43114, "43114", None, "avalanche", ("avax", "43114", "avalanche-c")),
    Chain("fantom", "evm", 250, "250", None, "fantom", ("ftm", "250")),
    Chain("linea", "evm", 59144, "59144", None, "linea", ("59144",)),
    Chain("zksync", "evm", 324, "324", None, "zksync", ("zksync-era", "era", "324")),
    Chain("cronos", "evm", 25, "25", None, "cronos", ("cro", "25")),
    Chain("solana", "solana", None, None, None, "solana", ("sol",)),
)

_BY_ALIAS: dict[str, Chain] = {alias: c for c in CHAINS for alias in (c.name, *c.aliases)}


def normalize_chain(value: str) -> Chain:
    """Resolve a chain name, common alias or EVM chain id (``eth``, ``bnb``, ``56``, ``Arbitrum One``)."""
    if len(value) > MAX_CHAIN_LEN:
        raise ValueError(f"chain is {len(value)} characters long; at most {MAX_CHAIN_LEN} are allowed")
    key = "-".join(value.strip().lower().replace("_", " ").split())
    if not key:
        raise ValueError("chain is empty; pass a chain name such as 'ethereum', 'bsc' or 'solana'")
    chain = _BY_ALIAS.get(key)
    if chain is None:
        supported = ", ".join(c.name for c in CHAINS)
        raise ValueError(f"unknown chain {value.strip()!r}; supported chains: {supported}")
    return chain


def to_checksum_address(address: str) -> str:
    """EIP-55 form of a ``0x`` + 40-hex address (any case)."""
    lower = address[2:].lower()
    digest = keccak(lower.encode("ascii")).hex()
    return "0x" + "".join(
        ch.upper() if ch.isalpha() and int(digest[i], 16) >= 8 else ch for i, ch in enumerate(lower)
    )


def b58decode(value: str) -> bytes:
    """Decode Bitcoin-alphabet base58 (the Solana key encoding); leading '1's are zero bytes."""
    number = 0
    for position, ch in enumerate(value):
        digit = _B58_INDEX.get(ch)
        if digit is None:
            raise ValueError(
                f"Solana address contains {ch!r} at position {position}, which is not base58 "
                "(base58 has no 0, O, I or l and no punctuation)"
            )
        number = number * 58 + digit
    leading_zeros = len(value) - len(value.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * leading_zeros + body


def _validate_evm(value: str) -> str:
    if not value.startswith("0x"):
        raise ValueError("EVM address must start with '0x' followed by 40 hex characters")
    digits = value[2:]
    if len(digits) != 40:
        raise ValueError(f"EVM address must have 40 hex characters after '0x'; got {len(digits)}")
    for position, ch in enumerate(digits):
        if ch not in _HEX:
            raise ValueError(f"EVM address contains {ch!r} at position {position + 2}, which is not hex")
    checksummed = to_checksum_address(value)
    if digits != digits.lower() and digits != digits.upper() and value != checksummed:
        raise ValueError(
            "EVM address is mixed-case but fails the EIP-55 checksum (likely a typo); "
            "re-copy it, or pass it all lower-case to skip the checksum"
        )
    return checksummed


def _validate_solana(value: str) -> str:
    if not _SOLANA_MIN_LEN <= len(value) <= _SOLANA_MAX_LEN:
        raise ValueError(
            f"Solana address must be {_SOLANA_MIN_LEN}-{_SOLANA_MAX_LEN} base58 characters; got {len(value)}"
        )
    size = len(b58decode(value))
    if size != 32:
        raise ValueError(f"Solana address decodes to {size} bytes; a mint address is exactly 32 bytes")
    return value


def validate_address(chain: Chain, value: str) -> str:
    """Check a token address for ``chain`` and return its canonical form.

    EVM: ``0x`` + 40 hex; all-lower or all-upper case is accepted unchecked, mixed case must pass EIP-55;
    the result is the EIP-55 checksummed form. Solana: base58 decoding to exactly 32 bytes, returned as
    given (Solana addresses are case-sensitive).
    """
    if len(value) > MAX_ADDRESS_LEN:
        raise ValueError(f"address is {len(value)} characters long; at most {MAX_ADDRESS_LEN} are allowed")
    stripped = value.strip()
    if not stripped:
        raise ValueError("address is empty")
    if chain.family == "evm":
        return _validate_evm(stripped)
    return _validate_solana(stripped)
