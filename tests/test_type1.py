"""Type 1 subsetting and the decrypted form font packs store (fontsynth.type1)."""

import json
import lzma
import os
import shutil
import zipfile

import pytest
from fontTools.t1Lib import T1Font

from fontmaker import ROOT

from fontsynth.catalog import scan_fonts
from fontsynth.fontpack import DEFAULT_CHARSET, PACK_FILE, PackReader, draws_the_same, write_pack
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.type1 import (
    CHARSTRING_KEY, EEXEC_KEY, Type1Error, Type1Font, charstring_calls, crypt, decrypted, encrypted, glyph_char,
    pfb_segments, reached_glyphs, subset_pfb, write_pfb,
)

DATA = ROOT / "tests" / "data"
FONTS = [DATA / "jkplmn8a.pfb", DATA / "jkpbsc8a.pfb"]


def test_encryption_by_hand_and_round_trips():
    # first byte: plain 0 xor (55665 >> 8 = 217); the key then moves on with the cipher byte
    assert crypt(b"\x00", EEXEC_KEY, False) == bytes([217])
    r = ((217 + 55665) * 52845 + 22719) & 0xFFFF
    assert crypt(b"\x00\x00", EEXEC_KEY, False) == bytes([217, r >> 8])
    data = os.urandom(5000)
    for key in (EEXEC_KEY, CHARSTRING_KEY):
        assert crypt(crypt(data, key, True), key, False) == data
        assert crypt(crypt(data, key, False), key, True) == data


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_segments_and_decrypted_form_give_the_file_back(path):
    data = path.read_bytes()
    assert write_pfb(pfb_segments(data)) == data
    plain = decrypted(data)
    assert plain != data and len(plain) == len(data)
    assert encrypted(plain) == data
    assert len(lzma.compress(plain)) < 0.75 * len(lzma.compress(data))  # why packs store it


def test_a_shorter_encrypted_part_leaves_no_empty_segment():
    cleartext, binary, trailer = pfb_segments(FONTS[0].read_bytes())
    assert binary[0] == 2
    thirds = [binary[1][:12000], binary[1][12000:24000], binary[1][24000:]]  # as t1utils and others split it
    font = Type1Font.parse(write_pfb([cleartext, *[(2, part) for part in thirds], trailer]))
    assert font.with_binary(binary[1]) == write_pfb([cleartext, *[(2, part) for part in thirds], trailer])  # same length: same cuts
    shorter = font.with_binary(binary[1][:20000])
    assert [(kind, len(body)) for kind, body in pfb_segments(shorter)] == [(1, len(cleartext[1])), (2, 12000), (2, 8000), (1, len(trailer[1]))]
    longer = font.with_binary(binary[1] + b"\0" * 100)
    assert [len(body) for _, body in pfb_segments(longer)][1:4] == [12000, 12000, len(thirds[2]) + 100]


def test_glyph_names_map_to_characters_as_freetype_maps_them():
    assert [glyph_char(n) for n in ("A", "quotesingle", "uni0041", "a.sc", "f_i", ".notdef", "zero.oldstyle")] == \
        ["A", "'", "A", "a", "", "", "0"]
    assert reached_glyphs(["A", "A.alt", "B", "f_i", "space", ".notdef"], "A ") == {"A", "A.alt", "space", ".notdef"}


