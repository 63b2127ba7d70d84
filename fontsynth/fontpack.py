"""Font packs: thousands of fonts in one file of a few tens of MB, for machines that cannot
fetch a font folder (a GPU box, a cluster worker).

`write_pack(catalog, out, charset)` writes a zip file holding
    pack.json         {"format", "format_version", "charset", "fonts": {font id: [member, face index]}}
    catalog.json      the catalog entries of the packed fonts (original font ids), coverage cut
                      to the charset
    fonts/<id>.<ext>  each font rendering may pick (OCR-clean unless told otherwise, one per
                      design) subset to `charset`; `.t1` members are Type 1 fonts stored
                      decrypted (see fontsynth.type1.decrypted; encrypted bytes do not compress),
                      made a PFB font again when read
    licenses/...      the license files the catalog names for them
A font fontTools cannot subset (it happens: "too much data" on a large CJK font) is stored
whole, so the pack still renders what the folder renders. `load_pack(path)` returns a Catalog
whose entries point into the pack, so rendering never picks a font for a character the pack
dropped. `render --fonts fonts.pack` and `RenderDataset(fonts="fonts.pack")` read it directly.

The subset keeps what rendering reads: hinting, the layout features HarfBuzz applies by
default (fontTools' default list: the pair kerning we measure applies no others), the legacy
`kern` table, the names tables refer to (variable-font instance names), bitmap strikes. It
drops what rendering never reads: other features, glyph names of TrueType fonts, name records
such as the license text (the license files are in the pack). Each subset is checked against
its source (`draws_the_same`: every glyph at every px size from 8 to 64 and at steps of 4 to
128, every pair's kerning) before it is kept, so a pack renders exactly the samples its
source folder renders (tested). A subset font is a modified font: some licenses (OFL fonts
with Reserved Font Names) restrict redistributing one. A pack is for one's own machines.
"""

from __future__ import annotations

import io
import json
import logging
import os
import string
import warnings
import zipfile
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import joblib
from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import ImageFont, features

from fontsynth.catalog import CATALOG_FILE, Catalog, FontEntry, SplitCounts
from fontsynth.errors import UserError
from fontsynth.fileio import atomic_write_bytes
from fontsynth.fonts import KERNING_SIZE, Kerning, code_point_ranges, open_font
from fontsynth.isolate import memory_cap
from fontsynth.progress import progress_bar
from fontsynth.type1 import Type1Error, decrypted, encrypted, subset_pfb

PACK_FILE = "pack.json"
PACK_FORMAT = "fontsynth-font-pack"
PACK_VERSION = 2  # 2: Type 1 fonts subset and stored decrypted (.t1), catalog of the packed fonts only
DEFAULT_CHARSET = "".join(c for c in string.printable if c.isprintable())  # printable ASCII, space included
KEPT_TABLES_DROPPED_BY_DEFAULT = {"EBDT", "EBLC", "EBSC"}  # bitmap strikes FreeType may draw
DROPPED_TABLES = ["SVG "]  # colour glyphs FreeType draws only through a renderer hook Pillow does not set


def is_pack(path: Path) -> bool:
    path = Path(path)
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as z:
        return PACK_FILE in z.namelist()


def check_pack_output(out: Path) -> None:
    """A pack replaces only an earlier pack: any other file (a catalog, a font) or a folder at
    `out` is refused and left alone."""
    out = Path(out)
    if out.is_dir() or (out.exists() and not is_pack(out)):
        raise UserError(f"-o {out} exists and is not a font pack (a pack replaces only an earlier pack): it is left alone; choose another -o")


def subset_options() -> subset.Options:
    options = subset.Options()  # fontTools' default layout features and name IDs (plus those tables refer to)
    options.name_languages = ["*"]
    options.name_legacy = True
    options.legacy_kern = True
    options.notdef_outline = True
    options.hinting = True
    options.drop_tables = [t for t in options.drop_tables if t not in KEPT_TABLES_DROPPED_BY_DEFAULT]
    return options


