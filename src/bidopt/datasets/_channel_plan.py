"""The reference merchant's channel plan (embedded example data), and seeded random
plans of many channels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from bidopt._optional import require_pandas
from bidopt._validation import check_random_state, check_scalar
from bidopt.exceptions import InvalidInputError
from bidopt.typing import RandomState

#: What ``from_roi`` builds (a :class:`bidopt.channels.ResponseCurve`).
Curve = TypeVar("Curve")

__all__ = ["ChannelPlan", "double11_channels", "make_channel_plan"]

#: The closed-form kinds :func:`make_channel_plan` cycles through.
_PLAN_KINDS = ("exponential", "log", "logistic")


@dataclass(frozen=True, slots=True)
class ChannelPlan:
    """A merchant's current channel spend with what is known about each channel.

    Attributes
    ----------
    budget : float
        Total budget to split, yuan.
    current : dict of str to float
        Today's spend per channel, yuan (sums to ``budget``).
    roi : dict of str to float
        Revenue per yuan at today's spend.
    elasticity : dict of str to float
        Assumed elasticity at today's spend (percent more revenue per percent more spend).
    groups : dict of str to list of str
        Channel groups (core on-site, emerging off-site).
    kinds : dict of str to str
        Curve kind per channel (``"exponential"`` where absent).
    """

    budget: float
    current: dict[str, float] = field(default_factory=dict)
    roi: dict[str, float] = field(default_factory=dict)
    elasticity: dict[str, float] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    def _group_of(self) -> dict[str, str | None]:
        """Each channel's group (None for a channel in no group)."""
        owner = {c: g for g, members in self.groups.items() for c in members}
        return {c: owner.get(c) for c in self.current}

    def to_frame(self) -> Any:
        """One row per channel: group, kind, current spend (yuan), ROI and elasticity
        (needs pandas)."""
        pd = require_pandas("ChannelPlan.to_frame()")
        group = self._group_of()
        return pd.DataFrame(
            {
                "channel": list(self.current),
                "group": [group[c] for c in self.current],
                "kind": [self.kinds.get(c, "exponential") for c in self.current],
                "current": list(self.current.values()),
                "roi": [self.roi[c] for c in self.current],
                "elasticity": [self.elasticity[c] for c in self.current],
            }
        )

    def summary(self) -> str:
        """The budget and today's split by group, in a few lines."""
        lines = [f"ChannelPlan: {len(self.current)} channels, budget {self.budget:,.2f} yuan"]
        group = self._group_of()
        for g in [*self.groups, None]:
            members = [c for c in self.current if group[c] == g]
            if not members:
                continue
            spend = sum(self.current[c] for c in members)
            revenue = sum(self.current[c] * self.roi[c] for c in members)
            lines.append(
                f"  {g if g is not None else '(no group)'}: {len(members)} channels, "
                f"{spend:,.2f} yuan ({spend / self.budget:.1%}), ROI {revenue / spend:.2f}"
            )
        return "\n".join(lines)

    def curves(self, from_roi: Callable[..., Curve]) -> dict[str, Curve]:
        """Each channel's response curve through today's spend and ROI with the assumed
        elasticity, of the channel's kind.

        Parameters
        ----------
        from_roi : callable
            The curve constructor, :meth:`bidopt.channels.ResponseCurve.from_roi`
            (called as ``from_roi(spend, roi, kind=..., elasticity=...)``).  It is passed
            in rather than imported: data packages never import an optimiser.

        Returns
        -------
        dict of str to ResponseCurve
            One curve per channel, in the order of ``current``.

        Examples
        --------
        >>> from bidopt.channels import ResponseCurve
        >>> curves = double11_channels().curves(ResponseCurve.from_roi)
        >>> round(float(curves["douyin"](500_000.0)) / 500_000.0, 6)  # today's ROI
        8.5
        """
        if not callable(from_roi):
            raise InvalidInputError(
                "`from_roi` must be a curve constructor such as "
                f"bidopt.channels.ResponseCurve.from_roi. Got {from_roi!r} instead."
            )
        return {
            c: from_roi(
                x,
                self.roi[c],
                kind=self.kinds.get(c, "exponential"),
                elasticity=self.elasticity[c],
            )
            for c, x in self.current.items()
        }


def double11_channels() -> ChannelPlan:
    """The Double-11 plan of the project's reference merchant.

    2,000,000 yuan split 60% core (Zhitongche search, Diamond booth display, Taobaoke
    affiliate; ROI about 1:4) and 40% emerging (Douyin, Xiaohongshu; ROI about 1:8), the
    ROIs differing a little by channel.  Elasticities are assumptions, not measurements.
    """
    return ChannelPlan(
        budget=2_000_000.0,
        current={
            "zhitongche": 700_000.0,
            "diamond": 300_000.0,
            "taobaoke": 200_000.0,
            "douyin": 500_000.0,
            "xiaohongshu": 300_000.0,
        },
        roi={"zhitongche": 4.4, "diamond": 3.6, "taobaoke": 4.0, "douyin": 8.5, "xiaohongshu": 7.5},
        elasticity={
            "zhitongche": 0.45,
            "diamond": 0.55,
            "taobaoke": 0.5,
            "douyin": 0.5,
            "xiaohongshu": 0.6,
        },
        groups={
            "core": ["zhitongche", "diamond", "taobaoke"],
            "emerging": ["douyin", "xiaohongshu"],
        },
    )


def make_channel_plan(
    n_channels: int, *, n_groups: int = 4, rng: RandomState = None
) -> ChannelPlan:
    """A random plan of many channels, for trying a split at scale.

    Today's spend per channel is log-normal around 100,000 yuan (log sd 0.8), its ROI
    uniform in [2, 10] and its elasticity uniform in [0.2, 0.8]; the kinds cycle through
    exponential, log and logistic; the channels fall in ``n_groups`` groups of
    consecutive channels (``g0``, ``g1``, ...); the budget is today's total spend.

    Parameters
    ----------
    n_channels : int
        Number of channels (>= 1), named ``ch000``, ``ch001``, ...
    n_groups : int, default 4
        Number of groups (1 to ``n_channels``).
    rng : int, Generator or None
        Seed or generator; the same seed gives the same plan.

    Returns
    -------
    ChannelPlan

    Examples
    --------
    >>> plan = make_channel_plan(50, rng=50)
    >>> len(plan.current), sorted(plan.groups), plan.kinds["ch001"]
    (50, ['g0', 'g1', 'g2', 'g3'], 'log')
    """
    n = int(check_scalar(n_channels, "n_channels", lower=1, integer=True))
    k = int(check_scalar(n_groups, "n_groups", lower=1, upper=n, integer=True))
    gen = check_random_state(rng)
    spend = gen.lognormal(np.log(1e5), 0.8, n)
    names = [f"ch{i:03d}" for i in range(n)]
    roi: dict[str, float] = {}
    elasticity: dict[str, float] = {}
    for name in names:  # (one draw of each per channel, in turn)
        roi[name] = float(gen.uniform(2, 10))
        elasticity[name] = float(gen.uniform(0.2, 0.8))
    parts: list[Any] = np.array_split(np.arange(n), k)
    return ChannelPlan(
        budget=float(spend.sum()),
        current={c: float(x) for c, x in zip(names, spend, strict=True)},
        roi=roi,
        elasticity=elasticity,
        groups={f"g{j}": [names[i] for i in part] for j, part in enumerate(parts)},
        kinds={c: _PLAN_KINDS[i % 3] for i, c in enumerate(names)},
    )
