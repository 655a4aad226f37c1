"""Honeypot.is: a simulated buy and sell of the token (upstream-apis.md §3).

Simulates on Ethereum (1), BSC (56) and Base (8453) only, the chains whose `Chain.honeypot_chain_id` is
set. A 404 is read as "no pair to simulate" (undocumented; never as a failure of the call). Taxes are percent numbers (4.0 = 4 %), unlike
GoPlus; several counters and timestamps arrive as strings; `summary` may be null.
"""

from __future__ import annotations

from pydantic import model_validator

from agent_tools.settings import Settings
from agent_tools.upstream import Fetched, Pipeline, ProviderSpec, Upstream
from agent_tools.upstream._bodies import BodyAdapter
from agent_tools.upstream._security import Tolerant, unknown_on_404

SIMULATION_TTL_S = 300.0


class HoneypotToken(Tolerant):
    name: str | None = None
    symbol: str | None = None
    address: str | None = None
    totalHolders: int | None = None


class HoneypotFlag(Tolerant):
    flag: str | None = None
    description: str | None = None
    severity: str | None = None
    severityIndex: int | None = None


class HoneypotSummary(Tolerant):
    risk: str | None = None
    riskLevel: int | None = None
    flags: list[HoneypotFlag | str] | None = None


class HoneypotResult(Tolerant):
    isHoneypot: bool | None = None
    honeypotReason: str | None = None


class SimulationResult(Tolerant):
    buyTax: float | None = None  # percent
    sellTax: float | None = None
    transferTax: float | None = None


class ContractCode(Tolerant):
    openSource: bool | None = None
    rootOpenSource: bool | None = None
    isProxy: bool | None = None
    hasProxyCalls: bool | None = None


class HoneypotPairInfo(Tolerant):
    name: str | None = None
    address: str | None = None


class HoneypotPair(Tolerant):
    pair: HoneypotPairInfo | None = None
    liquidity: float | None = None  # USD
    createdAtTimestamp: int | None = None  # unix seconds, sent as a string


class HoneypotReply(Tolerant):
    token: HoneypotToken  # required: a reply without it is not about our token
    summary: HoneypotSummary | None = None
    simulationSuccess: bool | None = None
    simulationError: str | None = None
    honeypotResult: HoneypotResult | None = None
    simulationResult: SimulationResult | None = None
    contractCode: ContractCode | None = None
    pair: HoneypotPair | None = None

    @model_validator(mode="after")
    def _verdict_present(self) -> HoneypotReply:
        """A simulation that ran carries its verdict and taxes; without them the reply is drift."""
        if self.simulationSuccess is not False:
            missing = [k for k in ("honeypotResult", "simulationResult") if getattr(self, k) is None]
            if missing:
                raise ValueError(f"the simulation ran but {' and '.join(missing)} is missing")
        return self


_REPLY = BodyAdapter(HoneypotReply)


def spec(settings: Settings) -> ProviderSpec:
    return ProviderSpec(
        name="honeypot",
        display="Honeypot.is",
        base_url=settings.honeypot_base_url,
        rate_per_min=settings.rate_per_min("honeypot"),
        error_hook=unknown_on_404("Honeypot.is", "found no trading pair to simulate for this token"),
    )


class Honeypot:
    def __init__(self, pipeline: Pipeline, settings: Settings) -> None:
        self._up = Upstream(pipeline, spec(settings))

    async def is_honeypot(self, address: str, chain_id: int) -> Fetched[HoneypotReply]:
        """Simulate a buy and a sell on `chain_id` (`Chain.honeypot_chain_id`: 1, 56 or 8453)."""
        return await self._up.get(
            "/v2/IsHoneypot", {"address": address, "chainID": str(chain_id)}, _REPLY, ttl=SIMULATION_TTL_S
        )