def subset_font(path: Path, index: int, charset: str, all_glyphs: bool = False) -> tuple[bytes, str]:
    """(bytes, extension) of face `index` of `path` keeping only `charset`'s glyphs (every
    glyph with `all_glyphs`). Type 1 fonts are subset by fontsynth.type1."""
    if path.suffix.lower() == ".pfb":
        return path.read_bytes() if all_glyphs else subset_pfb(path.read_bytes(), charset), ".pfb"
    fonttools_log = logging.getLogger("fontTools")
    level = fonttools_log.level
    fonttools_log.setLevel(logging.CRITICAL)  # its notes on tables it drops or cannot read are not ours to print
    try:
        # Glyph bounding boxes stay as the font stores them: FreeType places outlines from them
        # (with the side bearings), and recomputed ones moved pixels in 4 of our 44 fonts. A
        # table fontTools cannot read (a `gasp` with trailing bytes) is kept as it is.
        font = TTFont(str(path), fontNumber=index, lazy=False, recalcBBoxes=False, recalcTimestamp=False,
                      ignoreDecompileErrors=True)
        for tag in DROPPED_TABLES:  # before subsetting: fontTools subsets SVG (and needs lxml for it) even when told to drop it
            if tag in font:
                del font[tag]
        subsetter = subset.Subsetter(subset_options())
        if all_glyphs:
            subsetter.populate(glyphs=font.getGlyphOrder())
        else:
            subsetter.populate(unicodes=[ord(c) for c in charset])
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
    finally:
        fonttools_log.setLevel(level)
    return buffer.getvalue(), ".otf" if "CFF " in font or "CFF2" in font else ".ttf"


# px sizes at which a subset must draw every glyph as its source does: the auto-hinter (TrueType
# fonts without bytecode) reads the whole glyph set, so a subset may move pixels at a few
# sizes only (OxygenMono's apostrophe); the presets draw at 24-40 px.
CHECK_SIZES = (*range(8, 65), *range(68, 129, 4))


def draws_the_same(path: Path, index: int, instance: str | None, data: bytes, charset: str) -> bool:
    """Whether the subset `data` draws `charset` exactly as face `index` of `path` does, as
    the renderer draws it: every glyph's bitmap, offset and advance at every CHECK_SIZES size,
    and the kerning of every pair."""
    text = "".join(c for c in charset if c.isprintable())
    for size in CHECK_SIZES:
        source = open_font(str(path), size, index, instance)
        packed = open_font(io.BytesIO(data), size, 0, instance)
        if not all(same_glyph(source, packed, char) for char in text):
            return False
    return kerns_the_same(path, index, instance, data, text)


def same_glyph(a: ImageFont.FreeTypeFont, b: ImageFont.FreeTypeFont, char: str) -> bool:
    """Whether two fonts draw `char` alike: the same advance, and the same mask at the same
    offset from the pen from FreeType. That mask is what Pillow's `ImageDraw.text` pastes at a
    whole-pixel pen, which is how the renderer draws a glyph (`fonts.Scratch`, `fonts.rasterise`),
    so equal masks are equal glyphs; compared in C, ~3x faster than drawing and cropping both."""
    mask_a, offset_a = a.getmask2(char, "L", anchor="ls")
    mask_b, offset_b = b.getmask2(char, "L", anchor="ls")
    if offset_a != offset_b or mask_a.size != mask_b.size or a.getlength(char) != b.getlength(char):
        return False
    return 0 in mask_a.size or mask_a.chop_difference(mask_b).getbbox() is None


def kerns_the_same(path: Path, index: int, instance: str | None, data: bytes, text: str) -> bool:
    """Whether every pair of `text`'s characters kerns the same (as the renderer measures it)."""
    source = Kerning(open_font(str(path), KERNING_SIZE, index, instance, ImageFont.Layout.RAQM))
    packed = Kerning(open_font(io.BytesIO(data), KERNING_SIZE, 0, instance, ImageFont.Layout.RAQM))
    return all(source.pair(a + b) == packed.pair(a + b) for a in text for b in text)


