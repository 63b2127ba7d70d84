"""Backgrounds: flat, linear gradient, smooth noise, or a crop of an image texture.

`make_background` is a pure function of the Style fields it reads and the output size; the
texture images come through a `TextureLibrary` that decodes each file once per process and
shrinks large photos, so a sample never re-decodes a multi-megapixel image.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import cv2
import numpy as np

from fontsynth.effects.colors import solid
from fontsynth.errors import UserError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
MAX_TEXTURE_SIDE = 1024
MAX_TEXTURE_PIXELS = 64_000_000  # larger images are refused before decoding (a decompression bomb costs GBs)


def texture_problem(path: Path) -> str | None:
    """Why an image cannot serve as a background (None: it can): not an image, more pixels than
    MAX_TEXTURE_PIXELS (read from the header, before any decoding), or no decodable pixels."""
    from PIL import Image

    from fontsynth.fileio import is_utf8

    if not is_utf8(str(path)):
        return "its name is not valid UTF-8, which the manifest cannot hold; rename it"
    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except Image.DecompressionBombError as e:
        return f"{e}; shrink it first"
    except Exception as e:  # any parser failure on untrusted bytes is a rejection, not a crash
        return f"not an image ({type(e).__name__}: {str(e)[:120]})"
    if width * height > MAX_TEXTURE_PIXELS:
        return f"{width}x{height} pixels, more than {MAX_TEXTURE_PIXELS:,} (a decompression bomb?); shrink it first"
    try:
        decode_texture(path)  # what a worker will do with it
    except UserError:
        return "cannot be decoded (damaged or truncated)"
    return None


def check_textures(folder: Path | None, names: list[str], workers: int = 1) -> tuple[list[str], list[tuple[str, str]]]:
    """(usable names, [(name, reason)] rejected); every name is decoded once here, before any
    sample is drawn (in `workers` processes: thousands of photos take a minute on one core), so a
    bad image never stops a render in a worker. All rejected: a clear error."""
    if folder is None:
        return [], []
    paths = [Path(folder) / name for name in names]
    if workers > 1 and len(paths) >= 64:
        import joblib

        problems = joblib.Parallel(n_jobs=workers, batch_size=16)(joblib.delayed(texture_problem)(p) for p in paths)
    else:
        problems = [texture_problem(p) for p in paths]
    good, rejected = [], []
    for name, problem in zip(names, problems):
        if problem:
            rejected.append((name, problem))
        else:
            good.append(name)
    if names and not good:
        raise UserError(f"no usable background image in {folder} ({len(rejected)} rejected; first: {rejected[0][0]}: {rejected[0][1]})")
    return good, rejected


def list_textures(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"background folder {folder} does not exist; pass --backgrounds with a folder of images")
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not names:
        raise UserError(f"no images (.png .jpg .bmp .webp) in background folder {folder}")
    return names


class TextureLibrary:
    """Decoded texture images (RGB uint8), at most `keep` in memory."""

    def __init__(self, folder: Path | None, keep: int = 32):
        self.folder = Path(folder) if folder else None
        self.keep = keep
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, name: str) -> np.ndarray:
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        if self.folder is None:
            raise UserError(f"the style names background texture {name!r} but no --backgrounds folder was given")
        image = decode_texture(self.folder / name)
        scale = MAX_TEXTURE_SIDE / max(image.shape[:2])
        if scale < 1:
            image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        self._cache[name] = image
        if len(self._cache) > self.keep:
            self._cache.popitem(last=False)
        return image


# OpenCV's flags that have libjpeg decode a JPEG at 1/2, 1/4 or 1/8 of its size (in the DCT, not
# after): several times faster than decoding all of a photo that is shrunk to MAX_TEXTURE_SIDE anyway.
JPEG_REDUCTIONS = ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4), (2, cv2.IMREAD_REDUCED_COLOR_2))


def jpeg_reduction(side: int) -> int:
    """The imread flag for a JPEG whose longer side is `side` pixels: the largest reduction that
    keeps that side at three quarters of MAX_TEXTURE_SIDE or more (a 1080p photo decodes at
    960 x 540, a 12-megapixel one at 1000 x 750), else a full decode."""
    for factor, flag in JPEG_REDUCTIONS:
        if side / factor >= 0.75 * MAX_TEXTURE_SIDE:
            return flag
    return cv2.IMREAD_COLOR


def decode_texture(path: Path) -> np.ndarray:
    """A background image as RGB uint8. An image with transparency is composited as every
    image we read is (`canvas.read_image`: over white, or black under light content; OpenCV
    dropped the alpha and showed the colours transparent pixels hide); any other is decoded by
    OpenCV, a large JPEG at a reduced size (`jpeg_reduction`; sample version 5)."""
    from PIL import Image

    from fontsynth.canvas import ALPHA_MODES, read_image

    try:
        with Image.open(path) as header:
            transparent = header.mode in ALPHA_MODES or "transparency" in header.info
            flag = jpeg_reduction(max(header.size)) if header.format == "JPEG" else cv2.IMREAD_COLOR
        image = read_image(path) if transparent else cv2.imread(str(path), flag)
    except Exception:  # any decoder failure on untrusted bytes
        image = None
    if image is None:
        raise UserError(f"cannot decode background image {path}; remove it or replace it")
    if not transparent:
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)  # exactly image[:, :, ::-1], five times faster than numpy's copy of it (1.1 against 5.1 ms at 960x540)
    return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB) if image.ndim == 2 else image


def _blend(t: np.ndarray, c1: list[int], c2: list[int], t_lo: float, t_hi: float) -> np.ndarray:
    """uint8 RGB c1 where t == t_lo, c2 where t == t_hi, linear between (one C call per channel)."""
    span = max(t_hi - t_lo, 1e-6)
    channels = []
    for ch in range(3):
        alpha = (c2[ch] - c1[ch]) / span
        channels.append(cv2.convertScaleAbs(t, alpha=alpha, beta=c1[ch] - t_lo * alpha))
    return cv2.merge(channels)


def _gradient(h: int, w: int, c1: list[int], c2: list[int], angle: float) -> np.ndarray:
    theta = np.deg2rad(angle)
    cx, cy = float(np.cos(theta)), float(np.sin(theta))
    t = np.arange(w, dtype=np.float32)[None, :] * cx + np.arange(h, dtype=np.float32)[:, None] * cy
    corners = [0.0, (w - 1) * cx, (h - 1) * cy, (w - 1) * cx + (h - 1) * cy]
    return _blend(t, c1, c2, min(corners), max(corners))


def _smooth_noise(h: int, w: int, c1: list[int], c2: list[int], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cell = 8
    coarse = rng.random((h // cell + 2, w // cell + 2), dtype=np.float32)
    t = cv2.resize(coarse, (w + 2 * cell, h + 2 * cell), interpolation=cv2.INTER_CUBIC)[cell : cell + h, cell : cell + w]
    np.clip(t, 0, 1, out=t)
    return _blend(np.ascontiguousarray(t), c1, c2, 0.0, 1.0)


def _texture_crop(image: np.ndarray, h: int, w: int, crop: list[float]) -> np.ndarray:
    """A window of the texture at relative position (x, y), zoomed by `scale`, resized to h x w."""
    x, y, scale = crop
    ih, iw = image.shape[:2]
    ch, cw = h / scale, w / scale
    fit = min(1.0, ih / ch, iw / cw)  # a window larger than the image shrinks, keeping aspect
    ch, cw = max(1, int(ch * fit)), max(1, int(cw * fit))
    top, left = int(y * (ih - ch)), int(x * (iw - cw))
    window = image[top : top + ch, left : left + cw]
    inter = cv2.INTER_AREA if ch > h else cv2.INTER_LINEAR
    return cv2.resize(window, (w, h), interpolation=inter)


def make_background(style, h: int, w: int, textures: TextureLibrary) -> np.ndarray:
    """The background of a sample as uint8 RGB, h x w x 3."""
    if style.bg_kind == "flat":
        return solid(h, w, style.bg_color)
    if style.bg_kind == "gradient":
        return _gradient(h, w, style.bg_color, style.bg_color2, style.bg_angle)
    if style.bg_kind == "noise":
        return _smooth_noise(h, w, style.bg_color, style.bg_color2, style.bg_seed)
    if style.bg_kind == "texture":
        return _texture_crop(textures.get(style.bg_texture), h, w, style.bg_crop)
    raise ValueError(f"unknown background kind {style.bg_kind!r}")
