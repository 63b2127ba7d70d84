"""Pictures people look at, drawn with Pillow alone (no plotting dependency on GPU machines):
training curves and image sheets."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

PANEL = (420, 260)  # width, height of one chart
MARGIN = (58, 28, 16, 34)  # left, top, right, bottom
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")  # tab10


def _font(size: int = 12) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / count))
    for factor in (1, 2, 5, 10):
        if (high - low) / (step * factor) <= count:
            step *= factor
            break
    first = math.ceil(low / step) * step
    return [first + k * step for k in range(int((high - first) / step) + 1)]


def _label(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.2e}"


def draw_chart(title: str, series: dict[str, tuple[Sequence[float], Sequence[float]]], log_y: bool = False) -> Image.Image:
    """One chart: `series` maps a name to (x values, y values); NaNs are skipped."""
    w, h = PANEL
    left, top, right, bottom = MARGIN
    image = Image.new("RGB", PANEL, "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, 6), title, fill="black", font=_font(13))
    clean = {}
    for name, (xs, ys) in series.items():
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        keep = np.isfinite(xs) & np.isfinite(ys) & ((ys > 0) if log_y else True)
        if keep.any():
            clean[name] = (xs[keep], np.log10(ys[keep]) if log_y else ys[keep])
    box = (left, top, w - right, h - bottom)
    draw.rectangle(box, outline="#888888")
    if not clean:
        draw.text((left + 10, top + 10), "no data yet", fill="#888888", font=_font())
        return image
    x_lo = min(xs.min() for xs, _ in clean.values())
    x_hi = max(xs.max() for xs, _ in clean.values())
    y_lo = min(ys.min() for _, ys in clean.values())
    y_hi = max(ys.max() for _, ys in clean.values())
    if x_hi == x_lo:
        x_hi = x_lo + 1
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5

    def to_px(x, y):
        px = box[0] + (x - x_lo) / (x_hi - x_lo) * (box[2] - box[0])
        py = box[3] - (y - y_lo) / (y_hi - y_lo) * (box[3] - box[1])
        return px, py

    for y in _ticks(y_lo, y_hi):
        _, py = to_px(x_lo, y)
        draw.line((box[0], py, box[2], py), fill="#eeeeee")
        draw.text((4, py - 6), _label(10 ** y if log_y else y), fill="black", font=_font(11))
    for x in _ticks(x_lo, x_hi):
        px, _ = to_px(x, y_lo)
        draw.text((px - 10, box[3] + 4), _label(x), fill="black", font=_font(11))
    for k, (name, (xs, ys)) in enumerate(clean.items()):
        colour = COLOURS[k % len(COLOURS)]
        points = [to_px(x, y) for x, y in zip(xs, ys)]
        if len(points) == 1:
            px, py = points[0]
            draw.ellipse((px - 2, py - 2, px + 2, py + 2), fill=colour)
        else:
            draw.line(points, fill=colour, width=2)
        draw.text((box[2] - 150, box[1] + 4 + 14 * k), f"{name} {ys[-1] if not log_y else 10 ** ys[-1]:.4g}", fill=colour, font=_font(11))
    return image


def draw_bars(title: str, rows: Sequence[tuple[str, float]], line: float | None = None) -> Image.Image:
    """Horizontal bars of values in [0, 1], one per (label, value) row, with an optional red
    reference line (say, the overall score)."""
    label_w, bar_w, row_h, top = 230, 320, 16, 30
    image = Image.new("RGB", (label_w + bar_w + 60, top + row_h * len(rows) + 10), "white")
    draw = ImageDraw.Draw(image)
    draw.text((8, 8), title, fill="black", font=_font(13))
    for k, (label, value) in enumerate(rows):
        y = top + k * row_h
        draw.text((8, y + 2), label, fill="black", font=_font(11))
        draw.rectangle((label_w, y + 3, label_w + round(bar_w * min(max(value, 0.0), 1.0)), y + row_h - 3), fill=COLOURS[0])
        draw.text((label_w + bar_w + 6, y + 2), f"{value:.1%}", fill="black", font=_font(11))
    if line is not None:
        x = label_w + round(bar_w * line)
        draw.line((x, top - 4, x, top + row_h * len(rows)), fill=COLOURS[1], width=2)
    return image


def grid(images: Sequence[Image.Image], columns: int, background: str = "white") -> Image.Image:
    """Images (same size) in rows of `columns`."""
    rows = max(1, math.ceil(len(images) / columns))
    w, h = images[0].size
    sheet = Image.new("RGB", (w * columns, h * rows), background)
    for k, image in enumerate(images):
        sheet.paste(image.convert("RGB"), ((k % columns) * w, (k // columns) * h))
    return sheet


LOG_CHARTS = ("loss", "weighted loss terms")


def curve_groups(rows: list[dict[str, float]], x: str = "step") -> dict[str, list[str]]:
    """{chart title: columns}: losses (training and validation) together, a task's weighted loss
    terms together, validation scores within [-1, 1] (shares, IoUs, MSE) together, and every other
    column (PSNR, the learning rate, throughput) on a chart of its own, so that no line is
    flattened by another's scale."""
    names = list(dict.fromkeys(k for r in rows for k in r if k not in (x, "elapsed_s")))

    def largest(name: str) -> float:
        values = [abs(r[name]) for r in rows if isinstance(r.get(name), (int, float)) and math.isfinite(r[name])]
        return max(values, default=0.0)

    groups: dict[str, list[str]] = {}
    for name in names:
        title = ("loss" if name.endswith("loss") else "weighted loss terms" if name.endswith("_term")
                 else "validation" if name.startswith("val_") and largest(name) <= 1 else name)
        groups.setdefault(title, []).append(name)
    return groups


