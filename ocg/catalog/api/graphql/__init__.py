"""The catalog's part of the storefront GraphQL schema (merged in ocg/schema.py)."""

from ocg.catalog.api.graphql.mutations import Mutation
from ocg.catalog.api.graphql.queries import Query

__all__ = ["Mutation", "Query"]
