"""Recipes: what one sample is made of. `words` (an image and its label) and `pairs`.

`pairs` (for brush): two texts A and B drawn in one Style on a fixed canvas. Each text is
scaled to fit the canvas keeping its aspect and padded, placed by the Style's alignment, as
word boxes are; so A and B share font, size class, colours, background crop, geometry and
degradations, and differ only in their text (and so in their scale when lengths differ).

A recipe turns a global sample index into the fields stored for it. Every random choice comes
from `sample_draws(seed, index)`, drawn in a fixed order (texts, font, Style), so sample i is
the same whatever the worker, the shard layout, or where a resumed run restarted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from fontsynth.catalog import Catalog, FontEntry
from fontsynth.codec import encode
from fontsynth.corpus import Corpus
from fontsynth.draws import Draws, sample_draws
from fontsynth.effects.degrade import degrade
from fontsynth.fonts import GlyphError
from fontsynth.render import Renderer
from fontsynth.shards import SampleRecord
from fontsynth.style import Style, StyleConfig, sample_style


class UncoveredTexts(RuntimeError):
    """No font of the sampling covers any of the texts drawn for a sample."""


@dataclass(frozen=True)
class ContentFont:
    """A standard content font, shipped in the package (`file`, beside its `.LICENSE`)."""

    id: str  # its font id in a Style
    file: str
    name: str


# The standard content fonts: each text is drawn in the first that has every character of it.
# Bitstream Vera Sans first (Latin: the contents every earlier dataset and model has); DejaVu
# Sans, Vera extended with the same Latin (Greek, Cyrillic, Hebrew, Arabic, Armenian, Georgian,
# Lao, ...); Lohit Devanagari.
CONTENT_FONTS = (
    ContentFont("content", "data/content-font.ttf", "Bitstream Vera Sans"),
    ContentFont("content-dejavu", "data/content-font-dejavu.ttf", "DejaVu Sans"),
    ContentFont("content-devanagari", "data/content-font-devanagari.ttf", "Lohit Devanagari"),
)
CONTENT_FONT_ID = CONTENT_FONTS[0].id


def content_font_path(font: ContentFont = CONTENT_FONTS[0]) -> Path:
    from importlib import resources

    return Path(str(resources.files("fontsynth").joinpath(font.file)))


class ContentFonts:
    """Which standard content font draws a text: the first of CONTENT_FONTS with every character
    of it. A pair's texts are drawn in them too (its `content` and `content-b`), so a text none
    of them has whole makes no pair."""

    def __init__(self, fonts: tuple[ContentFont, ...] = CONTENT_FONTS):
        from fontTools.ttLib import TTFont

        self.fonts = fonts
        self.charsets = [frozenset(map(chr, TTFont(content_font_path(f), lazy=True).getBestCmap() or {})) for f in fonts]

    def font_for(self, text: str) -> str | None:
        """The id of the content font that draws `text`, or None when none has all of it."""
        chars = set(text)
        return next((f.id for f, charset in zip(self.fonts, self.charsets) if chars <= charset), None)

    def covers(self, text: str) -> bool:
        return self.font_for(text) is not None

    def missing(self, text: str) -> str:
        """The characters of `text` the content font closest to drawing it lacks ("" if one draws it)."""
        return min(("".join(sorted(set(text) - charset)) for charset in self.charsets), key=len)

    def register(self, cache) -> None:
        """Make the content fonts available to a `fontsynth.fonts` font cache under their ids."""
        for f in self.fonts:
            cache.register(f.id, content_font_path(f))


def content_style(height: int, width: int, font: str = CONTENT_FONT_ID) -> Style:
    """The fixed Style of content images: dark on light, centred, no effect; in a standard
    content font, or in `font` (a catalog font id: brush's contents in the style's own font)."""
    return Style(font=font, font_size=32, out_height=height, out_width=width, margins=[0.1] * 4, align=[0.5, 0.5])

class ContentRenderer:
    """Texts in the standard content fonts exactly as `--recipe pairs` stores `content` (black on
    white, grey H x W uint8): what `brush edit` feeds the generator. With a `catalog`, also in
    any of its fonts (`font=` a font id), laid out the same way (brush's `content_font` "style")."""

    def __init__(self, catalog: Catalog | None = None):
        self.renderer = Renderer(catalog or Catalog(root=Path("."), fonts=[]))
        self.standard = ContentFonts()
        self.standard.register(self.renderer.fonts)
        self.entries = {f.id: f for f in catalog.fonts} if catalog is not None else {}

    def missing(self, text: str, font: str | None = None) -> str:
        """The characters of `text` the content fonts (or catalog font `font`) cannot draw it without."""
        if font is None:
            return self.standard.missing(text)
        return "".join(sorted({c for c in text if not self.entries[font].covers(c)}))

    def draw(self, text: str, height: int, width: int, font: str | None = None) -> np.ndarray:
        return self.renderer.layers(text, content_style(height, width, font or self.standard.font_for(text) or CONTENT_FONT_ID)).image[..., 0]

    def draw_for(self, text: str, height: int, width: int, crop: tuple[int, int], font: str | None = None) -> np.ndarray:
        """The content brush shows with a crop of size `crop` (height, width) resized to its
        height x width canvas (`fontsynth.canvas.stretch_to_canvas`): drawn on a canvas of the
        crop's aspect, no wider than its own, and resized with the crop, so the text keeps its
        proportions once the output is resized back. A crop of the canvas' aspect or wider
        gets `draw(text, height, width)` (squeezed content draws thin strokes that read worse,
        BENCHMARKS.md)."""
        from fontsynth.canvas import stretch_to_canvas

        own = min(width, max(8, round(crop[1] * height / max(1, crop[0]))))
        drawn = self.draw(text, height, own, font)
        return drawn if own == width else stretch_to_canvas(drawn, height, width)


MAX_TEXT_DRAWS = 100
MAX_REDRAWS = 8  # fallback draws of one sample after FreeType failed on its font
# Raised whenever the same (seed, index, fonts, corpus, config) gives other sample bytes than
# before (random stream, effects, encoding). Recorded in the manifest: --resume refuses to
# mix versions.
SAMPLE_VERSION = 7  # 3: phrases of two or three words in the default corpus's mix; 4: blocked words; 5: p_ink_box 0.3 by default,
# large JPEG backgrounds decoded at a reduced size; 6: texts in right-to-left, joining or combining scripts shaped by HarfBuzz;
# 7: pairs of texts Vera lacks (Hebrew, Arabic, Devanagari, ...) with contents in the other standard content fonts


class FontPicker:
    """Chooses uniformly among the fonts that cover every character of a text.

    Coverage is a bool matrix (alphabet x fonts) computed once, in the parent process, over
    the characters the corpus can produce; workers get the matrix, not the fonts' charsets.
    """

    def __init__(self, ids: list[str], alphabet: str, cover: np.ndarray):
        assert cover.shape == (len(alphabet), len(ids)), (cover.shape, len(alphabet), len(ids))
        self.ids, self.alphabet, self.cover = ids, alphabet, cover
        self._row = {c: i for i, c in enumerate(alphabet)}

    @classmethod
    def build(cls, fonts: list[FontEntry], alphabet: str) -> FontPicker:
        fonts = sorted(fonts, key=lambda f: f.id)
        alphabet = "".join(sorted(set(alphabet)))
        cover = np.ascontiguousarray(np.array([f.covers_each(alphabet) for f in fonts], bool).reshape(len(fonts), len(alphabet)).T)
        return cls([f.id for f in fonts], alphabet, cover)

    def covering(self, chars: str) -> np.ndarray:
        """Indices (into `ids`) of the fonts covering every character of `chars`."""
        rows = [self._row.get(c) for c in set(chars)]
        if None in rows:
            return np.empty(0, int)
        return np.flatnonzero(np.logical_and.reduce(self.cover[rows], axis=0))

    def covered_chars(self) -> set[str]:
        return {c for c, row in zip(self.alphabet, self.cover) if row.any()}

    def only(self, font: str) -> FontPicker:
        """The picker of `font` alone (its column of the coverage)."""
        k = self.ids.index(font)
        return FontPicker([font], self.alphabet, self.cover[:, [k]])

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
    fonts: Catalog  # the fonts rendering may pick, slimmed (Catalog.for_rendering)
    picker: FontPicker
    corpus: Corpus
    config: StyleConfig
    backgrounds: str | None = None
    textures: list[str] = field(default_factory=list)

    @classmethod
    def from_catalog(cls, recipe: str, seed: int, catalog: Catalog, corpus: Corpus, config: StyleConfig, ocr_clean: bool = True,
                     split: str | None = None, backgrounds: str | None = None, textures: list[str] | None = None,
                     picker: FontPicker | None = None) -> SampleContext:
        """The context for rendering `corpus` with the catalog's usable fonts (OCR-clean, in `split`)."""
        usable = catalog.usable(ocr_clean, split)
        return cls(recipe=recipe, seed=seed, fonts=catalog.for_rendering(usable), picker=picker or FontPicker.build(usable, corpus.alphabet()),
                   corpus=corpus, config=config, backgrounds=backgrounds, textures=textures or [])

    def fingerprint(self) -> str:
        """Identifies what this context renders (for per-process caches)."""
        parts = [self.recipe, self.seed, self.corpus.sha256, len(self.corpus.lines), self.config.to_dict(), self.backgrounds, self.textures,
                 str(self.fonts.root), self.fonts.pack, [(f.id, f.path, f.index, f.instance) for f in self.fonts.fonts], self.picker.alphabet]
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class SampleMaker:
    """Makes the stored fields of sample `index` (per worker: holds the font and texture caches)."""

    def __init__(self, ctx: SampleContext):
        self.ctx = ctx
        self.renderer = Renderer(ctx.fonts, Path(ctx.backgrounds) if ctx.backgrounds else None)
        self.redrawn: list[dict] = []  # {"index", "font", "reason"} of draws that hit a failing font
        self.contents: ContentFonts | None = None  # pairs: the fonts their contents are drawn in
        if ctx.recipe == "pairs":
            self.contents = ContentFonts()
            self.contents.register(self.renderer.fonts)

    def draw_texts(self, draws: Draws, count: int = 1, picker: FontPicker | None = None) -> tuple[list[str], str]:
        """`count` texts and a font covering all of them (of `picker`, default the context's);
        redraws texts no font covers.

        For pairs a content font must draw each of them too."""
        picker = picker or self.ctx.picker
        for _ in range(MAX_TEXT_DRAWS):
            texts = [self.ctx.corpus.sample(draws) for _ in range(count)]
            font = picker.pick(draws, "".join(texts))
            if font is not None and (self.contents is None or all(map(self.contents.covers, texts))):
                return texts, font
        raise UncoveredTexts(f"no font covers the texts drawn from corpus {self.ctx.corpus.name}")

    def style(self, draws: Draws, font: str) -> Style:
        """The Style of a sample. Pairs draw no distractors: around texts A and B of different
        widths they would stand in different places, and the two images share one background.
        Nor ink boxes: texts of different ink heights would be drawn at different sizes, where
        text B is text A's Style."""
        config = self.ctx.config if self.ctx.recipe == "words" else replace(self.ctx.config, p_distractor=0.0, p_ink_box=0.0)
        return sample_style(draws, config, font, self.ctx.textures)

    def words(self, index: int, redraw: int = 0, picker: FontPicker | None = None) -> dict[str, bytes]:
        draws = sample_draws(self.ctx.seed, index, redraw)
        (text,), font = self.draw_texts(draws, picker=picker)
        style = self.style(draws, font)
        out = self.renderer.render(text, style)
        return {
            "image": out.data,
            "label": text.encode("utf-8"),
            "meta": _meta(index, text, style),
            "font": font.encode(),
        }

    def specimen(self, font: str, index: int) -> bytes:
        """The image (PNG bytes) of word sample `index` of a render of `font` alone (a font the
        context may pick): a text of the corpus it covers, in a Style drawn as any word image's.
        UncoveredTexts when the font covers none of the texts drawn (a symbol font)."""
        return self.words(index, picker=self.ctx.picker.only(font))["image"]

    def content_image(self, text: str, height: int, width: int) -> bytes:
        """`text` in its standard content font, black on white: stored as a one-channel PNG."""
        return _grey_png(self.renderer.layers(text, content_style(height, width, self.contents.font_for(text))).image)

    def pairs(self, index: int, redraw: int = 0) -> dict[str, bytes]:
        draws = sample_draws(self.ctx.seed, index, redraw)
        (text_a, text_b), font = self.draw_texts(draws, 2)
        style = self.style(draws, font)
        a, b = self.renderer.render(text_a, style), self.renderer.render(text_b, style)
        return {
            "image": a.data,
            "label": text_a.encode("utf-8"),
            "meta": _meta(index, text_a, style),
            "font": font.encode(),
            "target": b.data,
            "label-b": text_b.encode("utf-8"),
            "meta-b": _meta(index, text_b, style),
            "content": self.content_image(text_a, style.out_height, style.out_width),
            "content-b": self.content_image(text_b, style.out_height, style.out_width),
            "mask": encode(a.layers.mask, 0),
            "mask-b": encode(b.layers.mask, 0),
            "background": encode(degrade(a.layers.background, style), style.jpeg_quality),
        }

    def make(self, index: int) -> dict[str, bytes]:
        """The fields of sample `index`. If FreeType fails on the font drawn (a font the scan
        accepted but that fails at some size or glyph), the sample is drawn again from the
        next fallback stream of (seed, index): deterministic, and recorded in `redrawn`."""
        for redraw in range(MAX_REDRAWS + 1):
            try:
                return RECIPES[self.ctx.recipe](self, index, redraw)
            except GlyphError as e:
                self.redrawn.append({"index": index, "font": e.font_id, "reason": str(e)})
        raise RuntimeError(f"sample {index}: {MAX_REDRAWS + 1} draws in a row hit fonts FreeType fails on; last: {self.redrawn[-1]['reason']}")

    def take_redrawn(self) -> list[dict]:
        """The redraw events since the last call (write_shard records them per shard)."""
        events, self.redrawn = self.redrawn, []
        return events


def _grey_png(image) -> bytes:
    return encode(image[..., 0], 0)


def _meta(index: int, text: str, style: Style) -> bytes:
    return SampleRecord(index, text, style).encode()


RECIPES = {"words": SampleMaker.words, "pairs": SampleMaker.pairs}

