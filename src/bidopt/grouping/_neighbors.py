"""Sparse k-nearest-neighbour graphs of L2-normalised TF-IDF rows, in O(n k) memory.

Two searches share one block loop:

* **exact** -- every pair sharing an n-gram of the search columns is scored by a blocked
  sparse product, and the ``k`` most similar are kept per row;
* **approximate** (inverted index on rare n-grams) -- the search product uses only the
  n-grams held by at most ``max_df`` keywords, so that its cost, the sum over n-grams of
  ``df**2``, stays bounded however large the input.  Those partial scores only
  *nominate* ``n_candidates`` per row; the candidates are then scored by their true
  cosine similarity on all features, and the best ``k`` kept.  :func:`neighbor_recall`
  measures what is lost against brute force.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from bidopt.typing import FloatArray, IntArray

__all__ = [
    "NeighborGraph",
    "knn_graph",
    "neighbor_recall",
    "rare_df_cap",
    "row_similarity",
    "with_hub_neighbors",
    "with_sorted_neighbors",
]


@dataclass(frozen=True, slots=True, eq=False)
class NeighborGraph:
    """Edges of a k-nearest-neighbour graph (each row's neighbours, not symmetrised).

    Attributes
    ----------
    rows, cols : ndarray of int64, shape (n_edges,)
        ``cols[e]`` is one of the ``k`` most similar rows of ``rows[e]``.
    similarity : ndarray of float64, shape (n_edges,)
        True cosine similarity of the pair.
    approximate : bool
        Whether candidates were nominated by partial scores (else an exact search).
    max_df : int
        Document-frequency cap of the search columns (``n`` when exact).
    """

    rows: IntArray
    cols: IntArray
    similarity: FloatArray
    approximate: bool
    max_df: int


def rare_df_cap(
    features: sparse.csr_matrix, columns: np.ndarray, work_per_row: float = 3000.0
) -> int:
    """The largest document-frequency cap whose search product stays within
    ``work_per_row`` shared-n-gram incidences per row on average.

    The product of the search matrix with its transpose costs the sum over columns of
    ``df**2``; columns are admitted rarest first until that sum reaches
    ``work_per_row * n``.  At least 2 (a pair must be able to share an n-gram).
    """
    n = features.shape[0]
    df = np.bincount(sparse.csr_matrix(features).indices, minlength=features.shape[1])
    df = np.sort(df[columns & (df > 1)])
    cost = np.cumsum(df.astype(np.float64) ** 2)
    fits = np.searchsorted(cost, work_per_row * n, side="right")
    if fits == 0:
        return 2
    if fits >= df.size:
        return int(df[-1]) if df.size else 2
    return max(int(df[fits - 1]), 2)


#: Entries per row above which :func:`_top_per_row` first drops, per row, the entries
#: below the value bin holding its ``k``-th largest (they cannot be among the ``k``).
_PREFILTER = 64
_BINS = 256


def _within_kth_bin(rows: IntArray, vals: FloatArray, n_rows: int, k: int) -> np.ndarray:
    """Mask of the entries whose value bin (``_BINS`` equal bins over the values' range)
    is at or above the bin holding their row's ``k``-th largest value (all of a row with
    ``k`` entries or fewer).  An entry in a lower bin has at least ``k`` strictly larger
    values in its row, so the ``k`` largest of every row are kept, ties included; the
    bin is monotone in the value, so no rounding can reorder them."""
    lo = float(vals.min())
    width = (float(vals.max()) - lo) / _BINS or 1.0
    # bins numbered from the top (0: the largest values)
    top = (_BINS - 1) - np.minimum(((vals - lo) / width).astype(np.int64), _BINS - 1)
    table = np.bincount(rows * _BINS + top, minlength=n_rows * _BINS).reshape(n_rows, _BINS)
    reached = np.cumsum(table, axis=1) >= k
    last = np.where(reached[:, -1], np.argmax(reached, axis=1), _BINS - 1)
    return np.asarray(top <= last[rows])


def _top_per_row(
    rows: IntArray, cols: IntArray, vals: FloatArray, n_rows: int, k: int
) -> tuple[IntArray, IntArray, FloatArray]:
    """The ``k`` largest ``vals`` of each row (rows are 0..n_rows-1, any order).

    One float sort: rows are whole numbers apart and the value ranks within a row as a
    fraction of 1.  Ties are broken by the sort (deterministic for the same input).
    Above ``_PREFILTER`` entries per row on average, the sort only sees the entries
    :func:`_within_kth_bin` keeps (the same rows and values come out, in the same order).
    """
    counts = np.bincount(rows, minlength=n_rows)
    if rows.size == 0 or counts.max() <= k:
        return rows, cols, vals
    if rows.size > _PREFILTER * n_rows:
        keep = _within_kth_bin(rows, vals, n_rows, k)
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
        counts = np.bincount(rows, minlength=n_rows)
    span = float(vals.max() - vals.min()) or 1.0
    key = rows + 0.5 * (vals.max() - vals) / span
    order = np.argsort(key)
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.cumsum(counts) - counts
    rank = np.arange(rows.size) - np.repeat(starts, counts)
    keep = rank < k
    return rows[keep], cols[keep], vals[keep]


def row_similarity(features: sparse.csr_matrix, a: IntArray, b: IntArray) -> FloatArray:
    """Dot products of rows ``a[e]`` and ``b[e]`` of a CSR matrix."""
    if a.size == 0:
        return np.zeros(0)
    return np.asarray(features[a].multiply(features[b]).sum(axis=1), dtype=np.float64).ravel()


def knn_graph(
    features: sparse.csr_matrix,
    k: int,
    min_similarity: float,
    *,
    search_columns: np.ndarray | None = None,
    max_df: int | None = None,
    n_candidates: int | None = None,
    block: int = 2048,
) -> NeighborGraph:
    """The ``k`` most similar other rows of every row, with similarity >= ``min_similarity``.

    Parameters
    ----------
    features : sparse matrix, shape (n, n_features)
        L2-normalised, non-negative rows (TF-IDF).
    k : int
        Neighbours per row.
    min_similarity : float
        Pairs below this cosine similarity are not edges.
    search_columns : ndarray of bool, shape (n_features,), optional
        Columns that may nominate neighbours (default all); similarities are always on
        all columns.
    max_df : int, optional
        Only columns held by at most ``max_df`` rows nominate candidates (the rare
        n-gram index).  The search is exact only without ``max_df`` and
        ``search_columns``; otherwise partial scores nominate candidates.
    n_candidates : int, optional
        Candidates per row re-scored by true similarity when the search is not exact
        (default ``max(100, 4 * k)``).
    block : int, default 2048
        Rows per sparse product (memory: about ``block`` x candidates per row).

    Returns
    -------
    NeighborGraph
    """
    features = sparse.csr_matrix(features)
    n, n_features = features.shape
    columns = np.ones(n_features, dtype=bool) if search_columns is None else search_columns
    if max_df is not None:
        df = np.bincount(features.indices, minlength=n_features)
        columns = columns & (df <= max_df)
    exact_scores = max_df is None and bool(columns.all())
    approximate = not exact_scores
    search, rest = features, None
    if not columns.all():
        # the search columns, and the rest: true similarity = partial score + rest's dot
        keep = columns[features.indices]
        search, rest = features.copy(), features.copy()
        search.data = search.data * keep
        rest.data = rest.data * ~keep
        search.eliminate_zeros()
        rest.eliminate_zeros()
    transposed = search.T.tocsr()
    nominate = n_candidates or max(100, 4 * k)
    # exact scores are filtered at once; partial scores (search columns only, at most
    # the true ones) nominate candidates, from a quarter of the least similarity up
    floor = min_similarity if exact_scores else 0.25 * min_similarity
    out_rows, out_cols, out_sims = [], [], []
    for start in range(0, n, block):
        stop = min(start + block, n)
        product = (search[start:stop] @ transposed).tocsr()
        counts = np.diff(product.indptr)
        r = np.repeat(np.arange(stop - start, dtype=np.int64), counts)
        c = product.indices.astype(np.int64)
        v = product.data
        keep = (c != r + start) & (v >= floor) & (v > 0)
        r, c, v = r[keep], c[keep], v[keep]
        if not exact_scores:
            r, c, v = _top_per_row(r, c, v, stop - start, nominate)
            if rest is not None:  # (else the search had every column: v is true)
                v = v + row_similarity(rest, r + start, c)
            keep = v >= min_similarity
            r, c, v = r[keep], c[keep], v[keep]
        r, c, v = _top_per_row(r, c, v, stop - start, k)
        out_rows.append(r + start)
        out_cols.append(c)
        out_sims.append(v)
    return NeighborGraph(
        rows=np.concatenate(out_rows) if out_rows else np.zeros(0, np.int64),
        cols=np.concatenate(out_cols) if out_cols else np.zeros(0, np.int64),
        similarity=np.concatenate(out_sims) if out_sims else np.zeros(0),
        approximate=approximate,
        max_df=int(max_df) if max_df is not None else n,
    )


def neighbor_recall(
    features: sparse.csr_matrix,
    graph: NeighborGraph,
    k: int,
    min_similarity: float,
    *,
    sample: int = 500,
    rng: np.random.Generator | None = None,
) -> float:
    """recall@k of ``graph`` against brute force on a sample of rows.

    For each sampled row, the true neighbours are its ``k`` most similar rows with
    similarity >= ``min_similarity`` (brute force on all rows); a found neighbour counts
    when its similarity reaches the ``k``-th true similarity (so ties do not count as
    misses).  Returns hits / true neighbours over the sample (1.0 if none).
    """
    features = sparse.csr_matrix(features)
    n = features.shape[0]
    gen = rng if rng is not None else np.random.default_rng(0)
    rows = np.sort(gen.choice(n, size=min(sample, n), replace=False))
    exact = (features[rows] @ features.T).toarray()
    exact[np.arange(rows.size), rows] = -np.inf
    kth = -np.partition(-exact, min(k, n - 1) - 1, axis=1)[:, min(k, n - 1) - 1]
    level = np.maximum(kth, min_similarity) - 1e-12
    n_true = np.minimum((exact >= min_similarity).sum(axis=1), k)
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    picked = position[graph.rows] >= 0
    p = position[graph.rows[picked]]
    found = exact[p, graph.cols[picked]] >= level[p]
    hits = np.minimum(np.bincount(p[found], minlength=rows.size), n_true)
    total = int(n_true.sum())
    return float(hits.sum() / total) if total else 1.0


def with_sorted_neighbors(
    graph: NeighborGraph,
    features: sparse.csr_matrix,
    keys: IntArray,
    order: IntArray,
    width: int,
    min_similarity: float,
) -> NeighborGraph:
    """``graph`` plus the pairs of rows within ``width`` places of each other in
    ``order`` that share a ``keys`` value (a sorted neighbourhood), scored by true
    similarity and kept from ``min_similarity`` up.

    A feature held by very many rows (a common product word) cannot nominate through
    the rare-feature index; sorting the rows that hold it (by their text, so that
    variants of one keyword sit together) and pairing each with the next few gives
    every row candidates among them in O(n * width).
    """
    ordered_keys = keys[order]

    def pairs() -> Iterator[tuple[IntArray, IntArray]]:
        for offset in range(1, width + 1):
            same = ordered_keys[:-offset] == ordered_keys[offset:]
            yield order[:-offset][same], order[offset:][same]

    return _with_pairs(graph, features, pairs(), min_similarity)


def with_hub_neighbors(
    graph: NeighborGraph,
    features: sparse.csr_matrix,
    keys: IntArray,
    order: IntArray,
    width: int,
    min_similarity: float,
) -> NeighborGraph:
    """``graph`` plus the pairs of every row with the first ``width`` rows of its
    ``keys`` value in ``order`` (its hubs), scored by true similarity and kept from
    ``min_similarity`` up.

    With ``order`` putting the plainest rows first (fewest features: the bare product
    word), every keyword meets the plain keywords of its product, its nearest
    neighbours once its own variant (a model number, a brand) has few keywords; a
    sorted neighbourhood alone places them far apart.  O(n * width).
    """
    ordered = keys[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    first = np.full(int(keys.max()) + 1 if keys.size else 0, -1, dtype=np.int64)
    first[ordered[starts]] = starts
    sizes = np.diff(np.r_[starts, ordered.size])
    size_of = np.zeros_like(first)
    size_of[ordered[starts]] = sizes

    def pairs() -> Iterator[tuple[IntArray, IntArray]]:
        for h in range(width):
            a = np.flatnonzero(size_of[keys] > h)
            b = order[first[keys[a]] + h]
            keep = a != b
            yield a[keep], b[keep]

    return _with_pairs(graph, features, pairs(), min_similarity)


def _with_pairs(
    graph: NeighborGraph,
    features: sparse.csr_matrix,
    pairs: Iterable[tuple[IntArray, IntArray]],
    min_similarity: float,
) -> NeighborGraph:
    """``graph`` plus the candidate pairs ``(a, b)`` (row arrays, both directions added),
    scored by true similarity and kept from ``min_similarity`` up."""
    rows, cols = [graph.rows], [graph.cols]
    sims = [graph.similarity]
    for a, b in pairs:
        v = row_similarity(features, a, b)
        keep = v >= min_similarity
        rows += [a[keep], b[keep]]
        cols += [b[keep], a[keep]]
        sims += [v[keep], v[keep]]
    return NeighborGraph(
        rows=np.concatenate(rows),
        cols=np.concatenate(cols),
        similarity=np.concatenate(sims),
        approximate=graph.approximate,
        max_df=graph.max_df,
    )
