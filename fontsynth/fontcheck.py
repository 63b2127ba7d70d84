"""Validate one font file: is it a usable outline font for Latin text (or, without Latin
letters, for another script), and is it OCR-clean?

Runs inside an isolated child process (`python -m fontsynth.fontcheck TASKS`), so a font that
crashes or hangs FreeType fails alone. `check_file` is a pure function of the file and of what
`checker_fingerprint` covers; `face_signatures` draws again the glyph signatures of faces an
earlier check accepted (a scan that reuses an earlier catalog's results needs them to group
designs, and the catalog does not store them).

Rules (from a survey of 12,000 faces, ../shared/fonts/README.md):
- valid: outline font (glyf, CFF, CFF2), not symbol-encoded, covers [A-Za-z0-9], each of those
  62 renders ink at 32 px, and the glyphs look Latin (nearest-template score).
- OCR-clean: valid, covers and renders `.,;:!?'"-()&`, the space renders blank with an advance,
  and lowercase is not drawn as capitals (small-caps / all-caps fonts corrupt labels).
- A font without [A-Za-z0-9] is valid for another script when it covers 90% of the basic
  letters of one of OTHER_SCRIPTS and each of those draws ink (most of Noto's single-script
  files: Noto Sans
  Arabic, Noto Sans Devanagari, ...). It is not OCR-clean (the rules above are Latin's), so it
  renders with --any-font; it has no glyph signature (it groups by name only).
"""

from __future__ import annotations

import base64
import hashlib
import string
import sys
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np
from fontTools.ttLib import TTCollection, TTFont
from PIL import ImageFont

from fontsynth.fonts import clean_name, code_point_ranges, open_font
from fontsynth.isolate import serve

REQUIRED = string.ascii_uppercase + string.ascii_lowercase + string.digits
PUNCTUATION = ".,;:!?'\"-()&"
CASE_PAIRS = "abdeghnqrty"  # letters whose lowercase is not a small capital in a normal design
GLYPH_PX = 32
CELL = 16
LATIN_MIN_SCORE = 0.2
CAPS_MIN_SIMILARITY = 0.9  # lowercase nearly equal to the font's own capitals
CAPS_MIN_SHARE = 0.4  # share of CASE_PAIRS lowercase glyphs that look like the capital template


def _letters(first: int, last: int) -> str:
    """The letters (Unicode categories Lu, Ll, Lo) from code point `first` to `last`."""
    return "".join(chr(c) for c in range(first, last + 1) if unicodedata.category(chr(c)) in ("Lu", "Ll", "Lo"))


# The scripts besides Latin a font may be valid for, each with the letters it must cover
# (SCRIPT_MIN_SHARE of them; which code points are letters follows Python's Unicode version,
# part of the checker's fingerprint) and draw: an alphabet's basic letters, a Brahmic script's
# consonants (KA to HA), the Arabic alphabet's 28 letters (alef to yeh), and for Hangul and Han
# a few of the most common characters (Han: shared by simplified and traditional Chinese). The
# first one a font covers is its script.
OTHER_SCRIPTS = {
    "Greek": _letters(0x0391, 0x03C9),
    "Cyrillic": _letters(0x0410, 0x044F),
    "Armenian": _letters(0x0531, 0x0586),
    "Hebrew": _letters(0x05D0, 0x05EA),
    "Arabic": "\u0627\u0628\u062a\u062b\u062c\u062d\u062e\u062f\u0630\u0631\u0632\u0633\u0634\u0635\u0636\u0637\u0638\u0639\u063a\u0641\u0642\u0643\u0644\u0645\u0646\u0647\u0648\u064a",
    "Devanagari": _letters(0x0915, 0x0939),
    "Bengali": _letters(0x0995, 0x09B9),
    "Gurmukhi": _letters(0x0A15, 0x0A39),
    "Gujarati": _letters(0x0A95, 0x0AB9),
    "Oriya": _letters(0x0B15, 0x0B39),
    "Tamil": _letters(0x0B95, 0x0BB9),
    "Telugu": _letters(0x0C15, 0x0C39),
    "Kannada": _letters(0x0C95, 0x0CB9),
    "Malayalam": _letters(0x0D15, 0x0D39),
    "Sinhala": _letters(0x0D9A, 0x0DC6),
    "Thai": _letters(0x0E01, 0x0E2E),
    "Georgian": _letters(0x10D0, 0x10F0),
    "Ethiopic": _letters(0x1200, 0x1247),
    "Hangul": "\uac00\ub098\ub2e4\ub77c\ub9c8\ubc14\uc0ac\uc544\uc790\ucc28\uce74\ud0c0\ud30c\ud558\ud55c\uad6d\uc5b4",
    "Hiragana": _letters(0x3042, 0x3093),
    "Katakana": _letters(0x30A2, 0x30F3),
    "Han": "\u7684\u4e00\u662f\u4e0d\u4e86\u4eba\u6211\u5728\u6709\u4ed6\u4e2d\u5927\u4e0a\u5b50\u548c\u4f60\u5730\u51fa\u4e5f\u5e74",
}


