"""Every stored byte is a pure function of (seed, index, config, catalog, tool versions).

Tested at the scale where it failed before: with ISA-L deflate, two fresh renders of 20,000
samples differed in 3 samples (same pixels, other deflate streams). Also with half the words
drawn with distractors (a grown layer, a per-sample generator for their characters), and for
5,000 pairs (35,000 stored images: style, target, background, two masks, two contents).
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FONTS

N = 20_000


def render(out: Path, workers: int, config: Path, recipe: str = "words", n: int = N) -> dict:
    cmd = [sys.executable, "-m", "fontsynth.cli", "render", "--fonts", str(FONTS), "--n", str(n), "--seed", "7", "--recipe", recipe,
           "--out", str(out), "--workers", str(workers), "--config", str(config), "--no-progress"]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    return json.loads((out / "manifest.json").read_text())


@pytest.mark.parametrize("settings", [{}, {"p_distractor": 0.5}], ids=["default", "distractors"])
def test_two_fresh_renders_of_20000_samples_are_byte_identical(tmp_path, settings):
    config = tmp_path / "config.json"
    config.write_text(json.dumps(settings))
    one = render(tmp_path / "one", workers=1, config=config)
    two = render(tmp_path / "two", workers=2, config=config)
    assert_same_shards(one, two)


def test_two_fresh_renders_of_5000_pairs_are_byte_identical(tmp_path):
    config = tmp_path / "config.json"
    config.write_text("{}")
    one = render(tmp_path / "one", workers=1, config=config, recipe="pairs", n=5_000)
    two = render(tmp_path / "two", workers=2, config=config, recipe="pairs", n=5_000)
    assert_same_shards(one, two)


def assert_same_shards(one: dict, two: dict) -> None:
    assert one["complete"] and two["complete"]
    assert [s["count"] for s in one["shards"]] == [s["count"] for s in two["shards"]]
    sums_one = {s["name"]: s["sha256"] for s in one["shards"]}
    sums_two = {s["name"]: s["sha256"] for s in two["shards"]}
    assert sums_one == sums_two
