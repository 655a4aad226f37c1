"""completion/complete: values for prompt arguments and resource-template variables.

Offline and in-process, so a client can ask on every keystroke: assets from the bundled price
snapshot, chains from the chain registry, exchanges from the curated fee schedules. A value
matches when it starts with what was typed (case-insensitively); at most 20 come back, best
first, with the total. An argument is completed by its name wherever a prompt declares it
(`symbol`, `chain`, `side`) and for the fee-schedule template's `exchange`. A reference this
server does not have, or an argument with nothing to offer (a free number), gets an empty list
rather than an error, as the conformance suite expects and as suits a client that completes
as the user types.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from mcp.types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    PromptReference,
    ResourceTemplateReference,
)

from agent_tools.domain.chains import CHAINS, TOKEN_CHAINS, Chain
from agent_tools.prompt_library import prompt_file

MAX_VALUES = 20
FEE_SCHEDULE_TEMPLATE = "fees://exchanges/{exchange}"

Candidates = Sequence[tuple[str, tuple[str, ...]]]
"""(value offered, the spellings that select it), best first."""


@functools.cache
def _assets() -> Candidates:
    """Tickers and CoinGecko ids of the snapshot, most traded first; each ticker before its id."""
    from agent_tools.snapshot import price_snapshot

    ranked = sorted(price_snapshot().assets, key=lambda a: (-(a.volume_24h or 0.0), a.id))
    out: list[tuple[str, tuple[str, ...]]] = []
    for asset in ranked:
        out.append((asset.symbol, (asset.symbol,)))
        if asset.id.lower() != asset.symbol.lower():
            out.append((asset.id, (asset.id,)))
    return tuple(out)


def _chains(where: tuple[Chain, ...]) -> Candidates:
    """Canonical names in registry order, each selected by its name or any alias (`bnb`, `56`)."""
    return tuple((c.name, (c.name, *c.aliases)) for c in where)


@functools.cache
def _exchanges() -> Candidates:
    from agent_tools.domain.trading_fees import supported_exchanges

    return tuple((e, (e,)) for e in supported_exchanges())


SIDES: Candidates = (("long", ("long",)), ("short", ("short",)))


def _prompt_candidates(prompt: str, argument: str) -> Candidates:
    file = prompt_file(prompt)
    declared = {a.name for a in file.arguments} if file is not None else set[str]()
    if argument not in declared:
        return ()
    tables: dict[str, Callable[[], Candidates]] = {
        "symbol": _assets,
        # a chain next to an address must have token contracts (bitcoin has none)
        "chain": lambda: _chains(TOKEN_CHAINS if "address" in declared else CHAINS),
        "exchange": _exchanges,
        "side": lambda: SIDES,
    }
    table = tables.get(argument)
    return table() if table else ()


def _template_candidates(uri: str, argument: str) -> Candidates:
    if uri == FEE_SCHEDULE_TEMPLATE and argument == "exchange":
        return _exchanges()
    return ()


def matches(candidates: Candidates, typed: str) -> list[str]:
    """Values any of whose spellings starts with `typed`: exact spellings first, then the table's order."""
    prefix = typed.strip().lower()
    exact: list[str] = []
    rest: list[str] = []
    seen: set[str] = set()
    for value, spellings in candidates:
        lowered = [s.lower() for s in spellings]
        if value.lower() in seen or not any(s.startswith(prefix) for s in lowered):
            continue
        seen.add(value.lower())
        (exact if prefix and prefix in lowered else rest).append(value)
    return exact + rest


async def complete(
    ref: PromptReference | ResourceTemplateReference,
    argument: CompletionArgument,
    context: CompletionContext | None,
) -> Completion:
    """The SDK's completion handler (registered by the server)."""
    if isinstance(ref, PromptReference):
        candidates = _prompt_candidates(ref.name, argument.name)
    else:
        candidates = _template_candidates(ref.uri, argument.name)
    found = matches(candidates, argument.value)
    return Completion(values=found[:MAX_VALUES], total=len(found), has_more=len(found) > MAX_VALUES)
