"""Call records: what the sandbox says happened to each accepted number.

Every number ``sendGroup`` accepts becomes an :class:`AcceptedRequest` entry; its call is
*simulated on demand*, never stored: the outcome is a pure function of the sandbox's seed and
the voiceId (a keyed BLAKE2b hash), so asking twice gives the same record and concurrency cannot
change it.

The rules, chosen to look like the vendor's records:

- times are ``"YYYY-MM-DD HH:MM:SS"`` in UTC+8 (the vendor's clock); a time not reached is
  ``""``. ``submitTime`` < ``callTime`` (1-5 s queue) < ``ringingTime`` (1-3 s) <
  ``answerTime`` <= ``hangupTime``.
- a share ``answer_share`` of calls is answered (``terminationCode`` "200", reason "OK"); the
  rest fail with a SIP code: 480 no answer, 486 busy, 603 declined, 487 cancelled, 404 not
  found, 408 timeout.
- the audio lasts 8-40 s (fixed per fileId) and plays ``loopCount`` times; 60 % of callees hear
  it all, the others hang up earlier. ``maxDuration`` is the vendor's forced hang-up after N
  seconds, so ``callDuration <= maxDuration`` (hence also ``<= maxDuration * loopCount``);
  without it, <= 120 s.
- billing: ``billPeriod`` "a+b" charges the first ``a`` seconds, then whole ``b``-second steps:
  ``chargedDuration = 0`` if unanswered, ``a`` if ``callDuration <= a``, else
  ``a + ceil((callDuration - a) / b) * b``. ``rate`` is USD **per minute**, and
  ``cost = rate * chargedDuration / 60`` rounded half-up to 4 decimals; ``baseCost == cost``
  (the sandbox account is quoted in USD). Tariffs depend on the callee's country code: the
  built-in :data:`TARIFFS`, or the rates a :class:`CallModel` is given (``Sandbox(rates=...)``),
  the longest matching prefix winning.
- key presses: a share ``press_share`` of *answered* calls has ``feedbackValue`` set to one of
  ``keys`` (by default 15 % press one of 1-9); every other record says ``"-1"`` (no key).
- in progress: until ``submit time + record_delay`` the record has only ``submitTime``; every
  other time is ``""``, durations 0, ``terminationCode`` ``""`` and ``terminationReason``
  ``"in progress"`` (the marker a client tests for "not final yet").

Example:
    >>> model = CallModel(rates={"91": "0.02"}, default_rate=0.01)
    >>> [(t.area, t.bill_period, str(t.rate)) for t in map(model.tariff, ["91856", "4420"])]
    [('IN', '20+20', '0.0200'), ('GB', '1+1', '0.0100')]
    >>> charged_seconds(25, "20+20"), charged_seconds(0, "20+20"), charged_seconds(61, "60+60")
    (40, 0, 120)
    >>> str(airtime_cost(Decimal("0.0300"), 40))
    '0.0200'
    >>> vendor_time(0)
    '1970-01-01 08:00:00'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Final

VENDOR_TZ: Final = timezone(timedelta(hours=8))
"""The vendor's clock: record times and voiceIds are written in UTC+8."""

IN_PROGRESS: Final = "in progress"
"""``terminationReason`` of a call not finished yet (its ``terminationCode`` is ``""``)."""

_FOUR_PLACES: Final = Decimal("0.0001")
_AUDIO_MIN_S: Final = 8
_AUDIO_SPAN_S: Final = 33  # audio lasts 8..40 s
_UNCAPPED_MAX_S: Final = 120
_BILL_PERIOD_RE: Final = re.compile(r"([1-9][0-9]{0,3})\+([1-9][0-9]{0,3})")
_PREFIX_RE: Final = re.compile(r"[0-9]{1,15}")

KEYS: Final = "0123456789*#"
"""The keys a callee can press on a phone keypad (each one ``feedbackValue``)."""

DEFAULT_KEYS: Final = "123456789"
DEFAULT_PRESS_SHARE: Final = 0.15

Money = float | int | str | Decimal
"""A rate as given: ``0.02``, ``"0.0200"`` or ``Decimal("0.02")`` (dollars per minute)."""


@dataclass(frozen=True, slots=True)
class Tariff:
    """What a call to numbers starting with ``prefix`` costs."""

    prefix: str
    area: str
    bill_period: str
    rate: Decimal  # USD per minute


