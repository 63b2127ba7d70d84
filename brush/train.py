"""Training brush with the shared trainer (`classifier.runs` / `classifier.training`).

`BrushTask` gives the trainer three parts, the content aligner (`model.aligner`, when the model
has one), the generator (`model.g`: both encoders and the generator) and the discriminator
(`model.d`), one optimizer each, and per step yields the aligner's box loss, the
discriminator's loss, then the generator's (against the updated discriminator), the generator
seeing the contents moved by the aligner's placement (or, for `placement_teacher` of them, by
the true one). Phases are data: for the first `losses.content_steps` steps the generator is a
content autoencoder (it redraws the content image from itself: glyph shapes first) while the
aligner already learns on the pairs, then the joint objective runs.
The EMA generator (`model.g_ema`) is updated after every step; validation, sample grids,
`brush edit` and `brush eval` use it.

Every loss weight lives in `LossConfig` (the `losses` section of `--config`). A loss whose
network was not given (`--classifier`, `--recognizer`, a feature network) is off, and the
run's config.json lists it under `losses_off` with the reason. metrics.csv logs each weighted
term of the generator's loss (`<term>_term`; they add up to `generator_loss`).
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader

from brush import losses as L
from brush.contents import StyleFontContents, style_font_fields
from brush.evaluate import text_contrast
from brush.model import Brush, invert
from brush.placement import fitted_placement, mask_box_iou, placement_box_iou, warp
from classifier.data import Sources
from classifier.plots import write_tensor_grid
from classifier.recognizer.labels import usable_labels
from classifier.runs import Prepared, TrainerSpec, TrainRequest, start_run
from classifier.training import RunResult
from fontsynth.torchdata import tensor_channels

KIND = "brush"
FIELDS = ("image", "target", "content-b", "mask", "mask-b", "label-b")
TEXT_A_FIELDS = ("content", "label")  # text A's content image (and text, to draw it in the style's font), for the reconstruction and the cycle: read where the data holds it
VAL_FIELDS = ("background",)  # validation's text contrast; training reads it only for the background branch (`branch_fields`)
FEATURE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")


@dataclass(frozen=True)
class LossConfig:
    """Loss weights and the schedule. Defaults: TextStyleBrush's paper where it gives one
    (perceptual 1, Gram 500, typeface 1, OCR 1, cycle 1, reconstruction 10); the open
    reproduction's adversarial weight 0.06 with a PatchGAN and least squares; ours for what
    neither has: the exact target (L1 10), its mask (1), the L1 over its text (ink 10: 1.7-1.8
    times the text contrast of plain L1 at equal steps, BENCHMARKS.md), where its text box is
    (placement 1, with the true placement shown for half the pairs) and, for a model with the
    background branch, the true background (L1 10) and the old text erased from it (erase 30)."""

    target: float = 10.0  # L1 of G(style A, content B) to the ground-truth target B (ours: pairs give it)
    mask: float = 1.0  # binary cross-entropy of the predicted soft mask against the target's mask
    ink: float = 10.0  # L1 to the target over its text mask only, each image's text weighing alike (`ink_l1`; ours)
    placement: float = 1.0  # L1 (Huber below 0.01) of the aligner's placed content box to the target's text box (`placement_loss`; ours)
    placement_teacher: float = 0.5  # share of pairs the generator sees with the content at its true placement, not the aligner's (ours)
    background: float = 10.0  # L1 of the background branch's output to the true background (model `background` on; ours: pairs give it)
    erase: float = 30.0  # the same L1 over where the style image's own text was (`ink_l1` with its mask; model `background` on; ours: 30 beat 10, measured)
    reconstruction: float = 10.0  # L1 of G(style A, content A) to A (paper 10; reproduction 2)
    cycle: float = 1.0  # L1 of G(G(A, content B), content A) to A (paper 1; reproduction 2)
    perceptual: float = 1.0  # feature MSE of output vs target over feature_layers (paper 1; reproduction 25)
    gram: float = 500.0  # Gram MSE of output vs target (paper 500; reproduction 7)
    typeface: float = 1.0  # L1 of classifier embeddings, output vs style image (paper 1; reproduction 0)
    ocr: float = 1.0  # recognizer cross-entropy of text B given the output (paper 1; reproduction 0.07)
    adversarial: float = 0.06  # generator's adversarial weight (reproduction 0.06)
    adversarial_loss: str = "lsgan"  # lsgan (least squares) or nonsaturating
    r1: float = 0.0  # R1 penalty weight on the discriminator (10 with the stylegan2 discriminator)
    feature_layers: tuple[str, ...] = FEATURE_LAYERS
    content_steps: int = 0  # phase 1: content autoencoder for this many steps, then the joint objective
    joint_warmup: int = 200  # steps of a second linear LR warmup when the joint objective starts (ours: without it a long
    # `small` schedule's generator died at the switch, its sigmoid saturated, and never recovered: BENCHMARKS.md)
    inversion: float = 0.2  # fraction of pairs shown with style and target inverted (without model.polarity it would only learn dark text)
    ema_decay: float = 0.999

    def __post_init__(self):
        weights = (self.target, self.mask, self.ink, self.placement, self.background, self.erase, self.reconstruction, self.cycle, self.perceptual, self.gram, self.typeface, self.ocr,
                   self.adversarial, self.r1)
        if min(weights) < 0:
            raise ValueError("loss weights must not be negative")
        if self.adversarial_loss not in L.ADVERSARIAL:
            raise ValueError(f"adversarial_loss must be one of {', '.join(L.ADVERSARIAL)}, got {self.adversarial_loss!r}")
        if not 0 <= self.inversion <= 1 or not 0 <= self.placement_teacher <= 1 or not 0 <= self.ema_decay < 1 or min(self.content_steps, self.joint_warmup) < 0:
            raise ValueError("inversion and placement_teacher must be in [0, 1], ema_decay in [0, 1), content_steps and joint_warmup at least 0")


PRESETS: dict[str, dict[str, dict]] = {
    "smoke": {
        "model": {"height": 32, "width": 128, "widths": (8, 16, 32), "style_dim": 32, "d_widths": (8, 16)},
        "train": {"steps": 40, "batch_size": 8, "lr": 2e-3, "warmup_steps": 5, "val_every": 20, "checkpoint_every": 20, "log_every": 10},
        "data": {"val_samples": 16},
        "losses": {"content_steps": 10, "joint_warmup": 5},
    },
    "small": {  # a CPU-sized brush: narrow, at half the canvas (32x128; a 64x256 step costs 4x)
        "model": {"height": 32, "width": 128, "widths": (16, 32, 64, 128), "style_dim": 128, "d_widths": (32, 64, 128)},
        "train": {"steps": 4000, "batch_size": 16, "lr": 1e-3, "warmup_steps": 100, "val_every": 250, "checkpoint_every": 250},
        "data": {"val_samples": 256},
        "losses": {"content_steps": 300, "ocr": 3.0},  # OCR 3: Tesseract reads 3.6-6.4 points more of ten CPU minutes' outputs
        # than at 1 (three seeds), for 0.1-0.2 dB of PSNR (BENCHMARKS.md); `tsb` keeps the paper's 1 until a GPU run measures it
    },
    "tsb": {  # the full generator (TextStyleBrush-sized widths) for a GPU
        "model": {},
        "train": {"steps": 100_000, "batch_size": 64, "lr": 5e-4, "warmup_steps": 1000, "val_every": 1000, "checkpoint_every": 1000},
        "data": {"val_samples": 1024},
        "losses": {"content_steps": 5000},
    },
}
GAN_TRAIN = {"betas": (0.5, 0.99), "weight_decay": 0.0, "grad_clip": 10.0}  # every preset's optimizer settings
for _preset in PRESETS.values():
    _preset["train"] = {**GAN_TRAIN, **_preset["train"]}


OPTIONAL_TERMS = ("ink", "background", "erase", "reconstruction", "cycle", "perceptual", "gram", "typeface", "ocr", "adversarial")  # in the order computed
SAMPLE_COLUMNS = ("style", "content as placed", "output", "target", "mask")  # the grids written at each validation (+ "background out")


@dataclass
class Frozen:
    """The frozen networks inside the losses (None: that loss is off)."""

    classifier: nn.Module | None = None
    recognizer: nn.Module | None = None
    features: nn.Module | None = None

    def to(self, device: torch.device) -> Frozen:
        for net in (self.classifier, self.recognizer, self.features):
            if net is not None:
                net.to(device)
        return self


COLLAPSED_SPREAD = 0.02  # outputs whose pixels vary less than this (per channel, on average) are flat: no text drawn
COLLAPSED_MARGIN = 0.005  # ... and saturated when their values lie this close to 0 or 1 on average


def collapsed(outputs: torch.Tensor) -> bool:
    """Whether N x C x H x W outputs in [0, 1] are what a generator whose sigmoid has saturated
    draws: flat (each image's per-channel standard deviation below COLLAPSED_SPREAD on average)
    and at the sigmoid's ends (values within COLLAPSED_MARGIN of 0 or 1 on average). With no
    gradient through the sigmoid such a generator does not recover. (The dead run of
    BENCHMARKS.md: 0.005 and 0.0; a healthy one after 750 steps: 0.074 and 0.33; early grey
    outputs are flat-ish but not saturated.)"""
    outputs = outputs.float()
    flat = float(outputs.flatten(2).std(dim=2).mean()) < COLLAPSED_SPREAD
    return flat and float(torch.minimum(outputs, 1 - outputs).mean()) < COLLAPSED_MARGIN


def nan_mean(parts: list[torch.Tensor]) -> float:
    """The mean of the values of `parts` that are not NaN (NaN when none is)."""
    values = torch.cat(parts) if parts else torch.zeros(0)
    values = values[~torch.isnan(values)]
    return float(values.mean()) if len(values) else float("nan")


class BrushTask:
    score = "val_psnr"
    metric_names = ("val_mse", "val_psnr", "val_l1", "val_mask_l1", "val_text_contrast", "val_box_iou", "val_placement_iou")

    def __init__(self, config: LossConfig, frozen: Frozen):
        self.config, self.frozen = config, frozen
        # the generator's loss terms with a weight, logged weighted in metrics.csv as <term>_term (`prepare` has
        # already set to 0 the weights of losses whose network is missing)
        self.term_names = ("target", "mask", *(k for k in OPTIONAL_TERMS if getattr(config, k)))
        self.terms: dict[str, torch.Tensor] = {}  # the last step's weighted terms
        self._on: torch.device | None = None
        self._sample: dict | None = None  # the first validation batch with its outputs (sample grids)

    def parts(self, model: Brush) -> dict[str, nn.Module]:
        aligner = {"aligner": model.aligner} if model.aligner is not None else {}
        return {**aligner, "discriminator": model.d, "generator": model.g}

    def _inputs(self, batch: dict, device: torch.device) -> dict[str, torch.Tensor]:
        if self._on != device:
            self.frozen.to(device)
            self._on = device
        return {k: batch[k].to(device, non_blocking=True) for k in (*FIELDS, *TEXT_A_FIELDS, *VAL_FIELDS) if isinstance(batch.get(k), torch.Tensor)}

    def losses(self, parts: dict[str, nn.Module], batch: dict, device: torch.device, step: int):
        c = self.config
        self.terms = {}
        x = self._inputs(batch, device)
        G, D, aligner = parts["generator"], parts["discriminator"], parts.get("aligner")
        n = x["image"].shape[0]
        channels = x["image"].shape[1]
        flip = torch.rand(n, device=device) < c.inversion
        style, target = invert(x["image"], flip), invert(x["target"], flip)
        # (content, its text's mask in the style's look) of the edit, and where the data holds text A of the
        # reconstruction: one pass, style A encoded once
        halves = (("content-b", "mask-b"), ("content", "mask")) if "content" in x else (("content-b", "mask-b"),)
        styles = torch.cat([style] * len(halves))
        contents, content_masks = torch.cat([x[c] for c, _ in halves]), torch.cat([x[m] for _, m in halves])
        moved = None
        if aligner is not None:  # from the first step, the content autoencoder's included
            with torch.set_grad_enabled(bool(c.placement) and torch.is_grad_enabled()):  # weight 0: a frozen aligner
                moved = aligner(styles, contents)
            if c.placement:
                yield "aligner", c.placement * L.placement_loss(moved, contents, content_masks), n
            moved = moved.detach()
        if step < c.content_steps:  # phase 1: the content autoencoder (the content where it is)
            content = tensor_channels(x["content-b"], channels)
            out, mask, background = G(content, x["content-b"], with_background=True, mask_logits=True)
            terms = {"target": c.target * L.l1(out, content), "mask": c.mask * L.mask_loss(mask, 1 - x["content-b"])}
            if background is not None:  # the content image's background: white; its text is what to erase
                terms |= self._background_terms(background, torch.ones_like(background), 1 - x["content-b"])
            yield "generator", self._total(terms), n
            return
        if moved is not None:
            if c.placement_teacher:  # teacher forcing: some contents at their true placement, not the aligner's
                truth = fitted_placement(contents, content_masks)
                moved = torch.where(torch.rand(len(contents), 1, device=device) < c.placement_teacher, truth, moved)
            contents = warp(contents, moved)
        both, masks, backgrounds = G(style, contents, with_background=True, mask_logits=True)  # masks: logits
        out, rec, mask = both[:n], both[n:], masks[:n]  # rec: empty without text A (its losses are off)
        adversarial_d, adversarial_g = L.ADVERSARIAL[c.adversarial_loss]
        if c.adversarial:
            real = target.detach().requires_grad_(c.r1 > 0)
            logits = D(torch.cat([real, out.detach()]))
            d_loss = adversarial_d(logits[:n], logits[n:])
            if c.r1:
                d_loss = d_loss + c.r1 * L.r1_penalty(logits[:n], real)
            yield "discriminator", d_loss, n
        terms = {"target": c.target * L.l1(out, target), "mask": c.mask * L.mask_loss(mask, x["mask-b"])}
        if c.ink:
            terms["ink"] = c.ink * L.ink_l1(out, target, x["mask-b"])
        if backgrounds is not None:  # both halves have style A: its background, its text (mask A) to erase
            terms |= self._background_terms(backgrounds[:n], invert(x["background"], flip), x["mask"])
        if c.reconstruction:
            terms["reconstruction"] = c.reconstruction * L.l1(rec, style)
        if c.cycle:
            cycled, _ = G(out, contents[n:])  # content A placed as for the reconstruction: the target is the style image
            terms["cycle"] = c.cycle * L.l1(cycled, style)
        f = self.frozen
        if f.features is not None and (c.perceptual or c.gram):
            weights = {k: 1.0 for k in c.feature_layers}
            feats_out = f.features(out, c.feature_layers, reference=target)  # the target's input norm: polarity and contrast count
            feats_target = f.features(target, c.feature_layers)
            feats_target = {k: v.detach() for k, v in feats_target.items()}
            if c.perceptual:
                terms["perceptual"] = c.perceptual * L.feature_loss(feats_out, feats_target, weights)
            if c.gram:
                terms["gram"] = c.gram * L.gram_loss(feats_out, feats_target, weights)
        if f.classifier is not None and c.typeface:
            terms["typeface"] = c.typeface * L.typeface_loss(f.classifier, out, style)
        if f.recognizer is not None and c.ocr:
            keep = usable_labels(batch["label-b"], f.recognizer.config)[0]  # the texts the recognizer can score
            if keep:
                terms["ocr"] = c.ocr * L.ocr_loss(f.recognizer, out[keep], [batch["label-b"][k] for k in keep])
        if c.adversarial:
            terms["adversarial"] = c.adversarial * adversarial_g(D(out))
        yield "generator", self._total(terms), n

    def _background_terms(self, predicted: torch.Tensor, truth: torch.Tensor, old_text: torch.Tensor) -> dict[str, torch.Tensor]:
        """The background branch's terms: L1 to the true background, and L1 over where the style
        image's own text was (`erase`: those few pixels weigh little in the first, and copying the
        old text along would cost almost nothing: measured)."""
        c = self.config
        terms = {"background": c.background * L.l1(predicted, truth)} if c.background else {}
        return terms | ({"erase": c.erase * L.ink_l1(predicted, truth, old_text)} if c.erase else {})

    def _total(self, terms: dict[str, torch.Tensor]) -> torch.Tensor:
        """The sum of the generator's weighted loss terms; each is kept (detached) in `self.terms`
        for metrics.csv."""
        assert set(terms) <= set(self.term_names), f"loss terms {sorted(set(terms) - set(self.term_names))} are not in term_names"
        self.terms = {name: value.detach().float() for name, value in terms.items()}
        return sum(terms.values())

    def lr_scale(self, step: int) -> float:
        """1 in the content phase; from the joint objective's first step, a linear warmup over
        `joint_warmup` steps. The new terms (OCR, adversarial, cycle) arrive with gradients Adam's
        moments have not seen; at full rate their first updates could saturate the generator's
        sigmoid for good."""
        c = self.config
        if step < c.content_steps or not c.joint_warmup:
            return 1.0
        return min(1.0, (step - c.content_steps + 1) / c.joint_warmup)

    def after_step(self, model: Brush, step: int) -> None:
        model.update_ema(min(self.config.ema_decay, (1 + step) / (10 + step)))  # a short run's EMA does not lag behind

    @torch.no_grad()
    def validate(self, model: Brush, loader: DataLoader, device: torch.device) -> dict[str, float]:
        totals = {"mse": 0.0, "psnr": 0.0, "l1": 0.0, "mask_l1": 0.0}
        count = 0
        contrasts: list[torch.Tensor] = []  # how strongly the text is drawn (brush eval's text_contrast)
        ious: list[torch.Tensor] = []  # whether it is drawn where the target has it (brush eval's box_iou)
        placed: list[torch.Tensor] = []  # where the aligner puts the content's text box (brush eval's placement_box_iou)
        self._sample = None
        for batch in loader:
            x = self._inputs(batch, device)
            out, mask, moved, background = model(x["image"], x["content-b"], placement=True, with_background=True)
            out, mask = out.float(), mask.float()
            mse = (out - x["target"]).pow(2).flatten(1).mean(dim=1)
            totals["mse"] += float(mse.sum())
            totals["psnr"] += float((10 * torch.log10(1 / mse.clamp_min(1e-10))).sum())
            totals["l1"] += float((out - x["target"]).abs().flatten(1).mean(dim=1).sum())
            totals["mask_l1"] += float((mask - x["mask-b"]).abs().flatten(1).mean(dim=1).sum())
            contrasts.append(text_contrast(out, x["target"], x["background"], x["mask-b"]))
            ious.append(mask_box_iou(mask, x["mask-b"]))
            if moved is not None:
                placed.append(placement_box_iou(moved, x["content-b"], x["mask-b"]))
            count += len(mse)
            if self._sample is None:
                if collapsed(out):
                    print("warning: the generator draws a flat image for every validation pair (its sigmoid has saturated, and "
                          "it will not recover); start again with a lower --lr or a longer losses.joint_warmup", file=sys.stderr)
                shown = x["content-b"] if moved is None else warp(x["content-b"], moved)  # what the generator saw
                columns = dict(zip(SAMPLE_COLUMNS, (x["image"], shown, out, x["target"], mask)))
                if background is not None:
                    columns["background out"] = background
                self._sample = {k: v[:8].cpu() for k, v in columns.items()}
        return {**{f"val_{k}": v / max(count, 1) for k, v in totals.items()},
                "val_text_contrast": nan_mean(contrasts), "val_box_iou": nan_mean(ious), "val_placement_iou": nan_mean(placed)}

    def snapshot(self, model: Brush, folder: Path, step: int) -> None:
        """samples/step-NNNNNNN.png: style | content as placed | output | target | predicted mask, one row per pair."""
        if self._sample is not None:
            write_tensor_grid(self._sample, tuple(self._sample), Path(folder) / "samples" / f"step-{step:07d}.png")

    def tables(self) -> dict:
        return {"losses": asdict(self.config)}


def load_frozen(options: dict, loss: LossConfig) -> tuple[Frozen, dict[str, str]]:
    """The frozen networks the options name, and which losses are off and why."""
    from brush.features import load_feature_net

    off: dict[str, str] = {}
    frozen = Frozen()
    if options.get("classifier"):
        from classifier.classification import Classifier

        frozen.classifier = Classifier(options["classifier"], "cpu").model.eval().requires_grad_(False)
    elif loss.typeface:
        off["typeface"] = "no --classifier"
    if options.get("recognizer"):
        from classifier.recognizer import load_recognizer

        frozen.recognizer = load_recognizer(options["recognizer"])
    elif loss.ocr:
        off["ocr"] = "no --recognizer"
    features = options.get("features") or options.get("classifier")
    if features:
        frozen.features = load_feature_net(features)
        frozen.features.check_layers(loss.feature_layers)
    else:
        off.update({k: "no feature network (--features or --classifier)" for k in ("perceptual", "gram") if getattr(loss, k)})
    return frozen, off


def branch_fields(model_config) -> tuple[str, ...]:
    """What training reads besides FIELDS for this model: the background, for the background
    branch; each pair's font, to draw its contents in it (`content_font` "style")."""
    return (VAL_FIELDS if model_config.background else ()) + style_font_fields(model_config.content_font)


