"""`brush eval`: how close edits come to the ground truth of held-out pairs, in the protocol of
MOSTEL's evaluation code (so our figures compare with the scene-text-editing table in the
README), plus recognition and typeface judges and two trivial baselines.

Per image (float RGB in [0, 1], output vs target):
- MSE, PSNR = 10 log10(1 / MSE), averaged over images; like MOSTEL, an image with MSE 0 is left
  out of the averages.
- "MS-SSIM" on luminance (0.299 R + 0.587 G + 0.114 B, x 255), x 100 when reported: MOSTEL's
  `msssim` with 11x11 Gaussian windows (sigma 1.5, 'valid' filtering, K = 0.01, 0.03) and the
  five standard exponents. Its loop computes every level on the full-resolution images (the
  downsampled copies are never used), so the value is cs^(w1 + ... + w4) * ssim^w5 at full
  resolution; we reproduce that, to compare with the published numbers, and also report the
  textbook multi-scale value as `ms_ssim_true`.
- rec_acc: exact (case-sensitive) reading of text B by our recognizer; `rec_acc_tesseract` by
  Tesseract 5 when installed (an independent judge), else a note.
- typeface_agreement: the classifier's top-1 font of the output equals that of the style image.
- With the targets' masks (pairs store `mask-b`): `text_contrast` (how strongly the text is
  drawn, see `text_contrast`) and `box_iou`, the IoU of the ink box of the output's text (the
  model's predicted mask above 0.5, so a mask that stays fainter scores near 0; the style
  image's own mask) with the target's (whether the text is drawn where and as large as the
  target has it); `content_box_iou` is what drawing it where the content image has it would
  score, `placement_box_iou` where the model's aligner moves it.
Baselines: output = the style image (text A, right look) and output = the background (no text).
A model with the background branch (`background`) also gets `text_removal`: MSE, PSNR and
MS-SSIM of its predicted background against the true one, beside the style image's (what
leaving the old text in place scores).
A benchmark folder in MOSTEL's layout (Tamper-Syn2k) is evaluated by `brush.benchmark`: the
same metrics and judges, each output at its target's size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from brush.contents import (FontMatcher, StyleFontContents, fonts_of, matched_contents, run_content_font, style_font_fields,
                            to_uint8)
from fontsynth.errors import UserError

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def luminance(images: torch.Tensor) -> torch.Tensor:
    """N x H x W luminance x 255 of N x 3 x H x W (or N x 1 x H x W) images in [0, 1]."""
    if images.shape[1] == 1:
        return images[:, 0] * 255
    r, g, b = images[:, 0], images[:, 1], images[:, 2]
    return (0.299 * r + 0.587 * g + 0.114 * b) * 255


def gaussian_window(size: int, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x ** 2) / (2 * sigma ** 2))
    w = g[:, None] * g[None, :]
    return w / w.sum()


def ssim_maps(a: torch.Tensor, b: torch.Tensor, data_range: float = 255.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image (N x H x W, float64) the mean SSIM and the mean contrast-structure term, with a
    Gaussian window of min(11, H) and 'valid' filtering."""
    size = min(11, a.shape[-2], a.shape[-1])
    w = gaussian_window(size).to(a)[None, None]
    a, b = a[:, None].double(), b[:, None].double()
    filt = lambda x: F.conv2d(x, w)  # noqa: E731
    mu1, mu2 = filt(a), filt(b)
    s11, s22, s12 = filt(a * a) - mu1 ** 2, filt(b * b) - mu2 ** 2, filt(a * b) - mu1 * mu2
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    cs = (2 * s12 + c2) / (s11 + s22 + c2)
    ssim = (2 * mu1 * mu2 + c1) / (mu1 ** 2 + mu2 ** 2 + c1) * cs
    return ssim.flatten(1).mean(dim=1), cs.flatten(1).mean(dim=1)


def _combine(ssims: list[torch.Tensor], css: list[torch.Tensor]) -> torch.Tensor:
    w = MS_SSIM_WEIGHTS
    value = torch.sign(ssims[-1]) * ssims[-1].abs() ** w[-1]
    for k in range(len(w) - 1):
        value = value * torch.sign(css[k]) * css[k].abs() ** w[k]
    return value


