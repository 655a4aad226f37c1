"""OAuth 2.1 resource server: JWTs from a local issuer (its own keys) checked for issuer, audience,
expiry, scopes and signature; RFC 9728 metadata and the `resource_metadata` hint on 401."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.issuer import Issuer, serve_issuer
from tests.http.servers import LIST_TOOLS, MCP_HEADERS, free_port, http_server

STATIC = "static-token"


@dataclass
class Setup:
    base: str
    audience: str
    issuer: Issuer


@pytest.fixture(scope="module")
def oauth() -> Iterator[Setup]:
    port = free_port()
    audience = f"http://127.0.0.1:{port}/mcp"
    with serve_issuer() as issuer:
        env = {
            "AGENT_TOOLS_OAUTH_ISSUER": issuer.url,
            "AGENT_TOOLS_OAUTH_AUDIENCE": audience,
            "AGENT_TOOLS_OAUTH_SCOPES": "tools",
            "AGENT_TOOLS_HTTP_TOKEN": STATIC,
        }
        with http_server(env, port=port) as base:
            yield Setup(base, audience, issuer)


def _post(setup: Setup, token: str | None) -> httpx.Response:
    headers = dict(MCP_HEADERS) | ({"authorization": f"Bearer {token}"} if token else {})
    return httpx.post(f"{setup.base}/mcp", json=LIST_TOOLS, headers=headers, timeout=10)


def test_a_valid_access_token_is_accepted(oauth: Setup) -> None:
    assert _post(oauth, oauth.issuer.token(oauth.audience)).status_code == 200
    assert _post(oauth, oauth.issuer.token(oauth.audience, scope="openid tools extra")).status_code == 200
    assert _post(oauth, STATIC).status_code == 200  # the static token keeps working beside OAuth


def test_metadata_is_served_without_a_token(oauth: Setup) -> None:
    for path in ("/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"):
        meta = httpx.get(f"{oauth.base}{path}").json()
        assert meta["resource"] == oauth.audience
        assert meta["authorization_servers"] == [oauth.issuer.url]
        assert meta["scopes_supported"] == ["tools"]


def _forged_alg_none(setup: Setup) -> str:
    def b64(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": setup.issuer.url, "aud": setup.audience, "exp": now + 300, "scope": "tools"}
    return f"{b64({'alg': 'none', 'kid': setup.issuer.kid})}.{b64(claims)}."


def _other_key(setup: Setup) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    claims = {"iss": setup.issuer.url, "aud": setup.audience, "exp": now + 300, "scope": "tools"}
    return jwt.encode(claims, other, algorithm="RS256", headers={"kid": setup.issuer.kid})


BAD_TOKENS = {
    "expired": lambda s: s.issuer.token(s.audience, ttl=-3600),
    "other audience": lambda s: s.issuer.token("https://other.example/mcp"),
    "other issuer": lambda s: s.issuer.token(s.audience, iss="https://evil.example"),
    "signed by another key": _other_key,
    "alg none": _forged_alg_none,
    "not a jwt": lambda s: "a.b.c",
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_invalid_tokens_get_401_with_the_resource_metadata_hint(oauth: Setup, kind: str) -> None:
    response = _post(oauth, BAD_TOKENS[kind](oauth))
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    hint = f'resource_metadata="http://127.0.0.1:{oauth.base.rsplit(":", 1)[1]}/.well-known/oauth-protected-resource/mcp"'
    assert hint in challenge


def test_no_token_gets_the_hint_without_an_error_code(oauth: Setup) -> None:
    response = _post(oauth, None)
    assert response.status_code == 401
    assert "resource_metadata=" in response.headers["www-authenticate"]
    assert "error=" not in response.headers["www-authenticate"]


def test_a_token_without_the_required_scope_gets_403(oauth: Setup) -> None:
    response = _post(oauth, oauth.issuer.token(oauth.audience, scope="openid"))
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
