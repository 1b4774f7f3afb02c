"""The catalog's permissions; the roles holding them are declared on CatalogConfig."""

MANAGE_PRODUCTS = "catalog.manage_products"
MANAGE_ALL_PRODUCTS = "catalog.manage_all_products"
