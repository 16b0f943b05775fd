"""One look for every figure: the font that draws Chinese labels, the currency in axis
labels, and how numbers are written (thousands separator, decimal mark).

Every figure is made by :func:`new_figure`: a matplotlib Figure that, each time it is
drawn, gives every text (titles, labels, legends, tick labels, including ticks made at
draw time and text added after the figure was returned) the same font list: DejaVu Sans
for Latin text and, glyph by glyph, the installed CJK font for Chinese text.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import logging
import math
import warnings
from typing import Any

from bidopt._optional import require_matplotlib, require_pandas
from bidopt.exceptions import InvalidInputError

__all__ = [
    "CJK_FONTS",
    "PlotStyle",
    "cjk_font",
    "format_number",
    "get_style",
    "new_figure",
    "number_formatter",
    "set_style",
    "short_number",
]

#: Fonts with Chinese glyphs, tried in this order.
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
    "Arial Unicode MS",
)

#: What to install when no font of :data:`CJK_FONTS` is found.
_FONT_HINT = (
    "No font with Chinese glyphs is installed, so Chinese labels in bidopt's figures are "
    "drawn as empty boxes. Install one, e.g. on Debian/Ubuntu `apt-get install "
    "fonts-wqy-zenhei` (or `fonts-noto-cjk`), on other systems Noto Sans CJK SC, then "
    "restart Python; or name an installed font with "
    "`bidopt.plotting.set_style(font=...)`."
)

_LATIN_FONT = "DejaVu Sans"


@dataclasses.dataclass(frozen=True, slots=True)
class PlotStyle:
    """How bidopt's figures write money and numbers, and which font draws Chinese text.

    Change it for every later figure with :func:`set_style`; read it with
    :func:`get_style`.

    Attributes
    ----------
    currency : str, default "yuan"
        The money unit in axis labels, e.g. ``"元"``, ``"¥"``, ``"CNY"``.
    thousands : str, default ","
        Thousands separator of tick labels and numbers in legends (``""`` for none,
        ``" "`` or ``"\u2009"`` for a space).
    decimal : str, default "."
        Decimal mark.
    font : str or None, default None
        A font family for Chinese (or other non-Latin) text. None: the first installed
        font of :data:`CJK_FONTS`.
    """

    currency: str = "yuan"
    thousands: str = ","
    decimal: str = "."
    font: str | None = None

    def __post_init__(self) -> None:
        for name in ("currency", "thousands", "decimal"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidInputError(
                    f"`{name}` must be a string. Got {value!r} of type "
                    f"{type(value).__name__} instead."
                )
        if not self.currency.strip():
            raise InvalidInputError(
                f"`currency` must be a non-empty string. Got {self.currency!r} instead."
            )
        if len(self.decimal) != 1 or self.decimal.isdigit() or self.decimal == self.thousands:
            raise InvalidInputError(
                "`decimal` must be one non-digit character other than `thousands`. Got "
                f"{self.decimal!r} (thousands {self.thousands!r}) instead."
            )
        if any(ch.isdigit() or ch in "+-" for ch in self.thousands):
            raise InvalidInputError(
                f"`thousands` must not contain digits or signs. Got {self.thousands!r} instead."
            )
        if self.font is not None and (not isinstance(self.font, str) or not self.font):
            raise InvalidInputError(
                f"`font` must be a font family name or None. Got {self.font!r} instead."
            )

    def money(self, what: str) -> str:
        """``what`` followed by the currency in parentheses: ``money("cost")`` is
        ``"cost (yuan)"``."""
        return f"{what} ({self.currency})"

    def fonts(self) -> list[str]:
        """The font list given to every text: the Latin font, then the CJK font (if any)."""
        cjk = self.font if self.font is not None else cjk_font()
        return [_LATIN_FONT] if cjk is None else [_LATIN_FONT, cjk]

    def summary(self) -> str:
        """The style in one line per option."""
        font = self.font if self.font is not None else f"{cjk_font()} (found)"
        return (
            "Plot style\n"
            f"  currency:  {self.currency}\n"
            f"  numbers:   {format_number(1234567.89, 2, style=self)}\n"
            f"  CJK font:  {font}"
        )

    def to_frame(self) -> Any:
        """One row per option (needs pandas)."""
        pd = require_pandas("PlotStyle.to_frame")
        return pd.DataFrame(
            {
                "option": ["currency", "thousands", "decimal", "font"],
                "value": [self.currency, self.thousands, self.decimal, self.font],
            }
        )


_current = PlotStyle()
_hinted = False


def get_style() -> PlotStyle:
    """The :class:`PlotStyle` in force for the next figure."""
    return _current


def set_style(style: PlotStyle | None = None, **changes: Any) -> PlotStyle:
    """Set how every later figure writes money and numbers and draws Chinese text.

    Parameters
    ----------
    style : PlotStyle, optional
        A whole style (e.g. one returned earlier, to restore it). None: the style in
        force.
    **changes
        Options of :class:`PlotStyle` to change: ``currency``, ``thousands``,
        ``decimal``, ``font``.

    Returns
    -------
    PlotStyle
        The style in force before the call, so it can be restored with
        ``set_style(previous)``.

    Examples
    --------
    >>> from bidopt.plotting import set_style
    >>> previous = set_style(currency="元", thousands=",")
    >>> _ = set_style(previous)
    """
    global _current
    unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(PlotStyle)})
    if unknown:
        raise InvalidInputError(
            "`changes` must be options of PlotStyle (currency, decimal, font, thousands). "
            f"Got {unknown} instead."
        )
    if style is not None and not isinstance(style, PlotStyle):
        raise InvalidInputError(
            f"`style` must be a PlotStyle or None. Got {type(style).__name__} instead."
        )
    new = dataclasses.replace(style if style is not None else _current, **changes)
    if new.font is not None and new.font != _current.font:
        _check_installed(new.font)
    previous = _current
    _current = new
    return previous


def _check_installed(font: str) -> None:
    """Raise unless matplotlib finds the font family ``font`` (a font that is not
    installed drew every Chinese glyph as an empty box, with a warning per glyph)."""
    require_matplotlib("bidopt.plotting.set_style(font=...)")
    from matplotlib import font_manager

    cjk_font()  # register the system's CJK fonts matplotlib's cache predates
    try:
        font_manager.findfont(font_manager.FontProperties(family=font), fallback_to_default=False)
    except ValueError:
        found = cjk_font()
        raise InvalidInputError(
            f"`font` must be an installed font family. Got {font!r}, which matplotlib "
            f"does not find, instead"
            + (f" (installed with Chinese glyphs: {found!r})." if found else ".")
        ) from None


@functools.cache
def _installed_cjk_font() -> str | None:
    from matplotlib import font_manager

    manager = font_manager.fontManager
    installed = {f.name for f in manager.ttflist}
    found = next((name for name in CJK_FONTS if name in installed), None)
    if found is not None:
        return found
    # matplotlib's font cache predates a font installed since: look at the system's
    # fonts it does not know yet (once per session).
    known = {f.fname for f in manager.ttflist}
    for path in font_manager.findSystemFonts():
        if path in known:
            continue
        try:
            name = font_manager.get_font(path).family_name
        except (OSError, RuntimeError, ValueError):  # pragma: no cover - unreadable file
            continue
        if name in CJK_FONTS:
            manager.addfont(path)
            installed.add(name)
    return next((name for name in CJK_FONTS if name in installed), None)


def cjk_font() -> str | None:
    """The first installed font of :data:`CJK_FONTS` (looked up once), or None."""
    return _installed_cjk_font()


class _WeightFallbackFilter(logging.Filter):
    """Drop matplotlib's "findfont: Failed to find font weight normal for <CJK font>"
    message: a CJK font with a single weight (WenQuanYi Zen Hei is Medium) is chosen on
    purpose for Chinese glyphs, and the note would follow every figure."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (
            message.startswith("findfont: Failed to find font weight")
            and isinstance(record.args, tuple)
            and len(record.args) > 1
            and str(record.args[1]) in CJK_FONTS
        )


