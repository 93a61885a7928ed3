"""Phone numbers from a messy sheet, checked and normalised for the Itniotech voice API.

The vendor wants each callee as 7-15 digits, country code + number, no ``+``. Real sheets hold
everything else: separators, ``+`` and ``00`` prefixes, digits of other scripts, Excel's float
and scientific-notation artifacts, several numbers in one cell, blanks. :func:`prepare` turns a
DataFrame column into vendor-ready digits and says, row by row, why a number was refused. It
never guesses: a cell that is not clearly one phone number is refused with a short reason, and
no number is turned into another one (a float32 column that has lost digits, "(555) 234-5678"
that would be dialled in Brazil, the trunk 0 of "+44 (0)20…").

Example:
    >>> import pandas as pd
    >>> df = pd.DataFrame({"phone": ["+91 85632 14120", "0091-856-321-4120", "856321", None]})
    >>> out = prepare(df)
    >>> out["number"].tolist()
    ['918563214120', '918563214120', nan, nan]
    >>> out["invalid_reason"].tolist()
    [nan, nan, 'too short: 6 digits', 'missing']
    >>> out["duplicate"].tolist()
    [False, True, False, False]
    >>> normalize_number("٩١٨٥٦٣٢١٤١٢٠")
    ('918563214120', None)
    >>> mask_number("918563214120")
    '••••••••4120'

The work is vectorised over the whole column (pyarrow compute, and numpy over the raw UTF-8
buffers). Only odd cells (Python objects in an object column, shapes the vectorised steps do not
know) take the per-value path of :func:`normalize_number`, once per distinct value; the tests
hold the two paths to the same answer on every value. Numbers written like national ones are
checked once per distinct number, with libphonenumber's metadata run by pyarrow for all the
numbers of a country code at once (the tests hold it to ``phonenumbers.is_valid_number``).
"""

from __future__ import annotations

import difflib
import numbers as _abc
import re
import unicodedata
import warnings
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from typing import Any, Final

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from ._columns import free_labels
from ._vendor import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS
from .outcomes import PREPARE_COLUMNS

__all__ = ["OUTPUT_COLUMNS", "mask_number", "mask_numbers", "normalize_number", "prepare"]

OUTPUT_COLUMNS: Final = PREPARE_COLUMNS
"""The columns :func:`prepare` appends, in order."""

_STR_DTYPE: Final = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas 3's default ``str`` dtype (pyarrow-backed, NaN as the missing marker)."""

_LSTR: Final = pa.large_string()
_DIGITS: Final = frozenset("0123456789")

# Characters dropped silently: they format one number.
_SEPARATORS: Final = " \t\v\f-()."
# Characters that separate several numbers in one cell ("/" only when both sides are numbers).
_DELIMITERS: Final = ",;|\n\r"
_STRIP: Final = " \t\v\f\n\r"

_MISSING: Final = "missing"
_SEVERAL: Final = "several numbers in one cell"
_LETTERS: Final = "contains letters"
_NATIONAL: Final = "starts with 0: a national number? pass default_region"
_ZERO_CC: Final = "country code cannot start with 0"
_MISPLACED_PLUS: Final = "'+' inside the number"
_NOT_VALID: Final = "not a valid number (libphonenumber)"
_NATIONAL_FORM: Final = "written like a national number"
_NO_COUNTRY: Final = f"{_NATIONAL_FORM}; no country code: pass default_region"


def _narrow_float_reason(name: str) -> str:
    """Why a float32 or float16 value is refused: it has lost digits of the number it held."""
    return f"{name} cannot hold a phone number exactly — read the column as text"


def _national_form_reason(country_code: int) -> str:
    """Why digits written like a national number are refused; 0: no known country code."""
    if not country_code:
        return _NO_COUNTRY
    region = phonenumbers.region_code_for_country_code(country_code)
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        region = "non-geographic"
    return f"{_NATIONAL_FORM}; not valid for +{country_code} ({region}): pass default_region"


# Exactly a decimal number: optional '+', digits, one dot, digits (a float written as text).
_RE_DECIMAL: Final = re.compile(r"(\+?[0-9]+)\.([0-9]+)")
# Scientific notation as Excel and pandas write it: 9.18563214120E+11, 9.18563214120e11.
_RE_SCI: Final = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]{1,4}")
_RE_DELIMITERS: Final = re.compile(r"[,;|\n\r]")
# A date, as spreadsheets write them: 2024-01-31, 31/01/2024, 1.2.24 (same separator twice).
_DAY, _MONTH, _YEAR = r"(?:0?[1-9]|[12][0-9]|3[01])", r"(?:0?[1-9]|1[0-2])", r"(?:19|20)[0-9]{2}"
_DATE: Final = "(?:{})".format(
    "|".join(
        f"{_YEAR}{sep}{_MONTH}{sep}{_DAY}|{_DAY}{sep}{_DAY}{sep}(?:{_YEAR}|[0-9]{{2}})"
        for sep in ("-", "/", r"\.")
    )
)
_RE_DATE: Final = re.compile(_DATE)
# The same shapes for pyarrow (RE2); the spaces allowed around them are _STRIP minus \n, \r.
_PA_SPACE: Final = r"[ \t\v\f]"
_PA_WS: Final = rf"{_PA_SPACE}*"
_PA_FLOAT_TEXT: Final = rf"^{_PA_WS}\+?[0-9]+\.0+{_PA_WS}$"
_PA_DECIMAL_TEXT: Final = rf"^{_PA_WS}\+?[0-9]+\.[0-9]+{_PA_WS}$"
_PA_SCI: Final = rf"^{_PA_WS}(?P<i>[0-9]+)(?:\.(?P<f>[0-9]*))?[eE]\+?(?P<e>[0-9]{{1,4}}){_PA_WS}$"
_PA_WS_CHARS: Final = " \t\v\f"
_PA_STRIP: Final = r" \t\v\f\n\r"
# A trunk prefix "(0)" right after the country code of an international number, as in
# "+44 (0)20 7946 0958": dialled only from inside the country, it is no digit of the number.
# Matched on the text as written (spaces around allowed); "head" ends just before the "(0)".
_TRUNK_ZERO: Final = rf"^(?P<head>[{_PA_STRIP}]*(?:\+|00){_PA_WS}[0-9]{{1,3}}{_PA_WS})\(0\)"
# A separator (of _SEPARATORS, or "/") inside the text, not just spaces around it: the number
# was formatted by hand. Without '+' or '00' that is how people write national numbers.
_FORMATTED: Final = rf"[\-()./]|[^{_PA_STRIP}][{_PA_STRIP}]*{_PA_SPACE}[{_PA_STRIP}]*[^{_PA_STRIP}]"
_PA_DATE: Final = rf"^{_PA_WS}{_DATE}{_PA_WS}$"
_RE_TRUNK_ZERO: Final = re.compile(_TRUNK_ZERO)
_RE_FORMATTED: Final = re.compile(_FORMATTED)
# _RE_SCI as Python sees it after .strip(_STRIP): letters in these are not "letters".
_PA_ANY_SCI: Final = (
    r"^[ \t\v\f\n\r]*(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]{1,4}[ \t\v\f\n\r]*$"
)

