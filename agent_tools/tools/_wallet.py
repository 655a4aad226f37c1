"""What the wallet-security tools share: checking a chain and address, and naming a source's outcome."""

from __future__ import annotations

from typing import Any

from agent_tools.domain.addresses import validate_address
from agent_tools.domain.chains import Chain, names, resolve_chain
from agent_tools.errors import InvalidArgument
from agent_tools.sources.outcome import NoData, Ok, Outcome

OFFLINE = "offline mode (AGENT_TOOLS_OFFLINE=1)"


def parse_target(chain: str, address: str, covered: tuple[Chain, ...]) -> tuple[Chain, str]:
    """The chain (one of `covered`) and the canonical address, or INVALID_ARGUMENT before any upstream call."""
    hint = f"chains: {names(covered)}"
    try:
        resolved = resolve_chain(chain)
    except ValueError as exc:
        raise InvalidArgument(str(exc), hint=hint) from None
    if resolved not in covered:
        raise InvalidArgument(f"{resolved.name} is not covered by this tool", hint=hint)
    try:
        return resolved, validate_address(resolved, address)
    except ValueError as exc:
        raise InvalidArgument(str(exc), hint=hint) from None


def state(outcome: Outcome[Any]) -> str:
    """A source's outcome in one word, for progress messages."""
    return "ok" if isinstance(outcome, Ok) else "no data" if isinstance(outcome, NoData) else "failed"
