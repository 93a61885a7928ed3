"""A cost ceiling before sending: an upper bound of what a plan's calls can cost.

``rates`` are prices per minute by calling code or longer prefix (``{"91": 0.02, "1": 0.015}``;
the longest matching prefix wins); by default they are the highest rate seen per calling code
in the journal's past call records. The bound is Σ rate × ⌈max_duration / 60⌉ minutes over the
numbers to call, with ``max_duration`` the message's (the API hangs up that many seconds after
the answer); when a message sets none, the vendor documents no default, so the bound assumes
:data:`ASSUMED_DURATION` seconds — the longest ``maxDuration`` the API accepts (a call without
one may run for as long as the audio plays ``loop_count`` times). Numbers whose rate is unknown
are counted apart, never silently priced at zero.

Example:
    >>> bound = cost_bound(["918563214120", "12015550123", "447700900123"],
    ...                    {"91": 0.02, "1": 0.015}, max_duration=50)
    >>> round(bound.total, 3), bound.unknown
    (0.035, 1)
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

from ._vendor import MAX_DURATION_MAX

ASSUMED_DURATION = MAX_DURATION_MAX
"""Seconds a call is assumed to last when the message sets no ``max_duration``."""


@dataclass(frozen=True, slots=True)
class CostBound:
    """``total``: the upper bound (in the rates' currency); ``unknown``: numbers with no rate;
    ``minutes``: billed minutes per call assumed; ``assumed``: True when ``max_duration`` was
    unset and :data:`ASSUMED_DURATION` was used."""

    total: float
    unknown: int
    minutes: int
    assumed: bool


def check_rates(rates: object) -> dict[str, float]:
    """``rates`` as ``{prefix digits: price per minute}``, or a clear error."""
    if not isinstance(rates, Mapping):
        raise TypeError(
            f"rates: expected a dict of calling code to price per minute, e.g. "
            f'{{"91": 0.02, "1": 0.015}}; got {type(rates).__name__}'
        )
    out: dict[str, float] = {}
    for key, value in rates.items():
        prefix = str(key).strip().lstrip("+")
        if not prefix.isdigit():
            raise ValueError(f"rates: {key!r} is not a calling code (digits, e.g. '91')")
        try:
            price = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"rates[{key!r}]: {value!r} is not a price") from None
        if not math.isfinite(price) or price < 0:
            raise ValueError(f"rates[{key!r}]: {value!r} is not a price ≥ 0")
        out[prefix] = price
    return out


def rates_from_records(records: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """The highest ``rate`` seen per calling code in raw call records.

    Example:
        >>> rates_from_records([{"callee": "918563214120", "rate": "0.02"},
        ...                     {"callee": "918563214121", "rate": "0.03"}])
        {'91': 0.03}
    """
    out: dict[str, float] = {}
    for record in records:
        callee, rate = str(record.get("callee") or ""), record.get("rate")
        try:
            price = float(str(rate).strip().lstrip("$"))
            code = phonenumbers.parse("+" + callee.lstrip("+")).country_code
        except (TypeError, ValueError, phonenumbers.NumberParseException):
            continue
        if math.isfinite(price):
            out[str(code)] = max(price, out.get(str(code), 0.0))
    return out


def rates_in_journal(raw_records: Iterable[str | None]) -> dict[str, float]:
    """:func:`rates_from_records` over stored JSON records (None entries skipped)."""
    return rates_from_records(json.loads(r) for r in raw_records if r)


def rate_per_number(numbers: Sequence[str], rates: Mapping[str, float]) -> np.ndarray:
    """Each number's rate by longest matching prefix (NaN when none matches), vectorised.

    Example:
        >>> rate_per_number(["4477009", "4420794"], {"44": 0.1, "4477": 0.2}).tolist()
        [0.2, 0.1]
    """
    out = np.full(len(numbers), np.nan)
    if not len(numbers) or not rates:
        return out
    text = pd.Series(list(numbers), dtype=object)
    by_length: dict[int, dict[str, float]] = {}
    for prefix, price in rates.items():
        by_length.setdefault(len(prefix), {})[prefix] = price
    for length in sorted(by_length, reverse=True):
        todo = np.isnan(out)
        if not todo.any():
            break
        found = text[todo].str.slice(0, length).map(by_length[length])
        out[np.flatnonzero(todo)] = found.to_numpy(dtype=float, na_value=np.nan)
    return out


def cost_bound(
    numbers: Sequence[str], rates: Mapping[str, float], *, max_duration: int | None
) -> CostBound:
    """The upper bound of calling ``numbers`` once each (see the module docstring)."""
    assumed = max_duration is None
    minutes = math.ceil((ASSUMED_DURATION if max_duration is None else max_duration) / 60)
    prices = rate_per_number(numbers, rates)
    known = ~np.isnan(prices)
    total = float(prices[known].sum()) * minutes
    return CostBound(total, int((~known).sum()), minutes, assumed)
