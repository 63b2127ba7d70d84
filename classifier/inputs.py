"""How the models that read word images normalise them: shared by the typeface classifier and
the recognizer (and so by brush's losses built on them)."""

from __future__ import annotations

import torch


def normalise_per_image(images: torch.Tensor, polarity: bool, eps: float = 1e-5) -> torch.Tensor:
    """Each image of N x C x H x W to zero mean and unit standard deviation (over channels and
    pixels). With `polarity`, images whose grey levels are skewed towards light (a few bright
    pixels on a darker ground: light text) are negated, so text is dark on a light ground
    whatever its colours (right on 99.5% of default renders: scripts/check_polarity.py)."""
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    centred = images - mean
    z = centred * torch.rsqrt(centred.pow(2).mean(dim=(1, 2, 3), keepdim=True) + eps)  # eps: a flat image stays 0
    if polarity:
        skew = z.pow(3).mean(dim=(1, 2, 3), keepdim=True)
        z = torch.where(skew > 0, -z, z)
    return z
