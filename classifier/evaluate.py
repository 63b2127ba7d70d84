"""Classifier metrics as pure functions, and the evaluation report of `eval-classifier`.

- `topk_accuracy(logits, targets, ks)`: share of items whose target is among the k best
  (targets < 0, fonts the model was not trained on, are left out).
- `nearest_neighbour_accuracy(embeddings, labels)`: leave-one-out 1-NN by cosine similarity,
  over the items whose label occurs at least twice: does the embedding put two words of the same
  font together, also for fonts held out from training?
- `per_class_accuracy`, `confused_pairs`: where the errors are; `classifier.slices` says
  which render effects they come with.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch.utils.data import Dataset

from fontsynth.errors import UserError

NN_PROGRESS_FROM = 20_000  # items: below this the nearest-neighbour search takes seconds


def topk_accuracy(logits: torch.Tensor, targets: torch.Tensor, ks: tuple[int, ...] = (1, 5)) -> dict[int, float]:
    """{k: accuracy}; k larger than the number of classes counts every known item as correct."""
    known = targets >= 0
    if not known.any():
        return {k: float("nan") for k in ks}
    logits, targets = logits[known], targets[known]
    order = logits.topk(min(max(ks), logits.shape[1]), dim=1).indices
    hits = order == targets[:, None]
    return {k: float(hits[:, :k].any(dim=1).float().mean()) for k in ks}


def nearest_neighbour_accuracy(embeddings: torch.Tensor, labels: list[str] | torch.Tensor,
                               advance: Callable[..., None] | None = None) -> tuple[float, int]:
    """(accuracy, items counted): each item's nearest other item (cosine) has its label? Exact,
    so O(N^2): `advance(k, total=...)` (a progress bar's) is told of each block of items done."""
    labels = list(labels.tolist() if isinstance(labels, torch.Tensor) else labels)
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= 2]
    if not keep:
        return float("nan"), 0
    x = torch.nn.functional.normalize(embeddings.float(), dim=1)
    correct = 0
    for start in range(0, len(keep), 1024):  # blocks: memory stays n x 1024
        rows = keep[start:start + 1024]
        sim = x[rows] @ x.T
        sim[torch.arange(len(rows)), torch.tensor(rows)] = -float("inf")
        nearest = sim.argmax(dim=1).tolist()
        correct += sum(labels[j] == labels[i] for i, j in zip(rows, nearest))
        if advance is not None:
            advance(len(rows), total=len(keep))
    return correct / len(keep), len(keep)


def per_class_accuracy(predictions: torch.Tensor, targets: torch.Tensor, num_classes: int) -> tuple[list[int], list[int]]:
    """(items, correct) per class id."""
    known = targets >= 0
    items = torch.bincount(targets[known], minlength=num_classes)
    correct = torch.bincount(targets[known & (predictions == targets)], minlength=num_classes)
    return items.tolist(), correct.tolist()


def confused_pairs(predictions: torch.Tensor, targets: torch.Tensor, top: int = 10) -> list[tuple[int, int, int]]:
    """The most frequent (true class, predicted class, count) mistakes."""
    wrong = (targets >= 0) & (predictions != targets)
    pairs = Counter(zip(targets[wrong].tolist(), predictions[wrong].tolist()))
    return [(t, p, n) for (t, p), n in pairs.most_common(top)]


@dataclass
class Collected:
    logits: torch.Tensor
    embeddings: torch.Tensor
    fonts: list[str]
    examples: dict[str, torch.Tensor] = field(default_factory=dict)  # one image per font
    records: list[str] = field(default_factory=list)  # each item's meta record, when the dataset stores it
    unreadable: int = 0  # images of another tool's dataset that did not decode, left out


def collect(model, dataset: Dataset, batch_size: int, device: torch.device, workers: int = 0, limit: int | None = None,
            progress: bool = False) -> Collected:
    """Logits and embeddings of every item (or the first `limit`) of `dataset` (fields image,
    font; meta too when it has it); with `progress`, a progress bar on stderr. Items whose image
    did not decode (font `external.UNREADABLE`) are left out and counted."""
    from classifier.data import first_items
    from fontsynth.external import UNREADABLE

    loader, _ = first_items(dataset, batch_size, workers, limit, "evaluating", progress)
    logits, embeddings, fonts, examples, records = [], [], [], {}, []
    unreadable = 0
    model.eval().to(device)
    with torch.no_grad():
        for batch in loader:
            keep = [k for k, font in enumerate(batch["font"]) if font != UNREADABLE]
            unreadable += len(batch["font"]) - len(keep)
            if len(keep) < len(batch["font"]):
                batch = {k: ([v[i] for i in keep] if isinstance(v, list) else v[keep]) for k, v in batch.items()}
                if not keep:
                    continue
            images = batch["image"].to(device)
            feats = model.embed(images)
            logits.append(model.head(feats).float().cpu())
            embeddings.append(feats.float().cpu())
            for image, font in zip(batch["image"], batch["font"]):
                examples.setdefault(font, image if image.ndim == 3 else image[0])  # a wide word's windows: its left end
            fonts += list(batch["font"])
            records += list(batch.get("meta", []))
    if not logits:
        raise UserError("the evaluation data is empty")
    return Collected(torch.cat(logits), torch.cat(embeddings), fonts, examples, records, unreadable)


