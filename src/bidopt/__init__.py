"""bidopt: keyword grouping, CPC bid optimisation under a budget, and channel budget
splitting for e-commerce search ads.

Sub-packages
------------
datasets
    Keyword and auction logs, their loaders, and a synthetic search account.
experiments
    A/B comparisons, fixed and sequential designs, creative bandits, lift tests.
customers
    RFM tables and segments, buy-till-you-die models, customer lifetime value.
pacing
    Budget pacing of the linear bid over a day's time slots: the pacer and its controllers.
"""

from importlib.metadata import PackageNotFoundError, version

from bidopt._certificate import Certificate, ConstraintCheck
from bidopt._progress import show_progress
from bidopt.datasets import (
    AuctionLog,
    KeywordLog,
    make_search_account,
    read_ipinyou,
    read_keyword_log,
)
from bidopt.exceptions import (
    BidoptError,
    InfeasibleError,
    InvalidInputError,
    MissingColumnError,
    MissingDependencyError,
    SolverError,
)

try:
    __version__ = version("bidopt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "AuctionLog",
    "BidoptError",
    "Certificate",
    "ConstraintCheck",
    "InfeasibleError",
    "InvalidInputError",
    "KeywordLog",
    "MissingColumnError",
    "MissingDependencyError",
    "SolverError",
    "__version__",
    "make_search_account",
    "read_ipinyou",
    "read_keyword_log",
    "show_progress",
]
