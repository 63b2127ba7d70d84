"""The two encoders of brush.

- `StyleEncoder(image)` -> (style vector N x style_dim, [feature maps fine to coarse]): residual
  blocks down to 1/2^levels, then global average pooling and a linear layer (TextStyleBrush's
  ResNet34 encoder, smaller). Its feature maps feed the generator as skip connections, so the
  background and texture around the text can be carried over spatially (see brush.model).
- `ContentEncoder(content)` -> [feature maps fine to coarse]: the new text drawn in the standard
  font (one channel), encoded at every resolution of the generator.
- `BackgroundDecoder(style maps)` -> the style image's background without its text (SRNet's and
  MOSTEL's background branch): a plain U-Net decoder over the style encoder's maps, every
  resolution included (here copying the style image is right, except where its text was).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv(c_in: int, c_out: int, stride: int = 1) -> nn.Module:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1)


class ResBlock(nn.Module):
    """Two 3x3 convolutions with leaky ReLUs and a (strided 1x1) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(conv(c_in, c_out, stride), nn.LeakyReLU(0.2), conv(c_out, c_out), nn.LeakyReLU(0.2))
        self.skip = nn.Identity() if (c_in, stride) == (c_out, 1) else nn.Conv2d(c_in, c_out, 1, stride=stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.body(x) + self.skip(x)) / 2 ** 0.5


class Pyramid(nn.Module):
    """A stem at full resolution and one strided residual block per further level: the feature
    maps at 1, 1/2, ..., 1/2^(len(widths) - 1) of the input."""

    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        self.stem = nn.Sequential(conv(in_channels, widths[0]), nn.LeakyReLU(0.2))
        self.blocks = nn.ModuleList(ResBlock(a, b, 2) for a, b in zip(widths, widths[1:]))
        self.widths = widths

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        maps = [self.stem(x)]
        for block in self.blocks:
            maps.append(block(maps[-1]))
        return maps


class StyleEncoder(nn.Module):
    """With `normalize`, the style vector is scaled to unit RMS per image (StyleGAN's normalised
    latent): the generator's output heads modulate without demodulation, so a style vector that
    grows drives every logit past the sigmoid's range, where no gradient brings it back."""

    def __init__(self, in_channels: int, widths: tuple[int, ...], style_dim: int, normalize: bool = False):
        super().__init__()
        self.pyramid = Pyramid(in_channels, widths)
        self.head = nn.Sequential(ResBlock(widths[-1], widths[-1], 2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(widths[-1], style_dim))
        self.in_channels, self.style_dim, self.normalize = in_channels, style_dim, normalize

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        assert image.ndim == 4 and image.shape[1] == self.in_channels, f"style image: expected N x {self.in_channels} x H x W, got {tuple(image.shape)}"
        maps = self.pyramid(image)
        style = self.head(maps[-1])
        if self.normalize:
            style = style * torch.rsqrt(style.float().pow(2).mean(dim=1, keepdim=True) + 1e-8).to(style.dtype)
        assert style.shape == (image.shape[0], self.style_dim)
        return style, maps


class ContentEncoder(nn.Module):
    def __init__(self, in_channels: int, widths: tuple[int, ...]):
        super().__init__()
        self.pyramid = Pyramid(in_channels, widths)
        self.in_channels = in_channels

    def forward(self, content: torch.Tensor) -> list[torch.Tensor]:
        assert content.ndim == 4 and content.shape[1] == self.in_channels, f"content: expected N x {self.in_channels} x H x W, got {tuple(content.shape)}"
        return self.pyramid(content)


class BackgroundDecoder(nn.Module):
    """Style maps (fine to coarse, as `StyleEncoder` gives them) -> background N x C x H x W in [0, 1].
    One 3x3 convolution per level, at the encoder's widths (half the channels and a 1x1
    convolution at full resolution cost 0.37 dB of PSNR in ten CPU minutes: BENCHMARKS.md)."""

    def __init__(self, widths: tuple[int, ...], out_channels: int):
        super().__init__()
        self.ups = nn.ModuleList(nn.Sequential(conv(widths[level + 1] + widths[level], widths[level]), nn.LeakyReLU(0.2))
                                 for level in reversed(range(len(widths) - 1)))
        self.out = nn.Conv2d(widths[0], out_channels, 1)
        self.widths = widths

    def forward(self, maps: list[torch.Tensor]) -> torch.Tensor:
        assert [m.shape[1] for m in maps] == list(self.widths), f"style maps of {[m.shape[1] for m in maps]} channels, expected {self.widths}"
        x = maps[-1]
        for up, finer in zip(self.ups, reversed(maps[:-1])):
            x = up(torch.cat([F.interpolate(x, size=finer.shape[-2:], mode="bilinear", align_corners=False), finer], dim=1))
        return torch.sigmoid(self.out(x).float())
