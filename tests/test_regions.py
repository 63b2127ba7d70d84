"""Words inside photos: the crop a --box or --quad names (classifier.regions, shared by
classify, recognize and brush edit)."""

import cv2
import numpy as np
import pytest

from classifier.regions import crop_region, parse_box, parse_quad, quad_transform, rectify
from fontsynth.errors import UserError


def photo_with_word(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    word = rng.integers(0, 256, (30, 90, 3), dtype=np.uint8)
    photo = rng.integers(0, 256, (120, 200, 3), dtype=np.uint8)
    photo[40:70, 60:150] = word
    return photo, word


def test_a_box_crops_its_pixels_and_the_quad_of_its_corners_gives_the_same_crop():
    photo, word = photo_with_word()
    assert np.array_equal(crop_region(photo, box=parse_box("60,40,150,70")), word)
    assert np.array_equal(crop_region(photo, quad=parse_quad("60,40,150,40,150,70,60,70")), word)
    assert crop_region(photo) is photo


def test_a_rotated_word_comes_back_upright():
    """A word warped into a photo along a rotated quad is rectified back to (nearly) itself."""
    word = np.full((40, 160), 230, np.uint8)
    cv2.putText(word, "WORD", (10, 32), cv2.FONT_HERSHEY_SIMPLEX, 1.1, 20, 3)
    centre, angle = np.array([150.0, 100.0]), np.deg2rad(12)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = np.array([[-80, -20], [80, -20], [80, 20], [-80, 20]], np.float64)
    quad = corners @ rotation.T + centre
    photo = cv2.warpPerspective(word, quad_transform(quad, (160, 40)), (300, 200), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                borderValue=128)
    crop, forward = rectify(photo, quad)
    assert crop.shape == word.shape and forward.shape == (3, 3)
    inner = (slice(3, -3), slice(3, -3))  # the border mixes in the photo's grey
    assert np.abs(crop[inner].astype(int) - word[inner]).mean() < 12  # two bilinear resamplings blur the strokes a little
    assert np.abs(crop[inner].astype(int) - np.roll(word, 4, axis=1)[inner]).mean() > 30  # and a shifted word does not match


@pytest.mark.parametrize("kwargs, message", [
    ({"box": (60, 40, 250, 70)}, "is not inside the 200x120 image"),
    ({"box": (60, 40, 60, 70)}, "LEFT < RIGHT"),
    ({"quad": np.array([[60, 40], [60, 70], [150, 70], [150, 40]], np.float64)}, "clockwise"),
    ({"box": (60, 40, 150, 70), "quad": np.zeros((4, 2))}, "either --box or --quad"),
])
def test_regions_outside_or_malformed_are_refused(kwargs, message):
    photo, _ = photo_with_word()
    with pytest.raises(UserError, match=message):
        crop_region(photo, **kwargs)
    with pytest.raises(UserError, match="LEFT,TOP,RIGHT,BOTTOM"):
        parse_box("1,2,3")
