"""Bearer tokens: the one `AGENT_TOOLS_HTTP_TOKEN`, the clients file's per-client tokens, OAuth access tokens.

Every comparison is on the token's UTF-8 bytes: the static token in constant time, a client
token by its SHA-256 (the file holds only hashes), an OAuth token by its signature.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from agent_tools.gateway.identity import Caller, Denied

if TYPE_CHECKING:
    from agent_tools.gateway.clients import ClientsFile
    from agent_tools.gateway.oauth import JwtVerifier

STATIC_CLIENT = "token"


class Authenticator:
    def __init__(
        self, token: str | None, clients: ClientsFile | None = None, oauth: JwtVerifier | None = None
    ) -> None:
        self._token = token.encode() if token is not None else None
        self.clients = clients
        self.oauth = oauth

    @property
    def required(self) -> bool:
        return self._token is not None or self.clients is not None or self.oauth is not None

    async def authenticate(self, token: bytes | None) -> Caller | Denied:
        if not token:
            return Denied(401, None, "missing bearer token")
        if self._token is not None and hmac.compare_digest(token, self._token):
            return Caller(STATIC_CLIENT)
        if self.clients is not None:
            caller = self.clients.lookup(token)
            if caller is not None:
                return caller
        if self.oauth is not None and token.count(b".") == 2:
            return await self.oauth.authenticate(token)
        return Denied(401, "invalid_token", "missing or wrong bearer token")
