"""Other scripts than Latin: texts that glyph-by-glyph placement drew wrong (right to left,
joining, combining), and fonts of another script alone.

A hand-made font (`fontmaker.with_scripts`) draws Hebrew alef/bet with Vera's A/B and Arabic
beh with its b, joined by GSUB into I (first), M (inside), F (last): so a correctly shaped
Hebrew or Arabic text must equal, pixel for pixel, the Latin text of what the eye should see.
Placed one character at a time (before sample version 6), "אב" came out as "AB" and "ببب" as
"bbb".

A font of Hebrew alone (`fontmaker.hebrew_only`, as Noto Sans Hebrew is) used to be rejected
("no glyph for 'ABC...'"): it is now valid for Hebrew, not OCR-clean, and renders with --any-font.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from fontmaker import arabic_only, blank_hebrew, copy_font, hebrew_only, with_cjk, with_scripts
from typer.testing import CliRunner

from fontsynth.catalog import load_or_scan
from fontsynth.cli import app
from fontsynth.dataset import Dataset
from fontsynth.datasetview import replay
from fontsynth.errors import UserError
from fontsynth.fonts import FontLibrary, needs_shaping
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.render import text_layers
from fontsynth.style import Style

ALEF, BET, BEH = "\u05d0", "\u05d1", "\u0628"
BEH_CP = ord(BEH)


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
    assert json.loads((out / "manifest.json").read_text())["sample_version"] == 7
    for i in range(60):
        if needs_shaping(labels[i]):
            stored, again = replay(ds, i)
            assert stored == again


def test_preview_writes_a_label_in_another_script_in_the_samples_own_font(scripts_font, tmp_path):
    """Pillow's default font drew boxes for every non-Latin label: a preview of Arabic or
    Devanagari data showed nothing to check the images against."""
    from PIL import ImageFont

    from fontsynth.datasetview import CaptionFonts, caption_image, preview_grid

    folder, _, font = scripts_font
    words = tmp_path / "words.txt"
    words.write_text(ALEF + BET + "\n", encoding="utf-8")
    out = tmp_path / "d"
    render_dataset(RenderJob(fonts=folder, out=out, n=20, seed=1, words=words, workers=1, show_progress=False))
    fonts = CaptionFonts(Dataset(out).catalog)
    hebrew = fonts(f"7: {ALEF}{BET}", font)
    assert hebrew.getname()[0] == "Bitstream Vera Sans" and hebrew.layout_engine == ImageFont.Layout.RAQM
    assert fonts("7: Ambition", font) is fonts.default and fonts(f"7: {ALEF}", "no-such-font") is hebrew  # a font no longer there: the covering one
    hebrew_caption = caption_image("7: ", fonts.default, ALEF + BET, hebrew)  # shaped right to left: the font's B, then its A
    assert np.array_equal(np.asarray(hebrew_caption), np.asarray(caption_image("7: ", fonts.default, "BA", hebrew)))
    assert not np.array_equal(np.asarray(hebrew_caption), np.asarray(caption_image("7: ", fonts.default, ALEF + BET, fonts.default)))
    preview_grid(Dataset(out), count=20)  # draws its captions so, without an error
    # a pair's caption: its font has both labels, not always the arrow (Pillow drew boxes for it)
    from fontTools.ttLib import TTFont

    arrowless = tmp_path / "fonts"
    arrowless.mkdir()
    with_scripts(arrowless / "scripts.ttf")
    arrowless_font = TTFont(hebrew_only(arrowless / "hebrew.ttf"))
    for table in arrowless_font["cmap"].tables:
        for c in "->":
            table.cmap.pop(ord(c), None)
    arrowless_font.save(arrowless / "hebrew.ttf")
    pairs = CaptionFonts(lambda: load_or_scan(arrowless, show_progress=False))
    hebrew_alone = next(f.id for f in pairs.catalog().fonts if f.path == "hebrew.ttf")
    assert pairs(f"{ALEF}  ->  {BET}", hebrew_alone).getname()[0] == "Bitstream Vera Sans"
    assert pairs(ALEF + BET, hebrew_alone).getname()[0] == "Hebrew Only"


@pytest.fixture(scope="module")
def hebrew_fonts(tmp_path_factory):
    """Vera and a font of Hebrew alone."""
    folder = tmp_path_factory.mktemp("hebrew")
    copy_font(folder / "Vera.ttf")
    hebrew_only(folder / "hebrew.ttf")
    return folder


def test_an_eval_sheet_writes_truths_and_readings_of_other_scripts_in_a_font_that_has_them(hebrew_fonts, tmp_path):
    """worst.png of a Hebrew recognizer showed boxes for every truth and reading: two errors
    whose texts differ only in their Hebrew letters looked the same."""
    torch = pytest.importorskip("torch")
    from PIL import Image

    from classifier.recognizer.evaluate import write_worst
    from fontsynth.datasetview import CaptionFonts

    catalog = load_or_scan(hebrew_fonts, show_progress=False)
    fonts = CaptionFonts(lambda: catalog)
    hebrew = next(f.id for f in catalog.fonts if f.path == "hebrew.ttf")
    assert fonts(ALEF) is not fonts.default and fonts("plain") is fonts.default and fonts._covering(f"{ALEF}{BET} 12") == hebrew
    none = CaptionFonts(None)
    assert none(ALEF) is none.default
    from classifier.cli import caption_fonts  # a labels file evaluated: the fonts the model trained on, when still there

    trained = caption_fonts(object(), {"data": {"fonts": str(hebrew_fonts), "data": None}})
    assert trained(ALEF) is not trained.default and trained.library.catalog.root == hebrew_fonts
    gone = caption_fonts(object(), {"data": {"fonts": str(tmp_path / "moved"), "data": None}})
    assert gone(ALEF) is gone.default

    def sheet(truth: str, read: str, caption_fonts) -> np.ndarray:
        write_worst([(1.0, torch.ones(1, 32, 100), truth, read)], tmp_path / "worst.png", caption_fonts)
        return np.asarray(Image.open(tmp_path / "worst.png").convert("L"))

    assert np.array_equal(sheet(ALEF + BET, BET, None), sheet(BET + ALEF, ALEF, None))  # boxes
    assert not np.array_equal(sheet(ALEF + BET, BET, fonts), sheet(BET + ALEF, ALEF, fonts))


def test_a_font_of_another_script_alone_is_valid_but_not_ocr_clean(hebrew_fonts):
    catalog = load_or_scan(hebrew_fonts, show_progress=False)
    fonts = {f.path: f for f in catalog.fonts}
    hebrew, vera = fonts["hebrew.ttf"], fonts["Vera.ttf"]
    assert hebrew.accepted and hebrew.distinct and hebrew.script == "Hebrew" and hebrew.reason == ""
    assert not hebrew.ocr_clean and hebrew.ocr_issues == ["no Latin letters (a font of Hebrew)"]
    assert hebrew.covers(ALEF + BET) and not hebrew.covers("A")
    assert vera.script == "Latin" and vera.ocr_clean
    assert catalog.summary()["other_scripts"] == {"Hebrew": 1} and catalog.summary()["ocr_clean"] == 1


def test_words_only_a_font_of_another_script_draws_render_with_any_font(hebrew_fonts, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text(f"{ALEF}{BET}\n{BET}{ALEF}{ALEF}\n", encoding="utf-8")
    job = dict(fonts=hebrew_fonts, n=30, seed=2, words=words, workers=1, show_progress=False)
    with pytest.raises(UserError, match="no text of corpus .*words.txt can be rendered.*1 font that is not OCR-clean .* pass --any-font"):
        render_dataset(RenderJob(out=tmp_path / "clean", **job))
    render_dataset(RenderJob(out=tmp_path / "any", ocr_clean=False, **job))
    ds = Dataset(tmp_path / "any")
    hebrew = next(f.id for f in ds.catalog().fonts if f.path == "hebrew.ttf")
    drawn = [(ds[i]["label"].decode(), ds[i]["font"].decode()) for i in range(30)]
    assert {font for label, font in drawn if needs_shaping(label)} == {hebrew}
    assert any(not needs_shaping(label) for label, _ in drawn)  # the mix's numbers and dates, in either font

    alone = tmp_path / "alone"
    alone.mkdir()
    hebrew_only(alone / "hebrew.ttf")
    with pytest.raises(UserError, match=r"its 1 valid fonts are not OCR-clean \(e.g. hebrew.ttf: no Latin letters \(a font of Hebrew\)\); pass --any-font"):
        render_dataset(RenderJob(out=tmp_path / "alone-out", **{**job, "fonts": alone}))


def test_the_cli_says_when_fonts_of_other_scripts_would_draw_the_words_it_skips(hebrew_fonts, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text(f"hello\n{ALEF}{BET}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["render", "--fonts", str(hebrew_fonts), "--words", str(words), "--n", "10", "--out", str(tmp_path / "d"),
                                      "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    assert f"warning: 1 word skipped: no usable font covers them (e.g. '{ALEF}{BET}'); 1 font that is not OCR-clean" in result.output
    assert "pass --any-font to render with them" in result.output
    scan = CliRunner().invoke(app, ["fonts", "scan", str(hebrew_fonts)])
    assert scan.exit_code == 0 and "distinct fonts without Latin letters: 1 Hebrew (render with --any-font)" in scan.output


def test_the_standard_content_fonts_draw_each_text_in_the_first_that_has_all_of_it():
    """Vera first (every Latin content stays what it was), DejaVu Sans (Vera extended: Hebrew,
    Arabic, Cyrillic, ...), Lohit Devanagari; each draws and shapes its scripts."""
    from fontTools.ttLib import TTFont

    from fontsynth.fontcheck import sfnt_faces, undrawable_code_points, unshaped_scripts
    from fontsynth.fonts import open_font
    from fontsynth.recipes import CONTENT_FONTS, ContentFonts, content_font_path

    fonts = ContentFonts()
    assert [f.id for f in CONTENT_FONTS] == ["content", "content-dejavu", "content-devanagari"]
    cases = {"Hello, 42!": "content", "caf\u00e9": "content", f"{ALEF}{BET}": "content-dejavu", "\u0645\u0631\u062d\u0628\u0627": "content-dejavu",
             "\u041f\u0440\u0438\u0432\u0435\u0442": "content-dejavu", f"Hi {ALEF}{BET}": "content-dejavu", "\u0928\u092e\u0938\u094d\u0924\u0947": "content-devanagari",
             "\u0928\u092e 42": "content-devanagari", f"{ALEF}\u0928": None, "\u65e5\u672c": None}
    assert {text: fonts.font_for(text) for text in cases} == cases
    assert fonts.missing("Hello") == "" and fonts.missing("\u65e5\u672c") == "\u65e5\u672c"
    assert fonts.missing(f"{ALEF}\u0928") in ("\u0928", ALEF)  # the closest font lacks one of the two
    vera, dejavu, devanagari = fonts.charsets
    assert vera < dejavu  # so a text Vera lacks is one DejaVu Sans may have, never the reverse
    for font in CONTENT_FONTS:
        path = str(content_font_path(font))
        assert TTFont(path)["name"].getDebugName(1) == font.name and content_font_path(font).with_suffix(".LICENSE").is_file()
        (face,) = sfnt_faces(path)
        assert unshaped_scripts(path, face) == []
        assert set(undrawable_code_points(open_font(path, 32), face.cmap)) <= {0x2800, 0xFFFC}  # the blank Braille cell, the object placeholder


def test_pairs_of_other_scripts_have_contents_in_a_standard_content_font_that_draws_them(hebrew_fonts, tmp_path):
    """A pair's contents were drawn in Vera alone, which has no Hebrew: Hebrew words made
    `render --recipe pairs` fail with a traceback (UncoveredTexts), then were skipped. They are
    now drawn in DejaVu Sans; Latin contents are Vera's as before."""
    from fontsynth.codec import decode
    from fontsynth.recipes import ContentRenderer, content_style

    words = tmp_path / "words.txt"
    words.write_text(f"{ALEF}{BET}\nhello\n", encoding="utf-8")
    args = ["render", "--recipe", "pairs", "--fonts", str(hebrew_fonts), "--any-font", "--words", str(words), "--n", "40", "--workers", "1",
            "--no-progress", "--size", "32x128"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "p")])
    assert result.exit_code == 0 and "warning" not in result.output, result.output
    ds, contents = Dataset(tmp_path / "p"), ContentRenderer()
    drawn = {}
    for i in range(len(ds)):
        for label, content in (("label", "content"), ("label-b", "content-b")):
            text = ds[i][label].decode()
            drawn[text] = decode(ds[i][content])
            assert np.array_equal(drawn[text], contents.draw(text, 32, 128))
    hebrew = next(t for t in drawn if needs_shaping(t))
    assert {"hello", hebrew} <= set(drawn) and not set(hebrew) <= set("hello ")
    vera = contents.renderer.layers(hebrew, content_style(32, 128)).image[..., 0]  # Vera has no Hebrew: .notdef boxes
    assert not np.array_equal(drawn[hebrew], vera) and (drawn[hebrew] < 128).any()
    assert np.array_equal(drawn["hello"], contents.renderer.layers("hello", content_style(32, 128)).image[..., 0])

    cjk = tmp_path / "cjk"
    cjk.mkdir()
    with_cjk(cjk / "cjk.ttf")  # a font that covers a text no content font has
    args[4] = str(cjk)
    words.write_text("\u65e5\u672c\n", encoding="utf-8")
    refused = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "r")])
    assert refused.exit_code == 2 and refused.output.count("error:") == 1, refused.output
    assert "no text of corpus" in refused.output and "standard content fonts (Bitstream Vera Sans, DejaVu Sans, Lohit Devanagari)" in refused.output
    assert not (tmp_path / "r").exists()
    words.write_text("\u65e5\u672c\nhello\n", encoding="utf-8")
    skipped = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "s")])
    assert skipped.exit_code == 0 and "warning: 1 word skipped" in skipped.output and "standard content fonts" in skipped.output, skipped.output
    words.write_text("\u0e01\u0e02\nhello\n", encoding="utf-8")  # Thai: no font has it, the content fonts are not the reason
    thai = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "t")])
    assert thai.exit_code == 0 and "warning: 1 word skipped" in thai.output and "content font" not in thai.output, thai.output


