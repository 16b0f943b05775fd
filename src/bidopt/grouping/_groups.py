"""``group_keywords``: themed ad groups from keyword text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._optional import require_pandas
from bidopt._validation import as_float_array, check_choice, check_scalar
from bidopt.exceptions import InvalidInputError
from bidopt.grouping._features import tfidf_features
from bidopt.grouping._linkage import average_linkage, knn_graph
from bidopt.grouping._normalize import normalize_keywords
from bidopt.typing import IntArray, ObjectArray

__all__ = ["KeywordGroups", "group_keywords"]


@dataclass(frozen=True, slots=True, eq=False)
class KeywordGroups:
    """Keywords grouped into themed ad groups.

    Attributes
    ----------
    keywords : ndarray of object, shape (n_keywords,)
        The keywords as given.
    labels : ndarray of int64, shape (n_keywords,)
        Group of each keyword (0 .. n_groups - 1).
    names : ndarray of object, shape (n_groups,)
        Each group named after its highest-volume keyword.
    sizes : ndarray of int64, shape (n_groups,)
    method : str
    """

    keywords: ObjectArray
    labels: IntArray
    names: ObjectArray
    sizes: IntArray
    method: str

    @property
    def n_groups(self) -> int:
        """Number of groups (singletons included)."""
        return int(self.names.size)

    def members(self, group: int) -> list[str]:
        """The keywords of one group."""
        return [str(k) for k in self.keywords[self.labels == group]]

    def to_frame(self) -> Any:
        """One row per keyword: keyword, group id, group name (needs pandas)."""
        pd = require_pandas("KeywordGroups.to_frame()")
        return pd.DataFrame(
            {"keyword": self.keywords, "group": self.labels, "group_name": self.names[self.labels]}
        )

    def __repr__(self) -> str:
        return (
            f"KeywordGroups(n_keywords={self.keywords.size}, n_groups={self.n_groups}, "
            f"largest={int(self.sizes.max()) if self.sizes.size else 0})"
        )


def group_keywords(
    keywords: Sequence[str],
    *,
    volumes: npt.ArrayLike | None = None,
    blocks: Sequence[Any] | None = None,
    threshold: float = 0.5,
    max_group_size: int = 30,
    n_neighbors: int = 15,
    method: Literal["agglomerative", "dense"] = "agglomerative",
    traditional: bool = False,
    hashing: bool | None = None,
) -> KeywordGroups:
    """Group keywords into themed ad groups by their text.

    Features are TF-IDF of character n-grams (1-3 for Chinese runs, word-boundary 2-4
    for Latin / digit tokens) of the normalised keywords.  ``"agglomerative"`` (the
    default) builds an exact sparse k-nearest-neighbour graph in blocks (memory O(n k))
    and merges clusters along it by true average linkage, best pair first, while the
    average cosine similarity is at least ``threshold`` and the group stays within
    ``max_group_size``; keywords that match nothing stay singletons.  ``"dense"`` is the
    reference: scikit-learn's average-linkage ``AgglomerativeClustering`` on the dense
    cosine distances (small inputs only; no size cap).

    Parameters
    ----------
    keywords : sequence of str
    volumes : array-like of shape (n_keywords,), optional
        Search volume or impressions per keyword, used to name each group after its
        biggest keyword (ties and no volumes: the shortest, then alphabetical).
    blocks : sequence, optional
        A block label per keyword (campaign, category): groups never cross blocks.
    threshold : float, default 0.5
        Least average cosine similarity within a group, in (0, 1].
    max_group_size : int, default 30
        Most keywords per group (themed ad groups hold 20-30).
    n_neighbors : int, default 15
        Neighbours per keyword in the graph.
    method : {"agglomerative", "dense"}
    traditional : bool, default False
        Convert traditional Chinese to simplified first (needs the ``chinese`` extra).
    hashing : bool, optional
        Hash n-grams (bounded memory); by default above 200,000 keywords.

    Returns
    -------
    KeywordGroups

    Raises
    ------
    InvalidInputError
        For empty input, non-strings, or bad parameters.
    """
    if isinstance(keywords, str):
        raise InvalidInputError("`keywords` must be a sequence of strings, not one string.")
    texts = normalize_keywords(list(keywords), traditional=traditional)
    n = len(texts)
    if n == 0:
        raise InvalidInputError("`keywords` is empty: there is nothing to group.")
    name = check_choice(method, "method", ("agglomerative", "dense"))
    sim = check_scalar(threshold, "threshold", lower=0, upper=1, lower_inclusive=False)
    cap = int(check_scalar(max_group_size, "max_group_size", lower=1, integer=True))
    k = int(check_scalar(n_neighbors, "n_neighbors", lower=1, integer=True))
    vol = (
        np.ones(n)
        if volumes is None
        else as_float_array(volumes, "volumes", ndim=1, nonnegative=True)
    )
    if vol.size != n:
        raise InvalidInputError(f"`volumes` must have {n} entries. Got {vol.size}.")
    block = np.zeros(n, dtype=np.int64)
    if blocks is not None:
        block_arr = np.asarray(list(blocks), dtype=object).astype(str)
        if block_arr.size != n:
            raise InvalidInputError(f"`blocks` must have {n} entries. Got {block_arr.size}.")
        block = np.unique(block_arr, return_inverse=True)[1].ravel()
    keyword_arr = np.asarray(list(keywords), dtype=object)
    # content-based order for deterministic tie-breaking, whatever the input order
    order_key = np.empty(n, dtype=np.int64)
    order_key[np.lexsort((np.arange(n), np.array(texts, dtype=object).astype(str)))] = np.arange(n)
    labels = np.full(n, -1, dtype=np.int64)
    next_label = 0
    for b in np.unique(block):
        rows = np.flatnonzero(block == b)
        sub = [texts[i] for i in rows]
        blank = np.array([t == "" for t in sub])
        use_hashing = rows.size > 200_000 if hashing is None else hashing
        if (~blank).sum() > 1:
            nonblank = rows[~blank]
            features, for_graph = tfidf_features([texts[i] for i in nonblank], hashing=use_hashing)
            if name == "dense":
                part = _dense(features, sim)
            else:
                # neighbours on the informative n-grams; pruned similarities are lower
                # than the true ones, so they are filtered loosely, and the linkage
                # below uses the true similarities
                search = features.copy()
                search.data = search.data * for_graph[search.indices]
                search.eliminate_zeros()
                edges = knn_graph(search, k, 0.5 * sim)
                part = average_linkage(features, edges, sim, cap, order_key[nonblank])
            labels[nonblank] = part + next_label
            next_label += int(part.max()) + 1
        elif (~blank).sum() == 1:
            labels[rows[~blank]] = next_label
            next_label += 1
        # blank keywords (nothing left after normalising) each form their own group
        for i in rows[blank]:
            labels[i] = next_label
            next_label += 1
    _, labels = np.unique(labels, return_inverse=True)
    labels = labels.ravel().astype(np.int64)
    sizes = np.bincount(labels).astype(np.int64)
    lengths = np.array([len(t) for t in texts])
    # name: highest volume, then shortest, then alphabetical
    pick = np.lexsort((np.array(texts, dtype=object).astype(str), lengths, -vol, labels))
    first = np.r_[True, labels[pick][1:] != labels[pick][:-1]]
    names = keyword_arr[pick[first]]
    return KeywordGroups(keyword_arr, labels, names.astype(object), sizes, name)


def _dense(features: Any, threshold: float) -> IntArray:
    from sklearn.cluster import AgglomerativeClustering

    if features.shape[0] > 20_000:
        raise InvalidInputError(
            "method='dense' builds an n x n matrix and is for small inputs (<= 20,000 "
            f"keywords); got {features.shape[0]}. Use method='agglomerative'."
        )
    model = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=1.0 - threshold
    )
    return np.asarray(model.fit_predict(features.toarray()), dtype=np.int64)
