"""Hand-made fonts for tests, derived from an embedded font with fontTools."""

from __future__ import annotations

import random
import shutil
import string
from pathlib import Path

from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "fonts"
BASE = FONTS / "Vera.ttf"  # TrueType outlines (glyf)
OTHER = FONTS / "Karla-Regular.otf"  # CFF outlines


def copy_font(dest: Path, source: Path = BASE) -> Path:
    shutil.copyfile(source, dest)
    return dest


def _edit(dest: Path, edit, source: Path = BASE) -> Path:
    font = TTFont(source)
    edit(font)
    font.save(dest)
    return dest


def _cmaps(font: TTFont):
    return [t for t in font["cmap"].tables if t.isUnicode() or t.platformID == 3]


def renamed(dest: Path, family: str, source: Path = BASE) -> Path:
    """Same outlines under another family, style and PostScript name."""

    def edit(font: TTFont) -> None:
        name = font["name"]
        for record in list(name.names):
            if record.nameID in (1, 3, 4, 6, 16):
                value = family.replace(" ", "") if record.nameID == 6 else family
                name.setName(value, record.nameID, record.platformID, record.platEncID, record.langID)

    return _edit(dest, edit, source)


def missing_letters(dest: Path, letters: str = "QZ") -> Path:
    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            for c in letters:
                table.cmap.pop(ord(c), None)

    return _edit(dest, edit)


def all_caps(dest: Path) -> Path:
    """Lowercase code points mapped to the capital glyphs."""

    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            for c in string.ascii_lowercase:
                table.cmap[ord(c)] = table.cmap[ord(c.upper())]

    return _edit(dest, edit)


def no_space(dest: Path) -> Path:
    return missing_letters(dest, " ")


def scrambled(dest: Path, seed: int = 0) -> Path:
    """Letters and digits mapped to unrelated glyphs: covers the code points, draws no Latin."""

    def edit(font: TTFont) -> None:
        glyphs = [g for g in font.getGlyphOrder() if g not in (".notdef", "space") and not g.startswith("uni00")]
        chosen = random.Random(seed).sample(glyphs[100:], 62)
        for table in _cmaps(font):
            for c, g in zip(string.ascii_letters + string.digits, chosen):
                table.cmap[ord(c)] = g

    return _edit(dest, edit)


def symbol_encoded(dest: Path) -> Path:
    """Only a (3, 0) symbol cmap subtable, as dingbat fonts have."""

    def edit(font: TTFont) -> None:
        tables = font["cmap"].tables
        keep = next(t for t in tables if t.platformID == 3)
        keep.platEncID = 0
        font["cmap"].tables = [keep]

    return _edit(dest, edit)


def bitmap_only(dest: Path) -> Path:
    """No outline table at all (glyf and loca removed)."""

    def edit(font: TTFont) -> None:
        font.getGlyphOrder()
        for tag in ("glyf", "loca", "fpgm", "prep", "cvt "):
            if tag in font:
                del font[tag]

    return _edit(dest, edit)


def truncated(dest: Path, keep: int = 3000) -> Path:
    dest.write_bytes(BASE.read_bytes()[:keep])
    return dest


def random_bytes(dest: Path, size: int = 20000, seed: int = 0) -> Path:
    dest.write_bytes(random.Random(seed).randbytes(size))
    return dest


def empty(dest: Path) -> Path:
    dest.write_bytes(b"")
    return dest


