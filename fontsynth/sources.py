"""Where each font came from and under which license: `sources.json` beside the fonts.

A font folder may carry `sources.json`, `{"fonts": [{"file": ..., "package": ...,
"license": ..., "license_file": ...}, ...]}` with paths relative to the folder. The catalog
copies these fields into each font's entry; fetchers write it; `ATTRIBUTION.md` is made from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

SOURCES_FILE = "sources.json"


@dataclass(frozen=True)
class FontSource:
    file: str
    package: str = ""
    license: str = ""
    license_file: str = ""
    family: str = ""
    style: str = ""


def read_sources(folder: Path) -> dict[str, FontSource]:
    path = folder / SOURCES_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {entry["file"]: FontSource(**entry) for entry in data["fonts"]}


def write_sources(folder: Path, sources: list[FontSource]) -> None:
    rows = [asdict(s) for s in sorted(sources, key=lambda s: s.file)]
    (folder / SOURCES_FILE).write_text(json.dumps({"fonts": rows}, indent=1) + "\n", encoding="utf-8")


def attribution_markdown(sources: list[FontSource]) -> str:
    lines = [
        "# Font attribution",
        "",
        "| font | family | style | license | source | license text |",
        "|---|---|---|---|---|---|",
    ]
    for s in sorted(sources, key=lambda s: (s.family, s.style, s.file)):
        lines.append(
            f"| {s.file} | {s.family} | {s.style} | {s.license} | {s.package} | {s.license_file} |"
        )
    return "\n".join(lines) + "\n"


def write_attribution(folder: Path, sources: list[FontSource]) -> None:
    text = "Fonts taken unmodified from their Debian packages; each license text is in the file named.\n\n"
    (folder / "ATTRIBUTION.md").write_text(
        attribution_markdown(sources).replace("\n\n", "\n\n" + text, 1), encoding="utf-8"
    )


def entry_source(entry) -> FontSource:
    """The attribution fields of a catalog entry."""
    return FontSource(file=entry.path, package=entry.package, license=entry.license or "unknown",
                      license_file=entry.license_file, family=entry.family, style=entry.style)
