"""Command line of bidopt: python -m bidopt {plan,split,demo,abtest} ..."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import bidopt
from bidopt._cli import parse_yuan, quiet_broken_pipe, run_abtest, run_demo
from bidopt._cli_cluster import run_plan_dataset
from bidopt._cli_workflow import run_plan, run_split
from bidopt.exceptions import BidoptError, MissingColumnError

_DESCRIPTION = """\
bidopt: keyword bids under a budget and channel budget splits for e-commerce search ads.

  plan    your keyword report (CSV/TSV/XLSX) -> an upload-ready bid file and a report
  split   your channel spend history -> a budget split under a group rule, and its cost
  demo    the whole job on an embedded synthetic account
  abtest  compare the arms of an experiment

Exit codes: 0 done, 1 the data could not be used (a one-line message says why),
2 a wrong command line. Run 'python -m bidopt COMMAND --help' for a command's options.
"""

_PLAN_EPILOG = """\
The report may have Chinese (Zhitongche) or English headers: 日期/date, 推广计划/campaign,
推广单元/ad group, 关键词/keyword, 匹配方式/match type, 出价/bid, 展现量/impressions,
点击量/clicks, 花费/cost, 成交笔数/orders, 成交金额/revenue. Numbers such as 1.2万, 3亿,
1,234.50 and ¥12.3 are read; rows with more orders than clicks (Taobao's attribution
window) are kept and counted. Title rows above the header (a report title, the shop's
name) are skipped and named. Bad rows are dropped and listed (--strict stops instead).
Writes DIR/bids.xlsx and DIR/bids.csv (UTF-8 with BOM: campaign, ad group, keyword, match
type, current bid, new bid, change, action, reason) and DIR/report.html.
"""

_SPLIT_EPILOG = """\
HISTORY has one row per period (day or week): a date column, one spend column per
channel (yuan) and a revenue column (成交金额/revenue/GMV/sales, or --kpi NAME). BUDGET is
per period of the history. Example:
  python -m bidopt split history.csv --budget 2000000 \\
      --rule core=直通车,钻展,淘宝客:0.6 --rule emerging=抖音,小红书:0.4
