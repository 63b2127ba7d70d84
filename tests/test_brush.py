"""brush: the model, its training through the shared trainer, edit, eval and the CLI on tiny data."""

import csv
import json
import math
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

import brush.model  # noqa: E402, F401
from brush import evaluate as E  # noqa: E402
from brush.cli import app  # noqa: E402
from brush.edit import Editor, feather, load_brush  # noqa: E402
from classifier.regions import quad_size, quad_transform  # noqa: E402
from brush.losses import ink_l1, l1  # noqa: E402
from brush.placement import warp  # noqa: E402
from brush.train import BrushTask, Frozen, LossConfig  # noqa: E402
from classifier.registry import create_model  # noqa: E402
from classifier.training import make_optimizer, step_losses, TrainConfig  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402
from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402

runner = CliRunner()
TINY = {"height": 32, "width": 64, "widths": (8, 16), "style_dim": 16, "d_widths": (8, 16)}
FAST = ["--preset", "smoke", "--workers", "0", "--no-progress", "--device", "cpu"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def batch(n=2, seed=0, size=(32, 64)):
    g = torch.Generator().manual_seed(seed)
    rand = lambda c: torch.rand(n, c, *size, generator=g)  # noqa: E731
    return {"image": rand(3), "target": rand(3), "content": rand(1), "content-b": rand(1), "mask": rand(1), "mask-b": rand(1), "label-b": ["ab", "ba"][:n],
            "background": rand(3)}


def tiny_brush(**over):
    torch.manual_seed(0)
    return create_model("brush", **{**TINY, **over})


def word_pair():
    """A structured pair: a coloured block ("text A") moves to where the content says ("text B")."""
    style = torch.empty(1, 3, 32, 64)
    style[:] = torch.tensor([0.9, 0.8, 0.3]).view(1, 3, 1, 1)
    target = style.clone()
    style[..., 8:24, 4:28] = torch.tensor([0.1, 0.2, 0.6]).view(1, 3, 1, 1)
    target[..., 10:22, 30:60] = torch.tensor([0.1, 0.2, 0.6]).view(1, 3, 1, 1)
    content, mask = torch.ones(1, 1, 32, 64), torch.zeros(1, 1, 32, 64)
    content[..., 10:22, 30:60], mask[..., 10:22, 30:60] = 0.0, 1.0
    return style, content, target, mask


def test_the_noiseless_generator_overfits_one_pair():
    model = tiny_brush()
    style, content, target, mask_b = word_pair()
    opt = torch.optim.Adam(model.g.parameters(), lr=3e-3)
    first = None
    for _ in range(150):
        out, mask = model.g(style, content)
        loss = (out - target).abs().mean() + (mask - mask_b).abs().mean()
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first
    assert not any("noise" in name for name, _ in model.named_parameters())


def test_gradients_reach_both_encoders():
    model = tiny_brush()
    x = batch()
    out, mask = model.g(x["image"], x["content-b"])
    (out.mean() + mask.mean()).backward()
    for part in (model.g.style_encoder, model.g.content_encoder, model.g.generator):
        grads = [p.grad for p in part.parameters()]
        assert all(g is not None for g in grads) and sum(float(g.abs().sum()) for g in grads) > 0


def test_a_wider_pair_runs_at_its_own_width_placed_as_its_squeezed_copy():
    """brush edit runs a crop wider than the canvas' aspect at its own width: the generator is
    convolutional, the aligner reads the pair squeezed to the canvas."""
    import torch.nn.functional as F

    model = tiny_brush(background=True).eval()
    with torch.no_grad():
        model.aligner.head[-1].bias.copy_(torch.tensor([0.1, -0.2, 0.3, 0.05]))  # a placement other than zero
    x = batch(size=(32, 64 * 3))
    image, mask, placement, background = model(x["image"], x["content-b"], placement=True, with_background=True)
    assert image.shape == (2, 3, 32, 192) and mask.shape == (2, 1, 32, 192) and background.shape == (2, 3, 32, 192)
    squeezed = [F.interpolate(t, size=(32, 64), mode="area") for t in (x["image"], x["content-b"])]
    assert torch.allclose(placement, model.aligner(*squeezed)) and not torch.allclose(placement, torch.zeros_like(placement))
    canvas = batch()
    assert torch.equal(model(canvas["image"], canvas["content-b"])[0], model.g_ema(canvas["image"], warp(canvas["content-b"], model.aligner(
        canvas["image"], canvas["content-b"])))[0])  # the canvas' own width: as before
    with pytest.raises(AssertionError, match="a multiple of 4 wide"):
        model(batch(size=(32, 66))["image"], batch(size=(32, 66))["content-b"])


def test_the_background_branch_composes_the_output_through_the_mask():
    model = tiny_brush(background=True, polarity=False)  # the generator's parts called alone below: no inversion around them
    x = batch()
    g = model.g
    image, mask, background = g(x["image"], x["content-b"], with_background=True)
    vector, maps = g.style_encoder(x["image"])
    bias = brush.model.median_colour_logits(x["image"])
    drawn, drawn_logits = g.generator(vector, g.content_encoder(x["content-b"]), maps, bias)  # the generator's own image
    assert torch.equal(mask, torch.sigmoid(drawn_logits)) and background.shape == x["image"].shape
    logits = g(x["image"], x["content-b"], with_background=True, mask_logits=True)[1]  # training's mask loss reads these
    assert torch.equal(logits, drawn_logits)
    assert 0 <= float(background.detach().min()) and float(background.detach().max()) <= 1
    assert torch.allclose(image, mask * drawn + (1 - mask) * background, atol=1e-6)
    assert tiny_brush().g(x["image"], x["content-b"], with_background=True)[2] is None  # off: no branch
    assert model(x["image"], x["content-b"], with_background=True)[2].shape == x["image"].shape  # the EMA model's too
    # two contents per style image (training's edit + reconstruction): each style encoded once, the same result
    contents = torch.cat([x["content-b"], x["content"]])
    once = g(x["image"], contents, with_background=True)
    twice = g(torch.cat([x["image"], x["image"]]), contents, with_background=True)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(once, twice)) and once[0].shape == (4, 3, 32, 64)
    with pytest.raises(AssertionError, match="multiple of the style batch"):
        g(x["image"], contents[:3])


def test_with_polarity_a_light_text_style_is_drawn_as_its_inverse_and_inverted_back():
    dark, content, _, _ = word_pair()  # a dark blue block on light yellow
    light = 1 - dark
    styles = torch.cat([dark, light])
    contents = torch.cat([content, content])
    model = tiny_brush(background=True)  # polarity on by default
    g = model.g
    assert g.light_text(styles).tolist() == [False, True] and tiny_brush(polarity=False).g.light_text(styles) is None
    image, mask, background = g(styles, torch.cat([contents, contents]), with_background=True)  # two contents per style
    for k in (0, 2):  # each content block: the light style's outputs are the dark one's, inverted; the mask is the same
        assert torch.allclose(image[k + 1], 1 - image[k], atol=1e-6) and torch.allclose(mask[k + 1], mask[k], atol=1e-6)
        assert torch.allclose(background[k + 1], 1 - background[k], atol=1e-6)
    assert torch.allclose(model.background_of(styles)[1], 1 - model.background_of(styles)[0], atol=1e-6)
    plain = tiny_brush(background=True, polarity=False).g  # without polarity: the same weights draw the light style as it is
    plain.load_state_dict(g.state_dict())
    same, _ = plain(light, content)
    assert torch.allclose(plain(dark, content)[0], g(dark, content)[0], atol=1e-6) and not torch.allclose(same, 1 - g(dark, content)[0], atol=1e-3)


def test_with_the_colour_skip_an_empty_image_head_draws_the_styles_median_colour():
    dark, content, _, _ = word_pair()  # light yellow ground (0.9, 0.8, 0.3), a dark blue block on 12% of it
    styles = torch.cat([dark, 1 - dark])  # the second one light text on a dark ground: drawn inverted, then inverted back
    g = tiny_brush().g  # colour_skip on by default
    torch.nn.init.zeros_(g.generator.to_image.conv.weight), torch.nn.init.zeros_(g.generator.to_image.bias)
    image, _ = g(styles, torch.cat([content, content]))
    ground = torch.tensor([0.9, 0.8, 0.3]).view(1, 3, 1, 1)
    assert torch.allclose(image[:1], ground.expand(1, 3, 32, 64), atol=1e-6)
    assert torch.allclose(image[1:], (1 - ground).expand(1, 3, 32, 64), atol=1e-6)
    # two contents per style: each gets its style's colour
    twice, _ = g(styles, torch.cat([content, content, content, content]))
    assert torch.allclose(twice[2:], image, atol=1e-6)
    # the colour is kept within [0.01, 0.99] (finite logits for flat black or white grounds)
    flat, _ = g(torch.zeros(1, 3, 32, 64), content)
    assert torch.allclose(flat, torch.full_like(flat, 0.01), atol=1e-6)
    plain = tiny_brush(colour_skip=False).g  # without it the same empty head draws grey
    plain.load_state_dict(g.state_dict())
    assert torch.allclose(plain(styles[:1], content)[0], torch.full((1, 3, 32, 64), 0.5), atol=1e-6)


