"""The send journal: SQLite record of every campaign and batch — the source of truth for results.

A batch moves ``pending → in_flight → answered | failed | unknown``. ``in_flight`` is committed
*before* the request leaves, so a crash leaves evidence that the request may have reached the
API; such batches become ``unknown`` on the next open and are never resent automatically.

The file is created readable by its owner only (it holds phone numbers) and never holds the API
secret. ``Journal(None)`` keeps the same records in memory (``journal=False``).

Group commit: :meth:`Journal.mark_in_flight` and :meth:`Journal.finish` return only once their
row is committed (durable: WAL, ``synchronous=FULL``), but the writes that several sending
threads make at the same moment share one transaction and one fsync. The first writer to find
no commit running commits everything queued so far; the others wait for that commit (or lead
the next one). With 32 requests in flight this turns 64 serialised fsyncs per round into a few.

Example:
    >>> j = Journal(None)
    >>> cid = j.open_campaign("c1", label=None, api_key="k", base_url="u", message={},
    ...                       numbers=["91856321412", "91856321300"], batch_size=200).campaign_id
    >>> [b.state for b in j.batches(cid)]
    ['pending']
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ItniotechError

PENDING = "pending"
IN_FLIGHT = "in_flight"
ANSWERED = "answered"
FAILED = "failed"
UNKNOWN = "unknown"
STATES = (PENDING, IN_FLIGHT, ANSWERED, FAILED, UNKNOWN)

DEFAULT_PATH = Path(".itnivoice") / "journal.sqlite"

_SCHEMA = """
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

    @property
    def callees(self) -> list[str]:
        return self.numbers.split(",") if self.numbers else []


@dataclass(slots=True)
class _Write:
    """One statement waiting for a group commit; ``done`` once committed (or failed: ``error``).

    ``owner`` is the writing thread.
    """

    sql: str
    params: tuple[Any, ...]
    owner: int
    done: bool = False
    error: BaseException | None = None


@dataclass(frozen=True, slots=True)
class Opened:
    """What :meth:`Journal.open_campaign` found."""

    campaign_id: str
    created: bool
    created_at: float
    recovered_unknown: int


