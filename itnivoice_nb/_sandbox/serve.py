"""Run a sandbox in the foreground until Ctrl-C: ``python -m itnivoice_nb sandbox --port 8765``.

Example (it blocks until Ctrl-C, so it is shown, not run)::

    serve_forever(8765, "127.0.0.1", 0)
    # prints: The sandbox (a local emulation of the Itniotech voice API) is listening.
    #           URL:        http://127.0.0.1:8765  ...
"""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any, TextIO

from .core import Sandbox


def describe(sb: Sandbox) -> str:
    """The lines ``serve_forever`` prints: where the sandbox is and how to point a client at it."""
    balance = "unlimited" if sb.balance is None else f"{sb.balance:.4f}"
    return "\n".join(
        [
            "The sandbox (a local emulation of the Itniotech voice API) is listening.",
            f"  URL:        {sb.url}",
            f"  base URL:   {sb.base_url}",
            f"  API key:    {sb.api_key}",
            f"  API secret: {sb.api_secret}",
            f"  seed: {sb.seed}   balance: {balance}",
            "Point a client at it with:",
            f"  export ITNIOTECH_BASE_URL={sb.base_url} ITNIOTECH_API_KEY={sb.api_key} "
            f"ITNIOTECH_API_SECRET={sb.api_secret}",
            "Press Ctrl-C to stop.",
        ]
    )


def serve_forever(
    port: int, host: str, seed: int, *, out: TextIO | None = None, **options: Any
) -> None:
    """Serve a sandbox on ``host:port`` until Ctrl-C (or SIGTERM), then stop it cleanly.

    ``options`` are :class:`Sandbox` keyword arguments (``api_key``, ``balance``, ``latency``...).
    """
    stream = out if out is not None else sys.stdout
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    sb = Sandbox(port=port, host=host, seed=seed, **options)
    try:
        with sb:
            print(describe(sb), file=stream, flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
            print(f"\nStopping the sandbox ({len(sb.requests)} requests served).", file=stream)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
