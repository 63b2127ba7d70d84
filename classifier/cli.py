"""Model commands of the `fontsynth` CLI: train-classifier, eval-classifier, classify,
train-recognizer, eval-recognizer, recognize.

This module imports no torch at import time: `fontsynth render` pays nothing for it. The
training options are declared once here (typer `Annotated` aliases) and reused by every
trainer's command, so `--steps`, `--lr`, `--device` ... mean the same everywhere."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Optional

import typer

from fontsynth.errors import UserError, require_at_least
from fontsynth.extras import require

# ---------------------------------------------------------------- options every trainer shares
Out = Annotated[Path, typer.Option("--out", "-o", help="Run folder: config.json, metrics.csv, curves.png, last.pt, best.pt.")]
Data = Annotated[Optional[Path], typer.Option(help="Rendered dataset folder to train on (`fontsynth render --out`).")]
ValData = Annotated[Optional[Path], typer.Option(help="Rendered dataset for validation (default on the fly: held-out indices of the stream).")]
OTHER_TOOLS = "a `fontsynth render --out` folder, a folder of DTRB-layout LMDBs (the real benchmarks, MJSynth) or a labels file of IMAGE<TAB>TEXT lines"
ReaderData = Annotated[Optional[list[Path]], typer.Option(help=f"Dataset to train on: {OTHER_TOOLS}. Repeat it to draw from "
                                                                "several, in --data-weights shares (by default by their sizes).")]
DataWeights = Annotated[Optional[str], typer.Option(help="With several --data: each one's share of the training draws, e.g. "
                                                         "0.5,0.25,0.25 (normalised; DTRB's --batch_ratio).")]
ClassifierData = Annotated[Optional[list[Path]], typer.Option(help="Rendered dataset folder to train on (`fontsynth render --out`). Repeat "
                                                                    "it to draw from several (say clean and default renders, or two font "
                                                                    "sets), in --data-weights shares; the class table is every font of them.")]
ReaderValData = Annotated[Optional[Path], typer.Option(help="Dataset for validation, as --data (default on the fly: held-out indices of the stream).")]
Fonts = Annotated[Optional[Path], typer.Option(help="Fonts folder, catalog.json or .pack to render from, with --on-the-fly.")]
OnTheFly = Annotated[bool, typer.Option("--on-the-fly", help="Render training samples in the loader workers; nothing is written.")]
RenderPreset = Annotated[str, typer.Option(help="On the fly: render's --preset (default, clean).")]
RenderConfig = Annotated[Optional[Path], typer.Option(help="On the fly: render's --config (JSON style settings).")]
Size = Annotated[Optional[str], typer.Option(help="On the fly: render's --size (default: the model's canvas, e.g. 64x256).")]
Split = Annotated[Optional[str], typer.Option(help="On the fly: render only the fonts of this split (see `fonts split`).")]
Corpus = Annotated[Optional[Path], typer.Option(help="On the fly: render's --corpus (texts, one per line, drawn as they are).")]
Words = Annotated[Optional[Path], typer.Option(help="On the fly: render's --words (words, one per line, for the default mix).")]
AnyFont = Annotated[bool, typer.Option("--any-font", help="On the fly: render's --any-font (every valid font, not only OCR-clean ones: "
                                                          "fonts of other scripts without Latin letters too).")]
Steps = Annotated[Optional[int], typer.Option(help="Optimizer steps (default: the preset's; no step limit with --max-minutes alone).")]
MaxMinutes = Annotated[Optional[float], typer.Option(help="Stop after this many minutes of training in all; the LR schedule follows time. "
                                                                   "Without --steps, time alone ends the run. 0: no time limit.")]
BatchSize = Annotated[Optional[int], typer.Option(help="Global batch size (split over torchrun processes).")]
Lr = Annotated[Optional[float], typer.Option(help="Peak learning rate (default: the preset's).")]
Device = Annotated[str, typer.Option(help="auto, cpu or cuda.")]
Workers = Annotated[Optional[int], typer.Option(help="DataLoader processes (default 2).")]
Seed = Annotated[Optional[int], typer.Option(help="Seed of weights, data order and the on-the-fly stream.")]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the run in --out from last.pt (same steps, same data order).")]
ConfigFile = Annotated[Optional[Path], typer.Option("--config", help='JSON overrides: {"model": {...}, "train": {...}, "data": {...}, "losses": {...}}; unknown keys refused.')]
Progress = Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
FixedWidth = Annotated[bool, typer.Option("--fixed-width", help="Fit every image into the training canvas, squeezing long texts, as "
                                          "training's validation does (default: a model without TPS reads an image wider than the canvas "
                                          "at three widths and keeps the most confident reading; one trained at own widths, at its own).")]
Boxes = Annotated[Optional[list[str]], typer.Option("--box", help="LEFT,TOP,RIGHT,BOTTOM (pixels) of a word inside the image (one IMAGE); "
                                                    "repeat for several words.")]
Quads = Annotated[Optional[list[str]], typer.Option("--quad", help="X1,Y1,...,X4,Y4: the corners of a rotated, slanted or perspective "
                                                    "word inside the image (one IMAGE), clockwise from its top-left; repeat for several words.")]


def given(**values) -> dict:
    """The options given on the command line (None means: not given)."""
    return {k: v for k, v in values.items() if v is not None}


def data_options(data, val_data, fonts, on_the_fly, render_preset, render_config, size, split, seed, corpus, words,
                 data_weights: str | None = None, any_font: bool = False) -> dict:
    """DataConfig fields the command line gives; `data` is one path or a list (a repeated --data: the
    first, then `more_data`, drawn in `data_weights` shares)."""
    paths = data if isinstance(data, list) else [data] if data else []
    values = given(data=_s(paths[0]) if paths else None, val_data=_s(val_data), fonts=_s(fonts), render_config=_s(render_config), size=size,
                   split=split, seed=seed, corpus=_s(corpus), words=_s(words))
    if len(paths) > 1:
        values["more_data"] = [str(d) for d in paths[1:]]
    if data_weights is not None:
        values["data_weights"] = parse_weights(data_weights)
    if on_the_fly:
        values["on_the_fly"] = True
    if render_preset != "default":
        values["render_preset"] = render_preset
    if any_font:
        values["any_font"] = True
    return values


def train_options(steps, max_minutes, batch_size, lr, device, workers, seed, progress) -> dict:
    values = given(steps=steps, max_minutes=max_minutes, batch_size=batch_size, lr=lr, workers=workers, seed=seed)
    if device != "auto":
        values["device"] = device
    if not progress:
        values["progress"] = False
    return values


def eval_folder(run: Path, data: Path) -> Path:
    """RUN/eval-DATANAME, the folder's evaluation of the weights it is read by (best.pt, else
    last.pt). Another checkpoint's goes beside it, not over it: RUN/last.pt -> RUN/eval-DATANAME-last.
    DATANAME is a data folder's name; for a labels file, its folder's name and its own without the
    extension (iiit5k/gt.txt -> eval-iiit5k-gt), as benchmarks' labels files share names."""
    data = Path(data).resolve()
    name = f"eval-{data.parent.name}-{data.stem}" if data.is_file() else f"eval-{data.name}"
    if run.is_dir():
        return run / name
    from classifier.training import folder_checkpoint
    default = folder_checkpoint(run.parent)
    if default is not None and default.resolve() == run.resolve():
        return run.parent / name
    return run.parent / f"{name}-{run.stem}"


