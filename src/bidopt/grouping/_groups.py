"""``group_keywords``: themed ad groups from keyword text."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from bidopt._progress import logged, step
from bidopt._validation import (
    as_float_array,
    check_bool,
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
    missing_mask,
    short_repr,
)
from bidopt.exceptions import InvalidInputError
from bidopt.grouping._block import (
    EXACT_LIMIT,
    RARE_WORK,
    SORTED_WIDTH,
    BlockSettings,
    BlockTask,
    group_block,
    neighbor_graph,
)
from bidopt.grouping._features import ROLE_WEIGHTS
from bidopt.grouping._normalize import keyword_list, normalize_keywords
from bidopt.grouping._result import KeywordGroups
from bidopt.grouping._themes import group_names_and_themes
from bidopt.grouping._tokens import KeywordRoles, keyword_roles
from bidopt.typing import FloatArray, IntArray, RandomState

__all__ = [
    "DEFAULT_OPTIONS",
    "EXACT_LIMIT",
    "RARE_WORK",
    "SORTED_WIDTH",
    "KeywordGroups",
    "group_keywords",
    "neighbor_graph",
]

#: ``options`` of :func:`group_keywords` and their defaults.
DEFAULT_OPTIONS: Mapping[str, Any] = {
    "features": "words",
    "weights": None,
    "smoothing": 0,
    "smoothing_weight": 0.3,
    "n_neighbors": 15,
    "hashing": None,
}


@logged("group_keywords")
def group_keywords(
    keywords: Sequence[str],
    *,
    volumes: npt.ArrayLike | None = None,
    blocks: Sequence[Any] | npt.NDArray[Any] | None = None,
    threshold: float = 0.2,
    max_group_size: int = 30,
    method: Literal["agglomerative", "dense"] = "agglomerative",
    traditional: bool | None = None,
    profiles: npt.ArrayLike | None = None,
    profile_weight: float = 0.3,
    options: Mapping[str, Any] | None = None,
    rng: RandomState = None,
    client: Any = None,
) -> KeywordGroups:
    """Group keywords into themed ad groups by their text, and the groups into themes.

    Each normalised keyword is split into words (jieba for Chinese, when installed) and
    each word gets a role (:mod:`bidopt.grouping._tokens`): the **product word** (the
    head of the noun phrase: "吸顶灯", "chair") dominates the features; qualifiers
    (other words, such as a Chinese brand or a use) count less; Latin brands and model
    numbers count only paired with the product word, so a brand alone never binds two
    products; numbers with units, audience, colour and size words, and places, rooms
    and uses (客厅, 厨房, 车载) where another word names the product (吊灯客厅 is a
    吊灯), are light attributes; shopping modifiers (价格, 哪个好, 包邮, 旗舰店, 同款
    ...) are dropped.

    ``"agglomerative"`` (the default) builds an exact sparse k-nearest-neighbour graph
    in blocks (memory O(n k); above :data:`EXACT_LIMIT` keywords per block, a
    rare-feature index nominates the candidates) and merges clusters along it by true
    average linkage, best pair first, while the average cosine similarity is at least
    ``threshold`` and the group stays within ``max_group_size``; keywords that match
    nothing stay singletons, and keywords with no text left after normalising (emoji,
    punctuation) share groups of at most ``max_group_size``.  ``"dense"`` is the
    reference: scikit-learn's average-linkage ``AgglomerativeClustering`` on the dense
    cosine distances of the same features (small inputs only; no size cap: a
    ``UserWarning`` names the groups above ``max_group_size``).

    Without jieba, Chinese runs are not segmented: each run is one word (a
    ``UserWarning`` says so once), and the product word's character bigrams still let
    keywords meet.

    Parameters
    ----------
    keywords : sequence of str
    volumes : array-like of shape (n_keywords,), optional
        Search volume or impressions per keyword: the words of the biggest keywords
        weigh most when a group's product word is chosen (no volumes: all equal).
    blocks : sequence, optional
        A block label per keyword (campaign, category): groups never cross blocks.
    threshold : float, default 0.2
        Least average cosine similarity within a group, in (0, 1].
    max_group_size : int, default 30
        Most keywords per group (themed ad groups hold 20-30).
    method : {"agglomerative", "dense"}
    traditional : bool or None, default None
        How traditional Chinese becomes simplified first, as in
        :func:`~bidopt.grouping.normalize_keywords`: None, character by character when
        the ``chinese`` extra is installed; True, OpenCC's full conversion; False, not.
    profiles : array-like of shape (n_keywords, n_metrics), optional
        Performance profile per keyword (e.g. pooled CTR, CVR and log CPC), for bid
        groups: keywords that read alike *and* perform alike.  Each metric is
        standardised, each row L2-normalised, and the similarity of two keywords becomes
        ``(1 - profile_weight) * text + profile_weight * profile`` cosine similarity.
        Text still nominates the neighbours (keywords sharing no feature never meet).
    profile_weight : float, default 0.3
        Weight of the profile similarity, in [0, 1).
    options : mapping, optional
        Feature and search knobs (defaults in :data:`DEFAULT_OPTIONS`); an unknown key
        raises:

        * ``"features"`` -- ``"words"`` (role-weighted words, the default) or
          ``"ngrams"`` (TF-IDF of character n-grams: 1-3 for Chinese runs,
          word-boundary 2-4 for Latin / digit tokens, the features of bidopt <= 0.x);
        * ``"weights"`` -- mapping of role to weight, over
          :data:`bidopt.grouping._features.ROLE_WEIGHTS` (``"words"`` only);
          ``{"qualifier_product": 0.0}`` stops a qualifier from meeting the same word
          as another keyword's product word (三轮车 of "宝宝三轮车围栏" and of
          "电动三轮车"): fewer groups, fewer of them mixed, and a keyword whose product
          word was misread ("冲锋衣抓绒") no longer meets its product's keywords;
          ``{"head": 0.5}`` lets a compound product word (长筒靴) meet its head where
          other keywords name the head alone (靴子): more keywords grouped, and
          different products sharing a head (拉拉裤 / 秋裤 / 裤子) joined too (off by
          default);
        * ``"smoothing"`` -- int, default 0: the number of truncated-SVD components of
          the block's feature matrix learnt from the keywords themselves; their cosine
          similarity is mixed in with weight ``"smoothing_weight"`` (default 0.3), so
          that words used alike (手机壳 / 手机套) meet without a dictionary.  Text
          features still nominate the neighbours;
        * ``"n_neighbors"`` -- int, default 15: neighbours per keyword in the graph;
        * ``"hashing"`` -- bool or None: hash the n-grams (bounded memory) of
          ``"ngrams"`` features; by default above 200,000 keywords per block.
    rng : int or numpy.random.Generator, optional
        Breaks ties between equally similar merges: by a random order of the distinct
        keyword texts drawn from ``rng``; by default alphabetically.  Either way the
        result depends on the keywords' content, not on their input order, and the same
        ``rng`` gives the same groups.  Nothing else in the method is random.
    client : distributed.Client, optional
        Run each block's features, neighbour graph and linkage on the Dask workers of
        this client (``pip install bidopt[cluster]``), block by block; the driver
        prepares the blocks and names the groups and themes as without a client, so
        the result is the in-process one, field for field.  Only blocks spread the
        work: without ``blocks`` there is one.

    Returns
    -------
    KeywordGroups

    Raises
    ------
    InvalidInputError
        For empty input, non-strings, or bad parameters.

    Examples
    --------
    >>> groups = group_keywords(["花王湿巾", "花王湿巾包邮", "哪个好花王湿巾", "花王奶粉"])
    >>> groups.names[groups.labels].tolist()
    ['花王湿巾', '花王湿巾', '花王湿巾', '花王奶粉']
    """
    keywords = keyword_list(keywords)  # (once: an iterator is read a single time)
    opts = check_options(options, DEFAULT_OPTIONS, method=str(method))
    features_kind = check_choice(opts["features"], "features", ("words", "ngrams"))
    hashing = check_bool(opts["hashing"], "hashing", allow_none=True)
    k = int(check_scalar(opts["n_neighbors"], "n_neighbors", lower=1, integer=True))
    n_components = int(check_scalar(opts["smoothing"], "smoothing", lower=0, integer=True))
    smooth_weight = check_scalar(
        opts["smoothing_weight"], "smoothing_weight", lower=0, upper=1, upper_inclusive=False
    )
    weights = _check_weights(opts["weights"])
    texts = normalize_keywords(keywords, traditional=traditional)
    n = len(texts)
    step("normalised %s keywords", f"{n:,}")
    if n == 0:
        raise InvalidInputError(
            "`keywords` must hold at least one keyword. Got an empty sequence instead."
        )
    name = check_choice(method, "method", ("agglomerative", "dense"))
    sim = check_scalar(threshold, "threshold", lower=0, upper=1, lower_inclusive=False)
    cap = int(check_scalar(max_group_size, "max_group_size", lower=1, integer=True))
    vol = (
        np.ones(n)
        if volumes is None
        else as_float_array(volumes, "volumes", ndim=1, nonnegative=True)
    )
    if vol.size != n:
        raise InvalidInputError(
            f"`volumes` must have one entry per keyword ({n}). Got {vol.size} instead."
        )
    block = np.zeros(n, dtype=np.int64)
    if blocks is not None:
        block_obj = np.asarray(list(blocks), dtype=object)
        missing = np.flatnonzero(missing_mask(block_obj).ravel()).tolist()
        if missing:
            raise InvalidInputError(
                f"`blocks` must give every keyword a block label. Got "
                f"{block_obj.ravel()[missing[0]]!r} for keyword {missing[0]} instead "
                f"({len(missing)} missing)."
            )
        block_arr = block_obj.astype(str)
        if block_arr.size != n:
            raise InvalidInputError(
                f"`blocks` must have one label per keyword ({n}). Got {block_arr.size} instead."
            )
        block = np.unique(block_arr, return_inverse=True)[1].ravel()
    profile_rows = None
    weight = check_scalar(profile_weight, "profile_weight", lower=0, upper=1, upper_inclusive=False)
    if profiles is not None:
        profile_rows = _profile_rows(profiles, n, weight)
        if name == "dense":
            raise InvalidInputError(
                "`profiles` must be None with method='dense' (profiles need "
                "method='agglomerative'). Got an array instead."
            )
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
    settings = BlockSettings(
        features=features_kind,
        weights=weights,
        n_neighbors=k,
        smoothing=n_components,
        smoothing_weight=smooth_weight,
        profile_weight=weight,
        method=name,
        threshold=sim,
        max_group_size=cap,
    )
    # each block's rows, its blank keywords, and the rest in content order: features,
    # neighbours and ties are then the same whatever the input order
    blocks_rows: list[tuple[IntArray, npt.NDArray[np.bool_], IntArray]] = []
    tasks: list[BlockTask] = []
    for b in np.unique(block):
        rows = np.flatnonzero(block == b)
        blank = np.array([texts[i] == "" for i in rows])
        nonblank = rows[~blank]
        nonblank = nonblank[np.argsort(order_key[nonblank], kind="stable")]
        blocks_rows.append((rows, blank, nonblank))
        if nonblank.size > 1:
            tasks.append(
                BlockTask(
                    texts=[texts[i] for i in nonblank],
                    order_key=order_key[nonblank],
                    profiles=None if profile_rows is None else profile_rows[nonblank],
                    hashing=rows.size > 200_000 if hashing is None else hashing,
                )
            )
    if client is None:
        outcomes = [group_block(task, settings) for task in tasks]
    else:  # the same step, block by block on the Dask workers
        from bidopt.grouping._distributed import map_blocks

        outcomes = map_blocks(client, group_block, tasks, settings)
    labels = np.full(n, -1, dtype=np.int64)
    next_label = 0
    roles: list[KeywordRoles | None] = [None] * n
    done = iter(outcomes)
    for rows, blank, nonblank in blocks_rows:
        if nonblank.size > 1:
            part, block_roles = next(done)
            if block_roles is not None:
                for i, r in zip(nonblank.tolist(), block_roles, strict=True):
                    roles[i] = r
            labels[nonblank] = part + next_label
            next_label += int(part.max()) + 1
        elif nonblank.size == 1:
            labels[nonblank] = next_label
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
    if name == "dense" and sizes.max() > cap:
        warnings.warn(
            f"`max_group_size`={cap} is not enforced by method='dense' (scikit-learn's "
            f"average linkage, the reference, has no size cap): {int((sizes > cap).sum())} "
            f"groups hold more, the largest {int(sizes.max())} keywords. Use "
            "method='agglomerative' for groups within the cap.",
            UserWarning,
            stacklevel=3,
        )
    # fallback name (blank keywords): the highest-volume keyword, then the shortest,
    # then alphabetical
    lengths = np.array([len(t) for t in texts])
    pick = np.lexsort((text_arr, lengths, -vol, labels))
    first = np.r_[True, labels[pick][1:] != labels[pick][:-1]]
    fallback = keyword_arr[pick[first]].astype(object)
    filled = [r if r is not None else keyword_roles(t) for r, t in zip(roles, texts, strict=True)]
    # each keyword's say in its group's name: its volume, ties to the earlier in content
    # order (a tiny term that never outweighs a difference in volume)
    say = vol + 1e-9 * (1.0 - order_key / max(n, 1))
    names, themes, theme_names = group_names_and_themes(filled, labels, say, fallback)
    return KeywordGroups(keyword_arr, labels, names, sizes, name, themes, theme_names)


def _profile_rows(profiles: npt.ArrayLike, n: int, weight: float) -> FloatArray:
    """Standardised (per metric), L2-normalised (per keyword) performance profiles."""
    values = as_float_array(profiles, "profiles", ndim=2)
    if values.shape[0] != n:
        raise InvalidInputError(
            f"`profiles` must have one row per keyword ({n}). Got {values.shape[0]} rows instead."
        )
    spread = values.std(axis=0)
    z = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    norm = np.linalg.norm(z, axis=1, keepdims=True)
    return np.asarray(z / np.where(norm > 0, norm, 1.0), dtype=np.float64)


def _check_weights(weights: object) -> dict[str, float] | None:
    """The ``"weights"`` option: None, or a mapping of known roles to weights >= 0."""
    if weights is None:
        return None
    if not isinstance(weights, Mapping):
        raise InvalidInputError(
            "`options['weights']` must be a mapping of role to weight or None. "
            f"Got {short_repr(weights)} instead."
        )
    unknown = sorted(set(weights) - set(ROLE_WEIGHTS))
    if unknown:
        raise InvalidInputError(
            f"`options['weights']` must have keys among {sorted(ROLE_WEIGHTS)}. "
            f"Got {unknown} instead."
        )
    return {
        str(role): check_scalar(value, f"options['weights']['{role}']", lower=0)
        for role, value in weights.items()
    }
