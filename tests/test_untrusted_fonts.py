"""One bad font file never stops a scan (issue: untrusted fonts); our own bugs still do."""

import json
import subprocess
import sys
import textwrap

import pytest

from fontsynth import fontcheck
from fontsynth.catalog import check_systematic_failure, scan_fonts
from fontsynth.errors import UserError
from fontsynth.isolate import memory_cap, run_isolated

from conftest import FONTS


@pytest.mark.parametrize("error", [NotImplementedError("CFF operator"), UnboundLocalError("local 'x' referenced"),
                                   RecursionError("maximum recursion depth"), MemoryError()])
def test_any_parser_error_rejects_the_file_with_its_type(monkeypatch, error):
    def parse(path):
        raise error

    monkeypatch.setattr(fontcheck, "sfnt_faces", parse)
    result = fontcheck.check_file(str(FONTS / "Vera.ttf"))
    assert result["error"].startswith(f"not a readable font ({type(error).__name__}")
    assert "\n" not in result["error"]


def test_an_error_while_drawing_rejects_the_face_and_is_marked(monkeypatch):
    def check(path, info, templates):
        raise OSError("broken file")

    monkeypatch.setattr(fontcheck, "check_face", check)
    (face,) = fontcheck.check_file(str(FONTS / "Vera.ttf"))["faces"]
    assert not face["accepted"] and face["reason"] == "checking it failed (OSError: broken file)"
    assert face["check_error"] == "OSError: broken file"


def test_good_fonts_are_still_accepted():
    result = fontcheck.check_file(str(FONTS / "Vera.ttf"))
    assert [f["accepted"] for f in result["faces"]] == [True]


def test_every_covered_glyph_is_drawn_at_the_scan_and_undrawable_ones_leave_the_charset(monkeypatch, tmp_path):
    from PIL import ImageFont

    from fontsynth.catalog import FORMAT_VERSION, Catalog

    real = ImageFont.FreeTypeFont.getmask

    def getmask(self, text, *args, **kwargs):
        if text in ("\u00e9", "\u00f1"):  # FreeType "fails" on two accented glyphs of the font
            raise OSError("raster overflow")
        return real(self, text, *args, **kwargs)

    monkeypatch.setattr(ImageFont.FreeTypeFont, "getmask", getmask)
    (face,) = fontcheck.check_file(str(FONTS / "Vera.ttf"))["faces"]
    assert face["accepted"] and face["undrawable"] == [[0xE9, 0xE9], [0xF1, 0xF1]]
    covered = {cp for lo, hi in face["charset"] for cp in range(lo, hi + 1)}
    assert 0xE9 not in covered and 0xF1 not in covered and {ord("e"), 0xE8, 0xEA} <= covered
    # the catalog records it, so rendering never picks this font for a text with those letters
    (tmp_path / "Vera.ttf").write_bytes((FONTS / "Vera.ttf").read_bytes())
    entry = Catalog.from_json({"format": "fontsynth-catalog", "format_version": FORMAT_VERSION, "fonts": [{"id": "x", "path": "Vera.ttf", "sha256": "", **face}]}, tmp_path).fonts[0]
    assert entry.covers("cafe") and not entry.covers("caf\u00e9") and entry.undrawable == [[0xE9, 0xE9], [0xF1, 0xF1]]


def results(failing: int, total: int, error: str = "OSError: broken file 12") -> dict:
    out = {f"{i}.ttf": {"faces": [{"accepted": True}]} for i in range(total)}
    for i in range(failing):
        out[f"{i}.ttf"] = {"faces": [{"accepted": False, "check_error": error.replace("12", str(i))}]}
    return out


def test_a_scan_where_most_fonts_fail_the_same_way_stops_with_a_clear_error():
    with pytest.raises(UserError, match="8 of 12 font files failed the checks the same way .OSError: broken file N.*bug in fontsynth"):
        check_systematic_failure(results(8, 12))
    check_systematic_failure(results(3, 12))  # a few bad fonts: rejected, the scan goes on
    check_systematic_failure(results(5, 5))  # too few files to tell


def test_parser_errors_count_as_systematic_only_when_they_look_like_code_errors():
    bad_files = {f"{i}.ttf": {"error": "not a readable font (TTLibError: bad sfntVersion)"} for i in range(20)}
    check_systematic_failure(bad_files)  # a folder of non-fonts: rejections, not a bug
    broken_code = {f"{i}.ttf": {"error": "not a readable font (AttributeError: 'NoneType' object has no attribute 'x')"} for i in range(20)}
    with pytest.raises(UserError, match="AttributeError"):
        check_systematic_failure(broken_code)


GREEDY_CHECKER = textwrap.dedent(
    """
    import os, sys
    from fontsynth.isolate import serve

    def handle(task):
        if os.path.basename(task["path"]).startswith("greedy"):
            try:
                block = bytearray(1536 << 20)
                return {"allocated": len(block)}
            except MemoryError:
                return {"error": "MemoryError"}
        return {"ok": True}

    serve(handle, sys.argv[1])
    """
)


def test_the_checker_runs_under_a_memory_cap(tmp_path):
    checker = tmp_path / "checker.py"
    checker.write_text(GREEDY_CHECKER)
    items = [{"path": "a.ttf"}, {"path": "greedy.ttf"}, {"path": "b.ttf"}]
    capped = run_isolated([sys.executable, str(checker)], items, timeout=30.0, memory_mb=1024)
    assert capped == [{"ok": True}, {"error": "MemoryError"}, {"ok": True}]
    uncapped = run_isolated([sys.executable, str(checker)], items[1:2], timeout=30.0, memory_mb=None)
    assert uncapped == [{"allocated": 1536 << 20}]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS caps: Linux")