@pytest.mark.parametrize("inversion", [0.0, 1.0])
def test_the_background_terms_compare_with_the_true_background_as_the_style_was_shown(inversion):
    model = tiny_brush(background=True)
    x = batch()
    task = BrushTask(LossConfig(inversion=inversion, background=3.0, erase=5.0), Frozen())
    list(step_losses(task, task.parts(model), x, torch.device("cpu"), 0))
    flip = lambda t: 1 - t if inversion else t  # noqa: E731
    with torch.no_grad():
        predicted = model.g.background_of(flip(x["image"]))  # depends on the style image alone
    assert float(task.terms["background"]) == pytest.approx(3.0 * float(l1(predicted, flip(x["background"]))), rel=1e-5)
    erase = 5.0 * ink_l1(predicted, flip(x["background"]), x["mask"])  # over style A's own text (its mask)
    assert float(task.terms["erase"]) == pytest.approx(float(erase), rel=1e-5)
    phase1 = BrushTask(LossConfig(content_steps=5, background=3.0, erase=0.0), Frozen())  # the content autoencoder: a white background
    list(step_losses(phase1, phase1.parts(model), x, torch.device("cpu"), 2))
    with torch.no_grad():
        white = model.g.background_of(x["content-b"].expand(-1, 3, -1, -1))
    assert float(phase1.terms["background"]) == pytest.approx(3.0 * float((1 - white).abs().mean()), rel=1e-5) and "erase" not in phase1.terms


def test_the_background_branch_learns_to_remove_the_text():
    model = tiny_brush(background=True)
    style, _, target, _ = word_pair()
    background = torch.empty_like(style)
    background[:] = torch.tensor([0.9, 0.8, 0.3]).view(1, 3, 1, 1)  # word_pair's ground, without "text A"
    opt = torch.optim.Adam(model.g.parameters(), lr=3e-3)
    losses = []
    for _ in range(100):
        loss = (model.g(style, torch.ones(1, 1, 32, 64), with_background=True)[2] - background).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]


def snapshot(module):
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before, module):
    return any(not torch.equal(before[k], v) for k, v in module.state_dict().items())


def test_one_step_of_each_part_changes_only_its_own_parameters():
    model = tiny_brush()
    task = BrushTask(LossConfig(inversion=0.5), Frozen())
    parts = task.parts(model)
    optimizers = {k: make_optimizer(p, TrainConfig(lr=1e-2)) for k, p in parts.items()}
    order = []
    for name, loss, _ in step_losses(task, parts, batch(), torch.device("cpu"), step=0):
        before = {k: snapshot(part) for k, part in parts.items()}
        optimizers[name].zero_grad()
        loss.backward()
        optimizers[name].step()
        order.append(name)
        assert all(changed(before[k], part) == (k == name) for k, part in parts.items())
    assert order == ["aligner", "discriminator", "generator"]
    # phase 1 (content autoencoder) trains the generator (and the aligner), not the discriminator
    phase1 = [name for name, _, _ in step_losses(BrushTask(LossConfig(content_steps=5), Frozen()), parts, batch(), torch.device("cpu"), 2)]
    assert phase1 == ["aligner", "generator"]


def test_the_generator_loss_is_the_sum_of_the_terms_it_logs():
    model = tiny_brush()
    from brush.features import FeatureNet

    features = FeatureNet(create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=8, num_classes=3, height=32, width=64), "tiny")
    for config, frozen, step, expected in (
        (LossConfig(), Frozen(), 0, ["target", "mask", "ink", "reconstruction", "cycle", "adversarial"]),
        (LossConfig(cycle=0.0, adversarial=0.0), Frozen(features=features), 0, ["target", "mask", "ink", "reconstruction", "perceptual", "gram"]),
        (LossConfig(content_steps=5), Frozen(), 2, ["target", "mask"]),  # phase 1: the content autoencoder
    ):
        task = BrushTask(config, frozen)
        losses = dict((name, loss) for name, loss, _ in step_losses(task, task.parts(model), batch(), torch.device("cpu"), step))
        assert list(task.terms) == expected and [t for t in task.term_names if t in task.terms] == expected  # metrics.csv's column order
        assert all(not t.requires_grad and t.ndim == 0 for t in task.terms.values())
        assert float(sum(task.terms.values())) == pytest.approx(losses["generator"].item(), rel=1e-6)


def test_a_saturated_mask_head_still_learns_in_both_phases():
    """Every mask pixel's sigmoid at exactly 1.0 (a logit of 40; the dead Arabic run's heads gave
    ~490): the mask term of a training step, content phase and joint, still moves the mask
    head. Training hands the loss the mask's logits; a mask in [0, 1] would have no gradient there."""
    only = dict(target=0.0, ink=0.0, placement=0.0, reconstruction=0.0, cycle=0.0, perceptual=0.0, gram=0.0, adversarial=0.0, inversion=0.0)
    for content_steps in (5, 0):  # step 2: phase 1 (the content autoencoder), then the joint objective
        model = tiny_brush()
        with torch.no_grad():
            model.g.generator.to_mask.bias.fill_(40.0)
            assert float(model.g(batch()["image"], batch()["content-b"])[1].min()) == 1.0
        task = BrushTask(LossConfig(**only, mask=1.0, content_steps=content_steps), Frozen())
        ((_, loss, _),) = list(step_losses(task, task.parts(model), batch(), torch.device("cpu"), 2))
        loss.backward()
        assert float(model.g.generator.to_mask.bias.grad.abs().sum()) > 0.1


def test_frozen_classifier_and_recognizer_get_no_gradient_but_shape_the_generator():
    classifier = create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=8, num_classes=3, height=32, width=64).eval().requires_grad_(False)
    recognizer = create_model("trba", feature_channels=32, blocks=(1, 1, 1, 1), hidden=16, charset="ab", width=64, max_length=5).eval().requires_grad_(False)
    model = tiny_brush()
    only = dict(target=0.0, mask=0.0, ink=0.0, placement=0.0, reconstruction=0.0, cycle=0.0, perceptual=0.0, gram=0.0, adversarial=0.0, inversion=0.0)
    for weights, net in (({"typeface": 1.0, "ocr": 0.0}, classifier), ({"typeface": 0.0, "ocr": 1.0}, recognizer)):
        model.zero_grad()
        task = BrushTask(LossConfig(**only, **weights), Frozen(classifier=classifier, recognizer=recognizer))
        ((_, loss, _),) = list(step_losses(task, task.parts(model), batch(), torch.device("cpu"), 0))
        loss.backward()
        assert all(p.grad is None for p in net.parameters())
        assert sum(float(p.grad.abs().sum()) for p in model.g.parameters() if p.grad is not None) > 0


def test_texts_the_recognizer_cannot_score_are_left_out_of_the_ocr_loss():
    recognizer = create_model("trba", feature_channels=32, blocks=(1, 1, 1, 1), hidden=16, charset="ab", width=64, max_length=5,
                              prediction="ctc", transformation="none", sequence="none").eval().requires_grad_(False)
    only = dict(target=1.0, mask=0.0, placement=0.0, reconstruction=0.0, cycle=0.0, perceptual=0.0, gram=0.0, adversarial=0.0, inversion=0.0, typeface=0.0)
    model = tiny_brush()
    losses = {}
    for labels in (["ab", "ab"], ["ab", "xy"], ["xy", "zz"]):  # "xy", "zz": outside the recognizer's charset
        task = BrushTask(LossConfig(**only, ocr=1.0), Frozen(recognizer=recognizer))
        ((_, loss, _),) = list(step_losses(task, task.parts(model), {**batch(), "label-b": labels}, torch.device("cpu"), 0))
        losses[labels[1]] = float(loss.detach())
    no_ocr = BrushTask(LossConfig(**only, ocr=0.0), Frozen(recognizer=recognizer))
    ((_, base, _),) = list(step_losses(no_ocr, no_ocr.parts(model), batch(), torch.device("cpu"), 0))
    assert losses["zz"] == pytest.approx(float(base.detach()))  # nothing scoreable: the target loss alone
    assert losses["xy"] > float(base.detach()) and losses["ab"] > float(base.detach())


def test_ema_update_and_checkpoint_round_trip(tmp_path):
    from classifier.training import model_from_checkpoint, save_checkpoint

    model = tiny_brush()
    with torch.no_grad():
        for p in model.g.parameters():
            p.add_(1.0)
    before = [p.clone() for p in model.g_ema.parameters()]
    model.update_ema(0.75)
    for b, e, live in zip(before, model.g_ema.parameters(), model.g.parameters()):
        assert torch.allclose(e, 0.75 * b + 0.25 * live)
    import dataclasses

    save_checkpoint(tmp_path / "b.pt", {"format": "fontsynth-checkpoint", "format_version": 1, "model": "brush",
                                        "model_config": dataclasses.asdict(model.config), "state_dict": model.state_dict(), "tables": {}})
    loaded, _ = load_brush(tmp_path / "b.pt", "cpu")
    x = batch()
    model.eval()
    for a, b in zip(model(x["image"], x["content-b"]), loaded(x["image"], x["content-b"])):
        assert torch.equal(a, b)
    assert model_from_checkpoint(torch.load(tmp_path / "b.pt", weights_only=True)).config == model.config


def test_metrics_against_hand_computed_values():
    out, target = torch.full((1, 3, 16, 16), 0.5), torch.full((1, 3, 16, 16), 0.6)
    m = E.image_metrics(out, target)
    assert m["mse"].item() == pytest.approx(0.01) and m["psnr"].item() == pytest.approx(20.0)
    # constant images: the contrast-structure term is 1, so MOSTEL's value is ssim ** 0.1333
    mu1, mu2, c1 = 0.6 * 255, 0.5 * 255, (0.01 * 255) ** 2
    ssim = (2 * mu1 * mu2 + c1) / (mu1 ** 2 + mu2 ** 2 + c1)
    assert m["ms_ssim"].item() == pytest.approx(ssim ** 0.1333)
    assert m["ms_ssim_true"].item() == pytest.approx(ssim ** 0.1333)
    same = E.image_metrics(target, target)
    assert same["ms_ssim"].item() == pytest.approx(1.0) and same["ms_ssim_true"].item() == pytest.approx(1.0)
    totals = E.Totals()
    totals.add(E.image_metrics(torch.cat([out, target]), torch.cat([target, target])))
    assert totals.n == 1 and totals.perfect == 1 and totals.means()["psnr"] == pytest.approx(20.0)  # MSE 0 left out, as MOSTEL
    torch.manual_seed(0)
    a = torch.randn(500, 3)
    assert E.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    assert E.frechet_distance(a, a + torch.tensor([3.0, 0.0, 4.0])) == pytest.approx(25.0, rel=1e-6)


