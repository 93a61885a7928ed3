"""One place decides what happens after an exchange with the API: by "may it have been charged".

:func:`classify` looks at what one request produced — an answer, or the error the client raised
— and returns a :class:`Decision`: ``ok``, ``retry``, ``failed``, ``unknown`` or ``stop``. Every
caller asks it: :meth:`SendPlan.send <itnivoice_nb.SendPlan.send>` for sendGroup batches and
:func:`itnivoice_nb.call_outcomes` for call-record reads. The rule:

* only a failure *before any byte of the request was written* (DNS, connection refused, connect
  timeout, a TLS handshake that failed before sending) may be retried or end ``failed``;
* everything after the first byte — a TLS error mid-exchange, a reset, a read timeout, a
  deadline, an oversized or malformed body, a redirect, any HTTP status but 200, a status the
  vendor's page does not list — may have been charged: ``unknown``, never resent automatically;
* the API's own statuses mean what the vendor's page says: -16, -18 and -26 charged nothing and
  are retried; -1, -2, -10, -13 and -22 stop the send (every batch carries the same message and
  account, so repeating only repeats the refusal).

Reads (``read=True``: call records, balance) charge nothing, so whatever may be transient is
retried for them.

The table in the README is :func:`retry_table`'s output, so the documentation and the decisions
cannot drift apart.

Example:
    >>> from itnivoice_nb._errors import ConnectError, ResponseLostError
    >>> classify(ConnectError("refused"), tries=1).action
    'retry'
    >>> classify(ConnectError("refused"), tries=4).action
    'failed'
    >>> d = classify(ResponseLostError("reset after sending"), tries=1)
    >>> d.action, d.charged
    ('unknown', 'maybe')
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Final, Literal

from ._client import GroupAnswer
from ._errors import (
    ApiError,
    BadResponseError,
    ConnectError,
    RedirectError,
    TransportError,
)
from ._vendor import STATUS_OK

Action = Literal["ok", "retry", "failed", "unknown", "stop"]

STOP_CODES: Final = frozenset({"-1", "-2", "-10", "-13", "-22"})
"""Statuses that stop the whole send: repeating the request would only repeat the refusal."""
RETRY_CODES: Final = frozenset({"-16", "-18", "-26"})
"""Statuses after which nothing was charged and a fresh attempt may succeed."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently the safe failures are retried.

    Args:
        max_attempts: attempts in all for connect failures, -18 and -26.
        timestamp_retries: extra attempts after -16 (the vendor's page says at most two).
        backoff: first wait in seconds; doubles each attempt, capped at ``max_backoff``,
            with full jitter.

    Example:
        >>> RetryPolicy(max_attempts=2).max_attempts
        2
    """

    max_attempts: int = 4
    timestamp_retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (full jitter)."""
        return random.uniform(0, min(self.max_backoff, self.backoff * 2 ** (attempt - 1)))


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the decision table: a kind of event and what is done about it."""

    what: str
    charged: str
    action: Action
    persists: str
    """The batch's outcome once retries are used up (or at once when nothing is retried)."""


RULES: Final[dict[str, Rule]] = {
    "ok": Rule('status "0"', "yes, per number", "ok", "`submitted` / `rejected` per number"),
    "connect": Rule(
        "the connection could not be made: DNS, refused, connect timeout, TLS handshake failed "
        "before the request was written",
        "no: no byte of the request left this machine",
        "retry",
        "`failed`",
    ),
    "-16": Rule(
        "status -16 (timestamp expired)",
        "no",
        "retry",
        "`failed` (after 2 fresh signatures; a clock-skew warning compares the `Date` header)",
    ),
    "retry_code": Rule("status -18 (port program unusual), -26 (fee failed)", "no", "retry",
                       "`failed`"),
    "stop_code": Rule(
        "status -1, -2, -10, -13, -22",
        "no",
        "stop",
        "`failed`; later batches `not_sent` (fix the cause, run the same send again)",
    ),
    "lost": Rule(
        "after the first byte was written: reset, TLS error mid-exchange, read timeout, the "
        "`deadline` passed, a body over `max_response_bytes`",
        "maybe",
        "unknown",
        "`unknown` (resent only with `resend_unknown=True`)",
    ),
    "malformed": Rule(
        "HTTP 200 with a body that is not the documented JSON (truncated, HTML, no `data`)",
        "maybe",
        "unknown",
        "`unknown`",
    ),
    "http_5xx": Rule("HTTP 5xx", "maybe", "unknown", "`unknown`"),
    "unlisted": Rule(
        "a status the vendor's page does not list",
        "maybe",
        "unknown",
        "`unknown`",
    ),
    "redirect": Rule(
        "HTTP 3xx (never followed: credentials and numbers never go to another host)",
        "maybe",
        "stop",
        "`unknown`; the send stops naming the status and the Location host",
    ),
    "http_4xx": Rule(
        "HTTP 4xx, 429 included (wrong URL, rate limited, …)",
        "maybe",
        "stop",
        "`unknown`; the send stops: check `base_url`, lower `concurrency`/`rate_limit`",
    ),
    "missing_number": Rule(
        "a number asked for but missing from the answer's `data`",
        "maybe",
        "unknown",
        "`unknown` (that number)",
    ),
}
"""Every kind of event :func:`classify` knows, in the order the README lists them."""

_LISTED: Final = frozenset({STATUS_OK, *STOP_CODES, *RETRY_CODES})
"""The sendGroup statuses the vendor's page lists (with -13, which its voice-API page adds)."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do after one exchange.

    ``action``: ``ok`` (use the answer), ``retry`` (nothing was charged; try again, signing
    afresh), ``failed`` (nothing was charged; give up for now — a later run resends it),
    ``unknown`` (may have been charged; never resent automatically) or ``stop`` (end the whole
    send; ``outcome`` says what this batch is). ``kind`` names the :data:`RULES` row.
    """

    action: Action
    kind: str
    outcome: str | None
    charged: str
    reason: str

    @property
    def stops(self) -> bool:
        return self.action == "stop"


def _kind(event: BaseException | GroupAnswer) -> str:
    if isinstance(event, GroupAnswer):
        status = event.status
    elif isinstance(event, ApiError):
        status = event.code
    elif isinstance(event, ConnectError):
        return "connect"
    elif isinstance(event, TransportError):
        return "connect" if not event.may_have_reached else "lost"
    elif isinstance(event, RedirectError):
        return "redirect"
    elif isinstance(event, BadResponseError):
        http = event.http_status
        if http is None or http == 200:
            return "malformed"
        if 300 <= http < 400:
            return "redirect"
        if 400 <= http < 500:
            return "http_4xx"
        return "http_5xx"
    else:
        raise TypeError(f"classify: cannot judge {type(event).__name__}")
    if status == STATUS_OK:
        return "ok"
    if status == "-16":
        return "-16"
    if status in RETRY_CODES:
        return "retry_code"
    if status in STOP_CODES:
        return "stop_code"
    return "unlisted"


def classify(
    event: BaseException | GroupAnswer,
    *,
    tries: int = 1,
    stamp_retries: int = 0,
    policy: RetryPolicy | None = None,
    read: bool = False,
) -> Decision:
    """Decide what to do after one exchange (see the module docstring for the rule).

    Args:
        event: the parsed answer, or the error the client raised.
        tries: attempts made so far for this request (counting this one).
        stamp_retries: extra attempts already made after -16.
        policy: the retry limits; default :class:`RetryPolicy()`.
        read: the request charges nothing (call records, balance): every transient failure
            may be retried.

    Example:
        >>> from itnivoice_nb._errors import BadResponseError
        >>> classify(BadResponseError("bad gateway", http_status=502)).action
        'unknown'
        >>> classify(BadResponseError("bad gateway", http_status=502), read=True).action
        'retry'
    """
    policy = policy or RetryPolicy()
    kind = _kind(event)
    rule = RULES[kind]
    reason = str(event) if isinstance(event, BaseException) else event.reason
    action: Action = rule.action
    outcome: str | None = None
    if kind == "ok":
        return Decision("ok", kind, None, rule.charged, reason)
    if read and kind in ("lost", "malformed", "http_5xx", "retry_code", "-16", "unlisted"):
        action = "retry"
    if action == "retry":
        more = (
            stamp_retries < policy.timestamp_retries
            if kind == "-16" and not read
            else tries < policy.max_attempts
        )
        if more:
            return Decision("retry", kind, None, rule.charged, reason)
        action = "unknown" if rule.charged == "maybe" else "failed"
    # a stop ends this batch failed when nothing was charged, else unknown
    outcome = ("failed" if rule.charged == "no" else "unknown") if action == "stop" else action
    return Decision(action, kind, outcome, rule.charged, reason)


def retry_table() -> str:
    """The README's retry table, made from :data:`RULES`.

    Example:
        >>> retry_table().splitlines()[0]
        '| what happened | may it have been charged? | what the toolkit does | outcome |'
    """
    does = {
        "ok": "use the answer",
        "retry": "retry, signing afresh, capped exponential backoff with full jitter",
        "unknown": "**never retried**",
        "stop": "**stop the send**",
        "failed": "give up",
    }
    lines = [
        "| what happened | may it have been charged? | what the toolkit does | outcome |",
        "|---|---|---|---|",
    ]
    for rule in RULES.values():
        lines.append(f"| {rule.what} | {rule.charged} | {does[rule.action]} | {rule.persists} |")
    return "\n".join(lines)


__all__ = ["RULES", "Decision", "RetryPolicy", "Rule", "classify", "retry_table"]
