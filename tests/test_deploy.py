"""deploy/: the Kubernetes manifests against the Kubernetes API schemas (kubernetes-validate, vendored,
offline), the Compose file against the Compose spec (check-jsonschema's vendored copy), and both
against this server: probes, settings names, the replica count behind every budget share."""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from agent_tools.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
K8S_VERSION = "1.33.0"


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in manifests() if d["kind"] == kind]


@pytest.mark.parametrize("doc", manifests(), ids=lambda d: f"{d['kind']}/{d['metadata']['name']}")
def test_each_manifest_is_valid_for_the_kubernetes_api(doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_every_kind_the_issue_asks_for_is_there() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests()}
    assert {
        ("Deployment", "agent-tools"),
        ("Service", "agent-tools"),
        ("HorizontalPodAutoscaler", "agent-tools"),
        ("PodDisruptionBudget", "agent-tools"),
        ("Secret", "agent-tools"),
        ("Deployment", "agent-tools-redis"),
        ("Service", "agent-tools-redis"),
    } <= kinds


def _server_container() -> dict[str, Any]:
    [deployment] = [d for d in by_kind("Deployment") if d["metadata"]["name"] == "agent-tools"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_probes_are_the_servers_health_and_readiness_paths() -> None:
    container = _server_container()
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


def test_every_variable_is_a_setting_and_replicas_match_the_autoscalers_maximum() -> None:
    env = {e["name"]: e.get("value") for e in _server_container()["env"]}
    fields = {f"AGENT_TOOLS_{name.upper()}" for name in Settings.model_fields}
    assert set(env) <= fields, set(env) - fields
    [hpa] = by_kind("HorizontalPodAutoscaler")
    assert env["AGENT_TOOLS_REPLICAS"] == str(hpa["spec"]["maxReplicas"])
    values = {k[len("AGENT_TOOLS_") :].lower(): v for k, v in env.items() if v is not None}
    Settings(_env_file=None, **values)  # pyright: ignore[reportCallIssue]  (valid values)


def test_the_compose_file_follows_the_compose_spec_and_the_servers_settings() -> None:
    schema = json.loads(
        files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    )
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.validators.validator_for(schema)(schema).validate(compose)
    service = compose["services"]["agent-tools"]
    assert service["environment"]["AGENT_TOOLS_REPLICAS"] == str(service["deploy"]["replicas"])
    fields = {f"AGENT_TOOLS_{name.upper()}" for name in Settings.model_fields}
    assert set(service["environment"]) <= fields


NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)


@pytest.mark.skipif(NGINX is None, reason="nginx not installed (CI installs it)")
def test_the_load_balancer_config_is_valid_nginx_and_retries_tool_calls(tmp_path: Path) -> None:
    from benchmarks.cluster import nginx_conf

    conf = tmp_path / "nginx.conf"
    conf.write_text(nginx_conf([18001, 18002, 18003], 18000, tmp_path))
    assert NGINX is not None
    out = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    assert "non_idempotent" in (DEPLOY / "nginx.conf").read_text()
