"""Fonts for drawing: opening a face, per-process caches of faces and glyphs, pair kerning.

What the renderer, the font checker and the specimen sheet share: `open_font` (face index and
variable instance), `code_point_ranges`, `FontLibrary` (faces by (font id, px size) with
their glyph bitmaps, least recently used dropped), `Kerning` (pair kerning measured with
HarfBuzz), and the glyph rasterisers (`rasterise`, `Scratch`). Caches change speed, never
pixels.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import cv2
import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from fontsynth.errors import UserError

if TYPE_CHECKING:  # the catalog module imports FONT_SUFFIXES from here
    from fontsynth.catalog import Catalog, FontEntry

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb")


class GlyphError(Exception):
    """FreeType failed on a font the catalog accepted (loading it, drawing a glyph, measuring
    kerning): the sample is drawn again with other random choices (see recipes)."""

    def __init__(self, font_id: str, what: str, error: Exception):
        super().__init__(f"font {font_id}: {what} failed ({type(error).__name__}: {error})")
        self.font_id = font_id


def open_font(path: str | BinaryIO, size: int, index: int = 0, instance: str | None = None,
              layout: ImageFont.Layout = ImageFont.Layout.BASIC) -> ImageFont.FreeTypeFont:
    """One face of a font file at `size` px, set to its named variable instance if it has one."""
    font = ImageFont.truetype(path, size, index=index, layout_engine=layout)
    if instance:
        font.set_variation_by_name(instance)
    return font


def clean_name(name: object) -> str:
    """A font's name as people write it: name tables hold stray newlines, tabs and doubled spaces
    (Century Catalogue's style is "Roman\\n"), which would break a printed line or a CSV row."""
    return " ".join(str(name or "").split())


def code_point_ranges(cmap: dict[int, str]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for cp in sorted(cmap):
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ranges


@dataclass(frozen=True)
class Glyph:
    bitmap: np.ndarray  # uint8 alpha
    left: int  # bitmap offset from the pen position
    top: int  # bitmap offset from the baseline (negative: above it)
    advance: float  # px to the next pen position
    inked: bool


KERNING_SIZE = 1000  # px size at which pair kerning is measured, then scaled to each size
NO_LIGATURES = ["-liga", "-clig", "-dlig", "-calt"]  # a pair's width must be two glyphs' width
KERNINGS_KEPT = 64  # fonts whose kerning (an open HarfBuzz font each) a worker keeps


@dataclass
class Kerning:
    """Pair kerning of one font (all sizes): HarfBuzz's (Pillow's RAQM layout, which applies
    GPOS and `kern`) adjustment between two characters, in px at KERNING_SIZE, measured once
    per pair as width(ab) - width(a) - width(b)."""

    font: ImageFont.FreeTypeFont  # RAQM layout at KERNING_SIZE
    advances: dict[str, float] = field(default_factory=dict)  # character -> width
    pairs: dict[str, float] = field(default_factory=dict)  # two characters -> kerning

    def pair(self, ab: str) -> float:
        kern = self.pairs.get(ab)
        if kern is None:
            kern = self.pairs[ab] = self._width(ab) - self._advance(ab[0]) - self._advance(ab[1])
        return kern

    def _advance(self, char: str) -> float:
        width = self.advances.get(char)
        if width is None:
            width = self.advances[char] = self._width(char)
        return width

    def _width(self, text: str) -> float:
        return self.font.getlength(text, features=NO_LIGATURES)


@dataclass
class Face:
    """A font loaded at one size, its line metrics, and its glyphs drawn so far."""

    font_id: str
    font: ImageFont.FreeTypeFont
    size: int
    ascent: int
    descent: int
    glyphs: dict[tuple[str, int], Glyph] = field(default_factory=dict)  # (char, outline width)
    bytes: int = 0
    shaper: ImageFont.FreeTypeFont | None = None  # the same font in RAQM layout, for texts that need shaping


GLYPH_OVERHEAD = 100  # bytes a cached glyph costs beside its bitmap


class FontLibrary:
    """Fonts by (catalog id, size) with their glyphs; least recently used faces are dropped
    when more than `keep` are open or their glyphs pass `glyph_bytes`."""

    def __init__(self, catalog: Catalog, keep: int = 256, glyph_bytes: int = 48 << 20):
        self.entries = catalog.by_id()
        self.catalog = catalog
        self.keep = keep
        self.glyph_bytes = glyph_bytes
        self._faces: OrderedDict[tuple[str, int], Face] = OrderedDict()
        self._kernings: OrderedDict[str, Kerning] = OrderedDict()  # at most KERNINGS_KEPT fonts
        self._bytes = 0
        self.extra: dict[str, FontEntry] = {}  # fonts outside the catalog (register)
        self._scratches: dict[int, Scratch] = {}

    def register(self, font_id: str, path: Path) -> None:
        """Make a font file outside the catalog available under `font_id` (the content font)."""
        from fontsynth.catalog import FontEntry

        charset = code_point_ranges(TTFont(path, lazy=True).getBestCmap() or {})
        self.extra[font_id] = FontEntry(id=font_id, path=str(Path(path).resolve()), sha256="", charset=charset)

    def face(self, font_id: str, size: int) -> Face:
        key = (font_id, size)
        face = self._faces.get(key)
        if face is None:
            font = self.load(font_id, size)
            face = self._faces[key] = Face(font_id, font, size, *font.getmetrics())
            self._trim()
        else:
            self._faces.move_to_end(key)
        return face

    def _kerning(self, font_id: str) -> Kerning:
        kerning = self._kernings.get(font_id)
        if kerning is None:
            require_raqm("pair kerning", ', or render with --config setting {"kerning": false}')
            kerning = self._kernings[font_id] = Kerning(self.load(font_id, KERNING_SIZE, ImageFont.Layout.RAQM))
            if len(self._kernings) > KERNINGS_KEPT:
                self._kernings.popitem(last=False)
        else:
            self._kernings.move_to_end(font_id)
        return kerning

    def kerns(self, face: Face, text: str) -> list[float]:
        """px to add after each character of `text` in `face` for the pair it starts (0 after the last)."""
        pair = self._kerning(face.font_id).pair
        scale = face.size / KERNING_SIZE
        try:
            return [pair(text[i : i + 2]) * scale for i in range(len(text) - 1)] + [0.0]
        except (OSError, ValueError) as e:
            raise GlyphError(face.font_id, f"kerning {text!r}", e) from e

    def shaped(self, face: Face, text: str, kerning: bool = True) -> Glyph:
        """`text` laid out whole by HarfBuzz (Pillow's RAQM layout: in visual order by the Unicode
        bidi algorithm, letters in their joining forms, the font's ligatures and mark positions;
        its GPOS and `kern` kerning unless `kerning` is off) and drawn as one glyph: what a text
        that `needs_shaping` is made of. Not cached: such texts rarely repeat."""
        if face.shaper is None:
            require_raqm("shaping right-to-left, joining and combining scripts (Arabic, Hebrew, Indic, ...)")
            face.shaper = self.load(face.font_id, face.size, ImageFont.Layout.RAQM)
        try:
            return rasterise(face.shaper, text, None if kerning else ["-kern"])
        except (OSError, ValueError) as e:
            raise GlyphError(face.font_id, f"shaping {text!r} at {face.size} px", e) from e

    def load(self, font_id: str, size: int, layout: ImageFont.Layout = ImageFont.Layout.BASIC) -> ImageFont.FreeTypeFont:
        """Font `font_id` of the catalog (or `register`ed) opened at `size` px, uncached: a
        UserError when it is not there, GlyphError when FreeType cannot load it."""
        entry = self.entries.get(font_id) or self.extra.get(font_id)
        if entry is None:
            raise UserError(f"font {font_id} is not in the catalog of {self.catalog.root}; pass the --fonts folder the data was made with")
        source = self.catalog.font_file(entry)
        if isinstance(source, str) and not Path(source).is_file():  # Pillow reports it as a generic OSError
            raise UserError(f"font file {source} is missing; pass the --fonts folder the data was made with, or rescan it")
        try:
            return open_font(source, size, entry.index, entry.instance, layout)
        except (OSError, ValueError) as e:
            raise GlyphError(font_id, f"loading at {size} px", e) from e

    def glyphs(self, face: Face, text: str, stroke: int = 0) -> list[Glyph]:
        """The glyphs of `text` in `face` (from `face()`), drawn on first use.

        With `stroke` > 0 each bitmap is the glyph grown by an outline of that width: the fill
        bitmap dilated by a disk of radius stroke + 1/4 px. FreeType's stroker (Pillow's
        stroke_width) costs ~90 us a glyph against ~5 us; the ink differs by under 6% (a test
        compares the two)."""
        cache = face.glyphs
        out = []
        for ch in text:
            glyph = cache.get((ch, stroke))
            if glyph is None:
                glyph = self._draw(face, ch, stroke)
            out.append(glyph)
        if self._bytes > self.glyph_bytes:
            self._trim()
        return out

    def _draw(self, face: Face, char: str, stroke: int) -> Glyph:
        try:
            return self._draw_unchecked(face, char, stroke)
        except (OSError, ValueError) as e:  # FreeType: raster overflow, broken outline, ...
            raise GlyphError(face.font_id, f"drawing {char!r} at {face.size} px", e) from e

    def _draw_unchecked(self, face: Face, char: str, stroke: int) -> Glyph:
        if stroke:
            glyph = outlined(face.glyphs.get((char, 0)) or self._draw(face, char, 0), stroke)
        else:
            glyph = self._scratch(face.size).glyph(face.font, char)
        face.glyphs[(char, stroke)] = glyph
        size = glyph.bitmap.size + GLYPH_OVERHEAD
        face.bytes += size
        self._bytes += size
        return glyph

    def _scratch(self, size: int) -> Scratch:
        scratch = self._scratches.get(size)
        if scratch is None:
            scratch = self._scratches[size] = Scratch(size)
        return scratch

    @property
    def open_faces(self) -> int:
        return len(self._faces)

    @property
    def cached_bytes(self) -> int:
        return self._bytes

    def _trim(self) -> None:
        """Drop the least recently used faces (never the newest) until within both limits."""
        while len(self._faces) > 1 and (len(self._faces) > self.keep or self._bytes > self.glyph_bytes):
            _, old = self._faces.popitem(last=False)
            self._bytes -= old.bytes


def require_raqm(what: str, otherwise: str = "") -> None:
    if not features.check("raqm"):
        raise UserError(f"{what} needs Pillow with libraqm (the PyPI wheels have it); reinstall Pillow{otherwise}")


def needs_shaping(text: str) -> bool:
    """Whether `text` must be laid out whole by HarfBuzz (`FontLibrary.shaped`), not glyph by
    glyph at advances: right-to-left letters (Hebrew, Arabic, ...: read right to left, stored
    in reading order), combining marks and joiners (Indic vowel signs and viramas, accents typed
    as separate characters: placed by the font on their base, reordered), and Mongolian, which
    joins but reads left to right. Placed one by one, Arabic came out reversed and unjoined and
    Devanagari's vowel signs after the consonant they precede."""
    return not text.isascii() and any(_shaped_char(c) for c in text)


def _shaped_char(c: str) -> bool:
    return unicodedata.bidirectional(c) in ("R", "AL") or unicodedata.category(c) in ("Mn", "Mc", "Me", "Cf") or "\u1800" <= c <= "\u18af"


def rasterise(font: ImageFont.FreeTypeFont, text: str, features: list[str] | None = None) -> Glyph:
    """One character (or, with a RAQM-layout font, a whole shaped text) drawn by FreeType on an
    image of its own bounding box: its alpha bitmap cut to the ink, offset from the pen, and
    advance. `features`: OpenType features on or off (HarfBuzz), e.g. ["-kern"]."""
    left, top, right, bottom = font.getbbox(text, anchor="ls", features=features)
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), text, font=font, fill=255, anchor="ls", features=features)
    box = image.getbbox()
    advance = font.getlength(text, features=features)
    if box is None:  # no ink (a space)
        return Glyph(np.zeros((1, 1), np.uint8), 0, 0, advance, False)
    return Glyph(np.asarray(image.crop(box)), left + box[0], top + box[1], advance, True)


