"""Tests for itnivoice_nb._numbers: what real sheets hold, the region rules, and properties."""

from __future__ import annotations

import decimal
import random
import re
import warnings
from collections.abc import Sequence
from datetime import date, datetime

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itnivoice_nb import _numbers as numbers_mod
from itnivoice_nb._numbers import (
    OUTPUT_COLUMNS,
    mask_number,
    mask_numbers,
    normalize_number,
    prepare,
)
from itnivoice_nb._vendor import NUMBER_MAX_DIGITS, NUMBER_MIN_DIGITS

DIGITS_RE = re.compile(rf"[0-9]{{{NUMBER_MIN_DIGITS},{NUMBER_MAX_DIGITS}}}")
N = "918563214120"  # the running example: +91 85632 14120
NATIONAL_FORM = "written like a national number"
FLOAT32 = "float32 cannot hold a phone number exactly — read the column as text"
FLOAT16 = "float16 cannot hold a phone number exactly — read the column as text"


def frame(values: Sequence[object], dtype: object = object) -> pd.DataFrame:
    """A one-column frame holding exactly ``values`` (no pandas inference for object)."""
    if dtype is object:
        arr = np.empty(len(values), dtype=object)
        for i, value in enumerate(values):  # element-wise: lists stay cells
            arr[i] = value
        return pd.DataFrame({"phone": pd.Series(arr, dtype=object)})
    return pd.DataFrame({"phone": pd.Series(list(values), dtype=dtype)})  # type: ignore[call-overload]


def one(value: object, **kwargs: object) -> tuple[str | None, str | None]:
    """``prepare`` on a one-cell object column, as (digits, reason)."""
    out = prepare(frame([value]), **kwargs)  # type: ignore[arg-type]
    number, reason = out["number"].iloc[0], out["invalid_reason"].iloc[0]
    return (None if pd.isna(number) else number), (None if pd.isna(reason) else reason)


def ident(value: object) -> str:
    """A short test id (repr of a 10**10000 would raise)."""
    if isinstance(value, int) and value.bit_length() > 200:
        return "huge int"
    return repr(value)[:40]


# --------------------------------------------------------------------------- the table

ACCEPTED = [
    # plain and formatted
    (N, N),
    ("+91 85632 14120", N),
    ("+91-856-321-4120", N),
    ("+91 (856) 321.4120", N),
    ("(91) 856.321.4120", N),
    ("0091 85632 14120", N),
    ("0091-856-321-4120", N),
    ("  +918563214120\t", N),
    ("\t91\t856\t321\t4120", N),
    ("91 856 321 4120 ", N),
    ("+91 85632-14120\n", N),  # a trailing newline is not a second number
    ("+91 85632 14120;", N),  # nor is a trailing delimiter
    ("030/1234567", None),  # a slash inside one number is a separator (then national → refused)
    # no-break and other Unicode spaces, invisible marks, Unicode dashes
    ("91\u00a0856\u00a0321\u00a04120", N),
    ("+91\u202f85632\u202f14120", N),
    ("91\u2007856\u20093214120", N),
    ("\u3000+91 8563214120", N),
    ("\u200e+91 85632 14120\u200f", N),
    ("\ufeff918563214120", N),
    ("+91\u2013856\u2014321\u22124120", N),
    # digits of other scripts, full-width punctuation
    ("٩١٨٥٦٣٢١٤١٢٠", N),  # Arabic-Indic
    ("۹۱۸۵۶۳۲۱۴۱۲۰", N),  # Extended Arabic-Indic (Persian)
    ("+٩١ ٨٥٦٣٢ ١٤١٢٠", N),
    ("９１８５６３２１４１２０", N),  # full-width
    ("＋９１（８５６）３２１－４１２０", N),
    ("९१८५६३२१४१२०", N),  # Devanagari
    ("৯১৮৫৬৩২১৪১২০", N),  # Bengali
    ("๙๑๘๕๖๓๒๑๔๑๒๐", N),  # Thai
    ("91856٣٢١٤١٢٠", N),  # mixed scripts
    # Excel/pandas artifacts
    ("918563214120.0", N),
    ("918563214120.00", N),
    (" 918563214120.0 ", N),
    ("+918563214120.0", N),
    ("9.18563214120E+11", N),
    ("9.18563214120e11", N),
    ("9.18563214120E11", N),
    ("9.185632141200E+11", N),  # a trailing zero past the point is still exact
    ("9185632141.20E+2", N),
    ("1.234567890e+09", "1234567890"),
    # a trunk prefix "(0)" after the country code is no digit of the number
    ("+44 (0) 20 7946 0958", "442079460958"),
    ("+44(0)2079460958", "442079460958"),
    ("+49 (0)30 1234567", "49301234567"),
    ("0044 (0)20 7946 0958", "442079460958"),
    ("00 44 (0) 20 7946 0958", "442079460958"),
    ("\u00a0+44\u00a0(0)\u00a020 7946 0958", "442079460958"),
    ("＋４４（０）２０７９４６０９５８", "442079460958"),
    # separators without '+' or '00': accepted when valid as an international number
    ("+1 (201) 555-0123", "12015550123"),
    ("(201) 555-0123", "2015550123"),  # +20 155 501 23: valid in Egypt, says libphonenumber
    ("44 20 7946 0958", "442079460958"),
    ("49/30/1234567", "49301234567"),
    # plain digits, ints and floats: the vendor rule only (no libphonenumber)
    ("5552345678", "5552345678"),
    (5552345678, "5552345678"),
    (5552345678.0, "5552345678"),
    ("5552345678.0", "5552345678"),
    (" 5552345678 ", "5552345678"),
    # Python and numpy numbers
    (918563214120, N),
    (np.int64(918563214120), N),
    (np.uint64(918563214120), N),
    (918563214120.0, N),
    (np.float64(918563214120.0), N),
    (np.longdouble(918563214120.0), N),
    (decimal.Decimal("918563214120"), N),
    (decimal.Decimal("918563214120.000"), N),
    (1234567, "1234567"),
    (123456789012345, "123456789012345"),
]


@pytest.mark.parametrize(("value", "digits"), ACCEPTED, ids=ident)
def test_accepted_values(value: object, digits: str | None) -> None:
    got, reason = normalize_number(value)
    assert got == digits
    assert (reason is None) == (digits is not None)
    assert one(value) == (got, reason)