def with_scripts(dest: Path, joins: bool = True, swap_digits: str | None = None) -> Path:
    """Vera with two scripts drawn by its Latin glyphs: Hebrew alef and bet (U+05D0, U+05D1,
    right to left, unjoined) as A and B, and Arabic beh (U+0628) as b, which GSUB joins: I
    first in a word, M inside, F last (alone it stays b); without `joins`, no GSUB.

    `swap_digits` ("locl" or "contextual"; with `joins`): the Arabic-Indic digits U+0660-0669
    are Vera's A-J, and the layout, as KacstOne's does, draws the ASCII digits in Arabic text as
    those: a `3` beside Arabic letters is drawn as another character. "locl": by Arabic's
    `locl`; "contextual": by a lookup of no feature that a chaining contextual rule of Arabic's
    `calt` calls. (A rule with a beh as its context would not do: the bidi algorithm puts
    digits in a run of their own, which HarfBuzz shapes apart.)"""
    from fontTools.feaLib.builder import addOpenTypeFeaturesFromString

    digits = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    subs = " ".join(f"sub {name} by {c};" for name, c in zip(digits, "ABCDEFGHIJ"))
    swaps = {None: "", "locl": f"feature locl {{ script arab; {subs} }} locl;",
             "contextual": f"lookup DIGITS {{ {subs} }} DIGITS;\nfeature calt {{ script arab; sub [{' '.join(digits)}]' lookup DIGITS; }} calt;"}

    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            if table.format != 0:
                table.cmap.update({0x05D0: "A", 0x05D1: "B", 0x0628: "b"})
                if swap_digits:
                    table.cmap.update({0x0660 + i: c for i, c in enumerate("ABCDEFGHIJ")})
        if joins:
            addOpenTypeFeaturesFromString(font, "languagesystem DFLT dflt; languagesystem arab dflt;\n"
                                            "feature init { sub b by I; } init; feature medi { sub b by M; } medi; feature fina { sub b by F; } fina;\n"
                                            + swaps[swap_digits])

    return _edit(dest, edit)


def hebrew_only(dest: Path) -> Path:
    """A font of Hebrew alone (as most of Noto's single-script files are of theirs): Vera's
    capitals and `a` drawn for the 27 Hebrew letters, no Latin letter or digit, its own name."""
    renamed(dest, "Hebrew Only")

    def edit(font: TTFont) -> None:
        glyphs = string.ascii_uppercase + "a"
        for table in _cmaps(font):
            names = {c: table.cmap[ord(c)] for c in glyphs}
            for c in string.ascii_letters + string.digits:
                table.cmap.pop(ord(c), None)
            if table.format != 0:
                table.cmap.update({0x05D0 + i: names[c] for i, c in enumerate(glyphs)})

    return _edit(dest, edit, dest)


ARABIC_LETTERS = "\u0627\u0628\u062a\u062b\u062c\u062d\u062e\u062f\u0630\u0631\u0632\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063a\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u0648\u064a"


def arabic_only(dest: Path, joins: bool = True) -> Path:
    """A font of Arabic alone: Vera's A-Z, a and b drawn for the 28 letters (beh is B), no Latin
    letter or digit; with `joins`, GSUB gives beh joining forms (I, M, F), else it has no
    OpenType layout and its letters stay apart, as in fonts that map Arabic without shaping it."""
    from fontTools.feaLib.builder import addOpenTypeFeaturesFromString

    renamed(dest, "Arabic Only" if joins else "Arabic Unjoined")

    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            names = {c: table.cmap[ord(c)] for c in string.ascii_uppercase + "ab"}
            for c in string.ascii_letters + string.digits:
                table.cmap.pop(ord(c), None)
            if table.format != 0:
                table.cmap.update({ord(letter): names[c] for letter, c in zip(ARABIC_LETTERS, "AB" + string.ascii_uppercase[2:] + "ab")})
        if joins:
            addOpenTypeFeaturesFromString(font, "languagesystem DFLT dflt; languagesystem arab dflt;\n"
                                                "feature init { sub B by I; } init; feature medi { sub B by M; } medi; feature fina { sub B by F; } fina;")

    return _edit(dest, edit, dest)


def with_cjk(dest: Path) -> Path:
    """Vera with two CJK ideographs drawn by its A and B (U+65E5, U+672C), its own name: a Latin
    font that covers a text no standard content font has."""
    renamed(dest, "With CJK")

    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            if table.format != 0:
                table.cmap.update({0x65E5: "A", 0x672C: "B"})

    return _edit(dest, edit, dest)


def blank_hebrew(dest: Path) -> Path:
    """Vera with the Hebrew letters mapped to its empty space glyph (as Algol Revived maps them)."""

    def edit(font: TTFont) -> None:
        for table in _cmaps(font):
            if table.format != 0:
                table.cmap.update({cp: "space" for cp in range(0x05D0, 0x05EB)})

    return _edit(dest, edit)
