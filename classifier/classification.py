"""The typeface classifier's side of training and inference: presets, the task plugged into
the shared trainer (`classifier.runs`), `train_classifier`, and `Classifier` (a checkpoint
loaded for `classify`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from classifier.data import Sources
from classifier.evaluate import topk_accuracy
from classifier.runs import Prepared, TrainerSpec, TrainRequest, start_run
from classifier.inference import LoadedModel
from classifier.training import RunResult
from classifier.typeface import crops
from fontsynth.errors import UserError

MODEL = "vgg16"
KIND = "typeface-classifier"


@dataclass(frozen=True)
class ClassifierLosses:
    """The `losses` section of `--config`: how the cross-entropy is taken."""

    label_smoothing: float = 0.0  # share of each target spread evenly over all classes (PyTorch's cross_entropy label_smoothing)

    def __post_init__(self):
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing}")


# Each preset: model, train (and data) overrides. `smoke` proves the plumbing in seconds; `small`
# trains on a 2-core CPU in minutes (32x128: any canvas works, the pooling before the classifier is
# adaptive); `vgg16` is the full model at brush's 64x256 canvas (with batch norm: from-scratch VGG16
# without it trains slowly and unstably on word images).
PRESETS: dict[str, dict[str, dict]] = {
    "smoke": {
        "model": {"widths": (8, 16, 32, 32, 32), "depths": (1, 1, 1, 1, 1), "hidden": 64, "dropout": 0.0, "batch_norm": True,
                  "height": 32, "width": 128},
        "train": {"steps": 60, "batch_size": 16, "lr": 2e-3, "warmup_steps": 5, "val_every": 30, "checkpoint_every": 30, "log_every": 10},
        "data": {"val_samples": 256},
    },
    "small": {  # a CPU-sized VGG (58 MFLOP per 32x128 image); the VGG16 layout, narrower and shallower. Per-image
        # polarity norm: 29.1% top-1 on default renders against 13.3% with ImageNet's after 10 one-thread minutes. No dropout
        # and no weight decay: it underfits the effects (45 minutes still gain), and four-minute probes read 26.0% without
        # them against 19.6% with dropout 0.2 and decay 0.05. Label smoothing 0.2: 68.8% and 67.5% top-1 after ten minutes
        # against 66.3% without, the same day. The Gram head on relu3_1 (64 channels): 62.3% top-1 after four one-thread
        # minutes against 44.2% without. With it the word's layout needs less: one convolution per block, late widths 96,
        # batch 128 at lr 3e-3 read 80.8% after ten minutes against 76.2% for (16, 32, 64, 128, 128), depths (1, 1, 1, 2, 2),
        # batch 64 at 2e-3; batch 256 at lr 4e-3 then 82.9% (batch 512 at 6e-3: 82.0%; 256 at 6e-3: 78.9%). Muon for the
        # hidden layers (classifier.muon) at batch 128, lr 6e-3: 84.9% after ten minutes against 79.0% for AdamW at batch 256,
        # lr 4e-3, the same hour on a slower machine (batch 256 at 8e-3: 84.2%). Pooling before the norms: the step 1.5 times
        # as fast (batch norm and ReLU were half of it), 6,257 steps and 87.4% after ten minutes against 4,465 and 85.5%,
        # the same hour. With it and Muon's Gram form the optimizer's share of a step grew, so batch 256 at lr 8e-3 again:
        # 88.6% against 87.7% for 128 at 6e-3. A linear decay instead of the cosine: 80.8% against 79.5% of 10,000 held-out
        # renders after 1,000 steps, the same compute. Muon's AdamW part (input layer, head, biases, norms) at an eighth of
        # the rate, 1e-3: 82.4% against 80.8% after 1,000 steps; after ten minutes 89.1% against 88.7%. Words wider than the
        # canvas read in windows (on renders at their natural width, render's default): 85.0% against 82.6% squeezed after
        # 1,000 steps; after ten minutes 90.8% against 89.75% of 10,000 renders, 90.7% against 87.7% of plain-Pillow words
        # (BENCHMARKS.md)
        "model": {"widths": (16, 32, 64, 96, 96), "depths": (1, 1, 1, 1, 1), "hidden": 256, "dropout": 0.0, "batch_norm": True,
                  "height": 32, "width": 128, "input_norm": "polarity", "gram_layers": ("relu3_1",), "gram_channels": 64,
                  "pool_before_norm": True, "wide": "crop"},
        "train": {"steps": 1500, "batch_size": 256, "lr": 8e-3, "optimizer": "muon", "warmup_steps": 100, "val_every": 500,
                  "checkpoint_every": 500, "weight_decay": 0.0, "schedule": "linear", "muon_adamw_lr": 0.125},
        "losses": {"label_smoothing": 0.2},
    },
    "vgg16": {
        "model": {"batch_norm": True},
        "train": {"steps": 30000, "batch_size": 128, "lr": 1e-3, "warmup_steps": 500, "val_every": 1000, "checkpoint_every": 1000},
    },
}


class ClassifierTask:
    """Cross-entropy on the font's class id; validation loss, top-1, top-5."""

    score = "val_top1"
    metric_names = ("val_loss", "val_top1", "val_top5")

    def __init__(self, classes: list[str], font_names: dict[str, dict[str, str]], label_smoothing: float = 0.0):
        self.classes = classes
        self.class_of = {font: k for k, font in enumerate(classes)}
        self.font_names = {f: font_names.get(f, {}) for f in classes}
        self.label_smoothing = label_smoothing

    def targets(self, fonts: list[str], device: torch.device) -> torch.Tensor:
        return torch.tensor([self.class_of.get(f, -1) for f in fonts], device=device)

    def loss(self, model: nn.Module, batch: dict, device: torch.device) -> tuple[torch.Tensor, int]:
        images = batch["image"].to(device, non_blocking=True)
        targets = self.targets(batch["font"], device)
        logits = model(images)
        return F.cross_entropy(logits.float(), targets, ignore_index=-1, label_smoothing=self.label_smoothing), len(targets)

    def validate(self, model: nn.Module, loader: DataLoader, device: torch.device) -> dict[str, float]:
        logits, targets = [], []
        for batch in loader:
            logits.append(model(batch["image"].to(device, non_blocking=True)).float().cpu())
            targets.append(self.targets(batch["font"], torch.device("cpu")))
        logits, targets = torch.cat(logits), torch.cat(targets)
        known = targets >= 0
        loss = F.cross_entropy(logits[known], targets[known]).item() if known.any() else float("nan")
        acc = topk_accuracy(logits, targets, (1, 5))
        return {"val_loss": loss, "val_top1": acc[1], "val_top5": acc[5]}

    def tables(self) -> dict:
        return {"classes": self.classes, "font_names": self.font_names}


