"""`brush edit`: rewrite the text of a word image, or of a box inside a larger photo.

    from brush.edit import Editor
    editor = Editor("runs/brush")
    out = editor.edit(image, "hello")                       # a word crop: same size out
    out = editor.edit(photo, "SALE", box=(120, 40, 180, 60))  # left, top, right, bottom
    out = editor.edit(photo, None, box=(120, 40, 180, 60))    # erase the text (a model with the background branch)

A crop goes through the training data's own preparation (`fit_to_canvas`: height to the
canvas keeping the aspect, right padding), the new text is drawn in the standard content font
exactly as `--recipe pairs` stores `content`, the EMA generator draws the edit, and the used
part of the canvas is resized back to the crop's size. Inside a box the edit replaces the
crop (old text included) with a few pixels of feathering at the box border, except where the
predicted text mask says new text is: that is kept whole. Pixels outside the box are never
touched. With no new text (`--erase`) the crop becomes the background branch's prediction: the
image without its text, blended the same way (no mask to keep).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from fontsynth.errors import UserError

FEATHER = 3  # pixels of blending at a box's border


def load_brush(path: str | Path, device: str = "auto"):
    """The brush model of a run folder or checkpoint (eval mode) and its checkpoint payload."""
    import brush.model  # noqa: F401  (registers "brush")
    from classifier.training import load_checkpoint, model_from_checkpoint, pick_device

    payload = load_checkpoint(path)
    if payload.get("model") != "brush":
        raise UserError(f"{path} holds a {payload.get('model')!r} model, not brush; pass a `brush train` run folder")
    return model_from_checkpoint(payload, path).to(pick_device(device)), payload


def parse_box(text: str) -> tuple[int, int, int, int]:
    """"LEFT,TOP,RIGHT,BOTTOM" in pixels."""
    try:
        box = tuple(int(v) for v in text.split(","))
    except ValueError:
        box = ()
    if len(box) != 4:
        raise UserError(f"--box {text!r}: expected LEFT,TOP,RIGHT,BOTTOM in pixels, e.g. 120,40,180,60")
    return box  # type: ignore[return-value]


def check_box(box: tuple[int, int, int, int], width: int, height: int) -> None:
    left, top, right, bottom = box
    if not (0 <= left < right <= width and 0 <= top < bottom <= height):
        raise UserError(f"--box {left},{top},{right},{bottom} is not inside the {width}x{height} image "
                        "(LEFT < RIGHT <= width, TOP < BOTTOM <= height)")


def feather(height: int, width: int, pixels: int = FEATHER) -> np.ndarray:
    """H x W weights: 1 inside, ramping to 1 / (pixels + 1) on the outermost row and column."""
    ramp = lambda n: np.minimum(np.arange(n) + 1, np.arange(n)[::-1] + 1).clip(max=pixels + 1) / (pixels + 1)  # noqa: E731
    return np.minimum(ramp(height)[:, None], ramp(width)[None, :]).astype(np.float32)


class Editor:
    def __init__(self, path: str | Path, device: str = "auto"):
        from fontsynth.recipes import ContentRenderer

        self.model, _ = load_brush(path, device)
        self.device = next(self.model.parameters()).device
        self.config = self.model.config
        self.content = ContentRenderer()

    def check_text(self, text: str) -> None:
        if not text.strip():
            raise UserError("--text is empty; give the new text to draw")
        missing = self.content.missing(text)
        if missing:
            raise UserError(f"--text {text!r}: the content font cannot draw {missing!r}; use characters it covers")

    def check_erase(self) -> None:
        if not self.config.background:
            raise UserError("--erase needs a model with the background branch; train one with --config "
                            "'{\"model\": {\"background\": true}}' (this model has none)")

    @torch.no_grad()
    def generate(self, crop: np.ndarray, text: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(edited crop uint8 with the crop's size and channels, text mask float H x W in [0, 1]);
        `text` None: the crop without its text (the background branch) and an empty mask."""
        from fontsynth.torchdata import image_tensor

        if text is None:
            self.check_erase()
        else:
            self.check_text(text)
        c = self.config
        h, w = crop.shape[:2]
        style = image_tensor(crop, (c.height, c.width), c.in_channels)[None].to(self.device)
        if text is None:
            out = self.model.background_of(style)
            mask = torch.zeros_like(out[:, :1])
        else:
            content = torch.from_numpy(self.content.draw(text, c.height, c.width)).float().div(255)[None, None].to(self.device)
            out, mask = self.model(style, content)  # one channel, as pairs store it
        used = min(c.width, max(1, round(w * c.height / h)))  # the canvas columns the crop filled (fit_to_canvas)
        image = out[0, :, :, :used].float().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        soft = mask[0, 0, :, :used].float().cpu().numpy()
        interpolation = cv2.INTER_AREA if h < c.height else cv2.INTER_LINEAR
        image = cv2.resize(image, (w, h), interpolation=interpolation).reshape(h, w, -1)
        soft = cv2.resize(soft, (w, h), interpolation=interpolation)
        image = (image * 255 + 0.5).astype(np.uint8)
        channels = 1 if crop.ndim == 2 else crop.shape[2]
        if channels != image.shape[2]:
            from fontsynth.canvas import to_channels

            image = to_channels(image, min(channels, 3))
        return (image[..., 0] if crop.ndim == 2 else image), soft

    def edit(self, image: np.ndarray, text: str | None, box: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """The image with its text (or the box's) rewritten as `text`, or erased when `text` is None."""
        if box is None:
            return self.generate(image, text)[0]
        height, width = image.shape[:2]
        check_box(box, width, height)
        left, top, right, bottom = box
        crop = image[top:bottom, left:right]
        edited, mask = self.generate(crop, text)
        alpha = np.maximum(feather(*crop.shape[:2]), mask)
        if crop.ndim == 3:
            alpha = alpha[..., None]
        out = image.copy()
        out[top:bottom, left:right] = (alpha * edited + (1 - alpha) * crop + 0.5).astype(np.uint8)
        return out


def write_image(image: np.ndarray, path: Path) -> None:
    """PNG or JPEG by the file's extension; nothing is written for another extension."""
    from PIL import Image

    suffix = path.suffix.lower()
    if suffix not in (".png", ".jpg", ".jpeg"):
        raise UserError(f"-o {path}: write .png, .jpg or .jpeg")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    Image.fromarray(image).save(tmp, format="PNG" if suffix == ".png" else "JPEG", quality=95)
    tmp.replace(path)
