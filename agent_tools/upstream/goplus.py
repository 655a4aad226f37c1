"""GoPlus: token security, EVM and Solana (upstream-apis.md §2), and the wallet-security endpoints
(wallet-and-withdrawal-apis.md part A: malicious addresses, a wallet's approvals, phishing sites).

Replies come in an envelope `{code, message, result}`: code 1 is success, 2 is "data still syncing"
(partial but usable), 4029 is the rate limit, which may arrive inside an HTTP 200. EVM results are keyed
by the lower-case contract address. Flags are "0"/"1" strings in some endpoints and ints in others
(`Tolerant` and `LenientInt` read both); a missing key means unknown, so most fields are optional. A
complete (code 1) reply lacking a field a verdict depends on is drift, refused by the body models so it
is never cached; a pending (code 2) reply may lack them.

The approval endpoints are v2 (`/api/v2/...`); they go through the same provider spec, limiter and error
hook, at the v1 base URL with its final `/v1` swapped for `/v2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar, cast

import httpx
from pydantic import BaseModel, BeforeValidator, StringConstraints, model_validator

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
V = TypeVar("V")

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


# --- wallet security (wallet-and-withdrawal-apis.md part A) ------------------------------------------------


def _blank_is_none(value: object) -> object:
    """GoPlus sends "" or null for "not known"; both read as None before int parsing."""
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


LenientInt = Annotated[int | None, BeforeValidator(_blank_is_none)]
"""An int the SDK documents, also accepted as a numeric string ("1"); "" and null are unknown."""

_BITS = frozenset({"0", "1"})
EvmAddress = Annotated[str, StringConstraints(pattern=r"^0x[0-9a-fA-F]{40}$")]
"""A token or spender address: anything else in these fields is drift, not an address to show."""


def _require(record: BaseModel, keys: tuple[str, ...], what: str) -> None:
    missing = [k for k in keys if k not in record.model_fields_set or getattr(record, k) is None]
    if missing:
        raise ValueError(f"{what} without {', '.join(missing)}")


ADDRESS_FLAGS = (
    "cybercrime",
    "money_laundering",
    "gas_abuse",
    "financial_crime",
    "darkweb_transactions",
    "reinit",
    "phishing_activities",
    "fake_kyc",
    "blacklist_doubt",
    "fake_standard_interface",
    "stealing_attack",
    "blackmail_activities",
    "sanctioned",
    "malicious_mining_activities",
    "mixer",
    "fake_token",
    "honeypot_related_address",
)
"""The malicious-address flags ("0"/"1"): a complete reply states every one."""


class AddressSecurity(Tolerant):
    """`address_security` result: a flat object of strings, flags "0"/"1" (A.2)."""

    cybercrime: str | None = None
    money_laundering: str | None = None
    number_of_malicious_contracts_created: str | None = None
    gas_abuse: str | None = None
    financial_crime: str | None = None
    darkweb_transactions: str | None = None
    reinit: str | None = None
    phishing_activities: str | None = None
    contract_address: str | None = None  # "1"/"0"; "-1" or "" = unknown; absent without chain_id
    fake_kyc: str | None = None
    blacklist_doubt: str | None = None
    data_source: str | None = None  # "" when nothing is known; third-party text
    fake_standard_interface: str | None = None
    stealing_attack: str | None = None
    blackmail_activities: str | None = None
    sanctioned: str | None = None
    malicious_mining_activities: str | None = None
    mixer: str | None = None
    fake_token: str | None = None
    honeypot_related_address: str | None = None


class AddressEnvelope(Tolerant):
    code: int
    message: str | None = None
    result: AddressSecurity | None = None

    @model_validator(mode="after")
    def _complete(self) -> AddressEnvelope:
        """Code 1 states every flag as "0"/"1"; a missing, renamed or unreadable flag is drift."""
        if self.code == OK:
            if self.result is None:
                raise ValueError("a complete reply without a result")
            _require(self.result, ADDRESS_FLAGS, "a complete address record")
            odd = [k for k in ADDRESS_FLAGS if (getattr(self.result, k) or "").strip() not in _BITS]
            if odd:
                raise ValueError(f"flags that are not 0/1: {', '.join(odd)}")
        return self


class SpenderInfo(Tolerant):
    """`address_info` of an approved spender (ApproveAddressInfo); flags are ints 0/1."""

    contract_name: str | None = None
    tag: str | None = None
    creator_address: str | None = None
    deployed_time: LenientInt = None
    is_contract: LenientInt = None
    is_open_source: LenientInt = None
    trust_list: LenientInt = None
    doubt_list: LenientInt = None
    malicious_behavior: list[str] | None = None


_SPENDER_VERDICT = ("doubt_list", "malicious_behavior")


class ApprovedSpender(Tolerant):
    """One `approved_list[]` item: a spender's approval (token: an amount; 721: for-all or one id)."""

    approved_contract: EvmAddress
    approved_amount: str | None = None  # ERC-20 only: "Unlimited" or a decimal string
    approved_for_all: LenientInt = None  # ERC-721 only
    approved_token_id: str | None = None  # ERC-721 only
    approved_time: LenientInt = None
    hash: str | None = None
    initial_approval_time: LenientInt = None
    address_info: SpenderInfo | None = None


