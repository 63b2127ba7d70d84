"""Font packs: the same samples as the source folder, read from one file."""

import io
import json
import shutil
from dataclasses import asdict
import zipfile

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import FONTS

from fontsynth.catalog import Catalog, load_or_scan, split_fonts
from fontsynth.cli import app
from fontsynth.errors import UserError
from fontsynth.fontpack import DEFAULT_CHARSET, PACK_FILE, intersect_ranges, load_pack, split_pack, write_pack
from fontsynth.fonts import open_font, rasterise
from fontsynth.pipeline import RenderJob, render_dataset

CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,;:!?'\"-()&"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """The 44 embedded fonts packed to printable ASCII."""
    path = tmp_path_factory.mktemp("pack") / "fonts.pack"
    write_pack(Catalog.load(FONTS / "catalog.json"), path, show_progress=False, workers=2)
    return path


def test_every_glyph_of_every_embedded_font_is_drawn_the_same_from_the_pack(pack):
    """Pixel for pixel, at 12 sizes. Caught: recomputed glyph bounding boxes (4 fonts) and
    auto-hinted fonts losing glyphs (OxygenMono's apostrophe at some sizes)."""
    source, packed = Catalog.load(FONTS / "catalog.json"), load_pack(pack)
    packed_by_id = packed.by_id()
    differ = []
    for entry in source.usable(ocr_clean=False):
        other = packed_by_id[entry.id]
        for size in range(10, 90, 7):
            a = open_font(str(source.font_path(entry)), size, entry.index, entry.instance)
            b = open_font(packed.font_file(other), size, other.index, other.instance)
            differ += [(entry.path, size, char) for char in CHARS if not drawn_alike(a, b, char)]
    assert differ == []


def drawn_alike(a, b, char: str) -> bool:
    """Whether two fonts draw `char` alike as the renderer draws a glyph (`rasterise`): bitmap,
    offset and advance."""
    ga, gb = rasterise(a, char), rasterise(b, char)
    return (ga.advance, ga.left, ga.top) == (gb.advance, gb.left, gb.top) and np.array_equal(ga.bitmap, gb.bitmap)


def shard_sums(out) -> list[str]:
    return [s["sha256"] for s in json.loads((out / "manifest.json").read_text())["shards"]]


@pytest.mark.parametrize("recipe, n", [("words", 3000), ("pairs", 400)])
def test_rendering_from_the_pack_gives_the_same_bytes_as_from_the_folder(pack, tmp_path, recipe, n):
    kw = dict(n=n, seed=6, recipe=recipe, workers=2, show_progress=False)
    render_dataset(RenderJob(fonts=FONTS, out=tmp_path / "folder", **kw))
    render_dataset(RenderJob(fonts=pack, out=tmp_path / "pack", **kw))
    assert shard_sums(tmp_path / "folder") == shard_sums(tmp_path / "pack")


def test_coverage_is_cut_to_the_pack_charset(pack):
    for entry in load_pack(pack).fonts:
        assert all(32 <= lo and hi <= 126 for lo, hi in entry.charset)


def test_a_wider_charset_keeps_more_characters(tmp_path):
    catalog = Catalog.load(FONTS / "catalog.json")
    vera = [f for f in catalog.fonts if f.path == "Vera.ttf"]
    narrow = Catalog(catalog.root, vera)
    write_pack(narrow, tmp_path / "ascii.pack", show_progress=False)
    write_pack(narrow, tmp_path / "wide.pack", charset=DEFAULT_CHARSET + "éü", show_progress=False)
    assert not load_pack(tmp_path / "ascii.pack").fonts[0].covers("é")
    assert load_pack(tmp_path / "wide.pack").fonts[0].covers("éü")
    assert (tmp_path / "wide.pack").stat().st_size > (tmp_path / "ascii.pack").stat().st_size


def test_packing_is_deterministic_whatever_the_workers_and_holds_catalog_and_licenses(small_catalog, pack, tmp_path):
    write_pack(small_catalog, tmp_path / "one.pack", show_progress=False)
    write_pack(small_catalog, tmp_path / "two.pack", show_progress=False, workers=2)
    assert (tmp_path / "one.pack").read_bytes() == (tmp_path / "two.pack").read_bytes()
    with zipfile.ZipFile(pack) as z:
        names = z.namelist()
        assert PACK_FILE in names and "catalog.json" in names
        assert any(n.startswith("licenses/") for n in names)
        packed = json.loads(z.read("catalog.json"))["fonts"]
    source = Catalog.load(FONTS / "catalog.json")
    assert [f["id"] for f in packed] == [f.id for f in source.usable()]  # the fonts render may pick, original ids
    for entry, font in zip(packed, source.usable()):
        assert entry["charset"] == intersect_ranges(font.charset, [[32, 126]])
        assert {**entry, "charset": None} == {**asdict(font), "charset": None}


