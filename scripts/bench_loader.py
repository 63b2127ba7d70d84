"""Samples per second through a torch DataLoader: ShardDataset (stored shards) and
RenderDataset (rendered on the fly in the loader workers).

    python scripts/bench_loader.py --n 20000 --workers 0 1 2
    python scripts/bench_loader.py --n 20000 --workers 2 --only render    # on-the-fly only
    python scripts/bench_loader.py --n 20000 --workers 0 2 --only external  # other tools' layouts

Renders a words dataset once (default preset, 32 px natural width) into a temporary folder,
then reads it whole through DataLoader(batch_size=256) at each worker count, as 32x128 grey
and as 64x256 RGB; then renders `--render-n` samples on the fly at each worker count. The
loader's start (worker processes) is included; nothing else runs in the loop. One JSON line
per measurement. `--only external` times `fontsynth export` of the words, then reads the same
words as the recognizer does (32x100 grey) from the shards, from a DTRB-layout LMDB of the same
PNG bytes, from one of colour JPEGs (what the real benchmarks' LMDBs hold) and from the exported
image files through their labels file.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from torch.utils.data import DataLoader

from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.torchdata import ExternalDataset, RenderDataset, ShardDataset

ROOT = Path(__file__).resolve().parent.parent


def rate(dataset, workers: int, batch_size: int) -> tuple[float, int]:
    start = time.perf_counter()
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers, persistent_workers=False,
                        prefetch_factor=4 if workers else None)
    seen = sum(len(batch["label"]) for batch in loader)
    return seen / (time.perf_counter() - start), seen


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000, help="samples in the stored dataset")
    ap.add_argument("--render-n", type=int, default=4_000, help="samples rendered on the fly per measurement")
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--fonts", type=Path, default=ROOT / "fonts", help="fonts folder or pack")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--only", choices=["shards", "render", "external"], help="measure one kind only")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.only == "external":
            external(Path(tmp), args)
            return
        if args.only != "render":
            out = Path(tmp) / "words"
            render_dataset(RenderJob(fonts=args.fonts, out=out, n=args.n, seed=0, show_progress=False))
            for size, channels in [((32, 128), 1), ((64, 256), 3)]:
                ds = ShardDataset(out, fields=("image", "label", "class_id"), size=size, channels=channels)
                for workers in args.workers:
                    per_s, seen = rate(ds, workers, args.batch_size)
                    print(json.dumps({"dataset": "ShardDataset", "size": f"{size[0]}x{size[1]}", "channels": channels,
                                      "workers": workers, "samples": seen, "samples_per_s": round(per_s)}), flush=True)
        if args.only != "shards":
            ds = RenderDataset(args.fonts, args.render_n, seed=0, canvas=(32, 128), fields=("image", "label", "class_id"))
            for workers in args.workers:
                per_s, seen = rate(ds, workers, args.batch_size)
                print(json.dumps({"dataset": "RenderDataset", "size": "32x128", "channels": 1, "workers": workers,
                                  "samples": seen, "samples_per_s": round(per_s)}), flush=True)


def write_dtrb_lmdb(folder: Path, samples) -> None:
    """An LMDB as DTRB's create_lmdb_dataset.py writes it: (image bytes, label) per sample."""
    import lmdb

    env = lmdb.open(str(folder), map_size=1 << 34)
    with env.begin(write=True) as txn:
        for i, (data, label) in enumerate(samples, 1):
            txn.put(f"image-{i:09d}".encode(), data)
            txn.put(f"label-{i:09d}".encode(), label.encode())
        txn.put(b"num-samples", str(i).encode())
    env.close()


def as_jpeg(png: bytes) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def external(tmp: Path, args) -> None:
    from fontsynth.dataset import Dataset
    from fontsynth.export import export_dataset

    words = tmp / "words"
    render_dataset(RenderJob(fonts=args.fonts, out=words, n=args.n, seed=0, show_progress=False))
    start = time.perf_counter()
    export_dataset(words, tmp / "files", progress=False)
    print(json.dumps({"what": "fontsynth export", "samples": args.n, "samples_per_s": round(args.n / (time.perf_counter() - start))}), flush=True)
    ds = Dataset(words)
    stored = [(ds[i]["image"], ds[i]["label"].decode()) for i in ds.indices()]
    write_dtrb_lmdb(tmp / "lmdb-png", stored)
    write_dtrb_lmdb(tmp / "lmdb-jpeg", [(as_jpeg(data), label) for data, label in stored])
    sources = [("ShardDataset", lambda: ShardDataset(words, fields=("image", "label"), size=(32, 100), channels=1))] + [
        (f"ExternalDataset {name}", lambda path=path: ExternalDataset(path, fields=("image", "label"), size=(32, 100), channels=1))
        for name, path in [("LMDB of PNG", tmp / "lmdb-png"), ("LMDB of JPEG", tmp / "lmdb-jpeg"), ("labels file", tmp / "files" / "gt.txt")]]
    for name, make in sources:
        for workers in args.workers:
            per_s, seen = rate(make(), workers, args.batch_size)
            print(json.dumps({"dataset": name, "size": "32x100", "channels": 1, "workers": workers, "samples": seen,
                              "samples_per_s": round(per_s)}), flush=True)


if __name__ == "__main__":
    main()
