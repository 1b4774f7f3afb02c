"""Contact and shipping address: what a customer gives at checkout, cleaned by the shared text rule."""

from __future__ import annotations

import functools
import re
from typing import Any

from babel import Locale

from ocg.orders.domain.errors import InvalidOrder
from ocg.spine.domain.text import clean_text

EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,63}")
PHONE = re.compile(r"\+?[0-9 ().-]{6,25}")
# Region codes babel knows that are not countries one can ship to.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
ADDRESS_FIELDS = {
    # field: (max length, required)
    "name": (120, True),
    "line1": (200, True),
    "line2": (200, False),
    "city": (100, True),
    "postal_code": (20, True),
    "region": (100, False),
    "country": (2, True),
}


@functools.cache
def shipping_countries() -> frozenset[str]:
    """ISO 3166 alpha-2 codes, from CLDR (babel), not a table of ours."""
    codes = Locale("en").territories
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES)


def clean_contact(contact: Any) -> dict[str, str]:
    if not isinstance(contact, dict):
        raise InvalidOrder("Give the contact: email, and optionally name and phone.", field="contact")
    email = clean_text(contact.get("email"), field="contact.email", max_length=254, error=InvalidOrder).lower()
    if not EMAIL.fullmatch(email):
        raise InvalidOrder("Enter a valid email address.", field="contact.email")
    name = clean_text(contact.get("name"), field="contact.name", max_length=120, required=False, error=InvalidOrder)
    phone = clean_text(contact.get("phone"), field="contact.phone", max_length=25, required=False, error=InvalidOrder)
    if phone and not PHONE.fullmatch(phone):
        raise InvalidOrder("Enter a phone number of digits, spaces and + ( ) - .", field="contact.phone")
    return {"email": email, "name": name, "phone": phone}


def clean_address(address: Any) -> dict[str, str]:
    if not isinstance(address, dict):
        raise InvalidOrder("Give the shipping address.", field="shipping_address")
    cleaned = {}
    for field, (max_length, required) in ADDRESS_FIELDS.items():
        cleaned[field] = clean_text(
            address.get(field),
            field=f"shipping_address.{field}",
            max_length=max_length,
            required=required,
            error=InvalidOrder,
        )
    cleaned["country"] = cleaned["country"].upper()
    if cleaned["country"] not in shipping_countries():
        raise InvalidOrder(
            "The country must be an ISO 3166 two-letter code, e.g. FR.", field="shipping_address.country"
        )
    return cleaned
