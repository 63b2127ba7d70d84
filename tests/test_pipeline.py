import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import lmdb
import pytest
from PIL import Image

from fontsynth.dataset import Dataset
from fontsynth.errors import UserError
from fontsynth.datasetview import replay
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.shards import ShardReader, checked_digest


def job(fonts, out, **kw):
    defaults = dict(fonts=fonts, out=out, n=90, seed=5, shard_size=30, workers=1, show_progress=False)
    return RenderJob(**{**defaults, **kw})


def records(out: Path) -> dict:
    """Every shard's records, by shard name."""
    manifest = json.loads((out / "manifest.json").read_text())
    out_records = {}
    for s in manifest["shards"]:
        with ShardReader(out / s["name"]) as reader:
            out_records[s["name"]] = list(reader.records())
    return out_records


def dtrb_read(shard: Path):
    """What deep-text-recognition-benchmark's LmdbDataset does, and nothing more."""
    env = lmdb.open(str(shard), max_readers=32, readonly=True, lock=False, readahead=False, meminit=False)
    with env.begin(write=False) as txn:
        n = int(txn.get("num-samples".encode()))
        for index in range(1, n + 1):
            label = txn.get(("label-%09d" % index).encode()).decode("utf-8")
            image = Image.open(io.BytesIO(txn.get(("image-%09d" % index).encode()))).convert("RGB")
            yield label, image


@pytest.fixture(scope="module")
def words(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("words") / "data"
    render_dataset(job(small_fonts, out))
    return out


def test_every_shard_reads_through_a_minimal_dtrb_reader(words):
    manifest = json.loads((words / "manifest.json").read_text())
    assert manifest["complete"] and [s["count"] for s in manifest["shards"]] == [30, 30, 30]
    seen = 0
    for s in manifest["shards"]:
        for label, image in dtrb_read(words / s["name"]):
            assert 1 <= len(label) <= 25 and image.size[1] == 32
            seen += 1
    assert seen == 90


def test_manifest_checksums_match_the_shards(words):
    manifest = json.loads((words / "manifest.json").read_text())
    for s in manifest["shards"]:
        with ShardReader(words / s["name"]) as reader:
            assert checked_digest(words / s["name"]) == reader.sums_digest() == s["sha256"]
    assert {"seed", "config", "catalog_sha256", "tool_version", "corpus"} <= set(manifest)
    from fontsynth.fileio import sha256_file

    assert manifest["catalog_sha256"] == sha256_file(words / "catalog.json")


def test_stored_style_replays_to_the_stored_image(words):
    ds = Dataset(words)
    for index in (0, 31, 89):
        stored, again = replay(ds, index)
        assert stored == again


def test_meta_and_font_keys_sit_beside_the_dtrb_keys(words, small_catalog):
    sample = Dataset(words)[10]
    meta = json.loads(sample["meta"])
    assert meta["index"] == 10 and meta["text"] == sample["label"].decode()
    assert meta["style"]["font"] == sample["font"].decode()
    assert sample["font"].decode() in {f.id for f in small_catalog.usable()}


def test_output_does_not_depend_on_the_number_of_workers(small_fonts, words, tmp_path):
    render_dataset(job(small_fonts, tmp_path / "two", workers=2))
    assert records(tmp_path / "two") == records(words)


def test_distractors_render_deterministically_replay_and_stay_out_of_the_label(small_fonts, words, tmp_path):
    config = tmp_path / "distractors.json"
    config.write_text(json.dumps({"p_distractor": 1.0}))
    render_dataset(job(small_fonts, tmp_path / "one", config_file=config))
    render_dataset(job(small_fonts, tmp_path / "two", config_file=config, workers=2))
    assert records(tmp_path / "one") == records(tmp_path / "two") != records(words)
    ds, plain = Dataset(tmp_path / "one"), Dataset(words)
    for index in range(0, 90, 7):
        assert replay(ds, index)[0] == replay(ds, index)[1]
        style, before = json.loads(ds[index]["meta"])["style"], json.loads(plain[index]["meta"])["style"]
        assert style["distractors"] and "distractors" not in before and ds[index]["label"] == plain[index]["label"]
        assert {k: v for k, v in style.items() if k not in ("distractors", "margins")} == \
            {k: v for k, v in before.items() if k != "margins"}  # the same draws otherwise


def test_same_seed_same_samples_other_seed_other_samples(small_fonts, words, tmp_path):
    render_dataset(job(small_fonts, tmp_path / "other", seed=6))
    assert records(tmp_path / "other") != records(words)


def test_shard_layout_does_not_change_samples(small_fonts, words, tmp_path):
    render_dataset(job(small_fonts, tmp_path / "big", shard_size=45))
    flat = lambda recs: [v for name in sorted(recs) for k, v in recs[name] if k.startswith(b"image")]  # noqa: E731
    assert flat(records(tmp_path / "big")) == flat(records(words))


def test_non_empty_out_is_refused_without_resume_or_overwrite(small_fonts, words, tmp_path):
    with pytest.raises(UserError, match="not empty"):
        render_dataset(job(small_fonts, words))
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("precious")
    with pytest.raises(UserError, match="not a fontsynth dataset"):
        render_dataset(job(small_fonts, tmp_path / "mine", overwrite=True))
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "precious"


def test_overwrite_replaces_a_dataset(small_fonts, tmp_path):
    render_dataset(job(small_fonts, tmp_path / "d", n=60, seed=1))
    render_dataset(job(small_fonts, tmp_path / "d", n=30, seed=2, overwrite=True))
    assert len(Dataset(tmp_path / "d")) == 30 and sorted(p.name for p in (tmp_path / "d").iterdir())[-1] == "shard-00000"


def test_resume_with_other_settings_is_refused(small_fonts, words):
    with pytest.raises(UserError, match="another seed"):
        render_dataset(job(small_fonts, words, seed=99, resume=True))


def test_resume_of_a_dataset_from_another_sample_version_is_refused(small_fonts, tmp_path):
    out = tmp_path / "old"
    render_dataset(job(small_fonts, out, n=30))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["sample_version"] -= 1
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=f"sample version {manifest['sample_version']} and this fontsynth draws version {manifest['sample_version'] + 1}"):
        render_dataset(job(small_fonts, out, n=30, resume=True))


