"""Results that travel: an Excel workbook for people, and files read back with the right types.

``results.to_excel()`` fails on the UTC times of a results frame, and a plain ``pd.read_csv``
turns phone numbers and voiceIds into floats that have lost digits. :func:`to_excel` writes a
workbook people can open (a summary, the rows, optionally the call records) with times in UTC,
identifiers as text and readable columns; :func:`read_results` reads a results CSV, or the
"rows" sheet of that workbook, back into the frame ``iv.send`` returned, ready for
``iv.call_outcomes`` on another day.

Example:
    >>> import tempfile, pandas as pd, itnivoice_nb as iv
    >>> from pathlib import Path
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3", max_duration=30)
    >>> df = pd.DataFrame({"phone": ["+91 85632 14120", "12"]})
    >>> folder = tempfile.TemporaryDirectory()
    >>> with iv.Sandbox(reject_share=0, answer_share=1.0) as sb:
    ...     results = iv.send(df, msg, client=sb.client(), journal=None, progress=False)
    ...     results.to_csv(Path(folder.name) / "today.csv", index=False)
    ...     back = read_results(Path(folder.name) / "today.csv")   # tomorrow, in a new kernel
    ...     calls = iv.call_outcomes(back, client=sb.client(), progress=False)
    >>> calls["answered"].tolist(), str(back["sent_at"].dtype)
    ([True, <NA>], 'datetime64[ns, UTC]')
    >>> to_excel(calls, Path(folder.name) / "campaign.xlsx", mask=True).name
    'campaign.xlsx'
    >>> folder.cleanup()
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from os import PathLike
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from ._numbers import mask_number, mask_numbers, prepare
from ._numbers._mask import NUMBER_RUN, mask_text
from ._outcomes import OUTCOME_DTYPE, OUTCOMES, PREPARE_COLUMNS, RECORD_COLUMNS, SEND_COLUMNS
from ._records import INT_FIELDS, MONEY_FIELDS, RECORD_FRAME_COLUMNS, TIME_FIELDS
from ._reporting import MISSING_GROUP, summary
from ._tables import read_table

__all__ = ["VOICE_ID_AS_NUMBERS", "check_voice_ids", "read_results", "to_excel"]

VOICE_ID_AS_NUMBERS: Final = (
    "voice_id was read as numbers, which loses digits; read the file with "
    "iv.read_results(path) or pd.read_csv(path, dtype=str)"
)
"""The error for a ``voice_id`` column holding numbers (a plain ``pd.read_csv``)."""

UTC_SUFFIX: Final = " (UTC)"
"""Added to the header of a column of times converted to UTC (Excel has no time zones)."""

SHEETS: Final = ("summary", "rows", "calls")
"""The sheets :func:`to_excel` writes, in order ("calls" only with call records)."""

EXCEL_MAX_ROWS: Final = 1_048_576
EXCEL_MAX_COLUMNS: Final = 16_384
MAX_WIDTH: Final = 50
"""Widest column :func:`to_excel` sets, in characters; longer values wrap out of view."""
MIN_WIDTH: Final = 6

_STR: Final = "str"
_TEXT_FORMAT: Final = "@"
_EXACT_FLOAT: Final = 2.0**53
"""Whole floats below this are exact integers; above it digits may be gone."""
_EXACT_EXCEL: Final = 10**15
"""Excel keeps 15 significant digits: larger integers are written as text."""
_LONG_DISPLAY: Final = 10**11
"""Excel's General format shows integers from 12 digits on as 9.18563E+11: use "0"."""
_ERROR_CODES: Final = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
_ILLEGAL: Final = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
_RE_ILLEGAL: Final = re.compile(_ILLEGAL)
_REPLACEMENT: Final = "\ufffd"

