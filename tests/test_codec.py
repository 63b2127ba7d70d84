import io

import numpy as np
import pytest
from PIL import Image

import cv2

from fontsynth.codec import decode, encode, encode_png, own_png_rows


def decode_own_png(data: bytes):
    """The pixels from own_png_rows, the Up filter undone by numpy (the reference)."""
    parsed = own_png_rows(data)
    if parsed is None:
        return None
    rows, channels = parsed
    image = np.cumsum(rows, axis=0, dtype=np.uint8)
    return image.reshape(rows.shape[0], -1, 3) if channels == 3 else image

SHAPES = [(1, 1), (1, 7), (9, 1), (32, 100), (64, 256)]


def images(seed: int = 0):
    """Grey and RGB images of awkward sizes: random, flat, and with a hard edge."""
    rng = np.random.default_rng(seed)
    for h, w in SHAPES:
        for channels in ((), (3,)):
            yield rng.integers(0, 256, (h, w, *channels), dtype=np.uint8)
            yield np.full((h, w, *channels), 200, np.uint8)
            edge = np.zeros((h, w, *channels), np.uint8)
            edge[h // 2 :] = 255
            yield edge


@pytest.mark.parametrize("image", list(images()), ids=lambda im: "x".join(map(str, im.shape)))
def test_png_round_trips_exactly_through_opencv_and_pillow(image):
    data = encode_png(image)
    assert np.array_equal(decode(data), image)
    with Image.open(io.BytesIO(data)) as pil:
        pil.load()
        assert pil.format == "PNG" and pil.mode == ("L" if image.ndim == 2 else "RGB")
        assert np.array_equal(np.asarray(pil), image)


def test_png_of_a_non_contiguous_view_is_the_view():
    base = np.random.default_rng(1).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    view = base[2:18:2, 5:25, ::-1]
    assert np.array_equal(decode(encode_png(view)), view)


def test_png_is_deterministic_and_compresses_flat_images():
    flat = np.full((32, 200, 3), 240, np.uint8)
    assert encode_png(flat) == encode_png(flat.copy())
    assert len(encode_png(flat)) < flat.nbytes // 20


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.zeros((4, 4, 2), np.uint8), np.zeros((2, 2, 2, 3), np.uint8)])
def test_png_refuses_what_it_cannot_store(bad):
    with pytest.raises(ValueError, match="cannot write a PNG"):
        encode_png(bad)


def test_jpeg_quality_selects_jpeg_and_keeps_the_picture():
    image = np.zeros((32, 64, 3), np.uint8)
    image[:, 32:] = (200, 40, 10)
    data = encode(image, 90)
    assert data[:3] == b"\xff\xd8\xff"
    assert np.abs(decode(data).astype(int) - image).mean() < 4
    assert encode(image, 0)[:8] == b"\x89PNG\r\n\x1a\n"


def test_decode_refuses_garbage():
    with pytest.raises(ValueError, match="not a decodable image"):
        decode(b"not an image")


def test_png_bytes_do_not_depend_on_what_was_encoded_before():
    """The same pixels give the same bytes whatever the encoder saw earlier (ISA-L did not:
    its tables kept state from earlier calls, about 1 word in 7,000 changed bytes)."""
    rng = np.random.default_rng(3)
    words = [rng.integers(0, 4, (32, int(rng.integers(20, 200)), 3), dtype=np.uint8) * 60 for _ in range(400)]
    first = [encode_png(w) for w in words]
    for _ in range(3):
        encode_png(rng.integers(0, 256, (64, 256, 3), dtype=np.uint8))
    again = [encode_png(w) for w in reversed(words)][::-1]
    assert first == again


@pytest.mark.parametrize("image", list(images(2)), ids=lambda im: "x".join(map(str, im.shape)))
def test_fast_decode_of_our_pngs_equals_libpng(image):
    data = encode_png(image)
    libpng = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    fast = decode_own_png(data)
    assert fast is not None and np.array_equal(fast, libpng[..., ::-1] if image.ndim == 3 else libpng)


def test_other_pngs_and_damaged_ones_take_the_general_decoder():
    image = np.random.default_rng(4).integers(0, 256, (20, 30, 3), dtype=np.uint8)
    ok, buf = cv2.imencode(".png", image[:, :, ::-1])  # libpng: adaptive filters
    assert decode_own_png(buf.tobytes()) is None and np.array_equal(decode(buf.tobytes()), image)
    damaged = bytearray(encode_png(image))
    damaged[45:55] = bytes(10)  # inside the deflate stream
    assert decode_own_png(bytes(damaged)) is None
