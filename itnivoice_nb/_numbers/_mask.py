"""Masking numbers for charts, widgets and logs: all but the last few characters hidden.

Example:
    >>> mask_number("918563214120")
    '••••••••4120'
    >>> mask_numbers(pd.Series(["918563214120", None])).tolist()
    ['••••••••4120', nan]
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._arrow import LSTR, STR_DTYPE, to_arrow

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
    text = series if isinstance(series.dtype, pd.StringDtype) else series.astype(STR_DTYPE)
    arr = to_arrow(text.array).cast(LSTR)
    length = pc.utf8_length(arr)
    show = pc.greater(length, keep) if keep else pa.array(np.zeros(len(arr), bool))
    tail = pc.utf8_slice_codeunits(arr, -keep) if keep else pc.utf8_slice_codeunits(arr, 0, 0)
    tail = pc.if_else(show, tail, pa.scalar("", LSTR))
    hidden = pc.if_else(show, pc.subtract(length, keep), length)
    bullets = pc.binary_repeat(pa.scalar(_BULLET, LSTR), hidden)
    masked = pc.binary_join_element_wise(bullets, tail, pa.scalar("", LSTR))
    return pd.Series(pd.array(masked, dtype=STR_DTYPE), index=series.index, name=series.name)


NUMBER_RUN: Final = re.compile(r"\+?\d{7,}")
"""A run of 7 or more digits (maybe after '+'): what a full phone number looks like in text."""


def mask_text(value: object) -> str:
    """``str(value)`` with every run of 7+ digits masked but its last 4 (``•••••••3210``).

    Example:
        >>> mask_text("number 918563214120 refused")
        'number ••••••••4120 refused'
    """

    def hide(match: re.Match[str]) -> str:
        digits = match.group(0).lstrip("+")
        return "•" * (len(digits) - 4) + digits[-4:]

    return NUMBER_RUN.sub(hide, str(value))