def test_resume_of_a_dataset_made_before_the_distractor_settings_existed(small_fonts, words, tmp_path):
    """Settings added later (off by default) leave every sample as it was: such a dataset resumes."""
    out = tmp_path / "older"
    render_dataset(job(small_fonts, out))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["config"] = {k: v for k, v in manifest["config"].items() if "distractor" not in k}
    manifest["shards"], manifest["complete"] = manifest["shards"][:1], False
    (out / "manifest.json").write_text(json.dumps(manifest))
    render_dataset(job(small_fonts, out, resume=True))
    assert records(out) == records(words)
    config = tmp_path / "on.json"
    config.write_text(json.dumps({"p_distractor": 0.5}))
    manifest["shards"], manifest["complete"] = manifest["shards"][:1], False
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="another config"):
        render_dataset(job(small_fonts, out, resume=True, config_file=config))


def test_resume_removes_leftovers_and_finishes(small_fonts, words, tmp_path):
    out = tmp_path / "partial"
    render_dataset(job(small_fonts, out))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["shards"] = manifest["shards"][:1]
    manifest["complete"] = False
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "shard-00002.tmp-12345").mkdir()  # a half-written shard of a killed worker
    render_dataset(job(small_fonts, out, resume=True))
    assert not list(out.glob("*.tmp-*"))
    assert records(out) == records(words)


def test_resume_adopts_finished_shards_the_manifest_missed(small_fonts, words, tmp_path):
    out = tmp_path / "partial"
    render_dataset(job(small_fonts, out))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["shards"], manifest["complete"] = [], False  # killed after the renames, before the manifest
    (out / "manifest.json").write_text(json.dumps(manifest))
    before = (out / "shard-00001" / "data.mdb").stat().st_mtime_ns
    render_dataset(job(small_fonts, out, resume=True))
    assert (out / "shard-00001" / "data.mdb").stat().st_mtime_ns == before  # adopted, not rendered again
    assert records(out) == records(words)
    assert json.loads((out / "manifest.json").read_text())["complete"]


