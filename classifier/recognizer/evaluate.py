"""Recognition metrics (pure) and the eval report: word accuracy (case-sensitive and not),
character error rate, normalised edit distance, and a sheet of the worst errors."""

from __future__ import annotations

import csv
import json
import unicodedata
from pathlib import Path

from classifier.recognizer.labels import edit_distance


def alnum_key(text: str) -> str:
    """`text` as the scene-text benchmarks compare it (DTRB's evaluation when not case-sensitive):
    lower case, every character but letters, digits and combining marks removed. For their
    labels (ASCII) that is DTRB's 0-9 and a-z; in other scripts their letters stay (with 0-9a-z
    alone, two Hebrew words compared as two empty strings: always equal)."""
    return "".join(c for c in text.lower() if unicodedata.category(c)[0] in "LNM")


def recognition_metrics(predictions: list[str], truths: list[str]) -> dict[str, float]:
    """word_accuracy (exact, case-sensitive), word_accuracy_nocase, word_accuracy_alnum (the
    benchmarks' protocol: `alnum_key` of both equal), cer = total edit distance / total truth
    length, ned = mean of edit distance / max(len(truth), len(prediction)), n."""
    n = len(truths)
    if n == 0:
        return {"word_accuracy": float("nan"), "word_accuracy_nocase": float("nan"), "word_accuracy_alnum": float("nan"),
                "cer": float("nan"), "ned": float("nan"), "n": 0}
    distances = [edit_distance(p, t) for p, t in zip(predictions, truths)]
    return {
        "word_accuracy": sum(p == t for p, t in zip(predictions, truths)) / n,
        "word_accuracy_nocase": sum(p.lower() == t.lower() for p, t in zip(predictions, truths)) / n,
        "word_accuracy_alnum": sum(alnum_key(p) == alnum_key(t) for p, t in zip(predictions, truths)) / n,
        "cer": sum(distances) / max(1, sum(len(t) for t in truths)),
        "ned": sum(d / max(len(t), len(p), 1) for d, t, p in zip(distances, truths, predictions)) / n,
        "n": n,
    }


def metrics_by_group(groups: list[str], predictions: list[str], truths: list[str]) -> dict[str, dict[str, float]]:
    """`recognition_metrics` of each group's readings (`groups`: one name per reading, e.g. the
    benchmark of DTRB's evaluation folder it came from), in the order the groups first appear."""
    members: dict[str, list[int]] = {}
    for k, group in enumerate(groups):
        members.setdefault(group, []).append(k)
    return {group: recognition_metrics([predictions[k] for k in ks], [truths[k] for k in ks]) for group, ks in members.items()}


def write_worst(worst: list[tuple[float, object, str, str]], path: Path, caption_fonts=None) -> None:
    """A sheet of errors: (normalised edit distance, image tensor, truth, prediction), worst
    first. Truths and readings in another script than Latin are written in a font of
    `caption_fonts` (a `datasetview.CaptionFonts`) that covers them, when there is one."""
    from PIL import Image, ImageDraw

    from classifier.plots import captioned, grid, tensor_to_image

    def shown(image):  # 256 px wide, so the captions fit
        picture = tensor_to_image(image)
        return picture.resize((256, max(1, round(256 * picture.height / picture.width))))

    font = caption_fonts("".join(truth + read for _, _, truth, read in worst)) if caption_fonts else None
    font = None if caption_fonts and font is caption_fonts.default else font
    tiles = [captioned(captioned(shown(image), truth, prefix="truth: ", font=font), read, prefix="read:  ", font=font)
             for _, image, truth, read in worst]
    if not tiles:
        tile = Image.new("RGB", (300, 40), "white")
        ImageDraw.Draw(tile).text((8, 12), "no errors", fill="black")
        tiles = [tile]
    grid(tiles, columns=4).save(path)


def write_readings(indices: list[int], truths: list[str], predictions: list[str], path: Path) -> None:
    """readings.csv: one row per image read (sample index, text, reading, edit distance)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["index", "text", "reading", "edit_distance"])
        for index, truth, read in zip(indices, truths, predictions, strict=True):
            writer.writerow([index, truth, read, edit_distance(read, truth)])


def write_report(report: dict, worst, out: Path, readings: tuple[list[int], list[str], list[str]] | None = None,
                 caption_fonts=None) -> None:
    """eval.json, worst.png (captions in a font of `caption_fonts` when they need one),
    readings.csv when `readings` (indices, truths, predictions) are given, and effects.csv/png
    when the report has word accuracy `by_effect`."""
    from classifier.slices import write_slices

    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    write_worst(worst, out / "worst.png", caption_fonts)
    if readings is not None:
        write_readings(*readings, out / "readings.csv")
    if "by_effect" in report:
        write_slices(report["by_effect"], report["word_accuracy"], out, "word accuracy", column="word_accuracy")
