"""The sandbox's HTTP layer: a threaded HTTP/1.1 server with keep-alive, and its faults.

``SandboxServer`` is a stdlib ``ThreadingHTTPServer`` (daemon threads, one per connection) that
tracks its open connections so that ``close()`` ends keep-alive connections at once.
``SandboxHandler`` reads the request (Content-Length or chunked; bodies over 32 MiB get HTTP 413),
routes it (unknown path: HTTP 404 with a small JSON body; wrong method: 405), numbers and logs it,
applies injected faults, and writes each answer in one ``send`` with a correct Content-Length.
Every answer carries a ``Date`` header; API answers are HTTP 200 with a JSON body, whatever
their status. Nothing is logged to stderr; unexpected exceptions are kept in the state's
``errors`` list and answered with HTTP 500.

Example:
    >>> from itnivoice_nb._sandbox.state import SandboxState
    >>> from itnivoice_nb._sandbox.faults import FaultBook
    >>> server = SandboxServer(("127.0.0.1", 0), SandboxState(api_key="k", api_secret="s"),
    ...                        FaultBook(0, ENDPOINT_NAMES))
    >>> server.server_address[0]
    '127.0.0.1'
    >>> server.close()
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import sys
import threading
import time
import traceback
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final

from .checks import Refusal, parse_json_object
from .endpoints import ENDPOINT_NAMES, Endpoint, answer, encode_answer, route
from .faults import Fault, FaultBook
from .state import RequestRecord, SandboxState

MAX_BODY: Final = 32 * 1024 * 1024
"""Largest request body accepted (HTTP 413 above it)."""

KEEPALIVE_SECONDS: Final = 60
"""An idle keep-alive connection (or a stalled request) is closed after this long."""

JSON_TYPE: Final = "application/json;charset=UTF-8"

_HTML_ERROR: Final = (
    "<html>\r\n<head><title>{code} {phrase}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {phrase}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)

__all__ = ["ENDPOINT_NAMES", "SandboxHandler", "SandboxServer"]


class SandboxServer(ThreadingHTTPServer):
    """The listening server: owns the state and faults, tracks live connections."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SandboxState, faults: FaultBook) -> None:
        self.state = state
        self.faults = faults
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._closing = False
        super().__init__(address, SandboxHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name; the sandbox has no use for it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, connection: socket.socket) -> None:
        with self._connections_lock:
            if not self._closing:
                self._connections.add(connection)
                return
        _shutdown(connection)

    def untrack(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close(self) -> None:
        """Stop accepting, end every open connection, close the listening socket."""
        with self._connections_lock:
            self._closing = True
            connections = list(self._connections)
        for connection in connections:
            _shutdown(connection)
        self.server_close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, OSError):  # the client went away: not the sandbox's problem
            return
        self.state.log_error(traceback.format_exc())


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection: serves its requests one after another (keep-alive)."""

    protocol_version = "HTTP/1.1"
    server_version = "itnivoice-sandbox/0.1"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = KEEPALIVE_SECONDS
    server: SandboxServer
    _record: RequestRecord | None = None

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox logs requests in ``Sandbox.requests``, not on stderr."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_GET

    # --- one request -----------------------------------------------------------------------

    def _serve(self) -> None:
        state = self.server.state
        path = self.path.partition("?")[0]
        endpoint, arg = route(path)
        record = state.begin_request(
            self.command,
            path,
            endpoint.name if endpoint else None,
            dict(self.headers.items()),
            time.time(),
        )
        self._record = record
        try:
            self._respond(endpoint, arg, record)
        except OSError:
            self.close_connection = True
        except Exception:
            state.log_error(traceback.format_exc())
            if record.http_status is None:
                self._send_html(500, close=True)

    def _respond(self, endpoint: Endpoint | None, arg: str, record: RequestRecord) -> None:
        raw = self._read_body()
        if raw is None:
            return
        read_at = time.monotonic()
        if endpoint is None:
            self._send_json(404, _http_error(404, record.path))
            return
        if self.command != endpoint.method:
            self._send_json(
                405, _http_error(405, record.path), extra=(f"Allow: {endpoint.method}",)
            )
            return

        body: dict[str, Any] | Refusal | None = None
        if endpoint.takes_json:
            try:
                body = parse_json_object(raw)
            except Refusal as refusal:
                body = refusal
            record.body = _loggable(body, raw)
            if endpoint.name == "sendGroup" and isinstance(body, dict):
                callee = body.get("callee")
                if isinstance(callee, str) and callee:
                    record.callees = callee.count(",") + 1

        state = self.server.state
        plan = self.server.faults.plan(endpoint.name, record.ordinal, record.seq)
        record.fault = plan.label
        # The answer leaves `latency` seconds after the request was read: the sandbox does its
        # own work inside that time, so its CPU never adds to the latency asked for.
        due = read_at + state.latency + plan.latency

        fault = plan.action
        if fault is not None and not fault.processes:
            _wait_until(due)
            self._misbehave_early(fault, record)
            return
        payload = answer(state, endpoint, arg, self.headers, body, time.time())
        record.status, record.reason = payload["status"], payload["reason"]
        if fault is None:
            data = encode_answer(payload)
            _wait_until(due)
            self._send(200, data, JSON_TYPE)
        else:
            _wait_until(due)
            self._misbehave_late(fault, payload, record)

    def _misbehave_early(self, fault: Fault, record: RequestRecord) -> None:
        """Faults that strike before the request is processed: nothing is charged."""
        if fault.kind == "drop_before":
            self.close_connection = True
        elif fault.kind == "status":
            record.status, record.reason = fault.options["code"], fault.options["reason"]
            self._send_json(200, {"status": record.status, "reason": record.reason})
        else:  # http_500 without charge
            self._send_html(fault.options["http_status"])

    def _misbehave_late(self, fault: Fault, payload: dict[str, Any], record: RequestRecord) -> None:
        """Faults that strike after the request was processed (and charged)."""
        if fault.kind == "drop_after":
            self.close_connection = True
        elif fault.kind == "http_500":
            self._send_html(fault.options["http_status"])
        elif fault.kind == "omit_numbers":
            entries = payload.get("data")
            if isinstance(entries, list):
                gone = self.server.faults.omitted(fault, record.ordinal, len(entries))
                entries[:] = [e for i, e in enumerate(entries) if i not in gone]
            self._send(200, encode_answer(payload), JSON_TYPE)
        else:  # truncate: half the body
            data = encode_answer(payload)
            cut = data[: len(data) // 2]
            if fault.options["full_length"]:
                self._send(200, cut, JSON_TYPE, announce=len(data), close=True)
            else:
                self._send(200, cut, JSON_TYPE)

    # --- reading ---------------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        """The request body, or ``None`` after answering 400/413 or losing the client."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            self._send_html(400, close=True)
            return None
        if length > MAX_BODY:
            self._send_html(413, close=True)
            return None
        raw = self.rfile.read(length)
        if len(raw) < length:
            self.close_connection = True
            return None
        return raw

    def _read_chunked(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                self._send_html(400, close=True)
                return None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                self._send_html(413, close=True)
                return None
            chunk = self.rfile.read(size)
            self.rfile.readline(8)
            if len(chunk) < size:
                self.close_connection = True
                return None
            chunks.append(chunk)

    # --- writing ---------------------------------------------------------------------------

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        *,
        extra: tuple[str, ...] = (),
        announce: int | None = None,
        close: bool = False,
    ) -> None:
        """Write status line, headers and body in one go (``announce``: a false Content-Length)."""
        if close:
            self.close_connection = True
        if self._record is not None:
            self._record.http_status = code
        lines = [
            f"{self.protocol_version} {code} {HTTPStatus(code).phrase}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body) if announce is None else announce}",
            *extra,
        ]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)

    def _send_json(
        self, code: int, payload: dict[str, Any], *, extra: tuple[str, ...] = ()
    ) -> None:
        self._send(code, encode_answer(payload), JSON_TYPE, extra=extra)

    def _send_html(self, code: int, *, close: bool = False) -> None:
        page = _HTML_ERROR.format(code=code, phrase=HTTPStatus(code).phrase)
        self._send(code, page.encode(), "text/html", close=close)


def _wait_until(due: float) -> None:
    """Sleep until ``time.monotonic()`` reaches ``due`` (at once if it has)."""
    left = due - time.monotonic()
    if left > 0:
        time.sleep(left)


def _http_error(code: int, path: str) -> dict[str, Any]:
    """The body a Spring server gives for a route it does not have (404) or method (405)."""
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "status": code,
        "error": HTTPStatus(code).phrase,
        "path": path,
    }


def _loggable(body: dict[str, Any] | Refusal, raw: bytes) -> Any:
    """What the request log keeps of a body: the parsed JSON (minus file contents) or the text."""
    if isinstance(body, Refusal):
        return raw.decode("utf-8", "replace")
    file = body.get("file")
    if isinstance(file, str):
        return {**body, "file": f"<{len(file)} base64 characters>"}
    return body
