"""GraphQL for signing in without a password: a code or magic link by email, and the social-login code exchange."""

from __future__ import annotations

from typing import Any

import graphene

from ocg.identity.api.graphql import TokenPair
from ocg.identity.passwordless import passwordless_request, passwordless_verify
from ocg.identity.social import social_token_exchange
from ocg.spine.gateway import client_ip
from ocg.spine.graphql import DomainMutation


class PasswordlessSent(graphene.ObjectType):
    sent = graphene.Boolean(
        required=True, description="Always true: the answer never tells whether the address has an account."
    )


class PasswordlessRequest(DomainMutation):
    """Emails a 6-digit code and a magic link (15 minutes, single use) if the address has an account."""

    result = graphene.Field(PasswordlessSent)

    class Arguments:
        email = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, email: str) -> PasswordlessSent:
        return PasswordlessSent(**passwordless_request(email, client_ip=client_ip(info.context)))


class PasswordlessVerify(DomainMutation):
    """Signs in with the code or the magic link's token (give one); any failure is `code_invalid`."""

    result = graphene.Field(TokenPair)

    class Arguments:
        email = graphene.String(required=True)
        code = graphene.String(description="The 6-digit code from the email.")
        token = graphene.String(description="The `token` from the magic link's fragment.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, email: str, code: str | None = None, token: str | None = None) -> Any:
        return TokenPair(**passwordless_verify(email, code=code, token=token))


class SocialTokenExchange(DomainMutation):
    """Trades the one-time code from `/login/callback?code=` (60 seconds, single use) for a token pair."""

    result = graphene.Field(TokenPair)

    class Arguments:
        code = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, code: str) -> Any:
        return TokenPair(**social_token_exchange(code))


class Mutation(graphene.ObjectType):
    passwordless_request = PasswordlessRequest.Field()
    passwordless_verify = PasswordlessVerify.Field()
    social_token_exchange = SocialTokenExchange.Field()
