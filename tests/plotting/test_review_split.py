"""Review of plot_split: channel names never run together under the bars (the names of
12 channels overlapped), and a few short names stay level."""

from __future__ import annotations

import itertools

import pytest

pytest.importorskip("matplotlib", reason="the figures need the optional matplotlib")

from matplotlib.backends.backend_agg import FigureCanvasAgg

from bidopt.channels import ResponseCurve, split_budget
from bidopt.plotting import plot_split

_NAMES = [
    "zhitongche",
    "diamond_booth",
    "taobaoke",
    "douyin_live",
    "xiaohongshu",
    "super_recommend",
    "wanxiangtai",
    "kuaishou",
    "baidu_search",
    "weibo_fans",
    "bilibili_up",
    "pinduoduo",
]


@pytest.mark.parametrize("n", [3, 12])
def test_channel_names_do_not_overlap(n: int) -> None:
    curves = {c: ResponseCurve.from_roi(1e5 * (i + 1), 3.0) for i, c in enumerate(_NAMES[:n])}
    fig = plot_split({"a": split_budget(curves, 1e6), "b": split_budget(curves, 2e6)})
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(labels) == n
    if n == 3:  # level and side by side
        boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda b: b.x0)
        assert all(a.x1 < b.x0 for a, b in itertools.pairwise(boxes))
        assert all(t.get_rotation() == 0 for t in labels)
    else:  # slanted: one text height apart along the slant, as each tick is ~0.5 inch
        assert all(t.get_rotation() == 30 for t in labels)
        height = labels[0].get_window_extent(renderer).height / 2  # glyphs, not the box
        spacing = (
            labels[1].get_window_extent(renderer).x1 - labels[0].get_window_extent(renderer).x1
        )
        assert spacing * 0.5 > height
    legend = fig.legends[0].get_window_extent(renderer)
    assert legend.y0 >= 0 and legend.y1 <= fig.bbox.height  # in the saved image
    assert not any(legend.overlaps(t.get_window_extent(renderer)) for t in labels)
