"""Stored image bytes: PNG (our own small writer) or JPEG (OpenCV), and decoding.

PNG is written here rather than by `cv2.imencode` because encoding was the largest single
cost of a sample: libpng tries every row filter and runs zlib, ~135 us for a 32 x 100 RGB
word. We apply the PNG `Up` filter to all rows with one numpy subtraction and deflate with
libdeflate (the `deflate` package), about twice as fast as zlib at level 1; the files are
standard PNGs that every decoder reads.

The deflate encoder must be a pure function of its input: stored bytes are part of the
dataset's contract (checksums, `replay`, resume). ISA-L (`isal`, used before) is faster but its
output depends on state left by earlier calls: about 1 sample in 7,000 came out with other
bytes (same pixels) from run to run. libdeflate starts every call from clean tables. Bytes
depend on the libdeflate version, pixels never do.
"""

from __future__ import annotations

import struct
import zlib
from importlib.metadata import version

import cv2
import numpy as np
import deflate

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COLOR_TYPES = {1: 0, 3: 2}  # channels -> PNG colour type: grey, RGB
PNG_FILTER_UP = 2
DEFLATE_LEVEL = 1  # libdeflate levels 0..12; 1 is the fastest, and still compresses as well as zlib's 1
ENCODER = f"libdeflate (deflate {version('deflate')}) level {DEFLATE_LEVEL}; OpenCV {cv2.__version__} for JPEG"  # in every manifest


def _chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(tag)))


def up_filtered(image: np.ndarray) -> bytes:
    """The PNG scanlines of a uint8 image with filter `Up` (each row minus the one above)."""
    h = image.shape[0]
    rows = image.reshape(h, -1)
    out = np.empty((h, rows.shape[1] + 1), np.uint8)
    out[:, 0] = PNG_FILTER_UP
    out[0, 1:] = rows[0]
    np.subtract(rows[1:], rows[:-1], out=out[1:, 1:])
    return out.tobytes()


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 image: H x W grey, or H x W x 3 RGB."""
    if image.dtype != np.uint8 or image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in PNG_COLOR_TYPES):
        raise ValueError(f"cannot write a PNG of a {image.dtype} array of shape {image.shape}")
    h, w = image.shape[:2]
    color_type = PNG_COLOR_TYPES[1 if image.ndim == 2 else image.shape[2]]
    header = struct.pack(">IIBBBBB", w, h, 8, color_type, 0, 0, 0)
    data = deflate.zlib_compress(up_filtered(np.ascontiguousarray(image)), DEFLATE_LEVEL)
    return PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def encode(image: np.ndarray, jpeg_quality: int) -> bytes:
    """PNG bytes, or JPEG bytes at `jpeg_quality` when it is above 0 (RGB or grey in, as stored)."""
    if jpeg_quality <= 0:
        return encode_png(image)
    bgr = image[:, :, ::-1] if image.ndim == 3 else image
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def own_png_rows(data: bytes) -> tuple[np.ndarray, int] | None:
    """(the Up-filtered rows, H x W*C uint8, and C) of a PNG laid out as `encode_png` writes
    it (8-bit grey or RGB, one IDAT, every row filtered `Up`), inflated by libdeflate; None
    for any other PNG (and for JPEG). A cumulative sum down the columns undoes the filter
    (torchdata does it with torch)."""
    if len(data) < 57 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or data[37:41] != b"IDAT":
        return None
    w, h, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", data[16:29])
    (idat_len,) = struct.unpack(">I", data[33:37])
    channels = {0: 1, 2: 3}.get(color_type)
    if depth != 8 or channels is None or interlace or 41 + idat_len + 4 + 12 != len(data) or data[-8:-4] != b"IEND":
        return None
    stride = w * channels + 1
    try:
        raw = deflate.zlib_decompress(data[41 : 41 + idat_len], h * stride)
    except deflate.DeflateError:
        return None
    rows = np.frombuffer(raw, np.uint8).reshape(h, stride)
    if not (rows[:, 0] == PNG_FILTER_UP).all():
        return None
    return rows[:, 1:], channels


def decode(data: bytes) -> np.ndarray:
    """RGB uint8 (or grey 2-D for single-channel PNGs) from stored PNG/JPEG bytes. (libpng:
    undoing our PNGs' filter with numpy was slower, 79 against 71 us; torchdata has a faster
    path through torch.)"""
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise ValueError("not a decodable image")
    return image[:, :, ::-1].copy() if image.ndim == 3 else image
