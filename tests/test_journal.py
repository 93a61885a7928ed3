"""Journal: states, file permissions, no secret, recovery of in-flight batches."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from itnivoice_nb import journal as j
from itnivoice_nb.errors import ItniotechError

NUMBERS = [f"9185632{i:05d}" for i in range(450)]


def open_it(book: j.Journal, cid: str = "c1") -> j.Opened:
    return book.open_campaign(
        cid,
        label=None,
        api_key="key",
        base_url="http://127.0.0.1/voice",
        message={"appId": "a"},
        numbers=NUMBERS,
        batch_size=200,
    )


def test_batches_planned_in_order(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    opened = open_it(book)
    assert opened.created and opened.recovered_unknown == 0
    batches = book.batches("c1")
    assert [b.batch_no for b in batches] == [1, 2, 3]
    assert [len(b.callees) for b in batches] == [200, 200, 50]
    assert [n for b in batches for n in b.callees] == NUMBERS
    assert {b.state for b in batches} == {j.PENDING}
    book.release("c1")


def test_file_is_owner_only_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "j.sqlite"
    book = j.Journal(path)
    mode = stat.S_IMODE(os.stat(path).st_mode)
    assert mode == 0o600
    assert book._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert book._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_states_round_trip(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    open_it(book)
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
    )
    b = book.batches("c1")[0]
    assert (b.state, b.attempts, b.http_status, b.api_status, b.response) == (
        j.ANSWERED,
        1,
        200,
        "0",
        '{"status":"0"}',
    )
    with pytest.raises(ValueError):
        book.finish("c1", 2, state=j.IN_FLIGHT, attempts=1)
    book.release("c1")


def test_reopen_finds_campaign_and_in_flight_becomes_unknown(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    book = j.Journal(path)
    open_it(book)
    book.mark_in_flight("c1", 2, attempts=1)
    book.release("c1")
    book.close()
    again = j.Journal(path)
    opened = open_it(again)
    assert not opened.created and opened.recovered_unknown == 1
    states = [b.state for b in again.batches("c1")]
    assert states == [j.PENDING, j.UNKNOWN, j.PENDING]
    assert "may have been charged" in (again.batches("c1")[1].error or "")
    assert again.reset_unknown("c1") == 1
    again.release("c1")


def test_same_campaign_twice_in_one_process_is_refused(tmp_path: Path) -> None:
    book = j.Journal(tmp_path / "j.sqlite")
    open_it(book)
    with pytest.raises(ItniotechError, match="being sent right now"):
        open_it(book)
    book.release("c1")
    open_it(book)
    book.release("c1")


def test_live_other_process_owning_campaign_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    code = (
        f"import sys, time; sys.path.insert(0, {str(Path(__file__).parents[1])!r})\n"
        "from itnivoice_nb import journal as j\n"
        f"b = j.Journal({str(path)!r})\n"
        "b.open_campaign('c1', label=None, api_key='k', base_url='u', message={}, "
        "numbers=['1234567'], batch_size=200)\n"
        "print('ready', flush=True); time.sleep(30)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        book = j.Journal(path)
        with pytest.raises(ItniotechError, match=f"process {proc.pid}"):
            book.open_campaign(
                "c1",
                label=None,
                api_key="k",
                base_url="u",
                message={},
                numbers=["1234567"],
                batch_size=200,
            )
    finally:
        proc.kill()
        proc.wait()
    book.open_campaign(
        "c1", label=None, api_key="k", base_url="u", message={}, numbers=["1234567"], batch_size=200
    )
    book.release("c1")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(ItniotechError, match="cannot be opened as SQLite"):
        j.Journal(path)


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
        book.open_campaign("c1", label=None, api_key="k", base_url="u", message={},
                           numbers=["1234567"], batch_size=200)
        del book
