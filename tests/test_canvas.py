from pathlib import Path

import numpy as np
import pytest

from fontsynth.canvas import fit_to_canvas, parse_canvas, read_image, stretch_to_canvas, to_channels


def test_an_image_of_the_canvas_size_is_unchanged():
    image = np.random.default_rng(0).integers(0, 256, (32, 128, 3), dtype=np.uint8)
    assert np.array_equal(fit_to_canvas(image, 32, 128, 3), image)


def test_a_narrow_word_is_scaled_to_the_height_and_padded_with_its_last_column():
    image = np.zeros((16, 10), np.uint8)
    image[:, -1] = 200  # last column
    out = fit_to_canvas(image, 32, 100, 1)
    assert out.shape == (32, 100, 1)
    assert (out[:, 20:, 0] == 200).all()  # 10 px wide at 16 high -> 20 px at 32, then the last column repeated
    assert (out[:, :17, 0] == 0).all()  # linear enlargement blends only the columns next to the edge


def test_a_wide_word_is_squeezed_to_the_canvas_width():
    image = np.full((32, 400, 3), 90, np.uint8)
    out = fit_to_canvas(image, 32, 128, 3)
    assert out.shape == (32, 128, 3) and (out == 90).all()


def test_stretch_resizes_to_the_canvas_exactly_and_back():
    image = np.zeros((16, 10), np.uint8)
    image[:, 5:] = 200  # the right half
    out = stretch_to_canvas(image, 32, 100, 1)
    assert out.shape == (32, 100, 1)  # not padded: the right half stays the right half
    assert (out[:, :45, 0] == 0).all() and (out[:, 55:, 0] == 200).all()
    wide = np.full((64, 1000, 3), 90, np.uint8)
    assert stretch_to_canvas(wide, 32, 128, 1).shape == (32, 128, 1) and (stretch_to_canvas(wide, 32, 128) == 90).all()
    canvas = np.random.default_rng(0).random((32, 128, 3)).astype(np.float32)  # float, as an output going back
    assert np.array_equal(stretch_to_canvas(canvas, 32, 128), canvas) and stretch_to_canvas(canvas, 16, 40).shape == (16, 40, 3)
    assert stretch_to_canvas(canvas[..., 0], 16, 40).shape == (16, 40)  # a mask keeps its two dimensions


def test_grey_is_luma_and_rgb_repeats_grey():
    rgb = np.zeros((2, 2, 3), np.uint8)
    rgb[..., 0] = 255  # pure red: luma 0.299 * 255 = 76
    assert to_channels(rgb, 1)[0, 0, 0] == 76
    grey = np.full((2, 2), 7, np.uint8)
    assert to_channels(grey, 3).shape == (2, 2, 3) and (to_channels(grey, 3) == 7).all()
    assert to_channels(np.zeros((2, 2, 4), np.uint8), 3).shape == (2, 2, 3)


@pytest.mark.parametrize("bad", ["64", "x", "4x256", (32,), "64x256x3"])
def test_parse_canvas_refuses_bad_sizes(bad):
    with pytest.raises(ValueError, match="HEIGHTxWIDTH"):
        parse_canvas(bad)


def test_parse_canvas():
    assert parse_canvas("64x256") == (64, 256) and parse_canvas((32, 100)) == (32, 100)


def test_size_parts_reads_render_size_in_any_case():
    from fontsynth.errors import UserError
    from fontsynth.pipeline import size_parts

    assert size_parts("32") == [32] and size_parts("32x128") == size_parts("32X128") == [32, 128]
    for bad in ("32x", "4x128", "32x128x3", "tall"):
        with pytest.raises(UserError, match="HEIGHT or HEIGHTxWIDTH"):
            size_parts(bad)


def _columns(width: int, height: int = 32) -> np.ndarray:
    """A grey image whose column x holds x % 256: where a window came from reads off its pixels."""
    return np.tile((np.arange(width) % 256).astype(np.uint8), (height, 1))


def test_a_wide_word_read_in_windows_keeps_its_height_and_cuts_a_canvas_wide_window():
    image = _columns(200)
    left, right, middle = (fit_to_canvas(image, 32, 128, 1, place)[:, :, 0] for place in (0.0, 1.0, 0.5))
    assert left.shape == (32, 128) and (left[0] == np.arange(128)).all()  # columns 0..127: no squeeze
    assert (right[0] == np.arange(72, 200)).all()  # the last 128 columns
    assert (middle[0] == np.arange(36, 164)).all()  # half the overhang of 72 on each side
    # taller images are brought to the canvas height first, then cut: a 64 x 400 word is 32 x 200
    tall = np.repeat(np.repeat(_columns(200), 2, axis=0), 2, axis=1)
    assert fit_to_canvas(tall, 32, 128, 1, 1.0).shape == (32, 128, 1)


def test_a_word_that_fits_reads_alike_squeezed_or_in_windows():
    fit = fit_to_canvas
    for image in (_columns(90), _columns(128), np.random.default_rng(1).integers(0, 256, (20, 70, 3), dtype=np.uint8)):
        for place in (0.0, 0.7, 1.0):
            assert np.array_equal(fit(image, 32, 128, 3, place), fit(image, 32, 128, 3))
    with pytest.raises(ValueError, match="place"):
        fit(_columns(300), 32, 128, 1, 1.5)


