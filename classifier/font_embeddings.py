"""Each font of a folder as a typeface classifier sees it: the mean of the classifier's unit
embeddings of `n` word renders of the font (`fontsynth.specimen.word_specimens`).

brush's `--match-by specimens` compares a crop's embedding with these, so a font the classifier
never saw can be matched. Drawing and embedding them costs about 0.1 s a font on 2 CPU cores
(32 renders each), minutes for a folder of thousands, so:
- the renders are drawn in `workers` processes, a chunk of fonts per task, while this process
  embeds the chunks already drawn;
- the means are kept beside the classifier's checkpoint (`<run>/specimens/<checkpoint>-<key>.pt`)
  per font id. A font id is a hash of the font file's bytes, so any folder holding the same file
  hits the cache, and a folder that gained fonts embeds only those. The key covers the
  checkpoint's bytes, `n`, the seed, fontsynth's version and its sample version (what else
  decides the renders);
  a run folder that cannot be written to goes without the cache (a note on stderr). It does not
  cover the device: means embedded on a GPU serve a CPU run and the other way round. They differ
  slightly (float32 rounding; bf16 where CUDA runs the classifier in it), which could swap two
  nearly equal candidates; not measured, as no GPU has run the matcher yet.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from classifier.classification import Classifier
    from fontsynth.catalog import Catalog

CACHE_FORMAT = 1
CHUNK = 8  # fonts per rendering task
SAVE_EVERY_S = 120.0  # a long first pass writes what it has embedded at least this often: a kill loses little


@dataclass
class FontMeans:
    """Mean unit embeddings by font id, and the fonts that draw no specimen (none of the corpus'
    words, or FreeType fails on them): what the cache holds."""

    means: dict[str, torch.Tensor] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    def known(self) -> set[str]:
        return set(self.means) | self.skipped


def cache_path(classifier: Classifier, n: int, seed: int = 0) -> Path:
    """Where the font means of `classifier`'s checkpoint over `n` renders drawn with `seed` are kept."""
    import fontsynth
    from fontsynth.fileio import sha256_file
    from fontsynth.recipes import SAMPLE_VERSION

    checkpoint = Path(classifier.weights["checkpoint"])
    key = {"format": CACHE_FORMAT, "checkpoint": sha256_file(checkpoint), "specimens": n, "seed": seed, "fontsynth": fontsynth.__version__,
           "sample_version": SAMPLE_VERSION}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return checkpoint.parent / "specimens" / f"{checkpoint.stem}-{digest}.pt"


def read_cache(path: Path) -> FontMeans:
    """The cached means at `path`; empty when there is none, or it is damaged or of another format
    (it is then recomputed and rewritten)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        if saved.get("format") != CACHE_FORMAT or len(saved["fonts"]) != len(saved["means"]):
            return FontMeans()
        return FontMeans(dict(zip(saved["fonts"], saved["means"])), set(saved["skipped"]))
    except Exception:  # missing, truncated by hand, foreign: torch raises many types
        return FontMeans()


def write_cache(path: Path, cached: FontMeans) -> bool:
    """Write `cached` to `path` atomically; False when the folder cannot be written to."""
    from fontsynth.fileio import atomic_write_bytes

    fonts = sorted(cached.means)
    buffer = io.BytesIO()
    torch.save({"format": CACHE_FORMAT, "fonts": fonts, "skipped": sorted(cached.skipped),
                "means": torch.stack([cached.means[f] for f in fonts]) if fonts else torch.empty(0)}, buffer)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, buffer.getvalue())
    except OSError:
        return False
    return True


def drawn_chunks(catalog: Catalog, fonts: list[str], n: int, size: tuple[int, int], workers: int = 1, seed: int = 0,
                 chunk: int = CHUNK) -> Iterator[tuple[list[str], dict[str, list]]]:
    """(the chunk's font ids, `word_specimens` of them) for consecutive chunks of `fonts`, in order;
    drawn in `workers` processes when there is more than one chunk. A chunk is drawn from a
    catalog of its own fonts (a font's specimens do not depend on the other fonts)."""
    import joblib

    from fontsynth.specimen import word_specimens

    entries = catalog.by_id()
    chunks = [fonts[i:i + chunk] for i in range(0, len(fonts), chunk)]
    tasks = [(replace(catalog, fonts=[entries[f] for f in c]), c) for c in chunks]
    if workers <= 1 or len(chunks) <= 1:
        for sub, ids in tasks:
            yield ids, word_specimens(sub, ids, n, size, seed)
        return
    drawn = joblib.Parallel(n_jobs=min(workers, len(chunks)), return_as="generator")(
        joblib.delayed(word_specimens)(sub, ids, n, size, seed) for sub, ids in tasks)
    yield from zip([ids for _, ids in tasks], drawn)


def font_embeddings(classifier: Classifier, catalog: Catalog, fonts: list[str], n: int, workers: int = 1, progress: bool = False,
                    seed: int = 0, cache: bool = True) -> tuple[list[str], torch.Tensor]:
    """(the fonts of `fonts` that draw specimens, in that order; F x D unit vectors): each font's
    mean unit embedding by `classifier` over `n` word renders at its canvas, normalised. Fonts
    cached for this checkpoint are read, the others drawn, embedded and added to the cache."""
    from fontsynth.progress import progress_bar

    path = cache_path(classifier, n, seed) if cache else None
    cached = read_cache(path) if path else FontMeans()
    todo = [f for f in fonts if f not in cached.known()]
    if todo:
        saved_at, writable = time.monotonic(), path is not None
        with progress_bar("font specimens", len(todo), "fonts", progress) as advance:
            for ids, drawn in drawn_chunks(catalog, todo, n, tuple(classifier.canvas), workers, seed, CHUNK):
                if drawn:  # the chunk's images in full batches, then each font's rows
                    units = torch.nn.functional.normalize(classifier.embed([im for images in drawn.values() for im in images]), dim=1)
                    for font, rows in zip(drawn, units.split([len(images) for images in drawn.values()])):
                        cached.means[font] = rows.mean(0)
                cached.skipped.update(f for f in ids if f not in drawn)
                advance(len(ids))
                if writable and time.monotonic() - saved_at > SAVE_EVERY_S:
                    writable, saved_at = save(path, cached), time.monotonic()
        if writable:
            save(path, cached)
    kept = [f for f in fonts if f in cached.means]
    if not kept:
        return [], torch.empty(0, 0)
    return kept, torch.nn.functional.normalize(torch.stack([cached.means[f] for f in kept]), dim=1)


def save(path: Path, cached: FontMeans) -> bool:
    """`write_cache`, with a note on stderr when the folder is read-only."""
    if write_cache(path, cached):
        return True
    print(f"note: cannot write {path}; the font specimens are embedded again on every run", file=sys.stderr)
    return False
