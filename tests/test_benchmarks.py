"""The benchmarks keep working: ``python -m benchmarks --quick`` runs every case at small sizes.

Nothing here checks a timing or a target (the machine is shared and noisy; the figures are read
from ``make bench``'s report): only that every case ran, printed its row, and measured a figure
and a ratio to its reference. The last tests check that the faster roads the benchmarks led to
(results from the workers' parsed answers, the plain JSON road, group commit) give exactly what
the plain roads give.
"""

from __future__ import annotations

import importlib
import json
import math
import os
import random
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb import VoiceClient, VoiceMessage, prepare
from itnivoice_nb import _journal as j
from itnivoice_nb import _results as results
from itnivoice_nb._client import parse_group_answer
from itnivoice_nb._errors import BadResponseError

ACCOUNT = j.Account("k", "http://loopback/voice", "a", "f.mp3")

ROOT = Path(__file__).resolve().parents[1]


def bench(module: str) -> ModuleType:
    """``benchmarks.<module>``; the package lives at the repository root, not installed."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(f"benchmarks.{module}")


def test_quick_mode_runs_every_case_and_reports_a_ratio(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(report)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    got = json.loads(report.read_text(encoding="utf-8"))
    assert got["quick"] is True
    cases = bench("__main__").CASES
    assert set(got["cases"]) == set(cases)
    for name in cases:
        case = got["cases"][name]
        assert "error" not in case, case.get("error")
        assert case["rows"], f"{name} reported no row"
        for row in case["rows"]:
            assert row["figure"] > 0 and math.isfinite(row["figure"]), row
            assert row["ratio"] is not None and math.isfinite(row["ratio"]), row
            assert row["reference"] is not None and row["target"], row
            assert row["met"] is None  # quick sizes give no verdict
            assert row["case"] in done.stdout
    assert "| case | figure | reference | ratio | target | met |" in done.stdout


def test_messy_numbers_are_deterministic_and_mixed() -> None:
    messy = bench("messy")
    values = messy.messy_numbers(3000, seed=5)
    assert values == messy.messy_numbers(3000, seed=5) != messy.messy_numbers(3000, seed=6)
    assert any(isinstance(v, int) for v in values) and None in values
    text = [v for v in values if isinstance(v, str)]
    shapes = {
        "plus": lambda v: v.lstrip().startswith("+"),
        "00": lambda v: v.startswith("00"),
        "dash": lambda v: "-" in v,
        "parentheses": lambda v: "(" in v,
        "dots": lambda v: "." in v and not v.endswith(".0"),
        "nbsp": lambda v: "\u00a0" in v,
        "arabic-indic": lambda v: any("\u0660" <= ch <= "\u0669" for ch in v),
        "full-width": lambda v: any("\uff10" <= ch <= "\uff19" for ch in v),
        "float text": lambda v: v.endswith(".0"),
        "letters": lambda v: any(ch.isalpha() for ch in v),
        "blank": lambda v: v == "",
    }
    for name, test in shapes.items():
        assert any(test(v) for v in text), name
    frame = messy.messy_frame(3000)
    assert frame["phone"].dtype == "str" and len(frame) == 3000
    share = prepare(frame)["valid"].mean()
    assert 0.75 < share < 0.98  # mostly valid, with a tail of refusals


def test_national_numbers_have_the_asked_distinct_count() -> None:
    messy = bench("messy")
    values = messy.national_numbers(5000, distinct=700)
    assert len(values) == 5000 and len(set(values)) == 700
    assert values == messy.national_numbers(5000, distinct=700)


def test_vendor_adapter_answers_every_callee_without_a_socket() -> None:
    adapter = bench("adapter").VendorAdapter(reject_every=3)
    client = VoiceClient("k", "s", base_url="http://127.0.0.1:9/voice", adapter=adapter)
    numbers = bench("messy").clean_numbers(7)
    answer = client.send_group(numbers, VoiceMessage("a", "hello.mp3"))
    assert [item.callee for item in answer.items] == numbers
    assert [item.accepted for item in answer.items] == [True, True, False] * 2 + [True]
    assert len({item.voice_id for item in answer.items}) == 7
    assert adapter.requests == 1 and adapter.numbers == 7 and adapter.cpu_seconds >= 0
    assert answer.server_date is not None


def test_clean_numbers_are_distinct_and_valid() -> None:
    numbers = bench("messy").clean_numbers(5000)
    assert len(set(numbers)) == 5000
    prepared = prepare(pd.DataFrame({"phone": numbers}))
    assert prepared["valid"].all() and prepared["number"].tolist() == numbers


# --------------------------------------------------------------------------------------------
# The paths the benchmarks made faster give the same results as the plain ones.


def _random_batches(rng: random.Random, numbers: list[str], size: int) -> list[j.Batch]:
    """Batches in every state, with answers of every shape (odd types, missing, shuffled...)."""
    out = []
    for k, start in enumerate(range(0, len(numbers), size), start=1):
        callees = numbers[start : start + size]
        state = rng.choice([j.ANSWERED] * 6 + [j.FAILED, j.UNKNOWN, j.PENDING, j.IN_FLIGHT])
        response = None
        if state == j.ANSWERED:
            mode = rng.randrange(10)
            entries: list[object] = []
            for n in callees:
                entry: dict[str, object] = {
                    "voiceId": str(rng.randrange(10**12)), "callee": n,
                    "terminationCode": "0", "terminationReason": "success",
                }
                if mode >= 6:
                    odd = rng.randrange(6)
                    if odd == 0:
                        entry["terminationCode"] = rng.choice(["2", None, 0])
                        entry["terminationReason"] = rng.choice(["no", "", None, 5])
                    elif odd == 1:
                        entry["voiceId"] = rng.choice(["", None, 0, 123, False])
                    elif odd == 2:
                        entry["callee"] = int(n)
                entries.append(entry)
            if mode == 1:
                rng.shuffle(entries)
            elif mode == 2:
                entries = entries[:-1]
            elif mode == 3:
                entries = entries + entries[:1]
            elif mode == 4:
                entries.append([1])
            payload = {"status": rng.choice(["0"] * 8 + [0, " 0"]), "reason": "success",
                       "data": entries}
            response = json.dumps(payload)
            if mode == 5:
                response = response[: len(response) // 2]
        out.append(
            j.Batch(k, ",".join(callees), state, 1, 200, rng.choice(["0"] * 8 + ["-10", None]),
                    "success", response, rng.choice([None, "boom"]), rng.choice([None, 1.7e9]))
        )
    return out


def test_answers_kept_by_the_workers_give_the_same_results_as_the_journals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = random.Random(11)
    for trial in range(120):
        n = rng.randrange(0, 40)
        phones = [f"9185632{rng.randrange(10**5):05d}" if rng.random() < 0.9 else "12"
                  for _ in range(n)]
        index = None if trial % 2 else [f"r{i // 2}" for i in range(n)]
        prepared = prepare(pd.DataFrame({"phone": phones, "x": range(n)}, index=index))
        numbers = prepared["number"][prepared["valid"] & ~prepared["duplicate"]].tolist()
        batches = _random_batches(rng, numbers, rng.randrange(1, 6)) if numbers else []
        from_journal = results.build_results(prepared, batches, not_sent_reason="ns")
        shared: dict[str | None, str | None] = {}
        kept = {}
        for b in batches:
            if b.response is not None and rng.random() < 0.8:
                try:
                    answer = parse_group_answer(b.response)
                except BadResponseError:
                    continue
                kept[b.batch_no] = results.Answered.of(b.callees, answer.fields, b.attempts,
                                                       shared)
        cached = results.build_results(prepared, batches, not_sent_reason="ns", answered=kept)
        pd.testing.assert_frame_equal(cached, from_journal, check_exact=True)


def test_group_commit_keeps_every_write_and_answers_held_are_not_read_back(
    tmp_path: Path,
) -> None:
    numbers = [f"9185632{i:05d}" for i in range(2000)]
    book = j.Journal(tmp_path / "j.sqlite")
    cid = book.claim(
        "c", label=None, account=ACCOUNT, message={}, numbers=numbers, batch_size=10
    ).campaign_id

    def worker(first: int) -> None:
        for k in range(first, 201, 8):
            book.mark_in_flight(cid, k, 1)
            book.finish(cid, k, state=j.ANSWERED, attempts=1, api_status="0",
                        response=f"answer {k}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(1, 9)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    got = book.batches(cid)
    assert [b.state for b in got] == [j.ANSWERED] * 200
    assert [b.response for b in got] == [f"answer {k}" for k in range(1, 201)]
    held = {1: results.Answered(1, None, [], [], []), 2: results.Answered(7, None, [], [], [])}
    lean = results.read_back(book, cid, held)
    assert lean[0].response is None and lean[1].response == "answer 2"  # 2: other attempts
    assert [b.response for b in lean[2:]] == [b.response for b in got[2:]]
    book.release(cid)
    book.close()


def test_a_failed_record_is_raised_to_its_writer(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    cid = book.claim(
        "c", label=None, account=ACCOUNT, message={},
        numbers=[f"9185632{i:05d}" for i in range(30)], batch_size=10,
    ).campaign_id
    book._db.execute(
        "CREATE TRIGGER refuse BEFORE UPDATE ON batches WHEN NEW.response = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    )
    book.mark_in_flight(cid, 1, 1)
    with pytest.raises(iv.JournalError, match="disk full"):
        book.finish(cid, 1, state=j.ANSWERED, attempts=1, api_status="0", response="boom")
    book.mark_in_flight(cid, 2, 1)  # the journal stays usable for the next write
    states = [b.state for b in book.batches(cid)]
    assert states == [j.IN_FLIGHT, j.IN_FLIGHT, j.PENDING]
    book.release(cid)
    book.close()