def caption_fonts(dataset, run: dict):
    """What an eval sheet writes truths and readings of other scripts in: the fonts of the
    rendered dataset evaluated, else those the model of `run` (a checkpoint's run record)
    trained on when they are still there (its --data's catalog, its --fonts pack, or its --fonts
    folder's catalog.json: never a scan), else none (Pillow's default draws boxes)."""
    from functools import partial

    from fontsynth.catalog import CATALOG_FILE, Catalog, load_or_scan
    from fontsynth.dataset import Dataset
    from fontsynth.datasetview import CaptionFonts
    from fontsynth.shards import MANIFEST_FILE
    from fontsynth.torchdata import ShardDataset

    if isinstance(dataset, ShardDataset):
        return CaptionFonts(Dataset(dataset.root).catalog)
    data = run.get("data") or {}
    trained, fonts = data.get("data"), Path(data["fonts"]) if data.get("fonts") else None
    if isinstance(trained, str) and (Path(trained) / MANIFEST_FILE).exists():
        return CaptionFonts(Dataset(trained).catalog)
    if fonts and fonts.is_file():
        return CaptionFonts(partial(load_or_scan, fonts))  # a pack holds its catalog
    if fonts and (fonts / CATALOG_FILE).is_file():
        return CaptionFonts(partial(Catalog.load, fonts / CATALOG_FILE, root=fonts))
    return CaptionFonts(None)


