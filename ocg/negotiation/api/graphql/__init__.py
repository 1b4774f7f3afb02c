"""The negotiation context's part of the GraphQL schema (merged in ocg/schema.py)."""