_ACTIVE: set[tuple[str, str]] = set()
_ACTIVE_LOCK = threading.Lock()
_MEMORY_KEYS = itertools.count(1)
"""Names for in-memory journals: never reused (``id()`` is, once an object is freed)."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Journal:
    """A SQLite journal at ``path`` (None: in memory). Thread-safe; one connection, one lock."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = None if path is None else Path(path)
        if self.path is None:
            target = ":memory:"
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600)
                os.close(fd)
            os.chmod(self.path, 0o600)
            target = str(self.path)
        try:
            self._db = sqlite3.connect(
                target, check_same_thread=False, isolation_level=None, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise ItniotechError(
                f"the journal {str(self.path)!r} cannot be opened as SQLite ({exc}); "
                "move it aside or pass journal=another path"
            ) from None
        self._lock = threading.Lock()
        self._key = str(self.path.resolve()) if self.path else f"memory:{next(_MEMORY_KEYS)}"
        self._writes = threading.Condition(threading.Lock())
        self._queued: list[_Write] = []
        self._committing = False

    def __repr__(self) -> str:
        return f"Journal({str(self.path) if self.path else None!r})"

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run one statement in a durable transaction shared with concurrent writers.

        Returns once it is committed; raises its own error if it failed.
        """
        mine = _Write(sql, params, threading.get_ident())
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
                        write.error = ItniotechError(
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
            raise mine.error

    def _commit_group(self, group: list[_Write]) -> None:
        """One transaction for the group; if it fails, each write alone (so errors stay theirs).

        Alone, a write whose thread saw an earlier write of the group fail is not made: it
        fails with the same error (a batch is never marked in flight after its thread's previous
        record was lost).
        """
        statements = [(w.sql, w) for w in group]
        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
                for sql, write in statements:
                    db.execute(sql, write.params)
                db.execute("COMMIT")
                return
            except Exception as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if len(statements) == 1:
                    statements[0][1].error = exc
                    return
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            failed: dict[int, BaseException] = {}
            for sql, write in statements:
                if write.owner in failed:
                    write.error = failed[write.owner]
                    continue
                try:
                    db.execute("BEGIN IMMEDIATE")
                    db.execute(sql, write.params)
                    db.execute("COMMIT")
                except BaseException as exc:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    if not isinstance(exc, Exception):
                        raise
                    write.error = failed[write.owner] = exc

    # -- campaigns ----------------------------------------------------------------------------

    def open_campaign(
        self,
        campaign_id: str,
        *,
        label: str | None,
        api_key: str,
        base_url: str,
        message: dict[str, Any],
        numbers: Sequence[str],
        batch_size: int,
    ) -> Opened:
        """Create the campaign and its pending batches, or find it; take ownership.

        Raises :class:`ItniotechError` if another live process (or another send in this
        process) is sending the same campaign right now. Batches left ``in_flight`` by a
        process that is gone become ``unknown``.
        """
        host = socket.gethostname()
        pid = os.getpid()
        with _ACTIVE_LOCK:
            if (self._key, campaign_id) in _ACTIVE:
                raise ItniotechError(
                    "this campaign is being sent right now by another send in this process; "
                    "wait for it to finish (or cancel it) before running it again"
                )
        with self._tx() as db:
            row = db.execute(
                "SELECT created_at, owner_host, owner_pid FROM campaigns WHERE campaign_id=?",
                (campaign_id,),
            ).fetchone()
            created = row is None
            if created:
                created_at = time.time()
                db.execute(
                    "INSERT INTO campaigns VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        campaign_id,
                        label,
                        api_key,
                        base_url,
                        json.dumps(message, sort_keys=True),
                        len(numbers),
                        -(-len(numbers) // batch_size),
                        created_at,
                        host,
                        pid,
                    ),
                )
                db.executemany(
                    "INSERT INTO batches (campaign_id, batch_no, numbers, state) VALUES (?,?,?,?)",
                    (
                        (
                            campaign_id,
                            i // batch_size + 1,
                            ",".join(numbers[i : i + batch_size]),
                            PENDING,
                        )
                        for i in range(0, len(numbers), batch_size)
                    ),
                )
                recovered = 0
            else:
                created_at, owner_host, owner_pid = row
                if (
                    owner_host == host
                    and owner_pid is not None
                    and owner_pid != pid
                    and _pid_alive(owner_pid)
                ):
                    raise ItniotechError(
                        f"this campaign is being sent right now by process {owner_pid} on this "
                        "machine; wait for it to finish, or stop it, before running it again"
                    )
                db.execute(
                    "UPDATE campaigns SET owner_host=?, owner_pid=? WHERE campaign_id=?",
                    (host, pid, campaign_id),
                )
                recovered = db.execute(
                    "UPDATE batches SET state=?, error=? WHERE campaign_id=? AND state=?",
                    (
                        UNKNOWN,
                        "the request was in flight when the sending process stopped; it may "
                        "have been charged",
                        campaign_id,
                        IN_FLIGHT,
                    ),
                ).rowcount
        with _ACTIVE_LOCK:
            _ACTIVE.add((self._key, campaign_id))
        return Opened(campaign_id, created, created_at, recovered)

    def release(self, campaign_id: str) -> None:
        """Say this process is no longer sending the campaign."""
        with _ACTIVE_LOCK:
            _ACTIVE.discard((self._key, campaign_id))

    def sent_before(
        self,
        campaign_id: str,
        *,
        api_key: str,
        base_url: str,
        message: dict[str, Any],
        numbers: Sequence[str],
    ) -> tuple[int, str, float] | None:
        """For a campaign not in the journal yet: how many of ``numbers`` other campaigns with
        the same message, account and base URL have already sent (answered, unknown or in
        flight), the latest such campaign and when it started; None when there are none.
        """
        with self._lock:
            if self._db.execute(
                "SELECT 1 FROM campaigns WHERE campaign_id=?", (campaign_id,)
            ).fetchone():
                return None
            rows = self._db.execute(
                "SELECT c.campaign_id, c.created_at, b.numbers FROM campaigns c "
                "JOIN batches b ON b.campaign_id = c.campaign_id "
                "WHERE c.api_key=? AND c.base_url=? AND c.message=? AND b.state IN (?,?,?)",
                (
                    api_key,
                    base_url,
                    json.dumps(message, sort_keys=True),
                    ANSWERED,
                    UNKNOWN,
                    IN_FLIGHT,
                ),
            ).fetchall()
        if not rows:
            return None
        wanted = set(numbers)
        found: set[str] = set()
        latest: tuple[str, float] | None = None
        for other, created, joined in rows:
            hits = wanted.intersection(joined.split(","))
            if hits:
                found |= hits
                if latest is None or created > latest[1]:
                    latest = (other, created)
        return None if latest is None else (len(found), latest[0], latest[1])

    # -- batches ------------------------------------------------------------------------------

    def batches(
        self, campaign_id: str, *, known_answers: Mapping[int, int] | None = None
    ) -> list[Batch]:
        """Every batch of the campaign, in order.

        ``known_answers``: ``{batch_no: attempts}`` of answers the caller holds already; a
        batch recorded answered (status "0") after exactly that many attempts comes without
        its ``response`` text (None), which saves reading it back at scale.
        """
        if not known_answers:
            with self._lock:
                rows = self._db.execute(
                    "SELECT batch_no, numbers, state, attempts, http_status, api_status, "
                    "api_reason, response, error, sent_at FROM batches WHERE campaign_id=? "
                    "ORDER BY batch_no",
                    (campaign_id,),
                ).fetchall()
            return [Batch(*row) for row in rows]
        with self._lock:
            rows = self._db.execute(
                "SELECT batch_no, numbers, state, attempts, http_status, api_status, api_reason, "
                "response IS NOT NULL, error, sent_at FROM batches WHERE campaign_id=? "
                "ORDER BY batch_no",
                (campaign_id,),
            ).fetchall()
            wanted = [
                row[0]
                for row in rows
                if row[7]
                and not (
                    row[2] == ANSWERED and row[5] == "0" and known_answers.get(row[0]) == row[3]
                )
            ]
            texts: dict[int, str] = {}
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                texts.update(
                    self._db.execute(
                        f"SELECT batch_no, response FROM batches WHERE campaign_id=? AND "
                        f"batch_no IN ({','.join('?' * len(chunk))})",
                        (campaign_id, *chunk),
                    ).fetchall()
                )
        return [
            Batch(no, numbers, state, attempts, http, status, reason, texts.get(no), error, sent)
            for no, numbers, state, attempts, http, status, reason, _, error, sent in rows
        ]

    def mark_in_flight(self, campaign_id: str, batch_no: int, attempts: int) -> None:
        """Commit that a request for this batch is about to leave (before it leaves).

        Returns once the row is durable (see the module docstring on group commit).
        """
        self._write(
            "UPDATE batches SET state=?, attempts=?, sent_at=?, error=NULL "
            "WHERE campaign_id=? AND batch_no=?",
            (IN_FLIGHT, attempts, time.time(), campaign_id, batch_no),
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
    ) -> None:
        """Record how a batch ended: answered, failed (never charged) or unknown (durable)."""
        if state not in (ANSWERED, FAILED, UNKNOWN, PENDING):
            raise ValueError(f"cannot finish a batch as {state!r}")
        self._write(
            "UPDATE batches SET state=?, attempts=?, http_status=?, api_status=?, "
            "api_reason=?, response=?, error=?, finished_at=? "
            "WHERE campaign_id=? AND batch_no=?",
            (
                state,
                attempts,
                http_status,
                api_status,
                api_reason,
                response,
                error,
                time.time(),
                campaign_id,
                batch_no,
            ),
        )

    def reset_unknown(self, campaign_id: str) -> int:
        """Make unknown batches pending again (``resend_unknown=True``); returns how many."""
        with self._tx() as db:
            return db.execute(
                "UPDATE batches SET state=? WHERE campaign_id=? AND state=?",
                (PENDING, campaign_id, UNKNOWN),
            ).rowcount

    # -- call records -------------------------------------------------------------------------

    def call_records(
        self, voice_ids: Sequence[str]
    ) -> dict[str, tuple[dict[str, Any] | None, bool]]:
        """Stored call records for these voiceIds: ``{voice_id: (raw record or None, final)}``."""
        out: dict[str, tuple[dict[str, Any] | None, bool]] = {}
        ids = list(voice_ids)
        with self._lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for voice_id, record, final in self._db.execute(
                    f"SELECT voice_id, record, final FROM call_records WHERE voice_id IN ({marks})",
                    chunk,
                ):
                    out[voice_id] = (None if record is None else json.loads(record), bool(final))
        return out

    def store_call_records(self, rows: Sequence[tuple[str, dict[str, Any] | None, bool]]) -> None:
        """Store raw call records: ``(voice_id, raw record or None, final)``."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "INSERT OR REPLACE INTO call_records VALUES (?,?,?,?)",
                (
                    (v, None if r is None else json.dumps(r), int(final), now)
                    for v, r, final in rows
                ),
            )
