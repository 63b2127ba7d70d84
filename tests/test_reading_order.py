"""Reading order for CTC: right-to-left texts in the order they are drawn, and back.

The oracle is the renderer itself (HarfBuzz, through Raqm and FriBidi): with a font that draws
Hebrew alef/bet and Arabic beh with Vera's A, B and b (`fontmaker.with_scripts`, no joining),
a text must look, pixel for pixel, like the Latin text spelled by its `visual_order`."""

import random
from collections import Counter

import numpy as np
import pytest
from fontmaker import with_scripts
from PIL import ImageFont

from classifier.recognizer.reading_order import brackets, drawn_charset, logical_order, reads_as_typed, visual_order
from fontsynth.catalog import load_or_scan
from fontsynth.fonts import FontLibrary, rasterise

ALEF, BET, BEH = "\u05d0", "\u05d1", "\u0628"
SHALOM = "\u05e9\u05dc\u05d5\u05dd"  # "shalom": shin lamed vav final-mem
FATHA = "\u064e"
HEBREW = "".join(map(chr, range(0x05D0, 0x05EB)))
ARABIC = "".join(map(chr, range(0x0627, 0x063B))) + "".join(map(chr, range(0x0641, 0x064B)))
ARABIC_DIGITS = "".join(map(chr, range(0x0660, 0x066A)))
HARAKAT = "".join(map(chr, range(0x064B, 0x0653)))


def test_examples_by_hand():
    assert visual_order("Hello (world) 42") == "Hello (world) 42" and reads_as_typed("Hello (world) 42")
    assert visual_order(SHALOM) == SHALOM[::-1]
    assert visual_order(f"{SHALOM} 123") == f"123 {SHALOM[::-1]}"  # numbers keep their order inside right-to-left text
    assert visual_order(f"abc {SHALOM} def") == f"abc {SHALOM[::-1]} def"
    assert visual_order(f"({SHALOM})") == f"({SHALOM[::-1]})"  # reversed and mirrored: the brackets still open on the left
    assert visual_order(f"{SHALOM} (abc)") == f"(abc) {SHALOM[::-1]}"  # N0: brackets around Latin inside Hebrew run right to left
    assert visual_order(f"{BEH}{FATHA}{ALEF}") == f"{ALEF}{BEH}{FATHA}"  # a mark stays after its letter
    assert visual_order(f"{ALEF} 12%") == f"12% {ALEF}"  # W5: a terminator joins its number
    assert visual_order(f"{BEH} 12%") == f"%12 {BEH}"  # W2: after an Arabic letter it is an Arabic number, which % does not join
    assert visual_order("\u0661\u0662 " + BEH) == BEH + " \u0661\u0662"  # Arabic digits keep their order too


def test_words_of_right_to_left_letters_alone_are_reversed_whole_as_the_algorithm_does():
    from classifier.recognizer.reading_order import reordered

    rng = random.Random(3)
    for _ in range(2_000):
        text = " ".join(random_label(rng, "rtl") for _ in range(2))
        words = "".join(c for c in text if c in HEBREW + ARABIC + HARAKAT + " ").strip() or ALEF
        assert visual_order(words) == reordered(words, 1), ascii(words)


def test_a_line_of_both_directions_is_read_back_in_the_direction_of_most_of_its_letters():
    assert visual_order(f"{SHALOM} ab") == visual_order(f"ab {SHALOM}") == f"ab {SHALOM[::-1]}"  # the image cannot tell them apart
    assert logical_order(f"ab {SHALOM[::-1]}") == f"{SHALOM} ab"  # four Hebrew letters, two Latin
    assert logical_order(f"abcde {SHALOM[::-1]}") == f"abcde {SHALOM}"


def random_label(rng: random.Random, scripts: str) -> str:
    """One to three words of right-to-left letters (Arabic with marks), Latin, or numbers with
    signs, separators and terminators, sometimes in brackets or quotes or after punctuation."""
    def word(kind):
        if kind == "hebrew":
            return "".join(rng.choices(HEBREW, k=rng.randint(2, 8)))
        if kind == "arabic":
            return "".join(rng.choice(ARABIC) + (rng.choice(HARAKAT) if rng.random() < 0.3 else "") for _ in range(rng.randint(2, 8)))
        if kind == "latin":
            return "".join(rng.choices("abcdefXYZ", k=rng.randint(2, 8)))
        if kind == "arabic digits":
            return "".join(rng.choices(ARABIC_DIGITS, k=rng.randint(1, 4)))
        digits = "".join(rng.choices("0123456789", k=rng.randint(1, 5)))
        return rng.choice(["", "$", "#", "+", "-"]) + digits + rng.choice(["", "%", ".5", ",000", ":30", "/12"])

    kinds = {"rtl": ["hebrew", "arabic", "number", "arabic digits"], "mixed": ["hebrew", "arabic", "latin", "number", "arabic digits"]}[scripts]
    text = " ".join(word(rng.choice(kinds)) for _ in range(rng.randint(1, 3)))
    if rng.random() < 0.2:
        text = rng.choice('(["') + text + rng.choice(')]".!?:')
    return text


