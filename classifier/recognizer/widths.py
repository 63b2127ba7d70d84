"""Reading each word at the widths it may need.

Training fits every image into the canvas (height x width, 32x100 by default): resized to the
height keeping its aspect, right-padded by repeating its last column, and squeezed when it
would be wider, so a text of 15 or more characters reaches the model with letters two to four
times narrower than any short word it learned from (and it reads few of them). A recognizer
without a TPS stage is convolutional along the width (`Recognizer.reads_any_width`), so at
inference it can read such a text wider than the canvas. Images are prepared on a canvas
`WIDEST` times as wide; one that fits the training canvas is read there, exactly as in
training; a wider one is read at three widths, and the most confident reading is kept: the
canvas (squeezed, as training showed it), its own width squeezed by `MAX_SQUEEZE` (what
training gave the many texts a little too wide for the canvas), and its own width. No single
width served every text (measured in BENCHMARKS.md): unsqueezed, the spaces of two-word texts
(always squeezed in training) were dropped; squeezed, a short word on a wide background (a
brush output) was read worse.

A TPS model samples a fixed grid, so it reads at the training canvas only, as before."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

WIDEST = 4  # the widest reading, in training-canvas widths: a text wider still is squeezed to it first
MAX_SQUEEZE = 1.25  # a text wider than the canvas is also read at its width / this (when that exceeds the canvas)
WIDTH_STEP = 4  # reading widths are rounded up to this: one CTC column (the ResNet's stride along the width)


def reading_canvas(config, reads_any_width: bool) -> tuple[int, int]:
    """(height, width) to prepare images on for a recognizer with `config`."""
    return config.height, config.width * (WIDEST if reads_any_width else 1)


def used_widths(images: torch.Tensor) -> torch.Tensor:
    """Per image of an N x C x H x W batch, the width it uses: every column after it repeats
    its last one (the padding `fit_to_canvas` adds, or a flat right margin), so cropped to any
    width at least this one it loses nothing that padding by replication would not restore.
    At least 1."""
    same = (images == images[..., -1:]).flatten(1, 2).all(dim=1)  # N x W: column equals the last column
    differs = ~same
    width = images.shape[-1]
    last = width - 1 - differs.flip(1).int().argmax(dim=1)  # the last column that differs (0 when none does)
    return torch.where(differs.any(dim=1), (last + 2).clamp(max=width), torch.ones_like(last))


def reading_widths(used: int, base: int) -> list[int]:
    """The widths an image using `used` columns is read at by a model trained at width `base`,
    narrowest first: the canvas, then (for a wider image) its width squeezed by MAX_SQUEEZE and
    its own width, rounded up to a whole CTC column."""
    if used <= base:
        return [base]
    def column(width: float) -> int:
        return max(base, math.ceil(width / WIDTH_STEP) * WIDTH_STEP)
    return list(dict.fromkeys((base, column(used / MAX_SQUEEZE), column(used))))


def width_groups(images: torch.Tensor, base: int) -> list[tuple[list[int], torch.Tensor]]:
    """(indices, images as read) sub-batches, one per reading width, narrowest first: every
    image at each of its `reading_widths`, cropped there when it uses no more columns (an image
    that fits the canvas: what training showed), else cropped to the columns it uses and
    resized to that width."""
    if images.shape[-1] <= base:
        return [(list(range(len(images))), images)]
    used = used_widths(images).tolist()
    by_width: dict[int, list[int]] = {}
    for k, u in enumerate(used):
        for width in reading_widths(u, base):
            by_width.setdefault(min(width, images.shape[-1]), []).append(k)
    groups = []
    for width, indices in sorted(by_width.items()):
        read = [images[k:k + 1, ..., :width] if used[k] <= width else
                F.interpolate(images[k:k + 1, ..., :used[k]], size=(images.shape[2], width), mode="bilinear", align_corners=False, antialias=True)
                for k in indices]
        groups.append((indices, torch.cat(read)))
    return groups


@torch.no_grad()
def predict_at_widths(model, images: torch.Tensor) -> tuple[list[str], list[float], list[torch.Tensor]]:
    """`model.predict` of each image at its reading widths (`width_groups` of the model's
    training width), keeping the most confident reading (the narrower on a tie): texts,
    confidences and each image as read, in input order."""
    texts: list[str] = [""] * len(images)
    confidences: list[float] = [-1.0] * len(images)
    shown: list[torch.Tensor] = [images[0]] * len(images)
    for indices, batch in width_groups(images, model.config.width):
        read, sure = model.predict(batch)
        for k, image, text, confidence in zip(indices, batch, read, sure):
            if confidence > confidences[k]:
                texts[k], confidences[k], shown[k] = text, confidence, image
    return texts, confidences, shown
