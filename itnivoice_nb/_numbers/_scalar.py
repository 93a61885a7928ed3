"""One value at a time: :func:`normalize_number`, and the per-value steps the column path reuses.

:func:`clean_text` is the reference for a text cell; the vectorised path in :mod:`._vector`
does the common shapes on whole columns and hands every other distinct value to it (the tests
hold the two to the same answer). :func:`cell` turns any Python object into text to clean, or
says why it cannot be a phone number.

Example:
    >>> clean_text(" +91 (856) 321-4120 ")
    ('918563214120', True, False)
    >>> clean_text("856.321.4120")
    ('8563214120', False, True)
    >>> clean_text("n/a x")
    'contains letters'
    >>> cell(918563214120.0)
    ('918563214120', None)
"""

from __future__ import annotations

import numbers as _abc
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa

from .._vendor import NUMBER_MIN_DIGITS
from ._arrow import LSTR
from ._libphone import national_form_reason, valid_international
from ._rules import (
    ASCII_LETTER,
    BOOL,
    CHARMAP,
    DATE,
    DECIMAL,
    DELIMITER,
    DIGITS,
    EXTENSION,
    EXTENSION_REASON,
    FLOAT_TEXT,
    FORMATTED,
    HUGE,
    LETTERS,
    LONE_SURROGATES,
    MAX_INT_BITS,
    MISPLACED,
    MISPLACED_PLUS,
    MISSING,
    MISSING_WORDS,
    NEGATIVE,
    REMOVABLE,
    SCIENTIFIC,
    SEVERAL,
    SLASH,
    STRIP,
    TEL,
    TRUNK_ZERO,
    VANITY,
    VANITY_REASON,
    date_reason,
    default_reason,
    hidden_digits_reason,
    narrow_float_reason,
    negative_reason,
    not_a_phone_reason,
    not_finite_reason,
    not_whole_reason,
    split_reason,
    unexpected_reason,
    vanity_counts,
)

_REMOVE = str.maketrans(dict.fromkeys(REMOVABLE))
_NO_DIGITS = str.maketrans(dict.fromkeys(DIGITS))
_NO_STRIP = str.maketrans(dict.fromkeys(STRIP))
_DIGIT_SET = frozenset(DIGITS)

Cleaned = tuple[str, bool, bool]
"""(digits, international, national_form), as :func:`clean_text` returns them."""


def count_digits(text: str) -> int:
    return len(text) - len(text.translate(_NO_DIGITS))


def has_letters(text: str) -> bool:
    if text.isascii():
        return ASCII_LETTER.search(text) is not None
    return any(ch.isalpha() for ch in text)


def scientific(text: str) -> str | Cleaned:
    """Exact digits of scientific notation, or the reason it cannot be trusted.

    Accepted only when the mantissa carries every digit of the integer:
    "9.18563214120E+11" is 918563214120, "9.18563E+11" lost six digits.

    Example:
        >>> scientific("9.18563214120E+11"), scientific("9.18563E+11")[:32]
        (('918563214120', False, False), 'scientific notation hides digits')
    """
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # the regex lets no NaN/Infinity through
    if exponent > 0:
        return hidden_digits_reason(text)
    if value != value.to_integral_value():
        return not_whole_reason(text)
    return str(int(value)), False, False


def is_missing_word(text: str) -> bool:
    """Whether ``text`` says "no number" ("NULL", "N/A", "#N/A", "none", "nan"…).

    Example:
        >>> is_missing_word(" N / A "), is_missing_word("#n/a"), is_missing_word("unknown")
        (True, True, False)
    """
    key = text.translate(_NO_STRIP)
    return key.isascii() and key.lower() in MISSING_WORDS


def is_vanity(text: str) -> bool:
    """Whether ``text`` is a vanity number: letters standing for digits ("1-800-FLOWERS").

    Example:
        >>> is_vanity("1-800-GOT-JUNK"), is_vanity("123 ABC COMPANY"), is_vanity("hello")
        (True, False, False)
    """
    if not VANITY.fullmatch(text):
        return False
    return bool(vanity_counts(len(ASCII_LETTER.findall(text)), count_digits(text)))


