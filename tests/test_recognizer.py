"""TRBA: converters, stages, overfitting, ocr_loss, dropped labels, checkpoints, CLI."""

import csv
import json

import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from classifier.recognizer import Reader, load_recognizer, ocr_loss  # noqa: E402
from classifier.recognizer.evaluate import recognition_metrics  # noqa: E402
from classifier.recognizer.labels import (  # noqa: E402
    PRINTABLE_ASCII,
    count_problems,
    ctc_steps,
    decode_attention,
    decode_ctc,
    edit_distance,
    encode_attention,
    encode_ctc,
    label_problem,
)
from classifier.recognizer.resnet import ResNetFeatures  # noqa: E402
from classifier.recognizer.sequence import BiLSTM  # noqa: E402
from classifier.recognizer.prediction import AttentionDecoder  # noqa: E402
from classifier.recognizer.tps import TPS, fiducial_points, tps_kernel, tps_system  # noqa: E402
from classifier.registry import create_model  # noqa: E402
from fontsynth.cli import app  # noqa: E402
from fontsynth.dataset import Dataset  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402
from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402

CHARSET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


# ---------------------------------------------------------------- converters and metrics


def test_attention_labels_round_trip():
    texts = ["Hello", "a", "Z9z", "abcdefghij"]
    tokens = encode_attention(texts, CHARSET, max_length=10)
    assert tokens.shape == (4, 12)
    assert tokens[1].tolist() == [0, 2, 1] + [0] * 9  # [GO] 'a' [s] then padding
    assert decode_attention(tokens[:, 1:], CHARSET) == texts
    with pytest.raises(ValueError, match="longer than 3"):
        encode_attention(["abcd"], CHARSET, 3)


def test_ctc_labels_round_trip_and_greedy_decoding():
    targets, lengths = encode_ctc(["ab", "c"], CHARSET)
    assert targets.tolist() == [1, 2, 3] and lengths.tolist() == [2, 1]
    # frames: a a blank a b b blank -> "aab"; blanks separate repeats
    assert decode_ctc(torch.tensor([[1, 1, 0, 1, 2, 2, 0], [0, 0, 0, 0, 0, 0, 0]]), CHARSET) == ["aab", ""]
    texts = ["hello", "World42"]
    frames = [[0] + [v for c in t for v in (CHARSET.index(c) + 1, 0)] for t in texts]
    width = max(map(len, frames))
    assert decode_ctc(torch.tensor([f + [0] * (width - len(f)) for f in frames]), CHARSET) == texts


def test_ctc_labels_of_right_to_left_texts_are_in_the_order_they_are_drawn():
    """CTC reads columns left to right: a Hebrew word is encoded as drawn, reversed, its number
    kept in order, and a reading is turned back (reading_order has the algorithm's tests)."""
    alef, bet, gimel = "\u05d0\u05d1\u05d2"
    charset = alef + bet + gimel + "12 ()"
    text = f"{alef}{bet}{gimel} (12)"
    targets, _ = encode_ctc([text], charset)
    assert "".join(charset[t - 1] for t in targets.tolist()) == f"(12) {gimel}{bet}{alef}"
    frames = [[charset.index(c) + 1, 0] for c in f"(12) {gimel}{bet}{alef}"]
    assert decode_ctc(torch.tensor([sum(frames, [])]), charset) == [text]
    # an attention decoder learns any order: its labels stay as typed
    assert decode_attention(encode_attention([text], charset, 10)[:, 1:], charset) == [text]
    # "(" ending a right-to-left run is drawn as ")": a charset without it cannot spell the label
    assert label_problem(f"{alef}(", set(alef + "("), 5) == "characters outside the charset"
    assert label_problem(f"{alef}(", set(alef + "()"), 5) is None


def test_label_problems_are_named_and_counted():
    assert label_problem("ok", set("ok"), 5) is None
    assert label_problem("", set("ok"), 5) == "empty"
    assert label_problem("okokok", set("ok"), 5) == "longer than 5"
    assert label_problem("no", set("ok"), 5) == "characters outside the charset"
    keep, reasons = count_problems(["ok", "okokokok", "x", "ko", ""], "ok", 5)
    assert keep == [0, 3] and reasons == {"longer than 5": 1, "characters outside the charset": 1, "empty": 1}


