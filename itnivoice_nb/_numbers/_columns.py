"""Any pandas column as Arrow text: int, float, bool, object, Arrow, categorical, sparse.

:func:`column_text` gives the text :mod:`._vector` cleans; values that cannot be a phone number
at all (negative, fractional or float32 numbers, bools, dates…) are refused here, into the
reason codes, and their rows become null.

Example:
    >>> import pandas as pd
    >>> from ._arrow import Reasons
    >>> codes, r = np.full(3, -1, dtype=np.int32), Reasons()
    >>> column_text(pd.Series([918563214120.0, -5.0, None]), codes, r).to_pylist()
    ['918563214120', None, None]
    >>> r.to_arrow(codes).to_pylist()
    [None, 'negative number: -5', None]
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import LSTR, Reasons, np_bool, put, to_arrow
from ._rules import BOOL, narrow_float_reason, negative_reason
from ._scalar import cell, float_text


def int_column(arr: pa.Array, codes: np.ndarray, r: Reasons) -> pa.Array:
    """Text of an Arrow integer array; negative numbers refused (their rows become null)."""
    if pa.types.is_signed_integer(arr.type):
        negative = np_bool(pc.less(arr, 0))
        if negative.any():
            rows = np.flatnonzero(negative)
            values = arr.take(pa.array(rows)).to_numpy()
            r.refuse_distinct(codes, rows, values, negative_reason)
            arr = pc.if_else(pa.array(negative), pa.scalar(None, arr.type), arr)
    return pc.cast(arr, LSTR)


def float_values(a: np.ndarray, codes: np.ndarray, r: Reasons) -> pa.Array:
    """Text of whole, non-negative floats; the rest refused in ``codes`` (NaN: missing)."""
    finite = np.isfinite(a)
    with np.errstate(invalid="ignore"):
        whole = finite & (np.floor(a) == a)
    odd = ~whole & ~np.isnan(a)
    if odd.any():  # inf, fractions
        rows = np.flatnonzero(odd)
        r.refuse_distinct(codes, rows, a[rows], lambda v: str(float_text(v)[1]))
    negative = whole & (a < 0)
    if negative.any():
        rows = np.flatnonzero(negative)
        r.refuse_distinct(codes, rows, a[rows], lambda v: negative_reason(int(v)))
    small = whole & ~negative & (a < 2.0**63)
    ints = np.where(small, a, 0).astype(np.int64)
    text = pc.cast(pa.array(ints, mask=~small), LSTR)
    big = np.flatnonzero(whole & ~negative & ~small)
    return put(text, big, [str(int(v)) for v in a[big].tolist()])


_STR_CELL, _INT_CELL, _FLOAT_CELL, _NONE_CELL, _OTHER_CELL = range(5)
_CELL_KINDS: Final = {str: _STR_CELL, int: _INT_CELL, float: _FLOAT_CELL, type(None): _NONE_CELL}


def object_column(values: np.ndarray, codes: np.ndarray, r: Reasons) -> pa.Array:
    """An object column (e.g. from Excel: ints, floats, text, None mixed) as text.

    Cells are sorted by type in one pass; str, int and float cells are then converted in bulk
    (as the typed columns are), and only other objects go through :func:`._scalar.cell` one by
    one.
    """
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        try:
            return pa.array(values, type=LSTR, from_pandas=True)
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
        parts.append(text.cast(LSTR))
        size += len(rows)

    for which in (_STR_CELL, _INT_CELL, _FLOAT_CELL):
        rows = np.flatnonzero(kind == which)
        if not len(rows):
            continue
        part = codes[rows]
        try:
            if which == _STR_CELL:
                text = pa.array(values[rows], type=LSTR)
            elif which == _INT_CELL:
                text = int_column(pa.array(values[rows].astype(np.int64)), part, r)
            else:
                text = float_values(values[rows].astype(np.float64), part, r)
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
            text, reason = cell(cells[i])
            texts.append(text)
            if reason is not None:
                refused_rows.append(i)
                refused.append(reason)
        r.set(codes, np.array(refused_rows, dtype=np.int64), refused)
        add(rows, pa.array(texts, type=LSTR))
    if not parts:
        return pa.nulls(len(cells), LSTR)
    return pa.concat_arrays(parts).take(pa.array(position, mask=kind == _NONE_CELL))


def narrow_float(dtype: Any) -> str | None:
    """The name of a column's float type when narrower than float64 ("float32", "float16"),
    whether numpy, pandas' Float32, Arrow, sparse or categorical; else None.

    Example:
        >>> narrow_float(pd.Series([1.0], dtype="Float32").dtype), narrow_float(np.float64)
        ('float32', None)
    """
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    values = getattr(dtype, "subtype", None) or getattr(dtype, "numpy_dtype", None) or dtype
    try:
        found = np.dtype(values)
    except (TypeError, ValueError):
        return None
    return found.name if found.kind == "f" and found.itemsize < 8 else None


def column_text(series: pd.Series, codes: np.ndarray, r: Reasons) -> pa.Array:
    """The column as Arrow text (null = missing or already refused, see ``codes``)."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        return to_arrow(series.array).cast(LSTR)
    if isinstance(dtype, pd.ArrowDtype) and (
        pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
    ):
        return to_arrow(series.array).cast(LSTR)
    narrow = narrow_float(dtype)
    if narrow is not None:  # its digits are already gone: refuse every number in it
        codes[~np.asarray(series.isna(), dtype=bool)] = r.code(narrow_float_reason(narrow))
        return pa.nulls(len(series), LSTR)
    if pd.api.types.is_bool_dtype(dtype):
        present = ~series.isna().to_numpy()
        codes[present] = r.code(BOOL)
        return pa.nulls(len(series), LSTR)
    if pd.api.types.is_integer_dtype(dtype):
        try:
            values = series.to_numpy() if isinstance(dtype, np.dtype) else series.array
            ints = to_arrow(values)
        except (pa.ArrowException, TypeError, ValueError):  # e.g. sparse: cell by cell
            pass
        else:
            if pa.types.is_integer(ints.type):
                return int_column(ints, codes, r)
    elif pd.api.types.is_float_dtype(dtype):
        return float_values(series.to_numpy(dtype=np.float64, na_value=np.nan), codes, r)
    return object_column(series.to_numpy(dtype=object), codes, r)
