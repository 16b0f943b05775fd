"""Average-linkage clustering on a sparse nearest-neighbour graph, with a size cap.

The graph only limits which merges are considered; the linkage between two clusters is
their true average cosine similarity: with L2-normalised rows it is the dot product of
the clusters' summed vectors over the product of their sizes, kept up to date as
clusters merge.  Memory grows as O(n k), never n^2.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from bidopt.typing import IntArray

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
    a0, b0 = edges[0], edges[1]
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(order_key, kind="stable")] = np.arange(n)
    for _ in range(n):  # each round merges at least one pair
        sizes = np.bincount(labels, minlength=n).astype(np.float64)
        ca, cb = labels[a0], labels[b0]
        keep = ca != cb
        ca, cb = np.minimum(ca[keep], cb[keep]), np.maximum(ca[keep], cb[keep])
        if ca.size == 0:
            break
        pair = np.unique(ca * n + cb)
        ca, cb = pair // n, pair % n
        fits = sizes[ca] + sizes[cb] <= max_size
        ca, cb = ca[fits], cb[fits]
        if ca.size == 0:
            break
        # cluster sums: S = C^T X
        indicator = sparse.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(n, n))
        sums = (indicator @ features).tocsr()
        sim = np.asarray(sums[ca].multiply(sums[cb]).sum(axis=1)).ravel()
        sim /= sizes[ca] * sizes[cb]
        good = sim >= threshold
        ca, cb, sim = ca[good], cb[good], sim[good]
        if ca.size == 0:
            break
        # each cluster's best partner: highest similarity, ties by the partner's rank
        ends = np.r_[ca, cb]
        partners = np.r_[cb, ca]
        sims = np.r_[sim, sim]
        order = np.lexsort((rank[partners], -sims, ends))
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
    _, out = np.unique(labels, return_inverse=True)
    return out.ravel().astype(np.int64)
