"""A sandbox in its own process, driven over stdin/stdout by ``benchmarks._remote``.

Usage: ``python -m benchmarks._serve '{"latency": 0.05}'``. Prints ``READY <port>``, then
answers one JSON line per command read on stdin (``stats``, ``reset``); stops at end of input.
"""

from __future__ import annotations

import json
import sys
import time

from itnivoice_nb._sandbox import Sandbox


def main(argv: list[str]) -> int:
    options = json.loads(argv[1]) if len(argv) > 1 else {}
    with Sandbox(host="127.0.0.1", port=0, **options) as sb:
        print(f"READY {sb.port}", flush=True)
        for _ in range(1_000_000):  # bounded: one command a line, ends at end of input
            line = sys.stdin.readline()
            if not line:
                break
            command = line.strip()
            if command == "stats":
                requests = sb.requests
                print(
                    json.dumps(
                        {
                            "requests": len(requests),
                            "send_group": sum(r.endpoint == "sendGroup" for r in requests),
                            "charged": sb.charged_total(),
                            "max_charges": sb.max_charges(),
                            "errors": len(sb.errors),
                            "cpu": time.process_time(),
                        }
                    ),
                    flush=True,
                )
            elif command == "reset":
                sb.reset()
                print(json.dumps({"cpu": time.process_time()}), flush=True)
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
