"""The recognizer's side of training: the loss (also brush's OCR loss), the task plugged into
the shared trainer, presets, and label checks reported before training."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, Subset

from classifier.data import Sources
from classifier.recognizer.evaluate import recognition_metrics
from classifier.recognizer.labels import GO, edit_distance, encode_attention, encode_ctc, usable_labels
from classifier.recognizer.reading_order import drawn_charset
from classifier.recognizer.widths import evaluation_canvas, predict_at_widths, training_canvas, training_groups
from classifier.runs import Prepared, TrainerSpec, TrainRequest, start_run
from classifier.training import RunResult, unwrap
from fontsynth.errors import UserError

KIND, MODEL = "recognizer", "trba"

PRESETS: dict[str, dict[str, dict]] = {
    "smoke": {
        "model": {"feature_channels": 32, "blocks": (1, 1, 1, 1), "hidden": 32, "transformation": "none"},
        "train": {"steps": 60, "batch_size": 16, "lr": 2e-3, "warmup_steps": 5, "val_every": 30, "checkpoint_every": 30, "log_every": 10},
        "data": {"val_samples": 128},
    },
    "small": {  # CPU-sized: a narrow ResNet read by CTC (DTRB's None-ResNet-None-CTC, Rosetta-like). On 2 CPU cores
        # the four TRBA stages stay on the loss plateau for the first thousand steps (BiLSTM and attention both
        # learn late; TPS slows the step by 20-45% in the probes); this one reads 82% of held-out clean words after 4 minutes.
        # Polarity input norm: 77.9% of held-out default renders after 10 minutes on them, against 70.8% without. Muon
        # (classifier.muon) at lr 8e-3: 91.0% of them after 10 minutes against 87.4% for AdamW at 2e-3, the same hour
        "model": {"feature_channels": 64, "blocks": (1, 1, 2, 1), "hidden": 128, "tps_channels": 16,
                  "transformation": "none", "sequence": "none", "prediction": "ctc", "input_norm": "polarity"},
        "train": {"steps": 4000, "batch_size": 64, "lr": 8e-3, "optimizer": "muon", "warmup_steps": 50, "val_every": 250,
                  "checkpoint_every": 250, "weight_decay": 0.01},
    },
    "trba": {  # DTRB's TRBA (49.6M parameters)
        "model": {},
        "train": {"steps": 100_000, "batch_size": 192, "lr": 1e-3, "warmup_steps": 1000, "val_every": 2000, "checkpoint_every": 2000,
                  "weight_decay": 0.01},
    },
}


def sequence_loss(model: nn.Module, images: torch.Tensor | list[torch.Tensor], texts: list[str], training: bool = False) -> torch.Tensor:
    """Mean cross-entropy of `texts` given `images` (attention, teacher forcing) or CTC loss
    (CTC models). Every text must be a valid label (see labels.label_problem). `training` adds
    the auxiliary CTC loss of attention models with `ctc_aux` (the loss the trainer minimises;
    brush's `ocr_loss` is the cross-entropy alone). `images` may be a list of batches of
    different widths (`widths.training_groups`) whose texts, in order, are `texts`: the loss is
    then the one of a single batch holding them all."""
    c = unwrap(model).config
    batches = images if isinstance(images, list) else [images]
    if c.prediction == "attn":
        tokens = encode_attention(texts, c.charset, c.max_length).to(batches[0].device)
        aux = training and c.ctc_aux > 0
        given = tokens[:, :-1].split([len(b) for b in batches])
        outs = [model(b, t, with_ctc=True) if aux else (model(b, t), None) for b, t in zip(batches, given)]
        logits = torch.cat([logits for logits, _ in outs])
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1), ignore_index=GO)
        return loss + c.ctc_aux * ctc_loss([aux_logits for _, aux_logits in outs], texts, c.charset) if aux else loss
    return ctc_loss([model(b) for b in batches], texts, c.charset)


def ctc_loss(logits: list[torch.Tensor], texts: list[str], charset: str) -> torch.Tensor:
    """CTC loss of `texts` given batches of N x T x classes logits (class 0: blank; T may differ
    between batches; the texts of all batches in order), the mean over all texts of each text's
    loss divided by its length (PyTorch's 'mean')."""
    targets, lengths = encode_ctc(texts, charset)
    losses, first = [], 0
    for batch, n in zip(logits, lengths.split([len(b) for b in logits])):
        log_probs = batch.float().log_softmax(2).transpose(0, 1)  # T x N x C
        take = targets[first:first + int(n.sum())]
        first += int(n.sum())
        inputs = torch.full((batch.shape[0],), log_probs.shape[0], dtype=torch.long)
        losses.append(F.ctc_loss(log_probs, take.to(batch.device), inputs, n, blank=0, reduction="none", zero_infinity=True))
    return (torch.cat(losses) / lengths.to(losses[0].device).clamp(min=1)).mean()


class RecognizerTask:
    score = "val_word_accuracy"
    metric_names = ("val_word_accuracy", "val_word_accuracy_nocase", "val_cer", "dropped")

    def __init__(self, config):
        self.config = config  # the RecognizerConfig whose labels it checks
        self.dropped: Counter = Counter()  # labels of the training stream left out, by reason

    def usable(self, texts: list[str]) -> list[int]:
        """Positions of the usable labels; the others are counted in `dropped` by reason."""
        keep, reasons = usable_labels(texts, self.config)
        self.dropped.update(reasons)
        return keep

    def loss(self, model: nn.Module, batch: dict, device: torch.device) -> tuple[torch.Tensor, int]:
        keep = self.usable(list(batch["label"]))
        if not keep:  # a whole batch of unusable labels: a zero loss that still touches every parameter
            return sum(p.sum() * 0 for p in model.parameters()), 0
        images, texts = batch["image"][keep].to(device, non_blocking=True), [batch["label"][k] for k in keep]
        if self.config.train_widths == "own":
            groups = training_groups(images, self.config.width)
            images, texts = [g for _, g in groups], [texts[k] for indices, _ in groups for k in indices]
        return sequence_loss(model, images, texts, training=True), len(keep)

    def validate(self, model: nn.Module, loader: DataLoader, device: torch.device) -> dict[str, float]:
        reading = read_batches(model, loader, device, keep_worst=0)
        m = recognition_metrics(reading.predictions, reading.truths)
        return {"val_word_accuracy": m["word_accuracy"], "val_word_accuracy_nocase": m["word_accuracy_nocase"], "val_cer": m["cer"],
                "dropped": float(sum(self.dropped.values()))}

    def tables(self) -> dict:
        return {"charset": self.config.charset, "max_length": self.config.max_length, "dropped": dict(self.dropped)}


def describe_dropped(reasons: Counter) -> str:
    return ", ".join(f"{n:,} {why}" for why, n in reasons.most_common()) or "none"


def prepare(model_config, sources: Sources, options: dict, resuming: bool) -> Prepared:
    """The charset (--charset, else the data's: a dataset's stored labels, or on the fly what
    the stream's corpus can draw with its fonts: printable ASCII, space included, for the
    embedded corpus), the prediction head, and the label check reported before training."""
    if not resuming:
        charset = options.get("charset") or sources.charset
        if not charset:
            raise UserError("the training data's labels hold no character (every one is empty): nothing to learn to read; "
                            "pass data with texts")
        model_config = replace(model_config, charset=drawn_charset("".join(dict.fromkeys(charset))), **({"prediction": options["prediction"]} if options.get("prediction") else {}))
    summary, train_data = {"charset": model_config.charset}, sources.train
    if sources.on_the_fly:
        print(f"labels are checked as they are drawn (the dropped column of metrics.csv); "
              f"charset of {len(model_config.charset)} characters, max length {model_config.max_length}")
    else:
        from classifier.data import Mixture

        mixed = isinstance(sources.train, Mixture)
        parts = sources.train.parts if mixed else [sources.train]
        kept, reasons = [], Counter()
        for k, part in enumerate(parts):
            keep, why = usable_labels(part.labels(), model_config)
            kept.append(keep)
            reasons.update(why)
            where = f" of {sources.train.names[k]}" if mixed else ""
            print(f"labels{where}: {len(keep):,} of {len(part):,} usable; left out: {describe_dropped(why)}")
            if mixed and not keep:
                raise UserError(f"no usable label in --data {sources.train.names[k]} (left out: {describe_dropped(why)}); "
                                "pass --charset FILE with its characters or leave that dataset out")
        if not kept[0]:
            raise UserError(f"no usable label in the training data (left out: {describe_dropped(reasons)}); "
                            f"pass --charset FILE with its characters or render shorter texts")
        summary["dropped"] = dict(reasons)
        if mixed:
            train_data = sources.train.restricted(kept) if reasons else sources.train
        else:
            train_data = Subset(sources.train, kept[0]) if reasons else sources.train
    return Prepared(model_config, RecognizerTask(model_config), train_data, summary)


def data_canvas(config) -> tuple[tuple[int, int], str | None]:
    """(the canvas training data are prepared on, the on-the-fly render's default --size): for
    own-width training the wide canvas and words at their natural width, else the canvas and
    None (open_sources renders at the canvas)."""
    return training_canvas(config), str(config.height) if config.train_widths == "own" else None


SPEC = TrainerSpec(kind=KIND, model=MODEL, presets=PRESETS, fields=("image", "label"), prepare=prepare, canvas=data_canvas,
                   val_canvas=evaluation_canvas)


def train_recognizer(request: TrainRequest, on_step=None) -> RunResult:
    return start_run(SPEC, request, on_step)


@dataclass
class Reading:
    truths: list[str] = field(default_factory=list)
    predictions: list[str] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # labels left out, by reason
    worst: list[tuple[float, torch.Tensor, str, str]] = field(default_factory=list)  # (NED, image, truth, reading), worst first
    records: list[str] = field(default_factory=list)  # meta record of each reading, when the batches have them
    indices: list[int] = field(default_factory=list)  # dataset index of each reading, when the batches have them


def read_batches(model, loader, device: torch.device, keep_worst: int = 24) -> Reading:
    """The model's readings of every usable label in `loader` (batches with image and label, and
    meta and index, kept beside the readings, when they have them)."""
    c = model.config
    out, worst = Reading(), []
    for batch in loader:
        texts = list(batch["label"])
        keep, reasons = usable_labels(texts, c)
        out.dropped.update(reasons)
        if not keep:
            continue
        read, _, shown = predict_at_widths(model, batch["image"][keep].to(device, non_blocking=True))
        for k, text, image in zip(keep, read, shown):
            if text != texts[k] and keep_worst:
                worst.append((edit_distance(text, texts[k]) / max(len(text), len(texts[k]), 1), len(out.truths), image.cpu(), texts[k], text))
            out.truths.append(texts[k])
            if "meta" in batch:
                out.records.append(batch["meta"][k])
            if "index" in batch:
                out.indices.append(int(batch["index"][k]))
            out.predictions.append(text)
        worst = sorted(worst, key=lambda w: (-w[0], w[1]))[:keep_worst]
    out.worst = [(w[0], w[2], w[3], w[4]) for w in worst]
    return out


def read_dataset(model, dataset, batch_size: int, device: torch.device, workers: int = 0, limit: int | None = None,
                 progress: bool = False) -> Reading:
    """`read_batches` over a dataset (its first `limit` items; with `progress`, a progress bar on
    stderr); an error when no label is usable."""
    from classifier.data import first_items

    loader, _ = first_items(dataset, batch_size, workers, limit, "reading", progress)
    model.eval().to(device)
    with torch.no_grad():
        reading = read_batches(model, loader, device)
    if not reading.truths:
        raise UserError(f"no image with a usable label in the evaluation data (left out: {describe_dropped(reading.dropped)})")
    return reading
