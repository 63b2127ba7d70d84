import json
import shutil
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fontmaker as fm
from fontsynth.catalog import Catalog, find_font_files, load_or_scan, scan_fonts
from fontsynth.errors import UserError
from fontsynth.isolate import run_isolated


def scan(folder):
    return scan_fonts(folder, workers=1, show_progress=False)


def by_path(catalog):
    return {f.path: f for f in catalog.fonts}


@pytest.mark.parametrize(
    "make, reason",
    [
        (fm.empty, "empty file"),
        (fm.truncated, "not a readable font"),
        (fm.random_bytes, "not a readable font"),
        (fm.bitmap_only, "bitmap-only"),
        (fm.missing_letters, "no glyph for 'QZ'"),
        (fm.symbol_encoded, "symbol font"),
        (fm.scrambled, "do not look Latin"),
    ],
)
def test_bad_fonts_are_rejected_with_their_reason(tmp_path, make, reason):
    make(tmp_path / "bad.ttf")
    entry = by_path(scan(tmp_path))["bad.ttf"]
    assert not entry.accepted
    assert reason in entry.reason
    assert entry.class_id is None


def test_good_font_is_accepted_with_metadata(tmp_path):
    fm.copy_font(tmp_path / "v.ttf")
    entry = scan(tmp_path).fonts[0]
    assert entry.accepted and entry.ocr_clean and entry.reason == ""
    assert (entry.family, entry.style, entry.outline) == ("Bitstream Vera Sans", "Roman", "glyf")
    assert entry.covers("Hello, World! 123") and not entry.covers("\u4e2d")
    assert entry.class_id == 0


def test_coverage_of_many_characters_at_once_is_covers_of_each(small_catalog):
    """covers_each (the coverage table of render's font picker) against covers, one character
    at a time: range ends, gaps, before the first range and past the last, no ranges at all."""
    from fontsynth.catalog import FontEntry

    ranged = FontEntry(id="x", path="x.ttf", sha256="0", charset=[[32, 32], [48, 57], [65, 90], [0x4E2D, 0x4E2D]])
    chars = "".join(chr(cp) for cp in (0, 31, 32, 33, 47, 48, 57, 58, 64, 65, 90, 91, 0x4E2C, 0x4E2D, 0x4E2E, 0x10FFFF))
    for entry in (ranged, FontEntry(id="y", path="y.ttf", sha256="0"), *small_catalog.fonts):
        assert entry.covers_each(chars).tolist() == [entry.covers(c) for c in chars], entry.id
    assert ranged.covers_each(chars).tolist() == [cp in (32, 48, 57, 65, 90, 0x4E2D) for cp in map(ord, chars)]
    assert ranged.covers_each("").shape == (0,)


@pytest.mark.parametrize("make, issue", [(fm.all_caps, "capitals"), (fm.no_space, "no space glyph")])
def test_ocr_unclean_fonts_are_flagged(tmp_path, make, issue):
    make(tmp_path / "f.ttf")
    entry = scan(tmp_path).fonts[0]
    assert entry.accepted and not entry.ocr_clean
    assert any(issue in i for i in entry.ocr_issues)


def test_identical_files_become_one_entry_with_copies(tmp_path):
    fm.copy_font(tmp_path / "a.ttf")
    fm.copy_font(tmp_path / "b.ttf")
    catalog = scan(tmp_path)
    assert len(catalog.fonts) == 1
    assert catalog.fonts[0].path == "a.ttf" and catalog.fonts[0].copies == ["b.ttf"]
    assert catalog.summary()["files"] == 2


def test_same_outlines_under_another_name_is_a_duplicate(tmp_path):
    fm.copy_font(tmp_path / "a.ttf")
    fm.renamed(tmp_path / "b.ttf", "Totally Other")
    fm.copy_font(tmp_path / "c.otf", fm.OTHER)
    fonts = by_path(scan(tmp_path))
    assert fonts["b.ttf"].family == "Totally Other"
    assert fonts["b.ttf"].duplicate_of == fonts["a.ttf"].id
    assert fonts["a.ttf"].aliases == [fonts["b.ttf"].id]
    assert fonts["c.otf"].duplicate_of is None  # another design stays distinct
    assert sorted(f.class_id for f in fonts.values() if f.class_id is not None) == [0, 1]