def test_a_users_lower_hard_cap_is_kept_not_a_crash(tmp_path):
    """Under `ulimit -v` (a hard cap of 8 GB, below the checker's 16 GB), the children ran with
    no cap at all: raising it raised in preexec_fn, and a scan stopped with SubprocessError.
    Now each child keeps the lower cap. Run in a child Python: a hard cap cannot be lifted."""
    checker = tmp_path / "checker.py"
    checker.write_text(GREEDY_CHECKER.replace("1536 << 20", "(9 << 30)"))
    script = (
        "import resource, sys, json\n"
        "resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))\n"
        "from fontsynth.isolate import run_isolated\n"
        f"print(json.dumps(run_isolated([sys.executable, {str(checker)!r}], [{{'path': 'greedy.ttf'}}], 30.0, 16000)))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-400:]
    assert json.loads(done.stdout) == [{"error": "MemoryError"}]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the in-process cap reads /proc and RLIMIT_AS: Linux only")
def test_work_in_this_process_under_a_memory_cap_raises_memory_error_and_the_cap_is_lifted_after():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(MemoryError):
        with memory_cap(256):
            bytearray(1 << 30)  # 1 GB past a 256 MB allowance
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    with memory_cap(256):
        small = bytearray(64 << 20)  # within it
    assert len(small) == 64 << 20 and len(bytearray(1 << 30)) == 1 << 30  # and after it, no cap
    lower = before[0] if before[0] != resource.RLIM_INFINITY else 1 << 46  # a cap already set (ulimit -v) is never raised
    resource.setrlimit(resource.RLIMIT_AS, (lower, before[1]))
    try:
        with memory_cap(1 << 30):  # a 1 PB allowance: the cap already set stays
            assert resource.getrlimit(resource.RLIMIT_AS)[0] == lower
    finally:
        resource.setrlimit(resource.RLIMIT_AS, before)


def test_a_font_fonttools_would_subset_without_bound_is_packed_whole(small_catalog, monkeypatch):
    """fonts-deva-extra's chandas1-2.ttf made fontTools allocate 14.6 GB (a malformed layout
    table); subsetting runs under a cap, and a font past it is stored whole."""
    from fontsynth import fontpack

    font = small_catalog.usable()[0]
    path = small_catalog.font_path(font)
    real = fontpack.subset_font
    monkeypatch.setattr(fontpack, "subset_font", lambda *args: (bytearray(1 << 30), real(*args))[1])  # 1 GB, then a good subset
    assert fontpack.packed_font(path, font.index, font.instance, fontpack.DEFAULT_CHARSET)[3] == "subset"  # 1 GB is within 2 GB
    monkeypatch.setattr(fontpack, "SUBSET_MEMORY_MB", 128)
    data, ext, index, how = fontpack.packed_font(path, font.index, font.instance, fontpack.DEFAULT_CHARSET)
    assert how == "whole" and data == path.read_bytes() and index == font.index


def test_scan_accepts_the_embedded_fonts_under_the_default_caps(tmp_path):
    import shutil

    for name in ["Vera.ttf", "Karla-Regular.otf"]:
        shutil.copyfile(FONTS / name, tmp_path / name)
    catalog = scan_fonts(tmp_path, workers=1, show_progress=False)
    assert [f.accepted for f in catalog.fonts] == [True, True]


CORPUS = sorted((FONTS.parent / "tests" / "data" / "fuzz").glob("*.*tf"))


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_file_that_once_aborted_a_scan_is_rejected_with_a_reason(path):
    result = fontcheck.check_file(str(path))
    reasons = [result["error"]] if "error" in result else [f["reason"] for f in result["faces"] if not f["accepted"]]
    assert reasons and all(reasons)


def test_a_scan_of_the_regression_corpus_beside_good_fonts_completes(tmp_path):
    import shutil

    for path in [*CORPUS, FONTS / "Vera.ttf"]:
        shutil.copyfile(path, tmp_path / path.name)
    catalog = scan_fonts(tmp_path, workers=1, show_progress=False)
    by_path = {f.path: f for f in catalog.fonts}
    assert by_path["Vera.ttf"].accepted
    assert all(not by_path[p.name].accepted and by_path[p.name].reason for p in CORPUS)


@pytest.mark.parametrize("setting, message", [
    ({"rotation": [float("nan"), 5]}, "non-empty list of finite numbers"),
    ({"font_sizes": "big"}, "non-empty list of finite numbers"),
    ({"p_rotation": 2}, "probability between 0 and 1"),
    ({"rotation": [5, -5]}, "low <= high"),
    ({"kerning": "yes"}, "true or false"),
    ({"height": 32.5}, "whole number"),
    ({"background": {"flat": -1}}, "non-negative weights"),
])
def test_bad_style_settings_are_user_errors(setting, message):
    from fontsynth.style import StyleConfig

    with pytest.raises(UserError, match=message):
        StyleConfig.from_dict(setting)


def test_render_with_a_nan_in_its_config_is_one_error_line(tmp_path):
    from typer.testing import CliRunner

    from fontsynth.cli import app

    config = tmp_path / "c.json"
    config.write_text('{"rotation": [NaN, 5]}')
    result = CliRunner().invoke(app, ["render", "--fonts", str(FONTS), "--n", "5", "--out", str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code == 2 and result.output.startswith("error: style setting 'rotation'")
    assert not (tmp_path / "out").exists()
