"""Where the time of one sample goes: microseconds per sample and stage, one process.

    python scripts/bench_stages.py --warmup 10000 --n 10000

Renders samples of the default words recipe (embedded fonts and corpus, default preset) into
a shard in a temporary folder, with each stage's function wrapped in a timer. The first
`--warmup` samples fill the per-process caches and are not counted. Stages are the
functions the pipeline calls, so the table follows the code: nothing is re-implemented here.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from fontsynth import recipes, render, shards
from fontsynth.effects import geometry
from fontsynth.pipeline import RenderJob, plan

ROOT = Path(__file__).resolve().parent.parent

# (label, namespace holding the name the caller looks up, name)
STAGES = [
    ("text + font choice", recipes.SampleMaker, "draw_texts"),
    ("Style sampling", recipes, "sample_style"),
    ("text layer (cached glyphs)", render, "text_layers"),
    ("curved baseline", geometry, "curve"),
    ("warp into the canvas", geometry, "warp_and_fit"),
    ("crop (no warp)", geometry, "crop"),
    ("fit (no warp)", geometry, "fit"),
    ("background", render, "make_background"),
    ("compositing", render, "compose"),
    ("degradations", render, "degrade"),
    ("PNG/JPEG encoding", render, "encode"),
    ("meta JSON", recipes, "_meta"),
    ("shard write (sums, LMDB)", shards.ShardWriter, "add"),
]


def timed(fn, totals: dict, label: str):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start

    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--warmup", type=int, default=10_000)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--fonts", type=Path, default=ROOT / "fonts")
    args = ap.parse_args()
    totals: dict[str, float] = defaultdict(float)
    for label, owner, name in STAGES:
        setattr(owner, name, timed(getattr(owner, name), totals, label))
    with tempfile.TemporaryDirectory() as tmp:
        context = plan(RenderJob(fonts=args.fonts, out=Path(tmp) / "unused", n=1, workers=1, show_progress=False)).context
        maker = recipes.SampleMaker(context)
        writer = shards.ShardWriter(Path(tmp), 0, 0, {})
        for index in range(args.warmup):
            writer.add(maker.make(index))
        totals.clear()
        start = time.perf_counter()
        for index in range(args.warmup, args.warmup + args.n):
            writer.add(maker.make(index))
        whole = time.perf_counter() - start
        writer.abort()
    print(f"{'stage':28s} {'us/sample':>9s}")
    for label, _, _ in STAGES:
        print(f"{label:28s} {totals[label] / args.n * 1e6:9.1f}")
    print(f"{'other (glue, draws)':28s} {(whole - sum(totals.values())) / args.n * 1e6:9.1f}")
    print(f"{'whole sample':28s} {whole / args.n * 1e6:9.1f}")


if __name__ == "__main__":
    main()
