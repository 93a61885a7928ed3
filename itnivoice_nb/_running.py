"""Sandboxes running in this process, by base URL: so results can find the one that sent them.

``iv.call_outcomes(results)`` after a send to a sandbox needs no ``client=`` while that sandbox
still runs: the results name their base URL, and the sandbox registered itself here when it
started (and leaves when it stops).

Example:
    >>> register("http://127.0.0.1:9/voice", lambda: "a client")
    >>> client_for("http://localhost:9/voice/")()
    'a client'
    >>> unregister("http://127.0.0.1:9/voice"); client_for("http://127.0.0.1:9/voice") is None
    True
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ._urls import normalize_base_url

_RUNNING: dict[str, Callable[[], Any]] = {}
_LOCK = threading.Lock()


def register(base_url: str, make_client: Callable[[], Any]) -> None:
    """Say a sandbox serves ``base_url``; ``make_client()`` gives a client signed for it."""
    with _LOCK:
        _RUNNING[normalize_base_url(base_url)] = make_client


def unregister(base_url: str) -> None:
    """The sandbox at ``base_url`` stopped."""
    with _LOCK:
        _RUNNING.pop(normalize_base_url(base_url), None)


def client_for(base_url: str | None) -> Callable[[], Any] | None:
    """The client factory of the sandbox running at ``base_url`` in this process, if any."""
    if not base_url:
        return None
    with _LOCK:
        return _RUNNING.get(normalize_base_url(base_url))