REFUSED = [
    # missing
    (None, "missing"),
    (np.nan, "missing"),
    (float("nan"), "missing"),
    (pd.NA, "missing"),
    (pd.NaT, "missing"),
    (np.datetime64("NaT"), "missing"),
    (decimal.Decimal("NaN"), "missing"),
    ("", "missing"),
    ("   ", "missing"),
    ("\t\n", "missing"),
    ("\u00a0\u202f", "missing"),
    ("-", "missing"),
    ("+", "missing"),
    ("()", "missing"),
    # lengths
    ("856321", "too short: 6 digits"),
    ("1", "too short: 1 digit"),
    ("+91 856", "too short: 5 digits"),
    ("1234567890123456", "too long: 16 digits"),
    ("+91 85632 14120 85632 14120", "too long: 22 digits"),
    (12345, "too short: 5 digits"),
    (10**20, "too long: 21 digits"),
    (1e20, "too long: 21 digits"),
    (10**10000, "too long"),
    # national numbers and bad prefixes
    ("08563214120", "starts with 0: a national number? pass default_region"),
    ("0 856 321 4120", "starts with 0"),
    ("+0918563214120", "country code cannot start with 0"),
    ("000918563214120", "country code cannot start with 0"),
    # written like national numbers (separators, no '+' or '00'), not valid as international
    ("(555) 234-5678", f"{NATIONAL_FORM}; not valid for +55 (BR): pass default_region"),
    ("555-234-5678", f"{NATIONAL_FORM}; not valid for +55 (BR): pass default_region"),
    ("555.234.5678", f"{NATIONAL_FORM}; not valid for +55 (BR): pass default_region"),
    ("555 234 5678", f"{NATIONAL_FORM}; not valid for +55 (BR): pass default_region"),
    ("212-555-0100", f"{NATIONAL_FORM}; not valid for +212 (MA): pass default_region"),
    ("(212) 555 0100", f"{NATIONAL_FORM}; not valid for +212 (MA): pass default_region"),
    ("５５５－２３４－５６７８", f"{NATIONAL_FORM}; not valid for +55 (BR)"),
    ("555-234-5678;", f"{NATIONAL_FORM}; not valid for +55 (BR)"),
    ("999 123 4567", f"{NATIONAL_FORM}; no country code: pass default_region"),
    ("44 (0) 20 7946 0958", f"{NATIONAL_FORM}; not valid for +44 (GB)"),  # "(0)": no '+'
    ("12-34-5678", f"{NATIONAL_FORM}; not valid for +1 (US)"),  # not a date: 34 is no month
    ("2024-13-01 5", f"{NATIONAL_FORM}; not valid for +20 (EG)"),
    ("800 1234 567", f"{NATIONAL_FORM}; not valid for +800 (non-geographic)"),
    ("91+8563214120", "'+' inside the number"),
    ("++918563214120", "'+' inside the number"),
    # letters, other characters (missing words, extensions, vanity numbers: see below)
    ("unknown", "contains letters"),
    ("+7 916 123-45-67 Иван", "contains letters"),
    ("#918563214120", "unexpected character '#'"),
    ("*918563214120", "unexpected character '*'"),
    ("'918563214120", "unexpected character"),
    ("918563214120²", "unexpected character"),
    # several numbers in one cell
    ("91856321412, 91856321300", "several numbers in one cell"),
    ("91856321412,91856321300", "several numbers in one cell"),
    ("91856321412; 91856321300", "several numbers in one cell"),
    ("91856321412/91856321300", "several numbers in one cell"),
    ("+91 85632 14120 / +91 85632 14121", "several numbers in one cell"),
    ("91856321412 | 91856321300", "several numbers in one cell"),
    ("91856321412\n91856321300", "several numbers in one cell"),
    ("91856321412\r\n91856321300", "several numbers in one cell"),
    ("٩١٨٥٦٣٢١٤١٢، ٩١٨٥٦٣٢١٣٠٠", "several numbers in one cell"),
    ("918,563,214,120", "digits split by ','"),
    # floats and float-looking text
    (91856.5, "not a whole number: 91856.5"),
    (-91856.5, "not a whole number: -91856.5"),
    ("91856.5", "not a whole number: 91856.5"),
    ("918563214120.5", "not a whole number: 918563214120.5"),
    (decimal.Decimal("91856.5"), "not a whole number: 91856.5"),
    (float("inf"), "not a finite number: inf"),
    (float("-inf"), "not a finite number: -inf"),
    (decimal.Decimal("Infinity"), "not a finite number"),
    # scientific notation that lost digits
    ("9.18563E+11", "scientific notation hides digits: 9.18563E+11 (export the column as text)"),
    ("9.18563e+11", "scientific notation hides digits: 9.18563e+11"),
    ("9E+11", "scientific notation hides digits"),
    ("1.23456789e+09", "scientific notation hides digits"),
    (" 9.18563E+11 ", "scientific notation hides digits: 9.18563E+11 "),
    ("9.185632141205E+11", "not a whole number: 9.185632141205E+11"),
    ("9.18563214120E-11", "not a whole number"),
    # dates written as text
    ("2024-01-31", "looks like a date: 2024-01-31"),
    (" 31/01/2024 ", "looks like a date: 31/01/2024"),
    ("1.2.2024", "looks like a date: 1.2.2024"),
    ("12-01-24", "looks like a date"),
    ("٢٠٢٤-٠١-٣١", "looks like a date: 2024-01-31"),
    ("2024-01-31 10:30", "unexpected character ':'"),
    # negative numbers
    (-918563214120, "negative number: -918563214120"),
    (-918563214120.0, "negative number: -918563214120"),
    (np.int64(-5), "negative number: -5"),
    # floats narrower than float64 have lost digits: 919800000001 is 919799988224 in float32
    (np.float32(919800000001), FLOAT32),
    (np.float32(12345678.0), FLOAT32),  # even when exact: the column is not to be trusted
    (np.float16(1.0), FLOAT16),
    (np.float32("nan"), "missing"),
    # not numbers at all
    (True, "not a phone number (bool)"),
    (False, "not a phone number (bool)"),
    (np.True_, "not a phone number (bool)"),
    ([918563214120], "not a phone number (list)"),
    ((9, 1), "not a phone number (tuple)"),
    ({"phone": N}, "not a phone number (dict)"),
    (date(2024, 1, 2), "not a phone number (date)"),
    (datetime(2024, 1, 2, 3, 4), "not a phone number (datetime)"),
    (pd.Timestamp("2024-01-02"), "not a phone number (Timestamp)"),
    (b"918563214120", "not a phone number (bytes)"),
    (1 + 2j, "not a phone number (complex)"),
    ("\ud800918563214120", "invalid characters"),
]


@pytest.mark.parametrize(("value", "reason"), REFUSED, ids=ident)
def test_refused_values(value: object, reason: str) -> None:
    digits, got = normalize_number(value)
    assert digits is None
    assert got is not None and reason in got, got
    assert got == got.strip() or reason.endswith(" "), "reasons are trimmed text"
    assert one(value) == (None, got)


def test_dot_zero_never_becomes_an_extra_digit() -> None:
    out = prepare(frame([918563214120.0, "918563214120.0", "91856321412.0", 91856321412.0]))
    assert out["number"].tolist() == [N, N, "91856321412", "91856321412"]


# --------------------------------------------------------------------------- cells people type

MISSING = "missing"
EXTENSION = "has an extension: a voice message cannot dial one"
VANITY = "has letters for digits (a vanity number): write it in digits"
LETTERS = "contains letters"

# Missing values written as words: what pandas' read_csv reads as missing (any case), what
# astype(str) writes for them, and what people type ("-" and "—" were missing already).
MISSING_WORDS = [
    "NULL",
    "N/A",
    "#N/A",
    "n/a",
    "none",
    "nan",
    "null",
    "NA",
    " n / a ",
    "N/a",
    "Null",
    "NONE",
    "None",
    "NaN",
    "NaT",
    "<NA>",
    "#N/A N/A",
    "#NA",
    "-nan",
    "1.#IND",
    "nil",
    "n.a.",
    "(blank)",
    "\tNULL\n",
    "\u200bN/A",  # with a zero-width space, as copied from a web page
    "n／a",  # a full-width slash
]

