"""Product words read from the keywords themselves, product characters, the
traditional -> simplified fold and the hub neighbours of a product word."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bidopt.grouping import group_keywords, normalize_keywords
from bidopt.grouping._neighbors import NeighborGraph, with_hub_neighbors
from bidopt.grouping._tokens import (
    KeywordRoles,
    compound_heads,
    is_product_character,
    keyword_roles,
    learned_products,
)


def test_a_product_character_is_a_noun_naming_a_kind_of_thing() -> None:
    pytest.importorskip("jieba", reason="part-of-speech tags need jieba (bidopt[chinese])")
    assert is_product_character("靴") and is_product_character("锅")
    assert not is_product_character("干")  # 饼干 / 虾干 / 快干: a verb, not a kind
    assert not is_product_character("器")  # listed as generic
    assert not is_product_character("a")
    # 饼干 and 虾干 no longer meet through their last character
    groups = group_keywords(["旺仔饼干", "舟山虾干", "康家铁锅", "美厨蒸锅"])
    assert groups.labels[0] != groups.labels[1]


def _roles(product: str, *qualifiers: str) -> KeywordRoles:
    return KeywordRoles(product, tuple(qualifiers), (), (), ())


def test_a_trailing_word_that_rarely_heads_gives_way() -> None:
    # 蓝牙 ends 2 of the 7 keywords holding it (rate 0.29); 耳机 heads 6 of its 7
    roles = [_roles("蓝牙", "耳机"), _roles("蓝牙", "音箱")]
    roles += [_roles("耳机", "蓝牙")] * 4 + [_roles("耳机")] * 2 + [_roles("音箱", "蓝牙")]
    out = learned_products(roles)
    assert out[0] == KeywordRoles("耳机", (), (), (), ("蓝牙",))
    # 音箱 heads 1 of 2 keywords: too few to say, the last-noun rule stands
    assert out[1] == roles[1]
    assert out[2:] == roles[2:]
    # with less evidence than min_keywords nothing changes
    assert learned_products(roles, min_keywords=8) == roles


def test_trailing_words_on_real_keywords() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    words = ["耳机蓝牙"] + [f"{b}蓝牙耳机" for b in ("苹果", "索尼", "小米", "华为", "漫步者")]
    assert keyword_roles(words[0]).product == "蓝牙"  # the last-noun rule alone
    groups = group_keywords(words)
    assert groups.n_groups == 1 and groups.theme_names.tolist() == ["耳机"]


def test_traditional_characters_fold_by_default() -> None:
    pytest.importorskip("opencc", reason="the character table comes with bidopt[chinese]")
    assert normalize_keywords(["小圓凳", "充氣枕頭"]) == ["小圆凳", "充气枕头"]
    assert normalize_keywords(["小圓凳"], traditional=False) == ["小圓凳"]
    groups = group_keywords(["床墊", "床垫", "乳胶床垫"])
    assert groups.n_groups == 1


def test_hub_neighbors_pair_each_row_with_the_first_rows_of_its_key() -> None:
    rng = np.random.default_rng(0)
    dense = rng.random((9, 4))
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    features = sparse.csr_matrix(dense)
    keys = np.array([0, 1, 0, 1, 0, 0, 1, 2, 0])
    order = np.array([4, 0, 2, 5, 8, 6, 1, 3, 7])  # key 0: 4, 0, 2, ...; key 1: 6, 1, 3
    empty = NeighborGraph(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), False, 9)
    graph = with_hub_neighbors(empty, features, keys, order, 2, 0.0)
    got = set(zip(graph.rows.tolist(), graph.cols.tolist(), strict=True))
    hubs = {0: (4, 0), 1: (6, 1), 2: (7,)}
    expected = set()
    for i in range(9):
        for h in hubs[int(keys[i])]:
            if h != i:
                expected |= {(i, h), (h, i)}
    assert got == expected
    np.testing.assert_allclose(
        graph.similarity, np.einsum("ij,ij->i", dense[graph.rows], dense[graph.cols])
    )


def test_a_compound_meets_its_head_only_where_keywords_name_the_head_alone() -> None:
    pytest.importorskip("jieba", reason="product characters need jieba (bidopt[chinese])")
    heads = compound_heads(
        ["长筒靴", "靴子", "靴子", "登山绳", "绳", "吊灯", "尾灯", "洗衣机", "机"]
    )
    # 靴子 and 绳 are named alone; 灯 is not; 机 is, but names no kind of product
    assert heads == {"长筒靴": ("靴子",), "登山绳": ("绳",)}
    assert compound_heads(["靴", "靴子", "长筒靴"]) == {"长筒靴": ("靴", "靴子")}
    on = {"weights": {"head": 0.5}}
    # with the head named alone, the compound joins its keywords (it stayed apart)
    groups = group_keywords(["真皮靴子", "保暖靴子", "过膝长筒靴"], options=on)
    assert groups.n_groups == 1 and groups.theme_names.tolist() == ["靴子"]
    # without that evidence, compounds of one last character stay apart
    groups = group_keywords(["客厅吊灯", "汽车尾灯", "led吊灯"], options=on)
    assert groups.labels[0] == groups.labels[2] != groups.labels[1]
    # by default (head weight 0) the compound stays apart, as before
    off = group_keywords(["真皮靴子", "保暖靴子", "过膝长筒靴"])
    assert off.labels[2] != off.labels[1]
