"""Group names that read as the group's theme (issue 25): the product word most keywords
carry, after the brand most of them share, whole as the keywords spell it; a group whose
keywords share no product word is named after its two most common ones."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.grouping import group_keywords
from bidopt.grouping._tokens import keyword_roles


def _names(words: list[str]) -> dict[str, str]:
    groups = group_keywords(words)
    return {w: str(groups.names[g]) for w, g in zip(words, groups.labels.tolist(), strict=True)}


def test_a_brand_the_segmenter_cuts_apart_is_named_whole() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    # jieba reads 良品铺子 as 良 / 品 / 铺子: the demo's group was named "铺子咖啡"
    assert keyword_roles("良品铺子咖啡").qualifiers == ("铺子",)
    words = ["良品铺子咖啡", "低脂良品铺子咖啡", "良品铺子推荐咖啡", "良品铺子咖啡新款"]
    assert set(_names(words).values()) == {"良品铺子咖啡"}
    # a lone character before the brand's word (花 / 西子), or after it (太平 / 鸟)
    assert set(_names(["花西子洗面奶", "花西子洗面奶官网", "哑光花西子洗面奶"]).values()) == {
        "花西子洗面奶"
    }
    assert set(_names(["太平鸟t恤", "太平鸟t恤修身", "推荐太平鸟t恤"]).values()) == {"太平鸟t恤"}
    # the lone characters never lean on the product word: 宽 stays an attribute
    assert keyword_roles("宽沙发").spelled == ()


def test_a_group_is_not_named_by_a_product_word_half_of_it_does_not_name() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    # two computers and two screen protectors for computers: "电脑" was the name, which
    # the protectors carry only as the thing they protect
    words = ["游戏电脑", "办公电脑", "游戏电脑保护膜", "办公电脑保护膜"]
    groups = group_keywords(words)
    assert np.unique(groups.labels).size == 1
    assert groups.names.tolist() == ["电脑 / 保护膜"]
    assert groups.theme_names.tolist() == ["电脑"]  # the theme is still one product word
    # carried by most keywords: named by it, with the word most of those carry
    names = _names(["平板电脑", "电脑保护膜", "电脑键盘保护膜"])
    assert set(names.values()) == {"电脑保护膜"}


def test_names_do_not_depend_on_input_order() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    words = [
        "游戏电脑",
        "办公电脑",
        "游戏电脑保护膜",
        "办公电脑保护膜",
        "良品铺子咖啡",
        "低脂良品铺子咖啡",
        "良品铺子推荐咖啡",
        "联想笔记本电脑",
        "笔记本电脑",
        "笔记本电脑贴膜",
        "花西子洗面奶",
        "哑光花西子洗面奶",
    ]
    expected = _names(words)
    rng = np.random.default_rng(0)
    for _ in range(5):
        shuffled = [words[i] for i in rng.permutation(len(words))]
        assert _names(shuffled) == expected


def test_a_compound_carries_its_head() -> None:
    # 长筒靴 and 雪地靴 are boots: a group of them and 靴子 is named 靴子, not listed
    pytest.importorskip("jieba", reason="word tags of Chinese need jieba (bidopt[chinese])")
    from bidopt.grouping._themes import _group_name
    from bidopt.grouping._tokens import KeywordRoles

    def roles(product: str) -> KeywordRoles:
        return KeywordRoles(product, (), (), (), ())

    boots = [roles(p) for p in ("长筒靴", "雪地靴", "靴子")]
    assert _group_name(boots, [3.0, 2.0, 1.0]) == "靴子"
    # a generic last character carries nothing (机 of 洗衣机 and 切割机)
    machines = [roles(p) for p in ("洗衣机", "切割机", "机")]
    assert _group_name(machines, [3.0, 2.0, 1.0]) == "洗衣机 / 切割机"  # by weight
