"""``send`` to the sandbox with latency: against the latency bound and the seed's plain loop.

The sandbox runs in its own process (as the real API is elsewhere) and sleeps ``latency``
seconds before every answer. 100,000 distinct clean numbers make 500 requests of 200; with
``concurrency`` requests in flight the best possible wall time is the **bound**
``requests × latency / concurrency``. Targets: ``send`` within 1.15× the bound at concurrency 8
and 32, and at least 7× faster than the sequential loop of the vendor's sample (one new
connection per request, one request at a time, JSON parsed).

``send`` runs as a user would: journal on (a fresh SQLite file each run, fsync'd), no progress
bar. Clock: wall time, best of ``repeat`` runs.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
import warnings
from pathlib import Path
from typing import Final

import requests

import itnivoice_nb as iv

from ._core import Config, Row, speedup_row, timed
from ._remote import RemoteSandbox
from .messy import clean_frame, clean_numbers

NAME: Final = "send"
TITLE: Final = "send() to the sandbox with latency (sandbox in its own process)"
BATCH: Final = 200
MESSAGE: Final = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")


def sequential_loop(sb: RemoteSandbox, numbers: list[str], *, deadline: float) -> int:
    """The vendor sample's way, in Python: one request at a time, a new connection each.

    Returns how many numbers the answers accepted. Stops at ``deadline`` (monotonic seconds).
    """
    url = sb.base_url + "/sendGroup"
    fields = MESSAGE.fields()
    accepted = 0
    for start in range(0, len(numbers), BATCH):
        if time.monotonic() > deadline:
            raise TimeoutError("the sequential loop ran past its deadline")
        stamp = str(int(time.time()))
        sign = hashlib.md5((sb.api_key + sb.api_secret + stamp).encode()).hexdigest()
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "Sign": sign,
            "Timestamp": stamp,
            "Api-Key": sb.api_key,
            "Connection": "close",
        }
        body = json.dumps({"callee": ",".join(numbers[start : start + BATCH]), **fields})
        response = requests.post(url, data=body.encode(), headers=headers, timeout=60)
        answer = response.json()
        if answer.get("status") != "0":
            raise RuntimeError(f"the sandbox refused the loop's request: {answer}")
        accepted += sum(item["terminationCode"] == "0" for item in answer["data"])
    return accepted


def timed_send(
    sb: RemoteSandbox, n: int, concurrency: int, repeat: int, *, journal: bool = True,
    budget: float = 300.0,
) -> tuple[float, float]:
    """Best (wall, CPU) seconds of ``send`` of ``n`` clean numbers; each run a new campaign."""
    frame = clean_frame(n)
    best_wall, best_cpu = float("inf"), float("inf")
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for i in range(max(1, repeat)):
            if i and time.monotonic() - started > budget:
                break
            sb.command("reset")
            client = sb.client()
            with tempfile.TemporaryDirectory() as tmp:
                target: str | bool = str(Path(tmp) / "journal.sqlite") if journal else False
                with timed() as t:
                    results = iv.send(
                        frame, MESSAGE, client=client, journal=target, progress=False,
                        concurrency=concurrency,
                    )
            client.close()
            sent = results["outcome"].isin(["submitted", "rejected"]).sum()
            if sent != n:
                raise RuntimeError(f"send answered {sent} of {n} recipients")
            stats = sb.stats()
            if stats["max_charges"] != 1 or stats["errors"]:
                raise RuntimeError(f"the sandbox saw a problem: {stats}")
            best_wall, best_cpu = min(best_wall, t.wall), min(best_cpu, t.cpu)
    return best_wall, best_cpu


def run(cfg: Config) -> list[Row]:
    n, latency = cfg.send_recipients, cfg.send_latency
    requests_made = -(-n // BATCH)
    rows: list[Row] = []
    walls: dict[int, float] = {}
    with RemoteSandbox(latency=latency, reject_share=0.05) as sb:
        for concurrency in (8, 32):
            wall, cpu = timed_send(sb, n, concurrency, cfg.repeat)
            walls[concurrency] = wall
            bound = requests_made * latency / concurrency
            ratio = wall / bound
            rows.append(
                Row(
                    f"send {n:,} recipients, latency {latency * 1000:g} ms, "
                    f"concurrency {concurrency}",
                    wall, "s", bound, f"bound {requests_made} × {latency * 1000:g} ms / "
                    f"{concurrency}", ratio, "× bound", "≤ 1.15× bound", ratio <= 1.15,
                    notes=[f"client CPU {cpu:.2f} s; journal on (file, fsync)"],
                )
            )
        m = min(cfg.sequential_recipients, n)
        with timed() as t:
            accepted = sequential_loop(sb, clean_numbers(m), deadline=time.monotonic() + 600)
        scaled = t.wall * n / m
    rows.append(
        speedup_row(
            f"send {n:,} recipients, latency {latency * 1000:g} ms, concurrency 8",
            walls[8], scaled, "sequential loop, new connection per request", 7,
            notes=[
                f"loop: {t.wall / -(-m // BATCH) * 1000:.1f} ms per request "
                f"({accepted:,} of {m:,} accepted)"
                + (f"; timed on {m:,} recipients, scaled to {n:,}" if m < n else ""),
            ],
        )
    )
    return rows