TARIFFS: Final = (
    Tariff("1", "US", "60+60", Decimal("0.0150")),
    Tariff("44", "GB", "1+1", Decimal("0.0300")),
    Tariff("49", "DE", "60+60", Decimal("0.0450")),
    Tariff("33", "FR", "60+60", Decimal("0.0400")),
    Tariff("52", "MX", "60+60", Decimal("0.0250")),
    Tariff("55", "BR", "6+6", Decimal("0.0350")),
    Tariff("62", "ID", "20+20", Decimal("0.0500")),
    Tariff("63", "PH", "20+20", Decimal("0.0600")),
    Tariff("86", "CN", "60+60", Decimal("0.0200")),
    Tariff("91", "IN", "20+20", Decimal("0.0300")),
    Tariff("234", "NG", "1+1", Decimal("0.0700")),
)
DEFAULT_TARIFF: Final = Tariff("", "ZZ", "20+20", Decimal("0.0500"))

# (SIP code, reason, weight, ringing?, seconds from ring/call start to hang-up: low, span)
_FAILURES: Final = (
    ("480", "Temporarily Unavailable", 35, True, 25, 20),
    ("486", "Busy Here", 25, False, 1, 3),
    ("603", "Decline", 15, True, 3, 13),
    ("487", "Request Terminated", 10, True, 30, 31),
    ("404", "Not Found", 10, False, 1, 2),
    ("408", "Request Timeout", 5, False, 30, 1),
)
_FAILURE_WEIGHT: Final = sum(f[2] for f in _FAILURES)


def _failure(draw: float) -> tuple[str, str, int, bool, int, int]:
    """The SIP failure a uniform ``draw`` in [0, 1) picks, by the weights of ``_FAILURES``."""
    pick = draw * _FAILURE_WEIGHT
    for failure in _FAILURES:
        if pick < failure[2]:
            return failure
        pick -= failure[2]
    return _FAILURES[-1]


def vendor_time(epoch: float) -> str:
    """Format Unix seconds as the vendor does: ``YYYY-MM-DD HH:MM:SS`` in UTC+8."""
    return datetime.fromtimestamp(int(epoch), VENDOR_TZ).strftime("%Y-%m-%d %H:%M:%S")


def voice_id_prefix(epoch: float) -> str:
    """The 12-digit ``yyMMddHHmmss`` (UTC+8) head of a voiceId submitted at ``epoch``."""
    return datetime.fromtimestamp(int(epoch), VENDOR_TZ).strftime("%y%m%d%H%M%S")


def tariff_for(number: str) -> Tariff:
    """The tariff of the longest matching country-code prefix (else :data:`DEFAULT_TARIFF`)."""
    best = DEFAULT_TARIFF
    for tariff in TARIFFS:
        if number.startswith(tariff.prefix) and len(tariff.prefix) > len(best.prefix):
            best = tariff
    return best


def _rate(value: object, name: str) -> Decimal:
    """A per-minute rate as a Decimal: finite, >= 0, at most 4 decimal places (as quoted)."""
    if isinstance(value, bool) or not isinstance(value, float | int | str | Decimal):
        raise TypeError(f"{name} must be a number of dollars per minute, not {value!r}")
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{name} {value!r} is not a number of dollars per minute") from None
    if not rate.is_finite() or rate < 0:
        raise ValueError(f"{name} must be a finite rate >= 0, not {value!r}")
    if rate != rate.quantize(_FOUR_PLACES):
        raise ValueError(f"{name} {value!r} has more than 4 decimal places (rates are quoted so)")
    return rate.quantize(_FOUR_PLACES)


def _prefix(value: object) -> str:
    """A calling-code prefix: ``"91"``, ``91`` and ``"+91"`` are the same; 1-15 digits."""
    text = str(value).strip().removeprefix("+") if isinstance(value, str | int) else ""
    if isinstance(value, bool) or _PREFIX_RE.fullmatch(text) is None:
        raise ValueError(f"rates: {value!r} is not a calling-code prefix (1-15 digits, e.g. '91')")
    return text


