"""brush.placement: ink boxes, the warp and where it puts a box, the aligner, and old configs."""

import dataclasses
import math

import pytest

torch = pytest.importorskip("torch")

import brush.model  # noqa: E402, F401
from brush import losses  # noqa: E402
from brush.placement import (  # noqa: E402
    ContentAligner, box_iou, fitted_placement, ink_boxes, mask_box_iou, placed_boxes, placement_box_iou, warp)
from classifier.registry import create_model, register  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402

TINY = {"height": 32, "width": 64, "widths": (8, 16), "style_dim": 16, "d_widths": (8, 16)}


def block(n, h, w, rows, cols, ink=1.0, paper=0.0):
    x = torch.full((n, 1, h, w), paper)
    x[..., rows[0]:rows[1], cols[0]:cols[1]] = ink
    return x


def test_ink_boxes_by_hand():
    ink = torch.zeros(2, 1, 4, 8)
    ink[0, 0, 1:3, 2:6] = 0.9  # rows 1-2, columns 2-5
    ink[0, 0, 0, 7] = 0.4  # below the threshold: not ink
    boxes, valid = ink_boxes(ink)
    # the canvas spans -1..1: column edge c is at 2c/8 - 1, row edge r at 2r/4 - 1
    assert boxes[0].tolist() == pytest.approx([2 * 2 / 8 - 1, 2 * 1 / 4 - 1, 2 * 6 / 8 - 1, 2 * 3 / 4 - 1])
    assert valid.tolist() == [True, False] and boxes[1].tolist() == [-1.0, -1.0, 1.0, 1.0]


def test_warp_puts_the_ink_where_placed_boxes_says():
    content = block(3, 32, 128, (10, 22), (40, 88), ink=0.0, paper=1.0)  # dark text on white, as content images are
    placement = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.4, -0.3, 0.2, -0.1], [-0.5, 0.2, 0.1, 0.15]])  # all boxes stay inside the canvas
    moved = warp(content, placement)
    assert torch.allclose(moved[0], content[0], atol=1e-6)  # zero placement: the content itself
    assert moved.max() <= 1 and torch.allclose(moved[1:, :, 0], torch.ones(1), atol=1e-6)  # what comes in from beyond the edges is blank paper
    source, _ = ink_boxes(1 - content)
    drawn, valid = ink_boxes(1 - moved)
    assert valid.all()
    pixel = torch.tensor([2 / 128, 2 / 32, 2 / 128, 2 / 32])  # one pixel in normalised units
    assert ((drawn - placed_boxes(source, placement)).abs() <= pixel).all()


def test_box_iou_and_mask_box_iou_by_hand():
    a, b = torch.tensor([[0.0, 0.0, 2.0, 2.0]]), torch.tensor([[1.0, 1.0, 3.0, 3.0]])
    assert box_iou(a, b).item() == pytest.approx(1 / 7)  # intersection 1, union 4 + 4 - 1
    target = block(3, 8, 16, (2, 6), (4, 12))
    target[2] = 0  # no text in the target: NaN
    pred = torch.stack([block(1, 8, 16, (2, 6), (8, 12))[0], torch.zeros(1, 8, 16), block(1, 8, 16, (2, 6), (8, 12))[0]])
    iou = mask_box_iou(pred, target)
    assert iou[0].item() == pytest.approx(0.5) and iou[1].item() == 0.0 and math.isnan(iou[2].item())  # half the box; nothing drawn
    # read relative to the mask's peak: a faint mask (peak 0.4, with a fainter halo) gives the
    # same box; one peaking below 0.1 has no ink
    faint = 0.4 * pred + 0.15 * block(3, 8, 16, (0, 8), (0, 16))
    assert torch.equal(mask_box_iou(faint, target)[0], iou[0])
    assert mask_box_iou(0.09 * pred, target)[0].item() == 0.0
    # the content's box (columns 8-11, x 0..0.5) where a placement puts it: as it is, half the
    # target's (x -0.5..0.5); twice as wide (sx = 1/2) and shifted (tx = 0.25), exactly the target's
    content = 1 - block(3, 8, 16, (2, 6), (8, 12))
    content[1] = 1  # no text in the content: NaN
    placement = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [-math.log(2), 0.0, 0.25, 0.0]])
    iou = placement_box_iou(placement, content, torch.cat([target[:1], target[:1], target[:1]]))
    assert iou[0].item() == pytest.approx(0.5) and math.isnan(iou[1].item()) and iou[2].item() == pytest.approx(1.0)


