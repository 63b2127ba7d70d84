"""How often the classifier's `polarity` input norm guesses a render's polarity right.

The guess (classifier.inputs.light_text, which the readers' polarity norm and brush's `polarity`
use): text is light when the grey levels are skewed towards light. The truth comes from each sample's Style: text is dark when its colour
is darker than the background's (the mean of both colours for gradients and textures), unless
the Style inverts the image.

    python scripts/check_polarity.py data/words-val --n 3000
"""

from __future__ import annotations

import argparse
import json

from classifier.inputs import light_text
from fontsynth.torchdata import ShardDataset


def luminance(rgb: list[int]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def dark_text(style: dict) -> bool:
    """The Style's truth: is the text darker than its ground?"""
    ground = style["bg_color"] if style["bg_kind"] == "flat" else [(a + b) / 2 for a, b in zip(style["bg_color"], style["bg_color2"])]
    return (luminance(style["text_color"]) < luminance(ground)) != style["invert"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", help="a `fontsynth render` output")
    parser.add_argument("--n", type=int, default=3000, help="samples to check (the first N)")
    args = parser.parse_args()
    dataset = ShardDataset(args.data, fields=("image", "meta"), size=(32, 128), channels=1)
    n = min(args.n, len(dataset))
    wrong = []
    for i in range(n):
        item = dataset[i]
        style = json.loads(item["meta"])["style"]
        if bool(light_text(item["image"][None])) == dark_text(style):
            wrong.append({"index": i, "background": style["bg_kind"]})
    print(json.dumps({"n": n, "right": (n - len(wrong)) / n, "wrong": wrong[:20]}))


if __name__ == "__main__":
    main()
