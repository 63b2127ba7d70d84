"""The brush model, built from a `BrushConfig` through the shared registry (name "brush").

    from classifier.registry import create_model
    import brush.model  # registers "brush"
    model = create_model("brush", widths=(16, 32, 64), style_dim=64)
    image, mask = model(style, content)     # the EMA generator: N x 3 x H x W and N x 1 x H x W in [0, 1]

Parts (each its own optimizer in training): `model.aligner` (where the new text goes, see
below; None with `align_content` off), `model.g` (style encoder + content encoder + generator:
`BrushGenerator`), `model.d` (the discriminator). `model.g_ema` is the generator's exponential
moving average, used with the aligner for evaluation and editing (`model(style, content)`).

Why the style encoder also gives feature maps: TextStyleBrush passes only a global style vector,
which cannot carry the background's texture to the right pixels; our pairs give the exact
target (text B on the same background), so the generator may see the style image's maps (U-Net
skips, as SRNet/MOSTEL-style editors do) to keep the background while redrawing the text. Only
at the coarsest `style_skip_levels` levels: with skips at full resolution it learns to copy the
style image, old text included (measured: BENCHMARKS.md). `style_skip_levels=0` gives the
TextStyleBrush layout.

Why a background branch (`background`, SRNet's and MOSTEL's design rather than TextStyleBrush's):
the generator alone redraws the whole canvas from coarse style maps, so the background's texture
comes out blurred. With `background` on, `BackgroundDecoder` predicts the style image without
its text from the style encoder's maps at every resolution (trained by the `background` and
`erase` losses: L1 to the pairs' true background, and over where the old text was), and the
output is composed through the predicted mask: mask x generator's image + (1 - mask) x
background. `Brush.background_of` gives it alone (`brush edit --erase`). Off by default: in ten
CPU minutes it lowers MOSTEL's MS-SSIM (BENCHMARKS.md).

Why light text is drawn as its inverse (`polarity`, on by default; ours): a generator that
must draw both dark text on light grounds and light text on dark ones spends its capacity on
the polarity, and in ten CPU minutes drew light text dark (BENCHMARKS.md). With `polarity`, a
style image whose levels skew towards light (`classifier.inputs.light_text`, the guess of the
readers' polarity norm, right on 99.25-99.5% of held-out renders) is inverted before the generator, and its
outputs (image, background) are inverted back; the mask is left alone. The generator then only
ever draws dark text on a lighter ground, and every pair teaches it the same task: in ten CPU
minutes Tesseract read 69-71% of the outputs against 38-50% without it (two seeds). Models
saved before it load without it.

Why the image head starts from the style's colour (`colour_skip`, on by default; ours): the
generator's image is a sigmoid of its logits, and in ten CPU minutes it drew most grounds in a
washed-out grey (a dark green ground came back dark grey). With `colour_skip` each style image's
median level per channel (mostly its ground: text covers a minority of pixels; taken after the
polarity inversion) is added to the image logits as a per-channel bias, so an empty head draws
the ground's colour and the network learns what differs from it. In ten CPU minutes (two seeds)
PSNR rose 0.8 dB, MOSTEL's MS-SSIM 1.6-2.2 points and Tesseract's reading 15-19 points
(BENCHMARKS.md). Models saved before it load without it.

An ink prior beside it (`ink_skip`: where the mask is, the colour of the style's darkest pixels)
was tried and removed: of two ten-minute CPU runs one collapsed and the other ended far below
the default (BENCHMARKS.md). Configs saved with it off still load.

Why the content is moved first (`align_content`, see brush.placement): the content skips make
the generator draw text B where the content image has it, centred at a fixed size, while the
target has it where the style's margins and alignment put it. `ContentAligner` predicts that
placement from the style image and the content, and the generator sees the content moved by it.
The aligner is its own part with its own loss (the box loss, `losses.placement_loss`) and
optimizer, trained from the first step, the content-autoencoder phase included: inside the
generator, with the image losses reaching it through the warp, its placement stayed constant
over a 10-minute CPU run; within the generator's optimizer but detached, it learnt little by
then (BENCHMARKS.md).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from brush.contents import CONTENT_FONTS
from brush.discriminator import DISCRIMINATORS
from brush.encoders import BackgroundDecoder, ContentEncoder, StyleEncoder
from brush.generator import Generator
from brush.placement import ContentAligner, warp
from classifier import inputs
from fontsynth.torchdata import tensor_channels
from classifier.registry import register


@dataclass(frozen=True)
class BrushConfig:
    height: int = 64
    width: int = 256
    in_channels: int = 3  # the style image and the output (1 grey, 3 RGB)
    content_channels: int = 1  # the content image (the text in the standard font)
    content_font: str = "standard"  # the font contents are drawn in: standard (TextStyleBrush), or style (the style image's own; brush.contents)
    widths: tuple[int, ...] = (64, 128, 256, 512)  # channels per level: 1, 1/2, 1/4, 1/8 of the canvas
    style_dim: int = 512
    style_skip_levels: int = 2  # the coarsest levels that see the style image's maps (0: TextStyleBrush; see the module docstring)
    align_content: bool = True  # move the content to where the style puts text before encoding it (brush.placement)
    background: bool = False  # predict the background and compose the output through the mask (see the module docstring)
    polarity: bool = True  # draw every style as dark text on light: light-text style images inverted in, outputs back (see the module docstring)
    colour_skip: bool = True  # the image head starts from each style image's median colour (see the module docstring)
    style_norm: bool = True  # the style vector scaled to unit RMS (brush.encoders.StyleEncoder; an Arabic run diverged without, BENCHMARKS.md)
    discriminator: str = "patch"  # patch (PatchGAN) or stylegan2 (residual, for R1)
    d_widths: tuple[int, ...] = (64, 128, 256, 512)

    def __post_init__(self):
        if self.in_channels not in (1, 3) or self.content_channels not in (1, 3):
            raise ValueError(f"in_channels and content_channels must be 1 or 3, got {self.in_channels}, {self.content_channels}")
        if len(self.widths) < 2 or min(self.widths) < 1 or not self.d_widths or min(self.d_widths) < 1 or self.style_dim < 1:
            raise ValueError("widths needs at least two levels; widths, d_widths and style_dim must be positive")
        scale = self.scale
        if self.height % scale or self.width % scale:
            raise ValueError(f"height and width must be multiples of {scale} (2 ^ levels, with the style head), got {self.height}x{self.width}")
        if not 0 <= self.style_skip_levels <= len(self.widths):
            raise ValueError(f"style_skip_levels must be between 0 and {len(self.widths)} (the levels), got {self.style_skip_levels}")
        if self.content_font not in CONTENT_FONTS:
            raise ValueError(f"content_font must be one of {', '.join(CONTENT_FONTS)}, got {self.content_font!r}")
        if self.discriminator not in DISCRIMINATORS:
            raise ValueError(f"discriminator must be one of {', '.join(DISCRIMINATORS)}, got {self.discriminator!r}")

    @property
    def scale(self) -> int:
        """How many pixels one cell of the coarsest level covers: 2 ^ levels (the style head
        halves once more). The canvas, and any wider width brush runs at, is a multiple of it."""
        return 2 ** len(self.widths)


def median_colour_logits(images: torch.Tensor, margin: float = 0.01) -> torch.Tensor:
    """N x C x 1 x 1: the logit of each image's median level per channel (kept within
    [margin, 1 - margin]): mostly the ground's colour, as text covers a minority of pixels."""
    median = images.detach().float().flatten(2).median(dim=2).values.clamp(margin, 1 - margin)
    return torch.logit(median)[..., None, None]


