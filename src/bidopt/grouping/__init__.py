"""Keyword grouping (normalisation, n-gram features, graph average linkage) and rates
pooled through the group hierarchy."""

from bidopt.grouping._groups import KeywordGroups, group_keywords
from bidopt.grouping._normalize import normalize_keywords
from bidopt.grouping._pooling import PooledRates, pool_rates

__all__ = ["KeywordGroups", "PooledRates", "group_keywords", "normalize_keywords", "pool_rates"]
