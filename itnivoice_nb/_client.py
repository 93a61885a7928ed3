"""VoiceClient: one method per vendor endpoint, signed, with every failure named.

The client speaks HTTP and JSON only; it knows nothing of DataFrames beyond handing record
lists to :mod:`itnivoice_nb._records` for the two listing methods. Retries are not done here: a
request is made once, and the error raised says how far it got, so that the caller can decide
whether it may have been charged:

* :class:`ConnectError` (``may_have_reached`` False) only when not one byte of the request was
  written: DNS failure, connection refused, connect timeout, a proxy refusing the tunnel, a TLS
  handshake that failed before sending. The client observes the moment the first byte is handed
  to the socket; it does not guess from the exception's type (a TLS error after sending is not
  a handshake failure).
* :class:`ResponseLostError` (``may_have_reached`` True) for everything after that: a reset, a
  TLS error mid-exchange, a read timeout, a cut-off answer, and its subclasses
  :class:`DeadlineExceededError` and :class:`ResponseTooLargeError`.
* :class:`BadResponseError` (and :class:`RedirectError` for HTTP 3xx) and :class:`ApiError`:
  an answer came back, so the request did reach a server.

Example:
    >>> client = VoiceClient(api_key="k", api_secret="s", base_url="http://127.0.0.1:9/voice")
    >>> client
    VoiceClient(api_key='k', base_url='http://127.0.0.1:9/voice')
"""

from __future__ import annotations

import base64
import email.utils
import json
import math
import os
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter

from ._answers import AnswerFields, parse_fields
from ._answers import excerpt as _excerpt
from ._answers import json_object as _json_object
from ._answers import status_of as _status_of
from ._errors import (
    ApiError,
    BadResponseError,
    ConfigurationError,
    ConnectError,
    DataExistsError,
    DataValidationError,
    DeadlineExceededError,
    RedirectError,
    ResponseLostError,
    ResponseTooLargeError,
    TransportError,
    error_for_status,
)
from ._message import VoiceMessage
from ._signing import signed_headers
from ._transport import (
    CHUNK,
    CURRENT,
    TRANSPORT_ERRORS,
    WATCHDOG,
    Exchange,
    Failure,
    PhaseAdapter,
    Session,
    TooLarge,
    discard,
    failure_of,
    location_host,
)
from ._urls import is_loopback
from ._vendor import (
    AUDIO_NAME_MAX,
    AUDIO_NAME_MIN,
    AUDIO_SUFFIXES,
    DEFAULT_BASE_URL,
    MAX_CALLEES,
    PAGE_SIZE_MAX,
    STATUS_OK,
)

if TYPE_CHECKING:
    import pandas as pd

ENV_KEY = "ITNIOTECH_API_KEY"
ENV_SECRET = "ITNIOTECH_API_SECRET"
ENV_BASE_URL = "ITNIOTECH_BASE_URL"



class _Secret:
    """Holds the API secret; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # refuse pickling: a pickle would carry the secret
        raise TypeError("the API secret cannot be pickled")


class GroupItem(NamedTuple):
    """One number's answer in a sendGroup reply (a tuple: cheap to build 200 at a time)."""

    voice_id: str | None
    callee: str
    termination_code: str | None
    termination_reason: str | None

    @property
    def accepted(self) -> bool:
        return self.termination_code == "0"


