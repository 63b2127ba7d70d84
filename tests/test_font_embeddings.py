"""Fonts as a typeface classifier sees them (classifier.font_embeddings): the mean embedding of
each font's specimens, drawn in worker processes, cached beside the classifier per font id."""

import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from classifier import font_embeddings as fe  # noqa: E402
from conftest import specimen_means_by_hand  # noqa: E402
from classifier.classification import Classifier  # noqa: E402
from fontsynth import specimen  # noqa: E402
from fontsynth.catalog import Catalog  # noqa: E402

N = 4  # specimens per font: enough to check, quick to draw


@pytest.fixture
def typeface(pairs_typeface, tmp_path):
    """A copy of the classifier run of its own, without the cache other tests may have written."""
    return Classifier(shutil.copytree(pairs_typeface, tmp_path / "typeface", ignore=shutil.ignore_patterns("specimens")), device="cpu")


@pytest.fixture
def counted(monkeypatch):
    """The fonts whose specimens get drawn, in order (word_specimens spied on, in this process)."""
    drawn, real = [], specimen.word_specimens

    def spy(catalog, fonts, *args, **kwargs):
        drawn.extend(fonts)
        return real(catalog, fonts, *args, **kwargs)

    monkeypatch.setattr(specimen, "word_specimens", spy)
    return drawn


def checkpoint(classifier: Classifier) -> Path:
    return Path(classifier.weights["checkpoint"])


def fonts_of(catalog: Catalog) -> list[str]:
    return sorted(f.id for f in catalog.usable(ocr_clean=False))


def test_the_means_are_each_fonts_mean_unit_embedding_and_a_second_call_draws_nothing(typeface, small_catalog, counted):
    fonts = fonts_of(small_catalog)
    _, expected = specimen_means_by_hand(typeface, small_catalog, fonts, N)
    counted.clear()
    kept, means = fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert kept == fonts and counted == fonts and torch.allclose(means, expected, atol=1e-6)
    cache = fe.cache_path(typeface, N)
    assert cache.parent == checkpoint(typeface).parent / "specimens" and cache.exists()
    counted.clear()
    again = fe.font_embeddings(Classifier(cache.parent.parent, device="cpu"), small_catalog, list(reversed(fonts)), N)
    assert counted == [] and again[0] == list(reversed(fonts)) and torch.equal(again[1], means.flip(0))


def test_a_folder_that_gained_fonts_draws_only_the_new_ones(typeface, small_catalog, counted):
    fonts = fonts_of(small_catalog)
    fe.font_embeddings(typeface, small_catalog, fonts[:2], N)
    counted.clear()
    kept, means = fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert counted == fonts[2:] and kept == fonts
    cold = fe.font_embeddings(typeface, small_catalog, fonts, N, cache=False)
    assert torch.allclose(means, cold[1], atol=1e-6)


def test_the_cache_is_keyed_by_the_checkpoints_bytes_and_the_number_of_specimens(typeface, tmp_path, monkeypatch):
    path = fe.cache_path(typeface, N)
    assert fe.cache_path(typeface, N + 1) != path and fe.cache_path(typeface, N, seed=1) != path
    with monkeypatch.context() as patch:  # renders drawn otherwise (a new sample version): other specimens
        patch.setattr("fontsynth.recipes.SAMPLE_VERSION", -1)
        assert fe.cache_path(typeface, N) != path
    state = torch.load(checkpoint(typeface), weights_only=True)
    next(v for v in state["state_dict"].values() if v.is_floating_point()).add_(1.0)  # other weights, same run folder
    torch.save(state, checkpoint(typeface))
    assert fe.cache_path(Classifier(checkpoint(typeface).parent, device="cpu"), N) != path


def test_fonts_that_draw_no_specimen_are_left_out_and_remembered(typeface, small_catalog, counted):
    from dataclasses import replace

    fonts = fonts_of(small_catalog)
    blank = Catalog(small_catalog.root, [replace(f, charset=[]) if f.id == fonts[0] else f for f in small_catalog.fonts], small_catalog.pack)
    kept, means = fe.font_embeddings(typeface, blank, fonts, N)
    assert kept == fonts[1:] and means.shape[0] == len(fonts) - 1
    assert fe.read_cache(fe.cache_path(typeface, N)).skipped == {fonts[0]}
    counted.clear()
    assert fe.font_embeddings(typeface, blank, fonts, N)[0] == fonts[1:] and counted == []


def test_a_damaged_cache_is_drawn_again_and_rewritten(typeface, small_catalog, counted):
    fonts = fonts_of(small_catalog)
    path = fe.cache_path(typeface, N)
    path.parent.mkdir()
    path.write_bytes(b"not a torch file")
    counted.clear()
    kept, _ = fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert kept == fonts and counted == fonts and set(fe.read_cache(path).means) == set(fonts)


def test_a_run_folder_that_cannot_be_written_goes_without_the_cache(typeface, small_catalog, counted, capfd):
    fonts = fonts_of(small_catalog)
    (checkpoint(typeface).parent / "specimens").write_text("a file where the cache folder would be")
    kept, means = fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert kept == fonts and means.shape[0] == len(fonts)
    assert "note: cannot write" in capfd.readouterr().err
    counted.clear()
    fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert counted == fonts


def test_a_long_first_pass_keeps_what_it_embedded_when_killed(typeface, small_catalog, monkeypatch):
    fonts = fonts_of(small_catalog)
    monkeypatch.setattr(fe, "CHUNK", 1)
    monkeypatch.setattr(fe, "SAVE_EVERY_S", 0.0)
    real = specimen.word_specimens

    def killed_at_the_third(catalog, ids, *args, **kwargs):
        if ids == [fonts[2]]:
            raise KeyboardInterrupt
        return real(catalog, ids, *args, **kwargs)

    monkeypatch.setattr(specimen, "word_specimens", killed_at_the_third)
    with pytest.raises(KeyboardInterrupt):
        fe.font_embeddings(typeface, small_catalog, fonts, N)
    assert set(fe.read_cache(fe.cache_path(typeface, N)).means) == set(fonts[:2])


def test_worker_processes_draw_the_same_specimens_in_the_same_order(small_catalog):
    fonts = fonts_of(small_catalog)
    alone = list(fe.drawn_chunks(small_catalog, fonts, 2, (32, 128), workers=1, chunk=3))
    pooled = list(fe.drawn_chunks(small_catalog, fonts, 2, (32, 128), workers=2, chunk=1))
    assert [ids for ids, _ in alone] == [fonts[:3], fonts[3:]] and [ids for ids, _ in pooled] == [[f] for f in fonts]
    merged = {f: images for _, drawn in pooled for f, images in drawn.items()}
    assert list(merged) == fonts
    for _, drawn in alone:
        for font, images in drawn.items():
            assert all(np.array_equal(a, b) for a, b in zip(images, merged[font], strict=True))


def test_the_specimen_drawing_processes_do_not_import_torch(small_fonts):
    """The workers of font_embeddings run only fontsynth.specimen: torch there cost 500 MB a
    process, which loky took for a memory leak (a worker restarted, with a warning)."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from fontsynth.catalog import Catalog; from fontsynth.specimen import word_specimens; "
            f"c = Catalog.load(Path({str(small_fonts / 'catalog.json')!r})); ids = [f.id for f in c.usable()][:2]; "
            "drawn = word_specimens(c, ids, 2, (32, 128)); assert sum(map(len, drawn.values())) == 4; print('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
