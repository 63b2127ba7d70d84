"""`brush edit`: rewrite the text of a word image, or of a box or quad inside a larger photo.

    from brush.edit import Editor
    editor = Editor("runs/brush")
    out = editor.edit(image, "hello")                       # a word crop: same size out
    out = editor.edit(photo, "SALE", box=(120, 40, 180, 60))  # left, top, right, bottom
    out = editor.edit(photo, None, box=(120, 40, 180, 60))    # erase the text (a model with the background branch)
    out = editor.edit(photo, "SALE", quad=parse_quad("10,20,200,40,195,90,5,70"))  # a slanted word's corners

A crop of the canvas' aspect or narrower is resized to the canvas exactly, its aspect not kept
(`stretch_to_canvas`, as TextStyleBrush and MOSTEL do: brush trains on pairs that fill the
canvas, and a narrow crop padded to it instead had the new text cut off); a wider crop is
brought to the canvas height at its own width (`Editor.run_width`; the generator is
convolutional and the aligner reads the pair squeezed). The new text is drawn in the standard
content font (a model trained with contents in the style's own font: in the font given, or
matched for the crop by a typeface classifier; `brush.contents`) on a canvas of the crop's
aspect, no wider than the one the model runs at, and
resized with the crop (`ContentRenderer.draw_for`; at the canvas' aspect exactly as `--recipe
pairs` stores `content`), the EMA generator draws the edit, and the output is resized back to
the crop's size: the new text is whole and in its own proportions. Inside a box the edit replaces the
crop (old text included) with a few pixels of feathering at the box border, except where the
predicted text mask says new text is: that is kept whole. Pixels outside the box are never
touched. With no new text (`--erase`) the crop becomes the background branch's prediction: the
image without its text, blended the same way (no mask to keep).

A quad (the word's four corners, clockwise from its top-left: rotated, slanted or in
perspective) is first rectified (`classifier.regions`, which `classify` and `recognize` share):
the perspective transform that maps it onto an upright crop as long and as tall as its longer
edges gives the crop, the edit is warped back by the inverse transform, and blended as in a
box; pixels whose centres lie outside the quad are never touched. Corners are pixel-edge coordinates, as a box's are: the quad of a box's four corners
gives the box's crop and edit exactly.

Many edits with one model load (`brush edit --jobs FILE`, `read_jobs`, `Editor.apply`): a JSON
lines file, one output image per line, each with one edit or a list of them applied in order
(several words of one photo):

    {"image": "shop.jpg", "output": "out/shop.jpg", "text": "OPEN", "box": [120, 40, 180, 60]}
    {"image": "sign.png", "output": "out/sign.png", "edits": [{"text": "SALE", "quad": [10, 20, 200, 40, 195, 90, 5, 70]},
                                                               {"erase": true, "box": "5,100,80,120"}]}

Paths are relative to the jobs file. Every line is checked (fields, boxes and quads inside
their image, texts a content font draws, outputs distinct and not an input) before the first
image is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from classifier.regions import check_box, check_quad, crop_region, parse_box, parse_quad, rectify
from fontsynth.errors import UserError
from fontsynth.fileio import check_image_output

FEATHER = 3  # pixels of blending at a box's border


def load_brush(path: str | Path, device: str = "auto", payload: dict | None = None):
    """The brush model of a run folder or checkpoint (eval mode) and its checkpoint payload
    (`payload`: the checkpoint already read from `path`, not read again)."""
    import brush.model  # noqa: F401  (registers "brush")
    from classifier.training import load_checkpoint, model_from_checkpoint, pick_device

    payload = payload if payload is not None else load_checkpoint(path)
    if payload.get("model") != "brush":
        raise UserError(f"{path} holds a {payload.get('model')!r} model, not brush; pass a `brush train` run folder")
    return model_from_checkpoint(payload, path).to(pick_device(device)), payload


def feather(height: int, width: int, pixels: int = FEATHER) -> np.ndarray:
    """H x W weights: 1 inside, ramping to 1 / (pixels + 1) on the outermost row and column."""
    ramp = lambda n: np.minimum(np.arange(n) + 1, np.arange(n)[::-1] + 1).clip(max=pixels + 1) / (pixels + 1)  # noqa: E731
    return np.minimum(ramp(height)[:, None], ramp(width)[None, :]).astype(np.float32)


@dataclass(frozen=True)
class Edit:
    """One rewrite: `text` None erases; `box` and `quad` as `Editor.edit` takes them (neither: the whole image)."""

    text: str | None
    box: tuple[int, int, int, int] | None = None
    quad: np.ndarray | None = None


@dataclass(frozen=True)
class Job:
    """One line of a jobs file: an image, its edits in order, and where the result goes."""

    image: Path
    output: Path
    edits: tuple[Edit, ...]
    where: str  # "FILE:LINE", for error messages


EDIT_KEYS = {"text", "erase", "box", "quad"}


def _coordinates(value) -> str:
    """A box or quad given as a JSON list or as the command line's comma-separated string."""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def parse_edit(fields: dict) -> Edit:
    """An Edit from a jobs line's (or its `edits` list's) fields; errors as the options' own."""
    unknown = set(fields) - EDIT_KEYS
    if unknown:
        raise UserError(f"unknown key(s) {', '.join(sorted(unknown))}; an edit has text or erase, and box or quad")
    erase = fields.get("erase", False)
    if not isinstance(erase, bool) or (("text" in fields) == erase):
        raise UserError("give either \"text\" (rewrite the text) or \"erase\": true (remove it)")
    text = fields.get("text")
    if text is not None and not isinstance(text, str):
        raise UserError(f"\"text\" must be a string (got {text!r})")
    box = parse_box(_coordinates(fields["box"])) if "box" in fields else None
    quad = parse_quad(_coordinates(fields["quad"])) if "quad" in fields else None
    if box is not None and quad is not None:
        raise UserError("give either --box or --quad, not both")
    return Edit(None if erase else text, box, quad)


