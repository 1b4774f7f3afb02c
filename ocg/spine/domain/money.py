"""Money: an exact `Decimal` amount in one ISO 4217 currency, never a float.

Which codes are currencies, and how many minor-unit digits each has, come from the Unicode CLDR data
that babel ships and keeps up to date, not from a table of our own. A new amount must be in a
currency that is legal tender somewhere today (so not XXX, XAU or a withdrawn one) and must fit its
minor units: JPY 0 digits, EUR 2, BHD 3. CLDR's digits are those used for amounts in practice; for a
few currencies they are fewer than ISO 4217's (HUF, IDR, COP and IQD have 0 in CLDR), and payment
providers keep lists of their own, so a payment adapter converts with its provider's table.

Amounts are kept at exactly the currency's digits (10.5 EUR is held as 10.50), so equal amounts look
alike everywhere. Arithmetic never mixes currencies: that raises `CurrencyMismatch`.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.core import get_global
from babel.numbers import get_currency_precision, get_territory_currencies

from ocg.spine.domain.errors import DomainError

MAX_INTEGER_DIGITS = 15
_LIMIT = Decimal(10) ** MAX_INTEGER_DIGITS
_AMOUNT_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
_CURRENCY_TEXT = re.compile(r"[A-Za-z]{3}", re.ASCII)
_MAX_AMOUNT_TEXT = 40


class InvalidMoney(DomainError):
    code = "invalid"


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined or compared."""

    code = "currency_mismatch"


@functools.lru_cache(maxsize=4)
def _tender_on(day: datetime.date) -> frozenset[str]:
    currencies: set[str] = set()
    for territory in get_global("territory_currencies"):
        currencies.update(get_territory_currencies(territory, start_date=day, end_date=day, tender=True))
    return frozenset(currencies)


def tender_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender in some territory today, per CLDR."""
    return _tender_on(datetime.date.today())


def minor_unit_digits(currency: str) -> int:
    """Digits after the point for `currency` (JPY 0, EUR 2, BHD 3), per CLDR."""
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in one currency. `Money(Decimal("10.50"), "EUR")` checks both and raises `InvalidMoney`."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        currency = _checked_currency(self.currency, field=None, error=InvalidMoney)
        amount = _checked_amount(self.amount, currency, field=None, error=InvalidMoney)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", amount)

    @classmethod
    def parse(
        cls,
        amount: object,
        currency: object,
        *,
        amount_field: str = "amount",
        currency_field: str = "currency",
        error: type[DomainError] = InvalidMoney,
    ) -> Money:
        """Money from a client: `amount` as text ("1250.00"; no exponent, sign '+', spaces inside or
        separators) or a Decimal or int, `currency` as a code. Each refusal names its field."""
        if isinstance(amount, str):
            text = amount.strip()
            if len(text) > _MAX_AMOUNT_TEXT or not _AMOUNT_TEXT.fullmatch(text):
                raise error("The amount must be a decimal number such as 1250.00.", field=amount_field)
            amount = Decimal(text)
        code = _checked_currency(currency, field=currency_field, error=error)
        return cls._unchecked(_checked_amount(amount, code, field=amount_field, error=error), code)

    @classmethod
    def restore(cls, amount: Decimal, currency: str) -> Money:
        """Money read back from storage (events, read models), checked when first made.

        No currency check, so a history with a since-withdrawn currency still replays.
        """
        quantized = _quantized(amount, currency)
        return cls._unchecked(quantized if quantized == amount else amount, currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """Money from an integer count of minor units, as payment providers send it (1050 EUR cents: 10.50)."""
        if not isinstance(units, int) or isinstance(units, bool):
            raise InvalidMoney("Minor units are an integer.", field=None)
        code = _checked_currency(currency, field=None, error=InvalidMoney)
        return cls(Decimal(units).scaleb(-minor_unit_digits(code)), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @property
    def minor_units(self) -> int:
        """The amount as an integer count of minor units (10.50 EUR: 1050), for payment providers."""
        return int(self.amount.scaleb(minor_unit_digits(self.currency)))

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return self._result(self.amount + other.amount, self._same_currency(other, "add"))

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        return self._result(self.amount - other.amount, self._same_currency(other, "subtract"))

    def __neg__(self) -> Money:
        return self._unchecked(_zero_signless(-self.amount), self.currency)

    def __mul__(self, quantity: object) -> Money:
        """Only an integer quantity: a fractional factor would need a rounding rule, which is the caller's."""
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            return NotImplemented
        return self._result(self.amount * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount < other.amount

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount <= other.amount

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount > other.amount

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same_currency(other, "compare")
        return self.amount >= other.amount

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def _same_currency(self, other: Money, verb: str) -> str:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"Cannot {verb} {self.currency} and {other.currency} amounts.", field=None)
        return self.currency

    def _result(self, amount: Decimal, currency: str) -> Money:
        if abs(amount) >= _LIMIT:
            raise InvalidMoney(f"The amount must have at most {MAX_INTEGER_DIGITS} digits before the point.")
        return self._unchecked(_zero_signless(amount), currency)

    @classmethod
    def _unchecked(cls, amount: Decimal, currency: str) -> Money:
        money = object.__new__(cls)
        object.__setattr__(money, "amount", amount)
        object.__setattr__(money, "currency", currency)
        return money


def _checked_currency(currency: Any, *, field: str | None, error: type[DomainError]) -> str:
    code = currency.strip().upper() if isinstance(currency, str) else ""
    if not _CURRENCY_TEXT.fullmatch(code) or code not in tender_currencies():
        raise error("The currency must be the ISO 4217 code of a currency in use, such as EUR.", field=field)
    return code


def _checked_amount(amount: Any, currency: str, *, field: str | None, error: type[DomainError]) -> Decimal:
    if isinstance(amount, int) and not isinstance(amount, bool):
        amount = Decimal(amount)
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise error("The amount must be a decimal number (never a float).", field=field)
    if abs(amount) >= _LIMIT:
        raise error(f"The amount must have at most {MAX_INTEGER_DIGITS} digits before the point.", field=field)
    digits = minor_unit_digits(currency)
    quantized = _quantized(amount, currency)
    if quantized != amount:
        unit = "no decimal places" if digits == 0 else f"at most {digits} decimal places"
        raise error(f"{currency} amounts have {unit}.", field=field)
    return _zero_signless(quantized)


def _quantized(amount: Decimal, currency: str) -> Decimal:
    try:
        return amount.quantize(Decimal(1).scaleb(-minor_unit_digits(currency)))
    except InvalidOperation:
        return amount


def _zero_signless(amount: Decimal) -> Decimal:
    return amount.copy_abs() if amount.is_zero() else amount