def invert(images: torch.Tensor, flip: torch.Tensor | None) -> torch.Tensor:
    """1 - image for the samples where `flip` (N bools) is set; None flips none."""
    return images if flip is None else torch.where(flip.view(-1, 1, 1, 1), 1 - images, images)


class BrushGenerator(nn.Module):
    """(style image, content image) -> (image, mask): the part trained by the generator's loss."""

    def __init__(self, config: BrushConfig):
        super().__init__()
        c = config
        self.config = c
        self.style_encoder = StyleEncoder(c.in_channels, c.widths, c.style_dim, c.style_norm)
        self.content_encoder = ContentEncoder(c.content_channels, c.widths)
        self.generator = Generator(c.widths, c.style_dim, c.in_channels, c.style_skip_levels)
        self.background = BackgroundDecoder(c.widths, c.in_channels) if c.background else None

    def forward(self, style: torch.Tensor, content: torch.Tensor, with_background: bool = False, mask_logits: bool = False):
        """(image, mask), with `with_background` (image, mask, background; None without the
        background branch); with `mask_logits` the mask's logits in the mask's place (training's
        mask loss: `brush.losses.mask_loss`). `content` as pairs store it (one channel) or with
        `content_channels`: training, eval and edit all pass it so, and it is given
        `content_channels` here.

        `content` may hold k contents per style image (k x N, in k blocks of N, as `torch.cat` of
        k batches gives them): each style image is encoded once for all k (training draws the edit
        and the reconstruction of a style this way)."""
        c = self.config
        content = tensor_channels(content, c.content_channels)
        n, k = style.shape[0], content.shape[0] // max(style.shape[0], 1)
        height, width = style.shape[-2:]
        assert n and content.shape[0] == k * n and style.shape[-2:] == content.shape[-2:] and (height, width % c.scale) == (c.height, 0), (
            f"style {tuple(style.shape)} and content {tuple(content.shape)}: the content batch must be a multiple of the style batch, "
            f"both on the {c.height}x{c.width} canvas or as high and a multiple of {c.scale} wide")
        light = self.light_text(style)
        shown = invert(style, light)
        vector, style_maps = self.style_encoder(shown)
        background = self.background(style_maps) if self.background is not None else None
        bias = median_colour_logits(shown) if c.colour_skip else None
        if k > 1:
            vector, style_maps = vector.repeat(k, 1), [m.repeat(k, 1, 1, 1) for m in style_maps]
            background = background.repeat(k, 1, 1, 1) if background is not None else None
            bias = bias.repeat(k, 1, 1, 1) if bias is not None else None
        image, logits = self.generator(vector, self.content_encoder(content), style_maps, bias)
        mask = torch.sigmoid(logits)
        shape = (k * n, *style.shape[1:])
        light = light.repeat(k) if light is not None else None
        if background is not None:
            assert background.shape == shape, f"background {tuple(background.shape)} for style {tuple(style.shape)}"
            image = mask * image + (1 - mask) * background
            background = invert(background, light)
        assert image.shape == shape and mask.shape == (k * n, 1, height, width)
        image = invert(image, light)
        outputs = (image, logits if mask_logits else mask)
        return outputs + (background,) if with_background else outputs

    def light_text(self, style: torch.Tensor) -> torch.Tensor | None:
        """With `polarity`, which style images have light text (inverted in, their outputs
        inverted back); else None."""
        return inputs.light_text(style) if self.config.polarity else None

    def background_of(self, style: torch.Tensor) -> torch.Tensor:
        """The background branch's prediction for style images: the images without their text."""
        assert self.background is not None, "the model has no background branch (model.background false)"
        light = self.light_text(style)
        return invert(self.background(self.style_encoder(invert(style, light))[1]), light)


