from __future__ import annotations

import numpy as np

from bidopt.datasets import read_adwords_keyword_daily
from tests.conftest import shared_file


def test_adwords_keyword_daily_figures() -> None:
    log = read_adwords_keyword_daily(shared_file("bidlogs/adwords_keyword_daily.csv.gz"))
    assert len(log) == 318_250
    assert log.keyword.n_categories == 903
    assert int(log.clicks.sum()) == 273_919
    assert log.report.n_dropped == 0
    assert log.cost is None and log.bid is None  # the source has no spend: nothing invented
    assert log.report.ignored_columns == ("keyword_string",)
    # README: per keyword-day median 12 impressions and 0 clicks; max 3,900 and 214.
    assert np.median(log.impressions) == 12
    assert np.median(log.clicks) == 0
    assert log.impressions.max() == 3_900
    assert log.clicks.max() == 214
    assert str(log.date.min()) == "2012-04-01"
    assert str(log.date.max()) == "2013-03-31"


def test_adwords_rows_with_more_clicks_than_impressions_are_kept_and_flagged() -> None:
    log = read_adwords_keyword_daily(shared_file("bidlogs/adwords_keyword_daily.csv.gz"))
    flagged = log.report.flagged_rows
    assert flagged.size == len(log.report.flags) == 16
    assert (log.clicks[flagged] > log.impressions[flagged]).all()
    # every other row satisfies the rule
    others = np.setdiff1d(np.arange(len(log)), flagged)
    assert (log.clicks[others] <= log.impressions[others]).all()
    assert "`clicks` must be <= `impressions`" in log.report.flags[0]
