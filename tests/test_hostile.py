"""The client against hostile servers: redirects, proxies, trickles, endless bodies, broken TLS.

Every connection goes to 127.0.0.0/8: an autouse guard refuses DNS for any other name and any
connect() to any other address (and fails the test if one was tried).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
import traceback
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from requests.adapters import BaseAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import itnivoice_nb as iv
from itnivoice_nb import _errors as errors
from itnivoice_nb._signing import sign, signed_headers
from tests.scripted import free_port
from tests.servers import (
    EndlessServer,
    RecordingProxy,
    RecordingServer,
    Redirector,
    SilentServer,
    TLSServer,
    TricklingServer,
)

MSG = iv.VoiceMessage(app_id="4luaKsL2", file_id="f.mp3")
NUMBERS = ["91856321412", "91856321413"]
SECRET = "hostile-s3cr3t-QW9"
KEY = "key-hostile"
REMOTE = "https://api.example.invalid/voice"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No DNS for other names, no connection to other addresses; yields the names looked up."""
    looked_up: list[str] = []
    refused: list[object] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host.decode() if isinstance(host, bytes) else str(host))
        if not _is_loopback(host):
            raise socket.gaierror(socket.EAI_NONAME, f"test guard: no DNS for {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            refused.append(address)
            raise ConnectionRefusedError(f"test guard: no connection to {address!r}")
        real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    yield looked_up
    assert refused == [], f"a connection to a non-loopback address was tried: {refused}"


def client(base_url: str, **kw: Any) -> iv.VoiceClient:
    return iv.VoiceClient(api_key=KEY, api_secret=SECRET, base_url=base_url, **kw)


# -- redirects -------------------------------------------------------------------------------

ENDPOINTS: dict[str, Callable[[iv.VoiceClient], object]] = {
    "send_group": lambda c: c.send_group(NUMBERS, MSG),
    "send_group_raw": lambda c: c.send_group_raw(NUMBERS, MSG),
    "balance": lambda c: c.balance(),
    "call_record": lambda c: c.call_record("22030311340110001"),
    "call_record_raw": lambda c: c.call_record_raw("22030311340110001"),
    "audio_files": lambda c: c.audio_files(),
    "call_records": lambda c: c.call_records(datetime.now(UTC) - timedelta(hours=1)),
}


@pytest.fixture(scope="module")
def target() -> Iterator[RecordingServer]:
    """Where every redirect points: another loopback address, which must receive nothing."""
    with RecordingServer("127.0.0.2") as server:
        yield server
    assert server.connections == 0 and bytes(server.received) == b""


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308, 300, 304, 399])
def test_send_group_redirect_is_refused(code: int, target: RecordingServer) -> None:
    location = f"http://user:pw@127.0.0.2:{target.port}/voice/sendGroup?token=tok-XYZ"
    with Redirector(code, location) as redirector:
        c = client(redirector.base_url)
        with pytest.raises(errors.RedirectError) as info:
            c.send_group_raw(NUMBERS, MSG)
    err = info.value
    assert isinstance(err, iv.BadResponseError)
    assert (err.http_status, err.location_host) == (code, "127.0.0.2")
    text = str(err)
    assert f"HTTP {code}" in text and "127.0.0.2" in text
    assert "tok-XYZ" not in text and "user:pw" not in text
    assert redirector.complete_requests == 1
    assert target.connections == 0 and bytes(target.received) == b""


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_every_endpoint_refuses_redirects(endpoint: str, target: RecordingServer) -> None:
    with Redirector(307, f"http://127.0.0.2:{target.port}/elsewhere") as redirector:
        with pytest.raises(errors.RedirectError) as info:
            ENDPOINTS[endpoint](client(redirector.base_url))
    assert info.value.http_status == 307 and info.value.location_host == "127.0.0.2"
    assert target.connections == 0


def test_upload_refuses_redirects(tmp_path: Path, target: RecordingServer) -> None:
    audio = tmp_path / "hello.wav"
    audio.write_bytes(b"RIFF....WAVE")
    with Redirector(308, f"http://127.0.0.2:{target.port}/voice/fileUpload") as redirector:
        with pytest.raises(errors.RedirectError):
            client(redirector.base_url).upload_audio(audio)
    assert target.connections == 0


