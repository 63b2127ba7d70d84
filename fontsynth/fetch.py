"""Fonts from the package registries, with their licenses, without installing anything.

Debian: `apt-get download` fetches .deb files (no root-owned change, no dependencies) and
`dpkg-deb --fsys-tarfile` streams their file tree, of which only font files and license
texts are kept. PyPI: the `fontpkg-*` wheels (one Google Fonts family each), downloaded with
pip and unzipped. Both are resumable: a package whose folder holds the marker file is done.
Each font's license comes from its package (Debian copyright, texlive's Licenses.gz, the
wheel's metadata) and lands in `sources.json`, which the catalog reads.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath

from fontsynth.errors import UserError, refuse_file
from fontsynth.fileio import atomic_write_json
from fontsynth.fonts import FONT_SUFFIXES
from fontsynth.progress import progress_bar
from fontsynth.sources import FontSource, write_sources

LICENSE_NAMES = ("copyright", "Licenses.gz")
MARKER = ".fontsynth-package.json"
# Leading parts of paths inside .deb files that say nothing about the font.
PATH_PREFIXES = ("usr/share/fonts/", "usr/share/texlive/texmf-dist/fonts/", "usr/share/texmf/fonts/", "usr/share/")
PACKAGE_LISTS = {"debian": "data/debian-packages.txt", "pypi": "data/pypi-packages.txt"}


@dataclass
class ExtractedPackage:
    """The font and license files taken out of one .deb."""

    package: str
    folder: Path
    fonts: list[Path] = field(default_factory=list)
    licenses: list[Path] = field(default_factory=list)
    origins: dict[Path, str] = field(default_factory=dict)  # extracted font -> path inside the .deb


def require_tool(name: str, why: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise UserError(f"`{name}` was not found on PATH: {why}")
    return path


def read_package_list(path: Path | None, source: str) -> list[str]:
    """Package names, one per line (# comments allowed); the shipped list of `source` by default."""
    if path is None:
        text = resources.files("fontsynth").joinpath(PACKAGE_LISTS[source]).read_text(encoding="utf-8")
    else:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"cannot read package list {path} ({e.strerror})") from e
    names = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    names = [n for n in names if n]
    if not names:
        raise UserError(f"package list {path or PACKAGE_LISTS[source]} names no package")
    return names


def package_name(deb: Path) -> str:
    """`fonts-karla_20201218-1_all.deb` -> `fonts-karla`."""
    return deb.name.split("_", 1)[0]


def apt_download(packages: list[str], dest: Path) -> list[Path]:
    """Download the .deb files of `packages` into `dest`, skipping those already there."""
    require_tool("apt-get", "--source debian needs a Debian or Ubuntu machine (or use --source pypi)")
    dest.mkdir(parents=True, exist_ok=True)
    have = {package_name(p): p for p in dest.glob("*.deb")}
    missing = [p for p in packages if p not in have]
    if missing:
        proc = subprocess.run(["apt-get", "download", *missing], cwd=dest, capture_output=True, text=True)
        if proc.returncode != 0:
            errors = [line for line in proc.stderr.splitlines() if line.startswith("E:")] or proc.stderr.strip().splitlines() or ["no output"]
            raise UserError(
                f"apt-get download failed ({errors[-1]}); run `apt-get update` once, check the network "
                "reaches the Debian mirror and that the package names exist"
            )
        have = {package_name(p): p for p in dest.glob("*.deb")}
    return [have[p] for p in packages if p in have]


def _short_path(member: str) -> str:
    path = member.lstrip("./")
    for prefix in PATH_PREFIXES:
        if path.startswith(prefix):
            return path[len(prefix):]
    return path


def extract_deb(deb: Path, dest: Path) -> ExtractedPackage:
    """Keep only font files and license texts of `deb`, under `dest/<package>/`."""
    require_tool("dpkg-deb", "reading .deb files needs dpkg")
    package = package_name(deb)
    out = ExtractedPackage(package=package, folder=dest / package)
    out.folder.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(deb)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for member in tar:
                name = PurePosixPath(member.name).name
                if not member.isfile():
                    continue
                if name.lower().endswith(FONT_SUFFIXES):
                    target, bucket = out.folder / _short_path(member.name), out.fonts
                elif name in LICENSE_NAMES:
                    target, bucket = out.folder / name, out.licenses
                else:
                    continue
                source = tar.extractfile(member)
                assert source is not None
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(source.read())
                bucket.append(target)
                if bucket is out.fonts:
                    out.origins[target] = member.name.lstrip("./")
    except tarfile.TarError as e:
        raise UserError(f"cannot read {deb} ({e}); delete it and fetch again") from e
    if proc.wait() != 0:
        raise UserError(f"dpkg-deb could not read {deb}: the file may be truncated; delete it and fetch again")
    return out


