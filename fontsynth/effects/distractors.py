"""Distractors: other text cut by the image's edges, as a word box cut from a photo holds pieces of
the neighbouring words and lines (SynthTIGER's distractor texts, Yim et al. 2021). A reader
trained without them reads a loosely boxed word's neighbours as part of it.

Each distractor is a run of the word's own characters in its font, size and colour, beside it
(left or right, a word space away, on its line) or above or below it (a line's leading away,
shifted along). It is laid into the text layer before the geometry, so a curve, rotation or
perspective moves it with the word, and the crop's margins (which the Style widens on its
side) cut it where a photo's box would. It belongs to the background: the text mask leaves it
out, so pairs and masks keep their meaning."""

from __future__ import annotations

from typing import Callable

import numpy as np

SIDES = ("left", "top", "right", "bottom")  # the order of Style.margins
Box = tuple[float, float, float, float]


def distractor_text(text: str, seed: int, beside: bool) -> str:
    """The characters of one distractor: drawn from `text`'s own (the font covers them), 3-8 of
    them beside the word, the word's length plus 4-11 above or below it (a line that spans the
    crop); "" for a text without a visible character."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return ""
    rng = np.random.default_rng(seed)
    length = int(rng.integers(3, 9)) if beside else len(text) + int(rng.integers(4, 12))
    return "".join(chars[i] for i in rng.integers(0, len(chars), size=length))


def add_distractors(layers: np.ndarray, box: Box, text: str, distractors: list[list[float]],
                    draw: Callable[[str], tuple[np.ndarray, Box]]) -> tuple[np.ndarray, Box]:
    """`layers` (H x W x C alphas) with one more channel last, the distractors' alpha, grown to
    hold them, and `box` moved with it. `distractors`: [side (index of SIDES), gap (box
    heights), shift (-1..1), seed] each; `draw(text)` gives a text's layers and line box in
    the word's font and size."""
    x0, y0, x1, y1 = box
    bh, bw = y1 - y0, x1 - x0
    pieces = []  # (alpha, left, top) in the layer's coordinates
    for side, gap, shift, seed in distractors:
        beside = SIDES[int(side)] in ("left", "right")
        chars = distractor_text(text, int(seed), beside)
        if not chars:
            continue
        alpha, (dx0, dy0, dx1, dy1) = draw(chars)
        if beside:
            top = y0 - dy0 + shift * 0.1 * bh  # on the word's line, give or take a tenth of its height
            left = x0 - gap * bh - dx1 if SIDES[int(side)] == "left" else x1 + gap * bh - dx0
        else:
            left = (x0 + x1) / 2 + shift * bw / 2 - (dx0 + dx1) / 2  # centred on the word, shifted along
            top = y0 - gap * bh - dy1 if SIDES[int(side)] == "top" else y1 + gap * bh - dy0
        pieces.append((alpha[..., 0], round(left), round(top)))
    h, w, channels = layers.shape
    lo_x, lo_y = min([0] + [left for _, left, _ in pieces]), min([0] + [top for _, _, top in pieces])
    hi_x = max([w] + [left + a.shape[1] for a, left, _ in pieces])
    hi_y = max([h] + [top + a.shape[0] for a, _, top in pieces])
    out = np.zeros((hi_y - lo_y, hi_x - lo_x, channels + 1), np.uint8)
    out[-lo_y : h - lo_y, -lo_x : w - lo_x, :channels] = layers
    for alpha, left, top in pieces:
        region = out[top - lo_y : top - lo_y + alpha.shape[0], left - lo_x : left - lo_x + alpha.shape[1], channels]
        np.maximum(region, alpha, out=region)
    return out, (x0 - lo_x, y0 - lo_y, x1 - lo_x, y1 - lo_y)
