"""`brush eval` on scene-text-editing benchmark folders in MOSTEL's layout, so our figures sit
beside the published ones on the same images:

    Tamper-Syn2k/i_s/NAME.png    the style images (the text to replace, in its look)
    Tamper-Syn2k/t_f/NAME.png    the ground truth (text B in that look); Tamper-Scene has none
    Tamper-Syn2k/i_t.txt         lines `NAME TEXT`: text B of each style image

Each style image is edited as `brush edit` edits a word image (resized to the canvas exactly,
the output back to the image's own size, as MOSTEL's own loader does) and scored against its target at the
target's size, as MOSTEL's evaluation resizes every output to its ground truth: MSE, PSNR and
MS-SSIM by `image_metrics` (images with MSE 0 left out, as MOSTEL does), the recognition and
typeface judges, and the style-image baseline (output = the style image), and where the folder
has `t_b/` (MOSTEL's training sets, our pairs' `fontsynth export`) the background baseline. Without targets
(Tamper-Scene) only the judges score. `--save-outputs` writes each output under its own NAME,
so MOSTEL's `evaluation.py --target_path OUT/outputs --gt_path Tamper-Syn2k/t_f` can score
the same files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
import torch

from fontsynth.errors import UserError
from fontsynth.pairfolder import FOLDERS, TEXTS_B, check_images, read_pair_image, read_texts

if TYPE_CHECKING:
    from brush.evaluate import EvalRequest

STYLES, TARGETS, BACKGROUNDS, TEXTS = FOLDERS["image"], FOLDERS["target"], FOLDERS["background"], TEXTS_B


@dataclass(frozen=True)
class Case:
    name: str
    style: Path
    target: Path | None
    text: str
    background: Path | None = None  # t_b/NAME where the folder has backgrounds (our pairs' export, MOSTEL's training sets)


def read_cases(path: Path) -> list[Case]:
    """The cases of a benchmark folder in `i_t.txt` order; an error naming the file and line for
    a line without a text, and naming the first style or target image that does not exist."""
    path = Path(path)
    targets = path / TARGETS if (path / TARGETS).is_dir() else None
    backgrounds = path / BACKGROUNDS if targets and (path / BACKGROUNDS).is_dir() else None
    cases = [Case(name, path / STYLES / name, targets / name if targets else None, text, backgrounds / name if backgrounds else None)
             for name, text in read_texts(path / TEXTS)]
    for kind, folder, present in (("style image", STYLES, True), ("target", TARGETS, targets), ("background", BACKGROUNDS, backgrounds)):
        if present:
            check_images(path, folder, [c.name for c in cases], kind)
    return cases


def rgb_batch(image: np.ndarray) -> torch.Tensor:
    """1 x 3 x H x W float in [0, 1] of a uint8 image (grey repeated to RGB, as MOSTEL converts)."""
    rgb = np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1))).float().div(255)[None]


def evaluate_benchmark(request: EvalRequest, saved: dict) -> dict:
    """`evaluate_run` for a benchmark folder (an EvalRequest whose data is one): eval.json and
    grid.png. A model with contents in the style's own font draws each in the font a typeface
    classifier matches (`--match-font RUN`, else the run's own): the folder says no fonts, as a
    photo does. `saved`: the checkpoint, read once by `evaluate_run`."""
    import json

    from brush.edit import Editor
    from brush.contents import run_classifier, run_content_font
    from brush.evaluate import Totals, _no_classifier, add_scores, content_font_used, image_metrics, per_output, run_judges, write_outputs
    from classifier.plots import write_tensor_grid
    from classifier.training import scored_weights
    from fontsynth.canvas import stretch_to_canvas
    from fontsynth.progress import tracked

    if request.true_placement:
        raise UserError(f"--true-placement needs the targets' masks, which {request.data} does not hold")
    cases = read_cases(Path(request.data))[:request.limit]
    content_font = run_content_font(saved)
    if content_font == "style" and not (request.match_font or run_classifier(saved)):
        _no_classifier(request.model)
    editor = Editor(request.model, request.device, fonts=request.fonts, classifier=request.match_font, payload=saved, match_by=request.match_by,
                    progress=request.progress)
    for case in cases:  # every text checked before the first image is generated
        try:
            editor.check_text(case.text)
        except UserError as e:
            raise UserError(f"{Path(request.data) / TEXTS}: {case.name}: {e}") from None
    scored = cases[0].target is not None
    names = ("model", "style", *(("background",) if cases[0].background else ())) if scored else ("model",)
    totals = {name: Totals() for name in names}
    images: dict[str, list[np.ndarray]] = {name: [] for name in names}
    sources: list[np.ndarray] = []
    shown: dict[str, list[torch.Tensor]] = {k: [] for k in ("style", "content", "output", "target")}
    canvas = (editor.config.height, editor.config.width)
    for case in tracked(cases, "generating", len(cases), "images", request.progress, size=lambda _: 1):
        style = read_pair_image(case.style)
        output, _ = editor.generate(style, case.text)
        outputs = {"model": output, "style": style}
        if "background" in names:
            outputs["background"] = read_pair_image(case.background)
        if scored:
            target = read_pair_image(case.target)
            for name in names:
                picture = outputs[name]
                if picture.shape[:2] != target.shape[:2]:  # MOSTEL resizes each output to its ground truth
                    picture = cv2.resize(picture, (target.shape[1], target.shape[0]), interpolation=cv2.INTER_CUBIC)
                totals[name].add(image_metrics(rgb_batch(picture), rgb_batch(target)))
        for name in names:
            images[name].append(outputs[name])
        sources.append(style)
        if len(shown["style"]) < 8:
            content = editor.content_for(style, case.text)
            for key, picture in (("style", style), ("content", content), ("output", output)) + ((("target", target),) if scored else ()):
                shown[key].append(rgb_batch(stretch_to_canvas(picture, *canvas, 3))[0])  # on the canvas as the model saw a narrow crop
    truths = [c.text for c in cases]
    report: dict = {"n": len(cases), "data": str(request.data), "model": str(request.model), **scored_weights(request.model, editor.payload),
                    "layout": "MOSTEL (i_s, t_f, i_t.txt)",
                    "true_placement": False, "content_font": content_font_used(content_font, editor.matcher, None)}
    per = per_output(totals) if scored else {"model": {}}
    notes: list[str] = [] if scored else [f"{request.data} has no {TARGETS}/ (ground truth): only the judges score"]
    run_judges(request, editor.payload, images, sources, truths, per, report, notes)
    add_scores(report, per, notes)
    folder = Path(request.out)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    columns = tuple(k for k in shown if shown[k])
    write_tensor_grid({k: torch.cat([t[None] for t in shown[k]]) for k in columns}, columns, folder / "grid.png")
    if request.save_outputs:
        write_outputs(images["model"], truths, folder / "outputs", names=[c.name for c in cases])
    return report