# RFC 3966 tel: URIs: the prefix goes, the rest is read like any cell.
TEL_URIS = [
    ("tel:+1-201-555-0123", "12015550123"),
    ("TEL:+1-201-555-0123", "12015550123"),
    ("tel: +91 85632 14120", N),
    ("tel:+918563214120", N),
    (" tel:+44 (0)20 7946 0958 ", "442079460958"),
    ("tel:٩١٨٥٦٣٢١٤١٢٠", N),
]

# An extension after a number (libphonenumber's labels): the vendor dials numbers only.
EXTENSIONS = [
    "+1 201 555 0123 x 1234",
    "+1 201 555 0123 x1234",
    "+1 201 555 0123 X.1234",
    "+1 201 555 0123 ext. 5",
    "+1 201 555 0123 ext 5",
    "+1 201 555 0123 EXT:5",
    "+1 201 555 0123 extension 12",
    "+1 201 555 0123 extn 12",
    "+1 201 555 0123 #12",
    "+1 201 555 0123 # 12",
    "+1 201 555 0123, ext. 12",
    "+1-201-555-0123;ext=12",
    "tel:+1-201-555-0123;ext=12",
    "+91 85632 14120 ext 12",
    "+1 (234) 567-8901 x. 1234",  # dataprep's clean_phone cases
    "2345678901 extension 1234",
    "555-234-6789 ext 32",
    "+55 11 2345-6789 ramal 12",
    "+34 912 345 678 extensión 12",
    "+7 495 123-45-67 доб. 123",
]

# Letters standing for digits on a phone keypad.
VANITY_NUMBERS = [
    "1-800-GOT-JUNK",
    "+1 800 FLOWERS",
    "1-800-FLOWERS",
    "1-800-flowers",
    "800-299-JUNK",  # dataprep's clean_phone cases
    "1-866-4ZIPCAR",
    "1-800-G-O-T-J-U-N-K",
    "1-800-MATTRESS",
    "+44 800 FLOWERS",
]

# The new rules stop where they should: these keep "contains letters".
STILL_LETTERS = [
    "123 ABC COMPANY",  # dataprep: a name, not a number (10 letters)
    "hello",
    "x 1234",  # an extension with no number before it
    "ext. 918563",
    "+1 201 555 0123 ext",  # a word after a whole number, no extension digits
    "+91 85632 14120 Ravi",
    "tel:tel:+918563214120",  # one prefix only
    "tel:tel:+918563214120€",  # the same when the rest takes the per-value path
    "call +918563214120",
    "NULL 918563214120",
    "nan nan",
]


@pytest.mark.parametrize("value", MISSING_WORDS, ids=ident)
def test_missing_words_are_missing(value: str) -> None:
    assert normalize_number(value) == (None, MISSING)
    assert one(value) == (None, MISSING)
    assert one(value, default_region="US", strict=True) == (None, MISSING)


@pytest.mark.parametrize(("value", "digits"), TEL_URIS, ids=ident)
def test_tel_uri_is_read_like_the_number(value: str, digits: str) -> None:
    assert normalize_number(value) == (digits, None)
    assert one(value) == (digits, None)
    bare = value.strip().split(":", 1)[1]
    assert normalize_number(value) == normalize_number(bare)


@pytest.mark.parametrize("value", EXTENSIONS, ids=ident)
def test_extensions_have_their_own_reason(value: str) -> None:
    assert normalize_number(value) == (None, EXTENSION)
    assert one(value) == (None, EXTENSION)
    assert one(value, default_region="US") == (None, EXTENSION)


@pytest.mark.parametrize("value", VANITY_NUMBERS, ids=ident)
def test_vanity_numbers_have_their_own_reason(value: str) -> None:
    assert normalize_number(value) == (None, VANITY)
    assert one(value) == (None, VANITY)
    assert one(value, default_region="US") == (None, VANITY)


@pytest.mark.parametrize("value", STILL_LETTERS, ids=ident)
def test_other_letters_are_still_letters(value: str) -> None:
    assert normalize_number(value) == (None, LETTERS)
    assert one(value) == (None, LETTERS)


@pytest.mark.parametrize("dtype", ["str", "string[python]", "category", object])
def test_people_cells_agree_on_every_text_dtype(dtype: object) -> None:
    """The vectorised column path gives what normalize_number gives, cell by cell."""
    values = [
        *MISSING_WORDS,
        *(v for v, _ in TEL_URIS),
        *EXTENSIONS,
        *VANITY_NUMBERS,
        *STILL_LETTERS,
    ] * 2
    out = prepare(frame(values, dtype=dtype))
    assert pairs(out) == [normalize_number(v) for v in values]
    reasons = set(out["invalid_reason"].dropna())
    assert {MISSING, EXTENSION, VANITY, LETTERS} <= reasons


def test_missing_words_hold_a_letter() -> None:
    """The column path looks for missing words among the cells with letters only."""
    from itnivoice_nb._numbers import _rules

    assert all(re.search("[a-z]", word) for word in _rules.MISSING_WORDS)
    assert all(word == word.lower() and not re.search(r"\s", word) for word in _rules.MISSING_WORDS)


def test_modules_import_one_way() -> None:
    """rules → arrow → libphone → scalar → vector → columns → mask → the package: no module
    imports one after it (so a rule has one home, and helpers never reach for prepare)."""
    import ast
    from pathlib import Path

    order = ["_rules", "_arrow", "_libphone", "_scalar", "_vector", "_columns", "_mask"]
    folder = Path(numbers_mod.__file__).parent
    assert sorted(p.stem for p in folder.glob("_*.py") if p.stem != "__init__") == sorted(order)
    for rank, name in enumerate(order):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
        }
        assert imported <= set(order[:rank]), (name, imported)


# --------------------------------------------------------------------------- the region's own form


def test_national_form_beats_the_date_guess() -> None:
    """New Caledonia writes its numbers "20.12.34"; with its region the number wins."""
    assert one("20.12.34", default_region="NC") == ("687201234", None)
    assert one(" 20.12.34 ", default_region="NC", strict=True) == ("687201234", None)
    assert one("٢٠.١٢.٣٤", default_region="NC") == ("687201234", None)
    # not a valid number of the region: still a date
    assert one("20.12.34", default_region="FR") == (None, "looks like a date: 20.12.34")
    assert one("31/01/2024", default_region="IN") == (None, "looks like a date: 31/01/2024")
    # no region: the date guess stands (nothing says which country's form it is)
    assert normalize_number("20.12.34") == (None, "looks like a date: 20.12.34")
    out = prepare(
        frame(["20.12.34", "20.12.34", "+687 20.12.34", "2024-01-31"], dtype="str"),
        default_region="NC",
    )
    assert out["number"].tolist()[:3] == ["687201234"] * 3
    assert out["duplicate"].tolist() == [False, True, True, False]
    assert out["invalid_reason"].iloc[3] == "looks like a date: 2024-01-31"


_FORMATS = {
    "NATIONAL": phonenumbers.PhoneNumberFormat.NATIONAL,
    "INTERNATIONAL": phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    "E164": phonenumbers.PhoneNumberFormat.E164,
}
# Example numbers of other types that the vendor cannot be sent, and why (type, reason):
_TYPE_EXCEPTIONS = {
    # Canada's "310-xxxx" numbers are dialled without an area code: local only, no E.164 form
    ("CA", phonenumbers.PhoneNumberType.UAN): "local number only, add the area code",
    # Iran's 4-digit service numbers: +98 9601 is 6 digits, under the vendor's 7
    ("IR", phonenumbers.PhoneNumberType.UAN): "too short: 6 digits",
}