def test_placement_loss_by_hand():
    content = torch.cat([block(1, 8, 16, (2, 6), (4, 12), ink=0.0, paper=1.0), torch.ones(1, 1, 8, 16)])  # image 1: no text
    target = torch.cat([block(1, 8, 16, (0, 8), (0, 8)), block(1, 8, 16, (0, 8), (0, 8))])
    # content box (-0.5, -0.5, 0.5, 0.5); target box (-1, -1, 0, 1): off by 0.5, 0.5, 0.5, 0.5; image 1 left
    # out; L1 less half of beta (Huber, beta 0.01)
    assert losses.placement_loss(torch.zeros(2, 4), content, target).item() == pytest.approx(0.5 - 0.005)
    # scale x by 1/1 and y by 2 (log sy = -log 2 moves edge y to y / sy), shift x by -0.5: exactly the target
    exact = torch.tensor([[0.0, -math.log(2), 0.5, 0.0], [0.3, 0.3, 0.3, 0.3]])
    assert losses.placement_loss(exact, content, target).item() == pytest.approx(0.0, abs=1e-6)
    near = exact + torch.tensor([0.0, 0.0, 0.004, 0.0])  # x edges off by 0.004 < beta: 0.5 * 0.004^2 / 0.01 each, mean of 4
    assert losses.placement_loss(near, content, target).item() == pytest.approx(2 * 0.5 * 0.004**2 / 0.01 / 4, rel=1e-3)
    assert losses.placement_loss(exact, content[1:], target[1:]).item() == 0.0  # no usable image: 0, not NaN


def test_an_untrained_aligner_leaves_the_content_in_place_and_a_trained_one_reads_the_style():
    torch.manual_seed(0)
    aligner = ContentAligner(style_channels=1, content_channels=1, height=32, width=64, levels=2)
    content = block(1, 32, 64, (8, 24), (16, 48), ink=0.0, paper=1.0).expand(8, -1, -1, -1)
    styles, masks = [], []
    for k in range(8):  # text A sits at a different place in each style image; text B must go there too
        left = 2 + 5 * k
        styles.append(block(1, 32, 64, (4 + k % 3, 20 + k % 3), (left, left + 14))[0])
        masks.append(block(1, 32, 64, (4 + k % 3, 20 + k % 3), (left, left + 14))[0])
    styles, masks = torch.stack(styles), torch.stack(masks)
    assert (aligner(styles, content) == 0).all()
    opt = torch.optim.Adam(aligner.parameters(), lr=3e-3)
    first = None
    for _ in range(150):
        loss = losses.placement_loss(aligner(styles, content), content, masks)
        first = first if first is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1 * first


