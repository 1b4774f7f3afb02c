"""The identity context's part of the storefront GraphQL schema."""

import graphene


class Query(graphene.ObjectType):
    pass


class Mutation(graphene.ObjectType):
    pass
