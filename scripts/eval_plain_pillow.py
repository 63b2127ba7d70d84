"""Does the typeface classifier know the fonts, or only our renderer? Draw words in the
classifier's fonts with another renderer, black on white, no effects, and classify them:

- `--renderer pillow` (default): plain Pillow, its own layout, no kerning table of ours (the same
  FreeType rasteriser as our renders);
- `--renderer hb-view`: HarfBuzz's `hb-view` (Debian's libharfbuzz-bin): HarfBuzz shapes and
  draws the outlines, cairo rasterises them, unhinted: another shaper and another rasteriser.
  Fonts HarfBuzz does not read (Type 1) are left out and counted.

    python scripts/eval_plain_pillow.py --model runs/typeface --fonts fonts.pack --per-font 4 [--renderer hb-view] [--json out.json] [--sheet out.png]

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


def draw_word(font_file, index: int, text: str, framing: str = "tight", size: int = 48) -> np.ndarray | None:
    """Black text on white, a margin of a fifth of the size around the text's box ("tight") or
    around the font's line, ascender to descender ("line"); None if Pillow cannot draw it."""
    try:
        font = ImageFont.truetype(font_file, size=size, index=index)
        left, top, right, bottom = font.getbbox(text)
        ascent, descent = font.getmetrics()
    except OSError:
        return None
    if right <= left or bottom <= top:
        return None
    pad = size // 5
    if framing == "line":
        left, top, right, bottom = min(left, 0), 0, max(right, round(font.getlength(text))), ascent + descent
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=0)
    return np.asarray(image)


def draw_word_hb_view(font_file, index: int, text: str, framing: str = "tight", size: int = 48) -> np.ndarray | None:
    """The same word by `hb-view` (HarfBuzz + cairo): its own line box ("line"), or cut to the
    ink ("tight"), with the same margin; None if it cannot draw it."""
    import io
    import subprocess

    if Path(font_file).suffix.lower() in (".pfb", ".pfa", ".t1"):
        return None
    pad = size // 5
    done = subprocess.run(["hb-view", f"--font-file={font_file}", f"--face-index={index}", f"--font-size={size}",
                           f"--margin={pad}", "--output-format=png", f"--text={text}"], capture_output=True, timeout=60)
    if done.returncode != 0 or not done.stdout:
        return None
    image = np.asarray(Image.open(io.BytesIO(done.stdout)).convert("L"))
    if framing == "line":
        return image
    rows, columns = np.nonzero(image < 255)
    if not len(rows):
        return None
    ink = image[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    return np.pad(ink, pad, constant_values=255)


RENDERERS = {"pillow": (draw_word, "plain Pillow, black on white"), "hb-view": (draw_word_hb_view, "hb-view (HarfBuzz + cairo), black on white")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--fonts", required=True, help="The fonts folder, catalog or pack the classifier was trained on.")
    parser.add_argument("--per-font", type=int, default=4)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--renderer", choices=sorted(RENDERERS), default="pillow")
    parser.add_argument("--framing", choices=("tight", "line"), default="tight",
                        help="margin around the text's box (default, as before) or around the font's line (ascender to descender)")
    parser.add_argument("--json")
    parser.add_argument("--sheet")
    args = parser.parse_args()

    clf = Classifier(args.model, args.device)
    catalog = load_or_scan(Path(args.fonts), show_progress=False)
    entries = {e.id: e for e in catalog.fonts}
    words = [w for w in default_corpus().words if 3 <= len(w) <= 12]
    rng = random.Random(args.seed)
    draw, described = RENDERERS[args.renderer]
    images, targets, skipped, undrawn = [], [], 0, 0
    for k, font_id in enumerate(clf.classes):
        entry = entries.get(font_id)
        if entry is None:
            skipped += 1
            continue
        for _ in range(args.per_font):
            text = rng.choice(words)
            if not entry.covers(text):
                continue
            image = draw(catalog.font_file(entry), entry.index, text, args.framing)
            if image is None:
                undrawn += 1
            else:
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
              "fonts": len({t for t in targets}), "classes": len(clf.classes), "fonts_not_in_catalog": skipped, "not_drawn": undrawn, "renderer": described, "framing": args.framing}
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