def test_render_dataset_reads_a_pack(pack):
    torch = pytest.importorskip("torch")
    from fontsynth.torchdata import RenderDataset

    a = RenderDataset(pack, 20, seed=2, canvas=(32, 100), fields=("image", "label", "font"))
    b = RenderDataset(FONTS, 20, seed=2, canvas=(32, 100), fields=("image", "label", "font"))
    for i in (0, 7, 19):
        assert a[i]["label"] == b[i]["label"] and a[i]["font"] == b[i]["font"] and torch.equal(a[i]["image"], b[i]["image"])


def test_intersect_ranges():
    assert intersect_ranges([[0, 10], [20, 30]], [[5, 25]]) == [[5, 10], [20, 25]]
    assert intersect_ranges([[32, 126], [160, 255]], [[32, 126]]) == [[32, 126]]
    assert intersect_ranges([[0, 4]], [[5, 9]]) == []


def test_a_file_that_is_not_a_pack_is_a_clear_error(tmp_path):
    bad = tmp_path / "fonts.pack"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UserError, match="not a font pack"):
        load_or_scan(bad)
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr(PACK_FILE, "{}")
        z.writestr("catalog.json", "{}")
    with pytest.raises(UserError, match="is not a fontsynth-font-pack"):
        load_pack(other_zip)