@dataclass(frozen=True, slots=True)
class GroupAnswer:
    """A parsed sendGroup reply: status, reason, the ``data`` fields, and the raw body.

    ``fields`` holds the answer column-wise (see :class:`~itnivoice_nb._answers.AnswerFields`);
    ``items`` gives one :class:`GroupItem` per number.
    """

    status: str
    reason: str
    fields: AnswerFields = field(repr=False)
    http_status: int = 200
    text: str = field(default="", repr=False)
    server_date: datetime | None = None

    @property
    def items(self) -> tuple[GroupItem, ...]:
        """One :class:`GroupItem` per ``data`` entry, in the answer's order."""
        f = self.fields
        return tuple(map(GroupItem, f.voice, f.callee, f.code, f.why))


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"base_url {base_url!r} is not an http(s) URL; "
            f"expected e.g. {DEFAULT_BASE_URL!r} or a sandbox's base_url"
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"base_url {base_url!r} uses plain http to a remote host, which would send the "
            "credentials unencrypted; use https (plain http is allowed only on this machine)"
        )
    if parts.username or parts.password:
        raise ConfigurationError("base_url must not carry credentials; pass api_key/api_secret")
    return base_url.rstrip("/")


def parse_server_date(value: str | None) -> datetime | None:
    """Parse an HTTP ``Date`` header; None when absent or unreadable."""
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def parse_group_answer(
    text: str, http_status: int = 200, server_date: datetime | None = None
) -> GroupAnswer:
    """Parse a sendGroup reply; :class:`BadResponseError` if it is not the documented shape.

    A status other than "0" is returned as is (not raised), so the caller decides. The text is
    read by :func:`~itnivoice_nb._answers.parse_fields`, the one parser of these answers.

    Example:
        >>> a = parse_group_answer('{"status":"0","reason":"success","data":[{"voiceId":"1",'
        ...     '"callee":"91856321412","terminationCode":"0","terminationReason":"success"}]}')
        >>> a.items[0].accepted
        True
    """
    fields = parse_fields(text, http_status)
    return GroupAnswer(fields.status, fields.reason, fields, http_status, text, server_date)


