"""libphonenumber: the region rules, the national-form check, and running each once per number.

Three uses, each on distinct numbers only (a column of a million rows repeats most numbers):

* with ``default_region``, each distinct cleaned number goes through ``phonenumbers.parse``
  (:func:`apply_libphonenumber`);
* without it, numbers written like national ones must be valid for the country code their
  digits start with: :func:`valid_international` runs libphonenumber's own metadata patterns,
  for all the numbers of one country code at once, in pyarrow (the tests hold it to
  ``phonenumbers.is_valid_number``);
* with ``default_region``, a cell refused as a date that is a valid number of that region
  written its national way (New Caledonia's "20.12.34") is that number
  (:func:`national_dates`).

Example:
    >>> import pyarrow as pa
    >>> numbers = pa.array(["918563214120", "5552345678"], pa.large_string())
    >>> country, valid = valid_international(numbers)
    >>> country.tolist(), valid.tolist()
    ([91, 55], [True, False])
    >>> national_form_reason(55)
    'written like a national number; not valid for +55 (BR): pass default_region'
    >>> libphonenumber("08563214120", "IN", strict=False)
    (918563214120, None)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import Digits, Reasons, np_bool
from ._rules import (
    CHARMAP,
    DATE_PREFIX,
    NATIONAL_FORM,
    NO_COUNTRY,
    NON_DIGITS,
    NOT_VALID,
    length_reason,
)

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


def national_form_reason(country_code: int) -> str:
    """Why digits written like a national number are refused; 0: no known country code."""
    if not country_code:
        return NO_COUNTRY
    region = phonenumbers.region_code_for_country_code(country_code)
    if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
        region = "non-geographic"
    return f"{NATIONAL_FORM}; not valid for +{country_code} ({region}): pass default_region"


def libphonenumber(key: str, region: str | None, strict: bool) -> tuple[int, str | None]:
    """One distinct number through phonenumbers: (E.164 as an int, None) or (0, reason).

    ``key`` is the cleaned digits, with a '+' in front when written internationally.
    """
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
        return 0, NOT_VALID
    return _as_int(parsed)


def _as_int(parsed: phonenumbers.PhoneNumber) -> tuple[int, str | None]:
    """(E.164 digits as an int, None), or (0, the vendor's length reason)."""
    national = phonenumbers.national_significant_number(parsed)
    country = parsed.country_code
    reason = length_reason(len(str(country)) + len(national))
    return (0, reason) if reason else (country * 10 ** len(national) + int(national), None)


_NON_DIGITS: Final = re.compile(NON_DIGITS)
_KEY_DIGITS: Final = 17
"""Cleaned numbers up to this many digits are deduplicated as int64 keys (else as text)."""


def distinct_numbers(
    digits: Digits, rows: np.ndarray, plus: np.ndarray
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


def apply_libphonenumber(
    digits: Digits,
    intl: np.ndarray,
    codes: np.ndarray,
    r: Reasons,
    region: str | None,
    strict: bool,
) -> np.ndarray:
    """Parse each distinct open number once; returns every row's E.164 number as an int64."""
    e164 = np.zeros(len(codes), dtype=np.int64)
    rows = np.flatnonzero(codes < 0)
    if not len(rows):
        return e164
    plus = np.ones(len(rows), dtype=bool) if region is None else intl[rows]
    index, first, distinct = distinct_numbers(digits, rows, plus)
    texts = distinct.to_pylist()
    texts = [f"+{t}" if p else t for t, p in zip(texts, plus[first].tolist(), strict=True)]
    results = [libphonenumber(t, region, strict) for t in texts]
    u_codes = np.array([-1 if why is None else r.code(why) for _, why in results], np.int32)
    u_e164 = np.array([d for d, _ in results], dtype=np.int64)
    codes[rows] = u_codes[index]
    e164[rows] = u_e164[index]
    return e164


def national_dates(
    text: pa.Array, codes: np.ndarray, r: Reasons, region: str, e164: np.ndarray
) -> None:
    """Rows refused as dates that are valid numbers of ``region`` written its national way.

    "20.12.34" is how New Caledonia writes its numbers; with ``default_region="NC"`` the number
    wins over the date guess. Each distinct cell is parsed once; a row that is a valid number
    for the region (``phonenumbers.is_valid_number_for_region``) gets its E.164 number in
    ``e164`` and its refusal lifted. A date shape holds only digits and separators.
    """
    is_date = r.starting_with(DATE_PREFIX)
    if not is_date.any():
        return
    rows = np.flatnonzero(is_date[np.maximum(codes, 0)] & (codes >= 0))
    if not len(rows):
        return
    encoded = pc.dictionary_encode(text.take(pa.array(rows)))
    cells = encoded.dictionary.to_pylist()
    found = np.array(
        [_national_date(_NON_DIGITS.sub("", c.translate(CHARMAP)), region) for c in cells],
        dtype=np.int64,
    )
    number = found[encoded.indices.to_numpy(zero_copy_only=False)]
    ok = number > 0
    codes[rows[ok]] = -1
    e164[rows[ok]] = number[ok]


def _national_date(digits: str, region: str) -> int:
    """The E.164 int of ``digits`` read as a national number of ``region``, when valid; else 0."""
    try:
        parsed = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return 0
    if not phonenumbers.is_valid_number_for_region(parsed, region):
        return 0
    return _as_int(parsed)[0]


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
        out[rows] = np_bool(pc.match_substring_regex(sub, f"^(?:{desc.national_number_pattern})$"))
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
            mine = np_bool(pc.match_substring_regex(sub, f"^(?:{metadata.leading_digits})"))
            valid[left[mine]] = _valid_for(
                metadata, sub.filter(pa.array(mine)), lengths[left[mine]]
            )
        else:
            mine = _valid_for(metadata, sub, lengths[left])
            valid[left[mine]] = True
        left = left[~mine]
    return valid


def valid_international(numbers: pa.Array) -> tuple[np.ndarray, np.ndarray]:
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


ValidInternational = Callable[[pa.Array], tuple[np.ndarray, np.ndarray]]


def apply_national_form(
    digits: Digits,
    national: np.ndarray,
    codes: np.ndarray,
    r: Reasons,
    check: ValidInternational = valid_international,
) -> None:
    """Refuse open rows written like national numbers that are not valid international ones.

    Each distinct number is checked once, by ``check`` (:func:`valid_international`).
    """
    rows = np.flatnonzero((codes < 0) & national)
    if not len(rows):
        return
    index, _, distinct = distinct_numbers(digits, rows, np.zeros(len(rows), dtype=bool))
    country, valid = check(distinct)
    bad = np.flatnonzero(~valid[index])
    r.refuse_distinct(codes, rows[bad], country[index[bad]], national_form_reason)