def test_cli_pack_and_render(small_fonts, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["fonts", "pack", str(small_fonts), "-o", str(tmp_path / "f.pack"), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "4 fonts subset to 95 characters" in result.output
    result = runner.invoke(app, ["render", "--fonts", str(tmp_path / "f.pack"), "--n", "50", "--out", str(tmp_path / "d"), "--workers", "1", "--no-progress"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["replay", str(tmp_path / "d"), "7"])
    assert result.exit_code == 0 and "identical" in result.output, result.output
    missing = runner.invoke(app, ["fonts", "pack", str(small_fonts), "-o", str(tmp_path / "g.pack"), "--charset", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "error: cannot read --charset" in missing.output
    again = runner.invoke(app, ["fonts", "pack", str(small_fonts), "-o", str(tmp_path / "f.pack"), "--no-progress"])
    assert again.exit_code == 0, again.output  # an earlier pack is replaced
    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    for target in (fonts / "catalog.json", fonts / "Vera.ttf", fonts):  # anything else is left alone
        before = target.read_bytes() if target.is_file() else None
        refused = runner.invoke(app, ["fonts", "pack", str(fonts), "-o", str(target), "--no-progress"])
        assert refused.exit_code == 2 and f"-o {target} exists and is not a font pack" in refused.output, refused.output
        assert before is None or target.read_bytes() == before


def test_the_packs_check_refuses_subsets_that_move_pixels_and_finds_what_drawing_finds():
    """Subsets that move pixels, as the packer met them: bounding boxes recomputed by fontTools
    (LeckerliOne, routed-gothic) and OxygenMono's apostrophe, which the auto-hinter draws otherwise
    without the glyphs it dropped. The check compares FreeType's masks; drawing each glyph as the
    renderer does (`rasterise`) must find a difference in each refused subset."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from fontsynth.fontpack import CHECK_SIZES, draws_the_same, subset_font, subset_options

    def recomputed_boxes(path):
        font = TTFont(str(path), recalcBBoxes=True)
        subsetter = subset.Subsetter(subset_options())
        subsetter.populate(unicodes=map(ord, DEFAULT_CHARSET))
        subsetter.subset(font)
        buffer = io.BytesIO()
        font.save(buffer)
        return buffer.getvalue()

    def drawn_apart(path, data):
        fonts = ((open_font(str(path), size), open_font(io.BytesIO(data), size)) for size in CHECK_SIZES)
        return any(not drawn_alike(a, b, char) for a, b in fonts for char in DEFAULT_CHARSET)

    cases = [(FONTS / "LeckerliOne-Regular.ttf", recomputed_boxes), (FONTS / "routed-gothic.ttf", recomputed_boxes),
             (FONTS / "OxygenMono-Regular.ttf", lambda path: subset_font(path, 0, DEFAULT_CHARSET)[0])]
    for path, make in cases:
        data = make(path)
        assert not draws_the_same(path, 0, None, data, DEFAULT_CHARSET) and drawn_apart(path, data), path.name
    vera = FONTS / "Vera.ttf"
    assert draws_the_same(vera, 0, None, subset_font(vera, 0, DEFAULT_CHARSET)[0], DEFAULT_CHARSET)


def test_a_font_fonttools_cannot_subset_is_stored_whole(small_fonts, small_catalog, tmp_path, monkeypatch):
    from fontsynth import fontpack

    real = fontpack.subset_font
    victim = small_catalog.usable()[0]

    def subset(path, index, charset, all_glyphs=False):
        if path.name == victim.path:
            raise AssertionError("too much data")
        return real(path, index, charset, all_glyphs)

    monkeypatch.setattr(fontpack, "subset_font", subset)
    summary = write_pack(small_catalog, tmp_path / "p.pack", show_progress=False)
    assert summary["kept_whole"] == [victim.path] and summary["fonts"] == 4
    with zipfile.ZipFile(tmp_path / "p.pack") as z:
        member = json.loads(z.read(PACK_FILE))["fonts"][victim.id][0]
        assert z.read(member) == (small_fonts / victim.path).read_bytes()
    kw = dict(n=300, seed=12, workers=1, show_progress=False)
    render_dataset(RenderJob(fonts=small_fonts, out=tmp_path / "folder", **kw))
    render_dataset(RenderJob(fonts=tmp_path / "p.pack", out=tmp_path / "pack", **kw))
    assert shard_sums(tmp_path / "folder") == shard_sums(tmp_path / "pack")


def test_the_pack_reader_keeps_recent_fonts_within_its_budget(pack):
    from fontsynth.fontpack import PackReader

    members = json.loads(zipfile.ZipFile(pack).read(PACK_FILE))["fonts"]
    names = [m for m, _ in members.values()][:10]
    reader = PackReader(keep_bytes=60_000)
    first = [reader.read(str(pack), n) for n in names]
    assert reader._recent_bytes <= 60_000 or len(reader._recent) == 1
    assert [reader.read(str(pack), n) for n in names] == first  # evicted ones are read again, same bytes
    with zipfile.ZipFile(pack) as z:
        assert first == [z.read(n) for n in names]


def test_an_svg_table_is_dropped_not_subset(tmp_path):
    """fontTools subsets SVG tables (needing lxml) even when told to drop them; FreeType draws
    them only through a hook Pillow does not set, so the pack drops them first."""
    from fontTools.ttLib import TTFont, newTable

    from fontsynth.fontpack import subset_font

    font = TTFont(str(FONTS / "Vera.ttf"))
    svg = newTable("SVG ")
    svg.docList = [('<svg xmlns="http://www.w3.org/2000/svg" id="glyph36"><rect width="1" height="1"/></svg>', 36, 36)]
    font["SVG "] = svg
    font.save(str(tmp_path / "svg.ttf"))
    assert "SVG " in TTFont(str(tmp_path / "svg.ttf"))
    data, _ = subset_font(tmp_path / "svg.ttf", 0, DEFAULT_CHARSET)
    assert "SVG " not in TTFont(io.BytesIO(data))


def test_a_pack_is_split_without_repacking_its_fonts(pack, tmp_path):
    """`fonts split fonts.pack`: the catalog gets its held-out fonts, every other member is
    copied as it was, and `render --split` then draws only the fonts of that split."""
    split = tmp_path / "split.pack"
    result = CliRunner().invoke(app, ["fonts", "split", str(pack), "--val", "0.2", "--test", "0.2", "--seed", "3", "-o", str(split)])
    assert result.exit_code == 0, result.output
    expected = load_pack(pack)
    counts = split_fonts(expected, 0.2, 0.2, 3)
    assert f"{counts.describe()} -> {split}" in result.output and counts.by == "family"
    got = load_pack(split)
    assert [(f.id, f.split) for f in got.fonts] == [(f.id, f.split) for f in expected.fonts]
    assert {f.split for f in got.fonts} == {"train", "val", "test"}
    with zipfile.ZipFile(pack) as a, zipfile.ZipFile(split) as b:
        assert a.namelist() == b.namelist()
        assert [n for n in a.namelist() if a.read(n) != b.read(n)] == ["catalog.json"]
    render_dataset(RenderJob(fonts=split, out=tmp_path / "test", n=200, seed=1, split="test", workers=1, show_progress=False))
    manifest = json.loads((tmp_path / "test" / "manifest.json").read_text())
    assert manifest["fonts_used"] == len(got.usable(split="test"))
    assert set(manifest["classes"]) <= {f.id for f in got.usable(split="test")}
    with pytest.raises(UserError, match="not a readable font pack"):
        split_pack(tmp_path / "test" / "manifest.json", 0.1, 0.1)


def test_a_replaced_packing_worker_alarms_no_one(small_catalog, tmp_path, monkeypatch):
    """loky warns of "a memory leak" when it replaces a worker that grew past its limit (a large
    font): nothing is lost, so packing keeps the warning to itself; other warnings still show."""
    import warnings

    import fontsynth.fontpack as fontpack

    real = fontpack.joblib.Parallel

    class WarningParallel:
        def __init__(self, **kwargs):
            self.inner = real(**kwargs)

        def __call__(self, tasks):
            warnings.warn("A worker stopped while some jobs were given to the executor. This can be caused by a too short "
                          "worker timeout or by a memory leak.", UserWarning)
            warnings.warn("something else", UserWarning)
            return self.inner(tasks)

    monkeypatch.setattr(fontpack.joblib, "Parallel", WarningParallel)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        summary = write_pack(small_catalog, tmp_path / "w.pack", show_progress=False, workers=1)
    assert summary["fonts"] > 0 and [str(w.message) for w in seen] == ["something else"]
