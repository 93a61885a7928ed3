"""An in-memory ``requests`` transport that answers ``sendGroup`` like the vendor: no socket.

``VoiceClient(..., adapter=VendorAdapter())`` sends nothing over the network: the adapter reads
the signed request, answers status "0" with one ``data`` entry per callee (every ``reject_every``-th
number refused with terminationCode "2"), and hands back a ``requests.Response``. It stands in
for the socket and the server in the client-CPU benchmark, so it is kept cheap (one f-string
per entry, the ``Date`` header rendered once a second) and its own cost is measured apart.

Example:
    >>> from itnivoice_nb import VoiceClient, VoiceMessage
    >>> client = VoiceClient("k", "s", base_url="http://127.0.0.1:9/voice", adapter=VendorAdapter())
    >>> answer = client.send_group(["918563214120", "918563214121"], VoiceMessage("a", "f.mp3"))
    >>> [item.accepted for item in answer.items]
    [True, True]
"""

from __future__ import annotations

import email.utils
import json
import threading
import time
from collections.abc import Mapping

from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

_JSON = "application/json;charset=UTF-8"


class VendorAdapter(BaseAdapter):
    """Answers every request as a successful ``sendGroup`` (see the module docstring).

    Args:
        reject_every: refuse every n-th number of the whole run (0: refuse none).
    """

    def __init__(self, reject_every: int = 20) -> None:
        super().__init__()
        self.reject_every = reject_every
        self.requests = 0
        self.numbers = 0
        self._lock = threading.Lock()
        self._next_id = 2_203_031_134_011_000_001
        self._date = ""
        self._date_second = -1
        self.cpu_seconds = 0.0
        """CPU time spent inside :meth:`send` (thread CPU time): the stand-in server's share."""

    def _http_date(self) -> str:
        now = int(time.time())
        if now != self._date_second:
            self._date = email.utils.formatdate(now, usegmt=True)
            self._date_second = now
        return self._date

    def answer_body(self, body: bytes) -> bytes:
        """The JSON answer to one sendGroup body."""
        callee: str = json.loads(body)["callee"]
        numbers = callee.split(",")
        n = len(numbers)
        with self._lock:
            first = self._next_id
            self._next_id += n
            start = self.numbers
            self.numbers += n
            self.requests += 1
        every = self.reject_every
        entries = [
            f'{{"voiceId":"{first + i}","callee":"{number}","terminationCode":"2",'
            '"terminationReason":"invalid number"}'
            if every and (start + i + 1) % every == 0
            else f'{{"voiceId":"{first + i}","callee":"{number}","terminationCode":"0",'
            '"terminationReason":"success"}'
            for i, number in enumerate(numbers)
        ]
        return f'{{"status":"0","reason":"success","data":[{",".join(entries)}]}}'.encode()

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        started = time.thread_time()
        body = request.body
        raw = body.encode() if isinstance(body, str) else bytes(body or b"{}")
        response = Response()
        response.status_code = 200
        response.reason = "OK"
        response._content = self.answer_body(raw)
        response.headers = CaseInsensitiveDict(
            {"Content-Type": _JSON, "Date": self._http_date()}
        )
        response.encoding = "utf-8"
        response.url = request.url or ""
        response.request = request
        spent = time.thread_time() - started
        with self._lock:
            self.cpu_seconds += spent
        return response

    def close(self) -> None:
        """Nothing to close: there is no connection."""
