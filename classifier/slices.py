"""Accuracy by render slice: every rendered sample stores its Style (the `meta` record), so an
evaluation can say which effects a model fails on, not only how often it fails.

- `accuracy_by_slice(records, correct)`: {slice: {value: {n, accuracy}}}, slices as
  `fontsynth.style.style_slices` names them (each effect on/off, background, font size, polarity)
  and the text's length in characters.
- `hardest(by_slice, min_items)`: the slice values with the lowest accuracy;
  `describe_hardest` says them in one line.
- `write_slices(by_slice, overall, out)`: `effects.csv` and `effects.png` (one bar per value).
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


def _order(value: str) -> tuple:
    number = re.match(r"\d+", value)  # font sizes and lengths by number; "off" before "on"
    return (number is None, int(number.group()) if number else 0, value)


def accuracy_by_slice(records: Sequence[str | dict], correct: Sequence[bool]) -> dict[str, dict[str, dict]]:
    """{slice: {value: {"n": items, "accuracy": share correct}}} of items whose `meta` records
    (JSON text or parsed, with a "style") are `records`, and whose correctness is `correct`."""
    if len(records) != len(correct):
        raise ValueError(f"{len(records)} records for {len(correct)} results")
    counts: dict[str, dict[str, list[int]]] = {}
    for record, ok in zip(records, correct):
        meta = json.loads(record) if isinstance(record, (str, bytes)) else record
        for name, value in {**style_slices(meta["style"]), "length": length_bucket(len(meta["text"]))}.items():
            tally = counts.setdefault(name, {}).setdefault(value, [0, 0])
            tally[0] += 1
            tally[1] += bool(ok)
    return {name: {value: {"n": values[value][0], "accuracy": values[value][1] / values[value][0]} for value in sorted(values, key=_order)}
            for name, values in counts.items()}


def hardest(by_slice: dict[str, dict[str, dict]], min_items: int = 1, top: int = 3) -> list[tuple[str, str, dict]]:
    """The `top` (slice, value, {n, accuracy}) of lowest accuracy among values of at least `min_items` items."""
    rows = [(name, value, cell) for name, values in by_slice.items() for value, cell in values.items() if cell["n"] >= min_items]
    return sorted(rows, key=lambda row: (row[2]["accuracy"], row[0], row[1]))[:top]


def describe_hardest(by_slice: dict[str, dict[str, dict]], total: int) -> str:
    """One line for the terminal: the hardest slice values holding at least 5% of the items."""
    rows = hardest(by_slice, min_items=max(1, total // 20))
    return ", ".join(f"{name} {value} {cell['accuracy']:.1%} (n={cell['n']})" for name, value, cell in rows) or "none"


def write_slices(by_slice: dict[str, dict[str, dict]], overall: float, out: Path, metric: str = "accuracy") -> None:
    """`effects.csv` (slice, value, n, `metric`) and `effects.png`: one bar per slice value, the
    overall score as a red line."""
    from classifier.plots import draw_bars

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "effects.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["slice", "value", "n", metric])
        for name, values in by_slice.items():
            for value, cell in values.items():
                writer.writerow([name, value, cell["n"], f"{cell['accuracy']:.4f}"])
    rows = [(f"{name} {value} (n={cell['n']})", cell["accuracy"]) for name, values in by_slice.items() for value, cell in values.items()]
    draw_bars(f"{metric} by render slice (overall {overall:.1%}, red)", rows, line=overall).save(out / "effects.png")
