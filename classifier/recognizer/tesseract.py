"""Tesseract 5 as an independent judge of text in images (`brush eval`, scripts/eval_tesseract.py).

It reads each image as one text line (`--psm 7`, English). Nothing here is required: callers
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


def read_png(data: bytes, psm: int = 7) -> str:
    """The text Tesseract reads in one encoded image (PNG or JPEG bytes)."""
    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["tesseract", f.name, "stdout", "--psm", str(psm), "-l", "eng"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def read_images(images: list[np.ndarray], workers: int = 2, psm: int = 7) -> list[str]:
    """The text of each uint8 image (grey or RGB), `workers` Tesseract processes at a time."""
    import cv2

    def one(image: np.ndarray) -> str:
        rgb = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
        ok, data = cv2.imencode(".png", rgb)
        return read_png(data.tobytes(), psm)

    with ThreadPoolExecutor(max(1, workers)) as pool:
        return list(pool.map(one, images))
