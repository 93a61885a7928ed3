"""The command line: demo, sandbox and send, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import itnivoice_nb as iv
from itnivoice_nb._cli import main

ROOT = Path(__file__).parents[1]


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "itnivoice_nb", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def test_demo_prints_counts_and_writes_results(tmp_path: Path) -> None:
    out = run("demo", "--output-dir", str(tmp_path / "demo"), "--no-progress")
    assert out.returncode == 0, out.stderr
    assert "sendGroup requests" in out.stdout
    for outcome in iv.OUTCOMES:
        assert outcome in out.stdout
    results = pd.read_csv(tmp_path / "demo" / "results.csv", dtype=str)
    assert len(results) == 100
    assert {"submitted", "invalid", "duplicate"} <= set(results["outcome"])
    # no full phone number and no secret in what the demo prints
    assert "sandbox-secret" not in out.stdout + out.stderr


def test_send_against_a_sandbox_with_environment_credentials(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    pd.DataFrame(
        {"mobile": ["+91 85632 14120", "0044 20 7946 0958", "12"], "name": list("abc")}
    ).to_csv(csv, index=False)
    with iv.Sandbox(api_key="cli-key", api_secret="cli-secret", reject_share=0) as sb:
        env = {
            "ITNIOTECH_API_KEY": "cli-key",
            "ITNIOTECH_API_SECRET": "cli-secret",
            "ITNIOTECH_BASE_URL": sb.base_url,
        }
        out = run(
            "send",
            str(csv),
            "--column",
            "mobile",
            "--app-id",
            "4luaKsL2",
            "--file-id",
            "f.mp3",
            "--max-duration",
            "30",
            "--journal",
            str(tmp_path / "j.sqlite"),
            "--output",
            str(tmp_path / "res.csv"),
            "--no-progress",
            env=env,
        )
        assert out.returncode == 0, out.stderr
        assert len(sb.requests) == 1
    res = pd.read_csv(tmp_path / "res.csv", dtype=str)
    assert res["outcome"].tolist() == ["submitted", "submitted", "invalid"]
    assert "cli-secret" not in out.stdout + out.stderr


def test_send_dry_run_needs_no_credentials(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    pd.DataFrame({"phone": ["918563214120"]}).to_csv(csv, index=False)
    env = {"ITNIOTECH_API_KEY": "", "ITNIOTECH_API_SECRET": ""}
    out = run(
        "send",
        str(csv),
        "--app-id",
        "a",
        "--file-id",
        "f.mp3",
        "--dry-run",
        "--output",
        str(tmp_path / "r.csv"),
        "--no-progress",
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert pd.read_csv(tmp_path / "r.csv")["outcome"].tolist() == ["not_sent"]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["send", "x.csv"], "required: --app-id"),
        (["send", "missing.csv", "--app-id", "a", "--file-id", "f"], "not found"),
        (["send", "README.md", "--app-id", "a", "--file-id", "f"], "unknown file type"),
        (["send", "x.csv", "--app-id", "a", "--file-id", "f", "--loop-count", "x"], "invalid int"),
        (["bogus"], "invalid choice"),
    ],
)
def test_bad_options_give_one_line_errors(args: list[str], fragment: str) -> None:
    out = run(*args)
    assert out.returncode != 0
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in out.stderr


def test_bad_message_field_is_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    pd.DataFrame({"phone": ["918563214120"]}).to_csv(csv, index=False)
    out = run("send", str(csv), "--app-id", "a", "--file-id", "f", "--loop-count", "7", "--dry-run")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "itnivoice: error: loop_count: 7 is out of range; allowed: a whole number from 1 to 3 "
        "or None"
    ]


def test_help_documents_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["send", "--help"])
    text = capsys.readouterr().out
    for option in (
        "--column",
        "--app-id",
        "--file-id",
        "--display-num",
        "--max-duration",
        "--loop-count",
        "--called-info",
        "--default-region",
        "--strict",
        "--batch-size",
        "--dry-run",
        "--journal",
        "--campaign",
        "--resend-unknown",
        "--concurrency",
        "--rate-limit",
        "--check-balance",
        "--output",
    ):
        assert option in text


def test_sandbox_command_prints_url_and_serves() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "itnivoice_nb", "sandbox", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert any(f"http://127.0.0.1:{port}/voice" in line for line in lines)
        client = iv.VoiceClient(
            api_key="sandbox-key",
            api_secret="sandbox-secret",
            base_url=f"http://127.0.0.1:{port}/voice",
        )
        assert client.balance()["balance"] > 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode is not None


def send_args(csv: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["send", str(csv), "--app-id", "4luaKsL2", "--file-id", "f.mp3", "--journal",
            str(tmp_path / "j.sqlite"), "--output", str(tmp_path / "res.csv"), "--no-progress",
            *extra]


def people_csv(tmp_path: Path, n: int = 3) -> Path:
    csv = tmp_path / "people.csv"
    pd.DataFrame({"phone": [f"+91 98{i:08d}" for i in range(n)]}).to_csv(csv, index=False)
    return csv


def sandbox_env(sb: iv.Sandbox) -> dict[str, str]:
    return {"ITNIOTECH_API_KEY": sb.api_key, "ITNIOTECH_API_SECRET": sb.api_secret,
            "ITNIOTECH_BASE_URL": sb.base_url}


def test_exit_0_when_every_sendable_row_was_submitted_or_rejected(tmp_path: Path) -> None:
    csv = tmp_path / "p.csv"
    pd.DataFrame({"phone": ["+91 9800000000", "+91 9800000001", "12"]}).to_csv(csv, index=False)
    with iv.Sandbox(reject_share=0.5, seed=3) as sb:
        out = run(*send_args(csv, tmp_path), env=sandbox_env(sb))
    assert out.returncode == 0, out.stderr
    assert set(pd.read_csv(tmp_path / "res.csv")["outcome"]) <= {"submitted", "rejected",
                                                                  "invalid"}


def test_exit_3_when_rows_ended_unknown(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        sb.inject("drop_after", on=[1])
        out = run(*send_args(people_csv(tmp_path), tmp_path), env=sandbox_env(sb))
    assert out.returncode == 3, out.stderr
    assert set(pd.read_csv(tmp_path / "res.csv")["outcome"]) == {"unknown"}


def test_exit_3_when_every_row_failed(tmp_path: Path) -> None:
    from tests.scripted import free_port

    env = {"ITNIOTECH_API_KEY": "k", "ITNIOTECH_API_SECRET": "s",
           "ITNIOTECH_BASE_URL": f"http://127.0.0.1:{free_port()}/voice"}
    out = run(*send_args(people_csv(tmp_path), tmp_path), env=env)
    assert out.returncode == 3, out.stderr
    assert set(pd.read_csv(tmp_path / "res.csv")["outcome"]) == {"failed"}


def test_exit_2_on_a_stop_with_the_results_written(tmp_path: Path) -> None:
    with iv.Sandbox(reject_share=0) as sb:
        env = {**sandbox_env(sb), "ITNIOTECH_API_SECRET": "wrong"}
        out = run(*send_args(people_csv(tmp_path), tmp_path), env=env)
    assert out.returncode == 2, out.stderr
    assert "stopped" in out.stderr and "wrong" not in out.stderr + out.stdout
    assert set(pd.read_csv(tmp_path / "res.csv")["outcome"]) == {"failed"}


def test_exit_1_on_usage_errors() -> None:
    assert run("send", "x.csv").returncode == 1
    assert run("bogus").returncode == 1


def test_a_journal_directory_is_refused_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "journal_dir"
    folder.mkdir(mode=0o755)
    before = os.stat(folder).st_mode
    with iv.Sandbox(reject_share=0) as sb:
        args = send_args(people_csv(tmp_path), tmp_path)
        args[args.index("--journal") + 1] = str(folder)
        out = run(*args, env=sandbox_env(sb))
        assert sb.requests == []
    assert out.returncode == 1 and "is a directory" in out.stderr
    assert os.stat(folder).st_mode == before and list(folder.iterdir()) == []


def test_dry_run_prints_the_plan_and_never_overwrites_results(tmp_path: Path) -> None:
    csv = people_csv(tmp_path, 5)
    with iv.Sandbox(reject_share=0) as sb:
        env = sandbox_env(sb)
        first = run(*send_args(csv, tmp_path, "--campaign", "spring"), env=env)
        assert first.returncode == 0, first.stderr
        before = (tmp_path / "res.csv").read_bytes()
        args = [a for a in send_args(csv, tmp_path, "--dry-run") if a != "--output"]
        args.remove(str(tmp_path / "res.csv"))
        dry = run(*args, env=env)
        n = len(sb.requests)
    assert dry.returncode == 0, dry.stderr
    assert "DRY RUN" in dry.stdout and "Call 0 numbers in 0 requests" in dry.stdout
    assert "5 numbers — campaign 'spring'" in dry.stdout
    assert (tmp_path / "res.csv").read_bytes() == before and n == 1


def test_allow_repeat_and_repeat_after_options(tmp_path: Path) -> None:
    csv = people_csv(tmp_path, 2)
    with iv.Sandbox(reject_share=0) as sb:
        env = sandbox_env(sb)
        assert run(*send_args(csv, tmp_path), env=env).returncode == 0
        again = run(*send_args(csv, tmp_path, "--campaign", "b"), env=env)
        assert set(pd.read_csv(tmp_path / "res.csv")["outcome"]) == {"already_called"}
        assert again.returncode == 0
        assert run(*send_args(csv, tmp_path, "--campaign", "c", "--allow-repeat"),
                   env=env).returncode == 0
        assert sb.max_charges() == 2
        bad = run(*send_args(csv, tmp_path, "--repeat-after", "weekly"), env=env)
        assert bad.returncode == 1 and "not a duration" in bad.stderr


def test_campaign_options_exclude_segments_and_cost(tmp_path: Path) -> None:
    csv = tmp_path / "people.csv"
    pd.DataFrame({"phone": [f"+91 98{i:08d}" for i in range(4)],
                  "lang": ["en", "hi", "en", "fr"]}).to_csv(csv, index=False)
    optouts = tmp_path / "optouts.csv"
    optouts.write_text("mobile\n0091 9800000002\n", encoding="utf-8")
    base = ["send", str(csv), "--app-id", "4luaKsL2", "--by", "lang", "--segment-file-id",
            "en=en.mp3", "--segment-file-id", "hi=hi.mp3", "--journal", str(tmp_path / "j"),
            "--output", str(tmp_path / "res.csv"), "--no-progress", "--exclude", str(optouts),
            "--max-duration", "50", "--rate", "91=0.02"]
    with iv.Sandbox(reject_share=0) as sb:
        env = sandbox_env(sb)
        refused = run(*base, "--max-cost", "0.01", env=env)
        assert refused.returncode == 1 and "more than --max-cost 0.01" in refused.stderr
        assert sb.requests == []
        out = run(*base, "--max-cost", "1", env=env)
        assert out.returncode == 0, out.stderr
        assert "Cost at most 0.04" in out.stdout
        files = sorted(r.body["fileId"] for r in sb.requests)
    assert files == ["en.mp3", "hi.mp3"]
    res = pd.read_csv(tmp_path / "res.csv")
    assert res["outcome"].tolist() == ["submitted", "submitted", "excluded", "invalid"]


def test_follow_up_command(tmp_path: Path) -> None:
    csv = people_csv(tmp_path, 20)
    with iv.Sandbox(reject_share=0, answer_share=0.5, seed=4) as sb:
        env = sandbox_env(sb)
        first = run(*send_args(csv, tmp_path, "--campaign", "spring"), env=env)
        assert first.returncode == 0, first.stderr
        n = len([r for r in sb.requests if r.endpoint == "sendGroup"])
        out = run("follow-up", str(tmp_path / "res.csv"), "--campaign", "spring", "--app-id",
                  "4luaKsL2", "--file-id", "f.mp3", "--journal", str(tmp_path / "j.sqlite"),
                  "--output", str(tmp_path / "again.csv"), "--no-progress", env=env)
        assert out.returncode == 0, out.stderr
        assert len([r for r in sb.requests if r.endpoint == "sendGroup"]) == n + 1
        again = pd.read_csv(tmp_path / "again.csv", dtype=str)
        assert 0 < len(again) < 20 and (again["outcome"] == "submitted").all()
        assert all(sb.charges[num] == 2 for num in again["number"])


def test_version_and_sandbox_options() -> None:
    import socket

    assert run("--version").stdout.strip() == f"itnivoice_nb {iv.__version__}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "itnivoice_nb", "sandbox", "--port", str(port), "--balance", "5",
         "--reject-share", "1", "--latency", "0.01"],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert any(f"http://127.0.0.1:{port}/voice" in line for line in lines)
        client = iv.VoiceClient("sandbox-key", "sandbox-secret", f"http://127.0.0.1:{port}/voice")
        assert client.balance()["balance"] == 5
        answer = client.send_group(["918563214120"], iv.VoiceMessage("a", "f.mp3"))
        assert answer.items[0].termination_code != "0"  # every number refused
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_wait_sends_each_deferred_group_as_its_window_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from itnivoice_nb import _cli as cli

    csv = tmp_path / "people.csv"
    pd.DataFrame({"phone": ["+91 98000 00000", "+1 212 555 0100", "+44 20 7946 0958"]}).to_csv(
        csv, index=False)
    clock = [datetime(2026, 11, 27, 4, 0, tzinfo=UTC)]  # 09:30 India, 23:00 NY, 04:00 London
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += timedelta(seconds=seconds)

    monkeypatch.setattr(cli, "_now", lambda: clock[0])
    monkeypatch.setattr(cli, "_sleep", sleep)
    with iv.Sandbox(reject_share=0) as sb:
        for name, value in sandbox_env(sb).items():
            monkeypatch.setenv(name, value)
        code = main(send_args(csv, tmp_path, "--call-window", "09:00-20:00", "--wait"))
        order = [r.body["callee"] for r in sb.requests]
        assert sb.max_charges() == 1
    assert code == 0
    assert order == ["919800000000", "442079460958", "12125550100"]  # India, London, New York
    assert [round(s / 3600, 1) for s in slept] == [5.0, 5.0]
    assert "waiting until 2026-11-27 09:00 UTC" in capsys.readouterr().out
    res = pd.read_csv(tmp_path / "res.csv")
    assert (res["outcome"] == "submitted").all()


def test_the_commands_speak_in_options_not_python(tmp_path: Path) -> None:
    csv = people_csv(tmp_path, 3)
    said = ""
    with iv.Sandbox(reject_share=0) as sb:
        env = sandbox_env(sb)
        for extra in ((), (), ("--campaign", "again"), ("--dry-run",)):
            out = run(*send_args(csv, tmp_path, *extra), env=env)
            said += out.stdout + out.stderr
        sb.inject("drop_after", times=1)
        for _ in range(2):
            out = run(*send_args(people_csv(tmp_path, 4), tmp_path, "--campaign", "x"), env=env)
            said += out.stdout + out.stderr
    out = run(*send_args(csv, tmp_path), env={"ITNIOTECH_API_KEY": "", "ITNIOTECH_API_SECRET": ""})
    said += out.stdout + out.stderr
    assert "--allow-repeat" in said and "--resend-unknown" in said  # the options, named
    for python in ("None", "campaign='", "err.results", "VoiceClient(", "allow_repeat=True",
                   "resend_unknown=True", "iv."):
        assert python not in said, python
