"""A PNG sheet comparing `brush stylize` methods on a few of our pairs, with Tesseract's reading.

    python scripts/stylize_sheet.py data/pairs-test --out sheet.png [--count 4] [--steps 100] [--features random]

Per pair (one row): the style image (text A), the content (text B in the standard font), and the
outputs of Gram, MRF and semantic MRF (content mask = the content's ink, style mask = A's text
mask), each captioned with what Tesseract reads in it (when installed). Also prints one JSON
object: the settings, each method's seconds and its Tesseract word accuracy against text B."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

from brush.features import load_feature_net
from brush.stylize import StylizeConfig, stylize
from classifier.plots import captioned, grid
from classifier.recognizer import tesseract
from fontsynth.codec import decode
from fontsynth.dataset import Dataset

METHODS = {
    "gram": lambda steps: StylizeConfig(style_loss="gram", steps=steps),
    "mrf": lambda steps: StylizeConfig(style_loss="mrf", steps=steps),
    "semantic mrf": lambda steps: StylizeConfig(style_loss="mrf", steps=steps),
}


def rgb(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    parser.add_argument("--out", default="stylize-sheet.png")
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--features", default="random")
    args = parser.parse_args()
    ds = Dataset(Path(args.data))
    net = load_feature_net(args.features)
    judge = tesseract.available()
    cells, seconds, correct = [], {m: 0.0 for m in METHODS}, {m: 0 for m in METHODS}
    for index in range(args.count):
        sample = ds[index]
        style, content = rgb(decode(sample["image"])), decode(sample["content-b"]).reshape(*decode(sample["image"]).shape[:2])
        mask_a = decode(sample["mask"]).reshape(content.shape)
        text_b = sample["label-b"].decode()
        row = [captioned(Image.fromarray(style), "style (A)"), captioned(Image.fromarray(content), f"content: {text_b}")]
        for method, make in METHODS.items():
            masks = (255 - content, mask_a) if method == "semantic mrf" else (None, None)
            start = time.perf_counter()
            result = stylize(content, style, net, make(args.steps), *masks)
            seconds[method] += time.perf_counter() - start
            read = tesseract.read_images([result.image])[0] if judge else "(no tesseract)"
            correct[method] += read == text_b
            row.append(captioned(Image.fromarray(result.image), f"{method}: {read!r}"))
        cells += row
    grid(cells, 2 + len(METHODS)).save(args.out)
    print(json.dumps({"out": args.out, "pairs": args.count, "steps": args.steps, "features": args.features,
                      "seconds": {m: round(s, 1) for m, s in seconds.items()},
                      "tesseract_accuracy": {m: c / args.count for m, c in correct.items()} if judge else None}))


if __name__ == "__main__":
    main()
