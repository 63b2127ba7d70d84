"""Does the typeface classifier know the fonts, or only our renderer? Draw words in the
classifier's fonts with plain Pillow (black on white, Pillow's own layout, no effects, no
kerning table of ours) and classify them.

    python scripts/eval_plain_pillow.py --model runs/typeface --fonts fonts.pack --per-font 4 [--json out.json] [--sheet out.png]

Prints one JSON object: top1, top5, n, fonts (the same keys as eval-classifier) and writes a
sheet of the first images with their top prediction when --sheet is given."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from classifier.classification import Classifier
from fontsynth.catalog import load_or_scan
from fontsynth.corpus import default_corpus


def draw_word(font_file, index: int, text: str, size: int = 48) -> np.ndarray | None:
    """Black text on white with a margin of a fifth of the height; None if Pillow cannot draw it."""
    try:
        font = ImageFont.truetype(font_file, size=size, index=index)
        left, top, right, bottom = font.getbbox(text)
    except OSError:
        return None
    if right <= left or bottom <= top:
        return None
    pad = size // 5
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=0)
    return np.asarray(image)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--fonts", required=True, help="The fonts folder, catalog or pack the classifier was trained on.")
    parser.add_argument("--per-font", type=int, default=4)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json")
    parser.add_argument("--sheet")
    args = parser.parse_args()

    clf = Classifier(args.model, args.device)
    catalog = load_or_scan(Path(args.fonts), show_progress=False)
    entries = {e.id: e for e in catalog.fonts}
    words = [w for w in default_corpus().words if 3 <= len(w) <= 12]
    rng = random.Random(args.seed)
    images, targets, skipped = [], [], 0
    for k, font_id in enumerate(clf.classes):
        entry = entries.get(font_id)
        if entry is None:
            skipped += 1
            continue
        for _ in range(args.per_font):
            text = rng.choice(words)
            if not entry.covers(text):
                continue
            image = draw_word(catalog.font_file(entry), entry.index, text)
            if image is not None:
                images.append(image)
                targets.append(k)
    class_of = {font: k for k, font in enumerate(clf.classes)}
    ranked = clf.top(images, 5)
    top1 = top5 = 0
    for r, target in zip(ranked, targets):
        ids = [class_of[t["font"]] for t in r]
        top1 += ids[0] == target
        top5 += target in ids
    n = len(images)
    report = {"top1": top1 / n if n else float("nan"), "top5": top5 / n if n else float("nan"), "n": n,
              "fonts": len({t for t in targets}), "classes": len(clf.classes), "fonts_not_in_catalog": skipped, "renderer": "plain Pillow, black on white"}
    print(json.dumps(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    if args.sheet and images:
        from classifier.plots import captioned, grid, tensor_to_image

        tiles = []
        for image, target, r in list(zip(images, targets, ranked))[:24]:
            best = r[0]
            mark = "ok" if class_of[best["font"]] == target else "x"
            seen = clf.prepare(image)  # what the model saw (a wide word: its windows, the left end shown)
            tiles.append(captioned(tensor_to_image(seen if seen.ndim == 3 else seen[0]), f"{mark} {best['family']} {best['style']}"))
        grid(tiles, columns=4).save(args.sheet)


if __name__ == "__main__":
    main()
