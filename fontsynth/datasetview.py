"""Looking at a dataset: statistics (`info`), a preview grid, and replaying a stored sample."""

from __future__ import annotations

import collections
import random
from collections.abc import Callable, Iterable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fontsynth.catalog import Catalog
from fontsynth.codec import decode
from fontsynth.corpus import describe_source
from fontsynth.dataset import Dataset
from fontsynth.errors import UserError
from fontsynth.render import Renderer
from fontsynth.shards import SampleRecord, folder_bytes


def label_statistics(labels: Iterable[str]) -> tuple[collections.Counter, collections.Counter]:
    """(label length -> count, character -> count) over `labels`."""
    lengths: collections.Counter[int] = collections.Counter()
    chars: collections.Counter[str] = collections.Counter()
    for label in labels:
        lengths[len(label)] += 1
        chars.update(label)
    return lengths, chars


def dataset_info(ds: Dataset) -> dict:
    """Counts, fonts used, label statistics, image formats and size on disk."""
    lengths, chars = label_statistics(v.decode("utf-8") for _, v in ds.column("label"))
    fonts = collections.Counter(v.decode() for _, v in ds.column("font") if v is not None)
    formats = collections.Counter()
    for shard in ds.shards:  # recorded when the shard was written: no image is read (older shards: each one's first bytes)
        formats.update(ds.reader(shard.name).image_formats())
    total = sum(lengths.values())
    disk = sum(folder_bytes(ds.root / s.name) for s in ds.shards)
    return {
        "path": str(ds.root),
        "recipe": ds.manifest.recipe,
        "samples": total,
        "planned": ds.manifest.n,
        "complete": ds.complete,
        "shards": len(ds.shards),
        "seed": ds.manifest.seed,
        "texts": describe_source(ds.manifest.corpus),
        "fonts_used": len(fonts),
        "top_fonts": fonts.most_common(5),
        "label_length": {
            "min": min(lengths) if lengths else 0,
            "mean": round(sum(k * v for k, v in lengths.items()) / max(total, 1), 2),
            "max": max(lengths) if lengths else 0,
        },
        "characters": len(chars),
        "top_characters": "".join(c for c, _ in chars.most_common(20)),
        "image_formats": dict(formats),
        "bytes_on_disk": disk,
        "bytes_per_sample": round(disk / max(total, 1), 1),
    }


def preview_grid(ds: Dataset, count: int = 32, seed: int = 0, columns: int = 2, fields: tuple[str, ...] = ("image",), indices: list[int] | None = None) -> Image.Image:
    """A grid of `count` random samples (of `indices`, default all); each cell shows `fields`
    side by side and the label."""
    indices = ds.indices() if indices is None else indices
    picks = sorted(random.Random(seed).sample(indices, min(count, len(indices))))
    cells = []
    caption_font = CaptionFonts(ds.catalog)
    for index in picks:
        sample = ds[index]
        images = [_as_rgb(decode(sample[f])) for f in fields if f in sample]
        h = max(im.shape[0] for im in images)
        row = np.hstack([np.pad(_to_height(im, h), ((0, 0), (0, 4), (0, 0)), constant_values=255) for im in images])
        label = sample["label"].decode("utf-8")
        if "label-b" in sample:
            label += "  ->  " + sample["label-b"].decode("utf-8")
        caption = caption_image(f"{index}: ", caption_font.default, label, caption_font(label, sample.get("font", b"").decode()))
        cell = Image.new("RGB", (max(row.shape[1], caption.width + 4), h + caption.height + 2), "white")
        cell.paste(Image.fromarray(row), (0, 0))
        cell.paste(caption, (2, h + 1))
        cells.append(cell)
    return _grid(cells, columns)