def _check_seconds(name: str, value: object, example: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigurationError(f"{name}={value!r} is not a number of seconds; {example}")
    seconds = float(value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigurationError(
            f"{name}={value!r} must be a positive number of seconds; {example}"
        )
    return seconds


def _check_timeout(timeout: object) -> tuple[float, float]:
    example = "pass e.g. timeout=(10, 60) for (connect, read) seconds, or one number for both"
    if isinstance(timeout, tuple | list):
        if len(timeout) != 2:
            raise ConfigurationError(f"timeout={timeout!r} must be (connect, read); {example}")
        return (
            _check_seconds("timeout[0] (connect)", timeout[0], example),
            _check_seconds("timeout[1] (read)", timeout[1], example),
        )
    seconds = _check_seconds("timeout", timeout, example)
    return seconds, seconds


def _check_positive_int(name: str, value: object, example: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(
            f"{name}={value!r} must be a whole number of at least 1; {example}"
        )
    return value


def _check_verify(ca_bundle: str | os.PathLike[str] | None) -> str | bool:
    """What requests' ``verify`` gets: a CA file, the environment's bundle, or True (default)."""
    if ca_bundle is not None:
        path = os.fspath(ca_bundle)
        if not os.path.isfile(path):
            raise ConfigurationError(
                f"ca_bundle {path!r} is not a file; pass the path of a PEM file of the CA "
                "certificates to trust (or leave it out to use the system's default store)"
            )
        try:
            ssl.create_default_context(cafile=path)
        except (ssl.SSLError, OSError, ValueError):
            raise ConfigurationError(
                f"ca_bundle {path!r} holds no readable PEM CA certificate; pass a PEM file "
                "('-----BEGIN CERTIFICATE-----' blocks)"
            ) from None
        return path
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        bundle = os.environ.get(name)
        if bundle:
            if not os.path.exists(bundle):
                raise ConfigurationError(
                    f"${name} is {bundle!r}, which does not exist; point it at a PEM file of CA "
                    "certificates, or unset it to use the default store"
                )
            return bundle
    return True


class VoiceClient:
    """A signed client of the Itniotech voice API.

    Args:
        api_key: the account's API key; default ``$ITNIOTECH_API_KEY``.
        api_secret: the API secret; default ``$ITNIOTECH_API_SECRET``. Never shown anywhere.
        base_url: default ``$ITNIOTECH_BASE_URL`` or ``https://api.itniotech.com/voice``.
        timeout: ``(connect, read)`` seconds, or one number for both; default ``(10.0, 60.0)``.
            ``read`` bounds each wait for the next bytes of the answer.
        pool_size: connections kept open for reuse (at least the send concurrency); default 32.
        adapter: a ``requests`` transport adapter to use instead of the HTTP one (for
            benchmarks and tests that must not touch the network).
        deadline: seconds one whole exchange may take — connecting, sending, the answer's
            headers and body — however slowly the server trickles; default 120.0. A request
            over it raises :class:`DeadlineExceededError` (or :class:`ConnectError` if nothing
            had been sent yet).
        max_response_bytes: the longest answer read; default ``16 * 2**20`` (16 MiB). A longer
            one raises :class:`ResponseTooLargeError`; memory stays bounded by it.
        ca_bundle: a PEM file of the CA certificates to trust instead of the default store
            (default None: ``$REQUESTS_CA_BUNDLE`` or ``$CURL_CA_BUNDLE`` if set, else the
            default store).

    What it refuses: certificates are always verified (there is no switch to turn that off);
    redirects are never followed (an HTTP 3xx raises :class:`RedirectError`), so the
    credentials and the numbers never go to another host; plain http only to this machine;
    proxies from ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` are used for a
    remote API but never for a loopback ``base_url``.

    Every failure says whether the request may have reached the API: :class:`ConnectError`
    (``may_have_reached`` False) only when not one byte of it had been written.

    Example:
        >>> c = VoiceClient(api_key="k", api_secret="s", base_url="http://127.0.0.1:9/voice")
        >>> c.base_url, c.timeout, c.deadline, c.max_response_bytes
        ('http://127.0.0.1:9/voice', (10.0, 60.0), 120.0, 16777216)
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        pool_size: int = 32,
        adapter: BaseAdapter | None = None,
        *,
        deadline: float = 120.0,
        max_response_bytes: int = 16 * 2**20,
        ca_bundle: str | os.PathLike[str] | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(ENV_KEY)
        raw = api_secret if api_secret is not None else os.environ.get(ENV_SECRET)
        # Wrapped at once: no frame of a traceback from here on holds the secret as a local.
        secret = _Secret(str(raw).strip()) if raw is not None and str(raw).strip() else None
        del api_secret, raw
        missing = [
            name
            for name, present in (
                (f"api_key (or ${ENV_KEY})", bool(key and str(key).strip())),
                (f"api_secret (or ${ENV_SECRET})", secret is not None),
            )
            if not present
        ]
        if missing:
            raise ConfigurationError(
                "no credentials: " + " and ".join(missing) + " missing. "
                f"Set the environment variables {ENV_KEY} and {ENV_SECRET}, or pass "
                "VoiceClient(api_key=..., api_secret=...); to try things offline use "
                "iv.Sandbox().client()"
            )
        assert key is not None and secret is not None
        self.api_key = str(key).strip()
        self._secret = secret
        self.base_url = _check_base_url(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        )
        self.timeout: tuple[float, float] = _check_timeout(timeout)
        self.deadline: float = _check_seconds(
            "deadline", deadline, "pass e.g. deadline=120 (seconds one whole request may take)"
        )
        self.max_response_bytes: int = _check_positive_int(
            "max_response_bytes",
            max_response_bytes,
            "pass e.g. max_response_bytes=16 * 2**20 (the longest answer read, in bytes)",
        )
        self._pool_size = _check_positive_int(
            "pool_size", pool_size, "pass e.g. pool_size=32 (at least the send concurrency)"
        )
        self._adapter = adapter
        # The environment is read once, here, not on every request. A loopback base_url (the
        # sandbox, a test server) never goes through a proxy; a remote one honours
        # HTTP(S)_PROXY/ALL_PROXY/NO_PROXY. Verification stays on: a CA bundle (ca_bundle, or
        # one from the environment) replaces the default store, it never disables checking.
        host = urlsplit(self.base_url).hostname or ""
        self._proxies: dict[str, str] = (
            {} if is_loopback(host) else dict(requests.utils.get_environ_proxies(self.base_url))
        )
        self._verify: str | bool = _check_verify(ca_bundle)
        # With our own adapter every connection reports when the request starts being written;
        # through SOCKS proxies or a custom adapter the phase is inferred from the error.
        self._exact_phase = adapter is None and not any(
            str(proxy).lower().startswith("socks") for proxy in self._proxies.values()
        )
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"VoiceClient(api_key={self.api_key!r}, base_url={self.base_url!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = Session()
            adapter = self._adapter or PhaseAdapter(
                pool_connections=2, pool_maxsize=self._pool_size, max_retries=0
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.proxies = dict(self._proxies)
            session.verify = self._verify
            # Not from the environment on every request (requests would also read ~/.netrc
            # each time; our requests carry their own signature, so netrc credentials must not
            # be added anyway).
            session.trust_env = False
            session.max_redirects = 0
            # Answers are small JSON: no compression, so nothing is inflated past the cap.
            session.headers["Accept-Encoding"] = "identity"
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
        self._local = threading.local()

    def __enter__(self) -> VoiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def balance_url(self) -> str:
        """The balance endpoint, under ``/sms`` on the base URL's host."""
        parts = urlsplit(self.base_url)
        path = parts.path.rstrip("/")
        root = path[: -len("/voice")] if path.endswith("/voice") else path.rsplit("/", 1)[0]
        return urlunsplit((parts.scheme, parts.netloc, root + "/sms/getBalance", "", ""))

    def _request(
        self, url: str, body: bytes | None, method: str = "POST"
    ) -> tuple[requests.Response, str]:
        """Send one signed request and read its whole answer: the response and its text.

        No retry, no redirect. Every failure is raised as a named error saying whether the
        request may have reached the API; a 3xx answer raises :class:`RedirectError`. The
        errors are raised without the underlying exception chained: its frames hold the
        request's headers.
        """
        headers = signed_headers(self.api_key, self._secret)
        session = self._session()
        ex = Exchange(time.monotonic() + self.deadline)
        CURRENT.exchange = ex
        WATCHDOG.watch(ex)
        response: requests.Response | None = None
        failure: Failure | None = None
        too_large = False
        text = ""
        try:
            response = session.request(
                method,
                url,
                data=body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
            )
            if not 300 <= response.status_code < 400:
                text = self._read_text(response, ex)
        except TooLarge:
            too_large = True
        except TRANSPORT_ERRORS as exc:
            failure = failure_of(exc)
        finally:
            CURRENT.exchange = None
            expired = WATCHDOG.unwatch(ex)
        # Raised here, outside the except clauses, so that no exception is chained.
        if expired or failure is not None or too_large:
            discard(response)
            written = ex.written if self._exact_phase else not (failure and failure.never_connected)
            if expired:
                raise self._deadline_error(url, written)
            if too_large:
                raise ResponseTooLargeError(
                    f"the answer from {self._where(url)} is longer than max_response_bytes="
                    f"{self.max_response_bytes} bytes, so reading stopped; the request may have "
                    "been processed. If such answers are expected, raise max_response_bytes",
                    limit=self.max_response_bytes,
                )
            assert failure is not None
            raise self._transport_error(url, failure, written)
        assert response is not None
        if 300 <= response.status_code < 400:
            discard(response)
            raise self._redirect_error(url, response)
        return response, text

    def _read_text(self, response: requests.Response, ex: Exchange) -> str:
        """The answer's body as text, read in chunks up to ``max_response_bytes``."""
        cap = self.max_response_bytes
        if response.raw is None:  # a custom adapter that filled in the body itself
            data = response.content or b""
            if len(data) > cap:
                raise TooLarge
            return data.decode("utf-8", errors="replace")
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.strip().isdigit() and int(declared) > cap:
            raise TooLarge
        buffer = bytearray()
        for chunk in response.iter_content(min(CHUNK, cap + 1)):
            buffer += chunk
            if len(buffer) > cap:
                raise TooLarge
            if ex.expired:
                break  # the watchdog shut the socket: what follows is not the answer
        return buffer.decode("utf-8", errors="replace")

    def _deadline_error(self, url: str, written: bool) -> TransportError:
        if not written:
            return ConnectError(
                f"could not reach {self._where(url)} within the deadline of {self.deadline:g} s "
                "(connecting took too long); nothing was sent"
            )
        return DeadlineExceededError(
            f"the exchange with {self._where(url)} took longer than the deadline of "
            f"{self.deadline:g} s (the answer came too slowly) and was abandoned; the request "
            "may have been processed",
            deadline=self.deadline,
        )

    def _transport_error(self, url: str, failure: Failure, written: bool) -> TransportError:
        where, kind, cause = self._where(url), failure.kind, failure.cause
        if not written:
            if kind == "connect_timeout":
                text = f"could not connect to {where} within {self.timeout[0]:g} s"
            elif kind == "tls":
                text = (
                    f"the TLS handshake with {where} failed (certificate not trusted? pass "
                    "ca_bundle=... if the API's certificate comes from a private CA)"
                )
            elif kind == "proxy":
                text = f"the proxy refused or failed the connection to {where}"
            else:
                text = f"could not connect to {where}"
            return ConnectError(f"{text}; nothing was sent: {cause}")
        if kind == "read_timeout":
            text = f"no answer from {where} within {self.timeout[1]:g} s after the request was sent"
        elif kind == "tls":
            text = f"the TLS connection to {where} failed after the request was sent"
        elif kind == "cut":
            text = f"the answer from {where} was cut off"
        else:
            text = f"the connection to {where} broke after the request was sent"
        return ResponseLostError(f"{text}; it may have been processed: {cause}")

    def _redirect_error(self, url: str, response: requests.Response) -> RedirectError:
        status = response.status_code
        host = location_host(url, response.headers.get("Location"))
        target = f"a redirect to host {host!r}" if host else "a redirect with no readable Location"
        return RedirectError(
            f"{self._where(url)} answered HTTP {status}, {target}; redirects are never "
            "followed, so nothing was sent there. Check base_url (the API may have moved: "
            "ask the vendor for its current address)",
            http_status=status,
            location_host=host,
        )

    @staticmethod
    def _where(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.netloc}{parts.path}"

    def _exchange(
        self, url: str, body: bytes | None, method: str = "POST"
    ) -> tuple[requests.Response, str]:
        """One signed request; the response and its text, or BadResponseError if not HTTP 200."""
        response, text = self._request(url, body, method)
        if response.status_code != 200:
            raise BadResponseError(
                f"{self._where(url)} answered HTTP {response.status_code}",
                http_status=response.status_code,
                excerpt=_excerpt(text),
            )
        return response, text

    def _call(self, url: str, body: bytes | None, method: str = "POST") -> dict[str, Any]:
        """One signed request; the parsed answer when status is "0", else the named ApiError."""
        response, text = self._exchange(url, body, method)
        payload = _json_object(text, response.status_code)
        status, reason = _status_of(payload, text, response.status_code)
        if status != STATUS_OK:
            err = error_for_status(status, reason, http_status=response.status_code, answer=payload)
            err.server_date = parse_server_date(response.headers.get("Date"))  # type: ignore[attr-defined]
            raise err
        return payload

    @staticmethod
    def _json(body: dict[str, Any]) -> bytes:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    # -- sendGroup --------------------------------------------------------------------------

    def send_group_raw(self, callees: Sequence[str], message: VoiceMessage) -> GroupAnswer:
        """Send one sendGroup request and return the parsed answer whatever its status.

        Raises :class:`TransportError` subclasses and :class:`BadResponseError` (HTTP status
        other than 200, or a body that is not the documented JSON).
        """
        if len(callees) > MAX_CALLEES:
            raise ValueError(f"callees: {len(callees)} numbers; at most {MAX_CALLEES} a request")
        response, text = self._exchange(f"{self.base_url}/sendGroup", message.payload(callees))
        return parse_group_answer(
            text, response.status_code, parse_server_date(response.headers.get("Date"))
        )

    def send_group(self, callees: Sequence[str], message: VoiceMessage) -> GroupAnswer:
        """Send ``message`` to up to 200 normalised numbers in one request.

        Returns the parsed answer when its status is "0"; otherwise raises the named
        :class:`ApiError` (``AuthenticationError`` for -1, ``InsufficientBalanceError`` for
        -10, ...), which carries the code, the API's reason and the parsed answer.

        Example:
            >>> from itnivoice_nb import Sandbox, VoiceMessage
            >>> with Sandbox() as sb:
            ...     answer = sb.client().send_group(["91856321412"], VoiceMessage("a", "f.mp3"))
            >>> answer.status
            '0'
        """
        answer = self.send_group_raw(callees, message)
        if answer.status != STATUS_OK:
            err = error_for_status(
                answer.status,
                answer.reason,
                http_status=answer.http_status,
                answer=json.loads(answer.text),
            )
            err.server_date = answer.server_date  # type: ignore[attr-defined]
            raise err
        return answer

    # -- audio files ------------------------------------------------------------------------

    def upload_audio(self, path: str | os.PathLike[str], name: str | None = None) -> str:
        """Upload an audio file (.mp3, .m4a, .wav) and return its fileId for :class:`VoiceMessage`.

        ``name`` (default: the file's own name) must be 5-32 characters including the suffix
        and unique in the account.

        Example:
            >>> import pathlib, tempfile
            >>> from itnivoice_nb import Sandbox
            >>> p = pathlib.Path(tempfile.mkdtemp()) / "hello.wav"; _ = p.write_bytes(b"RIFF....")
            >>> with Sandbox() as sb:
            ...     file_id = sb.client().upload_audio(p)
            >>> file_id.endswith(".wav")
            True
        """
        file_path = Path(path)
        if not file_path.is_file():
            raise FileNotFoundError(f"audio file not found: {str(file_path)!r}")
        file_name = name if name is not None else file_path.name
        suffix = Path(file_name).suffix.lower()
        if file_path.suffix.lower() not in AUDIO_SUFFIXES or suffix not in AUDIO_SUFFIXES:
            raise ValueError(
                f"audio file {file_name!r}: the suffix must be one of {', '.join(AUDIO_SUFFIXES)}"
            )
        if not AUDIO_NAME_MIN <= len(file_name) <= AUDIO_NAME_MAX:
            raise ValueError(
                f"audio file name {file_name!r} is {len(file_name)} characters; allowed: "
                f"{AUDIO_NAME_MIN}-{AUDIO_NAME_MAX} characters including the suffix "
                "(pass name=... to choose another)"
            )
        with file_path.open("rb") as handle:
            encoded = base64.b64encode(handle.read()).decode("ascii")
        body = b'{"fileName":' + json.dumps(file_name).encode() + b',"file":"'
        body += encoded.encode("ascii") + b'"}'
        del encoded
        try:
            payload = self._call(f"{self.base_url}/fileUpload", body)
        except DataExistsError as err:
            err.args = (
                f"{err.args[0]}: an audio file named {file_name!r} is already in the account; "
                "upload under another name=..., or find its fileId with client.audio_files()",
            )
            raise
        except DataValidationError as err:
            err.args = (
                f"{err.args[0]}: the API could not read {file_name!r}; check that it is a real "
                ".mp3/.m4a/.wav file",
            )
            raise
        file_id = payload.get("data")
        if not isinstance(file_id, str) or not file_id:
            raise BadResponseError(
                "the fileUpload answer has no fileId in 'data'",
                http_status=200,
                excerpt=_excerpt(json.dumps(payload)),
            )
        return file_id

    def _pages(self, url: str, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        current = 1
        while True:
            body = {"current": current, "size": PAGE_SIZE_MAX, **(extra or {})}
            payload = self._call(url, self._json(body))
            data = payload.get("data")
            if data is None:
                break
            if not isinstance(data, dict) or not isinstance(data.get("records", []), list):
                raise BadResponseError(
                    f"{self._where(url)}: 'data' is not a page of records",
                    http_status=200,
                    excerpt=_excerpt(json.dumps(payload)),
                )
            page = [r for r in data.get("records") or [] if isinstance(r, dict)]
            records.extend(page)
            try:
                pages = int(data.get("pages") or 0)
            except (TypeError, ValueError):
                pages = 0
            if not page or current >= pages:
                break
            current += 1
        return records

    def audio_files(self) -> pd.DataFrame:
        """Every uploaded audio file, walking all pages: columns ``file_id``, ``file_name``."""
        from ._records import audio_frame

        return audio_frame(self._pages(f"{self.base_url}/fileQuery"))

    # -- account ----------------------------------------------------------------------------

    def balance(self) -> dict[str, float]:
        """The account's ``balance``, ``gift`` and ``credit`` as numbers.

        Example:
            >>> from itnivoice_nb import Sandbox
            >>> with Sandbox(balance=12.5) as sb:
            ...     sb.client().balance()["balance"]
            12.5
        """
        payload = self._call(self.balance_url, None, method="GET")
        out: dict[str, float] = {}
        for name in ("balance", "gift", "credit"):
            value = payload.get(name)
            if value is None and isinstance(payload.get("data"), dict):
                value = payload["data"].get(name)
            try:
                out[name] = float(value) if value not in (None, "") else 0.0
            except (TypeError, ValueError):
                raise BadResponseError(
                    f"getBalance: {name} {value!r} is not a number",
                    http_status=200,
                    excerpt=_excerpt(json.dumps(payload)),
                ) from None
        return out

    # -- call records -----------------------------------------------------------------------

    def call_record_raw(self, voice_id: str) -> dict[str, Any] | None:
        """The vendor's record for one voiceId as the raw dict, or None if it has none."""
        voice = str(voice_id).strip()
        if not voice or "/" in voice:
            raise ValueError(f"voice_id {voice_id!r} is not a voiceId")
        payload = self._call(f"{self.base_url}/recordGroup/{voice}", None, method="GET")
        data = payload.get("data")
        if data is None or data == {} or data == []:
            return None
        if not isinstance(data, dict):
            raise BadResponseError(
                "recordGroup: 'data' is not a record",
                http_status=200,
                excerpt=_excerpt(json.dumps(payload)),
            )
        return data

    def call_record(self, voice_id: str) -> dict[str, Any] | None:
        """What happened to one call: a dict of typed values (see :mod:`itnivoice_nb._records`).

        Returns None when the API has no record of that voiceId.
        """
        from ._records import typed_record

        raw = self.call_record_raw(voice_id)
        return None if raw is None else typed_record(raw)

    def call_records(self, start: Any, end: Any = None) -> pd.DataFrame:
        """Every call record submitted between ``start`` and ``end`` (default: now).

        Periods longer than 31 days are split into windows; periods reaching back more than two
        months are refused with :class:`RecordPeriodError`.
        """
        from ._records import record_frame, record_windows

        raw: list[dict[str, Any]] = []
        for lo, hi in record_windows(start, end):
            raw.extend(
                self._pages(
                    f"{self.base_url}/recordGroupQuery",
                    {"params": {"strTime": lo, "endTime": hi}},
                )
            )
        return record_frame(raw)


__all__ = ["ApiError", "GroupAnswer", "GroupItem", "VoiceClient", "parse_group_answer"]

