"""Command line: ``python -m itnivoice_nb demo | sandbox | send``.

Exit codes: 0 every row that could be sent was submitted or rejected (or nothing needed
sending); 3 some row ended failed, unknown or not sent; 2 the send stopped (-1, -2, -10, -13,
-22, a redirect, an HTTP 4xx, the journal failed); 1 a usage or input error; 130 interrupted.

Example:
    $ python -m itnivoice_nb demo
    $ python -m itnivoice_nb sandbox --port 8765
    $ python -m itnivoice_nb send recipients.csv --column phone --app-id 4luaKsL2 \\
          --file-id 1202202257.mp3 --output results.csv
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, NoReturn, TextIO

import pandas as pd

from ._errors import ItniotechError, JournalError, SendInterrupted, SendStopped
from ._outcomes import FAILED, NOT_SENT, OUTCOMES, UNKNOWN

SAMPLE = "sample_recipients.csv"


EXIT_OK = 0
EXIT_INPUT = 1
EXIT_STOPPED = 2
EXIT_INCOMPLETE = 3
EXIT_INTERRUPTED = 130

EPILOG = """exit codes:
  0    every row that could be sent was submitted or rejected
  3    some row ended failed, unknown or not_sent (see the results file)
  2    the send stopped (-1/-2/-10/-13/-22, a redirect, HTTP 4xx, the journal failed)
  1    a usage or input error; nothing was sent
  130  interrupted (Ctrl-C); run the same command again to resume
"""


_WORDS: Final = (
    # the Python spelling in the library's messages → the option a command-line user types
    ("pass allow_repeat=True to call them again", "add --allow-repeat to call them again"),
    ("pass allow_repeat=True", "add --allow-repeat"),
    ("allow_repeat=True", "--allow-repeat"),
    ("pass resend_unknown=True to resend them", "add --resend-unknown to resend them"),
    ("resend_unknown=True", "--resend-unknown"),
    ("pass exclude_blacklisted=False to try again", "add --call-blacklisted to try again"),
    ("pass default_timezone", "add --default-timezone"),
    ("pass default_region", "add --default-region"),
    ("pass journal=another path", "give --journal another file"),
    ("pass journal=a writable file path", "give --journal a writable file"),
    ("pass rates={calling code: price per minute} for them", "add --rate CODE=PRICE for them"),
    ("max_cost=", "--max-cost "),
    ("raise max_cost", "raise --max-cost"),
    ("lower max_duration", "lower --max-duration"),
    ("The results so far are in err.results.", "The results so far are in the results file."),
    ("The partial results are in err.results.", "The partial results are in the results file."),
    ("what was sent and answered is in err.results", "what was sent and answered is in the "
     "results file"),
    ("err.results", "the results file"),
    ("run the same send again", "run the same command again"),
    ("pass VoiceClient(api_key=..., api_secret=...); to try things offline use "
     "iv.Sandbox().client()", "run `python -m itnivoice_nb sandbox` and use the variables it "
     "prints to try things offline"),
    ("journal=False", "no journal"),
)


def words(text: str) -> str:
    """A library message in the command line's words (its options, not Python).

    Example:
        >>> words("no request made (pass allow_repeat=True to call them again)")
        'no request made (add --allow-repeat to call them again)'
    """
    for python, option in _WORDS:
        text = text.replace(python, option)
    return text


class _Words(io.TextIOBase):
    """A text stream that writes the library's notices in the command line's words."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(words(text))
        return len(text)

    def flush(self) -> None:
        self._target.flush()


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (exit code 1)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _read_table(path: str, sheet: str | None) -> pd.DataFrame:
    from ._tables import read_table

    if not Path(path).is_file():
        raise ValueError(f"recipients file not found: {path}")
    return read_table(path, sheet=sheet)


def _counts(results: pd.DataFrame) -> str:
    counts = results["outcome"].value_counts()
    width = max(len(o) for o in OUTCOMES)
    lines = [f"  {o:<{width}}  {int(counts.get(o, 0)):>8,}" for o in OUTCOMES]
    lines.append(f"  {'total':<{width}}  {len(results):>8,}")
    return "\n".join(lines)


