"""The transport under :class:`~itnivoice_nb.VoiceClient`: when a request may have been charged.

Whether a failed request may have been charged depends on one fact: had any byte of it been
written to the socket? The urllib3 connection classes here record that moment in the calling
thread's :class:`Exchange`, so the client raises ``ConnectError`` only when nothing was written.
A shared watchdog thread enforces each exchange's deadline by shutting down its socket, so a
blocked read returns at once. The session never follows a redirect and never reads its body.

Example:
    >>> ex = Exchange(end=0.0)
    >>> ex.written, ex.expired
    (False, False)
"""

from __future__ import annotations

import contextlib
import http.client
import math
import os
import socket
import ssl
import threading
import time
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
import urllib3.connection
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

if TYPE_CHECKING:
    pass


# -- transport: the phase of every request, and the deadline -----------------------------------
#
# Whether a failed request may have been charged depends on one fact: had any byte of it been
# written to the socket? The connection classes below record that moment in the current
# thread's Exchange (requests and urllib3 run a request in the calling thread), so the client
# raises ConnectError only when nothing was written. A shared watchdog thread enforces each
# exchange's deadline by shutting down the socket, so that a blocked read returns at once.


class Exchange:
    """One request in flight: how far it got, and duplicates of its sockets for the watchdog."""

    __slots__ = ("connecting", "done", "end", "expired", "socks", "written")

    def __init__(self, end: float) -> None:
        self.end = end
        self.expired = False  # the watchdog fired: the sockets were shut down
        self.done = False
        self.connecting = False  # inside connect(): TCP, proxy CONNECT, TLS handshake
        self.written = False  # the first byte of the request was handed to the socket
        self.socks: list[socket.socket] = []


CURRENT = threading.local()


def _current() -> Exchange | None:
    return getattr(CURRENT, "exchange", None)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    """One daemon thread shared by every client: shuts down the sockets of late exchanges.

    Registering and unregistering cost a lock and a set operation; the thread sleeps until the
    earliest deadline and exits after a few idle seconds (it is started again on demand).
    """

    IDLE_EXIT = 5.0

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active: set[Exchange] = set()
        self._thread: threading.Thread | None = None
        self._wake_at = math.inf

    def watch(self, ex: Exchange) -> None:
        with self._cond:
            self._active.add(ex)
            if self._thread is None:
                self._wake_at = math.inf
                self._thread = threading.Thread(
                    target=self._run, name="itnivoice-deadline", daemon=True
                )
                self._thread.start()
            elif ex.end < self._wake_at:
                self._cond.notify()

    def add_socket(self, ex: Exchange, sock: Any) -> None:
        """Keep a duplicate of ``sock``'s descriptor, so that it can be shut down safely later.

        A duplicate, not ``sock`` itself: TLS wrapping detaches the original socket object, and
        a bare descriptor number could be reused by another socket once this one is closed.
        """
        try:
            fd = os.dup(sock.fileno())
        except (OSError, ValueError, AttributeError):
            return
        try:
            dup = socket.socket(fileno=fd)
        except OSError:
            os.close(fd)
            return
        with self._cond:
            if not ex.done:
                ex.socks.append(dup)
                if ex.expired:
                    _shutdown(dup)
                return
        dup.close()

    def unwatch(self, ex: Exchange) -> bool:
        """End the watch; True when the deadline passed before it ended."""
        with self._cond:
            self._active.discard(ex)
            ex.done = True
            socks, ex.socks = ex.socks, []
            expired = ex.expired
        for dup in socks:
            dup.close()
        return expired

    def _run(self) -> None:
        with self._cond:
            idle_since: float | None = None
            while True:
                now = time.monotonic()
                soonest = math.inf
                for ex in list(self._active):
                    if ex.end <= now:
                        ex.expired = True
                        self._active.discard(ex)
                        for dup in ex.socks:
                            _shutdown(dup)
                    elif ex.end < soonest:
                        soonest = ex.end
                if self._active:
                    idle_since = None
                    wait = soonest - now
                else:
                    if idle_since is None:
                        idle_since = now
                    elif now - idle_since >= self.IDLE_EXIT:
                        self._thread = None
                        return
                    wait = self.IDLE_EXIT
                wait = min(wait, 3600.0)  # Condition.wait refuses huge timeouts
                self._wake_at = now + wait
                self._cond.wait(wait)


WATCHDOG = _Watchdog()


def _after_fork() -> None:  # the child has no watchdog thread (and maybe a held lock)
    global WATCHDOG
    WATCHDOG = _Watchdog()


os.register_at_fork(after_in_child=_after_fork)


