"""Build fontsynth/data/glyph_templates.npy: the mean glyph cell of [A-Za-z0-9] over fonts/.

    python scripts/make_glyph_templates.py

The font catalog's Latin test compares each glyph of a font with these templates.
"""

from pathlib import Path

import numpy as np
from PIL import ImageFont

from fontsynth.fontcheck import GLYPH_PX, REQUIRED, glyph_cell

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    stacks = []
    for path in sorted((ROOT / "fonts").glob("*.[ot]tf")):
        font = ImageFont.truetype(str(path), GLYPH_PX, layout_engine=ImageFont.Layout.BASIC)
        stacks.append(np.stack([glyph_cell(font, c) for c in REQUIRED]))
    templates = np.mean(stacks, axis=0).astype(np.float32)
    np.save(ROOT / "fontsynth" / "data" / "glyph_templates.npy", templates)
    print(f"templates from {len(stacks)} fonts: {templates.shape}")


if __name__ == "__main__":
    main()
