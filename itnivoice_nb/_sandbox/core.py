"""``Sandbox``: start, inspect, tune and stop a local emulation of the vendor's voice API.

Example:
    >>> with Sandbox(seed=1, balance=10.0) as sb:
    ...     sb.base_url.startswith("http://127.0.0.1:"), sb.balance
    (True, 10.0)
"""

from __future__ import annotations

import base64
import threading
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._running import register, unregister
from .checks import Refusal, parse_upload
from .endpoints import ENDPOINT_NAMES, ENDPOINTS
from .faults import Fault, FaultBook
from .server import SandboxServer
from .simulation import DEFAULT_KEYS, DEFAULT_PRESS_SHARE, Money, call_record
from .state import RequestRecord, SandboxState, UploadedFile

if TYPE_CHECKING:
    from .._client import VoiceClient


class Sandbox:
    """A real HTTP server on ``host`` that answers like the Itniotech voice API.

    Arguments:
        api_key, api_secret: the credentials it accepts (sign with them as with the vendor).
        port: 0 picks a free port. host: where to listen (keep it on 127.0.0.1).
        seed: fixes which numbers are refused, how calls end and which requests probabilistic
            faults hit.
        reject_share: share of numbers ``sendGroup`` refuses (terminationCode "1"/"2"/"3").
        answer_share: share of accepted calls that are answered (record terminationCode "200").
        balance: ``None`` = unlimited; else dollars, falling by ``price`` per accepted number.
        latency: seconds between reading a request and answering it (settable while running).
        timestamp_window: a Timestamp further than this from the clock gets status "-16".
        record_delay: seconds after submission during which a call record is "in progress".
        check_file_ids: refuse (``-22``) a ``sendGroup`` whose fileId was not uploaded here.
        press_share: share of *answered* calls whose record has a key pressed in
            ``feedbackValue`` (default 0.15); every other record, and every unanswered call,
            says ``"-1"``. Which calls press, and which key, is fixed by the seed and voiceId.
        keys: the keys those callees press, each as likely (default ``"123456789"``; any of
            ``0-9 * #``, each once), e.g. ``keys="12"`` for a "press 1 or 2" message.
        rates: USD per minute by calling-code prefix, e.g. ``{"91": 0.02, "1": 0.015}``; a
            record's ``rate`` is that of the longest prefix its number starts with, and its
            ``cost`` is ``rate * chargedDuration / 60`` (4 decimals, half up). Rates have at
            most 4 decimals. ``None`` (default): the built-in tariffs
            (:data:`~itnivoice_nb._sandbox.simulation.TARIFFS`: 0.0300 for +91, 0.0150 for +1...).
        default_rate: USD per minute of numbers no ``rates`` prefix matches; ``None``
            (default): their built-in tariff's rate.
        bill_period: ``"first+step"`` seconds billed for every call (e.g. ``"60+60"``: whole
            minutes); ``None`` (default): each country's own (``"20+20"`` for +91, ``"60+60"``
            for +1...). ``chargedDuration`` follows from it.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.

    Example:
        >>> sb = Sandbox(seed=3, rates={"91": 0.02, "1": "0.015"}, bill_period="60+60",
        ...              press_share=0.4, keys="12")
        >>> sb.rates, sb.press_share, sb.keys
        ({'91': 0.02, '1': 0.015}, 0.4, '12')
    """

    def __init__(
        self,
        api_key: str = "sandbox-key",
        api_secret: str = "sandbox-secret",
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        seed: int = 0,
        reject_share: float = 0.05,
        answer_share: float = 0.7,
        balance: float | None = None,
        price: float = 0.01,
        latency: float = 0.0,
        timestamp_window: float = 60,
        record_delay: float = 0.0,
        check_file_ids: bool = False,
        press_share: float = DEFAULT_PRESS_SHARE,
        keys: str = DEFAULT_KEYS,
        rates: Mapping[str, Money] | None = None,
        default_rate: Money | None = None,
        bill_period: str | None = None,
    ) -> None:
        self._state = SandboxState(
            api_key=api_key,
            api_secret=api_secret,
            seed=seed,
            reject_share=reject_share,
            answer_share=answer_share,
            balance=balance,
            price=price,
            latency=latency,
            timestamp_window=timestamp_window,
            record_delay=record_delay,
            check_file_ids=check_file_ids,
            press_share=press_share,
            keys=keys,
            rates=rates,
            default_rate=default_rate,
            bill_period=bill_period,
        )
        self._faults = FaultBook(seed, ENDPOINT_NAMES)
        self._address = (host, port)
        self._server: SandboxServer | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle = threading.Lock()

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> Sandbox:
        """Listen and serve in a background (daemon) thread; returns the sandbox."""
        with self._lifecycle:
            if self._server is None:
                server = SandboxServer(self._address, self._state, self._faults)
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"itnivoice-sandbox:{server.server_port}",
                    daemon=True,
                )
                thread.start()
                self._server, self._thread = server, thread
                register(self.base_url, self.client)
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and the listening socket (idempotent)."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
        if server is None:
            return
        unregister(f"http://{self._address[0]}:{server.server_port}/voice")
        server.shutdown()
        server.close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "not running"
        return f"Sandbox({where}, api_key={self.api_key!r}, seed={self.seed})"

    def _repr_html_(self) -> str:
        """The sandbox in a notebook: where it runs and what it has served (never the secret).

        Example:
            >>> "not running" in Sandbox()._repr_html_()
            True
        """
        from html import escape

        if self._server is None:
            return "<div><b>Sandbox</b> (not running): start it with <code>with Sandbox() as " \
                   "sb:</code> or <code>sb.start()</code></div>"
        served = len(self.requests)
        return (
            f"<div><b>Sandbox</b> at <code>{escape(self.base_url)}</code> — a local emulation "
            f"of the voice API; API key <code>{escape(self.api_key)}</code>; {served} "
            f"request{'s' if served != 1 else ''} served, {sum(self.charges.values())} "
            "number(s) charged. Nobody is called.</div>"
        )

    # --- where and who ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() or use `with Sandbox()`")
        return self._server.server_port

    @property
    def url(self) -> str:
        """``http://HOST:PORT`` (the balance endpoint lives under ``/sms``)."""
        return f"http://{self._address[0]}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/voice``, the client's base URL."""
        return self.url + "/voice"

    @property
    def api_key(self) -> str:
        return self._state.api_key

    @property
    def api_secret(self) -> str:
        return self._state.api_secret

    @property
    def seed(self) -> int:
        return self._state.seed

    def client(self, **kwargs: Any) -> VoiceClient:
        """A ``VoiceClient`` signed with the sandbox's credentials and pointed at it."""
        from .._client import VoiceClient

        return VoiceClient(
            api_key=self.api_key, api_secret=self.api_secret, base_url=self.base_url, **kwargs
        )

    # --- how calls are simulated (fixed when the sandbox is built) ---------------------------

    @property
    def press_share(self) -> float:
        """Share of answered calls that press a key."""
        return self._state.model.press_share

    @property
    def keys(self) -> str:
        """The keys callees press (``feedbackValue``)."""
        return self._state.model.keys

    @property
    def rates(self) -> dict[str, float]:
        """USD per minute by calling-code prefix (empty: the built-in tariffs)."""
        return {code: float(rate) for code, rate in self._state.model.rates.items()}

    @property
    def default_rate(self) -> float | None:
        """USD per minute where no ``rates`` prefix matches (``None``: built-in tariffs)."""
        rate = self._state.model.default_rate
        return None if rate is None else float(rate)

    @property
    def bill_period(self) -> str | None:
        """The bill period of every call (``None``: each country's own)."""
        return self._state.model.bill_period

    # --- settings that may change while running --------------------------------------------

    @property
    def balance(self) -> float | None:
        """Dollars left (``None`` = unlimited); settable."""
        with self._state.lock:
            units = self._state.ledger.balance
        return None if units is None else units / 1_000_000

    @balance.setter
    def balance(self, value: float | None) -> None:
        units = None if value is None else self._state.to_units(value)
        with self._state.lock:
            self._state.ledger.balance = units

    @property
    def price(self) -> float:
        """Dollars charged per accepted number; settable."""
        return self._state.price_units / 1_000_000

    @price.setter
    def price(self, value: float) -> None:
        self._state.price_units = self._state.to_units(value)

    @property
    def latency(self) -> float:
        """Seconds slept before each answer; settable."""
        return self._state.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._state.latency = float(value)

    @property
    def record_delay(self) -> float:
        """Seconds a call record stays "in progress" after submission; settable."""
        return self._state.record_delay

    @record_delay.setter
    def record_delay(self, value: float) -> None:
        self._state.record_delay = float(value)

    # --- what happened ---------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request received so far, in arrival order."""
        with self._state.lock:
            return list(self._state.ledger.requests)

    @property
    def charges(self) -> Counter[str]:
        """A snapshot: number -> how many times it was charged (computed on each access)."""
        return self._state.charges()

    def charged_total(self) -> int:
        """How many numbers were charged in all (a number charged twice counts twice)."""
        return self._state.charged_total()

    def max_charges(self) -> int:
        """The most times any one number was charged (0 if none): 1 proves "at most once"."""
        return max(self._state.charges().values(), default=0)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of unexpected errors inside the sandbox (should stay empty)."""
        with self._state.lock:
            return list(self._state.ledger.errors)

    @property
    def uploads(self) -> list[UploadedFile]:
        with self._state.lock:
            return list(self._state.ledger.uploads.values())

    def upload(self, file_name: str, content: bytes) -> str:
        """Add an audio file without HTTP (same rules as ``fileUpload``); returns its fileId."""
        try:
            name, data = parse_upload(
                {"fileName": file_name, "file": base64.b64encode(content).decode()}
            )
        except Refusal as refusal:
            raise ValueError(refusal.reason) from None
        upload = self._state.add_upload(name, len(data), time.time())
        if upload is None:
            raise ValueError(f"a file named {file_name!r} exists already")
        return upload.file_id

    def call_record(self, voice_id: str, *, now: float | None = None) -> dict[str, Any] | None:
        """The record ``GET /voice/recordGroup/{voice_id}`` would answer (``None`` if unknown)."""
        found = self._state.find_call(voice_id)
        if found is None:
            return None
        batch, index, callee = found
        return call_record(
            self.seed,
            batch,
            index,
            callee,
            now=time.time() if now is None else now,
            record_delay=self._state.record_delay,
        )

    # --- faults ----------------------------------------------------------------------------

    def inject(
        self,
        kind: str,
        *,
        path: str | None = "sendGroup",
        times: int | None = None,
        probability: float = 1.0,
        on: Iterable[int] | None = None,
        **options: Any,
    ) -> Fault:
        """Inject a fault; see :mod:`itnivoice_nb._sandbox.faults` for kinds and options.

        ``path`` is an endpoint name (``"sendGroup"``), its URL path (``"/voice/sendGroup"``)
        or ``None`` for every endpoint. ``on`` lists request ordinals (1 = first request to it).

        Example: ``sb.inject("drop_after", times=1)``; ``sb.inject("status", code="-18",
        probability=0.1)``; ``sb.inject("latency", seconds=0.5, on=[3])``.
        """
        return self._faults.add(
            kind,
            endpoint=_endpoint_name(path),
            times=times,
            probability=probability,
            on=on,
            **options,
        )

    @property
    def faults(self) -> list[Fault]:
        return self._faults.snapshot()

    def clear_faults(self) -> None:
        self._faults.clear()

    def clear_requests(self) -> None:
        """Forget the request log (charges, balance and calls stay)."""
        with self._state.lock:
            self._state.ledger.requests.clear()

    def reset(self) -> None:
        """Back to the starting point: no requests, charges, calls, uploads or faults; the
        starting balance. VoiceIds stay unique (they are never reused)."""
        self._faults.clear()
        self._state.reset()


def _endpoint_name(path: str | None) -> str | None:
    """``"sendGroup"``, ``"/voice/sendGroup"`` -> ``"sendGroup"``; ``None`` stays ``None``."""
    if path is None:
        return None
    for endpoint in ENDPOINTS:
        if path in (endpoint.name, endpoint.path, endpoint.path.rstrip("/")):
            return endpoint.name
    raise ValueError(f"unknown endpoint {path!r}; known: {', '.join(ENDPOINT_NAMES)}")
