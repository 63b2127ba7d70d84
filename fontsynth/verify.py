"""`fontsynth verify`: every shard, every sample, every checksum, against the manifest; for a
published release, every file against SHA256SUMS too."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath

import joblib
import lmdb

from fontsynth.codec import decode
from fontsynth.dataset import Dataset
from fontsynth.errors import UserError
from fontsynth.fileio import sha256_file
from fontsynth.progress import progress_bar
from fontsynth.shards import CHECKSUMS_FILE, IMAGE_FIELDS, MANIFEST_FILE, RECORD_FIELDS, RELEASE_DATA, SHARD_PREFIX, SUM_PREFIX, TEXT_FIELDS, ShardReader, ShardRecord, sample_sum



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
    files: int = 0  # files checked against SHA256SUMS (releases)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def bad_samples(self) -> list[int]:
        return sorted({p.index for p in self.problems if p.index is not None})

    def to_json(self) -> dict:
        """What `verify --json` prints: every problem as {"shard", "index" (null for a whole
        shard or file), "what"}."""
        return {"ok": self.ok, "samples": self.samples, "shards": self.shards, "files": self.files, "bad_samples": self.bad_samples(),
                "problems": [asdict(p) for p in self.problems], "notes": self.notes}


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


def verify_dataset(root: Path, show_progress: bool = True, skip: frozenset[str] = frozenset(), workers: int = 1) -> Report:
    """Every shard and sample of a dataset folder against its manifest, shards checked in
    `workers` processes (the report does not depend on them); shards named in `skip` are
    reported as not opened (a release's shards whose files fail SHA256SUMS: a damaged LMDB
    file is not safe to open)."""
    ds = Dataset(root)
    report = Report(shards=len(ds.shards))
    if not ds.complete:
        report.notes.append(f"the dataset is incomplete: {len(ds)} of {ds.manifest.n} samples; finish it with `fontsynth render ... --resume`")
    listed = {s.name for s in ds.shards}
    for p in sorted(ds.root.iterdir()):
        if p.name.startswith(SHARD_PREFIX) and p.name not in listed:
            report.notes.append(f"{p.name} is not listed in the manifest (left over from an interrupted run; ignored)")
    todo = [shard for shard in ds.shards if shard.name not in skip]
    checks = (joblib.delayed(_verify_shard)(ds.root, shard) for shard in todo)
    results = iter(joblib.Parallel(n_jobs=max(1, min(workers, len(todo))), return_as="generator")(checks))  # in the shards' order
    with progress_bar("verifying", len(ds), "samples", show_progress) as advance:
        for shard in ds.shards:
            if shard.name in skip:
                report.problems.append(Problem(shard.name, None, "not opened: its files differ from SHA256SUMS"))
            else:
                problems, samples = next(results)
                report.problems.extend(problems)
                report.samples += samples
            advance(shard.count)
    return report


def _verify_shard(root: Path, shard: ShardRecord) -> tuple[list[Problem], int]:
    """(problems, samples read) of one shard."""
    name, start, count = shard.name, shard.start, shard.count
    path = root / name
    if not (path / "data.mdb").exists():
        return [Problem(name, None, f"missing shard (samples {start}-{start + count - 1})")], 0
    try:
        reader = ShardReader(path)
    except (lmdb.Error, ValueError) as e:
        return [Problem(name, None, f"cannot open shard ({e})")], 0
    problems, samples = [], 0
    with reader:
        if reader.count != count:
            problems.append(Problem(name, None, f"holds {reader.count} samples, the manifest says {count}"))
        expected = reader.info.get("fields", [])
        for local in range(1, count + 1):
            fields = reader.sample(local)
            samples += 1
            if not fields:
                problems.append(Problem(name, start + local - 1, "missing sample"))
                continue
            problems.extend(Problem(name, start + local - 1, w) for w in check_sample(fields, expected, start + local - 1))
        if not problems and reader.sums_digest() != shard.sha256:
            problems.append(Problem(name, None, "shard checksum differs from the manifest"))
    return problems, samples


def read_checksums(root: Path) -> dict[str, str]:
    """{relative path: sha256} from a release's SHA256SUMS."""
    path = Path(root) / CHECKSUMS_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        return dict(reversed(line.split("  ", 1)) for line in lines if line)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise UserError(f"cannot read {path} ({e}); download the release again") from e


def check_checksums(root: Path, advance=lambda k: None) -> list[str]:
    """Paths whose content no longer matches SHA256SUMS (missing files included); calls
    `advance(1)` after each file."""
    bad = []
    for path, digest in read_checksums(root).items():
        target = Path(root) / path
        if not target.is_file() or sha256_file(target) != digest:
            bad.append(path)
        advance(1)
    return bad


def is_release(root: Path) -> bool:
    return (Path(root) / CHECKSUMS_FILE).is_file()


def verify_release(root: Path, show_progress: bool = True, workers: int = 1) -> Report:
    """A folder made by `fontsynth publish`: every file against SHA256SUMS, then, when the
    release holds LMDB shards, every shard and sample under data/ as `verify_dataset` does."""
    root = Path(root)
    listed = read_checksums(root)
    report = Report(files=len(listed))
    with progress_bar("checking files", len(listed), "files", show_progress) as advance:
        bad = check_checksums(root, advance)
    report.problems.extend(Problem(path, None, "differs from SHA256SUMS or is missing") for path in bad)
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS_FILE}
    report.notes.extend(f"{path} is not listed in SHA256SUMS" for path in sorted(present - set(listed)))
    data = root / RELEASE_DATA
    if (data / MANIFEST_FILE).is_file():
        in_data = [PurePosixPath(p).relative_to(RELEASE_DATA).parts for p in bad if PurePosixPath(p).is_relative_to(RELEASE_DATA)]
        inner = verify_dataset(data, show_progress, skip=frozenset(parts[0] for parts in in_data if len(parts) > 1), workers=workers)
        report.samples, report.shards = inner.samples, inner.shards
        report.problems.extend(inner.problems)
        report.notes.extend(inner.notes)
    return report
