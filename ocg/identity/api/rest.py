"""The identity context's REST router: /api/auth/... Domain errors reach clients through the API's error contract."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ocg.identity import services, tokens
from ocg.spine.rest import ErrorOut, signed_in

router = Router(tags=["auth"])


class RegisterIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)
    display_name: str = Field("", max_length=150)


class AccountOut(Schema):
    id: UUID
    email: str
    display_name: str
    roles: list[str]

    @staticmethod
    def resolve_roles(user: Any) -> list[str]:
        return services.roles(user)


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)


class TokenPairOut(Schema):
    """One schema for every sign-in's answer (password, passwordless, social), so the OpenAPI has one."""

    access: str = Field(description="Send as `Authorization: Bearer <access>`.")
    refresh: str = Field(description="Single use: exchange it once for a new pair.")
    access_expires_in: int = Field(description="Seconds the access token stays valid.")


class RefreshIn(Schema):
    refresh: str = Field(max_length=8192)


class RevokeIn(Schema):
    refresh: str = Field(max_length=8192)
    access: str | None = Field(None, max_length=8192, description="The session's current access token.")


@router.post(
    "/register",
    response={201: AccountOut, 400: ErrorOut, 409: ErrorOut},
    summary="Create a customer account with a password",
)
def register(request: HttpRequest, payload: RegisterIn) -> tuple[int, Any]:
    return Status(201, services.register(payload.email, payload.password, display_name=payload.display_name))


@router.post(
    "/token",
    response={200: TokenPairOut, 401: ErrorOut},
    summary="Sign in with email and password: a new access and refresh token",
)
def token_create(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    user = services.authenticate_password(payload.email, payload.password, request=request)
    return tokens.issue_token_pair(user, "password")


@router.post(
    "/token/refresh",
    response={200: TokenPairOut, 401: ErrorOut},
    summary="Exchange a refresh token, once, for a new pair",
)
def token_refresh(request: HttpRequest, payload: RefreshIn) -> dict[str, Any]:
    return tokens.refresh(payload.refresh)


@router.post(
    "/token/revoke",
    response={204: None, 401: ErrorOut},
    summary="Sign out one session: its refresh token and, if given, its access token",
)
def token_revoke(request: HttpRequest, payload: RevokeIn) -> tuple[int, None]:
    tokens.revoke_session(payload.refresh, payload.access)
    return Status(204, None)


@router.post(
    "/logout-everywhere",
    auth=signed_in,
    response={204: None, 401: ErrorOut},
    summary="Revoke every token of the signed-in account",
)
def logout_everywhere(request: HttpRequest) -> tuple[int, None]:
    tokens.logout_everywhere(request.user)
    return Status(204, None)


@router.get("/me", auth=signed_in, response={200: AccountOut, 401: ErrorOut}, summary="The signed-in account")
def me(request: HttpRequest) -> Any:
    return request.user
