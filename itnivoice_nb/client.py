"""VoiceClient: one method per vendor endpoint, signed, with every failure named.

The client speaks HTTP and JSON only; it knows nothing of DataFrames beyond handing record
lists to :mod:`itnivoice_nb.records` for the two listing methods. Retries are not done here: a
request is made once, and the error says whether it may have reached the API
(:attr:`TransportError.may_have_reached`), so that :mod:`itnivoice_nb.send` can decide.

Example:
    >>> client = VoiceClient(api_key="k", api_secret="s", base_url="http://127.0.0.1:9/voice")
    >>> client
    VoiceClient(api_key='k', base_url='http://127.0.0.1:9/voice')
"""

from __future__ import annotations

import base64
import email.utils
import ipaddress
import json
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from ._vendor import (
    AUDIO_NAME_MAX,
    AUDIO_NAME_MIN,
    AUDIO_SUFFIXES,
    DEFAULT_BASE_URL,
    MAX_CALLEES,
    PAGE_SIZE_MAX,
    STATUS_OK,
)
from .errors import (
    ApiError,
    BadResponseError,
    ConfigurationError,
    ConnectError,
    DataExistsError,
    DataValidationError,
    ResponseLostError,
    error_for_status,
)
from .message import VoiceMessage
from .signing import signed_headers

if TYPE_CHECKING:
    import pandas as pd

ENV_KEY = "ITNIOTECH_API_KEY"
ENV_SECRET = "ITNIOTECH_API_SECRET"
ENV_BASE_URL = "ITNIOTECH_BASE_URL"