# Columns of the package (results, call records) and what they hold.
_PHONE_COLUMNS: Final = frozenset({"number", "callee"})
_TEXT_COLUMNS: Final = frozenset(
    {
        "number",
        "invalid_reason",
        "status",
        "status_reason",
        "voice_id",
        "termination_code",
        "termination_reason",
        "outcome",
        "outcome_reason",
        "record_status",
        "sip_code",
        "sip_reason",
        "bill_period",
        "feedback_value",
        "currency",
        "callee",
        "display_num",
        "code",
        "voice_file_id",
        "called_info",
    }
)
_KEEP_DIGITS: Final = frozenset(
    # identifiers and codes: never masked (voiceIds have 19 digits, display_num is the caller)
    {
        "voice_id",
        "voice_file_id",
        "status",
        "termination_code",
        "sip_code",
        "code",
        "record_status",
        "bill_period",
        "feedback_value",
        "currency",
        "outcome",
        "display_num",
    }
)
_OWN_COLUMNS: Final = frozenset(
    {*PREPARE_COLUMNS, *SEND_COLUMNS, *RECORD_COLUMNS, *RECORD_FRAME_COLUMNS}
)
_BOOL_COLUMNS: Final = ("valid", "duplicate", "answered")
_NULLABLE_BOOL: Final = frozenset({"answered"})
_NS_TIMES: Final = frozenset({"sent_at"})
_PHONE_NAME: Final = re.compile(
    r"phone|msisdn|whats\s*app|callee|^number_input"
    r"|(?<![a-z])(?:mobile|cell|contact|tel)(?:[\s_.-]*(?:no|nr|num|number))?(?![a-z])",
    re.IGNORECASE,
)
"""A phone number inside text: masked by ``mask=True`` (as the HTML report does)."""
_SAMPLE: Final = 500
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no"})


class _Literal(str):
    """Text that openpyxl would otherwise store as a formula ("=…") or an error ("#N/A")."""

    __slots__ = ()


# --------------------------------------------------------------------------- voice ids


def _is_object(dtype: Any) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _has_numbers(series: pd.Series) -> bool:
    """Whether a column holds numbers (not bools) rather than text: digits may be gone."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _has_numbers(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return False
    if pd.api.types.is_numeric_dtype(dtype):  # even all missing: the file was read so
        return True
    if not _is_object(dtype):
        return False
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty", "boolean"):
        return False
    return any(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in series.dropna().tolist()
    )


def check_voice_ids(frame: pd.DataFrame) -> None:
    """Raise a ValueError when ``voice_id`` holds numbers: a voiceId is text of 19 digits.

    A plain ``pd.read_csv`` reads it as int64, or as float64 when a row has none (and a float
    keeps only about 16 digits): the call records of such ids cannot be found. A numeric
    column is refused even when every value is missing (a dry run read so): the same reading
    loses the digits of every other file.

    Example:
        >>> check_voice_ids(pd.DataFrame({"voice_id": ["2611272320361000001", None]}))
        >>> check_voice_ids(pd.DataFrame({"voice_id": [2.611272320361e18, None]}))
        Traceback (most recent call last):
        ...
        ValueError: voice_id was read as numbers, which loses digits; read the file with \
iv.read_results(path) or pd.read_csv(path, dtype=str)
    """
    if "voice_id" not in frame.columns:
        return
    column = frame["voice_id"]
    columns = (
        [column.iloc[:, i] for i in range(column.shape[1])]
        if isinstance(column, pd.DataFrame)
        else [column]
    )
    if any(_has_numbers(c) for c in columns):
        raise ValueError(VOICE_ID_AS_NUMBERS)


# --------------------------------------------------------------------------- values → text


def _cells(series: pd.Series) -> list[Any]:
    """The values as Python objects, every missing marker (NaN, NA, NaT) as None."""
    values: Any = series
    return list(values.to_numpy(dtype=object, na_value=None).tolist())


def _float_text(value: float, name: Hashable) -> str | None:
    if value != value:
        return None
    if value.is_integer() and abs(value) < _EXACT_FLOAT:
        return str(int(value))
    if name == "voice_id":
        raise ValueError(VOICE_ID_AS_NUMBERS)
    return repr(value)


def _value_text(value: Any, name: Hashable) -> str | None:
    """One cell as text, for columns that must be text; None when missing."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return _float_text(float(value), name)
    return str(value)


