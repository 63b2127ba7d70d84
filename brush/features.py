"""The frozen feature network of the perceptual, Gram and MRF losses (brush and `brush stylize`).

`load_feature_net(source)` takes:
- a typeface run folder or checkpoint (`fontsynth train-classifier`): our VGG16, the default;
- a local torchvision VGG16 / VGG16-BN / VGG19 / VGG19-BN state_dict (.pth): nothing is
  downloaded, the file is the user's;
- "random": a randomly initialised VGG16 (seeded), a known weaker texture baseline that works
  before any training.

`FeatureNet(images, layers)` returns {layer name: activation} for images N x C x H x W in
[0, 1] of any size and 1 or 3 channels. The network normalises its input itself (mean and
std). A grey network reads colour images one channel at a time (the channels become features
of their own), so colour statistics still reach Gram and MRF losses.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from fontsynth.errors import UserError

RANDOM = "random"


class FeatureNet(nn.Module):
    """A frozen VGG with named layers (eval mode, no parameter gradients)."""

    def __init__(self, vgg: nn.Module, source: str):
        super().__init__()
        self.vgg = vgg.eval().requires_grad_(False)
        self.source = source

    @property
    def layer_names(self) -> list[str]:
        return self.vgg.layer_names

    @property
    def in_channels(self) -> int:
        return self.vgg.config.in_channels

    @property
    def per_image_norm(self) -> bool:
        """Whether each image is normalised by itself (a typeface run's `input_norm` image or
        polarity): then its features do not see brightness, contrast or polarity unless a
        `reference` lends its normalisation."""
        return self.vgg.config.input_norm != "imagenet"

    def check_layers(self, layers) -> None:
        unknown = [name for name in layers if name not in self.layer_names]
        if unknown:
            raise UserError(f"unknown layer(s) {', '.join(unknown)} for the feature network {self.source}; "
                            f"valid: {', '.join(self.layer_names)}")

    def min_side(self, layers) -> int:
        """The fewest pixels an image's side needs for `layers` to have at least one cell: a layer
        of block B follows B - 1 poolings of 2 (poolB one more), after the stem's stride."""
        from classifier.typeface import layer_roles

        roles = {role.name: role for role in layer_roles(self.vgg.config.depths, batch_norm=False)}
        return self.vgg.config.stem_stride * max(2 ** (roles[name].block - (roles[name].kind != "pool")) for name in layers)

    def train(self, mode: bool = True):  # always frozen: batch-norm statistics never move
        return super().train(False)

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        """The network's own input normalisation (what `intensity_loss` reads)."""
        return (self._channels(images) - self.vgg.mean) / self.vgg.std

    def _channels(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[1] == self.in_channels:
            return images
        if images.shape[1] == 1:
            return images.expand(-1, 3, -1, -1)
        return images.reshape(-1, 1, *images.shape[-2:])  # grey net, colour image: channels as images

    def forward(self, images: torch.Tensor, layers, reference: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Features of `images`; with `reference` (say, the target an output is compared with), a
        network with a per-image input norm maps both through the reference's normalisation, so
        the features see a wrong brightness, contrast or polarity (VGG16.features)."""
        assert images.ndim == 4 and images.shape[1] in (1, 3), f"expected N x 1|3 x H x W images, got {tuple(images.shape)}"
        n = images.shape[0]
        feats = self.vgg.features(self._channels(images), list(layers), None if reference is None else self._channels(reference))
        return {k: v.reshape(n, -1, *v.shape[-2:]) for k, v in feats.items()}


def load_feature_net(source: str | Path, seed: int = 0) -> FeatureNet:
    """See the module docstring; errors name the source and what to pass instead."""
    from classifier.typeface import VGG16, VGGConfig

    if str(source) == RANDOM:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            vgg = VGG16(VGGConfig(num_classes=1, in_channels=3, hidden=16))
        return FeatureNet(vgg, RANDOM)
    path = Path(source)
    if not path.exists():
        raise UserError(f"feature network {path} does not exist; pass a typeface run folder (fontsynth train-classifier), "
                        "a local torchvision VGG16/VGG19 .pth, or `random`")
    if path.is_dir() or _is_fontsynth_checkpoint(path):
        from classifier.training import load_checkpoint, model_from_checkpoint

        payload = load_checkpoint(path)
        if payload.get("model") != "vgg16":
            raise UserError(f"{path} holds a {payload.get('model')!r} model, not the typeface VGG16; pass a train-classifier run")
        return FeatureNet(model_from_checkpoint(payload, path), str(path))
    return FeatureNet(torchvision_vgg(path), str(path))


def _is_fontsynth_checkpoint(path: Path) -> bool:
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:
        return False
    return isinstance(payload, dict) and payload.get("format") == "fontsynth-checkpoint"


def torchvision_vgg(path: Path):
    """Our VGG class holding a torchvision VGG16/VGG19 (with or without batch norm) state_dict:
    the layout (convolutions per block, batch norm, classes) is read from the file."""
    from classifier.typeface import VGG16, VGGConfig, load_torchvision_weights

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise UserError(f"{path} is not a readable state_dict ({type(e).__name__}); pass torchvision's vgg16/vgg19 .pth") from None
    convs = sorted((int(k.split(".")[1]), v) for k, v in (state.items() if isinstance(state, dict) else [])
                   if k.startswith("features.") and k.endswith(".weight") and getattr(v, "ndim", 0) == 4)
    if not convs:
        raise UserError(f"{path} is not a torchvision VGG state_dict (no features.N.weight convolutions)")
    batch_norm = any(k.endswith("running_mean") for k in state)
    step = 3 if batch_norm else 2  # conv, (bn,) relu: a larger gap between convolutions is a max-pool
    blocks: list[list[int]] = []
    for k, (index, weight) in enumerate(convs):
        if k and index - convs[k - 1][0] == step:
            blocks[-1][1] += 1
        else:
            blocks.append([weight.shape[0], 1])
    if len(blocks) != 5:
        raise UserError(f"{path}: {len(convs)} convolutions in {len(blocks)} blocks; expected a VGG (five blocks)")
    head = state.get("classifier.6.weight")
    config = VGGConfig(num_classes=head.shape[0] if head is not None else 1000, in_channels=convs[0][1].shape[1],
                       widths=tuple(b[0] for b in blocks), depths=tuple(b[1] for b in blocks), batch_norm=batch_norm, pool=(7, 7),
                       hidden=state["classifier.0.weight"].shape[0] if "classifier.0.weight" in state else 4096)
    vgg = VGG16(config)
    report = load_torchvision_weights(vgg, state)
    missing = [k for k in vgg.state_dict() if k.startswith("convs.") and k not in report["loaded"] and "num_batches" not in k]
    if missing:
        raise UserError(f"{path}: {len(missing)} convolution tensors do not fit (e.g. {missing[0]}); pass a torchvision VGG16/VGG19 file")
    return vgg
