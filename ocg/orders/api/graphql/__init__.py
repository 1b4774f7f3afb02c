"""The orders' part of the storefront GraphQL schema (merged in ocg/schema.py)."""

from ocg.orders.api.graphql.mutations import Mutation
from ocg.orders.api.graphql.queries import Query

__all__ = ["Mutation", "Query"]