def branch_losses_off(model_config, loss: LossConfig) -> dict[str, str]:
    """The losses of model parts the model does not have, and why (the background branch's)."""
    return {} if model_config.background else {k: "no background branch (model.background false)" for k in ("background", "erase") if getattr(loss, k)}


def prepare(model_config, sources: Sources, options: dict, resuming: bool) -> Prepared:
    loss: LossConfig = options.get("losses", LossConfig())
    frozen, off = load_frozen(options, loss)
    off |= branch_losses_off(model_config, loss)
    if "content" not in sources.fields:  # pairs in MOSTEL's layout without i_s.txt
        off |= {k: "no text A in --data (i_s.txt)" for k in ("reconstruction", "cycle") if getattr(loss, k)}
    loss = replace(loss, **{k: 0.0 for k in off})
    summary = {"losses_off": off, "frozen": {k: options.get(k) for k in ("classifier", "recognizer", "features")}}
    if off:
        print("losses off: " + "; ".join(f"{k} ({why})" for k, why in off.items()))
    wrap = None
    if model_config.content_font == "style":  # each pair's contents drawn in its own font, from where --fonts says they are now
        wrap = partial(StyleFontContents, fonts=sources.data_fonts)
    return Prepared(model_config, BrushTask(loss, frozen), sources.train, summary, wrap=wrap)


LOSS_LEGACY = {  # loss settings added since runs were saved, at the value that reproduces what those runs did
    "ink": 0.0,  # the ink loss came off by default (weight 0) before it was measured
    "placement_teacher": 0.0,  # the aligner's placement was always used before teacher forcing
    "erase": 0.0,  # the background branch's loss was one L1 before the old text's area got its own term
    "joint_warmup": 0,  # the joint objective started at the full learning rate
}
SPEC = TrainerSpec(kind=KIND, model="brush", presets=PRESETS, fields=FIELDS, val_fields=VAL_FIELDS, model_fields=branch_fields,
                   optional_fields=TEXT_A_FIELDS, prepare=prepare, data_fonts=lambda c: c.content_font == "style",
                   sections={"losses": LossConfig}, legacy={"losses": LOSS_LEGACY})


def train_brush(request: TrainRequest, on_step=None) -> RunResult:
    import brush.model  # noqa: F401  (registers "brush")

    return start_run(SPEC, request, on_step)
