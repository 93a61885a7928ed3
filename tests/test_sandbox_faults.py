"""Each injected fault does what it says, charges what it says, and is recorded in the log.

Requests go over real HTTP on 127.0.0.1 (``requests`` and ``http.client``), signed here with
hashlib.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from itnivoice_nb._sandbox import FAULT_KINDS, Sandbox

pytestmark = pytest.mark.timeout(60)


def signed(sb: Sandbox) -> dict[str, str]:
    ts = str(int(time.time()))
    sign = hashlib.md5((sb.api_key + sb.api_secret + ts).encode()).hexdigest()
    return {
        "Content-Type": "application/json",
        "Api-Key": sb.api_key,
        "Timestamp": ts,
        "Sign": sign,
    }


def body(count: int = 200, start: int = 4_915_112_300_000) -> bytes:
    callee = ",".join(str(start + i) for i in range(count))
    return json.dumps({"callee": callee, "fileId": "f.mp3", "appId": "a"}).encode()


def post(
    sb: Sandbox,
    session: requests.Session | None = None,
    payload: bytes | None = None,
    path: str = "/voice/sendGroup",
) -> requests.Response:
    requester = session or requests
    return requester.post(
        sb.url + path, data=body() if payload is None else payload, headers=signed(sb), timeout=5
    )


def raw_exchange(sb: Sandbox, payload: bytes | None = None) -> tuple[bytes, bytes]:
    """Send one request by hand; return (head, everything after it until the server closes)."""
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        conn.request("POST", "/voice/sendGroup", body() if payload is None else payload, signed(sb))
        assert conn.sock is not None
        received = b""
        while chunk := conn.sock.recv(65536):
            received += chunk
    finally:
        conn.close()
    head, _, rest = received.partition(b"\r\n\r\n")
    return head, rest


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(reject_share=0, seed=9) as sandbox:
        yield sandbox
        assert sandbox.errors == []


def test_drop_before_closes_without_answer_and_charges_nothing(sb: Sandbox) -> None:
    sb.inject("drop_before", times=1)
    head, rest = raw_exchange(sb)
    assert head == b"" and rest == b""  # closed, not a byte of answer
    assert sb.charged_total() == 0
    record = sb.requests[0]
    assert (record.fault, record.status, record.http_status) == ("drop_before", None, None)
    assert record.callees == 200
    assert post(sb).json()["status"] == "0"  # times=1: the next one goes through
    assert sb.charged_total() == 200 and sb.requests[1].fault is None


def test_drop_before_seen_by_requests_as_a_connection_error(sb: Sandbox) -> None:
    sb.inject("drop_before", on=[1])
    with requests.Session() as session, pytest.raises(requests.ConnectionError):
        post(sb, session)
    assert sb.charged_total() == 0


def test_drop_after_charges_then_closes_without_answer(sb: Sandbox) -> None:
    sb.inject("drop_after", times=1)
    with requests.Session() as session:
        with pytest.raises(requests.ConnectionError):
            post(sb, session)
        assert sb.charged_total() == 200 and sb.max_charges() == 1
        record = sb.requests[0]
        assert (record.fault, record.status, record.http_status) == ("drop_after", "0", None)
        # the calls were placed: their records exist although the client never saw a voiceId
        now = datetime.now(UTC)
        window = {"strTime": (now - timedelta(hours=1)).isoformat(), "endTime": now.isoformat()}
        query = json.dumps({"current": 1, "size": 10, "params": window}).encode()
        records = post(sb, session, query, path="/voice/recordGroupQuery").json()
        assert records["data"]["total"] == 200


def test_truncate_charges_and_breaks_the_body(sb: Sandbox) -> None:
    sb.inject("truncate", times=1)
    head, rest = raw_exchange(sb)
    assert head.startswith(b"HTTP/1.1 200")
    announced = int(next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Length"))
                    .split(b":")[1])  # fmt: skip
    assert 0 < len(rest) < announced  # fewer bytes than announced, then the connection closed
    with pytest.raises(ValueError):
        json.loads(rest)
    assert sb.charged_total() == 200
    assert sb.requests[0].fault == "truncate" and sb.requests[0].status == "0"


def test_truncate_is_an_error_for_requests(sb: Sandbox) -> None:
    sb.inject("truncate", on=[1])
    with requests.Session() as session, pytest.raises(requests.RequestException):
        post(sb, session).json()
    assert sb.charged_total() == 200


def test_truncate_with_an_honest_length_gives_unparseable_json(sb: Sandbox) -> None:
    sb.inject("truncate", on=[1], full_length=False)
    with requests.Session() as session:
        response = post(sb, session)
        assert response.status_code == 200
        assert int(response.headers["Content-Length"]) == len(response.content)
        with pytest.raises(ValueError):
            response.json()
        assert post(sb, session).json()["status"] == "0"  # keep-alive survived
    assert sb.charged_total() == 400


def test_http_500_is_an_html_page_and_charges_nothing_by_default(sb: Sandbox) -> None:
    sb.inject("http_500", times=1)
    response = post(sb)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("<html>") and "500 Internal Server Error" in response.text
    assert "Date" in response.headers
    assert sb.charged_total() == 0
    record = sb.requests[0]
    assert (record.fault, record.status, record.http_status) == ("http_500", None, 500)


def test_http_500_with_charge_processes_first(sb: Sandbox) -> None:
    sb.inject("http_500", times=1, charge=True, http_status=502)
    response = post(sb)
    assert response.status_code == 502 and "Bad Gateway" in response.text
    assert sb.charged_total() == 200 and sb.requests[0].status == "0"


@pytest.mark.parametrize("code", ["-16", "-18", "-26", "-2", "-13", "-99"])
def test_status_fault_answers_the_code_and_charges_nothing(sb: Sandbox, code: str) -> None:
    sb.inject("status", code=code, times=1)
    answer = post(sb).json()
    assert answer["status"] == code and answer["reason"] and "data" not in answer
    assert sb.charged_total() == 0
    assert sb.requests[0].status == code and sb.requests[0].fault == "status"
    assert post(sb).json()["status"] == "0"


def test_status_fault_reason_can_be_chosen(sb: Sandbox) -> None:
    sb.inject("status", code="-18", reason="port program unusual", times=1)
    assert post(sb).json() == {"status": "-18", "reason": "port program unusual"}


def test_omit_numbers_leaves_entries_out_but_charges_them(sb: Sandbox) -> None:
    sb.inject("omit_numbers", on=[1], count=3)
    answer = post(sb).json()
    assert answer["status"] == "0" and len(answer["data"]) == 197
    sent = [str(4_915_112_300_000 + i) for i in range(200)]
    answered = [e["callee"] for e in answer["data"]]
    missing = sorted(set(sent) - set(answered))
    assert len(missing) == 3 and answered == [n for n in sent if n not in missing]
    with Sandbox(reject_share=0, seed=9) as twin:  # positions are seeded
        twin.inject("omit_numbers", on=[1], count=3)
        again = {e["callee"] for e in post(twin).json()["data"]}
    assert sorted(set(sent) - again) == missing
    assert sb.charged_total() == 200 and all(sb.charges[n] == 1 for n in missing)
    assert len(post(sb, payload=body(10, 10**10)).json()["data"]) == 10  # only ordinal 1


def test_latency_fault_and_latency_setting(sb: Sandbox) -> None:
    sb.inject("latency", seconds=0.4, on=[2])
    durations = []
    for _ in range(3):
        began = time.monotonic()
        assert post(sb, payload=body(1)).json()["status"] == "0"
        durations.append(time.monotonic() - began)
    assert durations[1] >= 0.4 and durations[0] < 0.3 and durations[2] < 0.3
    assert [r.fault for r in sb.requests] == [None, "latency", None]
    sb.latency = 0.25
    began = time.monotonic()
    post(sb, payload=body(1))
    assert time.monotonic() - began >= 0.25
    assert sb.latency == 0.25


def test_latency_adds_to_another_fault(sb: Sandbox) -> None:
    sb.inject("latency", seconds=0.3, times=1)
    sb.inject("status", code="-18", times=1)
    began = time.monotonic()
    assert post(sb).json()["status"] == "-18"
    assert time.monotonic() - began >= 0.3
    assert sb.requests[0].fault == "latency+status"


def _faulted_ordinals(seed: int, probability: float, count: int = 60) -> list[int]:
    with Sandbox(seed=seed, reject_share=0) as sb, requests.Session() as session:
        sb.inject("status", code="-18", probability=probability)
        for _ in range(count):
            post(sb, session, body(1))
        return [r.ordinal for r in sb.requests if r.fault == "status"]


def test_probability_is_seeded() -> None:
    first = _faulted_ordinals(seed=1, probability=0.3)
    assert first == _faulted_ordinals(seed=1, probability=0.3)
    assert first != _faulted_ordinals(seed=2, probability=0.3)
    assert 8 <= len(first) <= 32  # about 18 of 60


def test_probability_does_not_depend_on_thread_interleaving() -> None:
    expected = _faulted_ordinals(seed=5, probability=0.25, count=80)
    with Sandbox(seed=5, reject_share=0) as sb:
        sb.inject("status", code="-18", probability=0.25)

        def worker() -> None:
            with requests.Session() as session:
                for _ in range(10):
                    post(sb, session, body(1))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(r.ordinal for r in sb.requests if r.fault) == expected


def test_times_is_exact_under_concurrency(sb: Sandbox) -> None:
    sb.inject("status", code="-26", times=5)
    statuses: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with requests.Session() as session:
            for _ in range(10):
                status = post(sb, session, body(1)).json()["status"]
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses.count("-26") == 5 and statuses.count("0") == 75
    assert sb.faults[0].applied == 5 and sb.charged_total() == 75


def test_faults_are_limited_to_their_endpoint(sb: Sandbox) -> None:
    sb.inject("status", code="-18", path="getBalance")
    sb.inject("http_500", path="/voice/fileQuery")
    assert post(sb).json()["status"] == "0"
    balance = requests.get(sb.url + "/sms/getBalance", headers=signed(sb), timeout=5)
    assert balance.json()["status"] == "-18"
    query = post(sb, payload=b'{"current": 1, "size": 10}', path="/voice/fileQuery")
    assert query.status_code == 500


def test_a_fault_on_every_endpoint_counts_all_requests(sb: Sandbox) -> None:
    sb.inject("status", code="-18", path=None, on=[2])
    assert post(sb).json()["status"] == "0"
    balance = requests.get(sb.url + "/sms/getBalance", headers=signed(sb), timeout=5)
    assert balance.json()["status"] == "-18"  # the 2nd request overall
    assert post(sb).json()["status"] == "0"


def test_clear_and_reset(sb: Sandbox) -> None:
    sb.inject("status", code="-18")
    assert post(sb).json()["status"] == "-18"
    sb.clear_faults()
    assert sb.faults == [] and post(sb).json()["status"] == "0"
    sb.inject("drop_before")
    sb.reset()
    assert sb.faults == [] and sb.requests == [] and sb.charged_total() == 0
    assert post(sb).json()["status"] == "0" and sb.requests[0].seq == 1


@pytest.mark.parametrize(
    ("args", "options", "error"),
    [
        (("explode",), {}, ValueError),
        (("latency",), {}, ValueError),
        (("status",), {"seconds": 1}, TypeError),
        (("drop_after",), {"charge": True}, TypeError),
        (("status",), {"path": "nowhere"}, ValueError),
        (("status",), {"probability": 1.5}, ValueError),
        (("status",), {"times": 0}, ValueError),
        (("http_500",), {"http_status": 999}, ValueError),
        (("omit_numbers",), {"count": 0}, ValueError),
    ],
)
def test_bad_fault_arguments_are_refused(
    sb: Sandbox, args: tuple[str], options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        sb.inject(*args, **options)
    assert sb.faults == []


def test_every_documented_kind_can_be_injected(sb: Sandbox) -> None:
    for kind in FAULT_KINDS:
        options: dict[str, Any] = {"seconds": 0.01} if kind == "latency" else {}
        assert sb.inject(kind, times=1, **options).kind == kind
    assert len(sb.faults) == len(FAULT_KINDS)