SCRIPT_MIN_SHARE = 0.9  # of a script's letters a font must cover (a few are recent additions old fonts lack)


def face_script(cmap: dict[int, str]) -> tuple[str, str] | None:
    """(script, the letters of it the face must draw): ("Latin", REQUIRED) when it covers
    REQUIRED, else the first of OTHER_SCRIPTS of whose letters it covers SCRIPT_MIN_SHARE (and
    those it covers), else None."""
    if all(ord(c) in cmap for c in REQUIRED):
        return "Latin", REQUIRED
    for name, letters in OTHER_SCRIPTS.items():
        covered = "".join(c for c in letters if ord(c) in cmap)
        if len(covered) >= SCRIPT_MIN_SHARE * len(letters):
            return name, covered
    return None


# Glyphs that look alike after size normalisation count as the same answer for the Latin test.
_CONFUSABLE = {c: c.lower() for c in REQUIRED} | {"0": "o", "1": "l", "i": "l", "j": "l"}


def glyph_cell(font: ImageFont.FreeTypeFont, char: str) -> np.ndarray | None:
    """The glyph's ink, padded to a square and resized to CELL x CELL floats in [0, 1]; None if blank."""
    import cv2

    mask = font.getmask(char, mode="L")
    ink = np.asarray(mask, dtype=np.uint8).reshape(mask.size[1], mask.size[0])
    rows, cols = np.nonzero(ink > 32)
    if rows.size == 0:
        return None
    ink = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = ink.shape
    side = max(h, w)
    square = np.zeros((side, side), np.uint8)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = ink
    return cv2.resize(square, (CELL, CELL), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0


def _normalised(v: np.ndarray) -> np.ndarray:
    v = v.reshape(len(v), -1) - v.reshape(len(v), -1).mean(axis=1, keepdims=True)
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)


def load_templates() -> np.ndarray:
    """Mean glyph cells of REQUIRED over reference fonts (built by scripts/make_glyph_templates.py)."""
    with resources.files("fontsynth").joinpath("data/glyph_templates.npy").open("rb") as f:
        return np.load(f)


def latin_score(cells: np.ndarray, templates: np.ndarray) -> float:
    """Share of the 62 glyphs whose nearest template is the right character (up to confusables)."""
    nearest = (_normalised(cells) @ _normalised(templates).T).argmax(axis=1)
    hits = [_CONFUSABLE[REQUIRED[j]] == _CONFUSABLE[c] for c, j in zip(REQUIRED, nearest)]
    return float(np.mean(hits))


def caps_similarity(cells: np.ndarray) -> float:
    """Median similarity of lowercase to uppercase glyph cells (the REQUIRED stack); near 1 for
    all-caps fonts."""
    sims = [
        float(_normalised(cells[REQUIRED.index(c)][None])[0] @ _normalised(cells[REQUIRED.index(c.upper())][None])[0])
        for c in CASE_PAIRS
    ]
    return float(np.median(sims))


