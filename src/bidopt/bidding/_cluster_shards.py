"""The driver's side of a cluster solve: the partitions' actors and the round statistics
(see :mod:`bidopt.bidding._distributed`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bidopt.bidding._shard import _COARSE
from bidopt.typing import FloatArray, IntArray

__all__ = ["ClusterStats", "Shards"]

#: Relative distance from the budget within which a plan's cost is summed as the plan's
#: own (far above what adding the shards' sums can round).
_ROUND_OFF = 1e-9
#: Relative gap under which two totals summed shard by shard may order differently
#: from the same totals summed in one array (far above the shards' round-off).
_TIE = 1e-12


@dataclass
class ClusterStats:
    """Rounds (one call to every worker), bytes the driver received (the arrays' and
    scalars' sizes, not the wire's) and wall seconds, in all and per kind of round."""

    rounds: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, nbytes: int, seconds: float = 0.0) -> None:
        self.rounds += 1
        self.bytes_in += nbytes
        self.seconds += seconds
        entry = self.by_kind.setdefault(kind, [0, 0, 0.0])
        entry[0] += 1
        entry[1] += nbytes
        entry[2] += seconds


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, str):
        return len(value)
    return 8


class Shards:
    """The driver's handle on the partitions: one actor per worker (a
    :class:`~bidopt.bidding._shard.ShardGroup`), ``members[g]`` the partitions (in
    keyword order) that group ``g`` holds."""

    def __init__(self, groups: Sequence[Any], members: Sequence[Sequence[int]]) -> None:
        self.groups = list(groups)
        self.members = [list(m) for m in members]
        self.n_parts = sum(len(m) for m in self.members)
        self.stats = ClusterStats()
        sizes = [n for n, _ in self.all("info")]
        self.sizes = np.asarray(sizes, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.sizes)]).astype(np.int64)
        self.each("set_offset", [(int(o),) for o in self.offsets[:-1]])
        self.coarse: FloatArray = np.zeros(_COARSE)
        self._coarse: list[FloatArray] = []  # each partition's part of ``coarse``

    @property
    def n_keywords(self) -> int:
        return int(self.offsets[-1])

    def _gather(self, kind: str, futures: list[Any], start: float) -> list[Any]:
        out: list[Any] = [None] * self.n_parts
        for members, future in zip(self.members, futures, strict=True):
            for i, value in zip(members, future.result(), strict=True):
                out[i] = value
        self.stats.add(kind, _nbytes(out), time.perf_counter() - start)
        return out

    def all(self, name: str, *args: Any) -> list[Any]:
        """``name(*args)`` on every partition; results in partition order."""
        start = time.perf_counter()
        return self._gather(name, [g.all(name, args) for g in self.groups], start)

    def each(self, name: str, args: Sequence[tuple[Any, ...]]) -> list[Any]:
        """``name(*args[i])`` on partition ``i``; results in partition order."""
        start = time.perf_counter()
        pairs = zip(self.groups, self.members, strict=True)
        futures = [g.each(name, [args[i] for i in m]) for g, m in pairs]
        return self._gather(name, futures, start)

    def per_group(self, name: str, *args: Any) -> list[Any]:
        """A group-level reduction (``ShardGroup.name``), one result per worker."""
        start = time.perf_counter()
        out = [f.result() for f in [getattr(g, name)(*args) for g in self.groups]]
        self.stats.add(name, _nbytes(out), time.perf_counter() - start)
        return out

    def one(self, partition: int, name: str, *args: Any) -> Any:
        for g, m in zip(self.groups, self.members, strict=True):
            if partition in m:
                start = time.perf_counter()
                value = g.one(m.index(partition), name, args).result()
                self.stats.add(name, _nbytes(value), time.perf_counter() - start)
                return value
        raise IndexError(partition)

    def split(self, rows: IntArray) -> list[IntArray]:
        """Global rows (increasing or not) by partition, keeping their order."""
        owner = np.searchsorted(self.offsets, rows, side="right") - 1
        return [rows[owner == i] for i in range(self.n_parts)]

    def add(self, slot: str, rows: IntArray, delta: int) -> None:
        parts = self.split(np.asarray(rows, dtype=np.int64))
        self.each("add", [(slot, p, delta) for p in parts])

    def totals(self, slot: str, budget: float | None = None) -> tuple[float, float]:
        """(cost, value) of the plan in steps ``slot``, the shards' sums added; with
        ``budget``, the cost is :meth:`settled` against it."""
        parts = self.all("totals", slot)
        cost = sum(p[0] for p in parts)
        if budget is not None:
            cost = self.settled(cost, budget, slot, levels=False)
        return cost, sum(p[1] for p in parts)

    def sums(self, lslot: str, budget: float | None = None) -> tuple[float, float, float, float]:
        """(cost, value, target ``g``, target scale) of the plan in levels ``lslot``;
        with ``budget``, the cost is :meth:`settled` against it."""
        parts = self.all("sums", lslot)
        total = [sum(p[i] for p in parts) for i in range(4)]
        if budget is not None:
            total[0] = self.settled(total[0], budget, lslot, levels=True)
        return total[0], total[1], total[2], total[3]

    def settled(self, cost: float, budget: float, slot: str, *, levels: bool) -> float:
        """``cost`` (the shards' sums added) or, within round-off of ``budget``, the
        plan's own spend: each keyword's cost gathered (n_keywords floats) and summed in
        one array, as the plan's certificate and the in-process solver sum it
        (``BidLandscape.at_levels(...)["cost"].sum()``).  A sum of the shards' sums
        rounds differently, so at a budget on a breakpoint (every keyword's top level)
        it could say a plan that fits does not, or the reverse."""
        if abs(cost - budget) > _ROUND_OFF * abs(budget):
            return cost
        return self.own_cost(slot, levels=levels)

    def own_value(self, slot: str, *, levels: bool = True) -> float:
        """The plan's own objective value in levels ``slot`` (in steps: ``levels``
        False): each keyword's gathered (n_keywords floats) and summed in one array, as
        the in-process solver sums it (``picked(value, levels).sum()``,
        ``Hull.totals_after``); the shards' sums round differently."""
        if not levels:
            return float(np.concatenate(self.all("step_values", slot)).sum())
        return float(np.concatenate([p[0] for p in self.all("own_columns", slot, False)]).sum())

    def own_target(self, lslot: str) -> tuple[float, float]:
        """The plan's own target ``g`` and scale in levels ``lslot``, summed as
        :meth:`own_value` sums the value (``BidProblem.target_excess``'s sums)."""
        parts = self.all("own_columns", lslot, True)
        g = float(np.concatenate([p[0] for p in parts]).sum())
        return g, float(np.concatenate([p[1] for p in parts]).sum())

    def same_levels(self, a: str, b: str) -> bool:
        """Whether the plans in levels ``a`` and ``b`` are the same plan."""
        return all(self.all("same_levels", a, b))

    def own_cost(self, slot: str, *, levels: bool) -> float:
        """The plan's own spend (see :meth:`settled`), whatever the budget."""
        return float(np.concatenate(self.all("picked_cost", slot, levels)).sum())

    def prepare(self, mu: float | None) -> None:
        """Hulls of ``value - mu * g`` on every shard; the coarse slope histogram."""
        self._coarse = self.all("prepare", mu)
        self.coarse = np.sum(self._coarse, axis=0)

    def owner(self, row: int) -> int:
        """The partition holding global row ``row``."""
        return int(np.searchsorted(self.offsets, row, side="right") - 1)

    def exclude(self, row: int | None, partition: int) -> None:
        """The objective's hulls (``prepare(None)``) with keyword ``row`` not allowed
        (``None``: allowed again) on ``partition``, the one holding it; the other
        partitions keep theirs (a row's hull does not depend on the others')."""
        self._coarse[partition] = self.one(partition, "exclude", row)
        self.coarse = np.sum(self._coarse, axis=0)

    def fine(self, coarse: int) -> FloatArray:
        """The slope histogram inside one coarse bucket."""
        return np.asarray(np.sum(self.all("fine", coarse), axis=0))