def exit_code(results: pd.DataFrame) -> int:
    """0 when no row ended failed, unknown or not_sent; else 3.

    Example:
        >>> exit_code(pd.DataFrame({"outcome": ["submitted", "invalid"]}))
        0
        >>> exit_code(pd.DataFrame({"outcome": ["submitted", "unknown"]}))
        3
    """
    bad = results["outcome"].isin([FAILED, UNKNOWN, NOT_SENT]).any()
    return EXIT_INCOMPLETE if bad else EXIT_OK


def _write(results: pd.DataFrame, output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    results.to_csv(output, index=False)


def _demo(args: argparse.Namespace) -> int:
    from ._message import VoiceMessage
    from ._sample import sample_recipients
    from ._sandbox import Sandbox
    from ._send import send

    df = sample_recipients()
    out_dir = Path(args.output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    msg = VoiceMessage(
        app_id="4luaKsL2",
        file_id="12022022570cc2484c59d4f8b9745d34226285b1e.mp3",
        display_num="1008122211",
        max_duration=50,
        loop_count=2,
        called_info="demo",
    )
    print(
        f"Sending a voice message to {len(df)} rows of messy numbers ({SAMPLE}) "
        "through the local sandbox…"
    )
    # The demo's sandbox is new each run: so is its journal (a real send's ledger is kept).
    journal = out_dir / "journal.sqlite"
    for stale in (journal, journal.with_name(journal.name + "-wal"),
                  journal.with_name(journal.name + "-shm")):
        stale.unlink(missing_ok=True)
    with Sandbox(seed=args.seed, latency=0.02) as sb:
        print(f"sandbox listening at {sb.base_url}")
        results = send(
            df,
            msg,
            column="phone",
            client=sb.client(),
            journal=journal,
            campaign="demo",
            progress=not args.no_progress,
            batch_size=20,
        )
        received = len(sb.requests)
    print(f"\nThe sandbox received {received} sendGroup requests. Outcomes:")
    print(_counts(results))
    refused = results[results["outcome"].isin(["invalid", "rejected"])]
    if len(refused):
        print("\nSome refused rows and why:")
        for _, row in refused.head(8).iterrows():
            print(f"  {row['name']:<14} {row['outcome']:<9} {row['outcome_reason']}")
    target = out_dir / "results.csv"
    _write(results, target)
    print(f"\nResults ({len(results)} rows, one per input row) written to {target.resolve()}")
    return 0


def _sandbox(args: argparse.Namespace) -> int:
    from ._sandbox import serve_forever

    rates = {k: float(v) for k, v in _pairs(args.rate, "--rate").items()} or None
    serve_forever(
        port=args.port,
        host=args.host,
        seed=args.seed,
        latency=args.latency,
        balance=args.balance,
        reject_share=args.reject_share,
        answer_share=args.answer_share,
        press_share=args.press_share,
        rates=rates,
    )
    return 0


def _write_dry_run(results: pd.DataFrame, output: str | None) -> None:
    """A dry run writes its preview only where ``--output`` says (never over a real result)."""
    if output:
        _write(results, Path(output))
        print(f"dry-run preview written to {output}")


def _pairs(values: Sequence[str] | None, option: str) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict, or a one-line error naming the option."""
    out: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"{option} {item!r}: expected KEY=VALUE")
        out[key.strip()] = value.strip()
    return out


def _window(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    start, sep, end = text.replace("–", "-").partition("-")
    if not sep:
        raise ValueError(f"--call-window {text!r}: expected START-END, e.g. 09:00-20:00")
    return start.strip(), end.strip()


def _at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"--at {text!r}: expected an ISO time with its offset, e.g. 2026-11-28T09:00+05:30"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"--at {text!r}: give the time zone offset, e.g. +05:30 or Z")
    return when


def _messages(args: argparse.Namespace) -> Any:
    from ._message import VoiceMessage

    def one(file_id: str) -> VoiceMessage:
        return VoiceMessage(
            app_id=args.app_id,
            file_id=file_id,
            display_num=args.display_num,
            max_duration=args.max_duration,
            loop_count=args.loop_count,
            called_info=args.called_info,
        )

    segments = _pairs(args.segment_file_id, "--segment-file-id")
    if segments and args.by is None:
        raise ValueError("--segment-file-id needs --by COLUMN (the column naming each segment)")
    if args.by is not None and not segments:
        raise ValueError("--by needs --segment-file-id KEY=FILEID for each segment")
    if segments:
        return {key: one(file_id) for key, file_id in segments.items()}
    if not args.file_id:
        raise ValueError("--file-id is required (or --by with --segment-file-id)")
    return one(args.file_id)


def _send(args: argparse.Namespace) -> int:
    from ._client import VoiceClient
    from ._plan import plan, preview_without_account

    if args.journal and Path(args.journal).expanduser().is_dir():
        raise JournalError(
            f"--journal {args.journal} is a directory; give a file path such as "
            f"{Path(args.journal) / 'journal.sqlite'}"
        )
    df = _read_table(args.recipients, args.sheet)
    if args.column is None:
        from ._guess import guess_phone_column

        args.column = guess_phone_column(df)
        if args.column is None:
            raise ValueError(f"{args.recipients} has no columns")
        print(f"phone column: {args.column} (guessed; choose another with --column)")
    message = _messages(args)
    output = Path(args.output or Path(args.recipients).with_suffix("").name + "_results.csv")
    options = {
        "column": args.column,
        "default_region": args.default_region,
        "strict": args.strict,
        "batch_size": args.batch_size,
    }
    rates = {k: float(v) for k, v in _pairs(args.rate, "--rate").items()} or None
    planning = {
        **options,
        "journal": args.journal or True,
        "campaign": args.campaign,
        "allow_repeat": args.allow_repeat,
        "repeat_after": args.repeat_after,
        "by": args.by,
        "call_window": _window(args.call_window),
        "call_days": args.call_days,
        "default_timezone": args.default_timezone,
        "exclude": list(args.exclude) if args.exclude else None,
        "exclude_blacklisted": not args.call_blacklisted,
        "rates": rates,
        "max_cost": args.max_cost,
    }
    try:
        client = VoiceClient(base_url=args.base_url)
    except ItniotechError:
        if not args.dry_run or not hasattr(message, "file_id"):
            raise
        print("DRY RUN: no credentials, so the ledger (numbers called before) is not checked")
        results = preview_without_account(df, message, **options)
        print(f"{results.attrs['requests']} request(s) would be made at most; nothing sent")
        print(_counts(results))
        _write_dry_run(results, args.output)
        return EXIT_OK
    if args.wait and args.at:
        raise ValueError("--wait sends as the windows open from now on; leave out --at")
    at = _at(args.at) or (_now() if args.wait else None)
    the_plan = plan(df, message, client=client, at=at, **planning)
    if args.dry_run:
        print("DRY RUN: nothing is sent")
        print(the_plan)
        _write_dry_run(the_plan.preview(), args.output)
        return EXIT_OK
    sending = {
        "progress": not args.no_progress,
        "resend_unknown": args.resend_unknown,
        "concurrency": args.concurrency,
        "rate_limit": args.rate_limit,
        "check_balance": args.check_balance,
    }
    while True:
        print(the_plan)
        results = _send_plan(the_plan, sending, output)
        deferred = the_plan.counts.get("deferred", 0)
        if not args.wait or not deferred or the_plan.schedule is None:
            break
        opens = the_plan.schedule["opens_utc"].min()
        if pd.isna(opens):
            print(f"{deferred:,} row(s) deferred never open within 8 days; stopping")
            break
        pause = max(1.0, (opens.to_pydatetime() - _now()).total_seconds() + 1)
        print(f"{deferred:,} row(s) deferred; waiting until {opens:%Y-%m-%d %H:%M UTC} "
              f"({pause / 60:.0f} min) to send those whose window opens (Ctrl-C to stop: the "
              "same command resumes)", flush=True)
        _sleep(pause)
        the_plan = plan(df, message, client=client, at=_now(), **planning)
    return exit_code(results)


def _sleep(seconds: float) -> None:
    """Wait (a seam for tests)."""
    time.sleep(seconds)


def _now() -> datetime:
    """The clock --wait plans by (a seam for tests)."""
    return datetime.now(UTC)


def _send_plan(the_plan: Any, sending: dict[str, Any], output: Path) -> pd.DataFrame:
    try:
        results = the_plan.send(**sending)
    except (SendStopped, SendInterrupted) as err:
        _write(err.results, output)
        print(_counts(err.results))
        print(f"results so far written to {output}", file=sys.stderr)
        raise
    except JournalError as err:
        if err.results is not None:
            _write(err.results, output)
            print(_counts(err.results))
            print(f"results so far written to {output}", file=sys.stderr)
        raise
    print(_counts(results))
    _write(results, output)
    print(f"results written to {output}")
    return results


def _follow_up(args: argparse.Namespace) -> int:
    from ._client import VoiceClient
    from ._follow import follow_up

    results = pd.read_csv(args.results, dtype=str, keep_default_na=False, na_values=[""])
    for name in ("outcome", "number", "voice_id"):
        if name not in results.columns:
            raise ValueError(f"{args.results}: no {name!r} column; give a results file of send")
    if args.column not in results.columns:
        raise ValueError(f"--column {args.column!r} is not a column of {args.results}")
    results.attrs.update({
        "column": args.column,
        "label": args.campaign,
        "journal": str(args.journal) if args.journal else None,
    })
    message = _messages(args)
    client = VoiceClient(base_url=args.base_url)
    output = Path(args.output or Path(args.results).with_suffix("").name + "_follow_up.csv")
    out = follow_up(results, message, client=client, who=args.who, progress=not args.no_progress,
                    journal=args.journal or True)
    print(_counts(out))
    _write(out, output)
    print(f"follow-up results written to {output}")
    return exit_code(out)


def _message_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app-id", required=True, help="voice application ID")
    parser.add_argument("--file-id", help="uploaded audio fileId")
    parser.add_argument("--display-num", help="caller ID, 7-15 digits")
    parser.add_argument("--max-duration", type=int, help="hang up N s after answer (1-120)")
    parser.add_argument("--loop-count", type=int, default=1, help="plays of the recording (1-3)")
    parser.add_argument("--called-info", help="text attached to each call (≤1000 characters)")
    if parser.prog.endswith("send"):
        parser.add_argument("--by", help="column naming each row's segment (with "
                            "--segment-file-id)")
        parser.add_argument("--segment-file-id", action="append", metavar="KEY=FILEID",
                            help="the audio for one segment, e.g. hi=1202….mp3; repeatable")


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m itnivoice_nb`` argument parser."""
    parser = _Parser(
        prog="itnivoice",
        description="Send voice messages to a list of numbers "
        "through the Itniotech voice API, safely; or try it against the sandbox.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"itnivoice_nb {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    demo = sub.add_parser("demo", help="send the bundled sample list to a local sandbox")
    demo.add_argument(
        "--output-dir",
        default="demo_output",
        help="where the results CSV and journal go (default: demo_output)",
    )
    demo.add_argument("--seed", type=int, default=0, help="sandbox seed (default 0)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    sb = sub.add_parser("sandbox", help="run the local sandbox of the voice API until Ctrl-C")
    sb.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default 8765)")
    sb.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    sb.add_argument("--seed", type=int, default=0, help="seed of simulated refusals and calls")
    sb.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    sb.add_argument("--balance", type=float, help="account balance in USD (default: unlimited)")
    sb.add_argument("--reject-share", type=float, default=0.05,
                    help="share of numbers sendGroup refuses (default 0.05)")
    sb.add_argument("--answer-share", type=float, default=0.7,
                    help="share of accepted calls that are answered (default 0.7)")
    sb.add_argument("--press-share", type=float, default=0.15,
                    help="share of answered calls that press a key (default 0.15)")
    sb.add_argument("--rate", action="append", metavar="CODE=PRICE",
                    help="price per minute of a calling code, e.g. 91=0.02; repeatable")
    sb.set_defaults(func=_sandbox)

    send = sub.add_parser(
        "send",
        help="send to a CSV/Excel list of numbers; credentials from "
        "ITNIOTECH_API_KEY / ITNIOTECH_API_SECRET",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("recipients", help="CSV, TSV or Excel file with a column of numbers")
    send.add_argument(
        "--column", help="column holding the numbers (default: guessed from names and content)"
    )
    send.add_argument("--sheet", help="Excel sheet name (default: the first)")
    _message_options(send)
    send.add_argument("--default-region", help="ISO country code for national numbers, e.g. IN")
    send.add_argument(
        "--strict", action="store_true", help="refuse numbers libphonenumber says are not valid"
    )
    send.add_argument("--batch-size", type=int, default=200, help="numbers a request (≤200)")
    send.add_argument("--dry-run", action="store_true", help="check and plan; send nothing")
    send.add_argument(
        "--journal",
        help="journal file holding the ledger (default $ITNIOTECH_JOURNAL, else the user's "
        "data directory)",
    )
    send.add_argument("--campaign", help="a label naming the campaign (resume, reports)")
    send.add_argument(
        "--allow-repeat",
        action="store_true",
        help="call numbers this account already called with this audio again",
    )
    send.add_argument(
        "--repeat-after",
        help="call again numbers last called longer ago than this, e.g. 7d or 12h",
    )
    send.add_argument(
        "--resend-unknown",
        action="store_true",
        help="resend batches whose outcome is unknown (may charge twice)",
    )
    send.add_argument("--concurrency", type=int, default=4, help="requests at once (default 4)")
    send.add_argument("--rate-limit", type=float, help="requests a second (default: no limit)")
    send.add_argument(
        "--check-balance", action="store_true", help="stop first if the balance is empty"
    )
    send.add_argument(
        "--base-url", help="API base URL (default $ITNIOTECH_BASE_URL or the vendor's)"
    )
    send.add_argument("--output", help="results CSV (default <recipients>_results.csv)")
    send.add_argument("--no-progress", action="store_true", help="no progress bar")
    send.add_argument("--call-window", help="calling hours in each recipient's time zone, "
                      "e.g. 09:00-20:00 (others are deferred)")
    send.add_argument("--call-days", help="calling days, e.g. Mon-Fri (with --call-window)")
    send.add_argument("--default-timezone", help="time zone for numbers whose zone is unknown")
    send.add_argument("--at", help="plan for this moment (ISO with offset) instead of now")
    send.add_argument("--wait", action="store_true", help="keep running: send each deferred "
                      "group as its window opens (resumable)")
    send.add_argument("--exclude", action="append", metavar="FILE",
                      help="a suppression list (CSV/Excel); repeatable")
    send.add_argument("--call-blacklisted", action="store_true", help="do not exclude numbers "
                      "the API refused as blacklisted before")
    send.add_argument("--rate", action="append", metavar="CODE=PRICE",
                      help="price per minute for a calling code, e.g. 91=0.02; repeatable")
    send.add_argument("--max-cost", type=float, help="refuse to send when the calls could cost "
                      "more than this")
    send.set_defaults(func=_send)

    follow = sub.add_parser(
        "follow-up",
        help="send again to the rows of a results file whose call was not answered",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    follow.add_argument("results", help="the results CSV a send wrote")
    follow.add_argument("--column", default="phone", help="the phone column (default phone)")
    follow.add_argument("--campaign", help="the label the first send used")
    follow.add_argument("--who", default="unanswered",
                        choices=["unanswered", "no_response", "failed", "rejected"],
                        help="which rows to call again (default unanswered)")
    _message_options(follow)
    follow.add_argument("--journal", help="journal file (default: the user's)")
    follow.add_argument("--base-url", help="API base URL (default $ITNIOTECH_BASE_URL)")
    follow.add_argument("--output", help="results CSV (default <results>_follow_up.csv)")
    follow.add_argument("--no-progress", action="store_true", help="no progress bar")
    follow.set_defaults(func=_follow_up, by=None, segment_file_id=None)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with contextlib.redirect_stdout(_Words(sys.stdout)):
            return int(args.func(args))
    except SendInterrupted as err:
        print(f"{parser.prog}: interrupted: {words(str(err))}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SendStopped as err:
        print(f"{parser.prog}: stopped: {words(str(err))}", file=sys.stderr)
        return EXIT_STOPPED
    except JournalError as err:
        print(f"{parser.prog}: journal: {words(str(err))}", file=sys.stderr)
        return EXIT_STOPPED if err.results is not None else EXIT_INPUT
    except (ItniotechError, ValueError, TypeError, OSError) as err:
        print(f"{parser.prog}: error: {words(str(err))}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
