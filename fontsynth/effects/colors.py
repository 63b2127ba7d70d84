"""Text and background colours with a minimum luminance contrast."""

from __future__ import annotations

import numpy as np

from fontsynth.draws import Draws

Color = list[int]


def tinted(luminance: float, tint: float, draws: Draws) -> Color:
    """An RGB colour near grey level `luminance` (0..1), pushed towards a random hue by `tint`."""
    hue = [draws.uniform(-1.7, 1.7) for _ in range(3)]
    mean = sum(hue) / 3
    return [min(255, max(0, round(luminance * 255 + tint * 255 * (h - mean)))) for h in hue]


def sample_colors(draws: Draws, min_contrast: float, tint: float) -> tuple[Color, Color, Color]:
    """(text, background, second background) colours: dark text on a lighter background.

    The luminance gap between text and background is at least `min_contrast` (0..1); light text
    on dark comes from the inversion effect, so the two cases share one contrast rule.
    """
    bg = draws.uniform(min(min_contrast, 1.0), 1.0)
    text = draws.uniform(0.0, bg - min_contrast) if bg > min_contrast else 0.0
    bg2 = min(max(bg + draws.uniform(-0.15, 0.15), min_contrast), 1.0)
    return tinted(text, tint, draws), tinted(bg, tint, draws), tinted(bg2, tint, draws)


def luminance(color: Color) -> float:
    r, g, b = color
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255.0


def solid(h: int, w: int, color: Color) -> np.ndarray:
    """An h x w x 3 uint8 image of one colour (writable).

    Built by repeating the pixel's three bytes: numpy's broadcast fill of a 3-vector costs
    ~15 us at 32 x 100, this ~1 us."""
    return np.frombuffer(bytearray(bytes(color) * (h * w)), np.uint8).reshape(h, w, 3)
