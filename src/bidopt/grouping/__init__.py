"""Keyword grouping: normalisation, n-gram features, and graph average linkage."""

from bidopt.grouping._groups import KeywordGroups, group_keywords
from bidopt.grouping._normalize import normalize_keywords

__all__ = ["KeywordGroups", "group_keywords", "normalize_keywords"]
