"""Plan, then send: :func:`plan` takes a frozen snapshot of what a send would do.

A :class:`SendPlan` holds the prepared rows (copied: nothing refers to the caller's frame),
the numbers to call and how many requests that takes, the account (API key, normalised base
URL, real API or sandbox) and what the per-number ledger says: numbers this account already
called with this audio (``app_id`` + ``file_id``) are not called again — whatever else changed in
the message, whatever the campaign label, row order, index or spelling of the number — unless
``allow_repeat=True`` or ``repeat_after`` allows it. :meth:`SendPlan.send` executes exactly that
snapshot: it claims the numbers atomically (a concurrent send of an overlapping list gets
``already_called`` for the overlap), then sends. ``str(plan)`` and the notebook display say it
in words; the form's confirmation and the CLI's ``--dry-run`` show it.

Example:
    >>> import pandas as pd, itnivoice_nb as iv
    >>> msg = iv.VoiceMessage(app_id="4luaKsL2", file_id="hello.mp3")
    >>> df = pd.DataFrame({"phone": ["+91 85632 14120", "12", "918563214120"]})
    >>> with iv.Sandbox(reject_share=0) as sb:
    ...     p = iv.plan(df, msg, client=sb.client(), journal=None)
    ...     p.to_call, p.requests, p.counts["invalid"], p.counts["duplicate"]
    ...     p.send(progress=False)["outcome"].tolist()
    (1, 1, 1, 1)
    ['submitted', 'invalid', 'duplicate']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import _journal as j
from ._client import VoiceClient
from ._columns import free_labels
from ._cost import check_rates, cost_bound
from ._frames import as_pandas
from ._message import VoiceMessage
from ._numbers import prepare
from ._outcomes import (
    ALREADY_CALLED,
    DEFERRED,
    EXCLUDED,
    RECORD_COLUMNS,
    SEND_COLUMNS,
)
from ._results import build_results
from ._sendplan import (
    DEFAULT_JOURNAL,
    DefaultJournal,
    Part,
    SendPlan,
    _journal_path,
    resolve_journal,
)
from ._suppress import Suppression, suppression
from ._urls import normalize_base_url
from ._vendor import MAX_CALLEES

if TYPE_CHECKING:
    from ._hours import Window


_CAMPAIGN = re.compile(r"campaign (?:'[^']*'|#\w+)")
def _label(campaign: object) -> str | None:
    if campaign is None:
        return None
    if not isinstance(campaign, str):
        raise TypeError(f"campaign: expected a text label, got {type(campaign).__name__}")
    return campaign.strip() or None


def _repeat_after(value: object) -> timedelta | None:
    """``repeat_after``: a timedelta or text such as "7d", "12h", "90 minutes"."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        delta = value
    elif isinstance(value, str):
        try:
            delta = pd.Timedelta(value.strip()).to_pytimedelta()
        except ValueError:
            raise ValueError(
                f"repeat_after: {value!r} is not a duration; write e.g. '7d', '12h' or "
                "'30min', or pass a datetime.timedelta"
            ) from None
    else:
        raise TypeError(
            f"repeat_after: expected a duration like '7d' or a timedelta, got "
            f"{type(value).__name__}"
        )
    if delta <= timedelta(0):
        raise ValueError(f"repeat_after: {value!r} must be longer than zero")
    return delta


