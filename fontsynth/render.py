"""Rendering: a deterministic function of (text, Style).

`render_layers` composes the clean image, the text mask and the background alone (before
degradations); `render` adds the degradations and encodes. Fonts and textures come through
per-process caches (`Renderer`), which change speed, never pixels.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont, features

from fontsynth.catalog import Catalog, FontEntry
from fontsynth.codec import encode
from fontsynth.effects import geometry
from fontsynth.effects.background import TextureLibrary, make_background
from fontsynth.effects.colors import solid
from fontsynth.effects.degrade import degrade
from fontsynth.errors import UserError
from fontsynth.fontcheck import code_point_ranges, open_font
from fontsynth.style import Style


@dataclass
class Layers:
    """A sample before degradations: RGB image, text mask, RGB background alone.

    The mask (0/255) marks every pixel the text touched (fill, outline, shadow); wherever it
    is 0 the image equals the background exactly.
    """

    image: np.ndarray
    mask: np.ndarray
    background: np.ndarray


@dataclass
class Rendered:
    image: np.ndarray  # RGB uint8 after degradations
    data: bytes  # encoded as stored (PNG, or JPEG at the Style's quality)
    layers: Layers


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
        charset = code_point_ranges(TTFont(path, lazy=True).getBestCmap() or {})
        self.extra[font_id] = FontEntry(id=font_id, path=str(Path(path).resolve()), sha256="", charset=charset)

    def face(self, font_id: str, size: int) -> Face:
        key = (font_id, size)
        face = self._faces.get(key)
        if face is None:
            font = self._load(font_id, size)
            face = self._faces[key] = Face(font_id, font, size, *font.getmetrics())
            self._trim()
        else:
            self._faces.move_to_end(key)
        return face

    def _kerning(self, font_id: str) -> Kerning:
        kerning = self._kernings.get(font_id)
        if kerning is None:
            if not features.check("raqm"):
                raise UserError('pair kerning needs Pillow with libraqm (the PyPI wheels have it); reinstall Pillow, or render with --config setting {"kerning": false}')
            kerning = self._kernings[font_id] = Kerning(self._load(font_id, KERNING_SIZE, ImageFont.Layout.RAQM))
            if len(self._kernings) > KERNINGS_KEPT:
                self._kernings.popitem(last=False)
        else:
            self._kernings.move_to_end(font_id)
        return kerning

    def kerns(self, face: Face, text: str) -> list[float]:
        """px to add after each character of `text` in `face` for the pair it starts (0 after the last)."""
        pair = self._kerning(face.font_id).pair
        scale = face.size / KERNING_SIZE
        return [pair(text[i : i + 2]) * scale for i in range(len(text) - 1)] + [0.0]

    def _load(self, font_id: str, size: int, layout: ImageFont.Layout = ImageFont.Layout.BASIC) -> ImageFont.FreeTypeFont:
        entry = self.entries.get(font_id) or self.extra.get(font_id)
        if entry is None:
            raise UserError(f"font {font_id} is not in the catalog of {self.catalog.root}; pass the --fonts folder the data was made with")
        path = self.catalog.font_path(entry)
        try:
            return open_font(str(path), size, entry.index, entry.instance, layout)
        except OSError as e:
            raise UserError(f"cannot load font {path} ({e}); rescan the folder with `fontsynth fonts scan`") from e

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


class Renderer:
    """Renders (text, Style) pairs with cached fonts and textures."""

    def __init__(self, catalog: Catalog, textures: Path | None = None):
        self.fonts = FontLibrary(catalog)
        self.textures = TextureLibrary(textures)

    def layers(self, text: str, style: Style) -> Layers:
        return render_layers(text, style, self.fonts, self.textures)

    def render(self, text: str, style: Style) -> Rendered:
        layers = self.layers(text, style)
        image = degrade(layers.image, style)
        return Rendered(image=image, data=encode(image, style.jpeg_quality), layers=layers)


def rasterise(font: ImageFont.FreeTypeFont, char: str) -> Glyph:
    """One character drawn by FreeType on an image of its own bounding box: its alpha bitmap
    cut to the ink, offset from the pen, and advance."""
    left, top, right, bottom = font.getbbox(char, anchor="ls")
    image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls")
    box = image.getbbox()
    if box is None:  # no ink (a space)
        return Glyph(np.zeros((1, 1), np.uint8), 0, 0, font.getlength(char), False)
    return Glyph(np.asarray(image.crop(box)), left + box[0], top + box[1], font.getlength(char), True)


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


def text_layers(text: str, style: Style, fonts: FontLibrary) -> tuple[np.ndarray, geometry.Box]:
    """Alpha of the fill, and of fill+outline when the Style has an outline (uint8, H x W x 1
    or x 2), and the line box, at font size.

    Glyphs come from the cache and are placed at their advance widths plus the font's pair
    kerning (GPOS or `kern`, through HarfBuzz; unless the Style turns it off) plus the
    Style's extra spacing, pen positions
    rounded to whole pixels as FreeType's own string layout does. Ligatures are not formed.
    The layer spans the ink and the font's line box, +2 px.
    """
    face = fonts.face(style.font, style.font_size)
    stroke = style.stroke_width
    spacing = style.spacing * style.font_size
    fills = fonts.glyphs(face, text)
    outers = fonts.glyphs(face, text, stroke) if stroke else fills
    pens, pen = [], 0.0
    x0 = y0 = 1 << 30
    x1 = y1 = -(1 << 30)
    kerns = fonts.kerns(face, text) if style.kerning else [0.0] * len(text)
    for g, outer, kern in zip(fills, outers, kerns):
        p = round(pen)
        pens.append(p)
        pen += g.advance + kern + spacing
        if outer.inked:
            h, w = outer.bitmap.shape
            x0, x1 = min(x0, p + outer.left), max(x1, p + outer.left + w)
            y0, y1 = min(y0, outer.top), max(y1, outer.top + h)
    if x1 < x0:  # blank text (only spaces): an empty box of the advance's width
        x0, x1, y0, y1 = 0, max(1, round(pen - spacing)), 0, 0
    line_top, line_bottom = -face.ascent - stroke, face.descent + stroke
    left, top = x0 - 2, min(y0, line_top) - 2
    right, bottom = x1 + 2, max(y1, line_bottom) + 2
    layers = np.zeros((bottom - top, right - left, 2 if stroke else 1), np.uint8)
    for channel, glyphs in ((0, fills), (1, outers)) if stroke else ((0, fills),):
        for p, g in zip(pens, glyphs):
            if g.inked:
                x, y = p + g.left - left, g.top - top
                h, w = g.bitmap.shape
                region = layers[y : y + h, x : x + w, channel]
                np.maximum(region, g.bitmap, out=region)
    return layers, (float(x0 - left), float(line_top - top), float(x1 - left), float(line_bottom - top))


def render_layers(text: str, style: Style, fonts: FontLibrary, textures: TextureLibrary) -> Layers:
    layers, box = text_layers(text, style, fonts)
    if style.curve:
        layers, box = geometry.curve(layers, box, style.curve)
    if style.rotation or any(style.perspective):
        layers = geometry.warp_and_fit(layers, box, style.rotation, style.perspective, style.margins, style.out_height, style.out_width, style.align)
    else:
        layers = geometry.fit(geometry.crop(layers, box, style.margins), style.out_height, style.out_width, style.align)
    h, w = layers.shape[:2]
    return compose(layers, make_background(style, h, w, textures), style)


def compose(layers: np.ndarray, background: np.ndarray, style: Style) -> Layers:
    """Shadow, outline and fill laid over the background; the mask of every touched pixel.

    `layers`: the fill alpha, and the fill+outline alpha as a second channel when outlined."""
    outer_u8 = np.ascontiguousarray(layers[..., -1])
    mask = cv2.threshold(outer_u8, 0, 255, cv2.THRESH_BINARY)[1]
    image = background
    if style.shadow_opacity > 0 or style.stroke_width > 0:
        outer = outer_u8.astype(np.float32) * (1 / 255)
        if style.shadow_opacity > 0:
            shadow = _shadow(outer, style) * style.shadow_opacity
            mask[shadow >= 0.5 / 255] = 255  # where the shadow changes a pixel value
            image = _over(image, shadow, style.shadow_color)
        if style.stroke_width > 0:
            image = _over(image, outer, style.stroke_color)
    image = _over(image, layers[..., 0].astype(np.float32) * (1 / 255), style.text_color)
    return Layers(image=image, mask=mask, background=background)


def _over(image: np.ndarray, alpha: np.ndarray, color: list[int]) -> np.ndarray:
    """`color` laid over `image` (uint8 RGB) with per-pixel opacity `alpha` (float32 0..1)."""
    return cv2.blendLinear(image, solid(*image.shape[:2], color), 1.0 - alpha, alpha)


def _shadow(alpha: np.ndarray, style: Style) -> np.ndarray:
    h, w = alpha.shape[:2]
    dx, dy = (v * style.out_height for v in style.shadow_offset)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    shifted = cv2.warpAffine(alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    if style.shadow_blur > 0:
        shifted = cv2.GaussianBlur(shifted, (0, 0), style.shadow_blur)
    return shifted
