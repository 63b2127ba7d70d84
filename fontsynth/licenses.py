"""Classes of font licenses, for deciding which fonts a published dataset may use.

A license string from the catalog ("OFL-1.1", "ofl lppl", "GPL-3+FontException or OFL-1.1",
"GPL-2+FE", "CC-BY-SA-4.0-Int", "OFL-1.1 (from text)") is split into alternatives; the font may
be used under the most permissive of them.

- permissive: OFL, Apache, MIT, BSD, Bitstream, public domain, GUST (GFL), LPPL, Ubuntu font
  license, CC0/CC-BY, and GPL with the font exception (output documents are not derived works)
- share-alike: GPL/LGPL/AGPL without the font exception, CC-BY-SA
- restricted: non-commercial or non-free terms
- unknown: anything else, including "other-free" and no license found
"""

from __future__ import annotations

import re

CLASSES = ("permissive", "share-alike", "restricted", "unknown")
RANK = {c: i for i, c in enumerate(CLASSES)}
POLICIES = {
    "strict": {"permissive"},  # redistribution of derived data with no conditions beyond attribution
    "open": {"permissive", "share-alike", "unknown"},  # everything but non-free terms
    "none": set(CLASSES),
}
_PERMISSIVE = ("ofl", "sil", "apache", "mit", "bsd", "x11", "bitstream", "public", "pd", "gfl", "gust", "lppl", "ufl", "cc0", "expat", "zlib", "arphic")


def classify_one(token: str) -> str:
    t = token.strip().lower().replace(" (from text)", "")
    if not t:
        return "unknown"
    if "exception" in t or re.search(r"(\+|-)fe\b", t) or t.endswith("+fe"):
        return "permissive"
    if "-nc" in t or "noncommercial" in t or "non-free" in t or "nonfree" in t or "restricted" in t:
        return "restricted"
    if t.startswith("cc-by-sa") or "gpl" in t:
        return "share-alike"
    if t.startswith(("cc-by", "cc0")) or t.startswith(_PERMISSIVE):
        return "permissive"
    return "unknown"


def classify(license_text: str) -> str:
    """The most permissive class among the alternatives of `license_text`."""
    parts = [p for p in re.split(r"\s+or\s+|\s*/\s*|\s+|,", license_text.replace(" (from text)", "")) if p and p.lower() != "and"]
    return min((classify_one(p) for p in parts), key=RANK.__getitem__) if parts else "unknown"

