"""An independent judge: Tesseract reads the same held-out images as our recognizer.

    python scripts/eval_tesseract.py data/words-test --limit 1000 [--workers 2] [--psm 7] [--lang eng]
    python scripts/eval_tesseract.py runs/brush/eval-pairs-test/outputs   # `brush eval --save-outputs`

Each image is passed as stored (PNG) to `tesseract IMAGE stdout --psm 7 -l LANG` (one text
line; LANG `eng` unless `--lang` names other installed language data, e.g. `ara` from Debian's
tesseract-ocr-ara); the text is compared exactly (case-sensitive) with the label. Prints one JSON object
with the same keys as `eval-recognizer --json` (word_accuracy, word_accuracy_nocase, cer, ned, n,
and by_effect for a rendered dataset); `--out DIR` writes effects.csv and effects.png there."""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from classifier.recognizer.evaluate import recognition_metrics
from classifier.recognizer.tesseract import language_problem, read_png, version
from classifier.slices import accuracy_by_slice, write_slices
from fontsynth.dataset import Dataset


def load_dataset(path: Path, limit: int) -> tuple[list[bytes], list[str], list[bytes]]:
    ds = Dataset(path)
    samples = [ds[i] for i in range(min(limit, len(ds)))]
    return [s["image"] for s in samples], [s["label"].decode() for s in samples], [s["meta"] for s in samples]


def load_outputs(path: Path, limit: int) -> tuple[list[bytes], list[str], list[bytes]]:
    """`brush eval --save-outputs`: NNNNNN.png in index order and texts.txt, one text per line."""
    truths = (path / "texts.txt").read_text(encoding="utf-8").splitlines()[:limit]
    return [(path / f"{i:06d}.png").read_bytes() for i in range(len(truths))], truths, []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--psm", type=int, default=7)
    parser.add_argument("--lang", default="eng", help="Tesseract's language data (-l): eng, ara, heb+eng, ...")
    parser.add_argument("--out", type=Path, help="folder for effects.csv and effects.png (word accuracy by render slice)")
    args = parser.parse_args()
    problem = language_problem(args.lang)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        sys.exit(2)
    path = Path(args.data)
    load = load_outputs if (path / "texts.txt").exists() else load_dataset
    images, truths, records = load(path, args.limit)
    with ThreadPoolExecutor(args.workers) as pool:
        predictions = list(pool.map(lambda png: read_png(png, args.psm, args.lang), images))
    report = {**recognition_metrics(predictions, truths), "judge": version(), "psm": args.psm, "lang": args.lang, "data": args.data}
    if records:
        report["by_effect"] = accuracy_by_slice(records, [p == t for p, t in zip(predictions, truths)])
        if args.out:
            write_slices(report["by_effect"], report["word_accuracy"], args.out, "word accuracy (Tesseract)", column="word_accuracy")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
