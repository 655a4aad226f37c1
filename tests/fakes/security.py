"""A fake of the token-security APIs (GoPlus, Honeypot.is, DexScreener, RugCheck) on their real paths.

Scenario tokens are built from the verbatim bodies in upstream-apis.md §2-§5 (TROE, the NodeAI
simulation, AERO's pair, MEMELON's RugCheck report), changed only where a scenario needs it. Fault
injection is `FakeUpstream`'s: `fake.fail("goplus", Fault(...))`.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from tests.fakes.upstream import NOW, FakeUpstream

HOSTS = {
    "api.gopluslabs.io": "goplus",
    "api.honeypot.is": "honeypot",
    "api.dexscreener.com": "dexscreener",
    "api.rugcheck.xyz": "rugcheck",
}
YEARS_AGO_S = NOW - 3 * 365 * 86400
HOURS_AGO_S = NOW - 5 * 3600

# --- verbatim captures (upstream-apis.md) ------------------------------------------------------------------

GOPLUS_TROE = json.loads("""
{
  "code": 1,
  "message": "OK",
  "result": {
    "0x2264927271f2d60b2fcd0f571728a9753b9f4cbd": {
      "anti_whale_modifiable": "0",
      "buy_tax": "0",
      "can_take_back_ownership": "0",
      "cannot_buy": "0",
      "cannot_sell_all": "0",
      "creator_address": "0xb8b4ee01abb7efee8efb5b06d3595cf8a89e70a0",
      "creator_balance": "50000000000",
      "creator_percent": "0.050000",
      "dex": [
        {
          "liquidity_type": "UniV2",
          "name": "UniswapV2",
          "liquidity": "8857.31530126",
          "pair": "0xb0f17b16960996e74ae170adcefe1ef1a9533d40"
        }
      ],
      "external_call": "1",
      "hidden_owner": "0",
      "holder_count": "199",
      "holders": [
        {
          "address": "0xb0f17b16960996e74ae170adcefe1ef1a9533d40",
          "tag": "UniswapV2",
          "is_contract": 1,
          "balance": "93129560085.61833345",
          "percent": "0.093129560085618333",
          "is_locked": 0
        },
        {
          "address": "0xb8b4ee01abb7efee8efb5b06d3595cf8a89e70a0",
          "tag": "",
          "is_contract": 0,
          "balance": "50000000000",
          "percent": "0.050000000000000000",
          "is_locked": 0
        }
      ],
      "honeypot_with_same_creator": "0",
      "is_anti_whale": "1",
      "is_blacklisted": "1",
      "is_honeypot": "0",
      "is_in_dex": "1",
      "is_mintable": "0",
      "is_open_source": "1",
      "is_proxy": "0",
      "is_whitelisted": "0",
      "lp_holder_count": "2",
      "lp_holders": [
        {
          "address": "0x000000000000000000000000000000000000dead",
          "tag": "",
          "value": null,
          "is_contract": 0,
          "balance": "23.66431913239846317",
          "percent": "0.999999999999999957",
          "NFT_list": null,
          "is_locked": 1
        },
        {
          "address": "0x0000000000000000000000000000000000000000",
          "tag": "Null Address",
          "value": null,
          "is_contract": 0,
          "balance": "0.000000000000001",
          "percent": "0.000000000000000042",
          "NFT_list": null,
          "is_locked": 1
        }
      ],
      "lp_total_supply": "23.66431913239846417",
      "owner_address": "0x000000000000000000000000000000000000dead",
      "owner_balance": "0",
      "owner_change_balance": "0",
      "owner_percent": "0.000000",
      "personal_slippage_modifiable": "0",
      "selfdestruct": "0",
      "sell_tax": "0",
      "slippage_modifiable": "0",
      "token_name": "Troe Coin",
      "token_symbol": "TROE",
      "total_supply": "1000000000000",
      "trading_cooldown": "0",
      "transfer_pausable": "0"
    }
  }
}
""")

HONEYPOT_NODEAI = json.loads("""
{
    "token": {
        "name": "NodeAI",
        "symbol": "GPU",
        "decimals": 18,
        "address": "0x1258D60B224c0C5cD888D37bbF31aa5FCFb7e870",
        "totalHolders": 16203
    },
    "withToken": {
        "name": "Wrapped Ether",
        "symbol": "WETH",
        "decimals": 18,
        "address": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
        "totalHolders": 791650
    },
    "summary": null,
    "simulationSuccess": true,
    "honeypotResult": {
        "isHoneypot": false
    },
    "simulationResult": {
        "buyTax": 3.999999999999995,
        "sellTax": 3.9988707480822705,
        "transferTax": 0,
        "buyGas": "172646",
        "sellGas": "112088"
    },
    "holderAnalysis": {
        "holders": "11771",
        "successful": "11770",
        "failed": "0",
        "siphoned": "1",
        "averageTax": 4.013385726423027,
        "averageGas": 140375.92353440952,
        "highestTax": 5.84,
        "highTaxWallets": "0",
        "taxDistribution": [
            { "tax": 2, "count": 1 },
            { "tax": 3, "count": 11584 },
            { "tax": 4, "count": 6 },
            { "tax": 5, "count": 179 }
        ],
        "snipersFailed": 0,
        "snipersSuccess": 0
    },
    "flags": [],
    "contractCode": {
        "openSource": true,
        "rootOpenSource": true,
        "isProxy": false,
        "hasProxyCalls": false
    },
    "chain": {
        "id": "1",
        "name": "Ethereum",
        "shortName": "eth",
        "currency": "ETH"
    },
    "router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",
    "pair": {
        "pair": {
            "name": "Uniswap V2: GPU-WETH",
            "address": "0x769f539486b31eF310125C44d7F405C6d470cD1f",
            "token0": "0x1258D60B224c0C5cD888D37bbF31aa5FCFb7e870",
            "token1": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
            "type": "UniswapV2"
        },
        "chainId": "1",
        "reserves0": "1050457449869616117457948",
        "reserves1": "324406666917773263906",
        "liquidity": 2383331.4361114814,
        "router": "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D",
        "createdAtTimestamp": "1702002671",
        "creationTxHash": "0x3d88c09c51d29c317d6417468c787155c92c7935f270ffc55ae5a4de1629c335"
    },
    "pairAddress": "0x769f539486b31eF310125C44d7F405C6d470cD1f"
}
""")

DEXSCREENER_AERO = json.loads("""
{
    "schemaVersion": "1.0.0",
    "pairs": [
        {
            "chainId": "base",
            "dexId": "uniswap",
            "url": "https://dexscreener.com/base/0x3d5d143381916280ff91407febeb52f2b60f33cf",
            "pairAddress": "0x3d5D143381916280ff91407FeBEB52f2b60f33Cf",
            "labels": [ "v3" ],
            "baseToken": { "address": "0x940181a94A35A4569E4529A3CDfB74e38FD98631", "name": "Aerodrome", "symbol": "AERO" },
            "quoteToken": { "address": "0x4200000000000000000000000000000000000006", "name": "Wrapped Ether", "symbol": "WETH" },
            "priceNative": "0.0002853",
            "priceUsd": "0.7207",
            "txns": { "m5": { "buys": 1, "sells": 13 }, "h1": { "buys": 3, "sells": 174 }, "h6": { "buys": 147, "sells": 1006 }, "h24": { "buys": 680, "sells": 3534 } },
            "volume": { "h24": 565343.15, "h6": 118622.87, "h1": 4244.69, "m5": 5.99 },
            "priceChange": { "m5": -0.28, "h1": -1.25, "h6": -2.71, "h24": 3.97 },
            "liquidity": { "usd": 1017969.4, "base": 934179, "quote": 136.4309 },
            "fdv": 1192919481,
            "marketCap": 600319879,
            "pairCreatedAt": 1696424985000
        }
    ]
}
""")

RUGCHECK_MEMELON = json.loads("""
{
    "mint": "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump",
    "tokenProgram": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
    "creator": "A1wRAMAQLuCfAQNUjnAa2Q4Ci5CQv2fGmhtSooGvBAaW",
    "creatorBalance": 66439628457730,
    "token": {
        "mintAuthority": null,
        "supply": 1000000000000000,
        "decimals": 6,
        "isInitialized": true,
        "freezeAuthority": null
    },
    "token_extensions": null,
    "tokenMeta": {
        "name": "MEMELON",
        "symbol": "MEMELON",
        "uri": "https://ipfs.io/ipfs/QmQ4wUWytoxQAJiWbWSwpT1pynFy14jgUrC3yXYSm5Y65y",
        "mutable": false,
        "updateAuthority": "TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM"
    },
    "topHolders": null,
    "freezeAuthority": null,
    "mintAuthority": null,
    "risks": [
        {
            "name": "Creator history of rugged tokens",
            "value": "",
            "description": "Creator has a history of rugging tokens.",
            "score": 16800,
            "level": "danger"
        }
    ],
    "score": 16801,
    "score_normalised": 57,
    "fileMeta": {
        "description": "",
        "name": "MEMELON",
        "symbol": "MEMELON",
        "image": "https://ipfs.io/ipfs/QmT3Ex8DNRs3XS3xGXxZCHPB4GqQ7jLMkeT7dmr2Jnuwm9"
    },
    "lockerOwners": {},
    "lockers": {},
    "markets": [
        {
            "pubkey": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq",
            "marketType": "pump_fun",
            "mintA": "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump",
            "mintB": "So11111111111111111111111111111111111111112",
            "mintLP": "11111111111111111111111111111111",
            "liquidityA": "9CRwKhhM6torvPcdhYRCJ1i758CZpLjtgNhWqJbi5m1h",
            "liquidityB": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq",
            "mintAAccount": { "mintAuthority": null, "supply": 1000000000000000, "decimals": 6, "isInitialized": true, "freezeAuthority": null },
            "mintBAccount": { "mintAuthority": null, "supply": 0, "decimals": 9, "isInitialized": false, "freezeAuthority": null },
            "mintLPAccount": { "mintAuthority": null, "supply": 0, "decimals": 0, "isInitialized": false, "freezeAuthority": null },
            "liquidityAAccount": { "mint": "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump", "owner": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq", "amount": 695031067816913, "delegate": null, "state": 0, "delegatedAmount": 0, "closeAuthority": null },
            "liquidityBAccount": { "mint": "So11111111111111111111111111111111111111112", "owner": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq", "amount": 3017718959, "delegate": null, "state": 0, "delegatedAmount": 0, "closeAuthority": null },
            "lp": {
                "baseMint": "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump",
                "quoteMint": "So11111111111111111111111111111111111111112",
                "lpMint": "11111111111111111111111111111111",
                "quotePrice": 148.10680444651302,
                "basePrice": 0.00000484881442986372,
                "base": 695031067.816913,
                "quote": 3.017718959,
                "reserveSupply": 3017718959,
                "currentSupply": 0,
                "quoteUSD": 446.9447117351479,
                "baseUSD": 3370.0766708342376,
                "pctReserve": 0,
                "pctSupply": 0,
                "holders": null,
                "totalTokensUnlocked": 0,
                "tokenSupply": 0,
                "lpLocked": 3017718959,
                "lpUnlocked": 0,
                "lpLockedPct": 100,
                "lpLockedUSD": 3817.0213825693854,
                "lpMaxSupply": 0,
                "lpCurrentSupply": 0,
                "lpTotalSupply": 3017718959
            }
        }
    ],
    "totalMarketLiquidity": 3817.0213825693854,
    "totalLPProviders": 0,
    "totalHolders": 2,
    "price": 0.00000484881442986372,
    "rugged": false,
    "tokenType": "",
    "transferFee": { "pct": 0, "maxAmount": 0, "authority": "11111111111111111111111111111111" },
    "knownAccounts": {
        "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq": { "name": "Pump Fun", "type": "AMM" },
        "9CRwKhhM6torvPcdhYRCJ1i758CZpLjtgNhWqJbi5m1h": { "name": "Pump Fun", "type": "AMM" },
        "A1wRAMAQLuCfAQNUjnAa2Q4Ci5CQv2fGmhtSooGvBAaW": { "name": "Creator", "type": "CREATOR" }
    },
    "events": [],
    "verification": null,
    "graphInsidersDetected": 0,
    "insiderNetworks": null,
    "detectedAt": "2025-04-28T22:52:49.138449156Z",
    "creatorTokens": [
        { "mint": "4UxdHnvHsCLywjknprfji1VqYw748gyoDVJMvV7Vpump", "marketCap": 3796.6389476805393, "createdAt": "2025-03-14T18:55:58.098286145Z" }
    ]
}
""")

# --- scenario tokens -------------------------------------------------------------------------------------

HONEYPOT = "0x5e2a4b9f0c1d3e8a7b6c5d4e3f2a1b0c9d8e7f6a"
BLUE_CHIP = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"  # UNI's address, with clean synthetic data
TROE = "0x2264927271f2d60b2fcd0f571728a9753b9f4cbd"
NODEAI = "0x1258d60b224c0c5cd888d37bbf31aa5fcfb7e870"
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
SPARSE = "0x7b2e3f1d9c8a6b5e4d3c2b1a0f9e8d7c6b5a4f3e"
UNVERIFIED = "0x9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
AERO = "0x940181a94a35a4569e4529a3cdfb74e38fd98631"
FORTA_LISTED = "0x04ae3226c80e8c04d35e6e56089345bdd06da6de"  # Forta malicious_smart_contracts, Ethereum
MEMELON = "9DVNHn7haa3ssQgBK1bgVKZkQ7myV8aDdPywXQsipump"
SOL_AUTHORITIES = "H5SmFP1HMML7HdvEKyAcGZ8L8hRJoivoo6yoKjEVbpn2"
SOL_UNKNOWN = "DEFaVzfL1pMbmPY6rdnpQWPSmDmMU3Ua2ezEivqTbvTc"  # known to GoPlus and DexScreener, not RugCheck
WETH_ON_BASE = "0x4200000000000000000000000000000000000006"
TAXED = "0x3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"  # sellable, but a 35 % sell tax


def goplus_evm(**changes: Any) -> dict[str, Any]:
    """TROE's GoPlus record with keys changed (a value of None removes the key)."""
    body = copy.deepcopy(GOPLUS_TROE["result"][TROE])
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def holder(
    address: str, percent: float, *, tag: str = "", locked: int = 0, contract: int = 0
) -> dict[str, Any]:
    return {
        "address": address,
        "tag": tag,
        "is_contract": contract,
        "balance": "1000",
        "percent": f"{percent:.18f}",
        "is_locked": locked,
    }


def honeypot_sim(address: str, **changes: Any) -> dict[str, Any]:
    """The NodeAI simulation, re-addressed, with top-level sections replaced."""
    body = copy.deepcopy(HONEYPOT_NODEAI)
    body["token"]["address"] = address
    body["pair"]["pair"]["token0"] = address
    body.update(changes)
    return body


def dex_pair(
    base: str,
    *,
    liquidity: float | None,
    created_s: int | None,
    chain: str = "ethereum",
    buys: int = 680,
    sells: int = 700,
    quote: str = WETH,
) -> dict[str, Any]:
    """AERO's pair re-addressed; liquidity and creation time None remove those keys."""
    pair = copy.deepcopy(DEXSCREENER_AERO["pairs"][0])
    pair["chainId"] = chain
    pair["pairAddress"] = "0x" + hashlib.sha256(f"{base}/{quote}".encode()).hexdigest()[:40]
    pair["baseToken"]["address"] = base
    pair["quoteToken"]["address"] = quote
    pair["txns"]["h24"] = {"buys": buys, "sells": sells}
    if liquidity is None:
        pair.pop("liquidity")
        pair.pop("fdv")
        pair.pop("marketCap")
    else:
        pair["liquidity"]["usd"] = liquidity
    if created_s is None:
        pair.pop("pairCreatedAt")
    else:
        pair["pairCreatedAt"] = created_s * 1000
    return pair


def goplus_solana(*, mint_authority: bool, freeze_authority: bool, tvl: str = "3817.02") -> dict[str, Any]:
    """A GoPlus Solana record in the SDK's documented shape (no verbatim capture exists)."""

    def authority(on: bool) -> dict[str, Any]:
        return {
            "status": "1" if on else "0",
            "authority": [{"address": "TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM", "malicious_address": 0}]
            if on
            else [],
        }

    return {
        "mintable": authority(mint_authority),
        "freezable": authority(freeze_authority),
        "closable": authority(False),
        "balance_mutable_authority": authority(False),
        "transfer_hook_upgradable": authority(False),
        "metadata_mutable": {"status": "0", "metadata_upgrade_authority": []},
        "transfer_fee": {},
        "transfer_hook": [],
        "default_account_state": "1",
        "non_transferable": "0",
        "metadata": {"name": "MEMELON", "symbol": "MEMELON", "description": "", "uri": ""},
        "creators": [{"address": "A1wRAMAQLuCfAQNUjnAa2Q4Ci5CQv2fGmhtSooGvBAaW", "malicious_address": 0}],
        "holder_count": "2",
        "total_supply": "1000000000",
        "holders": [
            {
                "token_account": "9CRwKhhM6torvPcdhYRCJ1i758CZpLjtgNhWqJbi5m1h",
                "balance": "695031067",
                "percent": "0.695031",
                "tag": "Pump Fun",
                "is_locked": 0,
            },
            {
                "token_account": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
                "balance": "66439628",
                "percent": "0.066439",
                "tag": "",
                "is_locked": 0,
            },
        ],
        "lp_holders": [],
        "dex": [
            {
                "dex_name": "pump.fun",
                "id": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq",
                "type": "standard",
                "price": "0.0000048",
                "tvl": tvl,
                "burn_percent": 0,
            }
        ],
        "trusted_token": 0,
    }


@dataclass
class Token:
    """What each provider knows about one token; None = unknown to that provider."""

    goplus: dict[str, Any] | None = None
    goplus_code: int = 1
    honeypot: dict[str, Any] | None = None
    pairs: list[dict[str, Any]] | None = None
    rugcheck: dict[str, Any] | None = None


def _blue_chip() -> Token:
    lp = [holder(f"0x{i:040x}", 0.08) for i in range(1, 11)]
    holders = [holder("0x1a9c8182c09f50c8318d769245bea52c32be35bc", 0.18, tag="Uniswap Timelock", contract=1)]
    holders += [holder(f"0x{i + 100:040x}", 0.02) for i in range(9)]
    return Token(
        goplus=goplus_evm(
            token_name="Uniswap",
            token_symbol="UNI",
            creator_address="0x41653c7d61609d856f29355e404f310ec4142cfb",
            creator_percent="0.000000",
            is_blacklisted="0",
            is_anti_whale="0",
            external_call="0",
            owner_address="",
            holder_count="380000",
            trust_list="1",
            lp_holder_count="5000",
            lp_holders=lp,
            holders=holders,
            dex=[
                {
                    "liquidity_type": "UniV3",
                    "name": "UniswapV3",
                    "liquidity": "48000000.5",
                    "pair": "0x1d42064fc4beb5f8aaf85f4617ae8b3b5b8bd801",
                }
            ],
        ),
        honeypot=honeypot_sim(
            BLUE_CHIP,
            simulationResult={
                "buyTax": 0,
                "sellTax": 0,
                "transferTax": 0,
                "buyGas": "120000",
                "sellGas": "110000",
            },
            holderAnalysis=None,
            pair=HONEYPOT_NODEAI["pair"] | {"liquidity": 48000000.0, "createdAtTimestamp": str(YEARS_AGO_S)},
        ),
        pairs=[
            dex_pair(BLUE_CHIP, liquidity=50_000_000.0, created_s=YEARS_AGO_S, buys=900, sells=1000),
            dex_pair(
                BLUE_CHIP,
                liquidity=2_000_000.0,
                created_s=YEARS_AGO_S,
                quote="0xdac17f958d2ee523a2206206994597c13d831ec7",
            ),
        ],
    )


def _honeypot() -> Token:
    return Token(
        goplus=goplus_evm(is_honeypot="1", sell_tax="1", cannot_sell_all="1", owner_change_balance="1"),
        honeypot=honeypot_sim(
            HONEYPOT,
            summary={
                "risk": "honeypot",
                "riskLevel": 100,
                "flags": [
                    {
                        "flag": "TRANSFER_BLOCKED",
                        "description": "Transfers are blocked",
                        "severity": "critical",
                        "severityIndex": 20,
                    }
                ],
            },
            honeypotResult={"isHoneypot": True, "honeypotReason": "Sell failed: TRANSFER_FROM_FAILED"},
            simulationResult={
                "buyTax": 0,
                "sellTax": 100,
                "transferTax": 0,
                "buyGas": "172646",
                "sellGas": "0",
            },
            pair=HONEYPOT_NODEAI["pair"] | {"liquidity": 24000.0, "createdAtTimestamp": str(HOURS_AGO_S)},
        ),
        pairs=[dex_pair(HONEYPOT, liquidity=25_000.0, created_s=HOURS_AGO_S, buys=400, sells=0)],
    )


def _weth() -> Token:
    """WETH as GoPlus captured it: no owner_address, no dex, no lp_holders although is_in_dex is "1"."""
    record = goplus_evm(
        token_name="Wrapped Ether",
        token_symbol="WETH",
        transfer_tax="",
        trust_list="1",
        creator_percent="0.000000",
        is_blacklisted="0",
        is_anti_whale="0",
        external_call="0",
        holder_count="3300000",
        owner_address=None,
        dex=None,
        lp_holders=None,
        lp_holder_count=None,
        holders=[
            holder("0x8eb8a3b98659cce290402893d0123abb75e3ab28", 0.03, tag="Avalanche Bridge", contract=1)
        ],
    )
    usdc = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
    return Token(
        goplus=record, pairs=[dex_pair(usdc, liquidity=90_000_000.0, created_s=YEARS_AGO_S, quote=WETH)]
    )


def _memelon() -> Token:
    return Token(
        goplus=goplus_solana(mint_authority=False, freeze_authority=False),
        pairs=[
            dex_pair(
                MEMELON,
                liquidity=3817.02,
                created_s=NOW - 30 * 86400,
                chain="solana",
                quote="So11111111111111111111111111111111111111112",
            )
        ],
        rugcheck=copy.deepcopy(RUGCHECK_MEMELON),
    )


def _sol_authorities() -> Token:
    report = copy.deepcopy(RUGCHECK_MEMELON)
    report["mint"] = SOL_AUTHORITIES
    report["mintAuthority"] = report["token"]["mintAuthority"] = "TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM"
    report["freezeAuthority"] = report["token"]["freezeAuthority"] = (
        "TSLvdd1pWpHVjahSpsvCXUbgwsL3JAcvokwaKt1eokM"
    )
    report["topHolders"] = [
        {
            "address": "9CRwKhhM6torvPcdhYRCJ1i758CZpLjtgNhWqJbi5m1h",
            "amount": 1,
            "decimals": 6,
            "pct": 69.5,
            "uiAmount": 1,
            "uiAmountString": "1",
            "owner": "4Qwh8JREqkeuVErzhASUYVAJ1MDVex5bZc4xyUtzc7Mq",
            "insider": False,
        },
        {
            "address": "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
            "amount": 1,
            "decimals": 6,
            "pct": 6.6,
            "uiAmount": 1,
            "uiAmountString": "1",
            "owner": "A1wRAMAQLuCfAQNUjnAa2Q4Ci5CQv2fGmhtSooGvBAaW",
            "insider": False,
        },
    ]
    return Token(
        goplus=goplus_solana(mint_authority=True, freeze_authority=True),
        pairs=[
            dex_pair(
                SOL_AUTHORITIES,
                liquidity=120_000.0,
                created_s=YEARS_AGO_S,
                chain="solana",
                quote="So11111111111111111111111111111111111111112",
            )
        ],
        rugcheck=report,
    )


def _taxed() -> Token:
    """A blue chip in every respect but one: a 35 % sell tax, which both tax sources report."""
    token = _blue_chip()
    assert token.goplus is not None and token.honeypot is not None
    token.goplus.update(buy_tax="0.05", sell_tax="0.35")
    token.honeypot["simulationResult"] |= {"buyTax": 5.0, "sellTax": 35.0}
    token.pairs = [dex_pair(TAXED, liquidity=50_000_000.0, created_s=YEARS_AGO_S, buys=900, sells=1000)]
    return token


def scenarios() -> dict[str, Token]:
    """Tokens by address (lower-case for EVM, as given for Solana)."""
    return {
        HONEYPOT: _honeypot(),
        BLUE_CHIP: _blue_chip(),
        TROE: Token(goplus=goplus_evm()),
        NODEAI: Token(honeypot=copy.deepcopy(HONEYPOT_NODEAI)),
        WETH: _weth(),
        SPARSE: Token(
            goplus={"token_name": "Sparse", "token_symbol": "SPRS", "holder_count": "12"},
            goplus_code=2,
            pairs=[],
        ),
        UNVERIFIED: Token(
            goplus={
                "is_open_source": "0",
                "token_name": "Closed",
                "token_symbol": "CLSD",
                "holder_count": "40",
            }
        ),
        AERO: Token(pairs=copy.deepcopy(DEXSCREENER_AERO["pairs"])),
        MEMELON: _memelon(),
        SOL_AUTHORITIES: _sol_authorities(),
        SOL_UNKNOWN: Token(goplus=goplus_solana(mint_authority=False, freeze_authority=False, tvl="250000")),
        TAXED: _taxed(),
    }


class SecurityFake(FakeUpstream):
    """One handler for the four token-security hosts; unknown tokens get each API's "nothing" reply."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens = scenarios()

    def count(self, provider: str | None = None, path_prefix: str = "") -> int:
        return sum(
            1
            for r in self.requests
            if (provider is None or HOSTS.get(r.url.host) == provider) and r.url.path.startswith(path_prefix)
        )

    def by_provider(self) -> Counter[str]:
        return Counter(HOSTS.get(r.url.host, r.url.host) for r in self.requests)

    def _token(self, address: str) -> Token | None:
        return self.tokens.get(address) or self.tokens.get(address.lower())

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        provider = HOSTS.get(request.url.host, "unknown")
        fault = self.next_fault(provider)
        if fault is not None:
            return await self._fault(fault, request)
        path, params = request.url.path, request.url.params
        if provider == "goplus":
            return self._goplus(path, params.get("contract_addresses", ""))
        if provider == "honeypot" and path == "/v2/IsHoneypot":
            token = self._token(params.get("address", ""))
            if token is None or token.honeypot is None:
                return httpx.Response(404, json={"code": 404, "error": "No pairs found"})
            return httpx.Response(200, json=token.honeypot)
        if provider == "dexscreener":
            return self._dexscreener(path)
        if provider == "rugcheck" and path.startswith("/v1/tokens/") and path.endswith("/report"):
            token = self._token(path.split("/")[3])
            if token is None or token.rugcheck is None:
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(200, json=token.rugcheck)
        return httpx.Response(404, json={"error": "unknown path"})

    def _goplus(self, path: str, address: str) -> httpx.Response:
        if not (path.startswith("/api/v1/token_security/") or path == "/api/v1/solana/token_security"):
            return httpx.Response(404, json={"code": 404, "message": "not found"})
        token = self._token(address)
        if token is None or token.goplus is None:
            return httpx.Response(200, json={"code": 1, "message": "OK", "result": {}})
        message = "OK" if token.goplus_code == 1 else "data pending sync"
        return httpx.Response(
            200, json={"code": token.goplus_code, "message": message, "result": {address: token.goplus}}
        )

    def _dexscreener(self, path: str) -> httpx.Response:
        parts = path.strip("/").split("/")
        if parts[:2] == ["tokens", "v1"] and len(parts) == 4:
            token = self._token(parts[3])
            return httpx.Response(200, json=(token.pairs or []) if token else [])
        if parts[:3] == ["latest", "dex", "tokens"] and len(parts) == 4:
            token = self._token(parts[3])
            return httpx.Response(
                200, json={"schemaVersion": "1.0.0", "pairs": token.pairs if token else None}
            )
        return httpx.Response(404, json={"error": "not found"})
