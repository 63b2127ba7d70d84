"""Recipes: what one sample is made of. `words` (an image and its label) and `pairs`.

A recipe turns a global sample index into the fields stored for it. Every random choice comes
from `sample_draws(seed, index)`, drawn in a fixed order (texts, font, Style), so sample i is
the same whatever the worker, the shard layout, or where a resumed run restarted.
"""

from __future__ import annotations

import hashlib
import json
import string
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fontsynth.catalog import Catalog, FontEntry
from fontsynth.corpus import Corpus
from fontsynth.draws import Draws, sample_draws
from fontsynth.render import Renderer
from fontsynth.style import Style, StyleConfig, sample_style

MAX_TEXT_DRAWS = 100


class FontPicker:
    """Chooses uniformly among the fonts that cover every character of a text."""

    def __init__(self, fonts: list[FontEntry]):
        self.ids = [f.id for f in sorted(fonts, key=lambda f: f.id)]
        self._fonts = sorted(fonts, key=lambda f: f.id)
        self._cover: dict[str, np.ndarray] = {}

    def covering(self, chars: str) -> np.ndarray:
        mask = np.ones(len(self.ids), bool)
        for c in set(chars):
            m = self._cover.get(c)
            if m is None:
                m = self._cover[c] = np.array([f.covers(c) for f in self._fonts], bool)
            mask &= m
        return np.flatnonzero(mask)

    def covered_chars(self, candidates: str = string.printable) -> set[str]:
        return {c for c in candidates if self.covering(c).size}

    def pick(self, draws: Draws, chars: str) -> str | None:
        """A font id, or None when no font covers `chars` (one draw consumed either way)."""
        options = self.covering(chars)
        r = draws.random()
        return self.ids[options[int(r * options.size)]] if options.size else None


@dataclass
class SampleContext:
    """Everything needed to make any sample of a dataset; picklable, shipped to each worker."""

    recipe: str
    seed: int
    catalog: Catalog
    corpus: Corpus
    config: StyleConfig
    ocr_clean: bool = True
    backgrounds: str | None = None
    textures: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        """Identifies what this context renders (for per-process caches)."""
        parts = [self.recipe, self.seed, self.corpus.sha256, len(self.corpus.lines), self.config.to_dict(), self.ocr_clean,
                 self.backgrounds, self.textures, str(self.catalog.root), [(f.id, f.path, f.distinct, f.ocr_clean) for f in self.catalog.fonts]]
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class SampleMaker:
    """Makes the stored fields of sample `index` (per worker: holds the font and texture caches)."""

    def __init__(self, ctx: SampleContext):
        self.ctx = ctx
        self.renderer = Renderer(ctx.catalog, Path(ctx.backgrounds) if ctx.backgrounds else None)
        self.picker = FontPicker(ctx.catalog.usable(ctx.ocr_clean))

    def draw_text(self, draws: Draws, corpus: Corpus, also: str = "") -> tuple[str, str]:
        """A text and a font covering it (and `also`); redraws texts no font covers."""
        for _ in range(MAX_TEXT_DRAWS):
            text = corpus.sample(draws)
            font = self.picker.pick(draws, text + also)
            if font is not None:
                return text, font
        raise RuntimeError(f"no font covers the texts drawn from corpus {corpus.name}")

    def style(self, draws: Draws, font: str) -> Style:
        return sample_style(draws, self.ctx.config, font, self.ctx.textures)

    def words(self, index: int) -> dict[str, bytes]:
        draws = sample_draws(self.ctx.seed, index)
        text, font = self.draw_text(draws, self.ctx.corpus)
        style = self.style(draws, font)
        out = self.renderer.render(text, style)
        meta = {"index": index, "text": text, "style": style.to_dict()}
        return {
            "image": out.data,
            "label": text.encode("utf-8"),
            "meta": json.dumps(meta, sort_keys=True, separators=(",", ":")).encode(),
            "font": font.encode(),
        }

    def make(self, index: int) -> dict[str, bytes]:
        return RECIPES[self.ctx.recipe](self, index)


RECIPES = {"words": SampleMaker.words}


def style_of(meta: bytes) -> tuple[str, Style]:
    """(text, Style) from a stored meta record."""
    record = json.loads(meta)
    return record["text"], Style(**record["style"])
