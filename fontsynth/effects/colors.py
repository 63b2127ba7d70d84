"""Text and background colours with a minimum luminance contrast."""

from __future__ import annotations

import numpy as np

Color = list[int]


def _tinted(luminance: float, tint: float, rng: np.random.Generator) -> Color:
    """An RGB colour near grey level `luminance` (0..1), pushed towards a random hue by `tint`."""
    hue = rng.normal(0.0, 1.0, 3)
    rgb = luminance * 255 + tint * 255 * (hue - hue.mean())
    return [int(v) for v in np.clip(rgb, 0, 255).round()]


def sample_colors(rng: np.random.Generator, min_contrast: float, tint: float) -> tuple[Color, Color, Color]:
    """(text, background, second background) colours: dark text on a lighter background.

    The luminance gap between text and background is at least `min_contrast` (0..1); light text
    on dark comes from the inversion effect, so the two cases share one contrast rule.
    """
    bg = rng.uniform(min(min_contrast, 1.0), 1.0)
    text = rng.uniform(0.0, bg - min_contrast) if bg > min_contrast else 0.0
    bg2 = float(np.clip(bg + rng.uniform(-0.15, 0.15), min_contrast, 1.0))
    return _tinted(text, tint, rng), _tinted(bg, tint, rng), _tinted(bg2, tint, rng)


def luminance(color: Color) -> float:
    r, g, b = color
    return (0.299 * r + 0.587 * g + 0.114 * b) / 255.0
