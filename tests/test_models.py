"""Every registered model: forward, backward, config round trip; VGG16's named layers and
torchvision weights."""

import dataclasses
import json

import pytest

torch = pytest.importorskip("torch")

import brush.model  # noqa: E402, F401  (registers "brush": every registered model is tested)
from classifier.registry import config_from_dict, create_model, entry, list_models, make_config  # noqa: E402
from classifier.inputs import light_text as is_light, normalise_per_image  # noqa: E402
from classifier.typeface import VGG16, layer_names, layer_roles, load_torchvision_weights  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402

TINY = {"vgg16": {"widths": (4, 8, 8, 8, 8), "depths": (1, 1, 1, 1, 1), "hidden": 16, "num_classes": 5, "height": 32, "width": 64},
        "trba": {"feature_channels": 32, "blocks": (1, 1, 1, 1), "hidden": 16, "charset": "abc", "width": 64, "max_length": 5},
        "brush": {"widths": (4, 8), "style_dim": 8, "d_widths": (4, 8), "height": 32, "width": 64}}


def run_model(name, model, images):
    """The model's output as one tensor, and the parameters it trains (brush: its generator, from style + content)."""
    if name == "brush":
        content = images[:, :1]
        image, mask = model.g(images, content)
        return torch.cat([image, mask], dim=1), list(model.g.parameters())
    return model(images), list(model.parameters())


@pytest.mark.parametrize("name", list_models())
def test_forward_backward_and_config_round_trip(name):
    torch.manual_seed(0)
    model = create_model(name, **TINY.get(name, {}))
    c = model.config
    images = torch.rand(2, c.in_channels, c.height, c.width)
    out, trained = run_model(name, model, images)
    assert out.shape[0] == 2 and torch.isfinite(out).all()
    # the trainer puts models in channels_last: every parameter layout must allow it
    last = create_model(name, **TINY.get(name, {}))
    last.load_state_dict(model.state_dict())
    last.to(memory_format=torch.channels_last)
    assert torch.allclose(run_model(name, last.eval(), images)[0], run_model(name, model.eval(), images)[0], atol=1e-5)
    model.train()
    out.square().mean().backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in trained)
    # the JSON config rebuilds the same architecture; loading the weights gives the same outputs
    saved = json.loads(json.dumps(dataclasses.asdict(c)))
    twin = create_model(name, **dataclasses.asdict(config_from_dict(entry(name).config_type, saved)))
    assert twin.config == c
    twin.load_state_dict(model.state_dict())
    model.eval(), twin.eval()
    assert torch.equal(run_model(name, model, images)[0], run_model(name, twin, images)[0])


