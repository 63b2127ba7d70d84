"""Where the new text goes: the content aligner and the box geometry it is trained with.

The content image draws text B in the standard font, centred with fixed margins; the target
draws it where the style image's look puts it (its margins, alignment and the font's width).
On held-out pairs the ink boxes of the two overlap by a median IoU of 0.62 only (BENCHMARKS.md),
and a generator that decodes the content through U-Net skips draws the text where the content
has it. So before the content encoder sees it, the content image is moved: `ContentAligner`
predicts from the style image and the content an axis-aligned scale and shift, and `warp`
resamples the content by it. Training supervises the placement directly
(`losses.placement_loss`: L1 between `placed_boxes` of the content's ink box and the target's
mask box), and only so: the aligner is a part of its own in training (brush.train), and the
generator sees the content moved by a placement it cannot change. With the image losses also
reaching the aligner through the warp, its placement stayed constant over a 10-minute CPU run
(standard deviation 0.001 over held-out pairs): the box signal drowned in theirs.

Boxes are N x 4 tensors (x0, y0, x1, y1) in the normalised coordinates of `F.affine_grid`
with `align_corners=False`: -1 and 1 are the canvas edges. A placement is N x 4
(log sx, log sy, tx, ty): the output's point (x, y) samples the content at
(sx x + tx, sy y + ty), so a content box moves to ((x0 - tx) / sx, ...).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from brush.encoders import conv
from fontsynth.torchdata import tensor_channels

MAX_LOG_SCALE = 1.5  # at most e^1.5 = 4.5 times larger or smaller than the content draws it


def ink_boxes(ink: torch.Tensor, threshold: float = 0.5) -> tuple[torch.Tensor, torch.Tensor]:
    """The bounding box of the pixels above `threshold` in each N x 1 x H x W map, and whether
    there are any (an image without ink gets the whole canvas and False)."""
    assert ink.ndim == 4 and ink.shape[1] == 1, f"ink maps must be N x 1 x H x W, got {tuple(ink.shape)}"
    h, w = ink.shape[-2:]
    on = ink[:, 0] > threshold
    rows, cols = on.any(dim=2), on.any(dim=1)  # N x H, N x W
    valid = rows.any(dim=1)

    def span(hit: torch.Tensor, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        index = torch.arange(size, device=hit.device).expand_as(hit)
        first = torch.where(hit, index, size).min(dim=1).values
        last = torch.where(hit, index, -1).max(dim=1).values + 1
        first, last = torch.where(valid, first, 0), torch.where(valid, last, size)
        return first.float() * 2 / size - 1, last.float() * 2 / size - 1

    x0, x1 = span(cols, w)
    y0, y1 = span(rows, h)
    return torch.stack([x0, y0, x1, y1], dim=1), valid


def placed_boxes(boxes: torch.Tensor, placement: torch.Tensor) -> torch.Tensor:
    """Where `warp(content, placement)` puts the content's `boxes`."""
    assert boxes.shape == placement.shape and boxes.shape[1:] == (4,), f"boxes {tuple(boxes.shape)}, placement {tuple(placement.shape)}"
    scale, shift = placement[:, :2].exp(), placement[:, 2:]
    return torch.cat([(boxes[:, :2] - shift) / scale, (boxes[:, 2:] - shift) / scale], dim=1)