class TokenApprovals(Tolerant):
    """One approved ERC-20 token of the wallet (ApproveTokenOutListResponse)."""

    token_address: EvmAddress
    chain_id: str | None = None
    token_name: str | None = None
    token_symbol: str | None = None
    decimals: LenientInt = None
    balance: str | None = None
    is_open_source: LenientInt = None
    malicious_address: LenientInt = None
    malicious_behavior: list[str] | None = None
    approved_list: list[ApprovedSpender]


class NftApprovals(Tolerant):
    """One approved NFT collection of the wallet (ERC-721 and ERC-1155 share this shape)."""

    nft_address: EvmAddress
    chain_id: str | None = None
    nft_name: str | None = None
    nft_symbol: str | None = None
    is_open_source: LenientInt = None
    is_verified: LenientInt = None
    malicious_address: LenientInt = None
    malicious_behavior: list[str] | None = None
    approved_list: list[ApprovedSpender]


def _spenders_complete(items: list[ApprovedSpender], amount: bool) -> None:
    """A complete reply says who each spender is (doubt list, malicious behaviour) and, for tokens, how much."""
    for item in items:
        if amount:
            _require(item, ("approved_amount",), "a complete token approval")
        if item.address_info is None:
            raise ValueError("a complete approval without address_info")
        _require(item.address_info, _SPENDER_VERDICT, "a complete spender record")


class TokenApprovalEnvelope(Tolerant):
    code: int
    message: str | None = None
    result: list[TokenApprovals] | None = None

    @model_validator(mode="after")
    def _complete(self) -> TokenApprovalEnvelope:
        if self.code == OK:
            if self.result is None:
                raise ValueError("a complete reply without a result list")
            for entry in self.result:
                _spenders_complete(entry.approved_list, amount=True)
        return self


class NftApprovalEnvelope(Tolerant):
    code: int
    message: str | None = None
    result: list[NftApprovals] | None = None

    @model_validator(mode="after")
    def _complete(self) -> NftApprovalEnvelope:
        if self.code == OK:
            if self.result is None:
                raise ValueError("a complete reply without a result list")
            for entry in self.result:
                _spenders_complete(entry.approved_list, amount=False)
        return self


class WebsiteContract(Tolerant):
    contract: str | None = None
    standard: str | None = None
    is_contract: str | None = None
    is_open_source: str | None = None
    address_risk: list[str] | None = None


class PhishingSite(Tolerant):
    """`phishing_site` result: 1 = a listed phishing site, 0 = nothing malicious found (A.4)."""

    phishing_site: str | None = None  # an int in the SDK; "1" also seen
    website_contract_security: list[WebsiteContract] | None = None


