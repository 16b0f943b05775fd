from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from bidopt.datasets import make_search_account
from bidopt.exceptions import InvalidInputError
from bidopt.grouping import _groups, _neighbors, group_keywords
from bidopt.grouping._features import tfidf_features
from bidopt.grouping._neighbors import knn_graph, neighbor_recall, rare_df_cap
from bidopt.grouping._normalize import normalize_keywords


def _random_rows(n: int, d: int, seed: int) -> sparse.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.random((n, d)) * (rng.random((n, d)) < 0.15)
    dense[dense.sum(axis=1) == 0, 0] = 1.0
    return sparse.csr_matrix(dense / np.linalg.norm(dense, axis=1, keepdims=True))


@pytest.fixture(scope="module")
def keyword_features() -> tuple[sparse.csr_matrix, np.ndarray]:
    account = make_search_account(3000, n_days=1, rng=3)
    return tfidf_features(normalize_keywords(account.keywords.tolist()))


def test_exact_graph_matches_brute_force() -> None:
    x = _random_rows(300, 40, seed=0)
    k = 5
    graph = knn_graph(x, k, 0.1, block=64)  # several blocks
    assert not graph.approximate
    sims = (x @ x.T).toarray()
    np.fill_diagonal(sims, -np.inf)
    for i in range(x.shape[0]):
        mine = graph.cols[graph.rows == i]
        assert i not in mine and mine.size == k
        kth = np.sort(sims[i])[-k]
        assert (sims[i, mine] >= kth - 1e-12).all()
        np.testing.assert_allclose(graph.similarity[graph.rows == i], sims[i, mine])
    assert neighbor_recall(x, graph, k, 0.1, sample=300) == 1.0


def test_min_similarity_filters_edges() -> None:
    x = _random_rows(200, 30, seed=1)
    graph = knn_graph(x, 10, 0.6)
    assert (graph.similarity >= 0.6).all()
    sims = (x @ x.T).toarray()
    np.testing.assert_allclose(graph.similarity, sims[graph.rows, graph.cols])


def test_recall_counts_misses() -> None:
    x = _random_rows(200, 30, seed=2)
    full = knn_graph(x, 6, 0.0)
    half = type(full)(
        full.rows[::2], full.cols[::2], full.similarity[::2], approximate=True, max_df=0
    )
    assert neighbor_recall(x, full, 6, 0.0, sample=200) == 1.0
    assert 0.3 < neighbor_recall(x, half, 6, 0.0, sample=200) < 0.7


def test_rare_ngram_index_keeps_recall_on_keywords(
    keyword_features: tuple[sparse.csr_matrix, np.ndarray],
) -> None:
    features, informative = keyword_features
    cap = rare_df_cap(features, informative, work_per_row=600.0)
    df = np.bincount(features.indices, minlength=features.shape[1])
    assert 2 <= cap < df[informative].max()  # the cap really prunes columns
    graph = knn_graph(features, 15, 0.2, search_columns=informative, max_df=cap)
    assert graph.approximate and graph.max_df == cap
    assert (graph.similarity >= 0.2).all()
    assert neighbor_recall(features, graph, 15, 0.2, sample=400) >= 0.95


def test_rare_df_cap_grows_with_the_work_allowed(
    keyword_features: tuple[sparse.csr_matrix, np.ndarray],
) -> None:
    features, informative = keyword_features
    caps = [rare_df_cap(features, informative, w) for w in (10.0, 100.0, 1000.0, 1e9)]
    assert caps == sorted(caps)
    df = np.bincount(features.indices, minlength=features.shape[1])
    assert caps[-1] == df[informative].max()


def test_grouping_through_the_rare_index_respects_cap_and_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = make_search_account(2000, n_days=1, rng=5)
    words = account.keywords.tolist()
    exact = group_keywords(words, threshold=0.4, max_group_size=20)
    monkeypatch.setattr(_groups, "EXACT_LIMIT", 100)
    approx = group_keywords(words, threshold=0.4, max_group_size=20)
    assert approx.sizes.max() <= 20
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(exact.labels, approx.labels) > 0.9
    perm = np.random.default_rng(0).permutation(len(words))
    shuffled = group_keywords([words[i] for i in perm], threshold=0.4, max_group_size=20)
    # computed in content order: the same groups whatever the input order
    assert adjusted_rand_score(approx.labels[perm], shuffled.labels) == 1.0


