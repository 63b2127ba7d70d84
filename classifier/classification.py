"""The typeface classifier's side of training and inference: presets, the task plugged into
the shared trainer, `train_classifier`, and `Classifier` (a checkpoint loaded for `classify`).

Settings come in layers: the preset's, then `--config FILE` ({"model": {...}, "train": {...},
"data": {...}}, unknown keys refused), then the command line's options."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from classifier.data import DataConfig, open_sources
from classifier.evaluate import topk_accuracy
from classifier.registry import config_from_dict, create_model, entry
from classifier.training import RunFolder, RunResult, TrainConfig, load_checkpoint, model_from_checkpoint, pick_device, seed_everything, train
from fontsynth.errors import UserError

MODEL = "vgg16"
KIND = "typeface-classifier"

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
    "small": {  # a CPU-sized VGG (58 MFLOP per 32x128 image); the VGG16 layout, narrower and shallower
        "model": {"widths": (16, 32, 64, 128, 128), "depths": (1, 1, 1, 2, 2), "hidden": 256, "dropout": 0.2, "batch_norm": True,
                  "height": 32, "width": 128},
        "train": {"steps": 3000, "batch_size": 64, "lr": 2e-3, "warmup_steps": 100, "val_every": 250, "checkpoint_every": 250},
    },
    "vgg16": {
        "model": {"batch_norm": True},
        "train": {"steps": 30000, "batch_size": 128, "lr": 1e-3, "warmup_steps": 500, "val_every": 1000, "checkpoint_every": 1000},
    },
}


def preset(name: str) -> dict[str, dict]:
    if name not in PRESETS:
        raise UserError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]


def read_config_file(path: str | Path | None, sections: tuple[str, ...] = ("model", "train", "data")) -> dict[str, dict]:
    """--config FILE: {"model": {...}, "train": {...}, "data": {...}}; anything else refused."""
    if path is None:
        return {}
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read --config {path} ({e}); pass a JSON file like {{\"train\": {{\"lr\": 0.001}}}}") from None
    if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
        raise UserError(f"--config {path} must be a JSON object of sections ({', '.join(sections)}), each an object of settings")
    unknown = sorted(set(values) - set(sections))
    if unknown:
        raise UserError(f"--config {path}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sections)}")
    return values


def layered(config_type, *layers: tuple[dict, str]):
    """config_type's defaults with each (values, source) layer applied in order."""
    config = config_type()
    for values, source in layers:
        config = config_from_dict(config_type, values, base=config, source=source)
    return config


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


@dataclass(frozen=True)
class TrainRequest:
    """What `fontsynth train-classifier` asks for (None: not given on the command line)."""

    out: Path
    preset: str = "vgg16"
    data: dict | None = None  # DataConfig fields given on the command line
    train: dict | None = None  # TrainConfig fields given on the command line
    config_file: Path | None = None
    resume: bool = False
    init: Path | None = None  # a local torchvision VGG16 state_dict


RESUMABLE = ("steps", "max_minutes", "workers", "device", "progress")  # what a --resume may change


