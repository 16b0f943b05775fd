"""``group_keywords``: themed ad groups from keyword text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from bidopt._optional import require_pandas
from bidopt._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_random_state,
    check_scalar,
    missing_mask,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.grouping._features import tfidf_features
from bidopt.grouping._linkage import average_linkage
from bidopt.grouping._neighbors import NeighborGraph, knn_graph, rare_df_cap
from bidopt.grouping._normalize import normalize_keywords
from bidopt.typing import FloatArray, IntArray, ObjectArray, RandomState

__all__ = ["EXACT_LIMIT", "KeywordGroups", "group_keywords", "neighbor_graph"]

#: Blocks with more keywords than this search neighbours through the rare-n-gram index
#: (n-grams held by few keywords nominate candidates) instead of all informative ones.
EXACT_LIMIT = 5_000


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
    blocks: Sequence[Any] | npt.NDArray[Any] | None = None,
    threshold: float = 0.5,
    max_group_size: int = 30,
    n_neighbors: int = 15,
    method: Literal["agglomerative", "dense"] = "agglomerative",
    traditional: bool = False,
    hashing: bool | None = None,
    profiles: npt.ArrayLike | None = None,
    profile_weight: float = 0.3,
    rng: RandomState = None,
) -> KeywordGroups:
    """Group keywords into themed ad groups by their text.

    Features are TF-IDF of character n-grams (1-3 for Chinese runs, word-boundary 2-4
    for Latin / digit tokens) of the normalised keywords.  ``"agglomerative"`` (the
    default) builds an exact sparse k-nearest-neighbour graph in blocks (memory O(n k))
    and merges clusters along it by true average linkage, best pair first, while the
    average cosine similarity is at least ``threshold`` and the group stays within
    ``max_group_size``; keywords that match nothing stay singletons, and keywords
    with no text left after normalising (emoji, punctuation) share groups of at most
    ``max_group_size``.  ``"dense"`` is the
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
    profiles : array-like of shape (n_keywords, n_metrics), optional
        Performance profile per keyword (e.g. pooled CTR, CVR and log CPC), for bid
        groups: keywords that read alike *and* perform alike.  Each metric is
        standardised, each row L2-normalised, and the similarity of two keywords becomes
        ``(1 - profile_weight) * text + profile_weight * profile`` cosine similarity.
        Text still nominates the neighbours (keywords sharing no n-gram never meet).
    profile_weight : float, default 0.3
        Weight of the profile similarity, in [0, 1).
    rng : int or numpy.random.Generator, optional
        Breaks ties between equally similar merges: by a random order of the distinct
        keyword texts drawn from ``rng``; by default alphabetically.  Either way the
        result depends on the keywords' content, not on their input order, and the same
        ``rng`` gives the same groups.  Nothing else in the method is random.

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
    if not isinstance(keywords, Iterable):
        raise InvalidInputError(
            f"`keywords` must be a sequence of strings. Got {short_repr(keywords)} instead."
        )
    hashing = check_bool(hashing, "hashing", allow_none=True)
    keywords = list(keywords)  # (once: an iterator is read a single time)
    texts = normalize_keywords(keywords, traditional=traditional)
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
        block_obj = np.asarray(list(blocks), dtype=object)
        missing = np.flatnonzero(missing_mask(block_obj).ravel()).tolist()
        if missing:
            raise InvalidInputError(
                f"`blocks` must give every keyword a block label. Got "
                f"{block_obj.ravel()[missing[0]]!r} for keyword {missing[0]} "
                f"({len(missing)} missing)."
            )
        block_arr = block_obj.astype(str)
        if block_arr.size != n:
            raise InvalidInputError(f"`blocks` must have {n} entries. Got {block_arr.size}.")
        block = np.unique(block_arr, return_inverse=True)[1].ravel()
    profile_rows = None
    weight = check_scalar(profile_weight, "profile_weight", lower=0, upper=1, upper_inclusive=False)
    if profiles is not None:
        profile_rows = _profile_rows(profiles, n, weight)
        if name == "dense":
            raise InvalidInputError("`profiles` needs method='agglomerative'.")
    keyword_arr = np.asarray(keywords, dtype=object)
    # content-based order for deterministic tie-breaking, whatever the input order
    text_arr = np.array(texts, dtype=object).astype(str)
    if rng is None:
        content = text_arr  # alphabetical
    else:
        unique, inverse = np.unique(text_arr, return_inverse=True)
        content = check_random_state(rng).permutation(unique.size)[inverse.ravel()]
    order_key = np.empty(n, dtype=np.int64)
    order_key[np.lexsort((np.arange(n), content))] = np.arange(n)
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
            if profile_rows is not None:
                features, for_graph = _with_profiles(
                    features, for_graph, profile_rows[nonblank], weight
                )
            if name == "dense":
                part = _dense(features, sim)
            else:
                # pairs down to half the threshold are linkage candidates (average
                # linkage can still join them through their clusters)
                graph = neighbor_graph(
                    features, for_graph, k, 0.5 * sim, text_only=profile_rows is None
                )
                edges = (graph.rows, graph.cols, graph.similarity)  # deduplicated there
                part = average_linkage(features, edges, sim, cap, order_key[nonblank])
            labels[nonblank] = part + next_label
            next_label += int(part.max()) + 1
        elif (~blank).sum() == 1:
            labels[rows[~blank]] = next_label
            next_label += 1
        # blank keywords (nothing left after normalising: emoji, punctuation) read
        # alike, as nothing: they share groups of at most `max_group_size`, with equal
        # keywords next to each other
        empty = rows[blank]
        if empty.size:
            raw = np.array([str(keyword_arr[i]) for i in empty], dtype=object).astype(str)
            order = np.lexsort((empty, raw))
            empty, raw = empty[order], raw[order]
            # runs of equal keywords, packed whole into groups while they fit
            starts = np.flatnonzero(np.r_[True, raw[1:] != raw[:-1]])
            runs = np.diff(np.r_[starts, empty.size])
            size = 0
            for start, length in zip(starts.tolist(), runs.tolist(), strict=True):
                for offset in range(0, int(length), cap):
                    chunk = min(cap, int(length) - offset)
                    if size == 0 or size + chunk > cap:
                        next_label += int(size > 0)
                        size = 0
                    labels[empty[start + offset : start + offset + chunk]] = next_label
                    size += chunk
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


