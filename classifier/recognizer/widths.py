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

A TPS model samples a fixed grid, so it reads at the training canvas only, as before.

Training at own widths (`train_widths: "own"`, models without TPS): the data arrive on the
wide canvas too, and each batch is cut into groups of similar width (`training_groups`): an
image that fits the canvas is seen exactly as in canvas training (when its group fits too), a
wider one at about its own width (padding cut, never squeezed). The
model then reads an image wider than the canvas at its own width (`reading_widths`), and
brush's OCR loss fits a generated image at its own width (`scoring_width`)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

WIDEST = 4  # the widest reading, in training-canvas widths: a text wider still is squeezed to it first
MAX_SQUEEZE = 1.25  # a text wider than the canvas is also read at its width / this (when that exceeds the canvas)
WIDTH_STEP = 4  # reading widths are rounded up to this: one CTC column (the ResNet's stride along the width)
GROUP_STEP = 1.25  # own-width training: each training width is at most this times the previous one
GROUP_SIZE = 16  # own-width training: images per group (fixed sizes keep the shapes few: on the CPU groups of any size
# spent over a quarter of the step on new shapes, BENCHMARKS.md; and batch-norm statistics of a few images are noisy)


def reading_canvas(config, reads_any_width: bool) -> tuple[int, int]:
    """(height, width) to prepare images on for a recognizer with `config`."""
    return config.height, config.width * (WIDEST if reads_any_width else 1)


def reads_any_width(config) -> bool:
    """Whether a recognizer with `config` may read images wider than its canvas: without TPS,
    every stage runs along the width (TPS samples a grid of the canvas's size)."""
    return config.transformation == "none"


def evaluation_canvas(config) -> tuple[int, int]:
    """(height, width) `eval-recognizer` and `recognize` prepare images on, and so training's
    validation on --val-data: its figures are eval's (a model trained on the canvas reads a
    wider image at its reading widths there too)."""
    return reading_canvas(config, reads_any_width(config))


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


def whole_columns(width: float, base: int) -> int:
    """`width` rounded up to a whole CTC column, at least `base`."""
    return max(base, math.ceil(width / WIDTH_STEP) * WIDTH_STEP)


def reading_widths(used: int, base: int, own_trained: bool = False) -> list[int]:
    """The widths an image using `used` columns is read at by a model trained at width `base`,
    narrowest first: the canvas, then (for a wider image) its width squeezed by MAX_SQUEEZE and
    its own width, rounded up to a whole CTC column. A model trained at own widths
    (`own_trained`) reads a wider image at its own width alone: what training showed it."""
    if used <= base:
        return [base]
    if own_trained:
        return [whole_columns(used, base)]
    return list(dict.fromkeys((base, whole_columns(used / MAX_SQUEEZE, base), whole_columns(used, base))))


def training_widths(base: int, widest: int) -> list[int]:
    """The widths own-width training cuts batches at, narrowest first: the canvas `base`, then
    steps of at most GROUP_STEP (whole CTC columns) up to `widest`."""
    widths = [base]
    while widths[-1] < widest:
        widths.append(min(widest, max(widths[-1] + WIDTH_STEP, math.floor(widths[-1] * GROUP_STEP / WIDTH_STEP) * WIDTH_STEP)))
    return widths


def training_groups(images: torch.Tensor, base: int) -> list[tuple[list[int], torch.Tensor]]:
    """Own-width training: (indices, images) sub-batches of an N x C x H x W batch prepared on
    a canvas at least `base` wide, narrowest first: the images sorted by the width they use
    (stably), GROUP_SIZE at a time, each group cropped at the narrowest of `training_widths`
    that holds every column its widest image uses, so cropping cuts padding only (an image that
    fits `base`, in a group that does, is exactly canvas training's)."""
    used = used_widths(images).tolist()
    widths = training_widths(base, images.shape[-1])
    order = sorted(range(len(used)), key=used.__getitem__)
    groups = []
    for first in range(0, len(order), GROUP_SIZE):
        indices = order[first:first + GROUP_SIZE]
        width = next(w for w in widths if w >= used[indices[-1]])
        groups.append((indices, images[indices][..., :width].contiguous()))
    return groups


def training_canvas(config) -> tuple[int, int]:
    """(height, width) training data are prepared on: the wide reading canvas for own-width
    training, else the canvas."""
    return reading_canvas(config, config.train_widths == "own")


def scoring_width(config, natural: int) -> int:
    """The width a recognizer with `config` scores (brush's OCR loss) an image of `natural`
    width at its height: the canvas, or for a model trained at own widths the natural width in
    whole columns, from the canvas to WIDEST canvases."""
    return min(whole_columns(natural, config.width), WIDEST * config.width) if config.train_widths == "own" else config.width


def width_groups(images: torch.Tensor, base: int, own_trained: bool = False) -> list[tuple[list[int], torch.Tensor]]:
    """(indices, images as read) sub-batches, one per reading width, narrowest first: every
    image at each of its `reading_widths`, cropped there when it uses no more columns (an image
    that fits the canvas: what training showed), else cropped to the columns it uses and
    resized to that width."""
    if images.shape[-1] <= base:
        return [(list(range(len(images))), images)]
    used = used_widths(images).tolist()
    by_width: dict[int, list[int]] = {}
    for k, u in enumerate(used):
        for width in reading_widths(u, base, own_trained):
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
    for indices, batch in width_groups(images, model.config.width, model.config.train_widths == "own"):
        read, sure = model.predict(batch)
        for k, image, text, confidence in zip(indices, batch, read, sure):
            if confidence > confidences[k]:
                texts[k], confidences[k], shown[k] = text, confidence, image
    return texts, confidences, shown