def test_the_aligner_is_its_own_part_trained_from_the_first_step_by_the_box_loss_alone():
    from brush.train import BrushTask, Frozen, LossConfig
    from classifier.training import step_losses

    model = create_model("brush", **TINY)
    task = BrushTask(LossConfig(content_steps=5), Frozen())
    parts = task.parts(model)
    assert parts["aligner"] is model.aligner
    content = block(2, 32, 64, (8, 24), (16, 48), ink=0.0, paper=1.0)
    x = {"image": torch.rand(2, 3, 32, 64), "target": torch.rand(2, 3, 32, 64), "content": content, "content-b": content,
         "mask": block(2, 32, 64, (4, 28), (2, 30)), "mask-b": block(2, 32, 64, (10, 20), (30, 62)), "label-b": ["ab", "ba"]}
    reached = lambda part: any(p.grad is not None and p.grad.abs().sum() > 0 for p in part.parameters())  # noqa: E731
    for step, order in ((0, ["aligner", "generator"]), (5, ["aligner", "discriminator", "generator"])):  # phase 1, then the joint objective
        names = []
        for name, loss, _ in step_losses(task, parts, x, torch.device("cpu"), step):
            model.zero_grad(set_to_none=True)
            loss.backward()
            names.append(name)
            assert reached(parts[name]) and reached(model.aligner) == (name == "aligner")  # only the box loss trains the aligner
        assert names == order
    frozen = [name for name, *_ in step_losses(BrushTask(LossConfig(placement=0.0), Frozen()), parts, x, torch.device("cpu"), 5)]
    assert frozen == ["discriminator", "generator"]  # weight 0: the aligner places (untrained), nothing trains it
    style = torch.rand(2, 3, 32, 64)
    image, mask, placement = model(style, content, placement=True)
    assert placement.shape == (2, 4) and image.shape == style.shape
    with torch.no_grad():  # the placement moves the content the generator sees
        model.aligner.head[-1].bias.copy_(torch.tensor([0.0, 0.0, 0.5, 0.0]))
        assert not torch.equal(model(style, content)[0], image)
    plain = create_model("brush", **TINY, align_content=False)
    assert plain.aligner is None and plain(style, content, placement=True)[2] is None and "aligner" not in BrushTask(LossConfig(), Frozen()).parts(plain)


def test_a_model_saved_before_the_aligner_loads_as_it_was(tmp_path):
    from brush.edit import load_brush
    from classifier.training import save_checkpoint

    old = create_model("brush", **TINY, align_content=False)
    saved = dataclasses.asdict(old.config)
    del saved["align_content"], saved["background"], saved["polarity"], saved["colour_skip"], saved["style_norm"]  # what an older checkpoint holds
    save_checkpoint(tmp_path / "old.pt", {"format": "fontsynth-checkpoint", "format_version": 1, "model": "brush",
                                          "model_config": saved, "state_dict": old.state_dict(), "tables": {}})
    loaded, _ = load_brush(tmp_path / "old.pt", "cpu")
    assert loaded.config.align_content is False and loaded.aligner is None
    assert loaded.config.background is False and loaded.g.background is None
    assert loaded.config.polarity is False and loaded.g.light_text(torch.rand(1, 3, 32, 64)) is None
    assert loaded.config.colour_skip is False and loaded.config.style_norm is False and not loaded.g.style_encoder.normalize
    assert create_model("brush", **TINY).config.align_content is True  # new runs align
    assert create_model("brush", **TINY).config.polarity is True  # and draw light text as its inverse
    assert create_model("brush", **TINY).config.colour_skip is True  # from the style's colour
    assert create_model("brush", **TINY).config.style_norm is True  # and a unit-RMS style vector


def test_a_normalised_style_vector_has_unit_rms_whatever_the_encoders_scale():
    """An Arabic run's style vector grew to an RMS of about 48: the output heads, modulated
    without demodulation, put every logit past the sigmoid's range and the generator died."""
    from brush.encoders import StyleEncoder

    torch.manual_seed(0)
    plain, normalised = StyleEncoder(3, (8, 16), 12), StyleEncoder(3, (8, 16), 12, normalize=True)
    with torch.no_grad():
        for p in plain.head[-1].parameters():
            p.mul_(100)  # a head grown large
        normalised.load_state_dict(plain.state_dict())
    images = torch.rand(4, 3, 16, 32)
    grown, _ = plain(images)
    style, maps = normalised(images)
    assert grown.pow(2).mean(dim=1).sqrt().min() > 10
    assert torch.allclose(style.pow(2).mean(dim=1), torch.ones(4), atol=1e-5)
    assert torch.allclose(style, grown / grown.pow(2).mean(dim=1, keepdim=True).sqrt(), atol=1e-5)  # the direction kept
    assert all(torch.equal(a, b) for a, b in zip(maps, plain(images)[1]))  # the style maps untouched


