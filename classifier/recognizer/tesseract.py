"""Tesseract 5 as an independent judge of text in images (`brush eval`, scripts/eval_tesseract.py).

It reads each image as one text line (`--psm 7`, English unless told another of the language
data installed, e.g. `ara` from Debian's tesseract-ocr-ara). Nothing here is required: callers
check `available()` and report a note when Tesseract is not installed."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np


def available() -> bool:
    return shutil.which("tesseract") is not None


def version() -> str:
    out = subprocess.run(["tesseract", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "tesseract"


def languages() -> list[str]:
    """The language data this Tesseract has (`tesseract --list-langs`, after its heading line)."""
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False)
    return [line.strip() for line in (out.stdout or out.stderr).splitlines()[1:] if line.strip()]


def missing_languages(lang: str, installed: list[str]) -> list[str]:
    """The parts of a `-l` value (`ara`, `heb+eng`) that are not in `installed`: Tesseract
    run without them prints an error and reads nothing, which would count as every image wrong."""
    return [part for part in lang.split("+") if part not in installed]


def language_problem(lang: str, option: str = "--lang") -> str | None:
    """Why Tesseract cannot read with `lang` here (the sentence of an `error:` line), or None."""
    if not available():
        return "Tesseract is not installed; install it (Debian: apt-get install tesseract-ocr)"
    installed = languages()
    missing = missing_languages(lang, installed)
    if not missing:
        return None
    packages = " ".join("tesseract-ocr-" + m.lower().replace("_", "-") for m in missing)
    return (f"Tesseract has no language data for {'+'.join(missing)} (it has {', '.join(installed) or 'none'}); "
            f"install it (Debian: apt-get install {packages}) or pass another {option}")


def read_png(data: bytes, psm: int = 7, lang: str = "eng") -> str:
    """The text Tesseract reads in one encoded image (PNG or JPEG bytes) with the language data
    `lang` (Tesseract's `-l`: `eng`, `ara`, `heb+eng`, ...)."""
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["tesseract", f.name, "stdout", "--psm", str(psm), "-l", lang], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def read_images(images: list[np.ndarray], workers: int = 2, psm: int = 7, lang: str = "eng") -> list[str]:
    """The text of each uint8 image (grey or RGB), `workers` Tesseract processes at a time."""
    import cv2

    def one(image: np.ndarray) -> str:
        rgb = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, data = cv2.imencode(".png", rgb)
        return read_png(data.tobytes(), psm, lang)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(one, images))
