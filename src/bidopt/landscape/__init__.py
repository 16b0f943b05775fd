"""Bid landscapes: what each bid buys, per keyword, and how to estimate it from a log."""

from bidopt.landscape._estimate import (
    LandscapeEstimate,
    LandscapeModel,
    estimate_landscapes,
    landscape_error,
)
from bidopt.landscape._landscape import OBJECTIVES, BidLandscape, Objective
from bidopt.landscape._prices import PriceHistogram

__all__ = [
    "OBJECTIVES",
    "BidLandscape",
    "LandscapeEstimate",
    "LandscapeModel",
    "Objective",
    "PriceHistogram",
    "estimate_landscapes",
    "landscape_error",
]
