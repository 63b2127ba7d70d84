import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fontmaker import FONTS  # noqa: E402

from fontsynth.catalog import Catalog, scan_fonts  # noqa: E402

SMALL_SET = ["Vera.ttf", "Karla-Regular.otf", "RobotoSlab-Regular.otf", "DancingScript-Regular.otf"]


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
def small_catalog(small_fonts) -> Catalog:
    return Catalog.load(small_fonts / "catalog.json")