_MAX_INT_BITS: Final = 9_000
"""Larger Python ints are refused without printing them (str() of huge ints is slow/limited)."""


def _length_reason(length: int) -> str | None:
    """The 7-15 digits rule; ``None`` when the length is allowed."""
    if length < NUMBER_MIN_DIGITS:
        return f"too short: {length} digit{'' if length == 1 else 's'}"
    if length > NUMBER_MAX_DIGITS:
        return f"too long: {length} digits"
    return None


def _default_reason(digits: str, international: bool) -> str | None:
    """The vendor rule on cleaned digits (no '+', no '00'); ``None`` when they pass."""
    reason = _length_reason(len(digits))
    if reason is not None:
        return reason
    if digits[0] == "0":
        return _ZERO_CC if international else _NATIONAL
    return None


# --------------------------------------------------------------------------- one value


class _CharMap(dict[int, str | None]):
    """``str.translate`` table folding what sheets hold into ASCII; filled lazily, cached.

    Decimal digits of any script become ASCII digits; spaces of any kind become ' '; dashes become
    '-'; invisible format characters (LRM/RLM, zero-width space, BOM, soft hyphen) disappear;
    full-width punctuation becomes its ASCII form. Everything else is kept (and refused later).
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


_CHARMAP: Final = _CharMap()
_REMOVE: Final = str.maketrans(dict.fromkeys(_SEPARATORS + _DELIMITERS + "/"))


_NO_DIGITS: Final = str.maketrans(dict.fromkeys("0123456789"))
_RE_ASCII_LETTER: Final = re.compile(r"[A-Za-z]")


def _count_digits(text: str) -> int:
    return len(text) - len(text.translate(_NO_DIGITS))


def _has_letters(text: str) -> bool:
    if text.isascii():
        return _RE_ASCII_LETTER.search(text) is not None
    return any(ch.isalpha() for ch in text)


def _scientific(text: str) -> str | tuple[str, bool, bool]:
    """Exact digits of scientific notation, or the reason it cannot be trusted.

    Accepted only when the mantissa carries every digit of the integer:
    "9.18563214120E+11" is 918563214120, "9.18563E+11" lost six digits.
    """
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # the regex lets no NaN/Infinity through
    if exponent > 0:
        return f"scientific notation hides digits: {text} (export the column as text)"
    if value != value.to_integral_value():
        return f"not a whole number: {text}"
    return str(int(value)), False, False


def _clean_text(text: str) -> str | tuple[str, bool, bool]:
    """``(digits, international, national_form)``, or a refusal reason.

    The digits have no '+', no leading '00' and no "(0)" trunk prefix after the country code.
    ``international``: written with '+' or '00'. ``national_form``: not, and formatted with
    separators, as people write national numbers. The length, leading-zero and national-form
    rules are applied by the caller (they differ with a ``default_region``).
    """
    s = (text if text.isascii() else text.translate(_CHARMAP)).strip(_STRIP)
    m = _RE_DECIMAL.fullmatch(s)
    if m:
        if m.group(2).strip("0"):
            return f"not a whole number: {s}"
        s = m.group(1)
    elif _RE_SCI.fullmatch(s):
        return _scientific(s)
    elif _RE_DATE.fullmatch(s):
        return f"looks like a date: {s}"
    if _has_letters(s):
        return _LETTERS
    found = _RE_DELIMITERS.search(s)
    if found:
        parts = [p for p in _RE_DELIMITERS.split(s) if _count_digits(p)]
        if len(parts) >= 2:
            if sum(_count_digits(p) >= NUMBER_MIN_DIGITS for p in parts) >= 2:
                return _SEVERAL
            return f"digits split by {found.group()!r}"
    if "/" in s and sum(_count_digits(p) >= NUMBER_MIN_DIGITS for p in s.split("/")) >= 2:
        return _SEVERAL
    trunk = _RE_TRUNK_ZERO.match(s)
    if trunk:
        s = trunk.group("head") + s[trunk.end() :]
    c = s.translate(_REMOVE)
    international = c.startswith("+")
    if international:
        c = c[1:]
    if "+" in c:
        return _MISPLACED_PLUS
    if not international and c.startswith("00"):
        international = True
        c = c[2:]
    if not c.isdigit() or not c.isascii():
        for ch in c:
            if ch not in _DIGITS:
                return f"unexpected character {ch!r}"
    if not c:
        return _MISSING
    return c, international, not international and _RE_FORMATTED.search(s) is not None


def _int_text(value: int) -> tuple[str | None, str | None]:
    if value < 0:
        if value.bit_length() > _MAX_INT_BITS:
            return None, "negative number"
        return None, f"negative number: {value}"
    if value.bit_length() > _MAX_INT_BITS:
        return None, "too long: thousands of digits"
    return str(value), None


def _float_text(value: float) -> tuple[str | None, str | None]:
    if value != value:
        return None, None
    if value in (float("inf"), float("-inf")):
        return None, f"not a finite number: {value!r}"
    if not value.is_integer():
        return None, f"not a whole number: {value!r}"
    return _int_text(int(value))


def _cell(value: object) -> tuple[str | None, str | None]:
    """One cell as text to clean, ``(None, None)`` when missing, or ``(None, reason)``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None, None
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return None, "contains invalid characters (lone surrogates)"
        return str(value), None
    if isinstance(value, bool | np.bool_):
        return None, "not a phone number (bool)"
    if isinstance(value, _abc.Integral):
        return _int_text(int(value))
    if isinstance(value, Decimal):
        if value.is_nan():
            return None, None
        if not value.is_finite():
            return None, f"not a finite number: {value}"
        if value != value.to_integral_value():
            return None, f"not a whole number: {value}"
        if value.adjusted() > 2_000:
            return None, "too long: thousands of digits"
        return _int_text(int(value))
    if isinstance(value, np.floating) and value.dtype.itemsize < 8 and not np.isnan(value):
        return None, _narrow_float_reason(value.dtype.name)  # float32, float16
    if isinstance(value, _abc.Real):
        return _float_text(float(value))
    if isinstance(value, np.datetime64 | np.timedelta64) and np.isnat(value):
        return None, None
    return None, f"not a phone number ({type(value).__name__})"


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
        >>> normalize_number(None)
        (None, 'missing')
    """
    text, reason = _cell(value)
    if reason is not None:
        return None, reason
    if text is None:
        return None, _MISSING
    cleaned = _clean_text(text)
    if isinstance(cleaned, str):
        return None, cleaned
    digits, international, national_form = cleaned
    reason = _default_reason(digits, international)
    if reason is None and national_form:
        country, valid = _valid_international(pa.array([digits], _LSTR))
        if not valid[0]:
            reason = _national_form_reason(int(country[0]))
    return (digits, None) if reason is None else (None, reason)


# --------------------------------------------------------------------------- vectorised


class _Reasons:
    """Distinct reason strings; rows carry an int32 code into this table (-1 = no reason)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, reason: str) -> int:
        found = self._index.get(reason)
        if found is None:
            found = self._index[reason] = len(self.items)
            self.items.append(reason)
        return found

    def set(self, codes: np.ndarray, rows: np.ndarray, reasons: Sequence[str]) -> None:
        """``codes[rows[i]] = code(reasons[i])``, formatting each distinct reason once."""
        if len(rows):
            table = np.array([self.code(r) for r in reasons], dtype=np.int32)
            codes[rows] = table

    def codes_for(self, values: pa.Array, reason: Callable[[Any], str]) -> np.ndarray:
        """``code(reason(v))`` for each of ``values``, calling ``reason`` once per distinct v."""
        encoded = pc.dictionary_encode(values)
        table = np.array([self.code(reason(v)) for v in encoded.dictionary.to_pylist()], np.int32)
        return table[encoded.indices.to_numpy(zero_copy_only=False)]

    def to_arrow(self, codes: np.ndarray) -> pa.Array:
        table = pa.array(self.items, type=_LSTR)
        return pc.take(table, pa.array(codes, mask=codes < 0))


