"""brush's discriminators (both output logits; any shape, the losses average them).

- `PatchDiscriminator` (default): pix2pix's PatchGAN, a few strided 4x4 convolutions with
  instance norm and leaky ReLU ending in one logit per overlapping patch; trained with least
  squares (the TextStyleBrush reproduction found it sharpens).
- `ResidualDiscriminator`: StyleGAN2's residual layout (strided residual blocks, then a linear
  head: one logit per image), meant for the non-saturating loss with R1.
"""

from __future__ import annotations

import torch
from torch import nn

from brush.encoders import ResBlock


class PatchDiscriminator(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        layers: list[nn.Module] = []
        c = in_channels
        for k, width in enumerate(widths):
            # no bias before instance norm: it would be removed with the mean (its gradient is noise, which Adam amplifies)
            layers.append(nn.Conv2d(c, width, 4, stride=2 if k < len(widths) - 1 else 1, padding=1, bias=k == 0))
            if k:
                layers.append(nn.InstanceNorm2d(width, affine=True))
            layers.append(nn.LeakyReLU(0.2))
            c = width
        layers.append(nn.Conv2d(c, 1, 4, stride=1, padding=1))
        self.net = nn.Sequential(*layers)
        self.in_channels = in_channels

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        assert images.ndim == 4 and images.shape[1] == self.in_channels, f"D: expected N x {self.in_channels} x H x W, got {tuple(images.shape)}"
        return self.net(images)


class ResidualDiscriminator(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, widths[0], 1), nn.LeakyReLU(0.2))
        self.blocks = nn.Sequential(*[ResBlock(a, b, 2) for a, b in zip(widths, widths[1:] + widths[-1:])])
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], widths[-1]), nn.LeakyReLU(0.2), nn.Linear(widths[-1], 1))
        self.in_channels = in_channels

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        assert images.ndim == 4 and images.shape[1] == self.in_channels, f"D: expected N x {self.in_channels} x H x W, got {tuple(images.shape)}"
        return self.head(self.blocks(self.stem(images)))


DISCRIMINATORS = {"patch": PatchDiscriminator, "stylegan2": ResidualDiscriminator}