SUBSET_MEMORY_MB = 2048  # what subsetting one font may add to a worker's memory (a process packing the largest Debian CJK font peaks at 0.2 GB)


def packed_font(path: Path, index: int, instance: str | None, charset: str) -> tuple[bytes, str, int, str]:
    """(bytes, extension, face index, how) of one font for a pack (one joblib task). A subset
    is kept only if it draws every glyph as the source does (checked, not assumed: recomputed
    bounding boxes, the auto-hinter and other causes moved pixels); else every glyph is kept,
    else the file is stored whole. `how`: "subset", "all glyphs" or "whole"."""
    for all_glyphs in (False, True):
        try:
            with memory_cap(SUBSET_MEMORY_MB):  # a malformed table fontTools decompiles without bound: MemoryError, stored whole
                data, ext = subset_font(path, index, charset, all_glyphs)
            if draws_the_same(path, index, instance, data, charset):
                return *stored(data, ext), 0, "all glyphs" if all_glyphs else "subset"
        except Exception:  # fontTools cannot subset a font FreeType reads
            break
    return *stored(path.read_bytes(), path.suffix.lower()), index, "whole"


def stored(data: bytes, ext: str) -> tuple[bytes, str]:
    """A font's bytes and extension as a pack member: Type 1 fonts decrypted (`.t1`) when they parse."""
    if ext == ".pfb":
        try:
            plain = decrypted(data)
            if encrypted(plain) == data:
                return plain, ".t1"
        except (Type1Error, ValueError, IndexError):  # a PFB file our parser does not follow: stored as it is
            pass
    return data, ext


def write_pack(catalog: Catalog, out: Path, charset: str = DEFAULT_CHARSET, show_progress: bool = True, workers: int = 1,
               ocr_clean: bool = True) -> dict:
    """Write the pack of the fonts rendering may pick from `catalog` (OCR-clean ones only
    unless `ocr_clean` is False, as `render --any-font`) to `out` (atomically), subsetting in
    `workers` processes; returns a summary. The pack does not depend on `workers`."""
    check_pack_output(out)
    charset = "".join(sorted(set(charset)))
    if not charset:
        raise UserError("the pack's charset is empty; pass --charset with a file of the characters to keep")
    if not features.check("raqm"):
        raise UserError("packing checks pair kerning, which needs Pillow with libraqm (the PyPI wheels have it); reinstall Pillow")
    fonts = catalog.usable(ocr_clean=ocr_clean)
    if not fonts:
        kind = "OCR-clean " if ocr_clean else ""
        raise UserError(f"no accepted {kind}font in the catalog of {catalog.root}; see `fontsynth fonts scan {catalog.root}`"
                        + (" or pack with --any-font" if ocr_clean else ""))
    members: dict[str, list] = {}  # font id -> [member, face index]
    whole: list[str] = []  # fonts fontTools could not subset: stored as they are
    all_glyphs: list[str] = []  # fonts whose subset drew differently: every glyph kept
    buffer = io.BytesIO()
    source_bytes = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as z:
        tasks = (joblib.delayed(packed_font)(catalog.font_path(f), f.index, f.instance, charset) for f in fonts)
        with progress_bar("packing", len(fonts), "fonts", show_progress) as advance, warnings.catch_warnings():
            # loky replaces a worker whose memory grew by more than 300 MB (after a large font,
            # or the subset cap's MemoryError) once it has returned its result, and warns of "a
            # memory leak" when tasks are waiting; nothing is lost, so the warning would only alarm
            warnings.filterwarnings("ignore", message="A worker stopped while some jobs were given to the executor")
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
        _write_member(z, CATALOG_FILE, json.dumps(packed_catalog(catalog, fonts, charset).to_json(), indent=1).encode())
        pack = {"format": PACK_FORMAT, "format_version": PACK_VERSION, "charset": charset, "fonts": members}
        _write_member(z, PACK_FILE, json.dumps(pack, indent=1).encode())
    atomic_write_bytes(Path(out), buffer.getvalue())
    return {"fonts": len(members), "bytes": len(buffer.getvalue()), "source_bytes": source_bytes, "charset": len(charset),
            "kept_whole": whole, "all_glyphs": all_glyphs, "pack": str(out)}


