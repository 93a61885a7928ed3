"""The rules for one cell, each written once: reasons, character sets, patterns, the char map.

Both paths read these: :func:`~itnivoice_nb._numbers.normalize_number` (one value, Python's
``re``) and :func:`~itnivoice_nb._numbers.prepare` (a column, pyarrow's RE2). Each pattern is
written in what the two engines share (no lookaround, no backreference, no ``\\d``, ``\\s`` or
``\\w``, whose meanings differ), so one text means one thing on both paths: Python compiles
it and matches the stripped cell with ``fullmatch``, pyarrow is handed the same text anchored
to the whole cell by :func:`whole_cell`.

Example:
    >>> DATE.fullmatch("31/01/2024") is not None
    True
    >>> import pyarrow as pa, pyarrow.compute as pc
    >>> pc.match_substring_regex(pa.array([" 31/01/2024 ", "31/01/20245"]), whole_cell(DATE))
    <pyarrow.lib.BooleanArray object at ...>
    [
      true,
      false
    ]
    >>> length_reason(6), length_reason(12)
    ('too short: 6 digits', None)
    >>> "٣".translate(CHARMAP), "\\u00a0".translate(CHARMAP), "\\u200e".translate(CHARMAP)
    ('3', ' ', '')
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Final

from .._vendor import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS

# --------------------------------------------------------------------------- character sets

DIGITS: Final = "0123456789"
SPACES: Final = " \t\v\f"
"""Spaces inside one number (line breaks are not: they separate numbers)."""
STRIP: Final = SPACES + "\n\r"
"""Trimmed around a cell."""
SEPARATORS: Final = SPACES + "-()."
"""Dropped silently: they format one number."""
DELIMITERS: Final = ",;|\n\r"
"""Separate several numbers in one cell ("/" too, when both sides are numbers)."""
SLASH: Final = "/"

_CLASS_ESCAPES: Final = {"\t": r"\t", "\v": r"\v", "\f": r"\f", "\n": r"\n", "\r": r"\r"}


def char_class(chars: str, negate: bool = False) -> str:
    """A regex character class of exactly ``chars``, the same for Python's ``re`` and RE2.

    Example:
        >>> char_class(" -()")
        '[ \\\\-()]'
        >>> char_class("\\n\\r", negate=True)
        '[^\\\\n\\\\r]'
    """
    body = "".join(_CLASS_ESCAPES.get(ch, "\\" + ch if ch in "\\]^-[" else ch) for ch in chars)
    return f"[{'^' if negate else ''}{body}]"


SPACE_CLASS: Final = char_class(SPACES)
STRIP_CLASS: Final = char_class(STRIP)
NOT_STRIP_CLASS: Final = char_class(STRIP, negate=True)
DELIMITER_CLASS: Final = char_class(DELIMITERS)
SPLIT_CLASS: Final = char_class(DELIMITERS + SLASH)
"""Any character that may split a cell into several numbers."""
LETTER: Final = "[A-Za-z]"
NON_DIGITS: Final = "[^0-9]+"


def whole_cell(pattern: re.Pattern[str] | str) -> str:
    """``pattern`` as a whole cell, spaces and line breaks around allowed (for pyarrow).

    Python matches the same cells with ``pattern.fullmatch(cell.strip(STRIP))``: no pattern here
    begins or ends with a character of :data:`STRIP`.
    """
    text = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    return f"^{STRIP_CLASS}*(?:{text}){STRIP_CLASS}*$"


# --------------------------------------------------------------------------- reasons

MISSING: Final = "missing"
SEVERAL: Final = "several numbers in one cell"
LETTERS: Final = "contains letters"
NATIONAL: Final = "starts with 0: a national number? pass default_region"
ZERO_CC: Final = "country code cannot start with 0"
MISPLACED_PLUS: Final = "'+' inside the number"
NOT_VALID: Final = "not a valid number (libphonenumber)"
NATIONAL_FORM: Final = "written like a national number"
NO_COUNTRY: Final = f"{NATIONAL_FORM}; no country code: pass default_region"
BOOL: Final = "not a phone number (bool)"
LONE_SURROGATES: Final = "contains invalid characters (lone surrogates)"
HUGE: Final = "too long: thousands of digits"
NEGATIVE: Final = "negative number"
DATE_PREFIX: Final = "looks like a date"

MAX_INT_BITS: Final = 9_000
"""Larger Python ints are refused without printing them (str() of huge ints is slow/limited)."""


def length_reason(length: int) -> str | None:
    """The vendor's 7-15 digits rule; ``None`` when the length is allowed."""
    if length < NUMBER_MIN_DIGITS:
        return f"too short: {length} digit{'' if length == 1 else 's'}"
    if length > NUMBER_MAX_DIGITS:
        return f"too long: {length} digits"
    return None