def read_jobs(path: Path) -> list[Job]:
    """The jobs of a JSON lines file (see the module docstring); an error naming the file and
    line for a line that is not a job, and for outputs that repeat or overwrite an input."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"--jobs {path} cannot be read ({type(e).__name__}: {e})") from None
    jobs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            fields = json.loads(line)
            if not isinstance(fields, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            raise UserError(f"{where} is not a JSON object ({e}); a job is {{\"image\", \"output\", \"text\" or \"edits\", ...}}") from None
        missing = [k for k in ("image", "output") if not isinstance(fields.get(k), str)]
        if missing:
            raise UserError(f"{where} has no {' or '.join(missing)} (a path string)")
        image, output = path.parent / fields.pop("image"), path.parent / fields.pop("output")
        try:
            if "edits" in fields:
                listed = fields.pop("edits")
                if fields or not isinstance(listed, list) or not listed or not all(isinstance(e, dict) for e in listed):
                    raise UserError("\"edits\" is a non-empty list of {\"text\" or \"erase\", \"box\" or \"quad\"} objects, "
                                    "and the line has nothing else but image and output")
                edits = tuple(parse_edit(e) for e in listed)
            else:
                edits = (parse_edit(fields),)
            check_image_output(output, "output")
        except UserError as e:
            raise UserError(f"{where}: {e}") from None
        jobs.append(Job(image, output, edits, where))
    if not jobs:
        raise UserError(f"--jobs {path} holds no job; write one JSON object per line")
    inputs = {j.image.resolve() for j in jobs}
    seen: dict[Path, str] = {}
    for job in jobs:
        target = job.output.resolve()
        if target in seen:
            raise UserError(f"{job.where}: output {job.output} is also line {seen[target]}'s output; give each job its own")
        if target in inputs:
            raise UserError(f"{job.where}: output {job.output} is an input of the jobs; write the results elsewhere")
        seen[target] = job.where.rsplit(":", 1)[1]
    return jobs


MAX_RUN_CANVASES = 16  # the widest a crop runs at, in canvas widths (Editor.run_width)


class Editor:
    """Edits with one brush model. A model trained with contents in the style's own font
    (`content_font` "style", brush.contents) draws the new text in `font` (a font of `fonts`), or
    in the font the typeface `classifier` matches for each crop (`match_by`: `FontMatcher`'s `by`);
    `fonts` defaults to the ones the run trained on, `classifier` to the one it trained with
    (`brush train --classifier`); `progress` shows the drawing of font specimens (match by specimens)."""

    def __init__(self, path: str | Path, device: str = "auto", fonts: str | Path | None = None, font: str | None = None,
                 classifier: str | Path | None = None, payload: dict | None = None, match_by: str = "classes",
                 progress: bool = False):
        from brush.contents import FontMatcher, run_classifier, run_fonts
        from fontsynth.recipes import ContentRenderer

        self.model, self.payload = load_brush(path, device, payload)
        self.device = next(self.model.parameters()).device
        self.config = self.model.config
        self.matcher = None
        if self.config.content_font == "style":
            fonts = fonts or run_fonts(self.payload)
            if fonts is None:
                raise UserError(f"{path} draws the new text in the style's own font: give --fonts (the fonts folder or pack to draw it "
                                "from; the fonts the run trained on are not where it recorded them)")
            if font is None and classifier is None:
                classifier = run_classifier(self.payload)
            self.matcher = FontMatcher(fonts, font, classifier, device, match_by, progress=progress)
            self.content = self.matcher.content
        else:
            if fonts is not None or font is not None or classifier is not None or match_by != "classes":
                raise UserError(f"--fonts, --font, --classifier and --match-by are for a brush model trained with contents in the style's own font "
                                f"(content_font \"style\"); {path} draws the new text in the standard content font")
            self.content = ContentRenderer()

    def check_text(self, text: str) -> None:
        if not text.strip():
            raise UserError("--text is empty; give the new text to draw")
        missing = self.matcher.missing(text) if self.matcher else self.content.missing(text)
        if missing:
            if self.matcher is not None and self.matcher.font is None:
                raise UserError(f"--text {text!r}: none of the fonts the classifier matches from draws {missing!r}; use characters they cover")
            if self.matcher is None:
                raise UserError(f"--text {text!r}: no standard content font draws {missing!r} beside its other characters (the new text is drawn "
                                "in one of them); use characters one of them covers")
            raise UserError(f"--text {text!r}: the font {self.matcher.font} cannot draw {missing!r}; use characters it covers")

    def check_erase(self) -> None:
        if not self.config.background:
            raise UserError("--erase needs a model with the background branch; train one with --config "
                            "'{\"model\": {\"background\": true}}' (this model has none)")

    def run_width(self, height: int, width: int) -> int:
        """The width the model runs at for a `height` x `width` crop: the canvas' for a crop of the
        canvas' aspect or narrower (stretched to it), else the crop's own width at the canvas
        height in whole multiples of `config.scale` (`Brush.forward`). Measured on wide crops:
        squeezed to the canvas, their new text came back stretched and read 20 points worse
        (BENCHMARKS.md); narrow crops read better stretched than run narrower. At most
        `MAX_RUN_CANVASES` canvases wide (time and memory grow with the width: the default
        64x256 model runs 16 canvases in 2.7 s and 2 GB on 2 CPU cores); a longer crop is squeezed to that."""
        c = self.config
        natural = min(width * c.height / max(1, height), MAX_RUN_CANVASES * c.width)
        return c.width if natural <= c.width else round(natural / c.scale) * c.scale  # >= the canvas: it is a multiple of scale

    @torch.no_grad()
    def generate(self, crop: np.ndarray, text: str | None) -> tuple[np.ndarray, np.ndarray]:
        """(edited crop uint8 with the crop's size and channels, text mask float H x W in [0, 1]);
        `text` None: the crop without its text (the background branch) and an empty mask. The crop
        is resized to the canvas height and `run_width` exactly and the output back
        (`fontsynth.canvas.stretch_to_canvas`: a narrow crop padded instead would have the new text
        cut off), the content drawn for the crop's aspect (`ContentRenderer.draw_for`)."""
        from fontsynth.canvas import stretch_to_canvas, to_channels
        from fontsynth.torchdata import as_tensor

        if text is None:
            self.check_erase()
        else:
            self.check_text(text)
        c = self.config
        h, w = crop.shape[:2]
        width = self.run_width(h, w)
        style = as_tensor(stretch_to_canvas(crop, c.height, width, c.in_channels))[None].to(self.device)
        if text is None:
            out = self.model.background_of(style)
            mask = torch.zeros_like(out[:, :1])
        else:
            content = torch.from_numpy(self.content_for(crop, text, width)).float().div(255)[None, None].to(self.device)
            out, mask = self.model(style, content)  # one channel, as pairs store it
        image = stretch_to_canvas(out[0].float().clamp(0, 1).permute(1, 2, 0).cpu().numpy(), h, w)
        soft = stretch_to_canvas(mask[0, 0].float().cpu().numpy(), h, w)
        image = (image * 255 + 0.5).astype(np.uint8)
        channels = 1 if crop.ndim == 2 else crop.shape[2]
        if channels != image.shape[2]:
            image = to_channels(image, min(channels, 3))
        return (image[..., 0] if crop.ndim == 2 else image), soft

    def content_for(self, crop: np.ndarray, text: str, width: int | None = None) -> np.ndarray:
        """The content the generator gets for rewriting `crop` as `text` at `width` (default: the
        canvas'): drawn for the crop's aspect (`ContentRenderer.draw_for`), in the standard font
        or, for a model with contents in the style's font, the one given or matched for the crop."""
        font = self.matcher.pick([crop], [text])[0] if self.matcher else None
        return self.content.draw_for(text, self.config.height, width or self.config.width, crop.shape[:2], font)

    def edit(self, image: np.ndarray, text: str | None, box: tuple[int, int, int, int] | None = None,
             quad: np.ndarray | None = None) -> np.ndarray:
        """The image with its text (or the box's, or the quad's) rewritten as `text`, or erased when
        `text` is None."""
        if box is not None and quad is not None:
            raise UserError("give either --box or --quad, not both")
        if quad is not None:
            return self.edit_quad(image, text, quad)
        if box is None:
            return self.generate(image, text)[0]
        crop = crop_region(image, box=box)
        left, top, right, bottom = box
        edited, mask = self.generate(crop, text)
        out = image.copy()
        out[top:bottom, left:right] = blend(crop, edited, crop_alpha(mask))
        return out

    def check(self, edit: Edit, width: int, height: int) -> None:
        """The errors `apply` would raise for `edit` on a width x height image, raised now."""
        if edit.text is None:
            self.check_erase()
        else:
            self.check_text(edit.text)
        if edit.box is not None:
            check_box(edit.box, width, height)
        if edit.quad is not None:
            check_quad(edit.quad, width, height)

    def apply(self, image: np.ndarray, edits: tuple[Edit, ...]) -> np.ndarray:
        """`edit` for each of `edits` in turn, each on the result of the one before."""
        for e in edits:
            image = self.edit(image, e.text, box=e.box, quad=e.quad)
        return image

    def edit_quad(self, image: np.ndarray, text: str | None, quad: np.ndarray) -> np.ndarray:
        """`edit` inside a quad (4 x 2 corners, see `parse_quad`): rectify, edit, warp back, blend."""
        height, width = image.shape[:2]
        crop, forward = rectify(image, quad)
        edited, mask = self.generate(crop, text)
        back = lambda array, flags, border: cv2.warpPerspective(  # noqa: E731
            array, forward, (width, height), flags=flags | cv2.WARP_INVERSE_MAP, borderMode=border, borderValue=0)
        inside = back(np.ones(crop.shape[:2], np.uint8), cv2.INTER_NEAREST, cv2.BORDER_CONSTANT).astype(bool)
        alpha = back(crop_alpha(mask), cv2.INTER_LINEAR, cv2.BORDER_CONSTANT)
        drawn = back(edited, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)
        out = image.copy()
        out[inside] = blend(image[inside], drawn[inside], alpha[inside])
        return out


def crop_alpha(mask: np.ndarray) -> np.ndarray:
    """H x W blending weights of an edited crop: the border feathering, but 1 wherever the
    predicted mask says new text is."""
    return np.maximum(feather(*mask.shape), mask)


def blend(old: np.ndarray, new: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """alpha x new + (1 - alpha) x old, rounded to uint8; alpha has the images' shape without
    their channel axis."""
    if old.ndim == alpha.ndim + 1:
        alpha = alpha[..., None]
    return (alpha * new + (1 - alpha) * old + 0.5).astype(np.uint8)