def _check_args(df: object, message: object, batch_size: object, by: object) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    if isinstance(message, Mapping):
        if by is None:
            raise ValueError(
                "message: a dict of messages (one per segment) needs by= the column naming "
                "each row's segment, e.g. by='lang'"
            )
        if not message:
            raise ValueError("message: the dict of messages per segment is empty")
        for key, value in message.items():
            if not isinstance(value, VoiceMessage):
                raise TypeError(
                    f"message[{key!r}]: expected an iv.VoiceMessage, got {type(value).__name__}"
                )
        if by not in df.columns:
            raise ValueError(f"by: {by!r} is not a column; columns: {list(df.columns)!r}")
    elif not isinstance(message, VoiceMessage):
        raise TypeError(
            f"message: expected an iv.VoiceMessage (or a dict of them per segment, with by=), "
            f"got {type(message).__name__}; build one with iv.VoiceMessage(app_id=..., "
            "file_id=...)"
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size: {batch_size!r}; allowed: a whole number from 1 to 200")


def _make_room(df: pd.DataFrame, column: Any) -> tuple[pd.DataFrame, Any]:
    """Rename user columns that carry the names of send's or call_outcomes' columns."""
    labels, renamed = free_labels(list(df.columns), (*SEND_COLUMNS, *RECORD_COLUMNS))
    if not renamed:
        return df, column
    warnings.warn(
        "send(): kept your column(s) under new names to make room for the results: "
        + ", ".join(f"{old!r} → {new!r}" for old, new in renamed.items()),
        UserWarning,
        stacklevel=4,
    )
    out = df.copy(deep=False)
    out.columns = pd.Index(labels)
    return out, renamed.get(column, column)


def campaign_id(
    message: VoiceMessage, api_key: str, base_url: str, numbers: list[str], label: str | None
) -> str:
    """The campaign's identity: message fields, account, base URL, ordered numbers and label.

    Example:
        >>> m = VoiceMessage("a", "f.mp3")
        >>> a = campaign_id(m, "k", "u", ["1234567"], None)
        >>> a == campaign_id(m, "k", "u", ["1234567"], None), a == campaign_id(m, "k", "u", [], "x")
        (True, False)
    """
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "message": message.fields(),
                "api_key": api_key,
                "base_url": base_url,
                "label": label,
                "n": len(numbers),
            },
            sort_keys=True,
        ).encode()
    )
    h.update("\n".join(numbers).encode())
    return h.hexdigest()[:24]


