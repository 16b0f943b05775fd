"""The reference merchant's channel plan (embedded example data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bidopt.channels import ResponseCurve

__all__ = ["ChannelPlan", "double11_channels"]


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
    """

    budget: float
    current: dict[str, float] = field(default_factory=dict)
    roi: dict[str, float] = field(default_factory=dict)
    elasticity: dict[str, float] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)

    def curves(self) -> dict[str, ResponseCurve]:
        """Each channel's response curve through today's spend and ROI with the assumed
        elasticity (:meth:`bidopt.channels.ResponseCurve.from_roi`, exponential)."""
        from bidopt.channels import ResponseCurve

        return {
            c: ResponseCurve.from_roi(x, self.roi[c], elasticity=self.elasticity[c])
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
