"""The merchant's commands: ``python -m bidopt plan`` (a keyword report -> a bid file and
a one-page report) and ``python -m bidopt split`` (a channel spend history -> a split
under a group rule and what the rule costs)."""

from __future__ import annotations

import csv
import dataclasses
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bidopt._cli import _range_lines, _table, in_flags
from bidopt._excel import sheet_note
from bidopt._split_words import gain_lines, rule_cost
from bidopt._tables import read_table
from bidopt._wording import amount, counted
from bidopt.bidding import bid_frontier, optimize_bids
from bidopt.channels import BudgetSplit, fit_response, split_budget
from bidopt.datasets import (
    HEADER_ALIASES,
    KeywordLog,
    LoadReport,
    read_channel_history,
    read_keyword_log,
)
from bidopt.exceptions import (
    BidoptWarning,
    InfeasibleError,
    InvalidInputError,
    MissingColumnError,
    MissingDependencyError,
)
from bidopt.landscape import estimate_landscapes
from bidopt.report import (
    KEY_COLUMNS,
    BidSheet,
    make_bid_sheet,
    render_plan_report,
    render_split_report,
    warning_en,
    write_bid_sheet,
    write_html,
)

__all__ = ["Rule", "canonical_order", "parse_rule", "run_plan", "run_split"]

Say = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def canonical_order(log: KeywordLog) -> KeywordLog:
    """The log's rows sorted by key, date and values, so that everything computed from it
    (landscapes, plans, the bid file) is the same whatever the order of the report."""
    keys: list[np.ndarray] = []
    for name in (*KEY_COLUMNS, "date"):
        column = getattr(log, name)
        if column is None:
            continue
        keys.append(column.to_numpy().astype(str) if name != "date" else column)
    for name in ("bid", "impressions", "clicks", "cost", "conversions", "revenue"):
        column = getattr(log, name)
        if column is not None:
            keys.append(column)
    order = np.lexsort(tuple(reversed(keys)))
    return log.take(order)


#: The first bytes of an Excel workbook: .xlsx (a zip) and the old binary .xls (OLE2).
def _renamed(exc: InvalidInputError, old: str, new: str) -> InvalidInputError:
    """``exc`` with a leading ``old`` (a reader's parameter name) read as ``new`` (the
    command line's name for it); other errors as they are."""
    text = str(exc)
    if type(exc) not in (InvalidInputError, MissingColumnError) or not text.startswith(old):
        return exc
    return type(exc)(new + text[len(old) :])


def _with_hint(exc: InvalidInputError, hint: str) -> InvalidInputError:
    """``exc`` with ``hint`` added to its message (``exc`` itself when there is none)."""
    if not hint or type(exc) not in (InvalidInputError, MissingColumnError):
        return exc
    return type(exc)(f"{exc} {hint}")


def _keyword_report_hint(path: Path) -> str:
    """A sentence when the file at ``path`` has a keyword column (a keyword report, not a
    channel history), else ``""``."""
    try:
        header = {re.sub(r"[\s_]", "", h).lower() for h in read_table(path).columns}
    except InvalidInputError:
        return ""
    if not header & set(HEADER_ALIASES["keyword"]):
        return ""
    return (
        f"{path.name} has a keyword column: it looks like a keyword report, which "
        "'python -m bidopt plan' reads; split reads a channel spend history (one row per "
        "period, a spend column per channel and a revenue column)."
    )


def _check_file(path: Path, what: str) -> None:
    """The command's input file must exist (what it holds is the reader's to check: an
    old .xls, a locked workbook or a web page is refused by :func:`bidopt._excel.is_xlsx`,
    saying what to do)."""
    if not path.is_file():
        raise InvalidInputError(
            f"{what} must be an existing file. Got {str(path)!r} instead"
            + (" (a directory)." if path.is_dir() else ": no such file.")
        )


#: The log column each objective of ``plan --objective`` is counted in.
_OBJECTIVE_COLUMN = {
    "clicks": "clicks",
    "conversions": "conversions",
    "revenue": "revenue",
    "profit": "revenue",
}


