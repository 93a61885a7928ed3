"""Signing: the ``Sign``, ``Timestamp`` and ``Api-Key`` headers every call carries.

``Sign`` is the hex MD5 of ``api_key + api_secret + timestamp``, the timestamp being Unix seconds
as a decimal string. A request is signed afresh for every attempt.

Example:
    >>> sign("bDqJFiq9", "7bz1lzh9", "1630468800")
    '05d7a50893e22a5c4bb3216ae3396c7c'
    >>> sorted(signed_headers("bDqJFiq9", "7bz1lzh9", now=1630468800))
    ['Api-Key', 'Content-Type', 'Sign', 'Timestamp']
"""

from __future__ import annotations

import hashlib
import time

from ._vendor import CONTENT_TYPE


def clock() -> float:
    """The local clock used for timestamps (Unix seconds)."""
    return time.time()


def sign(api_key: str, api_secret: str, timestamp: str) -> str:
    """Return the hex MD5 signature of ``api_key + api_secret + timestamp``."""
    return hashlib.md5((api_key + api_secret + timestamp).encode("utf-8")).hexdigest()


def signed_headers(api_key: str, api_secret: str, now: float | None = None) -> dict[str, str]:
    """Return the four headers of a signed request, timestamped ``now`` (default: the clock)."""
    timestamp = str(int(clock() if now is None else now))
    return {
        "Content-Type": CONTENT_TYPE,
        "Sign": sign(api_key, api_secret, timestamp),
        "Timestamp": timestamp,
        "Api-Key": api_key,
    }
