"""The sending process of the memory benchmark: read a recipients file, send it, report memory.

Usage: ``python -m benchmarks._memory_child FRAME.parquet BASE_URL KEY SECRET JOURNAL``.
Prints one JSON line: peak RSS (``ru_maxrss``), RSS before the send, the frame's
``memory_usage(deep=True)``, the outcome counts and the timings.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import warnings

import pandas as pd
import psutil

import itnivoice_nb as iv


def main(argv: list[str]) -> int:
    frame_path, base_url, key, secret, journal = argv[1:6]
    process = psutil.Process()
    rss_start = process.memory_info().rss
    frame = pd.read_parquet(frame_path)
    frame_bytes = int(frame.memory_usage(deep=True).sum())
    rss_before = process.memory_info().rss
    client = iv.VoiceClient(api_key=key, api_secret=secret, base_url=base_url)
    message = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        results = iv.send(frame, message, client=client, journal=journal, progress=False)
    seconds = time.perf_counter() - started
    rss_after = process.memory_info().rss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(
        json.dumps(
            {
                "rows": len(frame),
                "frame_bytes": frame_bytes,
                "results_bytes": int(results.memory_usage(deep=True).sum()),
                "rss_start": rss_start,
                "rss_before_send": rss_before,
                "rss_after_send": rss_after,
                "peak_rss": peak,
                "seconds": seconds,
                "outcomes": {str(k): int(v) for k, v in results["outcome"].value_counts().items()},
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
