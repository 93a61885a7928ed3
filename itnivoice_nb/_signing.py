"""Signing: the ``Sign``, ``Timestamp`` and ``Api-Key`` headers every call carries.

``Sign`` is the hex MD5 of ``api_key + api_secret + timestamp``, the timestamp being Unix seconds
as a decimal string. A request is signed afresh for every attempt.

In the headers, the ``Sign`` value is a :class:`MaskedStr`: it is sent as is, but its ``repr``
(what a dict's repr, a debugger or a traceback with locals shows) is ``'***'``.

Example:
    >>> sign("bDqJFiq9", "7bz1lzh9", "1630468800")
    '05d7a50893e22a5c4bb3216ae3396c7c'
    >>> headers = signed_headers("bDqJFiq9", "7bz1lzh9", now=1630468800)
    >>> sorted(headers)
    ['Api-Key', 'Content-Type', 'Sign', 'Timestamp']
    >>> headers["Sign"]
    '***'
    >>> headers["Sign"] == "05d7a50893e22a5c4bb3216ae3396c7c"
    True
"""

from __future__ import annotations

import hashlib
import time
from typing import Protocol

from ._vendor import CONTENT_TYPE


class Revealable(Protocol):
    """A wrapped secret (such as the client's): ``reveal()`` returns the plain value."""

    def reveal(self) -> str: ...


class MaskedStr(str):
    """A string whose ``repr`` is ``'***'``: for values that must never be shown.

    It compares, hashes, encodes and formats (``str()``, f-strings) as the plain value, so it
    can be sent in a header; only ``repr`` — and so every container's repr — hides it.

    Example:
        >>> value = MaskedStr("abc")
        >>> value, {"Sign": value}, value == "abc", f"{value}"
        ('***', {'Sign': '***'}, True, 'abc')
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


def clock() -> float:
    """The local clock used for timestamps (Unix seconds)."""
    return time.time()


def sign(api_key: str, api_secret: str, timestamp: str) -> str:
    """Return the hex MD5 signature of ``api_key + api_secret + timestamp`` (a plain str)."""
    return hashlib.md5((api_key + api_secret + timestamp).encode("utf-8")).hexdigest()


def signed_headers(
    api_key: str, api_secret: str | Revealable, now: float | None = None
) -> dict[str, str]:
    """Return the four headers of a signed request, timestamped ``now`` (default: the clock).

    ``api_secret`` may be the plain secret or a wrapper with ``reveal()``; a wrapped secret is
    revealed only inside this call, so no caller's frame holds it. ``Sign`` is a
    :class:`MaskedStr`.
    """
    timestamp = str(int(clock() if now is None else now))
    secret = api_secret if isinstance(api_secret, str) else api_secret.reveal()
    return {
        "Content-Type": CONTENT_TYPE,
        "Sign": MaskedStr(sign(api_key, secret, timestamp)),
        "Timestamp": timestamp,
        "Api-Key": api_key,
    }
