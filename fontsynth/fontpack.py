"""Font packs: thousands of fonts in one file of a few tens of MB, for machines that cannot
fetch a font folder (a GPU box, a cluster worker).

`write_pack(catalog, out, charset)` writes a zip file holding
    pack.json         {"format", "format_version", "charset", "fonts": {font id: [member, face index]}}
    catalog.json      the source catalog, every entry as it was (original font ids)
    fonts/<id>.<ext>  each usable font (accepted, one per design) subset to `charset`
    licenses/...      the license files the catalog names
A font fontTools cannot subset (it happens: "too much data" on a large CJK font) is stored
whole, so the pack still renders what the folder renders. `load_pack(path)` returns a Catalog whose entries point into the pack and whose coverage is
cut to the pack's charset, so rendering never picks a font for a character the pack dropped.
`render --fonts fonts.pack` and `RenderDataset(fonts="fonts.pack")` read it directly.

The subset keeps what rendering reads: hinting, every layout feature, the legacy `kern`
table, every name record (variable-font instance names), bitmap strikes; and each subset is
checked against its source (`draws_the_same`) before it is kept, so a pack renders exactly
the samples its source folder renders (tested). A subset font is a modified font:
some licenses (OFL fonts with Reserved Font Names) restrict redistributing one. A pack is
for one's own machines.
"""

from __future__ import annotations

import io
import json
import logging
import os
import string
import zipfile
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import joblib
import numpy as np
from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from fontsynth.catalog import CATALOG_FILE, Catalog, FontEntry
from fontsynth.errors import UserError
from fontsynth.fileio import atomic_write_bytes
from fontsynth.fonts import code_point_ranges, open_font
from fontsynth.progress import progress_bar

PACK_FILE = "pack.json"
PACK_FORMAT = "fontsynth-font-pack"
PACK_VERSION = 1
DEFAULT_CHARSET = "".join(c for c in string.printable if c.isprintable())  # printable ASCII, space included
KEPT_TABLES_DROPPED_BY_DEFAULT = {"EBDT", "EBLC", "EBSC"}  # bitmap strikes FreeType may draw


def is_pack(path: Path) -> bool:
    path = Path(path)
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return PACK_FILE in z.namelist()


def subset_options() -> subset.Options:
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    options.legacy_kern = True
    options.notdef_outline = True
    options.glyph_names = True
    options.hinting = True
    options.drop_tables = [t for t in options.drop_tables if t not in KEPT_TABLES_DROPPED_BY_DEFAULT]
    return options


def auto_hinted(font: TTFont) -> bool:
    """A TrueType font without hinting bytecode: FreeType draws it through its auto-hinter,
    whose global analysis (blue zones, glyph styles) reads the whole glyph set, so removing
    glyphs moves pixels (the apostrophe of OxygenMono at some sizes). Such fonts keep every
    glyph in a pack."""
    return "glyf" in font and "fpgm" not in font and "prep" not in font


def subset_font(path: Path, index: int, charset: str, all_glyphs: bool = False) -> tuple[bytes, str]:
    """(bytes, extension) of face `index` of `path` keeping only `charset`'s glyphs (every
    glyph with `all_glyphs`). Type 1 fonts, which fontTools cannot subset, are kept whole."""
    if path.suffix.lower() == ".pfb":
        return path.read_bytes(), ".pfb"
    # Glyph bounding boxes stay as the font stores them: FreeType places outlines from them
    # (with the side bearings), and recomputed ones moved pixels in 4 of our 44 fonts.
    font = TTFont(str(path), fontNumber=index, lazy=False, recalcBBoxes=False, recalcTimestamp=False)
    subsetter = subset.Subsetter(subset_options())
    if all_glyphs or auto_hinted(font):
        subsetter.populate(glyphs=font.getGlyphOrder())
    else:
        subsetter.populate(unicodes=[ord(c) for c in charset])
    fonttools_log = logging.getLogger("fontTools")
    level = fonttools_log.level
    fonttools_log.setLevel(logging.ERROR)  # notes on tables it drops (FFTM) and odd advances are not ours to print
    try:
        subsetter.subset(font)
    finally:
        fonttools_log.setLevel(level)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue(), ".otf" if "CFF " in font or "CFF2" in font else ".ttf"


CHECK_SIZES = range(10, 91, 3)  # px sizes at which a subset must draw every glyph as its source does


def specimen(font, text: str) -> np.ndarray:
    """`text` drawn on one line (glyph by glyph at their advances, as the renderer lays them)."""
    size = font.size
    image = Image.new("L", (int(font.getlength(text)) + 4 * size, 4 * size), 0)
    ImageDraw.Draw(image).text((2 * size, 3 * size), text, font=font, fill=255, anchor="ls")
    return np.asarray(image)


def draws_the_same(path: Path, index: int, instance: str | None, data: bytes, charset: str) -> bool:
    """Whether the subset `data` draws `charset` exactly as face `index` of `path` does
    (every glyph's pixels and advance) at every CHECK_SIZES size."""
    text = "".join(c for c in charset if c.isprintable())
    for size in CHECK_SIZES:
        source = open_font(str(path), size, index, instance)
        packed = open_font(io.BytesIO(data), size, 0, instance)
        if [source.getlength(c) for c in text] != [packed.getlength(c) for c in text]:
            return False
        if not np.array_equal(specimen(source, text), specimen(packed, text)):
            return False
    return True