class CallModel:
    """How the sandbox simulates calls: answers, key presses, rates and bill periods.

    ``rates`` maps calling-code prefixes to USD per minute; a number takes the rate of the
    longest prefix it starts with, else ``default_rate``, else its built-in tariff's rate.
    ``bill_period`` (``"first+step"`` seconds) replaces every tariff's own when given. The
    area (``code``) always comes from the built-in tariffs. ``press_share`` of answered calls
    press one of ``keys`` (each as likely). Read-only once built (batches share it).
    """

    __slots__ = (
        "_lengths", "answer_share", "bill_period", "default_rate", "keys", "press_share", "rates",
    )  # fmt: skip

    answer_share: float
    press_share: float
    keys: str
    rates: dict[str, Decimal]
    default_rate: Decimal | None
    bill_period: str | None
    _lengths: tuple[int, ...]

    def __init__(
        self,
        *,
        answer_share: float = 0.7,
        press_share: float = DEFAULT_PRESS_SHARE,
        keys: str = DEFAULT_KEYS,
        rates: Mapping[str, Money] | None = None,
        default_rate: Money | None = None,
        bill_period: str | None = None,
    ) -> None:
        for name, share in (("answer_share", answer_share), ("press_share", press_share)):
            if isinstance(share, bool) or not isinstance(share, int | float):
                raise TypeError(f"{name} must be a number between 0 and 1, not {share!r}")
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {share!r}")
        if not isinstance(keys, str) or not keys:
            raise ValueError(f"keys must be a non-empty string of keypad keys, not {keys!r}")
        if any(key not in KEYS for key in keys) or len(set(keys)) != len(keys):
            raise ValueError(f"keys {keys!r}: each key at most once, from {KEYS!r}")
        if rates is not None and not isinstance(rates, Mapping):
            raise TypeError(
                "rates must map calling codes to dollars per minute, e.g. {'91': 0.02}, "
                f"not {type(rates).__name__}"
            )
        table: dict[str, Decimal] = {}
        for prefix, rate in (rates or {}).items():
            code = _prefix(prefix)
            if code in table:
                raise ValueError(f"rates: the calling code {code!r} is given twice")
            table[code] = _rate(rate, f"rates[{prefix!r}]")
        if bill_period is not None:
            match = _BILL_PERIOD_RE.fullmatch(str(bill_period).strip())
            if match is None:
                raise ValueError(
                    f"bill_period {bill_period!r} is not 'first+step' seconds, e.g. '60+60'"
                )
            bill_period = f"{match.group(1)}+{match.group(2)}"
        self.answer_share = float(answer_share)
        self.press_share = float(press_share)
        self.keys = keys
        self.rates = table
        self.default_rate = None if default_rate is None else _rate(default_rate, "default_rate")
        self.bill_period = bill_period
        self._lengths = tuple(sorted({len(p) for p in table}, reverse=True))

    def __repr__(self) -> str:
        rates = {code: str(rate) for code, rate in self.rates.items()}
        default = None if self.default_rate is None else str(self.default_rate)
        return (
            f"CallModel(answer_share={self.answer_share}, press_share={self.press_share}, "
            f"keys={self.keys!r}, rates={rates}, default_rate={default!r}, "
            f"bill_period={self.bill_period!r})"
        )

    def tariff(self, number: str) -> Tariff:
        """The tariff a call to ``number`` is billed at (see the class docstring)."""
        base = tariff_for(number)
        rate = None
        for length in self._lengths:
            rate = self.rates.get(number[:length])
            if rate is not None:
                break
        if rate is None:
            rate = self.default_rate
        if rate is None and self.bill_period is None:
            return base
        return Tariff(
            base.prefix,
            base.area,
            self.bill_period or base.bill_period,
            base.rate if rate is None else rate,
        )

    def key_pressed(self, draw: float, which: float) -> str:
        """``feedbackValue`` of an answered call from two uniform draws: a key or ``"-1"``."""
        if draw < self.press_share:
            return self.keys[min(int(which * len(self.keys)), len(self.keys) - 1)]
        return "-1"


