"""The upload-ready bid file: one row per (campaign, ad group, keyword, match type)."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._excel import write_xlsx
from bidopt._lang import Lang, check_lang
from bidopt._optional import require_pandas
from bidopt._validation import check_instance, check_scalar, short_repr
from bidopt._wording import counted
from bidopt.bidding import BidPlan
from bidopt.datasets import KeywordLog
from bidopt.exceptions import InvalidInputError
from bidopt.landscape import LandscapeEstimate
from bidopt.report._words import (
    ACTION_ZH,
    FEW_CLICKS,
    HEADERS,
    MATCH_ZH,
    QUIET_BEFORE,
    aim_note,
    bid_reasons,
    cap_warning,
    sheet_warnings,
    trust_warning,
    warning_en,
    warning_zh,
)
from bidopt.typing import BoolArray, FloatArray, ObjectArray

__all__ = ["KEY_COLUMNS", "BidSheet", "make_bid_sheet", "write_bid_sheet"]

#: The columns that identify a row of a plan, end to end.
KEY_COLUMNS = ("campaign", "ad_group", "keyword", "match_type")


@dataclass(frozen=True, slots=True, eq=False)
class BidSheet:
    """A bid plan as the rows a merchant uploads, keyed by campaign, ad group, keyword and
    match type (never by position), with bids rounded to the platform's step.

    Attributes
    ----------
    campaign, ad_group, keyword, match_type : ndarray of object, shape (n_rows,)
        The key of each row (empty text where the report has no such column); rows are
        sorted by key, so the sheet does not depend on the order of the report's rows.
    current_bid : ndarray of float64, shape (n_rows,)
        The bid on the report's latest day for the key, yuan.
    new_bid : ndarray of float64, shape (n_rows,)
        The plan's bid rounded to ``step`` and within [``min_bid``, ``max_bid``], yuan;
        0 means pause the keyword.  The bid file writes :attr:`upload_bid` (a bid of 0
        cannot be uploaded: the file gives a paused keyword ``min_bid`` and says pause).
    action : ndarray of object, shape (n_rows,)
        ``"raise"``, ``"lower"``, ``"keep"``, ``"pause"`` or ``"start"`` (bid on a
        keyword that had no bid on the latest day).
    current_cost, current_clicks, current_orders : ndarray of float64, shape (n_rows,)
        What the current bid buys per day on the estimated landscape (orders NaN without
        an orders column).
    cost, clicks, orders : ndarray of float64, shape (n_rows,)
        What the new (rounded) bid buys per day.
    history_clicks : ndarray of float64, shape (n_rows,)
        Clicks of the key in the whole report (the evidence behind its landscape).
    max_history_bid : ndarray of float64, shape (n_rows,)
        The highest bid the key had in the report, yuan.
    budget : float
        The merchant's daily budget, yuan.
    aim : float
        The budget the plan was optimised for, yuan (``plan.budget``): below ``budget``
        when a plan made on an estimate aims lower so that its spend stays within the
        budget in at least half of the estimate's draws
        (:func:`~bidopt.bidding.optimize_bids`), never above it.  ``success`` checks the
        rounded bids' spend against this.
    planned_spend : float
        The optimiser's expected spend before rounding, yuan.
    spend : float
        Expected spend of the rounded bids, yuan (``cost.sum()``).
    rounding : str
        ``"nearest"``, or ``"down"`` when rounding to the nearest step would have spent
        more than the budget.
    step, min_bid, max_bid : float
        The platform's bid step and bid limits, yuan.
    objective : str
        What the plan maximised.
    marginal_cpa : float
        Yuan per extra order (or click) at the plan's margin (inf when the budget does
        not bind).
    warnings : tuple of str or Warning
        What the data cannot tell, in plain words; the library's warnings a caller adds
        (the command line adds those of the estimate and the plan) may be the
        :class:`Warning` objects themselves, said by their text (:meth:`warnings_in`).
    warnings_zh : tuple of str
        The same warnings in Chinese (see :meth:`warnings_in`).
    success : bool
        The rounded plan spends at most the budget and every bid is within the limits.
    message : str
    capped : ndarray of bool, shape (n_rows,), or None
        Rows paused by the CPC cap: paused in the plan, bidding in the same plan made
        without ``max_cpc`` (``make_bid_sheet(..., uncapped=)``); None when not known.
    match_labels : dict of str to str
        Match type -> the spelling the merchant's report wrote it in
        (``log.report.match_labels``): the file's match-type column gives each key back
        as the report had it (``精准匹配``, ``中心词匹配``), in either language; a type
        without one is written as ``lang`` names it.
    """

    campaign: ObjectArray
    ad_group: ObjectArray
    keyword: ObjectArray
    match_type: ObjectArray
    current_bid: FloatArray
    new_bid: FloatArray
    action: ObjectArray
    current_cost: FloatArray
    current_clicks: FloatArray
    current_orders: FloatArray
    cost: FloatArray
    clicks: FloatArray
    orders: FloatArray
    history_clicks: FloatArray
    max_history_bid: FloatArray
    budget: float
    aim: float
    planned_spend: float
    spend: float
    rounding: str
    step: float
    min_bid: float
    max_bid: float
    objective: str
    marginal_cpa: float
    warnings: tuple[str | Warning, ...]
    warnings_zh: tuple[str, ...]
    success: bool
    message: str
    capped: BoolArray | None = None
    match_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        """Number of rows (keys)."""
        return int(self.new_bid.size)

    @property
    def change(self) -> FloatArray:
        """``new_bid - current_bid``, yuan (rounded to the step)."""
        return np.round(self.new_bid - self.current_bid, 2)

    @property
    def upload_bid(self) -> FloatArray:
        """The bid file's new-bid column, yuan, shape (n_rows,): ``new_bid``, except where
        the plan bids nothing.  The platform takes bids from ``min_bid`` (0.05 yuan) up, so
        a 0.00 would be refused by the upload: a keyword the plan pauses gets ``min_bid``
        (the upload holds it at the lowest bid at once, where at Zhitongche's 0.05 a keyword
        wins almost no auctions; a higher ``min_bid`` still buys clicks, and the sheet's
        warnings say what it would spend; the action column says pause, to stop it in the
        platform), never
        its current bid, which a merchant uploading the file unread would leave spending
        against the plan.  A keyword without a bid today that the plan leaves without one
        is NaN (an empty cell: nothing to upload)."""
        return np.where(
            self.new_bid > 0,
            self.new_bid,
            np.where(self.current_bid > 0, self.min_bid, np.nan),
        )

    def keys(self) -> list[tuple[str, str, str, str]]:
        """The (campaign, ad group, keyword, match type) of each row."""
        return list(
            zip(
                self.campaign.tolist(),
                self.ad_group.tolist(),
                self.keyword.tolist(),
                self.match_type.tolist(),
                strict=True,
            )
        )

    def bid_of(self, campaign: str, ad_group: str, keyword: str, match_type: str) -> float:
        """The new bid of one key (raises KeyError for an unknown key)."""
        index = {k: i for i, k in enumerate(self.keys())}
        return float(self.new_bid[index[(campaign, ad_group, keyword, match_type)]])

    def totals(self) -> dict[str, dict[str, float]]:
        """Per day at the current bids (``"today"``) and at the new bids (``"plan"``):
        spend, clicks, orders, CPC, CPA."""
        out = {}
        for name, cost, clicks, orders in (
            ("today", self.current_cost, self.current_clicks, self.current_orders),
            ("plan", self.cost, self.clicks, self.orders),
        ):
            c, k, o = float(cost.sum()), float(clicks.sum()), float(orders.sum())
            out[name] = {
                "spend": c,
                "clicks": k,
                "orders": o,
                "cpc": c / k if k > 0 else float("nan"),
                "cpa": c / o if o > 0 else float("nan"),
            }
        return out

    def reasons(self, lang: Lang = "en") -> list[str]:
        """Why each row's bid changes, in plain words (``lang`` "en" or "zh")."""
        lang = check_lang(lang)
        with_orders = bool(np.isfinite(self.orders).all())
        gain = (
            (self.orders - self.current_orders)
            if with_orders
            else self.clicks - self.current_clicks
        )
        return bid_reasons(
            self.action,
            self.cost - self.current_cost,
            gain,
            self.history_clicks,
            unit="orders" if with_orders else "clicks",
            lang=lang,
            capped=self.capped,
            min_bid=self.min_bid,
        )

    def warnings_in(self, lang: Lang = "en") -> tuple[str, ...]:
        """:attr:`warnings` in ``lang`` ("en" or "zh"), as text.  Warnings added by the
        caller with :func:`dataclasses.replace` on ``warnings`` alone (the library's
        warnings during the plan) are given in Chinese when they are
        :class:`~bidopt.exceptions.BidoptWarning` objects of a known ``kind`` (said from
        their ``details``), else as written."""
        lang = check_lang(lang)
        if lang == "en":  # (the library's warnings without Python names: warning_en)
            return tuple(warning_en(w) for w in self.warnings)
        extra = self.warnings[len(self.warnings_zh) :]
        return self.warnings_zh + tuple(warning_zh(w) for w in extra)

    def rows(self, lang: Lang = "en") -> list[list[Any]]:
        """The file's rows (without the header), in ``lang``: the new bid as
        :attr:`upload_bid` and the change from the current bid to it (None, an empty
        cell, where the file has no bid)."""
        upload = self.upload_bid
        change = np.round(upload - self.current_bid, 2) + 0.0
        reasons = self.reasons(lang)
        match = self.match_type.tolist()
        action = self.action.tolist()
        if lang == "zh":
            match = [MATCH_ZH.get(m, m) for m in match]
            action = [ACTION_ZH[a] for a in action]
        if self.match_labels:  # the keys as the merchant's report wrote them
            own = self.match_type.tolist()
            match = [self.match_labels.get(m, shown) for m, shown in zip(own, match, strict=True)]
        return [
            [
                self.campaign[i],
                self.ad_group[i],
                self.keyword[i],
                match[i],
                float(self.current_bid[i]),
                None if np.isnan(upload[i]) else float(upload[i]),
                None if np.isnan(change[i]) else float(change[i]),
                action[i],
                reasons[i],
            ]
            for i in range(self.n_rows)
        ]

    def rounded(self) -> str:
        """How the bids were rounded, in words: "to the nearest 0.01 yuan" or "down to
        0.01 yuan" (``rounding`` and ``step``)."""
        how = "to the nearest" if self.rounding == "nearest" else "down to"
        return f"{how} {self.step:g} yuan"

    def aim_note(self, lang: Lang = "en") -> str:
        """Why the plan was made for another budget than the merchant's (``aim`` not
        ``budget``), in plain words (``lang``); ``""`` when it was not."""
        return aim_note(self.budget, self.aim, check_lang(lang))

    def summary(self) -> str:
        """The sheet in a few lines: counts of each action, spend against budget, warnings."""
        counts = {
            a: int((self.action == a).sum()) for a in ("raise", "lower", "pause", "start", "keep")
        }
        t = self.totals()
        lines = [
            f"BidSheet: {counted(self.n_rows, 'keyword')} (campaign x ad group x keyword x "
            "match type): " + ", ".join(f"{n} {a}" for a, n in counts.items() if n),
            f"  spend {t['plan']['spend']:,.2f} of the {self.budget:,.2f} yuan daily budget after "
            f"rounding bids {self.rounded()} "
            f"(the optimiser planned {self.planned_spend:,.2f}); today {t['today']['spend']:,.2f}",
            f"  orders per day {t['today']['orders']:,.2f} today -> {t['plan']['orders']:,.2f} "
            f"planned; clicks {t['today']['clicks']:,.1f} -> {t['plan']['clicks']:,.1f}",
            f"  {self.message}",
        ]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """One row per key: the bid file's columns and the expected metrics (needs pandas)."""
        pd = require_pandas("BidSheet.to_frame()")
        return pd.DataFrame(
            {
                **{c: getattr(self, c) for c in KEY_COLUMNS},
                "current_bid": self.current_bid,
                "new_bid": self.new_bid,
                "change": self.change,
                "action": self.action,
                "reason": self.reasons("en"),
                "current_cost": self.current_cost,
                "cost": self.cost,
                "current_orders": self.current_orders,
                "orders": self.orders,
                "clicks": self.clicks,
                "history_clicks": self.history_clicks,
            }
        )

    def __repr__(self) -> str:
        return (
            f"BidSheet(n_rows={self.n_rows}, spend={self.spend:.2f}, budget={self.budget:.2f}, "
            f"rounding={self.rounding!r}, success={self.success})"
        )


