"""Reading each word at its own width (classifier.recognizer.widths): long texts unsqueezed,
words that fit the training canvas read exactly as in training."""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from classifier.recognizer import Reader  # noqa: E402
from classifier.recognizer.widths import (  # noqa: E402
    GROUP_SIZE, GROUP_STEP, WIDEST, predict_at_widths, reading_canvas, reading_widths, scoring_width, training_groups, training_widths,
    used_widths, width_groups)
from classifier.registry import create_model  # noqa: E402
from fontsynth.canvas import fit_to_canvas  # noqa: E402
from fontsynth.cli import app  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402

CHARSET = "abcdefghijklmnopqrstuvwxyz"
BASE = 100  # the training canvas's width


def wide_tensor(image: np.ndarray, width: int = BASE * WIDEST) -> torch.Tensor:
    return torch.from_numpy(fit_to_canvas(image, 32, width, 1).transpose(2, 0, 1).astype(np.float32) / 255)


def random_images(n: int, seed: int = 0) -> list[np.ndarray]:
    """Grey images of random heights and widths (natural widths at height 32 from 3 to 600), some
    ending in a flat margin of the last column's values."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(n):
        h = int(rng.integers(16, 80))
        image = rng.integers(0, 256, (h, int(rng.integers(2, 600 * h // 32 + 2))), dtype=np.uint8)
        if rng.random() < 0.3:
            image[:, -int(rng.integers(1, image.shape[1] + 1)):] = image[:, -1:]
        images.append(image)
    return images


def test_used_width_by_hand():
    image = torch.zeros(1, 1, 2, 6)
    image[0, 0, 0, 2] = 1.0  # column 2 differs from the last column (zeros); columns 3-5 repeat it
    assert used_widths(image).tolist() == [4]  # column 3 is the first copy: kept, the rest is padding
    assert used_widths(torch.zeros(1, 1, 2, 6)).tolist() == [1]  # all flat
    ramp = torch.arange(6.0).view(1, 1, 1, 6)
    assert used_widths(ramp).tolist() == [6]  # nothing repeats the last column


def test_reading_widths_by_hand():
    assert reading_widths(60, BASE) == reading_widths(100, BASE) == [BASE]  # fits: the training canvas only
    assert reading_widths(120, BASE) == [BASE, 120]  # 120 / 1.25 = 96: the canvas already squeezes less
    assert reading_widths(200, BASE) == [BASE, 160, 200]  # the canvas, squeezed by 1.25, its own width
    assert reading_widths(203, BASE) == [BASE, 164, 204]  # 162.4 and 203 rounded up to whole CTC columns


def test_a_crop_at_the_used_width_loses_nothing_and_words_that_fit_are_the_training_images():
    images = random_images(400)
    wide = torch.stack([wide_tensor(im) for im in images])
    used = used_widths(wide)
    fitting = 0
    for im, tensor, u in zip(images, wide, used.tolist()):
        crop = tensor[..., :u]
        assert torch.equal(torch.cat([crop, crop[..., -1:].expand(-1, -1, BASE * WIDEST - u)], dim=2), tensor)  # padding restores it
        natural = round(im.shape[1] * 32 / im.shape[0])
        if natural <= BASE:  # fits the training canvas: its crop there is exactly what training showed
            fitting += 1
            assert u <= BASE and torch.equal(tensor[..., :BASE], wide_tensor(im, BASE))
    assert 20 < fitting < 380  # both kinds were drawn


def tiny_ctc(**kw):
    torch.manual_seed(0)
    return create_model("trba", **{"charset": CHARSET, "feature_channels": 32, "blocks": (1, 1, 1, 1), "hidden": 16, "transformation": "none",
                                   "sequence": "none", "prediction": "ctc", **kw}).eval()


def test_words_that_fit_are_read_as_in_training_and_wider_ones_at_their_most_confident_width():
    images = random_images(40, seed=1)
    wide = torch.stack([wide_tensor(im) for im in images])
    used = used_widths(wide)
    groups = width_groups(wide, BASE)
    widths_of = {k: [batch.shape[-1] for indices, batch in groups if k in indices] for k in range(len(images))}
    assert all(widths_of[k] == reading_widths(int(used[k]), BASE) for k in range(len(images)))  # each image at each of its widths
    assert [batch.shape[-1] for _, batch in groups] == sorted({w for ws in widths_of.values() for w in ws})  # narrowest first
    readings = {k: [] for k in range(len(images))}  # (confidence, text, image) at each width, narrowest first
    model = tiny_ctc()
    for indices, batch in groups:
        texts, confidences = model.predict(batch)
        for k, image, text, confidence in zip(indices, batch, texts, confidences):
            if used[k] <= BASE:  # fits: cropped to the canvas (the training image itself: the test above)
                assert torch.equal(image, wide[k][..., :BASE])
            elif image.shape[-1] >= used[k]:  # its own width: only padding cut
                assert torch.equal(image, wide[k][..., :image.shape[-1]])
            readings[k].append((confidence, text, image))
    texts, confidences, shown = predict_at_widths(model, wide)
    for k, options in readings.items():
        best = max(range(len(options)), key=lambda i: (options[i][0], -i))  # the most confident, the narrower on a tie
        assert texts[k] == options[best][1] and confidences[k] == pytest.approx(options[best][0]) and torch.equal(shown[k], options[best][2])
    at_canvas = torch.stack([wide_tensor(im, BASE) for im in images])
    assert predict_at_widths(model, at_canvas)[0] == model.predict(at_canvas)[0]  # a canvas-wide batch: one group, as before


def test_a_tps_model_reads_at_the_training_canvas_only():
    tps = create_model("trba", charset=CHARSET, feature_channels=32, blocks=(1, 1, 1, 1), hidden=16, tps_channels=4, fiducial_points=6)
    assert not tps.reads_any_width and tiny_ctc().reads_any_width
    assert reading_canvas(tps.config, tps.reads_any_width) == (32, BASE)
    assert reading_canvas(tiny_ctc().config, True) == (32, BASE * WIDEST)
    with pytest.raises(AssertionError, match="expected N x 1 x 32 x 100 images"):
        tps.encode(torch.rand(2, 1, 32, 140))
    assert tiny_ctc().encode(torch.rand(2, 1, 32, 140)).shape[1] == 140 // 4 + 1  # one column per 4 pixels, as at the canvas


def test_eval_and_recognize_read_wide_images_wider_unless_told_not_to(small_fonts, tmp_path):
    from fontsynth.pipeline import RenderJob, render_dataset

    runner = CliRunner()
    run = tmp_path / "r"
    data = tmp_path / "words"
    render_dataset(RenderJob(fonts=small_fonts, out=data, n=12, seed=3, preset="clean", size="32", workers=1, show_progress=False))
    result = runner.invoke(app, ["train-recognizer", "--data", str(data), "--out", str(run), "--preset", "smoke", "--prediction", "ctc",
                                 "--steps", "2", "--workers", "0", "--no-progress", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    reports = {}
    for flag in ([], ["--fixed-width"]):
        result = runner.invoke(app, ["eval-recognizer", str(run), "--data", str(data), "--json", "--workers", "0", "--device", "cpu",
                                     "--no-progress", *flag])
        assert result.exit_code == 0, result.output
        reports[bool(flag)] = json.loads(result.stdout)
    assert reports[False]["widths"] == "own" and reports[True]["widths"] == "canvas"
    assert reports[False]["n"] == reports[True]["n"] == 12
    assert Reader(run, "cpu").canvas == (32, BASE * WIDEST) and Reader(run, "cpu", fixed_width=True).canvas == (32, BASE)
    long_word = np.full((32, 260), 255, dtype=np.uint8)  # a word image 2.6 canvases wide
    long_word[8:24, 4:250:6] = 0
    widths = reading_widths(int(used_widths(wide_tensor(long_word)[None])[0]), BASE)
    assert len(widths) == 3 and predict_at_widths(Reader(run, "cpu").model, wide_tensor(long_word)[None])[2][0].shape[-1] in widths
    path = tmp_path / "long.png"
    Image.fromarray(long_word).save(path)
    for flag in ([], ["--fixed-width"]):
        result = runner.invoke(app, ["recognize", str(path), "--model", str(run), "--json", "--device", "cpu", *flag])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["image"] == str(path)


# ---------------------------------------------------------------- training at own widths


def test_training_widths_by_hand():
    assert training_widths(100, 100) == [100]
    widths = training_widths(100, 400)
    assert widths == [100, 124, 152, 188, 232, 288, 360, 400]  # 100 x 1.25 = 125, floored to whole CTC columns, ...
    assert all(b / a <= GROUP_STEP and b % 4 == 0 for a, b in zip(widths, widths[1:]))


def test_training_groups_cut_padding_only_and_keep_every_image_once():
    images = random_images(400, seed=2)
    wide = torch.stack([wide_tensor(im) for im in images])
    used = used_widths(wide).tolist()
    widths = training_widths(BASE, BASE * WIDEST)
    seen = []
    groups = training_groups(wide, BASE)
    assert [len(indices) for indices, _ in groups] == [GROUP_SIZE] * (400 // GROUP_SIZE)
    for indices, batch in groups:
        width = batch.shape[-1]
        assert width in widths and len(indices) == len(batch)
        assert width == min(w for w in widths if w >= max(used[k] for k in indices))  # the narrowest that holds them all
        for k, image in zip(indices, batch):
            assert used[k] <= width and torch.equal(image, wide[k][..., :width])  # padding cut, nothing else
        seen += indices
    assert sorted(seen) == list(range(len(images)))
    assert [used[k] for k in seen] == sorted(used)  # narrowest first
    assert sum(batch.shape[-1] == BASE for _, batch in groups) > 2  # words that fit: canvas training's images (test above)


def test_groups_by_hand():
    def padded(u: int) -> torch.Tensor:  # an image using u columns of the wide canvas
        image = torch.rand(1, 32, BASE * WIDEST)
        image[..., u:] = image[..., u - 1:u]
        return image

    used = [300, 300] + [60] * 20 + [120] * 3 + [150] * 12  # 37 images: groups of 16, 16 and 5
    groups = training_groups(torch.stack([padded(u) for u in used]), BASE)
    assert [(len(i), b.shape[-1]) for i, b in groups] == [(16, 100), (16, 152), (5, 360)]
    assert groups[0][0] == list(range(2, 18)) and groups[2][0] == [34, 35, 36, 0, 1]  # stable: equal widths keep their order


def test_grouped_losses_are_the_loss_of_one_batch():
    """sequence_loss over width groups: the attention cross-entropy of every token and CTC's mean
    over texts, as if the texts were one batch (equal to the concatenated batch at one width)."""
    from classifier.recognizer.task import sequence_loss

    texts = ["ab", "hello", "z", "word", "ok", "abc"]
    for prediction in ("ctc", "attn"):
        model = tiny_ctc(prediction=prediction)
        x = torch.rand(6, 1, 32, 140)
        whole = sequence_loss(model, x, texts)
        assert sequence_loss(model, [x[:2], x[2:]], texts).item() == pytest.approx(whole.item(), rel=1e-5)
        if prediction == "ctc":  # different widths: the mean over texts of each group's
            wide = torch.rand(2, 1, 32, 240)
            parts = [sequence_loss(model, x[:4], texts[:4]), sequence_loss(model, wide, texts[4:])]
            grouped = sequence_loss(model, [x[:4], wide], texts)
            assert grouped.item() == pytest.approx((4 * parts[0] + 2 * parts[1]).item() / 6, rel=1e-5)


def test_own_width_models_read_wide_images_at_their_own_width_and_score_them_there():
    own = tiny_ctc(train_widths="own")
    assert reading_widths(60, BASE, own_trained=True) == [BASE] and reading_widths(203, BASE, own_trained=True) == [204]
    images = random_images(40, seed=3)
    wide = torch.stack([wide_tensor(im) for im in images])
    used = used_widths(wide).tolist()
    texts, _, shown = predict_at_widths(own, wide)
    for k, image in enumerate(shown):
        width = max(BASE, -(-used[k] // 4) * 4)
        assert torch.equal(image, wide[k][..., :width])  # one reading, at the width it uses: no squeeze, no resize
    assert scoring_width(own.config, 90) == BASE and scoring_width(own.config, 127) == 128
    assert scoring_width(own.config, 5000) == BASE * WIDEST and scoring_width(tiny_ctc().config, 127) == BASE
    with pytest.raises(UserError, match="own needs transformation none"):
        create_model("trba", charset=CHARSET, train_widths="own")


def test_training_at_own_widths_through_the_cli(small_fonts, tmp_path):
    """Shards of natural-width words and on-the-fly rendering (words at their natural width):
    data on the wide canvas, the config saved, validation and eval read."""
    runner = CliRunner()
    from fontsynth.pipeline import RenderJob, render_dataset

    data = tmp_path / "words"
    render_dataset(RenderJob(fonts=small_fonts, out=data, n=24, seed=3, preset="clean", size="32", workers=1, show_progress=False))
    config = tmp_path / "own.json"
    config.write_text(json.dumps({"model": {"train_widths": "own"}}))
    common = ["--preset", "smoke", "--prediction", "ctc", "--steps", "3", "--batch-size", "12", "--workers", "0", "--no-progress",
              "--device", "cpu", "--config", str(config)]
    for source in (["--data", str(data), "--val-data", str(data)], ["--fonts", str(small_fonts), "--on-the-fly"]):
        run = tmp_path / f"r{len(source)}"
        result = runner.invoke(app, ["train-recognizer", *source, "--out", str(run), *common])
        assert result.exit_code == 0, result.output
        saved = json.loads((run / "config.json").read_text())
        assert saved["model_config"]["train_widths"] == "own"
        assert (run / "metrics.csv").read_text().count("\n") >= 2
    assert saved["data"]["on_the_fly"] and Reader(run, "cpu").model.config.train_widths == "own"
    from classifier.recognizer.task import data_canvas

    assert data_canvas(Reader(run, "cpu").model.config) == ((32, BASE * WIDEST), "32")
    assert data_canvas(tiny_ctc().config) == ((32, BASE), None)  # open_sources renders at the canvas
    result = runner.invoke(app, ["eval-recognizer", str(run), "--data", str(data), "--json", "--workers", "0", "--device", "cpu",
                                 "--no-progress"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 24


def test_held_out_stream_indices_are_validated_as_eval_reads(small_fonts):
    """On the fly without --val-data, a canvas-trained reader validates the stream's held-out
    indices drawn at their natural width on eval's canvas (what eval-recognizer reports for the
    same samples rendered with --size HEIGHT), not squeezed into the training canvas; a reader
    without an eval canvas of its own validates them as training draws them."""
    from classifier.data import DataConfig, open_sources
    from fontsynth.torchdata import RenderDataset

    config = DataConfig(fonts=str(small_fonts), on_the_fly=True, val_samples=8, seed=5)
    wide = (32, BASE * WIDEST)
    sources = open_sources(config, ("image", "label"), (32, BASE), 1, val_canvas=wide)
    natural = RenderDataset(small_fonts, n=8, seed=5, size="32", canvas=wide)
    assert sources.train[0]["image"].shape == (1, 32, BASE) and sources.val[0]["image"].shape == (1, 32, BASE * WIDEST)
    for i in range(8):
        assert sources.val[i]["label"] == sources.train.dataset[i]["label"] == natural[i]["label"]
        assert torch.equal(sources.val[i]["image"], natural[i]["image"])
    used = used_widths(torch.stack([sources.val[i]["image"] for i in range(8)]))
    assert int(used.max()) > BASE  # a text wider than the canvas is not squeezed into it
    plain = open_sources(config, ("image", "label"), (32, BASE), 1)
    assert torch.equal(plain.val[3]["image"], plain.train.dataset[3]["image"])


def test_brushs_ocr_loss_fits_outputs_at_the_width_the_recognizer_learned():
    """A canvas-trained recognizer scores a 32x128 output squeezed into 32x100; one trained at
    own widths scores it at 32x128, as drawn; gradients reach the output either way."""
    import brush.losses as L
    from classifier.recognizer import ocr_loss as score
    from fontsynth.torchdata import fit_tensor

    output = torch.rand(2, 3, 32, 128, requires_grad=True)
    texts = ["ab", "cd"]
    for model, width in ((tiny_ctc(), BASE), (tiny_ctc(train_widths="own"), 128)):
        model.requires_grad_(False)
        loss = L.ocr_loss(model, output, texts)
        assert loss.item() == pytest.approx(score(model, fit_tensor(output.detach(), (32, width), 1), texts).item(), rel=1e-5)
        (grad,) = torch.autograd.grad(loss, output)
        assert grad.abs().sum() > 0


def test_the_training_task_reads_own_width_batches_in_groups(monkeypatch):
    """RecognizerTask.loss of an own-width model: the loss of `training_groups` of the batch, the
    groups (not the wide canvas as one batch) handed to the model."""
    import classifier.recognizer.task as T
    from classifier.recognizer.task import RecognizerTask, sequence_loss

    model = tiny_ctc(train_widths="own")
    wide = torch.rand(20, 1, 32, BASE * WIDEST)
    for k, u in enumerate([60] * 16 + [300] * 4):  # 16 images that fit the canvas, 4 three canvases wide
        wide[k, ..., u:] = wide[k, ..., u - 1:u]
    texts = [CHARSET[k % 26] * (1 + k % 3) for k in range(20)]
    loss, n = RecognizerTask(model.config).loss(model, {"image": wide, "label": texts}, torch.device("cpu"))
    groups = training_groups(wide, BASE)
    expected = sequence_loss(model, [g for _, g in groups], [texts[k] for indices, _ in groups for k in indices])
    assert n == 20 and loss.item() == pytest.approx(expected.item(), rel=1e-5)
    seen = []
    monkeypatch.setattr(T, "sequence_loss", lambda m, images, t, training: seen.append(images) or torch.zeros(()))
    RecognizerTask(model.config).loss(model, {"image": wide, "label": texts}, torch.device("cpu"))
    assert [b.shape[-1] for b in seen[0]] == [g.shape[-1] for _, g in groups] and len(set(b.shape[-1] for b in seen[0])) > 1
