import json

import numpy as np
import pytest
from test_pipeline import records

from fontsynth.codec import decode
from fontsynth.corpus import default_corpus
from fontsynth.dataset import Dataset
from fontsynth.draws import sample_draws
from fontsynth.errors import UserError
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.recipes import SampleContext, SampleMaker
from fontsynth.style import Style, StyleConfig


def job(fonts, out, **kw):
    defaults = dict(fonts=fonts, out=out, n=24, seed=2, shard_size=8, workers=1, recipe="pairs", show_progress=False)
    return RenderJob(**{**defaults, **kw})


@pytest.fixture(scope="module")
def pairs(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("pairs") / "data"
    render_dataset(job(small_fonts, out))
    return Dataset(out)


@pytest.fixture(scope="module")
def maker(small_catalog):
    cfg = StyleConfig(height=64, width=256, p_shadow=0.5, p_stroke=0.5)
    return SampleMaker(SampleContext.from_catalog(recipe="pairs", seed=0, catalog=small_catalog, corpus=default_corpus(), config=cfg))


def test_every_pair_has_all_fields_on_one_canvas(pairs):
    for i in range(len(pairs)):
        s = pairs[i]
        assert {"image", "label", "meta", "font", "target", "label-b", "meta-b", "content", "content-b", "mask", "mask-b", "background"} <= set(s)
        shapes = {k: decode(s[k]).shape[:2] for k in ("image", "target", "content", "content-b", "mask", "mask-b", "background")}
        assert set(shapes.values()) == {(64, 256)}
        assert decode(s["mask"]).ndim == 2 and decode(s["content"]).ndim == 2


def test_style_and_target_metas_differ_only_in_the_text(pairs):
    for i in range(len(pairs)):
        a, b = json.loads(pairs[i]["meta"]), json.loads(pairs[i]["meta-b"])
        assert a["text"] == pairs[i]["label"].decode() and b["text"] == pairs[i]["label-b"].decode()
        assert {**a, "text": None} == {**b, "text": None}


def test_masks_mark_exactly_where_the_text_changed_the_undegraded_image(maker):
    for i in range(12):
        draws = sample_draws(0, i)
        (text,), font = maker.draw_texts(draws)
        style = maker.style(draws, font)
        layers = maker.renderer.layers(text, style)
        changed = (layers.image != layers.background).any(axis=2)
        assert not changed[layers.mask == 0].any()  # background equals the image where the mask is empty
        assert changed[layers.mask > 0].mean() > 0.5 and (layers.mask > 0).any()


def test_background_is_the_style_image_without_text_with_the_same_degradations(pairs):
    checked = 0
    for i in range(len(pairs)):
        style = Style(**json.loads(pairs[i]["meta"])["style"])
        if style.jpeg_quality == 0 and style.blur == 0 and style.motion_blur[0] == 0:  # pixel-wise degradations only
            image, background, mask = decode(pairs[i]["image"]), decode(pairs[i]["background"]), decode(pairs[i]["mask"])
            assert np.array_equal(image[mask == 0], background[mask == 0])  # same noise, same inversion
            checked += 1
    assert checked >= 5


def test_content_images_depend_only_on_the_text(maker):
    first = maker.content_image("Harbour", 64, 256)
    assert maker.content_image("Harbour", 64, 256) == first and maker.content_image("Harbor", 64, 256) != first
    grey = decode(first)
    assert grey.mean() > 200 and grey.min() < 50  # dark text on light


def test_pairs_replay_and_are_deterministic(small_fonts, pairs, tmp_path):
    from fontsynth.datasetview import replay

    stored, again = replay(pairs, 5)
    assert stored == again
    pairs.close()
    render_dataset(job(small_fonts, tmp_path / "two", workers=2))
    assert records(tmp_path / "two") == records(pairs.root)


def test_pairs_resume_after_losing_shards(small_fonts, pairs, tmp_path):
    out = tmp_path / "cut"
    render_dataset(job(small_fonts, out))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["shards"], manifest["complete"] = manifest["shards"][:1], False
    (out / "manifest.json").write_text(json.dumps(manifest))
    render_dataset(job(small_fonts, out, resume=True))
    pairs.close()
    assert records(out) == records(pairs.root)


def test_inversion_rate_is_configurable(small_fonts, tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"p_invert": 1.0}))
    render_dataset(job(small_fonts, tmp_path / "inv", config_file=config, n=8))
    ds = Dataset(tmp_path / "inv")
    assert all(json.loads(ds[i]["meta"])["style"]["invert"] for i in range(8))


def test_pairs_draw_no_distractors_and_no_ink_boxes(small_fonts, tmp_path):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"p_distractor": 1.0, "p_ink_box": 1.0}))
    render_dataset(job(small_fonts, tmp_path / "d", config_file=config, n=8))
    ds = Dataset(tmp_path / "d")
    styles = [json.loads(ds[i]["meta"])["style"] for i in range(8)]
    assert not any("distractors" in style or "box" in style for style in styles)


def test_pairs_need_a_fixed_canvas(small_fonts, tmp_path):
    with pytest.raises(UserError, match="needs a fixed canvas"):
        render_dataset(job(small_fonts, tmp_path / "x", size="32"))
    assert not (tmp_path / "x").exists()
