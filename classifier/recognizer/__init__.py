"""The TRBA text recognizer (DTRB's four stages) and its public API for brush:

    from classifier.recognizer import load_recognizer, ocr_loss
    model = load_recognizer("runs/trba")            # eval mode, batch norm frozen, no parameter gradients
    loss = ocr_loss(model, images, ["hello", ...])  # differentiable w.r.t. images
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

from classifier.inference import LoadedModel
from classifier.recognizer.labels import usable_labels
from classifier.recognizer.widths import evaluation_canvas, predict_at_widths, reading_canvas


class Reader(LoadedModel):
    """A trained recognizer, for inference on any images (`recognize`, `eval-recognizer`, brush's
    judge). A model that reads any width (no TPS) reads an image wider than the canvas at the
    widths `widths` names and keeps the most confident reading; `fixed_width` fits every image
    into the training canvas instead."""

    kind, table = "recognizer", "charset"

    def __init__(self, path: str | Path, device: str = "auto", fixed_width: bool = False):
        super().__init__(path, device)
        self.at_widths = self.model.reads_any_width and not fixed_width
        self.canvas = evaluation_canvas(self.model.config) if self.at_widths else reading_canvas(self.model.config, False)

    def read(self, images: list[np.ndarray]) -> tuple[list[str], list[float]]:
        texts, confidences = [], []
        for batch in self.batches(images):
            t, c, _ = predict_at_widths(self.model, batch)
            texts += t
            confidences += c
        return texts, confidences


def load_recognizer(path: str | Path, device: str = "cpu") -> nn.Module:
    """The recognizer of a run folder or checkpoint, frozen: eval mode (batch-norm statistics
    fixed) and requires_grad False on every parameter, for use inside another model's loss."""
    model = Reader(path, device).model
    model.eval()
    model.requires_grad_(False)
    return model


def ocr_loss(model: nn.Module, images: torch.Tensor, texts: list[str]) -> torch.Tensor:
    """Cross-entropy of `texts` given `images` (teacher forcing; CTC loss for CTC models): a
    differentiable scalar whose gradient reaches `images`. `images` are N x C x H x W in [0, 1]
    at the recognizer's canvas (resize them to model.config.height x width first)."""
    from classifier.recognizer.task import sequence_loss

    keep, reasons = usable_labels(list(texts), model.config)
    if len(keep) < len(texts):
        first = min(set(range(len(texts))) - set(keep))
        why = usable_labels([texts[first]], model.config)[1]
        raise ValueError(f"text {texts[first]!r} cannot be scored by this recognizer: {', '.join(why)}")
    return sequence_loss(model, images, list(texts))


__all__ = ["Reader", "load_recognizer", "ocr_loss"]
