"""Small hostile servers on 127.0.0.x for client and send tests: each a context manager.

Every server binds a loopback address only (``127.0.0.0/8``), uses socket timeouts, serves each
connection in a daemon thread, and stops itself after ``lifetime`` seconds even if the test
forgets. None of them ever opens a connection anywhere. Each keeps what it saw:
``connections`` (accepted connections), ``requests`` (every complete request, parsed) and
``complete_requests`` (their count), so a test can assert "received once" or "received nothing".

* :class:`RecordingServer` — answers every request with a vendor-like JSON "success" and
  records every byte received (``received``): the target a redirect must never reach.
* :class:`Redirector` — answers every request with one 3xx status and ``Location`` header.
* :class:`RecordingProxy` — an HTTP proxy that records request lines (``connects`` for
  CONNECT targets) and answers 502 or closes; it never connects out.
* :class:`TricklingServer` — sends the answer's headers, or its body, one byte at a time.
* :class:`EndlessServer` — an HTTP 200 whose body never ends (up to a safety limit).
* :class:`SilentServer` — accepts connections and never says anything.
* :class:`TLSServer` — HTTPS with a throw-away CA (``trustme``): answers, or reads the whole
  request, counts it and then breaks TLS; or presents a certificate the client does not trust.

Example:
    >>> with RecordingServer() as target:
    ...     target.base_url.startswith("http://127.0.0.1:")
    True
    >>> target.connections, target.complete_requests
    (0, 0)
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Literal, Self

OK_BODY = b'{"status":"0","reason":"success","data":[]}'
"""A vendor-shaped "success" answer with no data (fine for sendGroup, balance, listings)."""

_HEAD_LIMIT = 64 * 1024
_BODY_LIMIT = 64 * 2**20


@dataclass(frozen=True)
class RecordedRequest:
    """One complete HTTP request as a server read it (header names lower-cased)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def _check_loopback(host: str) -> str:
    if not ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).version != 4:
        raise ValueError(f"test servers bind 127.0.0.0/8 only, not {host!r}")
    return host


def read_head(conn: socket.socket | ssl.SSLSocket, sink: bytearray | None = None) -> bytes:
    """Read until the blank line ending an HTTP head; b"" if the peer left (or it is too long).

    The bytes returned may run past the head (the start of the body); ``sink``, when given,
    receives every raw byte read.
    """
    data = bytearray()
    while b"\r\n\r\n" not in data:
        if len(data) > _HEAD_LIMIT:
            return b""
        chunk = conn.recv(4096)
        if not chunk:
            return b""
        if sink is not None:
            sink += chunk
        data += chunk
    return bytes(data)


def read_request(
    conn: socket.socket | ssl.SSLSocket, sink: bytearray | None = None
) -> RecordedRequest | None:
    """Read one whole request (head, then ``Content-Length`` bytes); None if it is incomplete.

    ``sink``, when given, receives every raw byte read.
    """
    data = read_head(conn, sink)
    if not data:
        return None
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        return None
    if length < 0 or length > _BODY_LIMIT:
        return None
    body = bytearray(rest)
    while len(body) < length:
        chunk = conn.recv(min(65536, length - len(body)))
        if not chunk:
            return None
        if sink is not None:
            sink += chunk
        body += chunk
    return RecordedRequest(parts[0], parts[1], headers, bytes(body[:length]))


