"""Photometric degradations applied to the composed image.

Order: inversion, Gaussian blur, motion blur, noise. JPEG artefacts come from encoding the
sample as JPEG at the Style's quality (`codec.encode`: the stored bytes are that JPEG).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

NOISE_TABLE_SIDE = 512
NOISE_TABLE_SEED = 20261122


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
        noise = noise_window(out.shape, style.noise_seed)
        out = cv2.addWeighted(out.astype(np.float32), 1.0, noise, style.noise, 0.0, dtype=cv2.CV_8U)
    return out


@lru_cache(maxsize=1)
def noise_table() -> np.ndarray:
    """Standard normal values, float32, side x side x 3: a constant, made once per process.

    From numpy's legacy RandomState, whose stream numpy guarantees never to change."""
    side = NOISE_TABLE_SIDE
    table = np.random.RandomState(NOISE_TABLE_SEED).standard_normal((side, side, 3)).astype(np.float32)
    table.flags.writeable = False
    return table


def noise_window(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Per-pixel standard normal noise of `shape` (H x W or H x W x 3): the window of the
    constant noise table at an offset given by `seed`, wrapping around for large images.

    Drawing ~10,000 normals per sample cost more (~100 us) than the rest of the
    degradations; a window of a fixed table costs a slice. Samples get different windows
    (262,144 offsets); the noise of each pixel is still standard normal and independent of
    its neighbours."""
    side = NOISE_TABLE_SIDE
    h, w = shape[0], shape[1]
    y0, x0 = seed % side, (seed // side) % side
    table = noise_table()
    if y0 + h <= side and x0 + w <= side:
        window = table[y0 : y0 + h, x0 : x0 + w]
    else:
        window = table.take(np.arange(y0, y0 + h) % side, axis=0).take(np.arange(x0, x0 + w) % side, axis=1)
    return window if len(shape) == 3 else np.ascontiguousarray(window[..., 0])
