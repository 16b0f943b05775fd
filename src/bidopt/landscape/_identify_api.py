"""``identifiability``: what a log (or an estimate made from it) can identify."""

from __future__ import annotations

import warnings

from bidopt._validation import short_repr
from bidopt.datasets import KeywordLog
from bidopt.exceptions import IdentifiabilityWarning, InvalidInputError
from bidopt.landscape._estimate import estimate_landscapes
from bidopt.landscape._estimate_result import LandscapeEstimate
from bidopt.landscape._identify import Identifiability

__all__ = ["identifiability"]


def identifiability(log_or_estimate: KeywordLog | LandscapeEstimate) -> Identifiability:
    """Per keyword, what the log can identify about its response to a bid change.

    Parameters
    ----------
    log_or_estimate : KeywordLog or LandscapeEstimate
        A log (estimated here, without parameter draws) or an estimate from
        :func:`estimate_landscapes`.

    Returns
    -------
    Identifiability
        Bid spread, active days, impressions, clicks and spend per keyword, today's bid
        (the log's last day), and the source of its bid response: ``"keyword"``,
        ``"group"`` or ``"prior"``.  ``warning_message()`` is the text of the
        :class:`~bidopt.exceptions.IdentifiabilityWarning` that estimating would raise.

    Examples
    --------
    >>> from bidopt.datasets import make_search_account
    >>> account = make_search_account(100, n_days=14, rng=0)
    >>> constant = account.simulate(account.current_bids, n_days=14, first_day=0, rng=1)
    >>> identifiability(constant).counts()
    {'keyword': 0, 'group': 0, 'prior': 100}
    """
    if isinstance(log_or_estimate, LandscapeEstimate):
        estimate = log_or_estimate
    elif isinstance(log_or_estimate, KeywordLog):
        with warnings.catch_warnings():
            # the caller asks for the diagnostics: they carry the message themselves
            warnings.simplefilter("ignore", IdentifiabilityWarning)
            estimate = estimate_landscapes(log_or_estimate, n_draws=0)
    else:
        raise InvalidInputError(
            "`log_or_estimate` must be a KeywordLog or a LandscapeEstimate. Got "
            f"{short_repr(log_or_estimate)} instead."
        )
    if estimate.identifiability is None:
        raise InvalidInputError(
            "`log_or_estimate` must be an estimate made by estimate_landscapes (it carries "
            "its identifiability). Got an estimate without it instead."
        )
    return estimate.identifiability
