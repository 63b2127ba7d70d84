"""Photometric degradations applied to the composed image, and the final encoding.

Order: inversion, Gaussian blur, motion blur, noise; JPEG artefacts come from encoding the
sample as JPEG at the Style's quality (the stored bytes are that JPEG), else PNG.
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


def encode(image: np.ndarray, jpeg_quality: int, png_level: int = 1) -> bytes:
    """PNG bytes, or JPEG bytes at `jpeg_quality` when it is above 0 (RGB in, as stored)."""
    bgr = image[:, :, ::-1] if image.ndim == 3 else image
    if jpeg_quality > 0:
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, png_level, cv2.IMWRITE_PNG_STRATEGY, cv2.IMWRITE_PNG_STRATEGY_RLE]
        ok, buf = cv2.imencode(".png", bgr, params)
    if not ok:
        raise RuntimeError("image encoding failed")
    return buf.tobytes()


def decode(data: bytes) -> np.ndarray:
    """RGB uint8 (or grey 2-D for single-channel PNGs) from stored PNG/JPEG bytes."""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError("not a decodable image")
    return image[:, :, ::-1].copy() if image.ndim == 3 else image