def _check_plan_columns(
    log: Any, name: str, objective: str, target_cpa: float | None, target_roas: float | None
) -> None:
    """The report must have the columns the plan counts: orders for ``--objective
    conversions`` and ``--target-cpa``, revenue for ``--objective revenue / profit`` and
    ``--target-roas``.  Say which is missing, its headers, and what the report supports."""
    needs = [(f"--objective {objective}", _OBJECTIVE_COLUMN.get(objective))]
    if target_cpa is not None:
        needs.append(("--target-cpa", "conversions"))
    if target_roas is not None:
        needs.append(("--target-roas", "revenue"))
    for option, column in needs:
        if column is None or getattr(log, column) is not None:
            continue
        usable = next(
            o for o in ("revenue", "conversions", "clicks") if getattr(log, o) is not None
        )
        label = "an orders" if column == "conversions" else f"a {column}"
        aliases = HEADER_ALIASES[column]
        heads = [a for a in aliases if a.isascii()][:2] + [a for a in aliases if not a.isascii()][
            :2
        ]
        remedy = (
            f"Plan for --objective {usable} instead"
            if option.startswith("--objective")
            else f"Plan without {option}"
        )
        raise InvalidInputError(
            f"{name} must have {label} column (a header such as {' / '.join(heads)}) to plan "
            f"with {option}. Got none among the columns read: {', '.join(log.columns)}. "
            f"{remedy}, or export the report with that column."
        )


def _dropped_note(load: LoadReport) -> str:
    """How many dropped rows are bad and the first one's reason, how many of the dropped
    rows are no bad data (``LoadIssue.bad_data``: totals lines, copies, rows that went
    with their keyword-day), and where each is listed."""
    dropped = load.issues_of(action="dropped")
    bad = [i for i in dropped if i.bad_data]
    totals = sum(i.kind in ("export_total", "split_total") for i in dropped)
    copies = sum(i.kind == "repeat" for i in dropped)
    followers = sum(i.kind == "with_its_day" for i in dropped)
    parts = [f"{counted(len(bad), 'bad row')}, first: {bad[0].text}"] if bad else []
    benign = []
    if totals:
        benign.append(f"{counted(totals, 'totals line')} of the report")
    if copies:
        benign.append(
            "1 exact copy of an earlier row"
            if copies == 1
            else f"{copies:,} exact copies of earlier rows"
        )
    if benign:
        parts.append(" and ".join(benign) + ", not bad data")
    if followers:
        parts.append(f"{counted(followers, 'row')} dropped with a bad row of the same keyword-day")
    parts.append("each listed with its reason in report.html")
    return "; ".join(parts)


