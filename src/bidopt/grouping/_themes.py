"""Names and themes of keyword groups, from the roles of their keywords' words.

A group is named after what its keywords share: the product word most of them name,
preceded by the brand and qualifier words most of them carry, and at least two of
them in a group of two or more ("花王湿巾", "nike连衣裙"); shopping modifiers never
appear (they are removed before roles are given).  Groups naming the same product word
form one theme: the two levels a merchant maps to campaign (theme) and ad group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bidopt.grouping._tokens import KeywordRoles
from bidopt.typing import IntArray, ObjectArray

__all__ = ["group_names_and_themes"]

_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")


def _join(words: Sequence[str]) -> str:
    """Words joined as a merchant would write them: a space only between Latin words."""
    out = ""
    for word in words:
        if out and out[-1] in _LATIN and word[:1] in _LATIN:
            out += " "
        out += word
    return out


def _majority(groups: IntArray, values: IntArray, weight: np.ndarray, n_groups: int) -> IntArray:
    """Per group, the value with the largest total weight (ties: the smallest value)."""
    pairs, inverse = np.unique(np.stack([groups, values], axis=1), axis=0, return_inverse=True)
    totals = np.bincount(inverse.ravel(), weights=weight, minlength=pairs.shape[0])
    order = np.lexsort((pairs[:, 1], -totals, pairs[:, 0]))
    first = np.r_[True, pairs[order, 0][1:] != pairs[order, 0][:-1]]
    best = np.full(n_groups, -1, dtype=np.int64)
    best[pairs[order, 0][first]] = pairs[order, 1][first]
    return best


def group_names_and_themes(
    roles: Sequence[KeywordRoles],
    labels: IntArray,
    weight: np.ndarray,
    fallback: ObjectArray,
) -> tuple[ObjectArray, IntArray, ObjectArray]:
    """Each group's name and theme.

    Parameters
    ----------
    roles : sequence of KeywordRoles, length n_keywords
    labels : ndarray of int64, shape (n_keywords,)
        Group of each keyword (0 .. n_groups - 1).
    weight : ndarray of float64, shape (n_keywords,)
        Each keyword's say in its group (search volume, plus a small tie-breaker).
    fallback : ndarray of object, shape (n_groups,)
        Name of a group whose keywords have no product word (blank keywords).

    Returns
    -------
    names : ndarray of object, shape (n_groups,)
    themes : ndarray of int64, shape (n_groups,)
        Theme of each group (0 .. n_themes - 1), themes in order of their name.
    theme_names : ndarray of object, shape (n_themes,)
        The product word of each theme.
    """
    n_groups = int(labels.max()) + 1 if labels.size else 0
    products = np.array([r.product for r in roles], dtype=object).astype(str)
    product_names, product_ids = np.unique(products, return_inverse=True)
    product_ids = product_ids.ravel().astype(np.int64)
    main = _majority(labels, product_ids, weight, n_groups)
    group_product = product_names[main]
    # brand and qualifier words held by at least half of the keywords naming the product
    on_theme = product_ids == main[labels]
    members = np.bincount(labels[on_theme], minlength=n_groups)
    rows, words, position = [], [], []
    for i in np.flatnonzero(on_theme).tolist():
        r = roles[i]
        extra = (*r.brands, *r.qualifiers)
        for p, w in enumerate(dict.fromkeys(extra)):
            # a lone character is a piece of a word the segmenter did not know (森 of
            # 戴森), never a name a merchant would read
            if w != r.product and len(w) > 1:
                rows.append(i)
                words.append(w)
                position.append(p if w in r.brands else p + 100)
    shared: dict[int, list[tuple[float, str]]] = {}
    if rows:
        row_arr = np.asarray(rows, dtype=np.int64)
        word_names, word_ids = np.unique(
            np.asarray(words, dtype=object).astype(str), return_inverse=True
        )
        pairs, inverse = np.unique(
            np.stack([labels[row_arr], word_ids.ravel()], axis=1), axis=0, return_inverse=True
        )
        counts = np.bincount(inverse.ravel(), minlength=pairs.shape[0])
        where = np.bincount(
            inverse.ravel(),
            weights=np.asarray(position, dtype=np.float64),
            minlength=pairs.shape[0],
        ) / np.maximum(counts, 1)
        # held by most keywords naming the product, and by two of them in a group of
        # two or more (one keyword's brand or use does not name a group it shares)
        sizes = np.bincount(labels, minlength=n_groups)[pairs[:, 0]]
        keep = (2 * counts > members[pairs[:, 0]]) & ((counts >= 2) | (sizes == 1))
        for g, w, at in zip(
            pairs[keep, 0].tolist(), pairs[keep, 1].tolist(), where[keep].tolist(), strict=True
        ):
            shared.setdefault(g, []).append((at, str(word_names[w])))
    names = np.empty(n_groups, dtype=object)
    for g in range(n_groups):
        product = str(group_product[g])
        if not product:
            names[g] = fallback[g]
            continue
        prefix = [w for _, w in sorted(shared.get(g, []))[:2]]
        names[g] = _join([*prefix, product])
    theme_names, themes = np.unique(group_product.astype(str), return_inverse=True)
    return names, themes.ravel().astype(np.int64), theme_names.astype(object)
