"""What a merchant acts on: the upload-ready bid file and one-page HTML reports.

* :func:`make_bid_sheet` / :class:`BidSheet` / :func:`write_bid_sheet` - a bid plan as
  rows keyed by (campaign, ad group, keyword, match type), bids rounded to the platform's
  0.01-yuan step within its bid limits, the rounded plan's spend checked against the
  budget; written as ``.xlsx`` or UTF-8-with-BOM ``.csv``.
* :func:`render_plan_report` / :func:`render_split_report` / :func:`write_html` -
  self-contained HTML pages (figures embedded, nothing fetched), in Chinese or English.
* :func:`warning_en` - a library warning as the command line and the pages say it: the
  command-line option or plain words where the library's own text names Python.

``python -m bidopt plan`` and ``python -m bidopt split`` use these.
"""

from bidopt.report._bidsheet import KEY_COLUMNS, BidSheet, make_bid_sheet, write_bid_sheet
from bidopt.report._html import write_html
from bidopt.report._pages import render_plan_report, render_split_report
from bidopt.report._words import warning_en

__all__ = [
    "KEY_COLUMNS",
    "BidSheet",
    "make_bid_sheet",
    "render_plan_report",
    "render_split_report",
    "warning_en",
    "write_bid_sheet",
    "write_html",
]
