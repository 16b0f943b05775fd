"""Totals and ratios of a bid plan, read from its per-row arrays (one idea for every plan)."""

from __future__ import annotations

from typing import ClassVar

from bidopt.typing import FloatArray

__all__ = ["PlanTotals", "ratio"]


def ratio(a: float, b: float) -> float:
    """``a / b``, NaN when ``b`` is not positive."""
    return a / b if b > 0 else float("nan")


class PlanTotals:
    """Mixin: ``spend``, ``clicks``, ``conversions``, ``revenue``, ``impressions`` and the
    ratios ``cpc``, ``cpa``, ``roas``, ``ctr`` of a plan whose expected outcomes per row
    are arrays named ``<prefix>cost``, ``<prefix>clicks``, ... (``keyword_`` for one row
    per keyword, ``cell_`` for one per keyword x crowd cell); a metric the landscape
    lacks is None and its total NaN."""

    __slots__ = ()
    _prefix: ClassVar[str]

    def _total(self, metric: str) -> float:
        values: FloatArray | None = getattr(self, self._prefix + metric)
        return float("nan") if values is None else float(values.sum())

    @property
    def spend(self) -> float:
        """Total expected spend, yuan."""
        return self._total("cost")

    @property
    def clicks(self) -> float:
        """Total expected clicks."""
        return self._total("clicks")

    @property
    def conversions(self) -> float:
        """Total expected orders (NaN if the landscape has none)."""
        return self._total("conversions")

    @property
    def revenue(self) -> float:
        """Total expected order value (first basket), yuan (NaN if the landscape has none)."""
        return self._total("revenue")

    @property
    def impressions(self) -> float:
        """Total expected impressions (NaN if the landscape has none)."""
        return self._total("impressions")

    @property
    def cpc(self) -> float:
        """Average cost per click, yuan."""
        return ratio(self.spend, self.clicks)

    @property
    def cpa(self) -> float:
        """Cost per order, yuan."""
        return ratio(self.spend, self.conversions)

    @property
    def roas(self) -> float:
        """Revenue per yuan spent."""
        return ratio(self.revenue, self.spend)

    @property
    def ctr(self) -> float:
        """Clicks per impression."""
        return ratio(self.clicks, self.impressions)