@pytest.mark.parametrize(
    ("location", "host"),
    [(None, None), ("/voice/other", "127.0.0.1"), ("//evil.example/x?q=1", "evil.example")],
)
def test_redirect_location_host(location: str | None, host: str | None) -> None:
    with Redirector(302, location) as redirector:
        with pytest.raises(errors.RedirectError) as info:
            client(redirector.base_url).balance()
    assert info.value.location_host == host
    assert "q=1" not in str(info.value)


def test_redirect_body_is_not_read() -> None:
    """A 3xx announcing a huge body is refused at once, without reading (or holding) it."""
    with Redirector(301, "http://127.0.0.2:1/x", body_size=200 * 2**20) as redirector:
        began = time.monotonic()
        tracemalloc.start()
        try:
            with pytest.raises(errors.RedirectError):
                client(redirector.base_url, deadline=5).balance()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert time.monotonic() - began < 2
    assert peak < 4 * 2**20
    assert redirector.sent < 100 * 2**20


# -- proxies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("base", ["127.0.0.1", "localhost"])
def test_loopback_never_goes_through_a_proxy(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with RecordingProxy() as proxy, RecordingServer() as api:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy.url)
        c = client(api.base_url.replace("127.0.0.1", base))
        assert c.balance() == {"balance": 0.0, "gift": 0.0, "credit": 0.0}
        c.send_group_raw(NUMBERS, MSG)
        assert c._session().proxies == {}
    assert api.complete_requests == 2
    assert proxy.connections == 0 and bytes(proxy.received) == b""


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "ALL_PROXY", "https_proxy"])
@pytest.mark.parametrize("mode", ["502", "close"])
def test_remote_api_goes_through_the_proxy(
    variable: str, mode: str, monkeypatch: pytest.MonkeyPatch, loopback_only: list[str]
) -> None:
    with RecordingProxy(mode) as proxy:  # type: ignore[arg-type]
        monkeypatch.setenv(variable, proxy.url)
        c = client(REMOTE)
        with pytest.raises(iv.ConnectError, match="nothing was sent") as info:
            c.send_group_raw(NUMBERS, MSG)
    assert info.value.may_have_reached is False
    assert proxy.connects == ["api.example.invalid:443"]
    seen = bytes(proxy.received)
    assert b"Sign" not in seen and b"sendGroup" not in seen and NUMBERS[0].encode() not in seen
    assert "api.example.invalid" not in loopback_only  # never resolved: the proxy was asked


def test_no_proxy_turns_the_proxy_off(
    monkeypatch: pytest.MonkeyPatch, loopback_only: list[str]
) -> None:
    with RecordingProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "api.example.invalid")
        with pytest.raises(iv.ConnectError, match="nothing was sent"):
            client(REMOTE).balance()
    assert proxy.connections == 0
    assert "api.example.invalid" in loopback_only  # tried directly (and the guard refused DNS)


# -- slow and endless answers ----------------------------------------------------------------


@pytest.mark.parametrize("part", ["body", "headers"])
def test_trickling_answer_hits_the_deadline(part: str) -> None:
    with TricklingServer(part, interval=0.3) as server:  # type: ignore[arg-type]
        c = client(server.base_url, timeout=(3, 5), deadline=1.5)
        began = time.monotonic()
        with pytest.raises(errors.DeadlineExceededError, match="deadline of 1.5 s") as info:
            c.send_group_raw(NUMBERS, MSG)
        elapsed = time.monotonic() - began
    assert 1.4 < elapsed < 2.5
    assert isinstance(info.value, iv.ResponseLostError) and info.value.may_have_reached is True
    assert info.value.deadline == 1.5
    assert server.complete_requests == 1


def test_deadline_while_connecting_is_a_connect_error() -> None:
    """A TLS handshake that never completes: the deadline ends it, and nothing was sent."""
    with SilentServer() as server:
        c = client(server.base_url.replace("http:", "https:"), timeout=(5, 5), deadline=1.0)
        began = time.monotonic()
        with pytest.raises(iv.ConnectError, match="deadline") as info:
            c.balance()
        assert time.monotonic() - began < 2.0
    assert info.value.may_have_reached is False


def test_unanswered_request_hits_the_deadline() -> None:
    with SilentServer() as server:
        with pytest.raises(errors.DeadlineExceededError):
            client(server.base_url, timeout=(5, 5), deadline=1.0).balance()


