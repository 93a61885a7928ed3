"""Suppression lists: numbers that must never be called, read and normalised like recipients.

``exclude=`` takes one list or several: a list/tuple/set of numbers, a Series, a DataFrame (its
phone column is guessed), the path of a CSV or Excel file, or a dict ``{name: any of those}``;
a list whose items are all Series, DataFrames or paths is several lists. Every entry is
normalised with the same rules as the recipients (``default_region`` included), so "+91 85632
14120" on the list excludes "0091-856-321-4120" in the sheet. Each list has a name (the file's
name, the Series' name, the dict key), and an excluded row's reason names it.

Example:
    >>> lists = suppression(["+91 85632 14120", "not a number"])
    >>> lists.numbers
    {'918563214120': 'the exclude list'}
    >>> lists.unreadable
    1
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._guess import guess_phone_column
from ._numbers import prepare
from ._tables import TABLE_SUFFIXES, read_table

DEFAULT_NAME = "the exclude list"


@dataclass(frozen=True, slots=True)
class Suppression:
    """The numbers of every list (``{number: list name}``, first list wins) and how many entries
    of them could not be read as a number (reported, never silently dropped)."""

    numbers: dict[str, str] = field(default_factory=dict)
    unreadable: int = 0
    names: tuple[str, ...] = ()


def _is_path(value: object) -> bool:
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and Path(value).suffix.lower() in TABLE_SUFFIXES


def _read_file(path: str | os.PathLike[str]) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"exclude: the suppression list {str(file)!r} was not found")
    return read_table(file)


def _one(value: Any, name: str | None) -> tuple[str, pd.Series]:
    """One list as (name, Series of raw values)."""
    if _is_path(value):
        frame = _read_file(value)
        column = guess_phone_column(frame)
        if column is None:
            return name or Path(value).name, pd.Series([], dtype=object)
        return name or Path(value).name, frame[column]
    if isinstance(value, pd.DataFrame):
        label: Hashable | None = guess_phone_column(value)
        if label is None:
            return name or DEFAULT_NAME, pd.Series([], dtype=object)
        return name or f"column {label!r}", value[label]
    if isinstance(value, pd.Series):
        label = name or (f"list {value.name!r}" if value.name is not None else DEFAULT_NAME)
        return label, value
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            "exclude: expected numbers (a list, Series or DataFrame column), a CSV/Excel "
            f"path, or a dict of those; got {type(value).__name__}"
        )
    return name or DEFAULT_NAME, pd.Series(list(value), dtype=object)


def _lists(exclude: Any) -> list[tuple[str, pd.Series]]:
    if exclude is None:
        return []
    if isinstance(exclude, Mapping):
        return [_one(v, str(k)) for k, v in exclude.items()]
    if isinstance(exclude, list | tuple) and exclude and all(
        isinstance(v, pd.Series | pd.DataFrame) or _is_path(v) for v in exclude
    ):
        return [_one(v, None) for v in exclude]
    return [_one(exclude, None)]


def suppression(
    exclude: Any, *, default_region: str | None = None
) -> Suppression:
    """Read ``exclude`` (see the module docstring) into normalised numbers with list names.

    Example:
        >>> s = suppression({"opt-outs": ["0091 856 321 4120"], "staff": ["+44 20 7946 0958"]})
        >>> sorted(s.numbers.items())
        [('442079460958', 'staff'), ('918563214120', 'opt-outs')]
    """
    numbers: dict[str, str] = {}
    unreadable = 0
    names: list[str] = []
    for name, values in _lists(exclude):
        names.append(name)
        if not len(values):
            continue
        frame = pd.DataFrame({"phone": values.reset_index(drop=True)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prepared = prepare(frame, column="phone", default_region=default_region)
        valid = prepared["valid"].to_numpy(dtype=bool)
        missing = prepared["invalid_reason"].to_numpy(dtype=object) == "missing"
        unreadable += int((~valid & ~missing).sum())
        for number in prepared["number"][valid].tolist():
            numbers.setdefault(number, name)
    return Suppression(numbers, unreadable, tuple(names))