def _np_bool(arr: pa.Array | pa.ChunkedArray, null: bool = False) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, null).to_numpy(zero_copy_only=False), dtype=bool)


def _put(arr: pa.Array, rows: np.ndarray, values: pa.Array | list[str | None]) -> pa.Array:
    """A copy of ``arr`` with ``arr[rows] = values`` (rows ascending)."""
    if not len(rows):
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=_LSTR)
    return pc.replace_with_mask(arr, pa.array(mask), values.cast(_LSTR))


def _buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets from 0, data) of a large_string array, as numpy views (no copy)."""
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi == lo:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    return offsets - lo, np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]


def _strings(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    """A large_string array (no nulls) over numpy offsets and bytes."""
    return pa.Array.from_buffers(
        _LSTR, len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] + k`` for ``0 <= k < lengths[i]``, concatenated."""
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + within


_KEEP_LUT: Final = np.ones(256, dtype=bool)
_KEEP_LUT[np.frombuffer(_SEPARATORS.encode(), dtype=np.uint8)] = False
_PLUS, _ZERO = ord("+"), ord("0")


def _compact(offsets: np.ndarray, data: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep the bytes where ``keep``; returns the new (offsets, data)."""
    kept_before = np.zeros(len(data) + 1, dtype=np.int32 if len(data) < 2**31 else np.int64)
    np.cumsum(keep, out=kept_before[1:])
    return kept_before[offsets].astype(np.int64), data[keep]


def _byte_at(data: np.ndarray, positions: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``data[positions]`` where ``present``, else 0."""
    if not len(data):
        return np.zeros(len(positions), dtype=np.uint8)
    return np.where(present, data[np.minimum(positions, len(data) - 1)], 0)


class _Digits:
    """Cleaned digits of every row: one big array plus replacements for a few rows.

    Assembled once, by a single ``take``, when the digits are needed (``take``); the lengths
    and the "starts with 0" flags are kept up to date in numpy for the rules.
    """

    def __init__(self, main: pa.Array, lengths: np.ndarray, lead_zero: np.ndarray) -> None:
        self.parts = [main]
        self.size = len(main)
        self.lengths = lengths
        self.lead_zero = lead_zero
        self.source: np.ndarray | None = None

    def replace(self, rows: np.ndarray, values: pa.Array) -> None:
        if not len(rows):
            return
        values = pc.fill_null(values.cast(_LSTR), "")
        if self.source is None:
            self.source = np.arange(len(self.lengths), dtype=np.int64)
        self.source[rows] = np.arange(self.size, self.size + len(values))
        self.parts.append(values)
        self.size += len(values)
        self.lengths[rows] = pc.binary_length(values).to_numpy()
        self.lead_zero[rows] = _np_bool(pc.starts_with(values, "0"))

    def take(self, rows: np.ndarray | None = None, mask: np.ndarray | None = None) -> pa.Array:
        """Digits of ``rows`` (all rows when None); null where ``mask``."""
        source = np.arange(len(self.lengths)) if self.source is None else self.source
        if rows is not None:
            source = source[rows]
        if len(self.parts) > 1:
            self.parts = [pa.concat_arrays(self.parts)]
        return self.parts[0].take(pa.array(source, mask=mask))


def _fold_actions(points: np.ndarray) -> np.ndarray | None:
    """What ``_CHARMAP`` does to each code point: -1 keep, 0 delete, else an ASCII byte.

    The map is consulted once per distinct code point; ``None`` when some replacement is not
    a single ASCII character (the map never does that; the caller then falls back).
    """
    if len(points) and int(points.max()) < 0x10000:  # the BMP: a direct table, no sorting
        present = np.zeros(0x10000, dtype=bool)
        present[points] = True
        distinct = np.flatnonzero(present)
        slots, lookup = distinct, points
    else:
        distinct, lookup = np.unique(points, return_inverse=True)
        slots = np.arange(len(distinct))
    table = np.full(int(slots.max(initial=0)) + 1, -1, dtype=np.int16)
    for slot, point in zip(slots.tolist(), distinct.tolist(), strict=True):
        to = _CHARMAP[point]
        if not to:
            table[slot] = 0
        elif to != chr(point):
            if len(to) != 1 or not to.isascii():
                return None
            table[slot] = ord(to)
    return table[lookup.reshape(-1)]


def _fold(texts: pa.Array) -> pa.Array:
    """``v.translate(_CHARMAP)`` for every (non-null) ``v``, on the UTF-8 bytes with numpy.

    Each character the map changes becomes one ASCII byte or disappears. Falls back to
    Python if the map ever does anything else.
    """
    offsets, data = _buffers(texts)
    lead = np.flatnonzero(data >= 0xC0)  # the first byte of each non-ASCII character
    first = data[lead]
    size = 2 + (first >= 0xE0).astype(np.int8) + (first >= 0xF0)
    act = np.full(len(lead), -1, dtype=np.int16)
    for width, mask in ((2, 0x1F), (3, 0x0F), (4, 0x07)):
        at = np.flatnonzero(size == width)
        if not len(at):
            continue
        pos = lead[at]
        point = (data[pos] & mask).astype(np.int32)
        for k in range(1, width):
            point = (point << 6) | (data[pos + k] & 0x3F)
        found = _fold_actions(point)
        if found is None:  # pragma: no cover - the map never does this
            return pa.array([v.translate(_CHARMAP) for v in texts.to_pylist()], _LSTR)
        act[at] = found
    if not (act >= 0).any():
        return texts
    data = data.copy()
    keep = np.ones(len(data), dtype=bool)
    mapped, deleted = act > 0, act == 0
    data[lead[mapped]] = act[mapped]
    keep[lead[deleted]] = False
    for k in (1, 2, 3):
        keep[lead[(mapped | deleted) & (size > k)] + k] = False
    offsets, data = _compact(offsets, data, keep)
    return _strings(offsets, data)


def _scientific_vec(
    text: pa.Array, rows: np.ndarray, codes: np.ndarray, r: _Reasons
) -> tuple[np.ndarray, pa.Array]:
    """:func:`_scientific` for the rows of ``text`` written like "9.18563214120E+11".

    Exact string arithmetic, no floats: with mantissa ``I.F`` and exponent ``E`` the number is
    whole and complete iff ``len(F) >= E`` and ``F[E:]`` is only zeros, and then its digits are
    ``I + F[:E]``. Returns the rows handled and their digits; refusals go to ``codes``.
    """
    sub = text.take(pa.array(rows))
    parts = pc.extract_regex(sub, _PA_SCI)
    matched = _np_bool(parts.is_valid())
    if not matched.any():
        return rows[:0], pa.array([], _LSTR)
    rows, sub = rows[matched], sub.filter(pa.array(matched))
    parts = parts.filter(pa.array(matched))
    whole = parts.field("i")
    frac = pc.fill_null(parts.field("f"), "")
    exp = pc.cast(parts.field("e"), pa.int64()).to_numpy()
    frac_len = pc.binary_length(frac).to_numpy()
    frac_nz = pc.ascii_rtrim(frac, "0")
    nz_len = pc.binary_length(frac_nz).to_numpy()
    hides = exp > frac_len
    fraction = ~hides & (nz_len > exp)
    for bad, why in (
        (hides, "scientific notation hides digits: {} (export the column as text)"),
        (fraction, "not a whole number: {}"),
    ):
        if bad.any():
            shown = pc.utf8_trim(sub.filter(pa.array(bad)), _PA_WS_CHARS)
            codes[rows[bad]] = r.codes_for(shown, why.format)
    pad = pc.binary_repeat(pa.scalar("0", _LSTR), pa.array(np.maximum(exp - nz_len, 0)))
    digits = pc.binary_join_element_wise(whole, frac_nz, pad, pa.scalar("", _LSTR))
    digits = pc.ascii_ltrim(digits, "0")
    digits = pc.if_else(pc.equal(digits, ""), pa.scalar("0", _LSTR), digits)
    return rows, digits


def _part_counts(texts: pa.Array, pattern: str) -> tuple[np.ndarray, np.ndarray]:
    """Per text, split on ``pattern``: (parts holding a digit, parts holding 7+ digits)."""
    parts = pc.split_pattern_regex(texts, pattern)
    parent = pc.list_parent_indices(parts).to_numpy()
    digits = pc.binary_length(pc.replace_substring_regex(parts.flatten(), "[^0-9]+", ""))
    digits = digits.to_numpy()
    k = len(texts)
    return (
        np.bincount(parent, weights=digits > 0, minlength=k),
        np.bincount(parent, weights=digits >= NUMBER_MIN_DIGITS, minlength=k),
    )


def _refusals_vec(text: pa.Array, rows: np.ndarray, codes: np.ndarray, r: _Reasons) -> np.ndarray:
    """The common refusals of :func:`_clean_text` (letters, several numbers), vectorised.

    Only ASCII rows that ``_clean_text`` would refuse at exactly these steps are decided here
    (returned); every other row is left to it.
    """
    sub = text.take(pa.array(rows))
    ascii_ = _np_bool(pc.string_is_ascii(sub))
    letters = ascii_ & _np_bool(pc.match_substring_regex(sub, "[A-Za-z]"))
    letters &= ~_np_bool(pc.match_substring_regex(sub, _PA_ANY_SCI))
    codes[rows[letters]] = r.code(_LETTERS)
    split = ascii_ & ~letters & _np_bool(pc.match_substring_regex(sub, "[,;|\n\r/]"))
    if not split.any():
        return rows[letters]
    where = np.flatnonzero(split)
    cells = sub.take(pa.array(where))
    with_digits, long_parts = _part_counts(cells, "[,;|\n\r]")
    several = long_parts >= 2
    split_by = ~several & (with_digits >= 2)
    slashed = (with_digits < 2) & _np_bool(pc.match_substring(cells, "/"))
    if slashed.any():
        several[slashed] = _part_counts(cells.filter(pa.array(slashed)), "/")[1] >= 2
    codes[rows[where[several]]] = r.code(_SEVERAL)
    if split_by.any():
        first = pc.extract_regex(
            pc.utf8_trim(cells.filter(pa.array(split_by)), _STRIP), "(?P<d>[,;|\n\r])"
        )
        codes[rows[where[split_by]]] = r.codes_for(first.field("d"), "digits split by {!r}".format)
    decided = letters.copy()
    decided[where[several | split_by]] = True
    return rows[decided]


def _clean_vec(
    text: pa.Array, codes: np.ndarray, reasons: _Reasons, fold: bool = True
) -> tuple[_Digits, np.ndarray, np.ndarray]:
    """:func:`_clean_text` over a column: (digits, international, national_form).

    The common shapes (digits, separators, '+', '00', a "(0)" trunk prefix, float artifacts
    such as "91856.0", scientific notation) are handled on the raw string buffers with numpy
    and pyarrow; every other row goes through ``_clean_text`` once per distinct value.
    Refusals go to ``codes``; rows already refused (``codes >= 0``) are left alone.
    """
    n = len(text)
    is_null = text.is_null().to_numpy(zero_copy_only=False)
    slow = np.zeros(n, dtype=bool)
    open_ = codes < 0

    # Non-ASCII: other scripts' digits, Unicode spaces and dashes folded to ASCII, then the
    # same steps on those few rows (done apart; their results replace the main pass's).
    folded_rows = np.zeros(0, dtype=np.int64)
    if fold:
        folded_rows = np.flatnonzero(~_np_bool(pc.string_is_ascii(text), True) & open_)
    if len(folded_rows):
        folded_codes = codes[folded_rows]
        folded_digits, folded_intl, folded_national = _clean_vec(
            _fold(text.take(folded_rows)), folded_codes, reasons, fold=False
        )
        open_[folded_rows] = False

    offsets, data = _buffers(text)
    written = np.diff(offsets)
    keep = np.take(_KEEP_LUT, data)
    # "+44 (0)20 …": the parentheses are separators, the 0 goes too.
    trunk = np.flatnonzero(_np_bool(pc.match_substring(text, "(0)")))
    if len(trunk):
        written_head = pc.extract_regex(text.take(trunk), _TRUNK_ZERO)
        found = _np_bool(written_head.is_valid())
        head = written_head.filter(pa.array(found)).field("head")
        keep[offsets[trunk[found]] + pc.binary_length(head).to_numpy() + 1] = False

    # A dot could be a float written as text: "918563214120.0" is 12 digits, not 13.
    artifacts = np.zeros(0, dtype=np.int64)
    dotted = _np_bool(pc.match_substring(text, "."))
    if dotted.any():
        rows = np.flatnonzero(dotted)
        decimal = _np_bool(pc.match_substring_regex(text.take(rows), _PA_DECIMAL_TEXT))
        rows = rows[decimal]
        sub = text.take(rows)
        artifact = _np_bool(pc.match_substring_regex(sub, _PA_FLOAT_TEXT))
        slow[rows[~artifact]] = True  # "91856.5": refused by _clean_text
        if artifact.any():  # drop ".0…" to the end of the cell
            rows = artifacts = rows[artifact]
            dot = pc.find_substring(sub.filter(pa.array(artifact)), ".").to_numpy()
            starts = offsets[rows] + dot
            keep[_ranges(starts, offsets[rows + 1] - starts)] = False

    offsets, data = _compact(offsets, data, keep)
    lengths = np.diff(offsets)
    # "2024-01-31" would pass for 8 digits.
    maybe_date = np.flatnonzero(open_ & ~slow & (lengths >= 4) & (lengths <= 8))
    if len(maybe_date):
        date = _np_bool(pc.match_substring_regex(text.take(maybe_date), _PA_DATE))
        if date.any():
            rows = maybe_date[date]
            shown = pc.utf8_trim(text.take(rows), _PA_WS_CHARS)
            codes[rows] = reasons.codes_for(shown, "looks like a date: {}".format)
            open_[rows] = False
    # A leading '+' or '00' marks an international number; it goes.
    heads = offsets[:-1]
    plus = _byte_at(data, heads, lengths > 0) == _PLUS
    zeros = ~plus & (_byte_at(data, heads, lengths > 1) == _ZERO)
    zeros &= _byte_at(data, heads + 1, lengths > 1) == _ZERO
    skip = plus.astype(np.int64) + 2 * zeros
    if skip.any():
        keep = np.ones(len(data), dtype=bool)
        keep[heads[plus | zeros]] = False
        keep[heads[zeros] + 1] = False
        data = data[keep]
        offsets = offsets - np.concatenate(([0], np.cumsum(skip)))
        lengths = lengths - skip
    digits = _strings(offsets, data)
    slow |= ~is_null & (lengths > 0) & ~_np_bool(pc.ascii_is_decimal(digits))
    international = plus | zeros
    # Formatted by hand without '+' or '00' (separators were dropped, not just spaces around).
    national = np.zeros(n, dtype=bool)
    maybe = np.flatnonzero(~international & ~slow & open_ & (lengths > 0) & (lengths < written))
    if len(maybe):
        national[maybe] = _np_bool(pc.match_substring_regex(text.take(maybe), _FORMATTED))
        national[artifacts] = False  # its dot was the float's, not a separator
    codes[(is_null | (lengths == 0)) & ~slow & open_] = reasons.code(_MISSING)
    lead_zero = _byte_at(data, offsets[:-1], lengths > 0) == _ZERO
    out = _Digits(digits, lengths, lead_zero)

    slow &= open_
    if slow.any():
        rows, sci = _scientific_vec(text, np.flatnonzero(slow), codes, reasons)
        slow[rows] = False
        international[rows] = national[rows] = False
        out.replace(rows, sci)
    if slow.any():
        slow[_refusals_vec(text, np.flatnonzero(slow), codes, reasons)] = False
    rows = np.flatnonzero(slow)
    if len(rows):
        encoded = pc.dictionary_encode(text.take(rows))
        index = encoded.indices.to_numpy(zero_copy_only=False)
        results = [_clean_text(v) for v in encoded.dictionary.to_pylist()]
        u_codes = np.array(
            [reasons.code(r) if isinstance(r, str) else -1 for r in results], dtype=np.int32
        )
        u_intl = np.array([not isinstance(r, str) and r[1] for r in results], dtype=bool)
        u_national = np.array([not isinstance(r, str) and r[2] for r in results], dtype=bool)
        u_digits = pa.array([None if isinstance(r, str) else r[0] for r in results], _LSTR)
        codes[rows] = u_codes[index]
        international[rows] = u_intl[index]
        national[rows] = u_national[index]
        out.replace(rows, u_digits.take(pa.array(index)))
    if len(folded_rows):
        codes[folded_rows] = folded_codes
        international[folded_rows] = folded_intl
        national[folded_rows] = folded_national
        out.replace(folded_rows, folded_digits.take())
    return out, international, national


def _apply_default_rules(digits: _Digits, intl: np.ndarray, codes: np.ndarray, r: _Reasons) -> None:
    open_ = codes < 0
    lengths = digits.lengths
    bad_length = open_ & ((lengths < NUMBER_MIN_DIGITS) | (lengths > NUMBER_MAX_DIGITS))
    if bad_length.any():
        rows = np.flatnonzero(bad_length)
        distinct, inverse = np.unique(lengths[rows], return_inverse=True)
        table = np.array([r.code(str(_length_reason(int(x)))) for x in distinct], np.int32)
        codes[rows] = table[inverse]
    zero = open_ & ~bad_length & digits.lead_zero
    codes[zero & intl] = r.code(_ZERO_CC)
    codes[zero & ~intl] = r.code(_NATIONAL)


_PARSE_ERRORS: Final = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "invalid country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short after the prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}
_POSSIBLE_ERRORS: Final = {
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "local number only, add the area code",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.ValidationResult.TOO_SHORT: "too short",
    phonenumbers.ValidationResult.INVALID_LENGTH: "invalid length",
    phonenumbers.ValidationResult.TOO_LONG: "too long",
}


def _libphonenumber(key: str, region: str | None, strict: bool) -> tuple[int, str | None]:
    """One distinct number through phonenumbers: (E.164 as an int, None) or (0, reason)."""
    where = region if region is not None and key[0] != "+" else None
    try:
        parsed = phonenumbers.parse(key, where)
    except phonenumbers.NumberParseException as exc:
        why = _PARSE_ERRORS.get(exc.error_type, "not a number")
        return 0, f"cannot parse for {where}: {why}" if where else f"cannot parse: {why}"
    if region is not None:
        possible = phonenumbers.is_possible_number_with_reason(parsed)
        if possible != phonenumbers.ValidationResult.IS_POSSIBLE:
            why = _POSSIBLE_ERRORS.get(possible, "not possible")
            return 0, f"not a possible number for {where or f'+{parsed.country_code}'}: {why}"
    if strict and not phonenumbers.is_valid_number(parsed):
        return 0, _NOT_VALID
    national = phonenumbers.national_significant_number(parsed)
    country = parsed.country_code
    reason = _length_reason(len(str(country)) + len(national))
    return (0, reason) if reason else (country * 10 ** len(national) + int(national), None)


_KEY_DIGITS: Final = 17
"""Cleaned numbers up to this many digits are deduplicated as int64 keys (else as text)."""


def _distinct_numbers(
    digits: _Digits, rows: np.ndarray, plus: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Deduplicate the numbers of ``rows`` (each written with '+' where ``plus``).

    Returns (for each row, the index of its distinct number; for each distinct number, the
    position in ``rows`` of its first row; the distinct numbers' digits). Rows are keyed by an
    int64 packing (digits, their count, '+'), so the per-row work is integer hashing.
    """
    lengths = digits.lengths[rows]
    sub = digits.take(rows)
    fits = lengths <= _KEY_DIGITS
    value = np.zeros(len(rows), dtype=np.int64)
    value[fits] = pc.cast(sub.filter(pa.array(fits)), pa.int64()).to_numpy()
    keys = (value * 20 + lengths) * 2 + plus
    long_rows = np.flatnonzero(~fits)
    if len(long_rows):  # rare: key them by their text, as negative numbers
        encoded = pc.dictionary_encode(sub.take(pa.array(long_rows)))
        keys[long_rows] = (
            -2 * (1 + encoded.indices.to_numpy(zero_copy_only=False)) - plus[long_rows]
        )
    index, distinct = pd.factorize(keys)
    # factorize numbers keys by first appearance: the text of each is that row's text
    first = np.empty(len(distinct), dtype=np.int64)
    first[index[::-1]] = np.arange(len(index) - 1, -1, -1)
    return index, first, sub.take(pa.array(first))


def _apply_libphonenumber(
    digits: _Digits,
    intl: np.ndarray,
    codes: np.ndarray,
    r: _Reasons,
    region: str | None,
    strict: bool,
) -> np.ndarray:
    """Parse each distinct open number once; returns every row's E.164 number as an int64."""
    e164 = np.zeros(len(codes), dtype=np.int64)
    rows = np.flatnonzero(codes < 0)
    if not len(rows):
        return e164
    plus = np.ones(len(rows), dtype=bool) if region is None else intl[rows]
    index, first, distinct = _distinct_numbers(digits, rows, plus)
    texts = distinct.to_pylist()
    texts = [f"+{t}" if p else t for t, p in zip(texts, plus[first].tolist(), strict=True)]
    results = [_libphonenumber(t, region, strict) for t in texts]
    u_codes = np.array([-1 if why is None else r.code(why) for _, why in results], np.int32)
    u_e164 = np.array([d for d, _ in results], dtype=np.int64)
    codes[rows] = u_codes[index]
    e164[rows] = u_e164[index]
    return e164


# libphonenumber's own test of a number, phonenumbers.is_valid_number, run on its metadata for
# all the numbers of one country calling code at once (pyarrow's RE2 runs the same patterns:
# they are written for RE2, the engine of the C++ library).
_KNOWN_CC: Final = np.zeros(1000, dtype=bool)
_KNOWN_CC[list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)] = True
_NUMBER_TYPES: Final = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
    "fixed_line",
    "mobile",
)


def _matches_desc(nsn: pa.Array, lengths: np.ndarray, desc: Any) -> np.ndarray:
    """``phonenumberutil._is_number_matching_desc`` for each of ``nsn``."""
    out = np.zeros(len(nsn), dtype=bool)
    if desc is None or not desc.national_number_pattern:
        return out
    rows = np.flatnonzero(np.isin(lengths, desc.possible_length) if desc.possible_length else ~out)
    if len(rows):
        sub = nsn if len(rows) == len(nsn) else nsn.take(pa.array(rows))
        out[rows] = _np_bool(pc.match_substring_regex(sub, f"^(?:{desc.national_number_pattern})$"))
    return out


def _valid_for(metadata: Any, nsn: pa.Array, lengths: np.ndarray) -> np.ndarray:
    """``phonenumberutil._number_type_helper(n, metadata) != UNKNOWN`` for each ``n`` of ``nsn``."""
    valid = _matches_desc(nsn, lengths, metadata.general_desc)
    rows = np.flatnonzero(valid)
    typed = np.zeros(len(rows), dtype=bool)
    for name in _NUMBER_TYPES:
        if name == "mobile" and metadata.same_mobile_and_fixed_line_pattern:
            continue
        left = np.flatnonzero(~typed)
        if not len(left):
            break
        found = _matches_desc(
            nsn.take(pa.array(rows[left])), lengths[rows[left]], getattr(metadata, name)
        )
        typed[left[found]] = True
    valid[rows] = typed
    return valid


def _valid_national(country_code: int, nsn: pa.Array) -> np.ndarray:
    """``phonenumbers.is_valid_number`` for national significant numbers of one country code."""
    lengths = pc.binary_length(nsn).to_numpy()
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[country_code]
    if len(regions) == 1:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
            country_code, regions[0]
        )
        return np.zeros(len(nsn), bool) if metadata is None else _valid_for(metadata, nsn, lengths)
    # several regions (+1, +44, +7…): the number's region is the first whose leading digits it
    # has, or else the first it is valid for (phonenumbers.region_code_for_number)
    valid = np.zeros(len(nsn), dtype=bool)
    left = np.arange(len(nsn))
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None or not len(left):
            continue
        sub = nsn.take(pa.array(left))
        if metadata.leading_digits is not None:
            mine = _np_bool(pc.match_substring_regex(sub, f"^(?:{metadata.leading_digits})"))
            valid[left[mine]] = _valid_for(
                metadata, sub.filter(pa.array(mine)), lengths[left[mine]]
            )
        else:
            mine = _valid_for(metadata, sub, lengths[left])
            valid[left[mine]] = True
        left = left[~mine]
    return valid


