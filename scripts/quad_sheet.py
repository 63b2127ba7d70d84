"""A sheet of `brush edit --quad` against `--box` on rotated words.

Held-out style images are scaled 2x, turned by a few degrees and pasted into a larger noisy
photo; `brush edit` then rewrites each word once with its four corners (`--quad`) and once with
their bounding box (`--box`). Each row of the sheet: the photo | the quad's edit | the box's edit.

    python scripts/quad_sheet.py --model runs/brush --data data/pairs-test --out sheet/
"""

from __future__ import annotations

import argparse
import math
import subprocess
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from classifier.regions import quad_transform
from fontsynth.codec import decode
from fontsynth.dataset import Dataset

WORDS = ((3, 12, "SALE"), (10, -8, "hello"), (21, 20, "Brush"))  # (sample index, degrees anticlockwise, new text)


def turned_photo(word: np.ndarray, degrees: float, seed: int, size=(240, 420)) -> tuple[np.ndarray, np.ndarray]:
    """(photo, 4 x 2 corners of the word in it, clockwise from its top-left)."""
    h, w = word.shape[:2]
    height, width = size
    rng = np.random.default_rng(seed)
    photo = (rng.normal(0, 12, (height, width, 3)) + [120, 140, 160]).clip(0, 255).astype(np.uint8)
    a = math.radians(-degrees)
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    upright = np.array([[0, 0], [w, 0], [w, h], [0, h]], float)
    quad = (upright - [w / 2, h / 2]) @ rotation.T + [width / 2, height / 2]
    m = quad_transform(quad, (w, h))  # photo -> word; drawn by its inverse, as `brush edit --quad` warps back
    warped = cv2.warpPerspective(word, m, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
    inside = cv2.warpPerspective(np.ones((h, w), np.uint8), m, (width, height), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP).astype(bool)
    photo[inside] = warped[inside]
    return photo, quad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True, help="held-out pairs (`fontsynth render --recipe pairs --split test`)")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pairs = Dataset(args.data)
    rows = []
    for k, (index, degrees, text) in enumerate(WORDS):
        word = decode(pairs[index]["image"])
        word = np.repeat(word[..., None], 3, 2) if word.ndim == 2 else word
        word = cv2.resize(word, (word.shape[1] * 2, word.shape[0] * 2), interpolation=cv2.INTER_CUBIC)
        photo, quad = turned_photo(word, degrees, seed=k)
        source = args.out / f"photo{k}.png"
        Image.fromarray(photo).save(source)
        box = (int(quad[:, 0].min()), int(quad[:, 1].min()), math.ceil(quad[:, 0].max()), math.ceil(quad[:, 1].max()))
        edits = []
        for name, region in (("quad", ["--quad", ",".join(f"{v:.1f}" for v in quad.ravel())]), ("box", ["--box", ",".join(map(str, box))])):
            out = args.out / f"{name}{k}.png"
            subprocess.run(["brush", "edit", str(source), "--text", text, *region, "-m", args.model, "-o", str(out), "--device", "cpu"], check=True)
            edits.append(np.asarray(Image.open(out)))
        rows.append(np.concatenate([photo, *edits], axis=1))
    Image.fromarray(np.concatenate(rows, axis=0)).save(args.out / "quad-sheet.png")
    print(args.out / "quad-sheet.png")


if __name__ == "__main__":
    main()
