"""train-classifier, eval-classifier and classify through the CLI on tiny data."""

import json
import shutil

import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from classifier import cli  # noqa: E402
from fontsynth.cli import app  # noqa: E402
from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402

runner = CliRunner()
FAST = ["--preset", "smoke", "--steps", "6", "--workers", "0", "--no-progress", "--device", "cpu"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def data(small_fonts, tmp_path_factory):
    root = tmp_path_factory.mktemp("clf")
    for name, seed, n in (("train", 0, 96), ("val", 1, 40)):
        render_dataset(RenderJob(fonts=small_fonts, out=root / name, n=n, seed=seed, size="32x128", workers=1, show_progress=False))
    return root


@pytest.fixture(scope="module")
def run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "typeface"
    result = invoke("train-classifier", "--data", data / "train", "--val-data", data / "val", "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    assert "done: step 6" in result.output
    return out


def test_training_writes_a_complete_run_folder(run):
    for name in ("config.json", "metrics.csv", "curves.png", "last.pt", "best.pt"):
        assert (run / name).exists(), name
    config = json.loads((run / "config.json").read_text())
    assert config["kind"] == "typeface-classifier" and config["train"]["steps"] == 6 and config["model_config"]["num_classes"] == 4
    assert config["model_config"]["height"] == 32 and config["preset"] == "smoke"
    assert config["train"]["bf16"] is True and config["train"]["cpu_bf16"] is True  # bf16 on CPUs that have it natively


def test_eval_prints_one_json_object_and_writes_its_files(run, data):
    result = invoke("eval-classifier", run, "--data", data / "val", "--json", "--workers", "0", "--device", "cpu")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the progress bar is on stderr
    assert "evaluating" in result.stderr and "40/40" in result.stderr
    assert report["n"] == 40 and report["classes"] == 4 and 0 <= report["top1"] <= report["top5"] <= 1
    assert report["top5"] == 1.0  # 4 classes: every font is among the top 5
    folder = run / "eval-val"
    assert (folder / "confusions.png").exists() and json.loads((folder / "eval.json").read_text())["n"] == 40
    # which weights were scored: a run folder is read by best.pt (chosen on the validation data), a .pt as given
    assert report["checkpoint"] == str(run / "best.pt") and report["step"] == 6
    assert json.loads((folder / "eval.json").read_text())["checkpoint"] == str(run / "best.pt")
    plain = invoke("eval-classifier", run / "last.pt", "--data", data / "val", "--workers", "0", "--device", "cpu", "--no-progress")
    assert plain.exit_code == 0 and f"weights: {run / 'last.pt'} (step 6)" in plain.output
    # last.pt's evaluation sits beside the folder's (best.pt's), not over it; best.pt given by name is the folder's
    assert json.loads((run / "eval-val-last" / "eval.json").read_text())["checkpoint"] == str(run / "last.pt")
    assert json.loads((folder / "eval.json").read_text())["checkpoint"] == str(run / "best.pt")
    assert cli.eval_folder(run / "best.pt", data / "val") == folder and cli.eval_folder(run, data / "val") == folder
    lines = (folder / "per_class.csv").read_text().splitlines()
    assert lines[0].startswith("class_id,font,family,style,items,correct") and len(lines) == 5
    assert sum(int(line.split(",")[4]) for line in lines[1:]) == 40
    assert sum(cell["n"] for cell in report["by_effect"]["blur"].values()) == 40  # top-1 by render slice, from each sample's Style
    assert (folder / "effects.png").exists() and (folder / "effects.csv").read_text().splitlines()[0] == "slice,value,n,top1"


def test_eval_folder_of_a_checkpoint_other_than_the_folders(tmp_path):
    (tmp_path / "last.pt").touch()
    assert cli.eval_folder(tmp_path / "last.pt", tmp_path / "val") == tmp_path / "eval-val"  # no best.pt: the folder is read by last.pt
    (tmp_path / "best.pt").touch()
    assert cli.eval_folder(tmp_path / "last.pt", tmp_path / "val") == tmp_path / "eval-val-last"
    assert cli.eval_folder(tmp_path / "step900.pt", tmp_path / "val") == tmp_path / "eval-val-step900"
    assert cli.eval_folder(tmp_path, tmp_path / "val") == tmp_path / "eval-val"
    for bench in ("iiit5k", "svt"):  # labels files of one name in two folders: two reports
        (tmp_path / bench).mkdir()
        (tmp_path / bench / "gt.txt").write_text("a.png\ta\n")
        assert cli.eval_folder(tmp_path, tmp_path / bench / "gt.txt") == tmp_path / f"eval-{bench}-gt"


def test_classify_any_image_as_json_lines(run, data, tmp_path):
    word = tmp_path / "word.jpg"
    Image.new("RGB", (300, 90), (200, 30, 30)).save(word)  # colour, JPEG, another size
    grey = tmp_path / "grey.png"
    Image.new("L", (50, 20), 255).save(grey)
    result = invoke("classify", word, grey, "--model", run, "--top", "3", "--json", "--device", "cpu")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["image"] for line in lines] == [str(word), str(grey)]
    fonts = json.loads((data / "train" / "manifest.json").read_text())["classes"]
    for line in lines:
        assert len(line["top"]) == 3 and all(t["font"] in fonts and t["family"] for t in line["top"])
        scores = [t["score"] for t in line["top"]]
        assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1.0001
    plain = invoke("classify", grey, "--model", run, "--device", "cpu")
    assert plain.exit_code == 0 and plain.output.startswith(f"{grey}: ")


def test_a_long_list_of_images_is_read_in_chunks_with_the_same_results(run, data, tmp_path, monkeypatch):
    from fontsynth.dataset import Dataset

    val = Dataset(data / "val")
    paths = [tmp_path / f"w{i}.png" for i in range(10)]
    for i, path in enumerate(paths):
        path.write_bytes(val[i]["image"])
    whole = invoke("classify", *paths, "--model", run, "--json", "--device", "cpu")
    monkeypatch.setattr(cli.WordImages, "CHUNK", 3)
    decoded, real = [], cli.read_images
    monkeypatch.setattr(cli, "read_images", lambda listed: decoded.extend(listed) or real(listed))
    chunked = invoke("classify", *paths, "--model", run, "--json", "--device", "cpu", "--no-progress")
    assert whole.exit_code == 0 and chunked.exit_code == 0, chunked.output
    for one, other in zip(*([json.loads(line) for line in r.output.splitlines()] for r in (whole, chunked)), strict=True):
        assert one["image"] == other["image"] and [t["font"] for t in one["top"]] == [t["font"] for t in other["top"]]
        assert [t["score"] for t in one["top"]] == pytest.approx([t["score"] for t in other["top"]], abs=1e-5)
    assert sorted(decoded) == sorted(paths * 2)  # each file checked first, then read with its chunk: never all held at once
    paths[-1].write_bytes(b"broken")  # the last file broken: refused before the model loads, no result printed
    refused = invoke("classify", *paths, "--model", tmp_path / "no-model", "--json", "--device", "cpu", "--no-progress")
    assert refused.exit_code == 2 and "w9.png is not an image we can decode" in refused.output and '"top"' not in refused.output


def test_classify_words_inside_a_photo(run, data, tmp_path):
    """--box and --quad (repeatable) name words inside one photo: each is classified as its crop
    saved alone would be, and named by its region in the output."""
    import io

    import numpy as np

    from fontsynth.dataset import Dataset

    word = np.asarray(Image.open(io.BytesIO(Dataset(data / "val")[0]["image"])).convert("L"))
    h, w = word.shape
    photo = np.random.default_rng(0).integers(0, 256, (h + 50, w + 80), dtype=np.uint8)
    photo[30:30 + h, 20:20 + w] = word
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(word).save(tmp_path / "word.png")
    box = f"20,30,{20 + w},{30 + h}"
    quad = f"20,30,{20 + w},30,{20 + w},{30 + h},20,{30 + h}"  # the box's corners: the same crop
    alone = invoke("classify", tmp_path / "word.png", "--model", run, "--json", "--device", "cpu")
    inside = invoke("classify", tmp_path / "photo.png", "--box", box, "--quad", quad, "--box", f"0,0,{w},{h}", "--model", run,
                    "--json", "--device", "cpu")
    assert alone.exit_code == 0 and inside.exit_code == 0, inside.output
    top = json.loads(alone.output)["top"]
    lines = [json.loads(line) for line in inside.output.splitlines()]
    assert [sorted(line) for line in lines] == [["box", "image", "top"], ["box", "image", "top"], ["image", "quad", "top"]]
    assert lines[0]["box"] == [20, 30, 20 + w, 30 + h] and lines[2]["quad"] == [20, 30, 20 + w, 30, 20 + w, 30 + h, 20, 30 + h]
    assert lines[0]["top"] == top and lines[2]["top"] == top and lines[1]["top"] != top  # the noise corner reads otherwise
    text = invoke("classify", tmp_path / "photo.png", "--box", box, "--model", run, "--device", "cpu")
    assert text.exit_code == 0 and text.output.startswith(f"{tmp_path / 'photo.png'} [box {box}]: ")
    for args, message in (([tmp_path / "photo.png", tmp_path / "word.png", "--box", box], "pass one IMAGE"),
                          ([tmp_path / "photo.png", "--box", f"0,0,{w + 81},{h}"], "is not inside the"),
                          ([tmp_path / "photo.png", "--quad", "1,2,3"], "X1,Y1,X2,Y2")):
        for model in (run, tmp_path / "no-model"):  # regions are checked before a model loads
            result = invoke("classify", *args, "--model", model, "--device", "cpu")
            assert result.exit_code == 2 and "error: " in result.output and message in result.output, result.output
            assert result.output.count("error:") == 1


def test_resume_of_a_finished_run_changes_nothing_and_a_longer_one_continues(run, data, tmp_path):
    copy = tmp_path / "moved"
    shutil.copytree(run, copy)  # a run folder can be moved
    result = invoke("train-classifier", "--out", copy, "--resume", "--steps", "8", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "step 8" in result.output
    assert json.loads((copy / "config.json").read_text())["train"]["steps"] == 6  # the saved settings; only --steps changed


def test_a_run_saved_before_cpu_bf16_and_schedule_resumes_as_it_ran_in_float32_on_the_cosine(run, tmp_path, monkeypatch):
    from classifier import training

    old = tmp_path / "old"
    shutil.copytree(run, old)
    config = json.loads((old / "config.json").read_text())
    del config["train"]["cpu_bf16"], config["train"]["schedule"]  # as runs saved before the settings
    (old / "config.json").write_text(json.dumps(config))
    seen, decide, schedules, rate = [], training.autocast_bf16, set(), training.learning_rate
    monkeypatch.setattr(training, "autocast_bf16", lambda c, device: seen.append(c.cpu_bf16) or decide(c, device))
    monkeypatch.setattr(training, "learning_rate", lambda c, *args: schedules.add(c.schedule) or rate(c, *args))
    result = invoke("train-classifier", "--out", old, "--resume", "--steps", "7", "--workers", "0", "--no-progress", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert seen == [False]  # the legacy value: the CPU run goes on in float32, as it began
    assert schedules == {"cosine"}  # and on the schedule it began with


@pytest.mark.parametrize("args, message", [
    ([], "no training data"),
    (["--data", "/nowhere"], "--data /nowhere does not exist"),
    (["--on-the-fly"], "--on-the-fly needs --fonts"),
    (["--device", "cuda"], "torch sees no CUDA GPU"),
    (["--preset", "huge"], "unknown preset 'huge'"),
    (["--words", "w.txt"], "--words is for --on-the-fly rendering"),
    (["--any-font"], "--any-font is for --on-the-fly rendering"),
])
def test_bad_training_input_is_one_error_line(args, message, data, tmp_path, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    base = ["--data", data / "train"] if args[:1] in (["--device"], ["--preset"], ["--words"], ["--any-font"]) else []
    result = invoke("train-classifier", "--out", tmp_path / "r", "--workers", "0", "--no-progress", *base, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("error:") == 1
    assert not (tmp_path / "r").exists()  # no partial output: not even config.json


def test_config_file_keys_are_checked(data, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"train": {"lr": 0.1, "learning_rate": 1}}))
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r", "--config", bad, *FAST)
    assert result.exit_code == 2 and "unknown key(s) learning_rate" in result.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"model": {"hidden": 24}, "train": {"optimizer": "sgd", "lr": 0.01}}))
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r", "--config", good, *FAST)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["model_config"]["hidden"] == 24 and config["train"]["optimizer"] == "sgd" and config["train"]["steps"] == 6
    assert config["losses"] == {"label_smoothing": 0.0}  # the smoke preset's
    smoothed = tmp_path / "smoothed.json"
    smoothed.write_text(json.dumps({"losses": {"label_smoothing": 0.25}}))
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "s", "--config", smoothed, *FAST)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "s" / "config.json").read_text())["losses"] == {"label_smoothing": 0.25}
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"losses": {"label_smoothing": 0.0}}))
    assert invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "p", "--config", plain, *FAST).exit_code == 0

    def losses(run):
        return [row.split(",")[3] for row in (run / "metrics.csv").read_text().splitlines()[1:]]

    assert losses(tmp_path / "s") != losses(tmp_path / "p")  # the same seeded run but for the smoothing: it reached the loss
    smoothed.write_text(json.dumps({"losses": {"label_smoothing": 1.5}}))
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "t", "--config", smoothed, *FAST)
    assert result.exit_code == 2 and "label_smoothing" in result.output and result.output.count("error:") == 1


