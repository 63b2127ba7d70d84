"""Optimisation-based style transfer: Gatys et al. (Gram statistics), Li & Wand (MRF patches),
Champandard (semantic maps), coarse to fine. No training: the pixels of one image are optimised
so that its features match the content image at `content_layers` and the style image's
statistics (Gram) or patches (MRF) at `style_layers`.

    from brush.features import load_feature_net
    from brush.stylize import StylizeConfig, stylize
    result = stylize(content, style, load_feature_net("runs/typeface"), StylizeConfig(style_loss="mrf"))
    result.image          # H x W x 3 uint8
    result.initial, result.final   # {term: value}

Every loss comes from `brush.losses`. Images are uint8 arrays (H x W grey or H x W x 3); the
output has the content image's size; the style image (and its mask) is resized to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch
import torch.nn.functional as F

from brush import losses
from brush.features import FeatureNet
from fontsynth.errors import UserError

GRAM_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")
MRF_LAYERS = ("relu3_1", "relu4_1")
MIN_SIDE = 16  # coarse scales stop halving below this


@dataclass(frozen=True)
class StylizeConfig:
    style_loss: str = "gram"  # gram (Gatys) or mrf (Li & Wand)
    style_layers: tuple[str, ...] = ()  # empty: GRAM_LAYERS for gram, MRF_LAYERS for mrf
    style_layer_weights: tuple[float, ...] = ()  # one per style layer; empty: all 1
    content_layers: tuple[str, ...] = ()  # empty: relu4_2 (Gatys), or block 4's last ReLU where it has one convolution (`for_network`)
    content_weight: float = 1.0
    style_weight: float = 1e3
    tv_weight: float = 1e-3
    intensity_weight: float = 0.0  # pulls normalised pixels toward the mean colour
    semantic_weight: float = 10.0  # weight of the semantic maps concatenated to the features (with masks)
    patch: int = 3  # MRF patch size
    stride: int = 1  # MRF: style patches every `stride` positions (output patches: every position)
    scales: int = 1  # coarse to fine: 1 = the content's size only; each more halves once
    steps: int = 300  # optimizer steps per scale
    optimizer: str = "lbfgs"  # lbfgs or adam
    lr: float = 0.0  # 0: 1.0 for L-BFGS, 0.02 for Adam
    init: str = "content"  # content, style or noise
    seed: int = 0

    def __post_init__(self):
        if self.style_loss not in ("gram", "mrf"):
            raise ValueError(f"style loss must be gram or mrf, got {self.style_loss!r}")
        if self.optimizer not in ("lbfgs", "adam"):
            raise ValueError(f"optimizer must be lbfgs or adam, got {self.optimizer!r}")
        if self.init not in ("content", "style", "noise"):
            raise ValueError(f"init must be content, style or noise, got {self.init!r}")
        if self.steps < 1 or self.scales < 1 or self.patch < 1 or self.stride < 1:
            raise ValueError(f"steps, scales, patch and stride must be positive (got {self.steps}, {self.scales}, {self.patch}, {self.stride})")
        if min(self.content_weight, self.style_weight, self.tv_weight, self.intensity_weight, self.semantic_weight, self.lr,
               *self.style_layer_weights) < 0:
            raise ValueError("weights (style layer weights included) and lr must not be negative")
        if self.content_weight == 0 and self.style_weight == 0:
            raise ValueError("content weight and style weight are both 0: nothing to optimise")
        if self.style_layer_weights and len(self.style_layer_weights) != len(self.layers):
            raise ValueError(f"{len(self.style_layer_weights)} style layer weights for {len(self.layers)} style layers")

    @property
    def layers(self) -> tuple[str, ...]:
        return self.style_layers or (GRAM_LAYERS if self.style_loss == "gram" else MRF_LAYERS)

    def for_network(self, layer_names: list[str]) -> StylizeConfig:
        """The config with its default content layer named for a network: Gatys's relu4_2, or
        the last ReLU of block 4 in a network with one convolution there (the classifier's
        `small` preset has relu4_1 only)."""
        if self.content_layers:
            return self
        block4 = [name for name in layer_names if name.startswith("relu4_")]
        return replace(self, content_layers=("relu4_2" if "relu4_2" in layer_names or not block4 else block4[-1],))

    @property
    def layer_weights(self) -> dict[str, float]:
        return dict(zip(self.layers, self.style_layer_weights or [1.0] * len(self.layers)))

    @property
    def learning_rate(self) -> float:
        return self.lr or (1.0 if self.optimizer == "lbfgs" else 0.02)


@dataclass
class StylizeResult:
    image: np.ndarray  # H x W x 3 uint8
    initial: dict[str, float]  # each loss term before the first step (at the finest scale's start)
    final: dict[str, float]  # each loss term after the last step
    history: list[dict[str, float]] = field(default_factory=list)  # one row per step: scale, step, terms


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """1 x 3 x H x W float in [0, 1] of a uint8 grey or RGB(A) image."""
    from fontsynth.canvas import to_channels

    rgb = to_channels(image, 3)
    return torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1), np.float32)).unsqueeze(0) / 255


def mask_tensor(mask: np.ndarray) -> torch.Tensor:
    """1 x C x H x W float of a mask: grey -> one channel (text = white), colour map -> three."""
    if mask.ndim == 3 and mask.shape[2] >= 3 and not (np.array_equal(mask[..., 0], mask[..., 1]) and np.array_equal(mask[..., 0], mask[..., 2])):
        return torch.from_numpy(np.ascontiguousarray(mask[..., :3].transpose(2, 0, 1), np.float32)).unsqueeze(0) / 255
    grey = mask if mask.ndim == 2 else mask[..., 0]
    return torch.from_numpy(np.array(grey, np.float32))[None, None] / 255


def to_image(tensor: torch.Tensor) -> np.ndarray:
    return (tensor[0].detach().clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)


def _resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    if tuple(x.shape[-2:]) == size:
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=x.shape[-2] > size[0])


def scale_sizes(size: tuple[int, int], scales: int) -> list[tuple[int, int]]:
    """Coarse to fine: the size halved (scales - 1) times, ..., the size; never below MIN_SIDE."""
    out = []
    for k in reversed(range(scales)):
        f = 2 ** k
        if min(size) / f >= MIN_SIDE or k == 0:
            out.append((max(1, round(size[0] / f)), max(1, round(size[1] / f))))
    return out


class Objective:
    """The weighted loss terms at one scale: targets computed once, `terms(x)` per step.

    With a network that normalises each image by itself (a typeface run), the style terms read
    the image through the style image's normalisation (`reference`), so the style's brightness,
    contrast and polarity count (light text where the style has dark text costs style loss);
    the content terms keep the image's own, so the content's polarity does not. That takes a
    second forward pass; a fixed-norm network (torchvision weights, `random`) needs one."""

    def __init__(self, net: FeatureNet, config: StylizeConfig, content: torch.Tensor, style: torch.Tensor,
                 content_map: torch.Tensor | None, style_map: torch.Tensor | None):
        self.net, self.config = net, config
        self.content_map, self.style_map = content_map, style_map
        self.style = style
        c = config
        with torch.no_grad():
            self.content_feats = net(content, c.content_layers) if c.content_weight else {}
            self.style_feats = net(style, c.layers) if c.style_weight else {}

    def features(self, x: torch.Tensor) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
        """x's features for the content terms and for the style terms."""
        c = self.config
        content_layers, style_layers = c.content_layers if c.content_weight else (), c.layers if c.style_weight else ()
        if self.net.per_image_norm:
            return (self.net(x, content_layers) if content_layers else {},
                    self.net(x, style_layers, reference=self.style) if style_layers else {})
        feats = self.net(x, tuple(dict.fromkeys((*content_layers, *style_layers))))
        return feats, feats

    def terms(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        c = self.config
        content_feats, style_feats = self.features(x)
        terms: dict[str, torch.Tensor] = {}
        if c.content_weight:
            terms["content"] = c.content_weight * losses.feature_loss(content_feats, self.content_feats, {k: 1.0 for k in c.content_layers})
        if c.style_weight:
            if c.style_loss == "gram":
                style = losses.gram_loss(style_feats, self.style_feats, c.layer_weights)
            else:
                style = torch.stack([w * losses.mrf_loss(style_feats[k], self.style_feats[k], c.patch, c.stride, self.content_map,
                                                         self.style_map, c.semantic_weight) for k, w in c.layer_weights.items() if w]).sum()
            terms["style"] = c.style_weight * style
        if c.tv_weight:
            terms["tv"] = c.tv_weight * losses.tv_loss(x)
        if c.intensity_weight:
            terms["intensity"] = c.intensity_weight * losses.intensity_loss(self.net.normalise(x))
        terms["total"] = torch.stack(list(terms.values())).sum()
        return terms


def stylize(content: np.ndarray, style: np.ndarray, net: FeatureNet, config: StylizeConfig = StylizeConfig(),
            content_mask: np.ndarray | None = None, style_mask: np.ndarray | None = None, device: str | torch.device = "cpu",
            on_step: Callable[[int, int, torch.Tensor, dict[str, float]], None] | None = None) -> StylizeResult:
    """Optimise an image whose features match `content` and whose statistics (or patches) match
    `style`. `on_step(scale, step, image, terms)` is called after every step (progress bars,
    intermediate PNGs). Masks (semantic style transfer) must have their image's size."""
    config = config.for_network(net.layer_names)
    net.check_layers((*config.content_layers, *config.layers))
    if (content_mask is None) != (style_mask is None):
        raise UserError("semantic style transfer needs both --content-mask and --style-mask")
    for name, image, mask in (("content", content, content_mask), ("style", style, style_mask)):
        if mask is not None and mask.shape[:2] != image.shape[:2]:
            raise UserError(f"the {name} mask is {mask.shape[1]}x{mask.shape[0]} but the {name} image {image.shape[1]}x{image.shape[0]}; "
                            "a mask must have its image's size")
    if content_mask is not None and config.style_loss != "mrf":
        raise UserError("masks (semantic maps) work with --style-loss mrf")
    device = torch.device(device)
    net = net.to(device)
    content_t = to_tensor(content).to(device)
    size = tuple(content_t.shape[-2:])
    style_t = _resize(to_tensor(style).to(device), size)
    cmap = mask_tensor(content_mask).to(device) if content_mask is not None else None
    smap = _resize(mask_tensor(style_mask).to(device), size) if style_mask is not None else None
    if cmap is not None and smap is not None and cmap.shape[1] != smap.shape[1]:
        raise UserError("the content and style masks must both be grey masks or both colour maps")

    generator = torch.Generator(device="cpu").manual_seed(config.seed)
    sizes = scale_sizes(size, config.scales)
    least = net.min_side((*config.content_layers, *config.layers))
    if min(min(s) for s in sizes) < least:
        raise UserError(f"the content image is {size[1]}x{size[0]} pixels (at its coarsest scale {sizes[0][1]}x{sizes[0][0]}); the "
                        f"feature network's layers need at least {least} pixels a side: give a larger image or shallower layers")
    x = None
    history: list[dict[str, float]] = []
    initial: dict[str, float] = {}
    final: dict[str, float] = {}
    for scale, s in enumerate(sizes):
        objective = Objective(net, config, _resize(content_t, s), _resize(style_t, s),
                              None if cmap is None else _resize(cmap, s), None if smap is None else _resize(smap, s))
        if x is None:
            start = {"content": content_t, "style": style_t}.get(config.init)
            x0 = _resize(start, s) if start is not None else torch.rand((1, 3, *s), generator=generator).to(device)
        else:
            x0 = _resize(x.detach(), s)
        x = x0.contiguous().clone().requires_grad_(True)
        with torch.no_grad():
            values = {k: float(v) for k, v in objective.terms(x).items()}
        if scale == len(sizes) - 1:
            initial = values
        final = _optimise(x, objective, config, scale, history, on_step)
    return StylizeResult(to_image(x), initial, final, history)


def _optimise(x: torch.Tensor, objective: Objective, config: StylizeConfig, scale: int, history: list[dict[str, float]],
              on_step) -> dict[str, float]:
    if config.optimizer == "lbfgs":
        optimizer = torch.optim.LBFGS([x], lr=config.learning_rate, max_iter=1, history_size=50, line_search_fn="strong_wolfe",
                                      tolerance_grad=0.0, tolerance_change=0.0)  # stop by steps, never early
    else:
        optimizer = torch.optim.Adam([x], lr=config.learning_rate)
    last: dict[str, float] = {}

    def closure():
        optimizer.zero_grad(set_to_none=True)
        terms = objective.terms(x)
        terms["total"].backward()
        last.clear()
        last.update({k: float(v.detach()) for k, v in terms.items()})
        return terms["total"]

    for step in range(1, config.steps + 1):
        optimizer.step(closure)
        with torch.no_grad():
            x.clamp_(0, 1)
        if not math.isfinite(last.get("total", 0.0)):
            raise UserError(f"the loss became {last['total']} at step {step}; lower --lr or the weights")
        history.append({"scale": scale, "step": step, **last})
        if on_step is not None:
            on_step(scale, step, x, dict(last))
    with torch.no_grad():
        return {k: float(v) for k, v in objective.terms(x).items()}