def default_reason(digits: str, international: bool) -> str | None:
    """The vendor rule on cleaned digits (no '+', no '00'); ``None`` when they pass.

    Example:
        >>> default_reason("08563214120", False)
        'starts with 0: a national number? pass default_region'
        >>> default_reason("0918563214", True), default_reason("918563214120", True)
        ('country code cannot start with 0', None)
    """
    reason = length_reason(len(digits))
    if reason is not None:
        return reason
    if digits[0] == "0":
        return ZERO_CC if international else NATIONAL
    return None


def narrow_float_reason(name: str) -> str:
    """Why a float32 or float16 value is refused: it has lost digits of the number it held."""
    return f"{name} cannot hold a phone number exactly — read the column as text"


def negative_reason(value: int) -> str:
    return f"{NEGATIVE}: {value}"


def not_whole_reason(shown: object) -> str:
    return f"not a whole number: {shown}"


def not_finite_reason(shown: object) -> str:
    return f"not a finite number: {shown}"


def hidden_digits_reason(shown: str) -> str:
    return f"scientific notation hides digits: {shown} (export the column as text)"


def date_reason(shown: str) -> str:
    return f"{DATE_PREFIX}: {shown}"


def split_reason(delimiter: str) -> str:
    return f"digits split by {delimiter!r}"


def unexpected_reason(ch: str) -> str:
    return f"unexpected character {ch!r}"


def not_a_phone_reason(kind: str) -> str:
    return f"not a phone number ({kind})"


# --------------------------------------------------------------------------- patterns

DECIMAL: Final = re.compile(r"(?P<whole>\+?[0-9]+)\.(?P<fraction>[0-9]+)")
"""Exactly a decimal number: optional '+', digits, one dot, digits (a float written as text)."""
FLOAT_TEXT: Final = re.compile(r"\+?[0-9]+\.0+")
"""A whole float written as text ("918563214120.0"): the dot and zeros are no digits."""
SCIENTIFIC: Final = re.compile(
    r"(?P<whole>[0-9]*)(?:\.(?P<fraction>[0-9]*))?[eE](?P<sign>[+-]?)(?P<exponent>[0-9]{1,4})"
)
"""Scientific notation as Excel and pandas write it (9.18563214120E+11, 9.18563214120e11);
only when the mantissa has a digit (``whole`` or ``fraction`` not empty)."""

_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)[0-9]{2}"
DATE: Final = re.compile(
    "|".join(
        f"{_YEAR}{sep}{_MONTH}{sep}{_DAY}|{_DAY}{sep}{_DAY}{sep}(?:{_YEAR}|[0-9]{{2}})"
        for sep in ("-", "/", r"\.")
    )
)
"""A date as spreadsheets write them: 2024-01-31, 31/01/2024, 1.2.24 (one separator, twice)."""

TRUNK_ZERO: Final = re.compile(
    rf"^(?P<head>{STRIP_CLASS}*(?:\+|00){SPACE_CLASS}*[0-9]{{1,3}}{SPACE_CLASS}*)\(0\)"
)
"""A trunk prefix "(0)" right after the country code of an international number, as in
"+44 (0)20 7946 0958": dialled only from inside the country, it is no digit of the number.
Matched on the text as written; ``head`` ends just before the "(0)"."""

FORMATTED: Final = re.compile(
    rf"[\-()./]|{NOT_STRIP_CLASS}{STRIP_CLASS}*{SPACE_CLASS}{STRIP_CLASS}*{NOT_STRIP_CLASS}"
)
"""A separator (of :data:`SEPARATORS`, or "/") inside the text, not just spaces around it: the
number was formatted by hand. Without '+' or '00' that is how people write national numbers."""

REMOVABLE: Final = SEPARATORS + DELIMITERS + SLASH
"""What goes from a cell that passed the other rules, leaving its digits (and '+')."""
MISPLACED: Final = re.compile(rf"{char_class(REMOVABLE, negate=True)}[^+]*\+")
"""A '+' after anything but separators: once they are gone, a '+' that does not lead."""

DELIMITER: Final = re.compile(DELIMITER_CLASS)
ASCII_LETTER: Final = re.compile(LETTER)
DIGIT: Final = "[0-9]"

# --------------------------------------------------------------------------- what people type

