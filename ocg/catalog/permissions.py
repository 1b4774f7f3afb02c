"""The catalog's permissions; the roles holding them are declared on CatalogConfig."""

# Designers manage their own products and stock; staff hold the "all" permission on top.
MANAGE_PRODUCTS = "catalog.manage_products"
MANAGE_ALL_PRODUCTS = "catalog.manage_all_products"
# The category tree is the shop's structure: staff only.
MANAGE_CATEGORIES = "catalog.manage_categories"