def test_text_contrast_against_hand_computed_values():
    background = torch.full((1, 3, 4, 6), 0.8)
    mask = torch.zeros(1, 1, 4, 6)
    mask[..., 1:3, 2:5] = 1.0
    mask[..., 0, 0] = 0.5  # soft edge: weighted, not thresholded
    target = background - 0.6 * mask  # dark text on a light ground
    outside = torch.zeros_like(mask).bool()
    outside[..., 3, :] = True  # pixels outside the mask do not count, whatever the output draws there
    def contrast(output):
        return E.text_contrast(torch.where(outside, torch.rand_like(output), output), target, background, mask).item()
    assert contrast(target) == pytest.approx(1.0)
    assert contrast(background) == pytest.approx(0.0)
    assert contrast(background + 0.5 * (target - background)) == pytest.approx(0.5)  # faint text
    assert contrast(background - (target - background)) == pytest.approx(-1.0)  # light text where the target's is dark
    # least squares over the mask, weighted by it: of the box's six ink pixels (weight 1, 0.6 below the
    # ground) only the first column's two drawn, the soft edge pixel (weight 0.5, 0.3 below) drawn
    part = target.clone()
    part[..., 1:3, 3:5] = background[..., 1:3, 3:5]
    assert contrast(part) == pytest.approx((2 * 0.36 + 0.5 * 0.09) / (6 * 0.36 + 0.5 * 0.09), rel=1e-6)
    assert math.isnan(E.text_contrast(background, background, background, mask).item())  # no text to draw: no value
    totals = E.Totals()
    totals.add({"mse": torch.tensor([0.1, 0.1]), "text_contrast": torch.tensor([0.5, math.nan])})
    assert totals.means()["text_contrast"] == 0.5 and totals.n == 2  # NaN left out of its own mean only


def test_fid_features_come_from_the_local_inception_file_as_torchvision_uses_it(tmp_path):
    from torchvision.models import inception_v3

    torch.manual_seed(0)
    net = inception_v3(weights=None, aux_logits=True, init_weights=False, transform_input=True).eval()
    torch.save(net.state_dict(), tmp_path / "inception.pth")
    features = E.inception_features(str(tmp_path / "inception.pth"), torch.device("cpu"))
    images = torch.rand(1, 1, 64, 256)
    got = features(images)
    assert got.shape == (1, 2048)
    # torchvision's own use of such weights: RGB 299x299, ImageNet-normalised, transform_input on
    x = torch.nn.functional.interpolate(images.expand(-1, 3, -1, -1), size=(299, 299), mode="bilinear", align_corners=False)
    x = (x - torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)) / torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    net.fc = torch.nn.Identity()
    with torch.no_grad():
        assert torch.allclose(got, net(x), atol=1e-5)
    torch.save({"weight": torch.zeros(3)}, tmp_path / "other.pth")
    with pytest.raises(UserError, match="not torchvision Inception v3 weights"):
        E.inception_features(str(tmp_path / "other.pth"), torch.device("cpu"))


def test_fit_tensor_matches_the_canvas_policy():
    from fontsynth.torchdata import fit_tensor, image_tensor

    rng = np.random.default_rng(0)
    for shape in ((64, 256, 3), (64, 100, 3), (64, 400, 3)):
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        image = np.repeat(np.repeat(image[::16, ::16], 16, axis=0), 16, axis=1)[: shape[0], : shape[1]]  # blocks: filters differ at edges only
        want = image_tensor(image, (32, 128), 1)
        got = fit_tensor(torch.from_numpy(image.transpose(2, 0, 1)).float()[None] / 255, (32, 128), 1)[0]
        assert got.shape == want.shape
        assert (got - want).abs().mean() < 0.015


def test_feather_weights():
    w = feather(10, 20, 3)
    assert w[5, 10] == 1 and w[0, 0] == pytest.approx(0.25) and w[0, 10] == pytest.approx(0.25) and w[1, 10] == pytest.approx(0.5)


def test_a_quad_is_rectified_by_the_transform_onto_its_upright_crop():
    # a box's corners: a plain shift
    box = np.array([[30, 20], [150, 20], [150, 50], [30, 50]], float)
    assert quad_size(box) == (120, 30)
    assert np.allclose(quad_transform(box, (120, 30)), [[1, 0, -30], [0, 1, -20], [0, 0, 1]], atol=1e-9)
    # a rectangle 100 x 30 turned by 30 degrees: its corners land on the crop's corners
    a = math.radians(30)
    along, across = np.array([math.cos(a), math.sin(a)]), np.array([-math.sin(a), math.cos(a)])
    turned = np.array([[60, 10], [60, 10] + 100 * along, [60, 10] + 100 * along + 30 * across, [60, 10] + 30 * across])
    assert quad_size(turned) == (100, 30)
    m = quad_transform(turned, (100, 30))
    mapped = [(m @ [*(p - 0.5), 1])[:2] / (m @ [*(p - 0.5), 1])[2] + 0.5 for p in turned]
    assert np.allclose(mapped, [[0, 0], [100, 0], [100, 30], [0, 30]], atol=1e-3)


# ---------------------------------------------------------------- CLI and the trainer on tiny pairs


@pytest.fixture(scope="module")
def pairs(brush_pairs):
    return brush_pairs


