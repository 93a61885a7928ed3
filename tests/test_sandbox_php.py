"""The vendor's own PHP sample for sendGroup gets status "0" from the sandbox.

``tests/data/send_group_sample.php`` is the PHP sample of the vendor's sendGroup page, verbatim
(no ``<?php`` tag, as on the page, so it runs with ``php -r``): only the URL, the credentials and
the ``{{...}}`` placeholders are filled in, with the values of the page's request sample. It sends
``maxDuration`` and ``loopCount`` as strings, as PHP clients do.

Without ``php`` on PATH, the replay test still sends the exact bytes PHP's curl sends for that
sample (captured from PHP 8.2 / libcurl 7.88: header lines verbatim with no space after the colon,
``Accept: */*``, no User-Agent) over a raw socket. With ``php`` on PATH, the sample also runs for
real, and a capture checks that the replay's bytes are what PHP really sends.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from itnivoice_nb._sandbox import Sandbox

pytestmark = pytest.mark.timeout(60)

SAMPLE = Path(__file__).parent / "data" / "send_group_sample.php"
SAMPLE_URL = "http://127.0.0.1:8765/voice/sendGroup"
PHP = shutil.which("php")


def sample_code(port: int) -> str:
    """The sample's PHP code, pointed at ``port`` instead of the file's 8765."""
    text = SAMPLE.read_text(encoding="utf-8")
    assert text.count(SAMPLE_URL) == 1
    return text.replace(SAMPLE_URL, f"http://127.0.0.1:{port}/voice/sendGroup")


def sample_fields() -> tuple[dict[str, str], str, str]:
    """``($dataArr in PHP's order, $apiKey, $apiSecret)``, read from the PHP file itself."""
    text = SAMPLE.read_text(encoding="utf-8")
    variables = dict(re.findall(r'^\$(\w+) = "([^"\\$]*)";', text, re.M))
    data: dict[str, str] = {}
    for key, value in re.findall(r"^\$dataArr\['(\w+)'\] = (.+);$", text, re.M):
        data[key] = variables[value[1:]] if value.startswith("$") else json.loads(value)
    return data, variables["apiKey"], variables["apiSecret"]


def php_json_encode(data: dict[str, str]) -> bytes:
    """PHP's ``json_encode`` of an array of strings: compact, ``\\/`` for ``/``, ``\\uXXXX``."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def curl_request(port: int, key: str, secret: str, stamp: str, body: bytes) -> bytes:
    """The bytes PHP's curl sends for the sample (CURLOPT_HTTPHEADER lines are sent verbatim)."""
    sign = hashlib.md5((key + secret + stamp).encode()).hexdigest()
    head = (
        "POST /voice/sendGroup HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Accept: */*\r\n"
        "Content-Type:application/json;charset=UTF-8\r\n"
        f"Sign:{sign}\r\n"
        f"Timestamp:{stamp}\r\n"
        f"Api-Key:{key}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "\r\n"
    )
    return head.encode() + body


def read_response(sock: socket.socket) -> tuple[str, dict[str, str], bytes]:
    """``(status line, headers in lower case, body)`` of one HTTP/1.1 answer with Content-Length."""
    buffer = b""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before the headers: {buffer!r}"
        buffer += chunk
    head, _, body = buffer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed inside the body"
        body += chunk
    assert len(body) == length
    return status, headers, body


def test_sample_file_is_filled_in() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert "{{" not in text and "your api" not in text
    data, key, secret = sample_fields()
    assert (key, secret) == ("sandbox-key", "sandbox-secret")
    assert list(data) == [
        "callee", "displayNum", "fileId", "appId", "maxDuration", "loopCount", "calledInfo"
    ]  # fmt: skip
    assert data["maxDuration"] == "50" and data["loopCount"] == "2"  # strings, as PHP sends
    assert "curl_setopt($ch, CURLOPT_HTTPHEADER,$headers);" in text


def test_replayed_php_curl_request_gets_status_0() -> None:
    data, key, secret = sample_fields()
    with Sandbox(key, secret, reject_share=0) as sb:
        stamp = str(int(time.time()))
        request = curl_request(sb.port, key, secret, stamp, php_json_encode(data))
        with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as sock:
            sock.sendall(request)
            status, headers, body = read_response(sock)
        assert status == "HTTP/1.1 200 OK" and "date" in headers
        answer = json.loads(body)
        assert answer["status"] == "0", answer
        assert [e["callee"] for e in answer["data"]] == data["callee"].split(",")
        assert all(e["terminationCode"] == "0" for e in answer["data"])
        logged = sb.requests[0]
        assert logged.body == data and logged.headers["Sign"] and logged.callees == 2
        assert sb.charged_total() == 2 and sb.errors == []


def test_replay_refused_when_the_sample_is_signed_wrong() -> None:
    # the replay is a real check: the same bytes with a bad secret are refused
    data, key, _ = sample_fields()
    with Sandbox(key, "another-secret") as sb:
        request = curl_request(sb.port, key, "sandbox-secret", str(int(time.time())),
                               php_json_encode(data))  # fmt: skip
        with socket.create_connection(("127.0.0.1", sb.port), timeout=5) as sock:
            sock.sendall(request)
            _, _, body = read_response(sock)
        assert json.loads(body)["status"] == "-1"


def _run_php(port: int) -> str:
    assert PHP is not None
    done = subprocess.run(
        [PHP, "-r", sample_code(port)], capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _php_has_curl() -> bool:
    if PHP is None:
        return False
    modules = subprocess.run([PHP, "-m"], capture_output=True, text=True, timeout=30).stdout
    return "curl" in modules.split()


needs_php = pytest.mark.skipif(
    not _php_has_curl(),
    reason="php (with the curl extension) is not on PATH; the replay test covers the sample",
)


@needs_php
def test_the_real_php_sample_gets_status_0() -> None:
    data, key, secret = sample_fields()
    with Sandbox(key, secret, reject_share=0) as sb:
        output = _run_php(sb.port)
        match = re.fullmatch(r'string\((\d+)\) "(.*)"\s*', output, re.S)
        assert match, output
        answer = json.loads(match.group(2))
        assert len(match.group(2).encode()) == int(match.group(1))
        assert answer["status"] == "0", answer
        assert [e["callee"] for e in answer["data"]] == data["callee"].split(",")
        assert sb.requests[0].body == data and sb.errors == []


@needs_php
def test_the_replay_sends_what_php_really_sends() -> None:
    data, key, secret = sample_fields()
    captured: list[bytes] = []
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]

        def capture() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(10)
                raw = b""
                while b"\r\n\r\n" not in raw:
                    raw += conn.recv(65536)
                length = int(re.search(rb"Content-Length: (\d+)", raw).group(1))  # type: ignore[union-attr]
                while len(raw.partition(b"\r\n\r\n")[2]) < length:
                    raw += conn.recv(65536)
                captured.append(raw)
                reply = b'{"status":"0","reason":"success","data":[]}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(reply), reply))  # fmt: skip

        thread = threading.Thread(target=capture, daemon=True)
        thread.start()
        _run_php(port)
        thread.join(10)
    assert captured, "PHP sent nothing"
    stamp = re.search(rb"\r\nTimestamp:(\d+)\r\n", captured[0])
    assert stamp, captured[0]
    expected = curl_request(port, key, secret, stamp.group(1).decode(), php_json_encode(data))
    assert captured[0] == expected