def caps_share(cells: np.ndarray, templates: np.ndarray) -> float:
    """Share of CASE_PAIRS lowercase cells nearer the capital's template than their own.

    Measured over 700 fonts of the Debian set: all-caps and small-caps fonts score 0.45-1,
    normal designs (condensed, script, monospace included) 0-0.18.
    """
    t = _normalised(templates)
    votes = []
    for c in CASE_PAIRS:
        v = _normalised(cells[REQUIRED.index(c)][None])[0]
        votes.append(float(v @ t[REQUIRED.index(c.upper())] > v @ t[REQUIRED.index(c)]))
    return float(np.mean(votes))


@dataclass
class Face:
    """What the checks need of one face, whatever the file format."""

    index: int
    instance: str | None
    family: str
    style: str
    postscript_name: str
    outline: str  # glyf | CFF | CFF2 | Type1 | "" (no outlines)
    variable: bool
    cmap: dict[int, str]
    symbol: bool  # only a symbol-encoded cmap


def _name(font: TTFont, name_id: int) -> str:
    return clean_name(font["name"].getDebugName(name_id) if "name" in font else None)


def _named_instances(tt: TTFont) -> list[str]:
    if "fvar" not in tt:
        return []
    names = []
    for inst in tt["fvar"].instances:
        name = clean_name(tt["name"].getDebugName(inst.subfamilyNameID))
        if name and name not in names:
            names.append(name)
    return names


def sfnt_faces(path: str) -> list[Face]:
    """Faces of a TrueType/OpenType file or collection; one per named instance of a variable font."""
    with open(path, "rb") as f:
        magic = f.read(4)
    fonts = list(TTCollection(path, lazy=True).fonts) if magic == b"ttcf" else [TTFont(path, lazy=True)]
    faces = []
    for index, tt in enumerate(fonts):
        tables = tt["cmap"].tables if "cmap" in tt else []
        common = dict(
            index=index,
            family=_name(tt, 16) or _name(tt, 1),
            postscript_name=_name(tt, 6),
            outline=next((t.strip() for t in ("glyf", "CFF ", "CFF2") if t in tt), ""),
            variable="fvar" in tt,
            cmap=tt.getBestCmap() or {},
            symbol=bool(tables) and all(t.platformID == 3 and t.platEncID == 0 for t in tables),
        )
        for instance in _named_instances(tt) or [None]:
            faces.append(Face(instance=instance, style=instance or _name(tt, 17) or _name(tt, 2), **common))
    return faces


def type1_style(family: str, full_name: str, font_name: str, weight: str) -> str:
    """A Type 1 font's style: its FullName after the family, else its PostScript FontName after
    the family (SourceCodePro-SemiboldIt: many .pfb files have no FullName, and Weight does not
    tell italics apart) or after its last hyphen, else its Weight, else Regular. The style names
    the font (`classify`) and tells the weights of one family apart when fonts are grouped by design."""
    if full_name.startswith(family) and full_name != family:
        return full_name[len(family):].strip(" -") or "Regular"
    compact = family.replace(" ", "")
    if compact and font_name.startswith(compact):
        rest = font_name[len(compact):].strip("-")
    else:
        rest = font_name.strip("-").rsplit("-", 1)[1] if "-" in font_name.strip("-") else ""
    return rest or weight or "Regular"


def type1_faces(path: str) -> list[Face]:
    """A PostScript Type 1 font (.pfb/.pfa): Unicode coverage from its glyph names, as FreeType does."""
    from fontTools import t1Lib

    from fontsynth.type1 import glyph_char

    try:
        font = t1Lib.T1Font(path)
        font.parse()
    except UnicodeDecodeError:  # non-ASCII metadata: latin-1 reads every byte
        font = t1Lib.T1Font(path, encoding="latin-1")
        font.parse()
    info = font.font.get("FontInfo", {})
    cmap = {}
    for name in font.font["CharStrings"].keys():
        if char := glyph_char(name):
            cmap.setdefault(ord(char), name)
    family = clean_name(info.get("FamilyName", "") or font.font.get("FontName", ""))
    style = type1_style(family, clean_name(info.get("FullName", "") or ""), str(font.font.get("FontName", "")), clean_name(info.get("Weight", "") or ""))
    return [Face(index=0, instance=None, family=family, style=style, postscript_name=str(font.font.get("FontName", "")),
                 outline="Type1", variable=False, cmap=cmap, symbol=False)]


