"""The orders context's APIs: GraphQL for the storefront and designers, REST for staff tools, over one access rule
(access.py) and one keyset listing (pages.py)."""
