"""What every benchmark case shares: its settings, its result rows, and the timing helpers.

A case is a module with ``NAME`` (what ``--only`` selects), ``TITLE`` and
``run(cfg: Config) -> list[Row]``. A row carries the figure, the reference measured in the
same run, the ratio between the two, and the target; ``met`` is only a report, never an
assertion (the machine is shared and noisy: targets are checked by reading the report).

Example:
    >>> row = Row("x", figure=2.0, unit="s", reference=1.0, ref_label="ref", ratio=2.0,
    ...           ratio_label="× ref", target="≤ 2.5× ref", met=True)
    >>> row.ratio_text()
    '2.00× ref'
"""

from __future__ import annotations

import contextlib
import gc
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Config:
    """Sizes and repetitions; ``quick`` shrinks everything so ``make test`` runs it in seconds."""

    quick: bool = False
    prepare_rows: int = 1_000_000
    prepare_region_rows: int = 1_000_000
    prepare_region_distinct: int = 100_000
    phonenumbers_rows: int = 1_000_000
    client_recipients: int = 200_000
    send_recipients: int = 100_000
    send_latency: float = 0.05
    sequential_recipients: int = 100_000
    memory_rows: int = 1_000_000
    sandbox_seconds: float = 5.0
    repeat: int = 3
    deadline: float = 900.0
    """Seconds after which a case stops repeating (each loop is bounded in count and time)."""

    @classmethod
    def make(cls, quick: bool) -> Config:
        if not quick:
            return cls()
        return cls(
            quick=True,
            prepare_rows=20_000,
            prepare_region_rows=20_000,
            prepare_region_distinct=2_000,
            phonenumbers_rows=20_000,
            client_recipients=10_000,
            send_recipients=2_000,
            send_latency=0.005,
            sequential_recipients=2_000,
            memory_rows=20_000,
            sandbox_seconds=0.5,
            repeat=1,
            deadline=60.0,
        )


@dataclass(slots=True)
class Row:
    """One line of the report."""

    case: str
    figure: float
    unit: str
    reference: float | None
    ref_label: str
    ratio: float | None
    ratio_label: str
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def figure_text(self) -> str:
        return _fmt(self.figure, self.unit)

    def reference_text(self) -> str:
        if self.reference is None:
            return self.ref_label or "—"
        return f"{_fmt(self.reference, self.unit)} ({self.ref_label})"

    def ratio_text(self) -> str:
        return "—" if self.ratio is None else f"{self.ratio:.2f}{self.ratio_label}"

    def met_text(self) -> str:
        return "—" if self.met is None else ("yes" if self.met else "NO")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:.3f} s" if value < 100 else f"{value:.1f} s"
    if unit == "µs":
        return f"{value:.2f} µs"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return f"{value:.3g} {unit}"


def speedup_row(
    case: str, figure: float, reference: float, ref_label: str, at_least: float, **kw: Any
) -> Row:
    """A "≥ N× faster than the reference" row (ratio = reference / figure)."""
    ratio = reference / figure if figure > 0 else float("inf")
    return Row(
        case, figure, "s", reference, ref_label, ratio, "× faster",
        f"≥ {at_least:g}× faster", ratio >= at_least, **kw,
    )


def slowdown_row(
    case: str, figure: float, reference: float, ref_label: str, at_most: float, **kw: Any
) -> Row:
    """A "≤ N× the reference" row (ratio = figure / reference)."""
    ratio = figure / reference if reference > 0 else float("inf")
    return Row(
        case, figure, "s", reference, ref_label, ratio, "× ref",
        f"≤ {at_most:g}× ref", ratio <= at_most, **kw,
    )


@dataclass(slots=True)
class Timing:
    """Wall and process-CPU seconds of one measured run."""

    wall: float
    cpu: float


@contextmanager
def timed() -> Iterator[Timing]:
    """Measure the wall and CPU time of the ``with`` body (garbage collector run first)."""
    gc.collect()
    t = Timing(0.0, 0.0)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    try:
        yield t
    finally:
        t.wall = time.perf_counter() - wall0
        t.cpu = time.process_time() - cpu0


def best_of(
    runs: dict[str, Callable[[], object]],
    repeat: int,
    *,
    budget: float = 120.0,
    clock: str = "cpu",
) -> dict[str, Timing]:
    """Run each callable ``repeat`` times, interleaved (a, b, a, b…), keep each one's fastest.

    Interleaving spreads the machine's noise evenly over the contenders; the minimum (by
    ``clock``: "cpu" = process CPU time, "wall") is the run least disturbed by it. Stops
    repeating once ``budget`` seconds are spent (every callable still runs at least once).
    """
    best: dict[str, Timing] = {}
    start = time.perf_counter()
    for i in range(max(1, repeat)):
        if i and time.perf_counter() - start > budget:
            break
        for name, func in runs.items():
            with timed() as t:
                func()
            old = best.get(name)
            if old is None or getattr(t, clock) < getattr(old, clock):
                best[name] = t
    return best


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "cpu": _cpu_name(),
    }
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover - psutil is in the bench extra
        pass
    with contextlib.suppress(OSError):  # not on every platform
        info["load_1min"] = round(os.getloadavg()[0], 2)
    import numpy
    import pandas
    import pyarrow
    import requests

    info["versions"] = {
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "numpy": numpy.__version__,
        "requests": requests.__version__,
    }
    return info


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"