def answer(status: int, body: bytes = OK_BODY, headers: dict[str, str] | None = None) -> bytes:
    """The bytes of a complete HTTP/1.1 answer that closes the connection."""
    reason = {200: "OK", 502: "Bad Gateway"}.get(status, "Status")
    lines = [f"HTTP/1.1 {status} {reason}"]
    fields = {"Content-Type": "application/json;charset=UTF-8", "Connection": "close"}
    fields.update(headers or {})
    fields["Content-Length"] = str(len(body))
    lines += [f"{k}: {v}" for k, v in fields.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class LoopbackServer:
    """Base class: a TCP listener on a loopback address, one daemon thread per connection.

    Subclasses implement :meth:`handle`. ``io_timeout`` bounds every socket read and write;
    ``lifetime`` bounds the whole server (it stops itself).

    Attributes:
        host, port: where it listens.
        connections: connections accepted so far.
        requests: every complete request read (see :meth:`record`).
    """

    scheme: ClassVar[str] = "http"

    def __init__(
        self, host: str = "127.0.0.1", *, io_timeout: float = 5.0, lifetime: float = 30.0
    ) -> None:
        self.host = _check_loopback(host)
        self.io_timeout = io_timeout
        self.lifetime = lifetime
        self.port = 0
        self.connections = 0
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: set[socket.socket] = set()
        self._began = 0.0

    # -- life cycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The client's ``base_url`` for this server (``{scheme}://host:port/voice``)."""
        return f"{self.scheme}://{self.host}:{self.port}/voice"

    @property
    def url(self) -> str:
        """``{scheme}://host:port`` (for a proxy setting, say)."""
        return f"{self.scheme}://{self.host}:{self.port}"

    @property
    def complete_requests(self) -> int:
        """How many complete requests (head and whole body) were read."""
        with self._lock:
            return len(self.requests)

    @property
    def stopping(self) -> bool:
        """True once stop() was called or the lifetime is over."""
        return self._stop.is_set() or time.monotonic() - self._began > self.lifetime

    def start(self) -> Self:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((self.host, 0))
        listener.listen(16)
        listener.settimeout(0.1)
        self._listener = listener
        self.port = int(listener.getsockname()[1])
        self._began = time.monotonic()
        thread = threading.Thread(target=self._accept_loop, name=type(self).__name__, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        """Stop accepting, cut every open connection, wait (briefly) for the threads."""
        self._stop.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=2.0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self.stopping:
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            conn.settimeout(self.io_timeout)
            with self._lock:
                self.connections += 1
                self._open.add(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)
        with contextlib.suppress(OSError):
            self._listener.close()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except (OSError, ValueError):
            pass  # the client went away, a timeout, or a TLS failure: all expected here
        finally:
            with self._lock:
                self._open.discard(conn)
            with contextlib.suppress(OSError):
                conn.close()

    # -- for subclasses ---------------------------------------------------------------------

    def record(self, request: RecordedRequest) -> None:
        """Keep a complete request (counted by ``complete_requests``)."""
        with self._lock:
            self.requests.append(request)

    def handle(self, conn: socket.socket) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class RecordingServer(LoopbackServer):
    """Answers every request with ``status``/``body`` and records every byte it receives.

    Args:
        host: the loopback address, e.g. ``"127.0.0.2"`` for "another host".
        status, body: the answer (default: HTTP 200 with :data:`OK_BODY`).
        reply: False reads the whole request, records it, then hangs up without answering
            (the request reached the server; the client gets no answer).
        keep_alive: serve several requests on one connection (answers say nothing of closing).

    Attributes: ``received`` (every raw byte, all connections), plus the base ones.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        status: int = 200,
        body: bytes = OK_BODY,
        reply: bool = True,
        keep_alive: bool = False,
        **kw: float,
    ) -> None:
        super().__init__(host, **kw)
        self.status = status
        self.body = body
        self.reply = reply
        self.keep_alive = keep_alive
        self.received = bytearray()

    def handle(self, conn: socket.socket) -> None:
        while not self.stopping:
            request = read_request(conn, self.received)
            if request is None:
                return
            self.record(request)
            if not self.reply:
                conn.shutdown(socket.SHUT_RDWR)
                return
            extra = {"Connection": "keep-alive"} if self.keep_alive else {}
            conn.sendall(answer(self.status, self.body, extra))
            if not self.keep_alive:
                return


class Redirector(LoopbackServer):
    """Answers every request with HTTP ``status`` and ``Location: location`` (None: no header).

    ``body_size`` bytes of body follow (declared in ``Content-Length``, sent in 64 KiB pieces
    for as long as the client reads): a client that does not read a redirect's body never
    receives most of a large one.

    Example:
        >>> with Redirector(307, "http://127.0.0.2:9/voice/sendGroup") as r:
        ...     r.status
        307
    """

    def __init__(
        self,
        status: int,
        location: str | None,
        host: str = "127.0.0.1",
        *,
        body_size: int = 5,
        **kw: float,
    ) -> None:
        super().__init__(host, **kw)
        self.status = status
        self.location = location
        self.body_size = 0 if status == 304 else body_size
        self.sent = 0

    def handle(self, conn: socket.socket) -> None:
        request = read_request(conn)
        if request is None:
            return
        self.record(request)
        headers = {"Location": self.location} if self.location is not None else {}
        head = answer(self.status, b"", headers).replace(
            b"Content-Length: 0", b"Content-Length: %d" % self.body_size
        )
        conn.sendall(head)
        block = b"m" * 65536
        while self.sent < self.body_size and not self.stopping:
            piece = block[: self.body_size - self.sent]
            conn.sendall(piece)
            self.sent += len(piece)


class RecordingProxy(LoopbackServer):
    """An HTTP proxy that never forwards: it records the request line and answers or hangs up.

    Args:
        mode: ``"502"`` answers ``502 Bad Gateway``; ``"close"`` closes without a word.

    Attributes:
        lines: every request line received (``"CONNECT host:443 HTTP/1.1"``, ``"POST http://…"``).
        connects: the targets of CONNECT requests (``"api.example.invalid:443"``).
        received: every raw byte received.
    """

    def __init__(
        self, mode: Literal["502", "close"] = "502", host: str = "127.0.0.1", **kw: float
    ) -> None:
        super().__init__(host, **kw)
        self.mode = mode
        self.lines: list[str] = []
        self.received = bytearray()

    @property
    def connects(self) -> list[str]:
        with self._lock:
            return [line.split(" ")[1] for line in self.lines if line.startswith("CONNECT ")]

    def handle(self, conn: socket.socket) -> None:
        head = read_head(conn, self.received)
        if not head:
            return
        with self._lock:
            self.lines.append(head.split(b"\r\n", 1)[0].decode("latin-1"))
        if self.mode == "502":
            conn.sendall(answer(502, b"no upstream in tests"))


class TricklingServer(LoopbackServer):
    """Reads a request, then answers very slowly: one byte every ``interval`` seconds.

    Args:
        part: ``"body"`` sends the headers at once (``Content-Length: length``) and trickles
            the body; ``"headers"`` trickles the headers themselves (a never-ending header).
        interval: seconds between bytes.
        length: bytes to trickle at most.
    """

    def __init__(
        self,
        part: Literal["body", "headers"] = "body",
        *,
        interval: float = 0.3,
        length: int = 1000,
        host: str = "127.0.0.1",
        **kw: float,
    ) -> None:
        super().__init__(host, **kw)
        self.part = part
        self.interval = interval
        self.length = length
        self.sent = 0

    def handle(self, conn: socket.socket) -> None:
        request = read_request(conn)
        if request is None:
            return
        self.record(request)
        if self.part == "body":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % self.length
            )
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(self.length):
            if self._stop.wait(self.interval) or self.stopping:
                return
            conn.sendall(b"x")
            self.sent += 1


class EndlessServer(LoopbackServer):
    """Answers HTTP 200 with a body that never ends (until ``limit`` bytes, a safety stop).

    Args:
        chunked: ``Transfer-Encoding: chunked`` instead of a body ended by closing.
        declared: send this ``Content-Length`` instead (the body still runs to ``limit``).
        limit: bytes sent at most per connection.

    Attributes: ``sent`` (body bytes sent, all connections).
    """

    def __init__(
        self,
        *,
        chunked: bool = False,
        declared: int | None = None,
        limit: int = 256 * 2**20,
        host: str = "127.0.0.1",
        **kw: float,
    ) -> None:
        super().__init__(host, **kw)
        self.chunked = chunked
        self.declared = declared
        self.limit = limit
        self.sent = 0

    def handle(self, conn: socket.socket) -> None:
        request = read_request(conn)
        if request is None:
            return
        self.record(request)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        if self.declared is not None:
            head += b"Content-Length: %d\r\n" % self.declared
        elif self.chunked:
            head += b"Transfer-Encoding: chunked\r\n"
        else:
            head += b"Connection: close\r\n"
        conn.sendall(head + b"\r\n")
        block = b"[" + b"0," * 32767 + b"0"  # 64 KiB of a JSON array that never closes
        frame = b"%x\r\n%b\r\n" % (len(block), block) if self.chunked else block
        sent = 0
        while sent < self.limit and not self.stopping:
            conn.sendall(frame)
            sent += len(block)
            self.sent += len(block)


class SilentServer(LoopbackServer):
    """Accepts connections and never sends a byte (and reads only to notice the client left).

    Against https it stalls the TLS handshake; against http it leaves the request unanswered.
    """

    def handle(self, conn: socket.socket) -> None:
        while not self.stopping:
            try:
                if not conn.recv(65536):
                    return
            except TimeoutError:
                continue


class TLSServer(LoopbackServer):
    """An HTTPS server whose certificate comes from a throw-away CA made with ``trustme``.

    Args:
        mode: ``"answer"`` answers every request with ``body``; ``"break"`` reads the whole
            request, counts it, then breaks TLS (``breaker``) instead of answering.
        breaker: ``"garbage"`` writes bytes that are no valid TLS record on the raw socket;
            ``"truncate"`` writes the start of a record and hangs up mid-record.
        trusted: False presents a certificate from another CA, one ``ca_path`` does not hold:
            the client must refuse the handshake, so no request is ever read.

    Attributes:
        ca_path: a PEM file of the CA to trust (for ``VoiceClient(ca_bundle=...)``).
        complete_requests: complete requests read (inherited), i.e. requests that reached it.
        handshakes, handshake_failures: TLS handshakes completed / failed.

    The certificate names ``127.0.0.1`` and ``localhost``.
    """

    scheme: ClassVar[str] = "https"

    def __init__(
        self,
        mode: Literal["answer", "break"] = "answer",
        *,
        breaker: Literal["garbage", "truncate"] = "garbage",
        trusted: bool = True,
        body: bytes = OK_BODY,
        host: str = "127.0.0.1",
        **kw: float,
    ) -> None:
        import trustme

        super().__init__(host, **kw)
        self.mode = mode
        self.breaker = breaker
        self.body = body
        self.handshakes = 0
        self.handshake_failures = 0
        self.ca = trustme.CA()
        issuer = self.ca if trusted else trustme.CA()
        self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        issuer.issue_cert("127.0.0.1", "localhost").configure_cert(self._context)
        self._dir = tempfile.TemporaryDirectory(prefix="itnivoice-tls-")
        self.ca_path = str(Path(self._dir.name) / "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_path)

    def stop(self) -> None:
        super().stop()
        self._dir.cleanup()

    def handle(self, conn: socket.socket) -> None:
        try:
            tls = self._context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            with self._lock:
                self.handshake_failures += 1
            raise
        with self._lock:
            self.handshakes += 1
            self._open.add(tls)
        try:
            self._handle_tls(tls)
        finally:
            with self._lock:
                self._open.discard(tls)
            tls.close()

    def _handle_tls(self, tls: ssl.SSLSocket) -> None:
        request = read_request(tls)
        if request is None:
            return
        self.record(request)
        if self.mode == "answer":
            tls.sendall(answer(200, self.body))
            return
        # Break TLS under the client's feet, on the raw socket (a duplicate descriptor):
        raw = socket.socket(fileno=os.dup(tls.fileno()))
        with raw:
            if self.breaker == "garbage":
                raw.sendall(b"\x17\x03\x03\x00\x40" + os.urandom(64))
            else:  # a record header announcing 16 KiB, 10 bytes of it, then the end
                raw.sendall(b"\x17\x03\x03\x40\x00" + os.urandom(10))
            raw.shutdown(socket.SHUT_RDWR)