def plan(
    df: pd.DataFrame | Any,
    message: VoiceMessage | Mapping[Any, VoiceMessage],
    *,
    column: Any = "phone",
    client: VoiceClient | None = None,
    default_region: str | None = None,
    strict: bool = False,
    campaign: str | None = None,
    allow_repeat: bool = False,
    repeat_after: timedelta | str | None = None,
    batch_size: int = MAX_CALLEES,
    journal: str | os.PathLike[str] | bool | j.Journal | DefaultJournal | None = DEFAULT_JOURNAL,
    by: Any = None,
    call_window: tuple[str, str] | None = None,
    call_days: str | None = None,
    at: datetime | None = None,
    default_timezone: str | None = None,
    exclude: Any = None,
    exclude_blacklisted: bool = True,
    rates: Mapping[str, float] | None = None,
    max_cost: float | None = None,
    _allow_for: frozenset[str] = frozenset(),
) -> SendPlan:
    """Plan sending ``message`` to the numbers in ``df[column]``: nothing is sent.

    Rows are prepared (see :func:`itnivoice_nb.prepare`); invalid and duplicate rows are left
    out; numbers on a suppression list are ``excluded``; numbers the ledger says this account
    already called with this audio are ``already_called`` (unless ``allow_repeat=True``, or
    ``repeat_after`` allows those called longer ago); numbers outside the calling hours in
    their time zone are ``deferred`` (sent when the same call runs again later).

    Args:
        message: a :class:`VoiceMessage`, or a dict of them per segment with ``by=`` the
            column naming each row's segment (a row whose segment has no message is refused).
        client: a :class:`VoiceClient`; default one from the environment variables.
        campaign: a label naming the campaign (resume, reports); a blank label is none. It
            does not let anyone be called twice.
        allow_repeat: call every number again, even those called before.
        repeat_after: a duration (``"7d"``, ``timedelta(days=7)``): numbers last called
            longer ago than that may be called again (recurring campaigns).
        batch_size: numbers per request, at most 200.
        journal: the journal holding the ledger: default the user's (``$ITNIOTECH_JOURNAL``,
            else a file in the user data directory), a path, ``False`` for none (no
            protection against calling twice; warns) or ``None`` (the same, silently: for
            examples and tests).
        call_window: ``("09:00", "20:00")``: call only when it is within these hours in every
            time zone of the number's prefix; ``call_days``: e.g. ``"Mon-Fri"``;
            ``at``: the moment the send is planned for (timezone-aware; default now);
            ``default_timezone``: for numbers whose zone is unknown (else they are deferred).
        exclude: suppression lists (numbers, a Series, a DataFrame, a CSV/Excel path, or a
            dict of named lists); ``exclude_blacklisted``: also exclude numbers the API refused
            as blacklisted before (from the journal).
        rates: price per minute by calling code, e.g. ``{"91": 0.02}`` (default: the rates in
            the journal's call records) for ``plan.max_cost``; ``max_cost``: refuse to send
            when the bound is higher.

    Example:
        >>> import pandas as pd, itnivoice_nb as iv
        >>> p = iv.plan(pd.DataFrame({"phone": ["918563214120"]}),
        ...             iv.VoiceMessage("a", "f.mp3"),
        ...             client=iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice"), journal=None)
        >>> print(p)  # doctest: +ELLIPSIS
        Call 1 number in 1 request on the SANDBOX on this machine (http://127.0.0.1:9/voice).
        ...
    """
    df = as_pandas(df)
    _check_args(df, message, batch_size, by)
    batch_size = min(batch_size, MAX_CALLEES)
    label = _label(campaign)
    delta = _repeat_after(repeat_after)
    if max_cost is not None and (
        isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or max_cost < 0
    ):
        raise ValueError(f"max_cost: {max_cost!r}; expected an amount ≥ 0")
    window = None
    if call_window is not None:
        from ._hours import parse_window

        window = parse_window(call_window, call_days)
    if default_timezone is not None:
        from ._hours import check_timezone

        check_timezone(default_timezone)
    if call_window is None and call_days is not None:
        raise ValueError("call_days needs call_window=, e.g. call_window=('09:00', '20:00')")
    when = _planned_at(at)
    if client is None:
        client = VoiceClient()
    if not isinstance(client, VoiceClient):
        raise TypeError(f"client: expected an iv.VoiceClient, got {type(client).__name__}")
    lists = suppression(exclude, default_region=default_region)
    segments = df[by].to_numpy(dtype=object) if isinstance(message, Mapping) else None
    df, column = _make_room(df, column)
    prepared = prepare(df, column=column, default_region=default_region, strict=strict)
    # The snapshot: prepare() returned a new frame; under pandas' copy-on-write an edit of the
    # caller's frame copies *its* data first, so nothing it does later reaches this one.
    prepared = prepared.copy(deep=False)
    if segments is not None:
        assert isinstance(message, Mapping)
        prepared = _refuse_unknown_segments(prepared, segments, message, by)
    _check_reportable(prepared)
    base = normalize_base_url(client.base_url)
    book, owned = resolve_journal(journal, create=False)
    keep: Any = book if not owned else _journal_path(journal)
    try:
        blacklisted = (
            book.blacklisted(client.api_key, base) if exclude_blacklisted else {}
        )
        known_rates = book.recorded_rates() if rates is None else check_rates(rates)
        valid = prepared["valid"].to_numpy(dtype=bool)
        duplicate = prepared["duplicate"].to_numpy(dtype=bool)
        sendable = valid & ~duplicate
        number_of = prepared["number"].to_numpy(dtype=object)
        if segments is None:
            groups: list[tuple[Any, VoiceMessage, np.ndarray]] = [
                (None, message, np.arange(len(prepared)))  # type: ignore[list-item]
            ]
        else:
            assert isinstance(message, Mapping)
            groups = [
                (key, msg, np.flatnonzero(np.asarray([s == key for s in segments], dtype=bool)))
                for key, msg in message.items()
            ]
        parts = [
            _part(book, client, base, key, msg, rows, _sendable(number_of, sendable, rows),
                  label, allow_repeat, delta, lists.numbers, blacklisted, window, when,
                  default_timezone, _allow_for,
                  _as_ints(prepared, sendable) if segments is None else np.empty(0, np.int64))
            for key, msg, rows in groups
            if len(rows) or segments is None
        ]
    finally:
        if owned:
            book.close()
    return _make_plan(
        message=dict(message) if isinstance(message, Mapping) else message,
        client=client, base=base, label=label, prepared=prepared, parts=parts,
        batch_size=batch_size, allow_repeat=bool(allow_repeat), delta=delta, journal=keep,
        column=column, rates=known_rates, max_cost=max_cost, window=window, when=when,
        lists=lists, default_timezone=default_timezone, by=by,
    )