def prepare(model_config, sources: Sources, options: dict, resuming: bool) -> Prepared:
    """Fit the classifier to the data's class table; `options["init"]` loads the weights of a
    typeface run or torchvision's VGG16."""
    if len(sources.classes) < 2:
        raise UserError(f"the training data holds {len(sources.classes)} font(s); a classifier needs at least 2 (render with more fonts)")
    model_config = replace(model_config, num_classes=len(sources.classes))
    init = options.get("init")

    def load_init(model) -> None:
        report = init_weights(model, Path(init), sources.classes)
        print(f"--init {init}: {len(report['loaded'])} tensors loaded, {len(report['skipped'])} skipped "
              f"({'; '.join(report['skipped'][:4])}{' ...' if len(report['skipped']) > 4 else ''})")

    task = ClassifierTask(sources.classes, sources.font_names, options.get("losses", ClassifierLosses()).label_smoothing)
    return Prepared(model_config, task, sources.train, {"classes": len(sources.classes)},
                    after_build=load_init if init else None)


def canvas(config) -> tuple[tuple[int, int], str | None]:
    """The canvas, and on the fly the render's size: each word at its natural width where wide
    words are read in windows (drawn onto the canvas itself, a long word would shrink to fit it)."""
    return (config.height, config.width), str(config.height) if config.wide == "crop" else None


SPEC = TrainerSpec(kind=KIND, model=MODEL, presets=PRESETS, fields=("image", "font"), prepare=prepare, sections={"losses": ClassifierLosses},
                   canvas=canvas, crop=crops)


def train_classifier(request: TrainRequest, on_step=None) -> RunResult:
    return start_run(SPEC, request, on_step)


