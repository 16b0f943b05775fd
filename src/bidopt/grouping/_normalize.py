"""Keyword text normalisation: the same query typed in different ways becomes one string."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from bidopt._validation import check_bool, short_repr
from bidopt.exceptions import InvalidInputError, MissingDependencyError

__all__ = ["keyword_list", "normalize_keywords"]

_SPACE = re.compile(r"\s+")
# punctuation and symbols become spaces (NFKC has already folded full-width forms);
# "+", "#" and "." stay, as in "c++", "c#", "2.5l"
_PUNCT = re.compile(r"[^\w\s+#.]|_", flags=re.UNICODE)


@lru_cache(maxsize=1)
def _opencc() -> Any:
    try:
        from opencc import OpenCC
    except ImportError:
        raise MissingDependencyError(
            "`traditional` must be False or None when OpenCC is not installed (traditional -> "
            "simplified Chinese needs it). Got True instead; install it with "
            "`pip install bidopt[chinese]`."
        ) from None
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _character_table() -> dict[int, str]:
    """OpenCC's traditional -> simplified table of single characters (first reading),
    for ``str.translate``; empty without OpenCC or its plain-text dictionary."""
    try:
        import opencc
    except ImportError:
        return {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    if not path.is_file():
        return {}
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        if len(source) == 1 and targets:
            table[ord(source)] = targets.split(" ")[0]
    return table


def _one(text: str, to_simplified: Any, table: dict[int, str] | None) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    s = _PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip()
    if to_simplified is not None:
        s = to_simplified.convert(s)
    elif table:
        s = s.translate(table)
    return s


def keyword_list(keywords: Any) -> list[Any]:
    """``keywords`` as a list (an iterator is read once), refusing one string or bytes
    object (which would otherwise be split into characters) and non-iterables."""
    if isinstance(keywords, (str, bytes)):
        raise InvalidInputError(
            "`keywords` must be a sequence of strings, not one string. Got "
            f"{short_repr(keywords)} instead; pass [{short_repr(keywords)}] for one keyword."
        )
    if not isinstance(keywords, Iterable):
        raise InvalidInputError(
            f"`keywords` must be a sequence of strings. Got {short_repr(keywords)} instead."
        )
    return list(keywords)


def normalize_keywords(keywords: Iterable[Any], *, traditional: bool | None = None) -> list[str]:
    """Normalise keywords for grouping and matching.

    NFKC (full-width letters and digits to half-width), lower case, punctuation and
    symbols folded to spaces, runs of white space to one space, stripped, and
    traditional Chinese characters to simplified ones.

    Parameters
    ----------
    keywords : iterable of str
    traditional : bool or None, default None
        How traditional Chinese becomes simplified.  None: character by character with
        OpenCC's character table when the ``chinese`` extra is installed (fast; without
        it, traditional characters are left as they are); True: OpenCC's full
        conversion, phrases included (slower; needs the extra); False: not at all.

    Returns
    -------
    list of str
        One normalised string per keyword, in order (possibly empty).

    Raises
    ------
    InvalidInputError
        If an element is not a string, or ``traditional`` is not a bool.
    MissingDependencyError
        With ``traditional=True`` when OpenCC is not installed (also an ImportError).

    Examples
    --------
    >>> normalize_keywords(["ＴＡＳＣＯ望远镜", "Haier  冰箱-双门"])
    ['tasco望远镜', 'haier 冰箱 双门']
    >>> normalize_keywords(["小圓凳"], traditional=False)
    ['小圓凳']
    """
    keywords = keyword_list(keywords)
    mode = check_bool(traditional, "traditional", allow_none=True)
    convert = _opencc() if mode else None
    table = _character_table() if mode is None else None
    out: list[str] = []
    for i, k in enumerate(keywords):
        if not isinstance(k, str):
            raise InvalidInputError(
                f"`keywords` must hold strings. Got {short_repr(k)} at index {i} instead."
            )
        out.append(_one(k, convert, table))
    return out