def _as_text(series: pd.Series, name: Hashable) -> pd.Series:
    """A column as the ``str`` dtype; numbers become their digits ("918563214120", not
    "918563214120.0"); a numeric ``voice_id`` is refused (:data:`VOICE_ID_AS_NUMBERS`)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return series if dtype == _STR else series.astype(_STR)
    if isinstance(dtype, pd.CategoricalDtype):
        series = series.astype(object)
    elif name == "voice_id" and _has_numbers(series):
        raise ValueError(VOICE_ID_AS_NUMBERS)
    values = _cells(series)
    return pd.Series(
        [_value_text(v, name) for v in values], index=series.index, name=series.name, dtype=_STR
    )


# --------------------------------------------------------------------------- writing


def _check_results(results: object) -> None:
    if not isinstance(results, pd.DataFrame):
        raise TypeError(
            f"expected a results DataFrame (what iv.send returns), got {type(results).__name__}"
        )
    if "outcome" not in results.columns:
        raise ValueError(
            "results has no column 'outcome': expected the DataFrame iv.send returns; columns "
            "present: " + (", ".join(map(str, results.columns)) or "none")
        )


@dataclass
class _Column:
    header: str
    values: list[Any]
    width: float
    number_format: str | None = None
    literals: list[int] = field(default_factory=list)


def _sanitize(text: str) -> str:
    """Excel refuses control characters in cells; each becomes U+FFFD."""
    return _RE_ILLEGAL.sub(_REPLACEMENT, text)


def _needs_literal(text: str) -> bool:
    return (len(text) > 1 and text.startswith("=")) or text in _ERROR_CODES


def _width(header: str, longest: float) -> float:
    return float(min(MAX_WIDTH, max(MIN_WIDTH, len(header) + 3, longest + 2)))


def _text_column(header: str, series: pd.Series, number_format: str | None) -> _Column:
    text = series.str
    if bool(text.contains(_ILLEGAL, regex=True).fillna(False).any()):
        series = text.replace(_ILLEGAL, _REPLACEMENT, regex=True)
        text = series.str
    lengths = text.len()
    longest = float(lengths.max()) if lengths.notna().any() else 0.0
    odd = text.startswith("=").fillna(False) & (lengths > 1)
    odd |= series.isin(_ERROR_CODES)
    values = _cells(series)
    literals = np.flatnonzero(odd.to_numpy(dtype=bool)).tolist()
    for i in literals:
        values[i] = _Literal(values[i])
    return _Column(header, values, _width(header, longest), number_format, literals)


def _time_column(header: str, series: pd.Series) -> _Column:
    """Times as naive datetimes (UTC when the column had a time zone), to the millisecond."""
    if getattr(series.dtype, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        header += UTC_SUFFIX
    stamps = series.dt.round("ms").to_numpy().astype("datetime64[ms]").astype(object).tolist()
    return _Column(header, stamps, _width(header, 19))


def _number_column(header: str, series: pd.Series) -> _Column:
    values = _cells(series)
    present = series.dropna()
    number_format = None
    if pd.api.types.is_integer_dtype(series.dtype):
        if len(present):
            biggest = max(abs(int(present.max())), abs(int(present.min())))
            if biggest >= _EXACT_EXCEL:  # Excel would round them: keep every digit as text
                values = [None if v is None else str(int(v)) for v in values]
            elif biggest >= _LONG_DISPLAY:
                number_format = "0"
            longest = float(len(str(biggest))) + 1
        else:
            longest = 0.0
    else:
        infinite = np.isinf(present.to_numpy(dtype=float))
        if infinite.any():  # Excel has no infinity
            values = [str(v) if isinstance(v, float) and np.isinf(v) else v for v in values]
        shown = present.head(_SAMPLE).astype(object).map(lambda v: len(f"{float(v):.10g}"))
        longest = float(shown.max()) if len(shown) else 0.0
    return _Column(header, values, _width(header, longest), number_format)


def _object_column(header: str, series: pd.Series) -> _Column:
    """Mixed Python objects, cell by cell: what Excel can hold, the rest as text."""
    out: list[Any] = []
    literals: list[int] = []
    longest = 0
    for i, value in enumerate(_cells(series)):
        cell: Any = value
        if (
            value is None
            or value is pd.NA
            or value is pd.NaT
            or (isinstance(value, float) and value != value)
        ):
            cell = None
        elif isinstance(value, str):
            cell = _sanitize(value)
            if _needs_literal(cell):
                cell = _Literal(cell)
                literals.append(i)
        elif isinstance(value, bool | np.bool_):
            cell = bool(value)
        elif isinstance(value, int | np.integer):
            cell = int(value) if abs(int(value)) < _EXACT_EXCEL else str(int(value))
        elif isinstance(value, float | np.floating):
            cell = float(value) if np.isfinite(value) else str(value)
        elif isinstance(value, datetime):
            stamp = pd.Timestamp(value).round("ms")
            if stamp.tzinfo is None:
                cell = stamp.to_pydatetime()
            else:  # among other values: UTC, said in the text
                cell = stamp.tz_convert("UTC").isoformat(sep=" ", timespec="milliseconds")
        elif isinstance(value, date | timedelta) or (
            isinstance(value, time) and value.tzinfo is None
        ):
            cell = value
        else:
            cell = _sanitize(str(value))
            if _needs_literal(cell):
                cell = _Literal(cell)
                literals.append(i)
        if cell is not None:
            longest = max(longest, 19 if isinstance(cell, datetime) else len(str(cell)))
        out.append(cell)
    return _Column(header, out, _width(header, longest), None, literals)


def _column(label: Hashable, series: pd.Series, *, text: bool, phone: bool, mask: bool) -> _Column:
    """One column of a sheet, its values as the cells Excel should get."""
    header = str(label)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(object)
    if text or phone:
        series = _as_text(series, label)
    if mask and phone:
        series = mask_numbers(series)
    elif mask and label not in _KEEP_DIGITS and isinstance(series.dtype, pd.StringDtype):
        series = series.str.replace(
            NUMBER_RUN.pattern, lambda m: mask_text(m.group(0)), regex=True
        )
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return _text_column(header, series, _TEXT_FORMAT if phone or label == "voice_id" else None)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return _time_column(header, series)
    if pd.api.types.is_bool_dtype(dtype):
        return _Column(header, _cells(series), _width(header, 5))
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype):
        return _number_column(header, series)
    if _is_object(dtype) and pd.api.types.infer_dtype(series, skipna=True) == "datetime":
        try:  # datetimes only (some with a time zone): a column of times
            return _time_column(header, pd.to_datetime(series, utc=True))
        except (ValueError, TypeError):
            pass
    if mask:  # text in an object column: digit runs masked like the rest
        series = series.map(lambda v: mask_text(v) if isinstance(v, str) else v)
    return _object_column(header, series)


def _phone_like(label: Hashable, series: pd.Series, named: Hashable | None) -> bool:
    """A user column holding phone numbers: the send column, a phone-like name, or text of
    which most sampled values are valid numbers for :func:`~itnivoice_nb._numbers.prepare`."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return False
    if label == named or _PHONE_NAME.search(str(label)):
        return True
    if not (isinstance(dtype, pd.StringDtype) or _is_object(dtype)):
        return False
    sample = series.dropna().drop_duplicates().head(_SAMPLE)
    if _is_object(dtype):
        sample = sample[sample.map(lambda v: isinstance(v, str))]
    if not len(sample):
        return False
    checked = prepare(pd.DataFrame({"phone": sample.to_numpy(dtype=object)}))
    return bool(checked["valid"].mean() >= 0.5)


