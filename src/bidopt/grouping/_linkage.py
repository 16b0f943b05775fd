"""Average-linkage clustering on a sparse nearest-neighbour graph, with a size cap.

The graph only limits which merges are considered; the linkage between two clusters is
their true average cosine similarity: with L2-normalised rows it is the dot product of
the clusters' summed vectors over the product of their sizes, kept up to date as
clusters merge.  Memory grows as O(n k), never n^2.
"""

from __future__ import annotations

import heapq

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
    and the merged size <= ``max_size``; best pair first, ties by ``order_key``.

    Returns a cluster id per row (consecutive, by first row).
    """
    n = features.shape[0]
    parent = np.arange(n)
    size = np.ones(n, dtype=np.int64)
    sums = {i: features[i] for i in range(n)}
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    heap: list[tuple[float, int, int, int, int]] = []
    version = np.zeros(n, dtype=np.int64)
    for a, b, s in zip(*edges, strict=True):
        a, b = int(a), int(b)
        neighbours[a].add(b)
        neighbours[b].add(a)
        if s >= threshold:
            ka, kb = sorted((int(order_key[a]), int(order_key[b])))
            heapq.heappush(heap, (-float(s), ka, kb, a, b))
    stamp: dict[tuple[int, int], tuple[int, int]] = {}
    while heap:
        _, _, _, a, b = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b:
            continue  # one side was merged away
        if stamp.get((min(a, b), max(a, b)), (0, 0)) != (version[min(a, b)], version[max(a, b)]):
            continue  # stale similarity
        if size[a] + size[b] > max_size:
            continue
        # merge b into a (keep the smaller order key as the representative)
        if order_key[b] < order_key[a]:
            a, b = b, a
        parent[b] = a
        sums[a] = sums[a] + sums.pop(b)
        size[a] += size[b]
        version[a] += 1
        merged = (neighbours[a] | neighbours.pop(b)) - {a, b}
        neighbours[a] = merged
        for c in merged:
            neighbours[c].discard(b)
            neighbours[c].add(a)
            if size[a] + size[c] > max_size:
                continue
            sim = float(sums[a].multiply(sums[c]).sum()) / (size[a] * size[c])
            if sim >= threshold:
                x, y = min(a, c), max(a, c)
                stamp[(x, y)] = (version[x], version[y])
                ka, kb = sorted((int(order_key[a]), int(order_key[c])))
                heapq.heappush(heap, (-sim, ka, kb, a, c))
    # initial edges carry version (0, 0): valid until either side merges
    roots = np.array([_find(parent, i) for i in range(n)])
    _, labels = np.unique(roots, return_inverse=True)
    return labels.astype(np.int64)


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i
