"""GoPlus's wallet-security replies as domain facts: malicious-address flags (`AddressFacts`), a wallet's
approvals (`Approval`s) and the phishing-site verdict (`PhishingVerdict`).

A value the reply does not state stays ``None`` (unknown). Provider text (spender names and tags, token
symbols, behaviour tags, data sources) is cleaned and capped here (``sources.text``); addresses were
checked for shape by the body models and are given in EIP-55 form.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from agent_tools.domain.address_risk import FLAGS, AddressFacts
from agent_tools.domain.addresses import to_checksum_address
from agent_tools.domain.approvals import Approval, Kind, Spender, parse_amount
from agent_tools.domain.chains import Chain
from agent_tools.domain.urls import PhishingVerdict
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.sources.text import MAX_NAME, MAX_SYMBOL, clean
from agent_tools.sources.values import bit, count, epoch
from agent_tools.upstream import Fetched
from agent_tools.upstream.goplus import (
    AddressSecurity,
    ApprovedSpender,
    GoPlus,
    NftApprovals,
    NftStandard,
    Pending,
    PhishingSite,
    SpenderInfo,
    TokenApprovals,
)

T = TypeVar("T")

MAX_TAG = 40
MAX_TAGS = 3
SYNCING = "GoPlus data is still syncing (code 2): some values may be missing"


def _ok(value: T, fetched: Fetched[Pending[Any]]) -> Ok[T]:
    return Ok(value, fetched.fetched_at, fetched.stale, SYNCING if fetched.value.pending else None)


# --- malicious address -------------------------------------------------------------------------------------


def address_facts(record: AddressSecurity) -> AddressFacts:
    """Flags "1"/"0" (else unknown); `contract_address` "-1" or "" is unknown."""
    return AddressFacts(
        flags={name: bit(getattr(record, name)) for name in FLAGS},
        malicious_contracts_created=count(record.number_of_malicious_contracts_created),
        is_contract=bit(record.contract_address),
        data_source=clean(record.data_source, MAX_NAME),
    )


async def goplus_address(services: Services, chain: Chain, address: str) -> Ok[AddressFacts] | NoData:
    """EVM addresses are sent lower-case with the chain id; Solana ones as given, without a chain id."""
    query = address.lower() if chain.family == "evm" else address
    fetched = await services.provider(GoPlus).address_security(query, chain.goplus_chain_id)
    record = fetched.value.value
    if record is None:
        return NoData("GoPlus sent no record for this address yet")
    return _ok(address_facts(record), fetched)


# --- approvals -----------------------------------------------------------------------------------------------


def _tags(tags: Sequence[str] | None) -> tuple[str, ...] | None:
    if tags is None:
        return None
    cleaned = [t for t in (clean(tag, MAX_TAG) for tag in tags) if t]
    return tuple(dict.fromkeys(cleaned))[:MAX_TAGS]


def spender(item: ApprovedSpender) -> Spender:
    info: SpenderInfo | None = item.address_info
    address = to_checksum_address(item.approved_contract)
    if info is None:
        return Spender(address)
    return Spender(
        address=address,
        name=clean(info.contract_name or info.tag, MAX_NAME),
        is_contract=bit(info.is_contract),
        verified=bit(info.is_open_source),
        trusted=bit(info.trust_list),
        doubted=bit(info.doubt_list),
        malicious_behavior=_tags(info.malicious_behavior),
        deployed_at=epoch(info.deployed_time),
    )


def _when(item: ApprovedSpender) -> datetime | None:
    return epoch(item.approved_time or item.initial_approval_time)


def token_approvals(entries: Sequence[TokenApprovals]) -> list[Approval]:
    """ERC-20 approvals; an allowance of 0 is a revoked one and is left out."""
    out: list[Approval] = []
    for entry in entries:
        flagged = bit(entry.malicious_address)
        for item in entry.approved_list:
            amount = parse_amount(item.approved_amount)
            if amount is not None and amount != "unlimited" and amount == 0:
                continue
            out.append(
                Approval(
                    kind="erc20",
                    token=to_checksum_address(entry.token_address),
                    spender=spender(item),
                    token_symbol=clean(entry.token_symbol, MAX_SYMBOL),
                    amount=amount,
                    token_flagged=flagged,
                    approved_at=_when(item),
                    assessed=item.address_info is not None,
                )
            )
    return out


def nft_approvals(standard: NftStandard, entries: Sequence[NftApprovals]) -> list[Approval]:
    """ERC-721 approvals are for the whole collection or one token id; ERC-1155 ones always for all."""
    kind: Kind = standard
    out: list[Approval] = []
    for entry in entries:
        flagged = bit(entry.malicious_address)
        for item in entry.approved_list:
            single = standard == "erc721" and item.approved_for_all == 0
            out.append(
                Approval(
                    kind=kind,
                    token=to_checksum_address(entry.nft_address),
                    spender=spender(item),
                    token_symbol=clean(entry.nft_symbol, MAX_SYMBOL),
                    amount=parse_amount("1") if single else "unlimited",
                    token_id=clean(item.approved_token_id, MAX_SYMBOL) if single else None,
                    token_flagged=flagged,
                    approved_at=_when(item),
                    assessed=item.address_info is not None,
                )
            )
    return out


async def goplus_token_approvals(
    services: Services, chain: Chain, wallet: str
) -> Ok[list[Approval]] | NoData:
    assert chain.goplus_chain_id is not None, "approvals are read on EVM chains only"
    fetched = await services.provider(GoPlus).token_approvals(chain.goplus_chain_id, wallet.lower())
    return _ok(token_approvals(fetched.value.value or []), fetched)


async def goplus_nft_approvals(
    services: Services, standard: NftStandard, chain: Chain, wallet: str
) -> Ok[list[Approval]] | NoData:
    assert chain.goplus_chain_id is not None, "approvals are read on EVM chains only"
    fetched = await services.provider(GoPlus).nft_approvals(standard, chain.goplus_chain_id, wallet.lower())
    return _ok(nft_approvals(standard, fetched.value.value or []), fetched)


# --- phishing sites ---------------------------------------------------------------------------------------


MAX_SITE_CONTRACTS = 5
_EVM_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def phishing_verdict(site: PhishingSite) -> PhishingVerdict | None:
    """The verdict, or None when GoPlus gave none; a site contract counts as flagged when it has a tag
    left after cleaning, and is named only when its address has the shape of one."""
    listed = bit(site.phishing_site)
    if listed is None:
        return None
    tagged = [
        (c.contract, tags) for c in site.website_contract_security or [] if (tags := _tags(c.address_risk))
    ]
    addresses = [to_checksum_address(a) for a, _ in tagged if a and _EVM_ADDRESS.fullmatch(a)]
    return PhishingVerdict(
        listed=listed,
        flagged_contracts=tuple(dict.fromkeys(addresses))[:MAX_SITE_CONTRACTS],
        contract_tags=_tags([tag for _, tags in tagged for tag in tags]) or (),
    )


async def goplus_phishing(services: Services, url: str) -> Ok[PhishingVerdict] | NoData:
    """GoPlus's phishing-site verdict for `url` (scheme and host only)."""
    fetched = await services.provider(GoPlus).phishing_site(url)
    site = fetched.value.value
    verdict = phishing_verdict(site) if site is not None else None
    if verdict is None:
        return NoData("GoPlus gave no phishing verdict yet (data still syncing)")
    return _ok(verdict, fetched)
