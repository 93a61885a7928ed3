"""Peak memory of a 1,000,000-row ``send`` to the sandbox (zero latency).

The recipients (the messy mix, as a text column) are written to a Parquet file; a fresh
Python process reads it and sends it with the journal on (a SQLite file) to a sandbox running
in a third process, and reports its peak resident set size (``ru_maxrss``) next to the input
frame's ``memory_usage(deep=True)``. Target: peak RSS at most 1.5 GB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Final

from ._core import Config, Row
from ._remote import RemoteSandbox
from .messy import messy_frame

NAME: Final = "memory"
TITLE: Final = "peak memory of a send (sending process alone)"
LIMIT_MB: Final = 1500.0
_ROOT: Final = Path(__file__).resolve().parent.parent


def run(cfg: Config) -> list[Row]:
    n = cfg.memory_rows
    with tempfile.TemporaryDirectory() as tmp:
        frame_path = Path(tmp) / "recipients.parquet"
        messy_frame(n).to_parquet(frame_path)
        with RemoteSandbox(latency=0.0, reject_share=0.05) as sb:
            env = {**os.environ, "PYTHONPATH": str(_ROOT)}
            done = subprocess.run(
                [
                    sys.executable, "-m", "benchmarks._memory_child", str(frame_path),
                    sb.base_url, sb.api_key, sb.api_secret, str(Path(tmp) / "journal.sqlite"),
                ],
                capture_output=True, text=True, cwd=_ROOT, env=env,
                timeout=max(120.0, cfg.deadline), check=False,
            )
            stats = sb.stats()
    if done.returncode != 0:
        raise RuntimeError(f"the sending process failed:\n{done.stderr[-3000:]}")
    got = json.loads(done.stdout.strip().splitlines()[-1])
    mb = 1024 * 1024
    peak, frame = got["peak_rss"] / mb, got["frame_bytes"] / mb
    return [
        Row(
            f"peak RSS of a {n:,}-row send (zero latency, journal on)",
            peak, "MB", frame, "input frame, deep", peak / frame, "× frame",
            f"≤ {LIMIT_MB:,.0f} MB peak RSS", peak <= LIMIT_MB,
            notes=[
                f"RSS after imports {got['rss_start'] / mb:,.0f} MB, after reading the frame "
                f"{got['rss_before_send'] / mb:,.0f} MB, after the send "
                f"{got['rss_after_send'] / mb:,.0f} MB; results frame "
                f"{got['results_bytes'] / mb:,.0f} MB (deep)",
                f"send took {got['seconds']:.1f} s; outcomes {got['outcomes']}; the sandbox "
                f"answered {stats['send_group']:,} sendGroup requests, max charges per number "
                f"{stats['max_charges']}",
            ],
            extra=got,
        )
    ]
