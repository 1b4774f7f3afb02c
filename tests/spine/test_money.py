"""Money without a database: currencies and minor units from CLDR (babel), exact arithmetic, no mixing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocg.spine.domain import DomainError
from ocg.spine.domain.money import CurrencyMismatch, InvalidMoney, Money, minor_unit_digits, tender_currencies


class InvalidThing(DomainError):
    code = "invalid"


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


@pytest.mark.parametrize(
    ("currency", "digits"), [("JPY", 0), ("EUR", 2), ("USD", 2), ("GBP", 2), ("CHF", 2), ("BHD", 3)]
)
def test_minor_units_come_from_cldr(currency, digits):
    assert minor_unit_digits(currency) == digits


def test_amounts_are_kept_at_the_currencys_digits():
    assert str(Money(Decimal("10.5"), "EUR").amount) == "10.50"
    assert str(Money(Decimal("10.500"), "EUR").amount) == "10.50"
    assert str(Money(Decimal("1000.000"), "JPY").amount) == "1000"
    assert str(Money(Decimal("1.5"), "BHD").amount) == "1.500"
    assert str(Money(7, "EUR")) == "7.00 EUR"
    assert Money(Decimal("-0"), "EUR").amount.is_signed() is False


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("10.50", "JPY"), ("0.5", "JPY"), ("10.505", "EUR"), ("1.0005", "BHD"), ("0.001", "USD")],
)
def test_an_amount_finer_than_the_minor_unit_is_refused(amount, currency):
    with pytest.raises(InvalidMoney):
        Money(Decimal(amount), currency)


@pytest.mark.parametrize("currency", ["XXX", "XAU", "XTS", "ZZZ", "DEM", "EU", "EURO", "", None, 978])
def test_only_currencies_in_use_are_accepted(currency):
    with pytest.raises(InvalidMoney):
        Money(Decimal("1.00"), currency)


def test_the_tender_list_holds_real_currencies_only():
    assert {"EUR", "USD", "GBP", "CHF", "JPY", "BHD", "XAF"} <= tender_currencies()
    assert not {"XXX", "XAU", "XTS", "DEM", "FRF"} & tender_currencies()


@pytest.mark.parametrize(
    "amount", [10.5, 1.0, True, "10.50", None, Decimal("NaN"), Decimal("Infinity"), Decimal("sNaN")]
)
def test_the_constructor_takes_only_a_finite_decimal_or_an_int(amount):
    with pytest.raises(InvalidMoney):
        Money(amount, "EUR")


def test_too_many_integer_digits_are_refused():
    with pytest.raises(InvalidMoney):
        Money(Decimal("1E+15"), "EUR")
    assert Money(Decimal("999999999999999.99"), "EUR").minor_units == 99999999999999999


def test_minor_units_round_trip():
    assert Money(Decimal("10.50"), "EUR").minor_units == 1050
    assert Money(Decimal("1050"), "JPY").minor_units == 1050
    assert Money(Decimal("1.234"), "BHD").minor_units == 1234
    assert Money.from_minor_units(1050, "EUR") == eur("10.50")
    assert str(Money.from_minor_units(1050, "JPY").amount) == "1050"
    assert str(Money.from_minor_units(-5, "BHD").amount) == "-0.005"
    for units in (1.5, "1050", True):
        with pytest.raises(InvalidMoney):
            Money.from_minor_units(units, "EUR")


def test_arithmetic_in_one_currency():
    assert eur("10.50") + eur("0.75") == eur("11.25")
    assert eur("10.50") - eur("11.00") == eur("-0.50")
    assert -eur("10.50") == eur("-10.50")
    assert eur("10.50") * 3 == 3 * eur("10.50") == eur("31.50")
    assert eur("1") < eur("1.01") <= eur("1.01") and eur("2") > eur("1") >= eur("1")
    assert sum([eur("1.10"), eur("2.20")], Money.zero("EUR")) == eur("3.30")
    assert str((eur("0.10") + eur("0.20")).amount) == "0.30"


@pytest.mark.parametrize(
    "operation",
    [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a < b,
        lambda a, b: a <= b,
        lambda a, b: a > b,
        lambda a, b: a >= b,
    ],
)
def test_mixing_currencies_is_refused(operation):
    with pytest.raises(CurrencyMismatch) as raised:
        operation(eur("1.00"), Money(Decimal("1.00"), "USD"))
    assert raised.value.code == "currency_mismatch"
    assert "EUR" in raised.value.message and "USD" in raised.value.message


def test_equality_across_currencies_is_false_not_an_error():
    assert eur("1.00") != Money(Decimal("1.00"), "USD")
    assert eur("1.00") == eur("1") and hash(eur("1.00")) == hash(eur("1"))


@pytest.mark.parametrize("factor", [1.5, Decimal("1.5"), True, "2"])
def test_only_integer_quantities_multiply(factor):
    with pytest.raises(TypeError):
        eur("10.00") * factor


def test_plain_numbers_do_not_add_to_money():
    with pytest.raises(TypeError):
        eur("10.00") + 1
    with pytest.raises(TypeError):
        assert eur("10.00") < 1


def test_money_is_frozen():
    with pytest.raises(AttributeError):
        eur("1.00").amount = Decimal("2")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("1250.00", "EUR", "1250.00"), (" 10.5 ", "eur", "10.50"), ("1000", "JPY", "1000"), ("-3", "USD", "-3.00")],
)
def test_parse_reads_client_text(amount, currency, expected):
    money = Money.parse(amount, currency, amount_field="price")
    assert (str(money.amount), money.currency) == (expected, currency.strip().upper())


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        ("ten", "EUR", "price"),
        ("1e3", "EUR", "price"),
        ("10.5e0", "EUR", "price"),
        ("NaN", "EUR", "price"),
        ("Infinity", "EUR", "price"),
        ("1_000", "EUR", "price"),
        ("1,000.00", "EUR", "price"),
        ("+10", "EUR", "price"),
        (".5", "EUR", "price"),
        ("\u0661\u0660", "EUR", "price"),  # Arabic-Indic digits, which Decimal() would accept
        ("1" * 41, "EUR", "price"),
        (10.5, "EUR", "price"),
        (None, "EUR", "price"),
        ("10.50", "JPY", "price"),
        ("10.50", "XYZ", "currency"),
        ("10.50", "XXX", "currency"),
        ("10.50", "", "currency"),
        ("10.50", None, "currency"),
        ("10.50", "\uff25\uff35\uff32", "currency"),  # full-width EUR
    ],
)
def test_parse_names_the_field_at_fault(amount, currency, field):
    with pytest.raises(InvalidThing) as raised:
        Money.parse(amount, currency, amount_field="price", currency_field="currency", error=InvalidThing)
    assert (raised.value.field, raised.value.code) == (field, "invalid")


def test_restore_accepts_stored_data_without_checking_the_currency_again():
    assert str(Money.restore(Decimal("2400.0000"), "EUR").amount) == "2400.00"
    assert Money.restore(Decimal("12.00"), "DEM").currency == "DEM"


@given(st.integers(min_value=-(10**15) + 1, max_value=10**15 - 1), st.sampled_from(["EUR", "JPY", "BHD", "USD"]))
def test_minor_units_and_back_is_the_identity(units, currency):
    money = Money.from_minor_units(units, currency)
    assert money.minor_units == units
    assert Money.parse(str(money.amount), currency) == money