def clean_text(text: str, tel: bool = True) -> str | Cleaned:
    """``(digits, international, national_form)``, or a refusal reason.

    The digits have no '+', no leading '00' and no "(0)" trunk prefix after the country code.
    ``international``: written with '+' or '00'. ``national_form``: not, and formatted with
    separators, as people write national numbers. The length, leading-zero and national-form
    rules are applied by the caller (they differ with a ``default_region``). A "tel:" prefix
    goes (``tel``: once), and the rest is cleaned as a cell of its own.

    Example:
        >>> clean_text("tel:+1-201-555-0123")
        ('12015550123', True, False)
        >>> clean_text("+1 201 555 0123 ext. 5")
        'has an extension: a voice message cannot dial one'
        >>> clean_text(" NULL ")
        'missing'
    """
    s = (text if text.isascii() else text.translate(CHARMAP)).strip(STRIP)
    if tel:
        uri = TEL.match(s)
        if uri:
            return clean_text(s[uri.end() :], tel=False)
    if is_missing_word(s):
        return MISSING
    m = DECIMAL.fullmatch(s)
    if m:
        if not FLOAT_TEXT.fullmatch(s):
            return not_whole_reason(s)
        s = m.group("whole")
    else:
        m = SCIENTIFIC.fullmatch(s)
        if m and (m.group("whole") or m.group("fraction")):
            return scientific(s)
        if DATE.fullmatch(s):
            return date_reason(s)
    if EXTENSION.fullmatch(s):
        return EXTENSION_REASON
    if has_letters(s):
        return VANITY_REASON if is_vanity(s) else LETTERS
    found = DELIMITER.search(s)
    if found:
        parts = [p for p in DELIMITER.split(s) if count_digits(p)]
        if len(parts) >= 2:
            if sum(count_digits(p) >= NUMBER_MIN_DIGITS for p in parts) >= 2:
                return SEVERAL
            return split_reason(found.group())
    if SLASH in s and sum(count_digits(p) >= NUMBER_MIN_DIGITS for p in s.split(SLASH)) >= 2:
        return SEVERAL
    trunk = TRUNK_ZERO.match(s)
    if trunk:
        s = trunk.group("head") + s[trunk.end() :]
    if MISPLACED.search(s):
        return MISPLACED_PLUS
    c = s.translate(_REMOVE)
    international = c.startswith("+")
    if international:
        c = c[1:]
    if not international and c.startswith("00"):
        international = True
        c = c[2:]
    if not c.isdigit() or not c.isascii():
        for ch in c:
            if ch not in _DIGIT_SET:
                return unexpected_reason(ch)
    if not c:
        return MISSING
    return c, international, not international and FORMATTED.search(s) is not None


def int_text(value: int) -> tuple[str | None, str | None]:
    """A whole number as text, or why not (negative, thousands of digits)."""
    if value < 0:
        if value.bit_length() > MAX_INT_BITS:
            return None, NEGATIVE
        return None, negative_reason(value)
    if value.bit_length() > MAX_INT_BITS:
        return None, HUGE
    return str(value), None


def float_text(value: float) -> tuple[str | None, str | None]:
    """A float as the text of its whole number; ``(None, None)`` for NaN (missing)."""
    if value != value:
        return None, None
    if value in (float("inf"), float("-inf")):
        return None, not_finite_reason(repr(value))
    if not value.is_integer():
        return None, not_whole_reason(repr(value))
    return int_text(int(value))


def cell(value: object) -> tuple[str | None, str | None]:
    """One cell as text to clean, ``(None, None)`` when missing, or ``(None, reason)``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return None, LONE_SURROGATES
        return str(value), None
    if isinstance(value, bool | np.bool_):
        return None, BOOL
    if isinstance(value, _abc.Integral):
        return int_text(int(value))
    if isinstance(value, Decimal):
        if value.is_nan():
            return None, None
        if not value.is_finite():
            return None, not_finite_reason(value)
        if value != value.to_integral_value():
            return None, not_whole_reason(value)
        if value.adjusted() > 2_000:
            return None, HUGE
        return int_text(int(value))
    if isinstance(value, np.floating) and value.dtype.itemsize < 8 and not np.isnan(value):
        return None, narrow_float_reason(value.dtype.name)  # float32, float16
    if isinstance(value, _abc.Real):
        return float_text(float(value))
    if isinstance(value, np.datetime64 | np.timedelta64) and np.isnat(value):
        return None, None
    return None, not_a_phone_reason(type(value).__name__)


def normalize_number(value: object) -> tuple[str | None, str | None]:
    """One value under :func:`prepare`'s default rules: ``(digits, None)`` or ``(None, reason)``.

    Example:
        >>> normalize_number("+91 (856) 321-4120")
        ('918563214120', None)
        >>> normalize_number(918563214120.0)
        ('918563214120', None)
        >>> normalize_number("9.18563E+11")
        (None, 'scientific notation hides digits: 9.18563E+11 (export the column as text)')
        >>> normalize_number("08563214120")
        (None, 'starts with 0: a national number? pass default_region')
        >>> normalize_number("+44 (0) 20 7946 0958")
        ('442079460958', None)
        >>> normalize_number("(555) 234-5678")
        (None, 'written like a national number; not valid for +55 (BR): pass default_region')
        >>> normalize_number(None), normalize_number("#N/A")
        ((None, 'missing'), (None, 'missing'))
        >>> normalize_number("tel:+1-201-555-0123")
        ('12015550123', None)
        >>> normalize_number("+1 201 555 0123 x 12")
        (None, 'has an extension: a voice message cannot dial one')
        >>> normalize_number("1-800-FLOWERS")
        (None, 'has letters for digits (a vanity number): write it in digits')
    """
    text, reason = cell(value)
    if reason is not None:
        return None, reason
    if text is None:
        return None, MISSING
    cleaned = clean_text(text)
    if isinstance(cleaned, str):
        return None, cleaned
    digits, international, national_form = cleaned
    reason = default_reason(digits, international)
    if reason is None and national_form:
        country, valid = valid_international(pa.array([digits], LSTR))
        if not valid[0]:
            reason = national_form_reason(int(country[0]))
    return (digits, None) if reason is None else (None, reason)
