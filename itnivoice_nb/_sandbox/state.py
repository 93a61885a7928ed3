"""The sandbox's account: settings, balance, charges, accepted batches, uploads, request log.

One :class:`SandboxState` per sandbox, shared by every server thread; every change happens under
its lock. Charges are not counted separately: every accepted batch is kept (its callees as the
one comma-joined string the client sent) and each accepted entry of a batch is one charge, so
``charges()`` is derived from the batches and the hot path does no per-number bookkeeping.
Money is kept in integer millionths of a dollar so that a balance falling by 0.01 five hundred
thousand times ends exactly where it should.

Which numbers ``sendGroup`` refuses is a pure function of the seed and the number (a hash, not a
shared random stream), so the same seed refuses the same numbers whatever the concurrency.

Example:
    >>> state = SandboxState(api_key="k", api_secret="s", seed=0, reject_share=0.0)
    >>> state.refusals("91856321412,91856321300")
    {}
    >>> money(state.to_units(0.01) * 3)
    '0.0300'
"""

from __future__ import annotations

import bisect
import hashlib
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Final

from .checks import SendGroup
from .simulation import (
    DEFAULT_KEYS,
    DEFAULT_PRESS_SHARE,
    VENDOR_TZ,
    AcceptedRequest,
    CallModel,
    Money,
    voice_id_prefix,
)

_UNITS: Final = 1_000_000

REFUSALS: Final = (
    ("1", "number in blacklist"),
    ("2", "invalid number"),
    ("3", "destination not supported"),
)
"""``(terminationCode, terminationReason)`` of a number ``sendGroup`` refuses."""

_counter_lock = threading.Lock()
_next_counter = 1_000_001


def _allocate_counters(count: int) -> int:
    """Reserve ``count`` consecutive voiceId counters, unique in the whole process."""
    global _next_counter
    with _counter_lock:
        first = _next_counter
        _next_counter += count
    return first


def money(units: int) -> str:
    """Format millionths of a dollar as the vendor's 4-decimal string."""
    return f"{Decimal(units) / _UNITS:.4f}"


@dataclass(slots=True)
class RequestRecord:
    """One request the sandbox received, and what it did with it.

    ``body`` is the parsed JSON (for ``fileUpload`` the base64 ``file`` is replaced by a short
    note) or the raw text when it is not JSON; ``callees`` the number of numbers in a
    ``sendGroup`` body. ``status``/``reason`` are what the sandbox decided, even when a fault
    then lost the answer (``drop_after``, ``truncate``...); ``None`` if it never processed the
    request (``drop_before``, HTTP 404...). ``http_status`` is what was sent (``None``: nothing).
    ``fault`` names the injected fault(s) applied, e.g. ``"drop_after"`` or ``"latency+truncate"``.
    ``seq`` counts every request (from 1); ``ordinal`` counts requests to the same endpoint
    (0 for an unknown path). A record is logged on arrival and complete before any answer leaves.
    """

    seq: int
    ordinal: int
    method: str
    path: str
    endpoint: str | None
    headers: dict[str, str]
    body: Any
    received: float
    callees: int = 0
    http_status: int | None = None
    status: str | None = None
    reason: str = ""
    fault: str | None = None


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """An audio file uploaded to the sandbox (its bytes are not kept, only their size)."""

    file_id: str
    file_name: str
    size: int
    uploaded: float


@dataclass(slots=True)
class _Ledger:
    """Everything that changes as requests arrive (``reset`` builds a fresh one)."""

    balance: int | None
    batches: list[AcceptedRequest] = field(default_factory=list)
    firsts: list[int] = field(default_factory=list)
    uploads: dict[str, UploadedFile] = field(default_factory=dict)
    requests: list[RequestRecord] = field(default_factory=list)
    hits: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


