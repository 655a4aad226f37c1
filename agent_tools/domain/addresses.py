"""Token and wallet addresses: refuse malformed input before any upstream call (chains: ``domain.chains``).

Every error is a ``ValueError`` whose message says exactly what is wrong; the tool layer maps it to
``INVALID_ARGUMENT``. Inputs are length-bounded before any parsing work.
"""

from __future__ import annotations

from eth_hash.auto import keccak

from agent_tools.domain.chains import Chain

MAX_ADDRESS_LEN = 128

_HEX = frozenset("0123456789abcdefABCDEF")
_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}
# A 32-byte key is 32 ('1' * 32 = all zeros) to 44 base58 characters long.
_SOLANA_MIN_LEN, _SOLANA_MAX_LEN = 32, 44


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
    if chain.family == "solana":
        return _validate_solana(stripped)
    raise ValueError(f"{chain.name} has no token contracts; pass an EVM chain or solana")
