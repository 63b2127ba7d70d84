"""Datasets made by other tools (DTRB-layout LMDBs, labels files): the readers train and
evaluate on them, read each image as `recognize` reads the same file, and count what they leave out."""

import csv
import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
lmdb = pytest.importorskip("lmdb")

from PIL import Image  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from classifier.recognizer.evaluate import alnum_key, recognition_metrics  # noqa: E402
from fontsynth.cli import app  # noqa: E402
from fontsynth.dataset import Dataset  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402
from fontsynth.external import UNREADABLE, external_parts, is_external  # noqa: E402
from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402
from fontsynth.torchdata import ExternalDataset, ShardDataset  # noqa: E402

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def write_dtrb_lmdb(folder, samples):
    """An LMDB as DTRB's create_lmdb_dataset.py writes it, with lmdb alone: (image bytes, label) per sample."""
    folder.mkdir(parents=True)
    env = lmdb.open(str(folder), map_size=1 << 26)
    with env.begin(write=True) as txn:
        for i, (data, label) in enumerate(samples, 1):
            txn.put(f"image-{i:09d}".encode(), data)
            txn.put(f"label-{i:09d}".encode(), label.encode())
        txn.put(b"num-samples", str(len(samples)).encode())
    env.close()


def as_other_tool_would(png: bytes, k: int) -> bytes:
    """A sample as the real benchmarks store theirs: colour JPEG at its own size."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image = image.resize((image.width * (2 + k % 3) // 2, image.height * (2 + k % 3) // 2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def other_tools(small_fonts, tmp_path_factory):
    """The same 12 words as a fontsynth render, as two DTRB LMDBs under one folder (with one
    image that does not decode), and as a labels file of image files."""
    root = tmp_path_factory.mktemp("external")
    render_dataset(RenderJob(fonts=small_fonts, out=root / "ours", n=12, seed=8, preset="clean", size="32", workers=1, show_progress=False))
    ours = Dataset(root / "ours")
    samples = [(as_other_tool_would(ours[i]["image"], i), ours[i]["label"].decode()) for i in range(12)]
    write_dtrb_lmdb(root / "evaluation" / "b_set", samples[7:9] + [(b"\xff\xd8 not a jpeg", "broken")] + samples[9:])
    write_dtrb_lmdb(root / "evaluation" / "a_set", samples[:7])
    (root / "images").mkdir()
    lines = []
    for i, (data, label) in enumerate(samples):
        (root / "images" / f"{i}.jpg").write_bytes(data)
        lines.append(f"images/{i}.jpg\t{label}")
    (root / "gt.txt").write_text("\ufeff" + "\r\n".join(lines) + "\r\n", encoding="utf-8")  # as Windows Notepad saves it: a BOM, CRLF
    return root, [label for _, label in samples]


def test_dtrb_lmdbs_and_labels_files_read_as_one_dataset(other_tools):
    root, labels = other_tools
    assert is_external(root / "evaluation") and is_external(root / "gt.txt") and not is_external(root / "ours")
    lmdbs = ExternalDataset(root / "evaluation", fields=("image", "label", "index"), size=(32, 100), channels=1)
    listed = ExternalDataset(root / "gt.txt", size=(32, 100), channels=3)
    assert [p.path.name for p in lmdbs.parts] == ["a_set", "b_set"] and len(lmdbs) == 13 and len(listed) == 12
    assert [p.count for p in external_parts(root / "evaluation")] == [7, 6]
    assert lmdbs.labels() == labels[:9] + ["broken"] + labels[9:] and listed.labels() == labels
    assert lmdbs.charset == "".join(sorted(set("".join(labels + ["broken"])))) and lmdbs.classes == []
    item = lmdbs[8]
    assert item["label"] == labels[8] and item["index"] == 8 and item["image"].shape == (1, 32, 100)
    assert 0 <= float(item["image"].min()) < float(item["image"].max()) <= 1
    assert listed[8]["image"].shape == (3, 32, 100)
    assert torch.allclose(listed[8]["image"].mean(0, keepdim=True), item["image"], atol=0.02)  # the same picture, as colour and as grey
    broken = lmdbs[9]
    assert broken["label"] == UNREADABLE and float(broken["image"].min()) == 1.0  # a blank image, counted by the readers
    with pytest.raises(UserError, match="has no field\\(s\\) class_id"):
        ExternalDataset(root / "evaluation", fields=("image", "class_id"))
    import pickle

    assert pickle.loads(pickle.dumps(lmdbs))[3]["label"] == labels[3]  # what a DataLoader worker gets


def test_labels_are_read_once_and_not_sent_to_workers(other_tools, monkeypatch):
    """Training asks for the labels twice (the charset, the label check): a large LMDB's are read once."""
    import pickle

    import fontsynth.torchdata as torchdata

    root, labels = other_tools
    reads = []
    real = torchdata.lmdb_labels
    monkeypatch.setattr(torchdata, "lmdb_labels", lambda env, count: reads.append(count) or real(env, count))
    lmdbs = ExternalDataset(root / "evaluation", size=(32, 100))
    assert lmdbs.charset and lmdbs.labels() == labels[:9] + ["broken"] + labels[9:]
    lmdbs.labels().clear()  # a caller's copy: the kept labels are untouched
    assert len(lmdbs.labels()) == 13 and reads == [7, 6]
    assert pickle.loads(pickle.dumps(lmdbs))._labels is None