def test_legacy_values_must_name_config_fields():
    @dataclasses.dataclass(frozen=True)
    class Config:
        size: int = 1

    with pytest.raises(ValueError, match="unknown field"):
        register("legacy-test", Config, legacy={"sise": 0})(lambda c: None)
    with pytest.raises(ValueError, match="removed fields still in the config: size"):
        register("removed-test", Config, removed={"size": 1})(lambda c: None)


def test_a_run_saved_before_later_loss_settings_resumes_with_what_it_ran():
    from brush.train import LOSS_LEGACY, SPEC, LossConfig
    from classifier.runs import saved_sections

    today = dataclasses.asdict(LossConfig())
    old = saved_sections(SPEC, {"losses": {k: v for k, v in today.items() if k not in LOSS_LEGACY}})["losses"]
    assert (old.ink, old.placement_teacher, old.erase, old.joint_warmup) == (0.0, 0.0, 0.0, 0)  # not today's 10, 0.5, 30, 200
    assert old.target == LossConfig().target and old.feature_layers == LossConfig().feature_layers  # the rest as saved
    assert saved_sections(SPEC, {"losses": today})["losses"] == LossConfig()  # a run that saved them keeps its values
    assert saved_sections(SPEC, {})["losses"].joint_warmup == 0  # a section missing altogether
    with pytest.raises(ValueError, match="warmup"):
        dataclasses.replace(SPEC, legacy={"losses": {"warmup": 0}})


@pytest.mark.parametrize("ink_skip", [False, True])
def test_a_config_saved_with_a_removed_option_loads_only_with_the_value_todays_model_means(ink_skip, tmp_path):
    from brush.edit import load_brush
    from classifier.training import save_checkpoint

    model = create_model("brush", **TINY)
    saved = {**dataclasses.asdict(model.config), "ink_skip": ink_skip}  # runs saved while the option existed
    save_checkpoint(tmp_path / "run.pt", {"format": "fontsynth-checkpoint", "format_version": 1, "model": "brush",
                                          "model_config": saved, "state_dict": model.state_dict(), "tables": {}})
    if ink_skip:  # it drew otherwise than any model today: refused, naming the field
        with pytest.raises(UserError, match="ink_skip = True, an option since removed"):
            load_brush(tmp_path / "run.pt", "cpu")
    else:
        loaded, _ = load_brush(tmp_path / "run.pt", "cpu")
        assert loaded.config == model.config


def test_fitted_placement_moves_the_content_box_onto_the_targets():
    content = torch.cat([block(1, 16, 32, (4, 10), (8, 20), ink=0.0, paper=1.0), torch.ones(1, 1, 16, 32)])  # image 1: no text
    mask = torch.cat([block(1, 16, 32, (2, 14), (0, 30)), block(1, 16, 32, (2, 14), (0, 30))])
    fitted = fitted_placement(content, mask)
    # x: content 8..20 of 32 (-0.5..0.25), target 0..30 (-1..0.875): sx = 0.75 / 1.875 = 0.4, tx = -0.5 - 0.4 * -1 = -0.1
    assert fitted[0].tolist() == pytest.approx([math.log(0.4), math.log(0.75 / 1.5), -0.1, -0.5 - 0.5 * -0.75], abs=1e-6)
    assert fitted[1].tolist() == [0.0, 0.0, 0.0, 0.0]  # nothing to fit: the content as it is
    source, _ = ink_boxes(1 - content[:1])
    target, _ = ink_boxes(mask[:1])
    assert torch.allclose(placed_boxes(source, fitted[:1]), target, atol=1e-6)
    assert placement_box_iou(fitted[:1], content[:1], mask[:1]).item() == pytest.approx(1.0)


