"""Write docs/tools.md from the live MCP schemas: every tool, prompt and resource the server publishes.

Builds the server in-process (no network, no subprocess), lists what an MCP client sees and renders
it as markdown: per tool its title, description, hints, an input table (type, required, default,
bounds) and the output fields (nested models flattened to dotted paths, lists marked ``[]``).
tests/test_tools_doc.py fails when the committed file differs from what this prints. Usage::

    python scripts/gen_tools_doc.py            # rewrite docs/tools.md
    python scripts/gen_tools_doc.py --check    # exit 1 if docs/tools.md is out of date
    python scripts/gen_tools_doc.py --stdout   # print instead of writing
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "tools.md"
COMMAND = "python scripts/gen_tools_doc.py"

BOUNDS = (
    ("minimum", "≥ {}"),
    ("exclusiveMinimum", "> {}"),
    ("maximum", "≤ {}"),
    ("exclusiveMaximum", "< {}"),
    ("minLength", "length ≥ {}"),
    ("maxLength", "length ≤ {}"),
    ("minItems", "≥ {} items"),
    ("maxItems", "≤ {} items"),
    ("pattern", "pattern `{}`"),
)


def _cell(text: object) -> str:
    """One markdown table cell: single line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:.0e}".replace("e+", "e") if abs(value) >= 1e9 else f"{value:,}"
    return str(value)


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


class Schema:
    """Reads one JSON schema with its `$defs`."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.defs: dict[str, Any] = root.get("$defs", {})

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return {
                **self.defs[ref.removeprefix("#/$defs/")],
                **{k: v for k, v in node.items() if k != "$ref"},
            }
        return node

    def variants(self, node: dict[str, Any]) -> list[dict[str, Any]]:
        node = self.resolve(node)
        options = node.get("anyOf") or node.get("oneOf")
        if isinstance(options, list):
            return [self.resolve(o) for o in options if isinstance(o, dict)]
        return [node]

    def type_name(self, node: dict[str, Any]) -> str:
        names: list[str] = []
        for variant in self.variants(node):
            if "enum" in variant:
                name = " \\| ".join(
                    f"`{_json(v)}`" if not isinstance(v, str) else f"`{v}`" for v in variant["enum"]
                )
            elif "const" in variant:
                name = f"`{variant['const']}`"
            elif variant.get("type") == "array":
                items = variant.get("items")
                name = f"array of {self.type_name(items)}" if isinstance(items, dict) else "array"
            elif variant.get("type") == "object" or "properties" in variant:
                title = variant.get("title")
                name = f"object ({title})" if title and "properties" in variant else "object"
            elif "type" in variant:
                kind = variant["type"]
                name = " \\| ".join(kind) if isinstance(kind, list) else str(kind)
                if variant.get("format"):
                    name += f" ({variant['format']})"
            else:
                name = "any"
            if name not in names:
                names.append(name)
        return " or ".join(names)

    def bounds(self, node: dict[str, Any]) -> str:
        """Bounds of each variant; prefixed with the variant's type when several have some."""
        per_variant: list[tuple[str, list[str]]] = []
        for variant in self.variants(node):
            parts = [template.format(_number(variant[key])) for key, template in BOUNDS if key in variant]
            items = variant.get("items")
            if isinstance(items, dict):
                parts += [
                    "each " + template.format(_number(items[k])) for k, template in BOUNDS if k in items
                ]
            if parts:
                per_variant.append((self.type_name(variant), parts))
        if len(per_variant) == 1:
            return ", ".join(per_variant[0][1])
        return "; ".join(f"{kind}: {', '.join(parts)}" for kind, parts in per_variant)

    def fields(
        self, node: dict[str, Any], prefix: str = "", seen: tuple[str, ...] = ()
    ) -> list[tuple[str, str, str]]:
        """(path, type, description) of every field, nested objects flattened, recursion cut."""
        rows: list[tuple[str, str, str]] = []
        node = self.resolve(node)
        for name, prop in node.get("properties", {}).items():
            path = f"{prefix}{name}"
            rows.append((path, self.type_name(prop), prop.get("description", "")))
            for variant in self.variants(prop):
                child, suffix = variant, "."
                if variant.get("type") == "array" and isinstance(variant.get("items"), dict):
                    child, suffix = self.resolve(variant["items"]), "[]."
                title = child.get("title", "")
                if "properties" in child and title not in seen:
                    rows.extend(self.fields(child, path + suffix, (*seen, title)))
        return rows


