"""Words inside larger photos: a box or a quad (a rotated, slanted or perspective word's four
corners) given on the command line, checked against the image, and the upright crop it names.
`classify`, `recognize` and `brush edit` take the same `--box` and `--quad`.

Coordinates are pixel edges: a box LEFT,TOP,RIGHT,BOTTOM holds the pixels left <= x < right,
top <= y < bottom, and the quad of a box's four corners rectifies to exactly the box's crop.
A quad is rectified by the perspective transform that maps it onto an upright crop as long and
as tall as its longer edges."""

from __future__ import annotations

import cv2
import numpy as np

from fontsynth.errors import UserError

Box = tuple[int, int, int, int]


def parse_box(text: str) -> Box:
    """"LEFT,TOP,RIGHT,BOTTOM" in pixels."""
    try:
        box = tuple(int(v) for v in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise UserError(f"--box {text!r}: expected LEFT,TOP,RIGHT,BOTTOM in pixels, e.g. 120,40,180,60")
    return box  # type: ignore[return-value]


def check_box(box: Box, width: int, height: int) -> None:
    left, top, right, bottom = box
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise UserError(f"--box {left},{top},{right},{bottom} is not inside the {width}x{height} image "
                        "(LEFT < RIGHT <= width, TOP < BOTTOM <= height)")


def parse_quad(text: str) -> np.ndarray:
    """"X1,Y1,...,X4,Y4" in pixels -> 4 x 2 float64 corners."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        values = []
    if len(values) != 8 or not all(np.isfinite(values)):
        raise UserError(f"--quad {text!r}: expected X1,Y1,X2,Y2,X3,Y3,X4,Y4 in pixels, the word's top-left, top-right, "
                        "bottom-right and bottom-left corners, e.g. 10,20,200,40,195,90,5,70")
    return np.array(values, dtype=np.float64).reshape(4, 2)


def check_quad(quad: np.ndarray, width: int, height: int) -> None:
    """Inside the image, convex, clockwise on screen (y down) from the word's top-left, and at
    least two pixels on each side."""
    shown = ",".join(f"{v:g}" for v in quad.ravel())
    if not ((quad[:, 0] >= 0) & (quad[:, 0] <= width) & (quad[:, 1] >= 0) & (quad[:, 1] <= height)).all():
        raise UserError(f"--quad {shown} is not inside the {width}x{height} image (0 <= X <= width, 0 <= Y <= height)")
    edges = np.roll(quad, -1, axis=0) - quad
    following = np.roll(edges, -1, axis=0)
    turns = edges[:, 0] * following[:, 1] - edges[:, 1] * following[:, 0]
    if not (turns > 0).all():
        raise UserError(f"--quad {shown}: the corners must make a convex shape and go clockwise from the word's top-left "
                        "(top-left, top-right, bottom-right, bottom-left)")
    if min(quad_size(quad)) < 2:
        raise UserError(f"--quad {shown} is less than two pixels across; give the corners of the whole word")


def quad_size(quad: np.ndarray) -> tuple[int, int]:
    """(width, height) of the upright crop: the longer of the quad's opposite edges."""
    side = lambda a, b: float(np.hypot(*(quad[a] - quad[b])))  # noqa: E731
    return round(max(side(1, 0), side(2, 3))), round(max(side(3, 0), side(2, 1)))


def quad_transform(quad: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The 3 x 3 perspective transform from image pixels to the upright crop's pixels: the quad's
    corners (pixel-edge coordinates) onto the crop's outer corners (OpenCV's pixel centres are
    integers, its pixel edges at -0.5)."""
    w, h = size
    upright = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32) - 0.5
    return cv2.getPerspectiveTransform((quad - 0.5).astype(np.float32), upright)


def rectify(image: np.ndarray, quad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the upright crop of `quad`, the transform from `image` to it); the quad is checked first."""
    height, width = image.shape[:2]
    check_quad(quad, width, height)
    size = quad_size(quad)
    forward = quad_transform(quad, size)
    return cv2.warpPerspective(image, forward, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE), forward


def crop_region(image: np.ndarray, box: Box | None = None, quad: np.ndarray | None = None) -> np.ndarray:
    """The word `box` or `quad` names in `image` (checked against its size), upright; the whole
    image when neither is given."""
    if box is not None and quad is not None:
        raise UserError("give either --box or --quad, not both")
    if quad is not None:
        return rectify(image, quad)[0]
    if box is None:
        return image
    check_box(box, image.shape[1], image.shape[0])
    left, top, right, bottom = box
    return image[top:bottom, left:right]