def _frame_columns(frame: pd.DataFrame, mask: bool) -> list[_Column]:
    named = frame.attrs.get("column") if isinstance(frame.attrs, dict) else None
    out: list[_Column] = []
    for i, label in enumerate(frame.columns):
        series = frame.iloc[:, i]
        own = label in _OWN_COLUMNS
        phone = label in _PHONE_COLUMNS or (not own and _phone_like(label, series, named))
        out.append(_column(label, series, text=label in _TEXT_COLUMNS, phone=phone, mask=mask))
    return out


def _summary_columns(results: pd.DataFrame, by: Hashable | None, mask: bool) -> list[_Column]:
    table = summary(results, by=by)
    labels = pd.Series(table.index.astype(object), dtype=object)
    if mask and by is not None:
        named = results.attrs.get("column") if isinstance(results.attrs, dict) else None
        phone = by in _PHONE_COLUMNS or (
            by not in _OWN_COLUMNS and _phone_like(by, results[by], named)
        )
        hide = mask_number if phone else mask_text
        last = len(labels) - 1  # the total row
        labels = pd.Series(
            [v if i == last or v == MISSING_GROUP else hide(v) for i, v in enumerate(labels)],
            dtype=object,
        )
    first = "group" if table.index.name is None else str(table.index.name)
    columns = [_object_column(first, labels)]
    currency = table.attrs.get("currency")
    for name in table.columns:
        header = f"{name} ({currency})" if name == "total_cost" and currency else str(name)
        column = _column(header, table[name], text=False, phone=False, mask=False)
        if str(name).endswith("_share"):
            column.number_format = "0.0%"
        column.width = max(column.width, 8.0)
        columns.append(column)
    return columns


