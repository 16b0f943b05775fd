"""Keyword features: role-weighted words (the default) or character n-grams."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse

from bidopt.grouping._tokens import (
    KeywordRoles,
    compound_heads,
    is_product_character,
    keyword_roles,
    learned_products,
)

__all__ = ["ROLE_WEIGHTS", "keyword_ngrams", "role_features", "tfidf_features"]

#: Weight of each role's features before rows are L2-normalised: the product word
#: dominates; brands and model numbers count only together with the product word.
#: ``"qualifier_product"`` (at most ``"qualifier"``) is the part of a qualifier's
#: weight with which it meets the same word as another keyword's product word (冲锋衣
#: of "冲锋衣 抓绒" and of "冲锋衣"; also 三轮车 of "宝宝三轮车围栏" and of "电动三轮车");
#: two keywords sharing a qualifier meet with the full ``"qualifier"`` weight either way.
#: ``"head"`` is the weight with which a compound product word (长筒靴) meets its head
#: word where other keywords of the block name that head alone (靴子): see
#: :func:`~bidopt.grouping._tokens.compound_heads`; it replaces the compound's category
#: character, so two compounds of one head (长筒靴 / 短靴) meet only through it.  Off (0)
#: by default: on the labelled Taobao queries it grouped more of them but joined
#: different products through a shared head (拉拉裤 / 秋裤 through 裤子) as often as one
#: (benchmarks/results/grouping.md); ``{"head": 0.5}`` turns it on.
ROLE_WEIGHTS: Mapping[str, float] = {
    "product": 1.0,
    "category": 0.5,
    "bigrams": 0.3,
    "qualifier": 0.35,
    "qualifier_product": 0.35,
    "head": 0.0,
    "brand": 0.5,
    "model": 1.0,
    "attribute": 0.1,
}

_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\s\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def keyword_ngrams(text: str) -> list[str]:
    """n-grams of one normalised keyword: character 1-3-grams of Chinese runs, and
    word-boundary 2-4-grams of Latin / digit tokens plus the token itself (so that one-
    character tokens such as the size "s" or "3" are kept, as naive tokenisers drop them).
    """
    grams: list[str] = []
    for run in _RUNS.findall(text):
        if _CJK.match(run):
            n = len(run)
            for size in (1, 2, 3):
                grams.extend(run[i : i + size] for i in range(n - size + 1))
        else:
            grams.append(f"<{run}>")
            padded = f" {run} "
            for size in (2, 3, 4):
                grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


def tfidf_features(
    texts: Sequence[str], *, hashing: bool = False, n_features: int = 1 << 20
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows (sublinear tf) of the keywords' n-grams.

    With ``hashing`` the vocabulary is hashed into ``n_features`` columns (bounded
    memory for very large inputs); otherwise it is learned.

    Returns the matrix and a mask of the columns to use when looking for neighbours:
    single Chinese characters are left out there (they are shared by a large part of
    any account and would make the neighbour search dense, while adding little to
    similarity); with hashing every column is used.
    """
    # imported here: scikit-learn is slow to import and pulls in pandas when present
    from sklearn.feature_extraction.text import (
        HashingVectorizer,
        TfidfTransformer,
        TfidfVectorizer,
    )

    if hashing:
        counts = HashingVectorizer(
            analyzer=keyword_ngrams, n_features=n_features, alternate_sign=False, norm=None
        ).transform(texts)
        matrix = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        return sparse.csr_matrix(matrix), np.ones(matrix.shape[1], dtype=bool)
    vectorizer = TfidfVectorizer(analyzer=keyword_ngrams, sublinear_tf=True, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts)
    names = vectorizer.get_feature_names_out()
    mask = np.array([not (len(f) == 1 and _CJK.match(f)) for f in names], dtype=bool)
    return sparse.csr_matrix(matrix), mask


