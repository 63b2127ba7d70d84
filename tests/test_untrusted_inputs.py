"""Untrusted inputs other than fonts: corpus files, background images, huge style settings, a shard
whose sample count lies. Each gives one `error:` line or a rejected item with its reason."""

import hashlib
import io
import json
import shutil
import random
import struct
import tracemalloc
import zlib

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from fontmaker import FONTS
from fontsynth.cli import app
from fontsynth.corpus import _raw_lines, read_corpus_file
from fontsynth.errors import UserError

runner = CliRunner()


def test_the_streaming_line_splitter_equals_bytes_splitlines():
    rng = random.Random(0)
    for _ in range(2000):
        data = bytes(rng.choice(b"ab\r\n") for _ in range(rng.randint(0, 40)))
        limit = rng.randint(1, 6)
        want = [(k + 1, line if len(line) <= limit else None) for k, line in enumerate(data.splitlines())]
        assert list(_raw_lines(io.BytesIO(data), limit, block=rng.randint(1, 7))) == want, data


def test_a_huge_line_is_one_bad_line_and_costs_no_memory(tmp_path):
    path = tmp_path / "corpus.txt"
    with open(path, "wb") as f:
        f.write(b"hello\n")
        for _ in range(20):  # a 20 MB line
            f.write(b"x" * (1 << 20))
        f.write(b"\nworld\r\nbad\xff\n")
    tracemalloc.start()
    corpus, bad = read_corpus_file(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert corpus.lines == ["hello", "world"]
    assert [(b.line, b.reason) for b in bad] == [(2, "longer than 25 characters"), (4, "not valid UTF-8")]
    assert corpus.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert peak < 2 << 20  # the line was never held whole


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (a decompression bomb's header) with one tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))


def write_backgrounds(folder, good: bool = True):
    folder.mkdir()
    rng = np.random.default_rng(0)
    texture = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    if good:
        Image.fromarray(texture).save(folder / "good.png")
    buffer = io.BytesIO()
    Image.fromarray(texture).save(buffer, format="PNG")
    (folder / "truncated.png").write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 3])
    (folder / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    (folder / "text.jpg").write_bytes(b"this is not a JPEG")


def test_bad_background_images_are_skipped_with_their_reasons(tmp_path):
    import os

    write_backgrounds(tmp_path / "bg")
    shutil.copy(tmp_path / "bg" / "good.png", tmp_path / "bg" / os.fsdecode(b"b\xe9.png"))  # a name the manifest (JSON) cannot hold
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"background": {"texture": 1.0}}))
    out = tmp_path / "out"
    result = runner.invoke(app, ["render", "--fonts", str(FONTS), "--n", "8", "--workers", "1", "--out", str(out), "--backgrounds", str(tmp_path / "bg"),
                                 "--config", str(config), "--no-progress"])
    assert result.exit_code == 0, result.output
    for name, reason in (("truncated.png", "cannot be decoded"), ("bomb.png", "decompression bomb"), ("text.jpg", "not an image"),
                         ("b\\xe9.png", "its name is not valid UTF-8")):
        assert f"background {name} skipped" in result.output and reason in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["backgrounds"]["files"] == ["good.png"]


@pytest.mark.parametrize("background, message", [
    ({"texture": 1.0}, "draws only textures, but no --backgrounds folder"),
    ({"flat": 0, "noise": 0}, "gives no kind a positive weight"),
    ({"photo": 1.0}, "has no kind 'photo'"),
])
def test_backgrounds_that_cannot_be_drawn_are_one_error_line(tmp_path, background, message):
    """Textures only without a folder of them used to fail every sample in a worker with an
    IndexError traceback; no kind with a weight, or an unknown kind, likewise."""
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"background": background}))
    result = runner.invoke(app, ["render", "--fonts", str(FONTS), "--n", "4", "--out", str(tmp_path / "out"), "--config", str(config)])
    assert result.exit_code == 2 and result.output.startswith("error: style setting 'background'") and message in result.output
    assert result.output.count("\n") == 1 and not (tmp_path / "out").exists()


def test_paths_that_are_not_utf8_are_refused_up_front_naming_the_option(tmp_path):
    """A fonts folder or an --out whose path is not UTF-8 rendered everything, then stopped with
    a UnicodeEncodeError writing the manifest (JSON), leaving a dataset without one."""
    import os

    odd = tmp_path / os.fsdecode(b"f\xe9")
    shutil.copytree(FONTS, odd)
    for args, option, shown in ((["--fonts", str(odd), "--out", str(tmp_path / "a")], "--fonts", "f\\xe9"),
                                (["--fonts", str(FONTS), "--out", str(tmp_path / os.fsdecode(b"o\xe9"))], "--out", "o\\xe9")):
        result = runner.invoke(app, ["render", "--n", "8", "--no-progress", *args])
        assert result.exit_code == 2 and result.output.startswith(f"error: {option} ") and shown in result.output
        assert "not valid UTF-8" in result.output and result.output.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [os.fsdecode(b"f\xe9")]


