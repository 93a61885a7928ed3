"""What the journal costs: the 100,000-recipient send at 50 ms latency, concurrency 8,
journal on (a SQLite file, WAL, fsync'd before each request leaves) against ``journal=False``
(the same records in SQLite in memory). Target: at most 1.10× the send without the journal.

The two variants run interleaved (on, off, on, off…) and each keeps its fastest run; the
raw cost of one durable commit on this disk is reported beside it.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Final

from ._core import Config, Row
from ._remote import RemoteSandbox
from .bench_send import timed_send

NAME: Final = "journal"
TITLE: Final = "journal on vs journal=False (send with latency)"
CONCURRENCY: Final = 8


def fsync_ms(samples: int = 50) -> float:
    """Median milliseconds of one small write + fsync in a temporary directory (this disk)."""
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "probe"
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        try:
            for i in range(samples):
                started = time.perf_counter()
                os.write(fd, b"x" * 512)
                os.fsync(fd)
                times.append(time.perf_counter() - started)
                if i > 5 and sum(times) > 5.0:  # bounded in time on a slow disk
                    break
        finally:
            os.close(fd)
    times.sort()
    return times[len(times) // 2] * 1000


def run(cfg: Config) -> list[Row]:
    n, latency = cfg.send_recipients, cfg.send_latency
    best_on = best_off = float("inf")
    with RemoteSandbox(latency=latency, reject_share=0.05) as sb:
        for _ in range(max(1, cfg.repeat)):
            best_on = min(best_on, timed_send(sb, n, CONCURRENCY, 1, journal=True)[0])
            best_off = min(best_off, timed_send(sb, n, CONCURRENCY, 1, journal=False)[0])
    ratio = best_on / best_off
    return [
        Row(
            f"send {n:,} recipients, latency {latency * 1000:g} ms, concurrency {CONCURRENCY}, "
            "journal on",
            best_on, "s", best_off, "journal=False", ratio, "× off", "≤ 1.10× off",
            ratio <= 1.10,
            notes=[
                f"one write + fsync on this disk: {fsync_ms():.2f} ms (median); each batch "
                "waits for one durable commit before it leaves (its in-flight mark, which "
                "carries the worker's previous answer); concurrent marks share a commit",
            ],
        )
    ]
