"""Where a brush model's image error lies: its outputs composed with parts of the truth.

    python scripts/brush_where_lost.py runs/brush --data data/pairs-test --limit 500 [--json]

For held-out pairs with masks (`--recipe pairs`), the eval's image metrics (MSE, PSNR, MOSTEL's
MS-SSIM and the textbook one, `brush.evaluate.image_metrics`) of:

- the model as `brush eval` scores it, and with the content at its true placement;
- the model with the style image's own pixels kept outside the old text (A's true mask) and
  the new text (the model's mask), grown by `--grow` pixels: what an editor that leaves every
  pixel away from text alone would score;
- the model with the true background outside its mask: a perfect eraser;
- the model inside the true text box of B only, the true background elsewhere;
- the two baselines (style image, background).

Each row swaps one part of the output for the truth, so the gap between rows says how much of
the error that part holds."""

from __future__ import annotations

import argparse
import json

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset

from brush.edit import load_brush
from brush.evaluate import EVAL_FIELDS, Totals, image_metrics
from brush.placement import fitted_placement
from classifier.data import open_dataset


def grown(mask: torch.Tensor, pixels: int) -> torch.Tensor:
    """A 0/1 mask (N x 1 x H x W, ink above 0.5) grown by `pixels` in every direction."""
    ink = (mask > 0.5).float()
    return F.max_pool2d(ink, 2 * pixels + 1, stride=1, padding=pixels) if pixels else ink


def through(mask: torch.Tensor, inside: torch.Tensor, outside: torch.Tensor) -> torch.Tensor:
    return mask * inside + (1 - mask) * outside


def rows(model, batch: dict, grow: int) -> dict[str, torch.Tensor]:
    """The images each row scores against the target, for one batch."""
    style, background = batch["image"], batch["background"]
    content = batch["content-b"][:, :1]
    old, new = batch["mask"], batch["mask-b"]
    out, mask = model(style, content)
    placed_out, _ = model(style, content, given=fitted_placement(content, new)) if model.aligner is not None else (out, mask)
    away = grown(torch.maximum(grown(old, 0), grown(mask, 0)), grow)
    return {
        "model": out,
        "model, true placement": placed_out,
        f"model, style's pixels outside old + new text (grown {grow} px)": through(away, out, style),
        "model inside its mask, true background elsewhere": through(grown(mask, grow), out, background),
        f"model inside B's true text (grown {grow} px), true background elsewhere": through(grown(new, grow), out, background),
        "baseline: style image": style,
        "baseline: background": background,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run")
    parser.add_argument("--data", required=True)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--grow", type=int, default=1, help="pixels each text mask is grown by")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    model, _ = load_brush(args.run, "cpu")
    c = model.config
    data = open_dataset(args.data, (*EVAL_FIELDS, "mask", "mask-b"), (c.height, c.width), c.in_channels, "--data")
    totals: dict[str, Totals] = {}
    with torch.no_grad():
        for batch in DataLoader(Subset(data, range(min(args.limit, len(data)))), batch_size=50):
            for name, images in rows(model, batch, args.grow).items():
                totals.setdefault(name, Totals()).add(image_metrics(images.float(), batch["target"]))
    report = {name: t.means() | {"n": t.n} for name, t in totals.items()}
    if args.json:
        print(json.dumps(report))
        return
    print(f"{'':75s} {'MSE':>7s} {'PSNR':>6s} {'MS-SSIM':>8s} {'textbook':>8s}")
    for name, m in report.items():
        print(f"{name:75s} {m['mse']:7.4f} {m['psnr']:6.2f} {m['ms_ssim']:8.1f} {m['ms_ssim_true']:8.1f}")


if __name__ == "__main__":
    main()
