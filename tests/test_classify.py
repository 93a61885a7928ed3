"""classify: one table decides retry / failed / unknown / stop, by "may it have been charged"."""

from __future__ import annotations

from pathlib import Path

import pytest

from itnivoice_nb import _classify as c
from itnivoice_nb._client import GroupAnswer
from itnivoice_nb._errors import (
    ApiError,
    BadResponseError,
    ConnectError,
    DeadlineExceededError,
    RedirectError,
    ResponseLostError,
    ResponseTooLargeError,
)

ROOT = Path(__file__).resolve().parents[1]


def answer(status: str) -> GroupAnswer:
    return GroupAnswer(status, "why", (), 200, "{}", None)


CASES = [
    # event, tries, expected action, expected outcome
    (answer("0"), 1, "ok", None),
    (ConnectError("refused"), 1, "retry", None),
    (ConnectError("refused"), 4, "failed", "failed"),
    (ResponseLostError("reset after sending"), 1, "unknown", "unknown"),
    (DeadlineExceededError("deadline"), 1, "unknown", "unknown"),
    (ResponseTooLargeError("too large"), 1, "unknown", "unknown"),
    (BadResponseError("not json", http_status=200), 1, "unknown", "unknown"),
    (BadResponseError("bad gateway", http_status=502), 1, "unknown", "unknown"),
    (BadResponseError("server error", http_status=500), 1, "unknown", "unknown"),
    (BadResponseError("not found", http_status=404), 1, "stop", "unknown"),
    (BadResponseError("rate limited", http_status=429), 1, "stop", "unknown"),
    (RedirectError("moved", http_status=302, location_host="evil.example"), 1, "stop", "unknown"),
    (BadResponseError("moved", http_status=301), 1, "stop", "unknown"),
    (answer("-16"), 1, "retry", None),
    (answer("-18"), 1, "retry", None),
    (answer("-18"), 4, "failed", "failed"),
    (answer("-26"), 2, "retry", None),
    (answer("-1"), 1, "stop", "failed"),
    (answer("-2"), 1, "stop", "failed"),
    (answer("-10"), 1, "stop", "failed"),
    (answer("-13"), 1, "stop", "failed"),
    (answer("-22"), 1, "stop", "failed"),
    (answer("-99"), 1, "unknown", "unknown"),
    (answer("7"), 1, "unknown", "unknown"),
    (ApiError("x", code="-18"), 1, "retry", None),
]


@pytest.mark.parametrize(("event", "tries", "action", "outcome"), CASES)
def test_decision_table(event: object, tries: int, action: str, outcome: str | None) -> None:
    d = c.classify(event, tries=tries)  # type: ignore[arg-type]
    assert (d.action, d.outcome) == (action, outcome)
    # the rule itself: only what certainly charged nothing may be retried or end failed
    if d.action in ("retry", "failed") or d.outcome == "failed":
        assert d.charged.startswith("no")


def test_timestamp_retries_are_counted_apart() -> None:
    policy = c.RetryPolicy(max_attempts=10, timestamp_retries=2)
    assert c.classify(answer("-16"), stamp_retries=1, policy=policy).action == "retry"
    assert c.classify(answer("-16"), stamp_retries=2, policy=policy).action == "failed"


@pytest.mark.parametrize(
    "event",
    [
        ResponseLostError("reset"),
        BadResponseError("bad gateway", http_status=502),
        BadResponseError("not json", http_status=200),
        answer("-18"),
    ],
)
def test_reads_retry_what_may_be_transient(event: object) -> None:
    assert c.classify(event, read=True).action == "retry"  # type: ignore[arg-type]
    assert c.classify(event, read=True, tries=3, policy=c.RetryPolicy(max_attempts=3)).action in (
        "failed",
        "unknown",
    )


def test_unknown_objects_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot judge"):
        c.classify(ValueError("?"))  # type: ignore[arg-type]


def test_every_rule_is_reachable_and_in_the_readme() -> None:
    kinds = {c._kind(event) for event, *_ in CASES}  # type: ignore[arg-type]
    assert kinds | {"missing_number"} == set(c.RULES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert c.retry_table() in readme, "the README's retry table is retry_table()'s output"
