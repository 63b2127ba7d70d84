import dataclasses
import random
import string

import cv2
import numpy as np
import pytest

from fontsynth.codec import decode
from fontsynth.corpus import default_corpus
from fontsynth.draws import Draws, sample_draws
from fontsynth.effects.colors import luminance
from fontsynth.effects.degrade import noise_table, noise_window
from fontsynth.render import Renderer
from fontsynth.style import Style, StyleConfig, preset, sample_style


@pytest.fixture(scope="module")
def renderer(small_catalog):
    return Renderer(small_catalog)


@pytest.fixture(scope="module")
def font_id(small_catalog):
    return next(f.id for f in small_catalog.fonts if f.path == "Vera.ttf")


def base(font_id, **changes):
    return dataclasses.replace(Style(font=font_id, margins=[0.1, 0.1, 0.1, 0.1]), **changes)


EFFECTS = {
    "stroke": dict(stroke_width=2, stroke_color=[200, 0, 0]),
    "shadow": dict(shadow_offset=[0.08, 0.08], shadow_opacity=0.8, shadow_blur=1.0),
    "spacing": dict(spacing=0.25),
    "gradient background": dict(bg_kind="gradient", bg_color=[255, 255, 255], bg_color2=[120, 160, 200], bg_angle=30),
    "noise background": dict(bg_kind="noise", bg_color=[255, 255, 255], bg_color2=[150, 150, 150], bg_seed=3),
    "rotation": dict(rotation=4.0),
    "perspective": dict(perspective=[0.1, 0.0, -0.1, 0.05, 0.0, 0.0, 0.05, -0.05]),
    "curve": dict(curve=0.3),
    "margins": dict(margins=[0.3, 0.2, 0.05, 0.25]),
    "blur": dict(blur=1.0),
    "motion blur": dict(motion_blur=[5.0, 30.0]),
    "noise": dict(noise=8.0, noise_seed=1),
    "jpeg": dict(jpeg_quality=40),
    "inversion": dict(invert=True),
    "text colour": dict(text_color=[30, 60, 200]),
    "distractors": dict(distractors=[[1, 0.2, 0.3, 5], [2, 0.3, 0.0, 6]], margins=[0.1, 0.7, 0.6, 0.1]),
}


@pytest.mark.parametrize("effect", sorted(EFFECTS))
def test_each_effect_changes_pixels_when_on_and_not_when_off(renderer, font_id, effect):
    plain = renderer.render("Ambition 42", base(font_id))
    on = renderer.render("Ambition 42", base(font_id, **EFFECTS[effect]))
    again = renderer.render("Ambition 42", base(font_id))
    assert again.data == plain.data
    a, b = decode(plain.data), decode(on.data)
    assert a.shape != b.shape or np.abs(a.astype(int) - b.astype(int)).sum() > 0


def test_texture_background_crops_the_image(tmp_path, small_catalog, font_id):
    texture = np.zeros((300, 400, 3), np.uint8)
    texture[:, :, 1] = np.arange(400)[None, :] % 256
    cv2.imwrite(str(tmp_path / "t.png"), texture)
    r = Renderer(small_catalog, tmp_path)
    left = r.render("wood", base(font_id, bg_kind="texture", bg_texture="t.png", bg_crop=[0.0, 0.0, 1.0]))
    right = r.render("wood", base(font_id, bg_kind="texture", bg_texture="t.png", bg_crop=[1.0, 0.0, 1.0]))
    assert left.layers.background[..., 1].mean() < right.layers.background[..., 1].mean()