def test_ctc_steps_is_the_bound_where_pytorchs_ctc_loss_turns_infinite():
    assert [ctc_steps(t) for t in ("", "abc", "hello", "aaa", "aabb")] == [0, 3, 6, 5, 6]
    log_probs = torch.randn(5, 1, 4).log_softmax(2)  # T = 5 columns, blank + "abc"
    for text in ("abcab", "aab", "aaa", "aabc", "aaab", "abcabc", "abba"):
        target = torch.tensor([[" abc".index(c) for c in text]])
        loss = torch.nn.functional.ctc_loss(log_probs, target, torch.tensor([5]), torch.tensor([len(text)]), blank=0, reduction="sum")
        assert torch.isfinite(loss).item() == (ctc_steps(text) <= 5), text
    assert label_problem("aab", set("ab"), 25, ctc_columns=4) is None
    assert label_problem("aaab", set("ab"), 25, ctc_columns=4) == "more than CTC's 4 columns hold"
    keep, reasons = count_problems(["ab", "aaab", "abab"], "ab", 25, ctc_columns=4)
    assert keep == [0, 2] and reasons == {"more than CTC's 4 columns hold": 1}


def test_metrics_by_hand():
    assert edit_distance("kitten", "sitting") == 3 and edit_distance("", "abc") == 3 and edit_distance("abc", "abc") == 0
    m = recognition_metrics(["Hello", "world", "fo"], ["hello", "world", "foo"])
    assert m["word_accuracy"] == pytest.approx(1 / 3) and m["word_accuracy_nocase"] == pytest.approx(2 / 3)
    assert m["cer"] == pytest.approx(2 / 13)  # 1 + 0 + 1 edits over 5 + 5 + 3 characters
    assert m["ned"] == pytest.approx((1 / 5 + 0 + 1 / 3) / 3) and m["n"] == 3


def test_metrics_by_group_by_hand():
    from classifier.recognizer.evaluate import metrics_by_group

    by = metrics_by_group(["IIIT", "SVT", "IIIT", "IIIT"], ["a", "b", "x", "c"], ["a", "b", "b", "c"])
    assert list(by) == ["IIIT", "SVT"] and by["IIIT"]["n"] == 3 and by["IIIT"]["word_accuracy"] == pytest.approx(2 / 3)
    assert by["SVT"] == recognition_metrics(["b"], ["b"])


def test_readings_csv_by_hand(tmp_path):
    from classifier.recognizer.evaluate import write_readings

    write_readings([7, 2, 9], ["two words", "kitten", 'a,"b"'], ["twowords", "sitting", 'a,"b"'], tmp_path / "r.csv")
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8")))  # commas and quotes survive the round trip
    assert rows == [["index", "text", "reading", "edit_distance"], ["7", "two words", "twowords", "1"], ["2", "kitten", "sitting", "3"],
                    ["9", 'a,"b"', 'a,"b"', "0"]]
    with pytest.raises(ValueError):  # a reading short of a text is a bug, not a shorter file
        write_readings([1, 2], ["a", "b"], ["a"], tmp_path / "r.csv")


# ---------------------------------------------------------------- stages


def test_tps_starts_as_the_identity_and_interpolates_its_points():
    torch.manual_seed(0)
    tps = TPS(1, 32, 100, points=20)
    images = torch.rand(2, 1, 32, 100)
    assert torch.allclose(tps(images), images, atol=1e-3)  # float32 grid: within 1e-5 of the pixel centres
    centres = fiducial_points(20)
    targets = centres + 0.1 * torch.randn(20, 2)
    params = torch.linalg.inv(tps_system(centres)) @ torch.cat([targets, torch.zeros(3, 2)])
    basis = torch.cat([torch.ones(20, 1), centres, tps_kernel(centres, centres)], 1)
    assert torch.allclose(basis @ params, targets, atol=1e-4)  # the spline passes through every target


def test_stage_shapes():
    x = torch.rand(3, 1, 32, 100)
    feats = ResNetFeatures(1, channels=64, blocks=(1, 1, 1, 1))(x)
    assert feats.shape == (3, 64, 1, 26)
    seq = BiLSTM(64, 32)(feats.squeeze(2).transpose(1, 2))
    assert seq.shape == (3, 26, 32)
    logits = AttentionDecoder(32, 16, classes=12)(seq, None, steps=7)
    assert logits.shape == (3, 7, 12)
    assert create_model("trba").encode(x).shape == (3, 26, 256)


