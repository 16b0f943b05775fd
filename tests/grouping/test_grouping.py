from __future__ import annotations

import numpy as np
import pytest

from bidopt.exceptions import InvalidInputError
from bidopt.grouping import group_keywords, normalize_keywords
from bidopt.grouping._features import keyword_ngrams
from tests.conftest import shared_file


def test_normalisation_cases() -> None:
    assert normalize_keywords(["ＴＡＳＣＯ望远镜"]) == ["tasco望远镜"]  # full-width
    assert normalize_keywords(["Haier  冰箱-双门!"]) == ["haier 冰箱 双门"]
    assert normalize_keywords(["伊莱克斯冰箱LED灯"]) == ["伊莱克斯冰箱led灯"]  # mixed scripts
    assert normalize_keywords(["T恤 S码", "2.5L 电饭煲", "c++"]) == [
        "t恤 s码",
        "2.5l 电饭煲",
        "c++",
    ]
    assert normalize_keywords(["  ", "—"]) == ["", ""]
    with pytest.raises(InvalidInputError, match="must hold strings. Got 3 at index 1"):
        normalize_keywords(["a", 3])  # type: ignore[list-item]


def test_one_character_tokens_are_kept() -> None:
    grams = keyword_ngrams("t恤 s 3")
    assert "<s>" in grams and "<3>" in grams
    assert "恤" in grams and "<t>" in grams


def test_groups_respect_the_size_cap_and_are_named_by_brand_and_product() -> None:
    words = [f"海尔冰箱{x}" for x in ["双门", "家用", "静音", "小型", "节能", "变频"]]
    words += ["耐克运动鞋", "耐克运动鞋男", "耐克运动鞋女"]
    volumes = np.arange(len(words), dtype=float)
    groups = group_keywords(words, volumes=volumes, threshold=0.3, max_group_size=4)
    assert groups.sizes.max() <= 4
    assert groups.labels.size == len(words)
    shoes = {groups.labels[i] for i in (6, 7, 8)}
    assert len(shoes) == 1  # the shoe keywords belong together
    shoe_group = shoes.pop()
    # named after what the keywords share (brand + product), not an audience word
    assert groups.names[shoe_group] == "耐克运动鞋"
    assert groups.labels[0] != shoe_group


def test_invariant_to_input_order_up_to_renaming() -> None:
    words = [
        "salon chair",
        "salon chairs",
        "massage chair",
        "turquoise pillows",
        "blue pillows",
        "pillow covers",
        "wall art",
        "canvas wall art",
        "beds",
        "bed",
    ]
    a = group_keywords(words, threshold=0.3)
    perm = np.random.default_rng(1).permutation(len(words))
    b = group_keywords([words[i] for i in perm], threshold=0.3)
    pairs_a = {
        (i, j) for i in range(len(words)) for j in range(len(words)) if a.labels[i] == a.labels[j]
    }
    inverse = np.argsort(perm)
    pairs_b = {
        (i, j)
        for i in range(len(words))
        for j in range(len(words))
        if b.labels[inverse[i]] == b.labels[inverse[j]]
    }
    assert pairs_a == pairs_b


def test_blocks_are_never_crossed() -> None:
    words = ["冰箱双门", "冰箱双门家用", "冰箱双门静音"]
    groups = group_keywords(words, blocks=["a", "b", "b"], threshold=0.2)
    assert groups.labels[0] != groups.labels[1]
    assert groups.labels[1] == groups.labels[2]


def test_bad_input() -> None:
    with pytest.raises(InvalidInputError, match="must hold at least one keyword"):
        group_keywords([])
    with pytest.raises(InvalidInputError, match="not one string"):
        group_keywords("冰箱")
    with pytest.raises(InvalidInputError, match="`threshold` must be a finite number > 0"):
        group_keywords(["a", "b"], threshold=0.0)
    with pytest.raises(ValueError, match="Unknown method 'kmeans'"):
        group_keywords(["a", "b"], method="kmeans")  # type: ignore[arg-type]
    blank = group_keywords(["", "冰箱", "冰箱"], threshold=0.5)
    assert blank.n_groups == 2  # a blank keyword is its own group; duplicates join


@pytest.mark.filterwarnings("ignore:`max_group_size`=30 is not enforced:UserWarning")
def test_wands_at_least_as_good_as_dense_average_linkage() -> None:
    pd = pytest.importorskip("pandas")
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    data = pd.read_csv(shared_file("keywords/wands_query.csv"), sep="\t")
    truth = data["query_class"].fillna("NA")
    queries = data["query"].tolist()
    for threshold in (0.3, 0.4):
        ours = group_keywords(queries, threshold=threshold, max_group_size=480)
        dense = group_keywords(queries, threshold=threshold, method="dense")
        assert (
            adjusted_rand_score(truth, ours.labels)
            >= adjusted_rand_score(truth, dense.labels) - 1e-9
        )
        assert (
            normalized_mutual_info_score(truth, ours.labels)
            >= normalized_mutual_info_score(truth, dense.labels) - 0.01
        )
        # no chaining: the largest group stays small (single-link style chaining gives ~419)
        assert ours.sizes.max() < 40


def test_dense_says_it_does_not_enforce_max_group_size() -> None:
    # review 2: method="dense" with max_group_size=3 gave groups of 95 without a word
    keywords = [f"{c}色儿童三轮车" for c in "红黄蓝绿白黑紫灰粉橙"]
    with pytest.warns(UserWarning, match=r"`max_group_size`=3 is not enforced by method='dense'"):
        dense = group_keywords(keywords, method="dense", max_group_size=3, threshold=0.1)
    assert dense.sizes.max() > 3
    capped = group_keywords(keywords, max_group_size=3, threshold=0.1)
    assert capped.sizes.max() <= 3