def charged_seconds(duration: int, bill_period: str) -> int:
    """Round ``duration`` up to the bill period ``"first+step"`` (0 stays 0)."""
    if duration <= 0:
        return 0
    first_text, _, step_text = bill_period.partition("+")
    first, step = int(first_text), int(step_text or first_text)
    if duration <= first:
        return first
    return first + -(-(duration - first) // step) * step


def airtime_cost(rate_per_minute: Decimal, charged: int) -> Decimal:
    """``rate_per_minute * charged / 60``, rounded half-up to 4 decimals."""
    return (rate_per_minute * charged / 60).quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class AcceptedRequest:
    """One accepted ``sendGroup`` request: its fields once, its callees as one joined string.

    Entry ``i`` has voiceId ``prefix + str(first + i)``; indices in ``refused`` were refused at
    submission and have no call.
    """

    first: int
    prefix: str
    callees: str
    size: int
    refused: frozenset[int]
    display_num: str | None
    file_id: str
    max_duration: int | None
    loop_count: int
    called_info: str
    submitted: float
    model: CallModel

    @property
    def calls(self) -> int:
        """How many entries of the batch were accepted (and so became calls)."""
        return self.size - len(self.refused)

    def voice_id(self, index: int) -> str:
        return self.prefix + str(self.first + index)

    def accepted(self) -> list[tuple[int, str]]:
        """``(index, callee)`` of every accepted entry, in request order."""
        return [
            (i, number) for i, number in enumerate(self.callees.split(",")) if i not in self.refused
        ]


def _uniforms(seed: int, text: str) -> list[float]:
    digest = hashlib.blake2b(
        text.encode(), digest_size=32, key=str(seed).encode(), person=b"calls"
    ).digest()
    return [int.from_bytes(digest[i : i + 4], "big") / 2**32 for i in range(0, 32, 4)]


def _audio_seconds(file_id: str) -> int:
    digest = hashlib.blake2b(file_id.encode(), digest_size=4).digest()
    return _AUDIO_MIN_S + int.from_bytes(digest, "big") % _AUDIO_SPAN_S


def call_record(
    seed: int, batch: AcceptedRequest, index: int, callee: str, *, now: float, record_delay: float
) -> dict[str, Any]:
    """The call record of entry ``index`` (accepted) of ``batch``, as ``recordGroup`` answers it."""
    voice_id = batch.voice_id(index)
    model = batch.model
    tariff = model.tariff(callee)
    submit = int(batch.submitted)
    record: dict[str, Any] = {
        "voiceId": voice_id,
        "callee": callee,
        "displayNum": batch.display_num or "",
        "code": tariff.area,
        "submitTime": vendor_time(submit),
        "callTime": "",
        "ringingTime": "",
        "answerTime": "",
        "hangupTime": "",
        "callDuration": 0,
        "chargedDuration": 0,
        "terminationCode": "",
        "terminationReason": IN_PROGRESS,
        "cost": "0.0000",
        "rate": f"{tariff.rate:.4f}",
        "baseCost": "0.0000",
        "billPeriod": tariff.bill_period,
        "voiceFileId": batch.file_id,
        "feedbackValue": "-1",
        "calledInfo": batch.called_info,
    }
    if now < batch.submitted + record_delay:
        return record

    u = _uniforms(seed, voice_id)
    call = submit + 1 + int(u[1] * 5)
    ringing = call + 1 + int(u[2] * 3)
    record["callTime"] = vendor_time(call)
    if u[0] < model.answer_share:
        answer = ringing + 3 + int(u[3] * 13)
        full = _audio_seconds(batch.file_id) * batch.loop_count
        heard = full if u[4] < 0.6 else 1 + int(u[5] * full)
        duration = min(heard, batch.max_duration or _UNCAPPED_MAX_S)
        charged = charged_seconds(duration, tariff.bill_period)
        cost = f"{airtime_cost(tariff.rate, charged):.4f}"
        record.update(
            ringingTime=vendor_time(ringing),
            answerTime=vendor_time(answer),
            hangupTime=vendor_time(answer + duration),
            callDuration=duration,
            chargedDuration=charged,
            terminationCode="200",
            terminationReason="OK",
            cost=cost,
            baseCost=cost,
            feedbackValue=model.key_pressed(u[6], u[7]),
        )
        return record

    code, reason, _, rings, low, span = _failure(u[4])
    start = ringing if rings else call
    record.update(
        ringingTime=vendor_time(ringing) if rings else "",
        hangupTime=vendor_time(start + low + int(u[5] * span)),
        terminationCode=code,
        terminationReason=reason,
    )
    return record