def check_face(path: str, info: Face, templates: np.ndarray) -> dict:
    """Everything the catalog records about one face (or one named instance of a variable font)."""
    face: dict = {
        "index": info.index,
        "instance": info.instance,
        "family": info.family,
        "style": info.style,
        "postscript_name": info.postscript_name,
        "outline": info.outline,
        "variable": info.variable,
        "charset": [],
        "accepted": False,
        "reason": "",
        "ocr_clean": False,
        "ocr_issues": [],
        "latin_score": 0.0,
        "script": "",
        "signature": "",
    }
    cmap = info.cmap
    if not info.outline:
        face["reason"] = "bitmap-only or no outlines (no glyf/CFF table)"
        return face
    if info.symbol:
        face["reason"] = "symbol font (symbol-encoded cmap)"
        return face
    face["charset"] = code_point_ranges(cmap)
    found = face_script(cmap)
    if found is None:
        face["reason"] = f"no glyph for {''.join(c for c in REQUIRED if ord(c) not in cmap)!r}"
        return face
    script, letters = found
    try:
        font = open_font(path, GLYPH_PX, info.index, info.instance)
    except (OSError, ValueError) as e:
        face["reason"] = f"FreeType cannot load it ({e})"
        return face
    try:
        cells = [glyph_cell(font, c) for c in letters]
    except (OSError, ValueError) as e:
        face["reason"] = f"FreeType cannot draw it ({e})"
        return face
    blank = [c for c, cell in zip(letters, cells) if cell is None]
    if blank:
        face["reason"] = f"renders no ink for {''.join(blank)!r}"
        return face
    stack = np.stack(cells)
    if script == "Latin":
        face["latin_score"] = round(latin_score(stack, templates), 4)
        if face["latin_score"] < LATIN_MIN_SCORE:
            face["reason"] = f"glyphs do not look Latin (score {face['latin_score']:.2f} < {LATIN_MIN_SCORE})"
            return face
    unshaped = unshaped_scripts(path, info)
    if script in unshaped:
        face["reason"] = f"does not shape {script} (its letters stay unjoined, or form no conjuncts): no OpenType layout for it"
        return face
    undrawable = set(undrawable_code_points(font, cmap)) | {cp for s in unshaped for first, last in SHAPING_PROBES[s][1] for cp in cmap if first <= cp <= last}
    undrawable |= set(swapped_code_points(path, info))
    if undrawable:  # the catalog promises only what FreeType can draw (and shape) as itself: renders never meet these glyphs
        face["undrawable"] = code_point_ranges(dict.fromkeys(undrawable, ""))
        face["charset"] = code_point_ranges({cp: g for cp, g in cmap.items() if cp not in undrawable})
    face["accepted"] = True
    face["script"] = script
    if script == "Latin":
        face["signature"] = encode_signature(stack)
        face["ocr_issues"] = ocr_issues(font, cmap, stack, templates)
    else:
        face["ocr_issues"] = [f"no Latin letters (a font of {script})"]
    face["ocr_clean"] = not face["ocr_issues"]
    return face


_FAILED = object()  # FreeType raised while drawing the glyph (raster overflow, broken outline)


def undrawable_code_points(font: ImageFont.FreeTypeFont, cmap: dict[int, str]) -> list[int]:
    """The covered code points whose glyph FreeType fails to draw, or draws without ink for a
    letter, digit, punctuation mark or symbol (Algol Revived maps Hebrew and Devanagari to
    empty glyphs: a render drew blank images labelled with words). Each is drawn once: about
    15 us a glyph, 90 ms for DejaVu Sans's 5,918."""
    bad = []
    for cp in cmap:
        try:
            mask = font.getmask(chr(cp))
        except (OSError, ValueError, RuntimeError):
            bad.append(cp)
            continue
        if mask.getbbox() is None and unicodedata.category(chr(cp))[0] in "LNPS":
            bad.append(cp)
    return bad


