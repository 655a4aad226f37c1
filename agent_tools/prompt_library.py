"""MCP prompts from `prompts/*.md`: TOML front matter (name, title, description, arguments) + a body.

The front matter sits between `+++` lines, as in Hugo; TOML because the standard library
reads it (`tomllib`), where a YAML parser would add ~10 ms to every server start.

The body's `{argument}` placeholders are filled literally, after each value passes the
same checks the tools apply (a chain and address are validated as for
assess_rug_pull_risk, a symbol as for get_price, numbers must be finite), so a prompt
can never carry text an agent did not mean to send.
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import cast

from mcp.server.mcpserver.prompts.base import Prompt, PromptArgument
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS
from pydantic import BaseModel, Field

from agent_tools.domain.addresses import validate_address
from agent_tools.domain.assets import parse_asset_query
from agent_tools.domain.chains import resolve_chain

MAX_ARGUMENT_LEN = 200


class PromptFile(BaseModel):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    title: str
    description: str
    arguments: list[PromptArgument] = Field(default_factory=list[PromptArgument])
    body: str


def _prompt_dir() -> Traversable:
    """`agent_tools/prompts` inside a wheel; the repository's `prompts/` in a checkout."""
    packaged = resources.files("agent_tools").joinpath("prompts")
    if packaged.is_dir():
        return packaged
    return cast(Traversable, Path(__file__).resolve().parent.parent / "prompts")


def parse_prompt(text: str, source: str) -> PromptFile:
    if not text.startswith("+++\n"):
        raise ValueError(f"{source}: missing TOML front matter (a first line of +++)")
    header, closed, body = text[4:].partition("\n+++\n")
    if not closed:
        raise ValueError(f"{source}: TOML front matter is not closed by a +++ line")
    try:
        meta = tomllib.loads(header)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{source}: front matter is not valid TOML: {exc}") from exc
    return PromptFile.model_validate({**meta, "body": body.strip() + "\n"})


@functools.cache
def load_prompt_files() -> tuple[PromptFile, ...]:
    folder = _prompt_dir()
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".md")), key=lambda f: f.name)
    return tuple(parse_prompt(f.read_text(encoding="utf-8"), f.name) for f in files)


def prompt_file(name: str) -> PromptFile | None:
    return next((p for p in load_prompt_files() if p.name == name), None)


def check_arguments(prompt: PromptFile, arguments: Mapping[str, object]) -> None:
    """Every required argument given and no undeclared one; `ValueError` names the first problem."""
    declared = [a.name for a in prompt.arguments]
    unknown = sorted(set(arguments) - set(declared))
    if unknown:
        raise ValueError(f"unknown argument {unknown[0][:40]!r}; {prompt.name} takes: {', '.join(declared)}")
    missing = [a.name for a in prompt.arguments if a.required and arguments.get(a.name) is None]
    if missing:
        raise ValueError(f"missing required argument {missing[0]!r}")


def _finite_number(value: str) -> str:
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{value!r} is not a finite, non-negative number")
    return value


def _symbol(value: str) -> str:
    return parse_asset_query(value).text


def _one_of(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value.lower() not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value.lower()

    return check


CHECKS: dict[str, Callable[[str], str]] = {
    "symbol": _symbol,
    "chain": lambda v: resolve_chain(v).name,
    "monthly_volume_usd": _finite_number,
    "entry_price": _finite_number,
    "leverage": _finite_number,
    "position_usd": _finite_number,
    "margin_usd": _finite_number,
    "stop_loss_price": _finite_number,
    "trades_per_month": _finite_number,
    "side": _one_of("long", "short"),
}


def render(prompt: PromptFile, arguments: dict[str, str]) -> str:
    """The body with every declared argument checked and substituted."""
    check_arguments(prompt, arguments)
    values: dict[str, str] = {}
    for arg in prompt.arguments:
        raw = arguments.get(arg.name)
        if raw is None:
            values[arg.name] = "(not given)"
            continue
        raw = str(raw).strip()
        if len(raw) > MAX_ARGUMENT_LEN or any(c in raw for c in "{}\n\r`"):
            raise ValueError(f"argument {arg.name!r} is too long or contains forbidden characters")
        check = CHECKS.get(arg.name)
        try:
            values[arg.name] = check(raw) if check else raw
        except ValueError as exc:
            raise ValueError(f"argument {arg.name!r}: {exc}") from None
    if "address" in values and "chain" in values:
        try:
            values["address"] = validate_address(resolve_chain(values["chain"]), values["address"])
        except ValueError as exc:
            raise ValueError(f"argument 'address': {exc}") from None
    text = prompt.body
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def _renderer(prompt: PromptFile) -> Callable[..., str]:
    """A bad argument value is the client's mistake: JSON-RPC invalid params, with the reason."""

    def fn(**arguments: str) -> str:
        try:
            return render(prompt, arguments)
        except ValueError as exc:
            raise MCPError(INVALID_PARAMS, f"invalid arguments for prompt {prompt.name}: {exc}") from None

    return fn


def mcp_prompts() -> list[Prompt]:
    return [
        Prompt(
            name=p.name,
            title=p.title,
            description=p.description,
            arguments=p.arguments,
            fn=_renderer(p),
            context_kwarg=None,
        )
        for p in load_prompt_files()
    ]
