"""Where shard tasks run: joblib's backends, chosen by name.

`loky` (default): local worker processes. `dask`: a running dask.distributed scheduler
(`--scheduler tcp://host:8786`). `ray`: a ray cluster (`--scheduler` its address, or a local
instance). On a cluster, workers write shards straight into the output folder, which must be
storage they all share; the data is identical whichever backend made it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import joblib

from fontsynth.errors import UserError
from fontsynth.extras import require

BACKENDS = ("loky", "dask", "ray")
SCHEDULER_TIMEOUT_S = 10  # a reachable scheduler answers in milliseconds


def check_backend(backend: str, scheduler: str | None) -> None:
    """Refuse an unknown backend, a missing extra or a dask run without a scheduler."""
    if backend not in BACKENDS:
        raise UserError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    if backend == "dask":
        require("distributed", "dask", "--backend dask")
        if not scheduler:
            raise UserError("--backend dask needs --scheduler with the address of a running dask scheduler, e.g. tcp://host:8786")
    if backend == "ray":
        require("ray", "ray", "--backend ray")


@contextmanager
def parallel_for(backend: str, workers: int, scheduler: str | None) -> Iterator[joblib.Parallel]:
    """A joblib.Parallel on `backend`: `workers` local processes, or a dask or ray cluster."""
    if backend == "dask":
        from distributed import Client

        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except OSError as e:
            raise UserError(f"cannot reach the dask scheduler at {scheduler} ({e}); start it or fix --scheduler") from e
        try:
            with joblib.parallel_config(backend="dask"):
                yield joblib.Parallel(n_jobs=-1, return_as="generator_unordered")
        finally:
            client.close()
    elif backend == "ray":
        import ray
        from ray.util.joblib import register_ray

        register_ray()
        ray.init(address=scheduler, ignore_reinit_error=True)
        try:
            with joblib.parallel_config(backend="ray"):
                # ray's backend returns lists only: the manifest is written when all shards are
                # done, and a resumed run adopts the finished shard folders it finds.
                yield joblib.Parallel(n_jobs=-1, return_as="list")
        finally:
            ray.shutdown()
    else:
        yield joblib.Parallel(n_jobs=workers, backend=backend, return_as="generator_unordered")
