"""The words of the warning that a log cannot identify keywords' bid response (kind
``"unidentified_response"``), shared by the library's warning (bidopt.landscape) and
the command line's and report pages' rendering of it (bidopt.report), from the
warning's ``details``: no Python names in them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bidopt._wording import counted

__all__ = ["BID_TEST", "listed", "unidentified_causes"]

#: The bid test that identifies a keyword's response, in plain words (design_bid_test's).
BID_TEST = (
    "a two-week bid test, each keyword's bid alternating day by day between 1.5x and 1/1.5 "
    "of today's, half of the keywords up while the other half are down (so the account's "
    "day-to-day swings cancel)"
)


def unidentified_causes(details: Mapping[str, Any]) -> list[str]:
    """The causes of an ``"unidentified_response"`` warning in English, one clause per
    group of keywords (bids that varied but told nothing; bids that never varied), each
    with what would identify the group, from the warning's details (no Python names:
    the command line and the report pages say them too).  Details without the varied
    keywords' figures (``varied_ratio`` ...) give their clause without them."""
    n_days, n_constant = details["n_days"], details["n_constant"]
    n_varied = details.get("n_varied", details["n_prior"] - n_constant)
    over = counted(n_days, "day")
    out = []
    if n_varied:
        one = n_varied == 1
        them, it = ("its", "it") if one else ("their", "them")
        head = "the bid of 1 of them" if one else f"the bids of {n_varied:,} of them"
        if "varied_ratio" in details:
            lo, hi = details["varied_spread"]
            spread = f"{lo:.2g}" if f"{lo:.2g}" == f"{hi:.2g}" else f"{lo:.2g}-{hi:.2g}"
            shown_lo, shown_hi = details["varied_impressions"]
            imps = f"{shown_lo:,.0f}" + ("" if one else f"-{shown_hi:,.0f}")
            head += (
                f" varied (up to {details['varied_ratio']:.2f}x between {them} lowest and "
                f"highest bid, bid spread {spread}, above the {details['min_spread']:g} a "
                f"varied bid needs) over {over} with {imps} impressions"
                f"{'' if one else ' each'}, but the day-to-day swings of impressions and "
                f"clicks hide how the bid moved {it}: the spread of competitors' prices in "
                f"{them} campaign{'' if one else 's'} (which turns a bid change into clicks) "
                "stayed nearly as uncertain as the prior's (posterior sd at least "
                f"{details['sd_ratio']:.2f} of the prior's; learnt means at most "
                f"{details['max_posterior_ratio']:g})"
            )
        else:
            head += (
                f" varied (bid spread >= {details['min_spread']:g}) over {over}, but the "
                f"day-to-day swings of impressions and clicks hide how the bid moved {it}"
            )
        out.append(
            f"{head}. {them.capitalize()} changes so far did not tell it; what would is " + BID_TEST
        )
    if n_constant:
        one = n_constant == 1
        out.append(
            ("1 of them" if one else f"{n_constant:,} of them")
            + f" kept a constant bid over {over} (bid spread < {details['min_spread']:g}) "
            f"and nothing else in {'its campaign' if one else 'their campaigns'} told the "
            f"response. What would identify {'it' if one else 'them'}: "
            + ("the same test" if n_varied else BID_TEST)
        )
    return out


def listed(causes: list[str], zh: bool = False) -> str:
    """The causes in one sentence: numbered when there are two."""
    if len(causes) == 1:
        return causes[0]
    if zh:
        return "；".join(f"（{i}）{c}" for i, c in enumerate(causes, 1))
    return "; ".join(f"({i}) {c}" for i, c in enumerate(causes, 1))
