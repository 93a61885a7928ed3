"""Every Python block of the README runs as written, in order, against the sandbox."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

import itnivoice_nb as iv

README = Path(__file__).resolve().parents[1] / "README.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_every_python_block_of_the_readme_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = blocks()
    assert len(code) >= 7
    monkeypatch.chdir(tmp_path)
    (tmp_path / "greeting.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    with iv.Sandbox(reject_share=0.05, answer_share=0.7) as sb:
        # "against the real API": the environment's credentials, here the sandbox's
        monkeypatch.setenv("ITNIOTECH_API_KEY", sb.api_key)
        monkeypatch.setenv("ITNIOTECH_API_SECRET", sb.api_secret)
        monkeypatch.setenv("ITNIOTECH_BASE_URL", sb.base_url)
        namespace: dict[str, object] = {}
        for number, block in enumerate(code, start=1):
            try:
                exec(compile(block, f"README block {number}", "exec"), namespace)
            except Exception as err:  # name the block that failed
                raise AssertionError(f"README block {number} failed: {err!r}\n{block}") from err
            plt.close("all")
    assert (tmp_path / "report.html").is_file() and (tmp_path / "campaign.xlsx").is_file()
    assert namespace["results"] is not None