def _role_pairs(
    roles: KeywordRoles, text: str, w: Mapping[str, float], heads: tuple[str, ...] = ()
) -> list[tuple[str, float]]:
    """(feature, weight) pairs of one keyword.

    The product word and the qualifiers share one namespace of words, so a keyword
    whose qualifier is another keyword's product word ("冲锋衣 抓绒" / "冲锋衣") meets it,
    more weakly than two keywords naming the same product: with weight
    ``qualifier_product``; the rest of the qualifier's weight sits in a namespace of
    qualifiers only (squares adding up to ``qualifier``'s, so two keywords sharing a
    qualifier meet as strongly whatever the split, and the row's norm is the same).
    """
    product = roles.product
    pairs: list[tuple[str, float]] = []
    if product:
        pairs.append(("w:" + product, w["product"]))
        category = roles.category
        if heads:  # the head named alone by other keywords, instead of the category
            pairs.extend(("w:" + h, w["head"] / np.sqrt(len(heads))) for h in heads)
        elif category != product and is_product_character(category):
            pairs.append(("c:" + category, w["category"]))
        if len(product) > 2 and _CJK.match(product):
            grams = [product[i : i + 2] for i in range(len(product) - 1)]
            pairs.extend(("g:" + g, w["bigrams"] / np.sqrt(len(grams))) for g in grams)
    meets_product = min(w["qualifier_product"], w["qualifier"])
    only_qualifiers = float(np.sqrt(w["qualifier"] ** 2 - meets_product**2))
    for q in roles.qualifiers:
        if meets_product > 0:
            pairs.append(("w:" + q, meets_product))
        if only_qualifiers > 0:
            pairs.append(("q:" + q, only_qualifiers))
    pairs.extend((f"b:{b}|{product}", w["brand"]) for b in roles.brands if b != product)
    pairs.extend((f"m:{m}|{product}", w["model"]) for m in roles.models if m != product)
    pairs.extend(("a:" + a, w["attribute"]) for a in roles.attributes)
    if not any(v > 0 for _, v in pairs):
        pairs = [("x:" + text, 1.0)]  # nothing but modifiers: the text itself
    return pairs


def role_features(
    texts: Sequence[str], weights: Mapping[str, float] | None = None
) -> tuple[sparse.csr_matrix, np.ndarray, list[KeywordRoles]]:
    """L2-normalised rows of role-weighted word features, one per keyword.

    Features: the product word, its category character (or, for a compound whose head
    other keywords name alone, that head's product words: 长筒靴 -> 靴子) and character
    bigrams, each qualifier word, ``brand|product`` and ``model|product`` pairs (a brand alone binds
    nothing) and attributes, weighted by :data:`ROLE_WEIGHTS` (or ``weights``).  Equal
    texts are analysed once.

    Returns the matrix, a mask of the columns that may nominate neighbours (all but
    category characters and attributes, which many keywords share), and each keyword's
    roles.
    """
    w = dict(ROLE_WEIGHTS) if weights is None else {**ROLE_WEIGHTS, **weights}
    distinct = list(dict.fromkeys(texts))
    analysed = dict(
        zip(distinct, learned_products([keyword_roles(t) for t in distinct]), strict=True)
    )
    heads = compound_heads([r.product for r in analysed.values()]) if w["head"] > 0 else {}
    vocabulary: dict[str, int] = {}
    cache: dict[str, tuple[list[int], list[float]]] = {}
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        hit = cache.get(text)
        if hit is None:
            merged: dict[int, float] = {}
            roles = analysed[text]
            for name, value in _role_pairs(roles, text, w, heads.get(roles.product, ())):
                col = vocabulary.setdefault(name, len(vocabulary))
                merged[col] = merged.get(col, 0.0) + value
            hit = cache[text] = (list(merged), list(merged.values()))
        indices.extend(hit[0])
        data.extend(hit[1])
        indptr.append(len(indices))
    roles_out = [analysed[t] for t in texts]
    matrix = sparse.csr_matrix(
        (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), indptr),
        shape=(len(texts), len(vocabulary)),
    )
    matrix.eliminate_zeros()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    matrix = sparse.csr_matrix(sparse.diags(1.0 / np.where(norms > 0, norms, 1.0)) @ matrix)
    names = np.array(list(vocabulary), dtype=object)
    mask = np.array([not n.startswith(("c:", "a:")) for n in names], dtype=bool)
    return matrix, mask, roles_out
