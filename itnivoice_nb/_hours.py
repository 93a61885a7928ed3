"""Calling hours in each recipient's local time: who may be called now, and when the others can.

A number's time zones are libphonenumber's (``phonenumbers.timezone.time_zones_for_number``),
found for a whole column at once; its local time is what :mod:`zoneinfo` says at the planned
instant. The window ``[start, end)`` runs within one local day (it may not cross midnight: a
start of 09:00 and an end of 20:00 allow 09:00 up to 19:59:59; an end of "24:00" means until
midnight), on every day or only on ``days``. A number with several zones is called only when the
window is open in all of them. A number with no known zone uses ``default_timezone``, or waits.

Example:
    >>> from datetime import datetime, timezone
    >>> w = parse_window(("09:00", "20:00"))
    >>> at = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)  # 21:30 in India, 11:00 NY
    >>> r = check_window(["918563214120", "12125550123"], w, at=at)
    >>> r.open.tolist()
    [False, True]
    >>> r.reason[0]
    '21:30 local (Asia/Kolkata); window 09:00–20:00; opens 2026-11-28 09:00 local'
    >>> [str(t) for t in r.opens_at]
    ['2026-11-28 03:30:00+00:00', '2026-11-27 16:00:00+00:00']
    >>> schedule(r)
                      opens_utc  rows  cumulative
    0 2026-11-28 03:00:00+00:00     1           1

The zones are libphonenumber's, exactly (the tests hold every region's example numbers, and
numbers near them, to the per-row call). Three consequences to know:

* a number libphonenumber does not consider valid has no zone ("Etc/Unknown"): it waits for
  ``default_timezone``;
* a number whose type is not geographic there (a mobile in most countries, a toll-free
  number…) gets its country code's zones: one zone for +91 or +44, but all 16 of +7 for a
  Russian mobile and all 42 of +1 for a Caribbean or Canadian-territory mobile, whose common
  hours are short (09:00–20:00 in all 42: half an hour a day) or none;
* libphonenumber still writes a few zones by old names (Asia/Calcutta); reasons and ``zone``
  show the current ones (Asia/Kolkata), :func:`time_zones` gives libphonenumber's own.

The next opening is searched up to :data:`HORIZON` (8 days) ahead, exactly (to the second,
across DST changes: a window whose start falls in the spring gap opens when the clocks jump).

The work per row is integer arithmetic and a few RE2 passes (pyarrow) per country code:
libphonenumber's metadata decides, for all the numbers of a country code at once, whether each
is valid and geographic (what ``time_zones_for_number`` asks), and its prefix map gives the
zones; the local times are computed once per distinct set of zones, then broadcast.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence, Sized
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers.timezone import time_zones_for_number
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

__all__ = [
    "DEFAULT_WINDOW",
    "HORIZON",
    "HoursResult",
    "Window",
    "check_window",
    "parse_window",
    "schedule",
    "time_zones",
]

HORIZON: Final = timedelta(days=8)
"""How far ahead the next opening is searched (a weekly window always opens within 8 days)."""

UNKNOWN_ZONES: Final = ("Etc/Unknown",)
"""What libphonenumber gives for a number it cannot place (invalid, or no zone data)."""

_DAY_NAMES: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_LOOKUP: Final = {
    **{name.lower(): i for i, name in enumerate(_DAY_NAMES)},
    **{
        name: i
        for i, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
}
_TIME_RE: Final = re.compile(r"\s*(\d{1,2}):(\d{2})\s*")
_DAYS_HELP: Final = "write e.g. 'Mon-Fri', 'Mon,Wed,Fri' or 'Sat-Sun'"
_END_OF_DAY: Final = 86_400

# Old names libphonenumber still uses for zones that were renamed; reasons show the new names.
# (Only renames: links that merged two places, such as Europe/Vatican → Europe/Rome, stay.)
_RENAMED: Final = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Pacific/Enderbury": "Pacific/Kanton",
}


def _label(zone: str) -> str:
    """The name a person reads for a zone: ``_label("Asia/Calcutta") == "Asia/Kolkata"``."""
    return _RENAMED.get(zone, zone)


# --------------------------------------------------------------------------- the window


@dataclass(frozen=True)
class Window:
    """Calling hours: ``[start, end)`` in local time, on ``days`` (0 = Monday) or every day.

    Build it with :func:`parse_window`. ``end`` is ``time.max`` for "24:00" (until midnight).
    ``text`` is how messages show it ("09:00–20:00", "Mon-Fri 09:00–20:00").
    """

    start: time
    end: time
    days: frozenset[int] | None
    text: str

    @property
    def hours(self) -> str:
        """The hours alone, e.g. "09:00–20:00"."""
        return f"{_hhmm(self.start)}–{'24:00' if self.end == time.max else _hhmm(self.end)}"

    @property
    def days_text(self) -> str | None:
        """The days as written in messages, e.g. "Mon-Fri"; None for every day."""
        return None if self.days is None else _days_text(self.days)

    def _bounds(self) -> tuple[int, int]:
        """(start, end) in seconds since local midnight."""
        end = _END_OF_DAY if self.end == time.max else _seconds(self.end)
        return _seconds(self.start), end

    def is_open(self, local: datetime) -> bool:
        """Whether a local wall-clock time is inside the window.

        Example:
            >>> w = parse_window(("09:00", "20:00"), "Mon-Fri")
            >>> w.is_open(datetime(2026, 11, 27, 19, 59)), w.is_open(datetime(2026, 11, 27, 20))
            (True, False)
            >>> w.is_open(datetime(2026, 11, 28, 10))  # a Saturday
            False
        """
        if self.days is not None and local.weekday() not in self.days:
            return False
        start, end = self._bounds()
        second = local.hour * 3600 + local.minute * 60 + local.second
        return start <= second < end


DEFAULT_WINDOW: Final = Window(time(9), time(20), None, "09:00–20:00")
"""09:00–20:00 local, every day."""


def _hhmm(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _parse_time(value: object, which: str) -> time:
    """One end of the window: "HH:MM" text (or H:MM) or a ``datetime.time`` on a whole minute."""
    if isinstance(value, time) and not isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError(f"call_window: the {which} {value} has a time zone; "
                             "give a plain local time such as '09:00'")
        if value.second or value.microsecond:
            raise ValueError(f"call_window: the {which} {value} is not on a whole minute")
        return value
    if not isinstance(value, str):
        raise ValueError(
            f"call_window: the {which} must be a time such as '09:00', got {value!r}"
        )
    match = _TIME_RE.fullmatch(value)
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if which == "end" and (hour, minute) == (24, 0):
        return time.max
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(
            f"call_window: {value!r} is not a time of day; write HH:MM from 00:00 to 23:59 "
            "(the end may be 24:00)"
        )
    return time(hour, minute)


def _day(token: str) -> int:
    day = _DAY_LOOKUP.get(token.strip().lower())
    if day is None:
        raise ValueError(f"call_days: {token.strip()!r} is not a day; {_DAYS_HELP}")
    return day


def _parse_days(days: object) -> frozenset[int] | None:
    """"Mon-Fri", "Mon,Wed,Fri", "Sat-Sun", "Fri-Mon" (wraps), or an iterable of names / 0-6."""
    if days is None:
        return None
    out: set[int] = set()
    if isinstance(days, str):
        parts = [p for p in re.split(r"[,;]", days)]
        if not days.strip() or any(not p.strip() for p in parts):
            raise ValueError(f"call_days: {days!r} names no day; {_DAYS_HELP}")
        for part in parts:
            ends = re.split(r"\s*[-–]\s*", part.strip())
            if len(ends) == 1:
                out.add(_day(ends[0]))
            elif len(ends) == 2:
                first, last = _day(ends[0]), _day(ends[1])
                out.update((first + k) % 7 for k in range((last - first) % 7 + 1))
            else:
                raise ValueError(f"call_days: {part.strip()!r} is not a day or a range; "
                                 f"{_DAYS_HELP}")
    elif isinstance(days, Iterable):
        for item in days:
            if isinstance(item, str):
                out.add(_day(item))
            elif isinstance(item, int | np.integer) and 0 <= int(item) <= 6:
                out.add(int(item))
            else:
                raise ValueError(f"call_days: {item!r} is not a day (0 = Monday … 6 = Sunday, "
                                 f"or a name); {_DAYS_HELP}")
        if not out:
            raise ValueError(f"call_days: no day given; {_DAYS_HELP}, or None for every day")
    else:
        raise ValueError(f"call_days: expected text such as 'Mon-Fri', got {days!r}")
    return None if len(out) == 7 else frozenset(out)


def _days_text(days: frozenset[int]) -> str:
    """Runs of consecutive days as ranges, wrapping over Sunday: {5, 6, 0} → "Sat-Mon"."""
    if not days:
        return ""
    start = next(d for d in range(7) if d in days and (d - 1) % 7 not in days)
    runs: list[list[int]] = []
    for k in range(7):
        d = (start + k) % 7
        if d not in days:
            continue
        if runs and (runs[-1][-1] + 1) % 7 == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(
        _DAY_NAMES[r[0]] if len(r) == 1 else f"{_DAY_NAMES[r[0]]}-{_DAY_NAMES[r[-1]]}"
        for r in sorted(runs, key=lambda r: r[0])
    )


def parse_window(
    call_window: Window | Sequence[object] = ("09:00", "20:00"), call_days: object = None
) -> Window:
    """A :class:`Window` from ``call_window=(start, end)`` and ``call_days``.

    Times are local "HH:MM" (or ``datetime.time``); the end must be after the start on the same
    day (a window cannot cross midnight; "24:00" ends it at midnight). Days: "Mon-Fri",
    "Mon,Wed,Fri", "Sat-Sun", full names, ranges that wrap ("Fri-Mon"), or an iterable of names
    or 0-6 (0 = Monday); None, or all seven days, means every day.

    Example:
        >>> parse_window(("9:00", "20:00"), "mon-fri").text
        'Mon-Fri 09:00–20:00'
        >>> parse_window(("00:00", "24:00"), "Sat,Sun").text
        'Sat-Sun 00:00–24:00'
        >>> parse_window(("21:00", "08:00"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: call_window: the end 08:00 is not after the start 21:00; a window runs ...
        >>> parse_window(("09:00", "25:00"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: call_window: '25:00' is not a time of day; write HH:MM from 00:00 to 23:59 ...
    """
    if isinstance(call_window, Window):
        if call_days is None:
            return call_window
        call_window = (call_window.start, "24:00" if call_window.end == time.max
                       else call_window.end)
    if isinstance(call_window, str | bytes) or not isinstance(call_window, Sequence) or len(
        call_window
    ) != 2:
        raise ValueError(
            f"call_window: expected (start, end) such as ('09:00', '20:00'), got {call_window!r}"
        )
    start = _parse_time(call_window[0], "start")
    end = _parse_time(call_window[1], "end")
    if end != time.max and end <= start:
        if end == start:
            raise ValueError(f"call_window: the start and the end are both {_hhmm(start)}: "
                             "the window is empty")
        raise ValueError(
            f"call_window: the end {_hhmm(end)} is not after the start {_hhmm(start)}; "
            "a window runs within one local day and cannot cross midnight"
        )
    days = _parse_days(call_days)
    hours = f"{_hhmm(start)}–{'24:00' if end == time.max else _hhmm(end)}"
    return Window(start, end, days, hours if days is None else f"{_days_text(days)} {hours}")


# --------------------------------------------------------------------------- time zones


@dataclass(frozen=True)
class _Table:
    """libphonenumber's prefix → zones map as sorted integer keys (``int(prefix) * 32 + len``)."""

    zones: tuple[tuple[str, ...], ...]
    """Every distinct zone tuple; index 0 is :data:`UNKNOWN_ZONES`."""
    ids: dict[tuple[str, ...], int]
    keys: np.ndarray
    values: np.ndarray


@functools.cache
def _table() -> _Table:
    zones: list[tuple[str, ...]] = [UNKNOWN_ZONES]
    ids: dict[tuple[str, ...], int] = {UNKNOWN_ZONES: 0}
    keys, values = [], []
    for prefix, found in TIMEZONE_DATA.items():
        found = tuple(found)
        if found not in ids:
            ids[found] = len(zones)
            zones.append(found)
        keys.append(int(prefix) * 32 + len(prefix))
        values.append(ids[found])
    order = np.argsort(keys)
    return _Table(
        tuple(zones), ids, np.asarray(keys, np.int64)[order], np.asarray(values, np.int16)[order]
    )


@functools.cache
def _key_lengths() -> dict[str, set[int]]:
    """For each 1-3 digit head, the lengths of the prefix keys starting with it."""
    out: dict[str, set[int]] = {}
    for prefix in TIMEZONE_DATA:
        for width in (1, 2, 3):
            out.setdefault(prefix[:width], set()).add(len(prefix))
    return out


def _zone_id(found: Sequence[str]) -> int:
    table = _table()
    return table.ids.get(tuple(found), 0)


_KNOWN_CC: Final = np.zeros(1000, dtype=bool)
_KNOWN_CC[list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)] = True
_POW10: Final = np.array([10**i for i in range(19)], dtype=np.int64)
_SPECIAL_TYPES: Final = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
    "voicemail",
)
_TYPE_ORDER: Final = (*_SPECIAL_TYPES, "fixed_line", "mobile")
"""``phonenumberutil._number_type_helper``'s order: the first pattern a number matches wins."""
_VALID_ORDER: Final = ("fixed_line", "mobile", *_SPECIAL_TYPES)
"""Where only validity matters: the common types first (fewer numbers left for the rest)."""


@dataclass(frozen=True)
class _Country:
    """What the per-row lookup needs about one country calling code."""

    code: str
    country_level: int
    """Zone id of ``_country_level_time_zones_for_number`` (non-geographic numbers)."""
    base: int
    """Zone id a geographic number gets when no key longer than the code matches it."""
    longer: tuple[int, ...]
    """Lengths of the prefix keys that extend the code, longest first."""
    strip_prefix: str | None
    """The parse metadata's national prefix for parsing (a regex)."""
    strip_transforms: bool
    general_pattern: str | None
    regions: tuple[tuple[Any, bool], ...]
    """(metadata, whether it is chosen by leading digits) in ``region_code_for_number`` order."""
    geo_mobile: bool


@functools.cache
def _country(cc: int) -> _Country:
    code = str(cc)
    country_level = 0
    for prefix_len in range(TIMEZONE_LONGEST_PREFIX, 0, -1):  # as phonenumbers.timezone does
        if code[: 1 + prefix_len] in TIMEZONE_DATA:
            country_level = _zone_id(TIMEZONE_DATA[code[: 1 + prefix_len]])
            break
    base = next(
        (_zone_id(TIMEZONE_DATA[code[:k]]) for k in range(len(code), 0, -1)
         if code[:k] in TIMEZONE_DATA),
        0,
    )
    longer = sorted(_key_lengths().get(code, set()) - set(range(len(code) + 1)), reverse=True)
    names = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]
    main = phonenumbers.region_code_for_country_code(cc)
    parse_md: Any = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, main)
    npp = parse_md.national_prefix_for_parsing if parse_md is not None else None
    general = parse_md.general_desc.national_number_pattern if parse_md is not None else None
    regions: list[tuple[Any, bool]] = []
    if len(names) == 1:
        md = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, names[0])
        if md is not None:
            regions.append((md, False))
    else:
        for name in names:
            md = phonenumbers.PhoneMetadata.metadata_for_region(name, None)
            if md is not None:
                regions.append((md, md.leading_digits is not None))
    return _Country(
        code=code,
        country_level=country_level,
        base=base,
        longer=tuple(longer),
        strip_prefix=npp or None,
        strip_transforms=bool(parse_md is not None and parse_md.national_prefix_transform_rule),
        general_pattern=general or None,
        regions=tuple(regions),
        geo_mobile=phonenumbers.is_number_type_geographical(
            phonenumbers.PhoneNumberType.MOBILE, cc
        ),
    )


