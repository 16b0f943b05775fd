"""Product words first: word roles, brand and model binding, names, themes, the fallback
without jieba, and the labelled real Taobao queries."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from bidopt.exceptions import InvalidInputError
from bidopt.grouping import group_keywords
from bidopt.grouping._tokens import MODIFIERS, _cut, keyword_roles, segmenter
from tests.conftest import shared_file

LABELS = Path(__file__).parent / "data" / "taobao_products.tsv"


def same(groups: object, i: int, j: int) -> bool:
    labels = groups.labels  # type: ignore[attr-defined]
    return bool(labels[i] == labels[j])


def test_roles_of_words() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    roles = keyword_roles("欧普60w北欧吸顶灯")
    assert roles.product == "吸顶灯" and roles.category == "灯"
    assert "60w" in roles.attributes  # a number with its unit is an attribute
    roles = keyword_roles("宝骏r30大灯罩")
    assert roles.product == "灯罩" and roles.models == ("r30",)
    roles = keyword_roles("白色nike连衣裙")
    assert roles.product == "连衣裙" and roles.brands == ("nike",) and "白色" in roles.attributes
    # shopping modifiers are gone before roles are given
    roles = keyword_roles("哪个好花王湿巾包邮")
    assert roles.product == "湿巾" and roles.qualifiers == ("花王",) and not roles.attributes
    # verbs and adjectives before the product describe it
    assert keyword_roles("海飞丝柔顺吹风机").attributes == ("柔顺",)
    # English: the last word, singular, is the product
    assert keyword_roles("salon chairs").product == "chair"


def test_a_brand_alone_does_not_bind_different_products() -> None:
    pytest.importorskip("jieba", reason="needs jieba (bidopt[chinese])")
    words = ["nike跑步鞋", "nike跑步鞋男", "nike连衣裙", "nike连衣裙女", "花王湿巾", "花王湿巾超薄"]
    words += ["花王奶粉", "推荐花王奶粉"]
    groups = group_keywords(words)
    assert same(groups, 0, 1) and same(groups, 2, 3)
    assert same(groups, 4, 5) and same(groups, 6, 7)
    assert not same(groups, 0, 2)  # nike shoes and nike dresses
    assert not same(groups, 4, 6)  # 花王 wipes and 花王 milk powder
    # a model number binds only with the same product word
    parts = group_keywords(["r50灯罩", "启辰r50灯罩", "r50刹车片"])
    assert same(parts, 0, 1) and not same(parts, 0, 2)
    # sizes are attributes, not themes
    sizes = group_keywords(["40x40瓷砖", "瓷砖60x60", "40x40角铁"])
    assert same(sizes, 0, 1) and not same(sizes, 0, 2)


def test_modifiers_do_not_name_groups_and_names_read_as_brand_plus_product() -> None:
    pytest.importorskip("jieba", reason="needs jieba (bidopt[chinese])")
    words = [
        "价格微波炉",
        "微波炉哪个好",
        "美的微波炉推荐",
        "美的微波炉包邮",
        "美的微波炉官方旗舰店",
    ]
    words += ["同款美的微波炉", "nike跑步鞋", "nike跑步鞋男"]
    groups = group_keywords(words, volumes=[9, 8, 1, 1, 1, 1, 1, 1])
    assert same(groups, 0, 5)
    names = groups.names.tolist()
    assert names[groups.labels[0]] == "美的微波炉"  # 美的 is on most of them
    assert names[groups.labels[6]] == "nike跑步鞋"  # no audience word
    for name in names:
        assert not any(m in name for m in MODIFIERS), name


def test_two_levels_theme_and_ad_group() -> None:
    pytest.importorskip("jieba", reason="needs jieba (bidopt[chinese])")
    brands = ["tcl", "海尔", "西门子"]
    words = [f"{b}洗衣机{x}" for b in brands for x in ("", "节能", "变频", "家用")]
    words += ["耳机", "蓝牙耳机"]
    groups = group_keywords(words, max_group_size=5)
    washers = np.unique(groups.labels[:12])
    assert washers.size >= 3  # the size cap splits the product into ad groups
    themes = groups.themes[washers]
    assert np.unique(themes).size == 1  # ... under one theme
    assert groups.theme_names[themes[0]] == "洗衣机"
    assert groups.themes[groups.labels[12]] != themes[0]
    frame_cols = ("keyword", "group", "group_name", "theme", "theme_name")
    pd = pytest.importorskip("pandas")
    assert isinstance(groups.to_frame(), pd.DataFrame)
    assert tuple(groups.to_frame().columns) == frame_cols
    text = groups.summary()
    assert "14 keywords" in text and "洗衣机 >" in text


def test_options_are_checked() -> None:
    with pytest.raises(InvalidInputError, match="Unknown option"):
        group_keywords(["a", "b"], options={"n_neighbours": 5})
    with pytest.raises(InvalidInputError, match=r"Unknown features 'chars'"):
        group_keywords(["a", "b"], options={"features": "chars"})
    with pytest.raises(InvalidInputError, match=r"`options\['weights'\]` must have keys"):
        group_keywords(["a", "b"], options={"weights": {"colour": 1.0}})
    with pytest.raises(InvalidInputError, match=r"`smoothing` must be an integer >= 0"):
        group_keywords(["a", "b"], options={"smoothing": -1})
    with pytest.raises(InvalidInputError, match=r"`n_neighbors` must be an integer >= 1"):
        group_keywords(["a", "b"], options={"n_neighbors": 0})


def test_smoothing_lets_words_used_alike_meet() -> None:
    pytest.importorskip("jieba", reason="needs jieba (bidopt[chinese])")
    words = [
        f"{b}{p}" for p in ("手机壳", "手机套", "充电器", "耳机") for b in ("华为", "苹果", "小米")
    ]
    plain = group_keywords(words, threshold=0.3)
    smooth = group_keywords(words, threshold=0.3, options={"smoothing": 3})
    assert not same(plain, 0, 3)  # 手机壳 / 手机套: different product words
    assert same(smooth, 0, 3)  # learnt from the words around them
    assert not same(smooth, 0, 6)  # phone cases are still not chargers
    again = group_keywords(words, threshold=0.3, options={"smoothing": 3})
    np.testing.assert_array_equal(smooth.labels, again.labels)


def test_without_jieba_a_warning_and_plain_words(monkeypatch: pytest.MonkeyPatch) -> None:
    segmenter.cache_clear()
    _cut.cache_clear()
    monkeypatch.setitem(sys.modules, "jieba", None)  # import jieba -> ImportError
    try:
        with pytest.warns(UserWarning, match="jieba is not installed"):
            groups = group_keywords(["花王湿巾", "花王湿巾", "蓝牙耳机"])
        assert same(groups, 0, 1) and not same(groups, 0, 2)
        # the product word is the whole run; bigrams still let near-duplicates meet
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # warned once only
            near = group_keywords(["花王湿巾纸", "花王湿巾"], threshold=0.2)
        assert near.n_groups >= 1
    finally:
        segmenter.cache_clear()
        _cut.cache_clear()


def _taobao_scores() -> tuple[dict[str, tuple[float, float]], object, list[str], np.ndarray]:
    path = shared_file("keywords/multicpr_ecom_dev_queries.tsv")
    text = dict(
        line.rstrip("\n").split("\t", 1) for line in path.read_text(encoding="utf-8").splitlines()
    )
    rows = [line.split("\t") for line in LABELS.read_text(encoding="utf-8").splitlines()[1:]]
    ids = [r[0] for r in rows]
    product = np.array([r[1] for r in rows])
    keywords = [text[i] for i in ids]
    groups = group_keywords(keywords)  # default settings
    labels = groups.labels
    grouped = groups.sizes[labels] >= 2
    # each group's majority product (ties: the first alphabetically, as the benchmark)
    majority = {}
    for g in np.unique(labels[grouped]).tolist():
        names, counts = np.unique(product[labels == g], return_counts=True)
        majority[g] = names[np.argmax(counts)]
    pure = np.array([grouped[i] and majority[labels[i]] == product[i] for i in range(len(ids))])
    odd = np.array([int(i) % 2 == 1 for i in ids])
    scores = {}
    for name, mask in (("all", np.ones(len(ids), bool)), ("even", ~odd), ("odd", odd)):
        scores[name] = (
            float(grouped[mask].mean()),
            float(pure[mask].sum() / max(grouped[mask].sum(), 1)),
        )
    return scores, groups, keywords, product


def test_labelled_taobao_queries_coverage_and_purity() -> None:
    """The product-labelled real Taobao queries (query ids and labels in
    data/taobao_products.tsv; the query text is read from the shared data folder, never
    stored here).  Floors just under what the default reaches (coverage is far from the
    issue's 60% target: most queries of a product share no product word); tuned on the
    even query ids, the odd ones held out."""
    pytest.importorskip("jieba", reason="the Chinese defaults need jieba (bidopt[chinese])")
    scores, groups, _, _ = _taobao_scores()
    for half in ("all", "even", "odd"):
        coverage, purity = scores[half]
        assert coverage >= 0.28, (half, coverage)
        assert purity >= 0.95, (half, purity)
    assert groups.sizes.max() <= 30  # type: ignore[attr-defined]


def test_the_labels_leave_a_fifth_of_the_queries_without_a_partner() -> None:
    """The coverage ceiling: 298 of the 373 labelled queries (79.9%) have another query
    of their product; the other 75 are singletons a grouping must leave alone."""
    products = [line.split("\t")[1] for line in LABELS.read_text(encoding="utf-8").splitlines()[1:]]
    counts = np.unique(products, return_counts=True)[1]
    partnered = int(counts[counts >= 2].sum())
    assert (len(products), partnered, int((counts >= 2).sum())) == (373, 298, 110)


def test_a_part_or_tool_is_named_with_its_thing() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    assert keyword_roles("u形相机支架").product == "相机支架"
    assert keyword_roles("九阳蒸锅盖子配件").product == "盖子配件"
    assert keyword_roles("superx工具").product == "工具"  # nothing before it to name
    assert "快递" in MODIFIERS
    words = ["u形相机支架", "相机支架", "吊灯加长支架", "奇瑞配件", "苏泊尔蒸锅配件"]
    groups = group_keywords([*words, "快递灯箱", "儿童篮球鞋顺丰快递"])
    assert same(groups, 0, 1) and not same(groups, 0, 2) and not same(groups, 3, 4)
    assert not same(groups, 5, 6)  # a shipping word binds nothing


def test_one_keywords_brand_does_not_name_a_shared_group() -> None:
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    groups = group_keywords(["华为手机", "手机", "小米手机壳"])
    assert same(groups, 0, 1) and groups.names[groups.labels[0]] == "手机"
    assert groups.names[groups.labels[2]] == "小米手机壳"  # alone: its whole name
    groups = group_keywords(["华为手机", "华为手机 价格", "手机"])
    assert groups.names.tolist() == ["华为手机"]  # 华为 on two of three


def test_a_lone_character_never_names_a_group() -> None:
    # jieba without its HMM cuts the unknown brand 戴森 into 戴 (a verb: an attribute) and
    # 森 (a qualifier); the demo's group of 戴森 shampoos was named "森洗发水"
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    words = ["24新款戴森洗发水", "同款戴森洗发水", "官方戴森洗发水", "戴森去屑洗发水"]
    words.append("飞利浦洗发水")
    assert "森" in keyword_roles(words[0]).qualifiers  # the cut this guards against
    groups = group_keywords(words)
    assert groups.names[groups.labels[0]] == "戴森洗发水"  # named whole (#25), never 森
    assert all(not name.startswith("森") for name in groups.names.tolist())


def test_a_qualifier_meets_a_product_word_with_its_own_weight() -> None:
    """``weights={"qualifier_product": w}``: how strongly a qualifier meets the same word
    as another keyword's product word (三轮车 of 宝宝三轮车围栏 and of 家用电动三轮车);
    two keywords sharing a qualifier meet as strongly whatever the split, and the
    default (equal to ``"qualifier"``) is the one namespace of words as before."""
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    from bidopt.grouping._features import ROLE_WEIGHTS, role_features

    words = ["宝宝三轮车围栏", "家用电动三轮车", "冲锋衣抓绒", "冲锋衣羽绒服"]
    assert ROLE_WEIGHTS["qualifier_product"] == ROLE_WEIGHTS["qualifier"]
    default = group_keywords(words)
    strict = group_keywords(words, options={"weights": {"qualifier_product": 0.0}})
    assert same(default, 0, 1) and not same(strict, 0, 1)
    for weights in (None, {"qualifier_product": 0.0}, {"qualifier_product": 0.2}):
        features, _, roles = role_features(words, weights)
        similarity = (features @ features.T).toarray()
        assert np.allclose(np.diag(similarity), 1.0)
        # 冲锋衣抓绒 / 冲锋衣羽绒服: 冲锋衣 a qualifier of both, the same similarity
        assert roles[2].qualifiers == roles[3].qualifiers == ("冲锋衣",)
        if weights is None:
            shared = similarity[2, 3]
        assert similarity[2, 3] == pytest.approx(shared)
    # the default adds no qualifier-only features: the features of before
    with_default = role_features(words)[0]
    assert with_default.shape == role_features(words, {"qualifier_product": 0.35})[0].shape
    assert with_default.shape[1] < role_features(words, {"qualifier_product": 0.2})[0].shape[1]


def test_labelled_queries_naming_one_product_with_one_word_are_grouped() -> None:
    """The miss analysis of the benchmark: every labelled query's partner (a query of
    the same product) that reads the same product word is in its group at the default
    settings; what the default misses are products named by different words."""
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    from bidopt.grouping._features import role_features
    from bidopt.grouping._normalize import normalize_keywords

    _, groups, keywords, product = _taobao_scores()
    _, _, roles = role_features(normalize_keywords(keywords))
    labels = groups.labels  # type: ignore[attr-defined]
    pairs = [
        (i, j)
        for i in range(len(keywords))
        for j in range(i + 1, len(keywords))
        if product[i] == product[j] and roles[i].product == roles[j].product
    ]
    assert len(pairs) == 48
    assert all(labels[i] == labels[j] for i, j in pairs)


def test_a_lone_last_character_after_an_attribute_is_no_head() -> None:
    # 纸尿裤 / 男 / 宝 (boy baby's nappies): the lone 宝 joined 纸尿裤 across the
    # attribute 男 into the product word 纸尿裤宝, a group and theme named 纸尿裤宝 apart
    # from 帮宝适纸尿裤; 连衣裙女夏 read 连衣裙夏
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    roles = keyword_roles("纸尿裤男宝")
    assert roles.product == "纸尿裤" and roles.attributes == ("男", "宝")
    assert keyword_roles("连衣裙女夏").product == "连衣裙"
    assert keyword_roles("按摩 垫").product == "按摩垫"  # adjacent: still joins
    groups = group_keywords(["纸尿裤男宝", "纸尿裤女宝", "帮宝适纸尿裤"])
    assert groups.names.tolist() == ["纸尿裤"] and groups.theme_names.tolist() == ["纸尿裤"]


def test_a_place_room_or_use_is_an_attribute_beside_a_product() -> None:
    # a query that ends in the room or use (吊灯卧室, 拖鞋浴室) took it for its product
    # word: 吊灯卧室 and 沙发卧室 were one group named 卧室, apart from 吊灯 and 沙发
    pytest.importorskip("jieba", reason="word roles of Chinese need jieba (bidopt[chinese])")
    from bidopt.grouping._tokens import PLACES

    for keyword, product, place in [
        ("吊灯卧室", "吊灯", "卧室"),
        ("卧室吊灯", "吊灯", "卧室"),  # in front: an attribute too, no longer a qualifier
        ("沙发卧室", "沙发", "卧室"),
        ("收纳盒厨房", "收纳盒", "厨房"),
        ("拖鞋浴室", "拖鞋", "浴室"),
        ("充电器车载", "充电器", "车载"),
        ("台灯宿舍", "台灯", "宿舍"),
        ("垃圾桶办公室", "垃圾桶", "办公室"),
        ("床儿童房", "床", "儿童房"),
        ("北欧吊灯卧室", "吊灯", "卧室"),
    ]:
        roles = keyword_roles(keyword)
        assert place in PLACES
        assert roles.product == product, keyword
        assert place in roles.attributes and place not in roles.qualifiers, keyword
    # no other word can name the product: the place stays the product word
    assert keyword_roles("客厅").product == "客厅"
    assert keyword_roles("装修客厅").product == "客厅"  # 装修 is a verb
    # right before a one-character word or a part: one product word with it
    assert keyword_roles("玄关柜").product == "玄关柜"
    assert keyword_roles("车载支架").product == "车载支架"
    words = ["吊灯卧室", "沙发卧室", "吊灯", "沙发", "收纳盒厨房", "收纳盒", "卧室吊灯"]
    groups = group_keywords(words)
    assert same(groups, 0, 2) and same(groups, 1, 3) and same(groups, 4, 5)
    assert same(groups, 0, 6) and not same(groups, 0, 1)
    names = groups.names.tolist()
    assert {names[groups.labels[i]] for i in (0, 1, 4)} == {"吊灯", "沙发", "收纳盒"}
