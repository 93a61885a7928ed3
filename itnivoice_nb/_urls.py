"""Base URLs: which are on this machine, and the one spelling the ledger keys an endpoint by.

Example:
    >>> is_loopback("localhost"), is_loopback("127.0.0.2"), is_loopback("api.itniotech.com")
    (True, True, False)
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ``::1``)."""
    host = host.lower().rstrip(".").strip("[]")
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_base_url(base_url: str) -> str:
    """The base URL as the ledger keys it: one spelling for one endpoint.

    Scheme and host in lower case; ``localhost``, ``127.0.0.1`` and ``::1`` are one host
    (``loopback``); default ports dropped; repeated and trailing slashes dropped.

    Example:
        >>> normalize_base_url("HTTP://LocalHost:8765//voice/")
        'http://loopback:8765/voice'
        >>> normalize_base_url("https://api.itniotech.com:443/voice")
        'https://api.itniotech.com/voice'
    """
    parts = urlsplit(base_url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if is_loopback(host):
        host = "loopback"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None and port != {"http": 80, "https": 443}.get(scheme):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/")
    return f"{scheme}://{host}{path}"
