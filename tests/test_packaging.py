"""The distribution's name and scripts, the MCP registry's server.json and the .mcpb manifest.

server.json and manifest.json are validated against the schemas their publishers publish
(vendored in packaging/, see its README for where they come from) and must agree with
pyproject.toml, the settings (secrets marked secret) and the tools the server lists.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import tomllib
from pathlib import Path
from typing import Any, get_args

import pytest
from jsonschema import Draft7Validator
from pydantic import SecretStr

from agent_tools import __version__
from agent_tools.settings import Settings
from agent_tools.tools._registry import discover

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DISTRIBUTION = "crypto-agent-tools"
SCHEMAS = {  # vendored file -> SHA-256 of the published file (packaging/README.md)
    "server.schema.json": "3fba09590c99f61735d234822279f4223fab9e300c0a81e81c91ab62a4114de0",
    "mcpb-manifest-v0.4.schema.json": "068557824c651d6d49b86ad132adeafe62ca788d918b3e1e2b224bf0f91320fd",
}


def _load(name: str) -> dict[str, Any]:
    return json.loads((ROOT / name).read_text())


def _schema(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "packaging" / name).read_text())


def _errors(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    validator = Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def _secret_settings() -> set[str]:
    return {
        f"AGENT_TOOLS_{name.upper()}"
        for name, field in Settings.model_fields.items()
        if SecretStr in (field.annotation, *get_args(field.annotation))
    }


def test_the_distribution_is_crypto_agent_tools_with_both_commands() -> None:
    assert PYPROJECT["name"] == DISTRIBUTION
    assert PYPROJECT["version"] == __version__
    assert PYPROJECT["scripts"] == {
        "agent-tools": "agent_tools.cli:main",
        "crypto-agent-tools": "agent_tools.cli:main",
    }


def test_the_installed_distribution_has_both_commands() -> None:
    try:
        installed = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("this venv has not installed the checkout as crypto-agent-tools (pip install -e .)")
    scripts = {e.name: e.value for e in installed.entry_points if e.group == "console_scripts"}
    assert scripts == {"agent-tools": "agent_tools.cli:main", "crypto-agent-tools": "agent_tools.cli:main"}


@pytest.mark.parametrize(("name", "sha256"), SCHEMAS.items())
def test_the_vendored_schemas_are_the_published_files(name: str, sha256: str) -> None:
    assert hashlib.sha256((ROOT / "packaging" / name).read_bytes()).hexdigest() == sha256


def test_server_json_is_valid_for_the_mcp_registry() -> None:
    server, schema = _load("server.json"), _schema("server.schema.json")
    assert _errors(server, schema) == []
    assert server["$schema"] == schema["$id"]
    assert server["version"] == __version__
    [package] = server["packages"]
    assert (package["registryType"], package["identifier"], package["version"]) == (
        "pypi",
        DISTRIBUTION,
        __version__,
    )
    assert package["transport"] == {"type": "stdio"} and package["runtimeHint"] == "uvx"
    assert [a.get("value") for a in package["packageArguments"]] == ["serve"]  # uvx crypto-agent-tools serve


def test_server_json_environment_is_known_settings_with_secrets_marked_secret() -> None:
    [package] = _load("server.json")["packages"]
    fields = {f"AGENT_TOOLS_{name.upper()}" for name in Settings.model_fields}
    secrets = _secret_settings()
    assert secrets >= {"AGENT_TOOLS_COINGECKO_API_KEY", "AGENT_TOOLS_ETHERSCAN_API_KEY"}
    for variable in package["environmentVariables"]:
        assert variable["name"] in fields, variable["name"]
        assert variable.get("isSecret", False) is (variable["name"] in secrets), variable["name"]
        assert variable.get("isRequired", False) is False  # every key is optional: free tiers without one


def test_the_readme_names_the_registry_entry_for_pypi_ownership() -> None:
    """The registry accepts a PyPI package only if its README (PyPI's description) carries `mcp-name: <name>`."""
    markers = re.findall(r"mcp-name: (\S+)", (ROOT / "README.md").read_text())
    assert markers == [_load("server.json")["name"]]
    assert PYPROJECT["readme"] == "README.md"


def test_an_invalid_server_json_is_refused_by_the_schema() -> None:
    """The vendored schema does check: a server.json a registry would reject fails here too."""
    server, schema = _load("server.json"), _schema("server.schema.json")
    assert _errors({**server, "name": "no-namespace"}, schema)
    assert _errors({**server, "description": "x" * 101}, schema)
    assert _errors({**server, "packages": [{**server["packages"][0], "version": "latest"}]}, schema)


def test_the_mcpb_manifest_is_valid_and_matches_the_server() -> None:
    manifest, schema = _load("manifest.json"), _schema("mcpb-manifest-v0.4.schema.json")
    assert _errors(manifest, schema) == []
    assert (manifest["name"], manifest["version"]) == (DISTRIBUTION, __version__)
    assert manifest["description"] == _load("server.json")["description"]
    assert [(t["name"], t["description"]) for t in manifest["tools"]] == [
        (s.fn.__name__, s.title) for s in discover()
    ]
    config = manifest["server"]["mcp_config"]
    assert config["command"] == "uv" and config["args"][-2:] == [DISTRIBUTION, "serve"]
    assert (ROOT / manifest["server"]["entry_point"]).is_file()


def test_the_mcpb_user_config_fills_known_settings_and_keeps_keys_sensitive() -> None:
    manifest = _load("manifest.json")
    options = manifest["user_config"]
    fields = {f"AGENT_TOOLS_{name.upper()}" for name in Settings.model_fields}
    for variable, value in manifest["server"]["mcp_config"]["env"].items():
        assert variable in fields, variable
        [option] = re.fullmatch(r"\$\{user_config\.(\w+)\}", value).groups()  # type: ignore[union-attr]
        assert option in options, option
        assert options[option].get("sensitive", False) is (variable in _secret_settings()), option
        assert options[option]["required"] is False
