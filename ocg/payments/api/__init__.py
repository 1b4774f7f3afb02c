"""The payments context's APIs: GraphQL and REST."""