# Well-known license names, looked for in copyright files that are not machine-readable.
LICENSE_NAMES_IN_TEXT = [
    ("SIL Open Font License", "OFL-1.1"),
    ("GUST Font License", "GFL"),
    ("LaTeX Project Public License", "LPPL"),
    ("Apache License", "Apache-2.0"),
    ("GNU Affero General Public License", "AGPL-3"),
    ("GNU General Public License", "GPL"),
    ("Bitstream Vera", "Bitstream"),
    ("public domain", "public-domain"),
]


def text_license(copyright_text: str) -> str:
    """The first well-known license named in free text, marked as inferred, or ""."""
    lowered = copyright_text.lower()
    hits = [(lowered.find(phrase.lower()), name) for phrase, name in LICENSE_NAMES_IN_TEXT if phrase.lower() in lowered]
    return f"{min(hits)[1]} (from text)" if hits else ""


def dep5_license(copyright_text: str) -> str:
    """The license of the `Files: *` stanza of a machine-readable Debian copyright file;
    for other copyright files, the first well-known license their text names."""
    stanzas = re.split(r"\n\s*\n", copyright_text)
    licenses = []
    for stanza in stanzas:
        files = re.search(r"^Files:[ \t]*(\S.*)$", stanza, re.M)
        lic = re.search(r"^License:[ \t]*(\S.*)$", stanza, re.M)
        if lic:
            licenses.append((files.group(1).split() if files else [], lic.group(1).strip()))
    for files, lic in licenses:
        if "*" in files:
            return lic
    return licenses[0][1] if licenses else text_license(copyright_text)


class TexliveLicenses:
    """texlive's Licenses.gz: stanzas `name: license` followed by path globs under texmf-dist/."""

    def __init__(self, text: str):
        self.by_dir: dict[str, str] = {}
        current = ""
        for line in text.splitlines():
            if not line.strip():
                continue
            if not line.startswith("texmf-dist/"):
                current = line.split(":", 1)[1].strip() if ":" in line else ""
            elif current:
                self.by_dir[line.rstrip("*").rstrip("/")] = current

    def lookup(self, member: str) -> str:
        """License of a file at `member` (path inside the .deb), or ""."""
        path = PurePosixPath(member.split("texlive/", 1)[-1])
        for parent in path.parents:
            if str(parent) in self.by_dir:
                return self.by_dir[str(parent)]
        return ""


def package_sources(extracted: ExtractedPackage, root: Path) -> list[FontSource]:
    """A FontSource per font of a Debian package, its license from Licenses.gz or copyright."""
    copyright_file = extracted.folder / "copyright"
    default = dep5_license(copyright_file.read_text(encoding="utf-8", errors="replace")) if copyright_file.exists() else ""
    licenses_gz = extracted.folder / "Licenses.gz"
    texlive = TexliveLicenses(gzip.decompress(licenses_gz.read_bytes()).decode("utf-8", "replace")) if licenses_gz.exists() else None
    license_file = (licenses_gz if texlive else copyright_file).relative_to(root).as_posix() if (texlive or copyright_file.exists()) else ""
    out = []
    for font in extracted.fonts:
        lic = (texlive.lookup(extracted.origins[font]) if texlive else "") or default
        out.append(FontSource(file=font.relative_to(root).as_posix(), package=extracted.package, license=lic, license_file=license_file))
    return out


def _done(folder: Path) -> list[FontSource] | None:
    marker = folder / MARKER
    if not marker.exists():
        return None
    return [FontSource(**s) for s in json.loads(marker.read_text(encoding="utf-8"))["fonts"]]


