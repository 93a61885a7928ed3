"""Which column of a frame holds the phone numbers: the guess the form and the CLI share.

Example:
    >>> import pandas as pd
    >>> guess_phone_column(pd.DataFrame({"id": ["1"], "contact": ["+91 85632 14120"]}))
    'contact'
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from typing import Final

import pandas as pd

from ._numbers import prepare

__all__ = ["GUESS_ROWS", "PHONE_WORDS", "guess_phone_column"]

PHONE_WORDS: Final = ("phone", "mobile", "msisdn", "tel", "number", "callee", "cell")
"""Column names that suggest phone numbers, most telling first."""

GUESS_ROWS: Final = 500
"""How many first rows the guess reads."""
_GUESS_COLUMNS: Final = 60


def guess_phone_column(df: pd.DataFrame) -> Hashable | None:
    """The column most likely to hold the phone numbers, or None for a frame with no columns.

    A column named like a phone column (``phone``, ``mobile``, ``msisdn``, ``tel``, ``number``,
    ``callee``, ``cell``) whose first rows include numbers ``prepare`` accepts wins; otherwise the
    column with the most accepted values; otherwise the best-named column, else the first.

    Example:
        >>> guess_phone_column(pd.DataFrame({"id": ["1"], "contact": ["+91 85632 14120"]}))
        'contact'
        >>> guess_phone_column(pd.DataFrame({"Mobile No": ["+91 85632 14120"], "x": ["1"]}))
        'Mobile No'
    """
    columns = list(df.columns)
    if not columns:
        return None
    sample = df.head(GUESS_ROWS)

    def name_rank(label: Hashable) -> int | None:
        name = str(label).strip().lower()
        tokens = set(re.split(r"[^a-z0-9]+", name))
        for rank, word in enumerate(PHONE_WORDS):
            if word in tokens or name.startswith(word) or name.endswith(word):
                return rank
        return None

    def accepted(label: Hashable) -> int:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = sample.loc[:, [label]]
                return int(prepare(frame, column=label)["valid"].sum())  # type: ignore[arg-type]
        except Exception:  # a column prepare cannot read holds no phone numbers
            return 0

    scores = {label: accepted(label) for label in columns[:_GUESS_COLUMNS]}
    named = [(rank, label) for label in columns if (rank := name_rank(label)) is not None]
    named_ok = [(rank, -scores.get(label, 0), i) for i, (rank, label) in enumerate(named)
                if scores.get(label, 0) > 0]
    if named_ok:
        return named[min(named_ok)[2]][1]
    best = max(scores, key=lambda label: scores[label])
    if scores[best] > 0:
        return best
    if named:
        return min(named, key=lambda item: item[0])[1]
    return columns[0]


