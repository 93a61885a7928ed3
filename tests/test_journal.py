"""Journal: states, file permissions, no secret, recovery, the ledger, migration, failures."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import itnivoice_nb as iv
from itnivoice_nb import _journal as j
from itnivoice_nb._errors import ItniotechError

NUMBERS = [f"9185632{i:05d}" for i in range(450)]
ACCOUNT = j.Account("key", "http://loopback/voice", "a", "f.mp3")


def claim(
    book: j.Journal,
    cid: str = "c1",
    numbers: list[str] | None = None,
    account: j.Account = ACCOUNT,
    **kwargs: object,
) -> j.Claimed:
    return book.claim(
        cid,
        label=None,
        account=account,
        message={"appId": account.app_id},
        numbers=NUMBERS if numbers is None else numbers,
        batch_size=200,
        **kwargs,  # type: ignore[arg-type]
    )


def test_batches_planned_in_order(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claimed = claim(book)
    assert claimed.created and claimed.recovered_unknown == 0
    batches = book.batches("c1")
    assert [b.batch_no for b in batches] == [1, 2, 3]
    assert [len(b.callees) for b in batches] == [200, 200, 50]
    assert [n for b in batches for n in b.callees] == NUMBERS
    assert {b.state for b in batches} == {j.PENDING}
    book.release("c1")


def test_file_is_owner_only_and_wal_and_versioned(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "j.sqlite"
    book = j.Journal(path)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o600
    assert book.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert book.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert book.db.execute("PRAGMA user_version").fetchone()[0] == j.SCHEMA_VERSION


def test_context_manager_closes(tmp_path: Path) -> None:
    with j.Journal(tmp_path / "j.sqlite") as book:
        claim(book)
        book.release("c1")
    with pytest.raises(iv.JournalError, match="closed"):
        book.batches("c1")


def test_states_round_trip(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claim(book)
    book.mark_in_flight("c1", 1, attempts=1)
    assert book.batches("c1")[0].state == j.IN_FLIGHT
    book.finish(
        "c1",
        1,
        state=j.ANSWERED,
        attempts=1,
        http_status=200,
        api_status="0",
        api_reason="success",
        response='{"status":"0"}',
        numbers={j.SUBMITTED: NUMBERS[:199], j.REJECTED: NUMBERS[199:200]},
    )
    b = book.batches("c1")[0]
    assert (b.state, b.attempts, b.http_status, b.api_status, b.response) == (
        j.ANSWERED,
        1,
        200,
        "0",
        '{"status":"0"}',
    )
    states = dict(book.db.execute("SELECT state, COUNT(*) FROM ledger GROUP BY state").fetchall())
    assert states == {j.SUBMITTED: 199, j.REJECTED: 1, j.CLAIMED: 250}
    with pytest.raises(ValueError):
        book.finish("c1", 2, state=j.IN_FLIGHT, attempts=1)
    book.release("c1")


def test_reclaim_finds_campaign_and_in_flight_becomes_unknown(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    book = j.Journal(path)
    claim(book)
    book.mark_in_flight("c1", 2, attempts=1)
    book.release("c1")
    book.close()
    again = j.Journal(path)
    claimed = claim(again)
    assert not claimed.created and claimed.recovered_unknown == 1
    states = [b.state for b in again.batches("c1")]
    assert states == [j.PENDING, j.UNKNOWN, j.PENDING]
    assert "may have been charged" in (again.batches("c1")[1].error or "")
    again.release("c1")
    reset = claim(again, resend_unknown=True)
    assert reset.reset_unknown == 1
    assert [b.state for b in again.batches("c1")] == [j.PENDING] * 3
    again.release("c1")


def test_a_number_held_by_one_campaign_is_yielded_by_another(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claim(book, "c1", NUMBERS[:300])
    book.release("c1")
    other = claim(book, "c2", NUMBERS[200:])
    assert set(other.yielded) == set(NUMBERS[200:300])
    assert all("campaign #c1" in why and "not finished" in why for why in other.yielded.values())
    assert [n for b in book.batches("c2") for n in b.callees] == NUMBERS[300:]
    assert book.yielded("c2") == other.yielded
    # another audio file of the same account is another ledger key: nothing held
    other_audio = j.Account("key", ACCOUNT.base_url, "a", "g.mp3")
    third = claim(book, "c3", NUMBERS[:10], account=other_audio)
    assert third.yielded == {}
    # allow_repeat: nothing is held
    fourth = claim(book, "c4", NUMBERS[:10], allow_repeat=True)
    assert fourth.yielded == {}


def test_failed_and_rejected_numbers_do_not_hold(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claim(book, "c1", NUMBERS[:10])
    book.finish("c1", 1, state=j.FAILED, attempts=1,
                numbers={j.FAILED: NUMBERS[:5], j.REJECTED: NUMBERS[5:10]})
    book.release("c1")
    assert claim(book, "c2", NUMBERS[:10]).yielded == {}


def test_held_respects_since(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claim(book, "c1", NUMBERS[:5])
    assert set(book.held(ACCOUNT, NUMBERS[:6])) == set(NUMBERS[:5])
    assert book.held(ACCOUNT, NUMBERS[:6], since=2e9) == {}


def test_same_campaign_twice_in_one_process_is_refused(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    claim(book)
    with pytest.raises(ItniotechError, match="being sent right now"):
        claim(book)
    book.release("c1")
    claim(book)
    book.release("c1")


def test_live_other_process_owning_campaign_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    code = (
        f"import sys, time; sys.path.insert(0, {str(Path(__file__).parents[1])!r})\n"
        "from itnivoice_nb import _journal as j\n"
        f"b = j.Journal({str(path)!r})\n"
        "b.claim('c1', label=None, account=j.Account('k', 'u', 'a', 'f'), message={}, "
        "numbers=['1234567'], batch_size=200)\n"
        "print('ready', flush=True); time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    account = j.Account("k", "u", "a", "f")
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        book = j.Journal(path)
        with pytest.raises(ItniotechError, match=f"process {proc.pid}"):
            claim(book, "c1", ["1234567"], account=account)
    finally:
        proc.kill()
        proc.wait()
    claim(book, "c1", ["1234567"], account=account)
    book.release("c1")


def test_not_a_database_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(iv.JournalError, match="cannot be used as SQLite.*move the file aside"):
        j.Journal(path)


def test_a_directory_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "dir"
    folder.mkdir(mode=0o755)
    before = stat.S_IMODE(os.stat(folder).st_mode)
    with pytest.raises(iv.JournalError, match="is a directory"):
        j.Journal(folder)
    assert stat.S_IMODE(os.stat(folder).st_mode) == before
    assert list(folder.iterdir()) == []


def test_zero_filled_tail_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with j.Journal(path) as book:
        claim(book)
        book.release("c1")
    for extra in (path.with_name("j.sqlite-wal"), path.with_name("j.sqlite-shm")):
        extra.unlink(missing_ok=True)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # the tail of the file zeroed, as after a bad crash
        handle.seek(size // 4)
        handle.write(b"\0" * (size - size // 4))
    with pytest.raises(iv.JournalError, match="journal"):
        book = j.Journal(path)
        book.batches("c1")
        claim(book)


def test_call_records_store(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    book.store_call_records([("v1", {"voiceId": "v1"}, True), ("v2", None, False)])
    got = book.call_records(["v1", "v2", "v3"])
    assert got == {"v1": ({"voiceId": "v1"}, True), "v2": (None, False)}


def test_in_memory_journals_never_share_a_name() -> None:
    # A campaign left open in a freed in-memory journal must not block a new journal that
    # happens to reuse the freed object's address.
    for _ in range(200):
        book = j.Journal(None)
        claim(book, "c1", ["1234567"])
        del book


def test_default_path_from_environment_or_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ITNIOTECH_JOURNAL", str(tmp_path / "mine.sqlite"))
    assert j.default_path() == tmp_path / "mine.sqlite"
    monkeypatch.delenv("ITNIOTECH_JOURNAL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert j.default_path() == tmp_path / "data" / "itnivoice_nb" / "journal.sqlite"


V1_SCHEMA = """
CREATE TABLE campaigns (campaign_id TEXT PRIMARY KEY, label TEXT, api_key TEXT NOT NULL,
    base_url TEXT NOT NULL, message TEXT NOT NULL, n_numbers INTEGER NOT NULL,
    n_batches INTEGER NOT NULL, created_at REAL NOT NULL, owner_host TEXT, owner_pid INTEGER);