_WEIGHT_FILTER = _WeightFallbackFilter()


def _needs_cjk(text: str) -> bool:
    return any(ord(ch) > 0x2E7F for ch in text)


def _hint_once(texts: list[str], style: PlotStyle) -> None:
    """Warn, once per session, when Chinese text is drawn and no CJK font is found."""
    global _hinted
    if _hinted or style.font is not None or cjk_font() is not None:
        return
    if any(_needs_cjk(t) for t in texts):
        _hinted = True
        warnings.warn(_FONT_HINT, UserWarning, stacklevel=2)


def format_number(value: float, decimals: int = 0, *, style: PlotStyle | None = None) -> str:
    """``value`` written with the style's thousands separator and decimal mark.

    Parameters
    ----------
    value : float
    decimals : int, default 0
        Digits after the decimal mark.
    style : PlotStyle, optional
        Default: the style in force.

    Returns
    -------
    str
        E.g. ``"1,234,568"`` for ``format_number(1234567.8)``.
    """
    s = style if style is not None else _current
    if not math.isfinite(value):
        return str(value)
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\0").replace(".", s.decimal).replace("\0", s.thousands)


def short_number(value: float, style: PlotStyle | None = None) -> str:
    """``value`` as a tick label or a number in a legend or note: the style's separators
    (default: the style in force), no scientific notation, trailing zeros dropped; no
    decimals from 100 on, else 2 decimals or 3 significant digits, whichever is more, so
    that small money (a budget of 0.4 yuan, a tick at 0.0025) is not written 0; ``"-"``
    for NaN or infinity.

    Examples
    --------
    >>> short_number(1234567.8), short_number(0.125), short_number(0.0025)
    ('1,234,568', '0.125', '0.0025')
    """
    style = style if style is not None else _current
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else "-"
    magnitude = abs(value)
    decimals = 0 if magnitude >= 100 else max(2, 2 - math.floor(math.log10(magnitude)))
    text = format_number(value, decimals, style=style)
    if decimals:
        text = text.rstrip("0").rstrip(style.decimal)
    return text