def init_weights(model, path: Path, classes: list[str]) -> dict:
    """--init: the weights of a typeface run of ours (its folder or a .pt; fine-tuning, also on
    other fonts: rows of fonts in both class tables are kept) or a torchvision VGG16 state_dict."""
    from classifier.training import checked_version, is_checkpoint, load_checkpoint
    from classifier.typeface import load_run_weights, load_torchvision_weights

    hint = "pass a typeface run folder, or a local torchvision VGG16 state_dict (.pth)"
    if path.is_dir():
        state = load_checkpoint(path)
    else:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except FileNotFoundError:
            raise UserError(f"--init {path} does not exist; {hint}") from None
        except Exception as e:
            raise UserError(f"--init {path} is not a readable state_dict or checkpoint ({type(e).__name__}); {hint}") from None
    if is_checkpoint(state):
        state = checked_version(state, path)
        if state.get("model") != MODEL or "classes" not in state.get("tables", {}):
            raise UserError(f"--init {path} is a {state.get('model')} checkpoint, not a typeface classifier's; {hint}")
        saved_norm = state["model_config"].get("input_norm", "imagenet")
        if saved_norm != model.config.input_norm:
            raise UserError(f"--init {path} was trained with input_norm {saved_norm!r}, this run uses {model.config.input_norm!r}; "
                            f"pass --config FILE holding {{\"model\": {{\"input_norm\": \"{saved_norm}\"}}}}")
        report = load_run_weights(model, state["state_dict"], state["tables"]["classes"], classes)
    elif isinstance(state, dict) and any(k.startswith("features.") for k in state):
        report = load_torchvision_weights(model, state)
    else:
        raise UserError(f"--init {path} is neither a fontsynth checkpoint nor a torchvision VGG state_dict (no features.* keys); {hint}")
    if not report["loaded"]:
        raise UserError(f"--init {path}: no tensor fits this model (its widths/depths differ from the file's)")
    return report


class Classifier(LoadedModel):
    """A trained typeface classifier, for inference."""

    kind, table = "typeface-classifier", "classes"

    def __init__(self, path: str | Path, device: str = "auto"):
        super().__init__(path, device)
        self.classes: list[str] = self.tables["classes"]
        self.font_names: dict[str, dict[str, str]] = self.tables.get("font_names", {})
        self.crop = crops(self.model.config).val  # how evaluation reads wide words: both ends' windows, or squeezed

    def prepare(self, image: np.ndarray) -> torch.Tensor:
        from fontsynth.torchdata import cropped_tensor

        return cropped_tensor(image, self.canvas, self.channels, self.crop, 0)

    @torch.no_grad()
    def embed(self, images: list[np.ndarray]) -> torch.Tensor:
        """N x D penultimate features of the images (the typeface loss's embedding), float32 on the CPU."""
        return torch.cat([self.model.embed(batch).float().cpu() for batch in self.batches(images)])

    @torch.no_grad()
    def top(self, images: list[np.ndarray], k: int = 5) -> list[list[dict]]:
        """For each image, the k most likely fonts: {font, family, style, score}."""
        probs = torch.cat([self.model(batch).float().softmax(dim=1).cpu() for batch in self.batches(images)])
        scores, ids = probs.topk(min(k, probs.shape[1]), dim=1)
        out = []
        for row_s, row_i in zip(scores.tolist(), ids.tolist()):
            names = [self.font_names.get(self.classes[i], {}) for i in row_i]
            out.append([{"font": self.classes[i], "family": n.get("family", ""), "style": n.get("style", ""), "score": round(s, 6)}
                        for s, i, n in zip(row_s, row_i, names)])
        return out


def _spelling(name: str) -> str:
    return " ".join(name.lower().split())


def font_ids_by_name(names: Iterable[str], font_names: dict[str, dict[str, str]]) -> dict[str, str]:
    """The catalog font id each of `names` means (how a labels file may name the font of an
    image): the id itself; else its family and style as `classify` prints them ("Cabin Bold"),
    or its family alone where the table holds one font of that family; case and spacing
    ignored. Names that match nothing are left out (they count as fonts outside the table)."""
    by_full, by_family = {}, {}
    for font, n in font_names.items():
        family = _spelling(n.get("family", ""))
        by_full[_spelling(f"{family} {n.get('style', '')}")] = font
        by_family.setdefault(family, []).append(font)
    out = {}
    for name in set(names):
        key = _spelling(name)
        match = name if name in font_names else by_full.get(key) or (by_family[key][0] if len(by_family.get(key, ())) == 1 else None)
        if match:
            out[name] = match
    return out