ZWNJ = "\u200c"
# Scripts whose words a font must shape to draw them, each with a text that shapes in any font
# that can (Arabic: beh joined three times; Brahmic: KA, VIRAMA, SSA or RA as one conjunct) and
# the code point blocks of that script. Placed letter by letter, they are not words.
SHAPING_PROBES = {
    "Arabic": ("\u0628\u0628\u0628", ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF))),
    "Devanagari": ("\u0915\u094d\u0937", ((0x0900, 0x097F),)),
    "Bengali": ("\u0995\u09cd\u09b7", ((0x0980, 0x09FF),)),
    "Gurmukhi": ("\u0a15\u0a4d\u0a30", ((0x0A00, 0x0A7F),)),
    "Gujarati": ("\u0a95\u0acd\u0ab7", ((0x0A80, 0x0AFF),)),
    "Oriya": ("\u0b15\u0b4d\u0b37", ((0x0B00, 0x0B7F),)),
    "Telugu": ("\u0c15\u0c4d\u0c37", ((0x0C00, 0x0C7F),)),
    "Kannada": ("\u0c95\u0ccd\u0cb7", ((0x0C80, 0x0CFF),)),
    "Malayalam": ("\u0d15\u0d4d\u0d37", ((0x0D00, 0x0D7F),)),
}


def unshaped_scripts(path: str, info: Face) -> list[str]:
    """The SHAPING_PROBES scripts the face covers but does not shape: its probe text drawn by
    HarfBuzz looks the same as with a zero-width non-joiner keeping the letters apart (no
    joining forms, no conjunct), as in fonts that map a script without OpenType layout for it
    (Unifont's Devanagari, FreeSerif's Gurmukhi). [] without libraqm, which cannot tell."""
    from PIL import features

    probes = [(script, text) for script, (text, _) in SHAPING_PROBES.items() if all(ord(c) in info.cmap for c in text)]
    if not probes or not features.check("raqm"):
        return []
    font = open_font(path, GLYPH_PX, info.index, info.instance, ImageFont.Layout.RAQM)
    unshaped = []
    for script, text in probes:
        apart = ZWNJ.join(text) if script == "Arabic" else text[:2] + ZWNJ + text[2:]  # isolated letters; an explicit virama
        joined, separate = font.getmask(text), font.getmask(apart)
        if joined.size == separate.size and bytes(joined) == bytes(separate):
            unshaped.append(script)
    return unshaped


# The OpenType features HarfBuzz applies unasked: to every script, and those of Arabic, Hangul
# and Brahmic shaping.
DEFAULT_FEATURES = frozenset({"ccmp", "locl", "rlig", "rvrn", "calt", "clig", "liga", "rclt", "isol", "init", "medi", "fina", "med2", "fin2",
                              "fin3", "stch", "mset", "rtlm", "ltrm", "nukt", "akhn", "rphf", "rkrf", "pref", "blwf", "abvf", "half", "pstf",
                              "vatu", "cjct", "pres", "abvs", "blws", "psts", "haln", "ljmo", "vjmo", "tjmo"})


