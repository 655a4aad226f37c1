"""The token-security sources: each provider's reply as one ``TokenFacts`` (docs/rug_risk.md, "Facts").

A value the reply does not state stays ``None`` (unknown), never a safe default. Upstream data is
untrusted: a number that does not parse is unknown, percentages are clamped to 0-100, and provider text
(flags, reasons, raw evidence) is cleaned and capped (``sources.text``). Besides the facts, each reading
carries ``flags``: risks a provider reported that ``TokenFacts`` has no field for (say, an owner who can
rewrite balances). They are shown to the user but do not move the score.

``SOURCES`` lists the providers in the order answers show them, with the chains each covers and the
adapter that asks it; ``assess_rug_pull_risk`` runs them all at once through a ``SourceRun``.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, TypeVar, cast

from pydantic import BaseModel, JsonValue

from agent_tools.domain.chains import CHAINS, Chain
from agent_tools.domain.rug_risk import TokenFacts, pct_from_fraction, weekly_rate
from agent_tools.services import Services
from agent_tools.sources.outcome import NoData, Ok
from agent_tools.sources.text import MAX_FLAG, clean
from agent_tools.sources.values import bit as _bit
from agent_tools.sources.values import count as _count
from agent_tools.sources.values import epoch as _epoch
from agent_tools.sources.values import number as _number
from agent_tools.upstream import Fetched
from agent_tools.upstream.dexscreener import DexPair, DexScreener
from agent_tools.upstream.goplus import (
    EvmTokenSecurity,
    GoPlus,
    GoPlusHolder,
    GoPlusToken,
    SolanaAuthority,
    SolanaTokenSecurity,
)
from agent_tools.upstream.honeypot import Honeypot, HoneypotReply
from agent_tools.upstream.rugcheck import RugCheck, RugCheckReport

M = TypeVar("M", bound=BaseModel)

NULL_ADDRESS = "0x0000000000000000000000000000000000000000"
BURN_ADDRESSES = frozenset({NULL_ADDRESS, "0x000000000000000000000000000000000000dead"})
TOP_HOLDERS = 10
MAX_RAW_CHARS = 40  # a raw upstream value shown as evidence
# RugCheck known-account types that are infrastructure, not insiders, when counting top holders.
RUGCHECK_INFRA_TYPES = frozenset({"AMM", "LOCKER"})


@dataclass(frozen=True, slots=True)
class Reading:
    """What one provider said: facts for the assessment and flags ("source: text") shown beside it."""

    facts: TokenFacts
    flags: tuple[str, ...] = ()


# --- value parsing ---------------------------------------------------------------------------------------


def _fraction_pct(value: str | None) -> float | None:
    """A GoPlus fraction string as percent; unparseable or negative is unknown."""
    try:
        return pct_from_fraction(value)
    except ValueError:
        return None


def _pct(value: float | None) -> float | None:
    return None if value is None else min(max(value, 0.0), 100.0)


def _usd(value: str | float | None) -> float | None:
    number = _number(value)
    return number if number is not None and number >= 0 else None


def _evidence(**raw: JsonValue) -> dict[str, JsonValue]:
    """Raw upstream values behind the facts; provider strings cleaned and capped."""
    return {
        name: clean(value, MAX_RAW_CHARS) if isinstance(value, str) else value
        for name, value in raw.items()
        if value is not None
    }


def _flag(source: str, said: str | None) -> str | None:
    """A provider's own words as a flag, cleaned and capped; None when nothing is left."""
    cleaned = clean(said, MAX_FLAG - len(source) - 2)
    return None if cleaned is None else f"{source}: {cleaned}"


# --- GoPlus ------------------------------------------------------------------------------------------------


def _holder_share(holders: Iterable[GoPlusHolder], keep: Callable[[GoPlusHolder], bool]) -> float:
    """Percent of supply held by the holders ``keep`` selects (GoPlus ``percent`` is a fraction)."""
    return min(sum(_fraction_pct(h.percent) or 0.0 for h in holders if keep(h)), 100.0)


def _top_insiders(holders: Sequence[GoPlusHolder], pools: frozenset[str]) -> float | None:
    """Top-10 share without pool, burn, locked and named (tagged: pools, lockers, exchanges) holders."""
    if not holders:
        return None

    def insider(h: GoPlusHolder) -> bool:
        address = (h.address or h.token_account or "").lower()
        return not (h.is_locked == 1 or h.tag or address in BURN_ADDRESSES or address in pools)

    ranked = sorted(holders, key=lambda h: -(_fraction_pct(h.percent) or 0.0))
    return _holder_share([h for h in ranked if insider(h)][:TOP_HOLDERS], lambda _h: True)


