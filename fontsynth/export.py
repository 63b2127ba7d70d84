"""A words dataset as image files and a labels file: what other OCR tools read.

`images/NNNNNNNNN.png` (the stored bytes, unchanged: sample index, 9 digits) and `gt.txt`, one
`images/NNNNNNNNN.png<TAB>TEXT` line per sample in index order: the input of DTRB's
`create_lmdb_dataset.py` and PaddleOCR's recognition label files, and what
`fontsynth.external` reads back (`eval-recognizer --data out/gt.txt`). Written into a hidden
sibling folder and renamed into place when complete, so an interrupted export leaves no
output that looks finished."""

from __future__ import annotations

import shutil
from pathlib import Path

from fontsynth.dataset import Dataset
from fontsynth.datasetview import image_format
from fontsynth.errors import UserError
from fontsynth.progress import progress_bar

LABELS_FILE = "gt.txt"
IMAGES = "images"


def image_name(index: int, data: bytes) -> str:
    """`images/000000042.png` for sample 42 (`.jpg` for JPEG bytes)."""
    return f"{IMAGES}/{index:09d}.{'jpg' if image_format(data) == 'jpeg' else 'png'}"


def export_words(data: Path, out: Path, overwrite: bool = False, progress: bool = True) -> int:
    """Write the words dataset at `data` as image files and a labels file in `out` (see the
    module docstring); the number of samples written."""
    ds = Dataset(data)
    if ds.manifest.recipe != "words":
        raise UserError(f"{data} holds {ds.manifest.recipe}; export writes words datasets (image and label); "
                        "pairs are read with fontsynth.torchdata.ShardDataset")
    out = Path(out)
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite to replace it or choose another --out")
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)  # what a killed export left
    (staging / IMAGES).mkdir(parents=True)
    with progress_bar("exporting", len(ds), "images", progress) as advance, \
            open(staging / LABELS_FILE, "w", encoding="utf-8", newline="\n") as labels:
        for k, index in enumerate(ds.indices(), 1):
            sample = ds[index]
            text = sample["label"].decode("utf-8")
            if "\n" in text or "\r" in text:
                shutil.rmtree(staging)
                raise UserError(f"sample {index} of {data} has a line break in its label; a labels file cannot hold it")
            name = image_name(index, sample["image"])
            (staging / name).write_bytes(sample["image"])
            labels.write(f"{name}\t{text}\n")
            if k % 1000 == 0 or k == len(ds):
                advance(k % 1000 or 1000)
    ds.close()
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return len(ds)
