"""Getting font files out of Debian packages without installing them.

`apt-get download` fetches a package's .deb into a folder (no root-owned change, no
dependencies); `dpkg-deb --fsys-tarfile` streams its file tree, from which we keep only font
files and license texts. Used by `scripts/fetch_default_fonts.py` (the embedded set) and by the
larger font fetch.
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from fontsynth.errors import UserError

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".pfb")
LICENSE_NAMES = ("copyright", "Licenses.gz")


@dataclass
class ExtractedPackage:
    """The font and license files taken out of one .deb."""

    package: str
    folder: Path
    fonts: list[Path] = field(default_factory=list)
    licenses: list[Path] = field(default_factory=list)


def require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UserError(f"`{name}` was not found on PATH: {why}")
    return path


def package_name(deb: Path) -> str:
    """`fonts-karla_20201218-1_all.deb` -> `fonts-karla`."""
    return deb.name.split("_", 1)[0]


def apt_download(packages: list[str], dest: Path) -> list[Path]:
    """Download the .deb files of `packages` into `dest`, skipping those already there."""
    require_tool("apt-get", "downloading Debian packages needs a Debian or Ubuntu machine")
    dest.mkdir(parents=True, exist_ok=True)
    have = {package_name(p): p for p in dest.glob("*.deb")}
    missing = [p for p in packages if p not in have]
    if missing:
        proc = subprocess.run(
            ["apt-get", "download", *missing], cwd=dest, capture_output=True, text=True
        )
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise UserError(
                f"apt-get download failed ({last}); run `apt-get update` once, "
                "and check that the package names exist"
            )
        have = {package_name(p): p for p in dest.glob("*.deb")}
    return [have[p] for p in packages if p in have]


def extract_deb(deb: Path, dest: Path) -> ExtractedPackage:
    """Keep only font files and license texts of `deb`, flattened into `dest/<package>/`."""
    require_tool("dpkg-deb", "reading .deb files needs dpkg")
    package = package_name(deb)
    out = ExtractedPackage(package=package, folder=dest / package)
    out.folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
        for member in tar:
            if not member.isfile():
                continue
            name = Path(member.name).name
            if name.lower().endswith(FONT_SUFFIXES):
                target, bucket = out.folder / name, out.fonts
            elif name in LICENSE_NAMES:
                target, bucket = out.folder / name, out.licenses
            else:
                continue
            source = tar.extractfile(member)
            assert source is not None
            target.write_bytes(source.read())
            bucket.append(target)
    if proc.wait() != 0:
        raise UserError(f"dpkg-deb could not read {deb}: the file may be truncated; delete it and fetch again")
    return out
