"""The storefront's one GraphQL schema, composed from each context's Query and Mutation."""

import graphene

from ocg.catalog.api import graphql as catalog
from ocg.identity.api import graphql as identity


class Query(identity.Query, catalog.Query, graphene.ObjectType):
    pass


class Mutation(identity.Mutation, catalog.Mutation, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