def test_a_large_jpeg_texture_is_decoded_at_a_reduced_size_close_to_the_full_decode_shrunk(tmp_path):
    """Decoding whole photos that are shrunk to MAX_TEXTURE_SIDE anyway made a render with a
    folder of 1080p backgrounds 26 times slower than without; libjpeg decodes them at 1/2, 1/4
    or 1/8 instead, keeping the longer side at 768 or more, and what comes out looks the same."""
    from fontsynth.effects.background import MAX_TEXTURE_SIDE, TextureLibrary, decode_texture, jpeg_reduction

    assert [jpeg_reduction(s) for s in (700, 1024, 1920, 4000, 8000)] == [
        cv2.IMREAD_COLOR, cv2.IMREAD_COLOR, cv2.IMREAD_REDUCED_COLOR_2, cv2.IMREAD_REDUCED_COLOR_4, cv2.IMREAD_REDUCED_COLOR_8]
    rng = np.random.default_rng(0)
    photo = cv2.GaussianBlur((rng.random((1600, 2400, 3)) * 255).astype(np.uint8), (0, 0), 6)
    cv2.imwrite(str(tmp_path / "p.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 92])
    reduced = decode_texture(tmp_path / "p.jpg")
    full = cv2.resize(cv2.imread(str(tmp_path / "p.jpg"))[:, :, ::-1], (1200, 800), interpolation=cv2.INTER_AREA)
    assert reduced.shape == (800, 1200, 3) and np.abs(reduced.astype(int) - full.astype(int)).mean() < 2
    kept = TextureLibrary(tmp_path).get("p.jpg")
    assert max(kept.shape[:2]) == MAX_TEXTURE_SIDE and kept.flags["C_CONTIGUOUS"]


def test_a_transparent_texture_is_composited_as_user_images_are_and_an_opaque_one_kept(tmp_path):
    """Dark stripes on a transparent ground whose hidden colour is red: the ground reads white,
    as canvas.read_image composites (OpenCV dropped the alpha and showed the red); a
    palette PNG with a transparent index likewise; an opaque texture is OpenCV's bytes."""
    from PIL import Image

    from fontsynth.effects.background import decode_texture

    rgba = np.zeros((40, 60, 4), np.uint8)
    rgba[..., 0] = 255  # red, hidden where transparent
    rgba[::4, :, :3], rgba[::4, :, 3] = 30, 255  # opaque dark stripes every fourth row
    Image.fromarray(rgba).save(tmp_path / "a.png")
    got = decode_texture(tmp_path / "a.png")
    assert got.shape == (40, 60, 3) and got.dtype == np.uint8
    assert (got[1::4] == 255).all() and (got[::4] == 30).all()
    palette = Image.fromarray(rgba[..., :3]).convert("P")
    palette.info["transparency"] = palette.getpixel((0, 1))
    palette.save(tmp_path / "p.png", transparency=palette.getpixel((0, 1)))
    assert (decode_texture(tmp_path / "p.png")[1::4] == 255).all()
    opaque = np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "o.jpg"), opaque)
    assert np.array_equal(decode_texture(tmp_path / "o.jpg"), cv2.imread(str(tmp_path / "o.jpg"))[:, :, ::-1])


def test_natural_width_and_fixed_canvas(renderer, font_id):
    short = renderer.render("ab", base(font_id)).image
    long = renderer.render("abcdefghij", base(font_id)).image
    assert short.shape[0] == long.shape[0] == 32 and long.shape[1] > 3 * short.shape[1]
    for text in ("ab", "abcdefghijklmnop"):
        assert renderer.render(text, base(font_id, out_height=64, out_width=256)).image.shape == (64, 256, 3)


@pytest.mark.parametrize("extra", [{}, EFFECTS["stroke"], EFFECTS["shadow"], EFFECTS["rotation"], EFFECTS["curve"],
                                   EFFECTS["distractors"], {**EFFECTS["distractors"], **EFFECTS["rotation"], **EFFECTS["curve"]}])
def test_mask_marks_text_pixels_and_background_is_the_image_without_text(renderer, font_id, extra):
    layers = renderer.layers("Mask", base(font_id, bg_kind="gradient", bg_color2=[100, 150, 200], text_color=[0, 0, 0], **extra))
    text = layers.mask > 0
    assert 0.05 < text.mean() < 0.7
    diff = np.abs(layers.image.astype(int) - layers.background.astype(int)).max(axis=2)
    assert diff[text].mean() > 60  # dark text where the mask is
    assert diff[~text].max() == 0  # elsewhere the image is the background, exactly


def test_clean_preset_is_dark_on_light_without_effects():
    rng = Draws(random.Random(0))
    cfg = preset("clean")
    for _ in range(20):
        s = sample_style(rng, cfg, "f", [])
        assert s.text_color == [0, 0, 0] and s.bg_kind == "flat" and s.bg_color == [255, 255, 255]
        assert (s.rotation, s.curve, s.blur, s.noise, s.jpeg_quality, s.invert, s.stroke_width) == (0, 0, 0, 0, 0, False, 0)
        assert s.perspective == [0.0] * 8 and s.shadow_opacity == 0 and s.box == "line"