def caption_image(prefix: str, prefix_font: ImageFont.FreeTypeFont, label: str, label_font: ImageFont.FreeTypeFont) -> Image.Image:
    """`prefix` then `label` on one baseline, each in its font (a label in another script is
    laid out by HarfBuzz in its own direction), as tall as the taller font's line."""
    ascent, descent = (max(m) for m in zip(prefix_font.getmetrics(), label_font.getmetrics()))
    width = prefix_font.getlength(prefix)
    image = Image.new("RGB", (int(width + label_font.getlength(label)) + 1, max(15, ascent + descent)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((0, ascent), prefix, fill="black", font=prefix_font, anchor="ls")
    draw.text((width, ascent), label, fill="black", font=label_font, anchor="ls")
    return image


class CaptionFonts:
    """The font a caption is written in: Pillow's default for ASCII; for any other text a font of
    the `catalog` (a function that loads it; None: there is none), laid out by HarfBuzz, so that
    an Arabic, Devanagari or Greek label reads as its image does, not as boxes: the sample's own
    font when it has every character of the caption (its label: that is how it was chosen; not
    always a pair's arrow), else the catalog's font that covers the most of the caption's characters (an eval's truth and
    reading). The default when no font covers any, or it cannot be opened (a font folder that
    moved)."""

    def __init__(self, catalog: Callable[[], Catalog] | None, size: int = 12):
        self.catalog = catalog
        self.size = size
        self.default = ImageFont.load_default(size)
        self.library = None  # a FontLibrary of the catalog, loaded for the first non-ASCII caption
        self.entries: dict = {}  # its fonts by id
        self.fonts: dict[str, ImageFont.FreeTypeFont] = {}

    def __call__(self, caption: str, font_id: str = "") -> ImageFont.FreeTypeFont:
        if caption.isascii() or self.catalog is None:
            return self.default
        try:
            if self.library is None:
                from fontsynth.fonts import FontLibrary

                self.library = FontLibrary(self.catalog())
                self.entries = self.library.catalog.by_id()
            if font_id not in self.entries or not self.entries[font_id].covers(caption.replace(" ", "")):
                font_id = self._covering(caption)
            if font_id and font_id not in self.fonts:
                self.fonts[font_id] = self._open(font_id)
        except UserError:  # the catalog is gone
            self.catalog = None
            return self.default
        return self.fonts.get(font_id, self.default)

    def _covering(self, caption: str) -> str:
        """The id of the valid font that covers the most characters of `caption` that are not
        ASCII, then the most of the others ("" when none covers any): the first in the
        catalog's order on a tie."""
        chars = "".join(sorted(set(caption) - set(" \t")))
        other = np.array([not c.isascii() for c in chars])
        best, most = "", (0, 0)
        for entry in self.library.catalog.usable(ocr_clean=False):
            covered = entry.covers_each(chars)
            score = (int(covered[other].sum()), int(covered.sum()))
            if score > most:
                best, most = entry.id, score
                if score[1] == len(chars):
                    break
        return best

    def _open(self, font_id: str) -> ImageFont.FreeTypeFont:
        from fontsynth.fonts import GlyphError

        try:
            return self.library.load(font_id, self.size, ImageFont.Layout.RAQM)
        except (UserError, GlyphError):
            return self.default


def _as_rgb(image: np.ndarray) -> np.ndarray:
    return np.dstack([image] * 3) if image.ndim == 2 else image


def _to_height(image: np.ndarray, h: int) -> np.ndarray:
    if image.shape[0] == h:
        return image
    w = max(1, round(image.shape[1] * h / image.shape[0]))
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)


def _grid(cells: list[Image.Image], columns: int) -> Image.Image:
    columns = max(1, min(columns, len(cells)))
    rows = [cells[i : i + columns] for i in range(0, len(cells), columns)]
    col_w = [max(r[c].width for r in rows if c < len(r)) for c in range(columns)]
    row_h = [max(c.height for c in r) for r in rows]
    grid = Image.new("RGB", (sum(col_w) + 8 * columns + 8, sum(row_h) + 8 * len(rows) + 8), (200, 200, 200))
    y = 8
    for r, h in zip(rows, row_h):
        x = 8
        for c, cell in enumerate(r):
            grid.paste(cell, (x, y))
            x += col_w[c] + 8
        y += h + 8
    return grid


def replay(ds: Dataset, index: int, fonts: Path | None = None) -> tuple[bytes, bytes]:
    """(stored image bytes, re-rendered image bytes) of sample `index` from its stored Style."""
    sample = ds[index]
    record = SampleRecord.decode(sample["meta"])
    text, style = record.text, record.style
    backgrounds = (ds.manifest.backgrounds or {}).get("dir")
    renderer = Renderer(ds.catalog(fonts), Path(backgrounds) if backgrounds else None)
    return sample["image"], renderer.render(text, style).data
