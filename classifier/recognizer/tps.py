"""Stage 1: thin-plate-spline rectification (Shi et al., RARE; DTRB's "TPS").

A small CNN predicts F fiducial points on the input; the TPS that maps the F fixed points of
the output (along its top and bottom edges) onto them gives a sampling grid, and the image is
resampled so curved or slanted text comes out straight. At initialisation the predicted points
are the fixed ones: the transform is the identity."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def fiducial_points(count: int) -> torch.Tensor:
    """count/2 points along the top edge (y = -1) and as many along the bottom (y = 1), x in [-1, 1]."""
    xs = torch.linspace(-1.0, 1.0, count // 2)
    return torch.cat([torch.stack([xs, -torch.ones_like(xs)], 1), torch.stack([xs, torch.ones_like(xs)], 1)])


def tps_kernel(points: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """U(r) = r^2 log r between each point and each centre (0 at r = 0)."""
    r = torch.cdist(points, centres)
    return torch.where(r > 0, r.square() * torch.log(r.clamp_min(1e-12)), torch.zeros_like(r))


def tps_system(centres: torch.Tensor) -> torch.Tensor:
    """The (F+3) x (F+3) matrix whose inverse maps target positions of the centres to TPS
    parameters [a0, ax, ay, w_1..w_F] (interpolation rows, then the side conditions)."""
    n = centres.shape[0]
    top = torch.cat([torch.ones(n, 1), centres, tps_kernel(centres, centres)], 1)
    bottom = torch.cat([torch.zeros(3, 3), torch.cat([torch.ones(1, n), centres.T])], 1)
    return torch.cat([top, bottom])


class TPS(nn.Module):
    def __init__(self, in_channels: int, height: int, width: int, points: int = 20, channels: int = 64):
        super().__init__()
        if points < 4 or points % 2:
            raise ValueError(f"TPS needs an even number of fiducial points >= 4, got {points}")
        self.points, self.size = points, (height, width)
        block = lambda i, o, pool: [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(True)] + (  # noqa: E731
            [nn.MaxPool2d(2)] if pool else [])
        c = channels  # the localisation network's widths: c, 2c, 4c, 8c (DTRB: 64 ... 512)
        self.localise = nn.Sequential(*block(in_channels, c, True), *block(c, 2 * c, True), *block(2 * c, 4 * c, True),
                                      *block(4 * c, 8 * c, False), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                      nn.Linear(8 * c, 4 * c), nn.ReLU(True), nn.Linear(4 * c, points * 2))
        centres = fiducial_points(points)
        nn.init.zeros_(self.localise[-1].weight)
        with torch.no_grad():
            self.localise[-1].bias.copy_(centres.flatten())
        ys, xs = torch.meshgrid(torch.linspace(-1, 1, height), torch.linspace(-1, 1, width), indexing="ij")
        grid = torch.stack([xs.flatten(), ys.flatten()], 1)
        self.register_buffer("inverse", torch.linalg.inv(tps_system(centres).double()).float(), persistent=False)  # float64: the system is ill-conditioned
        self.register_buffer("grid_basis", torch.cat([torch.ones(grid.shape[0], 1), grid, tps_kernel(grid, centres)], 1), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        n = images.shape[0]
        targets = self.localise(images).float().view(n, self.points, 2)
        params = self.inverse @ torch.cat([targets, targets.new_zeros(n, 3, 2)], 1)  # N x (F+3) x 2
        grid = (self.grid_basis @ params).view(n, *self.size, 2)
        return F.grid_sample(images, grid.to(images.dtype), padding_mode="border", align_corners=True)
