import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fontmaker import FONTS  # noqa: E402

from fontsynth.catalog import Catalog, scan_fonts  # noqa: E402

SMALL_SET = ["Vera.ttf", "Karla-Regular.otf", "RobotoSlab-Regular.otf", "DancingScript-Regular.otf"]


@pytest.fixture
def stand_in_tesseract(tmp_path, monkeypatch) -> Path:
    """A `tesseract` first on PATH that has the language data eng, heb and osd, "reads" every
    image as the `-l` value it was given and logs its arguments, one call a line, to the file
    returned: the judge's plumbing tested whether or not Tesseract is installed."""
    folder = tmp_path / "stand-in-bin"
    folder.mkdir()
    log = tmp_path / "tesseract-calls.txt"
    fake = folder / "tesseract"
    fake.write_text('#!/bin/sh\n'
                    'if [ "$1" = "--list-langs" ]; then printf \'List of available languages in "/x/" (3):\\neng\\nheb\\nosd\\n\'; exit 0; fi\n'
                    'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0 (stand-in)"; exit 0; fi\n'
                    f'echo "$@" >> "{log}"\n'
                    'echo "$6"\n')  # IMAGE stdout --psm 7 -l LANG
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.fixture(scope="session")
def small_fonts(tmp_path_factory) -> Path:
    """Four embedded fonts (TrueType and CFF, sans, serif and script) with their catalog."""
    folder = tmp_path_factory.mktemp("fonts")
    for name in SMALL_SET:
        shutil.copyfile(FONTS / name, folder / name)
    shutil.copyfile(FONTS / "sources.json", folder / "sources.json")
    scan_fonts(folder, workers=1, show_progress=False).save(folder / "catalog.json")
    return folder


@pytest.fixture(scope="session")
def brush_pairs(small_fonts, tmp_path_factory) -> Path:
    """Pairs of the small fonts at 32x128, as brush trains and evaluates on: train (48) and test (12, seed 1)."""
    from fontsynth.pipeline import RenderJob, render_dataset

    root = tmp_path_factory.mktemp("pairs")
    for name, seed, n in (("train", 0, 48), ("test", 1, 12)):
        render_dataset(RenderJob(fonts=small_fonts, out=root / name, n=n, seed=seed, recipe="pairs", size="32x128", workers=1, show_progress=False))
    return root


@pytest.fixture(scope="session")
def small_catalog(small_fonts) -> Catalog:
    return Catalog.load(small_fonts / "catalog.json")


@pytest.fixture(scope="session")
def pairs_typeface(brush_pairs, tmp_path_factory) -> Path:
    """A typeface classifier run (3 steps of `smoke`) on the train pairs' style images: the fonts of SMALL_SET."""
    from typer.testing import CliRunner

    from fontsynth.cli import app

    out = tmp_path_factory.mktemp("pairs-typeface") / "typeface"
    args = ["train-classifier", "--data", brush_pairs / "train", "--out", out, "--steps", "3", "--preset", "smoke", "--workers", "0",
            "--no-progress", "--device", "cpu"]
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return out


def specimen_means_by_hand(classifier, catalog: Catalog, fonts: list[str], n: int):
    """(specimens by font, each font's mean unit embedding of them, normalised, a row a font):
    what `classifier.font_embeddings` must give, computed the plain way."""
    import torch

    from fontsynth import specimen

    unit = lambda x: x / x.norm(dim=-1, keepdim=True)  # noqa: E731
    drawn = specimen.word_specimens(catalog, fonts, n, tuple(classifier.canvas))
    return drawn, unit(torch.stack([unit(classifier.embed(drawn[f])).mean(0) for f in fonts]))