def test_the_default_vgg16_is_torchvisions_architecture():
    model = create_model("vgg16", num_classes=10)
    convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(convs) == 13 and len(linears) == 3
    assert [c.out_channels for c in convs] == [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    assert model.config.in_channels == 1 and (model.config.height, model.config.width) == (64, 256)


def test_unknown_or_badly_typed_settings_are_refused():
    with pytest.raises(UserError, match="unknown key.*nope"):
        make_config("vgg16", nope=1)
    with pytest.raises(UserError, match="hidden must be a whole number"):
        make_config("vgg16", hidden="big")
    with pytest.raises(UserError, match="in_channels must be 1 or 3"):
        make_config("vgg16", in_channels=2)
    with pytest.raises(UserError, match="unknown model 'resnet9'.*vgg16"):
        create_model("resnet9")


def test_per_image_normalisation_by_hand():
    light_text = torch.tensor([0.0, 0.0, 0.0, 1.0]).view(1, 1, 2, 2)  # one bright pixel on dark: skewed towards light
    s = 3 ** 0.5 / 4  # std of (0, 0, 0, 1)
    z = (light_text - 0.25) / s
    assert torch.allclose(normalise_per_image(light_text, polarity=False), z, atol=1e-3)
    assert torch.allclose(normalise_per_image(light_text, polarity=True), -z, atol=1e-3)  # made dark on light
    assert torch.allclose(normalise_per_image(1 - light_text, polarity=True), -z, atol=1e-3)  # already dark: kept
    flat = torch.full((1, 1, 2, 2), 0.7)
    assert torch.equal(normalise_per_image(flat, polarity=True), torch.zeros_like(flat))  # no division by zero
    # the guess alone: skew (0, 0, 0, 1) = (3 (-1/4)^3 + (3/4)^3) / 4 / s^3 > 0; colour images pool their channels
    assert is_light(torch.cat([light_text, 1 - light_text, flat])).tolist() == [True, False, False]
    assert is_light(torch.cat([light_text, 1 - light_text], dim=1)).tolist() == [False]  # symmetric: no skew, taken as dark
    # With a reference, its map (mean 0.25, scale 1/s, negated) is applied: the inverted image no
    # longer normalises to the same tensor, and the reference itself is normalised as without one.
    assert torch.allclose(normalise_per_image(1 - light_text, polarity=True, reference=light_text), -(0.75 - light_text) / s, atol=1e-3)
    assert torch.allclose(normalise_per_image(light_text, polarity=True, reference=light_text), -z, atol=1e-3)
    assert torch.allclose(normalise_per_image(2 * light_text, polarity=False, reference=light_text), (2 * light_text - 0.25) / s, atol=1e-3)


@pytest.mark.parametrize("name, fixed", [("vgg16", "imagenet"), ("trba", "none")])
def test_a_polarity_model_reads_light_and_dark_text_alike(name, fixed):
    torch.manual_seed(0)
    # TRBA in training mode (it has no dropout): with running statistics untouched, an untrained TRBA's output hardly depends on its input
    model = create_model(name, **TINY[name], input_norm="polarity").train(name == "trba")
    images = torch.full((2, 1, 32, 64), 0.9)
    images[:, :, 10:20, 5:40] = torch.rand(2, 1, 10, 35) * 0.3  # dark strokes on light
    close = lambda a, b: torch.allclose(a, b, rtol=1e-3, atol=1e-6)  # noqa: E731
    for other in (1 - images, 0.5 * images + 0.2, 0.8 - 0.6 * images):  # inverted, lower contrast, both
        assert close(model(other), model(images))
    plain = create_model(name, **TINY[name], input_norm=fixed).train(name == "trba")
    assert not close(plain(1 - images), plain(images))
    with pytest.raises(UserError, match="input_norm must be"):
        make_config(name, input_norm="bogus")


def test_named_features_embed_and_layer_order():
    torch.manual_seed(0)
    model = create_model("vgg16", **TINY["vgg16"]).eval()
    images = torch.rand(3, 1, 32, 64)
    feats = model.features(images, ["relu1_1", "relu3_1", "pool5"])
    assert feats["relu1_1"].shape == (3, 4, 32, 64) and feats["relu3_1"].shape == (3, 8, 8, 16) and feats["pool5"].shape == (3, 8, 1, 2)
    assert (feats["relu1_1"] >= 0).all()
    # the same activations as running the layers by hand
    assert torch.equal(feats["relu1_1"], model.convs[:2](model._check(images)))  # conv, relu
    assert model.embed(images).shape == (3, 16)
    assert torch.equal(model.head(model.embed(images)), model(images))
    assert layer_names((2, 2, 3, 3, 3))[:5] == ["relu1_1", "relu1_2", "pool1", "relu2_1", "relu2_2"]
    assert "relu5_3" in create_model("vgg16", num_classes=2).layer_names
    with pytest.raises(ValueError, match="unknown layer.*relu9_9.*valid: relu1_1"):
        model.features(images, ["relu9_9"])


def test_windows_of_a_word_read_as_the_mean_of_their_embeddings():
    torch.manual_seed(0)
    model = create_model("vgg16", **TINY["vgg16"], wide="crop").eval()
    windows = torch.rand(3, 2, 1, 32, 64)  # two windows of each of three words
    with torch.no_grad():
        each = [model.embed(windows[:, k]) for k in range(2)]
        assert torch.allclose(model.embed(windows), (each[0] + each[1]) / 2, atol=1e-6)
        assert torch.allclose(model(windows), model.head((each[0] + each[1]) / 2), atol=1e-6)
        assert torch.allclose(model(windows[:, :1]), model(windows[:, 0]), atol=1e-6)  # one window: that window
        # a word that fits the canvas has equal windows: computed once, the same embedding as computing each
        windows[1, 1] = windows[1, 0]
        rows = []
        hook = model.convs[0].register_forward_hook(lambda module, inputs, output: rows.append(len(inputs[0])))
        fitting = model.embed(windows)
        hook.remove()
        assert rows == [5]  # 3 words x 2 windows, less the repeat
        each = [model.embed(windows[:, k]) for k in range(2)]
        assert torch.allclose(fitting, (each[0] + each[1]) / 2, atol=1e-6) and torch.allclose(fitting[1], each[0][1], atol=1e-6)
    image = windows.clone().requires_grad_()
    model.embed(image).sum().backward()  # a repeat's share goes to the window computed: the same total for the word
    assert image.grad[1, 1].abs().sum() == 0 and image.grad[1, 0].abs().sum() > 0 and image.grad[0, 1].abs().sum() > 0
    with pytest.raises(UserError, match="wide must be one of squeeze, crop"):
        create_model("vgg16", **TINY["vgg16"], wide="stretch")


def test_a_stride_two_stem_reads_twice_the_canvas_at_the_same_feature_sizes():
    torch.manual_seed(0)
    small = create_model("vgg16", **TINY["vgg16"]).eval()
    big = create_model("vgg16", **{**TINY["vgg16"], "height": 64, "width": 128, "stem_stride": 2}).eval()
    big.load_state_dict(small.state_dict())  # the same weights: only the first convolution's stride differs
    images = torch.rand(2, 1, 64, 128)
    feats = big.features(images, ["relu1_1", "pool5"])
    assert feats["relu1_1"].shape == (2, 4, 32, 64) and feats["pool5"].shape == (2, 8, 1, 2)
    # the stem is the stride-1 convolution sampled at every second pixel
    full = small.convs[:2](small._check(images))
    assert torch.allclose(feats["relu1_1"], full[:, :, ::2, ::2], atol=1e-6)
    assert big(images).shape == (2, 5)
    with pytest.raises(UserError, match="at least 64x64.*stem stride 2"):
        make_config("vgg16", height=32, width=128, stem_stride=2)
    with pytest.raises(UserError, match="stem_stride must be 1 or 2"):
        make_config("vgg16", stem_stride=3)


def test_layer_roles_list_torchvisions_order_or_each_pool_after_its_blocks_last_convolution():
    names = [role.name for role in layer_roles((1, 2), batch_norm=True)]
    assert names == ["conv1_1", "bn1_1", "relu1_1", "pool1", "conv2_1", "bn2_1", "relu2_1", "conv2_2", "bn2_2", "relu2_2", "pool2"]
    early = layer_roles((1, 2), batch_norm=True, pool_before_norm=True)
    assert [r.name for r in early] == ["conv1_1", "pool1", "bn1_1", "relu1_1", "conv2_1", "bn2_1", "relu2_1", "conv2_2", "pool2", "bn2_2", "relu2_2"]
    assert [(r.kind, r.block) for r in early[:5]] == [("conv", 1), ("pool", 1), ("bn", 1), ("relu", 1), ("conv", 2)]
    assert [r.name for r in layer_roles((1, 1), batch_norm=False)] == ["conv1_1", "relu1_1", "pool1", "conv2_1", "relu2_1", "pool2"]


@pytest.mark.parametrize("depths", [(1, 1, 1, 1, 1), (1, 2, 1, 2, 1)])
def test_pooling_before_the_norms_is_the_same_function_in_eval_at_a_quarter_of_their_size(depths):
    torch.manual_seed(0)
    settings = {**TINY["vgg16"], "depths": depths, "batch_norm": True}
    plain = create_model("vgg16", **settings)
    early = create_model("vgg16", **settings, pool_before_norm=True)
    for bn in (m for m in plain.modules() if isinstance(m, torch.nn.BatchNorm2d)):  # trained-looking statistics, positive scales
        bn.running_mean.uniform_(-0.5, 0.5), bn.running_var.uniform_(0.5, 2), bn.weight.data.uniform_(0.5, 1.5), bn.bias.data.uniform_(-0.2, 0.2)
    # the plain model's feature layers go where their roles are (torchvision's order is the plain one)
    report = load_torchvision_weights(early, {key.replace("convs.", "features."): value for key, value in plain.state_dict().items()})
    assert report["skipped"] == [] and len(report["loaded"]) == len(plain.state_dict())
    plain.eval(), early.eval()
    images = torch.rand(3, 1, 32, 64)
    # max-pooling commutes with a ReLU and with a batch norm of positive scale: the same classifier, features pooled earlier
    assert torch.allclose(early.forward_features(images), plain.forward_features(images), atol=1e-5)
    assert torch.allclose(early(images), plain(images), rtol=1e-4, atol=1e-8)
    last = f"relu2_{depths[1]}"
    ours, theirs = early.features(images, ["relu1_1", "pool1", last, "pool2"]), plain.features(images, ["relu1_1", "pool1", "pool2"])
    assert ours["relu1_1"].shape == (3, 4, 16, 32) and ours["pool1"] is ours["relu1_1"]  # a block ends at its pooled last ReLU
    assert torch.allclose(ours["pool1"], theirs["pool1"], atol=1e-5) and torch.allclose(ours["pool2"], theirs["pool2"], atol=1e-5)
    assert ours[last] is ours["pool2"] and early.layer_names == plain.layer_names
    assert [type(m).__name__ for m in early.convs[:4]] == ["Conv2d", "MaxPool2d", "BatchNorm2d", "ReLU"]
    # in training the norms see other statistics (those of the pooled maps): the models differ, both learn
    assert not torch.allclose(early.train().forward_features(images), plain.train().forward_features(images), atol=1e-2)
    # a Gram head reads its layer's pooled map (a quarter of the positions)
    gram = create_model("vgg16", **settings, pool_before_norm=True, gram_layers=("relu3_1",), gram_channels=4)
    assert gram.features(images, ["relu3_1"])["relu3_1"].shape == (3, 8, 4, 8) and gram(images).shape == (3, 5)


def test_each_gram_layer_is_reduced_from_its_own_width():
    settings = {**TINY["vgg16"], "widths": (3, 5, 6, 7, 9), "depths": (1, 2, 1, 1, 1), "gram_layers": ("relu2_2", "relu1_1", "relu5_1")}
    model = create_model("vgg16", **settings, gram_channels=2)
    assert {name: conv.in_channels for name, conv in model.gram_reduce.items()} == {"relu2_2": 5, "relu1_1": 3, "relu5_1": 9}
    assert model(torch.rand(2, 1, 32, 64)).shape == (2, 5)


def test_gram_features_by_hand_and_blind_to_where_things_are():
    from classifier.typeface import gram_features

    x = torch.tensor([[1.0, 3.0], [2.0, -1.0]]).view(1, 2, 1, 2)  # two channels at two positions
    # Gram / positions: [[(1+9)/2, (2-3)/2], [(2-3)/2, (4+1)/2]], then the signed square root
    expected = torch.tensor([5.0, -0.5, -0.5, 2.5])
    assert torch.allclose(gram_features(x), (expected.sign() * (expected.abs() + 1e-5).sqrt()).view(1, 4))
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, 5)
    shuffled = x.flatten(2)[:, :, torch.randperm(20)].view(2, 3, 4, 5)
    assert torch.allclose(gram_features(shuffled), gram_features(x), atol=1e-6)
    assert gram_features(x).shape == (2, 9)


