"""What matching fonts by specimens costs (`brush edit --match-by specimens`): each font's mean
embedding by a typeface classifier over its specimens (classifier.font_embeddings), drawn
without the cache in one process and in worker processes, then written to the cache and read
back. The cache goes to a temporary copy of the classifier's checkpoint, so the run's own
cache is left alone.

    python scripts/bench_font_embeddings.py --classifier runs/typeface --fonts fonts/ --workers 1 2 --out emb.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classifier", required=True, help="typeface classifier run (train-classifier)")
    parser.add_argument("--fonts", required=True, help="fonts folder or pack (brush edit --fonts)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="rendering processes to time, without the cache")
    parser.add_argument("--specimens", type=int, help="renders per font (default: brush's SPECIMENS)")
    parser.add_argument("--limit", type=int, help="only the first N fonts (by id)")
    parser.add_argument("--out", help="JSON report (default: stdout only)")
    args = parser.parse_args()

    import torch

    from brush.contents import SPECIMENS, open_catalog
    from classifier.classification import Classifier
    from classifier.font_embeddings import cache_path, font_embeddings

    n = args.specimens or SPECIMENS
    catalog = open_catalog(args.fonts)
    fonts = sorted(f.id for f in catalog.usable(ocr_clean=False))[:args.limit]
    report: dict = {"classifier": args.classifier, "fonts": args.fonts, "candidates": len(fonts), "specimens": n,
                    "threads": torch.get_num_threads(), "cold": {}}

    def timed(classifier, workers, cache):
        start = time.perf_counter()
        kept, means = font_embeddings(classifier, catalog, fonts, n, workers, progress=sys.stderr.isatty(), cache=cache)
        return time.perf_counter() - start, kept, means

    classifier = Classifier(args.classifier, device="cpu")
    reference = None
    for workers in args.workers:
        seconds, kept, means = timed(classifier, workers, cache=False)
        report["cold"][str(workers)] = {"seconds": round(seconds, 1), "fonts_per_s": round(len(fonts) / seconds, 1)}
        reference = reference if reference is not None else means
        report["cold"][str(workers)]["max_diff"] = float((means - reference).abs().max()) if len(kept) else 0.0
    report["drawn"] = len(kept)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "run"
        copy.mkdir()
        shutil.copyfile(classifier.weights["checkpoint"], copy / Path(classifier.weights["checkpoint"]).name)
        copied = Classifier(copy, device="cpu")
        first, _, _ = timed(copied, max(args.workers), cache=True)
        warm, _, cached = timed(Classifier(copy, device="cpu"), max(args.workers), cache=True)
        report["first_with_cache"] = {"seconds": round(first, 1), "workers": max(args.workers)}
        report["cached"] = {"seconds": round(warm, 2), "bytes": cache_path(copied, n).stat().st_size,
                            "max_diff": float((cached - reference).abs().max()) if len(kept) else 0.0}
    print(json.dumps(report, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
