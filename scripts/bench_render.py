"""Render throughput and memory, with TextRecognitionDataGenerator (trdg) side by side.

    python scripts/bench_render.py --n 100000 --repeats 3 --trdg-python /tmp/trdg-venv/bin/python

fontsynth: `fontsynth render` with the default effects into LMDB shards, --workers 2, timed
from the first shard task to the final manifest (the catalog already exists); peak RSS of
each worker process polled from /proc. trdg (installed in a throwaway venv, see README of
this script's section in BENCHMARKS.md): GeneratorFromStrings on the same fonts, the same
words and 32 px height, PNG-encoded in memory, in 2 processes. Prints one JSON line per run
and a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TRDG_WORKER = r"""
import io, sys, time
from trdg.generators import GeneratorFromStrings
words = open(sys.argv[1], encoding="utf-8").read().split("\n")
fonts = sys.argv[2].split("\n")
count = int(sys.argv[3])
gen = GeneratorFromStrings(words, count=count, fonts=fonts, size=32)
n = 0
for image, label in gen:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    n += 1
print(n)
"""


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and its parts, in bytes: RssAnon (the process's own memory) and RssFile
    (mapped file pages: mostly the LMDB shard being written, which the kernel can drop)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {line.split(":")[0]: int(line.split()[1]) * 1024 for line in lines if line.startswith(("VmRSS:", "RssAnon:", "RssFile:"))}


def rss_of(pid: int) -> int:
    return memory_of(pid).get("VmRSS", 0)


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                kids = []
            out.extend(kids)
            todo.extend(kids)
    return out


class RssPoller:
    """Peak RSS (and its anonymous and file-backed parts) per descendant process, polled every 0.1 s."""

    def __init__(self) -> None:
        self.peak: dict[int, int] = {}
        self.peak_parts: dict[int, dict[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in descendants(os.getpid()):
                memory = memory_of(pid)
                self.peak[pid] = max(self.peak.get(pid, 0), memory.get("VmRSS", 0))
                old = self.peak_parts.setdefault(pid, {})
                for key, value in memory.items():
                    old[key] = max(old.get(key, 0), value)
            time.sleep(0.1)

    def __enter__(self) -> "RssPoller":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def bench_fontsynth(n: int, workers: int, fonts: Path, tmp: Path, recipe: str = "words", size: str | None = None,
                    config: Path | None = None) -> dict:
    from fontsynth.pipeline import RenderJob, execute, plan

    out = tmp / "fs"
    shutil.rmtree(out, ignore_errors=True)
    p = plan(RenderJob(fonts=fonts, out=out, n=n, workers=workers, recipe=recipe, size=size, config_file=config, show_progress=False))
    with RssPoller() as poll:
        start = time.perf_counter()
        manifest = execute(p)
        elapsed = time.perf_counter() - start
    workers_seen = sorted(poll.peak, key=poll.peak.get, reverse=True)[:workers]
    worker_peaks = [poll.peak[pid] for pid in workers_seen]
    anon = [poll.peak_parts[pid].get("RssAnon", 0) for pid in workers_seen]
    mapped = [poll.peak_parts[pid].get("RssFile", 0) for pid in workers_seen]
    disk = sum(s.bytes for s in manifest.shards)
    shutil.rmtree(out)
    return {
        "tool": "fontsynth", "recipe": recipe, "size": size, "n": n, "workers": workers, "seconds": round(elapsed, 2),
        "img_per_s": round(n / elapsed, 1), "worker_peak_rss_mb": [round(r / 2**20, 1) for r in worker_peaks],
        "worker_peak_anon_mb": [round(r / 2**20, 1) for r in anon], "worker_peak_file_mb": [round(r / 2**20, 1) for r in mapped],
        "parent_rss_mb": round(rss_of(os.getpid()) / 2**20, 1), "bytes_per_sample": round(disk / n, 1),
    }


def bench_trdg(python: str, n: int, processes: int, fonts: Path, tmp: Path) -> dict:
    from fontsynth.corpus import default_corpus
    from fontsynth.draws import sample_draws

    corpus = default_corpus()
    words = tmp / "words.txt"
    words.write_text("\n".join(corpus.sample(sample_draws(0, i)) for i in range(10000)), encoding="utf-8")
    font_list = "\n".join(str(p) for p in sorted(fonts.glob("*.[ot]tf")))
    per = n // processes
    start = time.perf_counter()
    procs = [
        subprocess.Popen([python, "-c", TRDG_WORKER, str(words), font_list, str(per)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(processes)
    ]
    made = sum(int(p.communicate()[0].split()[-1]) for p in procs)
    elapsed = time.perf_counter() - start
    return {"tool": "trdg", "n": made, "workers": processes, "seconds": round(elapsed, 2), "img_per_s": round(made / elapsed, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fonts", type=Path, default=ROOT / "fonts")
    ap.add_argument("--recipe", default="words", help="words or pairs")
    ap.add_argument("--size", help="HEIGHT or HEIGHTxWIDTH (pairs default 64x256)")
    ap.add_argument("--config", type=Path, help="JSON style settings, as `fontsynth render --config`")
    ap.add_argument("--trdg-python", help="python of a venv with trdg 1.8.0 installed (skip trdg when absent)")
    ap.add_argument("--trdg-n", type=int, default=4000)
    args = ap.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            runs.append(bench_fontsynth(args.n, args.workers, args.fonts, Path(tmp), args.recipe, args.size, args.config))
            print(json.dumps(runs[-1]), flush=True)
            if args.trdg_python:
                runs.append(bench_trdg(args.trdg_python, args.trdg_n, args.workers, args.fonts, Path(tmp)))
                print(json.dumps(runs[-1]), flush=True)
    ours = [r["img_per_s"] for r in runs if r["tool"] == "fontsynth"]
    theirs = [r["img_per_s"] for r in runs if r["tool"] == "trdg"]
    summary = {
        "fontsynth_img_per_s": {"median": statistics.median(ours), "min": min(ours), "max": max(ours)},
        "worker_peak_rss_mb": max(max(r["worker_peak_rss_mb"]) for r in runs if r["tool"] == "fontsynth"),
        "cpu": os.cpu_count(),
        "python": sys.version.split()[0],
    }
    if theirs:
        summary["trdg_img_per_s"] = {"median": statistics.median(theirs), "min": min(theirs), "max": max(theirs)}
        summary["speedup_median"] = round(statistics.median(ours) / statistics.median(theirs), 1)
    print(json.dumps({"summary": summary}))


if __name__ == "__main__":
    main()
