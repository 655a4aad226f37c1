"""OAuth 2.1 resource server: JWT access tokens from one issuer, for this server, with the required scopes.

The issuer's metadata (RFC 8414, else OpenID discovery) names its `jwks_uri`; PyJWT's
`PyJWKClient` fetches and caches those keys (refetching for an unknown key id at most once
per cooldown), and `jwt.decode` checks the signature, `iss`, `aud`, `exp` (and `nbf`).
Only asymmetric algorithms are accepted, so a token signed with the public key as an HMAC
secret, or with `alg: none`, is refused. It implements the MCP SDK's `TokenVerifier`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import Any, cast
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt
from mcp.server.auth.provider import AccessToken

from agent_tools.gateway.identity import Caller, Denied

log = logging.getLogger("agent_tools.gateway")

ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
LEEWAY_S = 30
DISCOVERY_RETRY_S = 30.0
_NAME = re.compile(r"[^A-Za-z0-9._:@-]")


def metadata_urls(issuer: str) -> list[str]:
    """RFC 8414's well-known URL (inserted before the issuer's path), then OpenID discovery's."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    oauth = urlunsplit((parts.scheme, parts.netloc, "/.well-known/oauth-authorization-server" + path, "", ""))
    return [oauth, issuer.rstrip("/") + "/.well-known/openid-configuration"]


class JwtVerifier:
    def __init__(self, issuer: str, audience: str, scopes: list[str], *, timeout_s: float = 5.0) -> None:
        self.issuer = issuer
        self.audience = audience
        self.scopes = scopes
        self._timeout_s = timeout_s
        self._keys: jwt.PyJWKClient | None = None
        self._retry_at = 0.0

    async def _key_client(self) -> jwt.PyJWKClient | None:
        """The issuer's key set client, after discovery (retried at most every 30 s while it fails)."""
        if self._keys is not None or time.monotonic() < self._retry_at:
            return self._keys
        async with httpx.AsyncClient(timeout=self._timeout_s, follow_redirects=False) as http:
            for url in metadata_urls(self.issuer):
                try:
                    response = await http.get(url)
                    meta: object = response.json() if response.status_code == 200 else None
                except (httpx.HTTPError, ValueError):
                    continue
                jwks_uri = _jwks_uri(meta, self.issuer)
                if jwks_uri is not None:
                    self._keys = jwt.PyJWKClient(jwks_uri, lifespan=300, timeout=self._timeout_s)
                    return self._keys
        log.warning(
            "OAuth issuer metadata unavailable; tokens refused until it is", extra={"issuer": self.issuer}
        )
        self._retry_at = time.monotonic() + DISCOVERY_RETRY_S
        return None

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK's `TokenVerifier`: the token's access info, or None when it is not valid here."""
        keys = await self._key_client()
        if keys is None:
            return None
        try:
            alg = jwt.get_unverified_header(token).get("alg")
            if alg not in ALGORITHMS:
                return None
            key = await asyncio.to_thread(keys.get_signing_key_from_jwt, token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        client_id = str(claims.get("client_id") or claims.get("azp") or claims.get("sub") or "unknown")
        return AccessToken(
            token=token,
            client_id=client_id,
            scopes=_scopes(claims),
            expires_at=int(claims["exp"]),
            resource=self.audience,
            subject=str(claims["sub"]) if "sub" in claims else None,
            claims={"iss": claims["iss"]},
        )

    async def authenticate(self, token: bytes) -> Caller | Denied:
        try:
            text = token.decode("ascii")
        except UnicodeDecodeError:
            return Denied(401, "invalid_token", "not a valid access token")
        access = await self.verify_token(text)
        if access is None:
            return Denied(401, "invalid_token", "access token invalid, expired, or not for this server")
        missing = [s for s in self.scopes if s not in access.scopes]
        if missing:
            return Denied(403, "insufficient_scope", "access token lacks a required scope")
        return Caller("oauth:" + _NAME.sub("_", access.client_id)[:58])


def _jwks_uri(meta: object, issuer: str) -> str | None:
    """The key set URL of metadata that is about `issuer` (RFC 8414 §3.3: the issuer must match)."""
    if not isinstance(meta, dict):
        return None
    fields = cast(dict[str, object], meta)
    uri = fields.get("jwks_uri")
    return uri if fields.get("issuer") == issuer and isinstance(uri, str) else None


def _scopes(claims: dict[str, Any]) -> list[str]:
    """`scope` (RFC 9068: space-separated) or `scp` (a list, as some issuers write it)."""
    raw: Any = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return raw.split()
    if isinstance(raw, list):
        return [str(s) for s in cast(list[Any], raw)]
    return []
