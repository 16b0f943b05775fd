"""Command line: ``python -m bidopt demo`` runs the main job on an embedded synthetic account."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from bidopt._cli import run_abtest, run_demo
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
    abtest = sub.add_parser(
        "abtest", help="compare the arms of an experiment in a CSV file (one row per unit)"
    )
    abtest.add_argument("data", type=Path, help="CSV file with a header row")
    abtest.add_argument("--arm", required=True, help="column of the arm labels")
    abtest.add_argument("--metric", required=True, help="column of the outcome (0/1 or a number)")
    abtest.add_argument("--control", default=None, help="control arm (default: the first in DATA)")
    abtest.add_argument("--denominator", default=None, help="column of a ratio's denominator")
    abtest.add_argument(
        "--covariate", action="append", default=[], help="pre-period column for CUPED (repeat)"
    )
    abtest.add_argument("--alpha", type=_positive_float, default=0.05, help="default 0.05")
    args = parser.parse_args(argv)
    if args.command == "abtest":
        try:
            print(
                run_abtest(
                    args.data,
                    arm=args.arm,
                    metric=args.metric,
                    control=args.control,
                    denominator=args.denominator,
                    covariates=args.covariate,
                    alpha=args.alpha,
                )
            )
        except (BidoptError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
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
