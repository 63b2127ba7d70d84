"""The `brush` command line: train, edit, eval, stylize. Thin: each command parses, checks and
calls library code (`brush.train`, `brush.edit`, `brush.evaluate`, `brush.stylize`); the
training options are the same typer options as the other trainers' (`classifier.cli`).
No torch is imported until a command runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from classifier.cli import (AnyFont, AsJson, BatchSize, ConfigFile, Corpus, Device, FixedWidth, Lr, MaxMinutes, OnTheFly, Out, Progress, RenderConfig,
                            RenderPreset, Resume, Seed, Size, Split, Steps, Words, Workers, _s, check_eval_options, data_options, eval_folder,
                            given, launch, train_options)
from fontsynth.cli import run_app, user_errors
from fontsynth.errors import UserError, require_at_least
from fontsynth.extras import require

app = typer.Typer(add_completion=False, no_args_is_help=True, help="brush: rewrite the text of an image, keeping its style.")

Model = Annotated[Path, typer.Option("--model", "-m", help="Run folder (or .pt checkpoint) of `brush train`.")]


MOSTEL_LAYOUT = "image folders in MOSTEL's layout (i_s/, t_f/, t_b/, mask_s/, mask_t/, i_t.txt; i_s.txt with text A, which the reconstruction and cycle need)"
PairData = Annotated[Optional[Path], typer.Option("--data", help=f"Pairs to train on: `fontsynth render --recipe pairs --out`, or {MOSTEL_LAYOUT}.")]
PairValData = Annotated[Optional[Path], typer.Option("--val-data", help="Pairs for validation, as --data (default on the fly: held-out "
                                                                        "indices of the stream).")]
MatchBy = Annotated[str, typer.Option(help="How the classifier matches a crop's font: classes (its most likely font of those it was "
                                           "trained on) or specimens (the font of --fonts whose renders it embeds nearest: any font, "
                                           "one it never saw included).")]
PairFonts = Annotated[Optional[Path], typer.Option("--fonts", help="Fonts folder, catalog.json or .pack to render from, with --on-the-fly; "
                                                                 "with --data, for a model whose contents are drawn in the style's own "
                                                                 "font: where the data's fonts are now (default: where it was rendered from).")]


@app.command()
@user_errors
def train(
    out: Out,
    data: PairData = None, val_data: PairValData = None, fonts: PairFonts = None, on_the_fly: OnTheFly = False,
    render_preset: RenderPreset = "default", render_config: RenderConfig = None, size: Size = None, split: Split = None,
    corpus: Corpus = None, words: Words = None, any_font: AnyFont = False,
    preset: Annotated[str, typer.Option(help="smoke, small or tsb.")] = "tsb",
    steps: Steps = None, max_minutes: MaxMinutes = None, batch_size: BatchSize = None, lr: Lr = None, device: Device = "auto",
    workers: Workers = None, seed: Seed = None, resume: Resume = False, config: ConfigFile = None, progress: Progress = True,
    classifier: Annotated[Optional[Path], typer.Option(help="Typeface run (train-classifier): typeface loss, and the feature network.")] = None,
    recognizer: Annotated[Optional[Path], typer.Option(help="Recognizer run (train-recognizer): OCR loss.")] = None,
    features: Annotated[Optional[str], typer.Option(help="Feature network of the perceptual and Gram losses: a typeface run, a local "
                                                         "torchvision VGG16/VGG19 .pth, or `random` (default: --classifier's).")] = None,
) -> None:
    """Train brush on paired shards (`fontsynth render --recipe pairs`) or pairs rendered on the fly."""
    require("torch", "train", "brush train")
    from brush.train import train_brush

    resolved = lambda path: str(Path(path).resolve()) if path is not None and Path(path).exists() else _s(path)  # noqa: E731  (eval finds them from anywhere)
    options = given(classifier=resolved(classifier), recognizer=resolved(recognizer), features=resolved(features) if features != "random" else features)
    launch(train_brush, out, preset, resume, config, options, "val_psnr",
           data_options(data, val_data, fonts, on_the_fly, render_preset, render_config, size, split, seed, corpus, words, any_font=any_font),
           train_options(steps, max_minutes, batch_size, lr, device, workers, seed, progress))


@app.command()
@user_errors
def info(run: Annotated[Path, typer.Argument(help="Run folder of `brush train`.")], as_json: AsJson = False) -> None:
    """A run folder summed up: model, data, state against its plan, checkpoints, best validation,
    last metrics, evaluations (as `fontsynth info RUN`)."""
    require("torch", "train", "brush info")
    from classifier.runinfo import run_report

    typer.echo(run_report(run, as_json))


@app.command()
@user_errors
def edit(
    image: Annotated[Optional[Path], typer.Argument(help="The image whose text to rewrite (PNG, JPEG, ...).")] = None,
    model: Model = ...,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Where to write the result (.png, .jpg or .jpeg).")] = None,
    box: Annotated[Optional[str], typer.Option(help="LEFT,TOP,RIGHT,BOTTOM of the text inside a larger photo (pixels); "
                                                   "default: the whole image is the word.")] = None,
    quad: Annotated[Optional[str], typer.Option(help="X1,Y1,...,X4,Y4: the corners of a rotated, slanted or perspective word in a photo "
                                                    "(pixels, clockwise from its top-left); rectified, edited and warped back.")] = None,
    text: Annotated[Optional[str], typer.Option(help="The new text.")] = None,
    erase: Annotated[bool, typer.Option("--erase", help="Remove the text instead (a model trained with the background branch).")] = False,
    jobs: Annotated[Optional[Path], typer.Option(help="JSON lines, one output image per line with its edits (instead of IMAGE and "
                                                     "the edit options): many images, and several words per image, with one "
                                                     "model load; every line is checked before the first image is written.")] = None,
    device: Device = "auto", progress: Progress = True,
    fonts: Annotated[Optional[Path], typer.Option(help="A model trained with contents in the style's own font: the fonts folder or pack "
                                                       "the new text is drawn from (default: the run's training fonts).")] = None,
    font: Annotated[Optional[str], typer.Option(help="Such a model: draw the new text in this font of --fonts (id, or family and style).")] = None,
    classifier: Annotated[Optional[Path], typer.Option(help="Such a model: draw the new text in the font this typeface classifier "
                                                            "finds most likely for the crop (among --fonts that cover the text; "
                                                            "default: the run's --classifier).")] = None,
    match_by: MatchBy = "classes",
) -> None:
    """Rewrite the text of a word image (or of a box or quad in a photo) in its own style, or erase it."""
    require("torch", "train", "brush edit")
    from brush.edit import Editor
    from fontsynth.fileio import check_image_output, write_image
    from classifier.cli import read_images
    from classifier.regions import parse_box, parse_quad

    if jobs is not None:
        given = [name for name, value in (("IMAGE", image), ("-o", output), ("--box", box), ("--quad", quad), ("--text", text),
                                          ("--erase", erase or None)) if value is not None]
        if given:
            raise UserError(f"--jobs lists the images and their edits; drop {', '.join(given)}")
        count = run_jobs(jobs, Editor(model, device, fonts, font, classifier, match_by=match_by, progress=progress), progress)
        typer.echo(f"{count} image{'s' * (count != 1)} edited; outputs where {jobs} says")
        return
    if image is None or output is None:
        raise UserError("give IMAGE and -o OUTPUT (or --jobs FILE)")
    if (text is None) == (not erase):
        raise UserError("give either --text NEW (rewrite the text) or --erase (remove it)")
    check_image_output(output, inputs=(image,))
    region = {"box": parse_box(box) if box else None, "quad": parse_quad(quad) if quad else None}
    (picture,) = read_images([image])
    write_image(Editor(model, device, fonts, font, classifier, match_by=match_by, progress=progress).edit(picture, None if erase else text, **region), output)
    typer.echo(f"{image} -> {output}")


def run_jobs(path: Path, editor, progress: bool) -> int:
    """`brush edit --jobs`: check every job, then edit and write each image with `editor` (a
    `brush.edit.Editor`); how many."""
    from brush.edit import read_jobs
    from fontsynth.fileio import write_image
    from classifier.cli import read_images
    from fontsynth.progress import progress_bar

    jobs = read_jobs(path)
    for job in jobs:  # every image decoded and every edit checked before anything is written
        try:
            (picture,) = read_images([job.image])
            for e in job.edits:
                editor.check(e, picture.shape[1], picture.shape[0])
        except UserError as error:
            raise UserError(f"{job.where}: {error}") from None
    with progress_bar("editing", len(jobs), "images", progress) as advance:
        for job in jobs:
            (picture,) = read_images([job.image])
            write_image(editor.apply(picture, job.edits), job.output)
            advance(1)
    return len(jobs)


@app.command("eval")
@user_errors
def evaluate(
    run: Annotated[Path, typer.Argument(help="Run folder (or .pt checkpoint) of `brush train`.")],
    data: Annotated[Path, typer.Option(help="Rendered pairs to evaluate on (held-out fonts: `render --recipe pairs --split test`), or a "
                                             "benchmark folder in MOSTEL's layout (Tamper-Syn2k, Tamper-Scene: i_s/, t_f/, i_t.txt).")],
    out: Annotated[Optional[Path], typer.Option(help="Folder for eval.json and grid.png (default: RUN/eval-DATANAME; RUN/eval-DATANAME-last for RUN/last.pt).")] = None,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N pairs.")] = None,
    batch_size: Annotated[int, typer.Option(help="Pairs per forward pass.")] = 32,
    recognizer: Annotated[Optional[Path], typer.Option(help="Recognizer judge (default: the run's --recognizer).")] = None,
    classifier: Annotated[Optional[Path], typer.Option(help="Typeface judge (default: the run's --classifier).")] = None,
    tesseract: Annotated[bool, typer.Option("--tesseract/--no-tesseract", help="Also judge with Tesseract 5 when installed.")] = True,
    tesseract_lang: Annotated[str, typer.Option(help="Tesseract's language data (its -l): ara, heb+eng, ... for pairs of other "
                                                     "scripts (Debian: tesseract-ocr-ara, ...).")] = "eng",
    fid_weights: Annotated[Optional[Path], typer.Option(help="Local torchvision Inception v3 weights: adds FID (nothing is downloaded).")] = None,
    save_outputs: Annotated[bool, typer.Option(help="Also write the outputs as OUT/outputs/NNNNNN.png with texts.txt (to judge elsewhere).")] = False,
    true_placement: Annotated[bool, typer.Option(help="Move each content to its target's text box instead of where the aligner puts it: "
                                                      "what the generator draws with a perfect placement.")] = False,
    device: Device = "auto", workers: Annotated[int, typer.Option(help="DataLoader processes (and Tesseract processes).")] = 2,
    fixed_width: FixedWidth = False, as_json: AsJson = False, progress: Progress = True,
    match_font: Annotated[Optional[Path], typer.Option(help="A model trained with contents in the style's own font: draw each content "
                                                            "in the font this typeface classifier matches for the style image (what an "
                                                            "edit of a photo does), not the pair's own.")] = None,
    match_by: MatchBy = "classes",
    fonts: Annotated[Optional[Path], typer.Option(help="Such a model: the fonts folder or pack the contents are drawn from: where the "
                                                       "data's fonts are now, or with --match-font those to match from "
                                                       "(default: the data's).")] = None,
) -> None:
    """MSE, PSNR, MS-SSIM (MOSTEL's protocol), recognition and typeface agreement, against two baselines."""
    require("torch", "train", "brush eval")
    from brush.evaluate import EvalRequest, evaluate_run

    check_eval_options(batch_size, limit, workers)
    if tesseract and tesseract_lang != "eng":  # asked for: Tesseract and that data must be there (English comes with it; without it, a note)
        from classifier.recognizer.tesseract import language_problem

        problem = language_problem(tesseract_lang, "--tesseract-lang")
        if problem:
            raise UserError(problem)
    folder = out or eval_folder(run, data)
    for flag, suffix in ((true_placement, "-true-placement"), (match_font, "-match-font")):
        if flag and out is None:  # beside the plain eval, not over it
            folder = folder.with_name(folder.name + suffix)
    report = evaluate_run(EvalRequest(model=str(run), data=str(data), out=str(folder), limit=limit, batch_size=batch_size, device=device,
                                      workers=workers, recognizer=_s(recognizer), classifier=_s(classifier), tesseract=tesseract, tesseract_lang=tesseract_lang,
                                      fid_weights=_s(fid_weights), save_outputs=save_outputs, true_placement=true_placement,
                                      fixed_width=fixed_width, progress=progress, match_font=_s(match_font), fonts=_s(fonts),
                                      match_by=match_by))
    if as_json:
        typer.echo(json.dumps(report))
        return
    rows = [("model", report), *((f"baseline: {k}", v) for k, v in report["baselines"].items())]
    for name, r in rows:
        judged = ", ".join(f"{k} {r[k]:.3f}" for k in ("text_contrast", "box_iou", "rec_acc", "rec_acc_tesseract", "typeface_agreement", "fid")
                           if r.get(k) is not None)
        typer.echo(f"{name:22s} MSE {r['mse']:.4f}  PSNR {r['psnr']:.2f} dB  MS-SSIM {r['ms_ssim']:.2f}{'  ' + judged if judged else ''}")
    if "by_effect" in report:
        from classifier.slices import describe_hardest

        key = report["slice_chart"] or "psnr"
        hardest = describe_hardest(report["by_effect"], report["n"], key=key, percent=key != "psnr")
        typer.echo(f"hardest render slices by {key}: {hardest} (all metrics in effects.csv{', chart effects.png' if report['slice_chart'] else ''})")
    if "content_box_iou" in report:
        placed = f", where the aligner moves it {report['placement_box_iou']:.3f}" if "placement_box_iou" in report else ""
        typer.echo(f"box_iou of the content's text box: where the content image has it {report['content_box_iou']:.3f}{placed}")
    for note in report["notes"]:
        typer.echo(f"note: {note}")
    typer.echo(f"{report['n']} pairs; eval.json and grid.png -> {folder}")


def _csv(text: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip()) if text else ()


@app.command()
@user_errors
def stylize(
    content: Annotated[Path, typer.Option(help="The content image (its layout is kept).")],
    style: Annotated[Path, typer.Option(help="The style image (its statistics or patches are copied).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the result (.png, .jpg or .jpeg).")],
    features: Annotated[str, typer.Option(help="Feature network: a typeface run folder, a local torchvision VGG16/VGG19 .pth, or `random`.")] = "runs/typeface",
    style_loss: Annotated[str, typer.Option(help="gram (Gatys) or mrf (Li & Wand).")] = "gram",
    style_layers: Annotated[Optional[str], typer.Option(help="Comma-separated (default: relu1_1,relu2_1,relu3_1,relu4_1 for gram; relu3_1,relu4_1 for mrf).")] = None,
    style_layer_weights: Annotated[Optional[str], typer.Option(help="Comma-separated weights, one per style layer (default: all 1).")] = None,
    content_layer: Annotated[Optional[str], typer.Option(help="Comma-separated content layers (default: relu4_2, or relu4_1 where the "
                                                         "network has one convolution in block 4, as the classifier's `small`).")] = None,
    content_weight: Annotated[float, typer.Option()] = 1.0,
    style_weight: Annotated[float, typer.Option()] = 1e3,
    tv_weight: Annotated[float, typer.Option()] = 1e-3,
    intensity_weight: Annotated[float, typer.Option(help="Pull normalised pixels toward the mean (against drifting to white).")] = 0.0,
    content_mask: Annotated[Optional[Path], typer.Option(help="Semantic map of the content image (grey mask or colour map), with --style-mask.")] = None,
    style_mask: Annotated[Optional[Path], typer.Option(help="Semantic map of the style image.")] = None,
    semantic_weight: Annotated[float, typer.Option(help="Weight of the semantic maps in the MRF features.")] = 10.0,
    patch: Annotated[int, typer.Option(help="MRF patch size.")] = 3,
    stride: Annotated[int, typer.Option(help="MRF: take style patches every STRIDE positions.")] = 1,
    scales: Annotated[int, typer.Option(help="Coarse-to-fine scales (each halves the size once more).")] = 1,
    steps: Annotated[int, typer.Option(help="Optimizer steps per scale.")] = 300,
    optimizer: Annotated[str, typer.Option(help="lbfgs or adam.")] = "lbfgs",
    lr: Annotated[float, typer.Option(help="Learning rate (0: 1 for L-BFGS, 0.02 for Adam).")] = 0.0,
    init: Annotated[str, typer.Option(help="content, style or noise.")] = "content",
    seed: Annotated[int, typer.Option(help="Seed of the noise init and of --features random.")] = 0,
    save_every: Annotated[int, typer.Option(help="Also write OUTPUT-stepNNNN.png every N steps (0: never).")] = 0,
    device: Device = "auto", progress: Progress = True, as_json: AsJson = False,
) -> None:
    """Optimisation-based style transfer (Gatys; MRF and semantic patch losses): no training needed."""
    require("torch", "train", "brush stylize")
    from fontsynth.fileio import check_image_output, write_image
    from brush.features import load_feature_net
    from brush.stylize import StylizeConfig, scale_sizes, to_image
    from brush.stylize import stylize as run
    from classifier.cli import read_images
    from classifier.training import pick_device
    from fontsynth.progress import progress_bar

    check_image_output(output, inputs=(content, style, content_mask, style_mask))
    require_at_least(0, save_every=save_every)
    try:
        weights = tuple(float(w) for w in _csv(style_layer_weights))
    except ValueError:
        raise UserError(f"--style-layer-weights {style_layer_weights!r}: expected numbers separated by commas") from None
    try:  # StylizeConfig checks every value (steps, weights, names) and says which is wrong
        config = StylizeConfig(style_loss=style_loss, style_layers=_csv(style_layers), style_layer_weights=weights,
                               content_layers=_csv(content_layer), content_weight=content_weight, style_weight=style_weight,
                               tv_weight=tv_weight, intensity_weight=intensity_weight, semantic_weight=semantic_weight, patch=patch,
                               stride=stride, scales=scales, steps=steps, optimizer=optimizer, lr=lr, init=init, seed=seed)
    except ValueError as e:
        raise UserError(str(e)) from None
    paths = [content, style] + [p for p in (content_mask, style_mask) if p is not None]
    images = read_images(paths)
    masks = images[2:] if content_mask is not None and style_mask is not None else []
    if (content_mask is None) != (style_mask is None):
        raise UserError("semantic style transfer needs both --content-mask and --style-mask")
    net = load_feature_net(features, seed)
    config = config.for_network(net.layer_names)
    net.check_layers((*config.content_layers, *config.layers))
    total = steps * len(scale_sizes(images[0].shape[:2], scales))
    with progress_bar("stylize", total, "steps", enabled=progress and not as_json) as advance:
        def on_step(scale, step, x, terms):
            advance(1)
            if save_every and step % save_every == 0:
                write_image(to_image(x), output.with_name(f"{output.stem}-s{scale}-step{step:04d}{output.suffix}"))

        result = run(images[0], images[1], net, config, *(masks or [None, None]), device=pick_device(device), on_step=on_step)
    write_image(result.image, output)
    if as_json:
        typer.echo(json.dumps({"output": str(output), "initial": result.initial, "final": result.final, "features": str(features),
                               "steps": steps, "scales": scales}))
    else:
        typer.echo(f"{output}: total loss {result.initial['total']:.4g} -> {result.final['total']:.4g} "
                   f"({', '.join(f'{k} {v:.3g}' for k, v in result.final.items() if k != 'total')})")


def main() -> None:
    run_app(app, "brush")
