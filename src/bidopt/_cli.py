"""The end-to-end demo behind ``python -m bidopt demo``."""

from __future__ import annotations

import argparse
import copy
import csv
import dataclasses
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from bidopt._lang import Lang, check_lang
from bidopt._numbers import parse_numbers
from bidopt._tables import read_table
from bidopt._wording import counted, display_width
from bidopt.bidding import BidPlan, Frontier, PlanRanges, bid_frontier, optimize_bids
from bidopt.channels import BudgetSplit, ResponseCurve, compare_splits
from bidopt.datasets import KeywordLog, SearchAccount, double11_channels, make_search_account
from bidopt.exceptions import BidoptError, InfeasibleError, InvalidInputError, MissingColumnError
from bidopt.experiments import Comparison, bayes_summary, compare
from bidopt.grouping import KeywordGroups, group_keywords
from bidopt.landscape import BidLandscape, LandscapeEstimate, estimate_landscapes
from bidopt.report import KEY_COLUMNS, BidSheet, make_bid_sheet
from bidopt.typing import FloatArray

MAX_CPC = 22.0
TARGET_CPA = 25.0

#: The demo's channels and splits in a Chinese figure.
_CHANNEL_ZH = {
    "zhitongche": "直通车",
    "diamond": "钻展",
    "taobaoke": "淘宝客",
    "douyin": "抖音",
    "xiaohongshu": "小红书",
}
_SPLIT_ZH = {
    "current": "当前",
    "60/40 rule": "60/40 规则",
    "core 55-65%": "核心 55-65%",
    "optimal": "最优",
}


