"""Every stored byte is a pure function of (seed, index, config, catalog, tool versions).

Tested at the scale where it failed before: with ISA-L deflate, two fresh renders of 20,000
samples differed in 3 samples (same pixels, other deflate streams). Also with half the words
drawn with distractors (a grown layer, a per-sample generator for their characters), and for
5,000 pairs (35,000 stored images: style, target, background, two masks, two contents), and
with half of 10,000 words on crops of background photos (decoded at a reduced size, cached
per worker, some transparent or grey), and for 10,000 words in Hebrew and Arabic, laid out whole
by HarfBuzz.
"""

import json
from collections import Counter
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import FONTS

from fontsynth.dataset import Dataset

N = 20_000


def render(out: Path, workers: int, config: Path, recipe: str = "words", n: int = N, backgrounds: Path | None = None,
           fonts: Path = FONTS, more: tuple = ()) -> dict:
    cmd = [sys.executable, "-m", "fontsynth.cli", "render", "--fonts", str(fonts), "--n", str(n), "--seed", "7", "--recipe", recipe,
           "--out", str(out), "--workers", str(workers), "--config", str(config), "--no-progress", *map(str, more)]
    if backgrounds is not None:
        cmd += ["--backgrounds", str(backgrounds)]
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


def test_two_fresh_renders_on_background_photos_are_byte_identical(tmp_path):
    """40 photos (more than a worker keeps decoded, so they are decoded again and again): JPEGs
    large enough to be decoded reduced, a transparent PNG, a grey one."""
    folder = tmp_path / "backgrounds"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        h, w = (1200, 2000) if i % 4 == 0 else (480, 640)
        photo = cv2.resize(rng.integers(0, 256, (h // 16, w // 16, 3), dtype=np.uint8), (w, h), interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(folder / f"photo-{i:02d}.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 90])
    cv2.imwrite(str(folder / "transparent.png"), np.dstack([photo, rng.integers(0, 256, photo.shape[:2], dtype=np.uint8)]))
    cv2.imwrite(str(folder / "grey.png"), photo[:, :, 0])
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"background": {"flat": 0.5, "texture": 0.5}}))
    one = render(tmp_path / "one", workers=1, config=config, n=10_000, backgrounds=folder)
    two = render(tmp_path / "two", workers=2, config=config, n=10_000, backgrounds=folder)
    assert_same_shards(one, two)
    drawn = Counter(json.loads(meta)["style"]["bg_texture"] for _, meta in Dataset(tmp_path / "two").column("meta"))
    assert len(drawn) == 43 and 4_500 < sum(drawn.values()) - drawn[""] < 5_500  # 42 photos and "" (flat)


@pytest.mark.parametrize("recipe,n", [("words", 10_000), ("pairs", 2_000)])
def test_two_fresh_renders_of_words_in_other_scripts_are_byte_identical(tmp_path, recipe, n):
    """Texts HarfBuzz lays out whole (sample version 6): Hebrew and Arabic words of random
    letters in fonts of those scripts alone and in a Latin font that also covers some of them;
    as pairs, their contents in DejaVu Sans (sample version 7)."""
    import fontmaker as fm

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    fm.with_scripts(fonts / "scripts.ttf")
    fm.hebrew_only(fonts / "hebrew.ttf")
    fm.arabic_only(fonts / "arabic.ttf")
    rng = np.random.default_rng(0)
    alphabets = ["".join(chr(0x05D0 + i) for i in range(27)), fm.ARABIC_LETTERS, "\u05d0\u05d1", "\u0628"]
    words = ["".join(rng.choice(list(alphabets[k % 4]), size=rng.integers(1, 9))) for k in range(400)]
    (tmp_path / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    config = tmp_path / "config.json"
    config.write_text("{}")
    more = ("--words", tmp_path / "words.txt", "--any-font")
    one = render(tmp_path / "one", workers=1, config=config, recipe=recipe, n=n, fonts=fonts, more=more)
    two = render(tmp_path / "two", workers=2, config=config, recipe=recipe, n=n, fonts=fonts, more=more)
    assert_same_shards(one, two)
    assert one["fonts_used"] == 3 and "\u0628" in one["charset"] and "\u05d0" in one["charset"]


def assert_same_shards(one: dict, two: dict) -> None:
    assert one["complete"] and two["complete"]
    assert [s["count"] for s in one["shards"]] == [s["count"] for s in two["shards"]]
    sums_one = {s["name"]: s["sha256"] for s in one["shards"]}
    sums_two = {s["name"]: s["sha256"] for s in two["shards"]}
    assert sums_one == sums_two
