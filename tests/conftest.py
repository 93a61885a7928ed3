"""Shared test setup: a non-interactive matplotlib backend, and no figure left open."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from collections.abc import Iterator

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close every pyplot figure a test opened, so figures never pile up across tests."""
    yield
    plt.close("all")
