"""Names and themes of keyword groups, from the roles of their keywords' words.

A group is named as a merchant would write its theme on the ad group: the product word
most of its keywords carry, preceded by the brand and qualifier words most of those
carry, and at least two of them in a group of two or more ("花王湿巾", "nike连衣裙",
"良品铺子咖啡").  A keyword carries a product word when its own product word is that
word, or a compound ending in it (长筒靴 carries 靴子: the head comes last in Chinese).
Words are whole as most of the keywords holding them spell them: a name that jieba cut
apart (良 / 品 / 铺子) is named whole, and a lone character never names a group by
itself; a keyword alone keeps the segmenter's words.  Shopping modifiers and attributes
never appear (they are removed before roles are given).  A group in which no product
word is carried by more than half of the keywords names no one product: it is named
after its two most common product words ("电脑 / 保护膜"), so that the name does not
claim a theme its keywords do not share.

A theme joins ad groups of one kind of product: the two levels a merchant maps to
campaign (theme) and ad group (灯: 吊灯 / 吸顶灯 / 台灯 ad groups; 鞋: 拖鞋 / 皮鞋 /
儿童鞋).  A group's kind is read from its main product word (by search volume):

* its last character, without a noun suffix (靴子: 靴), when that names a kind of
  product by itself (:func:`is_product_character`: 灯, 鞋, 裤; not 机 or 器, nor the 头
  of 罐头);
* else the compound's head where other keywords name it alone
  (:func:`compound_heads`, followed down: 电动牙刷 -> 牙刷);
* else the product word itself: always for a part, tool or service of something
  (:data:`GENERIC_PRODUCTS`: 相机支架 shares no theme 支架 with 手机支架); an English
  product word is already its head noun; a keyword naming only a brand gives that
  brand's theme.

A theme is named by what its groups' product words share (灯 of 吊灯 / 吸顶灯; 巧克力
when that is the only one, not its last character), spelled as keywords write it alone
(裤子 for 裤).  Different products share a kind character about as often as one
product's variants: that is what joins ad groups into one campaign, never keywords into
one ad group (the groups are not changed here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bidopt.grouping._tokens import (
    _CJK_RUN,
    _WEAK_SUFFIX,
    GENERIC_PRODUCTS,
    KeywordRoles,
    _bare,
    compound_heads,
    is_product_character,
)
from bidopt.typing import IntArray, ObjectArray

__all__ = ["group_names_and_themes"]

_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
# at most this many words before the product word in a name
_MAX_PREFIX = 2


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


def _carries(product: str, head: str) -> bool:
    """Whether a keyword whose product word is ``product`` carries the product word
    ``head``: the same word, or a Chinese compound ending in it (长筒靴 carries 靴子 and
    靴; a one-character head only when it names a kind of product by itself)."""
    if product == head:
        return True
    if not _CJK_RUN.fullmatch(head) or not _CJK_RUN.fullmatch(product):
        return False
    bare = _bare(head)
    if len(bare) == 1 and not is_product_character(bare):
        return False
    return len(product) > len(bare) and product.endswith(bare)


def _group_name(roles: Sequence[KeywordRoles], weight: Sequence[float]) -> str:
    """The name of one group from its keywords' roles and weights ("" when none of them
    has a product word)."""
    products = [r.product for r in roles]
    candidates = sorted({p for p in products if p})
    if not candidates:
        return ""
    size = len(roles)

    def rank(head: str) -> tuple[int, float, str]:
        # most carrying keywords first, then the larger weight, then the word
        held = [k for k, p in enumerate(products) if p and _carries(p, head)]
        return -len(held), -float(sum(weight[k] for k in held)), head

    # the product word carried by most keywords
    head = min(candidates, key=rank)
    carriers = [r for r in roles if r.product and _carries(r.product, head)]
    if 2 * len(carriers) <= size and size > 1:
        # no product word on most keywords: the two most named, not a claimed theme
        exact = sorted(
            candidates,
            key=lambda h: (
                -products.count(h),
                -sum(w for p, w in zip(products, weight, strict=True) if p == h),
                h,
            ),
        )
        return " / ".join(exact[:2])
    # brand and qualifier words held by most of the carrying keywords, and by two of
    # them in a group of two or more (one keyword's brand or use does not name a group
    # it shares); brands first, then in keyword order.  Each is spelled as most of its
    # holders spell it whole (良品铺子 for 铺子: never a piece of a name); a keyword
    # alone keeps the segmenter's words, and a lone character (森 of 戴森) names a
    # group only spelled whole
    held: dict[str, list[int]] = {}
    spellings: dict[str, list[str]] = {}
    for r in carriers:
        for p, w in enumerate(dict.fromkeys((*r.brands, *r.qualifiers))):
            if w == r.product:
                continue
            whole = r.whole(w) if size > 1 else w
            if head in whole or r.product in whole:
                whole = w
            held.setdefault(w, []).append(p if w in r.brands else p + 100)
            spellings.setdefault(w, []).append(whole)
    shared: list[tuple[float, str]] = []
    for w, at in held.items():
        if 2 * len(at) <= len(carriers) or (len(at) < 2 and size > 1):
            continue
        # the longest spelling found inside the whole spelling of most holders (良品铺子
        # in 良品铺子 and 低脂良品铺子; 耐克 in 耐克低帮 and 低帮耐克)
        spelled = spellings[w]
        whole = max(
            (c for c in {w, *spelled} if 2 * sum(c in v for v in spelled) > len(spelled)),
            key=lambda c: (len(c), sum(c in v for v in spelled), c),
        )
        if len(whole) > 1 and whole not in head:
            shared.append((sum(at) / len(at), whole))
    shared = sorted(shared)
    shared = [(at, w) for k, (at, w) in enumerate(shared) if w not in {v for _, v in shared[:k]}]
    return _join([*(w for _, w in shared[:_MAX_PREFIX]), head])


# product words that name a part, tool or service *of* something (相机支架, 蒸锅配件,
# 必胜客套餐): their kind is the whole word, never what they end in
_OF_SOMETHING = tuple(sorted(GENERIC_PRODUCTS))


def _kinds(products: Sequence[str]) -> list[str]:
    """The kind of product of each of ``products`` (the keywords' distinct product
    words), as a bare word: the last character (without a noun suffix) where it names
    a kind by itself, else the compound's head named alone by another of ``products``
    (followed down to its own kind), else the bare word (see the module docstring)."""
    heads = compound_heads(products)
    cache: dict[str, str] = {}

    def kind(word: str) -> str:
        if word in cache:
            return cache[word]
        cache[word] = out = _bare(word)  # a guard against cycles while following heads
        if _CJK_RUN.fullmatch(word) and not word.endswith(_OF_SOMETHING):
            # the last character without a noun suffix (靴子: 靴); one that ends many
            # words without saying what the thing is (头 of 罐头, 充电头) is no kind
            char = _bare(word)[-1]
            if char not in _WEAK_SUFFIX and is_product_character(char):
                out = char
            elif word in heads:
                out = kind(heads[word][0])
        cache[word] = out
        return out

    return [kind(p) for p in products]


def _theme_names(members: list[list[str]], words: list[str], totals: list[float]) -> list[str]:
    """Per theme, its name from ``members``, the main product words of its groups: the
    longest suffix they share without a noun suffix (灯 of 吊灯 / 吸顶灯, 电脑 of 电脑 /
    笔记本电脑, the word itself when they are one), spelled as the heaviest of the
    keywords' distinct product ``words`` (with the ``totals`` of their keywords'
    weights) that names it alone, with or without its noun suffix (裤子 for 裤; ties:
    the shorter, then the first in order)."""
    spelled: dict[str, tuple[float, str]] = {}
    for word, total in zip(words, totals, strict=True):
        bare = _bare(word)
        best = spelled.get(bare)
        if word and (best is None or (-total, len(word), word) < (-best[0], len(best[1]), best[1])):
            spelled[bare] = (total, word)
    out: list[str] = []
    for group_words in members:
        stems = [_bare(w) for w in group_words]
        shared = min(stems, key=len)
        while shared and not all(stem.endswith(shared) for stem in stems):
            shared = shared[1:]
        out.append(spelled.get(shared, (0.0, shared))[1])
    return out


def group_names_and_themes(
    roles: Sequence[KeywordRoles],
    labels: IntArray,
    weight: np.ndarray,
    fallback: ObjectArray,
) -> tuple[ObjectArray, IntArray, ObjectArray]:
    """Each group's name and theme (see the module docstring).

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
        The kind of product of each theme, as the keywords spell it.
    """
    n_groups = int(labels.max()) + 1 if labels.size else 0
    products = np.array([r.product for r in roles], dtype=object).astype(str)
    product_names, product_ids = np.unique(products, return_inverse=True)
    product_ids = product_ids.ravel().astype(np.int64)
    main = _majority(labels, product_ids, weight, n_groups)
    order = np.argsort(labels, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(labels, minlength=n_groups))].tolist()
    weights = weight.tolist()
    names = np.empty(n_groups, dtype=object)
    for g in range(n_groups):
        rows = order[bounds[g] : bounds[g + 1]].tolist()
        name = _group_name([roles[i] for i in rows], [weights[i] for i in rows])
        names[g] = name if name else fallback[g]
    # each group's kind of product, from its main product word; themes by kind, named
    # after what their groups' product words share (see _theme_names)
    totals = np.bincount(product_ids, weights=weight, minlength=product_names.size)
    kind_of_word = np.array(_kinds(product_names.tolist()), dtype=object).astype(str)
    kind_names, kind_of_group = np.unique(kind_of_word[main], return_inverse=True)
    kind_of_group = kind_of_group.ravel()
    pairs = np.unique(np.stack([kind_of_group, main]), axis=1)
    starts = np.searchsorted(pairs[0], np.arange(kind_names.size + 1))
    words = product_names.tolist()
    members = [
        [words[w] for w in pairs[1, starts[k] : starts[k + 1]].tolist()]
        for k in range(kind_names.size)
    ]
    spelled = np.array(_theme_names(members, words, totals.tolist()), dtype=object).astype(str)
    theme_of_group = spelled[kind_of_group].astype(object)
    # a group whose keywords name no product word (包邮, 2024新款; 四件套, read as a count
    # and a unit) is no kind of product: its theme is its own name, not one nameless
    # theme over every such group
    nameless = product_names[main] == ""
    theme_of_group[nameless] = [str(n) for n in names[nameless]]
    theme_names, themes = np.unique(theme_of_group.astype(str), return_inverse=True)
    return names, themes.ravel().astype(np.int64), theme_names.astype(object)