def test_a_dataset_of_one_font_is_refused(small_fonts, tmp_path):
    one = tmp_path / "onefont"
    one.mkdir()
    shutil.copyfile(small_fonts / "Vera.ttf", one / "Vera.ttf")
    render_dataset(RenderJob(fonts=one, out=tmp_path / "d", n=10, size="32x128", workers=1, show_progress=False))
    result = invoke("train-classifier", "--data", tmp_path / "d", "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 2 and "holds 1 font(s); a classifier needs at least 2" in result.output


def test_training_on_several_rendered_datasets_knows_every_font_of_them(data, small_fonts, tmp_path):
    """Two datasets of different font sets (two fonts shared, one new): the class table is their
    union, the draws follow --data-weights, and fonts only one dataset holds are trained on."""
    from fontmaker import FONTS
    from fontsynth.dataset import Dataset

    other = tmp_path / "other-fonts"
    other.mkdir()
    for name in ("Vera.ttf", "Karla-Regular.otf"):
        shutil.copyfile(small_fonts / name, other / name)
    shutil.copyfile(FONTS / "Caladea-Regular.ttf", other / "Caladea-Regular.ttf")
    render_dataset(RenderJob(fonts=other, out=tmp_path / "b", n=40, seed=3, size="32x128", workers=1, show_progress=False))
    fonts_a, fonts_b = ({Dataset(d)[i]["font"].decode() for i in range(len(Dataset(d)))} for d in (data / "train", tmp_path / "b"))
    assert len(fonts_a) == 4 and len(fonts_b) == 3 and len(fonts_a & fonts_b) == 2
    out = tmp_path / "mixed"
    result = invoke("train-classifier", "--data", data / "train", "--data", tmp_path / "b", "--data-weights", "1,3", "--val-data", data / "val",
                    "--out", out, *FAST)
    assert result.exit_code == 0, result.output
    assert f"training data: 25% of the draws from 96 words of {data / 'train'}" in result.output
    assert f"75% of the draws from 40 words of {tmp_path / 'b'}" in result.output
    checkpoint = torch.load(out / "last.pt", weights_only=True)
    assert checkpoint["tables"]["classes"] == sorted(fonts_a | fonts_b)  # five fonts, class id = position
    config = json.loads((out / "config.json").read_text())
    assert config["model_config"]["num_classes"] == 5 and config["data"]["data_weights"] == [1.0, 3.0]
    refused = invoke("train-classifier", "--data", data / "train", "--data", tmp_path / "b", "--data-weights", "1", "--out", tmp_path / "r", *FAST)
    assert refused.exit_code == 2 and "one per --data" in refused.output and not (tmp_path / "r").exists()
    # a labels file (another tool's images and texts) has no font ids: refused beside renders, alone, and for validation
    Image.new("L", (64, 32), 255).save(tmp_path / "a.png")
    (tmp_path / "gt.txt").write_text("a.png\thello\n")
    for args in (["--data", data / "train", "--data", tmp_path / "gt.txt"], ["--data", tmp_path / "gt.txt"],
                 ["--data", data / "train", "--val-data", tmp_path / "gt.txt"]):
        refused = invoke("train-classifier", *args, "--out", tmp_path / "r", *FAST)
        assert refused.exit_code == 2 and "gt.txt is data made by another tool" in refused.output, refused.output
        assert not (tmp_path / "r").exists()


def test_inference_errors(run, tmp_path):
    (tmp_path / "empty").mkdir()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cases = [
        (["classify", broken, "--model", run], f"{broken} is not an image we can decode"),
        (["classify", tmp_path / "gone.png", "--model", run], f"{tmp_path / 'gone.png'} does not exist; pass PNG or JPEG files"),
        (["classify", broken, "--model", tmp_path / "empty"], "is not an image"),  # images are read first
        (["classify", run / "curves.png", "--model", tmp_path / "empty"], "holds no checkpoint"),
        (["eval-classifier", tmp_path / "empty", "--data", tmp_path], "holds no checkpoint"),
        (["eval-classifier", run, "--data", tmp_path / "empty"], "is not a fontsynth dataset"),
        (["classify", run / "curves.png", "--model", run, "--top", "0"], "--top must be at least 1 (got 0)"),
        (["eval-classifier", run, "--data", tmp_path, "--batch-size", "0"], "--batch-size must be at least 1 (got 0)"),  # before the data is read
        (["eval-classifier", run, "--data", tmp_path, "--limit", "-2"], "--limit must be at least 1 (got -2)"),
        (["eval-classifier", run, "--data", tmp_path, "--workers", "-1"], "--workers must be at least 0 (got -1)"),
    ]
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert result.output.count("error:") == 1 and "Traceback" not in result.output


def test_a_run_folder_that_is_a_file_is_refused_and_kept(data, tmp_path):
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    result = invoke("train-classifier", "--data", data / "train", "--out", taken, *FAST)
    assert result.exit_code == 2 and f"--out {taken} is a file; pass a folder" in result.output and result.output.count("error:") == 1
    assert taken.read_text() == "mine"


def test_a_run_without_validation_says_so_not_minus_infinity(data, tmp_path):
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r", *FAST)  # no --val-data, 6 steps < val_every
    assert result.exit_code == 0, result.output
    assert "not validated: no best.pt, evaluations read last.pt" in result.output and "inf" not in result.output
    assert not (tmp_path / "r" / "best.pt").exists() and (tmp_path / "r" / "last.pt").exists()


def test_on_the_fly_training_from_a_fonts_folder(small_fonts, tmp_path):
    result = invoke("train-classifier", "--fonts", small_fonts, "--on-the-fly", "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert config["data"]["on_the_fly"] and config["data"]["val_samples"] == 256 and config["classes"] == 4
    rows = (tmp_path / "r" / "metrics.csv").read_text().splitlines()
    assert rows[-1].split(",")[0] == "6" and rows[-1].split(",")[-1] != ""  # validated at the last step


def test_init_from_a_local_torchvision_state_dict(data, tmp_path):
    torch.manual_seed(0)
    weights = {"features.0.weight": torch.randn(8, 3, 3, 3), "features.0.bias": torch.randn(8), "classifier.6.weight": torch.randn(1000, 4096)}
    path = tmp_path / "vgg16.pth"
    torch.save(weights, path)
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r", "--init", path, *FAST, "--steps", "1")
    assert result.exit_code == 0, result.output
    assert "2 tensors loaded, 1 skipped (classifier.6.weight" in result.output
    torch.save({"something": torch.zeros(1)}, tmp_path / "other.pth")
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r2", "--init", tmp_path / "other.pth", *FAST)
    assert result.exit_code == 2 and "neither a fontsynth checkpoint nor a torchvision VGG state_dict" in result.output
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "r3", "--init", tmp_path / "missing.pth", *FAST)
    assert result.exit_code == 2 and "missing.pth does not exist" in result.output


def test_init_from_a_typeface_run_fine_tunes_it(run, data, tmp_path):
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "ft", "--init", run, *FAST, "--steps", "1", "--lr", "1e-12")
    assert result.exit_code == 0, result.output
    assert "tensors loaded, 0 skipped" in result.output
    from classifier.training import load_checkpoint

    before, after = load_checkpoint(run)["state_dict"], load_checkpoint(tmp_path / "ft" / "last.pt")["state_dict"]
    for key in ("convs.0.weight", "classifier.0.weight", "classifier.6.weight"):  # one step at lr 1e-12: the run's weights
        assert torch.allclose(before[key], after[key], atol=1e-6), key
    (tmp_path / "norm.json").write_text(json.dumps({"model": {"input_norm": "polarity"}}))
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "ft2", "--init", run, "--config", tmp_path / "norm.json", *FAST)
    assert result.exit_code == 2 and "was trained with input_norm 'imagenet', this run uses 'polarity'" in result.output
    from classifier.training import CHECKPOINT_FORMAT

    torch.save({"format": CHECKPOINT_FORMAT, "model": "trba", "tables": {"charset": "ab"}}, tmp_path / "reader.pt")
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "ft3", "--init", tmp_path / "reader.pt", *FAST)
    assert result.exit_code == 2 and "is a trba checkpoint, not a typeface classifier's" in result.output
    torch.save({**load_checkpoint(run), "format_version": 99}, tmp_path / "future.pt")
    result = invoke("train-classifier", "--data", data / "train", "--out", tmp_path / "ft4", "--init", tmp_path / "future.pt", *FAST)
    assert result.exit_code == 2 and "written by a newer fontsynth" in result.output


