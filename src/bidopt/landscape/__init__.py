"""Bid landscapes: what each bid buys, per keyword, and how to estimate it from a log."""

from bidopt.landscape._estimate import LandscapeModel, estimate_landscapes, landscape_error
from bidopt.landscape._landscape import OBJECTIVES, BidLandscape, Objective

__all__ = [
    "OBJECTIVES",
    "BidLandscape",
    "LandscapeModel",
    "Objective",
    "estimate_landscapes",
    "landscape_error",
]