def _valid_international(numbers: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(country code, valid) for each of ``numbers`` (7+ digits, read as '+' then the digits).

    The country code is the one the digits start with (0 when none); ``valid`` is what
    ``phonenumbers.is_valid_number`` says of exactly these digits: a "0" after the country code
    stays a digit of the national number (phonenumbers.parse would drop it).
    """
    country = np.zeros(len(numbers), dtype=np.int64)
    for width in (1, 2, 3):
        head = pc.cast(pc.utf8_slice_codeunits(numbers, 0, width), pa.int64()).to_numpy()
        country = np.where((country == 0) & _KNOWN_CC[head], head, country)
    valid = np.zeros(len(numbers), dtype=bool)
    order = np.argsort(country, kind="stable")
    codes, starts = np.unique(country[order], return_index=True)
    for code, rows in zip(codes.tolist(), np.split(order, starts[1:]), strict=True):
        if code:
            nsn = pc.utf8_slice_codeunits(numbers.take(pa.array(rows)), len(str(code)))
            valid[rows] = _valid_national(code, nsn)
    return country, valid


def _apply_national_form(
    digits: _Digits, national: np.ndarray, codes: np.ndarray, r: _Reasons
) -> None:
    """Refuse open rows written like national numbers that are not valid international ones.

    Each distinct number is checked once (:func:`_valid_international`).
    """
    rows = np.flatnonzero((codes < 0) & national)
    if not len(rows):
        return
    index, _, distinct = _distinct_numbers(digits, rows, np.zeros(len(rows), dtype=bool))
    country, valid = _valid_international(distinct)
    bad = np.flatnonzero(~valid[index])
    _refuse_distinct(codes, r, rows[bad], country[index[bad]], _national_form_reason)


# --------------------------------------------------------------------------- columns → text


def _to_arrow(values: Any) -> pa.Array:
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def _refuse_distinct(
    codes: np.ndarray, r: _Reasons, rows: np.ndarray, values: np.ndarray, why: Any
) -> None:
    if len(rows):
        distinct, inverse = np.unique(values, return_inverse=True)
        table = np.array([r.code(why(v)) for v in distinct.tolist()], np.int32)
        codes[rows] = table[inverse.reshape(-1)]


def _int_column(arr: pa.Array, codes: np.ndarray, r: _Reasons) -> pa.Array:
    if pa.types.is_signed_integer(arr.type):
        negative = _np_bool(pc.less(arr, 0))
        if negative.any():
            rows = np.flatnonzero(negative)
            values = arr.take(pa.array(rows)).to_numpy()
            _refuse_distinct(codes, r, rows, values, lambda v: f"negative number: {v}")
            arr = pc.if_else(pa.array(negative), pa.scalar(None, arr.type), arr)
    return pc.cast(arr, _LSTR)


def _float_values(a: np.ndarray, codes: np.ndarray, r: _Reasons) -> pa.Array:
    """Text of whole, non-negative floats; the rest refused in ``codes`` (NaN: missing)."""
    finite = np.isfinite(a)
    with np.errstate(invalid="ignore"):
        whole = finite & (np.floor(a) == a)
    odd = ~whole & ~np.isnan(a)
    if odd.any():  # inf, fractions
        rows = np.flatnonzero(odd)
        _refuse_distinct(codes, r, rows, a[rows], lambda v: str(_float_text(v)[1]))
    negative = whole & (a < 0)
    if negative.any():
        rows = np.flatnonzero(negative)
        _refuse_distinct(codes, r, rows, a[rows], lambda v: f"negative number: {int(v)}")
    small = whole & ~negative & (a < 2.0**63)
    ints = np.where(small, a, 0).astype(np.int64)
    text = pc.cast(pa.array(ints, mask=~small), _LSTR)
    big = np.flatnonzero(whole & ~negative & ~small)
    return _put(text, big, [str(int(v)) for v in a[big].tolist()])


_STR_CELL, _INT_CELL, _FLOAT_CELL, _NONE_CELL, _OTHER_CELL = range(5)
_CELL_KINDS: Final = {str: _STR_CELL, int: _INT_CELL, float: _FLOAT_CELL, type(None): _NONE_CELL}


def _object_column(values: np.ndarray, codes: np.ndarray, r: _Reasons) -> pa.Array:
    """An object column (e.g. from Excel: ints, floats, text, None mixed) as text.

    Cells are sorted by type in one pass; str, int and float cells are then converted in bulk
    (as the typed columns are), and only other objects go through :func:`_cell` one by one.
    """
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        try:
            return pa.array(values, type=_LSTR, from_pandas=True)
        except (pa.ArrowException, UnicodeError):
            pass  # e.g. lone surrogates: the per-cell path says which
    cells = values.tolist()
    kinds = _CELL_KINDS.get
    kind = np.fromiter((kinds(type(v), _OTHER_CELL) for v in cells), np.int8, len(cells))
    parts: list[pa.Array] = []
    position = np.zeros(len(cells), dtype=np.int64)
    size = 0

    def add(rows: np.ndarray, text: pa.Array) -> None:
        nonlocal size
        position[rows] = np.arange(size, size + len(rows))
        parts.append(text.cast(_LSTR))
        size += len(rows)

    for which in (_STR_CELL, _INT_CELL, _FLOAT_CELL):
        rows = np.flatnonzero(kind == which)
        if not len(rows):
            continue
        part = codes[rows]
        try:
            if which == _STR_CELL:
                text = pa.array(values[rows], type=_LSTR)
            elif which == _INT_CELL:
                text = _int_column(pa.array(values[rows].astype(np.int64)), part, r)
            else:
                text = _float_values(values[rows].astype(np.float64), part, r)
        except (pa.ArrowException, UnicodeError, OverflowError):  # lone surrogates, huge ints
            kind[rows] = _OTHER_CELL
            continue
        codes[rows] = part
        add(rows, text)
    rows = np.flatnonzero(kind == _OTHER_CELL)
    if len(rows):
        texts: list[str | None] = []
        refused_rows: list[int] = []
        refused: list[str] = []
        for i in rows.tolist():
            text, reason = _cell(cells[i])
            texts.append(text)
            if reason is not None:
                refused_rows.append(i)
                refused.append(reason)
        r.set(codes, np.array(refused_rows, dtype=np.int64), refused)
        add(rows, pa.array(texts, type=_LSTR))
    if not parts:
        return pa.nulls(len(cells), _LSTR)
    return pa.concat_arrays(parts).take(pa.array(position, mask=kind == _NONE_CELL))


def _narrow_float(dtype: Any) -> str | None:
    """The name of a column's float type when narrower than float64 ("float32", "float16"),
    whether numpy, pandas' Float32, Arrow, sparse or categorical; else None."""
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    values = getattr(dtype, "subtype", None) or getattr(dtype, "numpy_dtype", None) or dtype
    try:
        found = np.dtype(values)
    except (TypeError, ValueError):
        return None
    return found.name if found.kind == "f" and found.itemsize < 8 else None


def _column_text(series: pd.Series, codes: np.ndarray, r: _Reasons) -> pa.Array:
    """The column as Arrow text (null = missing or already refused, see ``codes``)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return _to_arrow(series.array).cast(_LSTR)
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    ):
        return _to_arrow(series.array).cast(_LSTR)
    narrow = _narrow_float(dtype)
    if narrow is not None:  # its digits are already gone: refuse every number in it
        codes[~np.asarray(series.isna(), dtype=bool)] = r.code(_narrow_float_reason(narrow))
        return pa.nulls(len(series), _LSTR)
    if pd.api.types.is_bool_dtype(dtype):
        present = ~series.isna().to_numpy()
        codes[present] = r.code("not a phone number (bool)")
        return pa.nulls(len(series), _LSTR)
    if pd.api.types.is_integer_dtype(dtype):
        try:
            values = series.to_numpy() if isinstance(dtype, np.dtype) else series.array
            ints = _to_arrow(values)
        except (pa.ArrowException, TypeError, ValueError):  # e.g. sparse: cell by cell
            pass
        else:
            if pa.types.is_integer(ints.type):
                return _int_column(ints, codes, r)
    elif pd.api.types.is_float_dtype(dtype):
        return _float_values(series.to_numpy(dtype=np.float64, na_value=np.nan), codes, r)
    return _object_column(series.to_numpy(dtype=object), codes, r)


# --------------------------------------------------------------------------- prepare


def _check_region(region: object) -> str | None:
    if region is None:
        return None
    code = region.strip().upper() if isinstance(region, str) else None
    if code not in phonenumbers.SUPPORTED_REGIONS:
        hint = " (the United Kingdom is 'GB')" if code == "UK" else ""
        raise ValueError(
            f"default_region {region!r} is not a region phonenumbers knows{hint}; pass an "
            "ISO 3166 alpha-2 code such as 'IN', 'US', 'GB', 'AE' or 'SA', or None"
        )
    return code


def _phone_column(df: pd.DataFrame, column: Hashable) -> pd.Series:
    if column not in df.columns:
        names = [str(c) for c in df.columns]
        shown = ", ".join(repr(c) for c in list(df.columns)[:10])
        more = f" … ({len(names)} columns)" if len(names) > 10 else ""
        close = difflib.get_close_matches(str(column).lower(), [n.lower() for n in names], 1)
        hint = ""
        if close:
            hint = f"; did you mean {next(c for c in df.columns if str(c).lower() == close[0])!r}?"
        raise ValueError(
            f"column {column!r} not found; the frame has: {shown or '(no columns)'}{more}{hint}"
        )
    got = df[column]
    if isinstance(got, pd.DataFrame):
        raise ValueError(
            f"column {column!r} appears {got.shape[1]} times; rename the duplicates first"
        )
    return got


def prepare(
    df: pd.DataFrame,
    column: str = "phone",
    default_region: str | None = None,
    strict: bool = False,
) -> pd.DataFrame:
    """Check and normalise a column of phone numbers for the vendor (7-15 digits, no '+').

    Returns a new frame (``df`` is never changed) with the same index and rows and the user's
    columns, plus ``number`` (digits, missing when refused), ``valid`` (bool), ``invalid_reason``
    (short text, missing when valid) and ``duplicate`` (True on the second and later valid rows
    with a number already seen). A user column already named like one of these is renamed with
    ``_input`` (one ``UserWarning``), so ``prepare(prepare(df), column="number")`` works.

    Default rules: separators, Unicode spaces, a leading '+' or '00' and a "(0)" right after
    the country code ("+44 (0)20…") go; digits of any script are read; whole floats and
    Excel's "….0" / exact scientific text are read; anything else (letters, several numbers,
    national numbers starting with 0, wrong length, float32/float16 values that lost digits…)
    is refused. A number formatted with separators but no '+' or '00' ("(555) 234-5678") is
    how national numbers are written: it is accepted only when libphonenumber finds its
    digits, read as '+' and the digits, a valid number (plain digits, ints and floats are not
    checked so).
    With ``default_region`` (e.g. "IN"), national numbers are made international by
    libphonenumber and refused when impossible for that region; ``strict`` also refuses
    numbers libphonenumber does not consider valid. The output is international, so run it
    again without ``default_region``.

    Example:
        >>> df = pd.DataFrame({"phone": ["08563214120", "+44 20 7946 0958"]}, index=[7, 3])
        >>> prepare(df, default_region="in")["number"].tolist()
        ['918563214120', '442079460958']
        >>> prepare(df)["invalid_reason"].tolist()
        ['starts with 0: a national number? pass default_region', nan]
    """
    if not isinstance(df, pd.DataFrame):
        extra = "; for a Series use s.to_frame('phone')" if isinstance(df, pd.Series) else ""
        raise TypeError(f"prepare() needs a pandas DataFrame, got {type(df).__name__}{extra}")
    region = _check_region(default_region)
    series = _phone_column(df, column)  # read before any renaming
    n = len(series)
    codes = np.full(n, -1, dtype=np.int32)
    reasons = _Reasons()
    number = pa.array([], _LSTR)
    as_int = np.zeros(n, dtype=np.int64)
    if n:
        text = _column_text(series, codes, reasons)
        if text.offset:
            text = pa.concat_arrays([text])
        digits, intl, national = _clean_vec(text, codes, reasons)
        if region is None:
            _apply_default_rules(digits, intl, codes, reasons)
            _apply_national_form(digits, national, codes, reasons)
        if region is not None or strict:
            as_int = _apply_libphonenumber(digits, intl, codes, reasons, region, strict)
            number = pc.cast(pa.array(as_int, mask=codes >= 0), _LSTR)
        else:
            number = digits.take(mask=codes >= 0)
            as_int = pc.fill_null(pc.cast(number, pa.int64()), 0).to_numpy()
    valid = codes < 0
    duplicate = np.zeros(n, dtype=bool)
    if valid.any():  # valid numbers never start with 0: as ints they stay distinct
        duplicate[valid] = pd.Series(as_int[valid]).duplicated().to_numpy()

    labels, renamed = free_labels(list(df.columns), OUTPUT_COLUMNS)
    notes = [f"{old!r} → {new!r}" for old, new in renamed.items()]
    out = df.copy(deep=False)
    if notes:
        out.columns = pd.Index(labels)
        warnings.warn(
            "prepare(): renamed input column(s) to make room for its output: " + ", ".join(notes),
            UserWarning,
            stacklevel=2,
        )
    out["number"] = pd.array(number, dtype=_STR_DTYPE)
    out["valid"] = valid
    out["invalid_reason"] = pd.array(reasons.to_arrow(codes), dtype=_STR_DTYPE)
    out["duplicate"] = duplicate
    return out


# --------------------------------------------------------------------------- masking

_BULLET: Final = "•"


def mask_number(number: object, keep: int = 4) -> str:
    """Hide all but the last ``keep`` characters: for charts, widgets and logs.

    A value no longer than ``keep`` is hidden entirely; a missing value gives "".

    Example:
        >>> mask_number("918563214120")
        '••••••••4120'
        >>> mask_number("123", keep=4)
        '•••'
        >>> mask_number(None)
        ''
    """
    if keep < 0:
        raise ValueError(f"keep: {keep} is negative; allowed: 0 or more")
    if number is None or number is pd.NA or (isinstance(number, float) and number != number):
        return ""
    text = str(number)
    shown = text[-keep:] if 0 < keep < len(text) else ""
    return _BULLET * (len(text) - len(shown)) + shown


def mask_numbers(series: pd.Series, keep: int = 4) -> pd.Series:
    """:func:`mask_number` over a Series, vectorised; missing stays missing.

    Example:
        >>> mask_numbers(pd.Series(["918563214120", None])).tolist()
        ['••••••••4120', nan]
    """
    if keep < 0:
        raise ValueError(f"keep: {keep} is negative; allowed: 0 or more")
    text = series if isinstance(series.dtype, pd.StringDtype) else series.astype(_STR_DTYPE)
    arr = _to_arrow(text.array).cast(_LSTR)
    length = pc.utf8_length(arr)
    show = pc.greater(length, keep) if keep else pa.array(np.zeros(len(arr), bool))
    tail = pc.utf8_slice_codeunits(arr, -keep) if keep else pc.utf8_slice_codeunits(arr, 0, 0)
    tail = pc.if_else(show, tail, pa.scalar("", _LSTR))
    hidden = pc.if_else(show, pc.subtract(length, keep), length)
    bullets = pc.binary_repeat(pa.scalar(_BULLET, _LSTR), hidden)
    masked = pc.binary_join_element_wise(bullets, tail, pa.scalar("", _LSTR))
    return pd.Series(pd.array(masked, dtype=_STR_DTYPE), index=series.index, name=series.name)