@pytest.fixture(scope="module")
def run(pairs, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "brush"
    result = invoke("train", "--data", pairs / "train", "--val-data", pairs / "test", "--out", out, "--features", "random", "--steps", "12", *FAST)
    assert result.exit_code == 0, result.output
    assert "done: step 12" in result.output
    return out


def test_brush_info_sums_a_brush_run_up(run, tmp_path):
    result = invoke("info", run, "--json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    scores = [float(r["val_psnr"]) for r in csv.DictReader(open(run / "metrics.csv")) if r["val_psnr"]]
    assert info["kind"] == "brush" and info["score"] == "val_psnr" and info["state"] == "done" and info["step"] == 12
    assert info["best"][info["score"]] == pytest.approx(max(scores)) and info["best"]["validations"] == len(scores)
    assert info["checkpoints"]["best"]["step"] == info["best"]["step"]
    text = invoke("info", run)
    assert text.exit_code == 0 and "brush (brush, preset smoke)" in text.output and "best val_psnr" in text.output
    refused = invoke("info", tmp_path)
    assert refused.exit_code == 2 and "is not a training run folder" in refused.output


def test_training_writes_a_run_folder_with_sample_grids(run):
    config = json.loads((run / "config.json").read_text())
    assert config["kind"] == "brush" and config["losses"]["content_steps"] == 10
    assert set(config["losses_off"]) == {"typeface", "ocr", "background", "erase"}  # perceptual and Gram run on --features random; no background branch
    header = (run / "metrics.csv").read_text().splitlines()[0].split(",")
    assert {"discriminator_loss", "generator_loss", "val_psnr", "val_mse", "val_text_contrast", "val_box_iou"} <= set(header)
    contrasts = [float(r["val_text_contrast"]) for r in csv.DictReader(open(run / "metrics.csv")) if r["val_text_contrast"]]
    assert contrasts and all(-2 < c < 3 for c in contrasts)
    for key in ("val_box_iou", "val_placement_iou"):
        ious = [float(r[key]) for r in csv.DictReader(open(run / "metrics.csv")) if r[key]]
        assert ious and all(0 <= v <= 1 for v in ious)
    assert (run / "curves.png").exists() and (run / "last.pt").exists() and (run / "best.pt").exists()
    terms = ["target", "mask", "ink", "reconstruction", "cycle", "perceptual", "gram", "adversarial"]  # typeface and OCR are off
    assert [k[: -len("_term")] for k in header if k.endswith("_term")] == terms
    rows = [r for r in csv.DictReader(open(run / "metrics.csv"))]
    for row in rows:  # each row's weighted terms add up to its generator loss (phase 1, steps 1-10: target and mask only)
        logged = [float(row[f"{t}_term"]) for t in terms if row[f"{t}_term"]]
        assert sum(logged) == pytest.approx(float(row["generator_loss"]), rel=1e-4)
    assert [sum(bool(row[f"{t}_term"]) for t in terms) for row in rows] == [2, len(terms)]
    grids = sorted((run / "samples").glob("step-*.png"))
    with Image.open(grids[-1]) as sheet:  # five columns of 128 px; a line naming them, then one row of 32 px per pair
        assert sheet.size[0] == 5 * 128 and (sheet.size[1] - 16) % 32 == 0 and sheet.size[1] > 16 + 32
        header = np.asarray(sheet.convert("L"))[:16]
        assert all((header[:, k * 128:(k + 1) * 128] < 128).any() for k in range(5))  # each column is named


def test_training_with_the_background_branch_logs_its_term_and_draws_its_background(pairs, tmp_path):
    (tmp_path / "bg.json").write_text(json.dumps({"model": {"background": True}}))
    result = invoke("train", "--data", pairs / "train", "--val-data", pairs / "test", "--out", tmp_path / "run", "--steps", "12",
                    "--config", tmp_path / "bg.json", *FAST)
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["model_config"]["background"] is True and (config["losses"]["background"], config["losses"]["erase"]) == (10.0, 30.0)
    assert not {"background", "erase"} & set(config["losses_off"])
    rows = list(csv.DictReader(open(tmp_path / "run" / "metrics.csv")))
    assert all(float(r["background_term"]) > 0 and float(r["erase_term"]) > 0 for r in rows)  # phase 1 (a white background) and the joint objective
    with Image.open(sorted((tmp_path / "run" / "samples").glob("step-*.png"))[-1]) as sheet:
        assert sheet.size[0] == 6 * 128  # style | content as placed | output | target | mask | background out


def test_training_reads_the_background_only_for_the_background_branch():
    from brush.train import SPEC

    assert "background" not in SPEC.fields and "background" in SPEC.val_fields  # validation's text contrast reads it
    assert SPEC.model_fields(tiny_brush().config) == () and SPEC.model_fields(tiny_brush(background=True).config) == ("background",)


def tiny_recognizer(small_fonts, folder):
    """A CTC recognizer trained for two steps on 8 clean renders: `folder`/r."""
    from fontsynth.cli import app as fontsynth_app

    render_dataset(RenderJob(fonts=small_fonts, out=folder / "words", n=8, seed=2, preset="clean", size="32", workers=1, show_progress=False))
    trained = runner.invoke(fontsynth_app, ["train-recognizer", "--data", str(folder / "words"), "--out", str(folder / "r"), "--prediction", "ctc",
                                            "--steps", "2", *FAST])
    assert trained.exit_code == 0, trained.output
    return folder / "r"


def test_eval_judges_with_a_recognizer_at_the_widths_asked(run, pairs, small_fonts, tmp_path):
    """`--recognizer R` reads each output (a 32x128 image, wider than the recognizer's 32x100) at
    the widths it needs, or at the canvas with `--fixed-width`; the report says which."""
    recognizer = tiny_recognizer(small_fonts, tmp_path)
    for flag, widths in (([], "own"), (["--fixed-width"], "canvas")):
        result = invoke("eval", run, "--data", pairs / "test", "--json", "--workers", "0", "--no-tesseract", "--no-progress", "--device", "cpu",
                        "--recognizer", recognizer, "--out", tmp_path / f"ev-{widths}", *flag)
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["recognizer_widths"] == widths and 0 <= report["rec_acc"] <= 1 and report["recognizer"] == str(recognizer)


def test_eval_reads_with_tesseracts_language_data_asked(run, pairs, tmp_path, stand_in_tesseract):
    """`--tesseract-lang heb+eng` reaches Tesseract's `-l` (pairs of other scripts); data it
    lacks is refused before anything is generated."""
    common = ("--data", pairs / "test", "--json", "--workers", "0", "--no-progress", "--device", "cpu", "--limit", "4")
    result = invoke("eval", run, *common, "--tesseract-lang", "heb+eng", "--out", tmp_path / "ev")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["tesseract_lang"] == "heb+eng" and report["tesseract"] == "tesseract 5.3.0 (stand-in)"
    calls = stand_in_tesseract.read_text().splitlines()  # the model's 4 outputs and both baselines' 4 each
    assert len(calls) == 12 and all(c.endswith("--psm 7 -l heb+eng") for c in calls)
    assert report["rec_acc_tesseract"] == 0.0  # it "reads" heb+eng, which no pair's text B is
    refused = invoke("eval", run, *common, "--tesseract-lang", "ara", "--out", tmp_path / "refused")
    assert refused.exit_code == 2 and not (tmp_path / "refused").exists()
    assert refused.output.strip().splitlines()[-1] == ("error: Tesseract has no language data for ara (it has eng, heb, osd); install it "
                                                      "(Debian: apt-get install tesseract-ocr-ara) or pass another --tesseract-lang")


def test_eval_json_against_the_baselines(run, pairs, tmp_path):
    result = invoke("eval", run, "--data", pairs / "test", "--json", "--workers", "0", "--no-tesseract", "--out", tmp_path / "ev", "--device", "cpu",
                    "--save-outputs")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # the progress bar is on stderr
    assert "generating" in result.stderr and "12/12" in result.stderr
    assert {"mse", "psnr", "ms_ssim", "rec_acc", "n"} <= set(report) and report["n"] == 12
    assert report["checkpoint"] in (str(run / "best.pt"), str(run / "last.pt")) and report["step"] > 0  # the weights scored
    assert report["rec_acc"] is None and any("recognizer" in n for n in report["notes"])
    assert "text_removal" not in report  # no background branch
    for baseline in report["baselines"].values():
        assert math.isfinite(baseline["psnr"]) and 0 < baseline["mse"] < 1
    assert report["psnr"] == pytest.approx(10 * math.log10(1 / report["mse"]), abs=3)  # mean of logs vs log of mean: close, not equal
    assert (tmp_path / "ev" / "eval.json").exists() and (tmp_path / "ev" / "grid.png").exists()
    # by render slice (Style and text B of each pair): each slice's values cover the pairs once, and
    # their means weighted by n give back the overall MSE and MS-SSIM
    by = report["by_effect"]
    assert set(by) >= {"blur", "background", "length"} and report["slice_chart"] is None  # no judge: the CSV, no chart
    for values in by.values():
        assert sum(cell["n"] for cell in values.values()) == 12
        assert sum(cell["n"] * cell["mse"] for cell in values.values()) / 12 == pytest.approx(report["mse"], rel=1e-5)
        assert sum(cell["n"] * cell["ms_ssim"] for cell in values.values()) / 12 == pytest.approx(report["ms_ssim"], rel=1e-4)
    header = (tmp_path / "ev" / "effects.csv").read_text().splitlines()[0]
    assert header == "slice,value,n,mse,psnr,ms_ssim,text_contrast,box_iou" and not (tmp_path / "ev" / "effects.png").exists()
    assert report["baselines"]["background"]["text_contrast"] == 0.0  # the background draws no text
    assert report["baselines"]["background"]["box_iou"] == 0.0 and 0 <= report["box_iou"] <= 1
    # the style image's own text box and the content's, against the target's, from the stored masks
    from brush.placement import mask_box_iou
    from fontsynth.torchdata import ShardDataset

    items = [ShardDataset(pairs / "test", fields=("mask", "mask-b", "content-b"), size=(32, 128), channels=1)[i] for i in range(12)]
    stack = lambda key: torch.stack([it[key] for it in items])  # noqa: E731
    assert report["baselines"]["style_image"]["box_iou"] == pytest.approx(float(mask_box_iou(stack("mask"), stack("mask-b")).nanmean()), rel=1e-5)
    assert report["content_box_iou"] == pytest.approx(float(mask_box_iou(1 - stack("content-b"), stack("mask-b")).nanmean()), rel=1e-5)
    assert 0 < report["placement_box_iou"] <= 1  # the smoke run's aligner
    assert -1 < report["text_contrast"] < 2 and math.isfinite(report["baselines"]["style_image"]["text_contrast"])
    for values in by.values():
        assert sum(cell["n"] * cell["text_contrast"] for cell in values.values()) / 12 == pytest.approx(report["text_contrast"], rel=1e-5)
    # --save-outputs: the outputs as PNG with their texts, to judge elsewhere; they give back the reported MSE
    from fontsynth.codec import decode
    from fontsynth.dataset import Dataset

    ds = Dataset(pairs / "test")
    texts = (tmp_path / "ev" / "outputs" / "texts.txt").read_text().splitlines()
    assert texts == [ds[i]["label-b"].decode() for i in range(12)]
    errors = []
    for i in range(12):
        output = np.asarray(Image.open(tmp_path / "ev" / "outputs" / f"{i:06d}.png"), np.float64) / 255
        target = decode(ds[i]["target"]).astype(np.float64) / 255
        errors.append(((output - target.reshape(output.shape)) ** 2).mean())
    assert np.mean(errors) == pytest.approx(report["mse"], abs=2e-3)


def background_checkpoint(path):
    """An (untrained) tiny brush with the background branch, saved as a checkpoint at `path`."""
    import dataclasses

    from classifier.training import save_checkpoint

    model = tiny_brush(width=128, background=True)
    save_checkpoint(path, {"format": "fontsynth-checkpoint", "format_version": 1, "model": "brush",
                           "model_config": dataclasses.asdict(model.config), "state_dict": model.state_dict(), "tables": {}})
    return path


def test_eval_reports_text_removal_for_a_model_with_the_background_branch(pairs, tmp_path):
    from fontsynth.torchdata import ShardDataset

    background_checkpoint(tmp_path / "bg.pt")
    result = invoke("eval", tmp_path / "bg.pt", "--data", pairs / "test", "--json", "--workers", "0", "--no-tesseract", "--no-progress",
                    "--out", tmp_path / "ev", "--device", "cpu")
    assert result.exit_code == 0, result.output
    removal = json.loads(result.stdout)["text_removal"]
    items = [ShardDataset(pairs / "test", fields=("image", "background"), size=(32, 128), channels=3)[i] for i in range(12)]
    left = [float((it["image"] - it["background"]).pow(2).mean()) for it in items]  # the old text left in place
    assert removal["style_image"]["mse"] == pytest.approx(sum(v for v in left if v > 0) / sum(v > 0 for v in left), rel=1e-5)
    model, _ = load_brush(tmp_path / "bg.pt", "cpu")
    with torch.no_grad():  # the branch's own background of each style image, against the true one
        erased = [float((model.background_of(it["image"][None])[0] - it["background"]).pow(2).mean()) for it in items]
    assert removal["model"]["mse"] == pytest.approx(sum(erased) / len(erased), rel=1e-4)
    with Image.open(tmp_path / "ev" / "grid.png") as grid:  # a sixth column: the background out
        assert grid.size[0] == 6 * 128


def test_eval_charts_a_judges_verdicts_by_render_slice(run, pairs, tmp_path):
    from fontsynth.cli import app as fontsynth_app

    typeface = tmp_path / "typeface"
    trained = runner.invoke(fontsynth_app, [str(a) for a in ("train-classifier", "--data", pairs / "train", "--out", typeface, "--steps", "4", *FAST)])
    assert trained.exit_code == 0, trained.output
    result = invoke("eval", run, "--data", pairs / "test", "--workers", "0", "--no-tesseract", "--out", tmp_path / "ev", "--device", "cpu",
                    "--classifier", typeface)
    assert result.exit_code == 0, result.output
    assert "hardest render slices by typeface_agreement:" in result.output
    report = json.loads((tmp_path / "ev" / "eval.json").read_text())
    assert report["slice_chart"] == "typeface_agreement"
    for values in report["by_effect"].values():  # each pair's verdict counted once per slice
        assert sum(c["n"] * c["typeface_agreement"] for c in values.values()) / 12 == pytest.approx(report["typeface_agreement"])
    assert "typeface_agreement" in (tmp_path / "ev" / "effects.csv").read_text().splitlines()[0]
    with Image.open(tmp_path / "ev" / "effects.png") as chart:
        assert chart.height > 16 * sum(len(values) for values in report["by_effect"].values())


def test_the_content_renderer_draws_what_pairs_store(pairs):
    from fontsynth.codec import decode
    from fontsynth.dataset import Dataset
    from fontsynth.recipes import ContentRenderer

    ds = Dataset(pairs / "test")
    sample = ds[3]
    stored = decode(sample["content-b"])
    renderer = ContentRenderer()
    drawn = renderer.draw(sample["label-b"].decode(), 32, 128)
    assert np.array_equal(stored.reshape(drawn.shape), drawn)
    # for a crop of the canvas' aspect, or a wider one, brush edit draws the same content
    for crop in ((32, 128), (64, 256), (32, 400), (10, 1000)):
        assert np.array_equal(renderer.draw_for(sample["label-b"].decode(), 32, 128, crop), drawn), crop


def test_edit_a_box_leaves_every_other_pixel_unchanged(run, tmp_path):
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (90, 200, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    result = invoke("edit", tmp_path / "photo.png", "--text", "SALE", "--box", "30,20,150,50", "-m", run, "-o", tmp_path / "out.png", "--device", "cpu")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "out.png"))
    outside = np.ones(photo.shape[:2], bool)
    outside[20:50, 30:150] = False
    assert out.shape == photo.shape and np.array_equal(out[outside], photo[outside])
    assert not np.array_equal(out[20:50, 30:150], photo[20:50, 30:150])
    word = invoke("edit", tmp_path / "photo.png", "--text", "hello", "-m", run, "-o", tmp_path / "word.jpg", "--device", "cpu")
    assert word.exit_code == 0 and Image.open(tmp_path / "word.jpg").size == (200, 90)
    hebrew = invoke("edit", tmp_path / "photo.png", "--text", "\u05e9\u05dc\u05d5\u05dd", "-m", run, "-o", tmp_path / "he.png", "--device", "cpu")
    assert hebrew.exit_code == 0 and Image.open(tmp_path / "he.png").size == (200, 90), hebrew.output  # its content drawn in DejaVu Sans


def test_edit_a_quad_leaves_every_pixel_outside_it_unchanged(run, tmp_path):
    import cv2

    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (90, 200, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    corners = [(40, 30), (160, 15), (165, 45), (45, 60)]  # a word rising to the right, clockwise from its top-left
    result = invoke("edit", tmp_path / "photo.png", "--text", "SALE", "--quad", ",".join(f"{x},{y}" for x, y in corners),
                    "-m", run, "-o", tmp_path / "out.png", "--device", "cpu")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "out.png"))
    polygon = np.array(corners, np.float32).reshape(-1, 1, 2)
    depth = np.array([[cv2.pointPolygonTest(polygon, (x + 0.5, y + 0.5), True) for x in range(200)] for y in range(90)])
    changed = (out != photo).any(axis=2)
    assert out.shape == photo.shape and not changed[depth < 0].any()  # pixel centres outside the quad: untouched
    assert changed[depth > 2].mean() > 0.5  # inside it: the edit
    # the quad of a box's corners gives the box's edit exactly
    editor = Editor(run, "cpu")
    as_box = editor.edit(photo, "SALE", box=(30, 20, 150, 50))
    as_quad = editor.edit(photo, "SALE", quad=np.array([[30, 20], [150, 20], [150, 50], [30, 50]], float))
    assert np.array_equal(as_box, as_quad)
    with pytest.raises(UserError, match="either --box or --quad"):  # from Python as from the CLI
        editor.edit(photo, "SALE", box=(30, 20, 150, 50), quad=np.array(corners, float))
    # a grey photo stays grey, and untouched outside the quad
    grey = photo[..., 1]
    edited = editor.edit(grey, "SALE", quad=np.array(corners, float))
    assert edited.shape == grey.shape and np.array_equal(edited[depth < 0], grey[depth < 0]) and (edited != grey)[depth > 2].mean() > 0.5


