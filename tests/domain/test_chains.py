"""The one chain registry: every spelling resolves the same way for every tool."""

from __future__ import annotations

import pytest

from agent_tools.domain.chains import CHAINS, resolve_chain

SPELLINGS = {
    "ethereum": ["eth", "ETH", "mainnet", "erc20", "ERC-20", "1", "Ethereum Mainnet"],
    "bsc": ["bnb", "BSC", "bep20", "BEP-20", "binance-smart-chain", "BNB Chain", "bnb_chain", "56"],
    "polygon": ["matic", "polygon-pos", "Polygon PoS", "pol", "137"],
    "arbitrum": ["arbitrum-one", "Arbitrum One", "arb", "42161"],
    "optimism": ["op", "OP Mainnet", "optimistic-ethereum", "10"],
    "base": ["Base", "8453"],
    "avalanche": ["avax", "Avalanche C-Chain", "43114"],
    "solana": ["sol", "SOL", "Solana"],
    "bitcoin": ["btc", "BTC"],
}


@pytest.mark.parametrize(("canonical", "spelling"), [(c, s) for c, ss in SPELLINGS.items() for s in ss])
def test_spellings(canonical: str, spelling: str) -> None:
    assert resolve_chain(spelling).name == canonical


def test_aliases_are_unique_across_chains() -> None:
    seen: dict[str, str] = {}
    for chain in CHAINS:
        for alias in (chain.name, *chain.aliases):
            key = alias.lower()
            assert seen.setdefault(key, chain.name) == chain.name, f"{alias} names two chains"


@pytest.mark.parametrize("bad", ["", "   ", "dogecoin", "x" * 41])
def test_unknown_or_malformed_chains_say_what_is_wrong(bad: str) -> None:
    with pytest.raises(ValueError, match="chain"):
        resolve_chain(bad)


def test_every_evm_chain_has_what_the_tools_need() -> None:
    for chain in CHAINS:
        if chain.family == "evm":
            assert chain.chain_id is not None and str(chain.chain_id) in chain.aliases
            assert chain.goplus_chain_id and chain.coingecko_platform and chain.defillama_chain
            assert chain.default_rpc and chain.fees is not None
