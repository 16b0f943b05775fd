"""Themes above ad groups (issue 25): ad groups joined by the kind of product, the level a
merchant maps to a campaign, without changing the ad groups themselves."""

from __future__ import annotations

import numpy as np
import pytest

from bidopt.grouping import KeywordGroups, group_keywords

pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")


def _theme_of(groups: KeywordGroups) -> dict[str, str]:
    """Each keyword's theme name."""
    names = groups.theme_names[groups.themes[groups.labels]]
    return dict(zip(groups.keywords.tolist(), names.tolist(), strict=True))


def _group_of(groups: KeywordGroups) -> dict[str, str]:
    """Each keyword's ad group name."""
    return dict(zip(groups.keywords.tolist(), groups.names[groups.labels].tolist(), strict=True))


LAMPS = ["吊灯", "客厅吊灯", "水晶吊灯", "吸顶灯", "卧室吸顶灯", "led吸顶灯", "台灯", "护眼台灯"]
SHOES = ["拖鞋", "棉拖鞋", "女拖鞋", "皮鞋", "男皮鞋", "真皮皮鞋", "儿童鞋", "儿童鞋冬季"]


def test_ad_groups_of_one_kind_of_product_share_a_theme() -> None:
    # session 21: every theme held one ad group (themes were the groups' product words),
    # so the two levels were one; a campaign is a kind of product (灯: 吊灯 / 吸顶灯 /
    # 台灯), its ad groups the products
    groups = group_keywords([*LAMPS, *SHOES, "冰箱", "双门冰箱"])
    theme = _theme_of(groups)
    group = _group_of(groups)
    assert len({group[k] for k in LAMPS}) == 3  # the ad groups stay apart ...
    assert len({group[k] for k in SHOES}) == 3
    assert {theme[k] for k in LAMPS} == {"灯"}  # ... under one theme per kind
    assert {theme[k] for k in SHOES} == {"鞋"}
    assert theme["冰箱"] == theme["双门冰箱"] == "冰箱"
    assert groups.n_themes == 3
    assert groups.theme_names.tolist() == sorted(groups.theme_names.tolist())


def test_a_theme_is_named_as_the_keywords_spell_its_kind() -> None:
    # the kind alone as keywords write it (裤子, not 裤); a theme whose ad groups share
    # one product word is named by it (巧克力, not its last character 力)
    words = ["运动裤", "男运动裤", "秋裤", "加厚秋裤", "裤子", "裤子男", "巧克力", "黑巧克力"]
    theme = _theme_of(group_keywords(words))
    assert {theme[k] for k in words[:6]} == {"裤子"}
    assert theme["巧克力"] == theme["黑巧克力"] == "巧克力"


def test_a_word_ending_in_a_weak_suffix_is_no_kind_of_its_last_character() -> None:
    # 头 ends 罐头, 枕头 and 充电头 without saying what they are: no theme 头, nor 罐 / 枕
    words = ["罐头", "黄桃罐头", "枕头", "乳胶枕头", "充电头", "快充充电头"]
    theme = _theme_of(group_keywords(words))
    assert theme["罐头"] == "罐头" and theme["枕头"] == "枕头" and theme["充电头"] == "充电头"


def test_a_compound_head_named_alone_is_followed_down() -> None:
    # 刷 names no kind by itself; 牙刷, named alone by other keywords, is the kind of the
    # one word 电动牙刷; 电脑 (of 笔记本电脑) is named as the two ad groups' words share it
    words = ["牙刷", "牙刷家用", "电动牙刷", "电动牙刷充电", "笔记本电脑", "笔记本电脑轻薄", "电脑"]
    groups = group_keywords(words)
    theme, group = _theme_of(groups), _group_of(groups)
    assert group["牙刷"] != group["电动牙刷"] and group["电脑"] != group["笔记本电脑"]
    assert {theme[k] for k in words[:4]} == {"牙刷"}
    assert {theme[k] for k in words[4:]} == {"电脑"}  # not its last character 脑


def test_themes_do_not_depend_on_input_order() -> None:
    words = [*LAMPS, *SHOES, "运动裤", "秋裤", "裤子", "nike", "nike官方"]
    before = _theme_of(group_keywords(words))
    after = _theme_of(group_keywords(list(np.random.default_rng(5).permutation(words))))
    assert after == before
    assert before["nike"] == before["nike官方"] == "nike"  # a brand alone: its own theme


def test_a_brand_line_is_a_theme_where_the_brand_is_the_shared_word() -> None:
    # keywords naming a brand's models and no product: the brand is their product word,
    # and its ad groups (split here by the size cap) form the brand's theme
    words = ["华为mate60", "华为mate60 pro", "华为p60", "华为p60 art", "吊灯", "客厅吊灯"]
    groups = group_keywords(words, max_group_size=2)
    theme = _theme_of(groups)
    assert len({groups.labels[k] for k in range(4)}) == 2
    assert {theme[k] for k in words[:4]} == {"华为"}
    assert theme["吊灯"] == "吊灯"


def test_the_form_a_product_comes_in_is_no_kind_of_product() -> None:
    # 水 / 粉 / 膏 / 油 end product words of unrelated kinds, as 液 and 霜 (listed) do:
    # one theme 水 joined shampoo, mineral water and perfume, 粉 flour and washing powder
    # (seen on the real Taobao queries and the synthetic account, benchmarks/grouping)
    words = ["洗发水", "去屑洗发水", "矿泉水", "香水", "面粉", "洗衣粉", "牙膏", "药膏", "机油"]
    words += ["精油"]
    theme = _theme_of(group_keywords(words))
    assert theme["洗发水"] == theme["去屑洗发水"] == "洗发水"
    for word in words[2:]:
        assert theme[word] == word  # each its own kind


def test_groups_naming_no_product_are_not_one_nameless_theme() -> None:
    # keywords with no product word (shopping words, a year; 四件套 read as a count and
    # a unit) all fell in one theme named '' beside the real ones: a campaign without a
    # name over unrelated ad groups (the synthetic account's 四件套 ad group among them)
    words = ["包邮", "特价", "2024新款", "四件套", "实木四件套", "连衣裙", "碎花连衣裙"]
    groups = group_keywords(words)
    theme = _theme_of(groups)
    assert "" not in groups.theme_names.tolist()
    assert theme["四件套"] == theme["实木四件套"] == "四件套"
    assert len({theme[k] for k in words[:4]}) == 4  # each its own, named as its group
    assert theme["连衣裙"] == "连衣裙"
    assert groups.theme_names.tolist() == sorted(groups.theme_names.tolist())
