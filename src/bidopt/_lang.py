"""The languages of bidopt's user-facing words (reports, figures, bid sheets)."""

from __future__ import annotations

from typing import Any, Literal

from bidopt._validation import check_choice

__all__ = ["LANGS", "Lang", "check_lang"]

Lang = Literal["en", "zh"]

#: The languages of reports, figures and bid sheets.
LANGS: tuple[Lang, ...] = ("en", "zh")


def check_lang(lang: Any) -> Lang:
    """``lang`` checked: "en" or "zh" (else an InvalidInputError naming ``lang``)."""
    return check_choice(lang, "lang", LANGS)  # type: ignore[return-value]