def _planned_at(at: object) -> datetime | None:
    if at is None:
        return None
    if not isinstance(at, datetime):
        raise TypeError(f"at: expected a timezone-aware datetime, got {type(at).__name__}")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(
            "at: a naive datetime is ambiguous; give its time zone, e.g. "
            "datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo('Asia/Kolkata'))"
        )
    return at


def _refuse_unknown_segments(
    prepared: pd.DataFrame, segments: np.ndarray, messages: Mapping[Any, VoiceMessage], by: Any
) -> pd.DataFrame:
    """Rows whose segment has no message are refused (``invalid``) with that reason; the
    duplicate flags are recomputed among the rows left."""
    known = np.asarray([s in messages for s in segments], dtype=bool)
    if known.all():
        return prepared
    valid = prepared["valid"].to_numpy(dtype=bool)
    refuse = valid & ~known
    reasons = prepared["invalid_reason"].to_numpy(dtype=object)
    reasons[refuse] = [
        f"no message for segment {s!r} ({by}); messages exist for "
        + ", ".join(repr(k) for k in messages)
        for s in segments[refuse]
    ]
    valid = valid & known
    numbers = prepared["number"].where(pd.Series(valid, index=prepared.index))
    duplicate = numbers.duplicated(keep="first").to_numpy(dtype=bool) & valid
    prepared["valid"] = valid
    prepared["invalid_reason"] = pd.Series(reasons, index=prepared.index,
                                           dtype=prepared["invalid_reason"].dtype)
    prepared["duplicate"] = duplicate
    return prepared


def _part(
    book: j.Journal,
    client: VoiceClient,
    base: str,
    segment: Any,
    message: VoiceMessage,
    rows: np.ndarray,
    numbers: list[str],
    label: str | None,
    allow_repeat: bool,
    delta: timedelta | None,
    suppressed: Mapping[str, str],
    blacklisted: Mapping[str, str],
    window: Window | None,
    when: datetime | None,
    default_timezone: str | None,
    allow_for: frozenset[str],
    as_ints: np.ndarray,
) -> Part:
    """One message's campaign: what the journal knows of it, and what this run will do.

    ``as_ints``: ``numbers`` as int64 when the caller has them (else empty).
    """
    account = j.Account(client.api_key, base, message.app_id, message.file_id)
    cid, resumed, candidates, done, unknown = _campaign(
        book, message, client, base, numbers, label, allow_repeat, delta
    )
    skipped: dict[str, tuple[str, str]] = {}
    if resumed:
        skipped.update({n: (ALREADY_CALLED, why) for n, why in book.yielded(cid).items()})
    rest = candidates
    if suppressed or blacklisted:
        rest = []
        for n in candidates:
            listed = suppressed.get(n)
            if listed is not None:
                skipped[n] = (EXCLUDED, f"on the suppression list {listed}")
            elif n in blacklisted:
                skipped[n] = (EXCLUDED, blacklisted[n])
            else:
                rest.append(n)
    if rest and not allow_repeat:
        since = None if delta is None else time.time() - delta.total_seconds()
        if allow_for:
            held = book.held(account, [n for n in rest if n not in allow_for],
                             own=cid if resumed else None, since=since)
            left = _without(rest, held) if held else rest
        else:
            held, left = book.held_split(
                account, rest, own=cid if resumed else None, since=since,
                as_ints=as_ints if rest is candidates and len(as_ints) == len(rest) else None,
            )
        if held:
            # one (outcome, reason) tuple per distinct reason, shared by its numbers
            marks = {why: (ALREADY_CALLED, why) for why in set(held.values())}
            skipped.update(zip(held.keys(), map(marks.__getitem__, held.values()), strict=True))
            rest = left
    if window is not None and rest:
        from ._hours import check_window

        hours = check_window(rest, window, when or datetime.now(UTC), default_timezone)
        closed = np.flatnonzero(~hours.open)
        if len(closed):
            reasons = hours.reason
            for k in closed.tolist():
                skipped[rest[k]] = (DEFERRED, str(reasons[k]))
            rest = [n for k, n in enumerate(rest) if hours.open[k]]
    return Part(segment, message, account, cid, rows, tuple(numbers), tuple(rest), skipped,
                resumed, done, unknown, allow_for)


