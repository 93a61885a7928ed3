"""Tests for itnivoice_nb._hours: calling hours in each recipient's local time.

Fixed instants (``at=``) in November 2026 unless a test is about DST: 2026-11-27 is a Friday.
India is UTC+05:30 all year; New York is UTC-05:00 in winter, UTC-04:00 in summer (2026: from
8 March to 1 November).
"""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pytest
from phonenumbers.timezone import time_zones_for_number

from itnivoice_nb._hours import (
    DEFAULT_WINDOW,
    HORIZON,
    Window,
    check_window,
    parse_window,
    schedule,
    time_zones,
)

IN = "918563214120"  # Asia/Kolkata (phonenumbers: Asia/Calcutta)
NY = "12125550123"  # America/New_York
NV = "17752345678"  # area code 775: America/Boise and America/Los_Angeles
ZONELESS = "80012345678"  # +800 (international freephone): valid, no time zone
INVALID_IN = "9112345"  # not a valid Indian number: libphonenumber gives no zone
WEEKDAYS = parse_window(("09:00", "20:00"), "Mon-Fri")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def one(number: str, at: datetime, window: Window = DEFAULT_WINDOW, **kw: object
        ) -> tuple[bool, str | None, pd.Timestamp]:
    r = check_window([number], window, at=at, **kw)  # type: ignore[arg-type]
    return bool(r.open[0]), r.reason[0], r.opens_at[0]


def per_row(number: str | None) -> tuple[str, ...]:
    """What a caller gets from phonenumbers one number at a time."""
    if number is None:
        return ("Etc/Unknown",)
    try:
        parsed = phonenumbers.parse(number if number.startswith("+") else "+" + number)
    except phonenumbers.NumberParseException:
        return ("Etc/Unknown",)
    return tuple(time_zones_for_number(parsed))


# --------------------------------------------------------------------------- the window


def test_parse_window_texts_and_defaults() -> None:
    w = parse_window()
    assert w == DEFAULT_WINDOW
    assert (w.start, w.end, w.days, w.text) == (time(9), time(20), None, "09:00–20:00")
    assert parse_window(("9:00", "17:30"), "mon-fri").text == "Mon-Fri 09:00–17:30"
    assert parse_window((time(8), time(12, 15))).text == "08:00–12:15"
    day_long = parse_window(("00:00", "24:00"), "Sat,Sun")
    assert day_long.end == time.max and day_long.text == "Sat-Sun 00:00–24:00"
    assert day_long.is_open(datetime(2026, 11, 28, 23, 59, 59))
    assert parse_window(parse_window(("08:00", "18:00")), "Sat").text == "Sat 08:00–18:00"


@pytest.mark.parametrize(
    ("days", "expected", "text"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}, "Mon-Fri"),
        ("Mon,Wed,Fri", {0, 2, 4}, "Mon,Wed,Fri"),
        ("Sat-Sun", {5, 6}, "Sat-Sun"),
        ("sat - sun", {5, 6}, "Sat-Sun"),
        ("Fri-Mon", {4, 5, 6, 0}, "Fri-Mon"),
        ("Monday–Wednesday, Saturday", {0, 1, 2, 5}, "Mon-Wed,Sat"),
        (["Tue", 3], {1, 3}, "Tue,Thu"),
        ("Sun", {6}, "Sun"),
    ],
)
def test_call_days_forms(days: object, expected: set[int], text: str) -> None:
    w = parse_window(("09:00", "20:00"), days)
    assert w.days == frozenset(expected)
    assert w.days_text == text and w.text == f"{text} 09:00–20:00"


def test_every_day_is_no_restriction() -> None:
    assert parse_window(("09:00", "20:00"), "Mon-Sun").days is None
    assert parse_window(("09:00", "20:00"), range(7)).days is None