def test_many_backgrounds_are_checked_in_workers_with_the_same_verdicts(tmp_path):
    from fontsynth.effects.background import check_textures, list_textures

    folder = tmp_path / "bg"
    write_backgrounds(folder)
    for i in range(70):  # enough to be checked in processes
        shutil.copy(folder / ("good.png" if i % 3 else "truncated.png"), folder / f"copy-{i:02d}.png")
    names = list_textures(folder)
    one = check_textures(folder, names, workers=1)
    assert check_textures(folder, names, workers=2) == one
    assert len(one[0]) == 47 and len(one[1]) == len(names) - 47


def test_only_bad_background_images_is_one_error_line(tmp_path):
    write_backgrounds(tmp_path / "bg", good=False)
    result = runner.invoke(app, ["render", "--fonts", str(FONTS), "--n", "4", "--out", str(tmp_path / "out"), "--backgrounds", str(tmp_path / "bg")])
    assert result.exit_code == 2 and result.output.startswith("error: no usable background image")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("setting", [{"blur": [1e6, 1e6]}, {"height": 100000}, {"font_sizes": [100000]}, {"width": 10**6},
                                     {"stroke_width": [10**6, 10**6]}, {"shadow_blur": [0, 1e6]}, {"curve": [0.1, 1e6]},
                                     {"motion_blur": [3, 100000]}, {"jpeg_quality": [0, 90]}])
def test_huge_but_well_formed_settings_are_refused_with_the_range(setting):
    from fontsynth.style import StyleConfig

    with pytest.raises(UserError, match="must be between"):
        StyleConfig.from_dict(setting)


def test_the_widest_allowed_settings_still_render(tmp_path):
    from fontsynth.style import LIMITS, StyleConfig

    defaults = StyleConfig().to_dict()
    config = {name: [high] * len(defaults[name]) if isinstance(defaults[name], list) else high for name, (low, high) in LIMITS.items()}
    config |= {"height": 256, "width": 2048}  # the largest canvas is tested by hand (BENCHMARKS.md): this keeps the test quick
    config |= {f"p_{k}": 1.0 for k in ("stroke", "shadow", "spacing", "rotation", "perspective", "curve", "blur", "motion_blur", "noise", "jpeg")}
    path = tmp_path / "c.json"
    path.write_text(json.dumps(config))
    result = runner.invoke(app, ["render", "--fonts", str(FONTS), "--n", "3", "--workers", "1", "--out", str(tmp_path / "out"), "--config", str(path),
                                 "--no-progress"])
    assert result.exit_code == 0, result.output


def test_a_shard_whose_sample_count_lies_is_one_error_line(tmp_path):
    import lmdb

    out = tmp_path / "w"
    assert runner.invoke(app, ["render", "--fonts", str(FONTS), "--n", "20", "--workers", "1", "--out", str(out), "--no-progress"]).exit_code == 0
    shard = next(p for p in out.iterdir() if p.is_dir())
    env = lmdb.open(str(shard), lock=False)
    with env.begin(write=True) as txn:
        txn.put(b"num-samples", b"5000")
    env.close()
    for args in (["info", str(out)], ["preview", str(out), "-o", str(tmp_path / "p.png")], ["replay", str(out), "3"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and result.output.startswith("error: ") and "manifest says 20" in result.output, args
    assert not (tmp_path / "p.png").exists()
    verify = runner.invoke(app, ["verify", str(out)])
    assert verify.exit_code != 0 and "the manifest says 20" in verify.output


def test_mutated_images_are_read_or_refused_never_escape():
    """A small run of scripts/fuzz_images.py (BENCHMARKS.md has the 20,000-file runs): every
    mutant decodes or is refused with the reader's ValueError, within a second."""
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "scripts" / "fuzz_images.py"
    out = subprocess.run([sys.executable, str(script), "--n", "600", "--seed", "5", "--timeout", "5"],
                         capture_output=True, text=True, check=True).stdout
    report = json.loads(out)
    assert report["mutants"] == 600 and report["read"] + report["refused"] == 600 and report["escapes"] == {}
    assert report["read"] > 0 and report["refused"] > 0 and report["slowest_read_s"] < 1
