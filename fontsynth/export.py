"""A dataset as image files and a labels file: what other tools read.

- **words**: `images/NNNNNNNNN.png` (the stored bytes, unchanged: sample index, 9 digits) and
  `gt.txt`, one `images/NNNNNNNNN.png<TAB>TEXT` line per sample in index order: the input of
  DTRB's `create_lmdb_dataset.py` and PaddleOCR's recognition label files, and what
  `fontsynth.external` reads back (`eval-recognizer --data out/gt.txt`).
- **pairs**: the layout MOSTEL trains and evaluates on (SRNet-Datagen's folders, without its
  text skeletons `t_sk/` and plain targets `t_t/` that only SRNet's training reads, plus
  MOSTEL's `mask_s/`, `txt/` and `i_t.txt`): `i_s/` (style
  image, text A), `t_f/` (text B in the same style: the target), `t_b/` (the background),
  `mask_s/` and `mask_t/` (the masks of A and B), `i_t/` (B in the standard font), `i_t.txt`
  (`NAME TEXT_B` lines: the text MOSTEL draws as its content image), `txt/NAME.txt` (text B again:
  MOSTEL's loader takes the last word of its first line as what its recognizer must read in the
  edited image, the target's text) and, ours, `i_s.txt` (`NAME TEXT_A` lines: the style
  image's own text, which MOSTEL's layout does not hold), each image `NNNNNNNNN.png` in every folder (an
  image stored as JPEG, as the JPEG effect leaves some, is written as the PNG of its decoded
  pixels, so the names match across folders and nothing more is lost); `brush eval --data
  OUT` reads it as it reads Tamper-Syn2k. MOSTEL's own loader splits `i_t.txt` lines at
  whitespace, so texts with spaces need one-word texts (a `--corpus` of words) to feed it; the
  export counts them.

Written into a hidden sibling folder and renamed into place when complete, so an interrupted
export leaves no output that looks finished."""

from __future__ import annotations

import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from fontsynth.dataset import Dataset
from fontsynth.shards import image_format
from fontsynth.errors import UserError, refuse_file
from fontsynth.pairfolder import FOLDERS as PAIR_FOLDERS
from fontsynth.pairfolder import TEXTS_A as STYLE_TEXTS
from fontsynth.pairfolder import TEXTS_B as PAIR_TEXTS
from fontsynth.progress import progress_bar

LABELS_FILE = "gt.txt"
IMAGES = "images"


@dataclass
class Exported:
    count: int  # samples written
    labels: str  # the labels file's name
    spaced: int = 0  # pairs whose text B holds whitespace (MOSTEL's loader cannot read them)


def image_name(index: int, data: bytes) -> str:
    """`000000042.png` for sample 42 (`.jpg` for JPEG bytes)."""
    return f"{index:09d}.{'jpg' if image_format(data) == 'jpeg' else 'png'}"


def as_png(data: bytes) -> bytes:
    """PNG bytes of a stored image: the bytes themselves, or a JPEG's decoded pixels as PNG."""
    if image_format(data) == "png":
        return data
    import cv2

    from fontsynth.codec import decode

    pixels = decode(data)
    ok, encoded = cv2.imencode(".png", pixels[:, :, ::-1] if pixels.ndim == 3 else pixels)
    assert ok, "PNG encoding failed"
    return encoded.tobytes()


def single_line(text: str, index: int, data: Path) -> str:
    if "\n" in text or "\r" in text:
        raise UserError(f"sample {index} of {data} has a line break in its label; a labels file cannot hold it")
    return text


EXPORT_NAMES = {LABELS_FILE, IMAGES, *PAIR_FOLDERS.values(), "txt", PAIR_TEXTS, STYLE_TEXTS}  # what an export writes


def check_replaceable(out: Path) -> None:
    """--overwrite replaces an earlier export only: a folder holding anything an export does not
    write (the dataset itself, someone's files) is left alone."""
    strangers = sorted(p.name for p in out.iterdir() if p.name not in EXPORT_NAMES)
    if strangers:
        raise UserError(f"--out {out} holds files an export does not write ({', '.join(strangers[:3])}{', ...' if len(strangers) > 3 else ''}): "
                        "it is not an earlier export, so it is left alone; choose another --out")


def export_dataset(data: Path, out: Path, overwrite: bool = False, progress: bool = True) -> Exported:
    """Write the dataset at `data` as files in `out` (see the module docstring)."""
    ds = Dataset(data)
    out = Path(out)
    refuse_file(out)
    if out.exists() and not overwrite:
        raise UserError(f"{out} exists; pass --overwrite to replace it or choose another --out")
    if out.exists():
        check_replaceable(out)
    pairs = ds.manifest.recipe == "pairs"
    staging = out.parent / f".{out.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)  # what a killed export left
    folders = [*PAIR_FOLDERS.values(), "txt"] if pairs else [IMAGES]
    for folder in folders:
        (staging / folder).mkdir(parents=True)
    result = Exported(len(ds), PAIR_TEXTS if pairs else LABELS_FILE)
    try:
        with progress_bar("exporting", len(ds), "samples", progress) as advance, \
                open(staging / result.labels, "w", encoding="utf-8", newline="\n") as labels, \
                open(staging / STYLE_TEXTS, "w", encoding="utf-8", newline="\n") if pairs else nullcontext() as style_texts:
            for k, index in enumerate(ds.indices(), 1):
                sample = ds[index]
                if pairs:
                    name = f"{index:09d}.png"
                    for field, folder in PAIR_FOLDERS.items():
                        (staging / folder / name).write_bytes(as_png(sample[field]))
                    text_a, text_b = (single_line(sample[key].decode("utf-8"), index, data) for key in ("label", "label-b"))
                    result.spaced += any(c.isspace() for c in text_b)
                    (staging / "txt" / f"{Path(name).stem}.txt").write_text(text_b + "\n", encoding="utf-8")
                    labels.write(f"{name} {text_b}\n")
                    style_texts.write(f"{name} {text_a}\n")
                else:
                    name = f"{IMAGES}/{image_name(index, sample['image'])}"
                    (staging / name).write_bytes(sample["image"])
                    labels.write(f"{name}\t{single_line(sample['label'].decode('utf-8'), index, data)}\n")
                if k % 1000 == 0 or k == len(ds):
                    advance(k % 1000 or 1000)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        ds.close()
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return result
