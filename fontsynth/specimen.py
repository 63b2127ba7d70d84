"""Specimen sheet of a catalog: each font's name drawn in the font itself, in columns.

Kept fonts show "Family Style" in themselves (a font of another script, letters of that script,
and its name in small type) with their id, class id, split and license;
duplicates name the font kept for their design; rejected fonts show their reason in red.
Large catalogs become numbered pages (`report-001.png`, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from fontsynth.catalog import Catalog, FontEntry
from fontsynth.fileio import write_image
from fontsynth.fontcheck import OTHER_SCRIPTS
from fontsynth.fonts import open_font

CELL_W, CELL_H, COLUMNS = 420, 44, 4
SAMPLE_PX = 22


def _cell(entry: FontEntry, catalog: Catalog, small: ImageFont.ImageFont) -> Image.Image:
    cell = Image.new("RGB", (CELL_W, CELL_H), "white")
    draw = ImageDraw.Draw(cell)
    name = f"{entry.family} {entry.style}".strip() or entry.path
    if entry.accepted:
        other = OTHER_SCRIPTS.get(entry.script)
        try:
            font = open_font(str(catalog.font_path(entry)), SAMPLE_PX, entry.index, entry.instance, ImageFont.Layout.RAQM if other else ImageFont.Layout.BASIC)
            draw.text((4, 2), other[:16] if other else name, font=font, fill="black")
            if other:
                draw.text((4 + draw.textlength(other[:16], font=font) + 8, 10), f"{name} ({entry.script})"[:50], font=small, fill="black")
        except OSError as e:
            draw.text((4, 6), f"{name} (cannot load: {e})", font=small, fill="red")
        if entry.duplicate_of:
            tag = f"duplicate of {entry.duplicate_of}"
        else:
            tag = f"{entry.id}  class {entry.class_id}" + (f"  {entry.split}" if entry.split else "") + ("" if entry.ocr_clean else "  not OCR-clean")
        draw.text((4, CELL_H - 14), f"{tag}  {entry.license}"[:80], font=small, fill=(90, 90, 90))
    else:
        draw.text((4, 4), entry.path[-70:], font=small, fill="black")
        draw.text((4, 20), f"rejected: {entry.reason}"[:80], font=small, fill=(200, 0, 0))
    return cell


def specimen_pages(catalog: Catalog, per_page: int = 600, advance: Callable[[int], None] = lambda k: None) -> Iterator[Image.Image]:
    """The pages, one at a time: kept fonts first (by class id), then duplicates, then rejected
    fonts; `advance(1)` after each font drawn."""
    order = sorted(catalog.fonts, key=lambda f: (not f.accepted, f.duplicate_of is not None, f.class_id if f.class_id is not None else 0, f.path))
    small = ImageFont.load_default(11)
    for start in range(0, len(order), per_page):
        chunk = order[start : start + per_page]
        rows = (len(chunk) + COLUMNS - 1) // COLUMNS
        page = Image.new("RGB", (COLUMNS * CELL_W, rows * CELL_H), (220, 220, 220))
        for i, entry in enumerate(chunk):
            page.paste(_cell(entry, catalog, small), ((i % COLUMNS) * CELL_W, (i // COLUMNS) * CELL_H))
            advance(1)
        yield page


def write_specimen(catalog: Catalog, output: Path, per_page: int = 600, show_progress: bool = False) -> list[Path]:
    """`output`, or output-001.png, -002, ... when the catalog needs more than one page: each
    page written as soon as it is drawn (the Debian catalog's 17 pages were 0.9 GB held at once)."""
    from fontsynth.errors import UserError
    from fontsynth.progress import progress_bar

    if not catalog.fonts:
        raise UserError(f"the catalog of {catalog.root} lists no font; nothing to draw (see `fontsynth fonts scan`)")
    count = -(-len(catalog.fonts) // per_page)
    paths = [Path(output)] if count == 1 else [Path(output).with_name(f"{Path(output).stem}-{k:03d}{Path(output).suffix}")
                                               for k in range(1, count + 1)]
    written = []
    try:
        with progress_bar("drawing", len(catalog.fonts), "fonts", show_progress) as advance:
            for page, path in zip(specimen_pages(catalog, per_page, advance), paths, strict=True):
                write_image(page, path)
                written.append(path)
    except BaseException:  # an error or Ctrl-C part way: no partial report left behind
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return paths


def word_specimens(catalog: Catalog, fonts: list[str], n: int, size: tuple[int, int], seed: int = 0) -> dict[str, list]:
    """`n` word images (uint8 arrays, as decoded from the shards) of each of `fonts` (ids of the catalog's accepted fonts),
    rendered as `fontsynth render` draws word images (the default preset and corpus) at `size`
    (height, width), each a text the font covers: what a font looks like to a model trained on
    our renders. Fonts FreeType fails on, and fonts that draw none of the corpus' texts, are left out.
    Torch-free (`codec.decode`, the same pixels as `torchdata.decode_image`): the processes that
    draw specimens for `classifier.font_embeddings` stay small (about 90 MB, not the 560 MB importing
    torch made them, which loky took for a memory leak and restarted them with a warning)."""
    from fontsynth.codec import decode
    from fontsynth.corpus import default_corpus
    from fontsynth.fonts import GlyphError
    from fontsynth.recipes import SampleContext, SampleMaker, UncoveredTexts
    from fontsynth.style import StyleConfig, preset

    config = StyleConfig.from_dict({"height": size[0], "width": size[1]}, base=preset("default"))
    maker = SampleMaker(SampleContext.from_catalog("words", seed, catalog, default_corpus(), config, ocr_clean=False))
    out = {}
    for font in fonts:
        try:
            out[font] = [decode(maker.specimen(font, i)) for i in range(n)]
        except (GlyphError, UncoveredTexts):
            continue
    return out
