"""Every way a call to the voice API can go wrong, as a named exception.

The tree::

    ItniotechError
    ├── ConfigurationError          missing or bad credentials / base URL (also a ValueError)
    ├── TransportError              no usable HTTP answer; ``may_have_reached`` says if it may count
    │   ├── ConnectError            not one byte of the request was written: nothing was sent
    │   └── ResponseLostError       the request was (or may have been) written; no answer came back
    │       ├── DeadlineExceededError   the whole exchange took longer than ``deadline``
    │       └── ResponseTooLargeError   the answer is longer than ``max_response_bytes``
    ├── BadResponseError            an answer came back but is not the documented JSON
    │   └── RedirectError           a 3xx answer: redirects are never followed
    ├── ApiError                    the API answered with status != "0"
    │   ├── AuthenticationError       -1
    │   ├── RestrictedIPError         -2
    │   ├── InsufficientBalanceError  -10
    │   ├── UserLockedError           -13
    │   ├── TimestampExpiredError     -16
    │   ├── PortProgramError          -18
    │   ├── DataExistsError           -20
    │   ├── DataValidationError       -21
    │   ├── ParameterError            -22
    │   └── FeeError                  -26
    ├── CostLimitError              a plan's cost bound is over ``max_cost``: nothing sent
    ├── SendStopped                 a send stopped early; ``.results`` holds every row so far
    ├── RecordPeriodError           a call-record period the API cannot serve (also a ValueError)
    └── JournalError                the send journal cannot be used; ``.results`` when there are any

    SendInterrupted (a KeyboardInterrupt)  Ctrl-C / kernel interrupt during a send; ``.results``

No exception ever carries the API secret or the Sign header.

Example:
    >>> err = error_for_status("-10", "balance not enough")
    >>> type(err).__name__, err.code
    ('InsufficientBalanceError', '-10')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ._vendor import STATUS_MESSAGES

if TYPE_CHECKING:
    import pandas as pd


class ItniotechError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigurationError(ItniotechError, ValueError):
    """Credentials or settings are missing or malformed."""


class TransportError(ItniotechError):
    """No usable HTTP answer came back.

    ``may_have_reached`` says whether the request may have reached the API (and so may have
    been charged). Only errors where it is False are ever retried automatically.
    """

    may_have_reached: ClassVar[bool] = True


class ConnectError(TransportError):
    """Not one byte of the request was written: DNS failure, connection refused, connect
    timeout, a proxy that refused the tunnel, a TLS handshake that failed (an untrusted
    certificate), or the client's ``deadline`` passing while it was still connecting.

    Only this error is safe to retry: the API cannot have seen (or charged) the request.
    """

    may_have_reached = False


class ResponseLostError(TransportError):
    """The request was written (or may have been) but no usable answer came back: a read
    timeout, a reset, a TLS error after sending, a truncated answer. It may have been charged.
    """

    may_have_reached = True


class DeadlineExceededError(ResponseLostError):
    """The whole exchange (sending, the answer's headers and body) took longer than the client's
    ``deadline``: the server answered too slowly (a trickle), so the answer was abandoned.

    ``deadline`` holds the limit in seconds.
    """

    def __init__(self, message: str, *, deadline: float | None = None) -> None:
        super().__init__(message)
        self.deadline = deadline


class ResponseTooLargeError(ResponseLostError):
    """The answer is longer than the client's ``max_response_bytes``; reading stopped there.

    ``limit`` holds the limit in bytes.
    """

    def __init__(self, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.limit = limit


class BadResponseError(ItniotechError):
    """The API answered, but not with the documented JSON (HTML page, truncated body, ...).

    Carries ``http_status`` and a short ``excerpt`` of the body.
    """

    def __init__(self, message: str, *, http_status: int | None, excerpt: str = "") -> None:
        detail = f"{message} (HTTP {http_status})"
        if excerpt:
            detail += f"; the body begins: {excerpt!r}"
        super().__init__(detail)
        self.http_status = http_status
        self.excerpt = excerpt


class RedirectError(BadResponseError):
    """The server answered with a redirect (HTTP 3xx). Redirects are never followed, so the
    credentials and the numbers never go to another address.

    ``http_status`` is the 3xx code; ``location_host`` the host the ``Location`` header names
    (None when there is no readable Location). The full Location URL is never shown.

    Example:
        >>> err = RedirectError("moved", http_status=301, location_host="example.org")
        >>> err.http_status, err.location_host
        (301, 'example.org')
    """

    def __init__(self, message: str, *, http_status: int, location_host: str | None) -> None:
        super().__init__(message, http_status=http_status)
        self.location_host = location_host


class ApiError(ItniotechError):
    """The API answered with a status other than "0".

    Attributes: ``code`` (the status, a string such as "-10"), ``reason`` (the API's own text),
    ``http_status`` and ``answer`` (the whole parsed JSON answer, when there was one).
    """

    code: str = ""
    advice: ClassVar[str] = ""

    def __init__(
        self,
        reason: str = "",
        *,
        code: str | None = None,
        http_status: int | None = None,
        answer: dict[str, Any] | None = None,
    ) -> None:
        self.code = code if code is not None else type(self).code
        self.reason = reason
        self.http_status = http_status
        self.answer = answer
        meaning = STATUS_MESSAGES.get(self.code, "an undocumented status")
        text = f"The API answered status {self.code} ({meaning})"
        if reason:
            text += f": {reason!r}"
        if self.advice:
            text += f". {self.advice}"
        super().__init__(text)


class AuthenticationError(ApiError):
    code = "-1"
    advice = (
        "Check ITNIOTECH_API_KEY and ITNIOTECH_API_SECRET (or the api_key/api_secret you passed)"
    )


class RestrictedIPError(ApiError):
    code = "-2"
    advice = "This machine's IP address is not allowed; add it to the account's IP allow-list"


class InsufficientBalanceError(ApiError):
    code = "-10"
    advice = "Top up the account, then run the same send again: it resumes where it stopped"


class UserLockedError(ApiError):
    code = "-13"
    advice = "The account is locked; contact the vendor"


class TimestampExpiredError(ApiError):
    code = "-16"
    advice = "The Timestamp header was refused; check that this machine's clock is right"


class PortProgramError(ApiError):
    code = "-18"
    advice = "The API had an internal error and charged nothing; try again later"


class DataExistsError(ApiError):
    code = "-20"
    advice = "An audio file of that name exists already; choose another name"


class DataValidationError(ApiError):
    code = "-21"
    advice = "The API refused the data; check the file's format and content"


class ParameterError(ApiError):
    code = "-22"
    advice = "The API refused a parameter; check the message fields and the numbers"


class FeeError(ApiError):
    code = "-26"
    advice = "The API could not work out the fee and charged nothing; try again later"


_BY_CODE: dict[str, type[ApiError]] = {
    cls.code: cls
    for cls in (
        AuthenticationError,
        RestrictedIPError,
        InsufficientBalanceError,
        UserLockedError,
        TimestampExpiredError,
        PortProgramError,
        DataExistsError,
        DataValidationError,
        ParameterError,
        FeeError,
    )
}


def error_for_status(
    code: str,
    reason: str = "",
    *,
    http_status: int | None = None,
    answer: dict[str, Any] | None = None,
) -> ApiError:
    """Build the named :class:`ApiError` for a status code (a plain ApiError if undocumented).

    Example:
        >>> error_for_status("-1", "bad sign").code
        '-1'
    """
    cls = _BY_CODE.get(code, ApiError)
    return cls(reason, code=code, http_status=http_status, answer=answer)


class CostLimitError(ItniotechError):
    """A plan's cost bound is higher than ``max_cost`` (or cannot be bounded): nothing was sent.

    Example:
        >>> isinstance(CostLimitError("over"), ItniotechError)
        True
    """


class SendStopped(ItniotechError):
    """A send stopped before every batch was sent; later batches are ``not_sent``.

    ``results`` holds the results DataFrame as far as it got; ``cause`` the error that stopped it.
    Running the same send again resumes with the batches not yet sent.
    """

    def __init__(self, message: str, *, results: pd.DataFrame, cause: BaseException) -> None:
        super().__init__(message)
        self.results = results
        self.cause = cause


class SendInterrupted(KeyboardInterrupt):
    """The send was interrupted (Ctrl-C, kernel interrupt). ``results`` holds the partial results.

    Batches in flight were finished or recorded as unknown; running the same send again resumes.
    """

    def __init__(self, message: str, *, results: pd.DataFrame) -> None:
        super().__init__(message)
        self.results = results


class RecordPeriodError(ItniotechError, ValueError):
    """A call-record period the API cannot serve (older than two months, end before start)."""


class JournalError(ItniotechError):
    """The send journal cannot be opened, read or written (or disagrees with the send).

    ``results`` holds the results DataFrame as far as it is known, or None.

    Example:
        >>> JournalError("the journal file is locked").results is None
        True
    """

    def __init__(self, message: str, *, results: pd.DataFrame | None = None) -> None:
        super().__init__(message)
        self.results = results