def swapped_code_points(path: str, info: Face) -> dict[int, int]:
    """The digits, punctuation marks and symbols the face's default OpenType substitutions draw
    as another character: {code point: a code point of the glyph drawn}. KacstOne draws ASCII
    digits beside Arabic letters as Arabic-Indic ones, so a label `38` stood under `٣٨`.
    Another form of the same character (NFKC-equal) or a bracket's mirror image is no swap.
    Single substitutions of the lookups every script's default language system reaches through
    DEFAULT_FEATURES, and of those their contextual rules call; letters are left alone (fonts
    map presentation forms loosely)."""
    if path.lower().endswith(TYPE1_SUFFIXES):
        return {}
    font = TTFont(path, fontNumber=info.index, lazy=True)
    if "GSUB" not in font or not font["GSUB"].table.ScriptList or not font["GSUB"].table.LookupList:
        return {}
    table = font["GSUB"].table
    drawn: dict[str, str] = {}  # glyph -> the glyph a default single substitution puts in its place
    for i in sorted(_default_lookups(table)):
        lookup = table.LookupList.Lookup[i]
        for subtable in lookup.SubTable:
            subtable = getattr(subtable, "ExtSubTable", subtable)
            if getattr(subtable, "LookupType", lookup.LookupType) == 1:
                for glyph, other in subtable.mapping.items():
                    drawn.setdefault(glyph, other)
    mapped_by: dict[str, list[int]] = {}
    for cp, glyph in info.cmap.items():
        if unicodedata.category(chr(cp)) != "Co":  # a private-use code point names a variant glyph, not another character
            mapped_by.setdefault(glyph, []).append(cp)
    swapped = {}
    for cp, glyph in info.cmap.items():
        char, other = chr(cp), drawn.get(glyph, glyph)
        if other == glyph or other not in mapped_by or unicodedata.category(char)[0] not in "NPS" or unicodedata.mirrored(char):
            continue
        same = unicodedata.normalize("NFKC", char)
        if not any(unicodedata.normalize("NFKC", chr(o)) == same for o in mapped_by[other]):
            swapped[cp] = min(mapped_by[other])
    return swapped


def _default_lookups(table) -> set[int]:
    """The GSUB lookups every script's default language system reaches through DEFAULT_FEATURES,
    with those their contextual rules call."""
    found = set()
    for record in table.ScriptList.ScriptRecord:
        system = record.Script.DefaultLangSys
        for i in system.FeatureIndex if system else []:
            feature = table.FeatureList.FeatureRecord[i]
            if feature.FeatureTag in DEFAULT_FEATURES:
                found.update(feature.Feature.LookupListIndex)
    todo = list(found)
    while todo:
        lookup = table.LookupList.Lookup[todo.pop()]
        for subtable in lookup.SubTable:
            for called in _called_lookups(getattr(subtable, "ExtSubTable", subtable)) - found:
                found.add(called)
                todo.append(called)
    return found


def _called_lookups(subtable) -> set[int]:
    """The lookups a contextual substitution subtable's rules call (any of its three formats)."""
    rules = [subtable]
    for set_name, rule_name in (("SubRuleSet", "SubRule"), ("SubClassSet", "SubClassRule"), ("ChainSubRuleSet", "ChainSubRule"),
                                ("ChainSubClassSet", "ChainSubClassRule")):
        for rule_set in getattr(subtable, set_name, None) or []:
            rules += getattr(rule_set, rule_name, None) or []
    return {record.LookupListIndex for rule in rules for record in getattr(rule, "SubstLookupRecord", None) or []}


def _draw(font: ImageFont.FreeTypeFont, char: str):
    """glyph_cell, or _FAILED where FreeType cannot draw the glyph."""
    try:
        return glyph_cell(font, char)
    except (OSError, ValueError):
        return _FAILED


def ocr_issues(font: ImageFont.FreeTypeFont, cmap: dict[int, str], cells: np.ndarray, templates: np.ndarray) -> list[str]:
    """Why an accepted face is not OCR-clean; `cells` are its REQUIRED glyph cells."""
    issues = []
    missing = [c for c in PUNCTUATION if ord(c) not in cmap]
    if missing:
        issues.append(f"no glyph for {''.join(missing)!r}")
    drawn = {c: _draw(font, c) for c in PUNCTUATION + " " if ord(c) in cmap}
    failed = [c for c, cell in drawn.items() if cell is _FAILED]
    if failed:
        issues.append(f"FreeType cannot draw {''.join(failed)!r}")
    blank = [c for c in PUNCTUATION if drawn.get(c, _FAILED) is None]
    if blank:
        issues.append(f"renders no ink for {''.join(blank)!r}")
    if ord(" ") not in cmap or font.getlength(" ") <= 0:
        issues.append("no space glyph")
    elif drawn[" "] is not None and drawn[" "] is not _FAILED:
        issues.append("space renders ink")
    if caps_share(cells, templates) >= CAPS_MIN_SHARE or caps_similarity(cells) >= CAPS_MIN_SIMILARITY:
        issues.append("lowercase drawn as capitals (all-caps or small-caps)")
    return issues


