"""The identity context's part of the storefront GraphQL schema: sign-up, tokens, the current user."""

from __future__ import annotations

from typing import Any

import graphene
from graphene_federation import key

from ocg.identity import services, tokens
from ocg.identity.models import User
from ocg.identity.permissions import MANAGE_OWN_ACCOUNT
from ocg.spine.graphql import DomainMutation


@key("id")
class Account(graphene.ObjectType):
    id = graphene.UUID(required=True)
    email = graphene.String(required=True)
    display_name = graphene.String(required=True)
    roles = graphene.List(graphene.NonNull(graphene.String), required=True)

    class Meta:
        name = "User"
        description = "A person's account: the federation entity other subgraphs reference by id."

    @staticmethod
    def resolve_roles(user: Any, info: graphene.ResolveInfo) -> list[str]:
        return services.roles(user)

    @classmethod
    def is_type_of(cls, root: Any, info: graphene.ResolveInfo) -> bool:
        """Resolvers hand back User rows; federation's `_entities` must still tell they are accounts."""
        return isinstance(root, (cls, User))

    def __resolve_reference(self, info: graphene.ResolveInfo, **kwargs: Any) -> Any:
        """Federation: an account by id, only for that account itself or staff; null for anyone else."""
        viewer = info.context.user
        if not viewer.is_authenticated or not (viewer.pk == self.id or viewer.is_staff):
            return None
        return User.objects.filter(pk=self.id, is_active=True).first()


class TokenPair(graphene.ObjectType):
    access = graphene.String(required=True, description="Send as `Authorization: Bearer <access>`.")
    refresh = graphene.String(required=True, description="Single use: exchange it once for a new pair.")
    access_expires_in = graphene.Int(required=True, description="Seconds the access token stays valid.")


class Query(graphene.ObjectType):
    me = graphene.Field(Account, description="The signed-in user; null when anonymous.")

    @staticmethod
    def resolve_me(root: Any, info: graphene.ResolveInfo) -> Any:
        user = info.context.user
        return user if user.is_authenticated and user.is_active else None


class AccountRegisterInput(graphene.InputObjectType):
    email = graphene.String(required=True)
    password = graphene.String(required=True)
    display_name = graphene.String()


class AccountRegister(DomainMutation):
    result = graphene.Field(Account)

    class Arguments:
        input = AccountRegisterInput(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, input: Any) -> Any:
        return services.register(input.email, input.password, display_name=input.display_name or "")


class TokenCreate(DomainMutation):
    result = graphene.Field(TokenPair)

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, email: str, password: str) -> Any:
        user = services.authenticate_password(email, password, request=info.context)
        return TokenPair(**tokens.issue_token_pair(user, "password"))


class TokenRefresh(DomainMutation):
    result = graphene.Field(TokenPair)

    class Arguments:
        refresh = graphene.String(required=True)

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, refresh: str) -> Any:
        return TokenPair(**tokens.refresh(refresh))


class TokenRevoke(DomainMutation):
    result = graphene.Boolean(description="True once the tokens are revoked.")

    class Arguments:
        refresh = graphene.String(required=True)
        access = graphene.String(description="The session's current access token, to end it at once too.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo, refresh: str, access: str | None = None) -> bool:
        tokens.revoke_session(refresh, access)
        return True


class AccountLogoutEverywhere(DomainMutation):
    permission = MANAGE_OWN_ACCOUNT
    result = graphene.Boolean(description="True once every token of the account is revoked.")

    @classmethod
    def perform(cls, info: graphene.ResolveInfo) -> bool:
        tokens.logout_everywhere(info.context.user)
        return True


class Mutation(graphene.ObjectType):
    register = AccountRegister.Field()
    token_create = TokenCreate.Field()
    token_refresh = TokenRefresh.Field()
    token_revoke = TokenRevoke.Field()
    logout_everywhere = AccountLogoutEverywhere.Field()
