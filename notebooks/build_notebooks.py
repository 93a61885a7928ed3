"""Write the example notebooks from the cell sources below, without outputs.

Edit the cells here, then run ``.venv/bin/python notebooks/build_notebooks.py``; the ``.ipynb``
files are generated, so they stay small, reviewable and free of outputs. ``--check`` exits with
status 1 when a notebook on disk differs from what this script would write (for CI).

Every notebook runs top to bottom offline, without credentials, against the local sandbox;
``tests/test_notebooks.py`` executes them with a real kernel.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

Cell = tuple[str, str]  # ("md" | "code", source)


def md(source: str) -> Cell:
    return ("md", source.strip("\n"))


def code(source: str) -> Cell:
    return ("code", source.strip("\n"))


QUICKSTART: list[Cell] = [
    md("""
# Quickstart: prepare, send to the sandbox, look at the results

This notebook sends a recorded voice message to a small, messy list of phone numbers through
the **sandbox**: a local emulation of the Itniotech voice API on this machine. Nothing leaves
the machine, no credentials are needed, and nobody is called.

To send for real, set `ITNIOTECH_API_KEY` and `ITNIOTECH_API_SECRET` in the environment and
leave out `client=` (see the README).
"""),
    code("""
from importlib import resources

import pandas as pd

import itnivoice_nb as iv

sample = resources.files("itnivoice_nb") / "data" / "sample_recipients.csv"
with resources.as_file(sample) as path:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
df
"""),
    md("""
## 1 · Prepare: which rows would be refused, and why

`iv.prepare` normalises every number to digits (country code + number) and gives a reason for
every row it refuses. It changes nothing in `df`.
"""),
    code("""
checked = iv.prepare(df, column="phone")
print(f"{int(checked['valid'].sum())} valid, {int((~checked['valid']).sum())} invalid, "
      f"{int(checked['duplicate'].sum())} duplicate")
refused = ~checked["valid"] | checked["duplicate"]
checked.loc[refused, ["name", "phone", "invalid_reason", "duplicate"]]
"""),
    md("""
## 2 · The message

`iv.VoiceMessage` checks every field against the API's limits when it is built.
"""),
    code("""
msg = iv.VoiceMessage(
    app_id="4luaKsL2",
    file_id="12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
    display_num="1008122211",
    max_duration=50,
    loop_count=2,
    called_info="quickstart",
)
msg
"""),
    md("""
## 3 · Plan, then send, to the sandbox

`iv.Sandbox()` starts the local emulation; `sb.client()` is a client signed with its
credentials. `iv.plan(...)` is a snapshot of what a send would do — the numbers to call, the
requests, the rows left out and why — and `plan.send()` sends exactly that. Every number sent is
recorded in your journal's ledger (one per user), so a number this account already called with
this audio is not called again by accident (`already_called`). Each sandbox is a new account
(its own address), so running this notebook again sends again.
"""),
    code("""
with iv.Sandbox(seed=0) as sb:
    plan = iv.plan(df, msg, column="phone", client=sb.client(), campaign="quickstart",
                   batch_size=5)
    print(plan)
    results = plan.send()
    print(f"the sandbox received {len(sb.requests)} requests")

print("Outcome counts:")
print(results["outcome"].value_counts().to_string())
"""),
    md("""
## 4 · Look at the results

One row per input row, in the same order, with your columns and an `outcome` for every row.
"""),
    code("""
results[["name", "phone", "number", "outcome", "outcome_reason"]]
"""),
    code("""
iv.summary(results)
"""),
    code("""
iv.plot_outcomes(results);
"""),
    code("""
iv.summary(results, by="segment")[["rows", "submitted", "submitted_share", "invalid"]]
"""),
]


SEND_FORM: list[Cell] = [
    md("""
# The send form

Fill in the message, click **Check**, then **Send…** and confirm. With no `ITNIOTECH_API_KEY` /
`ITNIOTECH_API_SECRET` in the environment the **sandbox** switch is on: everything runs against
a local emulation of the API, nobody is called and nothing is charged.

After a send, `form.results` holds the results DataFrame for the next cell.

This notebook also serves as a small app: `voila notebooks/02_send_form.ipynb`.
"""),
    code("""
import pandas as pd

import itnivoice_nb as iv

# A small, messy list, as sheets really are: separators, prefixes, a duplicate, bad cells.
df = pd.DataFrame(
    {
        "name": ["Asha", "Ben", "Chen", "Dalia", "Emre", "Fatima", "Goran", "Hana",
                 "Ivan", "Jia", "Kofi", "Lena", "Mia", "Nadia", "Omar", "Priya"],
        "segment": ["retail", "wholesale", "vip", "retail", "wholesale", "vip", "retail",
                    "wholesale", "vip", "retail", "wholesale", "vip", "retail",
                    "wholesale", "vip", "retail"],
        "phone": ["+91 85632 14120", "0091-856-321-4121", "(91) 856.321.4122",
                  "91 856 321 4123", "+1 (856) 321-4129", "+44 20 7946 0130",
                  "+49 30 901820 31", "+234 803 555 0132", "918563214127.0",
                  "+971 50 123 4567", "+91 85632 14120", "12345", "call me later",
                  "91856321412, 91856321300", None, "+61 2 9374 4000"],
    }
)
df
"""),
    code("""
