"""Word-image datasets made by other tools, which the readers train and evaluate on beside ours.

- **DTRB-layout LMDB**: what deep-text-recognition-benchmark's `create_lmdb_dataset.py` writes,
  and how DTRB distributes the real benchmarks (IIIT5K, SVT, IC03, IC13, IC15, SVTP, CUTE80) and
  MJSynth/SynthText: a folder holding `data.mdb` with `num-samples`, `image-%09d` (encoded
  image bytes) and `label-%09d` (UTF-8 text), 1-based. A folder with such folders anywhere below
  it (DTRB's `evaluation/`) is read as one dataset, its LMDBs in sorted path order.
- **A labels file**: UTF-8 lines `IMAGE<TAB>TEXT` (the input of `create_lmdb_dataset.py`), each
  IMAGE a path relative to the file's folder (or absolute).

They hold images and texts only: no font ids, render records or pairs. This module finds and
checks them (no torch); `fontsynth.torchdata.ExternalDataset` reads them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fontsynth.errors import UserError
from fontsynth.shards import ENVIRONMENTS, MANIFEST_FILE, sample_key

LMDB_DATA = "data.mdb"
FIELDS = ("image", "label", "index")  # what an item of such a dataset can hold
UNREADABLE = "\0image does not decode"  # the label of an item whose image does not decode: the readers count it by that reason


@dataclass(frozen=True)
class Part:
    """One source of an external dataset: an LMDB folder (`entries` None) or a labels file's
    entries ((image path, text), in file order)."""

    path: Path
    count: int
    entries: tuple[tuple[Path, str], ...] | None = None


def is_external(path: Path) -> bool:
    """Whether `path` is a labels file or a folder of DTRB-layout LMDBs (not a fontsynth
    dataset, whose shards are LMDBs too but which has a manifest)."""
    path = Path(path)
    if path.is_file():
        return True
    return path.is_dir() and not (path / MANIFEST_FILE).exists() and not any(path.glob(f"*/{MANIFEST_FILE}")) and bool(lmdb_folders(path))


def lmdb_folders(root: Path) -> list[Path]:
    """Every folder at or below `root` that holds an LMDB's data.mdb, in sorted path order."""
    return sorted(p.parent for p in Path(root).rglob(LMDB_DATA))


def lmdb_count(folder: Path) -> int:
    """The `num-samples` of a DTRB-layout LMDB; an error naming the folder when it has none."""
    try:
        env = ENVIRONMENTS.acquire(folder)  # shared: py-lmdb opens a path once per process
    except Exception as e:  # noqa: BLE001 - lmdb raises its own error types; the message names the folder either way
        raise UserError(f"{folder} is not a readable LMDB ({type(e).__name__}: {e})") from None
    try:
        with env.begin() as txn:
            raw = txn.get(b"num-samples")
    finally:
        ENVIRONMENTS.release(folder)
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UserError(f"{folder} has no valid num-samples key ({raw!r}); a DTRB-layout LMDB stores its sample count there") from None


def read_labels_file(path: Path) -> tuple[tuple[Path, str], ...]:
    """(image path, text) per line of a labels file; an error naming the file and line for a
    line without a tab, and naming the first image that does not exist."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise UserError(f"{path} is not UTF-8 text ({e}); a labels file has lines IMAGE<TAB>TEXT") from None
    entries = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        image, tab, text = line.partition("\t")
        if not tab or not image:
            raise UserError(f"{path}:{number} is not IMAGE<TAB>TEXT ({line[:60]!r}); a labels file has one image and its text per line")
        entries.append(((path.parent / image), text))
    if not entries:
        raise UserError(f"{path} lists no image; a labels file has lines IMAGE<TAB>TEXT")
    check_files([image for image, _ in entries], f"{path} names", "image", "image paths are relative to the labels file's folder")
    return tuple(entries)


def check_files(files: list[Path], where: str, kind: str, hint: str) -> None:
    """An error when any of `files` (named by a list file) does not exist: how many, and the first."""
    missing = [f for f in files if not f.is_file()]
    if missing:
        raise UserError(f"{where} {len(missing):,} {kind}(s) that do not exist, the first {missing[0]}; {hint}")


def external_parts(path: Path) -> list[Part]:
    """The sources of an external dataset at `path` (see the module docstring), checked."""
    path = Path(path)
    if path.is_file():
        entries = read_labels_file(path)
        return [Part(path, len(entries), entries)]
    folders = lmdb_folders(path)
    if not folders:
        raise UserError(f"{path} holds no {LMDB_DATA}: pass a `fontsynth render` output, a folder of DTRB-layout LMDBs or a labels file")
    return [Part(folder, lmdb_count(folder)) for folder in folders]


def lmdb_labels(env, count: int) -> list[str]:
    """The labels of an open DTRB-layout LMDB, in order ("" for a missing one)."""
    with env.begin() as txn:
        return [(txn.get(sample_key("label", i)) or b"").decode("utf-8", errors="replace") for i in range(1, count + 1)]