def test_ids_and_class_ids_do_not_depend_on_names_or_order(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    for src in (fm.BASE, fm.OTHER):
        shutil.copyfile(src, one / src.name)
        shutil.copyfile(src, two / ("zz_" + src.name[::-1].replace(".", "_") + src.suffix))
    a, b = scan(one), scan(two)
    assert sorted((f.id, f.class_id) for f in a.fonts) == sorted((f.id, f.class_id) for f in b.fonts)


def test_catalog_round_trips_through_json(tmp_path, small_fonts):
    catalog = Catalog.load(small_fonts / "catalog.json")
    catalog.save(tmp_path / "c.json")
    again = Catalog.load(tmp_path / "c.json", root=small_fonts)
    assert again.fonts == catalog.fonts
    assert json.loads((tmp_path / "c.json").read_text())["summary"] == catalog.summary()


def test_license_comes_from_sources_json(small_catalog):
    vera = next(f for f in small_catalog.fonts if f.path == "Vera.ttf")
    assert vera.license == "Bitstream" and vera.package == "ttf-bitstream-vera"
    assert vera.license_file == "licenses/ttf-bitstream-vera.txt"


def test_scan_of_empty_or_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no font files"):
        scan(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        scan(tmp_path / "nope")


def test_load_or_scan_rebuilds_a_stale_catalog(tmp_path):
    fm.copy_font(tmp_path / "a.ttf")
    first = load_or_scan(tmp_path, show_progress=False)
    assert (tmp_path / "catalog.json").exists() and len(first.fonts) == 1
    fm.copy_font(tmp_path / "b.otf", fm.OTHER)
    second = load_or_scan(tmp_path, show_progress=False)
    assert len(second.fonts) == 2 and find_font_files(tmp_path) == ["a.ttf", "b.otf"]


def test_a_font_file_whose_name_is_not_utf8_is_left_out_with_a_warning_not_a_crash(tmp_path, capsys):
    """A Latin-1 name (an old archive's "café.ttf") stopped every scan and render: the catalog is
    JSON, which cannot hold the name's undecodable bytes. It is left out with a warning naming it."""
    import os

    fm.copy_font(tmp_path / "a.ttf")
    fm.copy_font(tmp_path / os.fsdecode(b"caf\xe9.ttf"), fm.OTHER)
    catalog = load_or_scan(tmp_path, show_progress=False)
    assert [f.path for f in catalog.fonts] == ["a.ttf"] and find_font_files(tmp_path) == ["a.ttf"]
    err = capsys.readouterr().err
    assert "warning: 1 font file left out: not a UTF-8 name" in err and "caf\\xe9.ttf" in err
    assert load_or_scan(tmp_path, show_progress=False).fonts[0].path == "a.ttf"  # the saved catalog matches the folder


def test_load_or_scan_notices_a_font_replaced_in_place_but_not_a_touched_one(tmp_path, monkeypatch):
    import os

    import fontsynth.catalog as catalog_module

    fm.copy_font(tmp_path / "a.ttf")
    fm.copy_font(tmp_path / "b.otf", fm.OTHER)
    first = load_or_scan(tmp_path, show_progress=False)
    written = (tmp_path / "catalog.json").stat().st_mtime_ns
    later = (written + 10**9, written + 10**9)
    os.utime(tmp_path / "a.ttf", ns=later)  # same bytes, newer: a fresh copy or checkout
    rescans = []
    real_scan = catalog_module.scan_fonts
    monkeypatch.setattr(catalog_module, "scan_fonts", lambda *a, **k: rescans.append(1) or real_scan(*a, **k))
    assert load_or_scan(tmp_path, show_progress=False).to_json() == first.to_json() and not rescans
    assert (tmp_path / "catalog.json").stat().st_mtime_ns > written  # touched: no hashing next time
    (tmp_path / "a.ttf").write_bytes((tmp_path / "b.otf").read_bytes())  # replaced under the same name
    os.utime(tmp_path / "a.ttf", ns=(later[0] + 10**9,) * 2)
    third = load_or_scan(tmp_path, show_progress=False)
    assert rescans == [1]
    hashes = {p: f.sha256 for f in third.fonts for p in [f.path, *f.copies]}
    assert hashes["a.ttf"] == hashes["b.otf"] == {f.path: f.sha256 for f in first.fonts}["b.otf"]


FLAKY_CHECKER = textwrap.dedent(
    """
    import os, signal, sys, time
    from fontsynth.isolate import serve

    def handle(task):
        name = os.path.basename(task["path"])
        if name.startswith("crash"):
            os.kill(os.getpid(), signal.SIGSEGV)
        if name.startswith("hang"):
            time.sleep(60)
        if name.startswith("bug"):
            raise TypeError("a mistake in the checker")
        return {"sha256": "0" * 64, "faces": [], "name": name}

    serve(handle, sys.argv[1])
    """
)


def test_a_crashing_or_hanging_font_fails_alone(tmp_path):
    checker = tmp_path / "checker.py"
    checker.write_text(FLAKY_CHECKER)
    items = [{"path": p} for p in ["a.ttf", "crash.ttf", "b.ttf", "hang.ttf", "c.ttf"]]
    results = run_isolated([sys.executable, str(checker)], items, timeout=1.0)
    assert [r.get("name") for r in results] == ["a.ttf", None, "b.ttf", None, "c.ttf"]
    assert "crashed" in results[1]["error"]
    assert "timed out" in results[3]["error"]


def test_a_bug_in_the_checker_stops_the_scan_instead_of_rejecting_fonts(tmp_path):
    from fontsynth.isolate import ChildError

    checker = tmp_path / "checker.py"
    checker.write_text(FLAKY_CHECKER)
    with pytest.raises(ChildError, match="TypeError: a mistake in the checker"):
        run_isolated([sys.executable, str(checker)], [{"path": "a.ttf"}, {"path": "bug.ttf"}], timeout=5.0)


def test_scan_records_a_crashing_font_as_rejected(tmp_path):
    checker = tmp_path / "checker.py"
    checker.write_text(FLAKY_CHECKER)
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    fm.copy_font(fonts / "crash.ttf")
    fm.copy_font(fonts / "ok.otf", fm.OTHER)
    catalog = scan_fonts(fonts, workers=1, show_progress=False, command=[sys.executable, str(checker)])
    crash = by_path(catalog)["crash.ttf"]
    assert not crash.accepted and "crashed" in crash.reason


DATA = fm.ROOT / "tests" / "data"


def test_type1_fonts_are_read_from_their_glyph_names(tmp_path):
    shutil.copyfile(DATA / "jkplmn8a.pfb", tmp_path / "kp.pfb")
    entry = scan(tmp_path).fonts[0]
    assert entry.accepted and entry.ocr_clean and entry.outline == "Type1"
    assert (entry.family, entry.style) == ("Kp-Light", "Regular")
    assert entry.covers("Quartz & jinx, 1-9!")


def test_a_type1_fonts_style_comes_from_its_full_name_else_its_postscript_name():
    from fontsynth.fontcheck import type1_style

    assert type1_style("Kp-Light", "Kp-Light-Regular", "Kp-Light-Regular", "Regular") == "Regular"
    assert type1_style("Nimbus Roman", "Nimbus Roman Bold Italic", "NimbusRoman-BoldItalic", "Bold") == "Bold Italic"
    # no FullName and no Weight (Adobe's Source Code Pro .pfb): every weight was "Regular", one design
    assert type1_style("Source Code Pro", "", "SourceCodePro-SemiboldIt", "") == "SemiboldIt"
    assert type1_style("Utopia", "", "Utopia", "Bold") == "Bold"
    assert type1_style("Utopia", "Utopia", "Utopia", "") == "Regular"
    assert type1_style("Kp-Light", "", "Kp-Light", "") == "Regular"  # a hyphen of the family's own is no style
    assert type1_style("Nimbus Roman No9 L", "", "NimbusRomNo9L-ReguItal", "Regular") == "ReguItal"


def test_small_caps_font_is_not_ocr_clean(tmp_path):
    shutil.copyfile(DATA / "jkpbsc8a.pfb", tmp_path / "sc.pfb")
    entry = scan(tmp_path).fonts[0]
    assert entry.accepted and not entry.ocr_clean
    assert any("capitals" in issue for issue in entry.ocr_issues)


def test_embedded_fonts_are_all_ocr_clean_and_distinct(tmp_path):
    catalog = Catalog.load(fm.FONTS / "catalog.json")
    assert catalog.summary() == {"files": 44, "faces": 44, "accepted": 44, "rejected": 0, "distinct": 44, "ocr_clean": 44, "other_scripts": {}}


def test_a_catalog_is_written_back_byte_for_byte(tmp_path):
    """The committed catalog (written by dataclasses.asdict before entries were written field by
    field) saves to the same bytes: every dataset's manifest holds their sha256, which --resume
    compares."""
    Catalog.load(fm.FONTS / "catalog.json").save(tmp_path / "catalog.json")
    assert (tmp_path / "catalog.json").read_bytes() == (fm.FONTS / "catalog.json").read_bytes()


def test_split_is_stable_by_design_and_keeps_aliases_together(tmp_path):
    from fontsynth.catalog import split_fonts

    fm.copy_font(tmp_path / "a.ttf")
    fm.renamed(tmp_path / "a2.ttf", "Clone Of A")
    for name in ("Karla-Regular.otf", "RobotoSlab-Regular.otf", "Cabin-Regular.otf", "Sora-Regular.otf"):
        shutil.copyfile(fm.FONTS / name, tmp_path / name)
    catalog = scan(tmp_path)
    counts = split_fonts(catalog, val=0.2, test=0.2, seed=0, by="design")
    assert counts.designs == counts.units == {"train": 3, "val": 1, "test": 1}  # by design: a unit is a design
    assert counts.describe() == "train 3, val 1, test 1 designs"
    fonts = by_path(catalog)
    assert fonts["a2.ttf"].split == fonts["a.ttf"].split
    again = scan(tmp_path)
    split_fonts(again, val=0.2, test=0.2, seed=0, by="design")
    assert [f.split for f in again.fonts] == [f.split for f in catalog.fonts]
    layouts = set()
    for seed in range(6):
        split_fonts(again, val=0.2, test=0.2, seed=seed, by="design")
        layouts.add(tuple(f.split for f in again.fonts))
    assert len(layouts) > 1  # the seed chooses which designs are held out
    with pytest.raises(UserError, match="must be fractions"):
        split_fonts(catalog, val=0.6, test=0.5)


def test_a_split_by_family_holds_out_every_weight_of_a_family_and_its_clones():
    from fontsynth.catalog import FontEntry, split_fonts, split_units

    def font(name, family, style="Regular", duplicate_of=None):
        return FontEntry(id=name * 16, path=f"{name}.ttf", sha256=name * 64, family=family, style=style, accepted=True,
                         ocr_clean=True, duplicate_of=duplicate_of and duplicate_of * 16)

    fonts = [font("a", "TeX Gyre Termes"), font("b", "Nimbus  Roman", duplicate_of="a"), font("c", "Nimbus Roman", "Bold"),
             font("d", "Cabin"), font("e", "cabin", "Bold"), font("f", "Sora"), font("g", "Karla"), font("h", "Arvo")]
    catalog = Catalog(root=Path("."), fonts=fonts)
    units = split_units(catalog, "family")
    assert units["c" * 16] == units["a" * 16] == "a" * 16  # Nimbus Roman Bold joins Termes through Termes' clone
    assert units["e" * 16] == units["d" * 16] and len(set(units.values())) == 5
    assert split_units(catalog, "design") == {f.id: f.id for f in fonts if f.distinct}
    apart = 0
    for seed in range(12):
        counts = split_fonts(catalog, 0.2, 0.2, seed, by="family")
        side = {f.id[0]: f.split for f in fonts}
        assert side["a"] == side["b"] == side["c"] and side["d"] == side["e"]
        assert counts.units == {"train": 3, "val": 1, "test": 1} and sum(counts.designs.values()) == 7
        assert counts.describe() == f"train {counts.designs['train']}, val {counts.designs['val']}, test {counts.designs['test']} designs (3, 1, 1 families)"
        split_fonts(catalog, 0.2, 0.2, seed, by="design")
        apart += len({f.split for f in fonts if f.family.lower() == "cabin"}) > 1
    assert apart > 0  # by design, a family's weights can fall on both sides
    with pytest.raises(UserError, match="--by 'style'"):
        split_fonts(catalog, 0.2, 0.2, by="style")


def test_each_named_instance_of_a_variable_font_is_an_entry(tmp_path):
    from fontsynth.render import Renderer
    from fontsynth.style import Style

    shutil.copyfile(DATA / "Karla-wght.ttf", tmp_path / "Karla-wght.ttf")
    catalog = scan(tmp_path)
    instances = {f.instance: f for f in catalog.fonts}
    assert set(instances) == {"ExtraLight", "Light", "Regular", "Medium", "Bold", "ExtraBold"}
    assert all(f.variable and f.accepted and f.id.endswith("@" + f.instance.lower()) for f in catalog.fonts)
    assert len({f.id for f in catalog.fonts}) == 6
    renderer = Renderer(catalog)
    light = renderer.layers("Weight", Style(font=instances["ExtraLight"].id)).mask
    bold = renderer.layers("Weight", Style(font=instances["Bold"].id)).mask
    assert (bold > 0).sum() > 1.3 * (light > 0).sum()  # the instance's weight is applied

    shutil.copyfile(fm.FONTS / "Karla-Regular.otf", tmp_path / "Karla-Regular.otf")
    with_static = by_path(scan(tmp_path))
    regular = next(f for f in scan(tmp_path).fonts if f.instance == "Regular")
    assert regular.duplicate_of == with_static["Karla-Regular.otf"].id  # the static face is kept


def test_the_weights_of_a_variable_font_are_designs_of_their_own(tmp_path):
    shutil.copyfile(DATA / "Karla-wght.ttf", tmp_path / "Karla-wght.ttf")
    instances = {f.instance: f for f in scan(tmp_path).fonts}  # they share one PostScript name
    design = {name: f.duplicate_of or f.id for name, f in instances.items()}
    assert len({design["ExtraLight"], design["Regular"], design["ExtraBold"]}) == 3
    assert design["Bold"] != design["Regular"]


def entries_alike(degrees: list[float] | None, names: str) -> tuple[list, dict]:
    """Accepted entries named by the letters of `names` whose signatures are unit vectors at
    these angles in one plane (cosine of a and b: cos(degrees b - degrees a)), or orthogonal
    when `degrees` is None; each of mean zero (signatures are compared after centring)."""
    from fontsynth.catalog import FontEntry

    if degrees is None:
        vectors = np.eye(len(names))
    else:
        vectors = np.stack([np.cos(np.radians(degrees)), np.sin(np.radians(degrees))], axis=1)
    centred = np.concatenate([vectors, -vectors], axis=1)
    entries = [FontEntry(id=f"{n}" * 16, path=f"{n}.ttf", sha256=n * 64, family=f"Family {n}", style="Regular",
                         postscript_name=f"Family{n}-Regular", accepted=True, ocr_clean=True) for n in names]
    return entries, {e.id: centred[i] for i, e in enumerate(entries)}


def test_likeness_is_not_chained_from_weight_to_weight():
    from fontsynth.catalog import mark_duplicates

    # a ~ b ~ c (cos 11 degrees = 0.982: neighbouring weights), a and c apart (cos 22 = 0.927),
    # d alike a (cos 13 = 0.974) and more alike c (cos 9 = 0.988)
    angles = [0, 11, 22, 13]
    entries, signatures = entries_alike(angles, "abcd")
    mark_duplicates(entries, signatures)
    a, b, c, d = entries
    assert (a.duplicate_of, b.duplicate_of, c.duplicate_of, d.duplicate_of) == (None, a.id, None, c.id)
    assert a.aliases == [b.id] and c.aliases == [d.id]
    shuffled, signatures = entries_alike(angles, "abcd")
    mark_duplicates(shuffled[::-1], signatures)  # the outcome does not depend on the order given
    assert [e.duplicate_of for e in shuffled] == [e.duplicate_of for e in entries]


def test_fonts_of_one_name_are_one_design_however_unalike():
    from dataclasses import replace

    from fontsynth.catalog import mark_duplicates

    entries, signatures = entries_alike(None, "abc")
    entries[1] = replace(entries[1], family="Family a")  # another version of a: its name
    entries[2] = replace(entries[2], postscript_name="Familya-Regular", family="Renamed")  # its PostScript name
    mark_duplicates(entries, signatures)
    assert [e.duplicate_of for e in entries] == [None, entries[0].id, entries[0].id]
    instances, signatures = entries_alike(None, "ab")
    instances = [replace(e, instance=name, style=name, postscript_name="Family-Regular", variable=True)
                 for e, name in zip(instances, ("Light", "Bold"))]  # a variable font's instances: one PostScript name
    mark_duplicates(instances, signatures)
    assert [e.duplicate_of for e in instances] == [None, None]


def test_a_glyph_freetype_cannot_draw_makes_the_font_not_ocr_clean(monkeypatch):
    from PIL import ImageFont

    import fontsynth.fontcheck as fc

    font = ImageFont.truetype(str(fm.BASE), fc.GLYPH_PX)
    cmap = {ord(c): c for c in fc.REQUIRED + fc.PUNCTUATION + " "}
    cells = np.stack([fc.glyph_cell(font, c) for c in fc.REQUIRED])
    real = fc.glyph_cell

    def overflowing(f, c):
        if c == "&":
            raise OSError("raster overflow")  # what Pillow raised on a real TeX font
        return real(f, c)

    monkeypatch.setattr(fc, "glyph_cell", overflowing)
    assert fc.ocr_issues(font, cmap, cells, fc.load_templates()) == ["FreeType cannot draw '&'"]


def test_names_with_stray_whitespace_are_cleaned_when_scanned_and_when_loaded(tmp_path):
    def edit(font):
        for record in list(font["name"].names):
            if record.nameID == 2:
                record.string = "Roman\n"
            if record.nameID == 1:
                record.string = " Bitstream\tVera  Sans "

    fm._edit(tmp_path / "v.ttf", edit)
    entry = scan(tmp_path).fonts[0]
    assert (entry.family, entry.style) == ("Bitstream Vera Sans", "Roman")
    # A catalog saved before names were cleaned (as our embedded one was) reads clean too.
    scan(tmp_path).save(tmp_path / "c.json")
    data = json.loads((tmp_path / "c.json").read_text())
    data["fonts"][0]["style"] = "Roman\n"
    (tmp_path / "c.json").write_text(json.dumps(data))
    assert Catalog.load(tmp_path / "c.json", root=tmp_path).fonts[0].style == "Roman"


def test_a_catalog_grouped_the_older_way_loads_with_a_note_to_rescan(tmp_path, small_fonts, capsys):
    from fontsynth.catalog import GROUPING
    from fontsynth.fontpack import load_pack, write_pack

    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    assert load_or_scan(fonts, show_progress=False).grouping == GROUPING and capsys.readouterr().err == ""
    data = json.loads((fonts / "catalog.json").read_text())
    assert data["grouping"] == GROUPING
    del data["grouping"]  # as catalogs were written before 2026-12-07
    (fonts / "catalog.json").write_text(json.dumps(data))
    old = load_or_scan(fonts, show_progress=False)
    err = capsys.readouterr().err
    assert old.grouping == 1 and [f.id for f in old.fonts] == [f["id"] for f in data["fonts"]]  # still usable as it was
    assert err.startswith(f"note: {fonts / 'catalog.json'} was scanned by an older fontsynth (it records no grouping)") and "fonts scan" in err
    write_pack(old, tmp_path / "old.pack", show_progress=False)  # a pack keeps its catalog's grouping, and its note
    assert load_pack(tmp_path / "old.pack").grouping == 1
    load_or_scan(tmp_path / "old.pack", show_progress=False)
    assert capsys.readouterr().err.startswith(f"note: {tmp_path / 'old.pack'} was scanned by an older fontsynth")
    old.save(tmp_path / "again.json")
    assert Catalog.load(tmp_path / "again.json").grouping == 1  # saving does not pretend it was regrouped


def mixed_folder(folder: Path) -> Path:
    """Fonts of every kind a scan meets: a copy, a clone, a variable font with its static
    Regular, Type 1, OCR-unclean, another script's, rejected and unreadable files."""
    (folder / "copies").mkdir(parents=True)
    fm.copy_font(folder / "Vera.ttf")
    fm.copy_font(folder / "copies" / "Vera.ttf")
    fm.renamed(folder / "Clone.ttf", "Clone")
    shutil.copyfile(DATA / "Karla-wght.ttf", folder / "Karla-wght.ttf")
    fm.copy_font(folder / "Karla-Regular.otf", fm.OTHER)
    shutil.copyfile(DATA / "jkpbsc8a.pfb", folder / "jkpbsc8a.pfb")
    fm.all_caps(folder / "caps.ttf")
    fm.hebrew_only(folder / "hebrew.ttf")  # accepted for Hebrew, without a glyph signature
    fm.missing_letters(folder / "missing.ttf")
    fm.bitmap_only(folder / "bitmap.ttf")
    fm.empty(folder / "empty.ttf")
    fm.random_bytes(folder / "noise.otf")
    return folder


@pytest.fixture
def tasks_sent(monkeypatch):
    """The tasks the scan sends to fontcheck children, by file name: "check" or "signatures"."""
    import fontsynth.catalog as catalog_module

    sent: dict[str, str] = {}
    real = catalog_module._answers

    def spy(rel, tasks, *args):
        sent.update({r: "signatures" if "signatures" in t else "check" for r, t in zip(rel, tasks)})
        return real(rel, tasks, *args)

    monkeypatch.setattr(catalog_module, "_answers", spy)
    return sent


def test_a_rescan_checks_only_new_or_changed_files_and_gives_what_a_full_scan_gives(tmp_path, tasks_sent):
    from fontsynth.catalog import scan as scan_with_counts

    folder = mixed_folder(tmp_path / "fonts")
    full = scan(folder)
    assert len(tasks_sent) == 12 and set(tasks_sent.values()) == {"check"}
    assert full.checker and sum(f.accepted for f in full.fonts) >= 10
    tasks_sent.clear()
    again = scan_with_counts(folder, workers=1, show_progress=False, previous=full)
    assert again.catalog.to_json() == full.to_json() and (again.checked, again.reused) == (0, 12)
    latin_files = {f.path for f in full.fonts if f.accepted and f.script == "Latin"}  # "copies/Vera.ttf" is listed under Vera.ttf's entry
    assert "hebrew.ttf" not in latin_files and tasks_sent == {rel: "signatures" for rel in latin_files}  # a Hebrew font has no signature to draw

    fm.copy_font(folder / "new.otf", fm.FONTS / "Sora-Regular.otf")  # a new font,
    fm.copy_font(folder / "missing.ttf", fm.FONTS / "Cabin-Regular.otf")  # one replaced in place,
    (folder / "caps.ttf").unlink()  # one gone
    tasks_sent.clear()
    changed = scan_with_counts(folder, workers=1, show_progress=False, previous=full)
    assert {rel for rel, kind in tasks_sent.items() if kind == "check"} == {"new.otf", "missing.ttf"}
    assert (changed.checked, changed.reused) == (2, 10)
    assert changed.catalog.to_json() == scan(folder).to_json()


def test_a_rescan_checks_everything_again_under_another_checker_or_when_a_redraw_fails(tmp_path, tasks_sent, monkeypatch):
    import fontsynth.catalog as catalog_module

    folder = mixed_folder(tmp_path / "fonts")
    full = scan(folder)
    tampered = Catalog.from_json(full.to_json(), folder)
    bitmap = next(f for f in tampered.fonts if f.path == "bitmap.ttf")
    bitmap.accepted, bitmap.reason = True, ""  # claims a face it cannot draw: the redraw fails, the file is checked anew
    tasks_sent.clear()
    mended = catalog_module.scan(folder, workers=1, show_progress=False, previous=tampered)
    assert tasks_sent["bitmap.ttf"] == "check" and mended.checked == 1 and mended.catalog.to_json() == full.to_json()
    monkeypatch.setattr(catalog_module, "checker_fingerprint", lambda: "another")
    tasks_sent.clear()
    other = catalog_module.scan(folder, workers=1, show_progress=False, previous=full)
    assert other.checked == 12 and other.reused == 0 and set(tasks_sent.values()) == {"check"}


def test_load_or_scan_checks_only_the_fonts_a_folder_gained(tmp_path, tasks_sent):
    fm.copy_font(tmp_path / "a.ttf")
    load_or_scan(tmp_path, workers=1, show_progress=False)
    fm.copy_font(tmp_path / "b.otf", fm.OTHER)
    tasks_sent.clear()
    assert len(load_or_scan(tmp_path, workers=1, show_progress=False).fonts) == 2
    assert tasks_sent == {"a.ttf": "signatures", "b.otf": "check"}