@pytest.mark.parametrize(
    ("window", "days", "message"),
    [
        (("25:00", "26:00"), None, "'25:00' is not a time of day; write HH:MM"),
        (("09:00", "9pm"), None, "'9pm' is not a time of day"),
        (("09:60", "20:00"), None, "'09:60' is not a time of day"),
        (("24:00", "24:00"), None, "'24:00' is not a time of day"),
        (("21:00", "08:00"), None,
         "the end 08:00 is not after the start 21:00; a window runs within one local day and "
         "cannot cross midnight"),
        (("09:00", "09:00"), None, "the start and the end are both 09:00: the window is empty"),
        (("09:00",), None, "expected (start, end) such as ('09:00', '20:00')"),
        ("09:00-20:00", None, "expected (start, end) such as ('09:00', '20:00')"),
        ((9, 20), None, "the start must be a time such as '09:00', got 9"),
        ((time(9, 0, 30), time(20)), None, "is not on a whole minute"),
        (("09:00", "20:00"), "Mo-Fr", "call_days: 'Mo' is not a day; write e.g. 'Mon-Fri'"),
        (("09:00", "20:00"), "", "call_days: '' names no day"),
        (("09:00", "20:00"), "Mon,,Fri", "names no day"),
        (("09:00", "20:00"), "Mon-Wed-Fri", "'Mon-Wed-Fri' is not a day or a range"),
        (("09:00", "20:00"), [], "call_days: no day given"),
        (("09:00", "20:00"), [7], "call_days: 7 is not a day (0 = Monday … 6 = Sunday"),
        (("09:00", "20:00"), 5, "call_days: expected text such as 'Mon-Fri', got 5"),
    ],
)
def test_bad_windows_give_clear_errors(window: object, days: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_window(window, days)  # type: ignore[arg-type]


def test_at_must_be_aware_and_default_timezone_real() -> None:
    with pytest.raises(ValueError, match=r"at: 2026-11-27 16:00:00 has no time zone"):
        check_window([IN], at=datetime(2026, 11, 27, 16))
    with pytest.raises(TypeError, match="at: expected a timezone-aware datetime, got str"):
        check_window([IN], at="2026-11-27 16:00")  # type: ignore[arg-type]
    for bad in ("Mars/Olympus", "", "Etc/Unknown", 5):
        with pytest.raises(ValueError, match="default_timezone: .* is not a time zone; give an"):
            check_window([IN], at=utc(2026, 11, 27, 16), default_timezone=bad)  # type: ignore[arg-type]
    # an aware datetime in any zone, or a pandas Timestamp, is the same moment
    kolkata = datetime(2026, 11, 27, 21, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert check_window([IN], at=kolkata).at == utc(2026, 11, 27, 16)
    assert check_window([IN], at=pd.Timestamp("2026-11-27 16:00", tz="UTC")).at == utc(
        2026, 11, 27, 16
    )


# --------------------------------------------------------------------------- local time


def test_india_outside_and_inside_the_window() -> None:
    ok, why, opens = one(IN, utc(2026, 11, 27, 16))  # 21:30 in India
    assert not ok
    assert why == "21:30 local (Asia/Kolkata); window 09:00–20:00; opens 2026-11-28 09:00 local"
    assert opens == pd.Timestamp("2026-11-28 03:30", tz="UTC")
    ok, why, opens = one(IN, utc(2026, 11, 28, 2, 0))  # 07:30 in India, the same night
    assert why == "07:30 local (Asia/Kolkata); window 09:00–20:00; opens 2026-11-28 09:00 local"
    assert (ok, opens) == (False, pd.Timestamp("2026-11-28 03:30", tz="UTC"))
    at = utc(2026, 11, 27, 5)  # 10:30 in India
    assert one(IN, at) == (True, None, pd.Timestamp(at))


def test_new_york_outside_and_inside_the_window() -> None:
    at = utc(2026, 11, 27, 16)  # 11:00 in New York
    assert one(NY, at) == (True, None, pd.Timestamp(at))
    ok, why, opens = one(NY, utc(2026, 11, 27, 1, 30))  # 20:30 on the 26th in New York
    assert not ok
    assert why == (
        "20:30 local (America/New_York); window 09:00–20:00; opens 2026-11-27 09:00 local"
    )
    assert opens == pd.Timestamp("2026-11-27 14:00", tz="UTC")
    # the end is excluded, the start included
    assert one(NY, utc(2026, 11, 28, 1, 0))[0] is False  # 20:00
    assert one(NY, utc(2026, 11, 28, 0, 59))[0] is True  # 19:59
    assert one(NY, utc(2026, 11, 27, 14, 0))[0] is True  # 09:00


def test_call_days_in_local_days() -> None:
    ok, why, opens = one(NY, utc(2026, 11, 28, 15), WEEKDAYS)  # Saturday 10:00 in New York
    assert not ok
    assert why == (
        "Sat 10:00 local (America/New_York); calls Mon-Fri 09:00–20:00; "
        "opens 2026-11-30 09:00 local"
    )
    assert opens == pd.Timestamp("2026-11-30 14:00", tz="UTC")
    # Friday 19:00 in New York is already Saturday in UTC: the local day decides
    assert one(NY, utc(2026, 11, 28, 0), WEEKDAYS)[0] is True
    # Saturday 00:30 in India is still Friday in UTC: closed in India
    ok, why, _ = one(IN, utc(2026, 11, 27, 19), WEEKDAYS)
    assert not ok and why is not None and why.startswith("Sat 00:30 local (Asia/Kolkata); calls")
    assert why.endswith("opens 2026-11-30 09:00 local")


def test_dst_new_york_summer_and_winter() -> None:
    # 13:30 UTC is 09:30 in July (UTC-4) and 08:30 in January (UTC-5)
    assert one(NY, utc(2026, 7, 15, 13, 30))[0] is True
    ok, why, opens = one(NY, utc(2026, 1, 15, 13, 30))
    assert not ok
    assert why == (
        "08:30 local (America/New_York); window 09:00–20:00; opens 2026-01-15 09:00 local"
    )
    assert opens == pd.Timestamp("2026-01-15 14:00", tz="UTC")
    # 23:30 UTC is 19:30 in July (open) and 18:30 in January (open); 00:30 UTC: 20:30 / 19:30
    assert one(NY, utc(2026, 7, 16, 0, 30))[0] is False
    assert one(NY, utc(2026, 1, 16, 0, 30))[0] is True


def test_opens_at_across_a_dst_change() -> None:
    # Saturday 7 March 2026, 23:00 EST; clocks go forward on Sunday 8 March at 02:00
    ok, why, opens = one(NY, utc(2026, 3, 8, 4))
    assert not ok and why is not None and why.endswith("opens 2026-03-08 09:00 local")
    assert opens == pd.Timestamp("2026-03-08 13:00", tz="UTC")  # 09:00 EDT, not 14:00
    # and back on Sunday 1 November 2026
    ok, why, opens = one(NY, utc(2026, 11, 1, 3))  # 23:00 EDT on 31 October
    assert opens == pd.Timestamp("2026-11-01 14:00", tz="UTC")  # 09:00 EST


def test_window_starting_in_the_spring_gap_or_autumn_fold() -> None:
    # 02:30 does not exist on 8 March 2026 in New York: the window opens when clocks jump to 03:00
    early = parse_window(("02:30", "20:00"))
    ok, why, opens = one(NY, utc(2026, 3, 8, 6), early)  # 01:00 EST
    assert not ok
    assert opens == pd.Timestamp("2026-03-08 07:00", tz="UTC")
    assert why is not None and why.endswith("opens 2026-03-08 03:00 local")
    # 01:30 happens twice on 1 November 2026: the window opens the first time
    night = parse_window(("01:30", "20:00"))
    ok, _, opens = one(NY, utc(2026, 11, 1, 5), night)  # 01:00 EDT
    assert not ok and opens == pd.Timestamp("2026-11-01 05:30", tz="UTC")
    # a window that ends inside the repeated hour reopens when the clock goes back
    fold = parse_window(("00:30", "01:30"))
    ok, _, opens = one(NY, utc(2026, 11, 1, 5, 45), fold)  # 01:45 EDT: closed
    assert not ok and opens == pd.Timestamp("2026-11-01 06:00", tz="UTC")  # 01:00 EST


def test_several_zones_must_all_be_open() -> None:
    # +1 775: America/Boise (UTC-7) and America/Los_Angeles (UTC-8) in November
    assert per_row(NV) == ("America/Boise", "America/Los_Angeles")
    ok, why, opens = one(NV, utc(2026, 11, 27, 16, 30))  # Boise 09:30, Los Angeles 08:30
    assert not ok
    assert why == (
        "08:30 local (America/Los_Angeles and 1 other zone); window 09:00–20:00; "
        "opens 2026-11-27 09:00 local"
    )
    assert opens == pd.Timestamp("2026-11-27 17:00", tz="UTC")
    assert one(NV, utc(2026, 11, 27, 17))[0] is True  # Boise 10:00, Los Angeles 09:00
    ok, why, opens = one(NV, utc(2026, 11, 28, 3, 30))  # Boise 20:30, Los Angeles 19:30
    assert not ok
    assert why == (
        "20:30 local (America/Boise and 1 other zone); window 09:00–20:00; "
        "opens 2026-11-28 10:00 local"
    )
    assert opens == pd.Timestamp("2026-11-28 17:00", tz="UTC")
    r = check_window([NV], at=utc(2026, 11, 27, 17))
    assert r.zone[0] == "America/Boise, America/Los_Angeles"


def test_country_wide_zones_with_no_common_hour() -> None:
    # a Jamaican mobile: libphonenumber gives every zone of +1 (Guam to Newfoundland)
    jamaica = phonenumbers.example_number_for_type("JM", phonenumbers.PhoneNumberType.MOBILE)
    assert jamaica is not None
    digits = phonenumbers.format_number(jamaica, phonenumbers.PhoneNumberFormat.E164)[1:]
    zones = per_row(digits)
    assert len(zones) > 40
    r = check_window([digits], ("09:00", "12:00"), at=utc(2026, 11, 27, 16))
    assert not r.open[0] and pd.isna(r.opens_at[0])
    assert r.reason[0].endswith(f"not open in all {len(zones)} zones at once within 8 days")
    assert re.match(r"\d\d:\d\d local \(\S+ and \d+ other zones\); window 09:00–12:00; ",
                    r.reason[0])
    assert r.zone[0].endswith(f"… ({len(zones)} zones)")
    # with the usual window they overlap half an hour a day (Guam 09:00 = St John's 19:30)
    r = check_window([digits], at=utc(2026, 11, 27, 16))
    assert r.opens_at[0] == pd.Timestamp("2026-11-27 23:00", tz="UTC")


def test_no_known_zone_waits_or_uses_default_timezone() -> None:
    at = utc(2026, 11, 27, 16)
    r = check_window([ZONELESS, INVALID_IN, "0044", None, "abc"], at=at)
    assert r.open.tolist() == [False] * 5
    assert r.reason.tolist() == [
        "no time zone known for +800…: pass default_timezone",
        "no time zone known for +91…: pass default_timezone",
        "no time zone known: pass default_timezone",
        "no time zone known: pass default_timezone",
        "no time zone known: pass default_timezone",
    ]
    assert r.opens_at.isna().all() and r.zone.tolist() == [None] * 5
    r = check_window([ZONELESS, INVALID_IN, NY], at=at, default_timezone="Asia/Kolkata")
    assert r.reason.tolist() == [
        "21:30 local (Asia/Kolkata, default_timezone); window 09:00–20:00; "
        "opens 2026-11-28 09:00 local",
    ] * 2 + [None]
    assert r.zone.tolist() == ["Asia/Kolkata", "Asia/Kolkata", "America/New_York"]
    assert check_window([ZONELESS], at=at, default_timezone="Europe/Paris").open.tolist() == [
        True
    ]


def test_reasons_never_hold_a_full_number() -> None:
    numbers = [IN, NY, NV, ZONELESS, INVALID_IN]
    for at in (utc(2026, 11, 27, 16), utc(2026, 11, 28, 3, 30)):
        r = check_window(numbers, WEEKDAYS, at=at)
        for reason in r.reason.tolist():
            for number in numbers:
                assert reason is None or number not in reason
                assert reason is None or number[-6:] not in reason


def _brute_opening(zones: tuple[str, ...], window: Window, at: datetime) -> datetime | None:
    """The first whole minute from ``at`` on at which the window is open in all ``zones``."""
    infos = [ZoneInfo(z) for z in zones]
    t = at
    while t <= at + HORIZON:
        if all(window.is_open(t.astimezone(z).replace(tzinfo=None)) for z in infos):
            return t
        t += timedelta(minutes=1)
    return None


@pytest.mark.parametrize(
    ("number", "window", "at"),
    [
        (IN, DEFAULT_WINDOW, utc(2026, 11, 27, 16, 7)),
        (NY, WEEKDAYS, utc(2026, 11, 27, 23, 41)),
        (NY, parse_window(("02:30", "03:30")), utc(2026, 3, 7, 12)),  # the gap in the window
        (NY, parse_window(("01:00", "01:45"), "Sun"), utc(2026, 10, 31, 12)),  # the fold
        (NV, DEFAULT_WINDOW, utc(2026, 11, 28, 3, 30)),
        ("61298765432", WEEKDAYS, utc(2026, 10, 3, 10)),  # Sydney: DST starts Sun 4 Oct 2026
        ("61412345678", DEFAULT_WINDOW, utc(2026, 4, 4, 12)),  # 8 Australian zones, DST ends
        ("79123456789", parse_window(("10:00", "19:00"), "Mon-Fri"), utc(2026, 11, 27, 16)),
        ("447400123456", parse_window(("08:00", "21:00"), "Sat"), utc(2026, 3, 28, 22)),
    ],
)
def test_opens_at_is_the_first_minute_open_in_all_zones(
    number: str, window: Window, at: datetime
) -> None:
    zones = per_row(number)
    r = check_window([number], window, at=at)
    expected = _brute_opening(zones, window, at)
    got = None if pd.isna(r.opens_at[0]) else r.opens_at[0].to_pydatetime()
    assert got == expected
    assert bool(r.open[0]) == (expected == at)


# --------------------------------------------------------------------------- time zones


def _example_numbers() -> list[str]:
    types = [t for name, t in vars(phonenumbers.PhoneNumberType).items()
             if name.isupper() and name != "UNKNOWN"]
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in types:
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                out.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            out.append(phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164))
    return [e[1:] for e in out]


def test_same_zones_as_phonenumbers_on_example_numbers_of_every_region() -> None:
    numbers = _example_numbers()
    assert len(numbers) > 1000
    codes, zones = time_zones(numbers)
    got = [zones[c] for c in codes]
    assert got == [per_row(n) for n in numbers]
    assert len(set(got)) > 150  # many zones and zone sets, multi-zone ones among them
    assert any(len(z) > 1 for z in got)


def test_same_zones_as_phonenumbers_on_numbers_near_the_examples() -> None:
    """Change the last digits, the length, add a national prefix: valid, invalid, odd."""
    rng = random.Random(20261127)
    numbers: list[str | None] = []
    for example in _example_numbers():
        cc = str(phonenumbers.parse("+" + example).country_code)
        for _ in range(6):
            k = rng.randint(1, min(6, len(example) - len(cc)))
            value = example[:-k] + "".join(rng.choice("0123456789") for _ in range(k))
            roll = rng.random()
            if roll < 0.1:
                value = value[:-1]
            elif roll < 0.2:
                value += rng.choice("0123456789")
            elif roll < 0.3:
                value = cc + rng.choice("0189") + value[len(cc):]
            numbers.append(value)
    codes_known = list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(5000):  # any country code, any digits
        cc = str(rng.choice(codes_known))
        numbers.append(cc + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 12))))
    numbers += [None, "", "0", "12", "123", "+918563214120", "91 85632", "abc", "9" * 18,
                "1" * 17, "0918563214120"]
    codes, zones = time_zones(numbers)
    assert [zones[c] for c in codes] == [per_row(n) for n in numbers]