def test_alnum_accuracy_is_the_benchmarks_protocol():
    assert alnum_key("Don't-stop 2!") == "dontstop2"
    m = recognition_metrics(["Hello!", "w0rld", "abc", "ÉTÉ"], ["hello", "World", "ab c", "été"])
    assert m["word_accuracy_alnum"] == pytest.approx(3 / 4)  # only w0rld/World differ once punctuation and case go
    shalom, olam = "\u05e9\u05dc\u05d5\u05dd", "\u05e2\u05d5\u05dc\u05dd"
    assert alnum_key(f"{shalom}!") == shalom and recognition_metrics([olam], [shalom])["word_accuracy_alnum"] == 0  # not two empty strings
    assert m["word_accuracy"] == 0 and m["word_accuracy_nocase"] == pytest.approx(1 / 4)


@pytest.fixture(scope="module")
def reader_run(other_tools, tmp_path_factory):
    """A smoke recognizer trained on the DTRB LMDBs, validated on the labels file."""
    root, _ = other_tools
    out = tmp_path_factory.mktemp("runs") / "r"
    result = invoke("train-recognizer", "--data", root / "evaluation", "--val-data", root / "gt.txt", "--out", out, "--preset", "smoke",
                    "--steps", "4", "--batch-size", "4", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    return out, result.output


def test_training_on_other_tools_data_counts_the_image_that_does_not_decode(other_tools, reader_run):
    root, labels = other_tools
    out, output = reader_run
    assert "labels: 13 of 13 usable" in output  # the scan reads labels only: the broken image is counted when drawn
    assert f"training data: 13 images of 2 DTRB-layout LMDBs under {root / 'evaluation'}: a_set 7, b_set 6" in output
    assert f"validation data: 12 images of the labels file {root / 'gt.txt'}" in output
    config = json.loads((out / "config.json").read_text())
    assert config["charset"] == "".join(sorted(set("".join(labels + ["broken"]))))
    rows = list(csv.DictReader((out / "metrics.csv").open()))
    assert float(rows[-1]["dropped"]) >= 1  # 16 draws of 13 items: every item at least once, the broken one left out each time


def test_eval_reads_each_image_as_recognize_reads_its_file(other_tools, reader_run):
    root, labels = other_tools
    out, _ = reader_run
    reports = {}
    for name in ("evaluation", "gt.txt"):
        result = invoke("eval-recognizer", out, "--data", root / name, "--json", "--workers", "0", "--device", "cpu", "--no-progress")
        assert result.exit_code == 0, result.output
        reports[name] = json.loads(result.stdout)
    lmdbs, listed = reports["evaluation"], reports["gt.txt"]
    assert list(lmdbs["by_dataset"]) == ["a_set", "b_set"] and "by_dataset" not in listed  # a figure per benchmark, as DTRB prints
    assert [lmdbs["by_dataset"][k]["n"] for k in ("a_set", "b_set")] == [7, 5]  # b_set's broken image left out
    assert sum(m["n"] * m["word_accuracy"] for m in lmdbs["by_dataset"].values()) / 12 == pytest.approx(lmdbs["word_accuracy"])
    assert lmdbs["data"].startswith("13 images of 2 DTRB-layout LMDBs") and listed["data"].startswith("12 images of the labels file")
    assert lmdbs["n"] == 12 and lmdbs["dropped"] == {"image does not decode": 1} and listed["dropped"] == {}
    assert {k: lmdbs[k] for k in ("word_accuracy", "word_accuracy_alnum", "cer", "n")} == \
        {k: listed[k] for k in ("word_accuracy", "word_accuracy_alnum", "cer", "n")}
    readings = (out / f"eval-{root.name}-gt" / "readings.csv").read_text(encoding="utf-8").splitlines()[1:]
    images = [root / "images" / f"{i}.jpg" for i in range(12)]
    result = invoke("recognize", *images, "--model", out, "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    recognized = [json.loads(line)["text"] for line in result.output.splitlines()]
    rows = list(csv.reader(readings))  # index, text, reading, edit distance
    assert [r[2] for r in rows] == recognized and [r[1] for r in rows] == labels and [r[0] for r in rows] == [str(i) for i in range(12)]
    rows = list(csv.reader((out / "eval-evaluation" / "readings.csv").read_text(encoding="utf-8").splitlines()[1:]))
    assert [r[0] for r in rows] == [str(i) for i in (*range(9), 10, 11, 12)] and [r[2] for r in rows] == recognized  # the broken one left out


def test_bad_data_from_other_tools_is_one_error_line(other_tools, reader_run, tmp_path):
    root, _ = other_tools
    out, _ = reader_run
    (tmp_path / "tabless.txt").write_text("images/0.jpg\tok\nimages/1.jpg word\n")
    (tmp_path / "images").mkdir()
    (tmp_path / "missing.txt").write_text("images/0.jpg\tok\n")
    write_dtrb_lmdb(tmp_path / "uncounted", [(b"x", "y")])
    env = lmdb.open(str(tmp_path / "uncounted"), map_size=1 << 20)
    with env.begin(write=True) as txn:
        txn.delete(b"num-samples")
    env.close()
    (tmp_path / "empty").mkdir()
    for args, message in [
        (["eval-recognizer", out, "--data", tmp_path / "tabless.txt"], "tabless.txt:2 is not IMAGE<TAB>TEXT"),
        (["eval-recognizer", out, "--data", tmp_path / "missing.txt"], "names 1 image(s) that do not exist, the first"),
        (["eval-recognizer", out, "--data", tmp_path / "uncounted"], "has no valid num-samples key"),
        (["eval-recognizer", out, "--data", tmp_path / "empty"], "a folder of DTRB-layout LMDBs, a labels file (IMAGE<TAB>TEXT lines) or pairs in MOSTEL"),
        (["train-classifier", "--data", root / "evaluation", "--out", tmp_path / "c", "--preset", "smoke", "--device", "cpu"],
         "--data: " + str(root / "evaluation") + " is a dataset of images and texts made by another tool: it has no field(s) font"),
    ]:
        result = invoke(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert len(result.output.strip().splitlines()) == 1, result.output


def test_export_round_trips_through_the_labels_file(other_tools, small_fonts, tmp_path):
    """`fontsynth export` writes the stored bytes and labels; read back as a labels file, every
    item equals the shard's item, pixel for pixel."""
    root, labels = other_tools
    result = invoke("export", root / "ours", "--out", tmp_path / "files", "--no-progress")
    assert result.exit_code == 0 and "12 samples and gt.txt" in result.output, result.output
    lines = (tmp_path / "files" / "gt.txt").read_text(encoding="utf-8").splitlines()
    assert lines == [f"images/{i:09d}.png\t{label}" for i, label in enumerate(labels)]
    ours = Dataset(root / "ours")
    assert all((tmp_path / "files" / "images" / f"{i:09d}.png").read_bytes() == ours[i]["image"] for i in range(12))
    back = ExternalDataset(tmp_path / "files" / "gt.txt", size=(32, 128), channels=3)
    shards = ShardDataset(root / "ours", size=(32, 128), channels=3)
    assert shards.describe() == f"12 words of {root / 'ours'} (1 shard)"
    for i in range(12):
        assert back[i]["label"] == shards[i]["label"] and torch.equal(back[i]["image"], shards[i]["image"])
    assert not list(tmp_path.glob(".*partial"))

    again = invoke("export", root / "ours", "--out", tmp_path / "files")
    assert again.exit_code == 2 and "exists; pass --overwrite" in again.output
    assert invoke("export", root / "ours", "--out", tmp_path / "files", "--overwrite", "--no-progress").exit_code == 0
    # --overwrite replaces an earlier export, never the dataset itself or a folder of someone's files
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("mine")
    before = sorted(p.name for p in (root / "ours").iterdir())
    for out, stranger in ((root / "ours", "catalog.json"), (tmp_path / "mine", "thesis.txt")):
        refused = invoke("export", root / "ours", "--out", out, "--overwrite", "--no-progress")
        assert refused.exit_code == 2 and f"--out {out} holds files an export does not write ({stranger}" in refused.output, refused.output
    assert sorted(p.name for p in (root / "ours").iterdir()) == before and len(Dataset(root / "ours")) == 12
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "mine" and not list(tmp_path.glob(".*partial"))


def test_pairs_export_in_srnet_and_mostels_layout(small_fonts, tmp_path):
    """Every pair field lands in its SRNet-Datagen folder, byte for byte, with the texts; brush
    eval reads the folder as a benchmark (its own test covers the figures)."""
    from brush.benchmark import read_cases
    from fontsynth.pairfolder import is_pair_folder

    render_dataset(RenderJob(fonts=small_fonts, out=tmp_path / "pairs", n=6, recipe="pairs", size="32x128", workers=1, show_progress=False))
    result = invoke("export", tmp_path / "pairs", "--out", tmp_path / "p", "--no-progress")
    assert result.exit_code == 0 and "6 samples and i_t.txt" in result.output, result.output
    ds = Dataset(tmp_path / "pairs")
    for i in range(6):
        name = f"{i:09d}.png"
        for field, folder in (("image", "i_s"), ("target", "t_f"), ("background", "t_b"), ("mask", "mask_s"), ("mask-b", "mask_t"),
                              ("content-b", "i_t")):
            written, stored = (tmp_path / "p" / folder / name).read_bytes(), ds[i][field]
            if stored[:2] == b"\xff\xd8":  # a JPEG-stored image: the PNG of its decoded pixels
                from fontsynth.codec import decode

                assert written[:4] == b"\x89PNG" and np.array_equal(decode(written), decode(stored)), (field, i)
            else:
                assert written == stored, (field, i)
        # MOSTEL's loader: the last word of txt/NAME.txt's first line is what its recognizer must read in the edit, text B
        assert (tmp_path / "p" / "txt" / f"{i:09d}.txt").read_text() == ds[i]["label-b"].decode() + "\n"
    style_texts = (tmp_path / "p" / "i_s.txt").read_text(encoding="utf-8").splitlines()
    assert style_texts == [f"{i:09d}.png {ds[i]['label'].decode()}" for i in range(6)]  # text A, which MOSTEL's layout lacks
    cases = read_cases(tmp_path / "p")
    assert is_pair_folder(tmp_path / "p") and [c.text for c in cases] == [ds[i]["label-b"].decode() for i in range(6)]
    spaced = sum(" " in ds[i]["label-b"].decode() for i in range(6))
    assert (f"note: {spaced} texts B hold spaces" in result.stderr) == (spaced > 0)


def test_a_mixture_draws_each_dataset_in_its_share_as_a_pure_function_of_the_index():
    from classifier.data import MIX_PERIOD, Mixture

    digits, letters = list(range(10)), list("abc")
    mix = Mixture([digits, letters], [3, 1])
    assert mix.counts == [750, 250] and len(mix) == MIX_PERIOD  # one period reads all 10 digits and all 3 letters
    draws = [mix[i] for i in range(len(mix))]
    assert sum(isinstance(d, str) for d in draws) == 250 and set(draws) == set(digits) | set(letters)
    assert [d for d in draws if isinstance(d, str)][:6] == list("abcabc")  # the small dataset repeats in order
    assert [d for d in draws if isinstance(d, int)][:12] == [*range(10), 0, 1]
    assert all(sum(isinstance(d, str) for d in draws[s:s + 8]) == 2 for s in range(0, 992, 8))  # spread evenly, not in blocks
    assert Mixture([digits, letters], [3, 1]).locate(777) == mix.locate(777)  # no state: resumes and ranks read alike
    big = Mixture([list(range(5000)), letters], [1, 1])
    assert big.counts == [500, 500] and len(big) == 10 * MIX_PERIOD and {big[i] for i in range(len(big))} >= set(range(5000))
    kept = mix.restricted([[0, 2], [1]])
    assert {kept[i] for i in range(len(kept))} == {0, 2, "b"}


def test_training_on_several_datasets_in_given_shares(other_tools, tmp_path):
    root, labels = other_tools
    out = tmp_path / "r"
    result = invoke("train-recognizer", "--data", root / "ours", "--data", root / "gt.txt", "--data-weights", "3,1", "--out", out,
                    "--preset", "smoke", "--steps", "2", "--batch-size", "4", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert f"labels of {root / 'ours'}: 12 of 12 usable" in result.output and f"labels of {root / 'gt.txt'}: 12 of 12 usable" in result.output
    assert f"training data: 75% of the draws from 12 words of {root / 'ours'} (1 shard); 25% of the draws from 12 images" in result.output
    config = json.loads((out / "config.json").read_text())
    assert config["data"]["more_data"] == [str(root / "gt.txt")] and config["data"]["data_weights"] == [3.0, 1.0]
    for weights, message in (("1,2,3", "gives 3 share(s) for 2 dataset(s)"), ("1,x", "expected numbers"), ("0,1", "must all be above 0")):
        bad = invoke("train-recognizer", "--data", root / "ours", "--data", root / "gt.txt", "--data-weights", weights, "--out", tmp_path / "b",
                     "--preset", "smoke", "--steps", "1", "--workers", "0", "--no-progress", "--device", "cpu")
        assert bad.exit_code == 2 and message in bad.output and len(bad.output.strip().splitlines()) == 1, bad.output