class PhishingEnvelope(Tolerant):
    code: int
    message: str | None = None
    result: PhishingSite | None = None

    @model_validator(mode="after")
    def _complete(self) -> PhishingEnvelope:
        if self.code == OK:
            if self.result is None:
                raise ValueError("a complete reply without a result")
            if (self.result.phishing_site or "").strip() not in _BITS:
                raise ValueError("a complete phishing record without a 0/1 phishing_site")
        return self


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
_ADDRESS = BodyAdapter(AddressEnvelope)
_TOKEN_APPROVALS = BodyAdapter(TokenApprovalEnvelope)
_NFT_APPROVALS = BodyAdapter(NftApprovalEnvelope)
_PHISHING = BodyAdapter(PhishingEnvelope)

APPROVALS_TTL_S = 60.0  # a wallet that just revoked an approval should see it gone on its next check
NftStandard = Literal["erc721", "erc1155"]


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


def v2_base_url(base_url: str) -> str:
    """The v2 endpoints' base: the v1 base with its final `/v1` swapped for `/v2` (a base URL without
    one, such as a mirror serving both versions under one prefix, is used as it is)."""
    return base_url[: -len("/v1")] + "/v2" if base_url.endswith("/v1") else base_url


def spec(settings: Settings, *, v2: bool = False) -> ProviderSpec:
    """The one GoPlus provider (name, limiter, error hook); `v2` only moves the base URL."""
    base = settings.goplus_base_url
    return ProviderSpec(
        name="goplus",
        display="GoPlus",
        base_url=v2_base_url(base) if v2 else base,
        rate_per_min=settings.rate_per_min("goplus"),
        error_hook=_error_hook,
        hint=_RATE_HINT,
    )


class GoPlus:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))
        self._v2 = Upstream(pipeline, spec(settings, v2=True))

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

    async def address_security(self, address: str, chain_id: str | None) -> Fetched[Pending[AddressSecurity]]:
        """Malicious-address flags; without `chain_id` GoPlus leaves out `contract_address`."""
        params = {"chain_id": chain_id} if chain_id is not None else {}
        fetched = await self._up.get(f"/address_security/{address}", params, _ADDRESS, ttl=SECURITY_TTL_S)
        return _pending(fetched, fetched.value.result)

    async def token_approvals(self, chain_id: str, wallet: str) -> Fetched[Pending[list[TokenApprovals]]]:
        """The wallet's outstanding ERC-20 approvals, one entry per approved token (v2)."""
        fetched = await self._v2.get(
            f"/token_approval_security/{chain_id}",
            {"addresses": wallet},
            _TOKEN_APPROVALS,
            ttl=APPROVALS_TTL_S,
        )
        return _pending(fetched, fetched.value.result or [])

    async def nft_approvals(
        self, standard: NftStandard, chain_id: str, wallet: str
    ) -> Fetched[Pending[list[NftApprovals]]]:
        """The wallet's outstanding ERC-721 or ERC-1155 approvals, one entry per collection (v2)."""
        path = f"/{'nft721' if standard == 'erc721' else 'nft1155'}_approval_security/{chain_id}"
        fetched = await self._v2.get(path, {"addresses": wallet}, _NFT_APPROVALS, ttl=APPROVALS_TTL_S)
        return _pending(fetched, fetched.value.result or [])

    async def phishing_site(self, url: str) -> Fetched[Pending[PhishingSite]]:
        """Whether GoPlus lists `url` as a phishing site."""
        fetched = await self._up.get("/phishing_site", {"url": url}, _PHISHING, ttl=SECURITY_TTL_S)
        return _pending(fetched, fetched.value.result)


@dataclass(frozen=True)
class Pending(Generic[V]):
    """A reply's value (None when GoPlus sent none) and whether GoPlus said its data is still syncing."""

    value: V | None
    pending: bool


class _Coded(Protocol):
    code: int


def _pending(fetched: Fetched[Any], value: V | None) -> Fetched[Pending[V]]:
    envelope = cast(_Coded, fetched.value)
    return Fetched(Pending(value, envelope.code == PENDING), fetched.fetched_at, fetched.stale)


def _one(fetched: Fetched[GoPlusEnvelope[T]], token: T | None) -> Fetched[GoPlusToken[T]]:
    return Fetched(GoPlusToken(token, fetched.value.code == PENDING), fetched.fetched_at, fetched.stale)