def run_plan(
    path: Path,
    *,
    budget: float,
    objective: str = "conversions",
    max_cpc: float | None = None,
    target_cpa: float | None = None,
    target_roas: float | None = None,
    min_bid: float = 0.05,
    max_bid: float = 99.99,
    out: Path,
    lang: str = "zh",
    strict: bool = False,
    safe: bool = True,
    progress: Say | None = None,
) -> str:
    """Read a keyword report, estimate landscapes, optimise bids under the daily budget,
    and write ``bids.xlsx`` (with openpyxl), ``bids.csv`` and ``report.html`` to ``out``;
    return what to print."""
    say = progress or _quiet
    say(f"reading {path.name}")
    _check_file(path, "REPORT (the keyword report)")
    try:
        log = read_keyword_log(path, errors="raise" if strict else "drop")
    except InvalidInputError as exc:
        # the reader names its Python parameter and option; the command line calls them
        # REPORT and (without) --strict
        refused = _renamed(exc, "`source`", "REPORT (the keyword report)")
        python = "pass errors='drop' to drop bad rows and list them in its `.report`"
        if strict and type(refused) is InvalidInputError and python in str(refused):
            plain = "run without --strict to drop bad rows and list them in report.html"
            refused = InvalidInputError(str(refused).replace(python, plain))
        raise refused from None
    load = log.report
    if len(log) == 0:
        why = "; ".join(load.causes()[:3])
        raise InvalidInputError(
            f"{path.name} must have at least one valid row. Got "
            + (f"none: {why}" if why else "a header and no data rows")
            + " instead."
        )
    for column in ("bid", "cost"):  # the landscapes need both: say it with the headers
        if getattr(log, column) is None:
            raise InvalidInputError(
                f"{path.name} must have a {column} column (a header such as "
                f"{' / '.join(HEADER_ALIASES[column][:4])}) to plan bids. Got none among "
                f"the columns read: {', '.join(log.columns)}."
            )
    _check_plan_columns(log, path.name, objective, target_cpa, target_roas)
    _check_one_bid_per_day(load, path.name)
    _check_one_row_per_day(log, path.name)
    log = canonical_order(log)
    say(f"estimating bid landscapes of {counted(len(log), 'keyword-day')}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate = estimate_landscapes(log)
        say(f"optimising {counted(estimate.n_keywords, 'bid')} under {budget:,.2f} yuan a day")
        # planned on the estimate: the mean landscape over its draws, 80% ranges, and
        # (safe) bids kept near today's where the log cannot tell what a change buys
        limits: dict[str, Any] = {
            "objective": objective,
            "target_cpa": target_cpa,
            "target_roas": target_roas,
            "min_bid": min_bid,
            "max_bid": max_bid,
            "safe": safe,
        }
        plan = optimize_bids(estimate, budget, max_cpc=max_cpc, **limits)
    uncapped = None
    if max_cpc is not None and bool((plan.bids == 0).any()):
        # the same plan without the CPC cap: the keywords it bids on and the plan pauses
        # are paused by the cap (the sheet says how many and what they buy today)
        say("planning without the CPC cap, to see what it pauses")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # said for the plan itself above
            uncapped = optimize_bids(estimate, budget, **limits)  # the same, without the cap
    sheet = make_bid_sheet(
        log,
        estimate,
        plan,
        min_bid=min_bid,
        max_bid=max_bid,
        budget=budget,
        max_cpc=None if uncapped is None else max_cpc,
        uncapped=uncapped,
    )
    # what the library warned about (e.g. bids that never varied) goes into the report,
    # each text once, as the warnings themselves: a Chinese page says the known kinds in
    # Chinese from their kind and details (BidSheet.warnings_in), the rest as written
    said: dict[str, str | Warning] = {}
    for w in caught:
        said.setdefault(str(w.message), w.message)
    sheet = dataclasses.replace(sheet, warnings=sheet.warnings + tuple(said.values()))
    say("tracing the spend/return frontier")
    today = sheet.totals()["today"]["spend"] or budget  # the frontier spans today and the plan
    # (the plan's spend, not the budget, when the budget does not limit it: twelve budgets
    # up to 1.5 x 5,000 on a plan spending 114 drew one point and a flat line)
    spans = budget if sheet.spend >= 0.9 * budget or sheet.spend <= 0 else sheet.spend
    # on the landscape the plan was made on (the draws' mean, within the trust region)
    frontier = bid_frontier(
        estimate,
        np.linspace(0.25 * min(spans, today), 1.5 * max(spans, today), 12),
        objective=objective,  # type: ignore[arg-type]
        max_cpc=max_cpc,
        min_bid=min_bid,
        max_bid=max_bid,
        safe=safe,
    )
    out.mkdir(parents=True, exist_ok=True)
    written = [write_bid_sheet(sheet, out / "bids.csv", lang=lang)]  # type: ignore[arg-type]
    try:
        written.append(write_bid_sheet(sheet, out / "bids.xlsx", lang=lang))  # type: ignore[arg-type]
    except MissingDependencyError as exc:
        written_note = f" (no bids.xlsx: {exc})"
    else:
        written_note = ""
    say("writing the report")
    html = render_plan_report(
        sheet,
        frontier=frontier,
        ranges=plan.ranges,
        load_report=load,
        source=path.name,
        lang=lang,  # type: ignore[arg-type]
        log=log,
    )
    written.append(write_html(html, out / "report.html"))
    t = sheet.totals()
    attribution = load.n_attribution
    counts = {a: int((sheet.action == a).sum()) for a in ("raise", "lower", "pause", "start")}
    lines = [
        f"Read {counted(load.n_read, 'row')} of {path.name}{sheet_note(load.source)}: "
        f"kept {load.n_kept:,}, dropped {load.n_dropped:,}"
        + (f" ({_dropped_note(load)})" if load.reasons else "")
        + (
            f"; {counted(attribution, 'row')} with more orders than clicks kept (Taobao "
            "attribution)"
            if attribution
            else ""
        )
        + ".",
        *([load.title_note()] if load.title_rows else []),
        *([note] if (note := load.split_note()) else []),
        *_lost_lines(load),
        f"{counted(sheet.n_rows, 'keyword')} (campaign x ad group x keyword x match type), "
        f"{counted(np.unique(log.date).size, 'day')}.",
        "",
        _table(
            [
                ["per day", "today", "plan"],
                *(
                    [label, _per_day(t["today"][key]), _per_day(t["plan"][key])]
                    for label, key in (
                        ("spend (yuan)", "spend"),
                        ("clicks", "clicks"),
                        ("orders", "orders"),
                        ("CPA (yuan)", "cpa"),
                    )
                ),
            ]
        ),
        "",
        f"Bids: {counts['raise']:,} raised, {counts['lower']:,} lowered, "
        f"{counts['pause']:,} paused, {counts['start']:,} started; rounded {sheet.rounded()} "
        f"within {sheet.min_bid:g}-{sheet.max_bid:g}: expected spend "
        f"{sheet.spend:,.2f} of the {sheet.budget:,.2f} budget "
        f"({'kept' if sheet.success else 'NOT kept: ' + sheet.message})"
        + (f"; {note}." if (note := sheet.aim_note("en")) else "."),
        _margin_line(sheet, capped=max_cpc is not None, target_cpa=target_cpa),
        *_range_lines(plan.ranges),
        # (the library's warnings as the command line says them: no Python names)
        *(f"warning: {w}" for w in sheet.warnings_in("en")),
        "",
        f"Wrote {', '.join(p.name for p in written)} to {out}{written_note}.",
    ]
    return "\n".join(lines)


def _check_one_bid_per_day(load: LoadReport, name: str) -> None:
    """A report split by device or hour whose rows of one keyword-day carry different bids
    (left on their rows by the reader, ``load.unsummed``) cannot be planned: the bid
    file writes one bid per keyword, and such a day has none (a device bid premium, or a
    bid changed within the day).  Say which keyword-days and what to do."""
    if not load.unsummed:
        return
    by = "/".join(load.split_columns) or "device"
    # each keyword as the report writes it (its match type too: 精确匹配, not exact)
    days = tuple(d.text(match_labels=load.match_labels) for d in load.unsummed)
    n_keys = len({d.key for d in load.unsummed})
    shown = "; ".join(days[:3]) + ("; ..." if len(days) > 3 else "")
    raise InvalidInputError(
        f"{name} must have one bid per keyword-day to plan (the bid file writes one bid per "
        f"keyword). Got {counted(len(days), 'keyword-day')} ({counted(n_keys, 'keyword')}) "
        f"whose rows, split by {by}, carry "
        f"different bids (device bid premiums, or a bid changed within the day): {shown} "
        "instead. Summing them would read each such day at an average bid that no platform "
        f"bid equals. Export the report without the {by} split (one row per keyword and "
        "day), or in Python read it with read_keyword_log(path, splits='sum_click_weighted') "
        "(each such day at its click-weighted bid, said in the report) and plan from that log."
    )


def _check_one_row_per_day(log: KeywordLog, name: str) -> None:
    """A report with several rows for one keyword-day that the reader did not sum (no
    split column, or the same split label twice: a report exported twice, or pasted
    together from two exports that disagree) cannot be planned.  Say so with the
    report's own rows and lines (the landscape estimate's refusal named the rows of the
    reordered log, and a Python remedy that would add the copies up)."""
    counts = np.bincount(log.day_key())
    if counts.size == 0 or counts.max() <= 1:
        return
    load = log.report
    # the reader's flag on each such row, without its remedy: "row 574 (line 576 of
    # '...'): `keyword` repeats the keyword-day and device of row 2 with different values"
    repeats = [i.fault for i in load.issues_of("key_repeat", action="flagged")]
    split = "/".join(load.split_columns)
    raise InvalidInputError(
        f"{name} must have one row per keyword"
        + (f", day and {split} label" if split else " and day")
        + f" to plan. Got {counted(int((counts > 1).sum()), 'keyword-day')} on several rows "
        "instead"
        + (f" (first: {repeats[0]})" if repeats else "")
        + ". If the report was exported twice or pasted together from two exports, keep "
        "one copy of each row; "
        + (
            f"if {split} labels repeat within a day, export the report again."
            if split
            else "if it is split by device, hour or traffic source, export it with that "
            "column (设备 / 小时 / 流量来源: its rows are then summed per day), or without "
            "the split."
        )
    )


def _lost_lines(load: LoadReport, shown: int = 5) -> list[str]:
    """The keywords with no row in the bid file (every row of theirs dropped), named."""
    if not load.lost_keys:
        return []
    more = len(load.lost_keys) - shown
    return [
        f"warning: {counted(len(load.lost_keys), 'keyword')} "
        + (
            "has no row in the bid file (all its rows were dropped; its bid is left as it is):"
            if len(load.lost_keys) == 1
            else "have no row in the bid file (every row of theirs was dropped; their bids "
            "are left as they are):"
        ),
        *(f"  {key}" for key in load.lost_keys[:shown]),
        *([f"  ... and {more:,} more (see report.html)"] if more > 0 else []),
    ]


def _per_day(value: float) -> str:
    """A figure of the today/plan table; "-" where it has no value (a CPA without orders)."""
    return f"{value:,.2f}" if np.isfinite(value) else "-"


def _margin_line(sheet: BidSheet, *, capped: bool = False, target_cpa: float | None = None) -> str:
    """What the last yuan the plan spends buys, in the plan objective's unit (``capped``:
    the plan has a CPC cap, named among what may limit it; ``target_cpa``, yuan: the
    target, named as what limits the plan when the plan's cost per order is at it)."""
    unit = {"conversions": "orders", "clicks": "clicks"}.get(sheet.objective)
    if not np.isfinite(sheet.marginal_cpa) or sheet.marginal_cpa <= 0:
        cpa = sheet.totals()["plan"]["cpa"]
        if target_cpa is not None and np.isfinite(cpa) and cpa >= target_cpa * (1 - 1e-3):
            return (
                f"The budget does not limit the plan: the target CPA does (the plan's cost "
                f"per order is at the {target_cpa:,.2f}-yuan target; a higher --target-cpa "
                "buys more orders, at a higher cost per order)."
            )
        limits = "the CPC cap, the bid limits" if capped else "the bid limits"
        return (
            f"The budget does not limit the plan: more of it would buy no more "
            f"{unit or sheet.objective} ({limits}, the trust region or a target limit it)."
        )
    if unit is not None:
        return (
            f"At the plan's margin one more {unit[:-1]} costs {sheet.marginal_cpa:,.2f} yuan "
            f"(the last yuan the plan spends buys {unit} at this price)."
        )
    return (
        f"At the plan's margin one more yuan of budget adds {1.0 / sheet.marginal_cpa:,.2f} "
        f"yuan of {sheet.objective}."
    )


@dataclass(frozen=True, slots=True)
class Rule:
    """One ``--rule``: a group of channels and its share of the budget (exact or range)."""

    group: str
    channels: tuple[str, ...]
    share: float | tuple[float, float]

    def label(self) -> str:
        """E.g. ``core 60%`` or ``core 55-65%``."""
        if isinstance(self.share, tuple):
            return f"{self.group} {self.share[0]:.0%}-{self.share[1]:.0%}"
        return f"{self.group} {self.share:.0%}"


_RULE = re.compile(r"^\s*([^=]+?)\s*=\s*(.+?)\s*:\s*([0-9.]+%?)(?:\s*-\s*([0-9.]+%?))?\s*$")


#: Full-width punctuation a Chinese keyboard types in a rule, read as its ASCII twin.
_FULL_WIDTH = str.maketrans({"：": ":", "＝": "=", "％": "%", "－": "-", "～": "-", "．": "."})


def _share(text: str, rule: str) -> float:
    value = float(text.rstrip("%")) / (100.0 if text.endswith("%") else 1.0)
    if not 0.0 <= value <= 1.0:
        raise InvalidInputError(
            f"`--rule` must give a share between 0 and 1 (or 0% and 100%) of the budget. Got "
            f"{text!r} in {rule!r} instead."
        )
    return value


def parse_rule(text: str) -> Rule:
    """``core=直通车,钻展,淘宝客:0.6`` (or ``:60%``, or a range ``:0.55-0.65``)."""
    match = _RULE.match(text.translate(_FULL_WIDTH))
    try:
        if match is None:
            raise ValueError(text)
        channels = tuple(c.strip() for c in re.split(r"[,，、]", match.group(2)) if c.strip())
        low = _share(match.group(3), text)
        share: float | tuple[float, float] = low
        if match.group(4):
            share = (low, _share(match.group(4), text))
            if share[0] > share[1]:
                raise ValueError(text)
    except InvalidInputError:
        raise  # a share out of range, said as such
    except ValueError:
        raise InvalidInputError(
            "`--rule` must look like GROUP=CHANNEL,CHANNEL:SHARE, the share a fraction or "
            f"percentage or a range (core=直通车,钻展:0.6 or core=直通车,钻展:55%-65%). Got "
            f"{text!r} instead."
        ) from None
    if not channels:
        raise InvalidInputError(f"`--rule` must name at least one channel. Got {text!r} instead.")
    return Rule(match.group(1).strip(), channels, share)


def _check_rules_apart(rules: Sequence[Rule]) -> None:
    """Each --rule its own group name and its own channels (a second rule of one name
    replaced the first without a word, and the table's caption still named both)."""
    seen: dict[str, str] = {}
    for at, rule in enumerate(rules):
        if any(r.group == rule.group for r in rules[:at]):
            raise InvalidInputError(
                f"Each `--rule` must name its own group. Got {rule.group!r} twice instead; "
                "give one rule per group (its channels together), or rename one."
            )
        for channel in rule.channels:
            if channel in seen:
                where = (
                    f"twice in {rule.group!r}"
                    if seen[channel] == rule.group
                    else f"in {seen[channel]!r} and {rule.group!r}"
                )
                raise InvalidInputError(
                    f"Each channel must be in at most one `--rule`, once. Got {channel!r} "
                    f"{where} instead."
                )
            seen[channel] = rule.group


def _in_flags(err: InfeasibleError) -> InfeasibleError:
    """A split's infeasibility in the command line's words: the parameters it names as
    the flags that set them, and the remedy."""
    said = in_flags(err, {"group_shares": "the --rule shares", "total_budget": "--budget"})
    return InfeasibleError(f"{said} Change the --rule shares (or --budget).", err.conflicts)


def run_split(
    path: Path,
    *,
    budget: float,
    rules: Sequence[str],
    kpi: str | None = None,
    out: Path | None = None,
    lang: str = "zh",
    seed: int = 0,
    safe: bool = True,
    progress: Say | None = None,
) -> str:
    """Fit response curves (with their draws) to a channel spend history, split ``budget``
    (yuan per period of the history) over the draws under the rules and without them,
    each from today's split (:func:`bidopt.channels.split_budget` of the fit; ``safe``:
    moving only as far as the draws support, else the expected-revenue split), and write
    ``split_report.html`` and ``split.csv`` to ``out``; return what to print."""
    say = progress or _quiet
    parsed = [parse_rule(r) for r in rules]
    if not parsed:
        raise InvalidInputError("`--rule` must be given at least once. Got none.")
    _check_rules_apart(parsed)
    say(f"reading {path.name}")
    _check_file(path, "HISTORY (the channel spend history)")
    try:
        history = read_channel_history(path, kpi=kpi)
    except InvalidInputError as exc:
        # a keyword report given to split (the other command's file): say so
        raise _with_hint(exc, _keyword_report_hint(path)) from None
    known = set(history.channels)
    for rule in parsed:
        unknown = [c for c in rule.channels if c not in known]
        if unknown:
            # a channel is a column of the history: a name the file lacks is a usage
            # error (exit 2), as --kpi's
            raise MissingColumnError(
                f"`--rule` {rule.group} must name channels of {path.name}. Got {unknown} "
                f"instead; its channels: {', '.join(history.channels)}."
            )
    say(
        f"fitting response curves to {counted(history.n_periods, 'period')} of "
        f"{counted(len(known), 'channel')}"
    )
    # what the library warns about (a channel whose spend never varied, a few draws
    # dominating a mean) is printed with the command's own warnings, not as a raw Python
    # warning with a source line
    caught: list[Any] = []
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        fit = fit_response(history.spend_by_channel(), history.kpi, rng=seed)
    caught += recorded
    recent = history.spend[-min(4, history.n_periods) :].mean(axis=0)
    current = None
    if recent.sum() > 0:
        current = {
            c: float(x) * budget / float(recent.sum())
            for c, x in zip(history.channels, recent, strict=True)
        }
    name = ", ".join(r.label() for r in parsed)
    say("splitting the budget over the curve draws")
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        try:
            ruled = split_budget(
                fit,
                budget,
                groups={r.group: list(r.channels) for r in parsed},
                group_shares={r.group: r.share for r in parsed},
                current=current,
                safe=safe,
            )
        except InfeasibleError as err:
            raise _in_flags(err) from err
        skewed = _check_draws(ruled, fit, history.n_periods, history.kpi)
        free = split_budget(fit, budget, current=current, safe=safe)
    caught += recorded
    splits = {name: ruled, NO_RULE: free}
    observed = history.observed_range()
    # each warning in English (printed) and Chinese (the zh page)
    notes: list[str] = []
    notes_zh: list[str | Warning] = []

    def warn(en: str, zh: str | Warning) -> None:
        notes.append(en)
        notes_zh.append(zh)

    if skewed is not None:
        warn(*skewed)
    # the library's warnings, each text once: the zh page says the known kinds in
    # Chinese from their kind and details (render_split_report), the rest as written
    library: dict[str, Warning] = {}
    for w in caught:
        library.setdefault(" ".join(str(w.message).split()), w.message)
    for warning in library.values():
        warn(" ".join(warning_en(warning).split()), warning)  # (no Python names)
    # (a channel fit_response named as spending the same every period is not said again)
    flat = {
        c
        for w in library.values()
        if isinstance(w, BidoptWarning) and w.kind == "flat_spend"
        for c in w.details.get("channels", ())
    }
    if history.dropped:
        left_out = "; ".join(history.dropped[:3])
        warn(
            f"Left out {counted(len(history.dropped), 'row')} that "
            f"{'is not a period' if len(history.dropped) == 1 else 'are not periods'}: "
            f"{left_out}",
            f"已剔除 {len(history.dropped)} 行（不是一期）：{left_out}",
        )
    if fit.r2 < 0.5:
        warn(
            f"The fitted curves explain only {fit.r2:.0%} of the revenue's ups and downs (R²): "
            "treat the split as a rough guide.",
            f"拟合的曲线只解释了成交金额波动的 {fit.r2:.0%}（R²）：分配结果仅供粗略参考。",
        )
    if history.n_periods < 26:
        warn(
            f"Only {counted(history.n_periods, 'period')} of history: the curves rest on few "
            "points.",
            f"历史只有 {history.n_periods} 期：曲线依据的数据点很少。",
        )
    for en, zh in _unidentified_warnings(fit):
        warn(en, zh)
    for j, c in enumerate(history.channels):
        spend = history.spend[:, j]
        if spend.mean() > 0 and spend.std() < 0.1 * spend.mean() and c not in flat:
            warn(
                f"{c}'s spend barely varied in the history, so how its revenue responds to "
                "more or less money is not observed: its curve's shape is a guess.",
                f"{c}的花费在历史上几乎没有变化，看不到多花或少花钱时成交金额如何变化："
                "它的曲线形状是猜测。",
            )
        lo, hi = observed[c]
        for key in (name, NO_RULE):
            planned = splits[key].spend[j]
            if planned > hi * 1.001 or planned < lo * 0.999:
                above = planned > hi
                edge = hi if above else lo
                which = "split without the rule" if key == NO_RULE else f"{key} split"
                warn(
                    f"The {which} puts {planned:,.0f} yuan on {c}, "
                    f"{'above the most' if above else 'below the least'} it ever spent "
                    f"({edge:,.0f}): revenue there is extrapolated.",
                    f"{'无规则的分配' if key == NO_RULE else f'“{key}”分配'}给{c} {planned:,.0f} "
                    f"元，{'高于历史最高花费' if above else '低于历史最低花费'}（{edge:,.0f}）："
                    "那里的成交金额是外推的。",
                )
                break
    lines = [
        history.summary(),
        f"Fit: R2 {fit.r2:.3f}, NRMSE {fit.nrmse:.3f}.",
        "",
        f"Split of {budget:,.0f} yuan per period under {name}. {_how(ruled, safe)}",
        "",
    ]
    columns: dict[str, Any] = {} if ruled.current_spend is None else {"today": ruled.current_spend}
    columns.update({key: s.spend for key, s in splits.items()})
    rows = [["channel", *columns, "observed range"]]
    for j, c in enumerate(history.channels):
        lo, hi = observed[c]
        rows.append([c, *(f"{x[j]:,.0f}" for x in columns.values()), f"{lo:,.0f}..{hi:,.0f}"])
    revenue = [s.response for s in splits.values()]
    if ruled.current_response is not None:
        revenue.insert(0, ruled.current_response)
    rows.append(["revenue", *(f"{r:,.0f}" for r in revenue), ""])
    lines.append(_table(rows))
    lines += ["", *gain_lines(ruled, name), *_rule_cost_lines(ruled, free, safe)]
    lines += [f"warning: {w}" for w in notes]
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        html = render_split_report(
            {name: ruled, "optimal": free},
            fit.curves,
            rule=name,
            observed=observed,
            fit=fit,
            warnings=tuple(notes_zh if lang == "zh" else notes),
            source=path.name,
            lang=lang,  # type: ignore[arg-type]
        )
        write_html(html, out / "split_report.html")  # (beside a plan's report.html)
        with (out / "split.csv").open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["channel", *columns])
            for j, c in enumerate(history.channels):
                writer.writerow([c, *(f"{x[j]:.2f}" for x in columns.values())])
        lines += ["", f"Wrote split_report.html, split.csv to {out}."]
    return "\n".join(lines)