class _PhaseMixin:
    """Records in the current :class:`Exchange` when the request starts being written.

    ``connect()`` (TCP, a proxy's CONNECT, the TLS handshake) writes nothing of the request;
    the first :meth:`send` outside it does. Mixed into urllib3's connection classes.
    """

    sock: Any
    auto_open: int
    _itn_exchange: Exchange | None = None

    def __str__(self) -> str:  # errors name the address, not this class
        return f"{getattr(self, 'host', '?')}:{getattr(self, 'port', '?')}"

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        ex = _current()
        if ex is not None:
            self._itn_exchange = ex
            WATCHDOG.add_socket(ex, sock)
        return sock

    def connect(self) -> None:
        ex = _current()
        if ex is None:
            super().connect()  # type: ignore[misc]
            return
        ex.connecting = True
        try:
            super().connect()  # type: ignore[misc]
        finally:
            ex.connecting = False

    def request(self, *args: Any, **kwargs: Any) -> None:
        ex = _current()
        if ex is not None and self.sock is not None and self._itn_exchange is not ex:
            self._itn_exchange = ex  # a reused connection: watch its socket for this exchange
            WATCHDOG.add_socket(ex, self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]

    def send(self, data: Any) -> None:
        ex = _current()
        if ex is not None and not ex.connecting:
            if self.sock is None and self.auto_open:
                self.connect()
            ex.written = True
        super().send(data)  # type: ignore[misc]


class _PhaseHTTPConnection(_PhaseMixin, urllib3.connection.HTTPConnection):
    pass


class _PhaseHTTPSConnection(_PhaseMixin, urllib3.connection.HTTPSConnection):
    pass


class _PhaseHTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _PhaseHTTPConnection


class _PhaseHTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _PhaseHTTPSConnection


_PHASE_POOLS = {"http": _PhaseHTTPConnectionPool, "https": _PhaseHTTPSConnectionPool}


class PhaseAdapter(HTTPAdapter):
    """The HTTP adapter with phase-recording connections, directly and through HTTP proxies.

    (SOCKS proxies keep urllib3's own connections: there the phase is inferred from the error.)
    """

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _PHASE_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):
            manager.pool_classes_by_scheme = _PHASE_POOLS
        return manager


TRANSPORT_ERRORS = (
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)
"""What a failed exchange raises: requests' errors, and what may slip past its wrapping."""


class Failure(NamedTuple):
    """What is kept of a transport exception: never the exception (its frames hold headers)."""

    kind: str  # "connect_timeout", "read_timeout", "tls", "proxy", "cut", "other"
    never_connected: bool  # by the exception's type alone (for adapters we cannot observe)
    cause: str


def failure_of(exc: BaseException) -> Failure:
    # requests wraps urllib3's error as args[0] (a read timeout in the body, say)
    inner = exc.args[0] if exc.args else None
    read_timeout = requests.exceptions.ReadTimeout | urllib3.exceptions.ReadTimeoutError
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        kind = "connect_timeout"
    elif isinstance(exc, read_timeout) or isinstance(inner, urllib3.exceptions.ReadTimeoutError):
        kind = "read_timeout"
    elif isinstance(exc, requests.exceptions.ProxyError | urllib3.exceptions.ProxyError):
        kind = "proxy"
    elif isinstance(exc, requests.exceptions.SSLError | urllib3.exceptions.SSLError | ssl.SSLError):
        kind = "tls"
    elif isinstance(
        exc,
        requests.exceptions.ChunkedEncodingError
        | requests.exceptions.ContentDecodingError
        | urllib3.exceptions.ProtocolError
        | http.client.IncompleteRead,
    ):
        kind = "cut"
    else:
        kind = "other"
    never = isinstance(exc, requests.exceptions.ConnectTimeout) or _never_connected(exc)
    return Failure(kind, never, _cause(exc))


class Session(requests.Session):
    """A session that never follows a redirect, nor reads a redirect's body.

    (With ``allow_redirects=False`` plain requests still reads a 3xx answer's whole body, and
    with ``max_redirects=0`` then raises TooManyRedirects: both bypassed here.)
    """

    def get_redirect_target(self, resp: requests.Response) -> str | None:
        return None


class TooLarge(Exception):
    """Internal: the answer passed ``max_response_bytes``."""


CHUNK = 64 * 1024


def location_host(url: str, location: str | None) -> str | None:
    """The host a Location header names (resolved against ``url``); None if absent/unreadable."""
    if not location:
        return None
    try:
        host = urlsplit(urljoin(url, location.strip())).hostname
    except ValueError:
        return None
    return host[:253] if host else None



def discard(response: requests.Response | None) -> None:
    """Close a response that is not read to its end (its connection is not reused)."""
    if response is not None and response.raw is not None:
        # Closing a broken connection may fail; it is dropped anyway.
        with contextlib.suppress(Exception):
            response.close()


def _never_connected(exc: BaseException) -> bool:
    """True when the error's type alone shows it came while connecting (DNS, refused, connect
    timeout): before any byte of the request left. Used where the phase is not observed."""
    reason: Any = exc.args[0] if exc.args else None
    for candidate in (reason, getattr(reason, "reason", None), exc):
        if isinstance(candidate, NewConnectionError | ConnectTimeoutError):
            return True
    return False


_EXCERPT = 200


def _cause(exc: BaseException) -> str:
    """A short, secret-free account of what went wrong underneath (urllib3's reason)."""
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    if isinstance(reason, urllib3.exceptions.ProxyError) and reason.original_error is not None:
        reason = f"{reason.args[0]}: {reason.original_error}"
    text = " ".join(str(reason).split()) or type(reason).__name__
    return text[:_EXCERPT]