def test_the_default_preset_boxes_a_share_of_the_words_at_their_ink_and_clean_none():
    """Sample version 5: a third of default words framed at their ink (a detector's tight box),
    which lifted tight crops 10-24 points for both models at no measured cost on the others."""
    boxes = [sample_style(sample_draws(0, i), preset("default"), "f", []).box for i in range(2000)]
    assert 0.27 < boxes.count("ink") / len(boxes) < 0.33
    assert {sample_style(sample_draws(0, i), preset("clean"), "f", []).box for i in range(300)} == {"line"}


def test_sampling_is_deterministic_and_json_round_trips():
    cfg = StyleConfig()
    a = sample_style(sample_draws(7, 3), cfg, "f", ["t.png"])
    b = sample_style(sample_draws(7, 3), cfg, "f", ["t.png"])
    assert a == b and Style.from_json(a.to_json()) == a


def test_turning_one_effect_off_leaves_the_others_unchanged():
    on, off = StyleConfig(p_rotation=1.0), StyleConfig(p_rotation=0.0)
    for i in range(20):
        a = sample_style(sample_draws(1, i), on, "f", [])
        b = sample_style(sample_draws(1, i), off, "f", [])
        assert b.rotation == 0 and a.rotation != 0
        assert dataclasses.replace(a, rotation=0.0) == b


def test_ink_boxes_change_only_the_box_and_a_style_without_one_is_its_old_record():
    some, none_ = StyleConfig(p_ink_box=0.5), StyleConfig(p_ink_box=0.0)
    boxes = []
    for i in range(200):
        a, b = sample_style(sample_draws(1, i), some, "f", []), sample_style(sample_draws(1, i), none_, "f", [])
        assert b.box == "line" and "box" not in b.to_dict()  # off: the record of a Style before ink boxes
        assert dataclasses.replace(a, box="line") == b and Style.from_json(a.to_json()) == a
        boxes.append(a.box)
    assert 70 < boxes.count("ink") < 130 and set(boxes) == {"ink", "line"}


def test_an_ink_box_cuts_the_margins_from_the_ink_and_a_line_box_from_the_fonts_line(renderer, font_id):
    """"ewer" has no ascender or descender: framed by the font's line it leaves blank rows above
    and below; framed by its ink (margins 0) its ink touches the top and bottom rows."""
    def ink_rows(box):
        image = renderer.render("ewer", base(font_id, margins=[0.0] * 4, box=box)).image
        dark = (image.min(axis=2) if image.ndim == 3 else image) < 128
        rows = np.nonzero(dark.any(axis=1))[0]
        return rows.min(), rows.max(), image.shape[0]

    top, bottom, height = ink_rows("ink")
    assert top <= 1 and bottom >= height - 2
    top, bottom, height = ink_rows("line")
    assert top >= height // 5 and bottom <= height - 3  # the ascender's room above, the descender's below
    blank = renderer.render("   ", base(font_id, box="ink")).image  # blank text keeps the line
    assert blank.shape == renderer.render("   ", base(font_id)).image.shape


def test_distractors_change_only_themselves_and_the_margins_they_widen():
    on, off = StyleConfig(p_distractor=1.0), StyleConfig(p_distractor=0.0)
    sides = []
    for i in range(200):
        a, b = sample_style(sample_draws(1, i), on, "f", []), sample_style(sample_draws(1, i), off, "f", [])
        assert b.distractors == [] and "distractors" not in b.to_dict()  # off: the record of a Style before distractors
        assert a.distractors and dataclasses.replace(a, distractors=[], margins=b.margins) == b
        for side, gap, shift, seed in a.distractors:
            assert 0.15 <= gap <= 0.5 and -1 <= shift <= 1 and gap + 0.1 <= a.margins[side] <= max(gap + 0.5, b.margins[side]) and isinstance(seed, int)
            sides.append(side)
        assert [m for s, m in enumerate(a.margins) if s not in [d[0] for d in a.distractors]] == \
            [m for s, m in enumerate(b.margins) if s not in [d[0] for d in a.distractors]]
        assert Style.from_json(a.to_json()) == a
    assert set(sides) == {0, 1, 2, 3} and 1.1 < len(sides) / 200 < 2.2  # one side, and each other at 0.3: 1.9 on average