def test_drawn_places_are_fixed_per_index_and_spread_over_the_overhang():
    from fontsynth.canvas import drawn_place

    places = np.array([drawn_place(i) for i in range(10_000)])
    assert places.min() >= 0 and places.max() <= 1
    assert [drawn_place(i) for i in (0, 7, 9_999)] == [places[0], places[7], places[9_999]]
    counts = np.histogram(places, bins=10, range=(0, 1))[0]
    assert counts.min() > 900 and counts.max() < 1100  # every tenth of the overhang about as often
    assert abs(np.corrcoef(places[:-1], places[1:])[0, 1]) < 0.1  # neighbouring items do not share a place


def test_several_windows_are_cut_from_one_resize(monkeypatch):
    import cv2

    from fontsynth import canvas

    tall = np.repeat(np.repeat(_columns(200), 2, axis=0), 2, axis=1)  # 64 x 400: resized to 32 x 200 first
    one_by_one = [fit_to_canvas(tall, 32, 128, 1, place) for place in (0.0, 1.0, None)]
    calls, resize = [], cv2.resize
    monkeypatch.setattr(canvas.cv2, "resize", lambda *a, **k: calls.append(1) or resize(*a, **k))
    together = canvas.fit_windows(tall, 32, 128, 1, (0.0, 1.0))
    assert len(calls) == 1 and all(np.array_equal(a, b) for a, b in zip(together, one_by_one))
    assert np.array_equal(canvas.fit_windows(tall, 32, 128, 1, (None,))[0], one_by_one[2])  # None: squeezed


def word_on_transparency(ink: tuple) -> np.ndarray:
    """RGBA: a bar of `ink` (opaque, then half transparent) on a fully transparent ground whose
    hidden colour is the ink's opposite (what dropping the alpha would show)."""
    rgba = np.zeros((6, 10, 4), np.uint8)
    rgba[..., :3] = [255 - v for v in ink]
    rgba[2:4, 2:8, :3] = ink
    rgba[2:4, 2:5, 3] = 255
    rgba[2:4, 5:8, 3] = 128
    return rgba


@pytest.mark.parametrize("ink,ground", [((0, 0, 0), 255), ((200, 30, 30), 255), ((255, 255, 255), 0), ((250, 240, 60), 0)])
def test_transparency_is_composited_over_the_ground_that_keeps_the_words_contrast(tmp_path, ink, ground):
    from PIL import Image

    rgba = word_on_transparency(ink)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "w.png")
    got = read_image(tmp_path / "w.png")
    alpha = rgba[..., 3:] / 255
    expected = np.round(rgba[..., :3] * alpha + ground * (1 - alpha)).astype(np.uint8)  # by hand: ink over `ground`
    assert got.shape == (6, 10, 3) and np.array_equal(got, expected)
    assert (got[0, 0] == ground).all() and np.array_equal(got[2, 2], ink)
    Image.fromarray(rgba, "RGBA").convert("LA").save(tmp_path / "grey.png")  # grey with alpha: grey out, the same ground
    assert read_image(tmp_path / "grey.png").ndim == 2 and read_image(tmp_path / "grey.png")[0, 0] == ground


def test_a_palette_or_colour_key_transparency_is_composited_and_opaque_alpha_is_dropped(tmp_path):
    from PIL import Image

    indices = np.zeros((4, 6), np.uint8)
    indices[1:3, 1:5] = 1
    palette = Image.fromarray(indices, "P")
    palette.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    palette.save(tmp_path / "p.png", transparency=0)  # index 0 (black) transparent, dark ink: on white
    got = read_image(tmp_path / "p.png")
    assert (got[0, 0] == 255).all() and np.array_equal(got[1, 1], [10, 20, 30])
    opaque = np.random.default_rng(0).integers(0, 256, (5, 7, 4), dtype=np.uint8)
    opaque[..., 3] = 255
    Image.fromarray(opaque, "RGBA").save(tmp_path / "o.png")
    assert np.array_equal(read_image(tmp_path / "o.png"), opaque[..., :3])


def test_images_that_once_escaped_the_readers_error_are_refused_with_it():
    found = sorted((Path(__file__).parent / "data" / "fuzz-images").iterdir())
    assert found
    for path in found:
        with pytest.raises(ValueError, match=f"{path} is not an image we can decode"):
            read_image(path)


def test_16_bit_grey_is_scaled_not_clipped(tmp_path):
    from PIL import Image

    values = np.array([[0, 257, 32896, 65535], [128, 5000, 40000, 65280]], np.uint16)
    Image.fromarray(values).save(tmp_path / "g16.png")
    assert Image.open(tmp_path / "g16.png").mode.startswith("I")
    assert np.array_equal(read_image(tmp_path / "g16.png"), np.round(values / 257).astype(np.uint8))  # 0, 1, 128, 255, ...
    Image.fromarray(values.astype(np.float32) / 65535, "F").save(tmp_path / "f.tiff")  # float grey in [0, 1]
    assert np.abs(read_image(tmp_path / "f.tiff").astype(int) - np.round(values / 257)).max() <= 1
