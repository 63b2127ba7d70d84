import shutil

import lmdb
import pytest
from typer.testing import CliRunner

from fontsynth.cli import app
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.verify import verify_dataset


@pytest.fixture
def data(small_fonts, tmp_path):
    out = tmp_path / "data"
    render_dataset(RenderJob(fonts=small_fonts, out=out, n=40, seed=4, shard_size=10, workers=1, show_progress=False))
    return out


def edit(shard, fn):
    env = lmdb.open(str(shard), subdir=True, lock=False)
    with env.begin(write=True) as txn:
        fn(txn)
    env.close()


def test_an_intact_dataset_verifies(data):
    report = verify_dataset(data, show_progress=False)
    assert report.ok and report.samples == 40 and report.shards == 4
    result = CliRunner().invoke(app, ["verify", str(data), "--no-progress"])
    assert result.exit_code == 0 and "ok: 40 samples in 4 shards" in result.output


@pytest.mark.parametrize("key", [b"image-000000003", b"label-000000003", b"meta-000000003"])
def test_a_flipped_byte_names_its_sample(data, key):
    def flip(txn):
        value = bytearray(txn.get(key))
        value[len(value) // 2] ^= 0x01
        txn.put(key, bytes(value))

    edit(data / "shard-00001", flip)
    report = verify_dataset(data, show_progress=False)
    assert report.bad_samples() == [12]  # shard 1 starts at 10; local index 3
    assert any("checksum mismatch" in p.what for p in report.problems)
    result = CliRunner().invoke(app, ["verify", str(data), "--no-progress"])
    assert result.exit_code == 1 and "sample 12 (shard-00001)" in result.output


def test_a_missing_sample_is_reported(data):
    edit(data / "shard-00002", lambda txn: txn.delete(b"image-000000010"))
    report = verify_dataset(data, show_progress=False)
    assert report.bad_samples() == [29]
    assert [p.what for p in report.problems] == ["missing image"]


def test_a_missing_shard_is_reported(data):
    shutil.rmtree(data / "shard-00003")
    report = verify_dataset(data, show_progress=False)
    assert not report.ok and report.bad_samples() == []
    assert [(p.shard, p.what) for p in report.problems] == [("shard-00003", "missing shard (samples 30-39)")]
    assert report.samples == 30


def test_a_sample_replaced_with_a_matching_sum_fails_the_shard_checksum(data):
    from fontsynth.shards import ShardReader, sample_sum

    with ShardReader(data / "shard-00001") as reader:
        fields = reader.sample(4)
    fields["label"] = b"forged"
    fields["sum"] = sample_sum(fields)
    edit(data / "shard-00001", lambda txn: [txn.put(f"{k}-000000004".encode(), v) for k, v in fields.items()])
    report = verify_dataset(data, show_progress=False)
    assert [(p.shard, p.what) for p in report.problems] == [("shard-00001", "shard checksum differs from the manifest")]


def test_a_truncated_shard_file_is_reported_not_a_crash(data):
    """LMDB maps data.mdb: reading past the end of a truncated file killed the process (SIGBUS)."""
    from fontsynth.dataset import Dataset
    from fontsynth.errors import UserError

    mdb = data / "shard-00002" / "data.mdb"
    with open(mdb, "r+b") as f:
        f.truncate(mdb.stat().st_size // 3)
    report = verify_dataset(data, show_progress=False)
    assert not report.ok and any(p.shard == "shard-00002" and "truncated" in p.what for p in report.problems)
    with pytest.raises(UserError, match="shard-00002/data.mdb is truncated"):
        Dataset(data)[25]
    result = CliRunner().invoke(app, ["info", str(data)])
    assert result.exit_code == 2 and "error:" in result.output and "truncated" in result.output


def test_shards_checked_in_two_processes_give_the_same_report(data):
    def flip(txn):
        value = bytearray(txn.get(b"label-000000005"))
        value[0] ^= 0x01
        txn.put(b"label-000000005", bytes(value))

    edit(data / "shard-00000", flip)
    edit(data / "shard-00002", lambda txn: txn.delete(b"image-000000010"))
    shutil.rmtree(data / "shard-00003")
    one, two = (verify_dataset(data, show_progress=False, workers=w) for w in (1, 2))
    assert one.problems == two.problems and (one.samples, one.shards) == (two.samples, two.shards) == (30, 4)
    assert one.bad_samples() == [4, 29] and one.problems[-1].what == "missing shard (samples 30-39)"
    result = CliRunner().invoke(app, ["verify", str(data), "--no-progress", "--workers", "2"])
    assert result.exit_code == 1 and "sample 4 (shard-00000)" in result.output and "sample 29 (shard-00002)" in result.output
    assert CliRunner().invoke(app, ["verify", str(data), "--workers", "0"]).exit_code == 2


def test_verify_json_names_every_problem_and_exits_as_the_text_does(data):
    import json

    intact = CliRunner().invoke(app, ["verify", str(data), "--no-progress", "--json"])
    assert intact.exit_code == 0 and json.loads(intact.stdout) == {
        "ok": True, "samples": 40, "shards": 4, "files": 0, "bad_samples": [], "problems": [], "notes": []}
    edit(data / "shard-00002", lambda txn: txn.delete(b"image-000000010"))
    shutil.rmtree(data / "shard-00003")
    damaged = CliRunner().invoke(app, ["verify", str(data), "--no-progress", "--json"])
    report = json.loads(damaged.stdout)
    assert damaged.exit_code == 1 and not report["ok"] and report["bad_samples"] == [29] and report["samples"] == 30
    assert report["problems"] == [{"shard": "shard-00002", "index": 29, "what": "missing image"},
                                  {"shard": "shard-00003", "index": None, "what": "missing shard (samples 30-39)"}]
