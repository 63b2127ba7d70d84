"""A font the scan accepted but that FreeType fails on at render time never stops a render:
the sample is drawn again, deterministically, and the event is recorded."""

import json

import pytest

from fontsynth.catalog import Catalog
from fontsynth.dataset import Dataset
from fontsynth.fonts import FontLibrary
from fontsynth.pipeline import RenderJob, render_dataset


def fail_drawing(monkeypatch, font_id: str, char: str, message: str) -> None:
    """FreeType 'fails' drawing `char` in one font (in this process: render with 1 worker)."""
    real = FontLibrary._draw_unchecked

    def draw(self, face, c, stroke):
        if face.font_id == font_id and c == char:
            raise OSError(message)
        return real(self, face, c, stroke)

    monkeypatch.setattr(FontLibrary, "_draw_unchecked", draw)


@pytest.fixture
def failing_e(small_catalog, monkeypatch):
    bad = small_catalog.usable()[0].id
    fail_drawing(monkeypatch, bad, "e", "raster overflow")
    return bad


def render(fonts, out, seed):
    return render_dataset(RenderJob(fonts=fonts, out=out, n=300, seed=seed, shard_size=100, workers=1, show_progress=False))


def test_samples_that_hit_the_failing_glyph_are_drawn_again_and_recorded(small_fonts, failing_e, tmp_path):
    manifest = render(small_fonts, tmp_path / "a", seed=9101)
    assert manifest.complete and manifest.samples == 300
    assert manifest.redrawn and {e["font"] for e in manifest.redrawn} == {failing_e}
    assert all("drawing 'e'" in e["reason"] and "raster overflow" in e["reason"] for e in manifest.redrawn)
    on_disk = json.loads((tmp_path / "a" / "manifest.json").read_text())["redrawn"]
    assert on_disk == manifest.redrawn
    ds = Dataset(tmp_path / "a")
    for i in range(300):
        sample = ds[i]
        if sample["font"].decode() == failing_e:
            assert "e" not in sample["label"].decode()


def test_the_fallback_is_deterministic(small_fonts, failing_e, tmp_path):
    one = render(small_fonts, tmp_path / "one", seed=9102)
    two = render(small_fonts, tmp_path / "two", seed=9102)
    assert [s.sha256 for s in one.shards] == [s.sha256 for s in two.shards]
    assert one.redrawn == two.redrawn


def test_only_the_redrawn_samples_differ_from_a_render_without_failures(small_fonts, tmp_path, monkeypatch):
    from fontsynth import pipeline

    clean = render(small_fonts, tmp_path / "clean", seed=9103)
    assert clean.redrawn == []
    pipeline._MAKERS.makers.clear()  # fresh glyph caches, so the failure below is met
    fail_drawing(monkeypatch, Catalog.load(small_fonts / "catalog.json").usable()[0].id, "e", "broken outline")
    failing = render(small_fonts, tmp_path / "failing", seed=9103)
    pipeline._MAKERS.makers.clear()
    redrawn = {e["index"] for e in failing.redrawn}
    a, b = Dataset(tmp_path / "clean"), Dataset(tmp_path / "failing")
    assert redrawn and all((a[i]["image"] == b[i]["image"]) == (i not in redrawn) for i in range(300))


def test_a_missing_font_file_is_a_user_error_not_a_redraw(small_fonts, tmp_path):
    import shutil

    from fontsynth.errors import UserError

    fonts = tmp_path / "fonts"
    shutil.copytree(small_fonts, fonts)
    catalog = Catalog.load(fonts / "catalog.json")
    (fonts / catalog.usable()[0].path).unlink()
    with pytest.raises(UserError, match="missing"):
        render_dataset(RenderJob(fonts=fonts, out=tmp_path / "out", n=50, seed=9105, workers=1, catalog=fonts / "catalog.json",
                                 show_progress=False))