def check_eval_options(batch_size: int, limit: int | None, workers: int) -> None:
    """What every evaluation command checks before it loads anything."""
    require_at_least(1, batch_size=batch_size, limit=limit)
    require_at_least(0, workers=workers)


def describe_weights(weights: dict) -> str:
    """The checkpoint an evaluation scored, and its training step: "runs/t/best.pt (step 4,000)"."""
    step = weights.get("step")
    return weights["checkpoint"] + (f" (step {step:,})" if step is not None else "")


def _s(path: Path | None) -> str | None:
    return None if path is None else str(path)


def summary_line(result, run: Path, score: str) -> str:
    metrics = ", ".join(f"{k} {v:.4f}" for k, v in result.last_metrics.items())
    state = "interrupted; continue with --resume" if result.stopped_early else "done"
    best = f"best {score} {result.best_score:.4f}" if math.isfinite(result.best_score) else "not validated: no best.pt, evaluations read last.pt"
    return f"{state}: step {result.step} in {result.elapsed_s / 60:.1f} min{'; ' + metrics if metrics else ''}; {best} -> {run}"


def launch(run_training, out: Path, preset: str, resume: bool, config: Path | None, options: dict, score: str, data: dict, train: dict) -> None:
    """Start or resume a run; print its summary; exit 130 when it was interrupted."""
    from classifier.runs import TrainRequest

    request = TrainRequest(out=out, preset=preset, resume=resume, config_file=config, options=options, data=data, train=train)
    result = run_training(request)
    typer.echo(summary_line(result, out, score))
    if result.stopped_early:
        raise typer.Exit(130)


# ---------------------------------------------------------------- commands


def train_classifier(
    out: Out,
    data: ClassifierData = None, data_weights: DataWeights = None, val_data: ValData = None, fonts: Fonts = None, on_the_fly: OnTheFly = False,
    render_preset: RenderPreset = "default", render_config: RenderConfig = None, size: Size = None, split: Split = None,
    corpus: Corpus = None, words: Words = None, any_font: AnyFont = False,
    preset: Annotated[str, typer.Option(help="smoke, small or vgg16.")] = "vgg16",
    steps: Steps = None, max_minutes: MaxMinutes = None, batch_size: BatchSize = None, lr: Lr = None, device: Device = "auto",
    workers: Workers = None, seed: Seed = None, resume: Resume = False, config: ConfigFile = None, progress: Progress = True,
    init: Annotated[Optional[Path], typer.Option(help="Start from the weights of a typeface run (folder or .pt: fine-tuning; fonts in "
                                                       "both class tables keep their output rows) or a local torchvision VGG16 "
                                                       "state_dict (nothing is downloaded).")] = None,
) -> None:
    """Train the VGG16 typeface classifier on rendered words (or render them on the fly)."""
    require("torch", "train", "train-classifier")
    from classifier.classification import train_classifier as run_training

    launch(run_training, out, preset, resume, config, given(init=_s(init)), "val_top1",
           data_options(data, val_data, fonts, on_the_fly, render_preset, render_config, size, split, seed, corpus, words, data_weights, any_font),
           train_options(steps, max_minutes, batch_size, lr, device, workers, seed, progress))