def test_a_gram_head_adds_the_style_statistics_of_its_layers_to_the_classifiers_input():
    from classifier.typeface import gram_features

    torch.manual_seed(0)
    model = create_model("vgg16", **{**TINY["vgg16"], "gram_layers": ("relu3_1", "relu1_1"), "gram_channels": 3}).eval()
    images = torch.rand(2, 1, 32, 64)
    plain = create_model("vgg16", **TINY["vgg16"])
    assert model.classifier[0].in_features == plain.classifier[0].in_features + 2 * 9
    # behind the pooled features, each layer's Gram statistics in network order, of the layer as `features` gives it
    feats = model.features(images, ["relu1_1", "relu3_1"])
    expected = [model.gram_norm[k](gram_features(model.gram_reduce[k](feats[k]))) for k in ("relu1_1", "relu3_1")]
    assert torch.allclose(model.forward_features(images)[:, -18:], torch.cat(expected, 1), atol=1e-6)
    plain.load_state_dict({k: v for k, v in model.state_dict().items() if k in plain.state_dict() and not k.startswith("classifier.0")},
                          strict=False)
    pooled = torch.flatten(plain.avgpool(plain.convs(plain._check(images))), 1)
    assert torch.allclose(model.forward_features(images)[:, :-18], pooled, atol=1e-6)  # the convolutions are as without the head
    assert model(images).shape == (2, 5) and model.embed(images).shape == (2, 16)
    for bad, message in (({"gram_layers": ("pool2",)}, "gram_layers must be distinct names among relu1_1"),
                         ({"gram_layers": ("relu9_1",)}, "gram_layers must be"), ({"gram_layers": ("relu2_1", "relu2_1")}, "distinct"),
                         ({"gram_layers": ("relu2_1",), "gram_channels": 0}, "gram_channels must be positive")):
        with pytest.raises(UserError, match=message):
            make_config("vgg16", **{**TINY["vgg16"], **bad})