A share may be a range, core=直通车,钻展,淘宝客:55%-65%. By default the split starts from
today's (the last 4 periods' mix, scaled to BUDGET) and moves only as far as the fitted
curves' draws support; it prints the revenue gain's 80% interval and how often it gains.
--no-safe gives the split with the most expected revenue over the draws.
"""


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


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number >= 0. Got {text!r} instead.") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number >= 0. Got {text!r} instead.")
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
    """Entry point of ``python -m bidopt`` and of the ``bidopt`` command (installed with
    the package); returns the process exit code."""
    parser = _Parser(
        prog="bidopt" if Path(sys.argv[0]).name == "bidopt" else "python -m bidopt",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bidopt {bidopt.__version__}")
    common = _Parser(add_help=False)
    talk = common.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    talk.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the library's own progress reports, and an error's traceback",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    raw = argparse.RawDescriptionHelpFormatter
    plan = sub.add_parser(
        "plan",
        parents=[common],
        help="bids for your keyword report under a daily budget -> bid file and report",
        description="Optimise the bids of your own keyword report under a daily budget.",
        epilog=_PLAN_EPILOG,
        formatter_class=raw,
    )
    plan.add_argument(
        "report", type=Path, metavar="REPORT", help="keyword report: .csv, .tsv or .xlsx"
    )
    plan.add_argument("--budget", type=parse_yuan, required=True, help="daily budget, yuan")
    plan.add_argument(
        "--objective",
        choices=("conversions", "clicks", "revenue", "profit"),
        default="conversions",
        help="what to maximise (default conversions, i.e. orders)",
    )
    target = plan.add_mutually_exclusive_group()  # one target at a time, as optimize_bids
    target.add_argument(
        "--target-cpa", type=parse_yuan, metavar="X", help="keep cost per order <= X yuan"
    )
    target.add_argument(
        "--target-roas", type=_positive_float, metavar="X", help="keep revenue / spend >= X"
    )
    plan.add_argument(
        "--max-cpc",
        type=parse_yuan,
        metavar="YUAN",
        help="cap on each keyword's average cost per click, yuan (not on its bid)",
    )
    plan.add_argument(
        "--min-bid", type=parse_yuan, default=0.05, help="lowest bid, yuan (default 0.05)"
    )
    plan.add_argument(
        "--max-bid", type=parse_yuan, default=99.99, help="highest bid, yuan (default 99.99)"
    )
    plan.add_argument(
        "--out", type=Path, required=True, metavar="DIR", help="directory for the outputs"
    )
    plan.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with a Parquet landscape directory as REPORT: plan on this Dask cluster",
    )
    plan.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of the files (default zh)"
    )
    plan.add_argument("--strict", action="store_true", help="stop at the first bad row")
    plan.add_argument(
        "--no-trust-region",
        action="store_true",
        help="let bids move far from today's even where the report cannot tell what that "
        "buys (by default such bids stay near today's)",
    )
    split = sub.add_parser(
        "split",
        parents=[common],
        help="split a channel budget under group rules, from your spend history",
        description="Split a budget across channels under group rules, from a spend history.",
        epilog=_SPLIT_EPILOG,
        formatter_class=raw,
    )
    split.add_argument(
        "history", type=Path, metavar="HISTORY", help="channel spend history: .csv or .xlsx"
    )
    split.add_argument(
        "--budget", type=parse_yuan, required=True, help="yuan per period of the history"
    )
    split.add_argument(
        "--rule",
        action="append",
        default=[],
        required=True,
        metavar="GROUP=CH,CH:SHARE",
        help="a group of channels and its share of the budget (repeat)",
    )
    split.add_argument("--kpi", default=None, help="revenue column (default: found by name)")
    split.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory for split_report.html and split.csv",
    )
    split.add_argument(
        "--lang", choices=("zh", "en"), default="zh", help="language of the page (default zh)"
    )
    split.add_argument("--seed", type=int, default=0, help="seed of the curve fit (default 0)")
    split.add_argument(
        "--no-safe",
        action="store_true",
        help="the split with the most expected revenue over the curve draws (by default the "
        "split moves from today's only as far as the draws support)",
    )
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="run the end-to-end example on a synthetic account",
        description="The main job end to end on a seeded synthetic account: group its "
        "keywords, estimate bid landscapes, plan bids under today's spend (22-yuan CPC "
        "cap, 25-yuan target CPA) as 'plan' does (on the estimate, bids kept near today's "
        "where the log cannot tell what a change buys, 80% ranges), judged on the "
        "account's truth, and split a channel budget under the 60/40 core/emerging rule.",
    )
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
        type=parse_yuan,
        default=2_000_000.0,
        help="channel budget to split, yuan (default 2,000,000)",
    )
    demo.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory for the plans (CSV) and the figures (PNG, needs matplotlib)",
    )
    demo.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the figures written with --out (default en, as the demo's text)",
    )
    abtest = sub.add_parser(
        "abtest",
        parents=[common],
        help="compare the arms of an experiment in a CSV file (one row per unit)",
        description="Compare the arms of an experiment (one row per unit): each arm's lift "
        "over the control with its interval and p-value, a sample-ratio check and the "
        "Bayesian probability of beating the control.",
    )
    abtest.add_argument(
        "data", type=Path, metavar="DATA", help="CSV, TSV or XLSX file with a header row"
    )
    abtest.add_argument("--arm", required=True, help="column of the arm labels")
    abtest.add_argument("--metric", required=True, help="column of the outcome (0/1 or a number)")
    abtest.add_argument("--control", default=None, help="control arm (default: the first in DATA)")
    abtest.add_argument("--denominator", default=None, help="column of a ratio's denominator")
    abtest.add_argument(
        "--covariate", action="append", default=[], help="pre-period column for CUPED (repeat)"
    )
    abtest.add_argument("--alpha", type=_positive_float, default=0.05, help="default 0.05")
    args = parser.parse_args(argv)
    # a usage error after parsing names its command, as argparse's own do
    usage = sub.choices.get(args.command, parser)
    out = getattr(args, "out", None)
    if out is not None and out.exists() and not out.is_dir():
        usage.error(f"argument --out: {str(out)!r} exists and is not a directory")
    if args.command == "plan" and args.scheduler and not args.report.is_dir():
        usage.error(
            "argument --scheduler: plans a Parquet landscape directory on a Dask cluster; "
            f"a report file is planned in this process. Got the file {str(args.report)!r}"
        )
    if args.command == "plan" and args.min_bid > args.max_bid:
        usage.error(
            f"argument --min-bid: must be <= --max-bid. Got --min-bid {args.min_bid:g} and "
            f"--max-bid {args.max_bid:g} instead"
        )
    start = time.perf_counter()
    say = None if args.quiet else _progress(start)
    if args.verbose:
        bidopt.show_progress()
    try:
        if args.command == "abtest":
            report = run_abtest(
                args.data,
                arm=args.arm,
                metric=args.metric,
                control=args.control,
                denominator=args.denominator,
                covariates=args.covariate,
                alpha=args.alpha,
            )
        elif args.command == "plan":
            options: dict[str, Any] = {
                "budget": args.budget,
                "objective": args.objective,
                "max_cpc": args.max_cpc,
                "target_cpa": args.target_cpa,
                "target_roas": args.target_roas,
                "min_bid": args.min_bid,
                "max_bid": args.max_bid,
                "out": args.out,
                "progress": say,
            }
            if args.report.is_dir():  # a Parquet landscape dataset
                report = run_plan_dataset(args.report, scheduler=args.scheduler, **options)
            else:
                report = run_plan(
                    args.report,
                    lang=args.lang,
                    strict=args.strict,
                    safe=not args.no_trust_region,
                    **options,
                )
        elif args.command == "split":
            report = run_split(
                args.history,
                budget=args.budget,
                rules=args.rule,
                kpi=args.kpi,
                out=args.out,
                lang=args.lang,
                seed=args.seed,
                safe=not args.no_safe,
                progress=say,
            )
        else:
            report = run_demo(
                n_keywords=args.keywords,
                n_days=args.days,
                seed=args.seed,
                channel_budget=args.budget,
                out=args.out,
                lang=args.lang,
                progress=say,
            )
    except (BidoptError, OSError) as exc:
        if args.verbose:
            raise
        message = " ".join(str(exc).split())  # one line, whatever the exception held
        print(f"error: {message}", file=sys.stderr)
        # a column named on the command line that the file lacks is a usage error
        return 2 if isinstance(exc, MissingColumnError) else 1
    finally:
        if args.verbose:
            bidopt.show_progress(False)
    try:
        print(report)
        if args.command == "demo":
            print(f"\n(done in {time.perf_counter() - start:.1f} s)")
        sys.stdout.flush()
    except BrokenPipeError:  # `... | head` stopped reading: the files are written
        quiet_broken_pipe()
    return 0


if __name__ == "__main__":
    sys.exit(main())