def _examples(region: str, kinds: Sequence[int]) -> list[tuple[int, str, str]]:
    """(type, text, E.164 digits) of the region's example numbers, in the three formats."""
    found = []
    for kind in kinds:
        example = (
            phonenumbers.example_number(region)
            if kind < 0
            else phonenumbers.example_number_for_type(region, kind)
        )
        if example is None:
            continue
        digits = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)[1:]
        for fmt in _FORMATS.values():
            found.append((kind, phonenumbers.format_number(example, fmt), digits))
    return found


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_region_example_number(region: str) -> None:
    """libphonenumber's example, mobile and fixed-line numbers of every region, written
    national, international and E.164, with that region as default_region: all accepted."""
    main = [-1, phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
    examples = _examples(region, main)
    assert examples, region
    texts = [text for _, text, _ in examples]
    expected = [(digits, None) for _, _, digits in examples]
    for strict in (False, True):
        out = prepare(frame(texts, dtype="str"), default_region=region, strict=strict)
        assert pairs(out) == expected, (region, strict)
    # the international forms need no region at all
    international = [(t, d) for (_, t, d) in examples if t.startswith("+")]
    out = prepare(frame([t for t, _ in international], dtype="str"))
    assert pairs(out) == [(d, None) for _, d in international], region


@pytest.mark.parametrize("region", sorted(phonenumbers.SUPPORTED_REGIONS))
def test_every_region_other_example_types(region: str) -> None:
    """The other types (toll free, VoIP, UAN…): accepted, but for the exceptions above."""
    kinds = [k for k in phonenumbers.PhoneNumberType.values() if k not in (0, 1)]
    examples = _examples(region, kinds)
    out = prepare(frame([text for _, text, _ in examples], dtype="str"), default_region=region)
    for (kind, text, digits), got in zip(examples, pairs(out), strict=True):
        exception = _TYPE_EXCEPTIONS.get((region, kind))
        if exception is None:
            assert got == (digits, None), (region, kind, text)
        else:
            assert got[0] is None and got[1] is not None and got[1].endswith(exception), got
    refused = {
        (region, kind)
        for (kind, _, _), (number, _) in zip(examples, pairs(out), strict=True)
        if number is None
    }
    assert refused == {k for k in _TYPE_EXCEPTIONS if k[0] == region}


# --------------------------------------------------------------------------- column dtypes


def test_int64_column() -> None:
    out = prepare(frame([918563214120, 12345, -918563214120], dtype="int64"))
    assert out["number"].tolist()[0] == N
    assert out["invalid_reason"].tolist()[1:] == [
        "too short: 5 digits",
        "negative number: -918563214120",
    ]


def test_uint_and_small_int_columns() -> None:
    assert prepare(frame([N], dtype="uint64").astype({"phone": "uint64"}))["valid"].all()
    out = prepare(frame([1, 2], dtype="int8"))
    assert out["invalid_reason"].tolist() == ["too short: 1 digit"] * 2


def test_nullable_int_column() -> None:
    out = prepare(frame([918563214120, None], dtype="Int64"))
    assert out["number"].iloc[0] == N
    assert out["valid"].tolist() == [True, False]
    assert out["invalid_reason"].iloc[1] == "missing"


def test_float64_column_with_nan() -> None:
    values = [918563214120.0, np.nan, 91856.5, np.inf, -1.0, 1e20]
    out = prepare(frame(values, dtype="float64"))
    assert out["number"].iloc[0] == N
    assert out["invalid_reason"].tolist()[1:] == [
        "missing",
        "not a whole number: 91856.5",
        "not a finite number: inf",
        "negative number: -1",
        "too long: 21 digits",
    ]
    for i, v in enumerate(values):
        assert (
            out["number"].iloc[i] if out["valid"].iloc[i] else None,
            None if out["valid"].iloc[i] else out["invalid_reason"].iloc[i],
        ) == normalize_number(v)


def test_nullable_float_and_arrow_columns() -> None:
    out = prepare(frame([918563214120.0, None], dtype="Float64"))
    assert out["number"].iloc[0] == N and out["invalid_reason"].iloc[1] == "missing"
    out = prepare(frame(["+91 85632 14120", None], dtype=pd.ArrowDtype(pa.string())))
    assert out["number"].iloc[0] == N and out["invalid_reason"].iloc[1] == "missing"
    out = prepare(frame([918563214120, None], dtype=pd.ArrowDtype(pa.int64())))
    assert out["number"].iloc[0] == N and out["invalid_reason"].iloc[1] == "missing"


def _arrow_float_series(values: list[float | None], type_: pa.DataType) -> pd.Series:
    """An Arrow-backed float column (float16 has no direct conversion from Python floats)."""
    arr = pa.array(values, type=pa.float64()).cast(type_, safe=False)
    return pd.Series(arr.to_pandas(types_mapper=pd.ArrowDtype))


@pytest.mark.parametrize(
    ("series", "reason"),
    [
        (pd.Series([919800000001.0, 12345678.0, None], dtype="float32"), FLOAT32),
        (pd.Series([919800000001.0, 12345678.0, None], dtype="Float32"), FLOAT32),
        (pd.Series([1234.0, 2048.0, None], dtype="float16"), FLOAT16),
        (_arrow_float_series([919800000001.0, 12345678.0, None], pa.float32()), FLOAT32),
        (_arrow_float_series([1234.0, 2048.0, None], pa.float16()), FLOAT16),
        (pd.Series([919800000001.0, 12345678.0, None], dtype=pd.SparseDtype("float32")), FLOAT32),
        (
            pd.Series([919800000001.0, 12345678.0, None], dtype="float32").astype("category"),
            FLOAT32,
        ),
    ],
    ids=lambda v: str(v.dtype) if isinstance(v, pd.Series) else "",
)
def test_narrow_float_columns_refuse_every_number(series: pd.Series, reason: str) -> None:
    """float32 turns 919800000001 into 919799988224: no row of such a column is trusted."""
    out = prepare(pd.DataFrame({"phone": series}))
    assert out["number"].isna().all()
    assert out["invalid_reason"].tolist() == [reason, reason, "missing"]
    assert not out["valid"].any()


def test_narrow_float_cells_in_an_object_column() -> None:
    values = [np.float32(919800000001), np.float16(1), np.float32("nan"), np.float64(int(N)), N]
    out = prepare(frame(values))
    assert pairs(out) == [normalize_number(v) for v in values]
    assert out["invalid_reason"].tolist()[:3] == [FLOAT32, FLOAT16, "missing"]
    assert out["number"].tolist()[3:] == [N, N]


def test_float64_column_still_exact() -> None:
    out = prepare(frame([919800000001.0, 12345678.0], dtype="float64"))
    assert out["number"].tolist() == ["919800000001", "12345678"]


@pytest.mark.parametrize("dtype", ["str", "string", "string[python]", "category", object])
def test_text_columns(dtype: object) -> None:
    values = ["+91 85632 14120", None, "unknown", "٩١٨٥٦٣٢١٤١٢٠", "9.18563214120E+11"]
    out = prepare(frame(values, dtype=dtype))
    assert out["number"].tolist()[::3] == [N, N]
    assert out["invalid_reason"].tolist()[1:3] == ["missing", "contains letters"]
    assert out["number"].iloc[4] == N


def test_mixed_object_column() -> None:
    values = [N, 918563214120, 918563214120.0, "918563214120.0", None, True, [1], "0091 8563214120"]
    out = prepare(frame(values))
    assert out["valid"].tolist() == [True, True, True, True, False, False, False, True]
    assert out["duplicate"].tolist() == [False, True, True, True, False, False, False, True]


def test_object_column_fallbacks_agree_with_normalize_number() -> None:
    """Bulk conversion by type, and the cell-by-cell fallbacks (huge ints, bad text…)."""
    values = [
        N,
        "\ud800918563214120",  # not encodable: the whole str group goes cell by cell
        int(N),
        10**30,  # beyond int64: the whole int group goes cell by cell
        -5,
        918563214120.0,
        91856.5,
        float("nan"),
        None,
        pd.NA,
        np.str_("+91 85632 14120"),
        np.int64(N),
        decimal.Decimal(N),
        "٩١٨٥٦٣٢١٤١٢٠",
    ]
    out = prepare(frame(values))
    assert pairs(out) == [normalize_number(v) for v in values]
    assert out["valid"].tolist() == [
        True,
        False,
        True,
        False,
        False,
        True,
        False,
        False,
        False,
        False,
        True,
        True,
        True,
        True,
    ]


def test_bool_and_datetime_columns() -> None:
    out = prepare(frame([True, False], dtype=bool))
    assert out["invalid_reason"].tolist() == ["not a phone number (bool)"] * 2
    out = prepare(frame([True, None], dtype="boolean"))
    assert out["invalid_reason"].tolist() == ["not a phone number (bool)", "missing"]
    out = prepare(frame([pd.Timestamp("2024-01-01"), pd.NaT], dtype="datetime64[ns]"))
    assert out["invalid_reason"].tolist() == ["not a phone number (Timestamp)", "missing"]


@pytest.mark.parametrize(
    ("series", "reasons"),
    [
        (pd.Series([N, 0], dtype=pd.SparseDtype("int64")), [None, "too short: 1 digit"]),
        (
            pd.Series([1.5, np.nan], dtype=pd.SparseDtype("float")),
            ["not a whole number", "missing"],
        ),
        (pd.Series(pd.period_range("2020", periods=1)), ["not a phone number (Period)"]),
        (pd.Series(pd.interval_range(0, 1)), ["not a phone number (Interval)"]),
        (pd.Series([pd.Timedelta(1), pd.NaT]), ["not a phone number (Timedelta)", "missing"]),
        (pd.Series([pd.Timestamp("2020-01-01", tz="UTC")]), ["not a phone number (Timestamp)"]),
        (pd.Series([1 + 2j]), ["not a phone number (complex)"]),
        (pd.Series([int(N), 5], dtype="category"), [None, "too short: 1 digit"]),
        (pd.Series([b"1"], dtype=pd.ArrowDtype(pa.binary())), ["not a phone number (bytes)"]),
        (pd.Series([N], dtype=pd.ArrowDtype(pa.large_string())), [None]),
    ],
    ids=lambda v: str(v.dtype) if isinstance(v, pd.Series) else "",
)
def test_unusual_dtypes(series: pd.Series, reasons: list[str | None]) -> None:
    out = prepare(pd.DataFrame({"phone": series}))
    for (number, reason), expected in zip(pairs(out), reasons, strict=True):
        if expected is None:
            assert (number, reason) == (N, None)
        else:
            assert number is None and reason is not None and reason.startswith(expected)


def test_sliced_arrow_column() -> None:
    """A frame that is a slice of a bigger one (Arrow arrays with an offset)."""
    big = frame(["x", "+91 85632 14120", "91856.0", None, "9185632141.0"] * 3, dtype="str")
    out = prepare(big.iloc[6:10])
    assert out["number"].tolist() == [N, np.nan, np.nan, "9185632141"]
    assert out["invalid_reason"].tolist() == [np.nan, "too short: 5 digits", "missing", np.nan]
    assert list(out.index) == [6, 7, 8, 9]


# --------------------------------------------------------------------------- output shape


def test_output_columns_and_dtypes() -> None:
    df = pd.DataFrame({"name": ["a", "b"], "phone": ["+91 85632 14120", "x"], "n": [1, 2]})
    out = prepare(df)
    assert list(out.columns) == ["name", "phone", "n", *OUTPUT_COLUMNS]
    assert out["number"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert out["invalid_reason"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert out["valid"].dtype == bool and out["duplicate"].dtype == bool
    assert out["number"].isna().tolist() == [False, True]
    assert out["invalid_reason"].isna().tolist() == [True, False]
    pd.testing.assert_frame_equal(out[["name", "phone", "n"]], df)


def test_empty_frame() -> None:
    df = pd.DataFrame({"phone": pd.Series([], dtype="str"), "x": pd.Series([], dtype=int)})
    out = prepare(df)
    assert len(out) == 0
    assert list(out.columns) == ["phone", "x", *OUTPUT_COLUMNS]
    assert out["number"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert out["invalid_reason"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
    assert out["valid"].dtype == bool and out["duplicate"].dtype == bool
    assert len(prepare(pd.DataFrame({"phone": []}), default_region="IN", strict=True)) == 0


def test_all_invalid_and_all_missing() -> None:
    out = prepare(frame([None, None]))
    assert out["invalid_reason"].tolist() == ["missing", "missing"]
    assert not out["duplicate"].any()
    out = prepare(frame(["", ""], dtype="str"), default_region="IN")
    assert out["invalid_reason"].tolist() == ["missing", "missing"]


def test_duplicates() -> None:
    values = ["+91 85632 14120", N, "bad", "bad", "0091 8563214120", "+44 20 7946 0958", None, None]
    out = prepare(frame(values, dtype="str"))
    assert out["duplicate"].tolist() == [False, True, False, False, True, False, False, False]
    assert out["valid"].tolist() == [True, True, False, False, True, True, False, False]


def test_duplicates_first_valid_occurrence_wins() -> None:
    out = prepare(frame(["918563214120.5", N, "+91 85632 14120"]))
    assert out["duplicate"].tolist() == [False, False, True]


def test_index_and_order_preserved_with_duplicate_labels() -> None:
    df = pd.DataFrame({"phone": [N, "x", N, None]}, index=["b", "a", "b", 7])
    out = prepare(df)
    assert list(out.index) == ["b", "a", "b", 7]
    assert out["number"].tolist() == [N, np.nan, N, np.nan]


def test_input_not_mutated() -> None:
    df = pd.DataFrame({"phone": [" +91 85632 14120", "x"], "number": [1, 2]}, index=[5, 3])
    before = df.copy(deep=True)
    with pytest.warns(UserWarning):
        out = prepare(df)
    pd.testing.assert_frame_equal(df, before)
    out.loc[5, "phone"] = "changed"
    out["number_input"] = 0
    pd.testing.assert_frame_equal(df, before)


# --------------------------------------------------------------------------- collisions


def test_collisions_renamed_with_one_warning() -> None:
    df = pd.DataFrame(
        {
            "phone": [N],
            "number": ["mine"],
            "valid": ["yes"],
            "number_input": ["taken"],
            "invalid_reason": [None],
            "duplicate": [0],
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = prepare(df)
    user = [w for w in caught if issubclass(w.category, UserWarning)]
    assert len(user) == 1
    text = str(user[0].message)
    for old in ("'number' → 'number_input2'", "'valid' → 'valid_input'", "'duplicate'"):
        assert old in text
    assert list(out.columns) == [
        "phone",
        "number_input2",
        "valid_input",
        "number_input",
        "invalid_reason_input",
        "duplicate_input",
        *OUTPUT_COLUMNS,
    ]
    assert out["number_input2"].tolist() == ["mine"]
    assert out["number"].tolist() == [N]


def test_phone_column_named_number() -> None:
    df = pd.DataFrame({"number": ["+91 85632 14120", "12"]})
    with pytest.warns(UserWarning, match="'number' → 'number_input'"):
        out = prepare(df, column="number")
    assert out["number_input"].tolist() == ["+91 85632 14120", "12"]
    assert out["number"].tolist() == [N, np.nan]


def test_prepare_runs_on_its_own_output() -> None:
    first = prepare(frame(["+91 85632 14120", "x", "0091 85632 14120"]))
    with pytest.warns(UserWarning):
        second = prepare(first, column="number")
    assert second["number"].tolist() == first["number"].tolist()
    assert second["valid"].tolist() == first["valid"].tolist()
    assert second["number_input"].tolist() == first["number"].tolist()
    assert second["duplicate"].tolist() == first["duplicate"].tolist()


def test_no_warning_without_collision() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare(frame([N]))


# --------------------------------------------------------------------------- errors


def test_missing_column_error() -> None:
    df = pd.DataFrame({f"c{i}": [1] for i in range(12)} | {"Phone": [N]})
    with pytest.raises(ValueError, match=r"column 'phone' not found; the frame has: 'c0', 'c1'"):
        prepare(df)
    with pytest.raises(ValueError, match="did you mean 'Phone'"):
        prepare(df)
    with pytest.raises(ValueError) as info:
        prepare(df)
    assert "'c11'" not in str(info.value), "lists about ten names, not all of them"
    with pytest.raises(ValueError, match="no columns"):
        prepare(pd.DataFrame())


def test_not_a_dataframe() -> None:
    with pytest.raises(TypeError, match="needs a pandas DataFrame, got Series.*to_frame"):
        prepare(pd.Series([N]))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got list"):
        prepare([N])  # type: ignore[arg-type]


def test_duplicate_column_label() -> None:
    df = pd.DataFrame([[N, N]], columns=["phone", "phone"])
    with pytest.raises(ValueError, match="appears 2 times"):
        prepare(df)


@pytest.mark.parametrize("region", ["XX", "india", "UK", "", "IND", 91, "+91"])
def test_bad_region(region: object) -> None:
    with pytest.raises(ValueError, match=r"default_region .* such as 'IN', 'US'") as info:
        prepare(frame([N]), default_region=region)  # type: ignore[arg-type]
    assert repr(region) in str(info.value)


def test_uk_hint() -> None:
    with pytest.raises(ValueError, match="'GB'"):
        prepare(frame([N]), default_region="UK")


# --------------------------------------------------------------------------- region and strict

REGION = [
    ("08563214120", "IN", N, None),
    ("085632 14120", "in", N, None),
    ("8563214120", "IN", N, None),
    (N, "IN", N, None),
    ("+91 85632 14120", "IN", N, None),
    ("0091 85632 14120", "IN", N, None),
    ("0091 85632 14120", "US", N, None),  # '00' is international whatever the region
    ("(856) 321-4120", "US", "18563214120", None),
    ("856.321.4120", "US", "18563214120", None),
    ("1 856 321 4120", "US", "18563214120", None),
    (8563214120, "US", "18563214120", None),
    (8563214120.0, "US", "18563214120", None),
    ("020 7946 0958", "GB", "442079460958", None),
    ("+44 20 7946 0958", "IN", "442079460958", None),
    ("٠٨٥٦٣٢١٤١٢٠", "IN", N, None),
    ("12345", "IN", None, "not a possible number for IN: too short"),
    ("321-4120", "US", None, "not a possible number for US: local number only"),
    ("0856321412012345", "IN", None, "not a possible number for IN: too long"),
    ("+44 12", "IN", None, "not a possible number for +44: too short"),
    ("+999 1234567", "IN", None, "cannot parse: invalid country code"),
    ("unknown", "IN", None, "contains letters"),
    ("n/a", "IN", None, "missing"),
    ("tel:+91-85632-14120", "IN", N, None),
    ("tel:08563214120", "IN", N, None),
    ("+91 85632 14120 ext. 12", "IN", None, "has an extension"),
    ("1-800-FLOWERS", "US", None, "has letters for digits"),
    ("", "IN", None, "missing"),
    ("9.18563E+11", "IN", None, "scientific notation hides digits"),
    ("91856321412, 91856321300", "IN", None, "several numbers in one cell"),
]


@pytest.mark.parametrize(("value", "region", "digits", "reason"), REGION, ids=ident)
def test_default_region(value: object, region: str, digits: str | None, reason: str | None) -> None:
    got, why = one(value, default_region=region)
    assert got == digits
    if reason is None:
        assert why is None
    else:
        assert why is not None and why.startswith(reason), why


def test_region_is_idempotent_without_region() -> None:
    first = prepare(frame(["(856) 321-4120", "08563214120"]), default_region="US")
    with pytest.warns(UserWarning):
        second = prepare(first, column="number")
    assert second["number"].tolist()[:1] == first["number"].tolist()[:1] == ["18563214120"]


STRICT = [
    ("+1 123 456 7890", None, None, "not a valid number (libphonenumber)"),
    ("11234567890", None, None, "not a valid number (libphonenumber)"),
    ("+1 201 555 0123", None, "12015550123", None),
    ("+91 85632 14120", None, N, None),
    ("(123) 456-7890", "US", None, "not a valid number (libphonenumber)"),
    ("(201) 555-0123", "US", "12015550123", None),
    ("12345", None, None, "too short: 5 digits"),  # default rules still apply first
    ("(555) 234-5678", None, None, "written like a national number; not valid for +55 (BR)"),
    ("(201) 555-0123", "US", "12015550123", None),  # with a region: read as a US number
    ("08563214120", None, None, "starts with 0"),
]


@pytest.mark.parametrize(("value", "region", "digits", "reason"), STRICT, ids=ident)
def test_strict(value: str, region: str | None, digits: str | None, reason: str | None) -> None:
    got, why = one(value, default_region=region, strict=True)
    assert got == digits
    assert (why is None) if reason is None else (why is not None and reason in why)
    if digits is not None:  # and the non-strict answer agrees on valid numbers
        assert one(value, default_region=region)[0] == digits


def test_region_parses_each_distinct_value_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = phonenumbers.parse

    def counting(number: str, region: str | None = None) -> phonenumbers.PhoneNumber:
        calls.append(number)
        return real(number, region)

    monkeypatch.setattr(numbers_mod.phonenumbers, "parse", counting)
    values = ["0856 321 4120", "08563214120", "+91 85632 14120", "0091-8563214120", "x"] * 200
    out = prepare(frame(values, dtype="str"), default_region="IN")
    assert out["valid"].sum() == 800
    assert out["duplicate"].sum() == 799
    # formatting variants clean to the same key: one national, one international
    assert sorted(calls) == ["+918563214120", "08563214120"]


def test_region_keys_keep_plus_and_zeros(monkeypatch: pytest.MonkeyPatch) -> None:
    """What phonenumbers is handed: the cleaned digits, '+' when written internationally."""
    calls: list[str] = []
    real = phonenumbers.parse

    def recording(number: str, region: str | None = None) -> phonenumbers.PhoneNumber:
        calls.append(number)
        return real(number, region)

    monkeypatch.setattr(numbers_mod.phonenumbers, "parse", recording)
    values = [
        "+91 8563214120123456789",  # longer than an int64 key: keyed as text
        "918563214120123456789",
        "00 91 8563214120123456789",
        "008563214120",
        "0008563214120",
        "8563214120",
    ]
    out = prepare(frame(values, dtype="str"), default_region="IN")
    assert sorted(calls) == sorted(
        [
            "+918563214120123456789",
            "918563214120123456789",
            "+8563214120",
            "+08563214120",
            "8563214120",
        ]
    )
    assert out["invalid_reason"].tolist()[:3] == [
        "cannot parse: too long",
        "cannot parse for IN: too long",
        "cannot parse: too long",
    ]
    assert out["number"].iloc[5] == N


def test_national_form_checked_once_per_distinct_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """The libphonenumber check of numbers written like national ones runs on distinct numbers."""
    seen: list[list[str]] = []
    real = numbers_mod._valid_international

    def recording(numbers: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        seen.append(numbers.to_pylist())
        return real(numbers)

    def no_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("phonenumbers.parse is not needed without a region")

    monkeypatch.setattr(numbers_mod, "_valid_international", recording)
    monkeypatch.setattr(numbers_mod.phonenumbers, "parse", no_parse)
    values = [
        "(555) 234-5678",
        "555-234-5678",  # the same digits, formatted otherwise: one check
        "91 85632 14120",
        "555.234.5679",
        "+91 85632 14120",  # international: no check
        "5552345678",  # plain digits: no check
        "(555) 234",  # too short: refused before the check
    ] * 300
    out = prepare(frame(values, dtype="str"))
    assert len(seen) == 1
    assert sorted(seen[0]) == ["5552345678", "5552345679", N]
    assert out["valid"].tolist()[:7] == [False, False, True, False, True, True, False]
    reasons = out["invalid_reason"].dropna().unique().tolist()
    assert sorted(reasons) == [
        "too short: 6 digits",
        "written like a national number; not valid for +55 (BR): pass default_region",
    ]
    assert pairs(out) == [normalize_number(v) for v in values]


def _national_numbers_of_every_country(rng: random.Random) -> list[str]:
    """Example numbers of every region and type, and near misses (a digit changed, cut, added)."""
    found: set[str] = set()
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        examples = []
        for region in regions:
            for kind in phonenumbers.PhoneNumberType.values():
                if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY:
                    example = phonenumbers.example_number_for_non_geo_entity(code)
                else:
                    example = phonenumbers.example_number_for_type(region, kind)
                if example is not None:
                    examples.append(phonenumbers.national_significant_number(example))
        for nsn in examples:
            found.add(f"{code}{nsn}")
            for _ in range(3):
                i = rng.randrange(len(nsn))
                found.add(f"{code}{nsn[:i]}{rng.randrange(10)}{nsn[i + 1 :]}")
                found.add(f"{code}{nsn[:i]}{rng.randrange(10)}{nsn[i:]}")
                found.add(f"{code}{nsn[:-1]}")
        for _ in range(5):
            found.add(f"{code}{rng.randrange(10**6, 10**11)}")
    return sorted(found)


def test_vectorised_validity_is_phonenumbers_is_valid_number() -> None:
    """The batch check reads libphonenumber's metadata: it must say what is_valid_number says."""
    numbers = _national_numbers_of_every_country(random.Random(3))
    country, valid = numbers_mod._valid_international(pa.array(numbers, pa.large_string()))
    for number, code, ok in zip(numbers, country.tolist(), valid.tolist(), strict=True):
        parsed = phonenumbers.parse("+" + number)
        expected = phonenumbers.is_valid_number(parsed) and (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == "+" + number
        )
        assert (code, ok) == (parsed.country_code, expected), number
    assert 0.3 < valid.mean() < 0.9


def test_national_form_reason_never_shows_the_number() -> None:
    values = ["(555) 234-5678", "999 123 4567", "212-555-0100"]
    for reason in prepare(frame(values, dtype="str"))["invalid_reason"].tolist():
        assert "234" not in reason and "5678" not in reason and "0100" not in reason


# --------------------------------------------------------------------------- masking


def test_mask_number() -> None:
    assert mask_number(N) == "••••••••4120"
    assert mask_number(N, keep=2) == "••••••••••20"
    assert mask_number(N, keep=0) == "•" * 12
    assert mask_number("1234") == "••••"
    assert mask_number("12") == "••"
    assert mask_number(None) == mask_number(np.nan) == mask_number(pd.NA) == ""
    with pytest.raises(ValueError, match="keep"):
        mask_number(N, keep=-1)


@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=20), st.integers(0, 6))
def test_mask_numbers_agrees_with_mask_number(values: list[str | None], keep: int) -> None:
    series = pd.Series(values, dtype="str", index=range(100, 100 + len(values)))
    masked = mask_numbers(series, keep=keep)
    assert list(masked.index) == list(series.index)
    for value, got in zip(series.tolist(), masked.tolist(), strict=True):
        if pd.isna(value):
            assert pd.isna(got)
        else:
            assert got == mask_number(value, keep=keep)
            assert len(got) == len(value)
            if len(value) > keep:
                assert got.endswith(value[len(value) - keep :] if keep else "")


def test_mask_numbers_on_prepare_output() -> None:
    out = prepare(frame(["+91 85632 14120", "x"]))
    assert mask_numbers(out["number"]).tolist() == ["••••••••4120", np.nan]
    assert N not in "".join(str(v) for v in mask_numbers(out["number"]).tolist())


# --------------------------------------------------------------------------- properties

PHONE_CHARS = [
    *"0123456789+-.() \t,;/|eE\n",
    "\u00a0",
    "\u202f",
    "٣",
    "۵",
    "５",
    "０",
    "a",
    "x",
    "#",
    "00",
    "+91",
    ".0",
    "E+11",
    "\u200f",
    "tel:",
    " ext. ",
    "N/A",
    "null",
    "FLOWERS",
    "€",  # kept by the fold: sends the cell down the per-value path
]
phone_text = st.lists(st.sampled_from(PHONE_CHARS), max_size=18).map("".join)


@st.composite
def formatted(draw: st.DrawFn) -> str:
    """Plausible phone numbers in the shapes sheets hold."""
    digits = draw(st.text("0123456789", min_size=1, max_size=17))
    shape = draw(st.integers(0, 11))
    if shape == 9:  # a tel: URI, maybe with an extension parameter
        return f"{draw(st.sampled_from(['tel:', 'TEL: ', ' tel:+']))}{digits}" + draw(
            st.sampled_from(["", ";ext=12", " x"])
        )
    if shape == 10:  # an extension, or a word, after a number
        label = draw(
            st.sampled_from(["x", " x ", " ext. ", " extension ", " #", "#", " ~", " Ext"])
        )
        return f"+{digits}{label}{draw(st.sampled_from(['', '1', '1234', '1234567890']))}"
    if shape == 11:  # letters for digits, or not quite
        word = draw(st.sampled_from(["FLOWERS", "GOT-JUNK", "ab", "COMPANY NAME", "N/A", "nan"]))
        return f"{draw(st.sampled_from(['', '+', '1-']))}{digits[:8]}-{word}"
    if shape == 8:  # dates, real or not
        sep = draw(st.sampled_from("-/. "))
        a, b, c = draw(
            st.tuples(*[st.sampled_from(["1", "01", "12", "31", "32", "2024", "24"])] * 3)
        )
        return f" {a}{sep}{b}{sep}{c}"
    if shape == 0:
        return digits
    if shape == 1:
        return "+" + " ".join(digits[i : i + 3] for i in range(0, len(digits), 3))
    if shape == 2:
        return f"00{digits}"
    if shape == 3:
        return f"{digits}.{'0' * draw(st.integers(1, 3))}"
    if shape == 4:  # scientific, maybe with digits lost
        value = int(digits)
        places = draw(st.integers(0, 16))
        return f"{value:.{places}{draw(st.sampled_from('eE'))}}"
    if shape == 5:
        return "".join(chr(0x660 + int(c)) for c in digits)
    if shape == 6:
        return f" ({digits[:2]}) {digits[2:6]}-{digits[6:]} "
    return f"{digits}, {digits[::-1]}"


phone_like = st.one_of(phone_text, formatted())
any_cell = st.one_of(
    phone_like,
    st.text(max_size=20),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.just(pd.NA),
    st.decimals(allow_nan=False, allow_infinity=True),  # sNaN breaks pandas' own isna
    st.just(decimal.Decimal("NaN")),
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def pairs(out: pd.DataFrame) -> list[tuple[str | None, str | None]]:
    return [
        (None if pd.isna(n) else n, None if pd.isna(r) else r)
        for n, r in zip(out["number"].tolist(), out["invalid_reason"].tolist(), strict=True)
    ]


def shuffled_index(n: int, seed: int) -> pd.Index:
    labels = list(range(1000, 1000 + n))
    random.Random(seed).shuffle(labels)
    return pd.Index(labels)


def check_invariants(out: pd.DataFrame) -> None:
    for (number, reason), valid in zip(pairs(out), out["valid"].tolist(), strict=True):
        if valid:
            assert reason is None and number is not None and DIGITS_RE.fullmatch(number)
        else:
            assert number is None and reason, "every refused row says why"
    seen: set[str] = set()
    for number, valid, dup in zip(
        out["number"].tolist(), out["valid"].tolist(), out["duplicate"].tolist(), strict=True
    ):
        assert dup == (valid and number in seen)
        if valid:
            seen.add(number)


@SETTINGS
@given(st.lists(any_cell, max_size=30), st.integers(0, 2**16))
def test_prepare_never_raises_and_agrees_with_normalize_number(
    values: list[object], seed: int
) -> None:
    df = frame(values)
    df.index = shuffled_index(len(values), seed)
    df["other"] = range(len(values))
    before = df.copy()
    out = prepare(df)
    pd.testing.assert_frame_equal(df, before)
    assert out.index.equals(df.index)
    assert out["other"].tolist() == list(range(len(values)))
    check_invariants(out)
    assert pairs(out) == [normalize_number(v) for v in values]


@SETTINGS
@given(st.lists(phone_like, max_size=40))
def test_vectorised_text_path_agrees_with_normalize_number(values: list[str]) -> None:
    out = prepare(frame(values, dtype="str"))
    check_invariants(out)
    assert pairs(out) == [normalize_number(v) for v in values]


@SETTINGS
@given(st.lists(st.text(), max_size=20))
def test_unicode_folding_matches_str_translate(values: list[str]) -> None:
    """The numpy transliteration of UTF-8 bytes does what str.translate does."""
    folded = numbers_mod._fold(pa.array(values, pa.large_string())).to_pylist()
    assert folded == [v.translate(numbers_mod._CHARMAP) for v in values]
    assert pairs(prepare(frame(values, dtype="str"))) == [normalize_number(v) for v in values]


@SETTINGS
@given(st.lists(st.one_of(st.integers(-(10**17), 10**18), st.none()), max_size=20))
def test_int_columns_agree(values: list[int | None]) -> None:
    expected = [normalize_number(v) for v in values]
    assert pairs(prepare(frame(values, dtype="Int64"))) == expected
    if None not in values:
        assert pairs(prepare(frame(values, dtype="int64"))) == expected


@SETTINGS
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=20))
def test_float_columns_agree(values: list[float]) -> None:
    assert pairs(prepare(frame(values, dtype="float64"))) == [normalize_number(v) for v in values]


@SETTINGS
@given(st.lists(any_cell, min_size=1, max_size=20), st.integers(0, 2**16))
def test_idempotent_on_own_output(values: list[object], seed: int) -> None:
    df = frame(values)
    df.index = shuffled_index(len(values), seed)
    first = prepare(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        second = prepare(first, column="number")
    assert second.index.equals(df.index)
    valid = first["valid"].to_numpy()
    assert second["valid"].to_numpy()[valid].all()
    assert second["number"][valid].tolist() == first["number"][valid].tolist()
    assert second["duplicate"].tolist() == first["duplicate"].tolist()


@SETTINGS
@given(st.integers(1, 10**16), st.integers(0, 18), st.sampled_from(["e", "E", "e+", "E+"]))
def test_scientific_text_is_exact(value: int, places: int, marker: str) -> None:
    mantissa, exponent = f"{value:.{places}e}".split("e")
    text = f"{mantissa}{marker}{int(exponent)}"
    exact = decimal.Decimal(text)
    lost = exact.as_tuple().exponent > 0  # type: ignore[operator]
    digits, reason = normalize_number(text)
    if lost:
        assert reason is not None and reason.startswith("scientific notation hides digits")
    elif exact != exact.to_integral_value():
        assert reason is not None and reason.startswith("not a whole number")
    else:
        expected = normalize_number(int(exact))
        assert (digits, reason) == expected
    assert pairs(prepare(frame([text], dtype="str"))) == [(digits, reason)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(phone_like, st.none()), max_size=15), st.sampled_from(["IN", "US"]))
def test_region_invariants(values: list[str | None], region: str) -> None:
    for strict in (False, True):
        out = prepare(frame(values, dtype="str"), default_region=region, strict=strict)
        check_invariants(out)
        for number, valid in zip(out["number"].tolist(), out["valid"].tolist(), strict=True):
            if valid:
                parsed = phonenumbers.parse("+" + number)
                assert phonenumbers.is_possible_number(parsed)
                assert not strict or phonenumbers.is_valid_number(parsed)


def test_big_random_column_agrees_with_normalize_number() -> None:
    """Many rows at once (exercises the dedupe and the replace/assemble paths)."""
    rng = random.Random(7)
    pieces = [*PHONE_CHARS, N, "+91 85632 14120", "9.18563214120E+11", "٩١٨"]
    values: list[object] = [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6))) for _ in range(5000)
    ]
    out = prepare(frame(values, dtype="str"))
    check_invariants(out)
    assert pairs(out) == [normalize_number(v) for v in values]
    assert out["valid"].sum() > 100