def test_eval_on_a_labels_file_naming_fonts_scores_as_the_shards_do(run, data, tmp_path):
    """The val renders as image files and IMAGE<TAB>FONT lines (fonts named by family and style,
    by id, or misspelt): the same top-1, top-5 and nearest-neighbour accuracy as on the shards."""
    from classifier.classification import font_ids_by_name
    from fontsynth.dataset import Dataset

    on_shards = json.loads(invoke("eval-classifier", run, "--data", data / "val", "--json", "--workers", "0", "--device", "cpu",
                                  "--no-progress").stdout)
    ds = Dataset(data / "val")
    names = {f["id"]: f for f in json.loads((data / "val" / "catalog.json").read_text())["fonts"]}
    (tmp_path / "images").mkdir()
    lines = []
    for i in range(40):
        (tmp_path / "images" / f"{i}.png").write_bytes(ds[i]["image"])
        font = names[ds[i]["font"].decode()]
        named = font["id"] if i % 3 == 0 else f"{font['family'].upper()}  {font['style']}"  # an id, or the name in any case and spacing
        lines.append(f"images/{i}.png\t{named}")
    (tmp_path / "fonts.txt").write_text("\n".join(lines) + "\n")
    result = invoke("eval-classifier", run, "--data", tmp_path / "fonts.txt", "--json", "--workers", "0", "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    for key in ("top1", "top5", "n", "nn_accuracy", "nn_n", "fonts", "unseen_fonts"):
        assert listed[key] == pytest.approx(on_shards[key]), key
    assert listed["unmatched_names"] == [] and listed["unreadable"] == 0 and listed["data"].startswith("40 images of the labels file")

    lines[1] = "images/1.png\tNo Such Sans"  # a name the table lacks: an unseen font
    (tmp_path / "images" / "2.png").write_bytes(b"not a png")  # an image that does not decode: left out
    (tmp_path / "fonts.txt").write_text("\n".join(lines) + "\n")
    result = invoke("eval-classifier", run, "--data", tmp_path / "fonts.txt", "--workers", "0", "--device", "cpu", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "names the class table does not hold (counted as unseen fonts): No Such Sans" in result.output
    assert "1 image(s) that do not decode, left out" in result.output
    report = json.loads((run / f"eval-{tmp_path.name}-fonts" / "eval.json").read_text())
    assert report["n"] == 38 and report["unseen_fonts"] == 1 and report["unseen_items"] == 1

    table = {"a": {"family": "Cabin", "style": "Bold"}, "b": {"family": "Cabin", "style": "Regular"}, "c": {"family": "Junction", "style": "Regular"}}
    assert font_ids_by_name(["cabin bold", "Cabin", "junction", "c", "Junction  REGULAR", "Nope"], table) == \
        {"cabin bold": "a", "junction": "c", "c": "c", "Junction  REGULAR": "c"}  # "Cabin" alone is two fonts: no match


def test_a_classifier_that_reads_wide_words_in_windows(small_fonts, tmp_path):
    import numpy as np

    from classifier.classification import Classifier, canvas
    from classifier.data import Crops, DataConfig, open_sources
    from classifier.typeface import VGGConfig

    train, val = tmp_path / "train", tmp_path / "val"
    for out, seed, n in ((train, 0, 64), (val, 1, 24)):  # 32 px high at each word's natural width, as render draws by default
        render_dataset(RenderJob(fonts=small_fonts, out=out, n=n, seed=seed, workers=1, show_progress=False))
    sources = open_sources(DataConfig(data=str(train), val_data=str(val)), ("image", "font"), (32, 64), 1, crop=Crops("drawn", (0.0, 1.0)))
    assert sources.train[0]["image"].shape == (1, 32, 64) and sources.val[0]["image"].shape == (2, 1, 32, 64)
    config = tmp_path / "wide.json"
    config.write_text(json.dumps({"model": {"wide": "crop", "width": 64}}))
    result = invoke("train-classifier", "--data", train, "--val-data", val, "--config", config, "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r" / "config.json").read_text())["model_config"]["wide"] == "crop"
    result = invoke("eval-classifier", tmp_path / "r", "--data", val, "--json", "--workers", "0", "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 24 and (tmp_path / "r" / "eval-val" / "confusions.png").exists()
    # classify reads a wide word by both its ends: the scores of the mean of the two windows' embeddings
    clf = Classifier(tmp_path / "r", "cpu")
    word = np.tile(np.linspace(0, 255, 300).astype(np.uint8), (40, 1))  # 240 px wide at the canvas height
    windows = clf.prepare(word)
    assert windows.shape == (2, 1, 32, 64) and not torch.equal(windows[0], windows[1])
    with torch.no_grad():
        mean = (clf.model.embed(windows[:1]) + clf.model.embed(windows[1:])) / 2
        want = clf.model.head(mean).softmax(dim=1)[0]
    assert clf.top([word], k=1)[0][0]["score"] == pytest.approx(want.max().item(), abs=1e-5)
    # on the fly such a model draws words at their natural width, for its windows to read
    assert canvas(VGGConfig(wide="crop", height=32, width=64)) == ((32, 64), "32") and canvas(VGGConfig())[1] is None
    result = invoke("train-classifier", "--fonts", small_fonts, "--on-the-fly", "--config", config, "--out", tmp_path / "otf", *FAST)
    assert result.exit_code == 0, result.output


def test_eval_on_fonts_the_classifier_never_saw_reports_nearest_neighbours_only(run, tmp_path):
    from conftest import FONTS

    fonts = tmp_path / "unseen"
    fonts.mkdir()
    for name in ("Cabin-Bold.otf", "Comfortaa-Regular.ttf"):  # not among the classifier's four
        shutil.copyfile(FONTS / name, fonts / name)
    render_dataset(RenderJob(fonts=fonts, out=tmp_path / "held-out", n=16, seed=2, size="32x128", workers=1, show_progress=False))
    result = invoke("eval-classifier", run, "--data", tmp_path / "held-out", "--json", "--workers", "0", "--device", "cpu",
                    "--out", tmp_path / "eval")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # valid JSON: null, not NaN
    assert report["top1"] is None and report["top5"] is None and report["n"] == 0 and "by_effect" not in report
    assert report["unseen_fonts"] == 2 and report["unseen_items"] == 16 and report["nn_n"] == 16 and 0 <= report["nn_accuracy"] <= 1
    assert json.loads((tmp_path / "eval" / "eval.json").read_text())["nn_n"] == 16
    plain = invoke("eval-classifier", run, "--data", tmp_path / "held-out", "--workers", "0", "--device", "cpu", "--no-progress",
                   "--out", tmp_path / "eval")
    assert plain.exit_code == 0 and "top-1, top-5: none of the images is of a font in the class table (4 classes)" in plain.output
    assert "nearest-neighbour accuracy" in plain.output and "over 16 images of 2 fonts (2 not in the class table)" in plain.output


def test_info_on_a_run_folder_says_its_state_best_validation_and_evaluations(data, tmp_path):
    from classifier.training import RunFolder

    out = tmp_path / "r"
    (tmp_path / "every2.json").write_text(json.dumps({"train": {"val_every": 2, "log_every": 1, "checkpoint_every": 2}}))
    trained = invoke("train-classifier", "--data", data / "train", "--val-data", data / "val", "--out", out, *FAST,
                     "--config", tmp_path / "every2.json")
    assert trained.exit_code == 0, trained.output
    assert invoke("eval-classifier", out, "--data", data / "val", "--workers", "0", "--device", "cpu", "--no-progress").exit_code == 0
    result = invoke("info", out, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    rows = RunFolder(out).read_metrics()
    validated = [r for r in rows if r["val_top1"] == r["val_top1"]]  # not NaN
    first_best = max(validated, key=lambda r: r["val_top1"])
    assert len(validated) == 3 and info["best"] == {"step": first_best["step"], "val_top1": first_best["val_top1"], "validations": 3}
    assert info["checkpoints"]["best"]["step"] == torch.load(out / "best.pt", weights_only=True)["step"] == first_best["step"]
    assert info["step"] == info["checkpoints"]["last"]["step"] == 6 and info["state"] == "done" and info["planned_steps"] == 6
    assert info["kind"] == "typeface-classifier" and info["classes"] == 4 and info["data"] == str(data / "train")
    report = json.loads((out / "eval-val" / "eval.json").read_text())
    assert info["evaluations"] == {"eval-val": {k: report[k] for k in ("top1", "top5", "nn_accuracy", "n", "checkpoint", "step")}}
    text = invoke("info", out)
    assert text.exit_code == 0 and "state: done: step 6" in text.output and f"best val_top1 {first_best['val_top1']:.4f}" in text.output
    assert "eval-val (best.pt, step" in text.output and "train_loss" in text.output
    (out / "best.pt").write_bytes(b"damaged")  # a damaged checkpoint is said, the rest still read
    damaged = invoke("info", out)
    assert damaged.exit_code == 0 and "best.pt: unreadable (" in damaged.output and "state: done" in damaged.output
    (out / "metrics.csv").write_text("step,lr\n6,fast\n")
    garbled = invoke("info", out)
    assert garbled.exit_code == 2 and "metrics.csv is not a metrics file training wrote" in garbled.output and "Traceback" not in garbled.output


def test_a_runs_state_follows_its_plan():
    from classifier.runinfo import run_state

    assert run_state(6, 1.0, {"steps": 6}, True) == "done"
    assert run_state(600, 1800.5, {"max_minutes": 30.0}, True) == "done"
    assert run_state(4, 1.0, {"steps": 6}, True).startswith("stopped before its end")
    assert run_state(4, 100.0, {"max_minutes": 30.0}, True).startswith("stopped before its end")
    assert run_state(4, 100.0, {"steps": 0, "max_minutes": 0}, True).startswith("no planned end")
    assert run_state(0, 0.0, {"steps": 6}, False) == "no checkpoint yet"


def test_info_knows_the_score_each_model_picks_best_pt_by():
    from brush.train import BrushTask
    from classifier.classification import ClassifierTask
    from classifier.recognizer.task import RecognizerTask
    from classifier.runinfo import SCORES

    assert SCORES == {"typeface-classifier": ClassifierTask.score, "recognizer": RecognizerTask.score, "brush": BrushTask.score}