def _tick_decimals(locs: list[float]) -> int:
    """The decimals that write every tick of ``locs`` exactly (to 1e-6 of their spacing):
    0 for 100, 200, ...; 1 for 100.5; 4 for 0.0172, 0.01725, ... (the tick labels of one
    axis share them, so 100 and 100.5 are not both written 100)."""
    values = sorted({float(v) for v in locs if math.isfinite(v)})
    gaps = [b - a for a, b in itertools.pairwise(values) if b > a]
    if not gaps:
        return -1
    tolerance = 1e-6 * min(gaps)
    for decimals in range(16):
        if all(abs(round(v, decimals) - v) <= tolerance for v in values):
            return decimals
    return 15


@functools.cache
def _formatter_class() -> type:
    """A matplotlib tick formatter class writing an axis' ticks with a style (defined on
    first use: importing bidopt never imports matplotlib)."""
    from matplotlib import ticker

    class StyleFormatter(ticker.Formatter):
        def __init__(self, style: PlotStyle) -> None:
            self.style = style
            self.ticks: list[float] = []

        def set_locs(self, locs: Any) -> None:
            self.ticks = [float(v) for v in locs]

        def __call__(self, x: float, pos: int | None = None) -> str:
            value = float(x)
            decimals = _tick_decimals(self.ticks)
            if decimals < 0 or not any(
                abs(value - tick) <= 1e-9 * max(abs(tick), 1e-300) for tick in self.ticks
            ):
                return short_number(value, self.style)  # one tick, or not a tick
            if abs(value) <= 1e-12 * max(abs(v) for v in self.ticks):
                return "0"
            text = format_number(value, decimals, style=self.style)
            if decimals:
                text = text.rstrip("0").rstrip(self.style.decimal)
            return text

    return StyleFormatter


def number_formatter(style: PlotStyle | None = None) -> Any:
    """A matplotlib tick formatter writing numbers with ``style``'s separators (default:
    the style in force now), without scientific notation or offsets; an axis' ticks
    share the decimals that write each of them exactly (:func:`short_number` for a
    number outside an axis)."""
    return _formatter_class()(style if style is not None else _current)


def _fit_x_ticks(ax: Any, fig: Any) -> None:
    """Fewer x ticks when their labels are long (huge money: "1,750,000,000" side by
    side overlapped): about one label width plus two characters per tick."""
    from matplotlib import ticker

    axis = ax.xaxis
    locator = axis.get_major_locator()
    if not (
        type(locator) is ticker.AutoLocator or getattr(locator, "bidopt_fitted", False)
    ) or not isinstance(axis.get_major_formatter(), _formatter_class()):
        return
    lo, hi = ax.get_xlim()
    chars = len(short_number(max(abs(lo), abs(hi)))) + 3
    width = ax.get_position().width * fig.get_figwidth()  # inches
    size = ax.xaxis.get_ticklabels()[0].get_fontsize() if ax.xaxis.get_ticklabels() else 10.0
    room = max(2, int(width * 72.0 / (chars * 0.62 * float(size))))
    fitted = ticker.MaxNLocator(nbins=min(room, 9), steps=[1, 2, 2.5, 5, 10])
    fitted.bidopt_fitted = True  # type: ignore[attr-defined]
    axis.set_major_locator(fitted)


def _finish(fig: Any, style: PlotStyle) -> None:
    """Give every text of ``fig`` the style's font list, now and for ticks made later;
    write linear axes' numbers with the style's separators (unless a function chose
    another formatter)."""
    from matplotlib import ticker
    from matplotlib.text import Text

    fonts = style.fonts()
    if len(fonts) > 1:
        logging.getLogger("matplotlib.font_manager").addFilter(_WEIGHT_FILTER)  # idempotent
    texts = fig.findobj(Text)
    _hint_once([t.get_text() for t in texts], style)
    for text in texts:
        text.set_fontfamily(fonts)
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=fonts)
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_scale() == "linear" and type(axis.get_major_formatter()) is (
                ticker.ScalarFormatter
            ):
                axis.set_major_formatter(number_formatter(style))
        _fit_x_ticks(ax, fig)


@functools.cache
def _figure_class() -> type:
    """A matplotlib Figure that applies its :class:`PlotStyle` each time it is drawn
    (defined on first use: importing bidopt never imports matplotlib)."""
    figure = require_matplotlib("bidopt.plotting")

    class StyledFigure(figure.Figure):  # type: ignore[misc, name-defined]
        bidopt_style: PlotStyle = PlotStyle()

        def draw(self, renderer: Any) -> None:
            _finish(self, self.bidopt_style)
            super().draw(renderer)

    return StyledFigure


def new_figure(width: float, height: float) -> Any:
    """A figure of ``width`` x ``height`` inches (constrained layout) drawn in the style
    in force now: every text, including any added later, gets the style's fonts."""
    fig = _figure_class()(figsize=(width, height), layout="constrained")
    fig.bidopt_style = _current
    return fig