NO_RULE = "no rule"


def _three_digits(value: float) -> str:
    """A marginal return for a warning: three significant digits, trailing zeros kept
    (2.00 beside 0.941 to 3.05), never as an exponent (0.0000774, not 7.74e-05; below
    a millionth, 0.000000; 0 as 0); from 100 up, a whole number with separators."""
    if value == 0:
        return "0"
    if abs(value) < 1e-6:
        return f"{value:.6f}".replace("-", "")  # (not "-0.000000")
    text = str(np.format_float_positional(value, precision=3, unique=False, fractional=False))
    text = text.rstrip(".")  # (99.96 rounds to "100.")
    return amount(value) if abs(float(text)) >= 100 else text


def _unidentified_warnings(fit: Any) -> list[tuple[str, str]]:
    """A warning in English and Chinese for each channel the library flags as not
    identified (``fit.intervals().identified``: its 80% marginal-ROI interval over the
    curve draws, at its mean spend, wider than its median; or a curve parameter the
    history leaves unbounded), the channels the split's words send to a lift test."""
    intervals = fit.intervals()
    held = set(fit.draws.held)
    out = []
    for j, c in enumerate(intervals.channels):
        if intervals.identified[j]:
            continue
        lo, mid, hi = (
            _three_digits(float(a[j]))
            for a in (intervals.marginal_low, intervals.marginal_roi, intervals.marginal_high)
        )
        spend = amount(float(intervals.spend[j]))
        if c in held:
            why = f"the history leaves a parameter of {c}'s curve unbounded"
            why_zh = f"历史数据让{c}的曲线有一个参数无从约束"
        else:
            why = (
                f"{lo} to {hi} yuan of revenue at its mean spend of {spend} yuan per period "
                f"(80% of the fit's curve draws), a range wider than its middle value {mid}"
            )
            why_zh = (
                f"在它每期 {spend} 元的平均花费处为 {lo} 到 {hi} 元（拟合曲线抽样的 80%），"
                f"这个范围比中间值 {mid} 还宽"
            )
        out.append(
            (
                f"The history cannot pin down what one more yuan on {c} earns: {why}. The "
                f"split's advice for {c} is unreliable; vary its spend more, or test it with "
                "a lift test.",
                f"历史数据无法确定在{c}上多花一元能带来多少成交金额：{why_zh}。对{c}的分配建议"
                "不可靠；请让它的花费有更多变化，或做增量（lift）测试。",
            )
        )
    return out