def on_canvas(images: torch.Tensor, config: BrushConfig) -> torch.Tensor:
    """Images as high as the canvas squeezed to its width (area filter); the canvas' own unchanged."""
    if images.shape[-1] == config.width:
        return images
    return F.interpolate(images.float(), size=(config.height, config.width), mode="area").to(images.dtype)


def placed(content: torch.Tensor, placement: torch.Tensor, given: torch.Tensor | None) -> torch.Tensor:
    """The content moved by `given` (N x 4) when there is one, else by `placement`."""
    return warp(content, placement if given is None else given)


@register("brush", BrushConfig, "brush: TextStyleBrush-style generator (style + content encoders, modulated generator, discriminator)",
          legacy={"align_content": False, "background": False, "polarity": False, "colour_skip": False, "style_norm": False},
          removed={"ink_skip": False})
class Brush(nn.Module):
    def __init__(self, config: BrushConfig):
        super().__init__()
        self.config = config
        c = config
        self.g = BrushGenerator(c)
        self.d = DISCRIMINATORS[c.discriminator](c.in_channels, c.d_widths)
        self.g_ema = copy.deepcopy(self.g).eval().requires_grad_(False)
        self.aligner = ContentAligner(c.in_channels, c.content_channels, c.height, c.width, len(c.widths)) if c.align_content else None

    def forward(self, style: torch.Tensor, content: torch.Tensor, placement: bool = False, given: torch.Tensor | None = None,
                with_background: bool = False):
        """The EMA generator's (image, mask) for the content moved by the aligner; with
        `placement`, also the aligner's placement (N x 4; None without an aligner); with
        `with_background`, last the predicted background (None without the branch). `given` (N x
        4): placements to use instead of the aligner's (`brush eval --true-placement`).

        Style and content are on the canvas, or as high and wider (a multiple of
        `config.scale`: `brush edit` runs a crop wider than the canvas' aspect at its own width,
        BENCHMARKS.md): the generator is convolutional, and the aligner, whose head is not,
        reads the pair squeezed to the canvas (a placement is in coordinates relative to the
        image, the same for both)."""
        assert given is None or (self.aligner is not None and given.shape == (style.shape[0], 4)), "given placements need an aligner, N x 4"
        moved = None
        if self.aligner is not None:
            moved = self.aligner(*(on_canvas(x, self.config) for x in (style, content)))
            content = placed(content, moved, given)
        image, mask, background = self.g_ema(style, content, with_background=True)
        return (image, mask) + ((moved,) if placement else ()) + ((background,) if with_background else ())

    def background_of(self, style: torch.Tensor) -> torch.Tensor:
        """The EMA background branch's prediction for style images: the images without their text
        (`brush edit --erase`). Only for a model with the branch."""
        return self.g_ema.background_of(style)

    def train(self, mode: bool = True):
        super().train(mode)
        self.g_ema.eval()
        return self

    @torch.no_grad()
    def update_ema(self, decay: float) -> None:
        """g_ema <- decay * g_ema + (1 - decay) * g (buffers copied)."""
        for ema, live in zip(self.g_ema.parameters(), self.g.parameters()):
            ema.lerp_(live.detach().to(ema.dtype), 1 - decay)
        for ema, live in zip(self.g_ema.buffers(), self.g.buffers()):
            ema.copy_(live)