def test_torchvision_vgg16_weights_load_into_the_grey_model():
    torchvision = pytest.importorskip("torchvision")
    reference = torchvision.models.vgg16(weights=None)
    model = VGG16(make_config("vgg16", num_classes=7, pool=(7, 7)))
    report = load_torchvision_weights(model, reference.state_dict())
    assert len(report["loaded"]) == 26 + 4 and [s.split()[0] for s in report["skipped"]] == ["classifier.6.weight", "classifier.6.bias"]
    assert torch.equal(model.convs[0].weight, reference.features[0].weight.sum(dim=1, keepdim=True))
    assert torch.equal(model.convs[28].weight, reference.features[28].weight)
    assert torch.equal(model.classifier[3].weight, reference.classifier[3].weight)
    # a grey image through our model's first layer = the RGB image of three equal channels through torchvision's
    grey = torch.rand(1, 1, 64, 256)
    ours = model.features(grey, ["relu1_1"])["relu1_1"]
    normalised = ((grey - model.mean) / model.std).expand(1, 3, 64, 256)
    theirs = torch.relu(reference.features[0](normalised))
    assert torch.allclose(ours, theirs, atol=1e-4)


def test_reset_classifier_gives_a_new_head_and_keeps_the_embedding():
    torch.manual_seed(0)
    model = create_model("vgg16", **TINY["vgg16"]).eval()
    images = torch.rand(2, 1, 32, 64)
    before = model.embed(images)
    model.reset_classifier(9)
    assert model.config.num_classes == 9 and model(images).shape == (2, 9)
    assert torch.equal(model.embed(images), before)


