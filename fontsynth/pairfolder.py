"""Pairs as image folders in MOSTEL's layout (SRNet-Datagen's folders plus MOSTEL's texts), the
layout scene-text-editing code trains and evaluates on, and what `fontsynth export` writes for
pairs:

    i_s/NAME.png      the style image (text A in its look)
    t_f/NAME.png      text B in the same look: the target (benchmarks without ground truth lack it)
    t_b/NAME.png      the background without text
    mask_s/NAME.png   the pixels text A touched;  mask_t/NAME.png  those of text B
    i_t/NAME.png      text B in a standard font (SRNet's content image)
    i_t.txt           lines `NAME TEXT_B`
    i_s.txt           lines `NAME TEXT_A` (ours: MOSTEL's layout does not hold text A)

`brush eval` reads such a folder as a benchmark (`brush.benchmark`), `brush train` and
`--val-data` as pairs (`fontsynth.torchdata.PairFolderDataset`)."""

from __future__ import annotations

from pathlib import Path

from fontsynth.errors import UserError
from fontsynth.external import check_files

FOLDERS = {"image": "i_s", "target": "t_f", "background": "t_b", "mask": "mask_s", "mask-b": "mask_t", "content-b": "i_t"}
TEXTS_B = "i_t.txt"
TEXTS_A = "i_s.txt"
NEEDS = {  # what a pair field needs in such a folder, in the words of the errors that miss it
    "target": "t_f/ (text B in the style's look: the target)", "background": "t_b/ (the backgrounds)",
    "mask": "mask_s/ (the pixels of text A)", "mask-b": "mask_t/ (the pixels of text B)",
    "label": "i_s.txt (`NAME TEXT_A` lines: `fontsynth export` writes them; MOSTEL's training sets do not hold text A)",
}
NEEDS["content"] = NEEDS["label"]


def is_pair_folder(path: Path) -> bool:
    """Whether `path` is a folder in MOSTEL's layout (style images and their texts B)."""
    path = Path(path)
    return (path / FOLDERS["image"]).is_dir() and (path / TEXTS_B).is_file()


def read_texts(path: Path) -> list[tuple[str, str]]:
    """The (NAME, TEXT) lines of a texts file (`i_t.txt`, `i_s.txt`) in order; an error naming
    the file and line for a line without a text, and for a file that lists nothing."""
    path = Path(path)
    texts = []
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) < 2:
            raise UserError(f"{path}:{number} is not `NAME TEXT` ({line[:60]!r})")
        texts.append((parts[0], parts[1].strip()))
    if not texts:
        raise UserError(f"{path} lists no image")
    return texts


def read_pair_image(path: Path):
    """An image of a pair folder (uint8, as `fontsynth.canvas.read_image`); an error naming it,
    and what to do, when it does not decode."""
    from fontsynth.canvas import read_image

    try:
        return read_image(path)
    except ValueError as e:
        raise UserError(f"{e}; replace or remove it (and its line in the texts)") from None


def check_images(root: Path, folder: str, names: list[str], kind: str = "image") -> None:
    """An error when `folder` of the pair folder `root` lacks an image of any of `names`: how
    many, and the first."""
    check_files([Path(root) / folder / name for name in names], f"{Path(root) / TEXTS_B} names", kind,
                f"{folder}/ should hold an image of each name")