def test_distractor_text_draws_the_words_own_characters():
    from fontsynth.effects.distractors import distractor_text

    beside, line = distractor_text("Ab 1", 3, beside=True), distractor_text("Ab 1", 3, beside=False)
    assert 3 <= len(beside) <= 8 and set(beside) <= set("Ab1") and 8 <= len(line) <= 15 and set(line) <= set("Ab1")
    assert distractor_text("Ab 1", 3, beside=True) == beside and distractor_text("   ", 3, beside=True) == ""


def test_distractors_are_placed_beside_above_and_below_the_box_by_hand():
    """A 10 x 20 layer whose word's box is (2, 2, 18, 8): 6 high, centred at x 10. Each distractor
    is drawn as a 4 x 5 block whose line box is (0, 0, 5, 4)."""
    from fontsynth.effects.distractors import add_distractors

    layers = np.zeros((10, 20, 1), np.uint8)
    layers[2:8, 2:18] = 255
    block = lambda chars: (np.full((4, 5, 1), 200, np.uint8), (0.0, 0.0, 5.0, 4.0))  # noqa: E731
    for side, gap, shift, (left, top) in [
        (0, 0.5, 0.0, (-6, 2)),   # left: its right edge a gap of 3 before x 2; on the word's line
        (2, 0.5, 1.0, (21, 3)),   # right: a gap of 3 after x 18; 0.1 x 6 lower, 2.6 rounded
        (1, 0.5, 0.0, (8, -5)),   # above: centred (10 - 2.5, 7.5 rounded half to even); bottom 3 above y 2
        (3, 1.0, -1.0, (0, 14)),  # below: top 6 below y 8; shifted half the word's width left (-0.5 rounded to 0)
    ]:
        out, box = add_distractors(layers, (2.0, 2.0, 18.0, 8.0), "word", [[side, gap, shift, 1]], block)
        ox, oy = int(box[0]) - 2, int(box[1]) - 2  # where the layer's origin went in the grown one
        assert out.shape[2] == 2 and box == (ox + 2.0, oy + 2.0, ox + 18.0, oy + 8.0)
        assert np.array_equal(out[oy + 2 : oy + 8, ox + 2 : ox + 18, 0], layers[2:8, 2:18, 0]) and out[..., 0].sum() == layers.sum()
        ys, xs = np.nonzero(out[..., 1])
        assert (xs.min() - ox, ys.min() - oy, xs.max() - xs.min(), ys.max() - ys.min()) == (left, top, 4, 3)


def test_colours_keep_the_minimum_contrast():
    cfg = StyleConfig(tint=0.0, min_contrast=0.5)
    for i in range(200):
        s = sample_style(sample_draws(2, i), cfg, "f", [])
        assert luminance(s.bg_color) - luminance(s.text_color) >= 0.5 - 0.01


def test_unknown_setting_and_preset_are_refused():
    from fontsynth.errors import UserError

    with pytest.raises(UserError, match="unknown style setting 'p_wobble'"):
        StyleConfig.from_dict({"p_wobble": 1})
    with pytest.raises(UserError, match="unknown preset"):
        preset("fancy")


def test_default_corpus_fits_trba_labels():
    corpus = default_corpus()
    printable = set(string.printable) - set("\t\n\r\x0b\x0c")
    texts = [corpus.sample(sample_draws(0, i)) for i in range(3000)]
    assert all(1 <= len(t) <= 25 and set(t) <= printable for t in texts)
    assert any(t.isupper() for t in texts) and any(t.islower() for t in texts)
    assert any(c.isdigit() for t in texts for c in t) and any(set(t) & set(".,;:!?'\"-()&") for t in texts)