CREATE TABLE batches (campaign_id TEXT NOT NULL, batch_no INTEGER NOT NULL, numbers TEXT NOT NULL,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, http_status INTEGER,
    api_status TEXT, api_reason TEXT, response TEXT, error TEXT, sent_at REAL, finished_at REAL,
    PRIMARY KEY (campaign_id, batch_no));
CREATE TABLE call_records (voice_id TEXT PRIMARY KEY, record TEXT, final INTEGER NOT NULL,
    fetched_at REAL NOT NULL);
"""


def test_a_journal_of_the_previous_version_is_migrated_into_the_ledger(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.executescript(V1_SCHEMA)
    message = json.dumps({"appId": "a", "fileId": "f.mp3", "calledInfo": "old"})
    db.execute(
        "INSERT INTO campaigns VALUES ('old1', 'spring', 'key', 'http://localhost:8765/voice/', "
        "?, 3, 2, 1700000000, 'h', 1)",
        (message,),
    )
    db.execute("INSERT INTO batches (campaign_id, batch_no, numbers, state) VALUES "
               "('old1', 1, '918563214120,918563214121', 'answered')")
    db.execute("INSERT INTO batches (campaign_id, batch_no, numbers, state) VALUES "
               "('old1', 2, '918563214122', 'failed')")
    db.commit()
    db.close()
    with j.Journal(path) as book:
        assert book.db.execute("PRAGMA user_version").fetchone()[0] == j.SCHEMA_VERSION
        account = j.Account("key", "http://loopback:8765/voice", "a", "f.mp3")
        held = book.held(account, ["918563214120", "918563214121", "918563214122"])
        assert set(held) == {"918563214120", "918563214121"}
        assert "campaign 'spring'" in held["918563214120"]
    with j.Journal(path) as book:  # opening again changes nothing
        rows = book.db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
        assert rows == 3