def _mark_done(folder: Path, sources: list[FontSource]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_json(folder / MARKER, {"fonts": [asdict(s) for s in sources]})


@dataclass(frozen=True)
class PackageSource:
    """One registry: how to download archives of packages, and how to extract one."""

    label: str
    download: Callable[[list[str], Path], dict[str, Path]]  # (names, dest) -> archive per name
    extract: Callable[[str, Path, Path], list[FontSource]]  # (name, archive, dest) -> its fonts


def fetch_packages(source: PackageSource, packages: list[str], dest: Path, show_progress: bool = True, batch: int = 25) -> list[FontSource]:
    """Download and extract `packages` into `dest` in batches; a package whose folder holds the
    marker is skipped, so a rerun resumes; writes dest/sources.json."""
    dest = Path(dest)
    sources: list[FontSource] = []
    with progress_bar(f"fetching {source.label}", len(packages), "pkg", show_progress) as advance:
        for start in range(0, len(packages), batch):
            names = packages[start : start + batch]
            todo = [n for n in names if _done(dest / n) is None]
            archives = source.download(todo, dest) if todo else {}
            for name in names:
                done = _done(dest / name)
                if done is None:
                    if name not in archives:
                        raise UserError(f"package {name} was not downloaded; check its name in the package list")
                    done = source.extract(name, archives[name], dest)
                    _mark_done(dest / name, done)
                sources.extend(done)
                advance(1)
    write_sources(dest, sources)
    return sources


def _debian_download(names: list[str], dest: Path) -> dict[str, Path]:
    return {package_name(d): d for d in apt_download(names, dest / ".debs")}


def _debian_extract(name: str, deb: Path, dest: Path) -> list[FontSource]:
    return package_sources(extract_deb(deb, dest), dest)


DEBIAN = PackageSource("packages", _debian_download, _debian_extract)


def fetch_debian(packages: list[str], dest: Path, show_progress: bool = True) -> list[FontSource]:
    """Debian packages: apt-get download + dpkg-deb, into `dest`; resumable."""
    return fetch_packages(DEBIAN, packages, dest, show_progress)


def _wheel_name(package: str) -> str:
    return re.sub(r"[-_.]+", "_", package).lower()


def pip_download(packages: list[str], dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", str(dest), *packages],
        capture_output=True, text=True,
    )
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if "ERROR" in line] or ["no output"]
        raise UserError(f"pip download failed ({errors[0].strip()}); check that PyPI is reachable and the package names exist")


def extract_wheel(wheel: Path, package: str, dest: Path) -> list[FontSource]:
    """The fonts of a fontpkg wheel into dest/<package>/, with the license from its metadata."""
    folder = dest / package
    folder.mkdir(parents=True, exist_ok=True)
    module = _wheel_name(package)
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        try:
            meta = json.loads(zf.read(f"{module}/metadata.json"))
        except KeyError:
            meta = {}
        license_file = ""
        if f"{module}/LICENSE" in names:
            (folder / "LICENSE").write_bytes(zf.read(f"{module}/LICENSE"))
            license_file = f"{package}/LICENSE"
        out = []
        for name in names:
            if name.lower().endswith(FONT_SUFFIXES) and name.startswith(f"{module}/"):
                target = folder / PurePosixPath(name).name
                target.write_bytes(zf.read(name))
                out.append(FontSource(file=f"{package}/{target.name}", package=package, license=str(meta.get("license", "")),
                                      license_file=license_file, family=str(meta.get("family", ""))))
    return out


def _wheels(name: str, dest: Path) -> list[Path]:
    return sorted((dest / ".wheels").glob(f"{_wheel_name(name)}-*.whl"))


def _pypi_download(names: list[str], dest: Path) -> dict[str, Path]:
    missing = [n for n in names if not _wheels(n, dest)]
    if missing:
        pip_download(missing, dest / ".wheels")
    return {n: _wheels(n, dest)[-1] for n in names if _wheels(n, dest)}


PYPI = PackageSource("wheels", _pypi_download, lambda name, wheel, dest: extract_wheel(wheel, name, dest))


def fetch_pypi(packages: list[str], dest: Path, show_progress: bool = True) -> list[FontSource]:
    """fontpkg-* wheels: pip download + unzip, into `dest`; resumable."""
    return fetch_packages(PYPI, packages, dest, show_progress)


FETCHERS = {"debian": fetch_debian, "pypi": fetch_pypi}


def fetch_fonts(source: str, dest: Path, packages_file: Path | None = None, show_progress: bool = True) -> list[FontSource]:
    if source not in FETCHERS:
        raise UserError(f"unknown font source {source!r}; choose one of: {', '.join(FETCHERS)}")
    refuse_file(dest, "--dest")
    return FETCHERS[source](read_package_list(packages_file, source), Path(dest), show_progress)