def test_run_weights_follow_the_fonts_into_another_class_table():
    from classifier.registry import create_model
    from classifier.typeface import load_run_weights

    tiny = {"widths": (4, 4, 4, 4, 4), "depths": (1, 1, 1, 1, 1), "hidden": 8, "height": 32, "width": 32}
    torch.manual_seed(0)
    saved = create_model("vgg16", **tiny, num_classes=3)  # fonts a, b, c
    model = create_model("vgg16", **tiny, num_classes=3)  # fonts c, x, a
    fresh = model.state_dict()["classifier.6.weight"].clone()
    report = load_run_weights(model, saved.state_dict(), ["a", "b", "c"], ["c", "x", "a"])
    assert not report["skipped"] and "classifier.6.weight (2 of 3 classes)" in report["loaded"]
    weight, old = model.state_dict()["classifier.6.weight"], saved.state_dict()["classifier.6.weight"]
    assert torch.equal(weight[0], old[2]) and torch.equal(weight[2], old[0]) and torch.equal(weight[1], fresh[1])
    assert torch.equal(model.state_dict()["convs.0.weight"], saved.state_dict()["convs.0.weight"])
    bigger = create_model("vgg16", **{**tiny, "hidden": 16}, num_classes=3)
    report = load_run_weights(bigger, saved.state_dict(), ["a", "b", "c"], ["a", "b", "c"])
    assert any(s.startswith("classifier.6.weight (shape") for s in report["skipped"]) and "convs.0.weight" in report["loaded"]
