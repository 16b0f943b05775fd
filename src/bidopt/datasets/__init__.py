"""Data model and loaders: keyword logs, auction logs, and a synthetic search account.

* :class:`KeywordLog` / :func:`read_keyword_log` - keyword x day performance reports
  (English or Tmall/Taobao Chinese headers); :func:`read_adwords_keyword_daily` for the
  public AdWords keyword-day file; :class:`LoadReport` says what was dropped or flagged
  on load, each row as a :class:`LoadIssue` record and each summed keyword-day as a
  :class:`KeywordDay`.
* :class:`ChannelHistory` / :func:`read_channel_history` - spend per channel and period
  with its revenue, for fitting response curves.
* :class:`AuctionLog` / :func:`read_ipinyou` / :func:`read_ipinyou_info` - auction logs
  for replay, in the iPinYou formats.
* :func:`make_search_account` - a seeded, realistic synthetic account with known truth
  (optionally with crowds, :class:`CrowdTruth`).
* :class:`CrowdReport` / :func:`read_crowd_report` - keyword x crowd reports (人群报表).
* :func:`make_auction_log` - a seeded synthetic auction log for replay.
"""

from bidopt.datasets._adwords import read_adwords_keyword_daily
from bidopt.datasets._auction_log import AuctionLog
from bidopt.datasets._categorical import Categorical
from bidopt.datasets._channel_history import ChannelHistory, read_channel_history
from bidopt.datasets._channel_plan import ChannelPlan, double11_channels, make_channel_plan
from bidopt.datasets._crowd_report import CROWD_HEADER_ALIASES, CrowdReport, read_crowd_report
from bidopt.datasets._crowds import CROWD_PROFILES, CrowdTruth
from bidopt.datasets._ipinyou import IpinyouInfo, read_ipinyou, read_ipinyou_info
from bidopt.datasets._keyword_log import KEYWORD_LOG_COLUMNS, MATCH_TYPES, KeywordLog, LoadReport
from bidopt.datasets._keyword_reader import (
    DEFAULT_RELAX,
    HEADER_ALIASES,
    SPLIT_ALIASES,
    read_keyword_log,
)
from bidopt.datasets._load_issues import ISSUE_KINDS, KeywordDay, LoadIssue
from bidopt.datasets._make_account import make_search_account
from bidopt.datasets._synthetic import AccountTruth, ExpectedPerformance, SearchAccount
from bidopt.datasets._synthetic_auctions import make_auction_log

__all__ = [
    "CROWD_HEADER_ALIASES",
    "CROWD_PROFILES",
    "DEFAULT_RELAX",
    "HEADER_ALIASES",
    "ISSUE_KINDS",
    "KEYWORD_LOG_COLUMNS",
    "MATCH_TYPES",
    "SPLIT_ALIASES",
    "AccountTruth",
    "AuctionLog",
    "Categorical",
    "ChannelHistory",
    "ChannelPlan",
    "CrowdReport",
    "CrowdTruth",
    "ExpectedPerformance",
    "IpinyouInfo",
    "KeywordDay",
    "KeywordLog",
    "LoadIssue",
    "LoadReport",
    "SearchAccount",
    "double11_channels",
    "make_auction_log",
    "make_channel_plan",
    "make_search_account",
    "read_adwords_keyword_daily",
    "read_channel_history",
    "read_crowd_report",
    "read_ipinyou",
    "read_ipinyou_info",
    "read_keyword_log",
]
