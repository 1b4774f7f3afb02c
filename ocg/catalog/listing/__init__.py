"""The storefront's product listing: filters, sorts and keyset pagination over the denormalised ProductView.

A page is read with ONE query whatever its size: `(sort key, id)` compared as a row value against the
cursor, so a deep page seeks in the sort's index instead of counting past the rows before it. A cursor
carries the sort key and id of its row and a fingerprint of the filter and sort it was made for: one
from another listing is refused (`invalid`) rather than answering a wrong page.

Prices are compared in one currency: a price bound needs `currency` (amounts in two currencies cannot
be compared without a rate), and the PRICE sort orders amounts as they are, so it is meaningful when the
listing is filtered to one currency. Search uses the PostgreSQL `search` column (migration 0004) with
`websearch_to_tsquery`, ranked by `ts_rank`; SQLite (embedded mode) matches the text instead, and its
RELEVANCE puts name matches first.
"""

from ocg.catalog.listing.arguments import (
    DEFAULT_PAGE,
    LOOKUP_MAX_LENGTH,
    NAME,
    NEWEST,
    PAGE_MAX,
    PRICE,
    RELEVANCE,
    SEARCH_MAX_LENGTH,
    SORT_FIELDS,
    InvalidListing,
    ListingNotFound,
    Page,
    PageRequest,
    ProductFilter,
    Sort,
    parse_filter,
    parse_page,
    parse_sort,
)
from ocg.catalog.listing.cursors import decode_cursor, encode_cursor, fingerprint
from ocg.catalog.listing.designers import designer_count, designers_page
from ocg.catalog.listing.products import Listing, Resolved, resolve

__all__ = [
    "DEFAULT_PAGE",
    "LOOKUP_MAX_LENGTH",
    "NAME",
    "NEWEST",
    "PAGE_MAX",
    "PRICE",
    "RELEVANCE",
    "SEARCH_MAX_LENGTH",
    "SORT_FIELDS",
    "InvalidListing",
    "Listing",
    "ListingNotFound",
    "Page",
    "PageRequest",
    "ProductFilter",
    "Resolved",
    "Sort",
    "decode_cursor",
    "designer_count",
    "designers_page",
    "encode_cursor",
    "fingerprint",
    "parse_filter",
    "parse_page",
    "parse_sort",
    "resolve",
]
