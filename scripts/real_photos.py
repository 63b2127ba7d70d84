"""Real photos: how models trained only on our renders read and edit words in photographs.

The photos are OpenCV's scene-text samples (Debian's `opencv-doc`: street signs, shop fronts,
a generator, a projector; OpenCV's license), not ours to ship, so they are read from where
the package puts them; `scripts/real-words.json` (ours) names 49 words in them: the image, the
text as printed (case kept), and the word's box (LEFT,TOP,RIGHT,BOTTOM pixels, a few pixels of
margin; none for the four samples that are word crops already).

    apt-get download opencv-doc && dpkg-deb -x opencv-doc_*.deb /tmp/opencv-doc
    python scripts/real_photos.py --photos /tmp/opencv-doc/usr/share/doc/opencv-doc/examples/text \\
        --recognizer runs/trba [--brush runs/brush] --out results/

Reading: each word's crop (`classifier.regions.crop_region`, what `recognize --box` reads) by
our recognizer and by Tesseract 5 (`--psm 7`, when installed), scored as `eval-recognizer`
scores (case-sensitive, case-insensitive, and the benchmarks' alphanumeric protocol); and each
boxed word again with its box loosened or tightened on every side by a share of its height
(`--loose`, default -0.1 to 0.5), the photo's own surroundings coming in as they would from a
loose hand-drawn or detected box: word accuracy by loosening (`loose` in the JSON).
Editing (with `--brush`): each boxed word is rewritten, alone, to another word of the list
(`new_text`: the closest in length, in the word's own case), as `brush edit --box` does; the
edited box is read back by both readers and scored against the new text, beside the same
readers on the unedited box (what reading the old text as the new one would score), and how
much of the look survives, without a true edit to compare with: `ends` of the crop and of its
edit (the mean colours of their darkest and lightest 15% of pixels: ink and paper in either
polarity), the edit's contrast (lightest minus darkest, in grey levels) as a share of the
crop's, and the colour error (RGB distance of the two ends, averaged). `--pairs DATA` puts the
same look figures on rendered held-out pairs beside them: the edit of each style image to its
text B, and the true target (what a perfect edit keeps).

Writes to `--out`: real-photos.json (every figure), words.csv (every reading), reading.png
(crops with truth and readings), and with `--brush` edits.png (crop | edit, with readings) and
photo-edited.png (the first photo with every word rewritten)."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from classifier.plots import captioned, grid
from classifier.recognizer.evaluate import recognition_metrics
from classifier.regions import crop_region

WORDS = Path(__file__).with_name("real-words.json")


def in_case_of(text: str, like: str) -> str:
    """`text` in the case scheme of `like`: upper, lower, or capitalised."""
    if like.isupper():
        return text.upper()
    if like.islower():
        return text.lower()
    return text[:1].upper() + text[1:].lower()


def new_text(words: list[str], k: int) -> str:
    """The replacement for word k: the other word (case-insensitively different) closest to it in
    length, the first in list order after k on a tie, in word k's case."""
    own = words[k]
    others = [words[(k + j) % len(words)] for j in range(1, len(words))]
    others = [w for w in others if w.lower() != own.lower()]
    return in_case_of(min(others, key=lambda w: abs(len(w) - len(own))), own)


def ends(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean RGB of the darkest 15% of pixels, mean RGB of the lightest 15%) of a uint8 image."""
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
    pixels = rgb.reshape(-1, 3).astype(np.float64)
    order = np.argsort(pixels.mean(axis=1), kind="stable")
    k = max(1, round(0.15 * len(order)))
    return pixels[order[:k]].mean(axis=0), pixels[order[-k:]].mean(axis=0)


def look_kept(crop: np.ndarray, edit: np.ndarray) -> tuple[float, float]:
    """(the edit's contrast as a share of the crop's, the RGB distance of their dark and light
    ends averaged): 1 and 0 when the edit keeps the crop's ink and paper."""
    (dark, light), (edit_dark, edit_light) = ends(crop), ends(edit)
    contrast = (light - dark).mean()
    kept = (edit_light - edit_dark).mean() / contrast if contrast > 0 else float("nan")
    return float(kept), float((np.linalg.norm(dark - edit_dark) + np.linalg.norm(light - edit_light)) / 2)


