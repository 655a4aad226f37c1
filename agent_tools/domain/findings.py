"""Findings, severities, levels and coverage shared by the wallet-security checks (address, approvals, URL).

The shape is the rug tool's (CONTRACT.md: `code`, `severity`, `title`, `evidence`, `source`), so an agent
reads every security answer the same way. Titles are the server's own sentences: they never quote a
provider's text (names, tags, data sources), which goes into `evidence` cleaned by the source adapters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

Severity = Literal["info", "low", "medium", "high", "critical"]
RiskLevel = Literal["low", "medium", "high", "critical", "unknown"]
Risk = Literal["low", "medium", "high", "critical"]

SEVERITY_RANK: dict[Severity, int] = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


class Finding(BaseModel):
    # defer_build: validators are built at the first answer, not at every server start
    model_config = ConfigDict(frozen=True, defer_build=True)

    code: str = Field(description="stable upper-case identifier, e.g. SANCTIONED, TYPO_SQUAT")
    severity: Severity
    title: str = Field(description="one line, in the server's own words")
    evidence: dict[str, JsonValue] = Field(
        description="the values behind the finding (provider text cleaned)"
    )
    source: str = Field(description="where the evidence came from, e.g. goplus or a bundled list")


class Coverage(BaseModel):
    model_config = ConfigDict(defer_build=True)

    checked: list[str] = Field(description="checks that were made (by a source or offline)")
    unknown: list[str] = Field(description="checks no source could make this time: risk, not safety")
    sources_ok: list[str]
    sources_failed: list[str]


_LEVEL: dict[Severity, RiskLevel] = {"medium": "medium", "high": "high", "critical": "critical"}


def worst(findings: Iterable[Finding]) -> Severity:
    top: Severity = "info"
    for f in findings:
        if SEVERITY_RANK[f.severity] > SEVERITY_RANK[top]:
            top = f.severity
    return top


def level(findings: Iterable[Finding], *, complete: bool) -> RiskLevel:
    """The worst finding's severity as a level; with nothing of note, `low` only when every check was
    made (`complete`), else `unknown`: a check that could not run never makes an answer look safer."""
    found = _LEVEL.get(worst(findings))
    if found is not None:
        return found
    return "low" if complete else "unknown"


def by_severity(findings: Iterable[Finding]) -> list[Finding]:
    """Worst first; the order among equals is kept."""
    return sorted(findings, key=lambda f: -SEVERITY_RANK[f.severity])