_EXCERPT = 200


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
    """A parsed sendGroup reply: status, reason, one item per number, and the raw body."""

    status: str
    reason: str
    items: tuple[GroupItem, ...]
    http_status: int
    text: str = field(repr=False)
    server_date: datetime | None = None


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(
            f"base_url {base_url!r} is not an http(s) URL; "
            f"expected e.g. {DEFAULT_BASE_URL!r} or a sandbox's base_url"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
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

    A status other than "0" is returned as is (not raised), so the caller decides.

    Example:
        >>> a = parse_group_answer('{"status":"0","reason":"success","data":[{"voiceId":"1",'
        ...     '"callee":"91856321412","terminationCode":"0","terminationReason":"success"}]}')
        >>> a.items[0].accepted
        True
    """
    payload = _json_object(text, http_status)
    status, reason = _status_of(payload, text, http_status)
    data = payload.get("data")
    items: list[GroupItem] = []
    if status == STATUS_OK:
        if not isinstance(data, list):
            raise BadResponseError(
                "the sendGroup answer has no 'data' list",
                http_status=http_status,
                excerpt=_excerpt(text),
            )
        for entry in data:
            if not isinstance(entry, dict) or not isinstance(entry.get("callee"), str | int):
                raise BadResponseError(
                    "a sendGroup 'data' entry is not an object with a callee",
                    http_status=http_status,
                    excerpt=_excerpt(text),
                )
            voice = entry.get("voiceId")
            code = entry.get("terminationCode")
            why = entry.get("terminationReason")
            items.append(
                GroupItem(
                    None if voice is None or voice == "" else _str(voice),
                    _str(entry["callee"]),
                    None if code is None else _str(code),
                    None if why is None else _str(why),
                )
            )
    return GroupAnswer(status, reason, tuple(items), http_status, text, server_date)


def _str(value: object) -> str:
    return value if type(value) is str else str(value)


def _json_object(text: str, http_status: int) -> dict[str, Any]:
    try:
        payload = json.loads(text)
    except ValueError:
        raise BadResponseError(
            "the answer is not JSON (truncated, or an error page)",
            http_status=http_status,
            excerpt=_excerpt(text),
        ) from None
    if not isinstance(payload, dict):
        raise BadResponseError(
            "the answer is JSON but not an object", http_status=http_status, excerpt=_excerpt(text)
        )
    return payload


def _status_of(payload: dict[str, Any], text: str, http_status: int) -> tuple[str, str]:
    status = payload.get("status")
    if status is None or isinstance(status, bool) or not isinstance(status, str | int):
        raise BadResponseError(
            "the answer has no 'status'", http_status=http_status, excerpt=_excerpt(text)
        )
    reason = payload.get("reason")
    return str(status).strip(), "" if reason is None else str(reason)


class VoiceClient:
    """A signed client of the Itniotech voice API.

    Args:
        api_key: the account's API key; default ``$ITNIOTECH_API_KEY``.
        api_secret: the API secret; default ``$ITNIOTECH_API_SECRET``. Never shown anywhere.
        base_url: default ``$ITNIOTECH_BASE_URL`` or ``https://api.itniotech.com/voice``.
        timeout: ``(connect, read)`` seconds, or one number for both.
        pool_size: connections kept open for reuse (at least the send concurrency).
        adapter: a ``requests`` transport adapter to use instead of the HTTP one (for
            benchmarks and tests that must not touch the network).

    TLS certificates are always verified; there is no switch to turn that off.

    Example:
        >>> c = VoiceClient(api_key="k", api_secret="s", base_url="http://127.0.0.1:9/voice")
        >>> c.base_url
        'http://127.0.0.1:9/voice'
    """

    def __init__(
        self,
        api_key: str | None = None,
        api_secret: str | None = None,
        base_url: str | None = None,
        timeout: float | tuple[float, float] = (10.0, 60.0),
        pool_size: int = 32,
        adapter: BaseAdapter | None = None,
    ) -> None:
        key = api_key if api_key is not None else os.environ.get(ENV_KEY)
        secret = api_secret if api_secret is not None else os.environ.get(ENV_SECRET)
        missing = [
            name
            for name, value in (
                (f"api_key (or ${ENV_KEY})", key),
                (f"api_secret (or ${ENV_SECRET})", secret),
            )
            if not value or not str(value).strip()
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
        self._secret = _Secret(str(secret).strip())
        self.base_url = _check_base_url(
            base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
        )
        if isinstance(timeout, int | float):
            timeout = (float(timeout), float(timeout))
        self.timeout: tuple[float, float] = (float(timeout[0]), float(timeout[1]))
        self._pool_size = pool_size
        self._adapter = adapter
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"VoiceClient(api_key={self.api_key!r}, base_url={self.base_url!r})"

    # -- plumbing ---------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = self._adapter or HTTPAdapter(
                pool_connections=2, pool_maxsize=self._pool_size, max_retries=0
            )
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            # Read the environment's proxy and CA-bundle settings once, not on every request
            # (requests would also read ~/.netrc each time; our requests carry their own
            # signature, so netrc credentials must not be added anyway). Verification stays on:
            # a CA bundle from the environment replaces the default one, it never disables it.
            session.proxies = requests.utils.get_environ_proxies(self.base_url)
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            session.verify = bundle if bundle else True
            session.trust_env = False
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

    def _post_raw(self, url: str, body: bytes | None, method: str = "POST") -> requests.Response:
        """Send one signed request; map transport failures to named errors. No retry."""
        headers = signed_headers(self.api_key, self._secret.reveal())
        try:
            return self._session().request(
                method, url, data=body, headers=headers, timeout=self.timeout
            )
        except requests.exceptions.ConnectTimeout:
            raise ConnectError(
                f"could not connect to {self._where(url)} within {self.timeout[0]:g} s; "
                "nothing was sent"
            ) from None
        except requests.exceptions.ReadTimeout:
            raise ResponseLostError(
                f"no answer from {self._where(url)} within {self.timeout[1]:g} s after the "
                "request was sent; it may have been processed"
            ) from None
        except requests.exceptions.SSLError as exc:
            raise ConnectError(
                f"the TLS handshake with {self._where(url)} failed (certificate not trusted?); "
                f"nothing was sent: {_cause(exc)}"
            ) from None
        except requests.exceptions.ConnectionError as exc:
            if _never_connected(exc):
                raise ConnectError(
                    f"could not connect to {self._where(url)}; nothing was sent: {_cause(exc)}"
                ) from None
            raise ResponseLostError(
                f"the connection to {self._where(url)} broke after the request was sent; "
                f"it may have been processed: {_cause(exc)}"
            ) from None
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError):
            raise ResponseLostError(
                f"the answer from {self._where(url)} was cut off; the request may have been "
                "processed"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ResponseLostError(
                f"the request to {self._where(url)} failed: {_cause(exc)}"
            ) from None

    @staticmethod
    def _where(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.netloc}{parts.path}"

    def _exchange(
        self, url: str, body: bytes | None, method: str = "POST"
    ) -> tuple[requests.Response, str]:
        """One signed request; the response and its text, or BadResponseError if not HTTP 200."""
        response = self._post_raw(url, body, method)
        text = _text(response)
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
        from .records import audio_frame

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
        """What happened to one call: a dict of typed values (see :mod:`itnivoice_nb.records`).

        Returns None when the API has no record of that voiceId.
        """
        from .records import typed_record

        raw = self.call_record_raw(voice_id)
        return None if raw is None else typed_record(raw)

    def call_records(self, start: Any, end: Any = None) -> pd.DataFrame:
        """Every call record submitted between ``start`` and ``end`` (default: now).

        Periods longer than 31 days are split into windows; periods reaching back more than two
        months are refused with :class:`RecordPeriodError`.
        """
        from .records import record_frame, record_windows

        raw: list[dict[str, Any]] = []
        for lo, hi in record_windows(start, end):
            raw.extend(
                self._pages(
                    f"{self.base_url}/recordGroupQuery",
                    {"params": {"strTime": lo, "endTime": hi}},
                )
            )
        return record_frame(raw)


def _text(response: requests.Response) -> str:
    try:
        return response.content.decode("utf-8", errors="replace")
    except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError):
        raise ResponseLostError(
            "the answer was cut off; the request may have been processed"
        ) from None


def _never_connected(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the error happened while connecting, before any byte of the request left."""
    reason: Any = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _cause(exc: BaseException) -> str:
    reason: Any = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    text = str(reason)
    return text[:_EXCERPT]


__all__ = ["ApiError", "GroupAnswer", "GroupItem", "VoiceClient", "parse_group_answer"]