MISSING_WORDS: Final = frozenset(
    {
        # pandas' read_csv default na_values, any case
        *("#n/a", "#n/an/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind", "1.#qnan"),
        *("<na>", "n/a", "na", "null", "nan", "none"),
        # what astype(str) writes for missing values, and a few more people type
        *("nat", "nil", "n.a.", "n.a", "(blank)"),
    }
)
"""Cells that say "no number": compared with no space or line break and ASCII letters in lower
case (" N / A " is "n/a"). Dashes alone ("-", "—") are missing already: separators only. Each
word holds a letter (the column path looks for them among the cells with letters)."""

TEL: Final = re.compile(rf"^{STRIP_CLASS}*[Tt][Ee][Ll]:{SPACE_CLASS}*")
"""An RFC 3966 ``tel:`` URI ("tel:+1-201-555-0123"): the prefix goes, the rest is the cell
(its ";ext=12" parameter is an extension)."""

EXTENSION_REASON: Final = "has an extension: a voice message cannot dial one"
EXTENSION_SYMBOLS: Final = "#~"
"""The extension labels that are not letters."""
_SEPARATOR_CLASS = char_class(SEPARATORS)
_EXTENSION_LABEL = rf"(?i:e?xt(?:ensi[oó]n|n)?|x|{char_class(EXTENSION_SYMBOLS)}|anexo|ramal|доб)"
EXTENSION: Final = re.compile(
    rf"\+?(?:{_SEPARATOR_CLASS}*[0-9]){{{NUMBER_MIN_DIGITS},}}"
    rf"{char_class(SEPARATORS + ',;:')}*{_EXTENSION_LABEL}{char_class(SPACES + '.:=#-')}*"
    r"[0-9]{1,9}"
)
"""A number (7+ digits) then an extension: "x 1234", "ext. 5", "extension 12", "#12", "~12",
";ext=12" (RFC 3966), "anexo 12", "доб. 12" (libphonenumber's labels)."""

VANITY_REASON: Final = "has letters for digits (a vanity number): write it in digits"
VANITY: Final = re.compile(rf"\+?{_SEPARATOR_CLASS}*[0-9](?:{_SEPARATOR_CLASS}|[0-9A-Za-z])*")
"""The shape of a vanity number ("1-800-FLOWERS", "+1 800 GOT JUNK"): digits first, then ASCII
letters standing for digits, mixed with digits and separators; :func:`vanity_counts` also."""
VANITY_LETTERS: Final = (3, 8)
"""A vanity word is 3 to 8 letters (1-800-MATTRESS): "123 ABC COMPANY" is a name."""
VANITY_MAX_DIGITS: Final = 8
"""Digits before and between the letters: a prefix (1-800, +44 800), never a whole number
("+1 201 555 0123 ext" is a number with a word after it)."""


def vanity_counts(letters: Any, digits: Any) -> Any:
    """The counts of a vanity number, on ints or numpy arrays: 3-8 letters, at most 8 digits,
    and 7-15 characters that dial (letters and digits).

    Example:
        >>> vanity_counts(7, 4), vanity_counts(10, 3), vanity_counts(3, 11)
        (True, False, False)
    """
    low, high = VANITY_LETTERS
    total = letters + digits
    return (
        (letters >= low)
        & (letters <= high)
        & (digits <= VANITY_MAX_DIGITS)
        & (total >= NUMBER_MIN_DIGITS)
        & (total <= NUMBER_MAX_DIGITS)
    )


# --------------------------------------------------------------------------- the char map


class CharMap(dict[int, str | None]):
    """``str.translate`` table folding what sheets hold into ASCII; filled lazily, cached.

    Decimal digits of any script become ASCII digits; spaces of any kind become ' '; dashes become
    '-'; invisible format characters (LRM/RLM, zero-width space, BOM, soft hyphen) disappear;
    full-width punctuation becomes its ASCII form. Everything else is kept (and refused later).

    Example:
        >>> "＋９１（８５６）".translate(CharMap())
        '+91(856)'
    """

    _PUNCT: Final = frozenset("+()-./,;|")
    _EXTRA: Final = {"\u060c": ",", "\u061b": ";", "\u2212": "-", "\u2028": "\n", "\u2029": "\n"}

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        out: str | None = ch
        digit = unicodedata.decimal(ch, None)
        if digit is not None:
            out = str(digit)
        elif code < 128:
            out = ch
        elif ch in self._EXTRA:
            out = self._EXTRA[ch]
        else:
            category = unicodedata.category(ch)
            if category == "Zs":
                out = " "
            elif category == "Cf":
                out = None
            elif category == "Pd":
                out = "-"
            else:
                folded = unicodedata.normalize("NFKC", ch)
                if folded in self._PUNCT:
                    out = folded
        self[code] = out
        return out


CHARMAP: Final = CharMap()
"""The one fold every path applies first (Python's ``str.translate``; numpy on UTF-8 bytes)."""
