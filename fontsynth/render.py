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


def text_layers(text: str, style: Style, font: ImageFont.FreeTypeFont) -> tuple[np.ndarray, geometry.Box]:
    """Alpha of the fill and of fill+outline (uint8, H x W x 2) and the line box, at font size."""
    ascent, descent = font.getmetrics()
    stroke = style.stroke_width
    spacing = style.spacing * style.font_size
    if spacing == 0:
        pieces = [(0.0, text)]
        advance = font.getlength(text)
    else:
        pieces, x = [], 0.0
        for ch in text:
            pieces.append((x, ch))
            x += font.getlength(ch) + spacing
        advance = max(x - spacing, 1.0)
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke, anchor="ls")
    pad = int(stroke + 2 + max(0, -left) + 0.5 * style.font_size)
    width = int(np.ceil(max(advance, right) + 2 * pad + abs(spacing) * 2))
    height = int(np.ceil(max(ascent, -top) + max(descent, bottom) + 2 * pad))
    baseline = pad + max(ascent, -top)
    fill = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(fill)
    for x, piece in pieces:
        draw.text((pad + x, baseline), piece, font=font, fill=255, anchor="ls")
    fill_a = np.asarray(fill)
    if stroke > 0:
        outer = Image.new("L", (width, height), 0)
        draw = ImageDraw.Draw(outer)
        for x, piece in pieces:
            draw.text((pad + x, baseline), piece, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
        outer_a = np.asarray(outer)
    else:
        outer_a = fill_a
    cols = np.flatnonzero(outer_a.max(axis=0))
    x0, x1 = (float(cols[0]), float(cols[-1] + 1)) if cols.size else (float(pad), float(pad + advance))
    box = (x0, float(baseline - ascent - stroke), x1, float(baseline + descent + stroke))
    return np.dstack([fill_a, outer_a]), box


def render_layers(text: str, style: Style, fonts: FontLibrary, textures: TextureLibrary) -> Layers:
    font = fonts.get(style.font, style.font_size)
    layers, box = text_layers(text, style, font)
    if style.curve:
        layers, box = geometry.curve(layers, box, style.curve)
    if style.rotation or any(style.perspective):
        layers, box = geometry.warp(layers, box, style.rotation, style.perspective)
    layers = geometry.crop(layers, box, style.margins)
    layers = geometry.fit(layers, style.out_height, style.out_width, style.align)
    h, w = layers.shape[:2]
    background = make_background(style, h, w, textures)
    fill = layers[..., 0:1].astype(np.float32) / 255.0
    outer = layers[..., 1:2].astype(np.float32) / 255.0
    image = background.copy()
    if style.shadow_opacity > 0:
        image = _over(image, _shadow(outer, style) * style.shadow_opacity, style.shadow_color)
    if style.stroke_width > 0:
        image = _over(image, outer, style.stroke_color)
    image = _over(image, fill, style.text_color)
    mask = np.where(outer[..., 0] >= 0.5, 255, 0).astype(np.uint8)
    to_u8 = lambda a: np.clip(a, 0, 255).round().astype(np.uint8)  # noqa: E731
    return Layers(image=to_u8(image), mask=mask, background=to_u8(background))


def _over(image: np.ndarray, alpha: np.ndarray, color: list[int]) -> np.ndarray:
    return image * (1.0 - alpha) + np.asarray(color, np.float32) * alpha


def _shadow(alpha: np.ndarray, style: Style) -> np.ndarray:
    h, w = alpha.shape[:2]
    dx, dy = (v * style.out_height for v in style.shadow_offset)
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    shifted = cv2.warpAffine(alpha[..., 0], m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    if style.shadow_blur > 0:
        shifted = cv2.GaussianBlur(shifted, (0, 0), style.shadow_blur)
    return shifted[..., None]