def _lp_providers(count: int | None, lp_holders: Sequence[GoPlusHolder]) -> tuple[int | None, float | None]:
    """LP providers as BOBAI counts them, and the spread of their shares (BOBAI ``lp_std``, percent).

    GoPlus lists and counts the null address, which holds the 1,000 wei of LP Uniswap V2 locks at
    creation; BOBAI does not (a fresh pool has one holder), so it is left out of both. GoPlus lists
    the top 10 only: the unlisted holders are taken to share the rest equally, a lower bound on the
    spread. The spread is the population standard deviation of the shares.
    """
    listed = [h for h in lp_holders if (h.address or "").lower() != NULL_ADDRESS]
    if count is None:
        return None, None
    if len(listed) < len(lp_holders):
        count = max(count - 1, 0)
    if not listed or count == 0:
        return count, None
    shares = [_fraction_pct(h.percent) or 0.0 for h in listed]
    n = max(count, len(shares))
    rest, others = max(100.0 - sum(shares), 0.0), n - len(shares)
    total = sum(shares) + (rest if others else 0.0)
    squares = sum(s * s for s in shares) + (rest * rest / others if others else 0.0)
    variance = max(squares / n - (total / n) ** 2, 0.0)
    return count, min(math.sqrt(variance), 100.0)


def _lp_locked(lp_holders: Sequence[GoPlusHolder]) -> float | None:
    return _holder_share(lp_holders, lambda h: h.is_locked == 1) if lp_holders else None


_GOPLUS_RISK_FLAGS = {
    "owner_change_balance": "the owner can change holders' balances",
    "selfdestruct": "the contract can self-destruct",
    "can_take_back_ownership": "ownership can be taken back after renouncing",
    "cannot_buy": "the token cannot be bought",
    "personal_slippage_modifiable": "the owner can set a separate tax for each address",
    "is_airdrop_scam": "flagged as an airdrop scam",
}


def _goplus_evm_flags(t: EvmTokenSecurity) -> list[str]:
    flags = [f"goplus: {text}" for name, text in _GOPLUS_RISK_FLAGS.items() if _bit(getattr(t, name))]
    if _bit(t.is_true_token) is False:
        flags.append("goplus: a fake copy of another token (is_true_token=0)")
    if _bit(t.cannot_sell_all) and not _bit(t.is_honeypot):
        flags.append("goplus: holders cannot sell all their tokens at once")
    same_creator = _count(t.honeypot_with_same_creator)
    if same_creator:
        flags.append(f"goplus: the creator has deployed {same_creator} other honeypot(s)")
    return flags


def from_goplus_evm(t: EvmTokenSecurity) -> Reading:
    """GoPlus EVM token security; ``is_honeypot`` falls back to ``cannot_sell_all`` only when absent."""
    dex = t.dex or []
    holders = t.holders or []
    lp = t.lp_holders or []
    pools = frozenset(d.pair.lower() for d in dex if d.pair)
    creator = (t.creator_address or "").lower()
    honeypot = _bit(t.is_honeypot)
    if honeypot is None and _bit(t.cannot_sell_all):
        honeypot = True
    liquidity: float | None = None
    lp_count, lp_spread = _lp_providers(_count(t.lp_holder_count), lp)
    if dex:
        liquidity = sum(_usd(d.liquidity) or 0.0 for d in dex)
    elif _bit(t.is_in_dex) is False:
        liquidity = 0.0  # GoPlus states the token trades on no DEX
    facts = TokenFacts(
        source="goplus",
        method="static",
        is_honeypot=honeypot,
        buy_tax_pct=_fraction_pct(t.buy_tax),
        sell_tax_pct=_fraction_pct(t.sell_tax),
        tax_modifiable=_bit(t.slippage_modifiable),
        mintable=_bit(t.is_mintable),
        owner_address=clean(t.owner_address, 128) if t.owner_address else t.owner_address,
        # a renounce that can be undone is no renounce
        owner_renounced=False if _bit(t.can_take_back_ownership) else None,
        proxy_upgradeable=_bit(t.is_proxy),
        hidden_owner=_bit(t.hidden_owner),
        blacklist=_bit(t.is_blacklisted),
        trading_pausable=_bit(t.transfer_pausable),
        lp_locked_pct=_lp_locked(lp),
        lp_creator_pct=_holder_share(lp, lambda h: (h.address or "").lower() == creator)
        if lp and creator
        else None,
        lp_holder_count=lp_count,
        lp_share_std_pct=lp_spread,
        liquidity_usd=liquidity,
        top10_holder_pct=_top_insiders(holders, pools),
        creator_pct=_fraction_pct(t.creator_percent),
        token_burn_pct=_holder_share(holders, lambda h: (h.address or "").lower() in BURN_ADDRESSES)
        if holders
        else None,
        source_verified=_bit(t.is_open_source),
        evidence=_evidence(
            is_honeypot=t.is_honeypot
            if t.is_honeypot is not None or honeypot is None
            else "cannot_sell_all=1",
            buy_tax_pct=t.buy_tax,
            sell_tax_pct=t.sell_tax,
            tax_modifiable=t.slippage_modifiable,
            mintable=t.is_mintable,
            proxy_upgradeable=t.is_proxy,
            hidden_owner=t.hidden_owner,
            blacklist=t.is_blacklisted,
            trading_pausable=t.transfer_pausable,
            lp_holder_count=t.lp_holder_count,
            creator_pct=t.creator_percent,
            source_verified=t.is_open_source,
        ),
    )
    return Reading(facts, tuple(_goplus_evm_flags(t)))


