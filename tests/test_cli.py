import json
import shutil

import pytest
from PIL import Image
from typer.testing import CliRunner

import fontmaker as fm
from fontsynth.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def data(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "words"
    result = invoke("render", "--fonts", small_fonts, "--n", 60, "--out", out, "--workers", 1, "--no-progress")
    assert result.exit_code == 0, result.output
    assert "60 samples in" in result.output and "60 rendered in" in result.output and "samples/s)" in result.output
    return out


def test_resuming_a_finished_render_says_nothing_was_left(small_fonts, data, tmp_path):
    shutil.copytree(data, tmp_path / "copy")
    again = invoke("render", "--fonts", small_fonts, "--n", 60, "--out", tmp_path / "copy", "--workers", 1, "--no-progress", "--resume")
    assert again.exit_code == 0 and again.output.strip().endswith("; nothing left to render"), again.output


def test_info_reports_counts_fonts_and_labels(data):
    result = invoke("info", data, "--json")
    assert result.exit_code == 0
    stats = json.loads(result.output)
    assert stats["samples"] == 60 and stats["complete"] and 1 <= stats["fonts_used"] <= 4
    assert 1 <= stats["label_length"]["min"] <= stats["label_length"]["max"] <= 25
    assert sum(stats["image_formats"].values()) == 60 and stats["bytes_on_disk"] > 0
    text = invoke("info", data)
    assert text.exit_code == 0 and "60 of 60 samples (complete)" in text.output
    assert "texts: the embedded mix (74,487 English words of SCOWL without profanity and slurs" in text.output


def test_image_formats_are_recorded_per_shard_and_counted_for_shards_made_before(data, tmp_path):
    import lmdb

    from fontsynth.dataset import Dataset
    from fontsynth.shards import image_format

    ds = Dataset(data)
    by_reading = {}
    for _, value in ds.column("image"):
        by_reading[image_format(value)] = by_reading.get(image_format(value), 0) + 1
    assert set(by_reading) == {"png", "jpeg"}  # the default preset stores both
    recorded = json.loads(invoke("info", data, "--json").output)["image_formats"]
    assert recorded == by_reading and all("image_formats" in ds.reader(s.name).info for s in ds.shards)
    older = tmp_path / "older"  # the same data as a version before the record wrote it
    shutil.copytree(data, older)
    for shard in Dataset(older).shards:
        with lmdb.open(str(older / shard.name), subdir=True, lock=False) as env, env.begin(write=True) as txn:
            info = json.loads(txn.get(b"shard-info"))
            del info["image_formats"]
            txn.put(b"shard-info", json.dumps(info, sort_keys=True).encode())
    assert json.loads(invoke("info", older, "--json").output)["image_formats"] == by_reading


def test_preview_writes_a_png_grid(data, tmp_path):
    result = invoke("preview", data, "-o", tmp_path / "grid.png", "--count", 6)
    assert result.exit_code == 0
    grid = Image.open(tmp_path / "grid.png")
    assert grid.format == "PNG" and grid.size[0] > 64 and grid.size[1] > 3 * 32
    assert invoke("preview", data, "-o", tmp_path / "grid.jpg", "--count", 6).exit_code == 0
    jpeg = Image.open(tmp_path / "grid.jpg")
    assert jpeg.format == "JPEG" and jpeg.size == grid.size
    for args, message in ((["--count", 0], "--count must be at least 1 (got 0)"), (["-o", tmp_path / "grid.txt"], "write .png, .jpg or .jpeg")):
        result = invoke("preview", data, *args)
        assert result.exit_code == 2 and result.output.startswith("error:") and message in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.jpg", "grid.png"]


def test_replay_checks_identity_and_writes_the_image(data, tmp_path):
    result = invoke("replay", data, 17, "-o", tmp_path / "s.png")
    assert result.exit_code == 0 and "identical" in result.output
    assert (tmp_path / "s.png").stat().st_size > 0
    missing = invoke("replay", data, 600)
    assert missing.exit_code == 2 and "sample 600 is not in" in missing.output


def test_fonts_scan_prints_a_summary_and_json(tmp_path):
    fm.copy_font(tmp_path / "a.ttf")
    fm.empty(tmp_path / "b.ttf")
    result = invoke("fonts", "scan", tmp_path, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert {k: summary[k] for k in ("files", "accepted", "rejected", "distinct", "ocr_clean")} == {
        "files": 2, "accepted": 1, "rejected": 1, "distinct": 1, "ocr_clean": 1}
    assert (tmp_path / "catalog.json").exists()
    text = invoke("fonts", "scan", tmp_path, "--no-progress")
    assert "2 files: 1 accepted, 1 rejected" in text.output and "rejected b.ttf: empty file" in text.output


def _bad_font_dir(tmp_path):
    bad = tmp_path / "badfonts"
    bad.mkdir()
    fm.empty(bad / "x.ttf")
    return bad


def _not_a_dir(tmp_path):
    (tmp_path / "afile").write_text("x")
    return tmp_path / "afile" / "out"


BAD_INPUTS = {
    "no fonts found": (lambda t: ["--fonts", t], "no font files"),
    "no valid font": (lambda t: ["--fonts", _bad_font_dir(t)], "no valid OCR-clean font"),
    "empty corpus": (lambda t: ["--corpus", (t / "c.txt").write_text("\n\n") and t / "c.txt"], "has no usable line"),
    "n zero": (lambda t: ["--n", 0], "--n must be at least 1"),
    "zero workers": (lambda t: ["--workers", 0], "--workers must be at least 1"),
    "negative shard size": (lambda t: ["--shard-size", -1], "--shard-size must be at least 0 (got -1)"),
    "resume and overwrite": (lambda t: ["--resume", "--overwrite"], "pass one of them"),
    "unknown preset": (lambda t: ["--preset", "fancy"], "unknown preset 'fancy'"),
    "bad size": (lambda t: ["--size", "tall"], "--size 'tall'"),
    "unwritable out": (lambda t: ["--out", _not_a_dir(t)], "is not writable"),
    "missing corpus": (lambda t: ["--corpus", t / "none.txt"], "cannot read --corpus"),
    "missing words": (lambda t: ["--words", t / "none.txt"], "cannot read --words"),
    "words with spaces only": (lambda t: ["--words", (t / "w.txt").write_text("two words\n") and t / "w.txt"], "has no usable word"),
    "corpus and words": (lambda t: ["--corpus", t / "c.txt", "--words", t / "w.txt"], "pass one"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gives_one_line_and_writes_nothing(small_fonts, tmp_path, case):
    make_args, message = BAD_INPUTS[case]
    args = ["--fonts", small_fonts, "--out", tmp_path / "out", "--n", 10, "--no-progress", *make_args(tmp_path)]
    result = invoke("render", *args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_existing_dataset_is_not_touched_without_resume(data):
    before = sorted(p.name for p in data.iterdir())
    result = invoke("render", "--out", data, "--n", 5)
    assert result.exit_code == 2 and "--resume" in result.output
    assert sorted(p.name for p in data.iterdir()) == before



def test_fonts_commands_refuse_bad_numbers_and_files_and_keep_the_catalog(small_fonts, tmp_path):
    """A zero or negative --timeout would reject every font as hanging and write that catalog
    over the folder's (and its split); such options are refused before anything is written."""
    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    before = (fonts / "catalog.json").read_bytes()
    (tmp_path / "afile").write_text("mine")
    cases = [
        (["fonts", "scan", fonts, "--timeout", 0], "--timeout must be more than 0 seconds (got 0.0)"),
        (["fonts", "scan", fonts, "--timeout", "nan"], "--timeout must be more than 0 seconds (got nan)"),
        (["fonts", "scan", fonts, "--workers", 0], "--workers must be at least 1 (got 0)"),
        (["fonts", "report", fonts / "catalog.json", "-o", tmp_path / "r.png", "--per-page", 0], "--per-page must be at least 1 (got 0)"),
        (["fonts", "report", fonts / "catalog.json", "-o", tmp_path / "r.gif"], f"-o {tmp_path / 'r.gif'}: write .png, .jpg or .jpeg"),
        (["fonts", "pack", fonts, "-o", tmp_path / "f.pack", "--workers", 0], "--workers must be at least 1 (got 0)"),
        (["fonts", "fetch", "--source", "pypi", "--dest", tmp_path / "afile"], f"--dest {tmp_path / 'afile'} is a file; pass a folder"),
        (["fonts", "scan", fonts, "-o", fonts / "Vera.ttf"], f"-o {fonts / 'Vera.ttf'} exists and is not a font catalog: it is left alone"),
        (["fonts", "scan", fonts, "-o", tmp_path / "afile"], f"-o {tmp_path / 'afile'} exists and is not a font catalog: it is left alone"),
        (["fonts", "scan", fonts, "-o", fonts], f"-o {fonts} is a folder; pass the catalog file to write"),
        (["fonts", "split", fonts / "catalog.json", "-o", tmp_path / "afile"], f"-o {tmp_path / 'afile'} exists and is not a font catalog"),
    ]
    vera = (fonts / "Vera.ttf").read_bytes()
    for args, message in cases:
        result = invoke(*args, "--no-progress") if args[1] in ("scan", "pack", "fetch") else invoke(*args)
        assert result.exit_code == 2 and result.output.strip().startswith(f"error: {message}"), (args, result.output)
    assert (fonts / "catalog.json").read_bytes() == before and (fonts / "Vera.ttf").read_bytes() == vera
    (fonts / "catalog.json").write_text("garbage")  # a broken catalog.json is what a scan rebuilds
    assert invoke("fonts", "scan", fonts, "--no-progress").exit_code == 0 and (fonts / "catalog.json").read_bytes() == before
    assert (tmp_path / "afile").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["afile", "fonts"]


def test_fonts_split_report_and_attribution(small_fonts, tmp_path):
    catalog = tmp_path / "catalog.json"
    shutil.copyfile(small_fonts / "catalog.json", catalog)
    result = invoke("fonts", "split", catalog, "--val", 0.25, "--test", 0.25, "-o", catalog)
    assert result.exit_code == 0 and "train 2, val 1, test 1" in result.output
    by_family = invoke("fonts", "split", catalog, "--val", 0.25, "--test", 0.25, "--by", "family", "-o", tmp_path / "family.json")
    assert by_family.exit_code == 0 and "train 2, val 1, test 1 designs (2, 1, 1 families)" in by_family.output  # 4 families of one font
    wrong = invoke("fonts", "split", catalog, "--by", "weight")
    assert wrong.exit_code == 2 and "error: --by 'weight': choose one of design, family" in wrong.output
    report = invoke("fonts", "report", catalog, "-o", tmp_path / "sheet.png")
    assert report.exit_code == 0 and Image.open(tmp_path / "sheet.png").size[1] >= 44
    paged = invoke("fonts", "report", catalog, "-o", tmp_path / "p.png", "--per-page", 3)
    assert paged.exit_code == 0 and (tmp_path / "p-001.png").exists() and (tmp_path / "p-002.png").exists()
    assert sorted(p.name for p in tmp_path.glob("p*.png")) == ["p-001.png", "p-002.png"]  # 4 fonts, 3 a page
    empty = json.loads(catalog.read_text())
    empty["fonts"] = []
    (tmp_path / "empty.json").write_text(json.dumps(empty))
    nothing = invoke("fonts", "report", tmp_path / "empty.json", "-o", tmp_path / "e.png")
    assert nothing.exit_code == 2 and "lists no font; nothing to draw" in nothing.output and not (tmp_path / "e.png").exists()
    attribution = invoke("fonts", "attribution", catalog)
    rows = [line for line in attribution.output.splitlines() if line.startswith("| ") and (".ttf" in line or ".otf" in line)]
    assert len(rows) == 4 and any("Bitstream" in r for r in rows)


def test_render_with_a_split_uses_only_its_fonts(small_fonts, tmp_path):
    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    assert invoke("render", "--fonts", fonts, "--out", tmp_path / "x", "--n", 5, "--split", "test").output.startswith("error: --split test: the catalog")
    split = invoke("fonts", "split", fonts, "--val", 0.25, "--test", 0.25)  # the fonts folder stands for its catalog
    assert split.exit_code == 0 and split.output.strip().endswith(f"-> {fonts / 'catalog.json'}"), split.output
    (tmp_path / "bare").mkdir()
    bare = invoke("fonts", "split", tmp_path / "bare")
    assert bare.exit_code == 2 and bare.output.strip() == (f"error: {tmp_path / 'bare'} is a folder without a font catalog (catalog.json); "
                                                           f"make one with `fontsynth fonts scan {tmp_path / 'bare'}`")
    assert list((tmp_path / "bare").iterdir()) == []
    held_out = {f["id"] for f in json.loads((fonts / "catalog.json").read_text())["fonts"] if f["split"] == "test"}
    result = invoke("render", "--fonts", fonts, "--out", tmp_path / "t", "--n", 20, "--split", "test", "--no-progress", "--workers", 1)
    assert result.exit_code == 0
    from fontsynth.dataset import Dataset

    ds = Dataset(tmp_path / "t")
    assert {ds[i]["font"].decode() for i in range(20)} == held_out
    typo = invoke("render", "--fonts", fonts, "--out", tmp_path / "y", "--n", 5, "--split", "tset")
    assert typo.exit_code == 2 and typo.output.strip() == f"error: --split tset: the catalog of {fonts} has no such split; choose one of: test, train, val"
    assert not (tmp_path / "y").exists()


def test_fonts_fetch_rejects_an_unknown_source(tmp_path):
    result = invoke("fonts", "fetch", "--source", "cdn", "--dest", tmp_path / "f")
    assert result.exit_code == 2 and "unknown font source 'cdn'" in result.output


def test_a_new_scan_reuses_unchanged_files_unless_told_and_says_it_drops_the_split(small_fonts, tmp_path):
    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    first = invoke("fonts", "scan", fonts, "--workers", 1, "--no-progress")
    assert first.exit_code == 0 and "note:" not in first.output
    assert "(4 unchanged files taken from the earlier catalog, 0 checked)" in first.output  # small_fonts' catalog, same checker
    full = invoke("fonts", "scan", fonts, "--workers", 1, "--no-progress", "--recheck", "--json")
    assert full.exit_code == 0 and (json.loads(full.output)["checked"], json.loads(full.output)["reused"]) == (4, 0)
    invoke("fonts", "split", fonts / "catalog.json", "--val", 0.25, "--test", 0.25)
    again = invoke("fonts", "scan", fonts, "--workers", 1, "--no-progress")
    assert again.exit_code == 0
    assert f"note: the train/val/test split of 4 fonts in {fonts / 'catalog.json'} (`fonts split`) is not kept" in again.output
    assert not any(f["split"] for f in json.loads((fonts / "catalog.json").read_text())["fonts"])


def test_a_report_stopped_part_way_leaves_no_pages(small_fonts, tmp_path, monkeypatch):
    import fontsynth.specimen as specimen
    from fontsynth.catalog import Catalog

    drawn = []

    def cell(entry, catalog, small):
        drawn.append(entry)
        if len(drawn) == 4:  # on the second page (4 fonts, 3 a page): the first is written by then
            raise KeyboardInterrupt
        return Image.new("RGB", (specimen.CELL_W, specimen.CELL_H), "white")

    monkeypatch.setattr(specimen, "_cell", cell)
    with pytest.raises(KeyboardInterrupt):
        specimen.write_specimen(Catalog.load(small_fonts / "catalog.json"), tmp_path / "r.png", per_page=3)
    assert list(tmp_path.iterdir()) == []
