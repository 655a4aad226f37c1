"""A fake of GoPlus's wallet-security endpoints on their real paths, over the token-security fake.

Bodies follow wallet-and-withdrawal-apis.md part A: the malicious-address capture of A.2 (string flags),
the token-approval example of A.3.2 ("Unlimited"; PancakeRouter), the ERC-721/1155 shapes and the
phishing-site example of A.4 (int flag). Scenarios change them only where they need to. Fault injection
is `FakeUpstream`'s: `fake.fail("goplus", Fault(...))` (shared with token security: same provider).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import httpx

from tests.fakes.security import HOSTS, SecurityFake
from tests.fakes.upstream import NOW

# --- recorded shapes (part A) ---------------------------------------------------------------------------

ADDRESS_PHISHING = json.loads("""
{
  "code": 1,
  "message": "ok",
  "result": {
    "cybercrime": "0", "money_laundering": "0", "number_of_malicious_contracts_created": "0",
    "gas_abuse": "0", "financial_crime": "0", "darkweb_transactions": "0", "reinit": "0",
    "phishing_activities": "1", "contract_address": "0", "fake_kyc": "0", "blacklist_doubt": "1",
    "fake_standard_interface": "0", "data_source": "GoPlus", "stealing_attack": "0",
    "blackmail_activities": "0", "sanctioned": "0", "malicious_mining_activities": "0",
    "mixer": "0", "fake_token": "0", "honeypot_related_address": "0"
  }
}
""")

TOKEN_APPROVALS_BSC = json.loads("""
{"code":1,"message":"ok","result":[{
  "token_address":"0x55d398326f99059ff775485246999027b3197955","chain_id":"56",
  "token_name":"Tether USD","token_symbol":"USDT","decimals":18,"balance":"12.5",
  "is_open_source":1,"malicious_address":0,"malicious_behavior":[],
  "approved_list":[{
    "approved_contract":"0x10ed43c718714eb63d5aa57b78b54704e256024e",
    "approved_amount":"Unlimited","approved_time":1737626832,
    "hash":"0x5cc9","initial_approval_time":1737626800,"initial_approval_hash":"0x5cc9",
    "address_info":{"contract_name":"PancakeRouter","tag":"PancakeSwap",
      "creator_address":"0x0000000000000000000000000000000000000001","deployed_time":1600000000,"is_contract":1,
      "is_open_source":1,"trust_list":1,"doubt_list":0,"malicious_behavior":[]}}]}]}
