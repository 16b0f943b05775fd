"""Review of issue 21: pooled intervals, option types, missing inputs in grouping."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from bidopt.exceptions import BidoptError, InvalidInputError, MissingDependencyError
from bidopt.grouping import group_keywords, normalize_keywords, pool_rates


def _width_at(mean: np.ndarray, concentration: float, level: float) -> np.ndarray:
    tail = (1 - level) / 2
    a, b = mean * concentration, (1 - mean) * concentration
    return np.asarray(stats.beta.ppf(1 - tail, a, b) - stats.beta.ppf(tail, a, b))


def test_units_without_trials_get_a_wide_interval_around_their_mean() -> None:
    # S5: units 2-4's group has 0 successes in 2 trials and the level's fitted prior
    # strength hit its floor: the units without trials got [2e-308, 3e-11] around a
    # mean of 0.0009, and every interval missed its mean
    pooled = pool_rates([1, 0, 0, 0, 0], [1, 0, 1, 1, 0], [[0, 0, 1, 1, 1]])
    lower, upper = pooled.lower, pooled.upper
    assert (lower <= pooled.mean).all() and (pooled.mean <= upper).all()
    assert lower[4] > 1e-6 and upper[4] > 0.2  # a group with 2 trials says little
    # no trials: wider than a unit of the same group that has a trial
    assert upper[4] - lower[4] > upper[2] - lower[2]
    assert upper[1] - lower[1] > 0.2


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 3),  # group
            st.integers(0, 4),  # trials (sparse: mostly few or none)
            st.floats(0, 1),  # share of successes
        ),
        min_size=1,
        max_size=12,
    ),
    level=st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99]),
)
def test_every_interval_contains_its_mean_on_sparse_data(
    data: list[tuple[int, int, float]], level: float
) -> None:
    groups = np.array([g for g, _, _ in data])
    trials = np.array([float(n) for _, n, _ in data])
    successes = np.floor(trials * np.array([p for _, _, p in data]))
    pooled = pool_rates(successes, trials, [groups, groups // 2], level=level)
    lower, upper, mean = pooled.lower, pooled.upper, pooled.mean
    assert np.isfinite(mean).all() and ((mean > 0) & (mean < 1)).all()
    assert (lower <= mean).all() and (mean <= upper).all()
    # a unit without trials is no more certain than its parents: its interval is at
    # least as wide as one with the concentration of every trial in the account, at
    # each level, plus the uniform prior's 2
    empty = trials == 0
    if empty.any():
        most = 3 * trials.sum() + 2.0
        assert ((upper - lower)[empty] >= _width_at(mean[empty], most, level) - 1e-9).all()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"options": {"hashing": "yes"}},
            r"`hashing` must be True, False or None\. Got 'yes' instead\.",
        ),
        ({"options": {"hashing": 1}}, r"`hashing` must be True, False or None\. Got 1 instead\."),
        ({"traditional": "False"}, r"`traditional` must be True, False or None\. Got 'False'"),
    ],
)
def test_bool_options_must_be_bool(options: dict[str, object], message: str) -> None:
    # S8: hashing='yes' was read by truthiness
    with pytest.raises(InvalidInputError, match=message):
        group_keywords(["a b", "a c"], **options)  # type: ignore[arg-type]
    hashed = group_keywords(
        ["a b", "a c"], options={"features": "ngrams", "hashing": np.bool_(True)}
    )
    assert hashed.labels.size == 2


def test_normalize_traditional_must_be_bool() -> None:
    with pytest.raises(InvalidInputError, match=r"`traditional` must be True, False or None"):
        normalize_keywords(["a"], traditional=1)  # type: ignore[arg-type]


def test_group_keywords_of_none_is_named() -> None:
    # C3: TypeError 'NoneType' object is not iterable
    with pytest.raises(
        InvalidInputError, match=r"`keywords` must be a sequence of strings\. Got None"
    ):
        group_keywords(None)  # type: ignore[arg-type]


def test_missing_opencc_is_a_bidopt_error_and_an_import_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # C4: a plain ImportError
    import sys

    from bidopt.grouping import _normalize

    monkeypatch.setitem(sys.modules, "opencc", None)  # import opencc -> ImportError
    _normalize._opencc.cache_clear()
    try:
        with pytest.raises(MissingDependencyError, match=r"pip install bidopt\[chinese\]") as info:
            normalize_keywords(["連衣裙"], traditional=True)
        assert isinstance(info.value, ImportError) and isinstance(info.value, BidoptError)
    finally:
        _normalize._opencc.cache_clear()


def test_blank_keywords_share_groups_up_to_the_cap() -> None:
    # the fuzzer's "identical keywords split across groups": keywords that normalise to
    # nothing each got a group of their own, so "🎉" and "🎉" were split
    words = ["🎉", "连衣裙 夏季", "!!!", "🎉", "连衣裙 夏装", "——", "🎉"]
    groups = group_keywords(words, max_group_size=3)
    labels = groups.labels
    assert labels[0] == labels[3] == labels[6]  # equal keywords together
    blank = [0, 2, 3, 5, 6]
    assert len(set(labels[blank].tolist())) == 2  # 5 blanks, at most 3 per group
    assert not set(labels[blank].tolist()) & {int(labels[1]), int(labels[4])}
    assert groups.sizes.max() <= 3
    # an iterator is read once
    again = group_keywords(iter(words), max_group_size=3)
    np.testing.assert_array_equal(again.labels, labels)


def test_missing_group_labels_are_named() -> None:
    with pytest.raises(InvalidInputError, match=r"`levels\[0\]` must give every unit a group"):
        pool_rates([1, 2], [10, 20], [["a", None]])
    with pytest.raises(InvalidInputError, match=r"Got nan for unit 0"):
        pool_rates([1, 2], [10, 20], [[float("nan"), "b"]])
    with pytest.raises(InvalidInputError, match=r"`blocks` must give every keyword a block"):
        group_keywords(["a b", "a c"], blocks=["x", None])


# Session 20 review (review2): letter sizes read as product words


@pytest.mark.parametrize(
    ("keyword", "product", "size"),
    [
        ("花王纸尿裤l码", "纸尿裤", "l码"),
        ("纸尿裤s码", "纸尿裤", "s码"),
        ("衣服m号", "衣服", "m号"),
        ("花王纸尿裤xl码", "纸尿裤", "xl码"),
        ("连衣裙 xxl", "连衣裙", "xxl"),
        ("外套2xl", "外套", "2xl"),
    ],
)
def test_a_letter_size_is_an_attribute_not_a_product_brand_or_model(
    keyword: str, product: str, size: str
) -> None:
    # "l码" was the product word of "花王纸尿裤l码" (纸尿裤 a qualifier), "xl" / "xxl" a
    # brand and "2xl" a model
    from bidopt.grouping._tokens import keyword_roles

    roles = keyword_roles(keyword)
    assert roles.product == product
    assert size in roles.attributes
    assert size not in (*roles.brands, *roles.models, *roles.qualifiers)


def test_a_model_name_after_a_latin_word_is_not_read_as_a_size() -> None:
    from bidopt.grouping._tokens import keyword_roles

    assert "xs" in keyword_roles("iphone xs 手机壳").brands
    assert "xs" in keyword_roles("苹果xs手机壳").brands
    assert "xs码" in keyword_roles("连衣裙xs码").attributes


def test_keywords_of_one_size_are_not_grouped_across_products() -> None:
    # the size made a theme "l码" of diapers, wipes and formula of every brand
    pytest.importorskip("jieba", reason="needs jieba (bidopt[chinese])")
    brands = ["花王", "帮宝适", "妈咪宝贝"]
    products = ["纸尿裤", "湿巾", "奶粉"]
    suffixes = ["", "包邮", "旗舰店", "l码", "m码"]
    keywords = [b + p + s for b in brands for p in products for s in suffixes]
    groups = group_keywords(keywords)
    assert sorted(groups.theme_names.tolist()) == sorted(products)
    for g in range(groups.n_groups):
        members = groups.members(g)
        assert len({p for p in products for k in members if p in k}) == 1, members


@pytest.mark.parametrize("group", [2, -1, 1.5, "0", True, None])
def test_members_of_a_group_that_does_not_exist_raises(group: object) -> None:
    # members(5) or members(-1) returned [] (an empty group) instead of saying that no
    # group has that id
    groups = group_keywords(["花王湿巾", "花王湿巾包邮", "花王奶粉"])
    assert groups.n_groups == 2
    with pytest.raises(InvalidInputError, match=r"`group` must be an integer >= 0 and <= 1"):
        groups.members(group)  # type: ignore[arg-type]
    assert groups.members(1) + groups.members(0) == ["花王湿巾", "花王湿巾包邮", "花王奶粉"]
