"""Reader for the Google AdWords keyword-day file (Liebl, Rameseder & Rust, 2018)."""

from __future__ import annotations

import dataclasses
import os
from typing import Literal

from bidopt._tables import read_table
from bidopt.datasets._keyword_log import KeywordLog
from bidopt.datasets._keyword_reader import read_keyword_log
from bidopt.exceptions import InvalidInputError

__all__ = ["read_adwords_keyword_daily"]


def read_adwords_keyword_daily(
    path: str | os.PathLike[str], *, errors: Literal["raise", "drop"] = "raise"
) -> KeywordLog:
    """Read the AdWords keyword-day file (``adwords_keyword_daily.csv.gz``).

    The file (GPL-3, from the R package FunRegPoI; data by Crealytics GmbH) has columns
    ``date, id, keyword_string, impressions, clicks`` for one outdoor shop's account.
    It is not shipped with bidopt: point ``path`` at your copy.

    Parameters
    ----------
    path : path-like
        The ``.csv`` or ``.csv.gz`` file.
    errors : {"raise", "drop"}, default "raise"
        As in :func:`read_keyword_log`.

    Returns
    -------
    KeywordLog
        ``keyword`` holds the keyword *id* as text (``keyword_string`` is blank for all
        but three ids, so it is listed in ``report.ignored_columns``); the log has no
        bid, cost, conversion or revenue columns, as the source has none.  A few
        keyword-days report more clicks than impressions (an artefact of the source);
        they are kept and listed in ``report.flagged_rows`` and ``report.flags``.
    """
    table = read_table(path, name="path")
    needed = ("date", "id", "impressions", "clicks")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        raise InvalidInputError(
            f"`path` must be the AdWords keyword-day file, with columns {list(needed)}. "
            f"Got {table.source} with columns {list(table.columns)} instead (missing "
            f"{missing})."
        )
    columns = {
        "date": table.columns["date"],
        "keyword": table.columns["id"],
        "impressions": table.columns["impressions"],
        "clicks": table.columns["clicks"],
    }
    log = read_keyword_log(columns, errors=errors, relax=("clicks_le_impressions",))
    ignored = tuple(c for c in table.columns if c not in needed)
    report = dataclasses.replace(
        log.report,
        source=table.source,
        column_map={
            "date": "date",
            "id": "keyword",
            "impressions": "impressions",
            "clicks": "clicks",
        },
        ignored_columns=ignored,
    )
    return dataclasses.replace(log, report=report)
