"""`fontsynth verify`: every shard, every sample, every checksum, against the manifest."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import lmdb

from fontsynth.codec import decode
from fontsynth.dataset import Dataset
from fontsynth.progress import progress_bar
from fontsynth.shards import IMAGE_FIELDS, RECORD_FIELDS, SHARD_PREFIX, SUM_PREFIX, TEXT_FIELDS, ShardReader, sample_sum



@dataclass
class Problem:
    shard: str
    index: int | None  # global sample index, None for a whole-shard problem
    what: str

    def __str__(self) -> str:
        where = f"sample {self.index} ({self.shard})" if self.index is not None else self.shard
        return f"{where}: {self.what}"


@dataclass
class Report:
    samples: int = 0
    shards: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad_samples(self) -> list[int]:
        return sorted({p.index for p in self.problems if p.index is not None})


def check_sample(fields: dict[str, bytes], expected: list[str], index: int) -> list[str]:
    """What is wrong with one sample's stored fields (empty when nothing is)."""
    wrong = [f"missing {name}" for name in expected if name not in fields]
    if not wrong and SUM_PREFIX in fields and fields[SUM_PREFIX] != sample_sum(fields):
        wrong.append("checksum mismatch: the stored bytes changed")
    for name in IMAGE_FIELDS:
        if name in fields:
            try:
                decode(fields[name])
            except ValueError:
                wrong.append(f"{name} does not decode")
    for name in TEXT_FIELDS:
        if name in fields:
            try:
                fields[name].decode("utf-8")
            except UnicodeDecodeError:
                wrong.append(f"{name} is not UTF-8")
    for name in RECORD_FIELDS:
        if name in fields:
            try:
                if json.loads(fields[name])["index"] != index:
                    wrong.append(f"{name} names another sample")
            except (ValueError, KeyError, TypeError):
                wrong.append(f"{name} is not a valid record")
    return wrong


def verify_dataset(root: Path, show_progress: bool = True) -> Report:
    ds = Dataset(root)
    report = Report(shards=len(ds.shards))
    if not ds.complete:
        report.notes.append(f"the dataset is incomplete: {len(ds)} of {ds.manifest['n']} samples; finish it with `fontsynth render ... --resume`")
    listed = {s["name"] for s in ds.shards}
    for p in sorted(Path(root).iterdir()):
        if p.name.startswith(SHARD_PREFIX) and p.name not in listed:
            report.notes.append(f"{p.name} is not listed in the manifest (left over from an interrupted run; ignored)")
    with progress_bar("verifying", len(ds), "samples", show_progress) as advance:
        for shard in ds.shards:
            report.problems.extend(_verify_shard(Path(root), shard, report))
            advance(shard["count"])
    return report


def _verify_shard(root: Path, shard: dict, report: Report) -> list[Problem]:
    name, start, count = shard["name"], shard["start"], shard["count"]
    path = root / name
    if not (path / "data.mdb").exists():
        return [Problem(name, None, f"missing shard (samples {start}-{start + count - 1})")]
    try:
        reader = ShardReader(path)
    except (lmdb.Error, ValueError) as e:
        return [Problem(name, None, f"cannot open shard ({e})")]
    problems = []
    with reader:
        if reader.count != count:
            problems.append(Problem(name, None, f"holds {reader.count} samples, the manifest says {count}"))
        expected = reader.info.get("fields", [])
        for local in range(1, count + 1):
            fields = reader.sample(local)
            report.samples += 1
            if not fields:
                problems.append(Problem(name, start + local - 1, "missing sample"))
                continue
            problems.extend(Problem(name, start + local - 1, w) for w in check_sample(fields, expected, start + local - 1))
        if not problems and reader.sums_digest() != shard["sha256"]:
            problems.append(Problem(name, None, "shard checksum differs from the manifest"))
    return problems