def eval_classifier(
    run: Annotated[Path, typer.Argument(help="Run folder (or .pt checkpoint) of train-classifier.")],
    data: Annotated[Path, typer.Option(help="Rendered dataset to evaluate on, or a labels file of IMAGE<TAB>FONT lines (the font's catalog id, "
                                             "or family and style as `classify` prints them); fonts outside the class table count toward "
                                             "nn_accuracy only.")],
    out: Annotated[Optional[Path], typer.Option(help="Folder for eval.json, per_class.csv, confusions.png (default: RUN/eval-DATANAME; RUN/eval-DATANAME-last for RUN/last.pt).")] = None,
    batch_size: Annotated[int, typer.Option(help="Images per forward pass.")] = 128,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N samples.")] = None,
    device: Device = "auto", workers: Annotated[int, typer.Option(help="DataLoader processes.")] = 2, as_json: AsJson = False,
    progress: Progress = True,
) -> None:
    """Top-1/top-5 on held-out renders, per-class accuracy, most-confused pairs, nearest-neighbour accuracy."""
    require("torch", "train", "eval-classifier")
    check_eval_options(batch_size, limit, workers)
    from classifier.classification import Classifier, font_ids_by_name
    from classifier.data import open_dataset
    from classifier.evaluate import classification_report, collect
    from classifier.slices import describe_hardest
    from fontsynth.torchdata import ExternalDataset

    clf = Classifier(run, device)
    dataset = open_dataset(str(data), ("image", "font"), clf.canvas, clf.channels, "--data", optional=("meta",), crop=clf.crop)
    unmatched = []
    if isinstance(dataset, ExternalDataset):  # a labels file naming each image's font: ids, or family and style
        written = set(dataset.labels())
        dataset.name_fonts(font_ids_by_name(written, clf.font_names))
        unmatched = sorted(written - set(dataset.font_ids))
    folder = out or eval_folder(run, data)
    names = {**dataset.font_names, **clf.font_names}
    extra = {**clf.weights, **({"data": dataset.describe(), "unmatched_names": unmatched[:20]} if isinstance(dataset, ExternalDataset) else {})}
    report = classification_report(collect(clf.model, dataset, batch_size, clf.device, workers, limit, progress), clf.classes, names, folder,
                                   extra, progress)
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"weights: {describe_weights(clf.weights)}")
    if report["n"]:
        typer.echo(f"top-1 {report['top1']:.4f}  top-5 {report['top5']:.4f}  on {report['n']} images of known fonts ({report['classes']} classes)")
    else:
        typer.echo(f"top-1, top-5: none of the images is of a font in the class table ({report['classes']} classes)")
    if report["nn_n"]:
        typer.echo(f"nearest-neighbour accuracy {report['nn_accuracy']:.4f} over {report['nn_n']} images of {report['fonts']} fonts "
                   f"({report['unseen_fonts']} not in the class table)")
    else:
        typer.echo(f"nearest-neighbour accuracy: no font has two images ({report['fonts']} fonts)")
    if unmatched:
        typer.echo(f"names the class table does not hold (counted as unseen fonts): {', '.join(unmatched[:20])}"
                   f"{' ...' if len(unmatched) > 20 else ''}; `fontsynth classify` prints the names it knows")
    if report["unreadable"]:
        typer.echo(f"{report['unreadable']} image(s) that do not decode, left out")
    if "by_effect" in report:
        typer.echo(f"hardest render slices: {describe_hardest(report['by_effect'], report['n'])} (all in effects.csv, effects.png)")
    typer.echo(f"per-class accuracy, confusions and eval.json -> {folder}")


