"""The sandbox: a local, faithful emulation of the Itniotech voice API, over real HTTP.

It listens on 127.0.0.1, checks signatures, timestamps and every field limit of the vendor's
pages (read as data from ``itnivoice_nb._vendor``, never through the client's code), charges a
balance, simulates the calls, and can be told to misbehave (dropped connections, HTTP 500,
truncated bodies, error statuses...). Use it for demos, notebooks and tests.

Modules, one job each: ``core`` (the :class:`Sandbox` object), ``server`` (HTTP),
``endpoints`` (what each endpoint answers), ``checks`` (request rules and refusal codes),
``state`` (account, charges, request log), ``records`` (simulated call records and billing),
``faults`` (fault injection), ``serve`` (the command line's foreground server).

Example:
    >>> import hashlib, json, time, urllib.request
    >>> with Sandbox(seed=7) as sb:
    ...     stamp = str(int(time.time()))
    ...     sign = hashlib.md5((sb.api_key + sb.api_secret + stamp).encode()).hexdigest()
    ...     body = {"callee": "91856321412", "fileId": "f.mp3", "appId": "a"}
    ...     request = urllib.request.Request(
    ...         sb.base_url + "/sendGroup",
    ...         data=json.dumps(body).encode(),
    ...         headers={"Content-Type": "application/json", "Api-Key": sb.api_key,
    ...                  "Timestamp": stamp, "Sign": sign})
    ...     with urllib.request.urlopen(request, timeout=5) as response:
    ...         answer = json.load(response)
    ...     answer["status"], len(answer["data"]), sb.charged_total()
    ('0', 1, 1)
"""

from __future__ import annotations

from .core import Sandbox
from .faults import FAULT_KINDS, Fault
from .serve import serve_forever
from .simulation import IN_PROGRESS
from .state import RequestRecord, UploadedFile

__all__ = [
    "FAULT_KINDS",
    "IN_PROGRESS",
    "Fault",
    "RequestRecord",
    "Sandbox",
    "UploadedFile",
    "serve_forever",
]
