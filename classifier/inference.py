"""A trained model loaded from a run folder (or checkpoint) for inference, with the training
data's own preparation (`fontsynth.torchdata.image_tensor` -> `fit_to_canvas`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from classifier.training import load_checkpoint, model_from_checkpoint, pick_device, scored_weights
from fontsynth.errors import UserError


class LoadedModel:
    kind = "model"
    table = ""  # the checkpoint table this kind of model needs

    def __init__(self, path: str | Path, device: str = "auto"):
        payload = load_checkpoint(path)
        self.weights = scored_weights(path, payload)  # which weights an evaluation scores
        if self.table and self.table not in payload.get("tables", {}):
            raise UserError(f"{path} is not a {self.kind} checkpoint (it has no {self.table})")
        self.device = pick_device(device)
        self.model = model_from_checkpoint(payload, path).to(self.device)
        self.tables: dict = payload.get("tables", {})
        self.run: dict = payload.get("run", {})  # the run's record: preset, data, options
        c = self.model.config
        self.canvas, self.channels = (c.height, c.width), c.in_channels

    def prepare(self, image: np.ndarray) -> torch.Tensor:
        from fontsynth.torchdata import image_tensor

        return image_tensor(image, self.canvas, self.channels)

    def batches(self, images: list[np.ndarray], size: int = 64):
        """The images prepared, in device batches of at most `size` (memory stays flat for many images)."""
        for start in range(0, len(images), size):
            yield torch.stack([self.prepare(im) for im in images[start:start + size]]).to(self.device)