@pytest.mark.parametrize(
    "kw", [{}, {"chunked": True}, {"declared": 50 * 2**20}], ids=["close", "chunked", "declared"]
)
def test_endless_body_is_cut_at_the_cap(kw: dict[str, Any]) -> None:
    cap = 2**20
    with EndlessServer(**kw) as server:
        c = client(server.base_url, max_response_bytes=cap)
        tracemalloc.start()
        try:
            with pytest.raises(errors.ResponseTooLargeError, match="max_response_bytes") as info:
                c.send_group_raw(NUMBERS, MSG)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert info.value.may_have_reached is True and info.value.limit == cap
    assert peak < 3 * cap, f"peak {peak} bytes while reading an endless body"
    assert server.sent < 64 * 2**20


def test_answer_at_the_cap_is_read() -> None:
    body = json.dumps({"status": "0", "reason": "x" * 5000, "data": []}).encode()
    with RecordingServer(body=body) as server:
        assert client(server.base_url, max_response_bytes=len(body)).send_group_raw(NUMBERS, MSG)
        with pytest.raises(errors.ResponseTooLargeError):
            client(server.base_url, max_response_bytes=len(body) - 1).send_group_raw(NUMBERS, MSG)


# -- TLS -------------------------------------------------------------------------------------


@pytest.mark.parametrize("breaker", ["garbage", "truncate"])
def test_tls_broken_after_the_request_may_have_reached(breaker: str) -> None:
    with TLSServer("break", breaker=breaker) as server:  # type: ignore[arg-type]
        c = client(server.base_url, ca_bundle=server.ca_path)
        with pytest.raises(iv.ResponseLostError) as info:
            c.send_group_raw(NUMBERS, MSG)
        assert server.complete_requests == 1
    assert not isinstance(info.value, iv.ConnectError)
    assert info.value.may_have_reached is True
    assert "may have been processed" in str(info.value)


def test_untrusted_certificate_is_a_connect_error() -> None:
    with TLSServer(trusted=False) as server:
        c = client(server.base_url, ca_bundle=server.ca_path)
        with pytest.raises(iv.ConnectError, match="TLS handshake.*nothing was sent") as info:
            c.send_group_raw(NUMBERS, MSG)
        deadline = time.monotonic() + 2
        while server.handshake_failures == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert info.value.may_have_reached is False
    assert server.complete_requests == 0 and server.handshakes == 0


def test_ca_bundle_and_environment_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    with TLSServer() as server:
        assert client(server.base_url, ca_bundle=Path(server.ca_path)).balance()["balance"] == 0
        with pytest.raises(iv.ConnectError):  # the default store does not know this CA
            client(server.base_url).balance()
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_path)
        assert client(server.base_url).balance()["balance"] == 0
        assert server.complete_requests == 2


def test_keep_alive_connection_is_reused() -> None:
    """Answers read in chunks still hand the connection back to the pool."""
    with RecordingServer(keep_alive=True) as server:
        c = client(server.base_url)
        c.balance()
        c.send_group_raw(NUMBERS, MSG)
        c.balance()
        assert server.complete_requests == 3 and server.connections == 1


# -- the phase with a custom adapter (no socket to observe) ----------------------------------


class RaisingAdapter(BaseAdapter):
    def __init__(self, exc: Exception) -> None:
        super().__init__()
        self.exc = exc

    def send(self, *args: Any, **kwargs: Any) -> requests.Response:
        raise self.exc

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            requests.ConnectionError(MaxRetryError(None, "/", NewConnectionError(None, "no"))),  # type: ignore[arg-type]
            iv.ConnectError,
        ),
        (requests.exceptions.ConnectTimeout("slow"), iv.ConnectError),
        (requests.exceptions.SSLError("bad record mac"), iv.ResponseLostError),
        (requests.exceptions.ReadTimeout("slow"), iv.ResponseLostError),
        (requests.ConnectionError(ProtocolError("reset")), iv.ResponseLostError),
        (requests.exceptions.ChunkedEncodingError("cut"), iv.ResponseLostError),
    ],
)
def test_custom_adapter_phase_is_inferred(exc: Exception, expected: type[Exception]) -> None:
    c = client("http://127.0.0.1:9/voice", adapter=RaisingAdapter(exc))
    with pytest.raises(expected) as info:
        c.send_group_raw(NUMBERS, MSG)
    assert type(info.value) is expected


# -- secrets in tracebacks -------------------------------------------------------------------


def _chain(err: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [err]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen):
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__]
    return seen


