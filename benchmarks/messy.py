"""Deterministic messy phone numbers, the kind a real sheet holds.

Every generator takes a ``seed`` and returns the same values for the same arguments, so a run
on one machine can be compared with a run on another.

The mix (shares of rows, roughly): clean international digits, the same with ``+`` and
spaces, dashes, dots or parentheses, ``00`` prefixes, no-break and thin spaces, Arabic-Indic and
full-width digits, Excel's float artifacts ("….0"), plain ints (object columns only), "tel:"
URIs, and a tail of invalid values (too short, too long, letters, national numbers starting with
0, two numbers in one cell, blanks, missing, "NULL"/"N/A" words, extensions, vanity numbers).

Example:
    >>> values = messy_numbers(5, seed=1)
    >>> len(values), values == messy_numbers(5, seed=1)
    (5, True)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np
import pandas as pd

# (country code, national significant number length, leading digits of a mobile number)
COUNTRIES: Final = (
    ("91", 10, "6789"),
    ("1", 10, "2345678"),
    ("44", 10, "7"),
    ("971", 9, "5"),
    ("966", 9, "5"),
    ("234", 10, "789"),
    ("63", 10, "9"),
    ("62", 10, "8"),
    ("92", 10, "3"),
    ("880", 10, "1"),
)
_ARABIC_INDIC: Final = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FULL_WIDTH: Final = str.maketrans("0123456789", "０１２３４５６７８９")
_MISSING_WORDS: Final = ("NULL", "N/A", "#N/A", "n/a")
_EXTENSIONS: Final = ("ext. ", "x", "#", "extension ")
_VANITY: Final = ("FLOWERS", "GOT-JUNK", "MATTRESS", "CONTACTS")
_NBSP: Final = "\u00a0"
_THIN: Final = "\u2009"


def _nationals(rng: np.random.Generator, countries: np.ndarray) -> list[str]:
    """One national significant number per row, for each row's country (vectorised draw)."""
    n = len(countries)
    rest = rng.integers(0, 10**9, size=n).tolist()
    lead = rng.integers(0, 1 << 30, size=n).tolist()
    out = []
    for country, r, k in zip(countries.tolist(), rest, lead, strict=True):
        _, length, leads = COUNTRIES[country]
        out.append(f"{leads[k % len(leads)]}{r % 10 ** (length - 1):0{length - 1}d}")
    return out


def _groups(digits: str, sep: str) -> str:
    """Split ``digits`` into groups of 3-4 as people write them."""
    cut = len(digits) // 2
    return sep.join((digits[:3], digits[3:cut + 1], digits[cut + 1:])).strip(sep)


# Each style turns (country code, national number, a random int in 0..3) into a cell value.
Style = Callable[[str, str, int], object]

_STYLES: Final[tuple[tuple[float, Style], ...]] = (
    (0.30, lambda cc, nsn, k: cc + nsn),
    (0.16, lambda cc, nsn, k: f"+{cc} {_groups(nsn, ' ')}"),
    (0.07, lambda cc, nsn, k: f"+{cc}-{_groups(nsn, '-')}"),
    (0.06, lambda cc, nsn, k: f"00{cc} {_groups(nsn, ' ')}"),
    (0.04, lambda cc, nsn, k: f"00{cc}{nsn}"),
    (0.05, lambda cc, nsn, k: f"+{cc} ({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}"),
    (0.04, lambda cc, nsn, k: f"{cc}.{_groups(nsn, '.')}"),
    (0.04, lambda cc, nsn, k: f"  +{cc}{nsn} "),
    (0.03, lambda cc, nsn, k: f"+{cc}{_NBSP}{_groups(nsn, _NBSP)}"),
    (0.01, lambda cc, nsn, k: f"+{cc}{_THIN}{nsn}"),
    (0.02, lambda cc, nsn, k: (cc + nsn).translate(_ARABIC_INDIC)),
    (0.01, lambda cc, nsn, k: ("+" + cc + nsn).translate(_FULL_WIDTH)),
    (0.04, lambda cc, nsn, k: f"{cc}{nsn}.0"),
    (0.04, lambda cc, nsn, k: int(cc + nsn)),  # an int: object columns (Excel) only
    (0.005, lambda cc, nsn, k: f"tel:+{cc}-{_groups(nsn, '-')}"),  # an RFC 3966 URI
    # -- invalid -------------------------------------------------------------------------
    (0.02, lambda cc, nsn, k: nsn[: 3 + k]),  # too short
    (0.01, lambda cc, nsn, k: cc + nsn + nsn[:6]),  # too long
    (0.02, lambda cc, nsn, k: "0" + nsn),  # national number: needs a region
    (0.01, lambda cc, nsn, k: f"ext. {cc}{nsn[:4]}"),  # letters
    (0.01, lambda cc, nsn, k: f"{cc}{nsn} / {cc}{nsn[::-1]}"),  # two numbers
    (0.01, lambda cc, nsn, k: f"+{cc}+{nsn}"),  # misplaced plus
    (0.01, lambda cc, nsn, k: ""),  # blank
    (0.005, lambda cc, nsn, k: _MISSING_WORDS[k]),  # missing, as a word
    (0.005, lambda cc, nsn, k: f"+{cc} {_groups(nsn, ' ')} {_EXTENSIONS[k]}{nsn[: 1 + k]}"),
    (0.0025, lambda cc, nsn, k: f"1-800-{_VANITY[k]}"),  # letters for digits
    (0.01, lambda cc, nsn, k: None),  # missing
)
_WEIGHTS: Final = np.array([w for w, _ in _STYLES]) / sum(w for w, _ in _STYLES)
_INT_STYLE: Final = 13
"""Index of the style that gives an int (``int(cc + nsn)``)."""


