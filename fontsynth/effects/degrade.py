"""Photometric degradations applied to the composed image.

Order: inversion, Gaussian blur, motion blur, noise. JPEG artefacts come from encoding the
sample as JPEG at the Style's quality (`codec.encode`: the stored bytes are that JPEG).
"""

from __future__ import annotations

import cv2
import numpy as np


def motion_kernel(length: int, angle: float) -> np.ndarray:
    k = np.zeros((length, length), np.float32)
    k[length // 2, :] = 1.0
    rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), angle, 1.0)
    k = cv2.warpAffine(k, rot, (length, length))
    return k / max(float(k.sum()), 1e-6)


def degrade(image: np.ndarray, style) -> np.ndarray:
    """Apply the Style's degradations to a uint8 RGB image (pure: a new array)."""
    out = image
    if style.invert:
        out = 255 - out
    if style.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), style.blur)
    if style.motion_blur[0] >= 2:
        out = cv2.filter2D(out, -1, motion_kernel(int(style.motion_blur[0]), style.motion_blur[1]))
    if style.noise > 0:
        rng = np.random.default_rng(style.noise_seed)
        noisy = out.astype(np.float32) + rng.normal(0.0, style.noise, out.shape).astype(np.float32)
        out = np.clip(noisy, 0, 255).round().astype(np.uint8)
    return out
