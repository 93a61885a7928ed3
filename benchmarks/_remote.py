"""Run the sandbox in another process, as the real API is on another machine.

In one process the sandbox and the client would share one interpreter lock, and a benchmark
of the client would partly measure the sandbox. :class:`RemoteSandbox` starts
``python -m benchmarks._serve`` on 127.0.0.1, reads its port, and asks it for its counters and
its CPU time; leaving the ``with`` block closes its stdin, which stops it.

Example:
    >>> with RemoteSandbox(latency=0.0) as sb:  # doctest: +SKIP
    ...     sb.client().balance()["balance"] > 0
    True
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

import itnivoice_nb as iv

_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 60.0
"""Seconds the child may take to import and listen."""
API_KEY = "sandbox-key"
API_SECRET = "sandbox-secret"


class RemoteSandbox:
    """A sandbox in a child process; ``options`` are :class:`itnivoice_nb.Sandbox` arguments."""

    def __init__(self, **options: Any) -> None:
        self.options = {"api_key": API_KEY, "api_secret": API_SECRET, **options}
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> RemoteSandbox:
        env = {**os.environ, "PYTHONPATH": str(_ROOT)}
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks._serve", json.dumps(self.options)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=_ROOT, env=env,
        )
        assert self._proc.stdout is not None
        ready, _, _ = select.select([self._proc.stdout], [], [], START_TIMEOUT)
        line = self._proc.stdout.readline() if ready else ""
        if not line.startswith("READY "):
            self._stop()
            raise RuntimeError(f"the sandbox process did not start: {line!r}")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()  # only the process this object started
            proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/voice"

    @property
    def api_key(self) -> str:
        return str(self.options["api_key"])

    @property
    def api_secret(self) -> str:
        return str(self.options["api_secret"])

    def client(self, **kwargs: Any) -> iv.VoiceClient:
        return iv.VoiceClient(
            api_key=self.api_key, api_secret=self.api_secret, base_url=self.base_url, **kwargs
        )

    def command(self, name: str) -> dict[str, Any]:
        """Send ``stats`` or ``reset``; returns the child's JSON answer."""
        assert self._proc is not None and self._proc.stdin and self._proc.stdout
        self._proc.stdin.write(name + "\n")
        self._proc.stdin.flush()
        answer: dict[str, Any] = json.loads(self._proc.stdout.readline())
        return answer

    def stats(self) -> dict[str, Any]:
        return self.command("stats")
