"""Frames at the door: pandas as it is; polars, Arrow and anything like them converted once.

Every public function that takes a DataFrame takes what analysts hold: a pandas DataFrame; a
polars DataFrame (or anything with ``to_pandas()``); anything exposing the Arrow PyCapsule
stream interface (``__arrow_c_stream__``: pyarrow tables, DuckDB results, …). Text columns stay
text (no number ever goes through a float on the way in).

Example:
    >>> import pyarrow as pa
    >>> as_pandas(pa.table({"phone": ["918563214120"]}))["phone"].tolist()
    ['918563214120']
"""

from __future__ import annotations

from typing import Any

import pandas as pd


def as_pandas(data: Any, name: str = "df") -> pd.DataFrame:
    """``data`` as a pandas DataFrame, or a TypeError that says what was given and what works.

    Example:
        >>> as_pandas([1, 2])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: df: needs a table of recipients (a pandas or polars DataFrame, ...); got list
    """
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame()
    to_pandas = getattr(data, "to_pandas", None)
    if callable(to_pandas) and not isinstance(data, type):
        try:
            converted = to_pandas(types_mapper=pd.ArrowDtype)
        except TypeError:  # a to_pandas() without Arrow's keyword (polars has one; others may not)
            converted = to_pandas()
        if isinstance(converted, pd.DataFrame):
            return converted
    if hasattr(data, "__arrow_c_stream__"):
        import pyarrow as pa

        return pa.table(data).to_pandas(types_mapper=pd.ArrowDtype)
    kind = type(data)
    module = kind.__module__
    where = kind.__name__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    raise TypeError(
        f"{name}: needs a table of recipients (a pandas or polars DataFrame, or an Arrow table); "
        f"got {where}"
    )
