"""Geometry of the text layer: curved baseline, rotation + perspective, crop, fit to size.

Layers are uint8 H x W x C alpha stacks (C = 1: the fill; C = 2: fill, and fill plus
outline); a `box` is the text's line box (ink left/right,
font ascent/descent top/bottom) as (x0, y0, x1, y1) in layer pixels, carried through every
transform so the crop follows the text and not stray ink.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]


def each_channel(op, layers: np.ndarray) -> np.ndarray:
    """`op` (a 2-D OpenCV call) applied to every channel of an H x W x C stack.

    OpenCV has no fast path for 2-channel images: a 2-channel warp or area resize costs two
    to four times two 1-channel calls."""
    if layers.shape[2] == 1:
        return op(layers[..., 0])[..., None]
    return np.dstack([op(np.ascontiguousarray(layers[..., c])) for c in range(layers.shape[2])])


def curve(layers: np.ndarray, box: Box, amount: float) -> tuple[np.ndarray, Box]:
    """Bend the baseline into a parabola; `amount` is the centre's shift as a fraction of box height."""
    x0, y0, x1, y1 = box
    shift = amount * (y1 - y0)
    pad = int(np.ceil(abs(shift))) + 1
    layers = np.pad(layers, ((pad, pad), (0, 0), (0, 0)))
    h, w = layers.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    u = (xs - (x0 + x1) / 2) / max((x1 - x0) / 2, 1.0)
    dy = (shift * (1 - u**2)).astype(np.float32)
    map_x = np.broadcast_to(xs, (h, w)).astype(np.float32)
    map_y = np.arange(h, dtype=np.float32)[:, None] - dy[None, :]
    bent = each_channel(lambda a: cv2.remap(a, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0), layers)
    inside = dy[int(max(x0, 0)) : int(min(x1, w - 1)) + 1]
    return bent, (x0, y0 + pad + float(inside.min()), x1, y1 + pad + float(inside.max()))


def _warp_matrix(box: Box, rotation: float, perspective: list[float]) -> np.ndarray:
    """3x3 homography: the box corners moved by `perspective`, then rotated about the box centre."""
    x0, y0, x1, y1 = box
    corners = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    moved = corners + np.float32(perspective).reshape(4, 2) * (y1 - y0)
    m = cv2.getPerspectiveTransform(corners, moved)
    centre = corners.mean(axis=0)
    rot = np.vstack([cv2.getRotationMatrix2D((float(centre[0]), float(centre[1])), rotation, 1.0), [0, 0, 1]])
    return rot @ m


def _warped_box(box: Box, m: np.ndarray) -> Box:
    x0, y0, x1, y1 = box
    corners = np.float32([[[x0, y0], [x1, y0], [x1, y1], [x0, y1]]])
    warped = cv2.perspectiveTransform(corners, m)[0]
    (bx0, by0), (bx1, by1) = warped.min(axis=0), warped.max(axis=0)
    return float(bx0), float(by0), float(bx1), float(by1)


def warp_and_fit(layers: np.ndarray, box: Box, rotation: float, perspective: list[float], margins: list[float],
                 out_height: int, out_width: int, align: list[float]) -> np.ndarray:
    """Rotate (degrees, counter-clockwise) and skew the box corners by `perspective` (8
    offsets: dx, dy of top-left, top-right, bottom-right, bottom-left, as fractions of the box
    height), then crop the box plus margins and fit it to the output, in one resampling.

    Equal, up to interpolation, to warping the whole layer, then `crop` and `fit` (tests keep
    a reference that does the three steps): a layer that must shrink is first shrunk
    with area averaging (as `fit` does), then warped at output scale with bilinear sampling,
    so the warp never skips source pixels."""
    m = _warp_matrix(box, rotation, perspective)
    left, top, right, bottom = crop_rect(_warped_box(box, m), margins)
    p = place(right - left, bottom - top, out_height, out_width, align)
    sx, sy = p.w / (right - left), p.h / (bottom - top)
    h, w = layers.shape[:2]
    if min(sx, sy) < 1:  # shrink first: small = pixel centres (x + 0.5) / s - 0.5 of the layer
        sw, sh = max(1, round(w * sx)), max(1, round(h * sy))
        layers = _resize(layers, sw, sh)
        fx, fy = w / sw, h / sh
        m = m @ np.array([[fx, 0, (fx - 1) / 2], [0, fy, (fy - 1) / 2], [0, 0, 1]])
    to_out = np.array([[sx, 0, (0.5 - left) * sx - 0.5 + p.left], [0, sy, (0.5 - top) * sy - 0.5 + p.top], [0, 0, 1]])
    m = to_out @ m
    return each_channel(lambda a: cv2.warpPerspective(a, m, (p.width, p.height), flags=cv2.INTER_LINEAR, borderValue=0), layers)


def crop_rect(box: Box, margins: list[float]) -> tuple[int, int, int, int]:
    """(left, top, right, bottom): the box plus margins (fractions of box height), whole pixels."""
    x0, y0, x1, y1 = box
    bh = y1 - y0
    left, top, right, bottom = (int(round(v)) for v in (x0 - margins[0] * bh, y0 - margins[1] * bh, x1 + margins[2] * bh, y1 + margins[3] * bh))
    return left, top, max(right, left + 1), max(bottom, top + 1)


def crop(layers: np.ndarray, box: Box, margins: list[float]) -> np.ndarray:
    """The box plus margins (fractions of box height), zero-padded where it leaves the layer."""
    left, top, right, bottom = crop_rect(box, margins)
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
    return each_channel(lambda a: cv2.resize(a, (w, h), interpolation=inter), layers)


@dataclass(frozen=True)
class Placement:
    """Where a crop of the text lands: the output canvas, and the crop's scaled rectangle in it."""

    width: int
    height: int
    left: int
    top: int
    w: int
    h: int


def place(crop_w: int, crop_h: int, out_height: int, out_width: int, align: list[float]) -> Placement:
    """Natural width (`out_width` 0): scaled to `out_height` keeping aspect. Else scaled to fit
    an `out_height` x `out_width` canvas keeping aspect, placed by `align` (0..1)."""
    if out_width <= 0:
        w = max(1, round(crop_w * out_height / crop_h))
        return Placement(w, out_height, 0, 0, w, out_height)
    scale = min(out_height / crop_h, out_width / crop_w)
    h, w = max(1, min(out_height, round(crop_h * scale))), max(1, min(out_width, round(crop_w * scale)))
    return Placement(out_width, out_height, round((out_width - w) * align[0]), round((out_height - h) * align[1]), w, h)


def fit(layers: np.ndarray, out_height: int, out_width: int, align: list[float]) -> np.ndarray:
    """A crop scaled and placed into the output canvas (see `place`)."""
    p = place(layers.shape[1], layers.shape[0], out_height, out_width, align)
    small = _resize(layers, p.w, p.h)
    if (p.w, p.h) == (p.width, p.height):
        return small
    canvas = np.zeros((p.height, p.width, layers.shape[2]), np.uint8)
    canvas[p.top : p.top + p.h, p.left : p.left + p.w] = small
    return canvas
