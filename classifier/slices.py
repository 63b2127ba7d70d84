"""Accuracy by render slice: every rendered sample stores its Style (the `meta` record), so an
evaluation can say which effects a model fails on, not only how often it fails.

- `means_by_slice(records, scores)`: {slice: {value: {n, metric: mean, ...}}}, slices as
  `fontsynth.style.style_slices` names them (each effect on/off, background, font size,
  polarity), the text's length in characters and its number of words (space-separated);
  `accuracy_by_slice(records, correct)` is its one-metric case, {n, accuracy}.
- `hardest(by_slice, min_items, key)`: the slice values with the lowest `key`;
  `describe_hardest` says them in one line.
- `write_slices(by_slice, overall, out)`: `effects.csv` (every metric) and `effects.png` (one bar
  per value of one metric).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

from fontsynth.style import style_slices


LENGTHS = ((1, 3), (4, 6), (7, 9), (10, 14), (15, None))  # text length buckets, characters


def length_bucket(n: int) -> str:
    for low, high in LENGTHS:
        if high is None or n <= high:
            return f"{low}+" if high is None else f"{low}-{high}"
    raise AssertionError("unreachable")


def words_bucket(text: str) -> str:
    """"1", "2" or "3+": how many space-separated words `text` holds."""
    n = len(text.split())
    return str(n) if n < 3 else "3+"


def _order(value: str) -> tuple:
    number = re.match(r"\d+", value)  # font sizes and lengths by number; "off" before "on"
    return (number is None, int(number.group()) if number else 0, value)


def means_by_slice(records: Sequence[str | dict], scores: dict[str, Sequence[float | None]]) -> dict[str, dict[str, dict]]:
    """{slice: {value: {"n": items, metric: mean, ...}}} of items whose `meta` records (JSON text
    or parsed, with a "style" and a "text") are `records`; `scores[metric][i]` is item i's score,
    or None where it has none (a metric's mean is over the items that have one; None if no item has)."""
    for metric, values in scores.items():
        if len(values) != len(records):
            raise ValueError(f"{len(records)} records for {len(values)} results ({metric})")
    items: dict[str, dict[str, list[int]]] = {}  # slice -> value -> the indices of its items
    for i, record in enumerate(records):
        meta = json.loads(record) if isinstance(record, (str, bytes)) else record
        text_slices = {"length": length_bucket(len(meta["text"])), "words": words_bucket(meta["text"])}
        for name, value in {**style_slices(meta["style"]), **text_slices}.items():
            items.setdefault(name, {}).setdefault(value, []).append(i)

    def mean(values: Sequence[float | None], indices: list[int]) -> float | None:
        present = [float(values[i]) for i in indices if values[i] is not None]
        return sum(present) / len(present) if present else None

    return {name: {value: {"n": len(values[value])} | {metric: mean(scores[metric], values[value]) for metric in scores}
                   for value in sorted(values, key=_order)}
            for name, values in items.items()}


def accuracy_by_slice(records: Sequence[str | dict], correct: Sequence[bool]) -> dict[str, dict[str, dict]]:
    """{slice: {value: {"n": items, "accuracy": share correct}}}: `means_by_slice` of one metric."""
    return means_by_slice(records, {"accuracy": [bool(ok) for ok in correct]})


def hardest(by_slice: dict[str, dict[str, dict]], min_items: int = 1, top: int = 3, key: str = "accuracy") -> list[tuple[str, str, dict]]:
    """The `top` (slice, value, {n, key, ...}) of lowest `key` among values of at least `min_items` items."""
    rows = [(name, value, cell) for name, values in by_slice.items() for value, cell in values.items()
            if cell["n"] >= min_items and cell.get(key) is not None]
    return sorted(rows, key=lambda row: (row[2][key], row[0], row[1]))[:top]


def describe_hardest(by_slice: dict[str, dict[str, dict]], total: int, key: str = "accuracy", percent: bool = True) -> str:
    """One line for the terminal: the hardest slice values (by `key`) holding at least 5% of the items."""
    rows = hardest(by_slice, min_items=max(1, total // 20), key=key)
    return ", ".join(f"{name} {value} {cell[key]:{'.1%' if percent else '.2f'}} (n={cell['n']})" for name, value, cell in rows) or "none"


def write_slices(by_slice: dict[str, dict[str, dict]], overall: float | None, out: Path, metric: str = "accuracy",
                 key: str | None = "accuracy", column: str | None = None) -> None:
    """`effects.csv` (slice, value, n, then every metric of the cells, by name; `column` renames
    `accuracy_by_slice`'s one metric, as the JSON report names it: top1, word_accuracy) and
    `effects.png`: one bar per slice value of `key`, a share in [0, 1] (titled `metric`), the
    overall score as a red line. With `key` None, the CSV only."""
    from classifier.plots import draw_bars

    out.mkdir(parents=True, exist_ok=True)
    cells = [(name, value, cell) for name, values in by_slice.items() for value, cell in values.items()]
    metrics = list(dict.fromkeys(k for _, _, cell in cells for k in cell if k != "n"))
    with open(out / "effects.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["slice", "value", "n", *(column or k if metrics == ["accuracy"] else k for k in metrics)])
        for name, value, cell in cells:
            writer.writerow([name, value, cell["n"], *("" if cell.get(k) is None else f"{cell[k]:.4f}" for k in metrics)])
    if key is None:
        return
    rows = [(f"{name} {value} (n={cell['n']})", cell.get(key) or 0.0) for name, value, cell in cells]
    title = f"{metric} by render slice" + (f" (overall {overall:.1%}, red)" if overall is not None else "")
    draw_bars(title, rows, line=overall).save(out / "effects.png")