def _column(log: KeywordLog, name: str, first: npt.NDArray[np.int64]) -> ObjectArray:
    values = getattr(log, name)
    if values is None:
        return np.full(first.size, "", dtype=object)
    return np.asarray(values.to_numpy()[first], dtype=object)


def _formula_like(log: KeywordLog, first: npt.NDArray[np.int64]) -> int:
    """Rows of the sheet whose text (campaign, ad group, keyword) a spreadsheet would read
    as a formula: starting with ``=``, ``+``, ``-`` or ``@``."""
    hit = np.zeros(first.size, dtype=bool)
    for name in ("campaign", "ad_group", "keyword"):
        initial = _column(log, name, first).astype(str).astype("<U1")  # first characters
        hit |= np.isin(initial, ("=", "+", "-", "@"))
    return int(hit.sum())


def _averaged_keys(
    log: KeywordLog, first: npt.NDArray[np.int64], key_cols: dict[str, ObjectArray]
) -> tuple[str, ...]:
    """The keys (as the bid file names them) with a keyword-day that the reader summed at
    its rows' click-weighted bid (``log.report.averaged``: device bid premiums, matched by
    key, not by their wording), in the sheet's key order before sorting; ``first``: a
    log row of each key."""
    days = log.report.averaged
    if not days:
        return ()
    averaged = {d.key for d in days}
    text = {c: getattr(log, c) for c in KEY_COLUMNS}
    out = []
    for i, row in enumerate(first.tolist()):
        key = tuple(
            None if (c := text.get(name)) is None else str(c.categories[c.codes[row]])
            for name in ("campaign", "ad_group", "keyword", "match_type")
        )
        if key in averaged:
            out.append(" / ".join(str(key_cols[c][i]) for c in KEY_COLUMNS[:3]))
    return tuple(sorted(out))


