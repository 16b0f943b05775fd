"""Exceptions raised by bidopt.

Every error bidopt raises on purpose derives from :class:`BidoptError`, so a caller can
catch them all at once.  The concrete classes also derive from the built-in exception a
scientific Python user would expect (``ValueError`` for bad input, ``RuntimeError`` for a
solver that failed), so ``except ValueError`` keeps working.

bidopt's warning classes derive from :class:`BidoptWarning` (a ``UserWarning``); besides
its English message such a warning carries a stable ``kind`` and the ``details`` the
message was built from, so a program (a report in another language, a dashboard) can read
what was said without parsing the text.  (A few notes, such as a missing Chinese font for
figures, are still plain ``UserWarning``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "BidoptError",
    "BidoptWarning",
    "IdentifiabilityWarning",
    "InfeasibleError",
    "InvalidInputError",
    "MissingColumnError",
    "MissingDependencyError",
    "SolverError",
]


class BidoptError(Exception):
    """Base class of every exception raised by bidopt."""


class InvalidInputError(BidoptError, ValueError):
    """An input does not meet its documented contract.

    The message names the parameter (or the row and column of a table), states the
    contract and shows the value received.
    """


class InfeasibleError(BidoptError, ValueError):
    """The constraints of a problem cannot all hold at once.

    Parameters
    ----------
    message : str
        What conflicts, by how much, and what is reachable.
    conflicts : mapping of str to float, optional
        Each conflicting constraint's name and its violation, in the constraint's own
        unit (yuan, or a fraction for shares), as a remedy-oriented summary.
    """

    def __init__(self, message: str, conflicts: Mapping[str, float] | None = None) -> None:
        super().__init__(message)
        self.conflicts: dict[str, float] = dict(conflicts or {})


class SolverError(BidoptError, RuntimeError):
    """A numerical solver failed to return a usable answer."""


class BidoptWarning(UserWarning):
    """Base class of bidopt's warning classes (:class:`IdentifiabilityWarning`).

    ``str(warning)`` is the English message.  A warning that a program may want to
    read (or say in another language) also names its ``kind`` and the ``details`` the
    message was built from: the message's wording may change between releases, the
    kind and the details' keys do not.  ``warnings.filterwarnings`` by category (this
    class or a subclass) works as for any warning; a warning pickles with its kind and
    details.

    Parameters
    ----------
    message : str
        What the data cannot tell (or what else is wrong), and the remedy, in English.
    kind : str, optional
        A stable name of what the warning says, such as ``"unidentified_response"``
        (see :class:`IdentifiabilityWarning` for those of the landscape estimate and the
        bid optimiser); ``""`` (the default) for a warning that has none.
    details : mapping of str to object, optional
        The numbers and names the message was built from, under stable keys (numbers as
        Python ``int`` or ``float``, shares as fractions, money in yuan; names as
        ``str``, lists of them as tuples).

    Attributes
    ----------
    kind : str
    details : dict of str to object
    """

    def __init__(
        self, message: str = "", kind: str = "", details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.kind: str = kind
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __reduce__(self) -> tuple[Any, tuple[str, str, dict[str, Any]]]:
        return type(self), (str(self), self.kind, self.details)


class IdentifiabilityWarning(BidoptWarning):
    """The log cannot identify what a plan relies on (for example how keywords respond
    to a bid change, when their bids never varied).

    The message names the cause (which keywords, what the log lacks) and the remedy
    (what to vary or collect); the plan stays within what the evidence supports.

    The kinds :func:`bidopt.landscape.estimate_landscapes` and
    :func:`bidopt.bidding.optimize_bids` issue, with the keys of their ``details``
    (shares are fractions, ``examples`` the first five names the message shows):

    - ``"unidentified_response"``: keywords whose bid response is only the prior;
      ``n_prior``, ``n_keywords``, ``spend_share``, ``n_days``, ``n_constant`` (of the
      ``n_prior``, those whose bid never varied), ``min_spread``, ``n_varied`` (those
      whose bids varied, spread >= ``min_spread``, without telling the response),
      ``max_posterior_ratio``; with ``n_varied`` > 0 also, over those: ``varied_ratio``
      (highest over lowest bid, at most), ``varied_spread`` and ``varied_impressions``
      ((lowest, highest) bid spread and impressions) and ``sd_ratio`` (their campaigns'
      posterior sd of the price dispersion over the prior's, at least).
    - ``"cost_above_bid"``: keyword-days that paid more per click than their logged bid;
      ``n_keyword_days``, ``examples`` (pairs of keyword and date, ``"YYYY-MM-DD"``).
    - ``"bid_floor"``: keywords paying about their bid per click;
      ``n_keywords``, ``spend_share``, ``paid_share`` (cost per click over bid),
      ``examples``, ``win_share`` (the traffic share they are read as winning),
      ``z_floor`` (price sd of their price level above the bid, at most),
      ``cost_gap`` (how much below the log's spend their cost is read).
    - ``"spend_gap"``: the estimate's spend at the log's bids against the log's;
      ``modelled``, ``logged`` (yuan), ``ratio``, ``factor`` (the band either way).
    - ``"no_clicks"`` / ``"no_orders"``: a log without clicks (orders) anywhere;
      ``impressions``, ``n_days``.
    - ``"unsafe_moves"`` (``optimize_bids(..., safe=False)``): keywords whose bid
      response is only the prior, moved beyond the trust region; ``n_keywords``,
      ``band`` (the trust region's step, as a fraction of today's bid).

    The kinds of :func:`bidopt.channels.fit_response` and of the splits over a fit's
    draws (:func:`bidopt.channels.split_budget`, :func:`bidopt.channels.split_window`):

    - ``"flat_spend"``: channels whose spend is the same in every fitted period;
      ``channels``, ``spend`` (each one's spend per period, yuan).
    - ``"draw_tails"``: channels whose mean response over the curve draws lies outside
      the draws' central interval (a few draws dominate it); ``channels``, ``mean`` and
      ``median`` (each one's response over the draws), ``level`` (of the interval).

    Other warnings of this class (a fit's dropped controls or bounded baseline, bid-test
    designs) have ``kind ""``.
    """


class MissingDependencyError(BidoptError, ImportError):
    """An optional dependency (an extra such as ``bidopt[chinese]``) is not installed.

    The message names the feature, the package, and how to install it.
    """


class MissingColumnError(BidoptError, KeyError):
    """A table has no column of the requested name.

    The message names the column asked for and the columns available.
    """

    def __str__(self) -> str:
        # KeyError's str() is the repr of its argument (quotes and escapes): show the
        # message itself
        return str(self.args[0]) if self.args else ""
