"""The sandbox answers like the vendor's pages say: codes, limits, shapes, charges, records.

Everything goes over real HTTP on 127.0.0.1 with ``requests`` or ``http.client`` and a signature
computed here with hashlib (never the project's client or signing code), so a mistake shared by
the client and the sandbox cannot pass unnoticed.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from itnivoice_nb import _vendor
from itnivoice_nb._sandbox import IN_PROGRESS, Sandbox

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[1]
JSON = "application/json;charset=UTF-8"
BASE_BODY: dict[str, Any] = {
    "callee": "91856321412,91856321300",
    "displayNum": "1008122211",
    "fileId": "12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
    "appId": "4luaKsL2",
    "maxDuration": 50,
    "loopCount": 2,
    "calledInfo": "calledInfo",
}
SEND_ENTRY_KEYS = {"voiceId", "callee", "terminationCode", "terminationReason"}
RECORD_KEYS = {
    "voiceId", "callee", "displayNum", "code", "submitTime", "callTime", "ringingTime",
    "answerTime", "hangupTime", "callDuration", "chargedDuration", "terminationCode",
    "terminationReason", "cost", "rate", "baseCost", "billPeriod", "voiceFileId",
    "feedbackValue", "calledInfo",
}  # fmt: skip


# --- helpers: our own signing, independent of itnivoice_nb._signing -------------------------


def signed(
    sb: Sandbox, *, key: str | None = None, secret: str | None = None, stamp: object = None
) -> dict[str, str]:
    key = sb.api_key if key is None else key
    secret = sb.api_secret if secret is None else secret
    ts = str(int(time.time())) if stamp is None else str(stamp)
    sign = hashlib.md5((key + secret + ts).encode()).hexdigest()
    return {"Content-Type": JSON, "Api-Key": key, "Timestamp": ts, "Sign": sign}


def numbers(count: int, start: int = 491_510_000_000) -> list[str]:
    return [str(start + i) for i in range(count)]


def body_for(callees: list[str] | str, **fields: Any) -> dict[str, Any]:
    callee = callees if isinstance(callees, str) else ",".join(callees)
    return {**BASE_BODY, "callee": callee, **fields}


def call(
    sb: Sandbox,
    endpoint: str,
    body: Any = None,
    *,
    session: requests.Session | requests.sessions.Session | None = None,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """One signed request; asserts the transport-level contract (HTTP 200, JSON, Date)."""
    target = url or f"{sb.base_url}/{endpoint}"
    hdrs = signed(sb) if headers is None else headers
    data = body if isinstance(body, bytes | str) or body is None else json.dumps(body)
    requester = session or requests
    response = requester.request(method, target, data=data, headers=hdrs, timeout=10)
    assert response.status_code == 200, response.text[:200]
    assert response.headers["Content-Type"].startswith("application/json")
    assert "Date" in response.headers
    assert int(response.headers["Content-Length"]) == len(response.content)
    answer = response.json()
    assert isinstance(answer["status"], str) and isinstance(answer["reason"], str)
    return answer


def send(sb: Sandbox, callees: list[str] | str, **kwargs: Any) -> dict[str, Any]:
    return call(sb, "sendGroup", body_for(callees), **kwargs)


def refused_code(answer: dict[str, Any], code: str, fragment: str = "") -> None:
    assert answer["status"] == code, answer
    assert "data" not in answer
    assert fragment.lower() in answer["reason"].lower(), answer["reason"]


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with Sandbox(seed=11) as sandbox:
        yield sandbox
        assert sandbox.errors == []


# --- sendGroup: success ---------------------------------------------------------------------


def test_the_vendors_own_request_sample_is_accepted() -> None:
    # The page's sample: key bDqJFiq9, secret 7bz1lzh9, Timestamp 1630468800, Sign 05d7a508...
    with Sandbox("bDqJFiq9", "7bz1lzh9", timestamp_window=10**10, reject_share=0) as sb:
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "Sign": "05d7a50893e22a5c4bb3216ae3396c7c",
            "Timestamp": "1630468800",
            "Api-Key": "bDqJFiq9",
        }
        answer = call(sb, "sendGroup", BASE_BODY, headers=headers)
    assert answer["status"] == "0" and answer["reason"] == "success"
    assert [e["callee"] for e in answer["data"]] == ["91856321412", "91856321300"]
    for entry in answer["data"]:
        assert set(entry) == SEND_ENTRY_KEYS
        assert re.fullmatch(r"\d{19}", entry["voiceId"]), entry
        assert (entry["terminationCode"], entry["terminationReason"]) == ("0", "success")


def test_success_answer_in_request_order_with_unique_voice_ids(sb: Sandbox) -> None:
    nums = numbers(200)
    answers = [send(sb, nums) for _ in range(3)]
    for answer in answers:
        assert answer["status"] == "0"
        assert [e["callee"] for e in answer["data"]] == nums
    ids = [e["voiceId"] for a in answers for e in a["data"]]
    assert len(ids) == len(set(ids)) == 600
    assert all(i.isdigit() and len(i) >= 19 for i in ids)
    # the head of a voiceId is the submit time in UTC+8, as in the vendor's 2203031134011000001
    head = datetime.strptime(ids[0][:12], "%y%m%d%H%M%S").replace(tzinfo=_vendor_tz())
    assert abs(head.timestamp() - time.time()) < 30


def _vendor_tz() -> Any:
    from datetime import timezone

    return timezone(timedelta(hours=8))


def test_voice_ids_stay_unique_under_concurrency(sb: Sandbox) -> None:
    ids: list[str] = []
    lock = threading.Lock()

    def worker(w: int) -> None:
        with requests.Session() as session:
            for b in range(10):
                answer = send(sb, numbers(50, 10_000_000_000 + (w * 10 + b) * 50), session=session)
                with lock:
                    ids.extend(e["voiceId"] for e in answer["data"])

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(ids) == 3000 and len(set(ids)) == 3000


def test_keep_alive_one_connection_many_answers(sb: Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
    try:
        sockets = set()
        for _ in range(3):
            conn.request("POST", "/voice/sendGroup", json.dumps(body_for(numbers(5))), signed(sb))
            response = conn.getresponse()
            payload = response.read()
            assert response.status == 200 and response.version == 11
            assert response.getheader("Connection") != "close"
            assert int(response.getheader("Content-Length", "-1")) == len(payload)
            assert json.loads(payload)["status"] == "0"
            sockets.add(id(conn.sock))
        assert len(sockets) == 1  # the same connection served all three
    finally:
        conn.close()


def test_duplicate_numbers_in_one_request_are_each_answered_and_charged() -> None:
    with Sandbox(reject_share=0) as sb:
        answer = send(sb, ["4915112345678", "4915112345679", "4915112345678"])
        assert [e["callee"] for e in answer["data"]] == [
            "4915112345678", "4915112345679", "4915112345678"
        ]  # fmt: skip
        assert len({e["voiceId"] for e in answer["data"]}) == 3
        assert sb.charges["4915112345678"] == 2 and sb.max_charges() == 2
        assert sb.charged_total() == 3


# --- sendGroup: refusals, in the order the sandbox checks them -------------------------------


def test_unknown_api_key_is_minus_1(sb: Sandbox) -> None:
    refused_code(call(sb, "sendGroup", BASE_BODY, headers=signed(sb, key="other")), "-1")
    assert sb.charged_total() == 0


def test_wrong_or_missing_sign_is_minus_1(sb: Sandbox) -> None:
    refused_code(call(sb, "sendGroup", BASE_BODY, headers=signed(sb, secret="nope")), "-1", "sign")
    headers = signed(sb)
    del headers["Sign"]
    refused_code(call(sb, "sendGroup", BASE_BODY, headers=headers), "-1")
    assert sb.charged_total() == 0


def test_sign_is_compared_case_insensitively(sb: Sandbox) -> None:
    headers = signed(sb)
    headers["Sign"] = headers["Sign"].upper()
    assert call(sb, "sendGroup", BASE_BODY, headers=headers)["status"] == "0"


@pytest.mark.parametrize("stamp", [-3600, -61, 61, 3600, "1630468800", "abc", "", None])
def test_timestamp_missing_or_outside_the_window_is_minus_16(sb: Sandbox, stamp: object) -> None:
    headers = signed(sb)
    if stamp is None:
        del headers["Timestamp"]
    else:
        ts = str(int(time.time()) + stamp) if isinstance(stamp, int) else str(stamp)
        headers = signed(sb, stamp=ts)  # correctly signed, but stale/future/garbage
    refused_code(call(sb, "sendGroup", BASE_BODY, headers=headers), "-16", "timestamp")
    assert sb.charged_total() == 0


def test_timestamp_in_milliseconds_is_minus_16(sb: Sandbox) -> None:
    headers = signed(sb, stamp=int(time.time() * 1000))
    refused_code(call(sb, "sendGroup", BASE_BODY, headers=headers), "-16")


def test_timestamp_within_the_window_is_fine(sb: Sandbox) -> None:
    for offset in (-50, 50):
        headers = signed(sb, stamp=int(time.time()) + offset)
        assert call(sb, "sendGroup", BASE_BODY, headers=headers)["status"] == "0"


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON ; charset=utf-8", "application/json; charset=GBK"],
)
def test_content_type_json_in_any_spelling_is_accepted(sb: Sandbox, content_type: str) -> None:
    headers = {**signed(sb), "Content-Type": content_type}
    assert call(sb, "sendGroup", BASE_BODY, headers=headers)["status"] == "0"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_content_type_not_json_is_minus_22(sb: Sandbox, content_type: str | None) -> None:
    headers = signed(sb)
    if content_type is None:
        del headers["Content-Type"]
    else:
        headers["Content-Type"] = content_type
    refused_code(call(sb, "sendGroup", json.dumps(BASE_BODY), headers=headers), "-22", "content")


@pytest.mark.parametrize("raw", [b"", b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe{"])
def test_body_not_a_json_object_is_minus_22(sb: Sandbox, raw: bytes) -> None:
    refused_code(call(sb, "sendGroup", raw), "-22")
    assert sb.charged_total() == 0


def _callees(n: int) -> str:
    return ",".join(numbers(n))


BAD_FIELDS: list[tuple[str, object, str]] = [
    ("callee", None, "callee"),
    ("callee", "", "callee"),
    ("callee", _callees(201), "201"),
    ("callee", _callees(500), "at most 200"),
    ("callee", "123456", "not 7-15 digits"),
    ("callee", "1234567890123456", "not 7-15 digits"),
    ("callee", "+4915112345678", "not 7-15 digits"),
    ("callee", "4915112345678, 4915112345679", "number 2"),
    ("callee", "4915112345678;4915112345679", "not 7-15"),
    ("callee", "4915112345678,", "number 2"),
    ("callee", "٤٩١٥١١٢٣٤٥٦٧٨", "not 7-15"),  # Arabic-Indic digits are not ASCII digits
    ("callee", ["4915112345678"], "string"),
    ("callee", 4915112345678, "string"),
    ("displayNum", "123456", "displayNum"),
    ("displayNum", "1234567890123456", "displayNum"),
    ("displayNum", "+1008122211", "displayNum"),
    ("displayNum", 1008122211, "displayNum"),
    ("fileId", None, "fileId"),
    ("fileId", "", "fileId"),
    ("fileId", "   ", "fileId"),
    ("fileId", 42, "fileId"),
    ("appId", None, "appId"),
    ("appId", "", "appId"),
    ("maxDuration", 0, "maxDuration"),
    ("maxDuration", 121, "maxDuration"),
    ("maxDuration", -5, "maxDuration"),
    ("maxDuration", "abc", "maxDuration"),
    ("maxDuration", "-5", "maxDuration"),
    ("maxDuration", 50.5, "maxDuration"),
    ("maxDuration", True, "maxDuration"),
    ("maxDuration", [50], "maxDuration"),
    ("loopCount", 0, "loopCount"),
    ("loopCount", 4, "loopCount"),
    ("loopCount", "4", "loopCount"),
    ("loopCount", "two", "loopCount"),
    ("calledInfo", "x" * 1001, "calledInfo"),
    ("calledInfo", 7, "calledInfo"),
]


@pytest.mark.parametrize(("field", "value", "fragment"), BAD_FIELDS)
def test_each_field_limit_is_minus_22(
    sb: Sandbox, field: str, value: object, fragment: str
) -> None:
    body = dict(BASE_BODY)
    if value is None:
        del body[field]
    else:
        body[field] = value
    refused_code(call(sb, "sendGroup", body), "-22", fragment)
    assert sb.charged_total() == 0


GOOD_FIELDS: list[tuple[str, object]] = [
    ("callee", _callees(200)),
    ("callee", "1234567"),
    ("callee", "123456789012345"),
    ("displayNum", None),
    ("displayNum", ""),
    ("displayNum", "1234567"),
    ("displayNum", "123456789012345"),
    ("maxDuration", None),
    ("maxDuration", 1),
    ("maxDuration", 120),
    ("maxDuration", "50"),
    ("maxDuration", ""),
    ("maxDuration", 50.0),
    ("loopCount", None),
    ("loopCount", 1),
    ("loopCount", 3),
    ("loopCount", "3"),
    ("calledInfo", None),
    ("calledInfo", ""),
    ("calledInfo", "é" * 1000),
]


@pytest.mark.parametrize(("field", "value"), GOOD_FIELDS)
def test_values_at_the_limits_are_accepted(sb: Sandbox, field: str, value: object) -> None:
    assert call(sb, "sendGroup", {**BASE_BODY, field: value})["status"] == "0"


@pytest.mark.parametrize("field", ["displayNum", "maxDuration", "loopCount", "calledInfo"])
def test_optional_fields_may_be_left_out(sb: Sandbox, field: str) -> None:
    body = {k: v for k, v in BASE_BODY.items() if k != field}
    assert call(sb, "sendGroup", body)["status"] == "0"


def test_unknown_file_ids_refused_only_when_asked() -> None:
    with Sandbox(check_file_ids=True) as sb:
        refused_code(call(sb, "sendGroup", BASE_BODY), "-22", "fileId")
        file_id = sb.upload("hello.wav", b"RIFF....WAVE")
        assert call(sb, "sendGroup", {**BASE_BODY, "fileId": file_id})["status"] == "0"


# --- balance and charges --------------------------------------------------------------------


def test_balance_falls_per_accepted_number_then_minus_10_charges_nothing() -> None:
    with Sandbox(balance=1.0, price=0.01, reject_share=0) as sb:
        assert send(sb, numbers(60))["status"] == "0"
        assert sb.balance == pytest.approx(0.4)
        answer = send(sb, numbers(41, 10_000_000))  # 0.41 > 0.40: refused as a whole
        refused_code(answer, "-10")
        assert sb.balance == pytest.approx(0.4) and sb.charged_total() == 60
        assert send(sb, numbers(40, 20_000_000))["status"] == "0"  # exactly enough
        assert sb.balance == 0.0
        assert (
            call(sb, "getBalance", url=f"{sb.url}/sms/getBalance", method="GET")["balance"]
            == "0.0000"
        )
        refused_code(send(sb, numbers(1, 30_000_000)), "-10", "balance")
        sb.balance = 5.0  # a top-up
        assert send(sb, numbers(1, 30_000_000))["status"] == "0"
        assert sb.charged_total() == 101 and sb.max_charges() == 1


def test_refused_numbers_are_not_charged() -> None:
    with Sandbox(balance=100.0, price=0.01, reject_share=0.3, seed=2) as sb:
        answer = send(sb, numbers(200))
        accepted = [e["callee"] for e in answer["data"] if e["terminationCode"] == "0"]
        refused = [e for e in answer["data"] if e["terminationCode"] != "0"]
        assert 30 < len(refused) < 90
        assert {e["terminationCode"] for e in refused} <= {"1", "2", "3"}
        assert all(e["terminationReason"] not in ("", "success") for e in refused)
        assert set(sb.charges) == set(accepted) and sb.max_charges() == 1
        assert sb.balance == pytest.approx(100.0 - 0.01 * len(accepted))


def test_many_small_charges_keep_an_exact_balance() -> None:
    with Sandbox(balance=2.0, price=0.01, reject_share=0) as sb, requests.Session() as s:
        for b in range(10):
            assert send(sb, numbers(20, 30_000_000 + b * 20), session=s)["status"] == "0"
        assert sb.balance == 0.0
        refused_code(send(sb, numbers(1, 40_000_000), session=s), "-10")


# --- seeded refusals --------------------------------------------------------------------------


def _refused_set(seed: int, batches: list[list[str]], threads: int) -> set[str]:
    refused: set[str] = set()
    lock = threading.Lock()
    with Sandbox(seed=seed) as sb:
        pending = list(batches)

        def worker() -> None:
            with requests.Session() as session:
                while True:
                    with lock:
                        if not pending:
                            return
                        batch = pending.pop()
                    answer = send(sb, batch, session=session)
                    with lock:
                        refused.update(
                            e["callee"] for e in answer["data"] if e["terminationCode"] != "0"
                        )

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join(60)
        assert sb.charged_total() == sum(map(len, batches)) - len(refused)
    return refused


def test_refusals_depend_on_seed_and_number_only() -> None:
    nums = numbers(4000)
    sequential = _refused_set(5, [nums[i : i + 200] for i in range(0, 4000, 200)], threads=1)
    shuffled = nums[::-1]
    concurrent = _refused_set(5, [shuffled[i : i + 37] for i in range(0, 4000, 37)], threads=8)
    other_seed = _refused_set(6, [nums[i : i + 200] for i in range(0, 4000, 200)], threads=4)
    assert sequential == concurrent
    assert sequential != other_seed
    for refused in (sequential, other_seed):
        assert 0.035 < len(refused) / 4000 < 0.065  # reject_share 0.05


# --- request log ------------------------------------------------------------------------------


def test_requests_are_logged_with_what_happened(sb: Sandbox) -> None:
    before = time.time()
    send(sb, numbers(3))
    call(sb, "sendGroup", BASE_BODY, headers=signed(sb, secret="bad"))
    call(sb, "getBalance", url=f"{sb.url}/sms/getBalance", method="GET")
    log = sb.requests
    assert [(r.method, r.path, r.endpoint, r.status) for r in log] == [
        ("POST", "/voice/sendGroup", "sendGroup", "0"),
        ("POST", "/voice/sendGroup", "sendGroup", "-1"),
        ("GET", "/sms/getBalance", "getBalance", "0"),
    ]
    first = log[0]
    assert first.callees == 3 and first.http_status == 200 and first.fault is None
    assert first.body["callee"] == ",".join(numbers(3))  # the joined string, as sent
    assert first.headers["Api-Key"] == sb.api_key and first.headers["Sign"]
    assert [r.seq for r in log] == [1, 2, 3] and [r.ordinal for r in log] == [1, 2, 1]
    assert before <= first.received <= log[2].received <= time.time()
    sb.clear_requests()
    assert sb.requests == [] and sb.charged_total() == 3


def test_repr_hides_the_secret() -> None:
    sb = Sandbox(api_secret="top-secret-value")
    assert "top-secret-value" not in repr(sb)
    with sb:
        assert "top-secret-value" not in repr(sb) and str(sb.port) in repr(sb)
    assert sb.api_secret == "top-secret-value"


# --- routing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/voice/nothing", "/", "/voice/sendGroup/extra", "/sms/send"])
def test_unknown_path_is_http_404(sb: Sandbox, path: str) -> None:
    response = requests.post(sb.url + path, data="{}", headers=signed(sb), timeout=5)
    assert response.status_code == 404
    assert response.json()["status"] == 404 and "Date" in response.headers
    assert sb.charged_total() == 0


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("GET", "/voice/sendGroup", "POST"), ("POST", "/sms/getBalance", "GET"),
     ("PUT", "/voice/fileUpload", "POST"), ("DELETE", "/voice/recordGroup/1", "GET")],
)  # fmt: skip
def test_wrong_method_is_http_405(sb: Sandbox, method: str, path: str, allow: str) -> None:
    response = requests.request(method, sb.url + path, headers=signed(sb), timeout=5)
    assert response.status_code == 405 and response.headers["Allow"] == allow
    assert response.json()["error"] == "Method Not Allowed"


# --- fileUpload / fileQuery -------------------------------------------------------------------


def upload(sb: Sandbox, name: str, content: bytes = b"ID3 fake audio", **kw: Any) -> dict[str, Any]:
    return call(
        sb, "fileUpload", {"fileName": name, "file": base64.b64encode(content).decode()}, **kw
    )


def test_upload_gives_a_file_id_that_keeps_the_suffix(sb: Sandbox) -> None:
    answers = [upload(sb, name) for name in ("hello.mp3", "Hello.M4A", "a-much-longer-name_01.wav")]
    ids = [a["data"] for a in answers]
    assert all(a["status"] == "0" for a in answers)
    assert re.fullmatch(r"1\d{8}[0-9a-f]{32}\.mp3", ids[0])
    assert ids[1].endswith(".m4a") and ids[2].endswith(".wav") and len(set(ids)) == 3
    assert [(u.file_name, u.file_id, u.size) for u in sb.uploads] == [
        ("hello.mp3", ids[0], 14), ("Hello.M4A", ids[1], 14),
        ("a-much-longer-name_01.wav", ids[2], 14),
    ]  # fmt: skip
    logged = sb.requests[0].body
    assert logged["fileName"] == "hello.mp3" and "base64" in logged["file"]


def test_upload_refusals(sb: Sandbox) -> None:
    assert upload(sb, "hello.mp3")["status"] == "0"
    refused_code(upload(sb, "hello.mp3"), "-20", "exists")
    refused_code(upload(sb, "hello.ogg"), "-21", ".mp3")
    refused_code(upload(sb, ".mp3"), "-22", "fileName")  # 4 characters
    refused_code(upload(sb, "x" * 29 + ".mp3"), "-22", "fileName")  # 33 characters
    assert upload(sb, "x" * 28 + ".mp3")["status"] == "0"  # 32 characters
    assert upload(sb, "a.wav")["status"] == "0"  # 5 characters
    bad = {"fileName": "other.mp3", "file": "not base64!!"}
    refused_code(call(sb, "fileUpload", bad), "-21", "base64")
    refused_code(call(sb, "fileUpload", {"fileName": "other.mp3", "file": ""}), "-22", "file")
    refused_code(call(sb, "fileUpload", {"fileName": "other.mp3"}), "-22", "file")
    refused_code(upload(sb, "key.mp3", headers=signed(sb, key="x")), "-1")
    assert len(sb.uploads) == 3


def test_file_query_pages_through_every_upload(sb: Sandbox) -> None:
    names = [f"voice{i:02d}.mp3" for i in range(25)]
    with requests.Session() as s:
        ids = [upload(sb, n, session=s)["data"] for n in names]
        pages = [call(sb, "fileQuery", {"current": c, "size": 10}, session=s) for c in (1, 2, 3, 4)]
    seen: list[tuple[str, str]] = []
    for current, answer in enumerate(pages, 1):
        data = answer["data"]
        assert (data["total"], data["size"], data["current"], data["pages"]) == (25, 10, current, 3)
        seen.extend((r["fileId"], r["fileName"]) for r in data["records"])
    assert [len(p["data"]["records"]) for p in pages] == [10, 10, 5, 0]
    assert seen == list(zip(ids, names, strict=True))


@pytest.mark.parametrize(
    "body", [{"current": 1, "size": 101}, {"current": 1, "size": 0}, {"current": 0, "size": 10}]
)
def test_file_query_limits(sb: Sandbox, body: dict[str, int]) -> None:
    refused_code(call(sb, "fileQuery", body), "-22")


def test_file_query_defaults_and_strings(sb: Sandbox) -> None:
    data = call(sb, "fileQuery", {"current": "1", "size": "100"})["data"]
    assert (data["total"], data["pages"], data["records"]) == (0, 0, [])
    assert call(sb, "fileQuery", {})["data"]["size"] == 10


# --- getBalance -------------------------------------------------------------------------------


def balance_of(sb: Sandbox) -> dict[str, Any]:
    headers = signed(sb)
    del headers["Content-Type"]  # a GET with no body
    return call(sb, "", url=f"{sb.url}/sms/getBalance", method="GET", headers=headers)


def test_get_balance_unlimited_and_falling() -> None:
    with Sandbox() as sb:
        answer = balance_of(sb)
        assert answer["status"] == "0"
        assert answer["balance"] == "999999.0000"
        assert (answer["gift"], answer["credit"]) == ("0.0000", "0.0000")
    with Sandbox(balance=12.5, price=0.03, reject_share=0) as sb:
        assert balance_of(sb)["balance"] == "12.5000"
        send(sb, numbers(100))
        assert balance_of(sb)["balance"] == "9.5000"
        refused_code(
            call(sb, "", url=f"{sb.url}/sms/getBalance", method="GET",
                 headers=signed(sb, stamp=1)),
            "-16",
        )  # fmt: skip


# --- call records -----------------------------------------------------------------------------

VENDOR_TIME = "%Y-%m-%d %H:%M:%S"


def _t(text: str) -> datetime:
    return datetime.strptime(text, VENDOR_TIME)


def check_record(rec: dict[str, Any], max_duration: int | None, loop_count: int) -> None:
    """Every invariant a finished record must hold."""
    assert set(rec) == RECORD_KEYS
    assert isinstance(rec["callDuration"], int) and isinstance(rec["chargedDuration"], int)
    times = [rec[k] for k in ("submitTime", "callTime", "ringingTime", "answerTime", "hangupTime")]
    reached = [_t(t) for t in times if t]
    assert reached == sorted(reached) and rec["submitTime"] and rec["callTime"]
    assert rec["hangupTime"], "a final record has a hang-up time"
    assert _t(rec["submitTime"]) < _t(rec["callTime"])
    first, _, step = rec["billPeriod"].partition("+")
    rate = Decimal(rec["rate"])
    assert re.fullmatch(r"\d+\.\d{4}", rec["cost"]) and rec["baseCost"] == rec["cost"]
    if rec["terminationCode"] == "200":
        assert rec["answerTime"] and rec["ringingTime"] and rec["terminationReason"] == "OK"
        duration = rec["callDuration"]
        assert (_t(rec["hangupTime"]) - _t(rec["answerTime"])).total_seconds() == duration
        assert 1 <= duration <= (max_duration * loop_count if max_duration else 120)
        if max_duration:
            assert duration <= max_duration  # the vendor's forced hang-up after N seconds
        charged = rec["chargedDuration"]
        assert charged >= duration and charged >= int(first)
        assert (charged - int(first)) % int(step) == 0
        assert charged - duration < max(int(first), int(step))  # rounded up, not more
        expected = (rate * charged / 60).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        assert Decimal(rec["cost"]) == expected
    else:
        assert rec["terminationCode"] in {"480", "486", "603", "487", "404", "408"}
        assert rec["answerTime"] == "" and rec["callDuration"] == rec["chargedDuration"] == 0
        assert rec["cost"] == "0.0000"
    assert rec["feedbackValue"] == "-1" or rec["feedbackValue"] in "123456789"


def record_query(
    sb: Sandbox, start: datetime, end: datetime, current: int = 1, size: int = 100, **kw: Any
) -> dict[str, Any]:
    params = {"strTime": start.isoformat(), "endTime": end.isoformat()}
    return call(sb, "recordGroupQuery", {"current": current, "size": size, "params": params}, **kw)


def all_records(sb: Sandbox) -> list[dict[str, Any]]:
    now = datetime.now(_vendor_tz())
    out: list[dict[str, Any]] = []
    with requests.Session() as s:
        for page in range(1, 1000):
            data = record_query(sb, now - timedelta(hours=1), now + timedelta(hours=1), page,
                                session=s)["data"]  # fmt: skip
            out.extend(data["records"])
            if page >= data["pages"]:
                return out
    raise AssertionError("too many pages")


def test_records_of_2000_calls_look_like_the_vendors() -> None:
    with Sandbox(seed=21, answer_share=0.7) as sb, requests.Session() as s:
        nums = numbers(2000, 6_281_200_000_000)  # Indonesia: 20+20 billing
        entries = []
        for i in range(0, 2000, 200):
            entries += send(sb, nums[i : i + 200], session=s)["data"]
        accepted = [e for e in entries if e["terminationCode"] == "0"]
        records = all_records(sb)
        assert sb.errors == []
    assert [r["voiceId"] for r in records] == [e["voiceId"] for e in accepted]
    assert [r["callee"] for r in records] == [e["callee"] for e in accepted]
    answered = sum(r["terminationCode"] == "200" for r in records)
    assert 0.65 < answered / len(records) < 0.75
    for rec in records:
        check_record(rec, BASE_BODY["maxDuration"], BASE_BODY["loopCount"])
        assert rec["billPeriod"] == "20+20" and rec["code"] == "ID"
        assert (rec["displayNum"], rec["voiceFileId"], rec["calledInfo"]) == (
            BASE_BODY["displayNum"], BASE_BODY["fileId"], BASE_BODY["calledInfo"]
        )  # fmt: skip
    failures = {r["terminationCode"] for r in records} - {"200"}
    assert len(failures) >= 4  # a realistic mix of SIP failures


@pytest.mark.parametrize(
    ("prefix", "max_duration", "loop_count"),
    [(1_415_555_0000, 10, 3), (447_700_900_000, None, 3), (4_915_112_300_000, 120, 1),
     (2_348_030_000_000, "7", "2")],
)  # fmt: skip
def test_record_durations_and_billing(
    prefix: int, max_duration: int | str | None, loop_count: int | str
) -> None:
    with Sandbox(seed=3, answer_share=1.0, reject_share=0) as sb:
        body = body_for(numbers(150, prefix), maxDuration=max_duration, loopCount=loop_count)
        assert call(sb, "sendGroup", body)["status"] == "0"
        records = all_records(sb)
    assert len(records) == 150
    md = int(max_duration) if max_duration is not None else None
    for rec in records:
        check_record(rec, md, int(loop_count))
    if md is not None and md <= 10:
        assert max(r["callDuration"] for r in records) == md  # some are cut off
    longest = max(r["callDuration"] for r in records)
    if md is None:  # those who hear it all hear 3 loops of the same 8-40 s audio (at most 120 s)
        assert longest == 120 or (longest % 3 == 0 and 24 <= longest < 120)


def test_record_group_by_voice_id(sb: Sandbox) -> None:
    entries = send(sb, numbers(50))["data"]
    accepted = [e for e in entries if e["terminationCode"] == "0"]
    with requests.Session() as s:
        for entry in accepted[:10]:
            url = f"{sb.base_url}/recordGroup/{entry['voiceId']}"
            first = call(sb, "", url=url, method="GET", session=s)
            again = call(sb, "", url=url, method="GET", session=s)
            assert first == again and first["status"] == "0"
            rec = first["data"]
            assert (rec["voiceId"], rec["callee"]) == (entry["voiceId"], entry["callee"])
            check_record(rec, BASE_BODY["maxDuration"], BASE_BODY["loopCount"])
            assert sb.call_record(entry["voiceId"]) == rec


def test_record_group_unknown_or_refused_voice_id_is_status_0_with_null_data() -> None:
    with Sandbox(reject_share=0.5, seed=1) as sb:
        entries = send(sb, numbers(20))["data"]
        refused = next(e for e in entries if e["terminationCode"] != "0")
        voice_id = entries[0]["voiceId"]
        for unknown in (refused["voiceId"], "2203031134011000001", voice_id + "0", "abc",
                        str(int(voice_id) + 10**12)):  # fmt: skip
            answer = call(sb, "", url=f"{sb.base_url}/recordGroup/{unknown}", method="GET")
            assert answer["status"] == "0" and answer["data"] is None, unknown
        answer = call(sb, "", url=f"{sb.base_url}/recordGroup/{voice_id}", method="GET",
                      headers=signed(sb, secret="x"))  # fmt: skip
        refused_code(answer, "-1")


def test_record_in_progress_until_record_delay() -> None:
    with Sandbox(record_delay=0.6, reject_share=0, answer_share=1.0) as sb:
        voice_id = send(sb, numbers(1))["data"][0]["voiceId"]
        url = f"{sb.base_url}/recordGroup/{voice_id}"
        rec = call(sb, "", url=url, method="GET")["data"]
        assert (rec["terminationCode"], rec["terminationReason"]) == ("", IN_PROGRESS)
        assert rec["submitTime"] and rec["hangupTime"] == rec["answerTime"] == ""
        assert rec["callDuration"] == 0 and rec["cost"] == "0.0000"
        time.sleep(0.7)
        rec = call(sb, "", url=url, method="GET")["data"]
        assert rec["terminationCode"] == "200" and rec["hangupTime"]


def test_record_group_query_window_and_paging(sb: Sandbox) -> None:
    entries = send(sb, numbers(200))["data"] + send(sb, numbers(57, 10**9))["data"]
    accepted = [e["voiceId"] for e in entries if e["terminationCode"] == "0"]
    now = datetime.now(UTC)
    start, end = now - timedelta(days=1), now + timedelta(minutes=5)
    pages = [record_query(sb, start, end, current=c, size=40)["data"] for c in range(1, 9)]
    total = len(accepted)
    for current, data in enumerate(pages, 1):
        assert (data["total"], data["size"], data["current"]) == (total, 40, current)
        assert data["pages"] == math.ceil(total / 40) and data["searchCount"] is True
    ids = [r["voiceId"] for p in pages for r in p["records"]]
    assert ids == accepted  # each once, in submission order, stable across pages
    assert pages[-1]["records"] == []
    # another offset, another spelling of the same window
    tokyo = timedelta(hours=9)
    local = record_query(sb, start.astimezone(_tz(tokyo)), end.astimezone(_tz(tokyo)), size=100)
    assert [r["voiceId"] for r in local["data"]["records"]] == accepted[:100]
    # a window that ends before the submissions holds nothing
    empty = record_query(sb, now - timedelta(days=3), now - timedelta(days=2))["data"]
    assert (empty["total"], empty["pages"], empty["records"]) == (0, 0, [])


def _tz(offset: timedelta) -> Any:
    from datetime import timezone

    return timezone(offset)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"strTime": "-32d", "endTime": "0d"}, "31 days"),
        ({"strTime": "-61d", "endTime": "-59d"}, "older"),
        ({"strTime": "0d", "endTime": "-1d"}, "before"),
        ({"strTime": "2026-01-01T00:00:00", "endTime": "2026-01-02T00:00:00"}, "offset"),
        ({"strTime": "yesterday", "endTime": "0d"}, "ISO 8601"),
        ({"endTime": "0d"}, "strTime"),
        (None, "params"),
    ],
)
def test_record_group_query_refusals(
    sb: Sandbox, params: dict[str, str] | None, fragment: str
) -> None:
    now = datetime.now(_vendor_tz())

    def value(text: str) -> str:
        return (now + timedelta(days=int(text[:-1]))).isoformat() if text.endswith("d") else text

    body: dict[str, Any] = {"current": 1, "size": 10}
    if params is not None:
        body["params"] = {k: value(v) for k, v in params.items()}
    refused_code(call(sb, "recordGroupQuery", body), "-22", fragment)


def test_record_group_query_31_days_exactly_is_fine(sb: Sandbox) -> None:
    now = datetime.now(_vendor_tz())
    data = record_query(sb, now - timedelta(days=31), now)["data"]
    assert data["total"] == 0 and data["searchCount"] is True
    refused_code(record_query(sb, now - timedelta(hours=1), now, size=101), "-22", "size")


# --- life cycle and command line -------------------------------------------------------------


def test_start_stop_many_sandboxes_quickly() -> None:
    baseline = threading.active_count()
    began = time.monotonic()
    for _ in range(20):
        sb = Sandbox().start()
        port = sb.port
        with requests.Session() as s:
            assert send(sb, numbers(2), session=s)["status"] == "0"  # leaves a keep-alive open
            sb.stop()
            with pytest.raises(requests.ConnectionError):
                s.post(f"http://127.0.0.1:{port}/voice/sendGroup", json=BASE_BODY, timeout=2)
    assert time.monotonic() - began < 15
    deadline = time.monotonic() + 5
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= baseline


def test_stop_closes_idle_keep_alive_connections_promptly() -> None:
    sb = Sandbox().start()
    port = sb.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("POST", "/voice/sendGroup", json.dumps(body_for(numbers(2))), signed(sb))
        assert conn.getresponse().read()
        began = time.monotonic()
        sb.stop()
        assert time.monotonic() - began < 2
        assert conn.sock is not None
        conn.sock.settimeout(2)
        assert conn.sock.recv(1) == b""  # the server closed our idle connection
    finally:
        conn.close()
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
    sb.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not running"):
        _ = sb.base_url


def test_serve_forever_prints_the_way_in_and_stops_on_ctrl_c() -> None:
    code = "from itnivoice_nb._sandbox import serve_forever; serve_forever(0, '127.0.0.1', 4)"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = []
        for _ in range(20):
            line = proc.stdout.readline()
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
        base_url = re.search(r"base URL:\s+(\S+)", text)
        assert base_url, text
        assert "API secret: sandbox-secret" in text
        assert f"export ITNIOTECH_BASE_URL={base_url.group(1)} ITNIOTECH_API_KEY=sandbox-key " \
               "ITNIOTECH_API_SECRET=sandbox-secret" in text  # fmt: skip
        url = base_url.group(1).removesuffix("/voice")
        headers = {"Api-Key": "sandbox-key"}
        ts = str(int(time.time()))
        headers.update(Timestamp=ts, Sign=hashlib.md5(f"sandbox-keysandbox-secret{ts}".encode())
                       .hexdigest())  # fmt: skip
        answer = requests.get(url + "/sms/getBalance", headers=headers, timeout=5).json()
        assert answer["status"] == "0"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "Stopping the sandbox (1 requests served)" in out and "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_client_is_built_lazily_against_the_sandbox(sb: Sandbox) -> None:
    client_module = pytest.importorskip("itnivoice_nb._client")
    client = sb.client()
    assert isinstance(client, client_module.VoiceClient)
    assert sb.api_secret not in repr(client)


def test_the_rules_come_from_vendor_data() -> None:
    # the checks read their limits from _vendor: a sandbox refusing 201 numbers says "200"
    assert _vendor.MAX_CALLEES == 200
    with Sandbox() as sb:
        answer = send(sb, numbers(_vendor.MAX_CALLEES + 1))
        assert str(_vendor.MAX_CALLEES) in answer["reason"]