def test_right_to_left_labels_with_numbers_come_back_from_their_visual_order():
    """10,000 labels: every one is read back exactly. (Laying the drawn order out again alone
    missed 1.7% of them: a number after Arabic letters is an Arabic number, W2, a rule that
    looks back and sees other letters in the drawn order.)"""
    rng = random.Random(0)
    for _ in range(10_000):
        text = random_label(rng, "rtl")
        assert logical_order(visual_order(text)) == text, ascii(text)


def test_every_reading_of_both_directions_is_turned_into_a_text_drawn_as_it():
    """10,000 labels mixing Latin in: what comes back may be the other text that looks the same
    (7% of them), but always one drawn exactly as the reading."""
    rng = random.Random(1)
    exact = 0
    for _ in range(10_000):
        text = random_label(rng, "mixed")
        drawn = visual_order(text)
        back = logical_order(drawn)
        assert visual_order(back) == drawn and len(back) == len(text), ascii(text)
        exact += back == text
    assert exact > 8_500


def test_any_string_a_model_may_emit_is_laid_out_and_turned_back_without_loss():
    """A CTC model emits any sequence of its charset (a mark before any letter, lone brackets,
    embedding and isolate controls): 20,000 random strings of ASCII, Hebrew, Arabic,
    Devanagari and format characters keep their characters (up to mirroring) both ways."""
    _, mirrors = brackets()
    pool = [chr(c) for c in [*range(0x20, 0x7F), *range(0x5B0, 0x5F5), *range(0x600, 0x700), *range(0x900, 0x980),
                             0x9, 0xA0, 0xAB, 0xBB, 0x61C, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                             0x2264, 0x2265, 0x2329, 0x232A, 0x3008, 0x3009]]

    def kept(s):
        return Counter(min(c, mirrors.get(c, c)) for c in s)

    rng = random.Random(5)
    for _ in range(20_000):
        text = "".join(rng.choices(pool, k=rng.randint(0, 12)))
        drawn = visual_order(text)
        assert kept(drawn) == kept(text) and kept(logical_order(drawn)) == kept(text) and kept(logical_order(text)) == kept(text), ascii(text)


@pytest.fixture(scope="module")
def unjoined_font(tmp_path_factory):
    folder = tmp_path_factory.mktemp("unjoined")
    with_scripts(folder / "scripts.ttf", joins=False)
    catalog = load_or_scan(folder, show_progress=False)
    return FontLibrary(catalog), catalog.fonts[0].id


def test_the_renderer_draws_each_text_in_its_visual_order(unjoined_font):
    """2,000 random texts of Hebrew letters, an Arabic letter (W2: numbers after it are Arabic
    numbers), Latin, digits, separators, terminators and brackets (N0, mirroring), each laid out
    whole by HarfBuzz as the renderer lays out a text that needs shaping (`FontLibrary.shaped`),
    and so is its visual order in Latin letters: the same glyphs at the same places."""
    fonts, font = unjoined_font
    shaper = fonts.load(font, 24, ImageFont.Layout.RAQM)
    shown_as = str.maketrans({ALEF: "A", BET: "B", BEH: "b"})
    rng = random.Random(2)
    pieces = [ALEF, BET, BEH, "cd", "e", "x", "0", "12", "345", " ", ".", ",", "-", "+", "/", ":", "%", "$", "#", "(", ")", "[", "]", "<", ">"]
    checked = 0
    while checked < 2_000:
        text = "".join(rng.choices(pieces, k=rng.randint(1, 9))).strip()
        if not text or reads_as_typed(text):
            continue
        drawn = rasterise(shaper, text, ["-kern"])  # HarfBuzz kerns within a run, never across runs of two directions
        want = rasterise(shaper, visual_order(text).translate(shown_as), ["-kern"])
        assert drawn.bitmap.shape == want.bitmap.shape and np.array_equal(drawn.bitmap, want.bitmap), ascii(text)
        checked += 1


def test_a_right_to_left_charset_holds_the_mirror_images_of_its_brackets():
    assert drawn_charset("abc(<") == "abc(<"
    assert drawn_charset(f"{SHALOM}(<[]") == f"{SHALOM}(<[])>"
