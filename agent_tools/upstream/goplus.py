"""GoPlus token security, EVM and Solana (upstream-apis.md §2).

Replies come in an envelope `{code, message, result}`: code 1 is success, 2 is "data still syncing"
(partial but usable), 4029 is the rate limit, which may arrive inside an HTTP 200. EVM results are keyed
by the lower-case contract address. Flags are "0"/"1" strings and taxes fraction strings; a missing key
means unknown, so every field here is optional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import httpx
from pydantic import BaseModel, model_validator

from agent_tools.errors import (
    AgentToolsError,
    NotFound,
    UpstreamBadResponse,
    UpstreamRateLimited,
    UpstreamUnavailable,
)
from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Retryable, Upstream
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._security import Tolerant

T = TypeVar("T", bound=BaseModel)

SECURITY_TTL_S = 600.0
OK, PENDING, RATE_LIMITED, SERVER_ERROR = 1, 2, 4029, 5000
_NO_DATA = {2020: "NON_CONTRACT_ADDRESS", 2021: "CONTRACT_INFO_NOT_FOUND"}
_REFUSED = {
    2004: "ADDRESS_FORMAT_ERROR",
    2018: "CHAIN_NOT_SUPPORTED",
    4010: "APP_KEY_NOT_EXIST",
    4011: "SIGNATURE_EXPIRATION",
    4012: "SIGNATURE_VERIFICATION_FAILURE",
    4022: "INVALID_TOKEN",
    4023: "TOKEN_NOT_FOUND",
    5006: "PARAM_ERROR",
}
_RATE_HINT = "lower AGENT_TOOLS_GOPLUS_RATE_PER_MIN (GoPlus publishes no keyless limit; ~30/min is safe)"


class GoPlusHolder(Tolerant):
    """A `holders[]`/`lp_holders[]` entry: `percent` is a fraction string; `is_locked` an int 0/1."""

    address: str | None = None  # EVM
    token_account: str | None = None  # Solana
    tag: str | None = None
    is_contract: int | None = None
    balance: str | None = None
    percent: str | None = None
    is_locked: int | None = None


class GoPlusDex(Tolerant):
    name: str | None = None
    liquidity: str | None = None  # USD
    pair: str | None = None


class EvmTokenSecurity(Tolerant):
    token_name: str | None = None
    token_symbol: str | None = None
    holder_count: str | None = None
    is_open_source: str | None = None
    is_proxy: str | None = None
    is_mintable: str | None = None
    owner_address: str | None = None
    owner_change_balance: str | None = None
    hidden_owner: str | None = None
    can_take_back_ownership: str | None = None
    selfdestruct: str | None = None
    creator_address: str | None = None
    creator_percent: str | None = None
    is_in_dex: str | None = None
    buy_tax: str | None = None
    sell_tax: str | None = None
    cannot_buy: str | None = None
    cannot_sell_all: str | None = None
    is_honeypot: str | None = None
    honeypot_with_same_creator: str | None = None
    transfer_pausable: str | None = None
    slippage_modifiable: str | None = None
    personal_slippage_modifiable: str | None = None
    is_blacklisted: str | None = None
    is_true_token: str | None = None
    is_airdrop_scam: str | None = None
    trust_list: str | None = None
    lp_holder_count: str | None = None
    dex: list[GoPlusDex] | None = None
    holders: list[GoPlusHolder] | None = None
    lp_holders: list[GoPlusHolder] | None = None


_SIMULATED = ("buy_tax", "sell_tax", "is_honeypot")
"""What GoPlus simulates for an open-source token that trades on a DEX (values may be "": unknown)."""


def _simulated_keys_present(record: EvmTokenSecurity) -> None:
    if record.is_open_source == "1" and record.is_in_dex == "1":
        missing = [k for k in _SIMULATED if k not in record.model_fields_set]
        if missing:
            raise ValueError(f"an open-source DEX token without {', '.join(missing)}")


class SolanaAuthority(Tolerant):
    """`{status: "0"|"1", authority: [...]}`; status "1" means the authority is still set."""

    status: str | None = None


class SolanaDex(Tolerant):
    dex_name: str | None = None
    id: str | None = None
    tvl: str | None = None  # USD


class SolanaTokenSecurity(Tolerant):
    mintable: SolanaAuthority | None = None
    freezable: SolanaAuthority | None = None
    closable: SolanaAuthority | None = None
    balance_mutable_authority: SolanaAuthority | None = None
    transfer_hook_upgradable: SolanaAuthority | None = None
    default_account_state: str | None = None
    non_transferable: str | None = None
    none_transferable: str | None = None  # the swagger spelling; which one the live API sends is unverified
    holder_count: str | None = None
    holders: list[GoPlusHolder] | None = None
    lp_holders: list[GoPlusHolder] | None = None
    dex: list[SolanaDex] | None = None


class GoPlusEnvelope(Tolerant, Generic[T]):
    code: int
    message: str | None = None
    result: dict[str, T] | None = None


@dataclass(frozen=True)
class GoPlusToken(Generic[T]):
    """One token's record (None when GoPlus has none) and whether GoPlus said it is still syncing."""

    token: T | None
    pending: bool