def content_and_target_boxes(content: torch.Tensor, target_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The ink boxes of content images (dark text on light, N x 1 x H x W) and of the targets'
    masks, and whether both have ink."""
    assert content.shape[1] == 1 and target_mask.shape == content.shape, f"content {tuple(content.shape)}, mask {tuple(target_mask.shape)}"
    (source, source_valid), (target, target_valid) = ink_boxes(1 - content.float()), ink_boxes(target_mask.float())
    return source, target, source_valid & target_valid


def fitted_placement(content: torch.Tensor, target_mask: torch.Tensor) -> torch.Tensor:
    """The placement that moves the content's ink box (dark text on light, N x 1 x H x W) onto
    the ink box of the target's mask: the aligner's ideal answer (scales within the aligner's
    range). Zero (the content as it is) where either has no ink."""
    source, target, valid = content_and_target_boxes(content, target_mask)
    size_s, size_t = source[:, 2:] - source[:, :2], target[:, 2:] - target[:, :2]
    log_scale = (size_s / size_t).log().clamp(-MAX_LOG_SCALE, MAX_LOG_SCALE)
    shift = source[:, :2] - log_scale.exp() * target[:, :2]
    placement = torch.cat([log_scale, shift], dim=1)
    return torch.where(valid[:, None], placement, torch.zeros_like(placement))


def warp(content: torch.Tensor, placement: torch.Tensor) -> torch.Tensor:
    """The content image scaled and shifted by `placement`; beyond its edges the edge pixels
    repeat (the content's margins are blank, so the padding is blank too)."""
    n = content.shape[0]
    assert placement.shape == (n, 4), f"placement {tuple(placement.shape)} for {n} images"
    sx, sy = placement[:, 0].exp(), placement[:, 1].exp()
    zero = torch.zeros_like(sx)
    theta = torch.stack([torch.stack([sx, zero, placement[:, 2]], 1), torch.stack([zero, sy, placement[:, 3]], 1)], 1)
    grid = F.affine_grid(theta.float(), list(content.shape), align_corners=False)
    return F.grid_sample(content.float(), grid, mode="bilinear", padding_mode="border", align_corners=False).to(content.dtype)


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per row, the intersection over union of two N x 4 boxes."""
    inter_w = (torch.minimum(a[:, 2], b[:, 2]) - torch.maximum(a[:, 0], b[:, 0])).clamp_min(0)
    inter_h = (torch.minimum(a[:, 3], b[:, 3]) - torch.maximum(a[:, 1], b[:, 1])).clamp_min(0)
    inter = inter_w * inter_h
    area = lambda x: (x[:, 2] - x[:, 0]).clamp_min(0) * (x[:, 3] - x[:, 1]).clamp_min(0)  # noqa: E731
    return inter / (area(a) + area(b) - inter).clamp_min(1e-12)


def mask_box_iou(mask: torch.Tensor, target_mask: torch.Tensor, least_peak: float = 0.1) -> torch.Tensor:
    """Per image, the IoU of the ink boxes of a predicted soft mask and the target's mask (both
    N x 1 x H x W): whether the text is drawn where the target has it. The prediction's ink is
    what exceeds half its own peak, so a mask head that stays below 0.5 is still read where it
    draws (a fixed 0.5 read such a model as drawing nothing: BENCHMARKS.md, session 12); a mask
    peaking below `least_peak` has no ink. 0 where the prediction has no ink; NaN where the
    target has none."""
    peak = mask.float().amax(dim=(1, 2, 3), keepdim=True)
    relative = torch.where(peak >= least_peak, mask.float() / peak.clamp_min(least_peak), torch.zeros_like(mask, dtype=torch.float))
    (pred, pred_valid), (true, true_valid) = ink_boxes(relative), ink_boxes(target_mask.float())
    iou = torch.where(pred_valid, box_iou(pred, true), torch.zeros_like(pred[:, 0]))
    return torch.where(true_valid, iou, torch.full_like(iou, float("nan")))


def placement_box_iou(placement: torch.Tensor, content: torch.Tensor, target_mask: torch.Tensor) -> torch.Tensor:
    """Per image, the IoU of where `placement` puts the content's ink box (dark text on light,
    N x 1 x H x W) with the ink box of the target's mask: how well the aligner places the text.
    A zero placement scores the content where it is. NaN where either has no ink."""
    source, target, valid = content_and_target_boxes(content, target_mask)
    iou = box_iou(placed_boxes(source, placement.float()), target)
    return torch.where(valid, iou, torch.full_like(iou, float("nan")))


class ContentAligner(nn.Module):
    """(style image, content image) -> placement N x 4. `levels` strided convolutions (16, 32,
    64, 64, ... channels) with group norm (trained alone for 600 steps it places boxes at IoU
    0.68-0.70 with it, 0.63-0.65 without), then a linear head over the flattened map (not
    pooled: where the style's text sits is the answer). The last layer starts at zero, so an
    untrained aligner leaves the content where it is."""

    def __init__(self, style_channels: int, content_channels: int, height: int, width: int, levels: int = 4, hidden: int = 64):
        super().__init__()
        widths = tuple(min(64, 16 * 2 ** i) for i in range(levels))
        layers: list[nn.Module] = []
        for c_in, c_out in zip((style_channels + content_channels, *widths), widths):
            layers += [conv(c_in, c_out, stride=2), nn.GroupNorm(4, c_out), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        cells = widths[-1] * (height >> len(widths)) * (width >> len(widths))
        assert cells > 0, f"a {height}x{width} canvas is too small for {len(widths)} halvings"
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(cells, hidden), nn.LeakyReLU(0.2), nn.Linear(hidden, 4))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)
        self.style_channels, self.content_channels = style_channels, content_channels

    def forward(self, style: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
        """`content` as pairs store it (one channel) or with `content_channels`."""
        assert style.shape[1] == self.style_channels, f"aligner: style with {style.shape[1]} channels, built for {self.style_channels}"
        x = torch.cat([style, tensor_channels(content, self.content_channels).to(style.dtype)], dim=1)
        raw = self.head(self.body(x)).float()
        placement = torch.cat([MAX_LOG_SCALE * torch.tanh(raw[:, :2] / MAX_LOG_SCALE), raw[:, 2:]], dim=1)
        assert placement.shape == (x.shape[0], 4)
        return placement
