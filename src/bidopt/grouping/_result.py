"""``KeywordGroups``: the result of :func:`bidopt.grouping.group_keywords`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import check_scalar
from bidopt.typing import IntArray, ObjectArray

__all__ = ["KeywordGroups"]


@dataclass(frozen=True, slots=True, eq=False)
class KeywordGroups:
    """Keywords grouped into themed ad groups, and the groups into themes.

    Two levels a merchant maps to campaign and ad group: a theme is a kind of product
    ("灯" over 吊灯 / 吸顶灯 / 台灯 ad groups, "chair"); its ad groups split it by
    product, brand, qualifier or model.

    Attributes
    ----------
    keywords : ndarray of object, shape (n_keywords,)
        The keywords as given.
    labels : ndarray of int64, shape (n_keywords,)
        Ad group of each keyword (0 .. n_groups - 1).
    names : ndarray of object, shape (n_groups,)
        Each group named as its theme reads: the product word most of its keywords
        carry (as their own product word or a compound ending in it), after the brand
        and qualifier words most of those carry, spelled whole ("良品铺子咖啡"; no
        shopping modifiers or attributes).  A group in which no product word is carried
        by more than half of the keywords is named after its two most common product
        words ("电脑 / 保护膜").
    sizes : ndarray of int64, shape (n_groups,)
    method : str
    themes : ndarray of int64, shape (n_groups,)
        Theme of each group (0 .. n_themes - 1).
    theme_names : ndarray of object, shape (n_themes,)
        The kind of product of each theme, as its groups' product words share it (灯 of
        吊灯 / 吸顶灯; the word itself when they are one), spelled as keywords write it
        alone (裤子).
    """

    keywords: ObjectArray
    labels: IntArray
    names: ObjectArray
    sizes: IntArray
    method: str
    themes: IntArray
    theme_names: ObjectArray

    @property
    def n_groups(self) -> int:
        """Number of groups (singletons included)."""
        return int(self.names.size)

    @property
    def n_themes(self) -> int:
        """Number of themes."""
        return int(self.theme_names.size)

    @property
    def grouped_share(self) -> float:
        """Share of keywords in groups of two keywords or more."""
        if self.labels.size == 0:
            return 0.0
        return float(np.mean(self.sizes[self.labels] >= 2))

    def members(self, group: int) -> list[str]:
        """The keywords of one group.

        Parameters
        ----------
        group : int
            A group id, 0 .. ``n_groups - 1`` (another number raises: it names no
            group).
        """
        g = int(check_scalar(group, "group", lower=0, upper=self.n_groups - 1, integer=True))
        return [str(k) for k in self.keywords[self.labels == g]]

    def to_frame(self) -> Any:
        """One row per keyword: keyword, group id, group name, theme id, theme name
        (needs pandas)."""
        pd = require_pandas("KeywordGroups.to_frame()")
        theme = self.themes[self.labels]
        return pd.DataFrame(
            {
                "keyword": self.keywords,
                "group": self.labels,
                "group_name": self.names[self.labels],
                "theme": theme,
                "theme_name": self.theme_names[theme],
            }
        )

    def summary(self, top: int = 10) -> str:
        """A short text report: counts, the share grouped, and the largest groups.

        Parameters
        ----------
        top : int, default 10
            How many of the largest groups to list.
        """
        top = int(check_scalar(top, "top", lower=0, integer=True))
        lines = [
            f"KeywordGroups ({self.method}): {self.keywords.size:,} keywords in "
            f"{self.n_groups:,} ad groups under {self.n_themes:,} themes",
            f"  in groups of 2 or more: {self.grouped_share:.1%}; largest group: "
            f"{int(self.sizes.max()) if self.sizes.size else 0}",
        ]
        for g in np.argsort(-self.sizes, kind="stable")[:top].tolist():
            if self.sizes[g] < 2:
                break
            lines.append(
                f"  {self.theme_names[self.themes[g]]} > {self.names[g]} "
                f"({int(self.sizes[g])}): " + ", ".join(self.members(g)[:4])
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"KeywordGroups(n_keywords={self.keywords.size}, n_groups={self.n_groups}, "
            f"n_themes={self.n_themes}, "
            f"largest={int(self.sizes.max()) if self.sizes.size else 0})"
        )
