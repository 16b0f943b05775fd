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

__all__ = ["average_linkage", "knn_graph"]


def knn_graph(
    features: sparse.csr_matrix, k: int, min_similarity: float, block: int = 2048
) -> tuple[IntArray, IntArray, np.ndarray]:
    """The k most similar other rows of every row (similarity >= ``min_similarity``).

    Exact, by blocks of sparse products.  Returns edges ``(i, j, similarity)`` with
    ``i < j``, each once.
    """
    n = features.shape[0]
    transposed = features.T.tocsr()
    rows, cols, sims = [], [], []
    for start in range(0, n, block):
        stop = min(start + block, n)
        product = (features[start:stop] @ transposed).tocsr()
        for r in range(stop - start):
            lo, hi = product.indptr[r], product.indptr[r + 1]
            idx, val = product.indices[lo:hi], product.data[lo:hi]
            keep = (idx != start + r) & (val >= min_similarity)
            idx, val = idx[keep], val[keep]
            if idx.size > k:
                top = np.argpartition(-val, k)[:k]
                idx, val = idx[top], val[top]
            rows.append(np.full(idx.size, start + r))
            cols.append(idx)
            sims.append(val)
    i = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    j = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    s = np.concatenate(sims) if sims else np.zeros(0)
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a.astype(np.int64) * n + b
    _, first = np.unique(key, return_index=True)
    return a[first].astype(np.int64), b[first].astype(np.int64), s[first]


def average_linkage(
    features: sparse.csr_matrix,
    edges: tuple[IntArray, IntArray, np.ndarray],
    threshold: float,
    max_size: int,
    order_key: IntArray,
) -> IntArray:
    """Merge clusters along graph edges while their average similarity >= ``threshold``
    and the merged size <= ``max_size``.

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
    rank[np.argsort(order_key, kind="stable")] = np.arange(n)
    pa, pb = np.minimum(edges[0], edges[1]), np.maximum(edges[0], edges[1])
    keep = pa != pb
    pa, pb = pa[keep], pb[keep]
    if pa.size:
        _, first = np.unique(pa * n + pb, return_index=True)
        pa, pb = pa[first], pb[first]
    sim = _pair_similarity(features, labels, sizes, pa, pb)
    # a pair below the threshold never rises above it (merging averages similarities)
    # and a pair over the size cap never fits again (clusters only grow): drop them
    good = (sim >= threshold) & (sizes[pa] + sizes[pb] <= max_size)
    pa, pb, sim = pa[good], pb[good], sim[good]
    for _ in range(n):  # each round merges at least one pair
        if pa.size == 0:
            break
        # each cluster's best partner: highest similarity, ties by the partner's rank
        ends = np.r_[pa, pb]
        partners = np.r_[pb, pa]
        order = np.lexsort((rank[partners], -np.r_[sim, sim], ends))
        ends, partners = ends[order], partners[order]
        first = np.r_[True, ends[1:] != ends[:-1]]
        best = np.full(n, -1, dtype=np.int64)
        best[ends[first]] = partners[first]
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
