"""One vocabulary for every table: the main results' ``to_frame()`` columns are the
names docs/glossary.md defines, and no result uses a synonym (orders, sales, gmv...)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bidopt.bidding import bid_frontier, optimize_bids
from bidopt.channels import fit_response
from bidopt.datasets import AuctionLog, make_search_account
from bidopt.grouping import group_keywords
from bidopt.landscape import estimate_landscapes
from bidopt.replay import paced_replay, replay
from tests.splits import double11_splits

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"

#: Words that must not name a column: the vocabulary's word is on the right.
SYNONYMS = {
    "orders": "conversions",
    "n_orders": "conversions",
    "transactions": "conversions",
    "purchases": "conversions",
    "sales": "revenue",
    "gmv": "revenue",
    "turnover": "revenue",
    "amount": "revenue",
    "spent": "spend",
    "expense": "cost",
    "cost_per_click": "cpc",
    "cost_per_order": "cpa",
    "conversion_value": "revenue",
}
#: Tables that list a quantity and its number in a column called ``value``.
VALUE_TABLES = {"Certificate", "ResponseFit"}


def glossary_columns() -> set[str]:
    """The column names defined in the glossary's table (backticked, first cell)."""
    names: set[str] = set()
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


@pytest.fixture(scope="module")
def tables() -> dict[str, Any]:
    pytest.importorskip("pandas", reason="to_frame() needs pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        account = make_search_account(80, n_days=14, rng=3)
        estimate = estimate_landscapes(account.log)
    plan = optimize_bids(estimate.landscapes, 300.0, max_cpc=3.0)
    curves, splits = double11_splits()
    rng = np.random.default_rng(0)
    n = 400
    pctr = rng.beta(1, 100, n)
    log = AuctionLog(
        click=(rng.random(n) < pctr).astype(np.int64),
        market_price=rng.gamma(2.0, 40.0, n),
        pctr=pctr,
    )
    spend = {"a": rng.uniform(50, 150, 40)}
    fit = fit_response(
        spend,
        3 * np.sqrt(spend["a"]) + rng.normal(0, 0.3, 40),
        rng=0,
        options={"n_starts": 1},
    )
    return {
        "KeywordLog": account.log.to_frame(),
        "BidLandscape": estimate.landscapes.to_frame(),
        "LandscapeEstimate": estimate.to_frame(),
        "LandscapeModel": estimate.model.to_frame(),
        "BidPlan": plan.to_frame(),
        "Certificate": plan.certificate.to_frame(),
        "Frontier": bid_frontier(estimate.landscapes, [100.0, 200.0]).to_frame(),
        "BudgetSplit": splits["optimal"].to_frame(),
        "ResponseCurve": curves["douyin"].to_frame(),
        "ResponseFit": fit.to_frame(),
        "ReplayResult": replay(log, np.full(n, 80.0), log.total_market_price / 2).to_frame(),
        "PacedResult": paced_replay(log, log.total_market_price / 4, 1e4).to_frame(),
        "KeywordGroups": group_keywords(
            ["red shoe", "red shoes", "blue hat"], options={"features": "ngrams"}
        ).to_frame(),
        "expected": account.expected().to_frame(),
    }


#: Tables whose every column the glossary defines (the money and outcome tables).
CORE = (
    "KeywordLog",
    "BidLandscape",
    "LandscapeEstimate",
    "BidPlan",
    "Frontier",
    "BudgetSplit",
    "ResponseCurve",
    "KeywordGroups",
    "expected",
)


@pytest.mark.parametrize("name", CORE)
def test_core_tables_use_the_glossary_words(name: str, tables: dict[str, Any]) -> None:
    undefined = sorted(set(tables[name].columns) - glossary_columns())
    assert not undefined, f"{name}.to_frame() columns not in docs/glossary.md: {undefined}"


def test_no_table_uses_a_synonym(tables: dict[str, Any]) -> None:
    for name, frame in tables.items():
        columns = {str(c).lower() for c in frame.columns}
        used = {c: SYNONYMS[c] for c in columns & set(SYNONYMS)}
        assert not used, f"{name}.to_frame() uses synonyms (say the right-hand word): {used}"
        if name not in VALUE_TABLES:
            assert "value" not in columns, f"{name}: say `revenue` (money) or a precise name"


def test_the_glossary_names_the_rules() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    assert {"cost", "spend", "conversions", "revenue", "bid"} <= glossary_columns()
    for term in ("shadow price", "certified gap", "ARI", "purity", "marginal ROI", "adstock"):
        assert term in text, term
    assert "average cost per click" in text and "not on the bid" in text
