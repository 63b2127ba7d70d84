"""Fuzz the image reader with mutated image files: does any file escape its one error line?

    python scripts/fuzz_images.py --n 10000 --seed 0
    python scripts/fuzz_images.py --n 2000 --seed 1 --keep /tmp/fuzz-images   # keep the escapes

Every image a user hands to a model command (`classify`, `recognize`, `brush edit`, the images
of a labels file, DTRB LMDBs, MOSTEL folders) is read by `fontsynth.canvas.read_image`, which
must either return pixels or raise ValueError naming the file (the commands' one `error:` line,
exit 2) whatever the bytes. Seeds: small word-like images in PNG (RGB, RGBA, palette with
transparency, grey, 16-bit grey), JPEG (baseline, progressive, EXIF-rotated), WebP, BMP, GIF
and TIFF. Each mutant is one seed changed by one mutation drawn from a seeded generator, so a
run is reproducible from (--seed, --n):

  flip      random bit flips (1-32)
  truncate  cut the file at a random length
  block     overwrite a random block with random bytes
  size      PNG only: a new width and height in the header, its CRC made valid (up to 2^31-1:
            decompression bombs, or dimensions the data cannot fill)

Prints one JSON object: how many read, how many refused with ValueError (by message kind),
the escapes (other exceptions, with a file each), reads past --timeout seconds, the slowest
read and the peak RSS.
"""

from __future__ import annotations

import argparse
import collections
import io
import json
import random
import resource
import signal
import struct
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from fontsynth.canvas import read_image  # noqa: E402

MUTATIONS = ("flip", "truncate", "block", "size")


def seed_images() -> dict[str, bytes]:
    """Small images of a dark bar (a word's stand-in) on a light ground, in every format and mode read."""
    rng = np.random.default_rng(0)
    rgb = np.full((24, 80, 3), 230, np.uint8)
    rgb[8:16, 6:70] = rng.integers(0, 80, (8, 64, 3))
    rgba = np.dstack([rgb, np.where(rgb[..., 0] < 128, 255, 0).astype(np.uint8)])
    grey = rgb[..., 0]
    seeds = {}

    def encode(name: str, image: Image.Image, fmt: str, **options) -> None:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        seeds[name] = buffer.getvalue()

    encode("rgb.png", Image.fromarray(rgb), "PNG")
    encode("rgba.png", Image.fromarray(rgba, "RGBA"), "PNG")
    encode("palette.png", Image.fromarray(rgb).quantize(16), "PNG", transparency=0)
    encode("grey.png", Image.fromarray(grey), "PNG")
    encode("grey16.png", Image.fromarray(grey.astype(np.uint16) * 257), "PNG")
    encode("baseline.jpg", Image.fromarray(rgb), "JPEG", quality=90)
    encode("progressive.jpg", Image.fromarray(rgb), "JPEG", quality=90, progressive=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate
    encode("rotated.jpg", Image.fromarray(rgb), "JPEG", exif=exif.tobytes())
    encode("lossy.webp", Image.fromarray(rgba, "RGBA"), "WEBP", quality=80)
    encode("image.bmp", Image.fromarray(rgb), "BMP")
    encode("image.gif", Image.fromarray(rgb).quantize(16), "GIF")
    encode("image.tiff", Image.fromarray(rgb), "TIFF", compression="tiff_deflate")
    return seeds


def mutate(data: bytes, name: str, kind: str, rng: random.Random) -> bytes:
    data = bytearray(data)
    if kind == "flip":
        for _ in range(rng.randint(1, 32)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "truncate":
        data = data[: rng.randrange(1, len(data))]
    elif kind == "block":
        start = rng.randrange(len(data))
        length = rng.randint(1, 64)
        data[start:start + length] = bytes(rng.randrange(256) for _ in range(min(length, len(data) - start)))
    elif kind == "size":  # PNG: IHDR at byte 8 (length, "IHDR", width, height, ...; CRC after 13 bytes)
        width, height = (rng.choice([0, 1, rng.randint(1, 5000), rng.randint(5000, 70000), 2**31 - 1]) for _ in range(2))
        data[16:24] = struct.pack(">II", width, height)
        data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one read may take")
    parser.add_argument("--keep", type=Path, help="write the files that escaped or timed out here")
    args = parser.parse_args()
    seeds = seed_images()
    rng = random.Random(args.seed)
    counts, refusals = collections.Counter(), collections.Counter()
    escapes: dict[str, list] = collections.defaultdict(list)  # exception type -> [(file, message)]
    slowest = (0.0, "")

    def alarm(*_):
        raise TimeoutError("read took too long")

    signal.signal(signal.SIGALRM, alarm)
    start = time.perf_counter()
    for i in range(args.n):
        name = rng.choice(sorted(seeds))
        kind = rng.choice(MUTATIONS if name.endswith(".png") else MUTATIONS[:3])
        data = mutate(seeds[name], name, kind, rng)
        label = f"{i:06d}-{kind}-{name}"
        began = time.perf_counter()
        signal.setitimer(signal.ITIMER_REAL, args.timeout)
        try:
            pixels = read_image(io.BytesIO(data))
            assert pixels.dtype == np.uint8 and pixels.ndim in (2, 3), (pixels.dtype, pixels.shape)
            counts["read"] += 1
        except ValueError as e:
            counts["refused"] += 1
            refusals[str(e).split("(", 1)[-1].split(":")[0]] += 1
        except TimeoutError:
            counts["timed out"] += 1
            escapes["TimeoutError"].append((label, f"over {args.timeout} s"))
        except BaseException as e:  # what the commands would print as a traceback
            counts["escaped"] += 1
            escapes[type(e).__name__].append((label, str(e)[:80]))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        took = time.perf_counter() - began
        if took > slowest[0]:
            slowest = (took, label)
        if args.keep and any(v[-1][0] == label for v in escapes.values()):
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / label).write_bytes(data)
    print(json.dumps({
        "mutants": args.n, "seed": args.seed, **counts, "refused_by": dict(refusals.most_common()),
        "escapes": {k: {"count": len(v), "first": v[0][0], "message": v[0][1]} for k, v in escapes.items()},
        "slowest_read_s": round(slowest[0], 3), "slowest": slowest[1],
        "seconds_per_file": round((time.perf_counter() - start) / args.n, 5),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }, indent=1))


if __name__ == "__main__":
    main()