def classify(
    images: Annotated[list[Path], typer.Argument(help="Image files (PNG, JPEG, ...; any size, colour or grey).")],
    model: Annotated[Path, typer.Option(help="Run folder (or .pt checkpoint) of train-classifier.")],
    top: Annotated[int, typer.Option(help="How many fonts to list per image.")] = 5,
    device: Device = "auto", as_json: AsJson = False, box: Boxes = None, quad: Quads = None, progress: Progress = True,
) -> None:
    """Name the font of word images (or of words inside a photo: --box, --quad): family, style
    and score of the most likely fonts."""
    require("torch", "train", "classify")
    from classifier.classification import Classifier

    require_at_least(1, top=top)
    words = WordImages(images, box, quad)
    clf = Classifier(model, device)
    for names, batch in words.chunks("classifying", progress):
        for name, ranked in zip(names, clf.top(batch, top)):
            if as_json:
                typer.echo(json.dumps({**name, "top": ranked}))
            else:
                typer.echo(f"{describe_word(name)}: " + "; ".join(f"{r['family']} {r['style']} ({r['font']}) {r['score']:.3f}" for r in ranked))


def train_recognizer(
    out: Out,
    data: ReaderData = None, data_weights: DataWeights = None, val_data: ReaderValData = None, fonts: Fonts = None,
    on_the_fly: OnTheFly = False, render_preset: RenderPreset = "default", render_config: RenderConfig = None, size: Size = None,
    split: Split = None, corpus: Corpus = None, words: Words = None, any_font: AnyFont = False,
    preset: Annotated[str, typer.Option(help="smoke, small or trba.")] = "trba",
    steps: Steps = None, max_minutes: MaxMinutes = None, batch_size: BatchSize = None, lr: Lr = None, device: Device = "auto",
    workers: Workers = None, seed: Seed = None, resume: Resume = False, config: ConfigFile = None, progress: Progress = True,
    prediction: Annotated[Optional[str], typer.Option(help="attn (attention decoder) or ctc (default: the preset's: attn, ctc for small).")] = None,
    charset: Annotated[Optional[Path], typer.Option(help="UTF-8 file of the characters to recognise (default: the dataset's charset, "
                                                           "else printable ASCII, space included).")] = None,
) -> None:
    """Train the TRBA text recognizer on rendered words (or render them on the fly), DTRB-layout LMDBs or a labels file."""
    require("torch", "train", "train-recognizer")
    from classifier.recognizer.task import train_recognizer as run_training
    from fontsynth.fileio import read_charset_file

    if prediction not in (None, "attn", "ctc"):
        raise UserError(f"--prediction must be attn or ctc, got {prediction!r}")
    options = given(prediction=prediction, charset=read_charset_file(charset) if charset else None)
    sources = data_options(data, val_data, fonts, on_the_fly, render_preset, render_config, size, split, seed, corpus, words, data_weights, any_font)
    launch(run_training, out, preset, resume, config, options, "val_word_accuracy", sources,
           train_options(steps, max_minutes, batch_size, lr, device, workers, seed, progress))


def parse_weights(text: str) -> list[float]:
    """`--data-weights 0.5,0.25,0.25` -> numbers (their checks are DataConfig's)."""
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise UserError(f"--data-weights {text!r}: expected numbers separated by commas, one per --data, e.g. 0.5,0.5") from None


