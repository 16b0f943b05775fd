"""A wrong object passed to the report functions (and the customer models) raises the
library's type error: the parameter, what it must be, the value and its type."""

from __future__ import annotations

from pathlib import Path

import pytest

from bidopt.customers import customer_value, rfm_segments
from bidopt.exceptions import InvalidInputError
from bidopt.report import make_bid_sheet, render_plan_report, write_bid_sheet


def test_wrong_objects_are_named_with_their_type(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"`log` must be a KeywordLog \(from "):
        make_bid_sheet({"keyword": ["a"]}, None, None)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"Got 'sheet' of type str instead\."):
        render_plan_report("sheet")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"`sheet` must be a BidSheet .* of type int"):
        write_bid_sheet(3, tmp_path / "bids.xlsx")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"`table` must be an RFMTable .* of type dict"):
        rfm_segments({})  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match=r"`purchases` must be a fitted .* type NoneType"):
        customer_value(None, 10.0, horizon=52.0)  # type: ignore[arg-type]
