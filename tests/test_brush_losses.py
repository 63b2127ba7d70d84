"""brush.losses against hand-computed values, and `brush stylize` (library and feature networks)."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from brush import losses  # noqa: E402
from brush.features import FeatureNet, load_feature_net, torchvision_vgg  # noqa: E402
from brush.stylize import StylizeConfig, scale_sizes, stylize  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402


def test_l1_and_tv_by_hand():
    a = torch.tensor([[[[0.0, 1.0], [0.5, 0.25]]]])
    b = torch.zeros_like(a)
    assert losses.l1(a, b).item() == pytest.approx((0 + 1 + 0.5 + 0.25) / 4)
    # vertical diffs: 0.5, -0.75 -> mean of squares (0.25 + 0.5625) / 2; horizontal: 1, -0.25 -> (1 + 0.0625) / 2
    assert losses.tv_loss(a).item() == pytest.approx((0.25 + 0.5625) / 2 + (1 + 0.0625) / 2)
    assert losses.intensity_loss(torch.tensor([1.0, -3.0])).item() == pytest.approx(5.0)
    mask, target = torch.tensor([0.9, 0.2]), torch.tensor([1.0, 0.0])
    assert losses.mask_loss(torch.logit(mask), target).item() == pytest.approx(-(math.log(0.9) + math.log(0.8)) / 2)


def test_a_saturated_mask_still_gets_a_gradient():
    # logits of +-40: sigmoid is exactly 1.0 / 4e-18 in float32, on the wrong side of each target
    logits = torch.tensor([40.0, -40.0, 40.0], requires_grad=True)
    target = torch.tensor([0.0, 1.0, 1.0])
    loss = losses.mask_loss(logits, target)
    loss.backward()
    assert loss.item() == pytest.approx(80 / 3, rel=1e-4)  # -log(sigmoid(-40)) = 40 for each wrong pixel
    # d/dlogit = (sigmoid(logit) - target) / n: +1/3, -1/3, and ~0 for the right one
    assert logits.grad.tolist() == pytest.approx([1 / 3, -1 / 3, 0.0], abs=1e-6)


def test_ink_l1_weighs_each_images_text_alike():
    target = torch.zeros(2, 3, 2, 4)
    output = torch.ones_like(target) * 0.5  # 0.5 off everywhere...
    output[1, :, 0, 0] = 0.0  # ...but right on the one ink pixel of image 1
    mask = torch.zeros(2, 1, 2, 4)
    mask[0, 0, :, :2] = 1.0  # image 0: four ink pixels (a long word)
    mask[0, 0, 1, 3] = 0.5  # and a soft edge, weighted by the mask
    mask[1, 0, 0, 0] = 1.0  # image 1: one ink pixel (a short word)
    assert losses.ink_l1(output, target, mask).item() == pytest.approx((0.5 + 0.0) / 2)  # off-mask pixels cost nothing
    output[0, :, 1, 3] = 1.0  # the soft edge now 1.0 off: (4 * 0.5 + 0.5 * 1.0) / 4.5 for image 0
    assert losses.ink_l1(output, target, mask).item() == pytest.approx((2.5 / 4.5 + 0.0) / 2)
    assert losses.ink_l1(output, target, torch.zeros_like(mask)).item() == 0.0  # no ink: no loss, no NaN


def test_gram_by_hand_and_invariant_to_spatial_shuffles():
    f = torch.tensor([[[[1.0, 2.0]], [[3.0, 0.0]]]])  # N=1, C=2, h=1, w=2
    g = losses.gram(f)
    expected = torch.tensor([[5.0, 3.0], [3.0, 9.0]]) / (2 * 1 * 2)
    assert torch.allclose(g[0], expected)
    torch.manual_seed(0)
    a = {"x": torch.randn(2, 8, 6, 10)}
    flat = a["x"].reshape(2, 8, -1)
    shuffled = {"x": flat[:, :, torch.randperm(60)].reshape(2, 8, 6, 10)}
    assert losses.gram_loss(a, a, {"x": 1.0}).item() == 0.0
    assert losses.gram_loss(a, shuffled, {"x": 1.0}).item() == pytest.approx(0.0, abs=1e-10)
    other = {"x": torch.randn(2, 8, 6, 10)}
    assert losses.gram_loss(a, other, {"x": 1.0}).item() > 1e-4


def test_feature_loss_weights_layers():
    a = {"p": torch.ones(1, 2, 2, 2), "q": torch.zeros(1, 1, 2, 2)}
    b = {"p": torch.zeros(1, 2, 2, 2), "q": torch.full((1, 1, 2, 2), 2.0)}
    assert losses.feature_loss(a, b, {"p": 1.0, "q": 0.5}).item() == pytest.approx(1.0 + 0.5 * 4.0)


def test_adversarial_losses_by_hand():
    real, fake = torch.tensor([1.0, 0.0]), torch.tensor([0.5, -1.0])
    assert losses.d_least_squares(real, fake).item() == pytest.approx((0 + 1) / 2 + (0.25 + 1) / 2)
    assert losses.g_least_squares(fake).item() == pytest.approx((0.25 + 4) / 2)
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert losses.d_logistic(real, fake).item() == pytest.approx((sp(-1) + sp(0)) / 2 + (sp(0.5) + sp(-1)) / 2)
    assert losses.g_nonsaturating(fake).item() == pytest.approx((sp(-0.5) + sp(1)) / 2)


def test_r1_penalty_by_hand():
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    logits = (x ** 2).sum(dim=1)  # gradient 2x: squared norms 4*(1+4)=20 and 4*(9+16)=100
    assert losses.r1_penalty(logits, x).item() == pytest.approx(60.0)


def test_mrf_zero_for_identical_lower_for_shuffled_patches():
    torch.manual_seed(0)
    style = torch.rand(1, 4, 12, 12)
    assert losses.mrf_loss(style, style, patch=3).item() == pytest.approx(0.0, abs=1e-7)
    # swap the two halves: most 3x3 patches still exist in the style
    shuffled = torch.cat([style[..., 6:], style[..., :6]], dim=-1)
    unrelated = torch.rand(1, 4, 12, 12) * 3
    assert losses.mrf_loss(shuffled, style).item() < losses.mrf_loss(unrelated, style).item()


def test_semantic_maps_restrict_matches():
    torch.manual_seed(1)
    style = torch.rand(1, 3, 8, 8)
    style_map = torch.zeros(1, 1, 8, 8)
    style_map[..., :, :4] = 1  # left half is "text"
    output = torch.rand(1, 3, 8, 8)
    output_map = torch.zeros(1, 1, 8, 8)
    output_map[..., :, 4:] = 1  # right half is "text"
    out = losses.patches(losses.with_map(output, output_map, 100.0), 1, 1)
    sty = losses.patches(losses.with_map(style, style_map, 100.0), 1, 1)
    match = losses.nearest_patches(out, sty)
    out_text = output_map.flatten().bool()
    sty_text = style_map.flatten().bool()
    assert torch.equal(sty_text[match], out_text)  # text patches take text patches, background takes background
    free = losses.nearest_patches(losses.patches(output, 1, 1), losses.patches(style, 1, 1))
    assert not torch.equal(sty_text[free], out_text)  # without maps the matches cross regions


def test_feature_net_colour_through_grey_net_and_channels():
    net = load_feature_net("random", seed=3)
    assert net.in_channels == 3
    feats = net(torch.rand(2, 3, 32, 48), ["relu1_1", "relu3_1"])
    assert feats["relu1_1"].shape == (2, 64, 32, 48) and feats["relu3_1"].shape == (2, 256, 8, 12)
    assert net(torch.rand(2, 1, 32, 32), ["relu1_1"])["relu1_1"].shape == (2, 64, 32, 32)
    from classifier.registry import create_model

    grey = FeatureNet(create_model("vgg16", widths=(4, 8, 8, 8, 8), hidden=8, num_classes=2), "grey")
    colour = grey(torch.rand(2, 3, 32, 32), ["relu1_1"])["relu1_1"]
    assert colour.shape == (2, 12, 32, 32)  # three channels read one at a time: 3 x 4 features
    with pytest.raises(UserError, match="valid: relu1_1"):
        grey.check_layers(["relu9_9"])
    assert not any(p.requires_grad for p in grey.parameters())
    grey.train()
    assert not grey.vgg.training


@pytest.mark.parametrize("arch,depths,bn", [("vgg16", (2, 2, 3, 3, 3), False), ("vgg19_bn", (2, 2, 4, 4, 4), True)])
def test_torchvision_vgg_files_load_with_their_layout(tmp_path, arch, depths, bn):
    torchvision = pytest.importorskip("torchvision")
    reference = getattr(torchvision.models, arch)(weights=None).eval()
    path = tmp_path / f"{arch}.pth"
    torch.save(reference.state_dict(), path)
    vgg = torchvision_vgg(path).eval()
    assert vgg.config.depths == depths and vgg.config.batch_norm == bn and vgg.config.in_channels == 3
    x = torch.rand(1, 3, 64, 64)
    mean, std = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1), torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    with torch.no_grad():
        want = reference.features[:4]((x - mean) / std) if not bn else reference.features[:6]((x - mean) / std)
        got = vgg.features(x, ["relu1_2"])["relu1_2"]
    assert torch.allclose(got, want, atol=1e-5)


def test_perceptual_loss_through_a_per_image_norm_sees_polarity_and_contrast():
    from classifier.registry import create_model

    torch.manual_seed(0)
    net = FeatureNet(create_model("vgg16", widths=(4, 8, 8, 8, 8), hidden=8, num_classes=2, input_norm="polarity"), "polarity")
    target = torch.ones(2, 1, 16, 32)
    target[:, :, 5:11, 4:28] = 0.1  # dark text on a light ground
    layers, weights = ["relu1_2", "relu2_2"], {"relu1_2": 1.0, "relu2_2": 1.0}
    wanted = net(target, layers)
    for wrong in (1.1 - target, 0.5 + 0.1 * target):  # light text on dark; washed out
        blind = losses.feature_loss(net(wrong, layers), wanted, weights)
        seen = losses.feature_loss(net(wrong, layers, reference=target), wanted, weights)
        assert float(blind) < 1e-4 < float(seen)  # each image's own norm hides the difference; the target's shows it
    assert float(losses.feature_loss(net(target, layers, reference=target), wanted, weights)) == 0.0


def test_stylize_style_terms_see_the_styles_polarity_and_content_terms_do_not():
    from brush.stylize import Objective
    from classifier.registry import create_model

    torch.manual_seed(0)
    net = FeatureNet(create_model("vgg16", widths=(4, 8, 8, 8, 8), hidden=8, num_classes=2, input_norm="polarity"), "polarity")
    assert net.per_image_norm and not load_feature_net("random").per_image_norm
    style = torch.full((1, 3, 16, 32), 0.9)
    style[:, :, 5:11, 4:28] = 0.15  # dark text on a light ground
    config = StylizeConfig(style_layers=("relu1_2", "relu2_2"), content_layers=("relu2_2",), tv_weight=0.0)
    objective = Objective(net, config, style, style, None, None)
    assert objective.terms(style)["style"].item() == 0.0 and objective.terms(style)["content"].item() == 0.0
    inverted = objective.terms(1.05 - style)  # light text on dark: same layout, the wrong look
    assert inverted["style"].item() > 1e-3  # through the style's own norm the two read alike; through its reference they differ
    assert inverted["content"].item() < 1e-6  # the content's layout is what counts, not its polarity
    assert net(1.05 - style, ["relu2_2"])["relu2_2"].sub(net(style, ["relu2_2"])["relu2_2"]).abs().max() < 1e-3  # the blindness fixed


def test_stylize_content_layer_default_follows_the_network():
    """Gatys's relu4_2 where the network has it; block 4's only ReLU in a network with one
    convolution per block (the classifier's `small`), so stylize runs on such a run by default."""
    from classifier.registry import create_model

    torch.manual_seed(0)
    shallow = FeatureNet(create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=8, num_classes=2), "shallow")
    assert StylizeConfig().for_network(load_feature_net("random").layer_names).content_layers == ("relu4_2",)
    assert StylizeConfig().for_network(shallow.layer_names).content_layers == ("relu4_1",)
    assert StylizeConfig(content_layers=("relu2_1",)).for_network(shallow.layer_names).content_layers == ("relu2_1",)
    result = stylize(_word(0), _word(1), shallow, StylizeConfig(steps=2, optimizer="adam"))
    assert "content" in result.final and result.final["total"] < result.initial["total"]


