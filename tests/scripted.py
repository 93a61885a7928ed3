"""A scripted HTTP server on 127.0.0.1 for client tests: each request gets the next scripted reply.

A reply is ``(status, body, headers)`` or the string ``"drop"`` (close without answering) or
``"hang"`` (wait longer than the client's read timeout). Every request is kept in ``requests``.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, str | bytes, dict[str, str]] | str


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    replies: list[Reply]
    requests: list[Seen] = field(default_factory=list)
    default: Reply = (200, '{"status":"0","reason":"success","data":[]}', {})
    hang_seconds: float = 3.0

    def next(self) -> Reply:
        return self.replies.pop(0) if self.replies else self.default


def _handler(script: Script) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            script.requests.append(Seen(self.command, self.path, dict(self.headers.items()), body))
            reply = script.next()
            if reply == "drop":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply == "hang":
                time.sleep(script.hang_seconds)
                self.close_connection = True
                return
            assert not isinstance(reply, str)
            status, payload, headers = reply
            data = payload.encode() if isinstance(payload, str) else payload
            self.send_response(status)
            declared = headers.get("Content-Length", str(len(data)))
            for k, v in headers.items():
                if k != "Content-Length":
                    self.send_header(k, v)
            self.send_header("Content-Length", declared)
            self.end_headers()
            self.wfile.write(data)
            if declared != str(len(data)):
                self.close_connection = True

        do_GET = _serve
        do_POST = _serve

    return Handler


@contextmanager
def scripted(*replies: Reply) -> Iterator[tuple[str, Script]]:
    """Serve the replies; yields ``(base_url, script)``."""
    script = Script(list(replies))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/voice", script
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
