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

The modules, in the order they import one another:

* ``_rules``: reasons, character sets, patterns and the char map, each written once;
* ``_arrow``: Arrow/numpy helpers (string buffers, reason codes, the digits being built);
* ``_libphone``: libphonenumber, once per distinct number;
* ``_scalar``: one value (:func:`normalize_number`);
* ``_vector``: a column of text;
* ``_columns``: any column's dtype as text;
* ``_mask``: :func:`mask_number`, :func:`mask_numbers`;
* this one: :func:`prepare`.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Hashable
from typing import Final

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from .._columns import free_labels
from .._frames import as_pandas
from .._outcomes import PREPARE_COLUMNS
from ._arrow import LSTR, STR_DTYPE, Reasons
from ._arrow import fold as _fold  # noqa: F401  (the tests compare it with str.translate)
from ._columns import column_text
from ._libphone import apply_libphonenumber, apply_national_form, national_dates
from ._libphone import valid_international as _valid_international
from ._mask import mask_number, mask_numbers
from ._rules import CHARMAP as _CHARMAP  # noqa: F401  (the tests compare against it)
from ._scalar import normalize_number
from ._vector import apply_default_rules, clean_vec

__all__ = ["OUTPUT_COLUMNS", "mask_number", "mask_numbers", "normalize_number", "prepare"]

OUTPUT_COLUMNS: Final = PREPARE_COLUMNS
"""The columns :func:`prepare` appends, in order."""


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

    Default rules: separators, Unicode spaces, a leading '+' or '00', a "tel:" prefix and a
    "(0)" right after the country code ("+44 (0)20…") go; digits of any script are read; whole
    floats and Excel's "….0" / exact scientific text are read; "NULL", "N/A", "#N/A", "none",
    "nan"… (any case) are missing; anything else is refused: an extension ("x 1234",
    "ext. 5", "#12"), letters for digits ("1-800-FLOWERS"), other letters, several numbers,
    national numbers starting with 0, wrong length, float32/float16 values that lost digits.
    A number formatted with separators but no '+' or '00' ("(555) 234-5678") is
    how national numbers are written: it is accepted only when libphonenumber finds its
    digits, read as '+' and the digits, a valid number (plain digits, ints and floats are not
    checked so).
    With ``default_region`` (e.g. "IN"), national numbers are made international by
    libphonenumber and refused when impossible for that region; ``strict`` also refuses
    numbers libphonenumber does not consider valid. A cell that looks like a date but is a
    valid number of the region written its own way (New Caledonia's "20.12.34") is that number.
    The output is international, so run it again without ``default_region``.

    Example:
        >>> df = pd.DataFrame({"phone": ["08563214120", "+44 20 7946 0958"]}, index=[7, 3])
        >>> prepare(df, default_region="in")["number"].tolist()
        ['918563214120', '442079460958']
        >>> prepare(df)["invalid_reason"].tolist()
        ['starts with 0: a national number? pass default_region', nan]
        >>> prepare(pd.DataFrame({"phone": ["20.12.34"]}), default_region="NC")["number"].tolist()
        ['687201234']
    """
    if isinstance(df, pd.Series):
        raise TypeError(
            "prepare() needs a pandas DataFrame, got Series; for a Series use s.to_frame('phone')"
        )
    df = as_pandas(df, "prepare()")  # polars, Arrow tables and the like are converted here
    region = _check_region(default_region)
    series = _phone_column(df, column)  # read before any renaming
    n = len(series)
    codes = np.full(n, -1, dtype=np.int32)
    reasons = Reasons()
    number = pa.array([], LSTR)
    as_int = np.zeros(n, dtype=np.int64)
    if n:
        text = column_text(series, codes, reasons)
        if text.offset:
            text = pa.concat_arrays([text])
        digits, intl, national = clean_vec(text, codes, reasons)
        if region is None:
            apply_default_rules(digits, intl, codes, reasons)
            # looked up here, in the package, so that a patched _valid_international is seen
            apply_national_form(digits, national, codes, reasons, _valid_international)
        if region is not None or strict:
            as_int = apply_libphonenumber(digits, intl, codes, reasons, region, strict)
            if region is not None:
                national_dates(text, codes, reasons, region, as_int)
            number = pc.cast(pa.array(as_int, mask=codes >= 0), LSTR)
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
    out["number"] = pd.array(number, dtype=STR_DTYPE)
    out["valid"] = valid
    out["invalid_reason"] = pd.array(reasons.to_arrow(codes), dtype=STR_DTYPE)
    out["duplicate"] = duplicate
    return out
