"""Speed of brush: training steps per second per preset (synthetic pairs on the device, the
loader left out), and `brush stylize` seconds per 100 steps.

    python scripts/bench_brush.py train --preset small [--model '{"background": true}'] [--features random] [--classifier RUN] [--recognizer RUN] [--batch-size 16] [--device cuda]
    python scripts/bench_brush.py stylize --size 64x256 --loss gram [--steps 100] [--device cuda]
    python scripts/bench_brush.py aligner --data data/pairs --test-data data/pairs-test [--steps 600] [--size 32x128] [--source-text]

Prints one JSON object per measurement. A training step is what `brush train` does per batch
in the joint phase: a discriminator step, then a generator step with every loss whose network is
present (target, mask, ink, reconstruction, cycle, adversarial; perceptual and Gram with
--features or --classifier, typeface with --classifier, OCR with --recognizer), and the aligner's step.
`aligner` trains the content aligner alone by its box loss (Adam, constant lr, batch 16) and
reports where it places the content's text box on the test pairs: the box IoU with the target's,
against the content left where it is (`--source-text`: a probe that also shows it the old text
in the standard font, which `brush edit` does not know)."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

import numpy as np
import torch

import brush.model  # noqa: F401
from brush.train import PRESETS, BrushTask, LossConfig, branch_losses_off, load_frozen
from classifier.registry import create_model
from classifier.training import TrainConfig, autocast_bf16, make_optimizer, optimise_step, uses_channels_last


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench_train(args) -> dict:
    device = torch.device(args.device)
    preset = PRESETS[args.preset]
    model = create_model("brush", **{**preset["model"], **json.loads(args.model)}).to(device)
    channels_last = uses_channels_last(model, TrainConfig(channels_last=args.channels_last), device)  # as the trainer: CUDA only
    if channels_last:
        model.to(memory_format=torch.channels_last)
    c = model.config
    batch_size = args.batch_size or preset["train"]["batch_size"]
    frozen, off = load_frozen({"features": args.features, "classifier": args.classifier, "recognizer": args.recognizer}, LossConfig())
    off |= branch_losses_off(model.config, LossConfig())
    task = BrushTask(replace(LossConfig(), **{k: 0.0 for k in off}), frozen.to(device))
    parts = task.parts(model)
    config = TrainConfig(**{k: v for k, v in preset["train"].items() if k in ("lr", "betas", "weight_decay", "grad_clip")})
    optimizers = {k: make_optimizer(p, config) for k, p in parts.items()}
    g = torch.Generator().manual_seed(0)
    rand = lambda ch: torch.rand(batch_size, ch, c.height, c.width, generator=g)  # noqa: E731
    batch = {"image": rand(3), "target": rand(3), "content": rand(1), "content-b": rand(1), "mask": rand(1), "mask-b": rand(1),
             "label-b": ["brush"] * batch_size, "background": rand(3)}
    bf16 = autocast_bf16(TrainConfig(bf16=args.bf16), device)  # as the trainer: CUDA, and CPUs with native bf16

    def step(k: int) -> None:
        optimise_step(task, model, parts, parts, optimizers, batch, device, k + 10**9, bf16, config.grad_clip)  # joint phase

    for k in range(args.warmup):
        step(k)
    sync(device)
    start = time.perf_counter()
    for k in range(args.steps):
        step(k)
    sync(device)
    seconds = time.perf_counter() - start
    return {"what": "train", "preset": args.preset, "model": json.loads(args.model), "batch_size": batch_size, "canvas": f"{c.height}x{c.width}", "device": str(device),
            "features": args.features, "classifier": args.classifier, "recognizer": args.recognizer, "losses_on": list(task.term_names),
            "channels_last": channels_last, "bf16": bf16, "steps_per_s": round(args.steps / seconds, 3), "pairs_per_s": round(args.steps * batch_size / seconds, 1),
            "g_params_M": round(sum(p.numel() for p in model.g.parameters()) / 1e6, 2),
            "d_params_M": round(sum(p.numel() for p in model.d.parameters()) / 1e6, 2), "threads": torch.get_num_threads()}


def bench_stylize(args) -> dict:
    from brush.features import load_feature_net
    from brush.stylize import StylizeConfig, stylize

    h, w = (int(v) for v in args.size.split("x"))
    rng = np.random.default_rng(0)
    content = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    style = (rng.random((h, w, 3)) * 255).astype(np.uint8)
    net = load_feature_net(args.features)
    config = StylizeConfig(style_loss=args.loss, steps=args.steps, optimizer=args.optimizer)
    device = torch.device(args.device)
    stylize(content, style, net, StylizeConfig(style_loss=args.loss, steps=2, optimizer=args.optimizer), device=device)  # warm-up
    sync(device)
    start = time.perf_counter()
    stylize(content, style, net, config, device=device)
    sync(device)
    seconds = time.perf_counter() - start
    return {"what": "stylize", "size": args.size, "loss": args.loss, "optimizer": args.optimizer, "features": args.features, "device": str(device),
            "steps": args.steps, "s_per_100_steps": round(seconds * 100 / args.steps, 2), "threads": torch.get_num_threads()}


def bench_aligner(args) -> dict:
    from torch.utils.data import DataLoader

    from brush import losses
    from brush.placement import ContentAligner, placement_box_iou
    from fontsynth.torchdata import ShardDataset

    torch.manual_seed(args.seed)
    h, w = (int(v) for v in args.size.split("x"))
    fields = ("image", "content-b", "mask-b") + (("content",) if args.source_text else ())
    train = ShardDataset(args.data, fields=fields, size=(h, w), channels=3)
    aligner = ContentAligner(3 + args.source_text, 1, h, w, levels=4)

    def shown(batch: dict) -> torch.Tensor:
        """The style image, with --source-text also its own text in the standard font."""
        return torch.cat([batch["image"], batch["content"][:, :1]], dim=1) if args.source_text else batch["image"]

    optimizer = torch.optim.Adam(aligner.parameters(), lr=args.lr)
    loader = DataLoader(train, batch_size=16, shuffle=True, num_workers=1, drop_last=True, generator=torch.Generator().manual_seed(args.seed))
    step, start = 0, time.perf_counter()
    while step < args.steps:
        for batch in loader:
            loss = losses.placement_loss(aligner(shown(batch), batch["content-b"]), batch["content-b"], batch["mask-b"])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step += 1
            if step == args.steps:
                break
    seconds = time.perf_counter() - start
    test = ShardDataset(args.test_data, fields=fields, size=(h, w), channels=3)
    items = [test[i] for i in range(min(len(test), args.test_pairs))]
    stack = lambda key: torch.stack([item[key] for item in items])  # noqa: E731
    with torch.no_grad():
        placement = aligner.eval()(shown({key: stack(key) for key in fields}), stack("content-b"))
    placed = placement_box_iou(placement, stack("content-b"), stack("mask-b"))
    where_it_is = placement_box_iou(torch.zeros_like(placement), stack("content-b"), stack("mask-b"))
    return {"what": "aligner", "steps": args.steps, "lr": args.lr, "seed": args.seed, "canvas": args.size, "source_text": args.source_text, "train_s": round(seconds, 1),
            "test_pairs": len(items), "placed_box_iou": round(float(placed.nanmean()), 3), "content_box_iou": round(float(where_it_is.nanmean()), 3),
            "threads": torch.get_num_threads()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("train")
    t.add_argument("--preset", default="small", choices=sorted(PRESETS))
    t.add_argument("--batch-size", type=int, default=0)
    t.add_argument("--features", default=None, help="random, a typeface run, or a torchvision VGG .pth (default: --classifier's)")
    t.add_argument("--classifier", default=None, help="a typeface run: typeface loss (and the feature network)")
    t.add_argument("--recognizer", default=None, help="a recognizer run: OCR loss")
    t.add_argument("--model", default="{}", help='JSON overrides of the preset\'s model config, e.g. \'{"background": true}\'')
    t.add_argument("--steps", type=int, default=10)
    t.add_argument("--warmup", type=int, default=2)
    t.add_argument("--device", default="cpu")
    t.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    t.add_argument("--no-bf16", dest="bf16", action="store_false", help="float32 (the trainer's `{\"train\": {\"bf16\": false}}`)")
    s = sub.add_parser("stylize")
    s.add_argument("--size", default="64x256")
    s.add_argument("--loss", default="gram", choices=("gram", "mrf"))
    s.add_argument("--optimizer", default="lbfgs", choices=("lbfgs", "adam"))
    s.add_argument("--features", default="random")
    s.add_argument("--steps", type=int, default=100)
    s.add_argument("--device", default="cpu")
    a = sub.add_parser("aligner")
    a.add_argument("--data", required=True, help="pairs to train on (`render --recipe pairs`)")
    a.add_argument("--test-data", required=True, help="held-out pairs to measure on")
    a.add_argument("--steps", type=int, default=600)
    a.add_argument("--lr", type=float, default=1e-3)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--size", default="32x128")
    a.add_argument("--test-pairs", type=int, default=1000)
    a.add_argument("--source-text", action="store_true", help="also show the aligner the old text in the standard font (a probe: edit does not know it)")
    args = parser.parse_args()
    run = {"train": bench_train, "stylize": bench_stylize, "aligner": bench_aligner}[args.what]
    print(json.dumps(run(args)), flush=True)


if __name__ == "__main__":
    main()
