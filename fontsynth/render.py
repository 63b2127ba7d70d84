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
from PIL import Image, ImageDraw, ImageFont

from fontsynth.catalog import Catalog
from fontsynth.effects import geometry
from fontsynth.effects.background import TextureLibrary, make_background
from fontsynth.effects.degrade import degrade, encode
from fontsynth.errors import UserError
from fontsynth.style import Style


@dataclass
class Layers:
    """A sample before degradations: RGB image, text mask (0/255), RGB background alone."""

    image: np.ndarray
    mask: np.ndarray
    background: np.ndarray


@dataclass
class Rendered:
    image: np.ndarray  # RGB uint8 after degradations
    data: bytes  # encoded as stored (PNG, or JPEG at the Style's quality)
    layers: Layers


class FontLibrary:
    """Loaded FreeType fonts by (catalog id, size); at most `keep` open at once."""

    def __init__(self, catalog: Catalog, keep: int = 512):
        self.entries = catalog.by_id()
        self.catalog = catalog
        self.keep = keep
        self._cache: OrderedDict[tuple[str, int], ImageFont.FreeTypeFont] = OrderedDict()
        self._glyphs: dict[tuple, tuple[np.ndarray, int, int]] = {}

    def get(self, font_id: str, size: int) -> ImageFont.FreeTypeFont:
        key = (font_id, size)
        font = self._cache.get(key)
        if font is not None:
            self._cache.move_to_end(key)
            return font
        entry = self.entries.get(font_id)
        if entry is None:
            raise UserError(f"font {font_id} is not in the catalog of {self.catalog.root}; pass the --fonts folder the data was made with")
        path = self.catalog.font_path(entry)
        try:
            font = ImageFont.truetype(str(path), size, index=entry.index, layout_engine=ImageFont.Layout.BASIC)
        except OSError as e:
            raise UserError(f"cannot load font {path} ({e}); rescan the folder with `fontsynth fonts scan`")
        if entry.instance:
            font.set_variation_by_name(entry.instance)
        self._cache[key] = font
        if len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return font

    def glyph(self, font: ImageFont.FreeTypeFont, key: tuple, char: str, stroke: int) -> tuple[np.ndarray, int, int]:
        """Alpha bitmap of one character and its top-left offset from (pen, baseline), cached."""
        full = (*key, char, stroke)
        hit = self._glyphs.get(full)
        if hit is None:
            left, top, right, bottom = font.getbbox(char, stroke_width=stroke, anchor="ls")
            image = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
            ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
            hit = self._glyphs[full] = (np.asarray(image), left, top)
            if len(self._glyphs) > 64 * self.keep:
                self._glyphs.clear()
        return hit


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
    """Alpha of the fill and of fill+outline (uint8, H x W x 2) and the line box, at font size.

    Without extra spacing the text is drawn in one call (the font's kerning applies); with
    spacing, character by character from cached glyph bitmaps.
    """
    font = fonts.get(style.font, style.font_size)
    ascent, descent = font.getmetrics()
    stroke = style.stroke_width
    spacing = style.spacing * style.font_size
    if spacing == 0:
        advance = font.getlength(text)
    else:
        pens, x = [], 0.0
        for ch in text:
            pens.append(x)
            x += font.getlength(ch) + spacing
        advance = max(x - spacing, 1.0)
    # Room for ink beyond the advance and the font's ascent/descent (italic overhang, accents);
    # the layer is trimmed to the ink below, so a generous canvas costs little.
    pad = int(stroke + 2 + 0.5 * style.font_size)
    pad_y = int(stroke + 2 + 0.35 * style.font_size)
    width = int(np.ceil(advance + 2 * pad))
    height = int(np.ceil(ascent + descent + 2 * pad_y))
    baseline = pad_y + ascent
    if spacing == 0:
        fill_a = _draw_run(text, font, width, height, (pad, baseline), 0)
        outer_a = _draw_run(text, font, width, height, (pad, baseline), stroke) if stroke else fill_a
    else:
        key = (style.font, style.font_size)
        fill_a = _paste_glyphs(text, pens, fonts, font, key, width, height, (pad, baseline), 0)
        outer_a = _paste_glyphs(text, pens, fonts, font, key, width, height, (pad, baseline), stroke) if stroke else fill_a
    cols = np.flatnonzero(outer_a.max(axis=0))
    rows = np.flatnonzero(outer_a.max(axis=1))
    if cols.size == 0:  # blank text (only spaces): an empty box of the advance's width
        cols, rows = np.array([pad, int(pad + advance)]), np.array([baseline])
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    top, bottom = baseline - ascent - stroke, baseline + descent + stroke
    # Trim to ink and line box (+2 px) so every later step works on the smallest array.
    t0, t1 = max(0, min(int(rows[0]), top) - 2), min(height, max(int(rows[-1]) + 1, bottom) + 2)
    l0, l1 = max(0, x0 - 2), min(width, x1 + 2)
    layers = np.dstack([fill_a[t0:t1, l0:l1], outer_a[t0:t1, l0:l1]])
    return layers, (float(x0 - l0), float(top - t0), float(x1 - l0), float(bottom - t0))


def _draw_run(text: str, font: ImageFont.FreeTypeFont, width: int, height: int, origin: tuple[int, int], stroke: int) -> np.ndarray:
    image = Image.new("L", (width, height), 0)
    ImageDraw.Draw(image).text(origin, text, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
    return np.asarray(image)


def _paste_glyphs(text, pens, fonts, font, key, width, height, origin, stroke) -> np.ndarray:
    canvas = np.zeros((height, width), np.uint8)
    for pen, ch in zip(pens, text):
        bitmap, left, top = fonts.glyph(font, key, ch, stroke)
        x, y = int(round(origin[0] + pen + left)), origin[1] + top
        dx, dy = max(0, -x), max(0, -y)  # clip at the canvas edges
        piece = bitmap[dy:, dx:]
        region = canvas[y + dy : y + dy + piece.shape[0], x + dx : x + dx + piece.shape[1]]
        np.maximum(region, piece[: region.shape[0], : region.shape[1]], out=region)
    return canvas


def render_layers(text: str, style: Style, fonts: FontLibrary, textures: TextureLibrary) -> Layers:
    layers, box = text_layers(text, style, fonts)
    if style.curve:
        layers, box = geometry.curve(layers, box, style.curve)
    if style.rotation or any(style.perspective):
        layers, box = geometry.warp(layers, box, style.rotation, style.perspective)
    layers = geometry.crop(layers, box, style.margins)
    layers = geometry.fit(layers, style.out_height, style.out_width, style.align)
    h, w = layers.shape[:2]
    background = make_background(style, h, w, textures)
    fill = layers[..., 0].astype(np.float32) * (1 / 255)
    outer = layers[..., 1].astype(np.float32) * (1 / 255)
    image = background
    if style.shadow_opacity > 0:
        image = _over(image, _shadow(outer, style) * style.shadow_opacity, style.shadow_color)
    if style.stroke_width > 0:
        image = _over(image, outer, style.stroke_color)
    image = _over(image, fill, style.text_color)
    mask = np.where(layers[..., 1] >= 128, 255, 0).astype(np.uint8)
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
