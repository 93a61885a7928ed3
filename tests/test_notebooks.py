"""The example notebooks run top to bottom with a real kernel, offline and without credentials.

Each notebook is executed by nbclient with the ``python3`` kernel of this virtual environment,
in a temporary working directory, with its own journal (`ITNIOTECH_JOURNAL`) and every other
``ITNIOTECH_*`` variable removed: only the local sandbox on 127.0.0.1 can answer.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NAMES = (
    "01_quickstart.ipynb",
    "02_send_form.ipynb",
    "03_reporting_with_call_records.ipynb",
    "04_campaigns.ipynb",
)
CELL_TIMEOUT = 300

pytestmark = [pytest.mark.notebook, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The kernel inherits this environment: no credentials, no API address, plain matplotlib,
    and a journal of its own (never the user's)."""
    for name in list(os.environ):
        if name.startswith("ITNIOTECH_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ITNIOTECH_JOURNAL", str(tmp_path / "kernel-journal.sqlite"))
    monkeypatch.delenv("MPLBACKEND", raising=False)


@pytest.fixture(scope="module")
def kernel_name() -> str:
    """"python3", after checking that it starts this virtual environment's interpreter.

    A ``python3`` kernelspec installed elsewhere (user or system) could point at another Python
    without this package; ``python -m ipykernel install --sys-prefix`` fixes that.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    program = spec.argv[0]
    if program not in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        assert Path(program).resolve() == Path(sys.executable).resolve(), (
            f"the python3 kernelspec in {spec.resource_dir} starts {program}, not this "
            f"environment's {sys.executable}; run `{sys.executable} -m ipykernel install "
            "--sys-prefix`"
        )
    return "python3"


def execute(name: str, kernel: str, workdir: Path) -> Any:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=CELL_TIMEOUT,
        startup_timeout=120,
        allow_errors=False,
        resources={"metadata": {"path": str(workdir)}},
    )
    client.execute()
    return nb


def outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def text(nb: Any) -> str:
    """Every stream and text/plain output of the notebook, as one string."""
    parts = []
    for out in outputs(nb):
        if out.output_type == "stream":
            parts.append(out.text)
        elif "data" in out:
            parts.append(str(out.data.get("text/plain", "")))
            parts.append(str(out.data.get("text/html", "")))
    return "\n".join(parts)


def assert_clean(nb: Any) -> None:
    errors = [out for out in outputs(nb) if out.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    assert "Traceback" not in text(nb)


def images(nb: Any) -> int:
    return sum("image/png" in out.get("data", {}) for out in outputs(nb))


# --------------------------------------------------------------------------- the files


@pytest.mark.parametrize("name", NAMES)
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{name} has outputs; run `make notebooks-clean` before committing"
            )
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_every_notebook_is_tested() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


# --------------------------------------------------------------------------- execution


def test_quickstart_runs_and_prints_the_outcome_counts(kernel_name: str, tmp_path: Path) -> None:
    nb = execute("01_quickstart.ipynb", kernel_name, tmp_path)
    assert_clean(nb)
    said = text(nb)
    assert "Outcome counts:" in said
    for outcome in ("submitted", "invalid", "duplicate"):
        assert outcome in said
    assert "the sandbox received" in said
    assert images(nb) >= 1, "the outcome chart"
    assert "Call 93 numbers in 19 requests on the SANDBOX" in said, "the plan, in words"
    journal = tmp_path / "kernel-journal.sqlite"
    assert journal.is_file(), "the journal the environment names (one per user)"
    assert not (tmp_path / ".itnivoice").exists()


def test_send_form_notebook_displays_the_form(kernel_name: str, tmp_path: Path) -> None:
    nb = execute("02_send_form.ipynb", kernel_name, tmp_path)
    assert_clean(nb)
    widget_outputs = [
        out for out in outputs(nb)
        if "application/vnd.jupyter.widget-view+json" in out.get("data", {})
    ]
    assert len(widget_outputs) == 1, "the form, displayed once"
    assert widget_outputs[0].data["text/plain"] == (
        "<SendForm: 16 rows, column='phone', sandbox>"
    )


def test_reporting_notebook_shows_records_and_every_chart(kernel_name: str, tmp_path: Path) -> None:
    nb = execute("03_reporting_with_call_records.ipynb", kernel_name, tmp_path)
    assert_clean(nb)
    said = text(nb)
    assert "fileId: " in said and ".wav" in said
    for line in ("answered share:", "mean duration of answered calls:", "total cost:",
                 "report written: report.html"):
        assert line in said
    assert "submitted" in said and "segment" in said
    assert images(nb) >= 8, "seven charts and the report figure"


def test_campaigns_notebook_walks_through_every_capability(
    kernel_name: str, tmp_path: Path
) -> None:
    nb = execute("04_campaigns.ipynb", kernel_name, tmp_path)
    assert_clean(nb)
    said = text(nb)
    for line in ("deferred 3, excluded 1", "Calling hours 09:00–20:00", "Cost at most",
                 "charged per number (the sandbox's own count): [1, 1, 1, 1, 1, 1]",
                 "reminder · follow-up 1", "running the same follow-up again made 0 request(s)",
                 "refused: the calls could cost up to"):
        assert line in said, line
    assert images(nb) >= 2, "the funnel and the responses"
