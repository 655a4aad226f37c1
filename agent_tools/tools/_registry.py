"""Turns a tool function into an MCP `Tool` with a strict, published input schema.

Tool functions take `services` first (bound here, hidden from the schema) and typed,
bounded arguments after it. The argument model refuses unknown arguments and
non-finite numbers (NaN and infinity, also written as strings), so bad input fails
validation before the tool body, and so before any upstream call.

The answer's text content is its structured content as compact JSON (`CompactText`).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, get_type_hints

import pydantic_core
from mcp.server.mcpserver.tools.base import Tool
from mcp.server.mcpserver.utilities.func_metadata import FuncMetadata
from mcp.types import CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict

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


class CompactText(FuncMetadata):
    """The SDK's result conversion, with the text content as the structured content in compact JSON.

    The SDK writes the text block as indented JSON (a third larger), and hosts put that text
    in the model's context, capped. The structured content, its validation against the
    output model and the published outputSchema are the SDK's; a result a tool built itself
    (e.g. with an image) keeps its other blocks, after the text.
    """

    def convert_result(self, result: Any) -> CallToolResult | InputRequiredResult:
        plain_answer = isinstance(result, BaseModel) and not isinstance(result, CallToolResult)
        if plain_answer and self.output_model is not None and not self.wrap_output:
            if type(result) is not self.output_model:  # an instance of the model itself passes as it is
                result = self._output_adapter(self.output_model).validate_python(
                    result, by_alias=True, by_name=True
                )
            structured: dict[str, Any] = result.model_dump(mode="json", by_alias=True)
            return CallToolResult(content=[_compact(structured)], structured_content=structured)
        converted = super().convert_result(result)
        if isinstance(converted, CallToolResult) and converted.structured_content is not None:
            others = [block for block in converted.content if not isinstance(block, TextContent)]
            converted.content = [_compact(converted.structured_content), *others]
        return converted


def _compact(structured: dict[str, Any]) -> TextContent:
    return TextContent(type="text", text=pydantic_core.to_json(structured).decode())


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
    meta = tool.fn_metadata
    base = meta.arg_model
    config = ConfigDict(base.model_config)
    config.update(extra="forbid", allow_inf_nan=False)
    strict = type(base.__name__, (base,), {"model_config": config})
    tool.fn_metadata = CompactText(
        arg_model=strict,
        output_schema=meta.output_schema,
        output_model=meta.output_model,
        wrap_output=meta.wrap_output,
    )
    tool.parameters = strict.model_json_schema(by_alias=True)
    return tool
