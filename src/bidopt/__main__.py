"""Command line: ``python -m bidopt demo`` runs the main job on an embedded synthetic account."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from bidopt._cli import run_demo
from bidopt.exceptions import BidoptError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a whole number >= 1. Got {text!r} instead."
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1. Got {text!r} instead.")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0. Got {text!r} instead.") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number > 0. Got {text!r} instead.")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _progress(start: float) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"[{time.perf_counter() - start:5.1f} s] {message} ...", file=sys.stderr, flush=True)

    return say


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    parser = _Parser(prog="python -m bidopt", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    demo = sub.add_parser("demo", help="run the end-to-end example on a synthetic account")
    demo.add_argument(
        "--keywords",
        type=_positive_int,
        default=5_000,
        help="number of keywords in the synthetic account (default 5000)",
    )
    demo.add_argument("--days", type=_positive_int, default=28, help="days of history (default 28)")
    demo.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    demo.add_argument(
        "--budget",
        type=_positive_float,
        default=2_000_000.0,
        help="channel budget to split, yuan (default 2,000,000)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory for the plans (CSV) and the figures (PNG, needs matplotlib)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress messages on stderr")
    args = parser.parse_args(argv)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        parser.error(f"argument --out: {str(args.out)!r} exists and is not a directory")
    start = time.perf_counter()
    try:
        report = run_demo(
            n_keywords=args.keywords,
            n_days=args.days,
            seed=args.seed,
            channel_budget=args.budget,
            out=args.out,
            progress=None if args.quiet else _progress(start),
        )
    except (BidoptError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report)
    print(f"\n(done in {time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
