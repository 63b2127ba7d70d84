"""How often brush's FontMatcher finds the font of a rendered word image, per way of matching.

A model trained with contents in the style's own font (`content_font` "style") draws the new
text of a photo in the font a typeface classifier matches for the crop (`brush edit
--classifier`, `--match-by`). This script scores that match on rendered images whose font is
known (`fontsynth render` words or pairs; the style image of each): top-1 and top-5 over the
fonts of `--fonts`, apart for the images whose font the classifier was trained on ("seen") and
the others ("unseen": `fonts split` designs held out from it, which matching by classes can
never find). An image whose font is a duplicate of another font of `--fonts` (`fonts scan`
keeps one of identical or near-identical files) counts that font as its own. The `seconds` of
matching by specimens include drawing them, unless the classifier's cache held them
(`classifier.font_embeddings`; `scripts/bench_font_embeddings.py` times both).

    python scripts/font_matching.py --classifier runs/typeface --fonts fonts/ --data data/pairs-test \\
        --by classes specimens --limit 1000 --out match.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def score(ranked: list[list[str]], truths: list[str], seen: set[str]) -> dict:
    """Top-1 / top-5 of the rankings against the true fonts, overall and for seen / unseen fonts."""
    out = {}
    for part, keep in (("all", lambda f: True), ("seen", lambda f: f in seen), ("unseen", lambda f: f not in seen)):
        rows = [(r, t) for r, t in zip(ranked, truths) if keep(t)]
        if rows:
            out[part] = {"n": len(rows), "top1": sum(r[:1] == [t] for r, t in rows) / len(rows),
                         "top5": sum(t in r[:5] for r, t in rows) / len(rows)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classifier", required=True, help="typeface classifier run (train-classifier)")
    parser.add_argument("--fonts", required=True, help="the fonts folder or pack matched from (brush edit --fonts)")
    parser.add_argument("--data", required=True, help="rendered words or pairs whose fonts are among --fonts")
    parser.add_argument("--by", nargs="+", default=["classes", "specimens"], help="ways of matching (brush edit --match-by)")
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--out", help="JSON report (default: stdout only)")
    args = parser.parse_args()

    from brush.contents import FontMatcher
    from fontsynth.codec import decode
    from fontsynth.dataset import Dataset

    data = Dataset(Path(args.data))
    samples = [data[k] for k in range(min(args.limit, len(data)))]
    images, truths = [decode(s["image"]) for s in samples], [s["font"].decode() for s in samples]
    report = {"classifier": args.classifier, "fonts": args.fonts, "data": args.data, "n": len(images)}
    for by in args.by:
        start = time.perf_counter()
        matcher = FontMatcher(args.fonts, classifier=args.classifier, device="cpu", by=by)
        candidates = matcher.candidates()
        ranked = matcher.ranked(images)
        kept = {f.id: f.duplicate_of or f.id for f in matcher.catalog.fonts}  # a duplicate's font: the one kept
        own = [kept.get(t, t) for t in truths]
        seen = {kept.get(c, c) for c in matcher.classifier.classes}
        report[by] = {"candidates": len(candidates), "seconds": round(time.perf_counter() - start, 1), **score(ranked, own, seen)}
        missing = sorted(set(own) - set(candidates))
        if missing:
            report[by]["true_font_not_a_candidate"] = sum(t in missing for t in own)
        if own != truths:
            report[by]["true_font_a_duplicate"] = sum(a != b for a, b in zip(own, truths))
    text = json.dumps(report, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
