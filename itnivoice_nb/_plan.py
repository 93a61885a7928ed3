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
import html
import json
import os
import re
import time
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import journal as j
from ._classify import RetryPolicy
from ._columns import free_labels
from ._drive import Options, ProgressCallback, drive, not_sent_reason, notice
from ._urls import normalize_base_url
from ._vendor import MAX_CALLEES
from .client import VoiceClient
from .errors import JournalError, SendInterrupted, SendStopped
from .message import VoiceMessage
from .numbers import prepare
from .outcomes import ALREADY_CALLED, NOT_SENT, RECORD_COLUMNS, SEND_COLUMNS, SUBMITTED
from .results import build_results


class DefaultJournal:
    """The default ``journal=``: the user's journal (:func:`itnivoice_nb.journal.default_path`)."""

    def __repr__(self) -> str:
        return "the user's journal ($ITNIOTECH_JOURNAL or the user data directory)"


DEFAULT_JOURNAL = DefaultJournal()

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


def resolve_journal(journal: object, *, create: bool = True) -> tuple[j.Journal, bool]:
    """The journal to use and whether the caller opened it (and so must close it).

    ``create=False`` (planning only reads): a journal file that does not exist yet is read as
    an empty in-memory journal instead of being created.
    """
    if journal is False or journal is None:
        if journal is False:
            warnings.warn(
                "journal=False: nothing is recorded on disk, so the ledger cannot stop a "
                "second call to a number called before, and a crash cannot be told from a "
                "first send",
                UserWarning,
                stacklevel=3,
            )
        return j.Journal(None), False
    if journal is True or isinstance(journal, DefaultJournal):
        journal = j.default_path()
    if isinstance(journal, j.Journal):
        return journal, False
    if isinstance(journal, str | os.PathLike):
        path = Path(journal).expanduser()
        if not create and not path.exists():
            return j.Journal(None), True
        return j.Journal(path), True
    raise TypeError(
        f"journal: {type(journal).__name__}; allowed: a file path, True (the user's journal), "
        "or False (none: no protection against calling twice)"
    )


def _journal_path(journal: object) -> Path:
    if isinstance(journal, str | os.PathLike):
        return Path(journal).expanduser()
    return j.default_path()


def _check_args(df: object, message: object, batch_size: object) -> None:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df: expected a pandas DataFrame, got {type(df).__name__}")
    if not isinstance(message, VoiceMessage):
        raise TypeError(
            f"message: expected an iv.VoiceMessage, got {type(message).__name__}; build one "
            "with iv.VoiceMessage(app_id=..., file_id=...)"
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


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(ts))