def write_curves(rows: list[dict[str, float]], path: Path, x: str = "step") -> None:
    """curves.png from metrics rows, one chart per `curve_groups` group (losses on a log scale)."""
    if not rows:
        return
    groups = curve_groups(rows, x)
    xs = [r[x] for r in rows]
    charts = [draw_chart(title, {n: (xs, [r.get(n, float("nan")) for r in rows]) for n in members}, log_y=title in LOG_CHARTS)
              for title, members in groups.items()]
    sheet = grid(charts, columns=min(2, len(charts)))
    tmp = path.with_suffix(".tmp.png")
    sheet.save(tmp)
    tmp.replace(path)


def tensor_to_image(tensor) -> Image.Image:
    """A C x H x W float tensor in [0, 1] as a Pillow image."""
    array = (tensor.detach().float().clamp(0, 1).cpu().numpy() * 255 + 0.5).astype(np.uint8)
    return Image.fromarray(array[0] if array.shape[0] == 1 else array.transpose(1, 2, 0))


def captioned(image: Image.Image, caption: str, height: int = 16, prefix: str = "", font: ImageFont.FreeTypeFont | None = None) -> Image.Image:
    """`image` with a line of text under it: `prefix` then `caption`, the caption in `font`
    when given (a text of another script, laid out by HarfBuzz), else both in Pillow's."""
    out = Image.new("RGB", (image.width, image.height + height), "white")
    out.paste(image.convert("RGB"), (0, 0))
    if font is None:
        ImageDraw.Draw(out).text((2, image.height + 2), (prefix + caption)[: image.width // 6], fill="black", font=_font(11))
        return out
    from fontsynth.datasetview import caption_image

    line = caption_image(prefix, _font(11), caption[: image.width // 6], font)
    out.paste(line.crop((0, 0, min(line.width, image.width - 2), min(line.height, height))), (2, image.height + 1))
    return out


def with_header(sheet: Image.Image, names: Sequence[str], width: int, height: int = 16) -> Image.Image:
    """`sheet` under a line naming its columns (each `width` pixels wide, left to right)."""
    out = Image.new("RGB", (sheet.width, sheet.height + height), "white")
    draw = ImageDraw.Draw(out)
    for k, name in enumerate(names):
        draw.text((k * width + 2, 2), name[: width // 6], fill="black", font=_font(11))
    out.paste(sheet, (0, height))
    return out


def write_tensor_grid(tensors: dict, columns: Sequence[str], path: Path) -> None:
    """A PNG with one row per sample and one column per name in `columns` (`tensors[name]` is
    a batch of C x H x W images in [0, 1]), the names on a line above the first row."""
    cells = [tensor_to_image(tensors[name][k]) for k in range(tensors[columns[0]].shape[0]) for name in columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with_header(grid(cells, len(columns)), columns, cells[0].width).save(path)
