import pytest

from fontsynth.errors import UserError
from fontsynth.pipeline import RenderJob, render_dataset
from test_pipeline import records

distributed = pytest.importorskip("distributed")


def job(fonts, out, **kw):
    return RenderJob(**{**dict(fonts=fonts, out=out, n=60, seed=11, shard_size=15, workers=2, show_progress=False), **kw})


def test_dask_cluster_render_is_byte_identical_to_a_local_one(small_fonts, tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1") as cluster:
        render_dataset(job(small_fonts, tmp_path / "dask", backend="dask", scheduler=cluster.scheduler_address))
    render_dataset(job(small_fonts, tmp_path / "local"))
    assert records(tmp_path / "dask") == records(tmp_path / "local")


def test_dask_needs_a_reachable_scheduler(small_fonts, tmp_path):
    with pytest.raises(UserError, match="needs --scheduler"):
        render_dataset(job(small_fonts, tmp_path / "a", backend="dask"))
    with pytest.raises(UserError, match="cannot reach the dask scheduler"):
        render_dataset(job(small_fonts, tmp_path / "b", backend="dask", scheduler="tcp://127.0.0.1:9"))


def test_unknown_backend_is_refused(small_fonts, tmp_path):
    with pytest.raises(UserError, match="unknown backend 'spark'"):
        render_dataset(job(small_fonts, tmp_path / "c", backend="spark"))
    assert not (tmp_path / "c").exists()


def test_ray_render_is_byte_identical_to_a_local_one(small_fonts, tmp_path):
    pytest.importorskip("ray")
    render_dataset(job(small_fonts, tmp_path / "ray", backend="ray", n=30))
    render_dataset(job(small_fonts, tmp_path / "local", n=30))
    assert records(tmp_path / "ray") == records(tmp_path / "local")
