"""TRBA assembled from its four stages by a dataclass config (DTRB's Trans-Feat-Seq-Pred).

`forward(images, tokens=None)` -> logits: attention N x (max_length + 1) x (len(charset) + 2)
(teacher forcing with `tokens`, greedy without), CTC N x T x (len(charset) + 1).
`predict(images)` -> (texts, confidences)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from classifier.inputs import normalise_per_image
from classifier.recognizer.labels import ATTN_OFFSET, CTC_OFFSET, PRINTABLE_ASCII, decode_attention, decode_ctc
from classifier.recognizer.prediction import AttentionDecoder
from classifier.recognizer.resnet import ResNetFeatures
from classifier.recognizer.sequence import BiLSTM
from classifier.recognizer.tps import TPS
from classifier.recognizer.widths import reads_any_width
from classifier.registry import register

@dataclass(frozen=True)
class RecognizerConfig:
    charset: str = PRINTABLE_ASCII  # case-sensitive; the class list
    in_channels: int = 1
    height: int = 32
    width: int = 100
    max_length: int = 25
    transformation: str = "tps"  # tps or none
    fiducial_points: int = 20
    tps_channels: int = 64  # width of the TPS localisation network's first layer (then x2, x4, x8)
    feature_channels: int = 512
    blocks: tuple[int, ...] = (1, 2, 5, 3)  # residual blocks of the four ResNet stages
    sequence: str = "bilstm"  # bilstm or none
    hidden: int = 256
    prediction: str = "attn"  # attn or ctc
    input_norm: str = "none"  # none: images as given, in [0, 1]; image: each to zero mean, unit std; polarity: image, text made dark
    train_widths: str = "canvas"  # canvas: every training image fitted into height x width (long texts squeezed);
    # own: a wider one at its own width (widths.training_groups; no TPS only)
    ctc_aux: float = 0.0  # attention models: weight of a CTC loss on the encoder's columns, training only (joint
    # CTC-attention, Kim et al. 2017, meant to make the decoder align sooner; not shown on a 2-core CPU: BENCHMARKS.md)

    def __post_init__(self):
        if not self.charset or len(set(self.charset)) != len(self.charset):
            raise ValueError("charset must be a non-empty string of distinct characters")
        if self.transformation not in ("tps", "none") or self.sequence not in ("bilstm", "none") or self.prediction not in ("attn", "ctc"):
            raise ValueError(f"stages: transformation tps|none, sequence bilstm|none, prediction attn|ctc "
                             f"(got {self.transformation}, {self.sequence}, {self.prediction})")
        if self.in_channels not in (1, 3) or self.height < 32 or self.width < 16 or self.max_length < 1:
            raise ValueError("in_channels 1 or 3, height at least 32, width at least 16, max_length at least 1")
        if len(self.blocks) != 4 or min(self.blocks) < 1 or self.feature_channels % 16 or self.hidden < 1 or self.tps_channels < 1:
            raise ValueError("blocks: four positive counts; feature_channels a multiple of 16; hidden positive")
        if self.input_norm not in ("none", "image", "polarity"):
            raise ValueError(f"input_norm must be none, image or polarity, got {self.input_norm!r}")
        if self.train_widths not in ("canvas", "own") or (self.train_widths == "own" and self.transformation != "none"):
            raise ValueError(f"train_widths must be canvas or own, and own needs transformation none (TPS samples a fixed grid); "
                             f"got {self.train_widths}, {self.transformation}")
        if self.ctc_aux < 0 or (self.ctc_aux and self.prediction != "attn"):
            raise ValueError(f"ctc_aux must be non-negative, and only attention models take it (got {self.ctc_aux}, {self.prediction})")

    @property
    def ctc_columns(self) -> int:
        """Columns a CTC model reads (0 for attention models): the limit of `labels.ctc_steps`."""
        return ResNetFeatures.columns(self.width) if self.prediction == "ctc" else 0

    @property
    def classes(self) -> int:
        return len(self.charset) + (ATTN_OFFSET if self.prediction == "attn" else CTC_OFFSET)


@register("trba", RecognizerConfig, "TPS-ResNet-BiLSTM-Attention text recognizer (stages selectable: none/ctc)")
class Recognizer(nn.Module):
    cpu_channels_last = True  # the trainer may put it in channels_last on the CPU (training.uses_channels_last)

    def __init__(self, config: RecognizerConfig):
        super().__init__()
        self.config = c = config
        self.transform = TPS(c.in_channels, c.height, c.width, c.fiducial_points, c.tps_channels) if c.transformation == "tps" else nn.Identity()
        self.features = ResNetFeatures(c.in_channels, c.feature_channels, c.blocks)
        self.collapse = nn.AdaptiveAvgPool2d((1, None))  # any height to one row of columns
        self.sequence = BiLSTM(c.feature_channels, c.hidden) if c.sequence == "bilstm" else nn.Identity()
        width = c.hidden if c.sequence == "bilstm" else c.feature_channels
        if c.prediction == "attn":
            self.decoder = AttentionDecoder(width, c.hidden, c.classes)
        else:
            self.decoder = nn.Linear(width, c.classes)
        self.ctc_head = nn.Linear(width, len(c.charset) + CTC_OFFSET) if c.ctc_aux else None  # training only

    @property
    def reads_any_width(self) -> bool:
        """Whether images wider than the canvas may be read (`widths.reads_any_width`)."""
        return reads_any_width(self.config)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """N x T x features: the columns after transformation, ResNet and sequence model."""
        c = self.config
        wide = self.reads_any_width and images.ndim == 4 and images.shape[3] > c.width
        assert images.ndim == 4 and images.shape[1:3] == (c.in_channels, c.height) and (images.shape[3] == c.width or wide), \
            f"expected N x {c.in_channels} x {c.height} x {c.width} images{' (or wider)' if self.reads_any_width else ''}, got {tuple(images.shape)}"
        if c.input_norm != "none":
            images = normalise_per_image(images, polarity=c.input_norm == "polarity")
        columns = self.collapse(self.features(self.transform(images))).squeeze(2).transpose(1, 2)
        return self.sequence(columns)

    def forward(self, images: torch.Tensor, tokens: torch.Tensor | None = None, with_ctc: bool = False):
        """Logits; with `with_ctc` (attention models with ctc_aux) also the auxiliary CTC logits."""
        features = self.encode(images)
        if self.config.prediction == "attn":
            logits = self.decoder(features, tokens, self.config.max_length + 1)
            return (logits, self.ctc_head(features)) if with_ctc else logits
        return self.decoder(features)

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> tuple[list[str], list[float]]:
        """Greedy texts and confidences (product of the chosen tokens' probabilities, end token included)."""
        probs = self(images).float().softmax(dim=2)
        best, ids = probs.max(dim=2)
        if self.config.prediction == "attn":
            texts = decode_attention(ids, self.config.charset)
            ends = [min(len(t), self.config.max_length) + 1 for t in texts]  # chars + [s]
            confidences = [float(best[i, :e].prod()) for i, e in enumerate(ends)]
        else:
            texts = decode_ctc(ids, self.config.charset)
            emitted = (ids != 0) & torch.cat([torch.ones_like(ids[:, :1], dtype=torch.bool), ids[:, 1:] != ids[:, :-1]], 1)
            confidences = [float(best[i][emitted[i]].prod()) for i in range(len(texts))]
        return texts, confidences