def packed_catalog(catalog: Catalog, fonts: list[FontEntry], charset: str) -> Catalog:
    """The catalog a pack holds: the entries of `fonts` as they are, coverage cut to `charset`."""
    keep = code_point_ranges({ord(c): "" for c in charset})
    return Catalog(root=catalog.root, fonts=[replace(f, charset=intersect_ranges(f.charset, keep)) for f in fonts], grouping=catalog.grouping)


def _write_member(z: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # no timestamps: the same fonts give the same pack
    info.compress_type = zipfile.ZIP_LZMA  # 12% smaller than deflate on subset fonts
    z.writestr(info, data)


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
    fonts = [replace(entry, path=pack["fonts"][entry.id][0], index=pack["fonts"][entry.id][1]) for entry in catalog.fonts]
    return replace(catalog, fonts=fonts, pack=str(path))


def split_pack(path: Path, val: float, test: float, seed: int = 0, out: Path | None = None, by: str = "family") -> SplitCounts:
    """`fonts split` for a pack: hold out fonts by design or family (`catalog.split_fonts`) and rewrite the
    pack's catalog.json, to `out` or in place (atomically). The other members are copied with
    the same content (inflated and compressed again: zipfile has no raw copy), so the fonts
    need no subsetting again."""
    from fontsynth.catalog import split_fonts

    path = Path(path)
    load_pack(path)  # refuses a file that is not a readable pack of this version
    buffer = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_LZMA) as z:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == CATALOG_FILE:
                catalog = Catalog.from_json(json.loads(data), root=path.parent)
                counts = split_fonts(catalog, val, test, seed, by)
                data = json.dumps(catalog.to_json(), indent=1).encode()
            _write_member(z, info.filename, data)
    atomic_write_bytes(Path(out or path), buffer.getvalue())
    return counts


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
    rate with the deflate Debian pack, and with LZMA members 32 MB gave 433 img/s against 487
    for 128 MB, which holds every font of the 2,540-font pack (74 MB inflated); a worker grows
    only by what it has read. Type 1 fonts (`.t1` members) are encrypted once per process (68 ms
    in Python for the largest Debian subset, 207 KB; 41 KB on average) and kept for its life."""

    def __init__(self, keep_bytes: int = 128 << 20) -> None:
        self.keep_bytes = keep_bytes
        self._pid = -1

    def _start(self) -> None:
        self._open: dict[str, zipfile.ZipFile] = {}
        self._recent: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._recent_bytes = 0
        self._type1: dict[tuple[str, str], bytes] = {}
        self._pid = os.getpid()

    def read(self, pack: str, member: str) -> bytes:
        if self._pid != os.getpid():
            self._start()
        key = (pack, member)
        if member.endswith(".t1"):
            if key not in self._type1:
                self._type1[key] = encrypted(self._member(pack, member))
            return self._type1[key]
        data = self._recent.get(key)
        if data is not None:
            self._recent.move_to_end(key)
            return data
        data = self._recent[key] = self._member(pack, member)
        self._recent_bytes += len(data)
        while len(self._recent) > 1 and self._recent_bytes > self.keep_bytes:
            self._recent_bytes -= len(self._recent.popitem(last=False)[1])
        return data

    def _member(self, pack: str, member: str) -> bytes:
        if pack not in self._open:
            self._open[pack] = zipfile.ZipFile(pack)
        return self._open[pack].read(member)


PACKS = PackReader()