def test_phrases_are_two_or_three_words_in_one_casing_within_the_label_length():
    from fontsynth.corpus import MAX_LENGTH, SHORT, _phrase

    corpus = default_corpus()
    words, short = corpus.words, corpus.short_words
    assert short and all(len(w) <= SHORT for w in short) and len(short) == sum(len(w) <= SHORT for w in words)
    phrases = [_phrase(sample_draws(9, i), words, short) for i in range(5000)]
    counts = [len(p.split(" ")) for p in phrases]
    assert all(1 <= len(p) <= MAX_LENGTH and "  " not in p and p == p.strip() for p in phrases)
    assert all(p.islower() or p.isupper() or p == " ".join(w.capitalize() for w in p.split(" ")) for p in phrases)
    # 30% are drawn as three; of those from all words, half would pass 25 characters and keep two
    assert 0.75 < counts.count(2) / 5000 < 0.85 and 0.15 < counts.count(3) / 5000 < 0.25 and counts.count(1) / 5000 < 0.02
    of_short = sum(all(len(w) <= SHORT for w in p.split(" ")) for p in phrases) / 5000  # 40% drawn so, a few by chance
    assert 0.37 < of_short < 0.45
    long_pair = ["a" * 14, "b" * 14]  # too long together: the first word alone
    assert {_phrase(sample_draws(9, i), long_pair, ()).lower() for i in range(50)} == {"a" * 14, "b" * 14}
    trio = [w for w in words if len(w) == 9][:3]  # three of 9 = 29 characters: two are kept
    assert {len(_phrase(sample_draws(9, i), trio, ()).split(" ")) for i in range(200)} == {2}


def test_the_default_mix_gives_one_text_in_fourteen_of_several_plain_words():
    """6% phrases plus the word pairs of the punctuated kind (15% / 13 wraps): 7.2% expected."""
    corpus = default_corpus()
    texts = [corpus.sample(sample_draws(3, i)) for i in range(20000)]
    plain = sum(" " in t and all(w.isalpha() for w in t.split(" ")) for t in texts) / len(texts)
    assert 0.062 < plain < 0.082


def test_the_default_corpus_never_draws_a_blocked_word():
    """Profanity and slurs in the published word list are dropped in any case, and no text of
    the mix (words, phrases, punctuated pairs) contains one as a word."""
    import re

    from fontsynth.corpus import _data_text, blocked_words

    blocked = blocked_words()
    listed = _data_text("words.txt").split()
    present = [w for w in listed if w.lower() in blocked]
    assert len(present) >= 90 and {"Dick", "dick"} <= set(present)  # the list does hold them
    corpus = default_corpus()
    assert len(corpus.words) == len(listed) - len(present)
    assert not blocked & {w.lower() for w in corpus.words} and not blocked & set(corpus.short_words)
    assert "dickens" in {w.lower() for w in corpus.words}  # whole words only: no Scunthorpe problem
    for i in range(20000):
        words = re.findall(r"[A-Za-z]+", corpus.sample(sample_draws(4, i)))
        assert not blocked & {w.lower() for w in words}


def test_the_default_texts_are_pinned():
    """Datasets resume and replay these texts: a change to the default mix must raise SAMPLE_VERSION."""
    import hashlib

    from fontsynth.recipes import SAMPLE_VERSION

    corpus = default_corpus()
    texts = "\n".join(corpus.sample(sample_draws(0, i)) for i in range(2000))
    assert (SAMPLE_VERSION, hashlib.sha256(texts.encode()).hexdigest()[:16]) == (7, "d0497814ba24343d")


def test_gradient_runs_from_the_first_colour_to_the_second_and_noise_stays_between():
    from fontsynth.effects.background import _gradient, _smooth_noise

    g = _gradient(20, 50, [10, 200, 30], [250, 40, 90], 0.0)
    assert g.dtype == np.uint8 and g.shape == (20, 50, 3)
    assert g[:, 0].tolist() == [[10, 200, 30]] * 20 and g[:, -1].tolist() == [[250, 40, 90]] * 20
    vertical = _gradient(20, 50, [0, 0, 0], [200, 200, 200], 90.0)
    assert (vertical[0] == 0).all() and (vertical[-1] == 200).all()
    n = _smooth_noise(32, 100, [100, 100, 100], [150, 150, 150], seed=1)
    assert n.min() >= 100 and n.max() <= 150 and n.std() > 3
    assert np.array_equal(n, _smooth_noise(32, 100, [100, 100, 100], [150, 150, 150], seed=1))


def test_the_random_streams_are_pinned():
    """Datasets resume and replay on these streams: changing one must raise SAMPLE_VERSION."""
    draws = sample_draws(0, 0)
    assert [round(draws.random(), 12) for _ in range(3)] == [0.630720267103, 0.708802222889, 0.339265996562]
    draws = sample_draws(5, 123456789)
    assert [round(draws.random(), 12) for _ in range(3)] == [0.217348770604, 0.765434144536, 0.469248138287]
    assert noise_table()[0, 0].tolist() == pytest.approx([-1.186624, 1.199537, 0.462376], abs=1e-6)
    assert noise_table()[-1, -1].tolist() == pytest.approx([0.996805, -0.305271, 0.132582], abs=1e-6)