def ms_ssim_mostel(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """MOSTEL's "MS-SSIM" per image in [-1, 1] (see the module docstring: all levels at full resolution)."""
    ssim, cs = ssim_maps(luminance(target), luminance(output))
    return _combine([ssim] * 5, [cs] * 5)


def ms_ssim(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Wang et al.'s multi-scale SSIM per image (2x2 mean downsampling between levels)."""
    a, b = luminance(target), luminance(output)
    ssims, css = [], []
    for level in range(5):
        s, c = ssim_maps(a, b)
        ssims.append(s)
        css.append(c)
        if level < 4:
            a, b = F.avg_pool2d(a[:, None], 2)[:, 0], F.avg_pool2d(b[:, None], 2)[:, 0]
    return _combine(ssims, css)


def image_metrics(output: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-image mse, psnr, ms_ssim (MOSTEL's), ms_ssim_true; N x C x H x W in [0, 1]."""
    assert output.shape == target.shape, f"output {tuple(output.shape)} vs target {tuple(target.shape)}"
    output, target = output.double().clamp(0, 1), target.double().clamp(0, 1)
    mse = (output - target).pow(2).flatten(1).mean(dim=1)
    psnr = 10 * torch.log10(1 / mse.clamp_min(1e-20))
    return {"mse": mse, "psnr": psnr, "ms_ssim": ms_ssim_mostel(output, target), "ms_ssim_true": ms_ssim(output, target)}


def text_contrast(output: torch.Tensor, target: torch.Tensor, background: torch.Tensor, mask: torch.Tensor,
                  eps: float = 1e-8) -> torch.Tensor:
    """Per image, how strongly the output draws the text as a share of the target: the least-squares
    `a` in `output - background = a * (target - background)` over the pixels of the text's mask
    (weighted by it). 1: as strong as the target; 0: no text (the background alone); below 0: the
    wrong polarity. NaN where the target's text does not differ from its background. Images
    N x C x H x W in [0, 1]; the mask N x 1 x H x W (1 = ink)."""
    assert output.shape == target.shape == background.shape, f"{tuple(output.shape)}, {tuple(target.shape)}, {tuple(background.shape)}"
    assert mask.shape == (target.shape[0], 1, *target.shape[2:]), f"mask {tuple(mask.shape)} for images {tuple(target.shape)}"
    drawn, truth = (output - background).double(), (target - background).double()
    weight = mask.double()
    num = (weight * drawn * truth).flatten(1).sum(dim=1)
    den = (weight * truth * truth).flatten(1).sum(dim=1)
    return torch.where(den > eps, num / den.clamp_min(eps), torch.full_like(den, math.nan))


@dataclass
class Totals:
    """Running sums of per-image metrics (images with MSE 0 left out, as MOSTEL does; NaN values,
    such as `text_contrast` of an image without text, left out of their metric's mean)."""

    sums: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    n: int = 0
    perfect: int = 0

    def add(self, metrics: dict[str, torch.Tensor]) -> None:
        keep = metrics["mse"] > 0
        self.perfect += int((~keep).sum())
        self.n += int(keep.sum())
        for k, v in metrics.items():
            valid = keep & ~torch.isnan(v)
            self.sums[k] = self.sums.get(k, 0.0) + float(v[valid].sum())
            self.counts[k] = self.counts.get(k, 0) + int(valid.sum())

    def means(self) -> dict[str, float]:
        out = {k: v / self.counts[k] if self.counts[k] else math.nan for k, v in self.sums.items()}
        if "ms_ssim" in out:
            out["ms_ssim"] *= 100
            out["ms_ssim_true"] *= 100
        return out


# A chart of the model's scores by render slice shows the first of these the eval has (shares in [0, 1]).
SLICE_CHARTS = (("rec_acc_tesseract", "recognition by Tesseract"), ("rec_acc", "recognition by our recognizer"),
                ("typeface_agreement", "typeface agreement"))


SLICE_METRICS = ("mse", "psnr", "ms_ssim", "text_contrast", "box_iou")  # the image metrics reported by render slice


def per_image_scores(metrics: list[dict[str, torch.Tensor]], judged: dict[str, list[bool]]) -> dict[str, list[float | None]]:
    """The model's scores per image, for `means_by_slice`: MSE, PSNR, MS-SSIM x100 and, when the
    data has masks, text contrast (None where the output equals the target, as `Totals` leaves such
    images out, and for NaN) and each judge's verdict (`judged`: metric -> one bool per image)."""
    kept = torch.cat([m["mse"] for m in metrics]) > 0
    scores = {}
    for name in SLICE_METRICS:
        if name in metrics[0]:
            values = torch.cat([m[name] for m in metrics]) * (100 if name == "ms_ssim" else 1)
            scores[name] = [v if keep and not math.isnan(v) else None for v, keep in zip(values.tolist(), kept.tolist())]
    return scores | {name: [float(ok) for ok in verdicts] for name, verdicts in judged.items()}


# ---------------------------------------------------------------- FID (only with a local Inception file)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N x D each):
    |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = torch.cov(a.t()), torch.cov(b.t())
    vals, vecs = torch.linalg.eigh(s_a)
    root_a = vecs @ torch.diag(vals.clamp_min(0).sqrt()) @ vecs.t()
    cross = torch.linalg.eigvalsh(root_a @ s_b @ root_a).clamp_min(0).sqrt().sum()
    return float((mu_a - mu_b).pow(2).sum() + torch.trace(s_a) + torch.trace(s_b) - 2 * cross)


def inception_features(weights: str, device: torch.device):
    """A function images -> 2048-d pool features of torchvision's Inception v3 loaded from a local
    weights file (nothing is downloaded). Built as torchvision builds it for those weights
    (`transform_input`: ImageNet-normalised input mapped to the [-1, 1] the Google weights
    expect). Not pytorch-fid's TF-ported Inception: FID values compare between our runs, not
    with papers'."""
    from torchvision.models import inception_v3

    try:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        net = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=True)
        net.load_state_dict(state)
    except Exception as e:
        raise UserError(f"--fid-weights {weights}: not torchvision Inception v3 weights ({type(e).__name__}); pass inception_v3_google .pth") from None
    net.fc = torch.nn.Identity()
    net.eval().to(device)
    mean = torch.tensor([0.485, 0.456, 0.406], device=device).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225], device=device).view(1, 3, 1, 1)

    @torch.no_grad()
    def features(images: torch.Tensor) -> torch.Tensor:
        x = images.to(device).float()
        x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
        x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
        return net((x - mean) / std).float().cpu()

    return features


# ---------------------------------------------------------------- a run on a dataset

EVAL_FIELDS = ("image", "target", "content-b", "background", "label-b")
GRID_COLUMNS = ("style", "content as placed", "output", "target", "background")  # grid.png (+ "background out" with the background branch)


@dataclass
class EvalRequest:
    model: str
    data: str
    out: str
    limit: int | None = None
    batch_size: int = 32
    device: str = "auto"
    workers: int = 2
    recognizer: str | None = None  # default: the run's own (--recognizer at training)
    classifier: str | None = None  # default: the run's own (--classifier at training)
    tesseract: bool = True
    tesseract_lang: str = "eng"  # Tesseract's language data (-l): ara, heb+eng, ... for pairs of other scripts
    fid_weights: str | None = None
    save_outputs: bool = False  # also write OUT/outputs/NNNNNN.png and texts.txt (text B per line), to judge elsewhere
    true_placement: bool = False  # move each content by the placement fitted to its target's box, not the aligner's
    fixed_width: bool = False  # the recognizer judge reads every output at its training canvas (`eval-recognizer --fixed-width`)
    match_font: str | None = None  # a content_font "style" model: draw each content in the font this classifier matches for the style image, not the pair's own
    match_by: str = "classes"  # how --match-font matches (FontMatcher's `by`)
    fonts: str | None = None  # the fonts contents are drawn from: where the data's are now, or those --match-font picks from (default: the data's)
    progress: bool = False  # progress bars on stderr: generating, then each judge


def _no_classifier(model: str):
    raise UserError(f"{model} draws contents in the style's own font: matching the style images' fonts needs a typeface "
                    f"classifier; pass --match-font RUN (the run was trained without one)")


def content_font_used(content_font: str, matcher, matched: list[bool] | None) -> dict:
    """How the evaluation drew the contents: the standard font, each pair's own, or the font the
    classifier matched (with the share of pairs where that is the pair's own, where known)."""
    if content_font == "standard":
        return {"font": "standard"}
    if matcher is None:
        return {"font": "own"}
    return {"font": "matched", "classifier": str(matcher.classifier_path), "by": matcher.by,
            **({"own_share": round(sum(matched) / max(1, len(matched)), 6)} if matched is not None else {})}


JUDGE_CHUNK = 256  # images per call of a judge (the progress bar's step)


def evaluate_run(request: EvalRequest) -> dict:
    """Metrics of the model and of both baselines on the dataset; writes eval.json and grid.png."""
    import json
    from pathlib import Path

    from torch.utils.data import DataLoader, Subset

    from brush.benchmark import evaluate_benchmark
    from brush.edit import load_brush
    from brush.model import placed
    from classifier.training import load_checkpoint, scored_weights
    from fontsynth.pairfolder import is_pair_folder

    saved = load_checkpoint(request.model)
    content_font = run_content_font(saved)
    if (request.match_font or request.fonts or request.match_by != "classes") and content_font != "style":
        raise UserError(f"--match-font, --match-by and --fonts are for a brush model whose contents are drawn in the style's font (content_font "
                        f"\"style\"); {request.model} draws them in the standard font")
    if is_pair_folder(Path(request.data)):
        return evaluate_benchmark(request, saved)
    from brush.placement import fitted_placement, mask_box_iou, placement_box_iou
    from classifier.data import open_dataset
    from fontsynth.progress import tracked

    model, payload = load_brush(request.model, request.device, saved)
    device = next(model.parameters()).device
    c = model.config
    own_font = content_font == "style"
    fields = EVAL_FIELDS + style_font_fields(content_font)
    dataset = open_dataset(request.data, fields, (c.height, c.width), c.in_channels, "--data", optional=("meta-b", "mask-b", "mask"))
    stored = dataset.fields
    matcher = None
    if request.match_by != "classes" and not request.match_font:
        raise UserError("--match-by says how --match-font matches each style image's font; give --match-font RUN too")
    if own_font and request.match_font:
        matcher = FontMatcher(request.fonts or fonts_of(dataset), classifier=request.match_font, device=request.device, by=request.match_by,
                              progress=request.progress)
        matcher.candidates()  # specimens drawn (and their progress shown) before the generating starts
    elif own_font:
        dataset = StyleFontContents(dataset, request.fonts)  # each pair's text B in its own font: the font known
    matched: list[bool] = []  # whether the matched font is the pair's own
    if request.limit is not None:
        dataset = Subset(dataset, range(min(request.limit, len(dataset))))
    if len(dataset) == 0:
        raise UserError(f"--data {request.data} holds no pairs")
    if request.true_placement and not c.align_content:
        raise UserError(f"--true-placement: {request.model} has no content aligner (a run with align_content false or from before it)")
    if request.true_placement and "mask-b" not in stored:
        raise UserError(f"--true-placement needs the targets' masks: --data {request.data} has no mask-b; render it again with --recipe pairs")
    loader = DataLoader(dataset, batch_size=request.batch_size, num_workers=request.workers)
    fid = inception_features(request.fid_weights, device) if request.fid_weights else None
    names = ("model", "style", "background")
    totals = {k: Totals() for k in names}
    removal = {k: Totals() for k in ("model", "style_image")}  # the background branch's background vs the true one
    images: dict[str, list[np.ndarray]] = {k: [] for k in names}
    sources: list[np.ndarray] = []  # the style images, for the typeface judge
    inception: dict[str, list[torch.Tensor]] = {k: [] for k in (*names, "target")}
    model_metrics: list[dict[str, torch.Tensor]] = []  # per image, for the scores by render slice
    content_ious: list[torch.Tensor] = []  # the box IoU of text drawn where the content image has it
    placed_ious: list[torch.Tensor] = []  # ... where the model's aligner moves it
    records: list[str] = []  # each pair's meta-b record (Style and text B), when the data stores it
    truths: list[str] = []
    sample = None
    with torch.no_grad():
        for batch in tracked(loader, "generating", len(dataset), "pairs", request.progress, size=lambda b: len(b["label-b"])):
            style, target = batch["image"].to(device), batch["target"].to(device)
            content = batch["content-b"].to(device)
            if matcher is not None:
                content, fonts = matched_contents(matcher, style, batch["label-b"])
                matched += [f == true for f, true in zip(fonts, batch["font"])]
            plain = content[:, :1]  # the content image, dark text on light, one channel
            given = fitted_placement(plain, batch["mask-b"].to(device)) if request.true_placement else None
            out, out_mask, moved, removed = model(style, plain, placement=True, given=given, with_background=True)
            outputs = {"model": out.float(), "style": style, "background": batch["background"].to(device)}
            if removed is not None:  # the background branch: text removal, against leaving the style image as it is
                removal["model"].add({k: v.cpu() for k, v in image_metrics(removed.float(), outputs["background"]).items()})
                removal["style_image"].add({k: v.cpu() for k, v in image_metrics(style, outputs["background"]).items()})
            if "mask-b" in batch:  # where each output has its text: the model's predicted mask, the style's own
                target_mask = batch["mask-b"].to(device)
                drawn = {"model": out_mask.float(), "style": batch["mask"].to(device) if "mask" in batch else None,
                         "background": torch.zeros_like(target_mask)}
                content_ious.append(placement_box_iou(torch.zeros(len(plain), 4, device=device), plain, target_mask).cpu())
                if moved is not None:
                    placed_ious.append(placement_box_iou(moved, plain, target_mask).cpu())
            for name, output in outputs.items():
                metrics = image_metrics(output, target)
                if "mask-b" in batch:
                    metrics["text_contrast"] = text_contrast(output, target, outputs["background"], target_mask)
                    if drawn[name] is not None:
                        metrics["box_iou"] = mask_box_iou(drawn[name], target_mask)
                metrics = {k: v.cpu() for k, v in metrics.items()}
                totals[name].add(metrics)
                if name == "model":
                    model_metrics.append(metrics)
                images[name] += to_uint8(output)
                if fid is not None:
                    inception[name].append(fid(output))
            if fid is not None:
                inception["target"].append(fid(target))
            sources += to_uint8(style)
            truths += list(batch["label-b"])
            records += list(batch.get("meta-b", []))
            if sample is None:
                shown = content if moved is None else placed(content, moved, given)  # what the generator saw
                sample = dict(zip(GRID_COLUMNS, (style[:8].cpu(), shown[:8].cpu(), out[:8].float().cpu(), target[:8].cpu(), batch["background"][:8])))
                if removed is not None:
                    sample["background out"] = removed[:8].float().cpu()
    report: dict = {"n": len(truths), "data": str(request.data), "model": str(request.model), **scored_weights(request.model, payload),
                    "true_placement": request.true_placement, "content_font": content_font_used(content_font, matcher, matched)}
    per = per_output(totals)
    notes: list[str] = []
    judged = run_judges(request, payload, images, sources, truths, per, report, notes)
    if fid is not None:
        reference = torch.cat(inception["target"])
        for name in names:
            per[name]["fid"] = frechet_distance(torch.cat(inception[name]), reference)
    add_scores(report, per, notes)
    for key, parts in (("content_box_iou", content_ious), ("placement_box_iou", placed_ious)):
        if parts:
            ious = torch.cat(parts)
            report[key] = float(ious[~torch.isnan(ious)].mean())
    if c.background:
        report["text_removal"] = {k: v.means() for k, v in removal.items()}
    folder = Path(request.out)
    folder.mkdir(parents=True, exist_ok=True)
    if len(records) == len(truths):  # pairs rendered by a version that stores meta-b
        from classifier.slices import means_by_slice, write_slices

        report["by_effect"] = means_by_slice(records, per_image_scores(model_metrics, judged))
        key, title = next(((k, t) for k, t in SLICE_CHARTS if k in judged), (None, ""))
        write_slices(report["by_effect"], report.get(key) if key else None, folder, f"{title} of the model's outputs", key)
        report["slice_chart"] = key
    (folder / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    from classifier.plots import write_tensor_grid

    write_tensor_grid(sample, tuple(sample), folder / "grid.png")
    if request.save_outputs:
        write_outputs(images["model"], truths, folder / "outputs")
    return report


BASELINES = {"style": "style_image", "background": "background"}  # output kind -> its name under the report's "baselines"


def per_output(totals: dict[str, Totals]) -> dict[str, dict]:
    """Each kind of output's mean metrics and its count of images equal to their target."""
    return {name: t.means() | {"perfect": t.perfect} for name, t in totals.items()}


def add_scores(report: dict, per: dict[str, dict], notes: list[str]) -> None:
    """The model's scores at the top of `report` (`rec_acc` null without a recognizer: see the
    notes), each baseline's under `baselines`, and the notes: what both evaluations report."""
    report |= per["model"]
    report["rec_acc"] = per["model"].get("rec_acc")
    report["baselines"] = {BASELINES[name]: scores for name, scores in per.items() if name != "model"}
    report["notes"] = notes


def run_judges(request: EvalRequest, payload: dict, images: dict[str, list[np.ndarray]], sources: list[np.ndarray], truths: list[str],
               per: dict[str, dict], report: dict, notes: list[str]) -> dict[str, list[bool]]:
    """Every judge the request and the run allow, on every kind of output in `images` (name ->
    uint8 images, each aligned with `truths`, the texts they should read, and `sources`, the style
    images): `rec_acc` (our recognizer), `rec_acc_tesseract`, `typeface_agreement` (the
    classifier's top font equals the style image's). Shares go to `per[name]`, what was used to
    `report`, what was not to `notes`; returns the model's verdicts per image by judge."""
    from pathlib import Path

    from fontsynth.progress import progress_bar

    judged: dict[str, list[bool]] = {}  # the model's outputs: right or not, per image, by each judge

    def judge(key: str, answer, expected: list) -> None:
        """per[output][key]: the share of images whose `answer` (a function of a list of images)
        equals `expected`; the model's verdicts go to `judged`."""
        with progress_bar(f"judging: {key}", len(images) * len(expected), "images", request.progress) as advance:
            answers = {}
            for name, outputs in images.items():
                answers[name] = []
                for start in range(0, len(outputs), JUDGE_CHUNK):
                    chunk = outputs[start:start + JUDGE_CHUNK]
                    answers[name] += answer(chunk)
                    advance(len(chunk))
        for name in images:
            verdicts = [a == e for a, e in zip(answers[name], expected)]
            per[name][key] = sum(verdicts) / max(len(verdicts), 1)
            if name == "model":
                judged[key] = verdicts

    frozen = {k: v for k, v in payload.get("run", {}).get("frozen", {}).items() if v}
    for name, path in list(frozen.items()):
        if not Path(path).exists():
            notes.append(f"the run's {name} {path} is gone; pass --{name} to judge with one")
            del frozen[name]
    recognizer = request.recognizer or frozen.get("recognizer")
    if recognizer:
        from classifier.recognizer import Reader

        reader = Reader(recognizer, request.device, request.fixed_width)
        judge("rec_acc", lambda batch: reader.read(batch)[0], truths)
        report["recognizer"] = str(recognizer)
        report["recognizer_widths"] = "own" if reader.at_widths else "canvas"
    else:
        notes.append("rec_acc: no recognizer (pass --recognizer runs/trba)")
    from classifier.recognizer import tesseract

    if request.tesseract and tesseract.available():
        judge("rec_acc_tesseract", lambda batch: tesseract.read_images(batch, request.workers or 1, lang=request.tesseract_lang), truths)
        report["tesseract"] = tesseract.version()
        report["tesseract_lang"] = request.tesseract_lang
    else:
        notes.append("rec_acc_tesseract: Tesseract is not installed (apt-get install tesseract-ocr)" if request.tesseract
                     else "rec_acc_tesseract: skipped (--no-tesseract)")
    classifier = request.classifier or frozen.get("classifier")
    if classifier:
        from classifier.classification import Classifier

        typefaces = Classifier(classifier, request.device)
        font_of = lambda batch: [r[0]["font"] for r in typefaces.top(batch, 1)]  # noqa: E731
        judge("typeface_agreement", font_of, font_of(sources))
        report["classifier"] = str(classifier)
    else:
        notes.append("typeface_agreement: no classifier (pass --classifier runs/typeface)")
    return judged


def write_outputs(images: list[np.ndarray], texts: list[str], folder, names: list[str] | None = None) -> None:
    """The model's outputs as NNNNNN.png (index order; or under `names`, the format by each
    name's extension) with texts.txt, text B of each, one per line: what
    `scripts/eval_tesseract.py FOLDER` judges on a machine that has Tesseract."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images):
        Image.fromarray(image).save(folder / (names[i] if names else f"{i:06d}.png"))
    (folder / "texts.txt").write_text("".join(f"{t}\n" for t in texts), encoding="utf-8")