#: The curve draws' mean (the figures printed) or median revenue at today's split more
#: than this factor off the fitted curves' (either way): the split is refused.
DRAWS_REFUSE = 10.0
#: ... more than this factor off: the figures are said to be inflated (or deflated).
DRAWS_WARN = 2.0


def _check_draws(
    split: BudgetSplit, fit: Any, n_periods: int, kpi: np.ndarray
) -> tuple[str, str] | None:
    """Compare the curve draws with the fit itself at today's split: the mean over the
    draws of its revenue (the figure the split prints) and the median, against the
    fitted curves'.  Raise when either is more than :data:`DRAWS_REFUSE` times off (the
    parameters' standard errors so wide that the draws leave the history's scale, e.g.
    on a short history: every figure would be meaningless); return a warning in English
    and Chinese when the mean is more than :data:`DRAWS_WARN` times off; else None."""
    draws = split.current_response_draws
    if draws is None or split.current_spend is None:
        return None
    point = float(
        sum(
            float(np.asarray(fit.curves[c](np.array([x])))[0])
            for c, x in zip(split.channels, split.current_spend, strict=True)
        )
    )
    mean, median = float(np.mean(draws)), float(np.median(draws))
    if point <= 0:
        return None

    def off(value: float, factor: float) -> bool:
        return not factor**-1 <= value / point <= factor

    if off(mean, DRAWS_REFUSE) or off(median, DRAWS_REFUSE):
        raise InvalidInputError(
            f"The history must pin the response curves down well enough to split on. Got "
            f"{counted(n_periods, 'period')} whose fit's {draws.size} curve draws put today's "
            "split at "
            f"{mean:,.0f} yuan of revenue per period (mean; median {median:,.0f}; the fitted "
            f"curves: {point:,.0f}; the history's largest period: {float(np.max(kpi)):,.0f}) "
            "instead: the curves' parameters are not identified, so the split's figures "
            "would be meaningless. Give a longer history in which each channel's spend "
            "varies, or lift-test the channels."
        )
    if not off(mean, DRAWS_WARN):
        return None
    ratio = mean / point
    return (
        f"Over the fit's {draws.size} curve draws today's split earns {ratio:.1f} times what "
        f"the fitted curves say ({mean:,.0f} against {point:,.0f} yuan per period): a few "
        "draws far from the fit pull the means, so the revenue figures and gains below are "
        "off by about as much; a longer history narrows the draws.",
        f"按 {draws.size} 条曲线抽样，当前分配的成交金额是拟合曲线的 {ratio:.1f} 倍（{mean:,.0f} "
        f"对 {point:,.0f} 元/期）：少数远离拟合的抽样拉高了平均值，下面的成交金额和增益也会"
        "偏差这么多；更长的历史能收窄抽样。",
    )


