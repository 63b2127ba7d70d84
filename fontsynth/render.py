"""Rendering: a deterministic function of (text, Style).

`render_layers` composes the clean image, the text mask and the background alone (before
degradations); `render` adds the degradations and encodes. Fonts and textures come through
per-process caches (`Renderer`), which change speed, never pixels.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from fontsynth.catalog import Catalog, FontEntry
from fontsynth.codec import encode
from fontsynth.effects import geometry
from fontsynth.effects.background import TextureLibrary, make_background
from fontsynth.effects.degrade import degrade
from fontsynth.errors import UserError
from fontsynth.fontcheck import code_point_ranges
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


class FontLibrary:
    """Loaded FreeType fonts by (catalog id, size); at most `keep` open at once."""

    def __init__(self, catalog: Catalog, keep: int = 256, glyph_bytes: int = 48 << 20):
        self.entries = catalog.by_id()
        self.catalog = catalog
        self.keep = keep
        self.glyph_bytes = glyph_bytes
        self._cache: OrderedDict[tuple[str, int], ImageFont.FreeTypeFont] = OrderedDict()
        self._glyphs: OrderedDict[tuple, Glyph] = OrderedDict()
        self._glyph_bytes = 0
        self.extra: dict[str, FontEntry] = {}  # fonts outside the catalog (register)

    def register(self, font_id: str, path: Path) -> None:
        """Make a font file outside the catalog available under `font_id` (the content font)."""
        charset = code_point_ranges(TTFont(path, lazy=True).getBestCmap() or {})
        self.extra[font_id] = FontEntry(id=font_id, path=str(Path(path).resolve()), sha256="", charset=charset)

    def get(self, font_id: str, size: int) -> ImageFont.FreeTypeFont:
        key = (font_id, size)
        font = self._cache.get(key)
        if font is not None:
            self._cache.move_to_end(key)
            return font
        entry = self.entries.get(font_id) or self.extra.get(font_id)
        if entry is None:
            raise UserError(f"font {font_id} is not in the catalog of {self.catalog.root}; pass the --fonts folder the data was made with")
        path = self.catalog.font_path(entry)
        try:
            font = ImageFont.truetype(str(path), size, index=entry.index, layout_engine=ImageFont.Layout.BASIC)
        except OSError as e:
            raise UserError(f"cannot load font {path} ({e}); rescan the folder with `fontsynth fonts scan`") from e
        if entry.instance:
            font.set_variation_by_name(entry.instance)
        self._cache[key] = font
        if len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return font

    def glyph(self, font_id: str, size: int, char: str, stroke: int) -> Glyph:
        """One character's bitmap, offset and advance; cached (LRU, `glyph_bytes` at most).

        With `stroke` > 0 the bitmap is the glyph grown by an outline of that width: the fill
        bitmap dilated by a disk of radius stroke + 1/4 px. FreeType's stroker (Pillow's
        stroke_width) costs ~90 us a glyph against ~5 us; the ink differs by under 6% (a test
        compares the two)."""
        key = (font_id, size, char, stroke)
        glyph = self._glyphs.get(key)
        if glyph is not None:
            self._glyphs.move_to_end(key)
            return glyph
        glyph = self._glyphs[key] = outlined(self.glyph(font_id, size, char, 0), stroke) if stroke else self._rasterise(font_id, size, char)
        self._glyph_bytes += glyph.bitmap.size + 100
        while self._glyph_bytes > self.glyph_bytes:
            _, old = self._glyphs.popitem(last=False)
            self._glyph_bytes -= old.bitmap.size + 100
        return glyph

    def _rasterise(self, font_id: str, size: int, char: str) -> Glyph:
        font = self.get(font_id, size)
        left, top, right, bottom = font.getbbox(char, anchor="ls")
        image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
        ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls")
        bitmap = np.asarray(image)
        return Glyph(bitmap, left, top, font.getlength(char), bool(bitmap.any()))


def stroke_kernel(width: int) -> np.ndarray:
    """A disk of radius width + 1/4 px (a 3x3 cross for width 1) as a uint8 structuring element."""
    y, x = np.mgrid[-width : width + 1, -width : width + 1]
    return ((x * x + y * y) <= (width + 0.25) ** 2).astype(np.uint8)


def outlined(glyph: Glyph, width: int) -> Glyph:
    """The glyph grown by an outline `width` px wide (fill plus outline, one alpha)."""
    grown = cv2.dilate(np.pad(glyph.bitmap, width), stroke_kernel(width))
    return Glyph(grown, glyph.left - width, glyph.top - width, glyph.advance, glyph.inked)


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


def text_layers(text: str, style: Style, fonts: FontLibrary) -> tuple[np.ndarray, geometry.Box]:
    """Alpha of the fill, and of fill+outline when the Style has an outline (uint8, H x W x 1
    or x 2), and the line box, at font size.

    Glyphs come from the cache and are placed at their advance widths plus the Style's extra
    spacing (pen positions rounded to whole pixels, as FreeType's own string layout does).
    Pair kerning is not applied. The layer spans the ink and the font's line box, +2 px.
    """
    font = fonts.get(style.font, style.font_size)
    ascent, descent = font.getmetrics()
    stroke = style.stroke_width
    spacing = style.spacing * style.font_size
    pens, pen = [], 0.0
    fills = []
    for ch in text:
        g = fonts.glyph(style.font, style.font_size, ch, 0)
        pens.append(round(pen))
        fills.append(g)
        pen += g.advance + spacing
    outers = [fonts.glyph(style.font, style.font_size, ch, stroke) for ch in text] if stroke else fills
    inked = [(p + g.left, g.top, p + g.left + g.bitmap.shape[1], g.top + g.bitmap.shape[0]) for p, g in zip(pens, outers) if g.inked]
    if inked:
        x0, x1 = min(r[0] for r in inked), max(r[2] for r in inked)
        y0, y1 = min(r[1] for r in inked), max(r[3] for r in inked)
    else:  # blank text (only spaces): an empty box of the advance's width
        x0, x1, y0, y1 = 0, max(1, round(pen - spacing)), 0, 0
    line_top, line_bottom = -ascent - stroke, descent + stroke
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
    outer_u8 = layers[..., -1]
    touched = outer_u8 > 0
    image = background
    if style.shadow_opacity > 0 or style.stroke_width > 0:
        outer = outer_u8.astype(np.float32) * (1 / 255)
        if style.shadow_opacity > 0:
            shadow = _shadow(outer, style) * style.shadow_opacity
            touched |= shadow >= 0.5 / 255  # where the shadow changes a pixel value
            image = _over(image, shadow, style.shadow_color)
        if style.stroke_width > 0:
            image = _over(image, outer, style.stroke_color)
    image = _over(image, layers[..., 0].astype(np.float32) * (1 / 255), style.text_color)
    mask = touched.astype(np.uint8) * 255
    return Layers(image=image, mask=mask, background=background)


def _over(image: np.ndarray, alpha: np.ndarray, color: list[int]) -> np.ndarray:
    """`color` laid over `image` (uint8 RGB) with per-pixel opacity `alpha` (float32 0..1)."""
    solid = np.empty_like(image)
    solid[:] = color
    return cv2.blendLinear(image, solid, 1.0 - alpha, alpha)


def _shadow(alpha: np.ndarray, style: Style) -> np.ndarray:
    h, w = alpha.shape[:2]
    dx, dy = (v * style.out_height for v in style.shadow_offset)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    shifted = cv2.warpAffine(alpha, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    if style.shadow_blur > 0:
        shifted = cv2.GaussianBlur(shifted, (0, 0), style.shadow_blur)
    return shifted