def _numeric(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "").replace("%", "").lstrip("+-").isdigit()


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(display_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    # numbers (and their headers) right-aligned, text left-aligned
    right = [j > 0 and all(_numeric(r[j]) for r in rows[1:]) for j in range(len(widths))]

    def pad(cell: str, width: int, right: bool) -> str:
        space = " " * (width - display_width(cell))
        return space + cell if right else cell + space

    return "\n".join(
        "  ".join(
            pad(cell, w, right=r) for cell, w, r in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in rows
    )


def _range_lines(ranges: PlanRanges | None) -> list[str]:
    """Orders per day: the plan's and today's ranges over the estimate's draws."""
    if ranges is None or "conversions" not in ranges.metrics:
        return []
    lo, hi = ranges.interval("conversions")
    tlo, thi = ranges.interval("conversions", today=True)
    return [
        f"Orders per day, {ranges.level:.0%} range over the estimate's draws: plan "
        f"{lo:,.1f}..{hi:,.1f}, today {tlo:,.1f}..{thi:,.1f}; the plan beats today's bids "
        f"held to its budget and targets in {ranges.probability_better:.0%} of the draws."
    ]


def _channel_report(
    budget: float,
) -> tuple[list[str], dict[str, ResponseCurve], dict[str, BudgetSplit]]:
    plan = double11_channels()
    curves = plan.curves(ResponseCurve.from_roi)
    current = {c: x * budget / plan.budget for c, x in plan.current.items()}
    splits = compare_splits(
        curves,
        budget,
        groups=plan.groups,
        current=current,
        scenarios={
            "60/40 rule": {"core": 0.6, "emerging": 0.4},
            "core 55-65%": {"core": (0.55, 0.65)},
        },
    )
    rows = [["split", *plan.current, "revenue", "ROI"]]
    for name, split in splits.items():
        rows.append(
            [
                name,
                *(f"{split.allocation[c]:,.0f}" for c in plan.current),
                f"{split.response:,.0f}",
                f"{split.roi:.2f}",
            ]
        )
    rule = splits["60/40 rule"]
    return (
        [
            f"Channel split of {budget:,.0f} yuan "
            "(curves from each channel's ROI at today's spend):",
            "",
            _table(rows),
            "",
            f"The 60/40 rule costs {rule.rule_cost:,.0f} yuan of revenue against the optimum; "
            f"a 55-65% core range costs {splits['core 55-65%'].rule_cost:,.0f}.",
        ],
        curves,
        splits,
    )


def _metrics(totals: dict[str, float]) -> list[str]:
    return [
        f"{totals['cost']:,.0f}",
        f"{totals['clicks']:,.0f}",
        f"{totals['conversions']:,.1f}",
        f"{totals['cpa']:.2f}",
        f"{totals['cpc']:.2f}",
        f"{totals['ctr']:.2%}",
        f"{totals['roas']:.2f}",
    ]


def _group_report(account: SearchAccount, seed: int) -> tuple[KeywordGroups, list[str]]:
    from sklearn.metrics import adjusted_rand_score

    start = time.perf_counter()
    volumes = account.log.per_keyword("impressions")
    groups = group_keywords(
        account.keywords.tolist(),
        volumes=volumes,
        blocks=account.campaigns,
        threshold=0.4,
        max_group_size=30,
        rng=seed,
    )
    took = time.perf_counter() - start
    ari = adjusted_rand_score(account.themes, groups.labels)
    multi = int((groups.sizes > 1).sum())
    rows = [["group (brand + product)", "keywords", "examples"]]
    for g in np.argsort(-groups.sizes, kind="stable")[:6].tolist():
        members = groups.members(g)
        rows.append([str(groups.names[g]), str(len(members)), ", ".join(members[1:4])])
    return groups, [
        f"Keyword groups: {counted(groups.n_groups, 'group')} ({multi:,} with two keywords or "
        f"more) from {counted(account.n_keywords, 'keyword')}, campaigns as blocks, in "
        f"{took:.1f} s; agreement with the account's true themes ARI {ari:.3f} (1: the same "
        "groups, 0: chance). The largest:",
        "",
        _table(rows),
    ]


def _write_outputs(
    out: Path,
    *,
    landscape: BidLandscape,
    plan: BidPlan | None,
    sheet: BidSheet | None,
    groups: KeywordGroups,
    frontier: Frontier | None,
    budget: float,
    curves: dict[str, ResponseCurve],
    splits: dict[str, BudgetSplit],
    lang: Lang,
    current: FloatArray,
    observed: FloatArray,
) -> list[str]:
    """The plans as CSV files and, with matplotlib installed, the figures as PNG files
    (in ``lang``; the landscapes with today's bids ``current`` marked, solid over the
    bids ``observed`` per keyword, shape (n_keywords, 2))."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if sheet is not None:
        # keyed by (campaign, ad group, keyword, match type), never by position; the
        # keyword group is looked up by the keyword's text
        group_of = dict(
            zip(groups.keywords.tolist(), groups.names[groups.labels].tolist(), strict=True)
        )
        _write_csv(
            out / "bid_plan.csv",
            [*KEY_COLUMNS, "group", "current_bid", "bid", "cost", "clicks", "orders"],
            (
                [
                    *key,
                    group_of.get(key[2], ""),
                    f"{sheet.current_bid[i]:.2f}",
                    f"{sheet.new_bid[i]:.2f}",
                    f"{sheet.cost[i]:.2f}",
                    f"{sheet.clicks[i]:.2f}",
                    f"{sheet.orders[i]:.3f}",
                ]
                for i, key in enumerate(sheet.keys())
            ),
        )
        written.append("bid_plan.csv")
    names = list(splits)
    channels = next(iter(splits.values())).channels
    _write_csv(
        out / "channel_split.csv",
        ["channel", *names],
        # yuan to the fen, as split.csv (not 699150.7599063285)
        ([c, *(f"{splits[n].allocation[c]:.2f}" for n in names)] for c in channels),
    )
    written.append("channel_split.csv")
    # the figures in the language asked: a Chinese figure names the channels and the
    # splits in Chinese too (the CSV files keep the English names)
    name = {n: (_SPLIT_ZH.get(n, n) if lang == "zh" else n) for n in splits}
    label = {c: (_CHANNEL_ZH.get(c, c) if lang == "zh" else c) for c in curves}
    shown = {
        n: dataclasses.replace(split, channels=tuple(label[c] for c in split.channels))
        for n, split in splits.items()
    }
    shown_curves = {label[c]: curve for c, curve in curves.items()}
    try:
        from bidopt import plotting

        figures = {
            "landscapes.png": plotting.plot_landscape(
                landscape,
                plan,
                metric="conversions",
                current_bids=current,
                observed_bids=observed,
                lang=lang,
            ),
            "response_curves.png": plotting.plot_response_curves(
                shown_curves,
                shown["optimal"],
                others={name["60/40 rule"]: shown["60/40 rule"]},
                lang=lang,
                name=name["optimal"],
            ),
            "channel_split.png": plotting.plot_split(
                {name[n]: split for n, split in shown.items()}, lang=lang
            ),
        }
        if frontier is not None:
            figures["frontier.png"] = plotting.plot_frontier(frontier, budget=budget, lang=lang)
    except ImportError as exc:
        return [f"Wrote {', '.join(written)} to {out}; no figures: {exc}"]
    for file, fig in figures.items():
        fig.savefig(out / file, dpi=110)
        written.append(file)
    return [f"Wrote {', '.join(sorted(written))} to {out}."]


def _write_csv(path: Path, header: list[str], rows: Iterable[Iterable[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:  # BOM: Excel reads it
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def run_demo(
    *,
    n_keywords: int,
    n_days: int,
    seed: int,
    channel_budget: float = 2_000_000.0,
    out: Path | None = None,
    lang: str = "en",
    progress: Callable[[str], None] | None = None,
) -> str:
    """The main job on a synthetic account: group its keywords, estimate landscapes,
    optimise bids under the budget as ``python -m bidopt plan`` does (on the estimate,
    safe default), split a channel budget; return the report.

    ``progress`` is called with a short message before each step; ``out`` is a
    directory for the plans (CSV) and figures (PNG, needs matplotlib, in ``lang``,
    "en" or "zh")."""
    lang = check_lang(lang)
    say = progress or (lambda message: None)
    say(
        f"building a synthetic account of {counted(n_keywords, 'keyword')} x "
        f"{counted(n_days, 'day')}"
    )
    account = make_search_account(n_keywords, n_days=n_days, rng=seed)
    say("grouping the keywords")
    groups, group_lines = _group_report(account, seed)
    say("estimating bid landscapes from the log")
    with warnings.catch_warnings(record=True) as caught:  # said in the report, not raw
        warnings.simplefilter("always")
        estimate = estimate_landscapes(account.log)
    landscape = estimate.landscapes
    now = account.expected().totals()
    budget = now["cost"]
    # today's bids are the account's current ones (the log's last day was a bid test)
    today = dict(zip(account.keywords.tolist(), account.current_bids.tolist(), strict=True))
    lines = [
        f"bidopt demo: synthetic Taobao search account, {counted(account.n_keywords, 'keyword')}, "
        f"{counted(account.theme_names.size, 'theme')}, {counted(n_days, 'day')} of history "
        f"(seed {seed})",
        "",
        account.log.summary(),
        "",
        *group_lines,
        "",
        f"Daily budget {budget:,.0f} yuan (today's spend), CPC cap {MAX_CPC:g} yuan, "
        f"target CPA {TARGET_CPA:g} yuan. Bids planned as 'python -m bidopt plan' plans your "
        "report: on "
        "the landscapes estimated from the log (the mean over the estimate's draws, with "
        "80% ranges), each bid kept near today's where the log cannot tell what a change "
        "buys (the trust region); judged on the account's true landscapes:",
        "",
    ]
    header = ["plan", "spend", "clicks", "orders", "CPA", "CPC", "CTR", "ROAS"]
    rows = [header, ["current bids", *_metrics(now)]]
    plan: BidPlan | None = None
    say("optimising bids under the budget")
    try:
        # on the estimate, with the safe default, as the plan command does
        with warnings.catch_warnings(record=True) as planning:
            warnings.simplefilter("always")
            plan = optimize_bids(
                estimate, budget, max_cpc=MAX_CPC, target_cpa=TARGET_CPA, current_bids=today
            )
        caught += planning
    except InfeasibleError as exc:
        lines.append(f"target CPA not reachable: {exc}")
    truth = None if plan is None else account.truth.expected(plan.bids).totals()
    if truth is not None:
        rows.append(["bidopt", *_metrics(truth)])
    lines.append(_table(rows))
    if plan is not None:
        raised = int((plan.bids > account.current_bids).sum())
        lowered = int(((plan.bids < account.current_bids) & (plan.bids > 0)).sum())
        paused = int((plan.bids == 0).sum())
        lines += [
            "",
            f"Bids raised on {counted(raised, 'keyword')}, lowered on {lowered:,}, paused on "
            f"{paused:,}.",
            f"Solver: {plan.message} Gap <= {plan.relative_gap:.1e} of the optimum; "
            + (
                f"one more yuan of budget buys {plan.shadow_price:.4f} orders."
                if plan.shadow_price > 0
                else "more budget would buy nothing more (the budget does not limit the plan)."
            ),
            *_range_lines(plan.ranges),
        ]
    if truth is not None:
        lines += _judged_on_truth(truth, budget, warned=bool(caught))
    lines += [f"warning: {m}" for m in dict.fromkeys(str(w.message) for w in caught)]
    say("splitting the channel budget")
    channel_lines, curves, splits = _channel_report(channel_budget)
    lines += ["", *channel_lines]
    if out is not None:
        frontier = None
        if plan is not None:
            say("tracing the spend/orders frontier for the figures")
            # on the landscape the plan was made on (the draws' mean, in the trust region)
            frontier = bid_frontier(
                estimate, np.linspace(0.3, 1.5, 9) * budget, max_cpc=MAX_CPC, current_bids=today
            )
        lines += [
            "",
            *_write_outputs(
                out,
                landscape=landscape,
                plan=plan,
                sheet=None if plan is None else make_bid_sheet(account.log, estimate, plan),
                groups=groups,
                frontier=frontier,
                budget=budget,
                curves=curves,
                splits=splits,
                lang=lang,
                current=account.current_bids,
                observed=_observed_bids(account.log, estimate),
            ),
        ]
    return "\n".join(lines)


def _observed_bids(log: KeywordLog, estimate: LandscapeEstimate) -> FloatArray:
    """Lowest and highest bid of each landscape row in the log, shape (n_keywords, 2)."""
    rows, n = estimate.model.row_of, estimate.n_keywords
    bids = np.asarray(log.bid, dtype=np.float64)
    low, high = np.full(n, np.inf), np.zeros(n)
    np.minimum.at(low, rows, bids)
    np.maximum.at(high, rows, bids)
    return np.column_stack([low, high])


def _judged_on_truth(truth: dict[str, float], budget: float, *, warned: bool) -> list[str]:
    """What the plan misses on the account's true landscapes: the budget (by more than
    1%) or the target CPA, in plain words (empty when it keeps both)."""
    missed = []
    if truth["cost"] > 1.01 * budget:
        missed.append(f"spends {truth['cost'] / budget - 1:.0%} more than the budget")
    if truth["cpa"] > TARGET_CPA:
        missed.append(f"pays {truth['cpa']:.2f} yuan per order, above the target CPA")
    if not missed:
        return []
    return [
        f"On the true landscapes the plan {' and '.join(missed)}: the landscapes estimated "
        "from the log are off there" + (" (see the warnings)." if warned else ".")
    ]


def parse_yuan(text: str) -> float:
    """A positive amount of money given on the command line (yuan), written as a report
    writes it: ``5000``, ``5,000``, ``5000元``, ``¥5000``, ``0.5万`` (the keyword report's
    number reader, ``bidopt.datasets``); an ``argparse`` type.

    Raises
    ------
    argparse.ArgumentTypeError
        If ``text`` is not such an amount, or not > 0.
    """
    value = float(parse_numbers(np.array([text], dtype=object))[0][0])
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(
            f"must be an amount of yuan > 0 (such as 5000, 5,000, 5000元, ¥5000 or 0.5万). "
            f"Got {text!r} instead."
        )
    return value


def _read_columns(path: Path, names: Sequence[str]) -> tuple[dict[str, list[str]], list[int]]:
    """The named columns of a data file (CSV, TSV or XLSX, header row first; UTF-8 or
    GB18030 text as ``bidopt._tables.read_table`` reads it), as text, and each data row's
    line (Excel row) number in the file."""
    table = read_table(path, name="DATA")
    header = list(table.columns)
    for name in names:
        if name not in header:
            raise MissingColumnError(
                f"Column {name!r} is not in {path.name}. Its columns: "
                f"{', '.join(repr(h) for h in header[:20])}."
            )
    columns = {
        n: ["" if v is None else str(v).strip() for v in table.columns[n].tolist()] for n in names
    }
    lines = [] if table.line_numbers is None else table.line_numbers.tolist()
    return columns, lines


def _numbers(values: list[str], name: str, path: Path, lines: list[int]) -> np.ndarray:
    out = np.empty(len(values))
    for i, text in enumerate(values):
        try:
            out[i] = float(text)
        except ValueError:
            raise InvalidInputError(
                f"Column {name!r} of {path.name} must hold numbers. Got {text!r} on line "
                f"{lines[i]} instead."
            ) from None
    return out


def in_flags(err: BidoptError, flags: dict[str, str]) -> BidoptError:
    """``err`` (the same type and attributes) with the library's parameter names in its
    message replaced by the command-line flags that set them (``{"control":
    "--control"}``: "`control` must be ..." reads "--control must be ...")."""
    text = str(err)
    for name, flag in flags.items():
        text = text.replace(f"`{name}`", flag)
    out = copy.copy(err)
    out.args = (text[:1].upper() + text[1:],)
    return out


#: abtest's flags, by the parameter of :func:`bidopt.experiments.compare` they set.
_ABTEST_FLAGS = {"control": "--control", "alpha": "--alpha"}


def run_abtest(
    path: Path,
    *,
    arm: str,
    metric: str,
    control: str | None = None,
    denominator: str | None = None,
    covariates: Sequence[str] = (),
    alpha: float = 0.05,
) -> str:
    """The report of ``python -m bidopt abtest``: each arm against the control on one
    metric of a CSV, TSV or XLSX file (one row per unit; UTF-8 or GB18030 text), with a verdict."""
    names = [arm, metric, *([denominator] if denominator else []), *covariates]
    columns, line_numbers = _read_columns(path, list(dict.fromkeys(names)))
    data: dict[str, object] = {arm: columns[arm]}
    for name in names[1:]:
        data[name] = _numbers(columns[name], name, path, line_numbers)
    try:
        result: Comparison = compare(
            data,
            arm=arm,
            metric=metric,
            control=control,
            denominator=denominator,
            covariates=list(covariates) or None,
            alpha=alpha,
        )
    except BidoptError as err:
        raise in_flags(err, _ABTEST_FLAGS) from None
    lines = [
        f"A/B test on {path.name}: {int(result.n.sum()):,} units in {result.arms.size} arms",
        *(
            [f"(control '{result.control}' is the first arm in the file; --control picks another)"]
            if control is None
            else []
        ),
        "",
        result.summary(),
        "",
        bayes_summary(result).summary(),
    ]
    if not result.srm.passed:
        lines += [
            "",
            "Do not trust the lifts above: the arm sizes do not match the design's split, so "
            "the assignment or the logging is broken somewhere.",
        ]
    return "\n".join(lines)


def quiet_broken_pipe() -> None:
    """After a ``BrokenPipeError`` on stdout (``python -m bidopt plan ... | head``: the
    reader stopped reading), point stdout at the null device so that the interpreter's
    flush at exit raises nothing more; the command then ends quietly, as CLI tools do
    (the Python documentation's recipe for SIGPIPE)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
