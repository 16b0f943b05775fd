"""Keyword text and themes of the synthetic account (:func:`make_search_account`).

Themes are brand x product x model series within a category of the Taobao-style
vocabulary; keywords combine a theme's words with attributes and modifiers in the
word orders real queries use, then vary in spelling (traditional characters, spaces).
Every draw comes from the generator passed in, in a fixed order, so a seed gives the
same keywords on every platform.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from bidopt.datasets._vocabulary import CATEGORIES, GENERAL_ATTRIBUTES, TRADITIONAL
from bidopt.exceptions import BidoptError
from bidopt.typing import FloatArray, IntArray, ObjectArray

__all__ = [
    "build_themes",
    "lookup",
    "make_keywords",
    "rank_within",
    "vary_spelling",
]


def zipf_weights(n: int, exponent: float) -> FloatArray:
    w = 1.0 / np.arange(1, n + 1) ** exponent
    return np.asarray(w / w.sum(), dtype=np.float64)


def rank_within(groups: IntArray) -> IntArray:
    """0, 1, 2, ... within each group, in the order the rows appear."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_groups)) + 1]
    first = np.repeat(starts, np.diff(np.r_[starts, groups.size]))
    rank = np.empty(groups.size, dtype=np.int64)
    rank[order] = np.arange(groups.size) - first
    return rank


_LETTERS = np.array(list("abcdefghjkmnprstwxyz"))


def series_tokens(
    combo: IntArray, product_key: IntArray, rng: np.random.Generator
) -> npt.NDArray[np.str_]:
    """Model-series tokens (``a5``, ``kx12``) for themes that share a brand and product.

    The first theme of a brand x product combo has no series; every later one gets a
    token that is unique among all series of the same product (whatever the brand), so
    a keyword that drops the brand (``冰箱d98``) still names one theme.
    """
    has_series = rank_within(combo) > 0
    rank = np.zeros(combo.size, dtype=np.int64)
    rank[has_series] = rank_within(product_key[has_series])
    letters = _LETTERS.size
    first = _LETTERS[rank % letters]
    second = np.where(
        rng.random(combo.size) < 0.1, _LETTERS[rng.integers(0, letters, combo.size)], ""
    )
    number = 1 + (rank // letters * 37 + product_key * 7919) % 99
    tokens = np.char.add(np.char.add(first, second), number.astype(str))
    return np.where(has_series, tokens, "")


def build_themes(n_themes: int, rng: np.random.Generator) -> dict[str, npt.NDArray[np.generic]]:
    n_cat = len(CATEGORIES)
    category = rng.choice(n_cat, size=n_themes, p=zipf_weights(n_cat, 0.4))
    n_products = np.array([len(c.products) for c in CATEGORIES])
    n_brands = np.array([len(c.brands) for c in CATEGORIES])
    # Zipf popularity within a category, by drawing a uniform and inverting the CDF.
    product = np.minimum(
        (n_products[category] * rng.random(n_themes) ** 1.6).astype(np.int64),
        n_products[category] - 1,
    )
    # brand index -1 is a generic (unbranded) theme such as plain "冰箱双门".
    brand = np.minimum(
        (n_brands[category] * rng.random(n_themes) ** 1.4).astype(np.int64),
        n_brands[category] - 1,
    )
    brand = np.where(rng.random(n_themes) < 0.3, -1, brand)
    combo = (category * 100 + product) * 100 + (brand + 1)
    series = series_tokens(combo, category * 100 + product, rng)
    return {"category": category, "product": product, "brand": brand, "series": series}


def lookup(table: list[tuple[str, ...]], outer: IntArray, inner: IntArray) -> npt.NDArray[np.str_]:
    """table[outer[i]][inner[i]] for every i ('' where inner is -1), vectorised."""
    width = max(len(t) for t in table)
    flat = np.array([list(t) + [""] * (width - len(t)) + [""] for t in table])
    return flat[outer, np.where(inner < 0, width, inner)]


def make_keywords(
    theme_of: IntArray, themes: dict[str, npt.NDArray[np.generic]], rng: np.random.Generator
) -> ObjectArray:
    """Keyword strings, unique."""
    n = theme_of.size
    category = np.asarray(themes["category"])[theme_of].astype(np.int64)
    product = lookup(
        [c.products for c in CATEGORIES],
        category,
        np.asarray(themes["product"])[theme_of].astype(np.int64),
    )
    brand = lookup(
        [c.brands for c in CATEGORIES],
        category,
        np.asarray(themes["brand"])[theme_of].astype(np.int64),
    )
    series = np.asarray(themes["series"])[theme_of].astype(str)
    # Shoppers often type a model number without the brand (``冰箱d98``).
    brand = np.where((series != "") & (rng.random(n) < 0.65), "", brand)
    attr_tables = [c.attributes + GENERAL_ATTRIBUTES for c in CATEGORIES]
    n_attr = np.array([len(t) for t in attr_tables])
    attr_index = np.where(
        rng.random(n) < np.where(series != "", 0.9, 0.7),
        -1,
        (rng.random(n) * n_attr[category]).astype(np.int64),
    )
    attr = lookup(attr_tables, category, attr_index)
    form = rng.choice(3, size=n, p=[0.55, 0.2, 0.25])
    add = np.char.add

    extra = np.full(n, "", dtype=attr.dtype)

    def compose(rows: IntArray) -> npt.NDArray[np.str_]:
        b, p, s, a = brand[rows], product[rows], series[rows], attr[rows]
        forms = [
            add(add(add(b, p), s), a),  # 海尔冰箱x215双门
            add(add(add(b, s), a), p),  # 海尔x215双门冰箱
            add(add(add(a, b), p), s),  # 双门海尔冰箱x215
        ]
        return np.asarray(add(np.choose(form[rows], forms), extra[rows])).astype(object)

    text = compose(np.arange(n))
    # A repeated string first gets a fresh attribute and form; if it still collides,
    # a second attribute.  Theme sizes are capped, so this ends in a few rounds.
    for round_ in range(40):
        _, first_index = np.unique(text.astype(str), return_index=True)
        duplicate = np.ones(n, dtype=bool)
        duplicate[first_index] = False
        if not duplicate.any():
            break
        rows = np.flatnonzero(duplicate)
        fresh = lookup(
            attr_tables,
            category[rows],
            (rng.random(rows.size) * n_attr[category[rows]]).astype(np.int64),
        )
        if round_ < 8:
            attr[rows] = fresh
            form[rows] = rng.choice(3, size=rows.size)
        else:
            extra[rows] = fresh
        text[rows] = compose(rows)
    else:  # pragma: no cover - defensive: a theme far larger than the attribute space
        raise BidoptError("could not make the synthetic keywords unique")
    return np.asarray(text, dtype=object)


def vary_spelling(text: ObjectArray, rng: np.random.Generator) -> ObjectArray:
    """Make a few keywords traditional, full-width or upper-case, as shoppers type them."""
    text = text.copy()
    to_traditional = str.maketrans(TRADITIONAL)
    to_fullwidth = {c: c + 0xFEE0 for c in range(0x21, 0x7F)}
    kind = rng.random(text.size)
    for rows, table in (
        (np.flatnonzero(kind < 0.03), to_traditional),
        (np.flatnonzero((kind >= 0.03) & (kind < 0.06)), to_fullwidth),
    ):
        text[rows] = [s.translate(table) for s in text[rows].tolist()]
    upper = np.flatnonzero((kind >= 0.06) & (kind < 0.08))
    text[upper] = [s.upper() for s in text[upper].tolist()]
    return text
