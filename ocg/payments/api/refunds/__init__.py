"""Refunds and the payments' reads: GraphQL (graphql.py) and REST (rest.py) on the commands every surface shares."""
