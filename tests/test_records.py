"""The on-disk records: manifest and sample meta, each encoded and decoded in one place."""

import json

import pytest

from fontsynth.dataset import Dataset
from fontsynth.errors import UserError
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.shards import Manifest, SampleRecord, ShardRecord, read_manifest
from fontsynth.style import Style


@pytest.fixture(scope="module")
def data(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("records") / "data"
    render_dataset(RenderJob(fonts=small_fonts, out=out, n=60, seed=8, shard_size=20, workers=1, show_progress=False))
    return out


def test_the_manifest_round_trips_through_its_json(data):
    raw = json.loads((data / "manifest.json").read_text())
    manifest = read_manifest(data)
    assert manifest.encode() == raw
    assert Manifest.decode(manifest.encode()) == manifest
    assert manifest.samples == 60 and [s.start for s in manifest.shards] == [0, 20, 40]


def test_a_damaged_manifest_is_a_user_error(data, tmp_path):
    raw = json.loads((data / "manifest.json").read_text())
    del raw["seed"]
    with pytest.raises(UserError, match="damaged"):
        Manifest.decode(raw)
    with pytest.raises(UserError, match="not a fontsynth-shards manifest"):
        Manifest.decode({**raw, "format_version": 1})


def test_add_shard_keeps_sample_order_and_merges_the_class_table(data):
    manifest = Manifest.decode({**read_manifest(data).encode(), "shards": []})
    manifest.classes, manifest.charset = [], ""
    manifest.add_shard(ShardRecord("shard-00001", 10, 10, "b", 1, ("f2", "f3"), "bc"))
    manifest.add_shard(ShardRecord("shard-00000", 0, 10, "a", 1, ("f1", "f2"), "ab"))
    assert [s.name for s in manifest.shards] == ["shard-00000", "shard-00001"]
    assert manifest.classes == ["f1", "f2", "f3"] and manifest.charset == "abc"


def test_sample_records_decode_what_was_stored_and_encode_it_back(data):
    ds = Dataset(data)
    for i in (0, 33, 59):
        stored = ds[i]["meta"]
        record = SampleRecord.decode(stored)
        assert record.index == i and record.text == ds[i]["label"].decode() and isinstance(record.style, Style)
        assert record.encode() == stored


def test_a_published_record_keeps_its_source_index():
    record = SampleRecord(3, "abc", Style(font="x"), source_index=17)
    assert SampleRecord.decode(record.encode()) == record
    assert json.loads(record.encode())["source_index"] == 17