def test_the_new_text_is_never_cut_off_whatever_the_crops_aspect(run):
    """A crop is stretched to the canvas and the output back, and the content drawn for the crop's
    aspect (no wider than the canvas') is stretched with it: with a generator that draws the
    content itself, the new text is whole in every crop, where the content font puts it on a
    canvas of the crop's aspect, in its own proportions (a crop padded to the canvas instead had
    the text cut at its right edge)."""
    editor = Editor(run, "cpu")

    class DrawsTheContent(torch.nn.Module):
        def forward(self, style, content):
            return content.expand(-1, 3, -1, -1), 1 - content

    editor.model = DrawsTheContent()
    c = editor.config
    text = "SALE"  # centred on the canvas, as the content font draws it

    def ink_box(image: np.ndarray) -> np.ndarray:
        """x0, x1 as fractions of the width, and the ink's width over its height in pixels."""
        ink = image.reshape(image.shape[0], image.shape[1], -1).min(axis=2) < 128
        columns, rows = np.flatnonzero(ink.any(axis=0)), np.flatnonzero(ink.any(axis=1))
        return np.array([columns[0] / ink.shape[1], (columns[-1] + 1) / ink.shape[1], (columns[-1] + 1 - columns[0]) / (rows[-1] + 1 - rows[0])])

    assert 0.3 < np.diff(ink_box(editor.content.draw(text, c.height, c.width))[:2])[0] < 0.9
    for height, width in ((c.height, c.width // 3), (c.height * 2, c.width), (c.height, c.width * 3)):  # narrow, narrow and tall, wide
        run_width = editor.run_width(height, width)
        assert run_width == (c.width * 3 if width == c.width * 3 else c.width)  # a wide crop runs at its own width
        edited, mask = editor.generate(np.full((height, width, 3), 255, np.uint8), text)
        assert edited.shape == (height, width, 3) and mask.shape == (height, width)
        expected = ink_box(editor.content.draw(text, c.height, min(run_width, round(width * c.height / height))))
        assert np.allclose(ink_box(edited)[:2], expected[:2], atol=2 / width + 0.01), (height, width)
        assert abs(ink_box(edited)[2] / expected[2] - 1) < 0.15, (height, width)  # the text in its own proportions
    assert editor.run_width(c.height, c.width * 1000) == c.width * 16  # a very long crop at most 16 canvases wide


def test_erase_puts_the_background_branchs_prediction_in_place_of_the_text(run, tmp_path):
    model_path = background_checkpoint(tmp_path / "bg.pt")
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (90, 200, 3), dtype=np.uint8)
    Image.fromarray(photo).save(tmp_path / "photo.png")
    result = invoke("edit", tmp_path / "photo.png", "--erase", "--box", "30,20,150,50", "-m", model_path, "-o", tmp_path / "out.png", "--device", "cpu")
    assert result.exit_code == 0, result.output
    out = np.asarray(Image.open(tmp_path / "out.png"))
    outside = np.ones(photo.shape[:2], bool)
    outside[20:50, 30:150] = False
    assert np.array_equal(out[outside], photo[outside]) and not np.array_equal(out[20:50, 30:150], photo[20:50, 30:150])
    # a crop of the canvas' own size: the branch's background, pixel for pixel
    word = rng.integers(0, 256, (32, 128, 3), dtype=np.uint8)
    Image.fromarray(word).save(tmp_path / "word.png")
    assert invoke("edit", tmp_path / "word.png", "--erase", "-m", model_path, "-o", tmp_path / "erased.png", "--device", "cpu").exit_code == 0
    model, _ = load_brush(model_path, "cpu")
    with torch.no_grad():
        expected = model.background_of(torch.from_numpy(word).permute(2, 0, 1)[None].float() / 255)[0].permute(1, 2, 0).numpy()
    erased = np.asarray(Image.open(tmp_path / "erased.png")).astype(int)
    assert np.abs(erased - (expected * 255 + 0.5).astype(int)).max() <= 1
    # errors: a model without the branch; --text and --erase together, or neither
    for args, message in ((["--erase", "-m", run], "background branch"), (["--erase", "--text", "a", "-m", model_path], "either --text"),
                          (["-m", model_path], "either --text")):
        bad = invoke("edit", tmp_path / "photo.png", *args, "-o", tmp_path / "bad.png", "--device", "cpu")
        assert bad.exit_code == 2 and message in bad.output and "Traceback" not in bad.output and not (tmp_path / "bad.png").exists()


@pytest.mark.parametrize("args,message", [
    (["--box", "150,20,300,50"], "not inside the 200x90 image"),
    (["--box", "1,2,3"], "LEFT,TOP,RIGHT,BOTTOM"),
    (["--quad", "1,2,3"], "X1,Y1,X2,Y2,X3,Y3,X4,Y4"),
    (["--quad", "0,0,300,0,300,50,0,50"], "not inside the 200x90 image"),
    (["--quad", "0,50,150,50,150,20,0,20"], "clockwise from the word's top-left"),
    (["--quad", "10,10,30,10,10,30,30,30"], "convex"),
    (["--quad", "10,10,11,10,11,11,10,11"], "less than two pixels"),
    (["--quad", "0,0,50,0,50,20,0,20", "--box", "0,0,50,20"], "either --box or --quad"),
    (["--text", " "], "--text is empty"),
    (["--text", "\u65e5\u672c"], "no standard content font draws"),
    (["-o", "OUT.gif"], "write .png"),
])
def test_edit_errors_are_one_line(run, tmp_path, args, message):
    Image.fromarray(np.zeros((90, 200, 3), np.uint8)).save(tmp_path / "photo.png")
    base = {"--text": "SALE", "-o": str(tmp_path / "out.png")}
    extra = dict(zip(args[::2], args[1::2]))
    options = [a for k, v in {**base, **extra}.items() for a in (k, v)]
    result = invoke("edit", tmp_path / "photo.png", "-m", run, *options)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.png").exists()


def test_edit_never_writes_over_its_input(run, tmp_path):
    Image.fromarray(np.zeros((90, 200, 3), np.uint8)).save(tmp_path / "photo.png")
    before = (tmp_path / "photo.png").read_bytes()
    result = invoke("edit", tmp_path / "photo.png", "-m", run, "--text", "SALE", "-o", tmp_path / "." / "photo.png")
    assert result.exit_code == 2 and "is an input of this command; write the result elsewhere" in result.output
    assert (tmp_path / "photo.png").read_bytes() == before


def test_edit_and_eval_refuse_bad_models_and_images(run, tmp_path, pairs):
    (tmp_path / "broken.png").write_bytes(b"not an image")
    bad = invoke("edit", tmp_path / "broken.png", "--text", "a", "-m", run, "-o", tmp_path / "o.png")
    assert bad.exit_code == 2 and "not an image we can decode" in bad.output
    Image.fromarray(np.zeros((20, 20, 3), np.uint8)).save(tmp_path / "ok.png")
    missing = invoke("edit", tmp_path / "ok.png", "--text", "a", "-m", tmp_path / "nothing", "-o", tmp_path / "o.png")
    assert missing.exit_code == 2 and "no checkpoint" in missing.output
    other = tmp_path / "other.pt"
    import dataclasses

    vgg = create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=8, num_classes=3, height=32, width=64)
    torch.save({"format": "fontsynth-checkpoint", "format_version": 1, "model": "vgg16", "model_config": dataclasses.asdict(vgg.config),
                "state_dict": vgg.state_dict(), "tables": {}}, other)
    wrong = invoke("eval", other, "--data", pairs / "test")
    assert wrong.exit_code == 2 and "not brush" in wrong.output
    for option, value in (("--batch-size", "0"), ("--workers", "-1"), ("--limit", "0")):
        bad = invoke("eval", run, "--data", pairs / "test", option, value)
        assert bad.exit_code == 2 and f"{option} must be at least" in bad.output and "Traceback" not in bad.output, bad.output
    # weights of an older version of the model's code (here: one weight reshaped as a per-sample
    # modulated convolution once stored it, one key no longer present): one error line
    payload = torch.load(run / "last.pt", weights_only=True)
    state = payload["state_dict"]
    name = next(k for k, v in state.items() if v.ndim == 4)
    state[name] = state[name].unsqueeze(0)
    state["d.net.2.bias"] = torch.zeros(1)
    torch.save(payload, tmp_path / "old.pt")
    for command in (("eval", tmp_path / "old.pt", "--data", pairs / "test"), ("edit", tmp_path / "ok.png", "--text", "a", "-m", tmp_path / "old.pt",
                                                                              "-o", tmp_path / "o.png")):
        old = invoke(*command)
        assert old.exit_code == 2 and "the weights do not fit this version's 'brush' model" in old.output and "Traceback" not in old.output
    assert not (tmp_path / "o.png").exists()