TYPE1_SUFFIXES = (".pfb", ".pfa")


def check_file(path: str, templates: np.ndarray | None = None) -> dict:
    """{"sha256", "bytes", "faces": [...]} or {"sha256", "bytes", "error": reason} for one font file."""
    templates = load_templates() if templates is None else templates
    with open(path, "rb") as f:
        data = f.read()
    result: dict = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if not data:
        result["error"] = "empty file (0 bytes)"
        return result
    try:  # an untrusted file: fontTools raises any kind of error on malformed data (NotImplementedError,
        # UnboundLocalError, RecursionError, MemoryError, ... were seen from fuzzed fonts)
        faces = type1_faces(path) if path.lower().endswith(TYPE1_SUFFIXES) else sfnt_faces(path)
    except Exception as e:
        result["error"] = f"not a readable font ({_one_line(e)})"
        return result
    result["faces"] = [_checked_face(path, face, templates) for face in faces]
    return result


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"[:300]


def _checked_face(path: str, info: Face, templates: np.ndarray) -> dict:
    """check_face, or the face rejected with the error when checking it raised (FreeType or
    fontTools on a damaged font). `check_error` lets the scan notice when most fonts fail the
    same way, which means a bug of ours, not bad fonts."""
    try:
        return check_face(path, info, templates)
    except Exception as e:
        return {"index": info.index, "instance": info.instance, "family": info.family, "style": info.style,
                "postscript_name": info.postscript_name, "outline": info.outline, "variable": info.variable,
                "accepted": False, "reason": f"checking it failed ({_one_line(e)})", "check_error": _one_line(e)}


def encode_signature(cells: np.ndarray) -> str:
    """A face's REQUIRED glyph cells as the catalog's grouping reads them (base64 of uint8)."""
    return base64.b64encode((cells * 255).round().astype(np.uint8).tobytes()).decode()


def face_signatures(path: str, faces: list[list]) -> dict:
    """{"signatures": [...]}: the signature `check_face` records, of each accepted face
    [index, instance] of the file, drawn again; {"error": reason} when one cannot be drawn."""
    signatures = []
    for index, instance in faces:
        try:
            font = open_font(path, GLYPH_PX, index, instance)
            cells = [glyph_cell(font, c) for c in REQUIRED]
        except Exception as e:  # the file changed under the same bytes' name, or another FreeType
            return {"error": f"cannot draw its glyphs again ({_one_line(e)})"}
        if any(cell is None for cell in cells):
            return {"error": "renders no ink where it did"}
        signatures.append(encode_signature(np.stack(cells)))
    return {"signatures": signatures}


CHECKER_FILES = ("fontcheck.py", "fonts.py", "type1.py", "data/glyph_templates.npy")


def checker_fingerprint() -> str:
    """What decides a file's check result besides its bytes: the checker's code and the font
    code it calls, its glyph templates, and the versions of the libraries that parse and draw
    fonts. A scan reuses an earlier catalog's results only under the same fingerprint, so any
    change to these (an edit, an upgrade) checks every file again."""
    import cv2
    import fontTools
    import PIL
    from PIL import features

    digest = hashlib.sha256()
    package = resources.files("fontsynth")
    for name in CHECKER_FILES:
        digest.update(name.encode() + b"\0" + package.joinpath(name).read_bytes())
    versions = [PIL.__version__, features.version("freetype2"), features.version("raqm"), fontTools.version, np.__version__, cv2.__version__,
                unicodedata.unidata_version]
    digest.update(repr(versions).encode())
    return digest.hexdigest()[:16]


def _handle(task: dict) -> dict:
    if "signatures" in task:
        return face_signatures(task["path"], task["signatures"])
    return check_file(task["path"], _TEMPLATES)


if __name__ == "__main__":
    _TEMPLATES = load_templates()
    serve(_handle, sys.argv[1])