def test_profiles_split_keywords_that_read_alike_but_perform_apart() -> None:
    words = [f"耐克运动鞋{x}" for x in ["男", "女", "白色", "黑色", "跑步", "透气"]]
    # (the last-noun rule reads 跑步 / 透气 as their product words: they meet the rest
    # through the qualifier 运动鞋, at a similarity of about 0.33)
    text_only = group_keywords(words, threshold=0.25)
    assert text_only.n_groups == 1
    # two performance regimes: CTR and CVR high for the first three, low for the rest
    profiles = np.array([[0.05, 0.10]] * 3 + [[0.01, 0.02]] * 3)
    split = group_keywords(words, threshold=0.25, profiles=profiles, profile_weight=0.5)
    assert split.labels[0] == split.labels[1] == split.labels[2]
    assert split.labels[3] == split.labels[4] == split.labels[5]
    assert split.labels[0] != split.labels[3]
    with pytest.raises(InvalidInputError, match="profiles"):
        group_keywords(words, profiles=np.ones((2, 2)))
    with pytest.raises(InvalidInputError, match="profile_weight"):
        group_keywords(words, profiles=profiles, profile_weight=1.0)


def test_hashed_features_group_like_learned_ones() -> None:
    account = make_search_account(1500, n_days=1, rng=11)
    words = account.keywords.tolist()
    ngrams = {"features": "ngrams"}
    learned = group_keywords(words, threshold=0.4, options={**ngrams, "hashing": False})
    hashed = group_keywords(words, threshold=0.4, options={**ngrams, "hashing": True})
    from sklearn.metrics import adjusted_rand_score

    # 2**20 hashed columns: collisions are rare, the groups nearly the same
    assert adjusted_rand_score(learned.labels, hashed.labels) > 0.95
    features, informative = tfidf_features(normalize_keywords(words), hashing=True)
    assert features.shape[1] == 1 << 20 and informative.all()
    np.testing.assert_allclose(np.asarray(features.multiply(features).sum(axis=1)).ravel(), 1.0)


def test_rng_breaks_ties_reproducibly_and_order_free() -> None:
    # four keywords equally similar in pairs: which pair merges first is a tie
    words = ["红色 连衣裙", "蓝色 连衣裙", "红色 半身裙", "蓝色 半身裙"] * 2 + ["白色 衬衫"]
    a = group_keywords(words, threshold=0.2, max_group_size=2, rng=3)
    b = group_keywords(words, threshold=0.2, max_group_size=2, rng=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    perm = np.random.default_rng(0).permutation(len(words))
    c = group_keywords([words[i] for i in perm], threshold=0.2, max_group_size=2, rng=3)
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(a.labels[perm], c.labels) == 1.0
    assert a.sizes.max() <= 2


def test_top_per_row_prefilter_keeps_every_row_top_k(monkeypatch: pytest.MonkeyPatch) -> None:
    """The value-bin prefilter of large inputs keeps each row's k largest values, ties
    included: the same rows and values, in the same order, as the plain sort."""
    rng = np.random.default_rng(1)
    for _ in range(40):
        n_rows, m = int(rng.integers(1, 200)), int(rng.integers(1, 40_000))
        k = int(rng.integers(1, 150))
        rows = np.sort(rng.integers(0, n_rows, m))
        # few distinct values: many ties at each row's k-th value
        vals = np.round(rng.random(m) ** 2, int(rng.integers(1, 6)))
        cols = rng.permutation(m)
        monkeypatch.setattr(_neighbors, "_PREFILTER", 10**9)  # never
        plain = _neighbors._top_per_row(rows, cols, vals, n_rows, k)
        monkeypatch.setattr(_neighbors, "_PREFILTER", 0)  # always
        fast = _neighbors._top_per_row(rows, cols, vals, n_rows, k)
        np.testing.assert_array_equal(fast[0], plain[0])
        np.testing.assert_array_equal(fast[2], plain[2])
    # one row of 1,000 distinct values: the prefilter keeps its 10 largest and little else
    kept = _neighbors._within_kth_bin(np.zeros(1000, np.int64), np.linspace(0, 1, 1000), 1, 10)
    assert 10 <= kept.sum() <= 12 and kept[-10:].all()
