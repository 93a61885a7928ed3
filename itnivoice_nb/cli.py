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
import sys
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import NoReturn

import pandas as pd

from .errors import ItniotechError, JournalError, SendInterrupted, SendStopped
from .outcomes import FAILED, NOT_SENT, OUTCOMES, UNKNOWN

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


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (exit code 1)."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _read_table(path: str, sheet: str | None) -> pd.DataFrame:
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"recipients file not found: {path}")
    suffix = file.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return pd.read_excel(file, sheet_name=sheet or 0, dtype=str)
    if suffix in (".csv", ".txt", ".tsv"):
        return pd.read_csv(
            file,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            sep="\t" if suffix == ".tsv" else ",",
        )
    raise ValueError(f"{path}: unknown file type {suffix!r}; allowed: .csv, .tsv, .txt, .xlsx")


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
    from .message import VoiceMessage
    from .sandbox import Sandbox
    from .send import send

    sample = resources.files("itnivoice_nb") / "data" / SAMPLE
    with resources.as_file(sample) as path:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
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
    from .sandbox import serve_forever

    serve_forever(port=args.port, host=args.host, seed=args.seed, latency=args.latency)
    return 0


def _write_dry_run(results: pd.DataFrame, output: str | None) -> None:
    """A dry run writes its preview only where ``--output`` says (never over a real result)."""
    if output:
        _write(results, Path(output))
        print(f"dry-run preview written to {output}")


def _send(args: argparse.Namespace) -> int:
    from ._plan import plan, preview_without_account
    from .client import VoiceClient
    from .message import VoiceMessage

    if args.journal and Path(args.journal).expanduser().is_dir():
        raise JournalError(
            f"--journal {args.journal} is a directory; give a file path such as "
            f"{Path(args.journal) / 'journal.sqlite'}"
        )
    df = _read_table(args.recipients, args.sheet)
    message = VoiceMessage(
        app_id=args.app_id,
        file_id=args.file_id,
        display_num=args.display_num,
        max_duration=args.max_duration,
        loop_count=args.loop_count,
        called_info=args.called_info,
    )
    output = Path(args.output or Path(args.recipients).with_suffix("").name + "_results.csv")
    options = {
        "column": args.column,
        "default_region": args.default_region,
        "strict": args.strict,
        "batch_size": args.batch_size,
    }
    try:
        client = VoiceClient(base_url=args.base_url)
    except ItniotechError:
        if not args.dry_run:
            raise
        print("DRY RUN: no credentials, so the ledger (numbers called before) is not checked")
        results = preview_without_account(df, message, **options)
        print(f"{results.attrs['requests']} request(s) would be made at most; nothing sent")
        print(_counts(results))
        _write_dry_run(results, args.output)
        return EXIT_OK
    the_plan = plan(
        df,
        message,
        client=client,
        journal=args.journal or True,
        campaign=args.campaign,
        allow_repeat=args.allow_repeat,
        repeat_after=args.repeat_after,
        **options,
    )
    if args.dry_run:
        print("DRY RUN: nothing is sent")
        print(the_plan)
        _write_dry_run(the_plan.preview(), args.output)
        return EXIT_OK
    try:
        results = the_plan.send(
            progress=not args.no_progress,
            resend_unknown=args.resend_unknown,
            concurrency=args.concurrency,
            rate_limit=args.rate_limit,
            check_balance=args.check_balance,
        )
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
    return exit_code(results)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m itnivoice_nb`` argument parser."""
    parser = _Parser(
        prog="itnivoice",
        description="Send voice messages to a list of numbers "
        "through the Itniotech voice API, safely; or try it against the sandbox.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
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
        "--column", default="phone", help="column holding the numbers (default phone)"
    )
    send.add_argument("--sheet", help="Excel sheet name (default: the first)")
    send.add_argument("--app-id", required=True, help="voice application ID")
    send.add_argument("--file-id", required=True, help="uploaded audio fileId")
    send.add_argument("--display-num", help="caller ID, 7-15 digits")
    send.add_argument("--max-duration", type=int, help="hang up N s after answer (1-120)")
    send.add_argument("--loop-count", type=int, default=1, help="plays of the recording (1-3)")
    send.add_argument("--called-info", help="text attached to each call (≤1000 characters)")
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
    send.set_defaults(func=_send)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SendInterrupted as err:
        print(f"{parser.prog}: interrupted: {err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SendStopped as err:
        print(f"{parser.prog}: stopped: {err}", file=sys.stderr)
        return EXIT_STOPPED
    except JournalError as err:
        print(f"{parser.prog}: journal: {err}", file=sys.stderr)
        return EXIT_STOPPED if err.results is not None else EXIT_INPUT
    except (ItniotechError, ValueError, TypeError, OSError) as err:
        print(f"{parser.prog}: error: {err}", file=sys.stderr)
        return EXIT_INPUT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