_SOLANA_RISK_AUTHORITIES = {
    "balance_mutable_authority": "an authority can change holders' balances",
    "closable": "an authority can close the mint",
    "transfer_hook_upgradable": "an authority can change the transfer hook",
}


def _status(authority: SolanaAuthority | None) -> bool | None:
    return _bit(authority.status) if authority is not None else None


def from_goplus_solana(t: SolanaTokenSecurity) -> Reading:
    """GoPlus Solana token security (beta): authorities, holders, pools."""
    flags = [
        f"goplus: {text}"
        for name, text in _SOLANA_RISK_AUTHORITIES.items()
        if _status(cast(SolanaAuthority | None, getattr(t, name)))
    ]
    if _bit(t.non_transferable or t.none_transferable):
        flags.append("goplus: the token is non-transferable")
    if (t.default_account_state or "").strip() == "2":
        flags.append("goplus: new token accounts start frozen")
    dex = t.dex or []
    facts = TokenFacts(
        source="goplus",
        method="static",
        mint_authority=_status(t.mintable),
        freeze_authority=_status(t.freezable),
        lp_locked_pct=_lp_locked(t.lp_holders or []),
        liquidity_usd=sum(_usd(d.tvl) or 0.0 for d in dex) if dex else None,
        top10_holder_pct=_top_insiders(t.holders or [], frozenset()),
        evidence=_evidence(
            mint_authority=t.mintable.status if t.mintable else None,
            freeze_authority=t.freezable.status if t.freezable else None,
        ),
    )
    return Reading(facts, tuple(flags))


# --- Honeypot.is ----------------------------------------------------------------------------------------


def from_honeypot(r: HoneypotReply) -> Reading:
    """A sell simulation. When it did not run, its taxes and a "not a honeypot" verdict mean nothing,
    but a honeypot verdict still counts."""
    ran = r.simulationSuccess is not False
    verdict = r.honeypotResult.isHoneypot if r.honeypotResult else None
    if not ran and verdict is False:
        verdict = None
    sim = r.simulationResult if ran else None
    code, pair = r.contractCode, r.pair
    facts = TokenFacts(
        source="honeypot.is",
        method="simulation",
        is_honeypot=verdict,
        buy_tax_pct=_pct(sim.buyTax) if sim else None,
        sell_tax_pct=_pct(sim.sellTax) if sim else None,
        proxy_upgradeable=code.isProxy if code else None,
        source_verified=code.openSource if code else None,
        liquidity_usd=_usd(pair.liquidity) if pair else None,
        pair_created_at=_epoch(pair.createdAtTimestamp) if pair else None,
        evidence=_evidence(
            buy_tax_pct=sim.buyTax if sim else None,
            sell_tax_pct=sim.sellTax if sim else None,
            pair_created_at=pair.createdAtTimestamp if pair else None,
        ),
    )
    said: list[str | None] = []
    if r.honeypotResult and r.honeypotResult.honeypotReason:
        said.append(r.honeypotResult.honeypotReason)
    if not ran:
        said.append(f"the simulation failed ({clean(r.simulationError, 60) or 'no reason given'})")
    for item in (r.summary.flags or []) if r.summary else []:
        if isinstance(item, str):
            said.append(item)
        elif item.severity not in ("info", "low"):
            said.append(item.description or item.flag)
    flags = [f for f in (_flag("honeypot.is", t) for t in said) if f]
    return Reading(facts, tuple(flags))


