"""Bid landscapes: what each bid buys, per keyword, and how to estimate it from a log."""

from bidopt.landscape._estimate import estimate_landscapes, landscape_error
from bidopt.landscape._estimate_result import LandscapeEstimate, LandscapeModel
from bidopt.landscape._identify import SOURCES, Identifiability
from bidopt.landscape._identify_api import identifiability
from bidopt.landscape._identify_design import BidTest, design_bid_test
from bidopt.landscape._landscape import OBJECTIVES, BidLandscape, Objective
from bidopt.landscape._parquet import (
    LandscapeDataset,
    read_landscape_parquet,
    write_landscape_parquet,
    write_landscape_partitions,
    write_plan_parquet,
)
from bidopt.landscape._prices import PriceHistogram
from bidopt.landscape._uncertainty import LandscapeDraws

__all__ = [
    "OBJECTIVES",
    "SOURCES",
    "BidLandscape",
    "BidTest",
    "Identifiability",
    "LandscapeDataset",
    "LandscapeDraws",
    "LandscapeEstimate",
    "LandscapeModel",
    "Objective",
    "PriceHistogram",
    "design_bid_test",
    "estimate_landscapes",
    "identifiability",
    "landscape_error",
    "read_landscape_parquet",
    "write_landscape_parquet",
    "write_landscape_partitions",
    "write_plan_parquet",
]