def train_classifier(request: TrainRequest, on_step=None) -> RunResult:
    run = RunFolder(request.out)
    given_train = dict(request.train or {})
    if request.resume:
        saved = run.read_config()
        if saved.get("kind") != KIND:
            raise UserError(f"{run.path} is not a typeface-classifier run; resume it with its own command")
        changed = sorted(k for k in given_train if k not in RESUMABLE and given_train[k] != saved["train"].get(k))
        if changed or request.data or request.config_file or request.init:
            raise UserError(f"--resume continues {run.path} with its saved settings; only {', '.join(RESUMABLE)} may change "
                            f"(got {', '.join(changed) or 'data, --config or --init options'})")
        model_config = config_from_dict(entry(MODEL).config_type, saved["model_config"], source="saved model config")
        data_config = config_from_dict(DataConfig, saved["data"], source="saved data config")
        train_config = config_from_dict(TrainConfig, {**saved["train"], **given_train}, source="resumed train config")
        run_config = {k: v for k, v in saved.items() if k != "train"}
    else:
        if (run.path / "last.pt").exists():
            raise UserError(f"{run.path} already holds a run; continue it with --resume or choose another --out")
        p = preset(request.preset)
        file = read_config_file(request.config_file)
        src = str(request.config_file)
        data_config = layered(DataConfig, (p.get("data", {}), f"preset {request.preset}"), (file.get("data", {}), f"--config {src}: data"),
                              (request.data or {}, "option"))
        train_config = layered(TrainConfig, (p["train"], f"preset {request.preset}"), (file.get("train", {}), f"--config {src}: train"),
                               (given_train, "option"))
        model_config = layered(entry(MODEL).config_type, (p["model"], f"preset {request.preset}"), (file.get("model", {}), f"--config {src}: model"))
        run_config = None
    canvas = (model_config.height, model_config.width)
    sources = open_sources(data_config, ("image", "font"), canvas, model_config.in_channels)
    if len(sources.classes) < 2:
        raise UserError(f"the training data holds {len(sources.classes)} font(s); a classifier needs at least 2 (render with more fonts)")
    model_config = replace(model_config, num_classes=len(sources.classes))
    if run_config is None:
        run_config = {"kind": KIND, "model": MODEL, "preset": request.preset, "model_config": asdict(model_config),
                      "data": asdict(data_config), "classes": len(sources.classes)}
    seed_everything(train_config.seed)
    model = create_model(MODEL, **asdict(model_config))
    if request.init is not None:
        report = init_from_torchvision(model, request.init)
        print(f"--init {request.init}: {len(report['loaded'])} tensors loaded, {len(report['skipped'])} skipped "
              f"({'; '.join(report['skipped'][:4])}{' ...' if len(report['skipped']) > 4 else ''})")
    task = ClassifierTask(sources.classes, sources.font_names)
    return train(model, task, sources.train, sources.val, train_config, run, run_config, resume=request.resume,
                 shuffle=sources.shuffle, on_step=on_step)


def init_from_torchvision(model, path: Path) -> dict:
    from classifier.typeface import load_torchvision_weights

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(f"--init {path} does not exist; pass a local torchvision VGG16 state_dict (.pth)") from None
    except Exception as e:
        raise UserError(f"--init {path} is not a readable state_dict ({type(e).__name__}); pass torchvision's vgg16 .pth") from None
    if not isinstance(state, dict) or not any(k.startswith("features.") for k in state):
        raise UserError(f"--init {path} is not a torchvision VGG state_dict (no features.* keys)")
    report = load_torchvision_weights(model, state)
    if not report["loaded"]:
        raise UserError(f"--init {path}: no tensor fits this model (widths/depths differ from VGG16's)")
    return report


class Classifier:
    """A trained typeface classifier loaded from a run folder or checkpoint, for inference."""

    def __init__(self, path: str | Path, device: str = "auto"):
        payload = load_checkpoint(path)
        if "classes" not in payload.get("tables", {}):
            raise UserError(f"{path} is not a typeface-classifier checkpoint (it has no class table)")
        self.device = pick_device(device)
        self.model = model_from_checkpoint(payload).to(self.device)
        self.classes: list[str] = payload["tables"]["classes"]
        self.font_names: dict[str, dict[str, str]] = payload["tables"].get("font_names", {})
        c = self.model.config
        self.canvas, self.channels = (c.height, c.width), c.in_channels

    def prepare(self, image: np.ndarray) -> torch.Tensor:
        from fontsynth.torchdata import image_tensor

        return image_tensor(image, self.canvas, self.channels)

    @torch.no_grad()
    def top(self, images: list[np.ndarray], k: int = 5) -> list[list[dict]]:
        """For each image, the k most likely fonts: {font, family, style, score}."""
        batch = torch.stack([self.prepare(im) for im in images]).to(self.device)
        probs = self.model(batch).float().softmax(dim=1).cpu()
        scores, ids = probs.topk(min(k, probs.shape[1]), dim=1)
        out = []
        for row_s, row_i in zip(scores.tolist(), ids.tolist()):
            out.append([{"font": self.classes[i], "family": self.font_names.get(self.classes[i], {}).get("family", ""),
                         "style": self.font_names.get(self.classes[i], {}).get("style", ""), "score": round(s, 6)} for s, i in zip(row_s, row_i)])
        return out
