"""``plan()`` against a full ledger: what checking every number against the journal costs.

Target from the issue: ``plan()`` of 1,000,000 messy rows against a ledger already holding
1,000,000 numbers of the same account and audio (half of them numbers of this list, as in a
repeat campaign) takes at most 3× ``prepare()`` of the same rows, measured in one run.

Both contenders run ``repeat`` times, interleaved, keeping their fastest wall time (planning
reads SQLite, so wall time is the honest clock; the journal file is warm in the page cache
after the first run, as it is in a notebook session).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path
from typing import Final

import itnivoice_nb as iv
from itnivoice_nb import _journal as j
from itnivoice_nb._urls import normalize_base_url

from ._core import Config, Row, best_of, slowdown_row
from .messy import clean_numbers, messy_frame

NAME: Final = "plan"
TITLE: Final = "plan() against a ledger of a million numbers vs prepare()"

MSG: Final = iv.VoiceMessage(app_id="4luaKsL2", file_id="bench.mp3")
BASE_URL: Final = "http://127.0.0.1:9/voice"


def run(cfg: Config) -> list[Row]:
    n = cfg.prepare_rows
    frame = messy_frame(n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prepared = iv.prepare(frame)
    valid = prepared["number"][prepared["valid"] & ~prepared["duplicate"]].tolist()
    own = valid[: len(valid) // 2]
    taken = set(own)
    others = [x for x in clean_numbers(n) if x not in taken][: n - len(own)]
    client = iv.VoiceClient("bench-key", "bench-secret", BASE_URL)
    account = j.Account("bench-key", normalize_base_url(BASE_URL), MSG.app_id, MSG.file_id)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite"
        with j.Journal(path) as book:
            book.claim("earlier", label="earlier", account=account, message=MSG.fields(),
                       numbers=own + others, batch_size=200)
            book.release("earlier")
        held = len(own) + len(others)

        def plan() -> object:
            return iv.plan(frame, MSG, client=client, journal=path)

        def prep() -> object:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return iv.prepare(frame)

        got = best_of({"plan": plan, "prepare": prep}, cfg.repeat, clock="wall")
        sample = iv.plan(frame, MSG, client=client, journal=path)
    return [
        slowdown_row(
            f"`plan()` {n:,} messy rows, ledger holding {held:,} numbers "
            f"({sample.counts['already_called']:,} of this list)",
            got["plan"].wall,
            got["prepare"].wall,
            "`prepare()` of the same rows",
            3.0,
            notes=[f"to call {sample.to_call:,} in {sample.requests:,} requests"],
        )
    ]
