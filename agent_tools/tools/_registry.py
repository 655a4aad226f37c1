"""Turns a tool function into an MCP `Tool` with a strict, published input schema.

Tool functions take `services` first (bound here, hidden from the schema) and typed,
bounded arguments after it. The argument model refuses unknown arguments and
non-finite numbers (NaN and infinity, also written as strings), so bad input fails
validation before the tool body, and so before any upstream call.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

from mcp.server.mcpserver.tools.base import Tool
from mcp.types import ToolAnnotations
from pydantic import ConfigDict

from agent_tools.services import Services


def discover() -> list[ToolSpec]:
    """Every `TOOL` declared by a module of `agent_tools.tools`, by tool name."""
    import agent_tools.tools as package

    specs: list[ToolSpec] = []
    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            spec = getattr(importlib.import_module(f"{package.__name__}.{info.name}"), "TOOL", None)
            if isinstance(spec, ToolSpec):
                specs.append(spec)
    return sorted(specs, key=lambda s: s.fn.__name__)


def bind_services(fn: Callable[..., Awaitable[Any]], services: Services) -> Callable[..., Awaitable[Any]]:
    """`fn(services, **args)` as `wrapper(**args)`, keeping the argument annotations."""
    hints = get_type_hints(fn, include_extras=True)
    signature = inspect.signature(fn)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()]
    if not params or params[0].name != "services":
        raise TypeError(f"{fn.__name__} must take `services` as its first parameter")

    async def wrapper(**kwargs: Any) -> Any:
        return await fn(services, **kwargs)

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    wrapper.__annotations__ = {k: v for k, v in hints.items() if k != "services"}
    wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params[1:], return_annotation=hints.get("return", signature.return_annotation)
    )
    return wrapper


@dataclass(frozen=True)
class ToolSpec:
    """What a tool module declares (as `TOOL`); the server finds and registers it."""

    fn: Callable[..., Awaitable[Any]]
    title: str
    description: str
    open_world: bool  # true when the tool calls upstream APIs


def make_tool(spec: ToolSpec, services: Services) -> Tool:
    fn, title, open_world = spec.fn, spec.title, spec.open_world
    tool = Tool.from_function(
        bind_services(fn, services),
        name=fn.__name__,
        title=title,
        description=spec.description,
        annotations=ToolAnnotations(
            title=title,
            read_only_hint=True,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=open_world,
        ),
        structured_output=True,
    )
    base = tool.fn_metadata.arg_model
    config = ConfigDict(base.model_config)
    config.update(extra="forbid", allow_inf_nan=False)
    strict = type(base.__name__, (base,), {"model_config": config})
    tool.fn_metadata.arg_model = strict
    tool.parameters = strict.model_json_schema(by_alias=True)
    return tool
