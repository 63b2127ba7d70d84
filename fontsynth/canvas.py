"""The image-preparation policy shared by training and inference (no torch).

The readers' inputs go through `fit_to_canvas`: training data read by `fontsynth.torchdata`,
and any image given to `classify` or `recognize`. So a model never sees at inference an image
prepared differently from its training data.

Policy (DTRB's "keep ratio, pad" for word images):
1. convert to the model's channels: grey by ITU-R 601 luma (as OpenCV and Pillow), or RGB
   (a grey image is repeated into three channels);
2. resize to the canvas height keeping the aspect ratio (area filter when shrinking, linear
   when enlarging); a word wider than the canvas after that is squeezed to the canvas width,
   or, for a model that reads such words in windows (`place`), a canvas-wide window of it is cut;
3. pad on the right up to the canvas width by repeating the last column, so the padding
   continues the background instead of drawing an edge a model could read as a stroke.
An image already of the canvas size is returned unchanged.

brush's images are resized to the canvas exactly instead, their aspect not kept
(`stretch_to_canvas`, as TextStyleBrush and MOSTEL do): `brush edit`'s crops and outputs (and
`brush eval` on benchmark folders, which edits as it does; a crop wider than the canvas' aspect
goes to the canvas height at its own width, `brush.edit.Editor.run_width`), and pairs in
MOSTEL's layout (`PairFolderDataset`). Rendered pairs fill the canvas, so a brush model never
saw padding; a narrow crop padded to the canvas let the new text run into the padding, which
the resize back cut away (measured: BENCHMARKS.md, "Crops of another aspect than the canvas").
"""

from __future__ import annotations

import cv2
import numpy as np


def parse_canvas(size: str | tuple[int, int]) -> tuple[int, int]:
    """(height, width) from "64x256" or a pair; ValueError naming the value otherwise."""
    if isinstance(size, str):
        try:
            parts = tuple(int(p) for p in size.lower().split("x"))
        except ValueError:
            parts = ()
    else:
        parts = tuple(int(p) for p in size)
    if len(parts) != 2 or min(parts) < 8:
        raise ValueError(f"size {size!r} is not HEIGHTxWIDTH in pixels (each at least 8), e.g. 64x256")
    return parts  # type: ignore[return-value]


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """H x W x `channels` uint8 (1: grey by luma, 3: RGB) from grey, RGB or RGBA uint8."""
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3 (got {channels})")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] == 4:
        image = image[:, :, :3]
    if image.shape[2] == channels:
        return image
    if channels == 3:
        return np.repeat(image, 3, axis=2)
    return cv2.cvtColor(np.ascontiguousarray(image), cv2.COLOR_RGB2GRAY)[:, :, None]


def fit_to_canvas(image: np.ndarray, height: int, width: int, channels: int, place: float | None = None) -> np.ndarray:
    """`image` (uint8, grey H x W or RGB(A) H x W x C) on a `height` x `width` canvas as
    height x width x `channels` uint8, by the policy in this module's docstring. With `place`
    (0 to 1), a word wider than the canvas at its height is not squeezed: the canvas-wide window
    starting at that fraction of the overhang is cut (0: its left end, 1: its right end)."""
    return fit_windows(image, height, width, channels, (place,))[0]


def fit_windows(image: np.ndarray, height: int, width: int, channels: int, places: tuple[float | None, ...]) -> list[np.ndarray]:
    """`fit_to_canvas` at each of `places` (None: squeezed), the image converted and resized
    once: a model reading a wide word by several windows pays for one resize."""
    if any(p is not None and not 0 <= p <= 1 for p in places):
        raise ValueError(f"place must be in [0, 1], got {places}")
    image = to_channels(image, channels)
    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return [image] * len(places)
    natural_w = max(1, round(w * height / h))
    resized = {}  # width at the canvas height -> the image resized to it (natural, or squeezed to the canvas)
    fitted = []
    for place in places:
        new_w = natural_w if place is not None else min(width, natural_w)
        if new_w not in resized:
            interpolation = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
            same = (h, w) == (height, new_w)
            resized[new_w] = (image if same else cv2.resize(np.ascontiguousarray(image), (new_w, height), interpolation=interpolation)
                              ).reshape(height, new_w, channels)
        fitted.append(_on_canvas(resized[new_w], width, place))
    return fitted


