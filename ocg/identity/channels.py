"""Bearer-token authentication for WebSockets: a socket without a good access token is closed.

Browsers cannot set an Authorization header on a WebSocket, so the token comes as a
subprotocol pair (`Sec-WebSocket-Protocol: bearer, <token>`): a header, never the URL, so no
server, proxy or browser history keeps it. A `?token=` in the URL is ignored. The token is taken
out of the offered subprotocols so a consumer never echoes it back.
"""

from __future__ import annotations

from typing import Any

from channels.middleware import BaseMiddleware

from ocg.identity.domain import IdentityError, InvalidToken
from ocg.identity.tokens import aauthenticate, authenticate, recheck_many
from ocg.spine.socketlog import note_user

SUBPROTOCOL = "bearer"
# An application close code in the 4000 range that mirrors HTTP 401.
CLOSE_UNAUTHENTICATED = 4401


def token_from_scope(scope: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The token and the subprotocols left for the consumer to choose from."""
    subprotocols = list(scope.get("subprotocols") or [])
    if SUBPROTOCOL in subprotocols:
        index = subprotocols.index(SUBPROTOCOL)
        if index + 1 < len(subprotocols):
            token = subprotocols[index + 1]
            return token, subprotocols[: index + 1] + subprotocols[index + 2 :]
    return None, subprotocols


class TokenAuthMiddleware(BaseMiddleware):
    """Puts the token's user in scope["user"] (and its claims in scope["token_claims"])."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope.get("type") != "websocket":
            return await super().__call__(scope, receive, send)
        token, subprotocols = token_from_scope(scope)
        if not token:
            return await self.reject(receive, send)
        try:
            user, claims = await aauthenticate(token)
        except IdentityError:
            return await self.reject(receive, send)
        note_user(scope, user.pk)
        scope = dict(scope, user=user, token_claims=claims, subprotocols=subprotocols)
        return await self.inner(scope, receive, send)

    @staticmethod
    async def reject(receive: Any, send: Any) -> None:
        """Refuse the handshake: the client sees the upgrade denied."""
        message = await receive()
        if message.get("type") == "websocket.connect":
            await send({"type": "websocket.close", "code": CLOSE_UNAUTHENTICATED})


def recheck(scopes: list[dict[str, Any]]) -> list[IdentityError | None]:
    """For a consumer's periodic check of its open sockets (sync, one cache round trip for all): for each, None
    while its token is good, else the error once it has expired or been revoked, or its account disabled; the
    consumer then closes that socket with CLOSE_UNAUTHENTICATED."""
    return list(recheck_many([scope["token_claims"] for scope in scopes]))


def reauthenticate(scope: dict[str, Any], token: Any) -> dict[str, Any]:
    """A fresh access token presented over an open socket (sync): it must be valid and the same user's.
    The scope then carries its claims, so the next check runs against it; returns them."""
    user, claims = authenticate(token) if isinstance(token, str) else (None, None)
    if user is None or claims is None:
        raise InvalidToken()
    if user.pk != scope["user"].pk:
        raise InvalidToken("This token belongs to another account.", code="token_other_user")
    scope["token_claims"] = claims
    scope["user"] = user
    return claims
