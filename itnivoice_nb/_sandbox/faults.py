"""Fault injection: make the sandbox misbehave the way real networks and servers do.

A :class:`Fault` applies to requests to one endpoint (default ``sendGroup``; ``None`` = every
endpoint), optionally only ``times`` times, only with some ``probability`` and/or only to given
request ``on`` ordinals (1 = the first request to that endpoint; for ``endpoint=None`` the
ordinal counts every request). Probability is seeded: the draw is a hash of the sandbox's seed,
the fault's number and the request's ordinal, so the same requests meet the same faults whatever
the thread interleaving.

The kinds ("charged" = the numbers are accepted, the balance falls and ``charges`` count them):

==================  ======================================================================
``latency``         sleep ``seconds`` more before answering (adds to any other fault)
``drop_before``     close the connection without processing or answering; nothing charged
``drop_after``      process and charge, then close the connection without answering
``http_500``        answer HTTP ``http_status`` (500) with an HTML page; ``charge=False`` (default)
                    does not process the request, ``charge=True`` processes and charges first
``truncate``        process and charge, then send only half the JSON body and close;
                    ``full_length=True`` (default) announces the full Content-Length (the client
                    sees a broken connection), ``False`` announces the short length (the client
                    gets a complete but unparseable body)
``status``          answer ``{"status": code, "reason": ...}`` (default code "-18") without
                    processing; nothing charged. Any code string is allowed.
``omit_numbers``    process and charge, answer status "0" but leave ``count`` (default 1) entries
                    out of ``data`` (positions seeded); the omitted numbers ARE charged and called
==================  ======================================================================

At most one fault other than ``latency`` applies to a request: the first injected that matches.

Example:
    >>> book = FaultBook(seed=0, endpoints=("sendGroup",))
    >>> fault = book.add("status", code="-18", times=1)
    >>> book.plan("sendGroup", ordinal=1, seq=1).label
    'status'
    >>> book.plan("sendGroup", ordinal=2, seq=2).label is None
    True
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from .._vendor import STATUS_MESSAGES

FAULT_KINDS: Final = (
    "latency",
    "drop_before",
    "drop_after",
    "http_500",
    "truncate",
    "status",
    "omit_numbers",
)

_OPTIONS: Final[dict[str, dict[str, Any]]] = {
    "latency": {"seconds": 0.0},
    "drop_before": {},
    "drop_after": {},
    "http_500": {"charge": False, "http_status": 500},
    "truncate": {"full_length": True},
    "status": {"code": "-18", "reason": None},
    "omit_numbers": {"count": 1},
}
"""Each kind's options and their defaults."""

CHARGING_KINDS: Final = frozenset({"drop_after", "truncate", "omit_numbers"})
"""Kinds that process (and so charge) the request before misbehaving (plus ``http_500`` with
``charge=True``)."""


@dataclass(slots=True)
class Fault:
    """One injected fault; ``applied`` counts the requests it has met so far."""

    kind: str
    endpoint: str | None
    ident: int
    options: dict[str, Any]
    times: int | None = None
    probability: float = 1.0
    on: frozenset[int] | None = None
    applied: int = 0

    @property
    def processes(self) -> bool:
        """Whether the request is processed (charged) before the fault strikes."""
        return self.kind in CHARGING_KINDS or (self.kind == "http_500" and self.options["charge"])

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.applied >= self.times


@dataclass(frozen=True, slots=True)
class Plan:
    """What the faults do to one request: extra ``latency`` and at most one other ``action``."""

    latency: float = 0.0
    action: Fault | None = None
    label: str | None = None


NO_FAULT: Final = Plan()


class FaultBook:
    """The injected faults of one sandbox; thread-safe."""

    def __init__(self, seed: int, endpoints: Iterable[str]) -> None:
        self._seed = seed
        self._endpoints = frozenset(endpoints)
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._made = 0

    def add(
        self,
        kind: str,
        *,
        endpoint: str | None = "sendGroup",
        times: int | None = None,
        probability: float = 1.0,
        on: Iterable[int] | None = None,
        **options: Any,
    ) -> Fault:
        """Inject a fault (see the module docstring for kinds and options)."""
        if kind not in _OPTIONS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(FAULT_KINDS)}")
        unknown = set(options) - set(_OPTIONS[kind])
        if unknown:
            raise TypeError(
                f"fault {kind!r} takes no option(s) {', '.join(sorted(unknown))}; "
                f"its options: {', '.join(_OPTIONS[kind]) or 'none'}"
            )
        if endpoint is not None and endpoint not in self._endpoints:
            raise ValueError(
                f"unknown endpoint {endpoint!r}; known: {', '.join(sorted(self._endpoints))}"
            )
        if not 0.0 <= probability <= 1.0:
            raise ValueError(f"probability must be between 0 and 1, not {probability!r}")
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None), not {times!r}")
        settings = {**_OPTIONS[kind], **options}
        if kind == "latency" and not settings["seconds"] > 0:
            raise ValueError("a latency fault needs seconds > 0")
        if kind == "status":
            settings["code"] = str(settings["code"])
            if settings["reason"] is None:
                settings["reason"] = STATUS_MESSAGES.get(settings["code"], "failure")
        if kind == "http_500":
            HTTPStatus(settings["http_status"])  # ValueError for a code HTTP does not have
        if kind == "omit_numbers" and settings["count"] < 1:
            raise ValueError("omit_numbers needs count >= 1")
        ordinals = None if on is None else frozenset(on)
        with self._lock:
            self._made += 1
            fault = Fault(kind, endpoint, self._made, settings, times, probability, ordinals)
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def snapshot(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _draw(self, fault: Fault, ordinal: int) -> float:
        text = f"{self._seed}|{fault.ident}|{ordinal}".encode()
        return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big") / 2**64

    def plan(self, endpoint: str, ordinal: int, seq: int) -> Plan:
        """Decide (and count) the faults that apply to one request."""
        if not self._faults:
            return NO_FAULT
        latency, action, labels = 0.0, None, list[str]()
        with self._lock:
            for fault in self._faults:
                if fault.endpoint is not None and fault.endpoint != endpoint:
                    continue
                number = ordinal if fault.endpoint is not None else seq
                if fault.exhausted or (fault.on is not None and number not in fault.on):
                    continue
                if fault.kind != "latency" and action is not None:
                    continue
                if fault.probability < 1.0 and self._draw(fault, number) >= fault.probability:
                    continue
                fault.applied += 1
                if fault.kind == "latency":
                    latency += fault.options["seconds"]
                    if "latency" not in labels:
                        labels.insert(0, "latency")
                else:
                    action = fault
                    labels.append(fault.kind)
        return Plan(latency, action, "+".join(labels) or None)

    def omitted(self, fault: Fault, ordinal: int, size: int) -> set[int]:
        """The seeded positions an ``omit_numbers`` fault leaves out of a ``size``-entry answer."""
        count = min(fault.options["count"], size)
        ranked = sorted(
            range(size),
            key=lambda i: hashlib.blake2b(f"{self._seed}|{ordinal}|{i}".encode()).digest(),
        )
        return set(ranked[:count])
