"""Every test and docstring example gets its own journal: nothing touches a user's real ledger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _own_journal(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point ``$ITNIOTECH_JOURNAL`` at a fresh file for each test (the default journal)."""
    path = tmp_path_factory.mktemp("journal") / "journal.sqlite"
    monkeypatch.setenv("ITNIOTECH_JOURNAL", str(path))
    yield path
