"""Stage 2: the ResNet feature extractor of FAN / DTRB (its "ResNet"): 32 x W word images to a
left-to-right sequence of W/4 + 1 feature columns of `channels` features."""

from __future__ import annotations

import torch
from torch import nn


def conv_bn(i: int, o: int, kernel=3, stride=1, padding=1) -> list[nn.Module]:
    return [nn.Conv2d(i, o, kernel, stride, padding, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]


class BasicBlock(nn.Module):
    def __init__(self, i: int, o: int):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(i, o)[:3], nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o))
        self.skip = nn.Identity() if i == o else nn.Sequential(nn.Conv2d(i, o, 1, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        return torch.relu(self.body(x) + self.skip(x))


def stage(i: int, o: int, blocks: int) -> list[nn.Module]:
    """`blocks` residual blocks i -> o, then a 3x3 conv o -> o."""
    return [BasicBlock(i if k == 0 else o, o) for k in range(blocks)] + conv_bn(o, o)


class ResNetFeatures(nn.Module):
    """N x C x 32 x W -> N x channels x 1 x (W/4 + 1); `blocks` per stage, as DTRB's (1, 2, 5, 3)."""

    def __init__(self, in_channels: int, channels: int = 512, blocks: tuple[int, ...] = (1, 2, 5, 3)):
        super().__init__()
        c = [channels // 4, channels // 2, channels, channels]
        self.body = nn.Sequential(
            *conv_bn(in_channels, channels // 16), *conv_bn(channels // 16, channels // 8), nn.MaxPool2d(2),  # 16 x W/2
            *stage(channels // 8, c[0], blocks[0]), nn.MaxPool2d(2),  # 8 x W/4
            *stage(c[0], c[1], blocks[1]), nn.MaxPool2d(2, (2, 1), (0, 1)),  # 4 x W/4 + 1
            *stage(c[1], c[2], blocks[2]),
            *[BasicBlock(c[2] if k == 0 else c[3], c[3]) for k in range(blocks[3])],
            *conv_bn(c[3], c[3], 2, (2, 1), (0, 1)),  # 2 x W/4 + 2
            *conv_bn(c[3], c[3], 2, 1, 0),  # 1 x W/4 + 1
        )

    @staticmethod
    def columns(width: int) -> int:
        """Output columns for input `width` (W/4 + 1, as the comments above trace)."""
        return width // 2 // 2 + 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)