def test_feature_net_errors(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_feature_net(tmp_path / "nope")
    junk = tmp_path / "junk.pth"
    torch.save({"a": torch.zeros(1)}, junk)
    with pytest.raises(UserError, match="not a torchvision VGG"):
        load_feature_net(junk)


def _word(seed: int, size=(32, 64)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = np.full((*size, 3), rng.integers(150, 255, 3), np.uint8)
    image[8:24, 10:54] = rng.integers(0, 100, 3)
    return image


def test_stylize_lowers_the_loss_gram_and_mrf():
    net = load_feature_net("random")
    for config in (StylizeConfig(steps=4, style_weight=10.0), StylizeConfig(style_loss="mrf", steps=4, optimizer="adam", lr=0.05)):
        result = stylize(_word(0), _word(1), net, config)
        assert result.image.shape == (32, 64, 3) and result.image.dtype == np.uint8
        assert result.final["total"] < result.initial["total"]
        assert {"content", "style", "tv", "total"} <= set(result.final)
        assert len(result.history) == 4


def test_stylize_semantic_scales_and_errors():
    net = load_feature_net("random")
    mask = np.zeros((32, 64), np.uint8)
    mask[8:24, 10:54] = 255
    steps = []
    result = stylize(_word(0), _word(1), net, StylizeConfig(style_loss="mrf", steps=2, scales=2), mask, mask,
                     on_step=lambda scale, step, x, terms: steps.append((scale, step, tuple(x.shape))))
    assert result.image.shape == (32, 64, 3)
    assert steps == [(0, 1, (1, 3, 16, 32)), (0, 2, (1, 3, 16, 32)), (1, 1, (1, 3, 32, 64)), (1, 2, (1, 3, 32, 64))]
    assert scale_sizes((64, 256), 3) == [(16, 64), (32, 128), (64, 256)]
    assert scale_sizes((20, 40), 3) == [(20, 40)]
    with pytest.raises(UserError, match="mask must have its image's size"):
        stylize(_word(0), _word(1), net, StylizeConfig(style_loss="mrf", steps=1), mask[:10], mask)
    with pytest.raises(UserError, match="needs both"):
        stylize(_word(0), _word(1), net, StylizeConfig(style_loss="mrf", steps=1), mask, None)
    with pytest.raises(UserError, match="valid:"):
        stylize(_word(0), _word(1), net, StylizeConfig(content_layers=("relu4_9",), steps=1))
    with pytest.raises(ValueError):
        StylizeConfig(steps=0)
    # too small for the layers read: relu4_2 follows three poolings (8 pixels a side), relu5_1 four (16)
    assert net.min_side(("relu1_1", "relu4_2")) == 8 and net.min_side(("relu5_1",)) == 16 and net.min_side(("pool4",)) == 16
    word = _word(0)
    assert stylize(word[:8, :40], word[:8, :40], net, StylizeConfig(steps=1)).image.shape == (8, 40, 3)
    with pytest.raises(UserError, match=r"content image is 40x7 pixels .* need at least 8 pixels a side"):
        stylize(word[:7, :40], word, net, StylizeConfig(steps=1))
    with pytest.raises(UserError, match="at least 16 pixels a side"):
        stylize(word[:12, :40], word, net, StylizeConfig(steps=1, style_layers=("relu5_1",)))
    with pytest.raises(UserError, match="at least 16 pixels a side"):  # pool4 halves block 4's 8 pixels once more
        stylize(word[:12, :40], word, net, StylizeConfig(steps=1, style_layers=("pool4",)))


def test_the_typeface_loss_reads_a_wider_canvas_as_the_classifiers_evaluation_does():
    from classifier.registry import create_model

    torch.manual_seed(0)
    tiny = {"widths": (4, 8, 8, 8, 8), "depths": (1, 1, 1, 1, 1), "hidden": 16, "num_classes": 3, "height": 32, "width": 64}
    windows = create_model("vgg16", **tiny, wide="crop").eval()
    output, style = torch.rand(2, 3, 32, 128), torch.rand(2, 3, 32, 128)  # twice the classifier's width: its two ends are its halves

    def read(images):  # the mean of the two halves' embeddings, by hand (grey by luma first)
        grey = (images * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
        return (windows.embed(grey[..., :64]) + windows.embed(grey[..., 64:])) / 2

    with torch.no_grad():
        want = (read(output) - read(style)).abs().mean()
        assert losses.typeface_loss(windows, output, style).item() == pytest.approx(want.item(), rel=1e-5)
        # a canvas of the classifier's own aspect is read once, as by a squeezing classifier of the same weights
        squeeze = create_model("vgg16", **tiny).eval()
        squeeze.load_state_dict(windows.state_dict())
        same = torch.rand(2, 3, 64, 128), torch.rand(2, 3, 64, 128)
        assert losses.typeface_loss(windows, *same).item() == pytest.approx(losses.typeface_loss(squeeze, *same).item(), rel=1e-6)