def _how(split: BudgetSplit, safe: bool) -> str:
    """How the split was made, in words (the table's caption)."""
    n = 0 if split.response_draws is None else split.response_draws.size
    how = (
        "Safe default: from today's split, only as far as the fit's "
        f"{n} curve draws support (--no-safe: the expected-revenue split)."
        if safe
        else f"The split with the most expected revenue over the fit's {n} curve draws."
    )
    return how + " Revenue: the mean over the draws."


def _rule_cost_lines(ruled: BudgetSplit, free: BudgetSplit, safe: bool) -> list[str]:
    """What the rule costs against the split without it, over the same curve draws (or,
    when the split under it earns more, which two safe splits can, that it gains)."""
    cost, spread = rule_cost(ruled, free)
    against = "the same safe split without the rule" if safe else "the split without the rule"
    sign = 1.0 if cost >= 0 else -1.0
    interval = (
        ""
        if spread is None
        else (
            f" (80% interval {min(sign * spread[0], sign * spread[1]):,.0f} to "
            f"{max(sign * spread[0], sign * spread[1]):,.0f} over the curve draws)"
        )
    )
    if cost < 0:  # not "costs -79,613 yuan"
        return [
            f"The split under the rule earns {-cost:,.0f} yuan more revenue per period"
            f"{interval} than {against}."
        ]
    return [f"The rule costs {cost:,.0f} yuan of revenue per period{interval} against {against}."]
