"""One block's step of :func:`~bidopt.grouping.group_keywords`: features, neighbour
graph and average linkage.

A block needs nothing from the others (the account-level inputs come in its
:class:`BlockTask`), so :func:`group_block` runs the same in process or on a Dask
worker (:mod:`bidopt.grouping._distributed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from bidopt._progress import step
from bidopt.exceptions import InvalidInputError
from bidopt.grouping._features import role_features, tfidf_features
from bidopt.grouping._linkage import average_linkage
from bidopt.grouping._neighbors import (
    NeighborGraph,
    knn_graph,
    rare_df_cap,
    with_hub_neighbors,
    with_sorted_neighbors,
)
from bidopt.grouping._tokens import KeywordRoles
from bidopt.typing import FloatArray, IntArray

__all__ = [
    "EXACT_LIMIT",
    "RARE_WORK",
    "SORTED_WIDTH",
    "BlockSettings",
    "BlockTask",
    "group_block",
    "neighbor_graph",
]

#: Blocks with more keywords than this search neighbours through the rare-n-gram index
#: (n-grams held by few keywords nominate candidates) instead of all informative ones.
EXACT_LIMIT = 5_000

#: Keywords naming the same product word each meet this many next ones (in content
#: order) as candidates in blocks searched through the rare-feature index.
SORTED_WIDTH = 8

#: Shared-feature incidences per keyword the rare-feature index may cost with word
#: features (see :func:`bidopt.grouping._neighbors.rare_df_cap`): lower than for
#: n-grams, as the sorted neighbourhood and the hubs of each product word find the
#: neighbours that common words would have nominated.
RARE_WORK = 1000.0


@dataclass(frozen=True, slots=True)
class BlockSettings:
    """The checked options of :func:`~bidopt.grouping.group_keywords` a block uses."""

    features: str
    weights: dict[str, float] | None
    n_neighbors: int
    smoothing: int
    smoothing_weight: float
    profile_weight: float
    method: str
    threshold: float
    max_group_size: int


@dataclass(frozen=True, slots=True)
class BlockTask:
    """One block's non-blank keywords, in content order (at least two).

    ``texts`` are the normalised keywords; ``order_key`` their ranks in the account's
    content order (ties between equal merges go to the earlier); ``profiles`` their
    rows of the account's standardised performance profiles (or None); ``hashing``
    whether ``"ngrams"`` features are hashed.
    """

    texts: list[str]
    order_key: IntArray
    profiles: FloatArray | None
    hashing: bool


def group_block(
    task: BlockTask, settings: BlockSettings
) -> tuple[IntArray, list[KeywordRoles] | None]:
    """The groups of one block: features, neighbour graph and linkage.

    Needs nothing from other blocks (the account-level inputs, the content order and
    the standardised profiles, come in ``task``), so blocks can run anywhere, in any
    order.  Returns the group of each keyword of ``task`` (0 .. n_block_groups - 1)
    and, with word features, each keyword's roles (the group names and themes are
    chosen from them over the whole account).
    """
    block_roles: list[KeywordRoles] | None = None
    if settings.features == "words":
        features, for_graph, block_roles = role_features(task.texts, settings.weights)
    else:
        features, for_graph = tfidf_features(task.texts, hashing=task.hashing)
    step("features of %s keywords", f"{len(task.texts):,}")
    text_only = task.profiles is None and settings.smoothing == 0
    if settings.smoothing:
        features, for_graph = _with_profiles(
            features,
            for_graph,
            _semantic_rows(features, settings.smoothing),
            settings.smoothing_weight,
        )
    if task.profiles is not None:
        features, for_graph = _with_profiles(
            features, for_graph, task.profiles, settings.profile_weight
        )
    if settings.method == "dense":
        return _dense(features, settings.threshold), block_roles
    # pairs down to half the threshold are linkage candidates (average linkage can
    # still join them through their clusters)
    graph = neighbor_graph(
        features,
        for_graph,
        settings.n_neighbors,
        0.5 * settings.threshold,
        text_only=text_only,
        roles=block_roles,
    )
    edges = (graph.rows, graph.cols, graph.similarity)  # deduplicated there
    step(
        "neighbour graph of %s keywords: %s pairs",
        f"{len(task.texts):,}",
        f"{graph.rows.size:,}",
    )
    part = average_linkage(
        features, edges, settings.threshold, settings.max_group_size, task.order_key
    )
    return part, block_roles


def neighbor_graph(
    features: sparse.csr_matrix,
    informative: np.ndarray,
    k: int,
    min_similarity: float,
    *,
    text_only: bool = True,
    roles: Sequence[KeywordRoles] | None = None,
) -> NeighborGraph:
    """The neighbour graph :func:`~bidopt.grouping.group_keywords` builds for one block.

    Exact up to :data:`EXACT_LIMIT` keywords (with performance profiles, text nominates
    and all features score); above, the rare-feature index: informative features held
    by at most :func:`rare_df_cap` keywords nominate 100 candidates per keyword (150
    above 50,000 keywords, where the index prunes more), scored by true similarity.
    With the keywords' ``roles`` (the index then costs at most :data:`RARE_WORK`
    incidences per keyword), keywords naming the same product word are also paired
    with the :data:`SORTED_WIDTH` next ones sorted by the rest of their words
    (:func:`bidopt.grouping._neighbors.with_sorted_neighbors`): a common product word
    is too frequent for the index, and keywords that differ only by shopping modifiers
    have the same words and sort next to each other; and each with the ``k`` plainest
    keywords of its product word (fewest features first,
    :func:`bidopt.grouping._neighbors.with_hub_neighbors`), its nearest neighbours when
    its own variant has few keywords.
    """
    n = features.shape[0]
    if n <= EXACT_LIMIT and text_only:
        return knn_graph(features, k, min_similarity)
    if n <= EXACT_LIMIT:
        return knn_graph(features, k, min_similarity, search_columns=informative)
    graph = knn_graph(
        features,
        k,
        min_similarity,
        search_columns=informative,
        max_df=rare_df_cap(features, informative, RARE_WORK if roles is not None else 3000.0),
        n_candidates=max(100 if n <= 50_000 else 150, 6 * k),
    )
    if roles is None:
        return graph
    products = np.array([r.product for r in roles], dtype=object).astype(str)
    rest = np.array(
        ["|".join((*r.brands, "", *r.qualifiers, "", *r.models, "", *r.attributes)) for r in roles],
        dtype=object,
    ).astype(str)
    order = np.lexsort((rest, products))
    keys = np.unique(products, return_inverse=True)[1].ravel()
    graph = with_sorted_neighbors(graph, features, keys, order, SORTED_WIDTH, min_similarity)
    # and the plainest keywords of each product word (fewest features first)
    plain = np.lexsort((rest, np.diff(features.indptr), products))
    return with_hub_neighbors(graph, features, keys, plain, k, min_similarity)


def _with_profiles(
    text: sparse.csr_matrix, search: np.ndarray, profile: FloatArray, weight: float
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """Text and profile columns side by side, weighted so that the dot product of two
    rows is the weighted sum of their text and profile cosine similarities.  Only the
    text columns nominate neighbours."""
    combined = sparse.hstack(
        [text * np.sqrt(1.0 - weight), sparse.csr_matrix(profile * np.sqrt(weight))],
        format="csr",
    )
    return combined, np.r_[search, np.zeros(profile.shape[1], dtype=bool)]


def _semantic_rows(features: sparse.csr_matrix, n_components: int) -> FloatArray:
    """L2-normalised truncated-SVD coordinates of the rows (deterministic solver).

    Words that appear with the same other words get close coordinates, so keywords
    that use them meet without a dictionary.
    """
    from sklearn.decomposition import TruncatedSVD

    rank = min(n_components, features.shape[0] - 1, features.shape[1] - 1)
    if rank < 1:
        return np.zeros((features.shape[0], 1))
    coords = TruncatedSVD(rank, algorithm="arpack", random_state=0).fit_transform(features)
    norm = np.linalg.norm(coords, axis=1, keepdims=True)
    return np.asarray(coords / np.where(norm > 0, norm, 1.0), dtype=np.float64)


def _dense(features: Any, threshold: float) -> IntArray:
    from sklearn.cluster import AgglomerativeClustering

    if features.shape[0] > 20_000:
        raise InvalidInputError(
            "`keywords` must number at most 20,000 per block with method='dense' (it "
            f"builds an n x n matrix). Got {features.shape[0]} instead; use "
            "method='agglomerative'."
        )
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    )
    return np.asarray(model.fit_predict(features.toarray()), dtype=np.int64)