# --- DexScreener ----------------------------------------------------------------------------------------


def from_dexscreener(pairs: Sequence[DexPair], address: str, observed_at: datetime) -> Reading | None:
    """Market facts from the token's most liquid pair; None when no pair contains the token.

    Weekly trade rates are reported only for a pair younger than a day at ``observed_at`` (when the
    reply was fetched): then its 24 h counts are its lifetime counts (``rug_risk.weekly_rate``).
    """
    wanted = address.lower()  # base58 mints differing only in case do not occur in practice
    mine = [p for p in pairs if wanted in (p.baseToken.address.lower(), p.quoteToken.address.lower())]
    if not mine:
        return None
    top = max(mine, key=lambda p: (p.liquidity.usd if p.liquidity else None) or 0.0)
    day = (top.txns or {}).get("h24")
    created = top.pairCreatedAt
    created_at = _epoch(created / 1000) if created else None
    ratio = buys_pw = sells_pw = None
    if day is not None and day.buys is not None and day.sells is not None:
        # txns count buys of the base token; when ours is the quote, its buys are the base's sells
        buys, sells = (
            (day.buys, day.sells) if top.baseToken.address.lower() == wanted else (day.sells, day.buys)
        )
        ratio = buys / (sells + 1)
        if created_at is not None:
            buys_pw = weekly_rate(buys, observed_at - created_at)
            sells_pw = weekly_rate(sells, observed_at - created_at)
    liquidity = top.liquidity.usd if top.liquidity else None
    facts = TokenFacts(
        source="dexscreener",
        method="market",
        liquidity_usd=_usd(liquidity),
        buy_sell_ratio=ratio,
        buys_per_week=buys_pw,
        sells_per_week=sells_pw,
        pair_created_at=created_at,
        evidence=_evidence(
            liquidity_usd=liquidity,
            buy_sell_ratio={"h24_buys": day.buys, "h24_sells": day.sells}
            if ratio is not None and day
            else None,
            pair_created_at=created,
        ),
    )
    return Reading(facts)


# --- RugCheck ---------------------------------------------------------------------------------------------


def _authority(
    r: RugCheckReport, name: Literal["mintAuthority", "freezeAuthority"]
) -> tuple[bool | None, str | None]:
    """(still set?, raw): null is renounced, a missing key unknown; top level first, then ``token``."""
    for holder in (r, r.token):
        if holder is not None and name in holder.model_fields_set:
            value = cast(str | None, getattr(holder, name))
            return value is not None, value
    return None, None


def from_rugcheck(r: RugCheckReport) -> Reading:
    """RugCheck's report: authorities, LP lock of the most liquid market, holders, creator history."""
    mint_set, mint_raw = _authority(r, "mintAuthority")
    freeze_set, freeze_raw = _authority(r, "freezeAuthority")
    lps = [m.lp for m in r.markets or [] if m.lp is not None and m.lp.lpLockedPct is not None]
    main_lp = max(lps, key=lambda lp: (lp.baseUSD or 0.0) + (lp.quoteUSD or 0.0), default=None)
    infra = {
        address
        for address, account in (r.knownAccounts or {}).items()
        if (account.type or "").upper() in RUGCHECK_INFRA_TYPES
    }
    top10: float | None = None
    if r.topHolders:
        ranked = sorted(r.topHolders, key=lambda h: -(h.pct or 0.0))
        insiders = [h for h in ranked if h.address not in infra and h.owner not in infra]
        top10 = _pct(sum(h.pct or 0.0 for h in insiders[:TOP_HOLDERS]))
    supply = r.token.supply if r.token else None
    creator_pct = _pct(r.creatorBalance / supply * 100) if r.creatorBalance is not None and supply else None
    facts = TokenFacts(
        source="rugcheck",
        method="static",
        mint_authority=mint_set,
        freeze_authority=freeze_set,
        lp_locked_pct=_pct(main_lp.lpLockedPct) if main_lp else None,
        # 0 providers is what RugCheck reports for markets without LP tokens (bonding curves): unknown
        lp_holder_count=r.totalLPProviders if r.totalLPProviders else None,
        liquidity_usd=_usd(r.totalMarketLiquidity),
        top10_holder_pct=top10,
        creator_pct=creator_pct,
        creator_token_count=len(r.creatorTokens) + 1 if r.creatorTokens is not None else None,
        evidence=_evidence(
            mint_authority=mint_raw,
            freeze_authority=freeze_raw,
            lp_locked_pct=main_lp.lpLockedPct if main_lp else None,
            lp_holder_count=r.totalLPProviders,
            liquidity_usd=r.totalMarketLiquidity,
        ),
    )
    said = [
        f"{clean(risk.name, 90)} ({risk.level})"
        for risk in r.risks or []
        if risk.name and risk.level in ("warn", "danger")
    ]
    flags = [f for f in (_flag("rugcheck", t) for t in said) if f]
    if r.rugged:
        flags.insert(0, "rugcheck: marked as rugged")
    return Reading(facts, tuple(flags))