def packed_font(path: Path, index: int, instance: str | None, charset: str) -> tuple[bytes, str, int, str]:
    """(bytes, extension, face index, how) of one font for a pack (one joblib task). A subset
    is kept only if it draws every glyph as the source does (checked, not assumed: recomputed
    bounding boxes, the auto-hinter and other causes moved pixels); else every glyph is kept,
    else the file is stored whole. `how`: "subset", "all glyphs" or "whole"."""
    for all_glyphs in (False, True):
        try:
            data, ext = subset_font(path, index, charset, all_glyphs)
            if ext == ".pfb" or draws_the_same(path, index, instance, data, charset):
                return data, ext, 0, "all glyphs" if all_glyphs else "subset"
        except Exception:  # fontTools cannot subset a font FreeType reads
            break
    return path.read_bytes(), path.suffix.lower(), index, "whole"


def write_pack(catalog: Catalog, out: Path, charset: str = DEFAULT_CHARSET, show_progress: bool = True, workers: int = 1) -> dict:
    """Write the pack of `catalog`'s usable fonts to `out` (atomically), subsetting in
    `workers` processes; returns a summary. The pack does not depend on `workers`."""
    charset = "".join(sorted(set(charset)))
    if not charset:
        raise UserError("the pack's charset is empty; pass --charset with a file of the characters to keep")
    fonts = [f for f in catalog.fonts if f.distinct]
    if not fonts:
        raise UserError(f"no accepted font in the catalog of {catalog.root}; see `fontsynth fonts scan {catalog.root}`")
    members: dict[str, list] = {}  # font id -> [member, face index]
    whole: list[str] = []  # fonts fontTools could not subset: stored as they are
    all_glyphs: list[str] = []  # fonts whose subset drew differently: every glyph kept
    buffer = io.BytesIO()
    source_bytes = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        tasks = (joblib.delayed(packed_font)(catalog.font_path(f), f.index, f.instance, charset) for f in fonts)
        with progress_bar("packing", len(fonts), "fonts", show_progress) as advance:
            for entry, (data, ext, index, how) in zip(fonts, joblib.Parallel(n_jobs=workers, return_as="generator")(tasks)):
                if how == "whole":
                    whole.append(entry.path)
                elif how == "all glyphs":
                    all_glyphs.append(entry.path)
                members[entry.id] = [f"fonts/{entry.id}{ext}", index]
                _write_member(z, members[entry.id][0], data)
                source_bytes += catalog.font_path(entry).stat().st_size
                advance(1)
        for license_file in sorted({f.license_file for f in fonts if f.license_file}):
            if (catalog.root / license_file).is_file():
                _write_member(z, f"licenses/{license_file}", (catalog.root / license_file).read_bytes())
        _write_member(z, CATALOG_FILE, json.dumps(catalog.to_json(), indent=1).encode())
        pack = {"format": PACK_FORMAT, "format_version": PACK_VERSION, "charset": charset, "fonts": members}
        _write_member(z, PACK_FILE, json.dumps(pack, indent=1).encode())
    atomic_write_bytes(Path(out), buffer.getvalue())
    return {"fonts": len(members), "bytes": len(buffer.getvalue()), "source_bytes": source_bytes, "charset": len(charset),
            "kept_whole": whole, "all_glyphs": all_glyphs, "pack": str(out)}


def _write_member(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # no timestamps: the same fonts give the same pack
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, data, compresslevel=9)


def load_pack(path: Path) -> Catalog:
    """The catalog of a pack, its fonts read from the pack (see the module docstring)."""
    path = Path(path).resolve()
    try:
        with zipfile.ZipFile(path) as z:
            pack = json.loads(z.read(PACK_FILE))
            data = json.loads(z.read(CATALOG_FILE))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as e:
        raise UserError(f"{path} is not a readable font pack ({e}); make one with `fontsynth fonts pack`") from e
    if pack.get("format") != PACK_FORMAT or pack.get("format_version") != PACK_VERSION:
        raise UserError(f"{path} is not a {PACK_FORMAT} of version {PACK_VERSION}; remake it with `fontsynth fonts pack`")
    catalog = Catalog.from_json(data, root=path.parent)
    keep = code_point_ranges({ord(c): "" for c in pack["charset"]})
    fonts: list[FontEntry] = []
    for entry in catalog.fonts:
        member = pack["fonts"].get(entry.id)
        if member is None:
            fonts.append(replace(entry, accepted=False, reason=entry.reason or "not in the font pack"))
        else:
            fonts.append(replace(entry, path=member[0], index=member[1], charset=intersect_ranges(entry.charset, keep)))
    return Catalog(root=path.parent, fonts=fonts, pack=str(path))


def intersect_ranges(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
    """The code point ranges in both `a` and `b` (sorted, inclusive [lo, hi] pairs)."""
    out: list[list[int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append([lo, hi])
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


class PackReader:
    """Member bytes of packs, one open zip per (pack, process): a forked worker never shares
    the parent's file offset. The bytes of recently read fonts are kept (up to `keep_bytes`),
    since a font is loaded once per px size: inflating it each time cost ~20% of the render
    rate with the Debian pack."""

    def __init__(self, keep_bytes: int = 32 << 20) -> None:
        self.keep_bytes = keep_bytes
        self._open: dict[str, zipfile.ZipFile] = {}
        self._recent: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._recent_bytes = 0
        self._pid = os.getpid()

    def read(self, pack: str, member: str) -> bytes:
        if self._pid != os.getpid():
            self._open, self._recent, self._recent_bytes, self._pid = {}, OrderedDict(), 0, os.getpid()
        key = (pack, member)
        data = self._recent.get(key)
        if data is not None:
            self._recent.move_to_end(key)
            return data
        if pack not in self._open:
            self._open[pack] = zipfile.ZipFile(pack)
        data = self._recent[key] = self._open[pack].read(member)
        self._recent_bytes += len(data)
        while len(self._recent) > 1 and self._recent_bytes > self.keep_bytes:
            self._recent_bytes -= len(self._recent.popitem(last=False)[1])
        return data


PACKS = PackReader()
