"""Chain aliases and address validation: EIP-55, Solana base58, bounded input, precise messages."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_tools.domain.addresses import (
    MAX_ADDRESS_LEN,
    b58decode,
    to_checksum_address,
    validate_address,
)
from agent_tools.domain.chains import CHAINS, resolve_chain

ETH = resolve_chain("ethereum")
SOL = resolve_chain("solana")

# Test vectors from EIP-55 (https://eips.ethereum.org/EIPS/eip-55).
EIP55_VECTORS = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
WSOL = "So11111111111111111111111111111111111111112"
_VALID_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")


@pytest.mark.parametrize("address", EIP55_VECTORS)
def test_eip55_vectors_pass_and_are_canonical(address: str) -> None:
    assert validate_address(ETH, address) == address
    assert to_checksum_address(address.lower()) == address


def test_lowercase_and_uppercase_are_accepted_and_checksummed() -> None:
    assert validate_address(ETH, WETH.lower()) == WETH
    assert validate_address(ETH, "0x" + WETH[2:].upper()) == WETH
    assert validate_address(ETH, f"  {WETH}\n") == WETH


def test_bad_checksum_is_rejected() -> None:
    flipped = WETH[:2] + WETH[2].swapcase() + WETH[3:]
    with pytest.raises(ValueError, match="EIP-55"):
        validate_address(ETH, flipped)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("C02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "start with '0x'"),
        ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc", "got 39"),
        ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc22", "got 41"),
        ("0xg02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "'g' at position 2"),
        ("", "empty"),
        ("0x" + "a" * (MAX_ADDRESS_LEN + 1), "at most"),
    ],
)
def test_malformed_evm_addresses_say_what_is_wrong(address: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_address(ETH, address)


def test_solana_mints() -> None:
    assert validate_address(SOL, WSOL) == WSOL
    assert validate_address(SOL, "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump").endswith("pump")
    assert b58decode("1" * 32) == bytes(32)


def test_solana_wrong_sizes_and_alphabet_rejected() -> None:
    with pytest.raises(ValueError, match="decodes to 31 bytes"):
        validate_address(SOL, WSOL[:-1])
    with pytest.raises(ValueError, match="decodes to 33 bytes"):
        validate_address(SOL, "1" + WSOL)  # a leading '1' is one more zero byte
    with pytest.raises(ValueError, match="decodes to 33 bytes"):
        validate_address(SOL, "z" * 44)
    with pytest.raises(ValueError, match="'0' at position 1"):
        validate_address(SOL, "S0" + WSOL[2:])
    with pytest.raises(ValueError, match="'0' at position 0"):
        validate_address(SOL, WETH)
    with pytest.raises(ValueError, match="32-44 base58 characters; got 45"):
        validate_address(SOL, WSOL + "11")
    with pytest.raises(ValueError, match="base58"):
        validate_address(SOL, WSOL[:-1] + "l")


def test_evm_address_on_solana_and_back() -> None:
    with pytest.raises(ValueError, match="start with '0x'"):
        validate_address(ETH, WSOL)


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("ethereum", "ethereum"),
        ("ETH", "ethereum"),
        ("1", "ethereum"),
        ("bsc", "bsc"),
        ("BNB", "bsc"),
        ("56", "bsc"),
        ("Bnb Chain", "bsc"),
        ("base", "base"),
        ("8453", "base"),
        ("arbitrum", "arbitrum"),
        ("Arbitrum One", "arbitrum"),
        ("42161", "arbitrum"),
        ("polygon", "polygon"),
        ("137", "polygon"),
        ("solana", "solana"),
        ("SOL", "solana"),
        ("zksync_era", "zksync"),
    ],
)
def test_chain_aliases(alias: str, name: str) -> None:
    assert resolve_chain(alias).name == name


def test_chain_provider_ids() -> None:
    eth, bsc, base, polygon = (resolve_chain(n) for n in ("eth", "bsc", "base", "polygon"))
    assert (eth.goplus_chain_id, eth.honeypot_chain_id, eth.dexscreener_slug) == ("1", 1, "ethereum")
    assert (bsc.honeypot_chain_id, base.honeypot_chain_id) == (56, 8453)
    assert polygon.honeypot_chain_id is None  # Honeypot.is simulates on 1, 56 and 8453 only
    assert SOL.goplus_chain_id is None
    assert SOL.family == "solana"
    assert {c.honeypot_chain_id for c in CHAINS} == {None, 1, 56, 8453}


def test_bitcoin_has_no_token_addresses() -> None:
    with pytest.raises(ValueError, match="no token contracts"):
        validate_address(resolve_chain("bitcoin"), "0x" + "1" * 40)


@pytest.mark.parametrize("bad", ["", "   ", "dogechain", "eth2", "x" * 100])
def test_unknown_chain_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="chain"):
        resolve_chain(bad)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_random_text_is_rejected_unless_really_valid(text: str) -> None:
    for chain in (ETH, SOL):
        try:
            result = validate_address(chain, text)
        except ValueError:
            continue
        if chain is ETH:
            assert _VALID_EVM.match(result)
            assert result == to_checksum_address(result)
        else:
            assert len(b58decode(result)) == 32


@settings(max_examples=200)
@given(st.binary(min_size=20, max_size=20), st.data())
def test_any_single_case_flip_of_a_checksummed_address_fails(raw: bytes, data: st.DataObject) -> None:
    good = to_checksum_address("0x" + raw.hex())
    assert validate_address(ETH, good) == good
    letters = [i for i, ch in enumerate(good) if i >= 2 and ch.isalpha()]
    if not letters or good[2:].lower() == good[2:] or good[2:].upper() == good[2:]:
        return  # all-one-case forms are accepted unchecked by design
    i = data.draw(st.sampled_from(letters))
    flipped = good[:i] + good[i].swapcase() + good[i + 1 :]
    if flipped[2:].lower() == flipped[2:] or flipped[2:].upper() == flipped[2:]:
        return
    with pytest.raises(ValueError, match="EIP-55"):
        validate_address(ETH, flipped)


@settings(max_examples=200)
@given(st.binary(min_size=32, max_size=32))
def test_every_32_byte_key_round_trips(raw: bytes) -> None:
    number = int.from_bytes(raw, "big")
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    digits = ""
    while number:
        number, rem = divmod(number, 58)
        digits = alphabet[rem] + digits
    encoded = "1" * (len(raw) - len(raw.lstrip(b"\0"))) + digits
    assert b58decode(validate_address(SOL, encoded)) == raw
