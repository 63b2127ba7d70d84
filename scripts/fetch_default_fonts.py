"""Rebuild fonts/ (the embedded default fonts) from their Debian packages.

    python scripts/fetch_default_fonts.py            # reads scripts/default-set.json

Needs apt-get (after `apt-get update`) and dpkg-deb; installs nothing. Writes every font
file, each package's copyright file under fonts/licenses/, fonts/sources.json (file ->
package, family, style, license) which the font catalog reads, and fonts/ATTRIBUTION.md.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from fontsynth.fetch import apt_download, extract_deb
from fontsynth.sources import FontSource, write_attribution, write_sources

ROOT = Path(__file__).resolve().parent.parent


def main(listing: Path = ROOT / "scripts" / "default-set.json", dest: Path = ROOT / "fonts") -> None:
    wanted = json.loads(listing.read_text())
    packages = sorted({w["debian_package"] for w in wanted})
    (dest / "licenses").mkdir(parents=True, exist_ok=True)
    sources = []
    with tempfile.TemporaryDirectory() as tmp:
        debs = apt_download(packages, Path(tmp) / "debs")
        extracted = {e.package: e for e in (extract_deb(d, Path(tmp) / "x") for d in debs)}
        for w in wanted:
            package = extracted.get(w["debian_package"])
            if package is None:
                sys.exit(f"package {w['debian_package']} was not downloaded")
            # The listing names files without spaces ("Courier Prime Code.otf" -> "CourierPrimeCode.otf").
            matches = [f for f in package.fonts if f.name.replace(" ", "") == w["file"]]
            if len(matches) != 1 or matches[0].stat().st_size != w["bytes"]:
                sys.exit(f"{w['file']} ({w['bytes']} bytes) is not in package {package.package}")
            font = matches[0]
            shutil.copyfile(font, dest / w["file"])
            license_file = f"licenses/{package.package}.txt"
            shutil.copyfile(package.folder / "copyright", dest / license_file)
            sources.append(
                FontSource(
                    file=w["file"],
                    family=w["family"],
                    style=w["style"],
                    package=package.package,
                    license=w["license_class"],
                    license_file=license_file,
                )
            )
    write_sources(dest, sources)
    write_attribution(dest, sources)
    print(f"{len(sources)} fonts from {len(packages)} packages written to {dest}")


if __name__ == "__main__":
    main()
