"""The client-text rule, without a database: what it keeps, what it refuses and which field it blames."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocg.spine.domain import DomainError
from ocg.spine.domain.text import InvalidText, clean_text


class InvalidThing(DomainError):
    code = "invalid"


def single(value, **options):
    return clean_text(value, field="name", max_length=options.pop("max_length", 20), **options)


def multi(value, **options):
    return clean_text(value, field="note", max_length=options.pop("max_length", 50), multiline=True, **options)


def test_trims_and_normalises_to_nfc():
    assert single("  Cafe\u0301 au lait \n") == "Caf\u00e9 au lait"


def test_length_is_checked_after_normalising():
    decomposed = "e\u0301" * 5  # ten code points, five once composed
    assert single(decomposed, max_length=5) == "\u00e9" * 5
    with pytest.raises(InvalidText) as raised:
        single(decomposed + "x", max_length=5)
    assert (raised.value.field, raised.value.code) == ("name", "invalid")
    assert "at most 5" in raised.value.message


@pytest.mark.parametrize(
    "value",
    [
        "Silk\x00Gown",  # NUL: PostgreSQL refuses it
        "Silk\x07Gown",  # C0
        "Silk\x7fGown",  # DEL
        "Silk\x85Gown",  # C1 (NEL)
        "Silk\x9bGown",  # C1 (CSI)
        "Silk\tGown",  # tab: single-line
        "Silk\nGown",  # newline: single-line
        "Silk\rGown",
        "Silk\u2028Gown",  # line separator
        "Silk\u202eGown",  # right-to-left override
        "Silk\u2066Gown",  # left-to-right isolate
        "Silk\ud800Gown",  # lone surrogate
        "\udfff",
    ],
)
def test_single_line_refuses_controls_separators_bidi_and_lone_surrogates(value):
    with pytest.raises(InvalidText) as raised:
        single(value)
    assert (raised.value.field, raised.value.code) == ("name", "invalid")


def test_multiline_keeps_newline_tab_and_bidi_and_turns_every_line_break_into_lf():
    assert multi("one\r\ntwo\rthree\u2028four\u2029five\tsix \u2067\u05e9\u05dc\u05d5\u05dd\u2069") == (
        "one\ntwo\nthree\nfour\nfive\tsix \u2067\u05e9\u05dc\u05d5\u05dd\u2069"
    )


@pytest.mark.parametrize("value", ["a\x00b", "a\x0bb", "a\x1bb", "a\x7fb", "a\x85b", "a\ud800b"])
def test_multiline_still_refuses_other_controls_and_lone_surrogates(value):
    with pytest.raises(InvalidText) as raised:
        multi(value)
    assert raised.value.field == "note"


def test_format_characters_scripts_and_emoji_need_are_kept():
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert single(f"{family} {scotland}", max_length=50) == f"{family} {scotland}"


@pytest.mark.parametrize("value", ["", "   ", None, "\n\t "])
def test_required_text_must_not_be_empty_and_optional_text_becomes_empty(value):
    with pytest.raises(InvalidText) as raised:
        single(value)
    assert "must not be empty" in raised.value.message
    assert single(value, required=False) == ""


@pytest.mark.parametrize("value", [12, 1.5, b"bytes", ["a"]])
def test_non_text_is_refused(value):
    with pytest.raises(InvalidText) as raised:
        single(value)
    assert raised.value.field == "name"


def test_a_context_gets_its_own_error_class_and_label():
    with pytest.raises(InvalidThing) as raised:
        clean_text("x" * 11, field="display_name", max_length=10, error=InvalidThing)
    assert raised.value.field == "display_name"
    assert raised.value.message == "Display name has at most 10 characters."


@given(st.text(max_size=80))
def test_whatever_comes_in_what_goes_out_is_clean_nfc_bounded_and_stable(value):
    try:
        cleaned = single(value, max_length=30)
    except InvalidText as error:
        assert error.field == "name"
        return
    assert cleaned and len(cleaned) <= 30
    assert cleaned == cleaned.strip() == unicodedata.normalize("NFC", cleaned)
    assert not any(unicodedata.category(char) in {"Cc", "Cs"} for char in cleaned)
    assert cleaned.encode("utf-8")
    assert single(cleaned, max_length=30) == cleaned


@given(st.text(max_size=80))
def test_multiline_output_has_only_lf_and_tab_as_controls(value):
    try:
        cleaned = multi(value, max_length=200)
    except InvalidText:
        return
    assert "\r" not in cleaned
    assert {char for char in cleaned if unicodedata.category(char) == "Cc"} <= {"\n", "\t"}
    assert multi(cleaned, max_length=200) == cleaned
