"""Landscapes and plans as partitioned Parquet datasets (pyarrow), read lazily.

A dataset is a directory with one Parquet file per partition (an account or a
campaign: ``<name>=<label>/part.parquet``) and a manifest ``_bidopt.json`` that lists
the partitions in keyword order.  Each row is a keyword: its text and one fixed-size
list of ``n_levels`` doubles per metric (bids, clicks, cost, and conversions, revenue,
impressions when the landscape has them).  A partition is read on its own, so a Dask
worker reads only its partitions (see ``optimize_bids(client=...)``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bidopt._dask import require_pyarrow
from bidopt._validation import check_scalar, frozen, new_directory, short_repr
from bidopt.exceptions import InvalidInputError
from bidopt.landscape._landscape import BidLandscape

__all__ = [
    "LandscapeDataset",
    "read_landscape_parquet",
    "write_landscape_parquet",
    "write_landscape_partitions",
    "write_plan_parquet",
]

_MANIFEST = "_bidopt.json"
_METRICS = ("bids", "clicks", "cost", "conversions", "revenue", "impressions")


def _labels(partition_by: Any, n: int) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Partition labels in order of first appearance, and each keyword's partition."""
    labels = np.asarray(partition_by, dtype=object)
    if labels.shape != (n,):
        raise InvalidInputError(
            f"`partition_by` must have shape ({n},), one label per keyword. Got "
            f"{short_repr(partition_by)} instead."
        )
    index: dict[Any, int] = {}
    codes = np.array([index.setdefault(v, len(index)) for v in labels.tolist()], dtype=np.int64)
    return list(index), codes


def _safe(label: Any) -> str:
    text = str(label)
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text) or "_"


def write_landscape_parquet(
    landscape: BidLandscape,
    path: str | Path,
    *,
    partition_by: npt.ArrayLike | None = None,
    n_partitions: int | None = None,
    name: str = "campaign",
) -> LandscapeDataset:
    """Write a landscape as a partitioned Parquet dataset.

    Parameters
    ----------
    landscape : BidLandscape
        The keywords to write (``n_keywords`` rows of ``n_levels`` levels).
    path : str or Path
        Directory to create (it must not exist or be empty).
    partition_by : array-like of shape (n_keywords,), optional
        A label per keyword (account or campaign): one partition per label, in order of
        first appearance; the keywords of a partition keep their order.
    n_partitions : int, optional
        Without ``partition_by``: this many consecutive blocks of about equal size (1 by
        default).
    name : str, default "campaign"
        What a label is, used in the partition directories' names (``campaign=<label>``).

    Returns
    -------
    LandscapeDataset
        The dataset written (nothing is read back).
    """
    if not isinstance(landscape, BidLandscape):
        raise InvalidInputError(
            f"`landscape` must be a BidLandscape. Got {type(landscape).__name__} instead."
        )
    n = landscape.n_keywords
    if partition_by is not None:
        labels, codes = _labels(partition_by, n)
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(labels) + 1))
    else:
        parts = 1 if n_partitions is None else n_partitions
        if not isinstance(parts, int) or isinstance(parts, bool) or parts < 1:
            raise InvalidInputError(f"`n_partitions` must be an int >= 1. Got {parts!r} instead.")
        labels = list(range(parts))
        order = np.arange(n)
        bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    blocks = (order[bounds[i] : bounds[i + 1]] for i in range(len(labels)))
    return write_landscape_partitions(
        (landscape.take(rows) for rows in blocks if rows.size),
        path,
        labels=[lab for i, lab in enumerate(labels) if bounds[i + 1] > bounds[i]],
        name=name,
    )


