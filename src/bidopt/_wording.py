"""Plain-language wording shared by results' messages (see docs/glossary.md).

Messages keep the parameter's name (``target_cpa``) so a user can find it, and say in
words what it means for the plan; the machine-readable outcome stays in ``status``.
"""

from __future__ import annotations

import unicodedata

__all__ = ["amount", "apart", "counted", "display_width", "ljust", "target_message"]

#: What each target is, in a merchant's words.
_TARGETS = {
    "target_cpa": ("target CPA (cost per order, target_cpa)", "at a higher cost per order"),
    "target_roas": (
        "target ROAS (revenue per yuan of spend, target_roas)",
        "at a lower revenue per yuan",
    ),
}


def target_message(target_name: str | None, *, binding: bool) -> str:
    """The optimiser's message about a CPA / ROAS target: whether it held the plan back.

    Parameters
    ----------
    target_name : {"target_cpa", "target_roas"} or None
    binding : bool
        True when the target limits the plan (without it the plan would buy more).

    Returns
    -------
    str
    """
    what, cost = _TARGETS.get(str(target_name), (f"target {target_name}", "otherwise"))
    if binding:
        return (
            f"Optimal up to the reported gap. The {what} limits the plan: without it the "
            f"plan would buy more, {cost}."
        )
    return (
        f"Optimal up to the reported gap. The {what} is met with room to spare: it does "
        "not limit the plan."
    )


def amount(value: float) -> str:
    """An amount (yuan, or a KPI) for a message: a whole number with thousands
    separators from 100 up, else 4 significant digits (a KPI counted in orders), so a
    large one never reads as an exponent.

    >>> amount(716228.6), amount(14843.69), amount(12.5), amount(0.0465)
    ('716,229', '14,844', '12.5', '0.0465')
    """
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.4g}"


def apart(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` (yuan) with 2 decimals, or as many more (up to 12) as show that
    they differ: 2 - 1e-9 is not "2.00" next to 2 (``repr`` when even 12 do not)."""
    for digits in range(2, 13):
        pair = f"{a:,.{digits}f}", f"{b:,.{digits}f}"
        if pair[0] != pair[1]:
            return pair
    return f"{a!r}", f"{b!r}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a spreadsheet cell: wide characters
    (Chinese, full-width forms) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces on the right to ``width`` display columns (see
    :func:`display_width`), so that a table's columns line up after Chinese names.

    >>> ljust("直通车", 8) + "|", ljust("tv", 8) + "|"
    ('直通车  |', 'tv      |')
    """
    return text + " " * max(0, width - display_width(text))


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` (with thousands separators) and ``noun``, in the plural unless ``n`` is 1;
    ``plural`` for a noun that does not take an "s".

    >>> counted(1, "row"), counted(1200, "row"), counted(0, "keyword-day")
    ('1 row', '1,200 rows', '0 keyword-days')
    >>> counted(2, "query", "queries")
    '2 queries'
    """
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