# --- the sources ----------------------------------------------------------------------------------------


def _ok(reading: Reading, fetched: Fetched[object], note: str | None = None) -> Ok[Reading]:
    return Ok(reading, fetched.fetched_at, fetched.stale, note)


async def _goplus(services: Services, chain: Chain, address: str) -> Ok[Reading] | NoData:
    client = services.provider(GoPlus)
    if chain.family == "solana":
        return _goplus_reading(await client.solana_token_security(address), from_goplus_solana)
    assert chain.goplus_chain_id is not None, "applies only where GoPlus has a chain id"
    return _goplus_reading(await client.token_security(chain.goplus_chain_id, address), from_goplus_evm)


def _goplus_reading(
    fetched: Fetched[GoPlusToken[M]], to_reading: Callable[[M], Reading]
) -> Ok[Reading] | NoData:
    token = fetched.value.token
    if token is None:
        return NoData("GoPlus has no record of this token")
    pending = (
        "GoPlus data is still syncing (code 2): some checks may be missing" if fetched.value.pending else None
    )
    return _ok(to_reading(token), fetched, pending)


async def _honeypot(services: Services, chain: Chain, address: str) -> Ok[Reading] | NoData:
    assert chain.honeypot_chain_id is not None, "applies only where Honeypot.is simulates"
    fetched = await services.provider(Honeypot).is_honeypot(address, chain.honeypot_chain_id)
    return _ok(from_honeypot(fetched.value), fetched)


async def _dexscreener(services: Services, chain: Chain, address: str) -> Ok[Reading] | NoData:
    assert chain.dexscreener_slug is not None, "applies only where DexScreener lists pairs"
    fetched = await services.provider(DexScreener).token_pairs(chain.dexscreener_slug, address)
    reading = from_dexscreener(fetched.value, address, datetime.fromtimestamp(fetched.fetched_at, tz=UTC))
    return (
        NoData("DexScreener lists no trading pair for this token")
        if reading is None
        else _ok(reading, fetched)
    )


async def _rugcheck(services: Services, _chain: Chain, address: str) -> Ok[Reading] | NoData:
    fetched = await services.provider(RugCheck).report(address)
    return _ok(from_rugcheck(fetched.value), fetched)


@dataclass(frozen=True, slots=True)
class Source:
    """A token-security provider: the chains it covers (and what to say elsewhere), and its adapter."""

    name: str
    applies: Callable[[Chain], bool]
    not_covered: str
    read: Callable[[Services, Chain, str], Awaitable[Ok[Reading] | NoData]]


SOURCES = (
    Source(
        "goplus",
        lambda c: c.family == "solana" or c.goplus_chain_id is not None,
        "GoPlus does not cover this chain",
        _goplus,
    ),
    Source(
        "honeypot.is",
        lambda c: c.honeypot_chain_id is not None,
        "Honeypot.is simulates on " + ", ".join(c.name for c in CHAINS if c.honeypot_chain_id) + " only",
        _honeypot,
    ),
    Source(
        "dexscreener",
        lambda c: c.dexscreener_slug is not None,
        "DexScreener does not cover this chain",
        _dexscreener,
    ),
    Source("rugcheck", lambda c: c.family == "solana", "RugCheck covers Solana only", _rugcheck),
)
