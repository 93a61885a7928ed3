"""The client's CPU work per recipient with no network and the journal off.

``iv.send(df, msg, client=VoiceClient(..., adapter=VendorAdapter()), journal=False,
progress=False, concurrency=1)`` over 200,000 distinct, already clean numbers (200 a request):
everything the client does for a recipient — prepare, batching, the in-memory journal, payload,
signing, the ``requests`` machinery, parsing the answer, results assembly — with the socket and
the server replaced by :class:`~benchmarks.adapter.VendorAdapter`. The adapter's own CPU time
(it renders the vendor's answer) is measured inside it and taken off: the target is the
client's work. Clock: process CPU time (wall time in the notes).

The breakdown times each stage alone over the same batches, so the µs can be placed:
``requests`` is ``send_group_raw`` minus payload, signing, parse and the adapter.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import pandas as pd

import itnivoice_nb as iv
from itnivoice_nb import _journal as j
from itnivoice_nb import _signing as signing
from itnivoice_nb._client import GroupAnswer, parse_group_answer
from itnivoice_nb._numbers import prepare
from itnivoice_nb._plan import campaign_id
from itnivoice_nb._results import Answered, build_results, read_back

from ._core import Config, Row, timed
from .adapter import VendorAdapter
from .messy import clean_numbers

ACCOUNT = j.Account("k", "http://loopback/voice", "a", "f.mp3")

NAME: Final = "client_cpu"
TITLE: Final = "client CPU per recipient (in-memory transport, journal off)"
TARGET_US: Final = 5.0
BATCH: Final = 200


def _client(adapter: VendorAdapter) -> iv.VoiceClient:
    return iv.VoiceClient(
        api_key="bench-key", api_secret="bench-secret",
        base_url="http://127.0.0.1:9/voice", adapter=adapter,
    )


def _per_recipient(func: Callable[[], object], recipients: int, repeat: int = 3) -> float:
    """Fastest CPU µs per recipient of ``func`` over ``repeat`` runs."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        with timed() as t:
            func()
        best = min(best, t.cpu)
    return best / recipients * 1e6


def _each(func: Callable[..., object], *args: list[Any]) -> Callable[[], None]:
    """Call ``func`` on each item (zipped), keeping nothing: as the send does, batch by batch."""

    def loop() -> None:
        for item in zip(*args, strict=True):
            func(*item)

    return loop


def breakdown(numbers: list[str], frame: pd.DataFrame) -> dict[str, float]:
    """CPU µs per recipient of each stage, timed alone over the same batches."""
    n = len(numbers)
    msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
    batches = [numbers[i : i + BATCH] for i in range(0, n, BATCH)]
    adapter = VendorAdapter()
    client = _client(adapter)
    payloads = [msg.payload(b) for b in batches]
    texts = [adapter.answer_body(p).decode() for p in payloads]
    answers = [parse_group_answer(t) for t in texts]
    out: dict[str, float] = {}
    out["prepare"] = _per_recipient(lambda: prepare(frame), n)
    book = j.Journal(None)

    def open_campaign() -> None:
        cid = campaign_id(msg, "k", "u", numbers, None)
        j.Journal(None).claim(
            cid, label=None, account=ACCOUNT, message=msg.fields(),
            numbers=numbers, batch_size=BATCH,
        )

    out["campaign id + journal open"] = _per_recipient(open_campaign, n)
    out["payload"] = _per_recipient(_each(msg.payload, batches), n)
    out["signing"] = _per_recipient(_each(lambda _: signing.signed_headers("k", "s"), batches), n)
    adapter.cpu_seconds = 0.0
    raw = _per_recipient(_each(lambda b: client.send_group_raw(b, msg), batches), n, 1)
    adapter_us = adapter.cpu_seconds / n * 1e6
    out["parse answer (client)"] = _per_recipient(_each(parse_group_answer, texts), n)
    out["requests machinery"] = raw - adapter_us - out["payload"] - out["signing"] - out[
        "parse answer (client)"
    ]
    cid = book.claim(
        "c", label=None, account=ACCOUNT, message={}, numbers=numbers,
        batch_size=BATCH,
    ).campaign_id

    def journal_rows() -> None:
        for k, text in enumerate(texts, start=1):  # as a worker does
            book.mark_in_flight(cid, k, 1)
            book.finish(
                cid, k, state=j.ANSWERED, attempts=1, http_status=200, api_status="0",
                api_reason="success", response=text,
            )

    out["journal (memory) in_flight + finish"] = _per_recipient(journal_rows, n, 1)
    shared: dict[str | None, str | None] = {}
    kept: dict[int, Answered] = {}

    def keep(k: int, b: list[str], a: GroupAnswer) -> None:
        kept[k] = answered = Answered.of(b, a.fields, 1, shared)
        Counter(answered.rows(b)[3])  # the progress counts, as send makes them

    numbers_of = list(range(1, len(batches) + 1))
    out["answer fields + counts"] = _per_recipient(_each(keep, numbers_of, batches, answers), n)
    prepared = prepare(frame)
    out["results assembly (read journal + build)"] = _per_recipient(
        lambda: build_results(prepared, read_back(book, cid, kept), answered=kept), n
    )
    out["adapter (stand-in server, not counted)"] = adapter_us
    return out


def run(cfg: Config) -> list[Row]:
    warnings.simplefilter("ignore", UserWarning)  # journal=False warns, on purpose
    n = cfg.client_recipients
    numbers = clean_numbers(n)
    frame = pd.DataFrame({"phone": pd.Series(numbers, dtype="str")})
    msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")

    best_net, best = float("inf"), None
    # An absolute target (no reference in the run): more runs, to catch a quiet moment.
    for _ in range(1 if cfg.quick else max(5, cfg.repeat)):
        adapter = VendorAdapter()
        with timed() as t:
            results = iv.send(
                frame, msg, client=_client(adapter), journal=False, progress=False,
                concurrency=1,
            )
        net = t.cpu - adapter.cpu_seconds
        if net < best_net:
            best_net, best = net, (t, adapter.cpu_seconds)
    assert best is not None
    total, adapter_cpu = best
    if int((results["outcome"] == "submitted").sum()) + int(
        (results["outcome"] == "rejected").sum()
    ) != n:
        raise RuntimeError("the in-memory send did not answer every recipient")
    us = best_net / n * 1e6
    parts = breakdown(numbers, frame)
    counted = sum(v for k, v in parts.items() if "not counted" not in k)
    order = sorted(parts.items(), key=lambda kv: -kv[1])
    notes = [
        f"{n:,} recipients, {BATCH} a request, concurrency 1: CPU {total.cpu:.3f} s in all, "
        f"adapter {adapter_cpu:.3f} s taken off; wall {total.wall:.3f} s "
        f"({total.wall / n * 1e6:.2f} µs per recipient, adapter included)",
        "breakdown (CPU µs per recipient, each stage timed alone): "
        + "; ".join(f"{k} {v:.2f}" for k, v in order)
        + f"; stages sum {counted:.2f}, the rest (threads, queue, main loop) "
        f"{us - counted:.2f}",
    ]
    return [
        Row(
            "client CPU per recipient, in-memory transport, journal off",
            us, "µs", TARGET_US, "budget", us / TARGET_US, "× budget",
            f"≤ {TARGET_US:g} µs per recipient", us <= TARGET_US, notes=notes,
            extra={"breakdown_us": parts},
        )
    ]
