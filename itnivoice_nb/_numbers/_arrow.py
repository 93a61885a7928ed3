"""Arrow and numpy helpers: string buffers as numpy views, reason codes, the digits being built.

Nothing here knows a phone rule except :func:`fold`, which applies the one char map of
:mod:`._rules` to UTF-8 bytes.

Example:
    >>> import pyarrow as pa
    >>> text = pa.array(["+٩١ 85", "12"], LSTR)
    >>> fold(text).to_pylist()
    ['+91 85', '12']
    >>> offsets, data = buffers(text)
    >>> offsets.tolist(), bytes(data[offsets[1]:offsets[2]])
    ([0, 8, 10], b'12')
    >>> r = Reasons()
    >>> codes = np.full(3, -1, dtype=np.int32)
    >>> codes[[0, 2]] = r.code("missing")
    >>> r.to_arrow(codes).to_pylist()
    ['missing', None, 'missing']
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._rules import CHARMAP

LSTR: Final = pa.large_string()
STR_DTYPE: Final = pd.StringDtype("pyarrow", na_value=np.nan)
"""pandas 3's default ``str`` dtype (pyarrow-backed, NaN as the missing marker)."""


def to_arrow(values: Any) -> pa.Array:
    """``values`` (a pandas array, numpy array…) as one Arrow array (chunks combined)."""
    arr = pa.array(values, from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    return arr


def np_bool(arr: pa.Array | pa.ChunkedArray, null: bool = False) -> np.ndarray:
    """A boolean Arrow array as numpy; nulls read as ``null``."""
    return np.asarray(pc.fill_null(arr, null).to_numpy(zero_copy_only=False), dtype=bool)


def put(arr: pa.Array, rows: np.ndarray, values: pa.Array | list[str | None]) -> pa.Array:
    """A copy of ``arr`` with ``arr[rows] = values`` (rows ascending)."""
    if not len(rows):
        return arr
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    if not isinstance(values, pa.Array):
        values = pa.array(values, type=LSTR)
    return pc.replace_with_mask(arr, pa.array(mask), values.cast(LSTR))


def buffers(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets from 0, data) of a large_string array, as numpy views (no copy)."""
    n = len(arr)
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + n + 1]
    lo, hi = int(offsets[0]), int(offsets[-1])
    if hi == lo:
        return np.zeros(n + 1, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    return offsets - lo, np.frombuffer(data_buf, dtype=np.uint8)[lo:hi]


def strings(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    """A large_string array (no nulls) over numpy offsets and bytes."""
    return pa.Array.from_buffers(
        LSTR, len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``starts[i] + k`` for ``0 <= k < lengths[i]``, concatenated.

    Example:
        >>> ranges(np.array([0, 10]), np.array([2, 3])).tolist()
        [0, 1, 10, 11, 12]
    """
    within = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + within


def compact(offsets: np.ndarray, data: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Keep the bytes where ``keep``; returns the new (offsets, data)."""
    kept_before = np.zeros(len(data) + 1, dtype=np.int32 if len(data) < 2**31 else np.int64)
    np.cumsum(keep, out=kept_before[1:])
    return kept_before[offsets].astype(np.int64), data[keep]


def byte_at(data: np.ndarray, positions: np.ndarray, present: np.ndarray) -> np.ndarray:
    """``data[positions]`` where ``present``, else 0."""
    if not len(data):
        return np.zeros(len(positions), dtype=np.uint8)
    return np.where(present, data[np.minimum(positions, len(data) - 1)], 0)


class Reasons:
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

    def refuse_distinct(
        self, codes: np.ndarray, rows: np.ndarray, values: np.ndarray, why: Callable[[Any], str]
    ) -> None:
        """``codes[rows[i]] = code(why(values[i]))``, calling ``why`` once per distinct value."""
        if len(rows):
            distinct, inverse = np.unique(values, return_inverse=True)
            table = np.array([self.code(why(v)) for v in distinct.tolist()], np.int32)
            codes[rows] = table[inverse.reshape(-1)]

    def starting_with(self, prefix: str) -> np.ndarray:
        """For each code, whether its reason starts with ``prefix`` (index with a code)."""
        return np.array([item.startswith(prefix) for item in self.items], dtype=bool)

    def to_arrow(self, codes: np.ndarray) -> pa.Array:
        table = pa.array(self.items, type=LSTR)
        return pc.take(table, pa.array(codes, mask=codes < 0))


class Digits:
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
        values = pc.fill_null(values.cast(LSTR), "")
        if self.source is None:
            self.source = np.arange(len(self.lengths), dtype=np.int64)
        self.source[rows] = np.arange(self.size, self.size + len(values))
        self.parts.append(values)
        self.size += len(values)
        self.lengths[rows] = pc.binary_length(values).to_numpy()
        self.lead_zero[rows] = np_bool(pc.starts_with(values, "0"))

    def take(self, rows: np.ndarray | None = None, mask: np.ndarray | None = None) -> pa.Array:
        """Digits of ``rows`` (all rows when None); null where ``mask``."""
        source = np.arange(len(self.lengths)) if self.source is None else self.source
        if rows is not None:
            source = source[rows]
        if len(self.parts) > 1:
            self.parts = [pa.concat_arrays(self.parts)]
        return self.parts[0].take(pa.array(source, mask=mask))


def _fold_actions(points: np.ndarray) -> np.ndarray | None:
    """What ``CHARMAP`` does to each code point: -1 keep, 0 delete, else an ASCII byte.

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
        to = CHARMAP[point]
        if not to:
            table[slot] = 0
        elif to != chr(point):
            if len(to) != 1 or not to.isascii():
                return None
            table[slot] = ord(to)
    return table[lookup.reshape(-1)]


def fold(texts: pa.Array) -> pa.Array:
    """``v.translate(CHARMAP)`` for every (non-null) ``v``, on the UTF-8 bytes with numpy.

    Each character the map changes becomes one ASCII byte or disappears. Falls back to
    Python if the map ever does anything else.
    """
    offsets, data = buffers(texts)
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
            return pa.array([v.translate(CHARMAP) for v in texts.to_pylist()], LSTR)
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
    offsets, data = compact(offsets, data, keep)
    return strings(offsets, data)