@dataclass(frozen=True, eq=False)
class SendPlan:
    """What a send will do, fixed when it was made; :meth:`send` executes exactly this.

    Attributes: ``message``, ``client``, ``api_key``, ``base_url`` (normalised), ``sandbox``
    (the base URL is on this machine), ``campaign`` (the label, or None), ``campaign_id``,
    ``rows``, ``to_call`` (numbers that will be called), ``requests``, ``counts`` (rows per
    outcome-to-be: ``to_call``, ``invalid``, ``duplicate``, ``already_called``, ``done`` —
    answered in an earlier run of this campaign), ``already_called_by`` (``{campaign
    description: numbers}``), ``resumed`` (the campaign exists in the journal).
    """

    message: VoiceMessage
    client: VoiceClient
    api_key: str
    base_url: str
    sandbox: bool
    campaign: str | None
    campaign_id: str
    rows: int
    to_call: int
    requests: int
    counts: dict[str, int]
    already_called_by: dict[str, int]
    resumed: bool
    prepared: pd.DataFrame = field(repr=False)
    numbers: tuple[str, ...] = field(repr=False)
    """The numbers this campaign sends, in order (valid, first of each duplicate)."""
    held: dict[str, str] = field(repr=False)
    """Numbers another campaign holds, with the reason: they get ``already_called``."""
    batch_size: int = MAX_CALLEES
    allow_repeat: bool = False
    repeat_after: timedelta | None = None
    journal: Any = field(default=None, repr=False)
    account: j.Account | None = field(default=None, repr=False)
    created_at: float = field(default_factory=time.time)

    # -- words -------------------------------------------------------------------------------

    def _where(self) -> str:
        if self.sandbox:
            return f"the SANDBOX on this machine ({self.client.base_url})"
        key = self.api_key
        masked = key[:4] + "…" if len(key) > 6 else "…"
        return f"the REAL API at {self.client.base_url} (API key {masked})"

    def lines(self) -> list[str]:
        """The plan in short lines (what ``str(plan)`` joins)."""
        c = self.counts
        name = j.campaign_name(self.campaign, self.campaign_id)
        state = "resuming" if self.resumed else "new"
        out = [
            f"Call {self.to_call:,} number{'s' if self.to_call != 1 else ''} in "
            f"{self.requests:,} request{'s' if self.requests != 1 else ''} on {self._where()}.",
            f"Message: app {self.message.app_id}, audio {self.message.file_id}; {name} ({state}).",
            f"Rows: {self.rows:,} — to call {c.get('to_call', 0):,}, invalid "
            f"{c.get('invalid', 0):,}, duplicate {c.get('duplicate', 0):,}, already called "
            f"{c.get('already_called', 0):,}"
            + (f", sent in an earlier run {c['done']:,}" if c.get("done") else "")
            + ".",
        ]
        for who, n in self.already_called_by.items():
            out.append(f"Not called again: {n:,} number{'s' if n != 1 else ''} — {who}.")
        if self.allow_repeat:
            out.append("allow_repeat: numbers called before are called again.")
        elif self.repeat_after is not None:
            out.append(f"Numbers last called more than {self.repeat_after} ago are called again.")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.lines()[1:])
        return (
            f"<div><b>{html.escape(self.lines()[0])}</b><ul style='margin:0.2em 0'>{items}</ul>"
            "<span style='opacity:0.75'>Run <code>plan.send()</code> to send exactly this."
            "</span></div>"
        )

    # -- acting ------------------------------------------------------------------------------

    def preview(self) -> pd.DataFrame:
        """The results frame as it would be before sending (a dry run; nothing is sent)."""
        results = build_results(
            self.prepared,
            [],
            not_sent_reason=f"dry run: no request made ({self.requests} requests would be made)",
            already_called=self.held,
        )
        results.attrs.update(self._attrs(None))
        results.attrs.update({"dry_run": True, "requests": self.requests})
        return results

    def _attrs(self, book: j.Journal | None) -> dict[str, Any]:
        m = self.message
        return {
            "campaign": self.campaign_id,
            "label": self.campaign,
            "journal": str(book.path) if book is not None and book.path else None,
            "message": {
                "app_id": m.app_id,
                "file_id": m.file_id,
                "display_num": m.display_num,
                "max_duration": m.max_duration,
                "loop_count": m.loop_count,
                "called_info": m.called_info,
            },
            "base_url": self.client.base_url,
            "api_key": self.api_key,
        }

    def send(
        self,
        *,
        concurrency: int = 4,
        rate_limit: float | None = None,
        progress: bool | ProgressCallback = True,
        resend_unknown: bool = False,
        cancel: Any = None,
        check_balance: bool = False,
        retry: RetryPolicy | None = None,
    ) -> pd.DataFrame:
        """Execute this plan: claim its numbers in the ledger, send, return one row per input row.

        Numbers another campaign claimed since the plan was made are not called
        (``already_called``); nothing outside the plan is ever called. Re-running the same
        plan (or the same :func:`itnivoice_nb.send` call) resumes a stopped campaign.

        Args:
            concurrency: requests in flight at once; ``rate_limit``: requests a second.
            progress: True for a tqdm bar, False for none, or ``progress(done, total, counts)``.
            resend_unknown: resend batches whose fate is unknown (they may be charged twice).
            cancel: a ``threading.Event``; setting it stops the send like Ctrl-C does.
            check_balance: ask for the balance first; stop before sending if it is empty.
            retry: the :class:`~itnivoice_nb.RetryPolicy` for failures that charged nothing.

        Raises:
            SendStopped: -1, -2, -10, -13, -22, a redirect or an HTTP 4xx stopped the send;
                ``err.results`` has every row.
            SendInterrupted: Ctrl-C or ``cancel``; ``err.results`` has every row.
            JournalError: the journal failed (disk full, corrupt); ``err.results`` has every
                row when any request was made.
        """
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency: {concurrency!r}; allowed: a whole number ≥ 1")
        options = Options(concurrency, rate_limit, progress, resend_unknown, cancel,
                          check_balance, retry)
        if not self.numbers:
            results = build_results(self.prepared, [], already_called=self.held)
            results.attrs.update(self._attrs(None))
            return results
        book, owned = resolve_journal(self.journal)
        try:
            return self._send(book, options)
        finally:
            if owned:
                book.close()

    def _send(self, book: j.Journal, options: Options) -> pd.DataFrame:
        assert self.account is not None
        cid = self.campaign_id
        notes: list[str] = []
        attrs = self._attrs(book)
        attrs["notices"] = notes
        since = (
            None if self.repeat_after is None else time.time() - self.repeat_after.total_seconds()
        )
        claimed = book.claim(
            cid,
            label=self.campaign,
            account=self.account,
            message=self.message.fields(),
            numbers=list(self.numbers),
            batch_size=self.batch_size,
            since=since,
            allow_repeat=self.allow_repeat,
            resend_unknown=options.resend_unknown,
        )
        try:
            late = set(claimed.yielded) - set(self.held)
            if late:
                notice(
                    f"{len(late):,} number(s) of this plan were claimed by another send since "
                    "the plan was made: they are not called (already_called)",
                    notes,
                )
            if claimed.recovered_unknown:
                notice(
                    f"{claimed.recovered_unknown} batch(es) of this campaign were in flight when "
                    "an earlier send stopped: their outcome is unknown and they are not resent "
                    "(pass resend_unknown=True to resend them, at the risk of charging twice)",
                    notes,
                )
            if claimed.reset_unknown:
                notice(
                    f"resend_unknown=True: resending {claimed.reset_unknown} batch(es) whose "
                    "outcome was unknown",
                    notes,
                )
            batches = book.batches(cid)
            todo = [b for b in batches if b.state in (j.PENDING, j.FAILED) and b.numbers]
            if not claimed.created:
                when = _when(claimed.created_at)
                if not todo:
                    notice(
                        f"This campaign was sent already ({when}); no request made, results "
                        "are from the journal. Numbers it called are not called again by "
                        "another campaign of this account and audio (pass allow_repeat=True "
                        "to call them again).",
                        notes,
                    )
                else:
                    answered = sum(b.state == j.ANSWERED for b in batches)
                    notice(
                        f"Resuming the campaign started {when}: {answered} of {len(batches)} "
                        f"batches answered already; sending the {len(todo)} not yet sent.",
                        notes,
                    )
            outcome = drive(self.client, self.message, book, cid, todo, options)
        finally:
            book.release(cid)
        reason = not_sent_reason(outcome.stop_cause, outcome.interrupted)
        try:
            if outcome.journal_error is not None:
                raise outcome.journal_error
            results = build_results(
                self.prepared,
                book.batches(cid, known_answers={k: a.attempts for k, a in
                                                 outcome.answered.items()}),
                not_sent_reason=reason,
                answered=outcome.answered,
                already_called=book.yielded(cid),
            )
        except JournalError as err:
            known = {b.batch_no: b for b in batches}
            known.update(outcome.mirror)
            mirror = [known[k] for k in sorted(known)]
            results = build_results(
                self.prepared,
                mirror,
                not_sent_reason=reason,
                answered=outcome.answered,
                already_called={**self.held, **claimed.yielded},
            )
            results.attrs.update(attrs)
            sent = any(b.state != j.PENDING for b in mirror)
            raise JournalError(
                f"{err} The send stopped; what was sent and answered is in err.results"
                if sent
                else str(err),
                results=results if sent else None,
            ) from None
        results.attrs.update(attrs)
        if outcome.unexpected is not None:
            raise outcome.unexpected
        if outcome.interrupted:
            raise SendInterrupted(
                "the send was interrupted: no new batch was started, in-flight ones were "
                "recorded; run the same send again to resume. The partial results are in "
                "err.results.",
                results=results,
            )
        if outcome.stop_cause is not None:
            counts_now = results["outcome"].value_counts()
            raise SendStopped(
                f"the send stopped: {outcome.stop_cause}. {int(counts_now.get(SUBMITTED, 0))} "
                f"submitted, {int(counts_now.get(NOT_SENT, 0))} not sent. Fix the cause, then "
                "run the same send again: it resumes with the batches not yet sent. The "
                "results so far are in err.results.",
                results=results,
                cause=outcome.stop_cause,
            )
        return results


