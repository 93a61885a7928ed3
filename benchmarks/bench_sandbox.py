"""The sandbox's own throughput: can it keep up with the sends the other cases make?

The sandbox runs in its own process, with no latency; ``clients`` threads of this process keep
one HTTP/1.1 keep-alive connection each and post signed ``sendGroup`` requests of 200 numbers
as fast as the answers come, for a few seconds. Reported: requests a second, numbers a second,
and the sandbox process's CPU time per request (from its own clock). Reference: the busiest
demand of the send cases, ``concurrency / latency`` = 32 / 50 ms = 640 requests a second;
target: at least 2× that, so the sandbox is never what a send benchmark measures.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from typing import Final

from ._core import Config, Row
from ._remote import RemoteSandbox
from .messy import clean_numbers

NAME: Final = "sandbox"
TITLE: Final = "the sandbox's own throughput (sandbox in its own process)"
DEMAND: Final = 32 / 0.05
CLIENTS: Final = 8


def _hammer(
    sb: RemoteSandbox, body: bytes, until: float, counts: list[int], slot: int,
    errors: list[str],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=30)
    try:
        for _ in range(10_000_000):  # bounded; the clock ends it
            if time.monotonic() >= until:
                return
            stamp = str(int(time.time()))
            sign = hashlib.md5((sb.api_key + sb.api_secret + stamp).encode()).hexdigest()
            connection.request(
                "POST", "/voice/sendGroup", body=body,
                headers={
                    "Content-Type": "application/json;charset=UTF-8", "Sign": sign,
                    "Timestamp": stamp, "Api-Key": sb.api_key,
                },
            )
            answer = connection.getresponse().read()
            if not answer.startswith(b'{"status": "0"') and b'"status":"0"' not in answer[:40]:
                errors.append(answer[:200].decode("utf-8", "replace"))
                return
            counts[slot] += 1
    except OSError as exc:
        errors.append(repr(exc))
    finally:
        connection.close()


def measure(sb: RemoteSandbox, seconds: float, clients: int = CLIENTS) -> dict[str, float]:
    """Requests a second and sandbox CPU per request over ``seconds`` of load."""
    body = json.dumps(
        {"callee": ",".join(clean_numbers(200)), "fileId": "hello.mp3", "appId": "4luaKsL2"}
    ).encode()
    counts = [0] * clients
    errors: list[str] = []
    cpu0 = sb.stats()["cpu"]
    start = time.monotonic()
    until = start + seconds
    threads = [
        threading.Thread(target=_hammer, args=(sb, body, until, counts, i, errors), daemon=True)
        for i in range(clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    wall = time.monotonic() - start
    cpu = sb.stats()["cpu"] - cpu0
    if errors:
        raise RuntimeError(f"the sandbox answered badly: {errors[0]}")
    done = sum(counts)
    return {
        "requests": done,
        "per_second": done / wall,
        "cpu_per_request": cpu / max(1, done),
        "wall": wall,
    }


def run(cfg: Config) -> list[Row]:
    with RemoteSandbox(latency=0.0, reject_share=0.05) as sb:
        measure(sb, min(0.5, cfg.sandbox_seconds))  # warm up
        sb.command("reset")
        got = measure(sb, cfg.sandbox_seconds)
    rate = got["per_second"]
    cpu_ms = got["cpu_per_request"] * 1000
    return [
        Row(
            f"sandbox sendGroup throughput, {CLIENTS} keep-alive clients, 200 numbers a request",
            rate, "req/s", DEMAND, "busiest send case: 32 in flight / 50 ms", rate / DEMAND,
            "× demand", "≥ 2× demand", rate >= 2 * DEMAND,
            notes=[
                f"{rate * 200:,.0f} numbers a second; sandbox CPU {cpu_ms:.2f} ms per request "
                f"(≈ {1000 / cpu_ms:,.0f} requests a second on one core); the load "
                "generator shares the machine's 2 cores",
            ],
            extra=got,
        )
    ]