def summary(looks: list[tuple[float, float]]) -> dict[str, float]:
    array = np.array(looks, dtype=np.float64).reshape(-1, 2)
    return {"contrast_kept_median": float(np.nanmedian(array[:, 0])), "colour_error_mean": float(np.nanmean(array[:, 1]))}


def rendered_looks(editor, path: Path, limit: int) -> dict:
    """`look_kept` of brush's edits and of the true targets, against the style image, on the
    first `limit` rendered pairs of `path`."""
    from fontsynth.codec import decode
    from fontsynth.dataset import Dataset

    pairs = Dataset(path)
    edits, targets = [], []
    for k in range(min(limit, len(pairs))):
        sample = pairs[k]
        style = decode(sample["image"])
        edits.append(look_kept(style, editor.generate(style, sample["label-b"].decode())[0]))
        targets.append(look_kept(style, decode(sample["target"])))
    return {"data": str(path), "n": len(edits), "edits": summary(edits), "targets": summary(targets)}


def load_words(photos: Path) -> list[dict]:
    words = json.loads(WORDS.read_text())
    missing = sorted({w["image"] for w in words if not (photos / w["image"]).is_file()})
    if missing:
        print(f"error: {photos} lacks {', '.join(missing)}; pass --photos the folder of opencv-doc's examples/text", file=sys.stderr)
        sys.exit(2)
    return words


def crops_of(words: list[dict], photos: dict[str, np.ndarray]) -> list[np.ndarray]:
    return [crop_region(photos[w["image"]], box=tuple(w["box"]) if "box" in w else None) for w in words]


def loosened(box: tuple[int, int, int, int], share: float, height: int, width: int) -> tuple[int, int, int, int]:
    """`box` grown on every side by `share` of its height (shrunk when negative), in whole pixels,
    clipped to the photo."""
    left, top, right, bottom = box
    d = round(share * (bottom - top))
    return max(0, left - d), max(0, top - d), min(width, right + d), min(height, bottom + d)


def loose_reading(words: list[dict], photos: dict[str, np.ndarray], read: dict, shares: list[float]) -> dict:
    """{reader: {share: word accuracy}} of the boxed words read from boxes loosened by each share."""
    boxed = [w for w in words if "box" in w]
    out: dict = {name: {} for name in read}
    for share in shares:
        crops = [crop_region(photos[w["image"]], box=loosened(tuple(w["box"]), share, *photos[w["image"]].shape[:2])) for w in boxed]
        for name, fn in read.items():
            out[name][f"{share:g}"] = recognition_metrics(fn(crops), [w["text"] for w in boxed])["word_accuracy"]
    return out


def shown(image: np.ndarray, height: int = 40, width: int = 200) -> Image.Image:
    """`image` at `height` pixels, its aspect kept, on a white tile `width` wide (cut if wider)."""
    picture = Image.fromarray(image).convert("RGB")
    picture = picture.resize((max(1, round(picture.width * height / picture.height)), height))
    tile = Image.new("RGB", (width, height), "white")
    tile.paste(picture.crop((0, 0, min(width, picture.width), height)), (0, 0))
    return tile