class SandboxState:
    """Settings and ledger of one sandbox account; thread-safe."""

    def __init__(
        self,
        *,
        api_key: str,
        api_secret: str,
        seed: int = 0,
        reject_share: float = 0.05,
        answer_share: float = 0.7,
        balance: float | None = None,
        price: float = 0.01,
        latency: float = 0.0,
        timestamp_window: float = 60,
        record_delay: float = 0.0,
        check_file_ids: bool = False,
        press_share: float = DEFAULT_PRESS_SHARE,
        keys: str = DEFAULT_KEYS,
        rates: Mapping[str, Money] | None = None,
        default_rate: Money | None = None,
        bill_period: str | None = None,
    ) -> None:
        if not 0.0 <= reject_share <= 1.0:
            raise ValueError(f"reject_share must be between 0 and 1, not {reject_share!r}")
        self.model = CallModel(
            answer_share=answer_share,
            press_share=press_share,
            keys=keys,
            rates=rates,
            default_rate=default_rate,
            bill_period=bill_period,
        )
        self.lock = threading.Lock()
        self.api_key = api_key
        self.api_secret = api_secret
        self.seed = seed
        self.reject_share = reject_share
        self.answer_share = answer_share
        self.price_units = self.to_units(price)
        self.latency = latency
        self.timestamp_window = timestamp_window
        self.record_delay = record_delay
        self.check_file_ids = check_file_ids
        self._initial_balance = None if balance is None else self.to_units(balance)
        self._reject_salt = f"{seed}|".encode()
        self._reject_below: bytes | None = (
            None
            if reject_share == 0
            else b"\xff" * 9  # above every 8-byte digest
            if reject_share == 1
            else int(reject_share * 2**64).to_bytes(8, "big")
        )
        self.ledger = _Ledger(balance=self._initial_balance)

    @staticmethod
    def to_units(amount: float) -> int:
        if amount < 0:
            raise ValueError(f"an amount of money cannot be negative: {amount!r}")
        return round(Decimal(str(amount)) * _UNITS)

    def reset(self) -> None:
        """Forget every request, charge, call and upload; restore the starting balance."""
        with self.lock:
            self.ledger = _Ledger(balance=self._initial_balance)

    # --- requests log ----------------------------------------------------------------------

    def begin_request(
        self, method: str, path: str, endpoint: str | None, headers: dict[str, str], now: float
    ) -> RequestRecord:
        """Number a new request and log it at once (the server fills in the outcome later,
        always before the client can see an answer)."""
        with self.lock:
            hits = self.ledger.hits
            hits[""] += 1
            if endpoint:
                hits[endpoint] += 1
            record = RequestRecord(
                seq=hits[""],
                ordinal=hits[endpoint] if endpoint else 0,
                method=method,
                path=path,
                endpoint=endpoint,
                headers=headers,
                body=None,
                received=now,
            )
            self.ledger.requests.append(record)
        return record

    def log_error(self, text: str) -> None:
        with self.lock:
            self.ledger.errors.append(text)

    # --- sendGroup -------------------------------------------------------------------------

    def refusals(self, callee: str) -> dict[int, tuple[str, str]]:
        """``{index: (terminationCode, terminationReason)}`` of the numbers of ``callee`` refused.

        A number is refused when the first 8 bytes of BLAKE2b(seed | number), read big-endian,
        fall below ``reject_share * 2**64``: the same number meets the same fate for a seed.
        """
        below, salt, blake = self._reject_below, self._reject_salt, hashlib.blake2b
        refused: dict[int, tuple[str, str]] = {}
        if below is None:
            return refused
        for index, number in enumerate(callee.encode().split(b",")):
            digest = blake(salt + number, digest_size=8).digest()
            if digest < below:  # same length, big-endian: byte order is number order
                refused[index] = REFUSALS[digest[7] % len(REFUSALS)]
        return refused

    def submit(self, send: SendGroup, refused: frozenset[int], now: float) -> AcceptedRequest | str:
        """Charge the accepted numbers and keep the batch; a reason if the balance is short."""
        size = len(send.numbers)
        with self.lock:
            ledger = self.ledger
            cost = (size - len(refused)) * self.price_units
            if ledger.balance is not None:
                if cost > ledger.balance:
                    return (
                        f"{size - len(refused)} accepted numbers cost {money(cost)}; "
                        f"the balance is {money(ledger.balance)}"
                    )
                ledger.balance -= cost
            batch = AcceptedRequest(
                first=_allocate_counters(size),
                prefix=voice_id_prefix(now),
                callees=send.callee,
                size=size,
                refused=refused,
                display_num=send.display_num,
                file_id=send.file_id,
                max_duration=send.max_duration,
                loop_count=send.loop_count,
                called_info=send.called_info,
                submitted=now,
                model=self.model,
            )
            ledger.batches.append(batch)
            ledger.firsts.append(batch.first)
        return batch

    def charges(self) -> Counter[str]:
        """Number -> times charged, counted from the accepted batches (every charge is one)."""
        with self.lock:
            batches = list(self.ledger.batches)
        counts: Counter[str] = Counter()
        for batch in batches:
            if batch.refused:
                counts.update([number for _, number in batch.accepted()])
            else:
                counts.update(batch.callees.split(","))
        return counts

    def charged_total(self) -> int:
        with self.lock:
            return sum(batch.calls for batch in self.ledger.batches)

    def find_call(self, voice_id: str) -> tuple[AcceptedRequest, int, str] | None:
        """``(batch, index, callee)`` of an accepted voiceId, else ``None``."""
        prefix, counter_text = voice_id[:12], voice_id[12:]
        if not (voice_id.isascii() and voice_id.isdigit() and counter_text[:1] not in ("", "0")):
            return None
        counter = int(counter_text)
        with self.lock:
            ledger = self.ledger
            pos = bisect.bisect_right(ledger.firsts, counter) - 1
            if pos < 0:
                return None
            batch = ledger.batches[pos]
        index = counter - batch.first
        if index >= batch.size or batch.prefix != prefix or index in batch.refused:
            return None
        return batch, index, batch.callees.split(",")[index]

    def calls_between(
        self, start: float, end: float, offset: int, limit: int
    ) -> tuple[int, list[tuple[AcceptedRequest, int, str]]]:
        """``(total, page)`` of the calls submitted in ``[start, end]``, in submission order."""
        with self.lock:
            batches = list(self.ledger.batches)
        total, page = 0, list[tuple[AcceptedRequest, int, str]]()
        for batch in batches:
            if not start <= int(batch.submitted) <= end or batch.calls == 0:
                continue
            if total + batch.calls > offset and len(page) < limit:
                skip = max(0, offset - total)
                wanted = batch.accepted()[skip : skip + limit - len(page)]
                page.extend((batch, index, callee) for index, callee in wanted)
            total += batch.calls
        return total, page

    # --- files -----------------------------------------------------------------------------

    def add_upload(self, name: str, size: int, now: float) -> UploadedFile | None:
        """Keep an uploaded file and give it a fileId; ``None`` if the name exists already."""
        with self.lock:
            uploads = self.ledger.uploads
            if name in uploads:
                return None
            serial = f"{self.seed}|{len(uploads)}|{name}".encode()
            day = datetime.fromtimestamp(int(now), VENDOR_TZ).strftime("%Y%m%d")
            suffix = name[name.rindex(".") :].lower()
            file_id = f"1{day}{hashlib.blake2b(serial, digest_size=16).hexdigest()}{suffix}"
            uploads[name] = UploadedFile(file_id, name, size, now)
            return uploads[name]

    def file_ids(self) -> set[str]:
        with self.lock:
            return {f.file_id for f in self.ledger.uploads.values()}
