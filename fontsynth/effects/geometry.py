"""Geometry of the text layer: curved baseline, rotation + perspective, crop, fit to size.

Layers are uint8 H x W x C alpha stacks; a `box` is the text's line box (ink left/right,
font ascent/descent top/bottom) as (x0, y0, x1, y1) in layer pixels, carried through every
transform so the crop follows the text and not stray ink.
"""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[float, float, float, float]


def curve(layers: np.ndarray, box: Box, amount: float) -> tuple[np.ndarray, Box]:
    """Bend the baseline into a parabola; `amount` is the centre's shift as a fraction of box height."""
    x0, y0, x1, y1 = box
    shift = amount * (y1 - y0)
    pad = int(np.ceil(abs(shift))) + 1
    layers = cv2.copyMakeBorder(layers, pad, pad, 0, 0, cv2.BORDER_CONSTANT, value=0)
    h, w = layers.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    u = (xs - (x0 + x1) / 2) / max((x1 - x0) / 2, 1.0)
    dy = (shift * (1 - u**2)).astype(np.float32)
    map_x = np.broadcast_to(xs, (h, w)).astype(np.float32)
    map_y = np.arange(h, dtype=np.float32)[:, None] - dy[None, :]
    bent = cv2.remap(layers, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if bent.ndim == 2:
        bent = bent[..., None]
    inside = dy[int(max(x0, 0)) : int(min(x1, w - 1)) + 1]
    return bent, (x0, y0 + pad + float(inside.min()), x1, y1 + pad + float(inside.max()))


def warp(layers: np.ndarray, box: Box, rotation: float, perspective: list[float]) -> tuple[np.ndarray, Box]:
    """Rotate (degrees, counter-clockwise) and skew the box corners by `perspective`.

    `perspective` holds 8 offsets (dx, dy for top-left, top-right, bottom-right, bottom-left)
    as fractions of the box height. The output canvas holds the whole warped layer.
    """
    x0, y0, x1, y1 = box
    bh = y1 - y0
    corners = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    moved = corners + np.float32(perspective).reshape(4, 2) * bh
    m = cv2.getPerspectiveTransform(corners, moved)
    centre = corners.mean(axis=0)
    rot = np.vstack([cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), rotation, 1.0), [0, 0, 1]])
    m = rot @ m
    h, w = layers.shape[:2]
    frame = cv2.perspectiveTransform(np.float32([[[0, 0], [w, 0], [w, h], [0, h]]]), m)[0]
    lo = np.floor(frame.min(axis=0))
    size = np.ceil(frame.max(axis=0) - lo).astype(int) + 1
    m = np.array([[1, 0, -lo[0]], [0, 1, -lo[1]], [0, 0, 1]]) @ m
    out = cv2.warpPerspective(layers, m, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR, borderValue=0)
    if out.ndim == 2:
        out = out[..., None]
    warped = cv2.perspectiveTransform(corners[None], m)[0]
    (bx0, by0), (bx1, by1) = warped.min(axis=0), warped.max(axis=0)
    return out, (float(bx0), float(by0), float(bx1), float(by1))


def crop(layers: np.ndarray, box: Box, margins: list[float]) -> np.ndarray:
    """The box plus margins (fractions of box height), zero-padded where it leaves the layer."""
    x0, y0, x1, y1 = box
    bh = y1 - y0
    left, top, right, bottom = (int(round(v)) for v in (x0 - margins[0] * bh, y0 - margins[1] * bh, x1 + margins[2] * bh, y1 + margins[3] * bh))
    h, w = layers.shape[:2]
    pads = (max(0, -top), max(0, bottom - h), max(0, -left), max(0, right - w))
    if any(pads):
        layers = cv2.copyMakeBorder(layers, *pads, cv2.BORDER_CONSTANT, value=0)
        if layers.ndim == 2:
            layers = layers[..., None]
        top, bottom, left, right = top + pads[0], bottom + pads[0], left + pads[2], right + pads[2]
    return layers[top:bottom, left:right]


def _resize(layers: np.ndarray, w: int, h: int) -> np.ndarray:
    inter = cv2.INTER_AREA if h < layers.shape[0] else cv2.INTER_LINEAR
    out = cv2.resize(layers, (w, h), interpolation=inter)
    return out[..., None] if out.ndim == 2 else out


def fit(layers: np.ndarray, out_height: int, out_width: int, align: list[float]) -> np.ndarray:
    """Scale to `out_height` keeping aspect (natural width, when `out_width` is 0), or scale to
    fit an `out_height` x `out_width` canvas keeping aspect and pad, placed by `align` (0..1)."""
    h, w = layers.shape[:2]
    if out_width <= 0:
        return _resize(layers, max(1, round(w * out_height / h)), out_height)
    scale = min(out_height / h, out_width / w)
    nh, nw = max(1, min(out_height, round(h * scale))), max(1, min(out_width, round(w * scale)))
    small = _resize(layers, nw, nh)
    canvas = np.zeros((out_height, out_width, layers.shape[2]), np.uint8)
    top, left = round((out_height - nh) * align[1]), round((out_width - nw) * align[0])
    canvas[top : top + nh, left : left + nw] = small
    return canvas