def test_sample_streams_depend_on_seed_and_index_only():
    first = lambda d: [d.random() for _ in range(5)]  # noqa: E731
    assert first(sample_draws(3, 7)) == first(sample_draws(3, 7))
    assert len({tuple(first(sample_draws(s, i))) for s, i in [(3, 7), (3, 8), (4, 7), (37, 0)]}) == 4


def test_noise_windows_are_standard_normal_and_differ_by_seed():
    a, b = noise_window((32, 100, 3), 1), noise_window((32, 100, 3), 2)
    assert a.shape == (32, 100, 3) and a.dtype == np.float32
    assert abs(float(a.mean())) < 0.05 and abs(float(a.std()) - 1) < 0.05
    assert np.array_equal(a, noise_window((32, 100, 3), 1)) and not np.array_equal(a, b)
    assert noise_window((32, 100), 1).shape == (32, 100)
    wide = noise_window((80, 1200, 3), 500)  # larger than the table: it wraps around
    assert wide.shape == (80, 1200, 3) and np.array_equal(wide[:, :512], wide[:, 512:1024])


@pytest.mark.parametrize("width", [1, 2, 3])
def test_outlines_match_freetypes_stroker(renderer, font_id, width):
    from PIL import Image, ImageDraw

    face = renderer.fonts.face(font_id, 32)
    font = face.font
    for char in "aeMW&":
        (ours,) = renderer.fonts.glyphs(face, char, width)
        left, top, right, bottom = font.getbbox(char, stroke_width=width, anchor="ls")
        image = Image.new("L", (right - left, bottom - top), 0)
        ImageDraw.Draw(image).text((-left, -top), char, font=font, fill=255, anchor="ls", stroke_width=width, stroke_fill=255)
        theirs = np.asarray(image).astype(float)
        ours_ink, theirs_ink = np.nonzero(ours.bitmap), np.nonzero(theirs)
        assert abs((ours.left + ours_ink[1].min()) - (left + theirs_ink[1].min())) <= 1
        assert abs((ours.top + ours_ink[0].min()) - (top + theirs_ink[0].min())) <= 1
        assert 0.9 < ours.bitmap.sum() / theirs.sum() < 1.1, char
        (fill,) = renderer.fonts.glyphs(face, char)
        assert ours.bitmap.sum() > fill.bitmap.sum() * 1.1 and ours.advance == fill.advance


def test_font_library_keeps_within_its_limits_and_caching_never_changes_glyphs(small_catalog):
    from fontsynth.fonts import FontLibrary

    ids = [f.id for f in small_catalog.usable()][:3]
    fresh, tight = FontLibrary(small_catalog), FontLibrary(small_catalog, keep=2, glyph_bytes=20_000)
    for _ in range(2):
        for font_id in ids:
            for size in (24, 40):
                for stroke in (0, 2):
                    a = tight.glyphs(tight.face(font_id, size), "Quartz 09", stroke)
                    b = fresh.glyphs(fresh.face(font_id, size), "Quartz 09", stroke)
                    assert all(np.array_equal(x.bitmap, y.bitmap) and (x.left, x.top, x.advance) == (y.left, y.top, y.advance) for x, y in zip(a, b))
                    assert tight.open_faces <= 2 and (tight.cached_bytes <= 20_000 or tight.open_faces == 1)
    assert fresh.open_faces == 6 and fresh.cached_bytes > tight.cached_bytes


def test_solid_images_are_one_colour_and_writable():
    from fontsynth.effects.colors import solid

    image = solid(5, 7, [10, 200, 30])
    assert image.shape == (5, 7, 3) and image.dtype == np.uint8
    assert (image.reshape(-1, 3) == [10, 200, 30]).all()
    image[0, 0] = 0  # a fresh buffer, not a shared constant
    assert (solid(5, 7, [10, 200, 30]).reshape(-1, 3) == [10, 200, 30]).all()