def _write_sheet(workbook: Any, title: str, columns: Sequence[_Column], freeze: str) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    for i, column in enumerate(columns, 1):
        sheet.column_dimensions[get_column_letter(i)].width = column.width
    sheet.freeze_panes = freeze
    n = len(columns[0].values) if columns else 0
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, _sanitize(column.header))
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in _rows(sheet, columns, n):
        sheet.append(row)


def _rows(sheet: Any, columns: Sequence[_Column], n: int) -> Iterator[list[Any]]:
    from openpyxl.cell import WriteOnlyCell

    plain = [c.values for c in columns if c.number_format is None and not c.literals]
    if len(plain) == len(columns):  # the common fast road: values as they are
        yield from (list(row) for row in zip(*plain, strict=True))
        return
    specs = [(c.values, c.number_format, bool(c.literals)) for c in columns]
    for i in range(n):
        row: list[Any] = []
        for values, number_format, literals in specs:
            value = values[i]
            if value is None or (number_format is None and not literals):
                row.append(value)
                continue
            literal = literals and type(value) is _Literal
            cell = WriteOnlyCell(sheet, str(value) if literal else value)
            if literal:
                cell.data_type = "s"
            if number_format is not None and not isinstance(value, datetime):
                cell.number_format = number_format
            row.append(cell)
        yield row


def _check_size(frame: pd.DataFrame, what: str) -> None:
    if len(frame) + 1 > EXCEL_MAX_ROWS or frame.shape[1] > EXCEL_MAX_COLUMNS:
        raise ValueError(
            f"{what}: {len(frame):,} rows x {frame.shape[1]:,} columns do not fit in an Excel "
            f"sheet ({EXCEL_MAX_ROWS - 1:,} rows, {EXCEL_MAX_COLUMNS:,} columns); write a CSV "
            "(results.to_csv(path, index=False)) and read it back with iv.read_results(path)"
        )