form = iv.send_form(df)
form
"""),
    md("""
When the send has finished, the results are in `form.results`, e.g.
`iv.summary(form.results)` or `form.results.to_csv("results.csv", index=False)`.
"""),
]


REPORTING: list[Cell] = [
    md("""
# Reporting, with call records

A sandbox campaign of a few thousand synthetic numbers in three segments, then the call
records (was each call answered, for how long, at what cost), the summaries and every chart.
Offline, no credentials.
"""),
    code("""
import math
import struct
import tempfile
import wave
from pathlib import Path

import numpy as np
import pandas as pd

import itnivoice_nb as iv

rng = np.random.default_rng(7)
n = 3000
countries = {"91": 10, "1": 10, "44": 10, "234": 10, "971": 9}  # calling code: national digits
codes = rng.choice(list(countries), size=n, p=[0.55, 0.15, 0.12, 0.1, 0.08])
phones = [
    f"+{cc} " + "".join(map(str, rng.integers(1, 10, size=countries[cc]))) for cc in codes
]
df = pd.DataFrame(
    {
        "customer": [f"C{i:05d}" for i in range(n)],
        "segment": rng.choice(["retail", "wholesale", "vip"], size=n, p=[0.6, 0.3, 0.1]),
        "phone": phones,
    }
)
# Some of what real lists hold: bad cells and repeated numbers.
df.loc[rng.choice(n, 40, replace=False), "phone"] = "n/a"
df.loc[rng.choice(n, 30, replace=False), "phone"] = df["phone"].iloc[:30].to_numpy()
df.head()
"""),
    md("""
## The audio

A one-second tone written with the standard `wave` module, uploaded with `client.upload_audio`;
its fileId goes into the message.
"""),
    code("""
audio = Path(tempfile.mkdtemp()) / "tone-440.wav"
rate = 8000
with wave.open(str(audio), "wb") as out:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(rate)
    out.writeframes(b"".join(
        struct.pack("<h", int(12000 * math.sin(2 * math.pi * 440 * i / rate)))
        for i in range(rate)
    ))

sb = iv.Sandbox(seed=3, reject_share=0.05, answer_share=0.7).start()
client = sb.client()
file_id = client.upload_audio(audio)
print("fileId:", file_id)
"""),
    code("""
msg = iv.VoiceMessage(app_id="4luaKsL2", file_id=file_id, max_duration=60, loop_count=2,
                      called_info="spring offer")
results = iv.send(df, msg, column="phone", client=client, campaign="reporting")
print(results["outcome"].value_counts().to_string())
"""),
    md("""
## Call records

`iv.call_outcomes` fetches the record of every submitted call and joins it on, row for row.
"""),
    code("""
calls = iv.call_outcomes(results, client=client)
calls[["customer", "segment", "outcome", "answered", "call_duration", "cost"]].head(10)
"""),
    code("""
total = iv.summary(calls).loc["total"]
print(f"answered share: {total['answered_share']:.1%} of submitted calls")
print(f"mean duration of answered calls: {total['mean_call_duration_s']:.1f} s")
print(f"total cost: {total['total_cost']:.2f}")
"""),
    code("""
iv.summary(calls, by="segment")
"""),
    md("""
## Every chart
"""),
    code("""
iv.plot_outcomes(calls, by="segment");
"""),
    code("""
iv.plot_failure_reasons(calls);
"""),
    code("""
iv.plot_by_country(calls);
"""),
    code("""
iv.plot_timeline(calls);
"""),
    code("""
iv.plot_call_results(calls);
"""),
    code("""
iv.plot_durations(calls);
"""),
    code("""
iv.plot_cost(calls, by="segment");
"""),
    md("""
## One figure, and a report file

`iv.report` draws the overview; `iv.save_report` writes it (PNG, SVG, PDF, or one
self-contained HTML page with the summary table).
"""),
    code("""
iv.report(calls, by="segment")
"""),
    code("""
report_dir = Path(tempfile.mkdtemp())
saved = iv.save_report(calls, report_dir / "report.html", by="segment")
print(f"report written: {saved.name} ({saved.stat().st_size / 1024:,.0f} kB)")
"""),
    code("""
sb.stop()
"""),
]


NOTEBOOKS: dict[str, list[Cell]] = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_send_form.ipynb": SEND_FORM,
    "03_reporting_with_call_records.ipynb": REPORTING,
}


def build(cells: list[Cell]) -> nbformat.NotebookNode:
    """A notebook of ``cells``, with no outputs and fixed cell ids (stable diffs)."""
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python",
                       "name": "python3"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(cells):
        cell = new_markdown_cell(source) if kind == "md" else new_code_cell(source)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(cells: list[Cell]) -> str:
    return nbformat.writes(build(cells)) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only check that the notebooks on disk are up to date")
    args = parser.parse_args(argv)
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / name
        text = render(cells)
        if args.check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run notebooks/build_notebooks.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
