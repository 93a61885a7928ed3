"""Crash safety: a sending process killed with SIGKILL at random moments, then resumed, repeatedly.

The sandbox must have charged every number at most once, and every row must be accounted for:
unknown rows are exactly those of batches that were in flight when a kill struck.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb import _journal as j

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_sigkill_then_resume_until_done(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    nums = sorted({"1" + "".join(rng.choice("0123456789") for _ in range(10)) for _ in range(2000)})
    df = pd.DataFrame({"phone": nums, "k": range(len(nums))})
    csv = tmp_path / "in.csv"
    df.to_csv(csv, index=False)
    journal, out = tmp_path / "journal.sqlite", tmp_path / "out.csv"
    kills = 0
    with iv.Sandbox(latency=0.05, seed=seed) as sb:
        cmd = [
            sys.executable,
            str(ROOT / "tests" / "crash_sender.py"),
            sb.base_url,
            sb.api_key,
            sb.api_secret,
            str(csv),
            str(journal),
            str(out),
        ]
        for attempt in range(12):
            proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
            if attempt < 4:
                # kill at a random moment while requests are flowing
                start, wait_for = len(sb.requests), rng.randint(1, 12)
                deadline = time.monotonic() + 30
                while len(sb.requests) < start + wait_for and proc.poll() is None:
                    assert time.monotonic() < deadline
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.06))
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL)
                    kills += 1
                proc.wait(timeout=30)
                continue
            stdout, _ = proc.communicate(timeout=120)
            assert proc.returncode == 0, stdout
            if "done" in stdout:
                break
        time.sleep(0.2)  # let the sandbox finish any request a killed process left behind
        charges = sb.charges
        sent = [
            n
            for r in sb.requests
            if r.endpoint == "sendGroup" and isinstance(r.body, dict)
            for n in str(r.body["callee"]).split(",")
        ]
    assert kills >= 1
    res = pd.read_csv(out, dtype={"number": str, "phone": str})
    assert len(res) == len(df) and res["outcome"].notna().all()
    assert max(charges.values()) == 1, "a number was charged twice"
    assert len(sent) == len(set(sent)), "a number was sent twice"
    counts = res["outcome"].value_counts()
    assert set(counts.index) <= {"submitted", "rejected", "unknown"}
    print("kills", kills, dict(counts))
    # nothing is pending: every batch was sent exactly once, whatever happened
    book = j.Journal(journal)
    cid = next(iter(book._db.execute("SELECT campaign_id FROM campaigns")))[0]
    states = {b.state for b in book.batches(cid)}
    assert states <= {"answered", "unknown"}
    # unknown rows are exactly the batches whose answer never reached the journal
    unknown_batches = {b.batch_no for b in book.batches(cid) if b.state == "unknown"}
    assert set(res.loc[res["outcome"] == "unknown", "batch"].astype(int)) == unknown_batches
    submitted = res.loc[res["outcome"] == "submitted", "number"]
    assert all(charges[n] == 1 for n in submitted)
