"""check_url: is a link a phishing site or a look-alike of an exchange or wallet?

The offline checks (``agent_tools.domain.urls``: official domains, typo-squats, look-alike letters, IDN
homographs, a brand inside another domain, the form of the link) run first and always; GoPlus's
phishing-site list is asked with the link's scheme and host only (never its path, query or user part).
An official domain is `low` on its own; any other host is `low` only when GoPlus answered as well.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from mcp.server.mcpserver.context import Context
from pydantic import BaseModel, Field

from agent_tools.domain.findings import Coverage, Finding, RiskLevel, by_severity, level
from agent_tools.domain.urls import (
    MAX_URL_LEN,
    OFFLINE_CHECKS,
    brands,
    inspect_url,
    parse_url,
    phishing_findings,
)
from agent_tools.errors import InvalidArgument
from agent_tools.services import Services
from agent_tools.sources.outcome import Ok, SourceRun
from agent_tools.tools._registry import ToolSpec
from agent_tools.tools._wallet import OFFLINE, state

GOPLUS = "goplus"
PHISHING_LIST = "goplus_phishing_list"


class UrlResult(BaseModel):
    url: str = Field(description="the link as checked: scheme and host (path and query are not used)")
    host: str = Field(description="the host in ASCII (punycode for international names)")
    host_unicode: str | None = Field(description="how a browser may render the host, when it differs")
    registrable_domain: str | None = Field(description="the domain its owner registered (public suffix list)")
    official_brand: str | None = Field(description="the brand whose official domain this is, if it is one")
    risk_level: RiskLevel
    summary: str
    findings: list[Finding]
    lookalike_of: str | None = Field(description="the official domain this link imitates, if any")
    coverage: Coverage
    source: list[str]
    as_of: datetime
    stale: bool
    warnings: list[str]


def _summary(risk: RiskLevel, findings: list[Finding], lookalike: str | None, official: str | None) -> str:
    if official is not None and risk == "low":
        return f"Low risk: an official domain of {official}. Still check the whole address bar before signing in."
    if risk == "unknown":
        return (
            "Risk unknown: not an official domain we know and the phishing list could not be checked; treat "
            "the link as unverified, not safe."
        )
    if risk == "low":
        return (
            "Low risk: not on GoPlus's phishing list and not a look-alike of a known exchange or wallet. That is "
            "not proof of safety: new phishing sites are listed late."
        )
    reasons = "; ".join(f.title for f in findings[:2])
    tail = f" The real site is {lookalike}." if lookalike else ""
    return f"{risk.capitalize()} risk: {reasons}.{tail}"


async def check(services: Services, url: str, ctx: Context) -> UrlResult:
    try:
        parsed = parse_url(url)
    except ValueError as exc:
        raise InvalidArgument(
            str(exc), hint="pass one full link, e.g. https://www.binance.com/en/login"
        ) from None
    from agent_tools.sources.wallet_security import goplus_phishing

    now = datetime.fromtimestamp(services.clock.wall(), tz=UTC)
    offline = services.settings.offline
    steps = 1 if offline else 2
    inspection = inspect_url(parsed)
    await ctx.report_progress(1, steps, "offline look-alike checks: done")
    findings = list(inspection.findings)
    run = SourceRun()
    warnings: list[str] = []
    as_of, stale, verdict = now, offline, None
    if offline:
        warnings.append(f"{OFFLINE}: GoPlus's phishing list was not checked")
    else:
        outcome = await run.ask(GOPLUS, goplus_phishing(services, parsed.url))
        await ctx.report_progress(2, steps, f"{GOPLUS}: {state(outcome)}")
        if isinstance(outcome, Ok):
            verdict, stale = outcome.value, outcome.stale
            as_of = datetime.fromtimestamp(outcome.fetched_at, tz=UTC)
            warnings += [f"{GOPLUS}: {outcome.note}"] if outcome.note else []
            warnings += ["GoPlus's verdict was served from cache after an upstream error"] if stale else []
        else:
            warnings += run.failure_notes() or [f"{GOPLUS}: no verdict for this site"]
    if verdict is not None:
        findings = by_severity([*phishing_findings(verdict, parsed.url, GOPLUS), *findings])
    answered = verdict is not None  # GoPlus gave a verdict (listed or not)
    official = inspection.official
    risk = level(findings, complete=official is not None or answered)
    coverage = Coverage(
        checked=[*OFFLINE_CHECKS, *([PHISHING_LIST] if answered else [])],
        unknown=[] if answered else [PHISHING_LIST],
        sources_ok=[GOPLUS] if answered else [],
        sources_failed=list(run.failures()),
    )
    return UrlResult(
        url=parsed.url,
        host=parsed.host,
        host_unicode=parsed.host_unicode if parsed.host_unicode != parsed.host else None,
        registrable_domain=parsed.registrable,
        official_brand=official.brand if official else None,
        risk_level=risk,
        summary=_summary(risk, findings, inspection.lookalike_of, official.brand if official else None),
        findings=findings,
        lookalike_of=inspection.lookalike_of,
        coverage=coverage,
        source=["official_domains_list", *([GOPLUS] if answered else [])],
        as_of=as_of,
        stale=stale,
        warnings=warnings,
    )


DESCRIPTION = f"""Is a link a phishing site, or a look-alike of a crypto exchange, wallet or dapp? Use it
before opening or signing in through a link from an email, DM, ad or search result, or when a user
pastes a site they are unsure of.

Input: `url`, one full http(s) link (at most {MAX_URL_LEN} characters), e.g. https://www.binance.com/en/login.
Checks, offline against a bundled list of official domains ({", ".join(brands())}): typo-squats (binnance.com),
look-alike letters (rn for m, l for i, 0 for o), IDN homographs (punycode that renders like a brand, e.g.
Cyrillic letters), a brand or official domain inside another domain (binance.com.account-verify.io,
secure-metamask.io), the brand under another ending (uniswap.app), plus a user@ part that hides the real
host, raw IP hosts, domain endings often used for phishing and plain http. Online: GoPlus's phishing-site
list, sent only the scheme and host, and the risk tags it holds for the contracts the site uses.

Output: `risk_level` low/medium/high/critical/unknown, `findings` (code, severity, title, evidence, source),
worst first, and `lookalike_of`: the real domain a look-alike imitates (send the user there instead).
Official domains and their subdomains are low. Another domain is low only when GoPlus answered and nothing
was found, which is not proof of safety; `unknown` means the phishing list could not be checked."""


async def check_url(
    services: Services,
    url: Annotated[
        str,
        Field(min_length=1, max_length=MAX_URL_LEN, description="The link to check, starting with https://"),
    ],
    ctx: Context,
) -> UrlResult:
    return await check(services, url, ctx)


TOOL = ToolSpec(check_url, title="Check a link for phishing", description=DESCRIPTION, open_world=True)