def plan(
    df: pd.DataFrame,
    message: VoiceMessage,
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
) -> SendPlan:
    """Plan sending ``message`` to the numbers in ``df[column]``: nothing is sent.

    Rows are prepared (see :func:`itnivoice_nb.prepare`); invalid and duplicate rows are left
    out; numbers the ledger says this account already called with this audio are left out
    (``already_called``) unless ``allow_repeat=True``, or ``repeat_after`` (e.g. ``"7d"``)
    allows those called longer ago than that.

    Args:
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

    Example:
        >>> import pandas as pd, itnivoice_nb as iv
        >>> p = iv.plan(pd.DataFrame({"phone": ["918563214120"]}),
        ...             iv.VoiceMessage("a", "f.mp3"),
        ...             client=iv.VoiceClient("k", "s", "http://127.0.0.1:9/voice"), journal=None)
        >>> print(p)  # doctest: +ELLIPSIS
        Call 1 number in 1 request on the SANDBOX on this machine (http://127.0.0.1:9/voice).
        ...
    """
    _check_args(df, message, batch_size)
    batch_size = min(batch_size, MAX_CALLEES)
    label = _label(campaign)
    delta = _repeat_after(repeat_after)
    if client is None:
        client = VoiceClient()
    if not isinstance(client, VoiceClient):
        raise TypeError(f"client: expected an iv.VoiceClient, got {type(client).__name__}")
    df, column = _make_room(df, column)
    prepared = prepare(df, column=column, default_region=default_region, strict=strict)
    prepared = prepared.copy(deep=True)  # the snapshot: nothing refers to the caller's frame
    _check_reportable(prepared)
    valid = prepared["valid"].to_numpy(dtype=bool)
    duplicate = prepared["duplicate"].to_numpy(dtype=bool)
    to_send = valid & ~duplicate
    numbers: list[str] = prepared["number"].to_numpy(dtype=object)[to_send].tolist()
    base = normalize_base_url(client.base_url)
    account = j.Account(client.api_key, base, message.app_id, message.file_id)
    book, owned = resolve_journal(journal, create=False)
    keep: Any = book if not owned else _journal_path(journal)
    try:
        cid, resumed, todo, done = _campaign(
            book, message, client, base, numbers, label, allow_repeat, delta
        )
        held: dict[str, str] = {}
        if todo and not allow_repeat:
            since = None if delta is None else time.time() - delta.total_seconds()
            held = book.held(account, todo, own=cid if resumed else None, since=since)
        to_call = len(todo) - len(held)  # held holds only numbers of todo
        if resumed:
            held.update(book.yielded(cid))
    finally:
        if owned:
            book.close()
    by: dict[str, int] = {}
    for why in held.values():
        found = _CAMPAIGN.search(why)
        who = found.group(0) if found else "another campaign"
        by[who] = by.get(who, 0) + 1
    counts = {
        "to_call": to_call,
        "invalid": int((~valid).sum()),
        "duplicate": int((valid & duplicate).sum()),
        ALREADY_CALLED: len(held),
        "done": done,
    }
    return SendPlan(
        message=message,
        client=client,
        api_key=client.api_key,
        base_url=base,
        sandbox=base.split("://", 1)[-1].startswith("loopback"),
        campaign=label,
        campaign_id=cid,
        rows=len(prepared),
        to_call=to_call,
        requests=-(-to_call // batch_size),
        counts=counts,
        already_called_by=by,
        resumed=resumed,
        prepared=prepared,
        numbers=tuple(numbers),
        held=held,
        batch_size=batch_size,
        allow_repeat=bool(allow_repeat),
        repeat_after=delta,
        journal=keep,
        account=account,
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
    _check_args(df, message, batch_size)
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
) -> tuple[str, bool, list[str], int]:
    """(campaign id, resumed, numbers still to send, numbers sent before) for this call.

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
        return cid, False, list(numbers), 0
    finished = info["to_send"] == 0
    old = delta is not None and info["created_at"] < time.time() - delta.total_seconds()
    if finished and (allow_repeat or old):
        return f"{base_id}-{generation + 1}", False, list(numbers), 0
    todo: list[str] = []
    done = 0
    for b in book.batches(cid):
        if b.state in (j.PENDING, j.FAILED):
            todo.extend(b.callees)
        else:
            done += len(b.callees)
    return cid, True, todo, done


__all__ = ["DEFAULT_JOURNAL", "SendPlan", "normalize_base_url", "plan"]