class Scratch:
    """A reused canvas for drawing glyphs of one px size: 4 sizes square, pen at (1, 3) sizes.

    Clearing it, drawing, and cropping to the ink costs ~40 us a glyph against ~64 us for
    `rasterise` (which measures the glyph, then draws it on a fresh image of that size). The
    pixels are the same: FreeType draws at whole-pixel pen positions either way. A glyph whose
    ink reaches the canvas edge (a huge swash), or that has none, is drawn by `rasterise`.
    Bitmaps are cut to their ink either way, so the layout's ink box is exact."""

    def __init__(self, size: int):
        self.image = Image.new("L", (4 * size, 4 * size), 0)
        self.draw = ImageDraw.Draw(self.image)
        self.pen = (size, 3 * size)

    def glyph(self, font: ImageFont.FreeTypeFont, char: str) -> Glyph:
        w, h = self.image.size
        self.image.paste(0, (0, 0, w, h))
        self.draw.text(self.pen, char, font=font, fill=255, anchor="ls")
        box = self.image.getbbox()
        if box is None or box[0] == 0 or box[1] == 0 or box[2] == w or box[3] == h:
            return rasterise(font, char)  # no ink, or ink that may go past the canvas
        bitmap = np.asarray(self.image.crop(box))
        return Glyph(bitmap, box[0] - self.pen[0], box[1] - self.pen[1], font.getlength(char), True)


def stroke_kernel(width: int) -> np.ndarray:
    """A disk of radius width + 1/4 px (a 3x3 cross for width 1) as a uint8 structuring element."""
    y, x = np.mgrid[-width : width + 1, -width : width + 1]
    return ((x * x + y * y) <= (width + 0.25) ** 2).astype(np.uint8)


def outlined(glyph: Glyph, width: int) -> Glyph:
    """The glyph grown by an outline `width` px wide (fill plus outline, one alpha)."""
    grown = cv2.dilate(np.pad(glyph.bitmap, width), stroke_kernel(width))
    return Glyph(grown, glyph.left - width, glyph.top - width, glyph.advance, glyph.inked)