def _on_canvas(resized: np.ndarray, width: int, place: float | None) -> np.ndarray:
    """An image at the canvas height to the canvas width: its window at `place` when wider, padded
    on the right by its last column when narrower."""
    new_w = resized.shape[1]
    if new_w > width:
        left = round(place * (new_w - width))
        return resized[:, left:left + width]
    if new_w == width:
        return resized
    return np.concatenate([resized, np.repeat(resized[:, -1:], width - new_w, axis=1)], axis=1)


def stretch_to_canvas(image: np.ndarray, height: int, width: int, channels: int | None = None) -> np.ndarray:
    """`image` (H x W or H x W x C, uint8 or float) resized to exactly `height` x `width`, its
    aspect not kept: first to the height, then to the width, each with the area filter when
    shrinking and linear when enlarging; converted to `channels` (`to_channels`) when given.
    `brush edit`'s preparation of a crop, and of its output back to the crop's size."""
    if channels is not None:
        image = to_channels(image, channels)
    h, w = image.shape[:2]
    shape = (height, width, *image.shape[2:])
    if (h, w) != (height, width):
        image = np.ascontiguousarray(image)
        if h != height:
            image = cv2.resize(image, (w, height), interpolation=cv2.INTER_AREA if h > height else cv2.INTER_LINEAR)
        if w != width:
            image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA if w > width else cv2.INTER_LINEAR)
    return image.reshape(shape)


def drawn_place(index: int) -> float:
    """A window's place (0 to 1) for item `index` of a training set, uniform over the items
    (splitmix64's mix of the index): each item is read at its own place, the same in every pass,
    worker and resumed run."""
    mask = 2**64 - 1
    z = (index + 0x9E3779B97F4A7C15) & mask
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
    return ((z ^ (z >> 31)) >> 11) / (2**53 - 1)


GREY_MODES = ("1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F")
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


def read_image(path) -> np.ndarray:
    """Any image file Pillow reads (PNG, JPEG, ...; EXIF rotation applied) as uint8 H x W x 3 RGB
    or H x W grey (`pixels`); ValueError naming the file when it does not decode."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            return pixels(ImageOps.exif_transpose(image))
    except FileNotFoundError:
        raise ValueError(f"{path} does not exist") from None
    except Exception as e:  # any failure of a decoder on untrusted bytes (Pillow raises SyntaxError for a broken PNG chunk)
        raise ValueError(f"{path} is not an image we can decode ({type(e).__name__}: {e})") from None


def pixels(image) -> np.ndarray:
    """A decoded PIL image as uint8: H x W for grey modes, else H x W x 3 RGB. 16-bit and
    32-bit grey are scaled to 0-255 (Pillow's conversion clips them: a 16-bit scan read white),
    float grey from [0, 1] when it lies there. Transparency (an alpha channel, or a palette's
    or a colour's) is composited over white, or over black when what is drawn is light (white
    text on a transparent ground), so a word keeps its contrast; Pillow's conversion dropped the
    alpha, and black text on a transparent ground read as a black image."""
    grey = image.mode in GREY_MODES
    if image.mode in ALPHA_MODES or "transparency" in image.info:
        return over_ground(np.asarray(image.convert("RGBA")), grey)
    if image.mode.startswith("I") or image.mode == "F":
        values = np.asarray(image, dtype=np.float64)
        top = values.max(initial=0)
        if image.mode == "F" and top <= 1:
            values = values * 255
        elif image.mode.startswith("I;16") or (image.mode == "I" and top > 255):
            values = values / 257
        return np.clip(np.round(values), 0, 255).astype(np.uint8)
    return np.asarray(image.convert("L" if grey else "RGB"))


def over_ground(rgba: np.ndarray, grey: bool) -> np.ndarray:
    """H x W x 4 uint8 composited over white, or over black when its pixels' luma, weighted by
    their opacity, is above mid-grey (light ink); H x W by luma when `grey`."""
    alpha = rgba[..., 3:].astype(np.float64) / 255
    colour = rgba[..., :3].astype(np.float64)
    luma = colour @ np.array([0.299, 0.587, 0.114])
    ink = (luma * alpha[..., 0]).sum() / max(alpha.sum(), 1e-9)
    ground = 0.0 if ink > 127.5 else 255.0
    out = np.round(colour * alpha + ground * (1 - alpha)).astype(np.uint8)
    return cv2.cvtColor(out, cv2.COLOR_RGB2GRAY) if grey else out