def write_landscape_partitions(
    partitions: Iterable[BidLandscape],
    path: str | Path,
    *,
    labels: Sequence[Any] | None = None,
    name: str = "campaign",
) -> LandscapeDataset:
    """Write partitions one by one (each read, or built, only when its turn comes).

    Parameters
    ----------
    partitions : iterable of BidLandscape
        The partitions in keyword order, all with the same number of levels.
    path : str or Path
        Directory to create (new or empty).
    labels : sequence, optional
        A label per partition (account or campaign); 0, 1, ... by default.
    name : str, default "campaign"
        What a label is (the directories are ``<name>=<label>``).

    Returns
    -------
    LandscapeDataset
    """
    pq = require_pyarrow("write_landscape_partitions")
    import pyarrow as pa

    root = new_directory(path, "`path`")
    files: list[dict[str, Any]] = []
    width = -1
    for i, part in enumerate(partitions):
        if not isinstance(part, BidLandscape):
            raise InvalidInputError(
                f"`partitions` must yield BidLandscape objects. Got {type(part).__name__} "
                f"at position {i} instead."
            )
        if width >= 0 and part.n_levels != width:
            raise InvalidInputError(
                f"`partitions` must all have {width} levels. Got {part.n_levels} at "
                f"position {i} instead."
            )
        width = part.n_levels
        label = labels[i] if labels is not None else i
        columns: dict[str, Any] = {}
        if part.keywords is not None:
            columns["keyword"] = pa.array([str(k) for k in part.keywords])
        for metric in _METRICS:
            array = getattr(part, metric)
            if array is not None:
                flat = pa.array(np.ascontiguousarray(array).reshape(-1))
                columns[metric] = pa.FixedSizeListArray.from_arrays(flat, width)
        rel = f"{name}={_safe(label)}/part.parquet"
        taken, k = {f["file"] for f in files}, i
        while rel in taken:  # labels equal once made safe, or equal to another's suffix
            rel = f"{name}={_safe(label)}-{k}/part.parquet"
            k += 1
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(columns), root / rel)
        files.append({"file": rel, "label": str(label), "n_keywords": part.n_keywords})
    if not files:
        raise InvalidInputError("`partitions` must hold at least one partition. Got none.")
    manifest = {"format": "bidopt-landscape", "n_levels": width, "name": name, "parts": files}
    (root / _MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return read_landscape_parquet(root)


@dataclass(frozen=True, slots=True)
class PartitionReader:
    """Reads one partition as a :class:`BidLandscape` when called (picklable, so a Dask
    worker can read its own partition)."""

    file: str

    def __call__(self) -> BidLandscape:
        pq = require_pyarrow("LandscapeDataset")
        table = pq.read_table(self.file)
        arrays: dict[str, Any] = {}
        for metric in _METRICS:
            if metric in table.column_names:
                column = table.column(metric).combine_chunks()
                width = column.type.list_size
                values = column.flatten().to_numpy(zero_copy_only=False)
                arrays[metric] = frozen(np.array(values, dtype=np.float64).reshape(-1, width))
        if "keyword" in table.column_names:
            arrays["keywords"] = np.asarray(table.column("keyword").to_pylist(), dtype=object)
        try:
            return BidLandscape(**arrays)
        except InvalidInputError as exc:  # say which of the dataset's files it is
            raise InvalidInputError(
                f"{exc} In the partition {self.file!r} (indices count from its first keyword)."
            ) from None


@dataclass(frozen=True, slots=True)
class LandscapeDataset:
    """A partitioned Parquet landscape on disk (see :func:`write_landscape_parquet`).

    Nothing is read until a partition is asked for.

    Attributes
    ----------
    path : str
        The dataset's directory.
    files : tuple of str
        Each partition's Parquet file, in keyword order.
    labels : tuple of str
        Each partition's label (account or campaign).
    sizes : tuple of int
        Keywords per partition.
    n_levels : int
        Bid levels per keyword.
    """

    path: str
    files: tuple[str, ...]
    labels: tuple[str, ...]
    sizes: tuple[int, ...]
    n_levels: int

    @property
    def n_keywords(self) -> int:
        """Keywords in all partitions."""
        return sum(self.sizes)

    @property
    def n_partitions(self) -> int:
        """Number of partitions."""
        return len(self.files)

    def head(self, n_partitions: int) -> LandscapeDataset:
        """The first ``n_partitions`` partitions (an int >= 1; all of them when there
        are fewer), as a dataset of their own."""
        k = int(check_scalar(n_partitions, "n_partitions", lower=1, integer=True))
        return LandscapeDataset(
            self.path, self.files[:k], self.labels[:k], self.sizes[:k], self.n_levels
        )

    def readers(self) -> list[Callable[[], BidLandscape]]:
        """One reader per partition, in order (for workers to call)."""
        return [PartitionReader(f) for f in self.files]

    def read(self, partition: int | None = None) -> BidLandscape:
        """One partition, or (None) the whole landscape in one process."""
        if partition is not None:
            return PartitionReader(self.files[int(partition)])()
        parts = [r() for r in self.readers()]
        arrays: dict[str, Any] = {}
        for metric in _METRICS:
            if getattr(parts[0], metric) is not None:
                arrays[metric] = frozen(np.concatenate([getattr(p, metric) for p in parts]))
        if parts[0].keywords is not None:
            arrays["keywords"] = np.concatenate([p.keywords for p in parts])
        return BidLandscape(**arrays)

    def summary(self) -> str:
        """One line per partition: label and keywords."""
        lines = [
            f"LandscapeDataset at {self.path}: {self.n_keywords:,} keywords x "
            f"{self.n_levels} levels in {self.n_partitions} partitions"
        ]
        pairs = zip(self.labels, self.sizes, strict=True)
        lines += [f"  {lab}: {n:,} keywords" for lab, n in pairs][:20]
        return "\n".join(lines)

    def to_frame(self) -> Any:
        """The partitions as a pandas DataFrame (label, file, n_keywords)."""
        from bidopt._optional import require_pandas

        pd = require_pandas("LandscapeDataset.to_frame")
        return pd.DataFrame(
            {"label": list(self.labels), "file": list(self.files), "n_keywords": list(self.sizes)}
        )


def read_landscape_parquet(path: str | Path) -> LandscapeDataset:
    """Open a dataset written by :func:`write_landscape_parquet` (lazily: only its manifest)."""
    root = Path(path)
    manifest = root / _MANIFEST
    if not manifest.is_file():
        raise InvalidInputError(
            f"`path` must be a landscape dataset directory with a {_MANIFEST} manifest. "
            f"Got {str(root)!r} instead."
        )
    try:
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if info.get("format") != "bidopt-landscape":
            raise ValueError(f"its format is {info.get('format')!r}")
        parts = info["parts"]
        return LandscapeDataset(
            path=str(root),
            files=tuple(str(root / p["file"]) for p in parts),
            labels=tuple(p["label"] for p in parts),
            sizes=tuple(int(p["n_keywords"]) for p in parts),
            n_levels=int(info["n_levels"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSONDecodeError too
        raise InvalidInputError(
            f"`path` must be a landscape dataset whose {_MANIFEST} is a bidopt-landscape "
            f"manifest (written by write_landscape_parquet). Got {str(manifest)!r}, which "
            f"is not one ({type(exc).__name__}: {exc})."
        ) from None


def write_plan_parquet(plan: Any, path: str | Path, *, like: LandscapeDataset) -> list[str]:
    """Write a bid plan back as a dataset partitioned like its landscape.

    Parameters
    ----------
    plan : BidPlan
        A plan of ``like.n_keywords`` keywords, in the dataset's order.
    path : str or Path
        Directory to create (new or empty).
    like : LandscapeDataset
        The landscape the plan was made for: one plan file per partition, same labels.

    Returns
    -------
    list of str
        The files written, in order.
    """
    pq = require_pyarrow("write_plan_parquet")
    import pyarrow as pa

    n = int(np.asarray(plan.bids).shape[0])
    if n != like.n_keywords:
        raise InvalidInputError(
            f"`plan` must have one bid per keyword of `like` ({like.n_keywords}). Got {n} instead."
        )
    root = new_directory(path, "`path`")
    columns = {
        "bid": plan.bids,
        "level": plan.levels,
        "cost": plan.keyword_cost,
        "clicks": plan.keyword_clicks,
        "conversions": plan.keyword_conversions,
        "revenue": plan.keyword_revenue,
    }
    written = []
    start = 0
    for file, size in zip(like.files, like.sizes, strict=True):
        stop = start + size
        table: dict[str, Any] = {}
        if plan.keywords is not None:
            table["keyword"] = pa.array([str(k) for k in plan.keywords[start:stop]])
        for key, array in columns.items():
            if array is not None:
                table[key] = pa.array(np.asarray(array)[start:stop])
        rel = Path(file).relative_to(like.path)
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(table), target)
        written.append(str(target))
        start = stop
    return written
