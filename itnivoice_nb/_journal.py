"""The send journal: SQLite record of every campaign, batch and number — the source of truth.

Three records live here:

* **campaigns** — one message sent to one list from one account (``campaign_id`` is a hash of
  those, see :mod:`itnivoice_nb._plan`);
* **batches** — one sendGroup request each, ``pending → in_flight → answered | failed |
  unknown``; ``in_flight`` is committed *before* the request leaves, so a crash leaves evidence
  that it may have reached the API (it becomes ``unknown`` on the next claim, never resent
  automatically);
* **the ledger** — one row per number per campaign, keyed by the *account* (API key, normalised
  base URL, app_id, file_id): ``claimed`` (reserved, not sent yet), then ``submitted``,
  ``rejected``, ``unknown`` or ``failed``; ``yielded`` when another campaign already had it.
  A number ``claimed``, ``submitted`` or ``unknown`` in one campaign is not called by another
  (:meth:`Journal.claim` checks and claims in one ``BEGIN IMMEDIATE`` transaction, so two
  kernels or threads sharing a journal cannot both claim a number).

One journal per user by default (:func:`default_path`: ``$ITNIOTECH_JOURNAL``, else a file in
the user data directory), so notebooks in different folders share one ledger. The file is
created readable by its owner only and never holds the API secret. ``Journal(None)`` keeps the
same records in memory. The schema is versioned (``PRAGMA user_version``); files written by
earlier versions are migrated on open (their sent numbers enter the ledger).

Group commit: :meth:`Journal.mark_in_flight` and :meth:`Journal.finish` return only once their
rows are committed (durable: WAL, ``synchronous=FULL``), but the writes that several sending
threads make at the same moment share one transaction and one fsync.

Every SQLite failure (disk full, a corrupt file, a directory given as the path) is raised as
:class:`~itnivoice_nb._errors.JournalError` with advice.

Example:
    >>> with Journal(None) as book:
    ...     acct = Account("k", "http://127.0.0.1:1/voice", "app", "f.mp3")
    ...     got = book.claim("c1", label=None, account=acct, message={},
    ...                      numbers=["91856321412", "91856321300"], batch_size=200)
    ...     [b.state for b in book.batches("c1")], got.yielded
    (['pending'], {})
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._errors import ItniotechError, JournalError
from ._urls import normalize_base_url

PENDING: Final = "pending"
IN_FLIGHT: Final = "in_flight"
ANSWERED: Final = "answered"
FAILED: Final = "failed"
UNKNOWN: Final = "unknown"
SKIPPED: Final = "skipped"
"""A batch whose every number went to another campaign before it was sent."""

# ledger states
CLAIMED: Final = "claimed"
SUBMITTED: Final = "submitted"
REJECTED: Final = "rejected"
BLACKLISTED: Final = "blacklisted"
"""Refused by the API because the number is on a blacklist: excluded by later plans."""
YIELDED: Final = "yielded"
HOLDING: Final = (CLAIMED, SUBMITTED, UNKNOWN)
"""Ledger states that keep a number from being called by another campaign of the account."""

ENV_JOURNAL: Final = "ITNIOTECH_JOURNAL"
SCHEMA_VERSION: Final = 2

_SCHEMA_V1: Final = """
CREATE TABLE IF NOT EXISTS campaigns (
    campaign_id TEXT PRIMARY KEY,
    label TEXT,
    api_key TEXT NOT NULL,
    base_url TEXT NOT NULL,
    message TEXT NOT NULL,
    n_numbers INTEGER NOT NULL,
    n_batches INTEGER NOT NULL,
    created_at REAL NOT NULL,
    owner_host TEXT,
    owner_pid INTEGER
);
CREATE TABLE IF NOT EXISTS batches (
    campaign_id TEXT NOT NULL REFERENCES campaigns(campaign_id),
    batch_no INTEGER NOT NULL,
    numbers TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    api_status TEXT,
    api_reason TEXT,
    response TEXT,
    error TEXT,
    sent_at REAL,
    finished_at REAL,
    PRIMARY KEY (campaign_id, batch_no)
);
CREATE TABLE IF NOT EXISTS call_records (
    voice_id TEXT PRIMARY KEY,
    record TEXT,
    final INTEGER NOT NULL,
    fetched_at REAL NOT NULL
);
"""

_SCHEMA_V2: Final = """
CREATE TABLE IF NOT EXISTS accounts (
    account_no INTEGER PRIMARY KEY,
    api_key TEXT NOT NULL,
    base_url TEXT NOT NULL,
    app_id TEXT NOT NULL,
    file_id TEXT NOT NULL,
    UNIQUE (api_key, base_url, app_id, file_id)
);
ALTER TABLE campaigns ADD COLUMN campaign_no INTEGER;
ALTER TABLE campaigns ADD COLUMN account_no INTEGER;
CREATE UNIQUE INDEX IF NOT EXISTS campaigns_no ON campaigns (campaign_no);
CREATE TABLE IF NOT EXISTS ledger (
    account_no INTEGER NOT NULL,
    number INTEGER NOT NULL,
    campaign_no INTEGER NOT NULL,
    state TEXT NOT NULL,
    at REAL NOT NULL,
    detail TEXT,
    PRIMARY KEY (account_no, number, campaign_no)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_yielded ON ledger (campaign_no)
    WHERE state = 'yielded';
CREATE INDEX IF NOT EXISTS ledger_blacklisted ON ledger (account_no, number)
    WHERE state = 'blacklisted';
"""


def default_path() -> Path:
    """Where the journal lives by default: ``$ITNIOTECH_JOURNAL``, else the user data directory.

    Example:
        >>> import os
        >>> os.environ["ITNIOTECH_JOURNAL"] = "/tmp/j.sqlite"
        >>> str(default_path())
        '/tmp/j.sqlite'
    """
    env = os.environ.get(ENV_JOURNAL, "").strip()
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("itnivoice_nb", appauthor=False)) / "journal.sqlite"


@dataclass(frozen=True, slots=True)
class Account:
    """The ledger's key: who calls (API key, normalised base URL) with which audio (app, file)."""

    api_key: str
    base_url: str
    app_id: str
    file_id: str


@dataclass(frozen=True, slots=True)
class Batch:
    """One batch as recorded."""

    batch_no: int
    numbers: str
    state: str
    attempts: int
    http_status: int | None
    api_status: str | None
    api_reason: str | None
    response: str | None
    error: str | None
    sent_at: float | None
    has_response: bool = True
    """False only for a batch read without its answer text that has none."""

    @property
    def callees(self) -> list[str]:
        return self.numbers.split(",") if self.numbers else []


@dataclass(frozen=True, slots=True)
class Claimed:
    """What :meth:`Journal.claim` did."""

    campaign_id: str
    created: bool
    created_at: float
    recovered_unknown: int
    """Batches found in flight from a process that is gone: now unknown."""
    reset_unknown: int
    """Unknown batches made pending again (``resend_unknown``)."""
    yielded: dict[str, str] = field(default_factory=dict)
    """Numbers newly left to another campaign by this claim: ``{number: reason}``."""


@dataclass(frozen=True, slots=True)
class _Claim:
    """The arguments of one :meth:`Journal.claim`."""

    campaign_id: str
    label: str | None
    account: Account
    message: dict[str, Any]
    numbers: list[str]
    batch_size: int
    since: float | None
    allow_repeat: bool
    allow_for: frozenset[str]
    resend_unknown: bool
    host: str
    pid: int


@dataclass(slots=True)
class _Write:
    """Statements waiting for a group commit; ``done`` once committed (or failed: ``error``)."""

    ops: list[tuple[str, Any, bool]]
    owner: int
    done: bool = False
    error: BaseException | None = None


_T = TypeVar("_T")

_ADVICE: Final = (
    "move the file aside (the ledger it holds protects people from a second call: keep it) or "
    "free disk space, or pass journal=another path"
)


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def campaign_name(label: str | None, campaign_id: str) -> str:
    """How a campaign is named to people: its label, or ``#`` and the start of its id.

    Example:
        >>> campaign_name("spring", "abc"), campaign_name(None, "0123456789abcdef")
        ("campaign 'spring'", 'campaign #01234567')
    """
    return f"campaign {label!r}" if label else f"campaign #{campaign_id[:8]}"


def _held_reason(state: str, at: float, name: str, finished: bool) -> str:
    """Why a number is not called again. A number still "claimed" by a campaign whose every
    batch has been sent was sent: submitted (the ledger records only refusals per number)."""
    if state == SUBMITTED or (state == CLAIMED and finished):
        return f"called {_when(at)} in {name}"
    if state == UNKNOWN:
        return f"may have been called {_when(at)} in {name} (outcome unknown)"
    return f"being called by {name} (claimed {_when(at)}, not finished)"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_ACTIVE: set[tuple[str, str]] = set()
_ACTIVE_LOCK = threading.Lock()
_MEMORY_KEYS = iter(range(1, 1 << 62))


def _json_numbers(numbers: Sequence[str]) -> str:
    """Digit strings as a JSON array of numbers, for ``json_each`` (they are valid JSON)."""
    return "[" + ",".join(n for n in numbers if n) + "]"


def int_column(values: str | Sequence[str]) -> np.ndarray:
    """Digit strings (a list, or one comma-joined string) as an int64 array, in Arrow."""
    if isinstance(values, str):
        text = pc.split_pattern(pa.array([values]), ",").flatten()
    else:
        text = pa.array(values, pa.string())
    return np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


class Journal:
    """A SQLite journal at ``path`` (None: in memory). Thread-safe; a context manager.

    Raises :class:`JournalError` when the path is a directory or the file is not a usable
    SQLite journal — before touching it.
    """

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path).expanduser()
        self._db: sqlite3.Connection | None = None
        if self.path is None:
            target = ":memory:"
        else:
            if self.path.is_dir():
                raise JournalError(
                    f"the journal path {str(self.path)!r} is a directory; pass a file path "
                    f"such as {str(self.path / 'journal.sqlite')!r}"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():
                    fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                    os.close(fd)
                os.chmod(self.path, 0o600)
            except OSError as exc:
                raise JournalError(
                    f"the journal {str(self.path)!r} cannot be created: {exc.strerror or exc}; "
                    "pass journal=a writable file path"
                ) from None
            target = str(self.path)
        try:
            self._db = sqlite3.connect(
                target, check_same_thread=False, isolation_level=None, timeout=60
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except sqlite3.Error as exc:
            if self._db is not None:
                self._db.close()
            raise JournalError(
                f"the journal {str(self.path)!r} cannot be used as SQLite ({exc}); {_ADVICE}"
            ) from None
        self._lock = threading.Lock()
        self._key = str(self.path.resolve()) if self.path else f"memory:{next(_MEMORY_KEYS)}"
        self._writes = threading.Condition(threading.Lock())
        self._queued: list[_Write] = []
        self._committing = False
        self._keys: dict[str, tuple[int, int]] = {}
        """campaign id → (account_no, campaign_no), for the ledger updates of each batch."""

    def __repr__(self) -> str:
        return f"Journal({str(self.path) if self.path else None!r})"

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        db, self._db = self._db, None
        if db is not None:
            with self._lock:
                db.close()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise JournalError("the journal is closed")
        return self._db

    # -- schema -------------------------------------------------------------------------------

    def _migrate(self) -> None:
        db = self.db
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another process?
            if version < SCHEMA_VERSION:
                for statement in (_SCHEMA_V1 + _SCHEMA_V2).split(";"):
                    if statement.strip():
                        self._ddl(statement)
                self._ledger_from_batches()
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _ddl(self, statement: str) -> None:
        try:
            self.db.execute(statement)
        except sqlite3.OperationalError as exc:
            if "duplicate column" not in str(exc):
                raise

    def _ledger_from_batches(self) -> None:
        """Version 1 files: number the campaigns and put every number they sent in the ledger.

        Conservative: answered batches count as submitted (they may hold rejected numbers),
        batches in flight or unknown as unknown, pending ones as claimed by their campaign.
        """
        db = self.db
        rows = db.execute(
            "SELECT campaign_id, api_key, base_url, message, created_at FROM campaigns "
            "WHERE campaign_no IS NULL ORDER BY created_at"
        ).fetchall()
        if not rows:
            return
        start = db.execute("SELECT COALESCE(MAX(campaign_no), 0) FROM campaigns").fetchone()[0]
        by_state = {ANSWERED: SUBMITTED, UNKNOWN: UNKNOWN, IN_FLIGHT: UNKNOWN, PENDING: CLAIMED,
                    FAILED: FAILED}
        for no, (cid, api_key, base_url, message, created) in enumerate(rows, start + 1):
            fields = json.loads(message or "{}")
            account = Account(
                api_key,
                normalize_base_url(base_url),
                str(fields.get("appId", "")),
                str(fields.get("fileId", "")),
            )
            account_no = self._account_no(account)
            db.execute(
                "UPDATE campaigns SET campaign_no=?, account_no=? WHERE campaign_id=?",
                (no, account_no, cid),
            )
            for numbers, state, finished in db.execute(
                "SELECT numbers, state, COALESCE(finished_at, sent_at) FROM batches "
                "WHERE campaign_id=?",
                (cid,),
            ).fetchall():
                db.executemany(
                    "INSERT OR IGNORE INTO ledger VALUES (?,?,?,?,?,NULL)",
                    (
                        (account_no, int(n), no, by_state.get(state, UNKNOWN), finished or created)
                        for n in numbers.split(",")
                        if n.isdigit()
                    ),
                )

    def _account_no(self, account: Account) -> int:
        db = self.db
        key = (account.api_key, account.base_url, account.app_id, account.file_id)
        row = db.execute(
            "SELECT account_no FROM accounts WHERE api_key=? AND base_url=? AND app_id=? "
            "AND file_id=?",
            key,
        ).fetchone()
        if row is not None:
            return int(row[0])
        return int(db.execute("INSERT INTO accounts VALUES (NULL,?,?,?,?)", key).lastrowid or 0)

    # -- plumbing -------------------------------------------------------------------------------

    def _guard(self, what: str, fn: Callable[[], _T]) -> _T:
        """Run ``fn``; a SQLite failure becomes a :class:`JournalError` with advice."""
        try:
            return fn()
        except sqlite3.Error as exc:
            where = str(self.path) if self.path else "in memory"
            raise JournalError(
                f"the journal ({where}) failed while {what}: {exc}; {_ADVICE}"
            ) from None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self.db
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _write(self, ops: list[tuple[str, Any, bool]]) -> None:
        """Run statements in a durable transaction shared with concurrent writers.

        ``ops``: ``(sql, params, many)``. Returns once committed; raises its own error if the
        write failed (as :class:`JournalError`).
        """
        mine = _Write(ops, threading.get_ident())
        group: list[_Write] | None = None
        with self._writes:
            self._queued.append(mine)
            while self._committing and not mine.done:
                self._writes.wait()
            if not mine.done:  # lead: commit everything queued so far, this write included
                group, self._queued = self._queued, []
                self._committing = True
        if group is not None:
            try:
                self._commit_group(group)
            except BaseException as exc:  # e.g. KeyboardInterrupt while committing: rolled back
                for write in group:
                    if write.error is None:
                        write.error = JournalError(
                            f"the journal commit this record was part of was interrupted: {exc!r}"
                        )
                raise
            finally:
                with self._writes:
                    for write in group:
                        write.done = True
                    self._committing = False
                    self._writes.notify_all()
        if mine.error is not None:
            err = mine.error
            if isinstance(err, sqlite3.Error):
                where = str(self.path) if self.path else "in memory"
                raise JournalError(f"the journal ({where}) failed to record: {err}; {_ADVICE}")
            raise err

    @staticmethod
    def _run(db: sqlite3.Connection, write: _Write) -> None:
        for sql, params, many in write.ops:
            if many:
                db.executemany(sql, params)
            else:
                db.execute(sql, params)

    def _commit_group(self, group: list[_Write]) -> None:
        """One transaction for the group; if it fails, each write alone (so errors stay theirs).

        Alone, a write whose thread saw an earlier write of the group fail is not made: it
        fails with the same error (a batch is never marked in flight after its thread's previous
        record was lost).
        """
        with self._lock:
            db = self.db
            try:
                db.execute("BEGIN IMMEDIATE")
                for write in group:
                    self._run(db, write)
                db.execute("COMMIT")
                return
            except Exception as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if len(group) == 1:
                    group[0].error = exc
                    return
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            failed: dict[int, BaseException] = {}
            for write in group:
                if write.owner in failed:
                    write.error = failed[write.owner]
                    continue
                try:
                    db.execute("BEGIN IMMEDIATE")
                    self._run(db, write)
                    db.execute("COMMIT")
                except BaseException as exc:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    if not isinstance(exc, Exception):
                        raise
                    write.error = failed[write.owner] = exc

    # -- campaigns and the ledger -------------------------------------------------------------

    def campaign(self, campaign_id: str) -> dict[str, Any] | None:
        """The campaign's row (label, created_at, pending: batches still to send) or None."""

        def read() -> dict[str, Any] | None:
            with self._lock:
                row = self.db.execute(
                    "SELECT label, created_at, (SELECT COUNT(*) FROM batches b WHERE "
                    "b.campaign_id=c.campaign_id AND b.state IN (?,?)) FROM campaigns c "
                    "WHERE campaign_id=?",
                    (PENDING, FAILED, campaign_id),
                ).fetchone()
            if row is None:
                return None
            return {"label": row[0], "created_at": row[1], "to_send": row[2]}

        return self._guard("reading a campaign", read)

    def held(
        self,
        account: Account,
        numbers: Sequence[str],
        *,
        own: str | None = None,
        since: float | None = None,
    ) -> dict[str, str]:
        """Which of ``numbers`` other campaigns of ``account`` hold: ``{number: reason}``.

        ``own``: the campaign asking (its own rows do not count). ``since``: only holds newer
        than this Unix time count (``repeat_after``).
        """

        return self.held_split(account, numbers, own=own, since=since)[0]

    def held_split(
        self,
        account: Account,
        numbers: Sequence[str],
        *,
        own: str | None = None,
        since: float | None = None,
        as_ints: np.ndarray | None = None,
    ) -> tuple[dict[str, str], list[str]]:
        """:meth:`held`, and the numbers not held, in order (one pass over a million).

        ``as_ints``: the same numbers as int64, when the caller has them (saves a parse).
        """

        def read() -> tuple[dict[str, str], list[str]]:
            with self._lock:
                return self._held(
                    self.db, account, numbers, own, since, split=True, as_ints=as_ints
                )

        return self._guard("reading the ledger", read)

    def _held(
        self,
        db: sqlite3.Connection,
        account: Account,
        numbers: Sequence[str],
        own: str | None,
        since: float | None,
        *,
        split: bool = False,
        as_ints: np.ndarray | None = None,
    ) -> Any:
        """``{number: reason}`` of the held numbers; with ``split``, also the others in order."""
        rest = list(numbers) if split else []
        none: Any = ({}, rest) if split else {}
        row = db.execute(
            "SELECT account_no FROM accounts WHERE api_key=? AND base_url=? AND app_id=? "
            "AND file_id=?",
            (account.api_key, account.base_url, account.app_id, account.file_id),
        ).fetchone()
        if row is None or not len(numbers):
            return none
        own_no = -1
        if own is not None:
            found = db.execute(
                "SELECT campaign_no FROM campaigns WHERE campaign_id=?", (own,)
            ).fetchone()
            own_no = -1 if found is None or found[0] is None else int(found[0])
        codes = " ".join(f"WHEN '{state}' THEN {k}" for k, state in enumerate(HOLDING))
        # Two comma-joined integer columns (the same row order in each), split in Arrow:
        # reading a million rows as Python tuples would cost more than planning itself. The
        # second packs (campaign, state, minute) in one integer: the reason's whole key.
        sql = (
            "SELECT group_concat(number), group_concat(((campaign_no * "
            f"{len(HOLDING)} + CASE state {codes} END) << 32) | CAST(at / 60 AS INTEGER)) "
            f"FROM ledger WHERE account_no=? AND campaign_no<>? "
            f"AND state IN ({','.join('?' * len(HOLDING))})"
        )
        params: list[Any] = [row[0], own_no, *HOLDING]
        if since is not None:
            sql += " AND at>=?"
            params.append(since)
        joined = db.execute(sql, params).fetchone()
        if not joined or joined[0] is None:
            return none
        held = int_column(joined[0])
        wanted = int_column(numbers) if as_ints is None else as_ints
        taken = pd.Index(wanted).isin(held)
        if not taken.any():
            return none
        hit = np.flatnonzero(pd.Index(held).isin(wanted[taken]))
        held = held[hit]
        keys = int_column(joined[1])[hit]
        camps = np.unique(keys >> 32) // len(HOLDING)
        names: dict[int, str] = {}
        finished: dict[int, bool] = {}
        for no, label, cid, unsent in db.execute(
            "SELECT c.campaign_no, c.label, c.campaign_id, (SELECT COUNT(*) FROM batches b "
            "WHERE b.campaign_id=c.campaign_id AND b.state IN (?,?)) FROM campaigns c WHERE "
            f"c.campaign_no IN ({','.join(str(int(n)) for n in camps.tolist())})",
            (PENDING, IN_FLIGHT),
        ):
            names[int(no)] = campaign_name(label, cid)
            finished[int(no)] = not unsent
        # A reason per distinct key, not per number. A number held twice: the most recent
        # hold comes last in the order (by minute) and wins in the dict.
        inverse, distinct = pd.factorize(keys)
        texts = np.asarray(
            [
                _held_reason(
                    HOLDING[int(key >> 32) % len(HOLDING)],
                    (key & 0xFFFFFFFF) * 60.0,
                    names.get(int(key >> 32) // len(HOLDING), "another campaign"),
                    finished.get(int(key >> 32) // len(HOLDING), False),
                )
                for key in distinct.tolist()
            ],
            dtype=object,
        )
        reasons = texts[inverse]
        if not pd.Index(held).is_unique:  # held by several campaigns: the latest wins
            order = np.argsort(keys & 0xFFFFFFFF, kind="stable")
            held, reasons = held[order], reasons[order]
        numbers_text = pa.array(held).cast(pa.string()).to_pylist()
        found = dict(zip(numbers_text, reasons.tolist(), strict=True))
        if not split:
            return found
        return found, np.asarray(numbers, dtype=object)[~taken].tolist()

    def claim(
        self,
        campaign_id: str,
        *,
        label: str | None,
        account: Account,
        message: Mapping[str, Any],
        numbers: Sequence[str],
        batch_size: int,
        since: float | None = None,
        allow_repeat: bool = False,
        allow_for: frozenset[str] = frozenset(),
        resend_unknown: bool = False,
    ) -> Claimed:
        """Create or resume the campaign and claim the numbers to call now, atomically.

        ``numbers``: the campaign's numbers to call now, in order (without those deferred or
        excluded this run). In one ``BEGIN IMMEDIATE`` transaction: numbers another campaign of
        the account holds (see :meth:`held`; none with ``allow_repeat``, nor those in
        ``allow_for``) are left to it (``yielded``, for good); the rest are claimed and batched.
        Resuming: batches in flight from a process that is gone become unknown,
        ``resend_unknown`` makes unknown batches pending again, the numbers of batches not yet
        sent are checked again against the other campaigns (those not wanted now leave their
        batch and their claim), and numbers in no batch yet (deferred before) get new batches.

        Raises :class:`ItniotechError` if another live send is sending this campaign now.
        """
        host, pid = socket.gethostname(), os.getpid()
        with _ACTIVE_LOCK:
            if (self._key, campaign_id) in _ACTIVE:
                raise ItniotechError(
                    "this campaign is being sent right now by another send in this process; "
                    "wait for it to finish (or cancel it) before running it again"
                )
        claim = _Claim(
            campaign_id, label, account, dict(message), list(numbers), batch_size, since,
            allow_repeat, allow_for, resend_unknown, host, pid,
        )

        def run() -> Claimed:
            with self._tx() as db:
                return self._claim(db, claim)

        claimed = self._guard("claiming the numbers", run)
        with _ACTIVE_LOCK:
            _ACTIVE.add((self._key, campaign_id))
        return claimed

    def _claim(self, db: sqlite3.Connection, c: _Claim) -> Claimed:
        now = time.time()
        cid, account = c.campaign_id, c.account
        account_no = self._account_no(account)
        row = db.execute(
            "SELECT created_at, owner_host, owner_pid, campaign_no FROM campaigns "
            "WHERE campaign_id=?",
            (cid,),
        ).fetchone()
        lost: list[tuple[int, str]] = []
        reset = 0
        resent: list[str] = []
        if row is None:
            created_at = now
            camp_no = int(
                db.execute("SELECT COALESCE(MAX(campaign_no), 0) + 1 FROM campaigns").fetchone()[0]
            )
            db.execute(
                "INSERT INTO campaigns (campaign_id, label, api_key, base_url, message, "
                "n_numbers, n_batches, created_at, owner_host, owner_pid, campaign_no, "
                "account_no) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    cid, c.label, account.api_key, account.base_url,
                    json.dumps(c.message, sort_keys=True), len(c.numbers), 0, now, c.host,
                    c.pid, camp_no, account_no,
                ),
            )
        else:
            created_at, owner_host, owner_pid, camp_no = row
            if (
                owner_host == c.host
                and owner_pid is not None
                and owner_pid != c.pid
                and _pid_alive(owner_pid)
            ):
                raise ItniotechError(
                    f"this campaign is being sent right now by process {owner_pid} on this "
                    "machine; wait for it to finish, or stop it, before running it again"
                )
            db.execute(
                "UPDATE campaigns SET owner_host=?, owner_pid=? WHERE campaign_id=?",
                (c.host, c.pid, cid),
            )
            lost = self._recover(db, cid, account_no, camp_no, now)
            if c.resend_unknown:
                reset, resent = self._reset_unknown(db, cid, account_no, camp_no, now)
        batches = db.execute(
            "SELECT batch_no, numbers, state FROM batches WHERE campaign_id=? ORDER BY batch_no",
            (cid,),
        ).fetchall()
        sent = {
            n for _, joined, state in batches if state not in (PENDING, FAILED, SKIPPED)
            for n in joined.split(",") if n
        }
        left = {
            str(n)
            for (n,) in db.execute(
                "SELECT number FROM ledger WHERE campaign_no=? AND account_no=? AND "
                f"state='{YIELDED}'",  # a literal: the partial index ledger_yielded applies
                (camp_no, account_no),
            )
        }
        wanted = [n for n in c.numbers if n not in sent and n not in left]
        # resend_unknown: the campaign's own unknown numbers are wanted again, on purpose
        already = set(wanted)
        wanted += [n for n in resent if n not in already]
        wanted_set = set(wanted)
        taken: dict[str, str] = {}
        if not c.allow_repeat:
            mine = set(resent)
            check = [n for n in wanted if n not in c.allow_for and n not in mine]
            taken = self._held(db, account, check, cid, c.since)  # {number: reason}
        keep = wanted_set.difference(taken)
        # Batches not sent yet keep only the numbers to call now; the others leave them.
        open_numbers: set[str] = set()
        released: list[str] = []
        for batch_no, joined, state in batches:
            if state not in (PENDING, FAILED):
                continue
            old = [n for n in joined.split(",") if n]
            rest = [n for n in old if n in keep]
            released.extend(n for n in old if n not in wanted_set)
            open_numbers.update(rest)
            if rest != old:
                db.execute(
                    "UPDATE batches SET numbers=?, state=? WHERE campaign_id=? AND batch_no=?",
                    (",".join(rest), state if rest else SKIPPED, cid, batch_no),
                )
        if released:
            db.execute(
                "DELETE FROM ledger WHERE account_no=? AND campaign_no=? AND number IN "
                "(SELECT value FROM json_each(?))",
                (account_no, camp_no, _json_numbers(released)),
            )
        fresh = [n for n in wanted if n in keep and n not in open_numbers]
        first = 1 + max((b[0] for b in batches), default=0)
        size = c.batch_size
        db.executemany(
            "INSERT INTO batches (campaign_id, batch_no, numbers, state) VALUES (?,?,?,?)",
            (
                (cid, first + i // size, ",".join(fresh[i : i + size]), PENDING)
                for i in range(0, len(fresh), size)
            ),
        )
        self._set_numbers(db, account_no, camp_no, [*open_numbers, *fresh], CLAIMED, now)
        db.executemany(
            "INSERT OR REPLACE INTO ledger VALUES (?,?,?,?,?,?)",
            ((account_no, int(n), camp_no, YIELDED, now, why) for n, why in taken.items()),
        )
        db.execute(
            "UPDATE campaigns SET n_batches=(SELECT COUNT(*) FROM batches WHERE campaign_id=? "
            "AND state<>?) WHERE campaign_id=?",
            (cid, SKIPPED, cid),
        )
        return Claimed(cid, row is None, created_at, len(lost), reset, taken)

    def _campaign_keys(self, campaign_id: str) -> tuple[int, int]:
        with self._lock:
            row = self.db.execute(
                "SELECT account_no, campaign_no FROM campaigns WHERE campaign_id=?",
                (campaign_id,),
            ).fetchone()
        if row is None:
            raise JournalError(f"the journal has no campaign {campaign_id!r}")
        return int(row[0]), int(row[1])

    def _recover(
        self, db: sqlite3.Connection, cid: str, account_no: int, camp_no: int, now: float
    ) -> list[tuple[int, str]]:
        """Batches left in flight by a process that is gone: unknown (may have been charged)."""
        lost = db.execute(
            "SELECT batch_no, numbers FROM batches WHERE campaign_id=? AND state=?",
            (cid, IN_FLIGHT),
        ).fetchall()
        for batch_no, joined in lost:
            db.execute(
                "UPDATE batches SET state=?, error=? WHERE campaign_id=? AND batch_no=?",
                (
                    UNKNOWN,
                    "the request was in flight when the sending process stopped; it may have "
                    "been charged",
                    cid,
                    batch_no,
                ),
            )
            self._set_numbers(db, account_no, camp_no, joined.split(","), UNKNOWN, now)
        return lost

    def _reset_unknown(
        self, db: sqlite3.Connection, cid: str, account_no: int, camp_no: int, now: float
    ) -> tuple[int, list[str]]:
        """``resend_unknown``: unknown batches pending again; how many, and their numbers."""
        unknown = db.execute(
            "SELECT batch_no, numbers FROM batches WHERE campaign_id=? AND state=?",
            (cid, UNKNOWN),
        ).fetchall()
        numbers: list[str] = []
        for batch_no, joined in unknown:
            db.execute(
                "UPDATE batches SET state=? WHERE campaign_id=? AND batch_no=?",
                (PENDING, cid, batch_no),
            )
            self._set_numbers(db, account_no, camp_no, joined.split(","), CLAIMED, now)
            numbers.extend(n for n in joined.split(",") if n)
        return len(unknown), numbers

    @staticmethod
    def _set_numbers(
        db: sqlite3.Connection,
        account_no: int,
        camp_no: int,
        numbers: Sequence[str],
        state: str,
        at: float,
    ) -> None:
        """Put ``numbers`` in the ledger with ``state`` (one statement: SQLite reads the list)."""
        if numbers:
            db.execute(
                "INSERT OR REPLACE INTO ledger SELECT ?, value, ?, ?, ?, NULL "
                "FROM json_each(?)",
                (account_no, camp_no, state, at, _json_numbers(numbers)),
            )

    def blacklisted(self, api_key: str, base_url: str) -> dict[str, str]:
        """Numbers the API refused as blacklisted for this account (any audio): their reason."""

        def read() -> dict[str, str]:
            with self._lock:
                rows = self.db.execute(
                    # the literal state lets SQLite use the partial index ledger_blacklisted
                    "SELECT l.number, MAX(l.at), c.label, c.campaign_id FROM accounts a "
                    "JOIN ledger l INDEXED BY ledger_blacklisted ON l.account_no=a.account_no "
                    f"AND l.state='{BLACKLISTED}' "
                    "JOIN campaigns c ON c.campaign_no=l.campaign_no "
                    "WHERE a.api_key=? AND a.base_url=? GROUP BY l.number",
                    (api_key, base_url),
                ).fetchall()
            return {
                str(n): f"refused by the API as blacklisted ({_when(at)}, "
                f"{campaign_name(label, cid)}); pass exclude_blacklisted=False to try again"
                for n, at, label, cid in rows
            }

        return self._guard("reading the ledger", read)

    def recorded_rates(self) -> dict[str, float]:
        """The highest rate per calling code in the stored call records (see ``_cost``)."""
        from ._cost import rates_in_journal

        def read() -> dict[str, float]:
            with self._lock:
                rows = self.db.execute(
                    "SELECT record FROM call_records WHERE record IS NOT NULL"
                ).fetchall()
            return rates_in_journal(r for (r,) in rows)

        return self._guard("reading call records", read)

    def yielded(self, campaign_id: str) -> dict[str, str]:
        """Numbers this campaign left to others: ``{number: reason}``."""

        def read() -> dict[str, str]:
            with self._lock:
                rows = self.db.execute(
                    # the literal state lets SQLite use the partial index ledger_yielded
                    "SELECT l.number, l.detail FROM ledger l JOIN campaigns c ON "
                    "c.campaign_no=l.campaign_no AND c.account_no=l.account_no "
                    f"WHERE c.campaign_id=? AND l.state='{YIELDED}'",
                    (campaign_id,),
                ).fetchall()
            return {str(n): d or "already called in another campaign" for n, d in rows}

        return self._guard("reading the ledger", read)

    def release(self, campaign_id: str) -> None:
        """Say this process is no longer sending the campaign."""
        with _ACTIVE_LOCK:
            _ACTIVE.discard((self._key, campaign_id))

    # -- batches ------------------------------------------------------------------------------

    def batches(self, campaign_id: str, *, texts: bool = True) -> list[Batch]:
        """Every batch of the campaign, in order.

        ``texts=False`` leaves out the answers' texts (``response`` None, ``has_response``
        saying whether there is one): at scale the caller reads back, with :meth:`responses`,
        only those it does not hold already.
        """

        def read() -> list[Batch]:
            with self._lock:
                rows = self.db.execute(
                    "SELECT batch_no, numbers, state, attempts, http_status, api_status, "
                    f"api_reason, {'response' if texts else 'NULL'}, error, sent_at, "
                    "response IS NOT NULL FROM batches WHERE campaign_id=? AND state<>? "
                    "ORDER BY batch_no",
                    (campaign_id, SKIPPED),
                ).fetchall()
            return [
                Batch(no, numbers, state, attempts, http, status, reason, text, error, sent,
                      bool(has))
                for no, numbers, state, attempts, http, status, reason, text, error, sent, has
                in rows
            ]

        return self._guard("reading the batches", read)

    def responses(self, campaign_id: str, batch_nos: Sequence[int]) -> dict[int, str]:
        """The recorded answer texts of these batches: ``{batch_no: text}``."""

        def read() -> dict[int, str]:
            out: dict[int, str] = {}
            wanted = list(batch_nos)
            with self._lock:
                for i in range(0, len(wanted), 500):
                    chunk = wanted[i : i + 500]
                    out.update(
                        self.db.execute(
                            "SELECT batch_no, response FROM batches WHERE campaign_id=? AND "
                            f"response IS NOT NULL AND batch_no IN ({','.join('?' * len(chunk))})",
                            (campaign_id, *chunk),
                        ).fetchall()
                    )
            return out

        return self._guard("reading the answers", read)

    def mark_in_flight(self, campaign_id: str, batch_no: int, attempts: int) -> None:
        """Commit that a request for this batch is about to leave (before it leaves)."""
        self._write(
            [
                (
                    "UPDATE batches SET state=?, attempts=?, sent_at=?, error=NULL "
                    "WHERE campaign_id=? AND batch_no=?",
                    (IN_FLIGHT, attempts, time.time(), campaign_id, batch_no),
                    False,
                )
            ]
        )

    def finish(
        self,
        campaign_id: str,
        batch_no: int,
        *,
        state: str,
        attempts: int,
        http_status: int | None = None,
        api_status: str | None = None,
        api_reason: str | None = None,
        response: str | None = None,
        error: str | None = None,
        numbers: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Record how a batch ended: answered, failed (never charged) or unknown (durable).

        ``numbers``: the ledger state of the batch's numbers, ``{state: [numbers]}`` (e.g.
        submitted and rejected ones of an answered batch), written in the same transaction.
        """
        if state not in (ANSWERED, FAILED, UNKNOWN, PENDING):
            raise ValueError(f"cannot finish a batch as {state!r}")
        now = time.time()
        ops: list[tuple[str, Any, bool]] = [
            (
                "UPDATE batches SET state=?, attempts=?, http_status=?, api_status=?, "
                "api_reason=?, response=?, error=?, finished_at=? "
                "WHERE campaign_id=? AND batch_no=?",
                (state, attempts, http_status, api_status, api_reason, response, error, now,
                 campaign_id, batch_no),
                False,
            )
        ]
        keys = self._keys.get(campaign_id) if numbers else None
        for number_state, group in (numbers or {}).items():
            if not group:
                continue
            if keys is None:
                keys = self._keys[campaign_id] = self._guard(
                    "reading a campaign", lambda: self._campaign_keys(campaign_id)
                )
            ops.append(
                (
                    "UPDATE ledger SET state=?, at=? WHERE account_no=? AND campaign_no=? AND "
                    "number IN (SELECT value FROM json_each(?))",
                    (number_state, now, *keys, _json_numbers(group)),
                    False,
                )
            )
        self._write(ops)

    # -- call records -------------------------------------------------------------------------

    def call_records(
        self, voice_ids: Sequence[str]
    ) -> dict[str, tuple[dict[str, Any] | None, bool]]:
        """Stored call records for these voiceIds: ``{voice_id: (raw record or None, final)}``."""

        def read() -> dict[str, tuple[dict[str, Any] | None, bool]]:
            out: dict[str, tuple[dict[str, Any] | None, bool]] = {}
            ids = list(voice_ids)
            with self._lock:
                for i in range(0, len(ids), 500):
                    chunk = ids[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    for voice_id, record, final in self.db.execute(
                        "SELECT voice_id, record, final FROM call_records WHERE voice_id IN "
                        f"({marks})",
                        chunk,
                    ):
                        out[voice_id] = (
                            None if record is None else json.loads(record),
                            bool(final),
                        )
            return out

        return self._guard("reading call records", read)

    def store_call_records(self, rows: Sequence[tuple[str, dict[str, Any] | None, bool]]) -> None:
        """Store raw call records: ``(voice_id, raw record or None, final)``."""
        now = time.time()

        def write() -> None:
            with self._tx() as db:
                db.executemany(
                    "INSERT OR REPLACE INTO call_records VALUES (?,?,?,?)",
                    (
                        (v, None if r is None else json.dumps(r), int(final), now)
                        for v, r, final in rows
                    ),
                )

        self._guard("storing call records", write)