def test_a_font_does_not_claim_digits_its_layout_draws_as_other_characters(tmp_path):
    """KacstOne's layout draws ASCII digits beside Arabic letters as Arabic-Indic ones: a render
    labelled `38` under `٣٨`. The catalog leaves such characters out of the font's coverage."""
    from PIL import ImageFont, features

    from fontsynth.fontcheck import sfnt_faces, swapped_code_points

    swap, plain = with_scripts(tmp_path / "swap.ttf", swap_digits="locl"), with_scripts(tmp_path / "plain.ttf")
    contextual = with_scripts(tmp_path / "contextual.ttf", swap_digits="contextual")  # a calt rule calls the swap
    for font_path in (swap, contextual):
        if features.check("raqm"):  # what it guards against: "ب3" is drawn as "ب٣" (here D)
            font = ImageFont.truetype(str(font_path), 40, layout_engine=ImageFont.Layout.RAQM)
            assert bytes(font.getmask(f"{BEH}3")) == bytes(font.getmask(f"{BEH}\u0663")) != bytes(font.getmask("3"))
        (face,) = sfnt_faces(str(font_path))
        assert swapped_code_points(str(font_path), face) == {0x30 + i: ord("A") + i for i in range(10)}  # A-J are drawn for the digits
    (face,) = sfnt_faces(str(plain))
    assert swapped_code_points(str(plain), face) == {}  # its beh becomes other glyphs (I, M, F), but letters are let be
    catalog = load_or_scan(tmp_path, show_progress=False)
    by_name = {Path(f.path).name: f for f in catalog.fonts}
    for name in ("swap.ttf", "contextual.ttf"):
        assert not any(by_name[name].covers(d) for d in "0123456789") and [48, 57] in by_name[name].undrawable
    assert by_name["swap.ttf"].covers(f"{BEH} Hello") and by_name["plain.ttf"].covers(f"{BEH} 38")