def wait_for_shards(out: Path, count: int, seconds: float = 60) -> None:
    """Until the manifest a render is writing to `out` lists `count` finished shards."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        manifest = out / "manifest.json"
        if manifest.exists() and len(json.loads(manifest.read_text())["shards"]) >= count:
            return
        time.sleep(0.02)


def test_kill_9_then_resume_equals_an_uninterrupted_run(small_fonts, tmp_path):
    args = ["--fonts", str(small_fonts), "--n", "400", "--shard-size", "40", "--seed", "3", "--workers", "2", "--no-progress"]
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(whole), *args], check=True, capture_output=True)
    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(cut), *args], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_shards(cut, 2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    interrupted = json.loads((cut / "manifest.json").read_text())
    assert not interrupted["complete"] and 2 <= len(interrupted["shards"]) < 10
    subprocess.run([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(cut), "--resume", *args], check=True, capture_output=True)
    assert records(cut) == records(whole)
    assert json.loads((cut / "manifest.json").read_text())["complete"]


def children_of(pid: int) -> set[int]:
    """The live processes whose parent is `pid` (Linux /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_to_the_parent_alone_stops_its_workers_too_and_the_run_resumes(small_fonts, tmp_path):
    """`kill PID` (a container's stop, a scheduler): before, the parent died and its workers
    went on with the tasks they held, writing shards nobody would record. Now SIGTERM is Ctrl-C:
    exit 130 with the resume hint, every worker gone, and --resume completes the same data."""
    args = ["--fonts", str(small_fonts), "--n", "2000", "--shard-size", "40", "--seed", "3", "--workers", "2", "--no-progress"]
    cut = tmp_path / "cut"
    proc = subprocess.Popen([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(cut), *args], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_for_shards(cut, 2)
    workers = children_of(proc.pid)
    assert workers
    proc.send_signal(signal.SIGTERM)  # the parent alone, not its group
    try:
        _, err = proc.communicate(timeout=60)
    finally:  # whatever happened, nothing of it outlives the test
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    assert proc.returncode == 130 and "interrupted: finished shards are kept" in err, err[-400:]
    deadline = time.time() + 10
    while any(alive(w) for w in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(alive(w) for w in workers)
    assert not json.loads((cut / "manifest.json").read_text())["complete"]
    subprocess.run([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(cut), "--resume", *args], check=True, capture_output=True)
    whole = tmp_path / "whole"
    subprocess.run([sys.executable, "-m", "fontsynth.cli", "render", "--out", str(whole), *args], check=True, capture_output=True)
    assert records(cut) == records(whole)


def test_a_full_disk_is_one_error_line_and_the_finished_shards_resume(small_fonts, tmp_path, monkeypatch):
    """LMDB failing to commit the third shard (as it does on a full disk) used to end the render
    with lmdb's traceback: now one WriteError names the shard and the space left and says to
    resume; the shard's temporary folder is gone and --resume completes the same data."""
    import lmdb

    from fontsynth.errors import WriteError
    from fontsynth.shards import ShardWriter

    finish = ShardWriter._finish

    def full_at_the_third(self, redrawn):
        if self.final.name == "shard-00002":
            raise lmdb.Error("mdb_txn_commit: No space left on device")
        return finish(self, redrawn)

    out = tmp_path / "d"
    monkeypatch.setattr(ShardWriter, "_finish", full_at_the_third)
    with pytest.raises(WriteError, match=r"cannot write .*shard-00002 \(mdb_txn_commit: No space left on device; [\d.]+ [MG]B free on its disk\)"
                                         r".*rerun the same command with --resume"):
        render_dataset(job(small_fonts, out, n=150))
    assert sorted(p.name for p in out.iterdir() if p.name.startswith("shard-")) == ["shard-00000", "shard-00001"]
    monkeypatch.undo()
    render_dataset(job(small_fonts, out, n=150, resume=True))
    render_dataset(job(small_fonts, tmp_path / "whole", n=150))
    assert records(out) == records(tmp_path / "whole")


def test_a_shard_that_reads_back_differently_is_not_called_a_full_disk(small_fonts, tmp_path, monkeypatch):
    """A shard whose bytes on disk differ from those written (a failing disk or memory) was
    reported as "cannot write ... free some space": now it says what happened and what to check."""
    from fontsynth import shards
    from fontsynth.errors import WriteError

    monkeypatch.setattr(shards, "checked_digest", lambda folder: "0" * 64)
    with pytest.raises(WriteError) as failed:
        render_dataset(job(small_fonts, tmp_path / "d", n=20))
    message = str(failed.value)
    assert "shard-00000 reads back differently from what was written (a failing disk or memory?)" in message
    assert "free some space" not in message and "--resume" in message
    assert not [p for p in (tmp_path / "d").iterdir() if ".tmp" in p.name]


def test_an_atomic_write_that_fails_keeps_the_old_file_and_leaves_no_temporary_one(tmp_path, monkeypatch):
    import errno

    from fontsynth.fileio import atomic_write_bytes

    path = tmp_path / "manifest.json"
    path.write_bytes(b"old")

    def no_room(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(OSError):
        atomic_write_bytes(path, b"new")
    assert path.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["manifest.json"]


def test_any_command_reports_a_full_disk_in_one_line(tmp_path, capsys):
    import errno

    import typer

    from fontsynth.cli import user_errors

    @user_errors
    def command():
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out.md"))

    with pytest.raises(typer.Exit) as stopped:
        command()
    err = capsys.readouterr().err
    assert stopped.value.exit_code == 2 and err.count("\n") == 1
    assert err.startswith(f"error: cannot write {tmp_path / 'out.md'} (No space left on device; ") and "free on its disk" in err

    @user_errors
    def unnamed():  # a write to an open file: the error names no file, and no other disk's space is shown
        raise OSError(errno.EDQUOT, "Disk quota exceeded")

    with pytest.raises(typer.Exit):
        unnamed()
    assert capsys.readouterr().err == "error: cannot write the output (Disk quota exceeded): free some space or write elsewhere\n"


def test_corpus_file_is_used_and_bad_lines_are_skipped(small_fonts, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_bytes("alpha\n\nbeta\n" .encode() + b"\xff\xfe\n" + ("x" * 40 + "\n").encode() + "\u4e2d\u6587\n".encode())
    out = tmp_path / "d"
    from fontsynth.pipeline import plan, execute

    p = plan(job(small_fonts, out, corpus=corpus, n=30))
    assert [(b.line, b.reason) for b in p.sampling.bad_lines] == [(2, "empty"), (4, "not valid UTF-8"), (5, "longer than 25 characters")]
    assert p.sampling.dropped_texts == ["\u4e2d\u6587"]
    execute(p)
    labels = {Dataset(out)[i]["label"].decode() for i in range(30)}
    assert labels == {"alpha", "beta"}


def test_a_words_file_feeds_the_default_mix(small_fonts, tmp_path):
    """--words: the user's words in the default mix (casings, phrases, punctuation) beside its
    numbers, dates and codes; a line with a space is bad, a word no font covers is dropped, and
    the alphabet (the class table's charset) holds the words' own letters."""
    import re

    from fontsynth.pipeline import build_sampling, execute, plan

    words = tmp_path / "w.txt"
    words.write_text("café\nnaïve\nZürich\nfjord\ntwo words\n\u4e2d\u6587\n", encoding="utf-8")
    out = tmp_path / "d"
    p = plan(job(small_fonts, out, words=words, n=200))
    assert [(b.line, b.reason.split(" (")[0]) for b in p.sampling.bad_lines] == [(5, "not one word")]
    assert p.sampling.dropped_texts == ["\u4e2d\u6587"]
    corpus = build_sampling(job(small_fonts, out, words=words, n=200)).context.corpus
    assert corpus.words == ["café", "naïve", "Zürich", "fjord"] and not corpus.lines
    assert {"é", "ï", "ü"} <= set(corpus.alphabet()) and set("09$%-:") <= set(corpus.alphabet())
    assert corpus.describe() | {"sha256": ""} == {"name": str(words), "texts": None, "words": 4, "sha256": ""}
    execute(p)
    labels = [Dataset(out)[i]["label"].decode() for i in range(200)]
    known = {w.lower() for w in corpus.words}
    tokens = [t for label in labels if not re.search(r"\d", label) for t in re.findall(r"[^\W\d_]+", label)]
    others = {t for t in tokens if t.lower() not in known}  # codes of capitals, and the "s" of "'s"
    assert all(t == "s" or (t.isupper() and t.isascii()) for t in others), others  # every word drawn is the user's
    assert {t.lower() for t in tokens} >= known  # ... and 200 samples draw all four
    assert any(re.search(r"\d", label) for label in labels)  # the mix's numbers and dates stay
    assert any(len(label.split(" ")) > 1 and all(w.lower() in known for w in label.split(" ")) for label in labels)  # a phrase
    assert set("".join(labels)) <= set(corpus.alphabet())


def test_fixed_canvas_and_textures(small_fonts, tmp_path):
    import numpy as np
    import cv2

    (tmp_path / "bg").mkdir()
    cv2.imwrite(str(tmp_path / "bg" / "paper.jpg"), np.full((200, 300, 3), 180, np.uint8))
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"background": {"texture": 1.0}}))
    out = tmp_path / "d"
    render_dataset(job(small_fonts, out, n=20, size="64x256", backgrounds=tmp_path / "bg", config_file=config))
    ds = Dataset(out)
    for i in range(20):
        meta = json.loads(ds[i]["meta"])
        assert meta["style"]["bg_kind"] == "texture" and meta["style"]["bg_texture"] == "paper.jpg"
        assert Image.open(io.BytesIO(ds[i]["image"])).size == (256, 64)
    stored, again = replay(ds, 7)
    assert stored == again