@pytest.mark.parametrize("width", [16, 37, 100, 128, 203])
def test_the_columns_a_ctc_model_reads_are_known_before_it_runs(width):
    model = create_model("trba", charset="ab", width=width, prediction="ctc", transformation="none", sequence="none",
                         feature_channels=32, blocks=(1, 1, 1, 1))
    assert model(torch.rand(1, 1, 32, width)).shape[1] == model.config.ctc_columns == ResNetFeatures.columns(width)
    assert create_model("trba", charset="ab", width=width).config.ctc_columns == 0  # attention: no CTC limit


# ---------------------------------------------------------------- training, ocr_loss, checkpoints


@pytest.fixture(scope="module")
def words(small_fonts, tmp_path_factory):
    root = tmp_path_factory.mktemp("rec")
    render_dataset(RenderJob(fonts=small_fonts, out=root / "clean", n=8, seed=8, preset="clean", size="32x100", workers=1, show_progress=False))
    return root


@pytest.fixture(scope="module")
def overfit_run(words, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "trba"
    # 400 steps: with training seeds 0-5 all eight words (data seed 8) are read from step 210 at
    # the latest and stay read (measured; with the data seed 5 of sample version 2, at 300 steps
    # one seed never got there: too close an edge)
    result = invoke("train-recognizer", "--data", words / "clean", "--val-data", words / "clean", "--out", out, "--preset", "smoke",
                    "--steps", "400", "--batch-size", "8", "--lr", "5e-3", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    return out


def test_a_tiny_recognizer_overfits_a_small_batch(overfit_run):
    rows = (overfit_run / "metrics.csv").read_text().splitlines()
    header = rows[0].split(",")
    first, last = dict(zip(header, rows[1].split(","))), dict(zip(header, rows[-1].split(",")))
    assert float(last["val_word_accuracy"]) == 1.0, rows[-3:]
    assert float(last["train_loss"]) < 0.2 * float(first["train_loss"])


def test_eval_and_recognize_through_the_cli(overfit_run, words, tmp_path):
    result = invoke("eval-recognizer", overfit_run, "--data", words / "clean", "--json", "--workers", "0", "--device", "cpu")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the progress bar is on stderr
    assert "reading" in result.stderr and "8/8" in result.stderr
    assert report["word_accuracy"] == 1.0 and report["n"] == 8 and report["dropped"] == {} and report["cer"] == 0.0
    assert report["checkpoint"] == str(overfit_run / "best.pt") and report["step"] > 0  # the weights scored
    assert (overfit_run / "eval-clean" / "worst.png").exists()
    rows = list(csv.reader((overfit_run / "eval-clean" / "readings.csv").open(encoding="utf-8")))
    labels = [Dataset(words / "clean")[i]["label"].decode() for i in range(8)]
    assert rows == [["index", "text", "reading", "edit_distance"]] + [[str(i), label, label, "0"] for i, label in enumerate(labels)]
    assert report["by_effect"]["polarity"] == {"dark on light": {"n": 8, "accuracy": 1.0}}  # clean renders: no inversion
    assert (overfit_run / "eval-clean" / "effects.png").exists()
    assert "polarity,dark on light,8,1.0000" in (overfit_run / "eval-clean" / "effects.csv").read_text().splitlines()
    assert (overfit_run / "eval-clean" / "effects.csv").read_text().splitlines()[0] == "slice,value,n,word_accuracy"

    sample = Dataset(words / "clean")[3]
    path = tmp_path / "word.png"
    path.write_bytes(sample["image"])
    wide = tmp_path / "wide.jpg"
    Image.open(path).convert("RGB").resize((400, 128)).save(wide, quality=95)  # another size, colour, JPEG
    result = invoke("recognize", path, wide, "--model", overfit_run, "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {"image": str(path), "text": sample["label"].decode(), "confidence": lines[0]["confidence"]}
    assert 0 < lines[0]["confidence"] <= 1 and lines[1]["image"] == str(wide)


def test_recognize_reads_a_word_inside_a_photo(overfit_run, words, tmp_path):
    """--box crops the word out of a larger photo (and --quad rectifies one: test_regions): the
    text read is the word's, named by its region; the noise around it reads otherwise."""
    import numpy as np

    sample = Dataset(words / "clean")[3]
    path = tmp_path / "word.png"
    path.write_bytes(sample["image"])
    word = np.asarray(Image.open(path).convert("L"))
    h, w = word.shape
    photo = np.random.default_rng(1).integers(0, 256, (h + 40, w + 60), dtype=np.uint8)
    photo[25:25 + h, 40:40 + w] = word
    Image.fromarray(photo).save(tmp_path / "photo.png")
    alone = json.loads(invoke("recognize", path, "--model", overfit_run, "--json", "--device", "cpu").output)
    result = invoke("recognize", tmp_path / "photo.png", "--box", f"40,25,{40 + w},{25 + h}", "--box", f"0,0,{w},{h}",
                    "--model", overfit_run, "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert lines[0] == {**alone, "image": str(tmp_path / "photo.png"), "box": [40, 25, 40 + w, 25 + h]}  # same pixels, same reading
    assert alone["text"] == sample["label"].decode() and lines[1]["text"] != alone["text"]
    quad = f"40,25,{40 + w},25,{40 + w},{25 + h},40,{25 + h}"  # the box's corners, as a quad: the same crop
    read = invoke("recognize", tmp_path / "photo.png", "--quad", quad, "--model", overfit_run, "--device", "cpu")
    assert read.exit_code == 0, read.output
    assert read.output == f"{tmp_path / 'photo.png'} [quad {quad}]: {alone['text']}  ({alone['confidence']:.3f})\n"


def test_validation_on_val_data_prepares_images_as_eval_does(small_fonts, tmp_path, monkeypatch):
    """A canvas-trained model that reads any width validates --val-data on eval's canvas (a text
    wider than the canvas is read at its reading widths, not squeezed), so metrics.csv's figures
    are what eval-recognizer reports; the training data stay on the canvas; TPS reads the canvas."""
    import classifier.runs as runs
    from classifier.recognizer.model import RecognizerConfig
    from classifier.recognizer.task import SPEC
    from classifier.recognizer.widths import WIDEST

    render_dataset(RenderJob(fonts=small_fonts, out=tmp_path / "val", n=8, seed=3, size="32", workers=1, show_progress=False))
    opened = []

    def recording(*args, **kwargs):
        sources = open_sources(*args, **kwargs)
        opened.append((sources.train.size, sources.val.size))
        return sources

    open_sources = runs.open_sources
    monkeypatch.setattr(runs, "open_sources", recording)
    out = tmp_path / "r"
    result = invoke("train-recognizer", "--data", tmp_path / "val", "--val-data", tmp_path / "val", "--out", out, "--preset", "smoke",
                    "--steps", "1", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert opened == [((32, 100), Reader(out).canvas)] and Reader(out).canvas == (32, 100 * WIDEST)
    assert SPEC.val_canvas(RecognizerConfig(height=32, width=100, transformation="tps")) == (32, 100)


def test_ocr_loss_prefers_the_right_text_and_only_the_image_gets_gradient(overfit_run, words):
    from fontsynth.torchdata import ShardDataset

    model = load_recognizer(overfit_run)
    assert not model.training and all(not p.requires_grad for p in model.parameters())
    ds = ShardDataset(words / "clean", fields=("image", "label"), size=(32, 100))
    images = torch.stack([ds[i]["image"] for i in range(4)]).requires_grad_(True)
    right = [ds[i]["label"] for i in range(4)]
    wrong = [t[::-1] + "x" if t[::-1] == t else t[::-1] for t in right]
    loss_right = ocr_loss(model, images, right)
    loss_wrong = ocr_loss(model, images.detach(), wrong)
    assert loss_right.item() < loss_wrong.item()
    loss_right.backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(ValueError, match="cannot be scored"):
        ocr_loss(model, images, ["\u263a"] * 4)
    with pytest.raises(ValueError, match="'x{40}' cannot be scored by this recognizer: longer than 25") as caught:
        ocr_loss(model, images, [right[0], "x" * 40, "\u263a", right[3]])  # the reason of the first bad text, only it
    assert "charset" not in str(caught.value)


def test_checkpoint_round_trip_reads_the_same(overfit_run, words):
    from fontsynth.torchdata import ShardDataset

    payload = torch.load(overfit_run / "best.pt", weights_only=True)
    assert payload["tables"]["charset"] == payload["model_config"]["charset"] and payload["model"] == "trba"
    reader = Reader(overfit_run / "last.pt", "cpu")
    ds = ShardDataset(words / "clean", fields=("image", "label"), size=(32, 100))
    images = torch.stack([ds[i]["image"] for i in range(8)])
    model = create_model("trba", **payload["model_config"] | {"blocks": tuple(payload["model_config"]["blocks"])})
    model.load_state_dict(torch.load(overfit_run / "last.pt", weights_only=True)["state_dict"])
    assert torch.equal(model.eval()(images), reader.model(images))


# ---------------------------------------------------------------- labels left out, errors


def test_labels_outside_the_charset_are_counted_and_nothing_left_is_an_error(words, tmp_path):
    charset = tmp_path / "charset.txt"
    charset.write_text("abcdefghijklmnopqrstuvwxyz")
    result = invoke("train-recognizer", "--data", words / "clean", "--out", tmp_path / "r", "--charset", charset, "--preset", "smoke",
                    "--steps", "2", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("labels:"))
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    dropped = config["dropped"].get("characters outside the charset", 0)
    assert f"labels: {8 - dropped} of 8 usable" in line and config["charset"] == "abcdefghijklmnopqrstuvwxyz"
    charset.write_text("\u263a")
    result = invoke("train-recognizer", "--data", words / "clean", "--out", tmp_path / "r2", "--charset", charset, "--preset", "smoke",
                    "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 2 and "no usable label in the training data (left out: 8 characters outside the charset)" in result.output
    Image.new("L", (64, 32), 255).save(tmp_path / "blank.png")
    (tmp_path / "gt.txt").write_text("blank.png\t\nblank.png\t\n")  # labels that are all empty: no charset to derive
    result = invoke("train-recognizer", "--data", tmp_path / "gt.txt", "--out", tmp_path / "r3", "--preset", "smoke", "--workers", "0",
                    "--no-progress", "--device", "cpu")
    assert result.exit_code == 2 and "labels hold no character (every one is empty)" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "r3").exists()


def test_recognizer_input_errors(overfit_run, tmp_path):
    broken = tmp_path / "b.png"
    broken.write_bytes(b"nope")
    for args, message in [
        (["recognize", broken, "--model", overfit_run], "is not an image we can decode"),
        (["train-recognizer", "--out", tmp_path / "r", "--prediction", "rnn"], "--prediction must be attn or ctc"),
        (["train-recognizer", "--out", tmp_path / "r"], "no training data"),
        (["eval-recognizer", tmp_path, "--data", tmp_path], "holds no checkpoint"),
        (["eval-recognizer", overfit_run, "--data", tmp_path, "--batch-size", "-1"], "--batch-size must be at least 1 (got -1)"),
        (["eval-recognizer", overfit_run, "--data", tmp_path, "--limit", "0"], "--limit must be at least 1 (got 0)"),
    ]:
        result = invoke(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)


def test_ctc_training_from_the_fly(small_fonts, tmp_path):
    result = invoke("train-recognizer", "--fonts", small_fonts, "--on-the-fly", "--out", tmp_path / "r", "--prediction", "ctc",
                    "--preset", "smoke", "--steps", "4", "--workers", "0", "--no-progress", "--device", "cpu", "--size", "32x100")
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["model_config"]["prediction"] == "ctc" and config["charset"] == PRINTABLE_ASCII and " " in config["charset"]
    header, *rows = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    assert "dropped" in header and rows


def test_the_charset_on_the_fly_is_what_the_words_can_draw(small_fonts, tmp_path):
    (tmp_path / "w.txt").write_text("café\nnaïve\n", encoding="utf-8")
    result = invoke("train-recognizer", "--fonts", small_fonts, "--on-the-fly", "--words", tmp_path / "w.txt", "--out", tmp_path / "r",
                    "--preset", "smoke", "--steps", "2", "--workers", "0", "--no-progress", "--device", "cpu", "--size", "32x100")
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["charset"] == "".join(sorted(PRINTABLE_ASCII + "éï"))  # not ASCII alone: the words' letters are learnt


def test_words_of_a_script_only_its_own_fonts_draw_train_on_the_fly_with_any_font(tmp_path):
    import fontmaker as fm

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    fm.copy_font(fonts / "Vera.ttf")
    fm.hebrew_only(fonts / "hebrew.ttf")
    hebrew = "".join(chr(0x05D0 + i) for i in range(27))
    (tmp_path / "w.txt").write_text(f"{hebrew[:4]}\n{hebrew[4:9]}\n", encoding="utf-8")
    args = ["--fonts", fonts, "--on-the-fly", "--words", tmp_path / "w.txt", "--preset", "smoke", "--steps", "2", "--workers", "0",
            "--no-progress", "--device", "cpu", "--size", "32x100", "--prediction", "attn"]
    refused = invoke("train-recognizer", "--out", tmp_path / "clean", *args)
    assert refused.exit_code == 2 and "pass --any-font" in refused.output and not (tmp_path / "clean").exists()
    (tmp_path / "w.txt").write_text(f"{hebrew[:4]}\n{hebrew[4:9]}\nshalom\n", encoding="utf-8")  # one word the OCR-clean font covers
    partly = invoke("train-recognizer", "--out", tmp_path / "partly", *args)
    assert partly.exit_code == 0, partly.output
    assert f"warning: 2 words skipped: no usable font covers them (e.g. '{hebrew[:4]}'); 1 font that is not OCR-clean" in partly.stderr
    result = invoke("train-recognizer", "--out", tmp_path / "r", "--any-font", *args)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["data"]["any_font"] is True and set(hebrew[:9]) <= set(config["charset"])


def test_a_ctc_model_learns_to_read_right_to_left_words(tmp_path):
    """CTC with labels in the order they are drawn: a tiny model without a sequence stage, 200
    steps on the fly, reads held-out Hebrew strings (some in brackets) and gives its readings in
    reading order: 93% when measured. With the labels as typed it read none (they run against
    the columns: it cannot generalise)."""
    import random

    import fontmaker as fm

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    fm.hebrew_only(fonts / "hebrew.ttf")
    letters = "".join(chr(0x05D0 + i) for i in range(10))
    rng = random.Random(0)
    texts = {"".join(rng.choices(letters, k=rng.randint(3, 5))) for _ in range(2000)}
    texts = [f"({t})" if rng.random() < 0.1 else t for t in sorted(texts)]
    (tmp_path / "t.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps({"model": {"sequence": "none"}, "data": {"val_samples": 200}}))
    result = invoke("train-recognizer", "--fonts", fonts, "--on-the-fly", "--any-font", "--corpus", tmp_path / "t.txt", "--render-preset", "clean",
                    "--size", "32x100", "--out", tmp_path / "r", "--preset", "smoke", "--prediction", "ctc", "--config", tmp_path / "c.json",
                    "--steps", "200", "--batch-size", "32", "--lr", "5e-3", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert set(json.loads((tmp_path / "r" / "config.json").read_text())["charset"]) == set(letters + "()")
    rows = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    last = dict(zip(rows[0].split(","), rows[-1].split(",")))
    assert float(last["val_word_accuracy"]) > 0.6, rows[-3:]


def test_the_auxiliary_ctc_loss_is_added_in_training_only():
    """Joint CTC-attention: the trainer's loss is the cross-entropy plus ctc_aux x the CTC loss of
    the encoder's columns through their own head; ocr_loss and inference ignore that head."""
    import torch.nn.functional as F

    from classifier.recognizer.labels import GO
    from classifier.recognizer.task import sequence_loss

    torch.manual_seed(0)
    small = dict(charset=CHARSET, feature_channels=32, blocks=(1, 1, 1, 1), hidden=16, transformation="none")
    model = create_model("trba", **small, ctc_aux=0.5)
    x, texts = torch.rand(3, 1, 32, 100), ["ab", "Hello", "z9"]
    tokens = encode_attention(texts, CHARSET, model.config.max_length)
    features = model.encode(x)
    logits = model.decoder(features, tokens[:, :-1], model.config.max_length + 1)
    cross_entropy = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tokens[:, 1:].reshape(-1), ignore_index=GO)
    log_probs = model.ctc_head(features).log_softmax(2).transpose(0, 1)
    targets, lengths = encode_ctc(texts, CHARSET)
    ctc = F.ctc_loss(log_probs, targets, torch.full((3,), log_probs.shape[0]), lengths, blank=0, zero_infinity=True)
    assert ctc > 0
    assert sequence_loss(model, x, texts).item() == pytest.approx(cross_entropy.item(), rel=1e-5)
    assert ocr_loss(model, x, texts).item() == pytest.approx(cross_entropy.item(), rel=1e-5)
    total = sequence_loss(model, x, texts, training=True)
    assert total.item() == pytest.approx((cross_entropy + 0.5 * ctc).item(), rel=1e-5)
    total.backward()
    assert model.ctc_head.weight.grad.abs().sum() > 0
    assert create_model("trba", **small).ctc_head is None
    with pytest.raises(UserError, match="only attention models"):
        create_model("trba", **small, prediction="ctc", ctc_aux=1.0)
