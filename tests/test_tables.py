"""Reading recipients files as people save them: separators, BOM, latin-1; the CLI's guess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb._tables import read_table

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_the_separator_is_detected(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "list.csv"
    amount = '"1,5"' if sep == "," else "1,5"  # as a spreadsheet quotes it
    path.write_text(sep.join(["name", "phone", "amount"]) + "\n"
                    + sep.join(["Asha", "+91 85632 14120", amount]) + "\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["name", "phone", "amount"]
    assert df["phone"].tolist() == ["+91 85632 14120"]


def test_a_bom_and_a_latin1_file(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffphone;name\n0091 856 321 4121;Zoë\n".encode())
    assert read_table(bom).columns.tolist() == ["phone", "name"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("phone;name\n0091 856 321 4121;Zoë Müller\n".encode("cp1252"))
    assert read_table(latin)["name"].tolist() == ["Zoë Müller"]


def test_cells_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("phone,id\n00918563214120,007\n", encoding="utf-8")
    df = read_table(path)
    assert df.iloc[0].tolist() == ["00918563214120", "007"]


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown file type '.json'"):
        read_table(b"{}", "list.json")


def test_the_cli_guesses_the_phone_column_and_reads_semicolons(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    csv.write_bytes("Name;Mobile No\nAsha;+91 85632 14120\nBen;12\n".encode("cp1252"))
    with iv.Sandbox(reject_share=0) as sb:
        env = {"ITNIOTECH_API_KEY": sb.api_key, "ITNIOTECH_API_SECRET": sb.api_secret,
               "ITNIOTECH_BASE_URL": sb.base_url}
        import os

        out = subprocess.run(
            [sys.executable, "-m", "itnivoice_nb", "send", str(csv), "--app-id", "a",
             "--file-id", "f.mp3", "--journal", str(tmp_path / "j"), "--output",
             str(tmp_path / "res.csv"), "--no-progress"],
            capture_output=True, text=True, timeout=120, cwd=ROOT, env={**os.environ, **env},
        )
        assert out.returncode == 0, out.stderr
        assert set(sb.charges) == {"918563214120"}
    assert "phone column: Mobile No (guessed" in out.stdout
    assert pd.read_csv(tmp_path / "res.csv")["outcome"].tolist() == ["submitted", "invalid"]