def _bools(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _full_match(texts: pa.Array, pattern: str | None, head: str = "") -> np.ndarray:
    """Whether each text is ``head`` followed by a full match of ``pattern`` (RE2)."""
    if not pattern or not len(texts):
        return np.zeros(len(texts), dtype=bool)
    return _bools(pc.match_substring_regex(texts, f"^{head}(?:{pattern})$"))


def _lengths_in(lengths: np.ndarray, allowed: Sequence[int]) -> np.ndarray:
    table = np.zeros(32, dtype=bool)
    table[[k for k in allowed if 0 <= k < 32]] = True
    return table[np.minimum(lengths, 31)]


def _matches(texts: pa.Array, lengths: np.ndarray, desc: Any, head: str) -> np.ndarray:
    """``phonenumberutil._is_number_matching_desc`` for each number (``head`` + its NSN).

    ``lengths`` are the national significant numbers' lengths.
    """
    out = np.zeros(len(texts), dtype=bool)
    if desc is None or not desc.national_number_pattern or not len(texts):
        return out
    if desc.possible_length:
        rows = np.flatnonzero(_lengths_in(lengths, desc.possible_length))
        if len(rows) < len(texts):
            if len(rows):
                out[rows] = _full_match(
                    texts.take(pa.array(rows)), desc.national_number_pattern, head
                )
            return out
    return _full_match(texts, desc.national_number_pattern, head)


_UNKNOWN_KIND, _GEO, _NON_GEO = 0, 1, 2


def _kinds(md: Any, texts: pa.Array, lengths: np.ndarray, need: np.ndarray, info: _Country
           ) -> np.ndarray:
    """Per number: 0 invalid, 1 geographic, 2 valid but not geographic (``number_type``).

    Where ``need`` is False only validity counts (both kinds get the same zones there), so the
    common patterns are tried first.
    """
    out = np.zeros(len(texts), dtype=np.int8)
    valid = _matches(texts, lengths, md.general_desc, info.code)
    for subset, order in ((valid & need, _TYPE_ORDER), (valid & ~need, _VALID_ORDER)):
        left = np.flatnonzero(subset)
        for name in order:
            if not len(left):
                break
            if name == "mobile" and md.same_mobile_and_fixed_line_pattern:
                continue
            sub = texts if len(left) == len(texts) else texts.take(pa.array(left))
            hit = _matches(sub, lengths[left], getattr(md, name), info.code)
            geo = name == "fixed_line" or (name == "mobile" and info.geo_mobile)
            out[left[hit]] = _GEO if geo else _NON_GEO
            left = left[~hit]
    return out


def _slow_rows(info: _Country, texts: pa.Array, nsn_len: np.ndarray) -> np.ndarray:
    """Rows ``phonenumbers.parse`` reads differently: it strips a national prefix from them.

    parse("+" + digits) drops a national prefix after the country code when the number is not
    viable as it is, or still is without it ("+7 8…" keeps its 8: Russian numbers start so).
    Those rows take the per-number road; they are few.
    """
    slow = nsn_len < 2
    npp = info.strip_prefix
    if npp is None:
        return slow
    code = info.code
    if npp.isdigit():  # a plain prefix such as "0", "1" or "8": exact, and fast
        changed = np.flatnonzero(_bools(pc.starts_with(texts, code + npp)))
        if len(changed) and info.strip_transforms:
            slow[changed] = True
        elif len(changed):
            sub = texts.take(pa.array(changed))
            kept = _full_match(sub, info.general_pattern, code) & ~_full_match(
                sub, info.general_pattern, code + npp
            )
            slow[changed[~kept]] = True
        return slow
    nsn = pc.utf8_slice_codeunits(texts, len(code))
    stripped = pc.replace_substring_regex(nsn, f"^(?:{npp})", "", max_replacements=1)
    changed = np.flatnonzero(pc.binary_length(stripped).to_numpy() < nsn_len)
    if len(changed):
        if info.strip_transforms:
            slow[changed] = True
        else:
            take = pa.array(changed)
            kept = _full_match(nsn.take(take), info.general_pattern) & ~_full_match(
                stripped.take(take), info.general_pattern
            )
            slow[changed[~kept]] = True
    return slow


def _one_country(info: _Country, texts: pa.Array, values: np.ndarray, lengths: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Zone ids of numbers of one country code; and which rows need the per-number road."""
    table = _table()
    n = len(texts)
    nsn_len = lengths - len(info.code)
    slow = _slow_rows(info, texts, nsn_len)
    geo = np.full(n, info.base, dtype=np.int16)
    if info.longer:  # the longest prefix key (of phonenumbers' tz map) each number starts with
        found = np.zeros(n, dtype=bool)
        for length in info.longer:
            eff = np.minimum(length, lengths)
            key = (values // _POW10[lengths - eff]) * 32 + eff
            pos = np.minimum(np.searchsorted(table.keys, key), len(table.keys) - 1)
            hit = (table.keys[pos] == key) & ~found
            geo[hit] = table.values[pos[hit]]
            found |= hit
    need = geo != info.country_level
    kind = np.zeros(n, dtype=np.int8)
    left = np.flatnonzero(~slow)
    for md, by_leading_digits in info.regions:  # phonenumbers.region_code_for_number
        if not len(left):
            break
        sub = texts if len(left) == n else texts.take(pa.array(left))
        if by_leading_digits:
            mine = _bools(pc.match_substring_regex(sub, f"^{info.code}(?:{md.leading_digits})"))
            rows = left[mine]
            kind[rows] = _kinds(md, sub.filter(pa.array(mine)), nsn_len[rows], need[rows], info)
        else:
            got = _kinds(md, sub, nsn_len[left], need[left], info)
            mine = got != _UNKNOWN_KIND
            kind[left[mine]] = got[mine]
        left = left[~mine]
    zone = np.where(kind == _GEO, geo, np.int16(info.country_level)).astype(np.int16)
    zone[kind == _UNKNOWN_KIND] = 0
    return zone, slow


def _per_number(text: str) -> tuple[int, int]:
    """(zone id, country code) the way a single-number caller gets them from phonenumbers."""
    try:
        number = phonenumbers.parse(text if text.startswith("+") else "+" + text)
    except phonenumbers.NumberParseException:
        return 0, 0
    return _zone_id(time_zones_for_number(number)), int(number.country_code or 0)


def _texts(numbers: object) -> pa.Array:
    """The numbers as a pyarrow large_string array (missing values are nulls)."""
    if isinstance(numbers, pa.ChunkedArray):
        numbers = numbers.combine_chunks()
    if isinstance(numbers, pa.Array):
        arr = numbers
    elif isinstance(numbers, pd.Series | pd.Index):
        values: Any = numbers.array
        try:
            arr = pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([None if pd.isna(v) else str(v) for v in values], pa.large_string())
    else:
        items = numbers if isinstance(numbers, np.ndarray) else list(numbers)  # type: ignore[call-overload]
        try:
            arr = pa.array(items, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            arr = pa.array([None if v is None or v != v else str(v) for v in items],
                           pa.large_string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        if pa.types.is_null(arr.type):
            return pa.nulls(len(arr), pa.large_string())
        if not (pa.types.is_integer(arr.type)):
            raise TypeError(f"numbers: expected text (digits such as '918563214120'), got "
                            f"{arr.type}")
    return pc.cast(arr, pa.large_string())


def _locate(numbers: object) -> tuple[np.ndarray, np.ndarray]:
    """(global zone id, country code) per row; id 0 is :data:`UNKNOWN_ZONES`."""
    texts = _texts(numbers)
    n = len(texts)
    zone = np.zeros(n, dtype=np.int16)
    country = np.zeros(n, dtype=np.int16)
    if not n:
        return zone, country
    size = pc.fill_null(pc.binary_length(texts), 0).to_numpy()
    fast = (  # 4-17 ASCII digits, no leading 0: the integer road
        _bools(pc.ascii_is_decimal(texts))
        & ~_bools(pc.starts_with(texts, "0"))
        & (size >= 4)
        & (size <= 17)
    )
    slow = np.flatnonzero(~fast & _bools(pc.is_valid(texts)))
    rows = np.flatnonzero(fast)
    if len(rows):
        sub = texts if len(rows) == n else texts.take(pa.array(rows))
        values = pc.cast(sub, pa.int64()).to_numpy()
        lengths = pc.binary_length(sub).to_numpy().astype(np.int64)
        cc = np.zeros(len(rows), dtype=np.int64)
        for width in (1, 2, 3):
            head = values // _POW10[lengths - width]
            cc = np.where((cc == 0) & _KNOWN_CC[head], head, cc)
        country[rows] = cc
        order = np.argsort(cc, kind="stable")
        codes, starts = np.unique(cc[order], return_index=True)
        slow_parts = [slow]
        for code, part in zip(codes.tolist(), np.split(order, starts[1:]), strict=True):
            if not code:
                continue  # no country code: phonenumbers cannot parse it either
            if len(part) == len(rows):
                part = np.arange(len(rows))  # one country code: no copy
                part_texts = sub
            else:
                part_texts = sub.take(pa.array(part))
            got, slow_rows = _one_country(
                _country(code), part_texts, values[part], lengths[part]
            )
            zone[rows[part]] = got
            slow_parts.append(rows[part[slow_rows]])
        slow = np.concatenate(slow_parts)
    if len(slow):  # odd values: one phonenumbers call per distinct value
        odd = texts.take(pa.array(slow)).to_pylist()
        seen: dict[str, tuple[int, int]] = {}
        for i, text in zip(slow.tolist(), odd, strict=True):
            found = seen.get(text)
            if found is None:
                found = seen[text] = _per_number(text)
            zone[i], country[i] = found
    return zone, country


def time_zones(numbers: object) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """libphonenumber's time zones of each number, for a whole column at once.

    ``numbers`` are digit strings, country code first, no '+' (what :func:`prepare` gives), as a
    Series, an array, a list or a pyarrow array. Returns ``(codes, zones)``: per row an index
    into ``zones``, the distinct zone tuples found. Each tuple is exactly what
    ``phonenumbers.timezone.time_zones_for_number(phonenumbers.parse("+" + number))`` gives
    (``("Etc/Unknown",)`` for a number it cannot place, or a missing value).

    Example:
        >>> codes, zones = time_zones(["918563214120", "12125550123", "917000000000", None])
        >>> [zones[c] for c in codes]
        [('Asia/Calcutta',), ('America/New_York',), ('Asia/Calcutta',), ('Etc/Unknown',)]
    """
    ids, _ = _locate(numbers)
    return _compact(ids)


def _compact(ids: np.ndarray) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    table = _table()
    present = np.zeros(len(table.zones), dtype=bool)
    present[ids] = True
    used = np.flatnonzero(present)
    remap = np.full(len(table.zones), -1, dtype=np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    return remap[ids], [table.zones[i] for i in used.tolist()]


# --------------------------------------------------------------------------- local time


@functools.lru_cache(maxsize=4096)
def _transitions(name: str, start: datetime, stop: datetime) -> tuple[datetime, ...]:
    """UTC instants in ``(start, stop]`` at which the zone's UTC offset changes (to the second)."""
    zone = ZoneInfo(name)
    step = timedelta(hours=1)
    found: list[datetime] = []
    t, offset = start, start.astimezone(zone).utcoffset()
    while t < stop:
        nxt = min(t + step, stop)
        new = nxt.astimezone(zone).utcoffset()
        if new != offset:
            lo, hi = t, nxt  # offset(lo) is the old one, offset(hi) the new one
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == offset:
                    lo = mid
                else:
                    hi = mid
            found.append(hi.replace(microsecond=0) if hi.microsecond else hi)
            offset = new
        t = nxt
    return tuple(found)


@dataclass(frozen=True)
class _Outcome:
    open: bool
    reason: str | None
    opens_at: datetime | None
    named: str | None
    """The zone the reason names (the one that is outside now and opens last)."""
    opens_local: datetime | None
    """``opens_at`` on the wall clock of ``named`` (naive)."""


def _next_opening(zones: Sequence[ZoneInfo], window: Window, at: datetime
                  ) -> tuple[datetime, int] | None:
    """The first instant in ``(at, at + HORIZON]`` when the window is open in all ``zones``.

    The set of instants when a zone is open starts either where its wall clock reads the start
    (once or twice: DST folds) or at an offset change (the clock jumps into the window); the
    first common open instant starts one of the zones' open spans, so those candidates are
    checked in time order. Returns (instant, index of the zone that opened then).
    """
    stop = at + HORIZON
    candidates: set[tuple[datetime, int]] = set()
    for i, zone in enumerate(zones):
        today = at.astimezone(zone).date()
        for k in range(-1, HORIZON.days + 2):
            day = today + timedelta(days=k)
            if window.days is not None and day.weekday() not in window.days:
                continue
            for fold in (0, 1):
                local = datetime.combine(day, window.start, tzinfo=zone).replace(fold=fold)
                t = local.astimezone(UTC)
                if at < t <= stop:
                    candidates.add((t, i))
        key = getattr(zone, "key", None)
        if key:
            for t in _transitions(key, at, stop):
                candidates.add((t, i))
    for t, i in sorted(candidates, key=lambda c: (c[0], -c[1])):
        if all(window.is_open(t.astimezone(z).replace(tzinfo=None)) for z in zones):
            return t, i
    return None


def _evaluate(names: tuple[str, ...], window: Window, at: datetime, default: bool) -> _Outcome:
    """Open now, or why not and when, for one set of zones (all rows that share it)."""
    zones = [ZoneInfo(name) for name in names]
    local_now = [at.astimezone(z).replace(tzinfo=None) for z in zones]
    inside = [window.is_open(t) for t in local_now]
    if all(inside):
        return _Outcome(True, None, at, None, None)
    nxt = _next_opening(zones, window, at)
    named = inside.index(False)
    if nxt is not None and not inside[nxt[1]]:
        named = nxt[1]  # the zone that opens last, when it is one that is closed now
    label = _label(names[named])
    if len(names) > 1:
        others = len(names) - 1
        label += f" and {others} other zone{'s' if others > 1 else ''}"
    if default:
        label += ", default_timezone"
    now = local_now[named]
    if window.days is None:
        head = f"{now:%H:%M} local ({label}); window {window.hours}"
    else:
        day = _DAY_NAMES[now.weekday()]
        head = f"{day} {now:%H:%M} local ({label}); calls {window.days_text} {window.hours}"
    if nxt is None:
        tail = (f"not open in all {len(names)} zones at once within {HORIZON.days} days"
                if len(names) > 1 else f"not open within {HORIZON.days} days")
        return _Outcome(False, f"{head}; {tail}", None, names[named], None)
    opens_local = nxt[0].astimezone(zones[named]).replace(tzinfo=None)
    reason = f"{head}; opens {opens_local:%Y-%m-%d %H:%M} local"
    return _Outcome(False, reason, nxt[0], names[named], opens_local)


def _unknown_reason(cc: int) -> str:
    where = f" for +{cc}…" if cc else ""
    return f"no time zone known{where}: pass default_timezone"


def _check_at(at: object) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if not isinstance(at, datetime):
        raise TypeError(f"at: expected a timezone-aware datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            f"at: {at.isoformat(sep=' ')} has no time zone, so the moment is ambiguous; pass an "
            "aware datetime such as datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)"
        )
    out = at.astimezone(UTC)
    return datetime(out.year, out.month, out.day, out.hour, out.minute, out.second,
                    out.microsecond, tzinfo=UTC)  # a plain datetime, even from a Timestamp


def check_timezone(default_timezone: object) -> str | None:
    if default_timezone is None:
        return None
    if isinstance(default_timezone, ZoneInfo):
        return str(default_timezone.key)
    if isinstance(default_timezone, str) and default_timezone.strip() and (
        default_timezone.strip() != UNKNOWN_ZONES[0]
    ):
        name = default_timezone.strip()
        try:
            ZoneInfo(name)
        except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
            pass
        else:
            return name
    raise ValueError(
        f"default_timezone: {default_timezone!r} is not a time zone; give an IANA name such as "
        "'Asia/Kolkata' or 'America/New_York'"
    )


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False, repr=False)
class HoursResult:
    """The window checked for every row (same order as the numbers given).

    * ``open``: bool per row, True when the number may be called at ``at``;
    * ``reason``: None when open, else a sentence a person reads;
    * ``opens_at``: UTC instant the window opens for the number (``at`` itself when open now;
      NaT when no zone is known or it does not open within :data:`HORIZON`);
    * ``zone``: the zone(s) used ("Asia/Kolkata", "America/Boise, America/Los_Angeles", None
      when unknown);
    * ``groups``: one row per distinct set of zones (and country code, for unknown zones) with
      the same columns, ``time_zone`` (the zone the reason names), ``opens_local`` and ``rows``;
      ``group``: each row's index into it.
    """

    at: datetime
    window: Window
    open: np.ndarray
    reason: np.ndarray
    opens_at: pd.DatetimeIndex
    zone: np.ndarray
    group: np.ndarray
    groups: pd.DataFrame

    def __len__(self) -> int:
        return len(self.open)

    @property
    def deferred(self) -> int:
        """How many rows may not be called at ``at``."""
        return int(len(self.open) - np.count_nonzero(self.open))

    def to_frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        """The per-row results as columns ``open``, ``opens_at``, ``reason``, ``zone``."""
        return pd.DataFrame(
            {"open": self.open, "opens_at": self.opens_at, "reason": self.reason,
             "zone": self.zone},
            index=index,
        )

    def __repr__(self) -> str:
        unknown = int(self.groups.loc[self.groups["opens_at"].isna() & ~self.groups["open"],
                                      "rows"].sum())
        return (
            f"<HoursResult at {self.at:%Y-%m-%d %H:%M} UTC, window {self.window.text}: "
            f"{len(self) - self.deferred:,} of {len(self):,} open now, {self.deferred:,} deferred"
            + (f" ({unknown:,} with no opening known)" if unknown else "") + ">"
        )


def check_window(
    numbers: object,
    window: Window | Sequence[object] = DEFAULT_WINDOW,
    at: datetime | None = None,
    default_timezone: str | None = None,
) -> HoursResult:
    """Which numbers are inside the calling window now (``at``), and when the others open.

    ``numbers``: digit strings as :func:`time_zones` takes them. ``window``: a :class:`Window`
    (see :func:`parse_window`) or ``(start, end)``. ``at``: the timezone-aware moment the send
    is planned for (naive datetimes are refused); default now. ``default_timezone``: an IANA
    name used for numbers libphonenumber cannot place; without it they are deferred.

    Example:
        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 11, 28, 15, 0, tzinfo=timezone.utc)  # a Saturday
        >>> r = check_window(["12125550123", "999"], parse_window(("09:00", "20:00"), "Mon-Fri"),
        ...                  at=at)
        >>> r.reason.tolist()  # doctest: +NORMALIZE_WHITESPACE
        ['Sat 10:00 local (America/New_York); calls Mon-Fri 09:00–20:00;
          opens 2026-11-30 09:00 local', 'no time zone known: pass default_timezone']
        >>> check_window(["999"], at=at, default_timezone="Europe/Paris").open.tolist()
        [True]
    """
    if not isinstance(window, Window):
        window = parse_window(window)
    when = _check_at(at)
    default = check_timezone(default_timezone)
    ids, country = _locate(numbers)
    table = _table()
    # a group per zone set; rows of unknown zone are grouped by country code (their reason)
    unknown = ids == 0
    key = ids.astype(np.int64) * 1000
    if default is None:
        key[unknown] += country[unknown]
    present = np.zeros(len(table.zones) * 1000, dtype=bool)
    present[key] = True
    keys = np.flatnonzero(present)
    remap = np.zeros(len(present), dtype=np.int32)
    remap[keys] = np.arange(len(keys), dtype=np.int32)
    group = remap[key]
    counts = np.bincount(group, minlength=len(keys))

    m = len(keys)
    open_g = np.zeros(m, dtype=bool)
    reason_g = np.full(m, None, dtype=object)
    zone_g = np.full(m, None, dtype=object)
    named_g = np.full(m, None, dtype=object)
    opens_g = np.full(m, np.datetime64("NaT", "ns"))
    local_g = np.full(m, np.datetime64("NaT", "ns"))
    for i, k in enumerate(keys.tolist()):
        zone_id, cc = divmod(k, 1000)
        if zone_id == 0 and default is None:
            reason_g[i] = _unknown_reason(cc)
            continue
        names = (default,) if zone_id == 0 and default is not None else table.zones[zone_id]
        got = _evaluate(names, window, when, zone_id == 0)
        labels = [_label(z) for z in names]
        zone_g[i] = ", ".join(labels) if len(labels) <= 4 else (
            f"{', '.join(labels[:3])}… ({len(labels)} zones)")
        open_g[i], reason_g[i] = got.open, got.reason
        named_g[i] = _label(got.named) if got.named else None
        if got.opens_at is not None:
            opens_g[i] = np.datetime64(got.opens_at.replace(tzinfo=None), "ns")
        if got.opens_local is not None:
            local_g[i] = np.datetime64(got.opens_local, "ns")
    groups = pd.DataFrame({
        "zone": pd.Series(zone_g, dtype=object),
        "time_zone": pd.Series(named_g, dtype=object),
        "open": open_g,
        "opens_at": pd.DatetimeIndex(opens_g).tz_localize(UTC),
        "opens_local": pd.DatetimeIndex(local_g),
        "reason": pd.Series(reason_g, dtype=object),
        "rows": counts.astype(np.int64),
    })
    return HoursResult(
        at=when,
        window=window,
        open=open_g[group],
        reason=reason_g[group],
        opens_at=pd.DatetimeIndex(opens_g[group]).tz_localize(UTC),
        zone=zone_g[group],
        group=group,
        groups=groups,
    )


def schedule(
    result: HoursResult, numbers: Sized | None = None, *, by: Literal["utc", "zone"] = "utc"
) -> pd.DataFrame:
    """When the deferred rows open: rows per hour, in UTC or per zone in local time.

    ``numbers`` (optional) are the numbers ``result`` was computed for; everything needed is
    in ``result``, so they are only checked to be as many.

    ``by="utc"``: columns ``opens_utc`` (the hour, UTC), ``rows`` (deferred rows whose window
    opens in that hour) and ``cumulative``. ``by="zone"``: ``time_zone`` (for a number with
    several zones, the one that opens last), ``opens_local`` (the hour on that zone's clock),
    ``opens_utc`` and ``rows``. Rows that never open (no zone known, no common hour within
    :data:`HORIZON`) come last, with NaT. ``rows`` sums to ``result.deferred``.

    Example:
        >>> from datetime import datetime, timezone
        >>> at = datetime(2026, 11, 27, 16, 0, tzinfo=timezone.utc)
        >>> r = check_window(["918563214120", "918563214121", "61298765432", "999"], at=at)
        >>> schedule(r)
                          opens_utc  rows  cumulative
        0 2026-11-27 22:00:00+00:00     1           1
        1 2026-11-28 03:00:00+00:00     2           3
        2                       NaT     1           4
        >>> schedule(r, by="zone")
                  time_zone         opens_local                 opens_utc  rows
        0  Australia/Sydney 2026-11-28 09:00:00 2026-11-27 22:00:00+00:00     1
        1      Asia/Kolkata 2026-11-28 09:00:00 2026-11-28 03:00:00+00:00     2
        2              None                 NaT                       NaT     1
    """
    if numbers is not None and len(numbers) != len(result):
        raise ValueError(f"schedule: {len(numbers):,} numbers for a result of {len(result):,} rows")
    g = result.groups.loc[~result.groups["open"]]
    hour = g["opens_at"].dt.floor("h")
    if by == "utc":
        out = (
            pd.DataFrame({"opens_utc": hour, "rows": g["rows"]})
            .groupby("opens_utc", dropna=False, sort=True)["rows"].sum()
            .reset_index()
        )
        out["rows"] = out["rows"].astype(np.int64)
        out["cumulative"] = out["rows"].cumsum()
        return out
    if by == "zone":
        frame = pd.DataFrame({
            "time_zone": g["time_zone"],
            "opens_local": g["opens_local"].dt.floor("h"),
            "opens_utc": hour,
            "rows": g["rows"],
        })
        out = (
            frame.groupby(["opens_utc", "time_zone", "opens_local"], dropna=False, sort=True)[
                "rows"].sum().reset_index()
        )
        out = out[["time_zone", "opens_local", "opens_utc", "rows"]]
        out["rows"] = out["rows"].astype(np.int64)
        out["time_zone"] = out["time_zone"].astype(object).where(out["time_zone"].notna(), None)
        return out.reset_index(drop=True)
    raise ValueError(f"by: {by!r}; expected 'utc' or 'zone'")

