import gzip
import json
import os
import shutil
import stat
import subprocess
import zipfile

import pytest

import fontmaker as fm
from fontsynth.catalog import scan_fonts
from fontsynth.errors import UserError
from fontsynth.fetch import TexliveLicenses, dep5_license, fetch_debian, fetch_pypi, read_package_list

needs_dpkg = pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb not installed")

DEP5 = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: fake

Files: *
Copyright: 2020 Someone
License: OFL-1.1

Files: debian/*
License: GPL-2+
"""


def make_deb(tmp, package, files: dict[str, bytes]):
    """A real .deb holding `files` (paths inside the package tree)."""
    root = tmp / f"build-{package}"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@t>\nDescription: test\n"
    )
    for path, data in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    out = tmp / "repo" / f"{package}_1.0_all.deb"
    out.parent.mkdir(exist_ok=True)
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(out)], check=True, capture_output=True)
    return out


@pytest.fixture
def fake_apt(tmp_path, monkeypatch):
    """An `apt-get` on PATH that 'downloads' from tmp/repo and logs each call."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "apt-get"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> {tmp_path}/apt.log\n'
        'shift\n'
        'for p in "$@"; do\n'
        f'  f=$(ls {tmp_path}/repo/"$p"_*.deb 2>/dev/null) || {{ echo "E: Unable to locate package $p" >&2; exit 100; }}\n'
        '  cp "$f" .\n'
        "done\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "apt.log"


@needs_dpkg
def test_fetch_debian_extracts_fonts_and_licenses_and_resumes(tmp_path, fake_apt):
    vera = fm.BASE.read_bytes()
    make_deb(tmp_path, "fonts-fake", {
        "usr/share/fonts/truetype/fake/Fake.ttf": vera,
        "usr/share/doc/fonts-fake/copyright": DEP5.encode(),
        "usr/share/doc/fonts-fake/README": b"not a font",
    })
    licenses = "Licenses for source package texlive-extra\n\nfakefont: lppl1.3\ntexmf-dist/fonts/opentype/public/fakefont/*\n"
    make_deb(tmp_path, "texlive-fake", {
        "usr/share/texlive/texmf-dist/fonts/opentype/public/fakefont/Karla.otf": fm.OTHER.read_bytes(),
        "usr/share/doc/texlive-fake/Licenses.gz": gzip.compress(licenses.encode()),
    })
    dest = tmp_path / "fonts"
    sources = fetch_debian(["fonts-fake", "texlive-fake"], dest, show_progress=False)
    assert {s.file: s.license for s in sources} == {
        "fonts-fake/truetype/fake/Fake.ttf": "OFL-1.1",
        "texlive-fake/opentype/public/fakefont/Karla.otf": "lppl1.3",
    }
    assert not list(dest.rglob("README"))
    assert (dest / "fonts-fake" / "truetype" / "fake" / "Fake.ttf").read_bytes() == vera
    catalog = scan_fonts(dest, workers=1, show_progress=False)
    assert {f.license for f in catalog.fonts} == {"OFL-1.1", "lppl1.3"}
    calls = fake_apt.read_text().splitlines()
    assert fetch_debian(["fonts-fake", "texlive-fake"], dest, show_progress=False) == sources
    assert fake_apt.read_text().splitlines() == calls  # resumed: nothing downloaded again


@needs_dpkg
def test_fetch_debian_unknown_package_is_a_clear_error(tmp_path, fake_apt):
    with pytest.raises(UserError, match="apt-get download failed .*Unable to locate package nope"):
        fetch_debian(["nope"], tmp_path / "fonts", show_progress=False)


def test_missing_apt_get_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(UserError, match="apt-get. was not found"):
        fetch_debian(["fonts-x"], tmp_path / "fonts", show_progress=False)


def make_wheel(folder, package, license="OFL-1.1"):
    module = package.replace("-", "_")
    path = folder / f"{module}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{module}/metadata.json", json.dumps({"family": "Vera", "license": license}))
        zf.writestr(f"{module}/LICENSE", "license text")
        zf.writestr(f"{module}/files/Vera-Regular.ttf", fm.BASE.read_bytes())
        zf.writestr(f"{module}/__init__.py", "")
    return path


def test_fetch_pypi_unpacks_wheels_with_their_license(tmp_path):
    dest = tmp_path / "fonts"
    (dest / ".wheels").mkdir(parents=True)
    make_wheel(dest / ".wheels", "fontpkg-vera")  # already downloaded: pip is not called
    sources = fetch_pypi(["fontpkg-vera"], dest, show_progress=False)
    assert [(s.file, s.license, s.license_file) for s in sources] == [("fontpkg-vera/Vera-Regular.ttf", "OFL-1.1", "fontpkg-vera/LICENSE")]
    assert json.loads((dest / "sources.json").read_text())["fonts"][0]["package"] == "fontpkg-vera"
    assert (dest / "fontpkg-vera" / "Vera-Regular.ttf").read_bytes() == fm.BASE.read_bytes()


def test_license_parsers():
    assert dep5_license(DEP5) == "OFL-1.1"
    assert dep5_license("This font is under the SIL Open Font License, and the GNU General Public License") == "OFL-1.1 (from text)"
    assert dep5_license("no license named here") == ""
    tl = TexliveLicenses("x: gpl\ntexmf-dist/fonts/type1/public/x/*\ny: ofl\ntexmf-dist/fonts/opentype/y/*\n")
    assert tl.lookup("usr/share/texlive/texmf-dist/fonts/type1/public/x/a.pfb") == "gpl"
    assert tl.lookup("usr/share/texlive/texmf-dist/fonts/opentype/y/sub/b.otf") == "ofl"
    assert tl.lookup("usr/share/texlive/texmf-dist/fonts/other/c.otf") == ""


def test_package_lists_ship_with_the_package(tmp_path):
    assert len(read_package_list(None, "debian")) == 443
    assert all(n.startswith("fontpkg-") for n in read_package_list(None, "pypi"))
    (tmp_path / "l.txt").write_text("# comment\nfonts-a\n\nfonts-b  # why\n")
    assert read_package_list(tmp_path / "l.txt", "debian") == ["fonts-a", "fonts-b"]
    (tmp_path / "e.txt").write_text("# nothing\n")
    with pytest.raises(UserError, match="names no package"):
        read_package_list(tmp_path / "e.txt", "debian")
