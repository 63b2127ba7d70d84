"""Rendering: a deterministic function of (text, Style).

`render_layers` composes the clean image, the text mask and the background alone (before
degradations); `render` adds the degradations and encodes. Fonts and textures come through
per-process caches (`Renderer`), which change speed, never pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fontsynth.catalog import Catalog
from fontsynth.codec import encode
from fontsynth.effects import geometry
from fontsynth.effects.background import TextureLibrary, make_background
from fontsynth.effects.colors import solid
from fontsynth.effects.degrade import degrade
from fontsynth.effects.distractors import add_distractors
from fontsynth.fonts import FontLibrary, needs_shaping, outlined
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
    or x 2), and the box the margins surround, at font size: the text's extent across and the
    font's line, ascender to descender, up and down; or with `style.box` "ink", the ink's own
    extent up and down too (a tight box, as detectors draw; blank text keeps the line).

    Glyphs come from the cache and are placed at their advance widths plus the font's pair
    kerning (GPOS or `kern`, through HarfBuzz; unless the Style turns it off) plus the
    Style's extra spacing, pen positions
    rounded to whole pixels as FreeType's own string layout does. Ligatures are not formed.
    A text that `needs_shaping` (right-to-left, joining or combining characters) is laid out
    whole by HarfBuzz instead (`FontLibrary.shaped`; sample version 6): the Style's extra
    spacing does not apply to it, as it would break joined letters apart.
    The layer spans the ink and the font's line box, +2 px.
    """
    face = fonts.face(style.font, style.font_size)
    stroke = style.stroke_width
    if needs_shaping(text):  # one glyph: the whole text as HarfBuzz lays it out
        fills = [fonts.shaped(face, text, style.kerning)]
        outers = [outlined(fills[0], stroke)] if stroke else fills
        pens, width = [0], fills[0].advance
    else:
        spacing = style.spacing * style.font_size
        fills = fonts.glyphs(face, text)
        outers = fonts.glyphs(face, text, stroke) if stroke else fills
        kerns = fonts.kerns(face, text) if style.kerning else [0.0] * len(text)
        pens, pen = [], 0.0
        for g, kern in zip(fills, kerns):
            pens.append(round(pen))
            pen += g.advance + kern + spacing
        width = pen - spacing
    x0 = y0 = 1 << 30
    x1 = y1 = -(1 << 30)
    for p, outer in zip(pens, outers):
        if outer.inked:
            h, w = outer.bitmap.shape
            x0, x1 = min(x0, p + outer.left), max(x1, p + outer.left + w)
            y0, y1 = min(y0, outer.top), max(y1, outer.top + h)
    if x1 < x0:  # blank text (only spaces): an empty box of the advance's width
        x0, x1, y0, y1 = 0, max(1, round(width)), 0, 0
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
    if style.box == "ink" and y1 > y0:
        return layers, (float(x0 - left), float(y0 - top), float(x1 - left), float(y1 - top))
    return layers, (float(x0 - left), float(line_top - top), float(x1 - left), float(line_bottom - top))


def render_layers(text: str, style: Style, fonts: FontLibrary, textures: TextureLibrary) -> Layers:
    layers, box = text_layers(text, style, fonts)
    if style.distractors:  # one more channel, last: the distractors' alpha, moved and cropped with the word
        layers, box = add_distractors(layers, box, text, style.distractors, lambda chars: text_layers(chars, style, fonts))
    if style.curve:
        layers, box = geometry.curve(layers, box, style.curve)
    if style.rotation or any(style.perspective):
        layers = geometry.warp_and_fit(layers, box, style.rotation, style.perspective, style.margins, style.out_height, style.out_width, style.align)
    else:
        layers = geometry.fit(geometry.crop(layers, box, style.margins), style.out_height, style.out_width, style.align)
    h, w = layers.shape[:2]
    background = make_background(style, h, w, textures)
    if style.distractors:  # part of the background: the text mask leaves them out
        layers, clutter = layers[..., :-1], layers[..., -1]
        background = _over(background, clutter.astype(np.float32) * (1 / 255), style.text_color)
    return compose(layers, background, style)


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
