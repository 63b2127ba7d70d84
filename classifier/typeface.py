"""VGG16 typeface classifier: torchvision's architecture on grey 64x256 word images.

- `forward(images)` -> logits (N x num_classes); images are N x C x H x W floats in [0, 1]
  (normalised inside the model, so every caller passes the same [0, 1] tensors: by ImageNet's
  mean and std, or per image with `input_norm`, which can also make light text dark).
- `embed(images)` -> the penultimate features (N x hidden): brush's typeface loss. With
  `wide="crop"` a word wider than the canvas is read in canvas-wide windows (N x K x C x H x W:
  the mean of their embeddings), not squeezed.
- `features(images, layers)` -> {name: activation} for names relu1_1 ... relu5_3 (and
  pool1 ... pool5): the feature network of perceptual, Gram and style-transfer losses.
- `gram_layers` (none in torchvision's layout, relu3_1 in `small`): the Gram matrix of each such
  layer's channels (`gram_features`: which features fire together, wherever they are) joins the
  pooled features that the fully connected layers read, so the embedding carries the layer's
  style statistics as well as the layout of the word.

The layers are numbered as torchvision's VGG (its `features.N` are our `convs.N`, its
`classifier.N` ours), so a local torchvision VGG16 state_dict loads into it
(`load_torchvision_weights`); the first convolution's RGB weights are summed for grey input,
and layers whose shapes differ are reported, not loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

import torch
from torch import nn

from classifier.inputs import normalise_per_image
from classifier.registry import register

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
INPUT_NORMS = ("imagenet", "image", "polarity")


WIDE = ("squeeze", "crop")  # VGGConfig.wide
READ_PLACES = (0.0, 1.0)  # where evaluation and classify read a word wider than the canvas: both ends (together they cover
# twice the canvas width; three windows read no better, BENCHMARKS.md)


@dataclass(frozen=True)
class VGGConfig:
    num_classes: int = 1000
    in_channels: int = 1  # 1 grey, 3 RGB
    height: int = 64
    width: int = 256
    widths: tuple[int, ...] = (64, 128, 256, 512, 512)  # channels of the five blocks
    depths: tuple[int, ...] = (2, 2, 3, 3, 3)  # convolutions per block (VGG16: 13 in all)
    batch_norm: bool = False  # torchvision's vgg16_bn when true
    hidden: int = 4096  # width of the two hidden fully connected layers; the embedding size
    dropout: float = 0.5
    pool: tuple[int, ...] = (2, 8)  # adaptive average pool before the classifier: (7, 7) is ImageNet's
    input_norm: str = "imagenet"  # imagenet: fixed mean/std; image: each image to zero mean, unit std; polarity: image, text made dark
    stem_stride: int = 1  # stride of the first convolution: 2 reads a 64x256 canvas at about the cost of 32x128
    pool_before_norm: bool = False  # each block pools right after its last convolution, before that convolution's batch norm and ReLU (airbench's order): they then cost a quarter
    gram_layers: tuple[str, ...] = ()  # feature layers (relu3_1) whose style statistics, their Gram matrices, join the pooled features
    gram_channels: int = 64  # each such layer is first reduced to this many channels by a 1x1 convolution (gram_channels ** 2 features)
    wide: str = "squeeze"  # words wider than the canvas (at its height): squeeze them to it, or crop: read canvas-wide windows
    # (training one per word, at a place drawn per item; evaluation and classify both ends, their embeddings averaged)

    def __post_init__(self):
        if self.in_channels not in (1, 3):
            raise ValueError(f"in_channels must be 1 or 3, got {self.in_channels}")
        if len(self.widths) != 5 or len(self.depths) != 5 or min(self.depths) < 1 or min(self.widths) < 1:
            raise ValueError(f"widths and depths need five positive entries, got {self.widths} and {self.depths}")
        if self.stem_stride not in (1, 2):
            raise ValueError(f"stem_stride must be 1 or 2, got {self.stem_stride}")
        least = 32 * self.stem_stride
        if self.height < least or self.width < least:
            raise ValueError(f"input must be at least {least}x{least} (five 2x poolings, stem stride {self.stem_stride}), "
                             f"got {self.height}x{self.width}")
        if len(self.pool) != 2 or min(self.pool) < 1:
            raise ValueError(f"pool must be (height, width), got {self.pool}")
        if self.input_norm not in INPUT_NORMS:
            raise ValueError(f"input_norm must be one of {', '.join(INPUT_NORMS)}, got {self.input_norm!r}")
        relus = [name for name in layer_names(self.depths) if name.startswith("relu")]
        if any(name not in relus for name in self.gram_layers) or len(set(self.gram_layers)) < len(self.gram_layers):
            raise ValueError(f"gram_layers must be distinct names among {', '.join(relus)}, got {list(self.gram_layers)}")
        if self.gram_channels < 1:
            raise ValueError(f"gram_channels must be positive, got {self.gram_channels}")
        if self.wide not in WIDE:
            raise ValueError(f"wide must be one of {', '.join(WIDE)}, got {self.wide!r}")
        if self.num_classes < 1 or self.hidden < 1 or not 0 <= self.dropout < 1:
            raise ValueError("num_classes and hidden must be positive and dropout in [0, 1)")


def crops(config: VGGConfig):
    """How training and validation read words wider than the canvas (`classifier.data.Crops`)."""
    from classifier.data import Crops

    return Crops("drawn", READ_PLACES) if config.wide == "crop" else Crops()


def gram_features(x: torch.Tensor) -> torch.Tensor:
    """Style statistics of activations N x C x H x W: the Gram matrix of the channels over the
    positions, divided by their number, through a signed square root (bilinear pooling, as in
    Lin et al.'s bilinear CNNs), flattened to N x C*C. Blind to where things are: it says which
    channels fire together (stroke widths, contrast, serifs), not where, so every word of a font
    gives it alike."""
    assert x.ndim == 4, f"expected N x C x H x W activations, got {tuple(x.shape)}"
    r = x.flatten(2)
    gram = torch.bmm(r, r.transpose(1, 2)) / r.shape[2]
    return (gram.sign() * (gram.abs() + 1e-5).sqrt()).flatten(1)


def layer_names(depths: tuple[int, ...]) -> list[str]:
    """Names of the feature layers in order: relu1_1, relu1_2, pool1, relu2_1, ... (the ReLUs and
    pools of `layer_roles` in torchvision's order)."""
    return [role.name for role in layer_roles(depths, batch_norm=False) if role.kind in ("relu", "pool")]


class Role(NamedTuple):
    """One layer of `VGG16.convs`: its kind (conv, bn, relu, pool), its block (from 1) and its
    name (conv1_1, bn1_1, relu1_1, pool1, ...)."""
    kind: str
    block: int
    name: str


def layer_roles(depths: tuple[int, ...], batch_norm: bool, pool_before_norm: bool = False) -> list[Role]:
    """The layers of `VGG16.convs` in order, by role: conv1_1, bn1_1 (with batch norm), relu1_1,
    ..., pool1, conv2_1, ... With `pool_before_norm` each block's pool comes right after its last
    convolution. torchvision's `features` is the order without it."""
    roles = []
    for block, depth in enumerate(depths, start=1):
        pool = [Role("pool", block, f"pool{block}")]
        for k in range(1, depth + 1):
            roles.append(Role("conv", block, f"conv{block}_{k}"))
            roles += pool if pool_before_norm and k == depth else []
            roles += [Role("bn", block, f"bn{block}_{k}")] if batch_norm else []
            roles.append(Role("relu", block, f"relu{block}_{k}"))
        roles += [] if pool_before_norm else pool
    return roles


@register("vgg16", VGGConfig, "VGG16 typeface classifier (torchvision layout; widths, depths and batch norm configurable)")
class VGG16(nn.Module):
    cpu_channels_last = True  # the trainer may put it in channels_last on the CPU (training.uses_channels_last)

    def __init__(self, config: VGGConfig):
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        self._index: dict[str, int] = {}  # layer name -> index in self.convs (a block's pool and last ReLU share one with pool_before_norm)
        channels, width_of = config.in_channels, {}  # width_of: a feature layer's channels
        for i, (kind, block, name) in enumerate(layer_roles(config.depths, config.batch_norm, config.pool_before_norm)):
            if kind == "conv":
                width = config.widths[block - 1]
                layers.append(nn.Conv2d(channels, width, kernel_size=3, stride=config.stem_stride if i == 0 else 1, padding=1))
                channels = width
            elif kind == "bn":
                layers.append(nn.BatchNorm2d(channels))
            elif kind == "relu":
                layers.append(nn.ReLU(inplace=True))
            else:
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            if kind in ("relu", "pool"):
                self._index[name], width_of[name] = i, channels
        if config.pool_before_norm:  # the pool's output is not a feature of its own: the block ends at its last ReLU
            for block, depth in enumerate(config.depths, start=1):
                self._index[f"pool{block}"] = self._index[f"relu{block}_{depth}"]
        self.convs = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(tuple(config.pool))
        flat = channels * config.pool[0] * config.pool[1]
        # the Gram head: style statistics of some layers beside the pooled features, each layer reduced, then normalised
        # to the scale of the pooled features
        self.gram_reduce = nn.ModuleDict({name: nn.Conv2d(width_of[name], config.gram_channels, kernel_size=1)
                                          for name in config.gram_layers})
        self.gram_norm = nn.ModuleDict({name: nn.LayerNorm(config.gram_channels ** 2) for name in config.gram_layers})
        flat += len(config.gram_layers) * config.gram_channels ** 2
        self.classifier = nn.Sequential(
            nn.Linear(flat, config.hidden), nn.ReLU(inplace=True), nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.hidden), nn.ReLU(inplace=True), nn.Dropout(config.dropout),
            nn.Linear(config.hidden, config.num_classes),
        )
        mean = IMAGENET_MEAN if config.in_channels == 3 else (sum(IMAGENET_MEAN) / 3,)
        std = IMAGENET_STD if config.in_channels == 3 else (sum(IMAGENET_STD) / 3,)
        self.register_buffer("mean", torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, -1, 1, 1), persistent=False)
        self._init_weights()

    @property
    def layer_names(self) -> list[str]:
        return layer_names(self.config.depths)

    def _init_weights(self) -> None:
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def _check(self, images: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        c = self.config
        assert images.ndim == 4 and images.shape[1] == c.in_channels, f"expected N x {c.in_channels} x H x W images, got {tuple(images.shape)}"
        if self.config.input_norm == "imagenet":
            return (images - self.mean) / self.std
        return normalise_per_image(images, polarity=self.config.input_norm == "polarity", reference=reference)

    def forward_features(self, images: torch.Tensor) -> torch.Tensor:
        """What the fully connected layers read: the flattened pooled conv features (N x channels *
        pool), then each `gram_layers` layer's normalised Gram features (N x gram_channels ** 2) in
        network order."""
        x, grams, start = self._check(images), [], 0
        for name in sorted(self.config.gram_layers, key=self._index.get):
            stop = self._index[name] + 1
            x = self.convs[start:stop](x)  # the next layer is a convolution or a pooling: x is not changed in place
            grams.append(self.gram_norm[name](gram_features(self.gram_reduce[name](x))))
            start = stop
        return torch.cat([torch.flatten(self.avgpool(self.convs[start:](x)), 1), *grams], 1)

    def embed(self, images: torch.Tensor) -> torch.Tensor:
        """Penultimate features (N x hidden): the output of the second hidden layer. Images N x K x
        C x H x W are K windows of each of N words (`READ_PLACES`): each word's embedding is the
        mean of its windows'. A window equal to its word's first (a word that fits the canvas: every
        window is the whole word) is not computed again."""
        if images.ndim == 5:
            n, k = images.shape[:2]
            first = torch.ones(n, 1, dtype=torch.bool, device=images.device)
            computed = torch.cat([first, (images[:, 1:] != images[:, :1]).flatten(2).any(dim=2)], 1)  # N x K
            rows = self.embed(images.flatten(0, 1)[computed.flatten()])
            every = rows.new_zeros(n * k, rows.shape[1]).index_put((computed.flatten(),), rows).view(n, k, -1)
            return torch.where(computed[..., None], every, every[:, :1]).mean(dim=1)  # a repeat takes its first window's
        return self.classifier[:5](self.forward_features(images))

    def head(self, embedding: torch.Tensor) -> torch.Tensor:
        """Logits from `embed`'s output."""
        return self.classifier[5:](embedding)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        logits = self.head(self.embed(images))
        assert logits.shape == (images.shape[0], self.config.num_classes)
        return logits

    def features(self, images: torch.Tensor, layers: list[str] | tuple[str, ...], reference: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Named intermediate activations; runs the network only as deep as the deepest layer asked
        for. With a per-image input norm, `reference` images lend theirs (see `normalise_per_image`):
        pass the target when comparing an output's features with the target's."""
        unknown = [name for name in layers if name not in self._index]
        if unknown:
            raise ValueError(f"unknown layer(s) {', '.join(unknown)}; valid: {', '.join(self.layer_names)}")
        wanted: dict[int, list[str]] = {}
        for name in layers:
            wanted.setdefault(self._index[name], []).append(name)
        out: dict[str, torch.Tensor] = {}
        x = self._check(images, reference)
        for i, layer in enumerate(self.convs[: max(wanted) + 1]):
            x = layer(x)
            for name in wanted.get(i, []):
                out[name] = x  # later layers write new tensors (in-place ReLUs act on conv / BN / pool outputs)
        return out

    def reset_classifier(self, num_classes: int) -> None:
        self.classifier[-1] = nn.Linear(self.config.hidden, num_classes)
        self.config = replace(self.config, num_classes=num_classes)


OUTPUT_LAYER = "classifier.6."  # the last Linear: one row per class


def copy_weights(model: VGG16, tensors: Iterable[tuple[str, torch.Tensor]], output_rows: list[tuple[int, int]] | None = None) -> dict[str, list[str]]:
    """Copy (key, tensor) pairs into `model` where the key exists and the shape agrees. With
    `output_rows` [(row here, row in the file)], the output layer is copied row by row (its
    other rows keep their fresh values). Returns {"loaded": keys, "skipped": keys with the reason}."""
    own = model.state_dict()
    loaded, skipped = [], []
    for key, value in tensors:
        by_rows = output_rows is not None and key.startswith(OUTPUT_LAYER)
        if key not in own:
            skipped.append(f"{key} (not in this model)")
        elif (value.shape[1:] != own[key].shape[1:]) if by_rows else (value.shape != own[key].shape):
            skipped.append(f"{key} (shape {tuple(value.shape)} here {tuple(own[key].shape)})")
        elif by_rows:
            for i, j in output_rows:
                own[key][i] = value[j].to(own[key].dtype)
            loaded.append(f"{key} ({len(output_rows)} of {own[key].shape[0]} classes)")
        else:
            own[key] = value.to(own[key].dtype)
            loaded.append(key)
    model.load_state_dict(own)
    return {"loaded": loaded, "skipped": skipped}


def load_run_weights(model: VGG16, state_dict: dict[str, torch.Tensor], saved_classes: list[str], classes: list[str]) -> dict[str, list[str]]:
    """A typeface run's weights into `model` where names and shapes agree. The output layer's
    rows follow the fonts: a font in both class tables keeps its trained row, a font new to
    `classes` keeps its fresh one."""
    row_of = {font: j for j, font in enumerate(saved_classes)}
    return copy_weights(model, state_dict.items(), [(i, row_of[font]) for i, font in enumerate(classes) if font in row_of])


def load_torchvision_weights(model: VGG16, state_dict: dict[str, torch.Tensor]) -> dict[str, list[str]]:
    """A torchvision VGG16 (or VGG16-BN) state_dict into `model` where shapes agree, each
    feature layer by its role (a model that pools before its norms has them at other indices);
    RGB first-layer weights are summed over colour for a grey model."""
    c = model.config
    ours = {role.name: i for i, role in enumerate(layer_roles(c.depths, c.batch_norm, c.pool_before_norm))}
    theirs = layer_roles(c.depths, any(key.endswith(".running_mean") for key in state_dict))  # torchvision's order

    def renamed(key: str, value: torch.Tensor) -> tuple[str, torch.Tensor]:
        if key.startswith("features."):
            index, rest = key[len("features."):].split(".", 1)
            role = theirs[int(index)].name if int(index) < len(theirs) else None
            key = f"convs.{ours[role]}.{rest}" if role in ours else key
        if key == "convs.0.weight" and value.shape[1] == 3 and model.config.in_channels == 1:
            value = value.sum(dim=1, keepdim=True)
        return key, value

    return copy_weights(model, (renamed(k, v) for k, v in state_dict.items()))