def eval_recognizer(
    run: Annotated[Path, typer.Argument(help="Run folder (or .pt checkpoint) of train-recognizer.")],
    data: Annotated[Path, typer.Option(help=f"Dataset to evaluate on: {OTHER_TOOLS}.")],
    out: Annotated[Optional[Path], typer.Option(help="Folder for eval.json, worst.png and readings.csv (default: RUN/eval-DATANAME; RUN/eval-DATANAME-last for RUN/last.pt).")] = None,
    batch_size: Annotated[int, typer.Option(help="Images per forward pass.")] = 128,
    limit: Annotated[Optional[int], typer.Option(help="Evaluate only the first N samples.")] = None,
    device: Device = "auto", workers: Annotated[int, typer.Option(help="DataLoader processes.")] = 2, as_json: AsJson = False,
    progress: Progress = True, fixed_width: FixedWidth = False,
) -> None:
    """Word accuracy (case-sensitive, not, and as the benchmarks score), CER, normalised edit
    distance, on renders, DTRB-layout LMDBs or a labels file; the worst errors as PNG, every
    reading in readings.csv."""
    require("torch", "train", "eval-recognizer")
    check_eval_options(batch_size, limit, workers)
    from classifier.data import open_dataset
    from classifier.recognizer import Reader
    from classifier.recognizer.evaluate import metrics_by_group, recognition_metrics, write_report
    from classifier.recognizer.task import describe_dropped, read_dataset
    from classifier.slices import accuracy_by_slice, describe_hardest
    from fontsynth.torchdata import ExternalDataset

    reader = Reader(run, device, fixed_width)
    c = reader.model.config
    dataset = open_dataset(str(data), ("image", "label"), reader.canvas, reader.channels, "--data", optional=("meta", "index"))
    reading = read_dataset(reader.model, dataset, batch_size, reader.device, workers, limit, progress)
    dropped = reading.dropped
    report = {**recognition_metrics(reading.predictions, reading.truths), "dropped": dict(dropped), "charset": len(c.charset),
              "max_length": c.max_length, "widths": "own" if reader.at_widths else "canvas", "data": dataset.describe(), **reader.weights}
    metas = [json.loads(r) for r in reading.records]  # parsed once, for the slices and the sample indices
    if metas:
        report["by_effect"] = accuracy_by_slice(metas, [p == t for p, t in zip(reading.predictions, reading.truths)])
    if isinstance(dataset, ExternalDataset) and len(dataset.parts) > 1:  # DTRB's evaluation/: a figure per benchmark
        names = dataset.part_names()
        report["by_dataset"] = metrics_by_group([names[dataset.part_of(i)] for i in reading.indices], reading.predictions, reading.truths)
    folder = out or eval_folder(run, data)
    indices = [m["index"] for m in metas] if metas else reading.indices
    write_report(report, reading.worst, folder, (indices, reading.truths, reading.predictions), caption_fonts(dataset, reader.run))
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"data: {report['data']}")
    typer.echo(f"weights: {describe_weights(reader.weights)}")
    typer.echo(f"word accuracy {report['word_accuracy']:.4f} (ignoring case {report['word_accuracy_nocase']:.4f}; "
               f"as the benchmarks score, lower-case letters and digits only, {report['word_accuracy_alnum']:.4f}), CER {report['cer']:.4f}, "
               f"NED {report['ned']:.4f} on {report['n']} images; left out: {describe_dropped(dropped)}")
    for name, m in report.get("by_dataset", {}).items():
        typer.echo(f"  {name}: word accuracy {m['word_accuracy']:.4f}, as the benchmarks score {m['word_accuracy_alnum']:.4f} on {m['n']} images")
    if "by_effect" in report:
        typer.echo(f"hardest render slices: {describe_hardest(report['by_effect'], report['n'])} (all in effects.csv, effects.png)")
    typer.echo(f"eval.json, worst.png and readings.csv -> {folder}")


