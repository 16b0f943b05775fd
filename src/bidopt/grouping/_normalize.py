"""Keyword text normalisation: the same query typed in different ways becomes one string."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
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
            "`traditional` must be False when OpenCC is not installed (traditional -> "
            "simplified Chinese needs it). Got True instead; install it with "
            "`pip install bidopt[chinese]`."
        ) from None
    return OpenCC("t2s")


def _one(text: str, to_simplified: Any) -> str:
    s = unicodedata.normalize("NFKC", text).lower()
    s = _PUNCT.sub(" ", s)
    s = _SPACE.sub(" ", s).strip()
    if to_simplified is not None:
        s = to_simplified.convert(s)
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


def normalize_keywords(keywords: Iterable[Any], *, traditional: bool = False) -> list[str]:
    """Normalise keywords for grouping and matching.

    NFKC (full-width letters and digits to half-width), lower case, punctuation and
    symbols folded to spaces, runs of white space to one space, stripped.  With
    ``traditional=True`` traditional Chinese is converted to simplified (needs the
    ``chinese`` extra, OpenCC).

    Parameters
    ----------
    keywords : iterable of str
    traditional : bool, default False

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
    """
    keywords = keyword_list(keywords)
    convert = _opencc() if check_bool(traditional, "traditional") else None
    out: list[str] = []
    for i, k in enumerate(keywords):
        if not isinstance(k, str):
            raise InvalidInputError(
                f"`keywords` must hold strings. Got {short_repr(k)} at index {i} instead."
            )
        out.append(_one(k, convert))
    return out
