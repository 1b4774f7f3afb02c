"""The storefront's one GraphQL schema, composed from each context's Query and Mutation.

Built as an Apollo Federation 2 subgraph (`_service { sdl }`, and `_entities` for the types marked `@key`).
The federation version is pinned so a library upgrade cannot change the subgraph's contract unnoticed.
"""

import graphene
from graphene_federation import FederationVersion, build_schema

from ocg.catalog.api import graphql as catalog
from ocg.identity.api import graphql as identity
from ocg.identity.api import passwordless_graphql as passwordless
from ocg.negotiation.api.graphql import chat, negotiation
from ocg.negotiation.api.graphql import types as negotiation_types
from ocg.orders.api import graphql as orders
from ocg.orders.api.graphql.types import Order
from ocg.payments.api.pay import graphql as pay
from ocg.payments.api.refunds import graphql as refunds
from ocg.spine.graphql_common import add_fields
from ocg.spine.graphql_errors import harden_input_scalars


class Query(identity.Query, catalog.Query, orders.Query, refunds.Query, chat.Query, graphene.ObjectType):
    pass


class Mutation(
    identity.Mutation,
    passwordless.Mutation,
    catalog.Mutation,
    orders.Mutation,
    pay.Mutation,
    refunds.Mutation,
    negotiation.Mutation,
    chat.Mutation,
    graphene.ObjectType,
):
    pass


# A context's side of another's entity, on that entity: neither context imports the other.
add_fields(Order, **refunds.ORDER_FIELDS)
add_fields(Order, **negotiation_types.ORDER_FIELDS)

schema = build_schema(query=Query, mutation=Mutation, federation_version=FederationVersion.VERSION_2_3)
# Bad literals and variables become GraphQL errors wherever the schema runs, not only over HTTP.
harden_input_scalars(schema.graphql_schema)