def messy_numbers(n: int, *, seed: int = 20240611, ints: bool = True) -> list[object]:
    """``n`` messy phone-number cells; ``ints=False`` writes the int ones as text (a CSV column).

    About 85 % of the cells are valid under the default rules.
    """
    rng = np.random.default_rng(seed)
    styles = rng.choice(len(_STYLES), size=n, p=_WEIGHTS).tolist()
    countries = rng.integers(0, len(COUNTRIES), size=n)
    nsns = _nationals(rng, countries)
    small = rng.integers(0, 4, size=n).tolist()
    funcs = [f for _, f in _STYLES]
    out: list[object] = []
    for style, country, nsn, k in zip(styles, countries.tolist(), nsns, small, strict=True):
        value = funcs[style](COUNTRIES[country][0], nsn, k)
        if not ints and style == _INT_STYLE:
            value = str(value)
        out.append(value)
    return out


def clean_numbers(n: int) -> list[str]:
    """``n`` distinct, already clean 12-digit numbers (India, mobile), deterministic.

    Example:
        >>> clean_numbers(2)
        ['917000000000', '917000007919']
    """
    return [f"91{7_000_000_000 + (i * 7_919) % 2_999_999_999}" for i in range(n)]


def clean_frame(n: int) -> pd.DataFrame:
    """A recipients frame of ``n`` distinct clean numbers in a text ``phone`` column."""
    return pd.DataFrame({"phone": pd.Series(clean_numbers(n), dtype="str")})


def messy_frame(n: int, *, seed: int = 20240611, ints: bool = False) -> pd.DataFrame:
    """A recipients frame: ``phone`` (messy cells) and ``name``, default RangeIndex.

    ``ints=False`` (default) gives a text column, as ``read_csv`` reads it (pandas' ``str``
    dtype); ``ints=True`` an object column mixing ints, text and missing values, as a sheet read
    from Excel gives.
    """
    values = messy_numbers(n, seed=seed, ints=ints)
    phone: pd.Series = (
        pd.Series(values, dtype=object) if ints else pd.Series(values, dtype="str")
    )
    return pd.DataFrame({"phone": phone, "name": pd.Series(range(n)).map("client {}".format)})


def national_numbers(n: int, *, distinct: int, seed: int = 7, region_cc: str = "91") -> list[str]:
    """``n`` cells drawn from ``distinct`` different values, mostly national numbers of one
    region (for ``prepare(..., default_region=...)``), in several formats; every distinct value
    appears at least once.
    """
    if distinct > n:
        raise ValueError("distinct must not exceed n")
    rng = np.random.default_rng(seed)
    pool: list[str] = []
    seen: set[str] = set()
    formats: tuple[Callable[[str], str], ...] = (
        lambda nsn: "0" + nsn,
        lambda nsn: f"0{nsn[:5]} {nsn[5:]}",
        lambda nsn: f"{nsn[:5]}-{nsn[5:]}",
        lambda nsn: nsn,
        lambda nsn: f"+{region_cc} {nsn[:5]} {nsn[5:]}",
        lambda nsn: f"00{region_cc}{nsn}",
        lambda nsn: f"({nsn[:3]}) {nsn[3:6]}-{nsn[6:]}",
        lambda nsn: nsn[:5],  # too short, refused by libphonenumber
    )
    weights = np.array([0.25, 0.15, 0.1, 0.2, 0.12, 0.08, 0.06, 0.04])
    for _ in range(20):  # bounded: one or two rounds suffice on any sane input
        if len(pool) >= distinct:
            break
        draw = 2 * (distinct - len(pool)) + 16
        nsns = _nationals(rng, np.zeros(draw, dtype=np.int64))  # COUNTRIES[0]: India
        kinds = rng.choice(len(formats), size=draw, p=weights).tolist()
        for nsn, kind in zip(nsns, kinds, strict=True):
            value = formats[kind](nsn)
            if value not in seen and len(pool) < distinct:
                seen.add(value)
                pool.append(value)
    if len(pool) < distinct:
        raise RuntimeError("could not draw enough distinct values")
    picks = np.concatenate([np.arange(distinct), rng.integers(0, distinct, size=n - distinct)])
    rng.shuffle(picks)
    return [pool[i] for i in picks.tolist()]