def _as_ints(prepared: pd.DataFrame, sendable: np.ndarray) -> np.ndarray:
    """The numbers to send as int64, straight from the prepared Arrow column (no Python str)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.array(prepared["number"].array).filter(pa.array(sendable))
    return np.asarray(pc.cast(column, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _sendable(number_of: np.ndarray, sendable: np.ndarray, rows: np.ndarray) -> list[str]:
    """The numbers to send of these rows, in order (all rows: one boolean mask, no take)."""
    if len(rows) == len(number_of):
        return number_of[sendable].tolist()
    return number_of[rows[sendable[rows]]].tolist()


def _without(numbers: list[str], drop: Mapping[str, Any]) -> list[str]:
    """``numbers`` minus the keys of ``drop``, in order (vectorised: a million at a time)."""
    mask = pd.Index(j.int_column(numbers)).isin(j.int_column(list(drop)))
    return np.asarray(numbers, dtype=object)[~mask].tolist()


def _make_plan(
    *,
    message: VoiceMessage | dict[Any, VoiceMessage],
    client: VoiceClient,
    base: str,
    label: str | None,
    prepared: pd.DataFrame,
    parts: list[Part],
    batch_size: int,
    allow_repeat: bool,
    delta: timedelta | None,
    journal: Any,
    column: Any,
    rates: Mapping[str, float],
    max_cost: float | None,
    window: Window | None,
    when: datetime | None,
    lists: Suppression,
    default_timezone: str | None,
    by: Any,
) -> SendPlan:
    valid = prepared["valid"].to_numpy(dtype=bool)
    duplicate = prepared["duplicate"].to_numpy(dtype=bool)
    counts = {
        "to_call": 0,
        "invalid": int((~valid).sum()),
        "duplicate": int((valid & duplicate).sum()),
        ALREADY_CALLED: 0,
        DEFERRED: 0,
        EXCLUDED: 0,
        "done": 0,
        "unknown": 0,
    }
    called_by: dict[str, int] = {}
    requests = 0
    total_cost = 0.0
    unknown = 0
    minutes = 0
    deferred_numbers: list[str] = []
    for part in parts:
        counts["to_call"] += len(part.now)
        counts["done"] += part.done
        counts["unknown"] += part.unknown
        requests += -(-len(part.now) // batch_size)
        marks = Counter(part.skipped.values())
        for (outcome, why), n in marks.items():
            counts[outcome] += n
            if outcome == ALREADY_CALLED:
                found = _CAMPAIGN.search(why)
                who = found.group(0) if found else "another campaign"
                called_by[who] = called_by.get(who, 0) + n
        if window is not None and counts[DEFERRED]:
            deferred_numbers.extend(n for n, (o, _) in part.skipped.items() if o == DEFERRED)
        if rates:
            bound = cost_bound(part.now, rates, max_duration=part.message.max_duration)
            total_cost += bound.total
            unknown += bound.unknown
            minutes = max(minutes, bound.minutes)
    planned = None
    if window is not None and deferred_numbers:
        from ._hours import check_window, schedule

        planned_at = when or datetime.now(UTC)
        planned = schedule(
            check_window(deferred_numbers, window, planned_at, default_timezone), deferred_numbers
        )
    first = parts[0] if parts else None
    return SendPlan(
        message=message,
        client=client,
        api_key=client.api_key,
        base_url=base,
        sandbox=base.split("://", 1)[-1].startswith("loopback"),
        campaign=label,
        campaign_id=first.campaign_id if first is not None else "",
        rows=len(prepared),
        to_call=counts["to_call"],
        requests=requests,
        counts=counts,
        already_called_by=called_by,
        resumed=any(p.resumed for p in parts),
        prepared=prepared,
        parts=tuple(parts),
        batch_size=batch_size,
        allow_repeat=allow_repeat,
        repeat_after=delta,
        journal=journal,
        column=column,
        by=by,
        max_cost=total_cost if rates else None,
        cost_unknown=unknown if rates else 0,
        cost_minutes=minutes,
        cost_limit=max_cost,
        schedule=planned,
        window=window.text if window is not None else None,
        at=when or (datetime.now(UTC) if window is not None else None),
        excluded_lists=lists.names,
    )


def preview_without_account(
    df: pd.DataFrame,
    message: VoiceMessage,
    *,
    column: Any = "phone",
    default_region: str | None = None,
    strict: bool = False,
    batch_size: int = MAX_CALLEES,
) -> pd.DataFrame:
    """A dry run when no credentials are at hand: the rows checked, the ledger not consulted.

    Example:
        >>> import pandas as pd
        >>> res = preview_without_account(pd.DataFrame({"phone": ["918563214120"]}),
        ...                               VoiceMessage("a", "f.mp3"))
        >>> res["outcome_reason"].iloc[0]  # doctest: +ELLIPSIS
        'dry run without credentials: ...'
    """
    df = as_pandas(df)
    _check_args(df, message, batch_size, None)
    df, column = _make_room(df, column)
    prepared = prepare(df, column=column, default_region=default_region, strict=strict)
    n = int((prepared["valid"] & ~prepared["duplicate"]).sum())
    requests = -(-n // min(batch_size, MAX_CALLEES))
    results = build_results(
        prepared,
        [],
        not_sent_reason="dry run without credentials: the ledger (numbers this account called "
        f"before) was not checked; {requests} requests would be made at most",
    )
    results.attrs.update({"dry_run": True, "requests": requests})
    return results


def _check_reportable(prepared: pd.DataFrame) -> None:
    """Build results for a sample of the rows (the first ones and the duplicates) now.

    Any shape of frame the results cannot be built for fails here, before anything is
    claimed or sent — never after the numbers were charged.
    """
    duplicates = np.flatnonzero(prepared["duplicate"].to_numpy(dtype=bool))[:50]
    sample = np.union1d(np.arange(min(len(prepared), 50)), duplicates)
    try:
        build_results(prepared.iloc[sample], [], not_sent_reason="check")
    except Exception as exc:
        raise ValueError(
            f"this frame's shape is not supported for sending ({type(exc).__name__}: {exc}); "
            "reset_index() it first. Nothing was sent."
        ) from exc


def _campaign(
    book: j.Journal,
    message: VoiceMessage,
    client: VoiceClient,
    base: str,
    numbers: list[str],
    label: str | None,
    allow_repeat: bool,
    delta: timedelta | None,
) -> tuple[str, bool, list[str], int, int]:
    """(campaign id, resumed, numbers still to send, numbers sent before, of them unknown).

    The same call finds its campaign again (resume, or results from the journal). When that
    campaign is finished and ``allow_repeat`` or ``repeat_after`` (older than it) allow calling
    again, the call starts the next campaign of the series (``<id>-2``, ``-3``, …).
    """
    base_id = campaign_id(message, client.api_key, base, numbers, label)
    cid, info, generation = base_id, book.campaign(base_id), 1
    while info is not None:
        following = f"{base_id}-{generation + 1}"
        later = book.campaign(following)
        if later is None:
            break
        cid, info, generation = following, later, generation + 1
    if info is None:
        return cid, False, list(numbers), 0, 0
    finished = info["to_send"] == 0
    old = delta is not None and info["created_at"] < time.time() - delta.total_seconds()
    if finished and (allow_repeat or old):
        return f"{base_id}-{generation + 1}", False, list(numbers), 0, 0
    # Still to send: every number not sent by an earlier run (batches not sent yet, numbers
    # deferred or excluded before) and not left to another campaign.
    sent: set[str] = set()
    unknown = 0
    for b in book.batches(cid, texts=False):  # the states and numbers are enough
        if b.state not in (j.PENDING, j.FAILED):
            sent.update(b.callees)
        if b.state in (j.UNKNOWN, j.IN_FLIGHT):
            unknown += len(b.callees)
    left = book.yielded(cid)
    todo = [n for n in numbers if n not in sent and n not in left]
    return cid, True, todo, len(sent), unknown


__all__ = ["DEFAULT_JOURNAL", "SendPlan", "normalize_base_url", "plan"]