""")

PHISHING_CLEAN = json.loads(
    """{"code":1,"message":"OK","result":{"phishing_site":0,"website_contract_security":[]}}"""
)

# --- addresses ----------------------------------------------------------------------------------------------

PHISHER = "0x5c3f7a6b1e2d4c8f9a0b1c2d3e4f5a6b7c8d9e0f"
SANCTIONED = "0x8589427373d6d84e98730d7795d8f6f8731fda16"  # GoPlus says sanctioned and mixer (scenario data)
INT_FLAGGED = "0x3a1d5c4b2e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b"  # the same record with int flags, stealing attack
CLEAN = "0x2b5e6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b"
CONTRACT = "0x10ed43c718714eb63d5aa57b78b54704e256024e"  # PancakeRouter
PENDING_ADDRESS = "0x7e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f"
FORTA_LISTED = "0x04ae3226c80e8c04d35e6e56089345bdd06da6de"  # on the bundled Forta list
SOLANA_WALLET = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU"

# --- wallets ----------------------------------------------------------------------------------------------

WALLET = "0xd018e2b543a2669410537f96293590138cacedf3"  # the docs' example owner
CLEAN_WALLET = "0x6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b"
SYNCING_WALLET = "0x9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e"
BUSY_WALLET = "0x1234567890abcdef1234567890abcdef12345678"

DRAINER = "0x0000db5c8b030ae20308ac975898e09741e70000"
DOUBTED = "0x4f5e6d7c8b9a0f1e2d3c4b5a6f7e8d9c0b1a2f3e"
EOA_SPENDER = "0x8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c"
FRESH = "0x2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
NFT_MARKET = "0x1e0049783f008a0085193e00003d00cd54003c71"  # OpenSea conduit
CAKE = "0x0e09fabb73bd3ade0a17ecc321fd13a19e81ce82"
LINK = "0xf8a0bf9cf54bb92f17374d9e9a321e6a111a51bd"
PUNKS = "0xb47e3cd837ddf8e4c57f05d70ab865de6e193bbb"

# --- phishing sites ---------------------------------------------------------------------------------------

PHISHING_URL = "https://xn--cm-68s.cc/"  # the GoPlus Go SDK README's example


def address_record(**changes: Any) -> dict[str, Any]:
    """The A.2 capture with flags changed (None removes a key)."""
    body = copy.deepcopy(ADDRESS_PHISHING["result"])
    body.update(phishing_activities="0", blacklist_doubt="0", data_source="")
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def spender_info(**changes: Any) -> dict[str, Any]:
    info = copy.deepcopy(TOKEN_APPROVALS_BSC["result"][0]["approved_list"][0]["address_info"])
    info.update(changes)
    return info


def approved(
    spender: str, amount: str | None = "Unlimited", when: int = NOW - 86400, **info: Any
) -> dict[str, Any]:
    item = copy.deepcopy(TOKEN_APPROVALS_BSC["result"][0]["approved_list"][0])
    item.update(approved_contract=spender, approved_time=when, initial_approval_time=when)
    if amount is None:
        item.pop("approved_amount")
    else:
        item["approved_amount"] = amount
    item["address_info"] = spender_info(**info)
    return item


def token_entry(token: str, symbol: str, *items: dict[str, Any], **changes: Any) -> dict[str, Any]:
    entry = copy.deepcopy(TOKEN_APPROVALS_BSC["result"][0])
    entry.update(
        token_address=token, token_symbol=symbol, token_name=symbol, approved_list=list(items), **changes
    )
    return entry


def nft_entry(nft: str, symbol: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "nft_address": nft,
        "chain_id": "1",
        "nft_name": symbol,
        "nft_symbol": symbol,
        "is_open_source": 1,
        "is_verified": 1,
        "malicious_address": 0,
        "malicious_behavior": [],
        "approved_list": list(items),
    }


def nft_approved(
    spender: str, *, for_all: int | None, token_id: str | None = None, **info: Any
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "approved_contract": spender,
        "approved_time": NOW - 30 * 86400,
        "hash": "0xabc",
        "initial_approval_time": NOW - 30 * 86400,
        "initial_approval_hash": "0xabc",
        "address_info": spender_info(**info),
    }
    if for_all is not None:
        item |= {"approved_for_all": for_all, "approved_token_id": token_id}
    return item


def _addresses() -> dict[str, tuple[int, Any]]:
    int_record = {k: int(v) if v in ("0", "1") else v for k, v in address_record(stealing_attack="1").items()}
    return {
        PHISHER: (1, copy.deepcopy(ADDRESS_PHISHING["result"])),
        SANCTIONED: (1, address_record(sanctioned="1", mixer="1", data_source="OFAC")),
        INT_FLAGGED: (1, int_record),
        CLEAN: (1, address_record()),
        CONTRACT: (1, address_record(contract_address="1")),
        PENDING_ADDRESS: (2, {"phishing_activities": "0", "sanctioned": "0", "data_source": ""}),
        FORTA_LISTED: (1, address_record()),
        SOLANA_WALLET: (1, address_record(contract_address="-1")),
    }


def _wallets() -> dict[tuple[str, str], tuple[int, Any]]:
    risky_tokens = [
        copy.deepcopy(TOKEN_APPROVALS_BSC["result"][0]),
        token_entry(
            CAKE,
            "CAKE",
            approved(
                DRAINER,
                "Unlimited",
                malicious_behavior=["phishing_activities", "stealing_attack"],
                trust_list=0,
            ),
            approved(DOUBTED, "1000", doubt_list=1, trust_list=0),
        ),
        token_entry(
            LINK,
            "LINK",
            approved(
                EOA_SPENDER, "5", is_contract=0, is_open_source=0, trust_list=0, contract_name="", tag=""
            ),
            approved(FRESH, "unlimited", is_open_source=0, trust_list=0, deployed_time=NOW - 3 * 86400),
            approved(CONTRACT, "0"),  # revoked: allowance 0
        ),
    ]
    nft_721 = [
        nft_entry(
            PUNKS,
            "PUNK",
            nft_approved(NFT_MARKET, for_all=1, trust_list=1, contract_name="Seaport Conduit"),
            nft_approved(FRESH, for_all=0, token_id="7804", trust_list=0),
        )
    ]
    nft_1155 = [nft_entry(PUNKS, "PUNK1155", nft_approved(NFT_MARKET, for_all=None, trust_list=1))]
    busy = [
        token_entry(f"0x{i:040x}", f"T{i}", approved(f"0x{i + 1000:040x}", str(10 * i), trust_list=1))
        for i in range(1, 13)
    ]
    syncing = [token_entry(CAKE, "CAKE", {k: v for k, v in approved(DOUBTED).items() if k != "address_info"})]
    out: dict[tuple[str, str], tuple[int, Any]] = {}
    for wallet, tokens, e721, e1155, code in (
        (WALLET, risky_tokens, nft_721, nft_1155, 1),
        (CLEAN_WALLET, [], [], [], 1),
        (BUSY_WALLET, busy, [], [], 1),
        (SYNCING_WALLET, syncing, [], [], 2),
    ):
        out[("token", wallet)] = (code, tokens)
        out[("nft721", wallet)] = (1, e721)
        out[("nft1155", wallet)] = (1, e1155)
    return out


class WalletFake(SecurityFake):
    """GoPlus's wallet-security endpoints; the token-security fake serves every other path and host."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses = _addresses()
        self.wallets = _wallets()
        self.sites: dict[str, tuple[int, Any]] = {
            PHISHING_URL: (1, {"phishing_site": 1, "website_contract_security": []})
        }

    async def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        mine = HOSTS.get(request.url.host) == "goplus" and (
            path.startswith(("/api/v1/address_security/", "/api/v2/")) or path == "/api/v1/phishing_site"
        )
        if not mine:
            return await super().handle(request)
        self.requests.append(request)
        fault = self.next_fault("goplus")
        if fault is not None:
            return await self._fault(fault, request)
        params = request.url.params
        if path.startswith("/api/v1/address_security/"):
            code, result = self.addresses.get(path.rsplit("/", 1)[1], (1, address_record()))
        elif path == "/api/v1/phishing_site":
            code, result = self.sites.get(params.get("url", ""), copy.deepcopy((1, PHISHING_CLEAN["result"])))
        else:
            kind = path.split("/")[3].split("_")[0]  # token, nft721, nft1155
            code, result = self.wallets.get((kind, params.get("addresses", "")), (1, []))
        message = "ok" if code == 1 else "data pending sync"
        return httpx.Response(200, json={"code": code, "message": message, "result": result})
