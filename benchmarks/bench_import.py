"""``import itnivoice_nb`` against ``import pandas`` alone, each in a fresh interpreter.

Target from the issue: at most 1.3× the import of pandas alone, measured in one run. Each
contender is a new ``python -c "import …"`` process (the import cache is per process); the
fastest of ``repeat × 3`` interleaved runs counts (wall time: an import is mostly file reading
and unmarshalling, which CPU time of the parent would not see). Both figures include the
interpreter's start-up.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Final

from ._core import Config, Row

NAME: Final = "import"
TITLE: Final = "import itnivoice_nb vs import pandas"


def _seconds(module: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, timeout=120)
    return time.perf_counter() - started


def run(cfg: Config) -> list[Row]:
    best = {"itnivoice_nb": float("inf"), "pandas": float("inf"), "pass": float("inf"),
            "first use": float("inf")}
    targets = {"pass": "sys", "first use": "itnivoice_nb; itnivoice_nb.plan"}
    for _ in range(max(1, cfg.repeat) * 3):
        for module in best:
            best[module] = min(best[module], _seconds(targets.get(module, module)))
    start = best["pass"]  # the interpreter's own start-up, in both figures
    ours, pandas = best["itnivoice_nb"], best["pandas"]
    ratio = ours / pandas if pandas > 0 else float("inf")
    return [
        Row(
            "`import itnivoice_nb` (a fresh interpreter, its start-up included)",
            ours, "s", pandas, "`import pandas` alone", ratio, "× pandas", "≤ 1.3× pandas",
            ratio <= 1.3,
            notes=[
                f"the interpreter's own start-up: {start:.3f} s of each",
                f"the first use of iv.plan loads pandas, pyarrow, requests and phonenumbers: "
                f"{best['first use'] - start:.3f} s",
            ],
        )
    ]