def test_a_font_does_not_claim_letters_it_draws_blank_or_cannot_shape(tmp_path):
    """Fonts map scripts they cannot draw: Algol Revived's Hebrew glyphs are empty (renders were
    blank images labelled with words), Unifont has no layout for Devanagari nor FreeSerif for
    Gurmukhi (no conjuncts). The catalog's charset leaves such letters out,
    so no text is drawn with them; a font of that script alone is rejected."""
    blank_hebrew(tmp_path / "blank.ttf")
    with_scripts(tmp_path / "unjoined.ttf", joins=False)
    arabic_only(tmp_path / "arabic.ttf")
    arabic_only(tmp_path / "arabic-apart.ttf", joins=False)
    fonts = {f.path: f for f in load_or_scan(tmp_path, show_progress=False).fonts}
    blank, unjoined, arabic, apart = (fonts[name] for name in ("blank.ttf", "unjoined.ttf", "arabic.ttf", "arabic-apart.ttf"))
    assert blank.accepted and blank.script == "Latin" and [0x05D0, 0x05EA] in blank.undrawable and not blank.covers(ALEF)
    assert unjoined.accepted and not unjoined.covers(BEH) and unjoined.covers(ALEF + BET) and [BEH_CP, BEH_CP] in unjoined.undrawable
    assert arabic.accepted and arabic.script == "Arabic" and arabic.covers(BEH * 3) and arabic.undrawable == []
    assert not apart.accepted and apart.reason.startswith("does not shape Arabic")
