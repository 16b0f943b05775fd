"""``python -m bidopt plan DIR --budget B [--scheduler ADDRESS]``: bids for a Parquet
landscape dataset (``bidopt.landscape.write_landscape_parquet``), on a Dask cluster when
``--scheduler`` names one, written back as a dataset partitioned like the landscape."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from bidopt._dask import require_distributed
from bidopt._validation import new_directory
from bidopt._wording import counted
from bidopt.bidding import optimize_bids
from bidopt.landscape import read_landscape_parquet, write_plan_parquet

__all__ = ["run_plan_dataset"]


def run_plan_dataset(
    path: Path,
    *,
    budget: float,
    objective: str = "conversions",
    max_cpc: float | None = None,
    target_cpa: float | None = None,
    target_roas: float | None = None,
    min_bid: float | None = None,
    max_bid: float | None = None,
    out: Path,
    scheduler: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """Plan the dataset at ``path`` (on the cluster at ``scheduler``, else in this
    process), write the plan to ``out/plan`` and return what to print."""
    say = progress or (lambda message: None)
    dataset = read_landscape_parquet(path)
    new_directory(Path(out) / "plan", "`--out`'s plan directory OUT/plan")  # before the solve
    kw: dict[str, Any] = {"objective": objective, "max_cpc": max_cpc, "min_bid": min_bid}
    kw |= {"target_cpa": target_cpa, "target_roas": target_roas, "max_bid": max_bid}
    if scheduler:
        say(f"connecting to the Dask scheduler at {scheduler}")
        client = require_distributed("--scheduler").Client(scheduler)
        try:
            say(
                f"optimising {counted(dataset.n_keywords, 'bid')} on "
                f"{counted(dataset.n_partitions, 'partition')}"
            )
            plan = optimize_bids(dataset, budget, client=client, **kw)  # type: ignore[arg-type]
        finally:
            client.close()
    else:
        say(f"optimising {counted(dataset.n_keywords, 'bid')} in this process")
        plan = optimize_bids(dataset.read(), budget, **kw)
    files = write_plan_parquet(plan, Path(out) / "plan", like=dataset)
    return "\n".join(
        [
            plan.summary(),
            f"Plan written to {Path(out) / 'plan'} ({counted(len(files), 'partition')}, like "
            f"{path}).",
        ]
    )