def content_seen_by(model, *args, **kwargs):
    """The content image the model's content encoder receives."""
    seen = []
    handle = model.g_ema.content_encoder.register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0]))
    model(*args, **kwargs)
    handle.remove()
    return seen[-1]


def test_given_placements_replace_the_aligners():
    model = create_model("brush", **TINY)
    with torch.no_grad():
        model.aligner.head[-1].bias.copy_(torch.tensor([0.2, 0.0, 0.3, 0.0]))  # the aligner's answer for every image
    style, content = torch.rand(2, 3, 32, 64), block(2, 32, 64, (8, 24), (16, 48), ink=0.0, paper=1.0)
    given = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, -0.2, 0.1, 0.0]])
    seen = content_seen_by(model, style, content, given=given)
    assert torch.allclose(seen, warp(content, given), atol=1e-6) and torch.allclose(seen[0], content[0], atol=1e-6)  # row 0: zero, as it is
    aligned = content_seen_by(model, style, content)
    assert torch.allclose(aligned, warp(content, model.aligner(style, content)), atol=1e-6) and not torch.allclose(aligned, seen, atol=1e-3)
    with pytest.raises(AssertionError, match="need an aligner"):
        create_model("brush", **TINY, align_content=False)(style, content, given=given)


def test_placement_teacher_shows_the_generator_contents_at_their_true_place():
    from brush.train import BrushTask, Frozen, LossConfig
    from classifier.training import step_losses

    model = create_model("brush", **TINY)
    content = block(2, 32, 64, (8, 24), (16, 48), ink=0.0, paper=1.0)
    x = {"image": torch.rand(2, 3, 32, 64), "target": torch.rand(2, 3, 32, 64), "content": content, "content-b": content,
         "mask": block(2, 32, 64, (4, 28), (2, 30)), "mask-b": block(2, 32, 64, (10, 20), (30, 62)), "label-b": ["ab", "ba"]}
    seen = []
    model.g.content_encoder.register_forward_pre_hook(lambda module, inputs: seen.append(inputs[0]))
    for teacher in (1.0, 0.0):
        seen.clear()
        task = BrushTask(LossConfig(placement_teacher=teacher, cycle=0.0, adversarial=0.0, inversion=0.0), Frozen())
        list(step_losses(task, task.parts(model), x, torch.device("cpu"), step=0))
        truth = fitted_placement(torch.cat([content, content]), torch.cat([x["mask-b"], x["mask"]]))
        at_true_place = torch.allclose(seen[0], warp(torch.cat([content, content]), truth), atol=1e-5)
        assert at_true_place == (teacher == 1.0)  # else the (untrained: zero) aligner's placement


def test_a_colour_content_model_trains_evaluates_and_places_from_one_channel_contents():
    """Pairs store the content in one channel; a model built for three (`content_channels`)
    takes it so in training (both parts) and at inference alike."""
    from brush.train import BrushTask, Frozen, LossConfig
    from classifier.training import step_losses

    model = create_model("brush", **TINY, content_channels=3)
    content = block(2, 32, 64, (8, 24), (16, 48), ink=0.0, paper=1.0)
    x = {"image": torch.rand(2, 3, 32, 64), "target": torch.rand(2, 3, 32, 64), "content": content, "content-b": content,
         "mask": block(2, 32, 64, (4, 28), (2, 30)), "mask-b": block(2, 32, 64, (10, 20), (30, 62)), "label-b": ["ab", "ba"]}
    task = BrushTask(LossConfig(content_steps=5), Frozen())
    for step in (0, 5):
        assert [name for name, *_ in step_losses(task, task.parts(model), x, torch.device("cpu"), step)][-1] == "generator"
    one, three = model(x["image"], content), model(x["image"], content.expand(-1, 3, -1, -1))
    assert all(torch.equal(a, b) for a, b in zip(one, three))
