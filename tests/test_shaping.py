"""Texts in scripts that glyph-by-glyph placement draws wrong: right to left, joining, combining.

A hand-made font (`fontmaker.with_scripts`) draws Hebrew alef/bet with Vera's A/B and Arabic
beh with its b, joined by GSUB into I (first), M (inside), F (last): so a correctly shaped
Hebrew or Arabic text must equal, pixel for pixel, the Latin text of what the eye should see.
Placed one character at a time (before sample version 6), "אב" came out as "AB" and "ببب" as
"bbb".
"""

import dataclasses
import json

import numpy as np
import pytest
from fontmaker import with_scripts

from fontsynth.catalog import load_or_scan
from fontsynth.dataset import Dataset
from fontsynth.datasetview import replay
from fontsynth.fonts import FontLibrary, needs_shaping
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.render import text_layers
from fontsynth.style import Style

ALEF, BET, BEH = "\u05d0", "\u05d1", "\u0628"


@pytest.fixture(scope="module")
def scripts_font(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scripts")
    with_scripts(folder / "scripts.ttf")
    catalog = load_or_scan(folder, show_progress=False)
    return folder, FontLibrary(catalog), catalog.fonts[0].id


def test_which_texts_need_shaping():
    for text in ("Ambition 42", "café", "Straße", "привет", "Ωμέγα", "東京", "", " "):
        assert not needs_shaping(text), text
    for text in (ALEF + BET, "مرحبا", "no " + BEH, "cafe\u0301", "नमस्ते", "a\u200db", "ᠮᠣᠩᠭᠣᠯ"):
        assert needs_shaping(text), text


@pytest.mark.parametrize("settings", [{}, {"kerning": False}, {"stroke_width": 2}, {"box": "ink"}, {"spacing": 0.3}],
                         ids=["default", "no kerning", "outline", "ink box", "spacing"])
def test_right_to_left_and_joining_texts_look_as_the_font_shapes_them(scripts_font, settings):
    """Extra spacing does not apply to shaped texts (it would break joined letters apart)."""
    _, fonts, font = scripts_font
    style = dataclasses.replace(Style(font=font, font_size=32), **settings)
    latin = dataclasses.replace(style, spacing=0.0)
    for text, seen in ((ALEF + BET, "BA"), (BEH, "b"), (BEH * 2, "FI"), (BEH * 3, "FMI"), (f"{BEH * 2} {ALEF}", "A FI")):
        layers, box = text_layers(text, style, fonts)
        want, want_box = text_layers(seen, latin, fonts)
        assert layers.shape == want.shape and np.array_equal(layers, want) and box == want_box, (text, seen)


def test_a_words_file_in_two_scripts_renders_replays_and_keeps_its_labels(scripts_font, tmp_path):
    folder, _, _ = scripts_font
    words = tmp_path / "words.txt"
    written = [ALEF + BET, BET + ALEF, BEH * 3, BEH + ALEF + BEH]
    words.write_text("\n".join(written) + "\n", encoding="utf-8")
    out = tmp_path / "d"
    render_dataset(RenderJob(fonts=folder, out=out, n=60, seed=3, words=words, workers=1, show_progress=False))
    ds = Dataset(out)
    labels = [ds[i]["label"].decode() for i in range(60)]
    assert {w for w in labels if set(w) <= {ALEF, BET, BEH}} == set(written)  # reading order, as written
    assert json.loads((out / "manifest.json").read_text())["sample_version"] == 6
    for i in range(60):
        if needs_shaping(labels[i]):
            stored, again = replay(ds, i)
            assert stored == again


def test_preview_writes_a_label_in_another_script_in_the_samples_own_font(scripts_font, tmp_path):
    """Pillow's default font drew boxes for every non-Latin label: a preview of Arabic or
    Devanagari data showed nothing to check the images against."""
    from PIL import ImageFont

    from fontsynth.datasetview import CaptionFonts, preview_grid

    folder, _, font = scripts_font
    words = tmp_path / "words.txt"
    words.write_text(ALEF + BET + "\n", encoding="utf-8")
    out = tmp_path / "d"
    render_dataset(RenderJob(fonts=folder, out=out, n=20, seed=1, words=words, workers=1, show_progress=False))
    fonts = CaptionFonts(Dataset(out))
    hebrew = fonts(f"7: {ALEF}{BET}", font)
    assert hebrew.getname()[0] == "Bitstream Vera Sans" and hebrew.layout_engine == ImageFont.Layout.RAQM
    assert fonts("7: Ambition", font) is fonts.default and fonts(f"7: {ALEF}", "no-such-font") is fonts.default
    assert preview_grid(Dataset(out), count=20).width > 0