def test_eval_with_the_true_placement(run, pairs, tmp_path):
    result = invoke("eval", run, "--data", pairs / "test", "--json", "--workers", "0", "--no-tesseract", "--device", "cpu", "--true-placement",
                    "--limit", "6", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["true_placement"] is True and report["n"] == 6
    assert json.loads((run / "eval-test-true-placement" / "eval.json").read_text())["true_placement"] is True  # beside the plain eval
    # a model without an aligner (here: a run saved before it) has no placement to replace
    payload = torch.load(run / "last.pt", weights_only=True)
    plain = create_model("brush", **{**payload["model_config"], "align_content": False})
    del payload["model_config"]["align_content"]
    payload["state_dict"] = plain.state_dict()
    torch.save(payload, tmp_path / "old.pt")
    refused = invoke("eval", tmp_path / "old.pt", "--data", pairs / "test", "--true-placement", "--no-tesseract", "--workers", "0")
    assert refused.exit_code == 2 and "no content aligner" in refused.output and "Traceback" not in refused.output


def test_resume_after_a_kill_gives_the_weights_of_an_uninterrupted_run(pairs, tmp_path):
    from brush.train import train_brush
    from classifier.runs import TrainRequest

    def request(out, resume=False):
        return TrainRequest(out=out, preset="smoke", resume=resume, options={} if resume else {"features": "random"},
                            data=None if resume else {"data": str(pairs / "train")},
                            train={"steps": 14, "workers": 0, "progress": False, "checkpoint_every": 7, "val_every": 7})

    train_brush(request(tmp_path / "a"))

    class Killed(Exception):
        pass

    def kill(step):
        if step == 9:
            raise Killed

    with pytest.raises(Killed):
        train_brush(request(tmp_path / "b"), on_step=kill)
    train_brush(request(tmp_path / "b", resume=True))
    a = torch.load(tmp_path / "a" / "last.pt", weights_only=True)
    b = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert a["step"] == b["step"] == 14 and set(a["optimizers"]) == {"aligner", "generator", "discriminator"}
    for key, value in a["state_dict"].items():
        assert torch.equal(value, b["state_dict"][key]), key


def test_train_errors(pairs, tmp_path):
    result = invoke("train", "--data", pairs / "train", "--out", tmp_path / "r", "--features", "relu", *FAST)
    assert result.exit_code == 2 and "does not exist" in result.output
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"losses": {"gramm": 1}}))
    result = invoke("train", "--data", pairs / "train", "--out", tmp_path / "r", "--config", config, *FAST)
    assert result.exit_code == 2 and "gramm" in result.output
    result = invoke("train", "--out", tmp_path / "r", *FAST)
    assert result.exit_code == 2 and "no training data" in result.output
    assert not (tmp_path / "r").exists()


def test_stylize_cli(pairs, tmp_path):
    from fontsynth.dataset import Dataset

    sample = Dataset(pairs / "test")[0]
    for name in ("image", "content-b", "mask"):
        (tmp_path / f"{name}.png").write_bytes(sample[name])
    common = ["--content", tmp_path / "content-b.png", "--style", tmp_path / "image.png", "--features", "random", "--steps", "3", "--no-progress"]
    result = invoke("stylize", *common, "-o", tmp_path / "s.png", "--json", "--save-every", "3")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["final"]["total"] < report["initial"]["total"]
    assert Image.open(tmp_path / "s.png").size == (128, 32) and (tmp_path / "s-s0-step0003.png").exists()
    semantic = invoke("stylize", *common, "-o", tmp_path / "m.png", "--style-loss", "mrf", "--content-mask", tmp_path / "mask.png",
                      "--style-mask", tmp_path / "mask.png")
    assert semantic.exit_code == 0, semantic.output
    for args, message in ((["--style-layers", "relu9_1"], "valid: relu1_1"), (["--steps", "0"], "must be positive (got 0"), (["--style-layer-weights", "1,-1,1,1"], "must not be negative"),
                          (["--style-weight", "-1"], "must not be negative"), (["--content-mask", tmp_path / "mask.png"], "needs both"),
                          (["--features", tmp_path / "none"], "does not exist")):
        bad = invoke("stylize", *common, "-o", tmp_path / "bad.png", *args)
        assert bad.exit_code == 2 and message in bad.output, (args, bad.output)
        assert not (tmp_path / "bad.png").exists()
    Image.fromarray(np.zeros((10, 10), np.uint8)).save(tmp_path / "small.png")
    wrong = invoke("stylize", *common, "-o", tmp_path / "bad.png", "--style-loss", "mrf", "--content-mask", tmp_path / "small.png",
                   "--style-mask", tmp_path / "mask.png")
    assert wrong.exit_code == 2 and "must have its image's size" in wrong.output
    before = (tmp_path / "image.png").read_bytes()  # the style image named as the output, another way: refused, kept
    onto = invoke("stylize", *common, "-o", tmp_path / "sub" / ".." / "image.png")
    assert onto.exit_code == 2 and "is an input of this command" in onto.output and (tmp_path / "image.png").read_bytes() == before


def test_modulated_conv_equals_per_sample_modulated_weights():
    from brush.generator import ModulatedConv2d

    torch.manual_seed(0)
    for demodulate in (True, False):
        conv = ModulatedConv2d(5, 7, 3, style_dim=4, demodulate=demodulate)
        with torch.no_grad():
            conv.modulation.weight.normal_()
        x, style = torch.randn(3, 5, 6, 9), torch.randn(3, 4)
        assert torch.allclose(conv(x, style), conv.forward_grouped(x, style), atol=1e-5)


def test_per_image_scores_leave_out_perfect_images_as_the_totals_do():
    metrics = [{"mse": torch.tensor([0.0, 0.01]), "psnr": torch.tensor([float("inf"), 20.0]), "ms_ssim": torch.tensor([1.0, 0.5]),
                "ms_ssim_true": torch.tensor([1.0, 0.4])},
               {"mse": torch.tensor([0.02]), "psnr": torch.tensor([17.0]), "ms_ssim": torch.tensor([0.25]), "ms_ssim_true": torch.tensor([0.2])}]
    scores = E.per_image_scores(metrics, {"rec_acc": [True, False, True]})
    assert scores == {"mse": [None, pytest.approx(0.01), pytest.approx(0.02)], "psnr": [None, 20.0, 17.0], "ms_ssim": [None, 50.0, 25.0],
                      "rec_acc": [1.0, 0.0, 1.0]}
    for m, contrast in zip(metrics, ([1.0, math.nan], [0.5])):
        m["text_contrast"] = torch.tensor(contrast)
    assert E.per_image_scores(metrics, {})["text_contrast"] == [None, None, 0.5]  # perfect image, then NaN: no value