class EvmEnvelope(GoPlusEnvelope[EvmTokenSecurity]):
    @model_validator(mode="after")
    def _complete(self) -> EvmEnvelope:
        """A complete (code 1) record lacking the simulated fields is drift; pending (code 2) may lack them."""
        if self.code == OK:
            for record in (self.result or {}).values():
                _simulated_keys_present(record)
        return self


_EVM = BodyAdapter(EvmEnvelope)
_SOLANA = BodyAdapter(GoPlusEnvelope[SolanaTokenSecurity])


def _error_hook(response: httpx.Response, body: Any) -> AgentToolsError | Retryable | None:
    """GoPlus reports failures as envelope codes inside HTTP 200; other statuses take the usual path."""
    if response.status_code != 200 or not isinstance(body, dict):
        return None
    fields = cast(dict[str, object], body)
    code = fields.get("code")
    if not isinstance(code, int) or code in (OK, PENDING):
        return None
    if code == RATE_LIMITED:
        error = UpstreamRateLimited("goplus", "GoPlus is rate limiting (code 4029)", hint=_RATE_HINT)
        return Retryable(error)
    if code == SERVER_ERROR:
        return Retryable(UpstreamUnavailable("goplus", "GoPlus reported a server error (code 5000)"))
    if code in _NO_DATA:
        return NotFound(f"GoPlus has no contract data for this address (code {code} {_NO_DATA[code]})")
    name = (
        f" {_REFUSED[code]}" if code in _REFUSED else ""
    )  # GoPlus's own message is not repeated: third-party text
    return UpstreamBadResponse("goplus", f"GoPlus refused the request (code {code}{name})")


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="goplus",
        display="GoPlus",
        base_url=settings.goplus_base_url,
        rate_per_min=settings.rate_per_min("goplus"),
        error_hook=_error_hook,
        hint=_RATE_HINT,
    )


class GoPlus:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def token_security(self, chain_id: str, address: str) -> Fetched[GoPlusToken[EvmTokenSecurity]]:
        """EVM token security for one contract; GoPlus keys the result by the lower-case address."""
        fetched = await self._up.get(
            f"/token_security/{chain_id}", {"contract_addresses": address.lower()}, _EVM, ttl=SECURITY_TTL_S
        )
        result = {k.lower(): v for k, v in (fetched.value.result or {}).items()}
        return _one(fetched, result.get(address.lower()))

    async def solana_token_security(self, mint: str) -> Fetched[GoPlusToken[SolanaTokenSecurity]]:
        """Solana token security (GoPlus marks it beta); mints are case-sensitive keys."""
        fetched = await self._up.get(
            "/solana/token_security", {"contract_addresses": mint}, _SOLANA, ttl=SECURITY_TTL_S
        )
        return _one(fetched, (fetched.value.result or {}).get(mint))


def _one(fetched: Fetched[GoPlusEnvelope[T]], token: T | None) -> Fetched[GoPlusToken[T]]:
    return Fetched(GoPlusToken(token, fetched.value.code == PENDING), fetched.fetched_at, fetched.stale)