def _rendered(err: BaseException) -> str:
    """Every exception of the chain (suppressed context included), with every frame's locals."""
    parts = []
    for e in _chain(err):
        te = traceback.TracebackException.from_exception(e, capture_locals=True)
        parts.append("".join(te.format()))
    return "\n".join(parts)


def _signs(began: float, ended: float) -> set[str]:
    return {sign(KEY, SECRET, str(t)) for t in range(int(began) - 1, int(ended) + 2)}


def _raised(call: Callable[[], object]) -> tuple[BaseException, set[str]]:
    began = time.time()
    try:
        call()
    except iv.ItniotechError as err:
        return err, _signs(began, time.time())
    raise AssertionError("no error raised")


@pytest.mark.parametrize("endpoint", ["send_group", "balance"])
def test_connect_error_traceback_has_no_secret(endpoint: str) -> None:
    c = client(f"http://127.0.0.1:{free_port()}/voice")
    err, signs = _raised(lambda: ENDPOINTS[endpoint](c))
    assert isinstance(err, iv.ConnectError)
    assert err.__cause__ is None and err.__context__ is None
    text = _rendered(err)
    assert "_request" in text and "headers" in text  # the locals really were rendered
    assert SECRET not in text
    assert not any(s in text for s in signs)


def test_response_lost_traceback_has_no_secret() -> None:
    with RecordingServer(reply=False) as server:
        c = client(server.base_url)
        err, signs = _raised(lambda: c.send_group(NUMBERS, MSG))
        seen = server.requests[0].headers["sign"]
    assert isinstance(err, iv.ResponseLostError) and not isinstance(err, iv.ConnectError)
    assert err.__cause__ is None and err.__context__ is None
    text = _rendered(err)
    assert "'***'" in text
    assert SECRET not in text and seen not in text
    assert not any(s in text for s in signs)


def test_sign_is_masked_in_reprs_but_sent_plain() -> None:
    headers = signed_headers("bDqJFiq9", "7bz1lzh9", now=1630468800)
    assert "05d7a50893e22a5c4bb3216ae3396c7c" not in repr(headers)
    assert headers["Sign"] == "05d7a50893e22a5c4bb3216ae3396c7c"
    assert str(headers["Sign"]) == "05d7a50893e22a5c4bb3216ae3396c7c"
    assert type(sign("bDqJFiq9", "7bz1lzh9", "1630468800")) is str


# -- parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"timeout": -1}, "timeout"),
        ({"timeout": (1,)}, "connect, read"),
        ({"timeout": (1, "x")}, r"timeout\[1\]"),
        ({"timeout": True}, "timeout"),
        ({"deadline": 0}, "deadline"),
        ({"deadline": float("nan")}, "deadline"),
        ({"deadline": "60"}, "deadline"),
        ({"max_response_bytes": 0}, "max_response_bytes"),
        ({"max_response_bytes": 1.5}, "max_response_bytes"),
        ({"pool_size": 0}, "pool_size"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "ca_bundle"),
    ],
)
def test_bad_parameters_say_what_to_pass(kw: dict[str, Any], fragment: str) -> None:
    with pytest.raises(iv.ConfigurationError, match=fragment) as info:
        client("http://127.0.0.1:9/voice", **kw)
    assert "e.g." in str(info.value) or "PEM" in str(info.value)
    assert SECRET not in str(info.value)


def test_ca_bundle_must_hold_certificates(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n")
    with pytest.raises(iv.ConfigurationError, match="PEM"):
        client("https://127.0.0.1:9/voice", ca_bundle=junk)


def test_missing_environment_bundle_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/nonexistent/bundle.pem")
    with pytest.raises(iv.ConfigurationError, match="REQUESTS_CA_BUNDLE"):
        client("https://127.0.0.1:9/voice")


def test_configuration_error_traceback_has_no_secret() -> None:
    err, _ = _raised(lambda: client("http://127.0.0.1:9/voice", deadline=-1))
    assert isinstance(err, iv.ConfigurationError)
    text = _rendered(err)
    assert "__init__" in text and SECRET not in text


def test_read_timeout_in_the_body_may_have_reached() -> None:
    with TricklingServer("body", interval=2.0) as server:
        c = client(server.base_url, timeout=(3, 0.5), deadline=10)
        with pytest.raises(iv.ResponseLostError, match="within 0.5 s") as info:
            c.send_group_raw(NUMBERS, MSG)
    assert type(info.value) is iv.ResponseLostError
