"""Every spelling of every chain in the registry is accepted by every chain-taking tool alike.

The reproduction: `arbitrum-one`, `mainnet`, `bep20`, `binance-smart-chain`, `polygon-pos`, `BNB Chain` and
`OP Mainnet` were accepted by assess_rug_pull_risk and refused by estimate_network_fee (three chain tables).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent_tools.domain.chains import CHAINS, Chain, resolve_chain
from agent_tools.services import Services
from tests.conftest import connect, make_settings
from tests.fakes.upstream import FakeUpstream

EVM_TOKEN = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"
SOLANA_MINT = "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump"
REPORTED = [
    "arbitrum-one",
    "mainnet",
    "bep20",
    "binance-smart-chain",
    "polygon-pos",
    "BNB Chain",
    "OP Mainnet",
]


def spellings(chain: Chain) -> list[str]:
    return [chain.name, chain.name.upper(), *chain.aliases]


CASES = [(chain, spelling) for chain in CHAINS for spelling in spellings(chain)]
CASES += [(resolve_chain(spelling), spelling) for spelling in REPORTED]


def _error(result: Any) -> dict[str, Any] | None:
    if not result.is_error:
        return None
    text = "".join(getattr(b, "text", "") for b in result.content)
    return json.loads(text[text.index("{") :])["error"]


async def _calls(chain: Chain, spelling: str) -> dict[str, Any]:
    """The chain-taking tools, offline (no request can leave), each asked with this spelling."""
    fake = FakeUpstream()
    results: dict[str, Any] = {}
    async with Services(make_settings(offline=True), transport=fake.transport) as s, connect(s) as client:
        address = SOLANA_MINT if chain.family == "solana" else EVM_TOKEN
        results["assess_rug_pull_risk"] = await client.call_tool(
            "assess_rug_pull_risk", {"chain": spelling, "address": address}
        )
        results["estimate_network_fee"] = await client.call_tool("estimate_network_fee", {"chain": spelling})
        results["get_price"] = await client.call_tool("get_price", {"symbols": [f"{spelling}:{address}"]})
    assert fake.requests == []
    return results


@pytest.mark.parametrize(("chain", "spelling"), CASES, ids=[f"{c.name}:{s}" for c, s in CASES])
async def test_every_spelling_means_the_same_chain_to_every_tool(chain: Chain, spelling: str) -> None:
    results = await _calls(chain, spelling)
    rug = results["assess_rug_pull_risk"]
    if chain.has_tokens:
        assert not rug.is_error and rug.structured_content["chain"] == chain.name
    else:
        error = _error(rug)
        assert (
            error is not None
            and error["code"] == "INVALID_ARGUMENT"
            and "no token contracts" in error["message"]
        )

    fee = results["estimate_network_fee"]
    fee_error = _error(fee)
    if chain.fees is None:
        assert fee_error is not None and fee_error["code"] == "INVALID_ARGUMENT"
    elif fee_error is None:
        assert fee.structured_content["chain"] == chain.name
    else:  # offline, and the bundled snapshot does not cover this chain: a refusal of data, not of the name
        assert fee_error["code"] != "INVALID_ARGUMENT", fee_error

    price_error = _error(results["get_price"])
    assert price_error is not None  # offline: the snapshot holds no token contracts
    if chain.coingecko_platform is None:
        assert price_error["code"] == "INVALID_ARGUMENT"
    else:
        assert price_error["code"] == "NOT_FOUND", price_error