def test_edit_jobs_give_what_single_edits_give_and_check_every_line_first(run, tmp_path):
    rng = np.random.default_rng(1)
    photo, sign = (rng.integers(0, 256, (90, 200, 3), dtype=np.uint8) for _ in range(2))
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(sign).save(tmp_path / "sign.png")
    quad = [40, 55, 160, 50, 162, 80, 42, 86]
    jobs = [
        {"image": "photo.png", "output": "out/photo.png", "text": "SALE", "box": [30, 20, 150, 50]},
        {"image": "sign.png", "output": "out/sign.png", "edits": [{"text": "OPEN", "box": "10,5,120,40"}, {"text": "now", "quad": quad}]},
        {"image": "photo.png", "output": "out/word.jpg", "text": "hello"},
    ]
    (tmp_path / "jobs.jsonl").write_text("\n".join(json.dumps(j) for j in jobs) + "\n\n")
    result = invoke("edit", "--jobs", tmp_path / "jobs.jsonl", "-m", run, "--device", "cpu", "--no-progress")
    assert result.exit_code == 0 and "3 images edited" in result.output, result.output
    editor = Editor(run, "cpu")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "out" / "photo.png")), editor.edit(photo, "SALE", box=(30, 20, 150, 50)))
    both = editor.edit(editor.edit(sign, "OPEN", box=(10, 5, 120, 40)), "now", quad=np.array(quad, float).reshape(4, 2))
    out = np.asarray(Image.open(tmp_path / "out" / "sign.png"))
    assert np.array_equal(out, both) and np.array_equal(out[:, 170:], sign[:, 170:])  # right of both regions: untouched
    assert not np.array_equal(out[5:40, 10:120], sign[5:40, 10:120]) and not np.array_equal(out[60:80, 60:140], sign[60:80, 60:140])
    assert Image.open(tmp_path / "out" / "word.jpg").size == (200, 90)

    def fails(lines, message, *extra):
        (tmp_path / "bad.jsonl").write_text("\n".join(lines) + "\n")
        shutil.rmtree(tmp_path / "out")
        result = invoke("edit", "--jobs", tmp_path / "bad.jsonl", "-m", run, "--device", "cpu", *extra)
        assert result.exit_code == 2 and message in result.output and len(result.output.strip().splitlines()) == 1, result.output
        assert not (tmp_path / "out").exists()  # nothing written, not even the lines before the bad one
        (tmp_path / "out").mkdir()

    good = json.dumps(jobs[0])
    fails([good, "{not json"], "bad.jsonl:2 is not a JSON object")
    fails([good, json.dumps({**jobs[2], "box": [150, 20, 300, 50]})], "bad.jsonl:2: --box 150,20,300,50 is not inside the 200x90 image")
    fails([good, json.dumps({**jobs[2], "text": "\u65e5\u672c"})], "bad.jsonl:2: --text '\u65e5\u672c': no standard content font draws")
    fails([good, json.dumps({**jobs[2], "output": "out/photo.png"})], "out/photo.png is also line 1's output")
    fails([good, json.dumps({**jobs[2], "output": "photo.png"})], "is an input of the jobs")
    fails([good, json.dumps({**jobs[2], "colour": "red"})], "bad.jsonl:2: unknown key(s) colour")
    fails([good, json.dumps({"image": "photo.png", "output": "out/x.png"})], "bad.jsonl:2: give either \"text\"")
    fails([good, json.dumps({"image": "missing.png", "output": "out/x.png", "text": "a"})], f"bad.jsonl:2: {tmp_path / 'missing.png'} does not exist; pass PNG or JPEG files")
    fails([good], "--jobs lists the images and their edits; drop IMAGE", str(tmp_path / "photo.png"))


def test_eval_on_a_benchmark_folder_in_mostels_layout(run, pairs, tmp_path):
    """Tamper-Syn2k's layout (i_s/, t_f/, i_t.txt) holding our test pairs: the style baseline
    scores as on the pairs, the model within 8-bit rounding of its outputs; outputs saved by name."""
    from fontsynth.dataset import Dataset

    ds = Dataset(pairs / "test")
    bench = tmp_path / "Tamper-Syn2k"
    (bench / "i_s").mkdir(parents=True)
    (bench / "t_f").mkdir()
    (bench / "t_b").mkdir()
    lines = []
    for i in range(12):
        (bench / "i_s" / f"{i}.png").write_bytes(ds[i]["image"])
        (bench / "t_f" / f"{i}.png").write_bytes(ds[i]["target"])
        (bench / "t_b" / f"{i}.png").write_bytes(ds[i]["background"])
        lines.append(f"{i}.png {ds[i]['label-b'].decode()}")
    (bench / "i_t.txt").write_text("\n".join(lines) + "\n")
    common = ("--json", "--workers", "0", "--no-tesseract", "--device", "cpu", "--no-progress")
    on_pairs = json.loads(invoke("eval", run, "--data", pairs / "test", "--out", tmp_path / "a", *common).stdout)
    result = invoke("eval", run, "--data", bench, "--out", tmp_path / "b", "--save-outputs", *common)
    assert result.exit_code == 0, result.output
    on_bench = json.loads(result.stdout)
    assert on_bench["n"] == 12 and on_bench["layout"].startswith("MOSTEL") and set(on_bench["baselines"]) == {"style_image", "background"}
    assert (on_bench["checkpoint"], on_bench["step"]) == (on_pairs["checkpoint"], on_pairs["step"])
    for key in ("mse", "psnr", "ms_ssim"):
        for baseline in ("style_image", "background"):
            assert on_bench["baselines"][baseline][key] == pytest.approx(on_pairs["baselines"][baseline][key], rel=1e-9), (baseline, key)
    assert on_bench["mse"] == pytest.approx(on_pairs["mse"], abs=2e-3) and on_bench["ms_ssim"] == pytest.approx(on_pairs["ms_ssim"], abs=1.0)
    saved = sorted(p.name for p in (tmp_path / "b" / "outputs").glob("*.png"))
    assert saved == sorted(f"{i}.png" for i in range(12)) and (tmp_path / "b" / "grid.png").exists()
    # a ground truth of another size: the output is resized to it (bicubic, as MOSTEL's evaluation does)
    with Image.open(bench / "t_f" / "0.png") as truth:
        truth.resize((256, 64), Image.BICUBIC).save(bench / "t_f" / "0.png")
    resized = json.loads(invoke("eval", run, "--data", bench, "--out", tmp_path / "b2", *common).stdout)
    assert resized["n"] == 12 and resized["mse"] != on_bench["mse"] and abs(resized["mse"] - on_bench["mse"]) < 0.01
    # Tamper-Scene's layout: no ground truth, only the judges
    shutil.rmtree(bench / "t_f")
    scene = json.loads(invoke("eval", run, "--data", bench, "--out", tmp_path / "c", *common).stdout)
    assert scene["n"] == 12 and "mse" not in scene and any("no t_f/" in n for n in scene["notes"])
    # bad folders: one error line
    (bench / "i_t.txt").write_text("0.png hello\n1.png\n")
    bad = invoke("eval", run, "--data", bench, "--out", tmp_path / "d")
    assert bad.exit_code == 2 and "i_t.txt:2 is not `NAME TEXT`" in bad.output
    (bench / "i_t.txt").write_text("0.png hello\nmissing.png world\n")
    bad = invoke("eval", run, "--data", bench, "--out", tmp_path / "d")
    assert bad.exit_code == 2 and "i_t.txt names 1 style image(s) that do not exist, the first" in bad.output
    (bench / "i_t.txt").write_text("0.png hello\n1.png world\n")
    (bench / "i_s" / "1.png").write_bytes(b"not a png")  # an image that does not decode: named, not a traceback
    bad = invoke("eval", run, "--data", bench, "--out", tmp_path / "d", "--workers", "0", "--no-tesseract", "--no-progress")
    assert bad.exit_code == 2 and "Traceback" not in bad.output, bad.output
    assert f"{bench / 'i_s' / '1.png'} is not an image we can decode" in bad.output and "replace or remove it" in bad.output


