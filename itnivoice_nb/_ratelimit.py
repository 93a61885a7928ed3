"""A thread-safe token bucket: at most ``rate`` requests a second.

Example:
    >>> bucket = TokenBucket(rate=1000.0)
    >>> bucket.acquire()
    True
"""

from __future__ import annotations

import threading
import time


class TokenBucket:
    """Token bucket of ``rate`` tokens a second holding at most ``burst`` tokens."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if not rate > 0:
            raise ValueError(f"rate_limit: {rate!r}; allowed: a positive number of requests/s")
        self.rate = float(rate)
        self.burst = max(1.0, float(burst))
        self._tokens = self.burst
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a token; False if ``stop`` was set while waiting."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return True
                wait = (1.0 - self._tokens) / self.rate
            if stop is not None:
                if stop.wait(wait):
                    return False
            else:
                time.sleep(wait)