def to_excel(
    results: pd.DataFrame,
    path: str | PathLike[str],
    calls: pd.DataFrame | None = None,
    *,
    mask: bool = False,
    by: Hashable | None = None,
) -> Path:
    """Write the results to an .xlsx workbook people can open: a summary, the rows, the calls.

    Sheets: "summary" (:func:`itnivoice_nb.summary` of ``results``, grouped by ``by`` when
    given), "rows" (``results``, including any call-record columns ``iv.call_outcomes`` joined
    on) and, when ``calls`` is given (e.g. ``client.call_records(...)``), "calls". The index is
    not written (as ``to_csv(index=False)``): ``reset_index()`` first to keep it.

    - Times are written in UTC without a time zone (Excel has none), to the millisecond, and
      their header says so: ``sent_at (UTC)``.
    - ``number``, ``voice_id``, ``callee`` and the user's phone column (``results.attrs
      ["column"]``, a column named like a phone, or text mostly made of valid numbers) are
      text cells, never numbers (Excel would show 918563214120 as 9.18563E+11); so are
      integer columns holding a value Excel cannot keep exactly (16 digits or more), and
      text that Excel would take for a formula ("=…") or an error ("#N/A").
    - The header row is bold and frozen, with filters; column widths fit the values (at most
      :data:`MAX_WIDTH` characters).
    - ``mask=True`` keeps only the last 4 digits of the phone columns, and masks every run of
      7+ digits in the other text (reasons, notes); voiceIds and codes are kept.

    The file is written whole or not at all; ``results`` is never changed. Returns the path.

    Example:
        >>> import tempfile, pandas as pd, itnivoice_nb as iv
        >>> from openpyxl import load_workbook
        >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
        >>> with iv.Sandbox(reject_share=0) as sb:
        ...     results = iv.send(pd.DataFrame({"phone": ["918563214120"]}), msg,
        ...                       client=sb.client(), journal=None, progress=False)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     book = load_workbook(to_excel(results, f"{folder}/campaign.xlsx"))
        ...     rows = book["rows"]
        ...     [c.value for c in rows[1]][-1], rows["B2"].value, rows["B2"].data_type
        ('sent_at (UTC)', '918563214120', 's')
        >>> book.sheetnames
        ['summary', 'rows']

    Raises:
        TypeError: ``results`` or ``calls`` is not a DataFrame.
        ValueError: ``path`` does not end in .xlsx, ``results`` has no ``outcome`` column,
            a ``voice_id`` column holds numbers, or a frame is too big for an Excel sheet.
    """
    from openpyxl import Workbook

    _check_results(results)
    if calls is not None and not isinstance(calls, pd.DataFrame):
        raise TypeError(f"calls: expected a DataFrame of call records, got {type(calls).__name__}")
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise ValueError(f"path {str(path)!r}: an Excel workbook ends in .xlsx")
    frames = [("rows", results)] + ([("calls", calls)] if calls is not None else [])
    for name, frame in frames:
        _check_size(frame, name)
        check_voice_ids(frame)
    sheets = [("summary", _summary_columns(results, by, mask), "B2")]
    sheets += [(name, _frame_columns(frame, mask), "A2") for name, frame in frames]
    workbook = Workbook(write_only=True)
    for title, columns, freeze in sheets:
        _write_sheet(workbook, title, columns, freeze)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        workbook.save(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- reading


def _sheet_column(values: list[Any]) -> pd.Series:
    """Cells of one sheet column as the dtype they call for (text stays text)."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds or kinds <= {str}:
        return pd.Series(values, dtype=_STR)
    if kinds <= {bool}:
        return pd.Series(values, dtype="boolean" if None in values else bool)
    if kinds <= {int}:
        return pd.Series(values, dtype="Int64" if None in values else "int64")
    if kinds <= {int, float}:
        return pd.Series([np.nan if v is None else float(v) for v in values], dtype=float)
    if kinds <= {datetime}:
        return pd.Series(pd.to_datetime(values))
    return pd.Series(values, dtype=object)


def _read_rows_sheet(path: Path) -> pd.DataFrame:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        if "rows" not in book.sheetnames:
            raise ValueError(
                f"{path}: no sheet 'rows' (sheets: {', '.join(book.sheetnames)}); expected a "
                "workbook written by iv.to_excel"
            )
        lines = list(book["rows"].iter_rows(values_only=True))
    finally:
        book.close()
    if not lines:
        return pd.DataFrame()
    header = list(lines[0])
    while header and header[-1] is None:
        header.pop()
    width = len(header)
    body = [list(line[:width]) + [None] * (width - len(line)) for line in lines[1:]]
    while body and all(v is None for v in body[-1]):
        body.pop()
    names = [f"Unnamed: {i}" if h is None else str(h) for i, h in enumerate(header)]
    data = {i: _sheet_column([line[i] for line in body]) for i in range(width)}
    frame = pd.DataFrame(data)
    frame.columns = pd.Index(names)
    return frame


def _as_bool(series: pd.Series, name: str, nullable: bool) -> pd.Series:
    if pd.api.types.is_bool_dtype(series.dtype):
        out = series.astype("boolean")
    else:
        words = series.map(lambda v: None if v is None or v != v else str(v).strip().lower())
        bad = words.dropna()[~words.dropna().isin(_TRUE | _FALSE)]
        if len(bad):
            shown = ", ".join(repr(v) for v in sorted(set(bad.tolist()))[:5])
            raise ValueError(f"column {name!r}: expected True or False, found {shown}")
        out = pd.Series(
            [None if pd.isna(w) else w in _TRUE for w in words.tolist()],
            index=series.index,
            dtype="boolean",
        )
    if not nullable and not out.isna().any():
        return out.astype(bool)
    return out


def _as_int(series: pd.Series, name: str) -> pd.Series:
    try:
        numbers = pd.to_numeric(series.astype(object), errors="raise")
        return pd.Series(numbers, index=series.index).astype("Int64")
    except (ValueError, TypeError) as err:
        raise ValueError(f"column {name!r}: expected whole numbers ({err})") from None


def _as_float(series: pd.Series, name: str) -> pd.Series:
    try:
        numbers = pd.to_numeric(series.astype(object), errors="raise")
        return pd.Series(numbers, index=series.index).astype("Float64")
    except (ValueError, TypeError) as err:
        raise ValueError(f"column {name!r}: expected numbers ({err})") from None


def _as_time(series: pd.Series, name: str, unit: str | None) -> pd.Series:
    try:
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            out = series if getattr(series.dtype, "tz", None) else series.dt.tz_localize("UTC")
        else:
            out = pd.to_datetime(series.astype(object), utc=True, format="ISO8601")
    except (ValueError, TypeError) as err:
        raise ValueError(f"column {name!r}: expected times ({err})") from None
    out = out.dt.tz_convert("UTC")
    return out.astype(f"datetime64[{unit}, UTC]") if unit else out


def _as_outcome(series: pd.Series) -> pd.Series:
    text = series.astype(object).where(series.notna(), None)
    bad = sorted({str(v) for v in text.dropna().tolist()} - set(OUTCOMES))
    if bad:
        raise ValueError(
            f"column 'outcome': unexpected values {bad[:5]}; expected one of: {', '.join(OUTCOMES)}"
        )
    return pd.Series(pd.Categorical(text.tolist(), dtype=OUTCOME_DTYPE), index=series.index)


def _typed(frame: pd.DataFrame, source: Path, sheet: bool) -> pd.DataFrame:
    names = [str(c) for c in frame.columns]
    utc = {i for i, n in enumerate(names) if n.endswith(UTC_SUFFIX)}
    names = [n[: -len(UTC_SUFFIX)] if i in utc else n for i, n in enumerate(names)]
    known = {*PREPARE_COLUMNS, *SEND_COLUMNS}
    if not known & set(names):
        raise ValueError(
            f"{source}: no column of a results file ({', '.join(sorted(known))}); found: "
            + (", ".join(names[:10]) or "none")
        )
    columns: dict[int, pd.Series] = {}
    for i, name in enumerate(names):
        series = frame.iloc[:, i]
        if name in _TEXT_COLUMNS - {"outcome"}:
            series = _as_text(series, name)
        elif name == "outcome":
            series = _as_outcome(series)
        elif name in _BOOL_COLUMNS:
            series = _as_bool(series, name, nullable=name in _NULLABLE_BOOL)
        elif name == "batch" or name in INT_FIELDS:
            series = _as_int(series, name)
        elif name in MONEY_FIELDS:
            series = _as_float(series, name)
        elif name in _NS_TIMES or name in TIME_FIELDS:
            series = _as_time(series, name, "ns" if name in _NS_TIMES else "us")
        elif i in utc:
            try:
                series = _as_time(series, name, None)
            except ValueError:  # not times after all: the column as it was
                names[i] = str(frame.columns[i])
        elif not sheet or _PHONE_NAME.search(name):
            series = _as_text(series, name)
        columns[i] = series.reset_index(drop=True)
    out = pd.DataFrame(columns)
    out.columns = pd.Index(names)
    return out


def read_results(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a results file back as the frame ``iv.send`` returned: with the right dtypes.

    Reads a CSV written by ``results.to_csv(path, index=False)`` (or by the command line; .tsv
    too) or the "rows" sheet of a workbook written by :func:`to_excel`. ``number``,
    ``voice_id``, ``status``, ``termination_code``, the reasons and the codes come back as
    text (never floats that lost digits), ``sent_at`` and the call-record times as UTC
    timestamps (headers ending " (UTC)" are read as UTC and lose the suffix), ``outcome`` as
    the package's categorical, ``valid``/``duplicate``/``answered`` as booleans, ``batch`` and
    durations as Int64, costs as Float64. The user's columns stay text in a CSV (a ZIP code
    keeps its leading 0); in a workbook they keep their cell types, phone-like ones as text.
    So the frame can go to ``iv.call_outcomes`` another day ("send today, fetch tomorrow").
    ``attrs`` (journal, message) are not stored in the file: pass ``journal=`` yourself.

    Example:
        >>> import tempfile, pandas as pd, itnivoice_nb as iv
        >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
        >>> with iv.Sandbox(reject_share=0) as sb:
        ...     results = iv.send(pd.DataFrame({"phone": ["918563214120", "x"]}), msg,
        ...                       client=sb.client(), journal=None, progress=False)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     results.to_csv(f"{folder}/r.csv", index=False)
        ...     plain = pd.read_csv(f"{folder}/r.csv")
        ...     back = read_results(f"{folder}/r.csv")
        >>> str(plain["voice_id"].dtype), str(back["voice_id"].dtype)
        ('float64', 'str')
        >>> back["voice_id"].equals(results["voice_id"]), back["outcome"].dtype == results[
        ...     "outcome"].dtype
        (True, True)

    Raises:
        FileNotFoundError: no such file.
        ValueError: not a .csv/.tsv/.txt/.xlsx file, no "rows" sheet, no results column, or a
            value that does not fit its column (an unknown outcome, "maybe" in ``valid``…).
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"results file not found: {file}")
    suffix = file.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _typed(_read_rows_sheet(file), file, sheet=True)
    if suffix in (".csv", ".txt", ".tsv"):
        # the package's one reader of text tables: BOM, separator (Excel writes ';' in much of
        # the world), encoding; every cell as text
        return _typed(read_table(file), file, sheet=False)
    raise ValueError(f"{file}: unknown file type {suffix!r}; allowed: .csv, .tsv, .txt, .xlsx")
