"""Average-linkage clustering on a sparse nearest-neighbour graph, with a size cap.

The graph only limits which merges are considered; the linkage between two clusters is
their true average cosine similarity: with L2-normalised rows it is the dot product of
the clusters' summed vectors over the product of their sizes, kept up to date as
clusters merge.  Memory grows as O(n k), never n^2.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from bidopt.typing import FloatArray, IntArray

__all__ = ["average_linkage"]


def average_linkage(
    features: sparse.csr_matrix,
    edges: tuple[IntArray, IntArray, np.ndarray],
    threshold: float,
    max_size: int,
    order_key: IntArray,
) -> IntArray:
    """Merge clusters along graph edges while their average similarity >= ``threshold``
    and the merged size <= ``max_size``.

    ``edges`` are ``(i, j, similarity)`` with the rows' true cosine similarity (as from
    :func:`bidopt.grouping._neighbors.knn_graph`): the starting linkage of singletons.

    Reciprocal-nearest-neighbour rounds: in each round every cluster finds its most
    similar neighbouring cluster (true average linkage, from the clusters' summed rows,
    computed for all candidate pairs at once with sparse products), and mutual best pairs
    merge.  Average linkage is reducible, so merging reciprocal nearest neighbours
    reproduces the best-pair-first order; ties break by ``order_key``.  Returns a
    cluster id per row (consecutive).
    """
    n = features.shape[0]
    labels = np.arange(n, dtype=np.int64)
    sizes = np.ones(n, dtype=np.float64)
    rank = np.empty(n, dtype=np.int64)
    node_of_rank = np.argsort(order_key, kind="stable")
    rank[node_of_rank] = np.arange(n)
    pa, pb = np.minimum(edges[0], edges[1]), np.maximum(edges[0], edges[1])
    keep = pa != pb
    pa, pb, sim = pa[keep], pb[keep], np.asarray(edges[2], dtype=np.float64)[keep]
    if pa.size:
        _, first = np.unique(pa * n + pb, return_index=True)
        pa, pb, sim = pa[first], pb[first], sim[first]
    # a pair below the threshold never rises above it (merging averages similarities)
    # and a pair over the size cap never fits again (clusters only grow): drop them
    good = (sim >= threshold) & (sizes[pa] + sizes[pb] <= max_size)
    pa, pb, sim = pa[good], pb[good], sim[good]
    for _ in range(n):  # each round merges at least one pair
        if pa.size == 0:
            break
        # each cluster's best partner: highest similarity, ties by the partner's rank
        # (two linear passes of unbuffered reductions, no sort)
        ends = np.r_[pa, pb]
        partners = np.r_[pb, pa]
        both = np.r_[sim, sim]
        top = np.full(n, -np.inf)
        np.maximum.at(top, ends, both)
        tied = both == top[ends]
        first_rank = np.full(n, n, dtype=np.int64)
        np.minimum.at(first_rank, ends[tied], rank[partners[tied]])
        best = np.full(n, -1, dtype=np.int64)
        has = first_rank < n
        best[has] = node_of_rank[first_rank[has]]
        mutual = np.flatnonzero((best >= 0) & (best[np.maximum(best, 0)] == np.arange(n)))
        merge_from = mutual[mutual > best[mutual]]
        if merge_from.size == 0:
            break
        target = best[merge_from]
        relabel = np.arange(n)
        relabel[merge_from] = target
        labels = relabel[labels]
        sizes[target] += sizes[merge_from]
        sizes[merge_from] = 0.0
        changed = np.zeros(n, dtype=bool)
        changed[target] = True
        pa, pb = relabel[pa], relabel[pb]
        pa, pb = np.minimum(pa, pb), np.maximum(pa, pb)
        alive = pa != pb
        pa, pb, sim = pa[alive], pb[alive], sim[alive]
        dirty = changed[pa] | changed[pb]
        da, db = pa[dirty], pb[dirty]
        if da.size:
            _, first = np.unique(da * n + db, return_index=True)
            da, db = da[first], db[first]
        fits = sizes[da] + sizes[db] <= max_size
        da, db = da[fits], db[fits]
        dsim = _pair_similarity(features, labels, sizes, da, db)
        good = dsim >= threshold
        clean = ~dirty
        pa = np.r_[pa[clean], da[good]]
        pb = np.r_[pb[clean], db[good]]
        sim = np.r_[sim[clean], dsim[good]]
    _, out = np.unique(labels, return_inverse=True)
    return out.ravel().astype(np.int64)


def _pair_similarity(
    features: sparse.csr_matrix, labels: IntArray, sizes: FloatArray, pa: IntArray, pb: IntArray
) -> FloatArray:
    """Average cosine similarity of cluster pairs: dot of summed rows / size product."""
    if pa.size == 0:
        return np.zeros(0)
    n = features.shape[0]
    clusters = np.unique(np.r_[pa, pb])
    position = np.full(n, -1, dtype=np.int64)
    position[clusters] = np.arange(clusters.size)
    members = np.flatnonzero(position[labels] >= 0)
    indicator = sparse.csr_matrix(
        (np.ones(members.size), (position[labels[members]], members)),
        shape=(clusters.size, n),
    )
    sums = (indicator @ features).tocsr()
    dots = np.asarray(sums[position[pa]].multiply(sums[position[pb]]).sum(axis=1)).ravel()
    return np.asarray(dots / (sizes[pa] * sizes[pb]), dtype=np.float64)