def test_layout_applies_pair_kerning_as_harfbuzz_does(renderer, font_id):
    from PIL import ImageFont

    from fontsynth.fonts import NO_LIGATURES

    face = renderer.fonts.face(font_id, 32)
    av, oo = renderer.fonts.kerns(face, "AV"), renderer.fonts.kerns(face, "oo")
    assert av[0] < -1 and av[1] == 0 and abs(oo[0]) < 0.5  # Vera kerns A-V by ~2 px at 32 px
    big = renderer.fonts.kerns(renderer.fonts.face(font_id, 40), "AV")
    assert big[0] == pytest.approx(av[0] * 40 / 32)
    raqm = ImageFont.truetype(face.font.path, 32, layout_engine=ImageFont.Layout.RAQM)
    width = lambda text: raqm.getlength(text, features=NO_LIGATURES)  # noqa: E731
    for text in ["AVATAR", "Towel", "WAVY L.T."]:
        kerning = sum(renderer.fonts.kerns(face, text))
        assert kerning == pytest.approx(width(text) - sum(width(c) for c in text), abs=0.1)
        assert kerning < -1  # it tightens these words


def test_kerned_text_layer_is_narrower_than_its_glyphs_side_by_side(renderer, font_id):
    from fontsynth.render import text_layers

    style = base(font_id)
    kerned, _ = text_layers("AVAVAV", style, renderer.fonts)
    face = renderer.fonts.face(font_id, style.font_size)
    unkerned_width = sum(round(g.advance) for g in renderer.fonts.glyphs(face, "AVAVAV"))
    assert kerned.shape[1] < unkerned_width - 5


def test_kerning_can_be_turned_off_by_config(renderer, font_id):
    from fontsynth.render import text_layers

    assert sample_style(sample_draws(0, 1), StyleConfig(kerning=False), "f", []).kerning is False
    assert sample_style(sample_draws(0, 1), StyleConfig(), "f", []).kerning is True
    kerned, _ = text_layers("AVAVAV", base(font_id), renderer.fonts)
    plain, _ = text_layers("AVAVAV", base(font_id, kerning=False), renderer.fonts)
    assert plain.shape[1] > kerned.shape[1] + 5


def test_kerning_without_raqm_is_a_clear_error(small_catalog, font_id, monkeypatch):
    from PIL import features

    from fontsynth.errors import UserError

    monkeypatch.setattr(features, "check", lambda name: False)
    renderer = Renderer(small_catalog)
    with pytest.raises(UserError, match='libraqm.*"kerning": false'):
        renderer.render("Avid", base(font_id))
    assert renderer.render("Avid", base(font_id, kerning=False)).data  # without kerning it renders


def test_glyphs_from_the_scratch_canvas_equal_freetypes_own(small_catalog):
    from fontsynth.fonts import Scratch, rasterise

    def ink(glyph):  # the bitmap trimmed to its ink, placed by its offset
        ys, xs = np.nonzero(glyph.bitmap)
        return glyph.left + xs.min(), glyph.top + ys.min(), glyph.bitmap[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]

    library = Renderer(small_catalog).fonts
    for entry in small_catalog.usable():
        for size in (24, 40):
            face, scratch = library.face(entry.id, size), Scratch(size)
            for char in string.ascii_letters + string.digits + "&@%$?!({ ":
                a, b = scratch.glyph(face.font, char), rasterise(face.font, char)
                assert a.advance == b.advance and a.inked == b.inked, (entry.path, char)
                if a.inked:
                    (ax, ay, abits), (bx, by, bbits) = ink(a), ink(b)
                    assert (ax, ay) == (bx, by) and np.array_equal(abits, bbits), (entry.path, size, char)


def test_a_glyph_too_large_for_the_scratch_canvas_is_drawn_exactly(small_catalog):
    from fontsynth.fonts import Scratch, rasterise

    face = Renderer(small_catalog).fonts.face(small_catalog.usable()[0].id, 40)
    tiny = Scratch(4)  # a canvas of 16 px for a 40 px glyph: the ink reaches its edges
    a, b = tiny.glyph(face.font, "W"), rasterise(face.font, "W")
    assert np.array_equal(a.bitmap, b.bitmap) and (a.left, a.top) == (b.left, b.top)
    assert a.bitmap[0].any() and a.bitmap[-1].any() and a.bitmap[:, 0].any() and a.bitmap[:, -1].any()  # cut to the ink