def classification_report(collected: Collected, classes: list[str], font_names: dict[str, dict[str, str]], out: Path | None,
                          extra: dict | None = None, progress: bool = False) -> dict:
    """top1/top5/n/classes, nearest-neighbour accuracy, top-1 by render slice (`by_effect`, when
    the items have meta records), and `extra` (the weights scored, the data); with `out`,
    per_class.csv, confusions.png, effects.csv, effects.png and eval.json written there. Data of
    fonts none of which the classifier knows (held-out fonts: what nn_accuracy is for) has top1
    and top5 None and no slices; nn_accuracy is None where no font has two images. With
    `progress`, the nearest-neighbour search (quadratic: minutes for 100,000 items) shows a bar
    once it is large enough to take a while."""
    from classifier.slices import accuracy_by_slice, write_slices
    from fontsynth.progress import progress_bar

    class_of = {font: k for k, font in enumerate(classes)}
    targets = torch.tensor([class_of.get(f, -1) for f in collected.fonts])
    predictions = collected.logits.argmax(dim=1)
    acc = topk_accuracy(collected.logits, targets, (1, 5))
    with progress_bar("nearest neighbours", len(collected.fonts), "img", enabled=progress and len(collected.fonts) > NN_PROGRESS_FROM) as advance:
        nn_acc, nn_n = nearest_neighbour_accuracy(collected.embeddings, collected.fonts, advance)
    known = int((targets >= 0).sum())
    report = {
        "top1": acc[1] if known else None, "top5": acc[5] if known else None, "n": known, "classes": len(classes),
        "unseen_fonts": len({f for f in collected.fonts if f not in class_of}), "unseen_items": len(collected.fonts) - known,
        "unreadable": collected.unreadable,
        "nn_accuracy": nn_acc if nn_n else None, "nn_n": nn_n, "fonts": len(set(collected.fonts)), **(extra or {}),
    }
    pairs = confused_pairs(predictions, targets, top=12)
    report["confused"] = [{"true": classes[t], "predicted": classes[p], "count": n} for t, p, n in pairs]
    if collected.records and known:
        known_items = (targets >= 0).tolist()
        records = [r for r, k in zip(collected.records, known_items) if k]
        report["by_effect"] = accuracy_by_slice(records, (predictions == targets)[targets >= 0].tolist())
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        items, correct = per_class_accuracy(predictions, targets, len(classes))
        with open(out / "per_class.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["class_id", "font", "family", "style", "items", "correct", "accuracy"])
            for k, font in enumerate(classes):
                names = font_names.get(font, {})
                writer.writerow([k, font, names.get("family", ""), names.get("style", ""), items[k], correct[k],
                                 f"{correct[k] / items[k]:.4f}" if items[k] else ""])
        write_confusions(pairs, classes, collected.examples, font_names, out / "confusions.png")
        if "by_effect" in report:
            write_slices(report["by_effect"], acc[1], out, "top-1", column="top1")
        (out / "eval.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def write_confusions(pairs, classes, examples, font_names, path: Path) -> None:
    """The most confused font pairs, specimens side by side: true font | predicted font."""
    from PIL import Image, ImageDraw

    from classifier.plots import captioned, grid, tensor_to_image

    def name(font: str) -> str:
        n = font_names.get(font, {})
        return f"{n.get('family', font)} {n.get('style', '')}".strip()

    tiles = []
    for t, p, count in pairs:
        true, pred = classes[t], classes[p]
        if true not in examples:
            continue
        left = captioned(tensor_to_image(examples[true]), f"{name(true)} (x{count})")
        right = captioned(tensor_to_image(examples[pred]), f"-> {name(pred)}") if pred in examples else Image.new("RGB", left.size, "#dddddd")
        tiles.append(grid([left, right], columns=2))
    if not tiles:
        tile = Image.new("RGB", (400, 40), "white")
        ImageDraw.Draw(tile).text((8, 12), "no confusions", fill="black")
        tiles = [tile]
    grid(tiles, columns=1).save(path)