def readers(args) -> dict:
    """{name: function from a list of uint8 images to their texts}: ours (with --recognizer), and
    Tesseract when installed; at least one."""
    from classifier.recognizer import Reader
    from classifier.recognizer import tesseract

    out = {}
    if args.recognizer:
        ours = Reader(args.recognizer, device="cpu")
        out["ours"] = lambda images: ours.read(images)[0]
    if tesseract.available():
        out["tesseract"] = lambda images: tesseract.read_images(images, workers=2)
    if not out:
        print("error: no reader: pass --recognizer RUN, or install Tesseract 5 (apt-get install tesseract-ocr)", file=sys.stderr)
        sys.exit(2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, required=True, help="folder of the photos (opencv-doc's examples/text)")
    parser.add_argument("--recognizer", help="recognizer run folder or checkpoint (without: Tesseract alone reads)")
    parser.add_argument("--brush", help="brush run folder or checkpoint: edit every boxed word too")
    parser.add_argument("--pairs", type=Path, help="rendered pairs (`--recipe pairs`): the look figures of edits and of true targets")
    parser.add_argument("--fonts", help="a brush model with contents in the style's own font: the fonts to draw from (brush edit --fonts)")
    parser.add_argument("--classifier", help="such a model: the typeface classifier that matches each crop's font (brush edit --classifier)")
    parser.add_argument("--match-by", default="classes", help="such a model: how the classifier matches (brush edit --match-by)")
    parser.add_argument("--limit", type=int, default=300, help="pairs read from --pairs")
    parser.add_argument("--loose", type=float, nargs="*", default=[-0.1, 0.0, 0.1, 0.2, 0.3, 0.5],
                        help="box loosenings (shares of the box height per side) to read the boxed words at")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    from fontsynth.canvas import read_image

    words = load_words(args.photos)
    photos = {name: read_image(args.photos / name) for name in dict.fromkeys(w["image"] for w in words)}
    crops = crops_of(words, photos)
    truths = [w["text"] for w in words]
    read = readers(args)
    readings = {name: fn(crops) for name, fn in read.items()}
    report = {"n": len(words), "photos": len(photos), "recognizer": args.recognizer,
              "reading": {name: recognition_metrics(texts, truths) for name, texts in readings.items()},
              "loose": loose_reading(words, photos, read, args.loose)}
    rows = [{"image": w["image"], "box": w.get("box", ""), "text": w["text"], **{f"read_{k}": v[i] for k, v in readings.items()}}
            for i, w in enumerate(words)]
    tiles = [captioned(captioned(shown(c), f"truth: {t}"), "  ".join(f"{k}: {v[i]}" for k, v in readings.items()))
             for i, (c, t) in enumerate(zip(crops, truths))]
    args.out.mkdir(parents=True, exist_ok=True)
    grid(tiles, columns=5).save(args.out / "reading.png")

    if args.brush:
        from brush.edit import Edit, Editor

        editor = Editor(args.brush, device="cpu", fonts=args.fonts, classifier=args.classifier, match_by=args.match_by)
        boxed = [i for i, w in enumerate(words) if "box" in w]
        new = {i: new_text(truths, i) for i in boxed}
        edited_photos = [editor.edit(photos[words[i]["image"]], new[i], box=tuple(words[i]["box"])) for i in boxed]
        edited = [crop_region(p, box=tuple(words[i]["box"])) for p, i in zip(edited_photos, boxed)]
        targets = [new[i] for i in boxed]
        edit_readings = {name: fn(edited) for name, fn in read.items()}
        looks = np.array([look_kept(crops[i], e) for i, e in zip(boxed, edited)])
        report["editing"] = {
            "brush": args.brush, "classifier": args.classifier, "match_by": args.match_by, "n": len(boxed), **summary(looks),
            "edited": {name: recognition_metrics(texts, targets) for name, texts in edit_readings.items()},
            "unedited": {name: recognition_metrics([readings[name][i] for i in boxed], targets) for name in read},
        }
        for j, i in enumerate(boxed):
            rows[i].update({"new_text": new[i], **{f"edit_read_{k}": v[j] for k, v in edit_readings.items()},
                            "contrast_kept": round(looks[j, 0], 3), "colour_error": round(looks[j, 1], 1)})
        tiles = [captioned(captioned(shown(np.concatenate([crops[i], e], axis=1), width=400), f"{truths[i]} -> {new[i]}"),
                           "  ".join(f"{k}: {v[j]}" for k, v in edit_readings.items()))
                 for j, (i, e) in enumerate(zip(boxed, edited))]
        grid(tiles, columns=3).save(args.out / "edits.png")
        first = words[0]["image"]
        photo = editor.apply(photos[first], tuple(Edit(new[i], box=tuple(words[i]["box"])) for i in boxed if words[i]["image"] == first))
        Image.fromarray(np.concatenate([photos[first], photo], axis=1)).save(args.out / "photo-edited.png")
        if args.pairs:
            report["rendered_pairs"] = rendered_looks(editor, args.pairs, args.limit)

    with open(args.out / "words.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
        writer.writeheader()
        writer.writerows(rows)
    (args.out / "real-photos.json").write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