def test_training_on_pairs_in_mostels_layout(pairs, tmp_path):
    """A `fontsynth export` of pairs read back as pairs gives the shards' items, the content images
    drawn from the texts equal to the stored ones; brush trains on such a folder, and without
    i_s.txt (MOSTEL's own training sets hold no text A) with the reconstruction and the cycle off."""
    from fontsynth.export import export_dataset
    from fontsynth.torchdata import PairFolderDataset, ShardDataset

    folder = tmp_path / "mostel"
    export_dataset(pairs / "train", folder, progress=False)
    fields = ("image", "target", "background", "mask", "mask-b", "content", "content-b", "label", "label-b")
    ours, theirs = ShardDataset(pairs / "train", fields, size=(32, 128), channels=3), PairFolderDataset(folder, fields, size=(32, 128), channels=3)
    assert len(theirs) == len(ours) == 48 and theirs.left_out == {}
    chars = set()
    for i in range(48):
        a, b = ours[i], theirs[i]
        for field in fields:
            assert (a[field] == b[field]) if isinstance(a[field], str) else torch.equal(a[field], b[field]), (i, field)
        chars |= set(a["label"] + a["label-b"])
    assert theirs.charset == "".join(sorted(chars))
    # a canvas of another aspect: every image of a pair resized to it exactly, as brush edit prepares a crop
    from fontsynth.canvas import read_image, stretch_to_canvas
    from fontsynth.pairfolder import FOLDERS

    # and the content drawn for the style image's aspect (4:1 here, on an 8:1 canvas), as brush edit draws it
    from fontsynth.recipes import ContentRenderer

    other = PairFolderDataset(folder, ("image", "target", "mask", "content-b"), size=(32, 256), channels=3)
    with pytest.raises(ValueError, match="nothing to read in windows"):
        PairFolderDataset(folder, ("image",), size=(32, 64), crop=(0.0, 1.0))
    name, text_b, _ = other.cases[5]
    for field, channels in (("image", 3), ("target", 3), ("mask", 1)):
        expected = stretch_to_canvas(read_image(folder / FOLDERS[field] / name), 32, 256, channels).transpose(2, 0, 1) / np.float32(255)
        assert torch.equal(other[5][field], torch.from_numpy(expected)), field
    content = stretch_to_canvas(ContentRenderer().draw(text_b, 32, 128), 32, 256)
    assert torch.equal(other[5]["content-b"], torch.from_numpy(content)[None] / np.float32(255))
    run = invoke("train", "--data", folder, "--val-data", pairs / "test", "--out", tmp_path / "a", "--features", "random", "--steps", "12", *FAST)
    assert run.exit_code == 0 and "48 pairs in MOSTEL's layout" in run.output, run.output
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert "reconstruction" not in config["losses_off"] and "reconstruction_term" in (tmp_path / "a" / "metrics.csv").read_text()
    (folder / "i_s.txt").unlink()
    run = invoke("train", "--data", folder, "--val-data", folder, "--out", tmp_path / "b", "--features", "random", "--steps", "12", *FAST)
    assert run.exit_code == 0, run.output
    config = json.loads((tmp_path / "b" / "config.json").read_text())
    assert config["losses_off"]["reconstruction"] == config["losses_off"]["cycle"] == "no text A in --data (i_s.txt)"
    header = (tmp_path / "b" / "metrics.csv").read_text().splitlines()[0]
    assert "reconstruction_term" not in header and "cycle_term" not in header and "val_psnr" in header
    # a target of another size than its style image is brought to the style image's size first: aligned as before
    name = (folder / "i_t.txt").read_text().split()[0]
    with Image.open(folder / "t_f" / name) as target:
        target.resize((target.width // 2, target.height), Image.BICUBIC).save(folder / "t_f" / name)
    resized = PairFolderDataset(folder, ("image", "target"), size=(32, 128), channels=3)[0]["target"]
    assert resized.shape == ours[0]["target"].shape and (resized - ours[0]["target"]).abs().mean() < 0.02
    # what a folder lacks, and a text no content font draws
    lines = (folder / "i_t.txt").read_text().splitlines()
    (folder / "i_t.txt").write_text("\n".join([lines[0].split()[0] + " \u4e2d\u6587", *lines[1:]]) + "\n")
    assert PairFolderDataset(folder, ("image", "label-b")).left_out == {"text B no content font draws": 1}
    shutil.rmtree(folder / "mask_t")
    bad = invoke("train", "--data", folder, "--out", tmp_path / "c", *FAST)
    assert bad.exit_code == 2 and f"--data: {folder} has no mask_t/ (the pixels of text B)" in bad.output, bad.output
    assert not (tmp_path / "c").exists()


def test_the_joint_objective_starts_with_a_second_warmup():
    task = BrushTask(LossConfig(content_steps=300, joint_warmup=200), Frozen())
    assert [task.lr_scale(s) for s in (0, 299, 300, 399, 499, 500, 4000)] == [1.0, 1.0, 1 / 200, 0.5, 1.0, 1.0, 1.0]
    assert BrushTask(LossConfig(content_steps=300, joint_warmup=0), Frozen()).lr_scale(300) == 1.0
    with pytest.raises(ValueError, match="joint_warmup at least 0"):
        LossConfig(joint_warmup=-1)


def test_a_generator_that_draws_flat_images_is_reported(pairs, capsys):
    from torch.utils.data import DataLoader

    from brush.train import FIELDS, VAL_FIELDS, collapsed
    from fontsynth.torchdata import ShardDataset

    rng = torch.Generator().manual_seed(0)
    flat = torch.ones(4, 3, 8, 8)
    flat[1] = 0  # an inverted style's flat image: still flat
    flat[2, 1, 0, 0] = 0  # a stray pixel, as the dead run drew
    assert collapsed(flat) and not collapsed(torch.rand(4, 3, 8, 8, generator=rng))
    assert not collapsed(torch.full((4, 3, 8, 8), 0.6))  # flat grey, as outputs start: not saturated
    model = tiny_brush(width=128)
    data = ShardDataset(pairs / "test", fields=(*FIELDS, *VAL_FIELDS), size=(32, 128), channels=3)
    task = BrushTask(LossConfig(), Frozen())
    task.validate(model.eval(), DataLoader(data, batch_size=6), torch.device("cpu"))
    assert "warning" not in capsys.readouterr().err  # an untrained generator still varies with its inputs
    with torch.no_grad():
        for g in (model.g, model.g_ema):
            g.generator.to_image.bias.fill_(100.0)  # every pixel's sigmoid saturated: what the dead runs drew
    task.validate(model.eval(), DataLoader(data, batch_size=6), torch.device("cpu"))
    assert "the generator draws a flat image for every validation pair" in capsys.readouterr().err


# ---------------------------------------------------------------- scripts/real_photos.py


def real_photos_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "real_photos.py"
    spec = importlib.util.spec_from_file_location("real_photos", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_real_photos_replacement_texts_keep_the_case_and_differ():
    script = real_photos_script()
    words = ["NOTICE", "at", "Centre", "centre", "PRO", "the"]
    assert [script.new_text(words, k) for k in range(len(words))] == ["CENTRE", "pro", "Notice", "notice", "THE", "pro"]
    listed = [w["text"] for w in json.loads(script.WORDS.read_text())]
    for k, word in enumerate(listed):
        new = script.new_text(listed, k)
        assert new.lower() != word.lower() and new.lower() in {w.lower() for w in listed}
        assert script.in_case_of(new, word) == new


def test_real_photos_look_of_an_edit_by_hand():
    script = real_photos_script()
    crop = np.full((20, 10, 3), 200, np.uint8)
    crop[:3] = (20, 40, 60)  # 15% ink
    edit = np.full((20, 10, 3), 180, np.uint8)
    edit[-3:] = 60
    kept, error = script.look_kept(crop, edit)
    assert kept == pytest.approx(120 / 160)
    assert error == pytest.approx((math.hypot(40, 20, 0) + math.hypot(20, 20, 20)) / 2)
    assert script.look_kept(crop, crop) == (1.0, 0.0)
    assert script.look_kept(crop[..., 0], crop[..., 0]) == (1.0, 0.0)  # grey


def test_real_photos_loosened_boxes_by_hand():
    script = real_photos_script()
    assert script.loosened((10, 20, 50, 40), 0.25, 100, 200) == (5, 15, 55, 45)  # 0.25 x 20 = 5 on every side
    assert script.loosened((10, 20, 50, 40), -0.1, 100, 200) == (12, 22, 48, 38)
    assert script.loosened((2, 3, 198, 99), 0.5, 100, 200) == (0, 0, 200, 100)  # clipped to the photo


def test_real_photos_reads_and_edits_every_listed_word(run, pairs, small_fonts, tmp_path):
    """On stand-in photos of the listed names and sizes: every word read, every boxed word
    edited and read back, and the photo's pixels outside its words' boxes untouched."""
    import subprocess
    import sys

    script = real_photos_script()
    words = json.loads(script.WORDS.read_text())
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for name in dict.fromkeys(w["image"] for w in words):
        boxes = [w["box"] for w in words if w["image"] == name and "box" in w]
        width, height = (max(b[2] for b in boxes) + 5, max(b[3] for b in boxes) + 5) if boxes else (90, 30)
        Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8)).save(photos / name, format="JPEG")
    recognizer = tiny_recognizer(small_fonts, tmp_path)
    command = [sys.executable, str(script.__file__), "--photos", str(photos), "--recognizer", str(recognizer), "--brush", str(run),
               "--pairs", str(pairs / "test"), "--limit", "3", "--out", str(tmp_path / "out")]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    boxed = [w for w in words if "box" in w]
    assert report["n"] == len(words) and report["editing"]["n"] == len(boxed) and report["rendered_pairs"]["n"] == 3
    assert 0 <= report["reading"]["ours"]["word_accuracy"] <= 1 and 0 <= report["editing"]["edited"]["ours"]["cer"]
    assert report["rendered_pairs"]["targets"]["contrast_kept_median"] > 0
    assert list(report["loose"]["ours"]) == ["-0.1", "0", "0.1", "0.2", "0.3", "0.5"]
    assert all(0 <= v <= 1 for v in report["loose"]["ours"].values())
    with open(tmp_path / "out" / "words.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    boxed_rows = [r for r in rows if r["box"]]  # loosened by 0, a box is read as the plain reading reads it
    assert report["loose"]["ours"]["0"] == pytest.approx(sum(r["read_ours"] == r["text"] for r in boxed_rows) / len(boxed_rows))
    assert [r["text"] for r in rows] == [w["text"] for w in words]
    assert all(bool(r["new_text"]) == ("box" in w) for r, w in zip(rows, words))
    first = [w for w in boxed if w["image"] == words[0]["image"]]
    original = np.asarray(Image.open(photos / words[0]["image"]).convert("RGB"))
    sheet = np.asarray(Image.open(tmp_path / "out" / "photo-edited.png"))
    left, right = sheet[:, : original.shape[1]], sheet[:, original.shape[1]:]
    outside = np.ones(original.shape[:2], bool)
    for w in first:
        l, t, r, b = w["box"]
        outside[t:b, l:r] = False
    assert np.array_equal(left, original) and np.array_equal(right[outside], original[outside]) and not np.array_equal(right, original)
    for name in ("reading.png", "edits.png", "real-photos.json"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    (photos / words[-1]["image"]).unlink()
    missing = subprocess.run(command, capture_output=True, text=True)
    assert missing.returncode == 2 and missing.stderr.strip().splitlines()[-1] == (
        f"error: {photos} lacks {words[-1]['image']}; pass --photos the folder of opencv-doc's examples/text")