def number(n: int) -> bytes:
    return bytes([n + 139]) if -107 <= n <= 107 else bytes([247 + (n - 108) // 256, (n - 108) % 256])


CALLSUBR, RETURN, CALLOTHERSUBR, POP, DIV, SEAC, RLINETO = b"\x0a", b"\x0b", b"\x0c\x10", b"\x0c\x11", b"\x0c\x0c", b"\x0c\x06", b"\x05"


@pytest.mark.parametrize("charstring, calls", [
    (number(7) + CALLSUBR + number(20) + number(30) + RLINETO, {7}),  # coordinates are not calls
    (number(5) + number(1) + number(3) + CALLOTHERSUBR + POP + CALLSUBR, {5}),  # hint replacement
    (number(14) + number(4) + CALLSUBR, {4, 14}),  # Subr 4 may take 14 from the stack
    (number(9) + RETURN, {9}),  # a Subr leaving 9 for its caller
    (number(60) + number(2) + DIV + CALLSUBR + number(3) + RLINETO, {60, 2, 3}),  # computed: every number
    (CALLSUBR, set()),  # an operand from the caller: nothing this charstring pushes
])
def test_subr_calls_are_followed_through_the_stack(charstring, calls):
    assert charstring_calls(charstring, -1) == (calls, None)


def test_seac_components_are_read_from_a_charstring():
    # 0 0 0 101 194 seac: 'e' (StandardEncoding 101) with 'acute' (194) on top; 194 takes two bytes
    charstring = number(0) * 3 + number(101) + number(194) + SEAC
    assert charstring[-4:-2] == bytes([247, 194 - 108])
    assert charstring_calls(charstring, -1) == (set(), (101, 194))
    encrypted_form = crypt(bytes(4) + charstring, CHARSTRING_KEY, False)  # as fonts store it, lenIV 4
    assert charstring_calls(encrypted_form, 4) == (set(), (101, 194))


@pytest.mark.parametrize("path", FONTS, ids=lambda p: p.name)
def test_a_subset_keeps_what_the_charset_reaches_and_draws_it_the_same(path, tmp_path):
    charset = "".join(sorted(set("Quartz & jinx, 1-9!")))
    data = path.read_bytes()
    subset = subset_pfb(data, charset)
    assert len(subset) < 0.6 * len(data)
    source, small = Type1Font.parse(data), Type1Font.parse(subset)
    assert {g.key for g in small.glyphs} == reached_glyphs([g.key for g in source.glyphs], charset)
    assert len(small.subrs) == len(source.subrs)  # numbering kept; unused ones emptied
    kept = [s for s, t in zip(small.subrs, source.subrs) if s.body == t.body]
    assert 4 <= len(kept) < len(source.subrs)
    (tmp_path / "subset.pfb").write_bytes(subset)
    parsed = T1Font(str(tmp_path / "subset.pfb"))  # fontTools reads the subset as a font
    parsed.parse()
    assert len(parsed.font["CharStrings"]) == len(small.glyphs)
    assert draws_the_same(path, 0, None, subset, charset)


def test_what_is_not_a_type1_font_is_refused(tmp_path):
    with pytest.raises(Type1Error):
        subset_pfb(b"%!PS-AdobeFont-1.0", "A")
    data = FONTS[0].read_bytes()
    with pytest.raises(Type1Error):
        subset_pfb(data[:2000], "A")  # cut inside the encrypted part


def test_a_pack_stores_type1_fonts_decrypted_and_renders_what_the_folder_renders(tmp_path):
    folder = tmp_path / "fonts"
    folder.mkdir()
    for path in FONTS:
        shutil.copyfile(path, folder / path.name)
    catalog = scan_fonts(folder, workers=1, show_progress=False)
    catalog.save(folder / "catalog.json")
    summary = write_pack(catalog, tmp_path / "t1.pack", show_progress=False, ocr_clean=False)
    assert summary["fonts"] == 2 and summary["kept_whole"] == [] and summary["all_glyphs"] == []
    with zipfile.ZipFile(tmp_path / "t1.pack") as z:
        members = {font_id: member for font_id, (member, _) in json.loads(z.read(PACK_FILE))["fonts"].items()}
    assert all(m.endswith(".t1") for m in members.values())
    reader = PackReader()
    for entry in catalog.fonts:
        assert reader.read(str(tmp_path / "t1.pack"), members[entry.id]) == subset_pfb((folder / entry.path).read_bytes(), DEFAULT_CHARSET)
    kw = dict(n=400, seed=3, workers=1, ocr_clean=False, show_progress=False)
    render_dataset(RenderJob(fonts=folder, out=tmp_path / "from-folder", **kw))
    render_dataset(RenderJob(fonts=tmp_path / "t1.pack", out=tmp_path / "from-pack", **kw))
    sums = [json.loads((tmp_path / d / "manifest.json").read_text())["shards"] for d in ("from-folder", "from-pack")]
    assert [s["sha256"] for s in sums[0]] == [s["sha256"] for s in sums[1]]


def test_type1_names_are_cleaned_of_stray_whitespace(monkeypatch):
    from fontTools import t1Lib

    from fontsynth.fontcheck import type1_faces

    class Fake:
        def __init__(self, path, encoding="ascii"):
            self.font = {"FontInfo": {"FamilyName": "Foo\tSerif ", "FullName": "Foo Serif", "Weight": "Bold\n"},
                         "CharStrings": {"A": b""}, "FontName": "FooSerif-Bold"}

        def parse(self):
            pass

    monkeypatch.setattr(t1Lib, "T1Font", Fake)
    face = type1_faces("foo.pfb")[0]
    assert (face.family, face.style) == ("Foo Serif", "Bold")  # no full name beyond the family: the weight names the style
