import cv2
import numpy as np
import pytest

from fontsynth.effects import geometry


def text_like_layers(h=48, w=160, seed=0):
    """Two alpha channels of blobby 'ink' with a 2 px empty border, and its line box."""
    rng = np.random.default_rng(seed)
    ink = (rng.random((h // 4, w // 4)) < 0.35).astype(np.float32)
    ink = cv2.resize(ink, (w, h), interpolation=cv2.INTER_LINEAR)
    ink[:6], ink[-6:], ink[:, :6], ink[:, -6:] = 0, 0, 0, 0
    alpha = (np.clip(ink * 1.5, 0, 1) * 255).astype(np.uint8)
    return np.dstack([alpha, alpha]), (6.0, 6.0, w - 6.0, h - 6.0)


def warp_whole_layer(layers, box, rotation, perspective):
    """The reference: the whole layer warped onto a canvas that holds all of it, and the
    warped box (what rendering did before `warp_and_fit`)."""
    m = geometry._warp_matrix(box, rotation, perspective)
    h, w = layers.shape[:2]
    frame = cv2.perspectiveTransform(np.float32([[[0, 0], [w, 0], [w, h], [0, h]]]), m)[0]
    lo = np.floor(frame.min(axis=0))
    size = np.ceil(frame.max(axis=0) - lo).astype(int) + 1
    m = np.array([[1, 0, -lo[0]], [0, 1, -lo[1]], [0, 0, 1]]) @ m
    out = geometry.each_channel(lambda a: cv2.warpPerspective(a, m, (int(size[0]), int(size[1])), flags=cv2.INTER_LINEAR), layers)
    return out, geometry._warped_box(box, m)


def centroid(a):
    ys, xs = np.mgrid[: a.shape[0], : a.shape[1]]
    return (xs * a).sum() / a.sum(), (ys * a).sum() / a.sum()


CASES = [
    (4.0, [0.0] * 8, 32, 0),  # rotation, natural width, shrinking
    (-3.0, [0.08, -0.05, 0.0, 0.06, -0.07, 0.0, 0.05, 0.04], 32, 0),
    (0.0, [0.1, 0.0, -0.1, 0.05, 0.0, 0.0, 0.05, -0.05], 24, 0),
    (2.5, [0.0] * 8, 64, 256),  # fixed canvas, enlarging
    (-5.0, [0.05] * 8, 32, 200),
]


@pytest.mark.parametrize("rotation, perspective, height, width", CASES)
def test_warp_and_fit_equals_warp_crop_fit_up_to_interpolation(rotation, perspective, height, width):
    layers, box = text_like_layers()
    margins, align = [0.2, 0.1, 0.05, 0.15], [0.3, 0.7]
    warped, wbox = warp_whole_layer(layers, box, rotation, perspective)
    reference = geometry.fit(geometry.crop(warped, wbox, margins), height, width, align)
    fused = geometry.warp_and_fit(layers, box, rotation, perspective, margins, height, width, align)
    assert fused.shape == reference.shape and fused.dtype == np.uint8
    a, b = reference[..., 0].astype(float), fused[..., 0].astype(float)
    assert abs(a.sum() / b.sum() - 1) < 0.03  # the same ink
    assert np.allclose(centroid(a), centroid(b), atol=0.15)  # in the same place, to a sub-pixel
    assert np.abs(a - b).mean() < 0.15 * a.mean()  # differing only by interpolation


def test_place_keeps_aspect_and_alignment():
    natural = geometry.place(300, 60, 32, 0, [0.5, 0.5])
    assert (natural.width, natural.height, natural.w, natural.h) == (160, 32, 160, 32)
    left = geometry.place(100, 50, 64, 256, [0.0, 1.0])
    assert (left.width, left.height, left.left, left.top, left.w, left.h) == (256, 64, 0, 0, 128, 64)
    right = geometry.place(600, 50, 64, 256, [1.0, 1.0])
    assert (right.left, right.top, right.w, right.h) == (0, 64 - 21, 256, 21)