def neighbor_graph(
    features: sparse.csr_matrix,
    informative: np.ndarray,
    k: int,
    min_similarity: float,
    *,
    text_only: bool = True,
) -> NeighborGraph:
    """The neighbour graph :func:`group_keywords` builds for one block.

    Exact up to :data:`EXACT_LIMIT` keywords (with performance profiles, text nominates
    and all features score); above, the rare-n-gram index: informative n-grams held by
    at most :func:`rare_df_cap` keywords nominate 100 candidates per keyword (150 above
    50,000 keywords, where the index prunes more), scored by true similarity.
    """
    n = features.shape[0]
    if n <= EXACT_LIMIT and text_only:
        return knn_graph(features, k, min_similarity)
    if n <= EXACT_LIMIT:
        return knn_graph(features, k, min_similarity, search_columns=informative)
    return knn_graph(
        features,
        k,
        min_similarity,
        search_columns=informative,
        max_df=rare_df_cap(features, informative),
        n_candidates=max(100 if n <= 50_000 else 150, 6 * k),
    )


def _profile_rows(profiles: npt.ArrayLike, n: int, weight: float) -> FloatArray:
    """Standardised (per metric), L2-normalised (per keyword) performance profiles."""
    values = as_float_array(profiles, "profiles", ndim=2)
    if values.shape[0] != n:
        raise InvalidInputError(
            f"`profiles` must have one row per keyword ({n}). Got {values.shape[0]} rows."
        )
    spread = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    return np.asarray(z / np.where(norm > 0, norm, 1.0), dtype=np.float64)


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