def test_time_zones_takes_series_arrays_lists_and_ints() -> None:
    values = [IN, NY, None]
    want = [("Asia/Calcutta",), ("America/New_York",), ("Etc/Unknown",)]
    for numbers in (
        values,
        pd.Series(values, dtype="str"),
        pd.Series(values, dtype=object),
        np.array(values, dtype=object),
        pa.array(values),
        pa.chunked_array([pa.array(values[:1]), pa.array(values[1:])]),
        pd.Series([int(IN), int(NY), None], dtype="Int64"),
        [int(IN), NY, None],
    ):
        codes, zones = time_zones(numbers)
        assert [zones[c] for c in codes] == want, type(numbers)
    codes, zones = time_zones([])
    assert len(codes) == 0 and zones == []
    with pytest.raises(TypeError, match="numbers: expected text"):
        time_zones(pd.Series([9.18e11]))


# --------------------------------------------------------------------------- schedule


def test_schedule_sums_to_the_deferred_count() -> None:
    numbers = [IN, IN, NY, NV, "61298765432", ZONELESS, INVALID_IN, "447400123456"]
    r = check_window(numbers, WEEKDAYS, at=utc(2026, 11, 27, 16))
    assert r.deferred == int((~r.open).sum()) == 6
    by_utc = schedule(r)
    assert list(by_utc.columns) == ["opens_utc", "rows", "cumulative"]
    assert str(by_utc["opens_utc"].dtype) == "datetime64[ns, UTC]"
    assert by_utc["rows"].sum() == r.deferred == by_utc["cumulative"].iloc[-1]
    assert by_utc["opens_utc"].iloc[:-1].is_monotonic_increasing
    assert pd.isna(by_utc["opens_utc"].iloc[-1]) and by_utc["rows"].iloc[-1] == 2  # no zone
    assert by_utc.drop(columns="opens_utc").to_dict("list") == {
        "rows": [1, 1, 2, 2], "cumulative": [1, 2, 4, 6]
    }
    assert by_utc["opens_utc"].iloc[:3].tolist() == [
        pd.Timestamp(t, tz="UTC") for t in ("2026-11-27 17:00", "2026-11-29 22:00",
                                            "2026-11-30 03:00")
    ]
    by_zone = schedule(r, numbers, by="zone")
    assert list(by_zone.columns) == ["time_zone", "opens_local", "opens_utc", "rows"]
    assert by_zone["rows"].sum() == r.deferred
    records = by_zone.to_dict("records")
    assert records[:3] == [
        {"time_zone": "America/Los_Angeles", "opens_local": pd.Timestamp("2026-11-27 09:00"),
         "opens_utc": pd.Timestamp("2026-11-27 17:00", tz="UTC"), "rows": 1},
        {"time_zone": "Australia/Sydney", "opens_local": pd.Timestamp("2026-11-30 09:00"),
         "opens_utc": pd.Timestamp("2026-11-29 22:00", tz="UTC"), "rows": 1},
        {"time_zone": "Asia/Kolkata", "opens_local": pd.Timestamp("2026-11-30 09:00"),
         "opens_utc": pd.Timestamp("2026-11-30 03:00", tz="UTC"), "rows": 2},
    ]
    assert records[3]["time_zone"] is None and records[3]["rows"] == 2
    assert pd.isna(records[3]["opens_local"]) and pd.isna(records[3]["opens_utc"])
    with pytest.raises(ValueError, match="schedule: 2 numbers for a result of 8 rows"):
        schedule(r, numbers[:2])
    with pytest.raises(ValueError, match="by: 'day'; expected 'utc' or 'zone'"):
        schedule(r, by="day")  # type: ignore[arg-type]


