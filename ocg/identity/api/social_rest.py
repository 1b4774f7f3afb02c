"""REST for signing in without a password: /api/auth/passwordless/... and /api/auth/social/exchange."""

from __future__ import annotations

from ninja import Field, Router, Schema

from ocg.identity.api.rest import TokenPairOut
from ocg.identity.passwordless import passwordless_request, passwordless_verify
from ocg.identity.social import social_token_exchange
from ocg.spine.gateway import client_ip
from ocg.spine.rest import ErrorOut

passwordless_router = Router(tags=["auth"])
social_router = Router(tags=["auth"])


class PasswordlessRequestIn(Schema):
    email: str = Field(max_length=320)


class PasswordlessSentOut(Schema):
    sent: bool = Field(description="Always true: the answer never tells whether the address has an account.")


class PasswordlessVerifyIn(Schema):
    email: str = Field(max_length=320)
    code: str | None = Field(None, max_length=32, description="The 6-digit code from the email.")
    token: str | None = Field(None, max_length=256, description="The `token` from the magic link's fragment.")


class SocialExchangeIn(Schema):
    code: str = Field(max_length=256, description="The `code` from `/login/callback?code=`.")


@passwordless_router.post(
    "/request",
    response={200: PasswordlessSentOut, 400: ErrorOut, 429: ErrorOut},
    summary="Email a sign-in code and magic link",
    description=(
        "If the address belongs to an active account, emails a 6-digit code and a magic link "
        "(`{STOREFRONT_URL}/login/magic#email=...&token=...`), both single use and valid for 15 minutes; "
        "a new request replaces the previous one. The answer is the same whether or not the account exists. "
        "Requests are limited per address and per client (`429 rate_limited`)."
    ),
)
def passwordless_request_endpoint(request, body: PasswordlessRequestIn):
    return passwordless_request(body.email, client_ip=client_ip(request))


@passwordless_router.post(
    "/verify",
    response={200: TokenPairOut, 400: ErrorOut},
    summary="Sign in with the emailed code or magic-link token",
    description=(
        "Give `code` or `token`, not both. A wrong, expired, used or replaced code answers `400 code_invalid`; "
        "after 5 wrong tries the code is burnt."
    ),
)
def passwordless_verify_endpoint(request, body: PasswordlessVerifyIn):
    return passwordless_verify(body.email, code=body.code, token=body.token)


@social_router.post(
    "/exchange",
    response={200: TokenPairOut, 400: ErrorOut},
    summary="Trade a social sign-in's one-time code for tokens",
    description=(
        "Social sign-in starts at `/auth/social/login/<google-oauth2|github|keycloak>/` and ends at "
        "`{STOREFRONT_URL}/login/callback?code=...` (or `?error=<code>`). The code is valid for 60 seconds, "
        "once; any failure answers `400 code_invalid`."
    ),
)
def social_exchange_endpoint(request, body: SocialExchangeIn):
    return social_token_exchange(body.code)