def recognize(
    images: Annotated[list[Path], typer.Argument(help="Image files (PNG, JPEG, ...; any size, colour or grey).")],
    model: Annotated[Path, typer.Option(help="Run folder (or .pt checkpoint) of train-recognizer.")],
    device: Device = "auto", as_json: AsJson = False, fixed_width: FixedWidth = False, box: Boxes = None, quad: Quads = None,
    progress: Progress = True,
) -> None:
    """Read the text of word images (or of words inside a photo: --box, --quad): text and
    confidence per image."""
    require("torch", "train", "recognize")
    from classifier.recognizer import Reader

    words = WordImages(images, box, quad)
    reader = Reader(model, device, fixed_width)
    for names, batch in words.chunks("reading", progress):
        texts, confidences = reader.read(batch)
        for name, text, confidence in zip(names, texts, confidences):
            typer.echo(json.dumps({**name, "text": text, "confidence": round(confidence, 6)}) if as_json
                       else f"{describe_word(name)}: {text}  ({confidence:.3f})")


def read_images(paths: list[Path]) -> list:
    from fontsynth.canvas import read_image

    decoded = []
    for path in paths:
        try:
            decoded.append(read_image(path))
        except ValueError as e:
            raise UserError(f"{e}; pass PNG or JPEG files") from None
    return decoded


class WordImages:
    """The word images `classify` and `recognize` read, and what names each in their output:
    {"image": path}, plus the word's "box" or "quad" when given (then one image, its words in
    the order given, boxes before quads). Every image is decoded and every region checked when
    made, before a model loads; `chunks` then hands them out CHUNK at a time, so results print
    as they come and a long list of files is never held decoded at once (each file is decoded
    again when its chunk comes: a list of more than CHUNK files costs two decodes, not memory)."""

    CHUNK = 256

    def __init__(self, paths: list[Path], boxes: list[str] | None = None, quads: list[str] | None = None):
        from classifier.regions import crop_region, parse_box, parse_quad

        regions = [("box", parse_box(b)) for b in boxes or []] + [("quad", parse_quad(q)) for q in quads or []]
        if regions and len(paths) != 1:
            raise UserError(f"--box and --quad name words inside one image, and {len(paths)} images were given; pass one IMAGE")
        self.paths = list(paths)
        self.kept = None  # the decoded words when they are few (or crops of one image): decoded once
        if regions:
            (picture,) = read_images(self.paths)
            self.names = [{"image": str(paths[0]), kind: list(region) if kind == "box" else region.ravel().tolist()} for kind, region in regions]
            self.kept = [crop_region(picture, **{kind: region}) for kind, region in regions]
        else:
            self.names = [{"image": str(p)} for p in paths]
            if len(self.paths) <= self.CHUNK:
                self.kept = read_images(self.paths)
            else:
                for path in self.paths:  # every file checked now; pixels dropped
                    read_images([path])

    def __len__(self) -> int:
        return len(self.names)

    def chunks(self, label: str, progress: bool = True):
        """(names, images) CHUNK at a time, in order; a progress bar on stderr when there is more than one chunk."""
        from fontsynth.progress import progress_bar

        with progress_bar(label, len(self), "images", progress and len(self) > self.CHUNK) as advance:
            for start in range(0, len(self), self.CHUNK):
                names = self.names[start:start + self.CHUNK]
                images = self.kept[start:start + self.CHUNK] if self.kept is not None else read_images(self.paths[start:start + self.CHUNK])
                yield names, images
                advance(len(names))


def describe_word(name: dict) -> str:
    """How the text output names a word: its image, and its box or quad."""
    region = next((f" [{kind} {','.join(f'{v:g}' for v in name[kind])}]" for kind in ("box", "quad") if kind in name), "")
    return name["image"] + region


COMMANDS = (("train-classifier", train_classifier), ("eval-classifier", eval_classifier), ("classify", classify),
            ("train-recognizer", train_recognizer), ("eval-recognizer", eval_recognizer), ("recognize", recognize))


def add_model_commands(app: typer.Typer, user_errors) -> None:
    """Register the model commands on the fontsynth app (each wrapped by `user_errors`)."""
    for name, fn in COMMANDS:
        app.command(name)(user_errors(fn))