def render_tool(tool: Any) -> list[str]:
    schema = tool.input_schema
    reader = Schema(schema)
    required = set(schema.get("required", []))
    annotations = tool.annotations
    hints = []
    if annotations is not None:
        hints.append("read-only" if annotations.read_only_hint else "may change state")
        hints.append("calls upstream APIs" if annotations.open_world_hint else "no network")
    lines = [f"## `{tool.name}`", ""]
    if tool.title:
        lines += [f"**{tool.title}**" + (f" ({', '.join(hints)})" if hints else ""), ""]
    lines += [(tool.description or "").strip(), "", "### Input", ""]
    properties: dict[str, Any] = schema.get("properties", {})
    if properties:
        lines += [
            "| argument | type | required | default | bounds | description |",
            "|---|---|---|---|---|---|",
        ]
        for name, prop in properties.items():
            default = "" if name in required or "default" not in prop else f"`{_json(prop['default'])}`"
            lines.append(
                f"| `{name}` | {reader.type_name(prop)} | {'yes' if name in required else 'no'} | "
                f"{default} | {_cell(reader.bounds(prop))} | {_cell(prop.get('description', ''))} |"
            )
    else:
        lines.append("No arguments.")
    if schema.get("additionalProperties") is False:
        lines += ["", "Unknown arguments are refused."]
    lines += ["", "### Output", ""]
    if tool.output_schema:
        out = Schema(tool.output_schema)
        lines += ["| field | type | description |", "|---|---|---|"]
        lines += [f"| `{p}` | {t} | {_cell(d)} |" for p, t, d in out.fields(tool.output_schema)]
    else:
        lines.append("Unstructured text.")
    return [*lines, ""]


async def collect() -> dict[str, Any]:
    from mcp import Client

    from agent_tools.server import build_server
    from agent_tools.services import Services
    from agent_tools.settings import Settings

    settings = Settings(_env_file=None, offline=True)  # pyright: ignore[reportCallIssue]
    async with Services(settings) as services, Client(build_server(services)) as client:
        return {
            "tools": (await client.list_tools()).tools,
            "prompts": (await client.list_prompts()).prompts,
            "resources": (await client.list_resources()).resources,
            "templates": (await client.list_resource_templates()).resource_templates,
        }


def render(listing: dict[str, Any]) -> str:
    tools = sorted(listing["tools"], key=lambda t: t.name)
    lines = [
        "# Tools, prompts and resources",
        "",
        f"<!-- Generated by `{COMMAND}` from the live MCP schemas; do not edit by hand. -->",
        "",
        "What an MCP client sees from `agent-tools serve`. Rates are fractions (0.001 = 0.1 %), fields",
        "ending in `_pct` are percents, money is USD unless a currency is named, and `null` means unknown.",
        'Errors are one JSON object `{"error": {"code", "message", "retryable", ...}}` (see README).',
        "",
        "| tool | title | network |",
        "|---|---|---|",
    ]
    for tool in tools:
        network = "upstream APIs" if tool.annotations and tool.annotations.open_world_hint else "none"
        lines.append(f"| [`{tool.name}`](#{tool.name}) | {_cell(tool.title or '')} | {network} |")
    lines.append("")
    for tool in tools:
        lines += render_tool(tool)
    lines.append("## Prompts")
    for prompt in sorted(listing["prompts"], key=lambda p: p.name):
        lines += [
            "",
            f"### `{prompt.name}`",
            "",
            f"**{prompt.title or prompt.name}**: {prompt.description or ''}",
            "",
        ]
        lines += ["| argument | required | description |", "|---|---|---|"]
        for arg in prompt.arguments or []:
            lines.append(
                f"| `{arg.name}` | {'yes' if arg.required else 'no'} | {_cell(arg.description or '')} |"
            )
    lines += ["", "## Resources", "", "| URI | name | MIME type | description |", "|---|---|---|---|"]
    entries = [(str(r.uri), r) for r in listing["resources"]] + [
        (t.uri_template, t) for t in listing["templates"]
    ]
    for uri, res in sorted(entries, key=lambda e: e[0]):
        lines.append(f"| `{uri}` | {res.name} | {res.mime_type or ''} | {_cell(res.description or '')} |")
    return "\n".join(lines).rstrip() + "\n"


def generate() -> str:
    return render(asyncio.run(collect()))


def emit(text: str, *, check: bool = False, stdout: bool = False) -> int:
    """Print `text`, compare it with docs/tools.md (1 when different), or write it there."""
    if stdout:
        sys.stdout.write(text)
    elif check:
        current = DOC.read_text(encoding="utf-8") if DOC.exists() else ""
        if current != text:
            print(f"{DOC.relative_to(REPO)} is out of date: run `{COMMAND}`", file=sys.stderr)
            return 1
    else:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="exit 1 if docs/tools.md is out of date")
    mode.add_argument("--stdout", action="store_true", help="print the markdown instead of writing it")
    args = parser.parse_args(argv)
    return emit(generate(), check=args.check, stdout=args.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
