"""One 2-worker LocalCluster (processes) for the cluster tests, started here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")
cloudpickle = pytest.importorskip("cloudpickle")

from tests.cluster import _families  # noqa: E402

# the workers import bidopt but not the tests package: send the generator by value
cloudpickle.register_pickle_by_value(_families)


@pytest.fixture(scope="session")
def client() -> Iterator[Any]:
    import dask

    from bidopt._dask import WORKER_CONFIG

    dask.config.set(WORKER_CONFIG)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()
