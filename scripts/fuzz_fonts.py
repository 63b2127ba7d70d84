"""Fuzz the font checker with mutated fonts: does any file abort a scan, crash or hang it?

    python scripts/fuzz_fonts.py --n 3000 --seed 0 --out /tmp/fuzz            # mutate + check
    python scripts/fuzz_fonts.py --n 10000 --seed 1 --out /tmp/fuzz --keep     # keep the files

Each mutant is made from one of the seed fonts (default: the embedded `fonts/`) by one
mutation drawn from a seeded generator, so a run is reproducible from (--seed, --n):

  bytes:  flip     random bit flips (1-32)
          truncate cut the file at a random length
          block    overwrite a random block with random bytes
          tabledir damage the table directory (tags, offsets, lengths)
          offset   point one table's offset past the end or into another table
  fontTools (a parsed font, changed, saved):
          glyphs   absurd maxp.numGlyphs
          cmap     a cmap subtable offset past the end of the table
          cycle    composite glyphs referencing each other (or themselves), deep nesting
          advance  huge or negative advance widths

The mutants go through the same checker child processes as `fontsynth fonts scan`
(`fontsynth.isolate.run_isolated`), in chunks; a chunk whose checker raised is checked file
by file to name the files that abort a scan. Prints one JSON object: counts of checked,
rejected (by reason), aborted (with the files), timed out, crashed, seconds per font and the
peak memory of the checker children.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import re
import resource
import struct
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fontsynth.fonts import FONT_SUFFIXES  # noqa: E402
from fontsynth.isolate import ChildError, python_module_command, run_isolated  # noqa: E402

BYTE_MUTATIONS = ("flip", "truncate", "block", "tabledir", "offset")
STRUCTURAL_MUTATIONS = ("glyphs", "cmap", "cycle", "advance")


def flip(data: bytearray, rng: random.Random) -> bytearray:
    for _ in range(rng.randint(1, 32)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return data


def truncate(data: bytearray, rng: random.Random) -> bytearray:
    return data[: rng.randrange(1, len(data))]


def block(data: bytearray, rng: random.Random) -> bytearray:
    size = rng.randint(1, min(4096, len(data)))
    start = rng.randrange(len(data) - size + 1)
    data[start : start + size] = rng.randbytes(size)
    return data


def _table_records(data: bytearray) -> list[int]:
    """Byte offsets of the sfnt table records (16 bytes each) of the first font."""
    if len(data) < 12 or data[:4] == b"ttcf":
        return []
    count = struct.unpack(">H", data[4:6])[0]
    return [12 + 16 * i for i in range(count) if 12 + 16 * (i + 1) <= len(data)]


def tabledir(data: bytearray, rng: random.Random) -> bytearray:
    records = _table_records(data)
    if not records:
        return flip(data, rng)
    record = rng.choice(records)
    field = rng.choice([0, 8, 12])  # tag, offset, length
    data[record + field : record + field + 4] = rng.randbytes(4) if field == 0 else struct.pack(">I", rng.choice([0, len(data), 2**32 - 1, rng.randrange(2**32)]))
    return data


def offset(data: bytearray, rng: random.Random) -> bytearray:
    records = _table_records(data)
    if len(records) < 2:
        return flip(data, rng)
    a, b = rng.sample(records, 2)
    target = rng.choice([len(data) + rng.randrange(1, 1 << 20), struct.unpack(">I", data[b + 8 : b + 12])[0]])
    data[a + 8 : a + 12] = struct.pack(">I", target % 2**32)
    return data


def structural(data: bytes, kind: str, rng: random.Random) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(BytesIO(data), lazy=False)
    if kind == "glyphs":
        font["maxp"].numGlyphs = rng.choice([0, 1, 65535, font["maxp"].numGlyphs * 7 % 65536])
    elif kind == "advance":
        metrics = font["hmtx"].metrics
        for name in rng.sample(sorted(metrics), min(len(metrics), 20)):
            metrics[name] = (rng.choice([65535, 40000, 0]), metrics[name][1])
    elif kind == "cycle" and "glyf" in font:
        glyf = font["glyf"]
        composites = [n for n in glyf.keys() if glyf[n].isComposite()]
        if composites:
            name = rng.choice(composites)
            glyf[name].components[0].glyphName = name  # refers to itself
        else:
            names = font.getGlyphOrder()[1:8]
            from fontTools.ttLib.tables._g_l_y_f import GlyphComponent

            for a, b in zip(names, names[1:] + names[:1]):  # a ring of composites
                component = GlyphComponent()
                component.glyphName, component.x, component.y, component.flags = b, 0, 0, 0
                glyph = glyf[a]
                glyph.numberOfContours, glyph.components = -1, [component]
    out = BytesIO()
    font.save(out)
    raw = bytearray(out.getvalue())
    if kind == "cmap":
        for record in _table_records(raw):
            if raw[record : record + 4] == b"cmap":
                table = struct.unpack(">I", raw[record + 8 : record + 12])[0]
                if table + 12 <= len(raw):
                    raw[table + 8 : table + 12] = struct.pack(">I", len(raw) * 2)  # first subtable offset past the end
    return bytes(raw)


def mutant(data: bytes, kind: str, rng: random.Random) -> bytes:
    if kind in STRUCTURAL_MUTATIONS:
        try:
            return structural(data, kind, rng)
        except Exception:  # fontTools cannot even build this mutant: fall back to bytes
            kind = "block"
    return bytes(globals()[kind](bytearray(data), rng))


def reason_kind(result: dict) -> list[str]:
    """Short reasons of one file's check result (one per rejected face, or the file's)."""
    if "error" in result:
        return [re.sub(r"\s*\(.*", "", result["error"])[:60]]
    return ["accepted" if f["accepted"] else re.sub(r"\s*[\('].*", "", f["reason"])[:60] for f in result.get("faces", [])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fonts", type=Path, default=ROOT / "fonts")
    ap.add_argument("--out", type=Path, help="folder for the mutants (default: a temporary one)")
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("--chunk", type=int, default=50)
    args = ap.parse_args()
    sources = sorted(p for p in args.fonts.rglob("*") if p.suffix.lower() in FONT_SUFFIXES)
    rng = random.Random(f"fuzz:{args.seed}")
    out = args.out or Path(tempfile.mkdtemp(prefix="fontsynth-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    files = []
    kinds = collections.Counter()
    for i in range(args.n):
        source = rng.choice(sources)
        kind = rng.choice(BYTE_MUTATIONS + STRUCTURAL_MUTATIONS)
        kinds[kind] += 1
        path = out / f"{i:06d}-{kind}-{source.stem}{source.suffix}"
        path.write_bytes(mutant(source.read_bytes(), kind, rng))
        files.append(path)
    command = python_module_command("fontsynth.fontcheck")
    reasons: collections.Counter = collections.Counter()
    aborted: list[str] = []
    start = time.perf_counter()
    for k in range(0, len(files), args.chunk):
        chunk = files[k : k + args.chunk]
        try:
            results = run_isolated(command, [{"path": str(p)} for p in chunk], args.timeout)
        except ChildError:
            results = []
            for p in chunk:  # find the files that abort
                try:
                    results.extend(run_isolated(command, [{"path": str(p)}], args.timeout))
                except ChildError as e:
                    aborted.append(f"{p.name}: {str(e).strip().splitlines()[-1]}")
        for result in results:
            reasons.update(reason_kind(result))
    seconds = time.perf_counter() - start
    print(json.dumps({
        "fonts": len(files), "seed": args.seed, "mutations": dict(kinds), "aborted": len(aborted), "aborted_files": aborted,
        "timed_out": sum(v for r, v in reasons.items() if r.startswith("timed out")),
        "crashed": sum(v for r, v in reasons.items() if r.startswith("crashed")),
        "reasons": dict(reasons.most_common()), "seconds_per_font": round(seconds / max(1, len(files)), 4), "out": str(out),
        # the largest resident set of any finished checker child (Linux: KB), and of this process
        "checker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
        "parent_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }, indent=1))


if __name__ == "__main__":
    main()
