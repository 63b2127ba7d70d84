"""brush's generator: StyleGAN2's modulated convolutions without noise inputs.

The blocks follow rosinality's stylegan2-pytorch (ModulatedConv2d, StyledConv, ToRGB), written
anew and smaller: weights are scaled at run time (equalised learning rate), each convolution's
weights are modulated per sample by an affine map of the style vector and demodulated. No
noise inputs: the TextStyleBrush reproduction found that content cannot be reconstructed with
them. Decoding runs coarse to fine; at each level the content encoder's map (and, when
configured, at the coarsest levels, the style encoder's map) of that resolution is concatenated
before the styled convolutions (U-Net skips), and the output is an RGB image and a soft text mask in [0, 1].
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class EqualLinear(nn.Module):
    """Linear layer with weights scaled by 1/sqrt(fan_in) at run time."""

    def __init__(self, c_in: int, c_out: int, bias_init: float = 0.0):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in))
        self.bias = nn.Parameter(torch.full((c_out,), float(bias_init)))
        self.scale = 1 / math.sqrt(c_in)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.scale, self.bias)


class ModulatedConv2d(nn.Module):
    """Per-sample weights: w * (1 + affine(style)), demodulated to unit output variance."""

    def __init__(self, c_in: int, c_out: int, kernel: int, style_dim: int, demodulate: bool = True):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(c_out, c_in, kernel, kernel))  # 4-D: the trainer's channels_last (CUDA) applies
        self.scale = 1 / math.sqrt(c_in * kernel * kernel)
        self.modulation = EqualLinear(style_dim, c_in, bias_init=1.0)
        self.c_in, self.c_out, self.kernel, self.demodulate = c_in, c_out, kernel, demodulate

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """Computed as StyleGAN2's non-fused path: scale the input channels by the style, convolve
        with the shared weights, scale the outputs by the demodulation factors. Equal to
        convolving with per-sample modulated weights (tested), and much faster than the grouped
        convolution that would need, on CPUs above all."""
        n, c, h, w = x.shape
        assert c == self.c_in, f"modulated conv expects {self.c_in} channels, got {c}"
        s = self.modulation(style)  # n x in
        weight = self.scale * self.weight  # out x in x k x k
        out = F.conv2d(x * s.view(n, c, 1, 1).to(x.dtype), weight.to(x.dtype), padding=self.kernel // 2)
        if self.demodulate:
            demod = torch.rsqrt(s.pow(2) @ weight.pow(2).sum(dim=(2, 3)).t() + 1e-8)  # n x out
            out = out * demod.view(n, self.c_out, 1, 1).to(out.dtype)
        return out

    def forward_grouped(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        """The reference: per-sample weights w * s, demodulated, as one grouped convolution."""
        n, c, h, w = x.shape
        s = self.modulation(style).view(n, 1, c, 1, 1)
        weight = self.scale * self.weight[None] * s  # n x out x in x k x k
        if self.demodulate:
            weight = weight * torch.rsqrt(weight.pow(2).sum(dim=(2, 3, 4), keepdim=True) + 1e-8)
        weight = weight.view(n * self.c_out, c, self.kernel, self.kernel)
        return F.conv2d(x.reshape(1, n * c, h, w), weight, padding=self.kernel // 2, groups=n).view(n, self.c_out, h, w)


class StyledConv(nn.Module):
    """Modulated 3x3 convolution + bias + leaky ReLU (no noise input)."""

    def __init__(self, c_in: int, c_out: int, style_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(c_in, c_out, 3, style_dim)
        self.bias = nn.Parameter(torch.zeros(1, c_out, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(self.conv(x, style) + self.bias, 0.2) * math.sqrt(2)


class ToOutput(nn.Module):
    """Modulated 1x1 convolution without demodulation to `channels` (RGB, or 1 for the mask logits)."""

    def __init__(self, c_in: int, channels: int, style_dim: int):
        super().__init__()
        self.conv = ModulatedConv2d(c_in, channels, 1, style_dim, demodulate=False)
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.conv(x, style) + self.bias


class Generator(nn.Module):
    """Decodes content maps (and style maps) under the style vector into (image, mask)."""

    def __init__(self, widths: tuple[int, ...], style_dim: int, out_channels: int, style_skip_levels: int):
        super().__init__()
        self.widths = widths
        self.skips = [level >= len(widths) - style_skip_levels for level in range(len(widths))]  # levels that see the style maps
        levels = len(widths)
        self.levels = nn.ModuleList()
        below = 0  # channels coming up from the coarser level
        for level in reversed(range(levels)):
            c_in = below + widths[level] * (2 if self.skips[level] else 1)
            self.levels.append(nn.ModuleList([StyledConv(c_in, widths[level], style_dim), StyledConv(widths[level], widths[level], style_dim)]))
            below = widths[level]
        self.to_image = ToOutput(widths[0], out_channels, style_dim)
        self.to_mask = ToOutput(widths[0], 1, style_dim)

    def forward(self, style: torch.Tensor, content_maps: list[torch.Tensor], style_maps: list[torch.Tensor],
                image_bias: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(image in [0, 1], the mask's logits): the mask loss is a cross-entropy from logits, so a
        saturated mask pixel still gets a gradient; `BrushGenerator` takes the sigmoid for the
        rest. `image_bias` (N x C x 1 x 1, optional): added to the image logits before the sigmoid."""
        assert len(content_maps) == len(self.widths), f"{len(content_maps)} content maps for {len(self.widths)} levels"
        x = None
        for convs, level in zip(self.levels, reversed(range(len(self.widths)))):
            parts = [content_maps[level]] + ([style_maps[level]] if self.skips[level] else [])
            if x is not None:
                parts.insert(0, F.interpolate(x, size=content_maps[level].shape[-2:], mode="bilinear", align_corners=False))
            x = torch.cat(parts, dim=1)
            for conv in convs:
                x = conv(x, style)
        logits = self.to_image(x, style).float()
        image = torch.sigmoid(logits if image_bias is None else logits + image_bias.float())
        return image, self.to_mask(x, style).float()