def test_schedule_when_everything_is_open_or_empty() -> None:
    r = check_window([NY], at=utc(2026, 11, 27, 16))
    assert schedule(r).empty and schedule(r, by="zone").empty
    r = check_window([], at=utc(2026, 11, 27, 16))
    assert len(r) == 0 and r.deferred == 0 and schedule(r).empty


def test_result_table_and_summary() -> None:
    numbers = pd.Series([IN, NY, ZONELESS], index=[10, 11, 12])
    r = check_window(numbers, at=utc(2026, 11, 27, 16))
    frame = r.to_frame(numbers.index)
    assert list(frame.columns) == ["open", "opens_at", "reason", "zone"]
    assert frame.index.tolist() == [10, 11, 12]
    assert frame["open"].tolist() == [False, True, False]
    assert repr(r) == (
        "<HoursResult at 2026-11-27 16:00 UTC, window 09:00–20:00: 1 of 3 open now, "
        "2 deferred (1 with no opening known)>"
    )
    assert r.groups["rows"].sum() == 3
    assert r.groups.loc[r.group, "reason"].tolist()[0] == r.reason[0]


def test_many_rows_share_the_work_of_their_zone_set() -> None:
    numbers = [IN, NY, NV] * 20_000
    r = check_window(numbers, at=utc(2026, 11, 27, 16, 30))
    assert len(r.groups) == 3
    assert r.open.sum() == 20_000 and r.deferred == 40_000
    assert isinstance(r.opens_at, pd.DatetimeIndex) and str(r.opens_at.tz) == "UTC"