def _evaluate(
    estimate: LandscapeEstimate, bids: FloatArray, over_draws: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Cost, clicks and orders per day at one bid per key (0: nothing), on the landscape
    the plan was made on: the mean over the estimate's draws, or its point estimate."""
    safe = np.where(bids > 0, bids, 1.0)
    draws = estimate.draws
    if over_draws and draws is not None:
        land = draws.mean_landscape(safe[:, None])
    else:
        land = estimate.model.landscape(safe[:, None])
    on = bids > 0
    cost = np.where(on, land.cost[:, 0], 0.0)
    clicks = np.where(on, land.clicks[:, 0], 0.0)
    orders = (
        np.where(on, land.conversions[:, 0], 0.0)
        if land.conversions is not None
        else np.full(bids.size, np.nan)
    )
    return cost, clicks, orders


def make_bid_sheet(
    log: KeywordLog,
    estimate: LandscapeEstimate,
    plan: BidPlan,
    *,
    step: float = 0.01,
    min_bid: float = 0.05,
    max_bid: float = 99.99,
    budget: float | None = None,
    max_cpc: float | None = None,
    uncapped: BidPlan | None = None,
) -> BidSheet:
    """Turn a plan into the rows of an upload-ready bid file.

    Each landscape row of ``estimate`` is one (campaign, ad group, keyword, match type)
    of ``log``; the sheet finds each row's key and current bid from the log itself (the
    bid of the key's latest day), so nothing is lined up by position.  Bids are rounded
    to ``step`` and kept within [``min_bid``, ``max_bid``]; the rounded plan's expected
    spend is evaluated again on the estimated landscapes and, if rounding to the nearest
    step would break the budget, every bid is rounded down instead (spend is
    non-decreasing in the bid, so this never spends more than the plan).  The landscape
    is the one the plan was made on: the mean over the estimate's draws for a plan made
    with ``optimize_bids(estimate, ...)`` (it carries ``ranges``), else the point
    estimate ``estimate.model``.

    Parameters
    ----------
    log : KeywordLog
        The log ``estimate`` was fitted on (same rows, same order).
    estimate : LandscapeEstimate
        From :func:`bidopt.landscape.estimate_landscapes`.
    plan : BidPlan
        From :func:`bidopt.bidding.optimize_bids` on ``estimate`` or on
        ``estimate.landscapes``.
    step : float, default 0.01
        The platform's bid step, yuan (Zhitongche: 0.01).
    min_bid, max_bid : float, default 0.05 and 99.99
        The platform's bid limits, yuan (Zhitongche: 0.05 and 99.99); pass the same
        limits to ``optimize_bids`` so the plan respects them before rounding.
    budget : float, optional
        The merchant's daily budget, yuan, the one given to ``optimize_bids`` (default
        ``plan.budget``).  A plan made on an estimate may be made for another budget
        (``plan.budget``, kept as the sheet's ``aim``, see ``BidSheet.aim_note``); the
        sheet shows this one.
    max_cpc : float, optional
        The CPC cap ``plan`` was made with (yuan per click), with ``uncapped``.
    uncapped : BidPlan, optional
        The same plan made without ``max_cpc``.  Rows it bids on that ``plan`` pauses
        are paused by the CPC cap: their reason says so (``BidSheet.capped``) and a
        warning counts them, gives what they buy today and how much more the plan
        buys without the cap.

    Returns
    -------
    BidSheet
        Rows sorted by key; ``success`` says whether the rounded plan keeps the budget.

    Raises
    ------
    InvalidInputError
        If the log, the estimate and the plan do not belong together, or a limit is bad.
    """
    step_ = check_scalar(step, "step", lower=0, lower_inclusive=False)
    low = check_scalar(min_bid, "min_bid", lower=0, lower_inclusive=False)
    high = check_scalar(max_bid, "max_bid", lower=low)
    check_instance(log, "log", KeywordLog, "a KeywordLog (from read_keyword_log)")
    check_instance(estimate, "estimate", LandscapeEstimate, "a LandscapeEstimate")
    check_instance(plan, "plan", BidPlan, "a BidPlan (from optimize_bids)")
    aim = float(plan.budget)
    asked = aim if budget is None else float(check_scalar(budget, "budget", lower=0))
    row_of = estimate.model.row_of
    n = estimate.n_keywords
    if row_of.size != len(log):
        raise InvalidInputError(
            f"`log` must be the log `estimate` was fitted on ({counted(row_of.size, 'row')}). "
            f"Got a log of {counted(len(log), 'row')} instead."
        )
    if uncapped is not None:
        check_instance(uncapped, "uncapped", BidPlan, "a BidPlan or None")
    for name, made in (("plan", plan), ("uncapped", uncapped)):
        if made is not None and made.bids.size != n:
            raise InvalidInputError(
                f"`{name}` must have one bid per landscape row of `estimate` ({n}). Got "
                f"{counted(made.bids.size, 'bid')} instead."
            )
    cap = None if max_cpc is None else check_scalar(max_cpc, "max_cpc", lower=0)
    if (cap is None) != (uncapped is None):
        raise InvalidInputError(
            "`max_cpc` and `uncapped` must be given together (the cap `plan` was made with "
            f"and the plan without it). Got max_cpc={max_cpc!r} and "
            f"uncapped={short_repr(uncapped)} instead."
        )
    if log.bid is None:
        raise InvalidInputError("`log` must have a `bid` column (the current bids). Got none.")
    # the latest day of each key, and its highest bid that day (order-free)
    order = np.lexsort((log.bid, log.date, row_of))
    last = np.r_[np.flatnonzero(np.diff(row_of[order])), order.size - 1]
    latest = order[last]
    current = np.asarray(log.bid, dtype=np.float64)[latest]
    first = np.zeros(n, dtype=np.int64)
    first[row_of[order]] = order  # any row of each key: the key columns agree within a key
    history_clicks = np.asarray(
        np.bincount(row_of, weights=log.clicks.astype(np.float64), minlength=n), dtype=np.float64
    )
    logged = np.asarray(log.bid, dtype=np.float64)
    max_history_bid = np.zeros(n)
    np.maximum.at(max_history_bid, row_of, logged)
    # the lowest bid each key ran at (a paused day's 0 is no bid; inf: never bid)
    min_history_bid = np.full(n, np.inf)
    np.minimum.at(min_history_bid, row_of, np.where(logged > 0, logged, np.inf))

    # keys with a bid and no impressions on the report's last day (no row, or none after
    # QUIET_BEFORE a day before): perhaps paused there, which the report cannot say
    dates = np.asarray(log.date)
    last_day = dates.max()
    shown_imps = np.asarray(log.impressions, dtype=np.float64)
    before = dates < last_day
    days_before = np.bincount(row_of, weights=before.astype(np.float64), minlength=n)
    imps_before = np.bincount(row_of, weights=np.where(before, shown_imps, 0.0), minlength=n)
    latest_quiet = (
        np.bincount(row_of, weights=np.where(dates == last_day, shown_imps, 0.0), minlength=n) == 0
    )
    quiet = (current > 0) & (
        (dates[latest] < last_day)
        | (latest_quiet & (imps_before >= QUIET_BEFORE * np.maximum(days_before, 1)))
    )

    def rounded(mode: str) -> FloatArray:
        ticks = plan.bids / step_
        ticks = np.round(ticks) if mode == "nearest" else np.floor(ticks + 1e-9)
        bids = np.clip(np.round(ticks * step_, 10), low, high)
        return np.where(plan.bids > 0, bids, 0.0)

    # a plan made on the estimate itself (optimize_bids(estimate, ...)) was optimised on
    # the landscape averaged over its draws, and carries their ranges
    over_draws = plan.ranges is not None
    mode = "nearest"
    new = rounded(mode)
    cost, clicks, orders = _evaluate(estimate, new, over_draws)
    tolerance = 1e-9 * max(plan.budget, 1.0)
    if cost.sum() > plan.budget + tolerance:
        mode = "down"
        new = rounded(mode)
        cost, clicks, orders = _evaluate(estimate, new, over_draws)
    now_cost, now_clicks, now_orders = _evaluate(estimate, current, over_draws)
    action = np.where(
        new == 0,
        np.where(current > 0, "pause", "keep"),
        np.where(
            current <= 0,
            "start",
            np.where(np.isclose(new, current), "keep", np.where(new > current, "raise", "lower")),
        ),
    ).astype(object)
    spend = float(cost.sum())
    # the bid file gives a paused keyword min_bid (BidSheet.upload_bid): what it buys there
    paused = action == "pause"
    idle = np.where(paused, float(low), 0.0)
    within = bool(((new == 0) | ((new >= low - 1e-12) & (new <= high + 1e-12))).all())
    # what the plan was made and certified for, and never above the merchant's budget
    limit = min(aim, asked)
    keeps_budget = spend <= limit + tolerance
    changed = action != "keep"
    key_cols = {c: _column(log, c, first) for c in KEY_COLUMNS}
    named = sorted(
        " / ".join(str(key_cols[c][i]) for c in KEY_COLUMNS[:3]) for i in np.flatnonzero(quiet)
    )
    warnings, warnings_zh = sheet_warnings(
        certified=(plan.success, plan.message),
        over_budget=(spend, limit) if not keeps_budget else None,
        rounded_down=mode == "down",
        step=step_,
        min_bid=low,
        few_clicks=int((changed & (history_clicks < FEW_CLICKS)).sum()),
        beyond_history=int(((new > 1.5 * max_history_bid) & (new > 0)).sum()),
        below_history=int(((new < min_history_bid / 1.5) & (new > 0)).sum()),
        days=int(np.unique(log.date).size),
        orders=(float(np.sum(now_orders)), float(np.sum(orders))),
        formula_like=_formula_like(log, first),
        quiet_last_day=(str(last_day), tuple(named)),
        averaged=(_averaged_keys(log, first, key_cols), "/".join(log.report.split_columns)),
        paused_spend=(int(paused.sum()), float(_evaluate(estimate, idle, over_draws)[0].sum())),
        missing_keys=tuple(
            c for c in ("campaign", "ad_group", "match_type") if getattr(log, c) is None
        ),
    )
    # a plan on the estimate keeps each bid in a trust region (PlanRanges.trust_low and
    # trust_high, at the width the plan used); it may pause a keyword, and go lower where
    # the budget or a target needs it: the warning names those keywords (a plan made
    # with safe=False has no region)
    ranges = plan.ranges
    if ranges is not None and ranges.trust_low is not None:
        floor = ranges.trust_low
        names = key_cols["keyword"].astype(str)
        # (a step of slack: the region's levels are rounded to the cent, and so is the bid)
        below = (new > 0) & (current > 0) & (new < floor - step_)
        lowest = np.where(current > 0, np.maximum(floor, low), 0.0)
        with_orders = bool(np.isfinite(now_orders).all())
        bought = now_orders if with_orders else now_clicks
        said = trust_warning(
            [
                (names[i], float(now_cost[i]), float(bought[i]))
                # (a keyword that spends nothing at today's bid loses nothing paused)
                for i in np.flatnonzero(paused & (current > 0) & (now_cost >= 0.005))
            ],
            [names[i] for i in np.flatnonzero(below)],
            asked,  # (the merchant's budget: the plan may aim a little below it)
            float(_evaluate(estimate, lowest, over_draws)[0].sum()),
            "orders" if with_orders else "clicks",
            aim,
            ranges.trust_scale,
        )
        if said is not None:
            warnings, warnings_zh = (*warnings, said[0]), (*warnings_zh, said[1])
    capped = None
    if uncapped is not None and cap is not None:
        capped = (new == 0) & (current > 0) & (uncapped.bids > 0)
        if capped.any():
            free = _evaluate(estimate, uncapped.bids, over_draws)
            with_orders = bool(np.isfinite(orders).all())
            k = 2 if with_orders else 1
            en, zh = cap_warning(
                int(capped.sum()),
                float(cap),
                (
                    float(now_clicks[capped].sum()),
                    float(now_orders[capped].sum()) if with_orders else float("nan"),
                    float(now_cost[capped].sum()),
                ),
                float(free[k].sum() - (orders if with_orders else clicks).sum()),
                "orders" if with_orders else "clicks",
            )
            warnings, warnings_zh = (en, *warnings), (zh, *warnings_zh)
    shadow = plan.shadow_price
    sort = np.lexsort(tuple(key_cols[c].astype(str) for c in reversed(KEY_COLUMNS)))
    message = (
        "the rounded plan keeps the budget and the bid limits"
        if keeps_budget and within
        else "the rounded plan breaks "
        + " and ".join(
            w
            for w, bad in (("the budget", not keeps_budget), ("the bid limits", not within))
            if bad
        )
    )
    return BidSheet(
        **{c: v[sort] for c, v in key_cols.items()},
        current_bid=current[sort],
        new_bid=new[sort],
        action=action[sort],
        current_cost=now_cost[sort],
        current_clicks=now_clicks[sort],
        current_orders=now_orders[sort],
        cost=cost[sort],
        clicks=clicks[sort],
        orders=orders[sort],
        history_clicks=history_clicks[sort],
        max_history_bid=max_history_bid[sort],
        budget=asked,
        aim=aim,
        planned_spend=float(plan.spend),
        spend=spend,
        rounding=mode,
        step=float(step_),
        min_bid=float(low),
        max_bid=float(high),
        objective=plan.objective,
        marginal_cpa=1.0 / shadow if shadow > 0 else float("inf"),
        warnings=warnings,
        warnings_zh=warnings_zh,
        success=bool(keeps_budget and within),
        message=message,
        capped=None if capped is None else capped[sort],
        match_labels=dict(log.report.match_labels),
    )


def write_bid_sheet(sheet: BidSheet, path: str | Path, *, lang: Lang = "zh") -> Path:
    """Write the bid file: ``.xlsx`` (needs openpyxl) or ``.csv`` (UTF-8 with a BOM, so
    Excel on Chinese Windows shows the text); headers and words in ``lang``.

    Columns: campaign, ad group, keyword, match type, current bid, new bid, change,
    action, reason (推广计划, 推广单元, 关键词, 匹配方式, 当前出价, 新出价, 变化, 操作,
    原因 in Chinese).  Bids are written with two decimals.

    Text is written as it is.  In ``.xlsx`` every text cell is a text cell, never a
    formula, even when a keyword starts with ``=``, ``+``, ``-`` or ``@``.  The ``.csv``
    is the upload file: its keywords stay byte for byte as in the report (no ``'``
    prefix, which would change the keyword the platform matches), so a spreadsheet that
    opens the CSV may read such a keyword as a formula; the sheet's warnings say when a
    keyword starts with one of these characters (view and edit the ``.xlsx``, upload
    the ``.csv`` untouched).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    check_instance(sheet, "sheet", BidSheet, "a BidSheet (from make_bid_sheet)")
    lang = check_lang(lang)
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInputError(f"`path` must end in .xlsx or .csv. Got {str(out)!r} instead.")
    header = HEADERS[lang]
    rows = sheet.rows(lang)
    if suffix == ".xlsx":
        write_xlsx(
            out,
            header,
            rows,
            sheet="bids",
            number_formats={4: "0.00", 5: "0.00", 6: "+0.00;-0.00;0.00"},
        )
        return out
    with out.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([f"{v:.2f}" if isinstance(v, float) else v for v in row])
    return out
