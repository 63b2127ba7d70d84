"""Training throughput of our models: the training step alone (synthetic batches on the
device) and the loader alone (on-the-fly rendering from fonts/pack, or shards).

    python scripts/bench_classifier.py model --preset vgg16 --device cuda --batch-size 256 [--compile]
    python scripts/bench_classifier.py model --model trba --preset small --batch-size 64
    python scripts/bench_classifier.py loader --fonts fonts.pack --workers 15 --batch-size 256
    python scripts/bench_classifier.py loader --data data/words --workers 2

Prints one JSON object per measurement. For the model: img/s, the forward FLOPs per image
(counted from the layer shapes), achieved TFLOP/s (3 x forward for a training step) and, on a
known GPU, the share of its dense bf16 peak."""

from __future__ import annotations

import argparse
import json
import time

import torch
from torch import nn

from classifier.classification import PRESETS
from classifier.registry import create_model, make_config
from classifier.training import TrainConfig, autocast_bf16, make_optimizer

PEAK_BF16_TFLOPS = {"H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "H200": 989.0}  # dense, from NVIDIA's data sheets


def forward_flops(model: nn.Module, images: torch.Tensor) -> float:
    """Multiply-adds x 2 of every conv and linear layer for one image."""
    total = 0

    def conv_hook(m, inputs, output):
        nonlocal total
        total += 2 * output[0].numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inputs, output):
        nonlocal total
        total += 2 * m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    with torch.no_grad():
        model(images[:1])
    for h in hooks:
        h.remove()
    return float(total)


def bench_model(args) -> dict:
    from classifier.recognizer.task import PRESETS as RECOGNIZER_PRESETS
    from classifier.recognizer.task import sequence_loss

    device = torch.device(args.device)
    if args.model == "trba":
        model = create_model("trba", **{**RECOGNIZER_PRESETS[args.preset]["model"], **args.model_config}).to(device)
    else:
        model = create_model("vgg16", **{**PRESETS[args.preset]["model"], "num_classes": args.classes, **args.model_config}).to(device)
    c = model.config
    images = torch.rand(args.batch_size, c.in_channels, c.height, c.width, device=device)
    targets = torch.randint(0, args.classes, (args.batch_size,), device=device)
    texts = ["".join(c.charset[(k * 7 + j) % len(c.charset)] for j in range(4 + k % 8)) for k in range(args.batch_size)] if args.model == "trba" else []
    flops = forward_flops(model, images)  # conv and linear layers (the recognizer's LSTMs are not counted)
    cuda = device.type == "cuda"
    bf16 = autocast_bf16(TrainConfig(bf16=args.bf16), device)  # as the trainer: CUDA, and CPUs with native bf16
    if args.channels_last:  # as the trainer does (both models allow it on the CPU), the batch converted on CUDA
        model = model.to(memory_format=torch.channels_last)
        if cuda:
            images = images.contiguous(memory_format=torch.channels_last)
    step_model = torch.compile(model) if args.compile else model
    optimizer = make_optimizer(model, TrainConfig(lr=1e-4, optimizer=args.optimizer))  # the trainer's: AdamW fused where it can be, or Muon

    def step():
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            loss = sequence_loss(step_model, images, texts) if args.model == "trba" else nn.functional.cross_entropy(step_model(images).float(), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    for _ in range(args.warmup):
        step()
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    rate = args.steps * args.batch_size / seconds
    result = {"what": "model", "model": args.model, "preset": args.preset, "device": torch.cuda.get_device_name(device) if cuda else "cpu",
              "batch_size": args.batch_size, "bf16": bf16, "channels_last": args.channels_last,
              "compile": args.compile, "model_config": args.model_config, "img_per_s": round(rate, 1), "gflop_per_img_fwd": round(flops / 1e9, 3),
              "achieved_tflops": round(3 * flops * rate / 1e12, 1), "params_m": round(sum(p.numel() for p in model.parameters()) / 1e6, 1),
              "canvas": [c.height, c.width], "threads": torch.get_num_threads()}
    peak = next((v for k, v in PEAK_BF16_TFLOPS.items() if k in result["device"]), None)
    if peak:
        result["share_of_bf16_peak"] = round(result["achieved_tflops"] / peak, 3)
    return result


def bench_loader(args) -> dict:
    from torch.utils.data import DataLoader

    from classifier.data import DataConfig, open_sources

    c = make_config("vgg16", **{k: v for k, v in PRESETS[args.preset]["model"].items()})
    config = DataConfig(data=args.data, fonts=args.fonts, on_the_fly=args.fonts is not None, val_samples=0)
    sources = open_sources(config, ("image", "font"), (c.height, c.width), c.in_channels)
    data = sources.train
    batches = [list(range(k * args.batch_size, (k + 1) * args.batch_size)) for k in range(args.steps + args.warmup)]
    if args.data:
        batches = [[i % len(data) for i in b] for b in batches]
    loader = DataLoader(data, batch_sampler=batches, num_workers=args.workers, prefetch_factor=4 if args.workers else None)
    start, n = None, 0
    for k, batch in enumerate(loader):
        if k == args.warmup:
            start = time.perf_counter()
        if start is not None:
            n += len(batch["font"])
    seconds = time.perf_counter() - start
    return {"what": "loader", "source": args.fonts or args.data, "workers": args.workers, "batch_size": args.batch_size,
            "canvas": [c.height, c.width], "classes": len(sources.classes), "img_per_s": round(n / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["model", "loader"])
    parser.add_argument("--model", default="vgg16", choices=["vgg16", "trba"])
    parser.add_argument("--preset", default="vgg16", help="vgg16: smoke, small, vgg16; trba: smoke, small, trba")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--classes", type=int, default=2500)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--optimizer", default="adamw", choices=["adamw", "sgd", "muon"])
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument("--no-channels-last", dest="channels_last", action="store_false")
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--model-config", type=json.loads, default={}, metavar="JSON",
                        help='model settings over the preset\'s, e.g. \'{"pool_before_norm": false}\'')
    parser.add_argument("--fonts")
    parser.add_argument("--data")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(json.dumps(bench_model(args) if args.what == "model" else bench_loader(args)), flush=True)


if __name__ == "__main__":
    main()
