"""The one cleaning rule for every text a client can set: names, descriptions, display names, notes, reasons.

Text lives in events forever and is projected into PostgreSQL, so what cannot be stored, shown
safely or replayed is refused with a field error before any event exists. After line breaks are
unified (multi-line only), NFC normalisation and trimming of surrounding whitespace, it refuses:

- lone surrogates (JSON "\\ud800" decodes to one): they have no UTF-8 form, so no store takes them;
- control characters (category Cc: C0, DEL, C1), NUL among them, which PostgreSQL's text refuses.
  Multi-line fields allow newline and tab, and their CRLF, lone CR, U+2028 and U+2029 become LF;
- in single-line fields, U+2028 and U+2029 and the bidirectional embeddings, overrides and isolates
  (U+202A-U+202E, U+2066-U+2069), which serve to disguise a name (one that displays reversed).
  Multi-line fields keep those: long text mixing right-to-left and left-to-right scripts needs them,
  and client text is rendered isolated (`dir="auto"`). Other format characters (zero-width joiners,
  emoji tag sequences) stay everywhere, as scripts and emoji need them;
- empty text when `required`, and text longer than `max_length` code points AFTER normalising
  (what PostgreSQL's varchar(n) counts).

Every refusal raises `error` (by default `InvalidText`) with `field` set. Its code is `invalid`, the
code of every other field error: the message says what is wrong, so clients need no new case.
"""

from __future__ import annotations

import unicodedata

from ocg.spine.domain.errors import DomainError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
MULTILINE_CONTROLS = frozenset("\n\t")
SINGLE_LINE_REFUSED = BIDI_CONTROLS | {"\u2028", "\u2029"}
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\u2028": "\n", "\u2029": "\n"}


class InvalidText(DomainError):
    code = "invalid"


def clean_text(
    value: object,
    *,
    field: str,
    max_length: int,
    multiline: bool = False,
    required: bool = True,
    label: str | None = None,
    error: type[DomainError] = InvalidText,
) -> str:
    """The stored form of a client's text, or `error` naming `field`.

    `label` names the field in messages (default: from `field`). A context passes its own invalid-input
    error class as `error`, so its callers catch its one base class.
    """
    label = label or field.replace("_", " ").capitalize()
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise error(f"{label} must be text.", field=field)
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise error(f"{label} contains an invalid character (a lone surrogate).", field=field)
    if multiline:
        for line_break, replacement in _LINE_BREAKS.items():
            value = value.replace(line_break, replacement)
    value = unicodedata.normalize("NFC", value).strip()
    for char in value:
        if multiline and char in MULTILINE_CONTROLS:
            continue
        if unicodedata.category(char) == "Cc":
            raise error(f"{label} must not contain control characters (found U+{ord(char):04X}).", field=field)
        if not multiline and char in SINGLE_LINE_REFUSED:
            raise error(
                f"{label} must fit on one line, without text-direction controls (found U+{ord(char):04X}).",
                field=field,
            )
    if not value:
        if required:
            raise error(f"{label} must not be empty.", field=field)
        return ""
    if len(value) > max_length:
        raise error(f"{label} has at most {max_length} characters.", field=field)
    return value
