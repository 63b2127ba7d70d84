"""Every loss of brush and `brush stylize`, as pure functions of tensors (and of frozen networks
passed in). Nothing here holds state or weights; each function is tested against a value
computed by hand.

Images are N x C x H x W floats in [0, 1]; feature dicts map layer names (relu1_1 ...) to
N x C x h x w activations of one feature network (`brush.features.FeatureNet`).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from brush.placement import content_and_target_boxes, placed_boxes

# ---------------------------------------------------------------- pixel losses


def l1(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference: reconstruction, cycle and ground-truth target losses."""
    assert output.shape == target.shape, f"l1 of {tuple(output.shape)} and {tuple(target.shape)}"
    return (output.float() - target.float()).abs().mean()


def ink_l1(output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """L1 over the target's text only: per image, the mask-weighted mean absolute difference (the
    mask N x 1 x H x W, 1 = ink), then the mean over images. Each image's text weighs the same
    whatever its area, where the plain L1 lets a short word's few ink pixels drown in background."""
    assert output.shape == target.shape and mask.shape == (target.shape[0], 1, *target.shape[2:]), \
        f"ink_l1 of {tuple(output.shape)}, {tuple(target.shape)} with mask {tuple(mask.shape)}"
    weight = mask.float()
    per_image = (weight * (output.float() - target.float()).abs()).flatten(1).sum(dim=1)
    return (per_image / (weight.flatten(1).sum(dim=1) * target.shape[1]).clamp_min(eps)).mean()


PLACEMENT_BETA = 0.01  # normalised units: a sixth of a pixel of a 32-pixel height


def placement_loss(placement: torch.Tensor, content: torch.Tensor, target_mask: torch.Tensor) -> torch.Tensor:
    """Distance between where `placement` puts the content's ink box (`brush.placement`; the
    content N x 1 x H x W, dark text on light) and the ink box of the target's mask, in
    normalised coordinates (the canvas spans -1..1), over the images where both have ink: L1,
    made quadratic below PLACEMENT_BETA (Huber). Pure L1's gradient flips sign at zero, and box
    edges often coincide exactly at the start (the aligner starts at no move), so float rounding
    alone sent runs that should agree (one process and two) apart by a full step."""
    source, target, valid = content_and_target_boxes(content, target_mask)
    if not valid.any():
        return placement.sum() * 0
    return F.smooth_l1_loss(placed_boxes(source, placement.float())[valid], target[valid], beta=PLACEMENT_BETA)


def mask_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of a soft mask, given by its logits, against the target mask, in
    float32 (safe under bf16 autocast). Not L1: text covers a minority of pixels, and L1's optimum
    is the per-pixel median, an all-background mask. From logits, not from the mask: a pixel whose
    sigmoid has saturated on the wrong side still gets the gradient sigmoid(logit) - target (a mask
    clamped to [1e-6, 1 - 1e-6] gave it none: BENCHMARKS "a style vector that grew")."""
    assert logits.shape == target.shape, f"mask logits {tuple(logits.shape)} vs target {tuple(target.shape)}"
    return F.binary_cross_entropy_with_logits(logits.float(), target.float())


def tv_loss(images: torch.Tensor) -> torch.Tensor:
    """Total variation: mean squared difference of vertical neighbours plus that of horizontal ones."""
    x = images.float()
    return (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean() + (x[..., :, 1:] - x[..., :, :-1]).pow(2).mean()


def intensity_loss(normalised: torch.Tensor) -> torch.Tensor:
    """Mean square of the network-normalised image (pixels minus the mean, over the std): pulls
    pixels toward the mean colour, the fix for style transfer drifting to white."""
    return normalised.float().pow(2).mean()


# ---------------------------------------------------------------- feature losses


def gram(features: torch.Tensor) -> torch.Tensor:
    """N x C x C Gram matrices, normalised by C * h * w (so layers of any size weigh alike)."""
    n, c, h, w = features.shape
    f = features.float().reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def _weighted(weights: Mapping[str, float], per_layer) -> torch.Tensor:
    terms = [w * per_layer(name) for name, w in weights.items() if w]
    assert terms, "no layer with a non-zero weight"
    return torch.stack(terms).sum()


def feature_loss(output: Mapping[str, torch.Tensor], target: Mapping[str, torch.Tensor], weights: Mapping[str, float]) -> torch.Tensor:
    """Sum over layers of weight * mean squared feature difference: the content loss of style
    transfer and brush's perceptual loss."""
    return _weighted(weights, lambda k: F.mse_loss(output[k].float(), target[k].float()))


def gram_loss(output: Mapping[str, torch.Tensor], style: Mapping[str, torch.Tensor], weights: Mapping[str, float]) -> torch.Tensor:
    """Sum over layers of weight * mean squared difference of normalised Gram matrices.
    Invariant to any spatial rearrangement of the features."""
    return _weighted(weights, lambda k: F.mse_loss(gram(output[k]), gram(style[k])))


# ---------------------------------------------------------------- MRF (Li & Wand) and semantic maps


def with_map(features: torch.Tensor, semantic: torch.Tensor | None, weight: float) -> torch.Tensor:
    """Features with a semantic map (N x M x H x W, any size: resized) times `weight` concatenated
    as extra channels (Champandard's semantic style transfer)."""
    if semantic is None or weight == 0:
        return features
    assert semantic.shape[0] == features.shape[0], f"semantic map batch {semantic.shape[0]} != features {features.shape[0]}"
    resized = F.interpolate(semantic.float(), size=features.shape[-2:], mode="bilinear", align_corners=False)
    return torch.cat([features.float(), weight * resized], dim=1)


def patches(features: torch.Tensor, size: int, stride: int) -> torch.Tensor:
    """The size x size patches of a 1 x C x h x w map as rows: P x (C * size * size)."""
    assert features.shape[0] == 1, "patches of one image at a time"
    return F.unfold(features, kernel_size=size, stride=stride)[0].t()


def nearest_patches(output: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """For each output patch (row), the index of the style patch of highest normalised cross-correlation."""
    with torch.no_grad():
        a = F.normalize(output.float(), dim=1)
        b = F.normalize(style.float(), dim=1)
        return (a @ b.t()).argmax(dim=1)


def mrf_loss(output: torch.Tensor, style: torch.Tensor, patch: int = 3, stride: int = 1,
             output_map: torch.Tensor | None = None, style_map: torch.Tensor | None = None, map_weight: float = 0.0) -> torch.Tensor:
    """Li & Wand's MRF loss on one layer: every patch of the output features (stride 1) is pulled
    toward its nearest style patch (style patches taken every `stride`), by mean squared
    difference. With semantic maps, both are concatenated to the features first, so that when
    `map_weight` is large a patch only matches patches of its own region (text to text). A map
    smaller than `patch` (deep layers at coarse scales) uses patches of its own smaller side."""
    assert output.shape[0] == style.shape[0], f"output batch {output.shape[0]} != style batch {style.shape[0]}"
    out = with_map(output, output_map, map_weight)
    sty = with_map(style, style_map, map_weight)
    patch = min(patch, *out.shape[-2:], *sty.shape[-2:])
    total = []
    for k in range(out.shape[0]):
        p_out = patches(out[k:k + 1], patch, 1)
        p_sty = patches(sty[k:k + 1], patch, stride)
        match = nearest_patches(p_out, p_sty)
        total.append(F.mse_loss(p_out, p_sty[match].detach()))
    return torch.stack(total).mean()


# ---------------------------------------------------------------- frozen networks


def typeface_loss(classifier: nn.Module, output: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """L1 between the typeface classifier's embeddings of the output and of the style image
    (both fitted to the classifier's canvas as its evaluation reads images: a canvas wider than
    its own is squeezed, or read in windows by a classifier of `wide="crop"`)."""
    from classifier.typeface import crops
    from fontsynth.torchdata import fit_tensor

    c = classifier.config
    size, places = (c.height, c.width), crops(c).val
    with torch.no_grad():
        wanted = classifier.embed(fit_tensor(style, size, c.in_channels, places))
    return l1(classifier.embed(fit_tensor(output, size, c.in_channels, places)), wanted)


def ocr_loss(recognizer: nn.Module, output: torch.Tensor, texts: list[str]) -> torch.Tensor:
    """The frozen recognizer's cross-entropy of `texts` given the output images, which are fitted
    to its canvas first (a recognizer trained at own widths: to their own width,
    `widths.scoring_width`; `classifier.recognizer.ocr_loss` does the scoring)."""
    from classifier.recognizer import ocr_loss as score
    from classifier.recognizer.widths import scoring_width
    from fontsynth.torchdata import fit_tensor

    c = recognizer.config
    width = scoring_width(c, round(output.shape[-1] * c.height / output.shape[-2]))
    return score(recognizer, fit_tensor(output, (c.height, width), c.in_channels), texts)


# ---------------------------------------------------------------- adversarial (D outputs logits, any shape)


def d_least_squares(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """LSGAN discriminator loss: mean (D(real) - 1)^2 + mean D(fake)^2."""
    return (real.float() - 1).pow(2).mean() + fake.float().pow(2).mean()


def g_least_squares(fake: torch.Tensor) -> torch.Tensor:
    """LSGAN generator loss: mean (D(fake) - 1)^2."""
    return (fake.float() - 1).pow(2).mean()


def d_logistic(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating GAN discriminator loss: softplus(-D(real)) + softplus(D(fake))."""
    return F.softplus(-real.float()).mean() + F.softplus(fake.float()).mean()


def g_nonsaturating(fake: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: softplus(-D(fake))."""
    return F.softplus(-fake.float()).mean()


def r1_penalty(real_logits: torch.Tensor, real_images: torch.Tensor) -> torch.Tensor:
    """R1: mean over images of the squared gradient norm of D at real images (which must
    require grad); differentiable, so it can be minimised."""
    (grad,) = torch.autograd.grad(real_logits.float().sum(), real_images, create_graph=True)
    return grad.float().pow(2).reshape(grad.shape[0], -1).sum(dim=1).mean()


ADVERSARIAL = {"lsgan": (d_least_squares, g_least_squares), "nonsaturating": (d_logistic, g_nonsaturating)}
