import json
import pickle
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import DataLoader  # noqa: E402

from fontsynth.canvas import fit_to_canvas  # noqa: E402
from fontsynth.codec import decode  # noqa: E402
from fontsynth.dataset import Dataset  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402
from fontsynth.pipeline import RenderJob, render_dataset  # noqa: E402
from fontsynth.shards import SUM_PREFIX, Manifest  # noqa: E402
from fontsynth.torchdata import RenderDataset, ShardDataset, class_table  # noqa: E402

FIELDS = ("image", "label", "font", "class_id", "index")


@pytest.fixture(scope="module")
def words(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("td") / "words"
    render_dataset(RenderJob(fonts=small_fonts, out=out, n=240, seed=3, shard_size=60, workers=1, show_progress=False))
    return out


@pytest.fixture(scope="module")
def pairs(small_fonts, tmp_path_factory):
    out = tmp_path_factory.mktemp("td") / "pairs"
    render_dataset(RenderJob(fonts=small_fonts, out=out, n=40, seed=2, recipe="pairs", shard_size=20, workers=1, show_progress=False))
    return out


def test_items_are_the_stored_samples_fitted_to_the_canvas(words):
    ds = ShardDataset(words, fields=FIELDS, size=(32, 128), channels=3)
    raw = Dataset(words)
    assert len(ds) == len(raw) == 240
    for position in (0, 59, 60, 239):
        item, stored = ds[position], raw[position]
        assert item["index"] == position and item["label"] == stored["label"].decode()
        assert item["font"] == stored["font"].decode() and ds.classes[item["class_id"]] == item["font"]
        expected = fit_to_canvas(decode(stored["image"]), 32, 128, 3)
        assert item["image"].shape == (3, 32, 128) and item["image"].dtype == torch.float32
        assert torch.equal(item["image"], torch.from_numpy(expected).permute(2, 0, 1).float() / 255)
    with pytest.raises(IndexError):
        ds[240]


def test_a_crop_reads_wide_words_in_windows_and_the_others_as_before(words):
    from fontsynth.canvas import drawn_place
    from fontsynth.torchdata import fit_tensor

    raw = Dataset(words)  # rendered 32 px high at each word's natural width
    squeezed = ShardDataset(words, fields=("image",), size=(32, 64))
    drawn = ShardDataset(words, fields=("image",), size=(32, 64), crop="drawn")
    ends = ShardDataset(words, fields=("image",), size=(32, 64), crop=(0.0, 1.0))
    widths = [decode(raw[i]["image"]).shape[1] for i in range(len(raw))]
    wide = [i for i, w in enumerate(widths) if w > 64]
    assert 0 < len(wide) < len(raw)
    for i in (wide[0], wide[-1]):
        pixels = decode(raw[i]["image"])

        def window(place):
            return torch.from_numpy(fit_to_canvas(pixels, 32, 64, 1, place)).permute(2, 0, 1).float() / 255

        assert torch.equal(drawn[i]["image"], window(drawn_place(i)))  # one window, at the item's own place
        assert ends[i]["image"].shape == (2, 1, 32, 64)
        assert torch.equal(ends[i]["image"][0], window(0.0)) and torch.equal(ends[i]["image"][1], window(1.0))
        assert not torch.equal(ends[i]["image"][0], squeezed[i]["image"])
        # the differentiable fit cuts the same windows (no resize at the data's own height: equal up to the grey's rounding)
        batch = torch.from_numpy(pixels.transpose(2, 0, 1)).float()[None] / 255
        assert torch.allclose(fit_tensor(batch, (32, 64), 1, (0.0, 1.0))[0], ends[i]["image"], atol=0.6 / 255)
    narrow = widths.index(min(widths))
    assert torch.equal(drawn[narrow]["image"], squeezed[narrow]["image"])
    batch = torch.from_numpy(decode(raw[narrow]["image"]).transpose(2, 0, 1)).float()[None] / 255
    assert torch.equal(fit_tensor(batch, (32, 64), 1, (0.0, 1.0)), fit_tensor(batch, (32, 64), 1))  # fits: one reading, not two
    assert torch.equal(ends[narrow]["image"], squeezed[narrow]["image"].expand(2, -1, -1, -1))
    with pytest.raises(ValueError, match="crop must be"):
        ShardDataset(words, crop="random")


def test_the_class_table_is_contiguous_and_covers_exactly_what_was_rendered(words):
    ds = ShardDataset(words, fields=FIELDS)
    raw = Dataset(words)
    fonts = {v.decode() for _, v in raw.column("font")}
    chars = {c for _, v in raw.column("label") for c in v.decode()}
    assert ds.classes == sorted(fonts) and ds.charset == "".join(sorted(chars))
    assert sorted({ds[i]["class_id"] for i in range(len(ds))}) == list(range(len(ds.classes)))
    manifest = json.loads((words / "manifest.json").read_text())
    assert manifest["classes"] == ds.classes and manifest["charset"] == ds.charset


def test_datasets_rendered_before_the_class_table_get_it_computed_on_open(words, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(words, old)
    manifest = json.loads((old / "manifest.json").read_text())
    expected = (manifest.pop("classes"), manifest.pop("charset"))
    (old / "manifest.json").write_text(json.dumps(manifest))
    assert class_table(old, Manifest.decode(manifest)) == expected
    assert (ShardDataset(old).classes, ShardDataset(old).charset) == expected


def test_positions_skip_missing_shards(words, tmp_path):
    partial = tmp_path / "partial"
    shutil.copytree(words, partial)
    manifest = json.loads((partial / "manifest.json").read_text())
    gone = manifest["shards"].pop(1)  # samples 60..119
    shutil.rmtree(partial / gone["name"])
    manifest["complete"] = False
    (partial / "manifest.json").write_text(json.dumps(manifest))
    ds = ShardDataset(partial, fields=("label", "index"))
    assert len(ds) == 180
    assert [ds[i]["index"] for i in (0, 59, 60, 179)] == [0, 59, 120, 239]
    assert ds[60]["label"] == Dataset(words)[120]["label"].decode()


@pytest.mark.parametrize("context", ["fork", "spawn"])
def test_dataloader_workers_read_the_same_items_with_fork_and_spawn(words, context):
    ds = ShardDataset(words, fields=("image", "label", "index"), size=(32, 100))
    _ = ds[0]  # the parent has opened an environment: workers must not inherit it
    serial = [(b["index"].tolist(), b["label"]) for b in DataLoader(ds, batch_size=32)]
    loader = DataLoader(ds, batch_size=32, num_workers=2, multiprocessing_context=context)
    parallel = [(b["index"].tolist(), b["label"]) for b in loader]
    assert parallel == serial and sum(len(i) for i, _ in serial) == 240


def test_pickles_after_use(words):
    ds = ShardDataset(words)
    first = ds[3]
    again = pickle.loads(pickle.dumps(ds))
    assert torch.equal(again[3]["image"], first["image"])


def test_pair_fields(pairs):
    fields = ("image", "target", "content", "content-b", "mask", "mask-b", "background", "label", "label-b")
    ds = ShardDataset(pairs, fields=fields, size=(64, 256), channels=3)
    item = ds[7]
    assert item["image"].shape == item["target"].shape == item["background"].shape == (3, 64, 256)
    assert item["mask"].shape == item["content-b"].shape == (1, 64, 256)
    assert set(torch.unique(item["mask"]).tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("kwargs, message", [
    (dict(fields=("image", "colour")), "unknown field"),
    (dict(fields=("image", "target")), "no field"),
    (dict(channels=2), "channels"),
    (dict(size="32"), "HEIGHTxWIDTH"),
])
def test_bad_arguments_are_user_errors(words, kwargs, message):
    with pytest.raises(UserError, match=message):
        ShardDataset(words, **kwargs)


class _Unreadable(torch.utils.data.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        raise UserError(f"sample {i} does not decode; replace it")


def test_a_user_error_in_a_loader_process_is_still_one_line(capsys):
    """torch raises a worker's UserError again wrapped in the worker's traceback; the CLI prints
    the message alone, on one line."""
    import typer

    from fontsynth.cli import user_errors

    @user_errors
    def read_all():
        return [b for b in DataLoader(_Unreadable(), batch_size=2, num_workers=1)]

    with pytest.raises(UserError) as raised:
        read_all.__wrapped__()
    assert "Traceback" in str(raised.value)  # what torch hands the main process
    with pytest.raises(typer.Exit) as exit:
        read_all()
    assert exit.value.exit_code == 2 and capsys.readouterr().err == "error: sample 0 does not decode; replace it\n"


def test_not_a_dataset_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not a fontsynth dataset"):
        ShardDataset(tmp_path)


def stored_without_sum(ds: Dataset, i: int) -> dict:
    return {k: v for k, v in ds[i].items() if k != SUM_PREFIX}


def test_render_dataset_makes_exactly_the_rendered_samples(small_fonts, words, pairs):
    on_the_fly = RenderDataset(small_fonts, 240, seed=3, canvas=(32, 128), fields=FIELDS)
    stored = Dataset(words)
    maker = on_the_fly._sample_maker()
    for i in range(240):
        assert maker.make(i) == stored_without_sum(stored, i)
    shard_items = ShardDataset(words, fields=("image", "label", "font", "index"), size=(32, 128))
    for i in (0, 100, 239):
        a, b = on_the_fly[i], shard_items[i]
        assert a["label"] == b["label"] and a["font"] == b["font"] and torch.equal(a["image"], b["image"])
    pair_maker = RenderDataset(small_fonts, 40, seed=2, recipe="pairs")._sample_maker()
    stored_pairs = Dataset(pairs)
    assert all(pair_maker.make(i) == stored_without_sum(stored_pairs, i) for i in range(40))


def test_render_dataset_in_spawned_workers(small_fonts):
    ds = RenderDataset(small_fonts, 24, seed=1, canvas=(32, 100), fields=("label", "class_id", "index"))
    serial = [ds[i]["label"] for i in range(24)]
    loader = DataLoader(ds, batch_size=8, num_workers=2, multiprocessing_context="spawn")
    assert [label for b in loader for label in b["label"]] == serial
    assert ds.classes == sorted(ds.classes) and len(ds.classes) == 4


def test_render_dataset_draws_a_words_file(small_fonts, tmp_path):
    """On the fly with render's --words: the stream's words are the file's (the mix otherwise)."""
    import re

    from fontsynth.corpus import PRINTABLE

    (tmp_path / "w.txt").write_text("quokka\nzebra\ncafé\n")
    ds = RenderDataset(small_fonts, 60, seed=1, canvas=(32, 100), fields=("label",), words=tmp_path / "w.txt")
    assert ds.context.corpus.words == ["quokka", "zebra", "café"]
    assert "é" in ds.charset and set(ds.charset) <= set(PRINTABLE) | {"é"}  # what the labels can hold, not every covered glyph
    assert set(RenderDataset(small_fonts, 10, canvas=(32, 100)).charset) <= set(PRINTABLE)
    words = [w.lower() for i in range(60) for w in re.findall(r"[^\W\d_]{4,}", ds[i]["label"]) if not w.isupper() or w.lower() in ("quokka", "zebra", "café")]
    assert words and set(words) <= {"quokka", "zebra", "café"}


def test_a_stream_drawn_at_another_size_is_the_stream_built_with_it_without_loading_the_fonts_again(small_fonts, monkeypatch):
    """The recognizer validates on the training stream drawn at natural width: `drawn_at` gives
    the items a RenderDataset built with those options gives, and loads no catalog (a second load
    printed a stale catalog's note twice and read a large catalog again)."""
    import fontsynth.pipeline as pipeline

    stream = RenderDataset(small_fonts, 30, seed=4, size="32x128", canvas=(32, 128), fields=("image", "label"))
    loads = []
    monkeypatch.setattr(pipeline, "load_or_scan", lambda *a, **k: loads.append(a))
    wide = stream.drawn_at("32", (32, 200), ("image", "label", "index"), crop="drawn")
    assert loads == [] and (stream.size, stream.fields, stream.crop) == ((32, 128), ("image", "label"), None)
    monkeypatch.undo()
    built = RenderDataset(small_fonts, 30, seed=4, size="32", canvas=(32, 200), fields=("image", "label", "index"), crop="drawn")
    for i in range(30):
        a, b = wide[i], built[i]
        assert a["label"] == b["label"] and a["index"] == b["index"] == i and torch.equal(a["image"], b["image"])
    assert wide.classes == built.classes and wide.charset == built.charset
    assert torch.equal(stream[3]["image"], RenderDataset(small_fonts, 30, seed=4, size="32x128", canvas=(32, 128))[3]["image"])


def test_render_dataset_needs_a_canvas_for_natural_width_words(small_fonts):
    with pytest.raises(UserError, match="canvas"):
        RenderDataset(small_fonts, 10, size="32")
    with pytest.raises(UserError, match="n must be"):
        RenderDataset(small_fonts, 0, canvas=(32, 100))


def test_torch_decoding_gives_the_pixels_of_the_general_decoder(words):
    from fontsynth.torchdata import decode_image

    stored = Dataset(words)
    for i in range(0, 240, 7):
        data = stored[i]["image"]
        assert np.array_equal(decode_image(data), decode(data))


def test_validation_alone_loads_its_extra_fields(small_fonts, pairs):
    from classifier.data import DataConfig, open_sources

    fields, extra = ("image", "target", "label-b"), ("background",)
    shards = open_sources(DataConfig(data=str(pairs), val_data=str(pairs)), fields, (32, 128), 3, extra)
    fly = open_sources(DataConfig(fonts=str(small_fonts), on_the_fly=True, val_samples=4), fields, (32, 128), 3, extra)
    for sources in (shards, fly):
        assert "background" not in sources.train[0] and sources.val[0]["background"].shape == (3, 32, 128)
    # on the fly, the held-out items are the stream's first samples whatever the fields: the same pixels
    stream = fly.train.dataset
    for i in range(4):
        assert torch.equal(fly.val[i]["target"], stream[i]["target"]) and fly.val[i]["label-b"] == stream[i]["label-b"]


def test_a_damaged_shard_names_itself(words, tmp_path):
    """A fontsynth shard that lost a field: the error names the shard and how to check it."""
    lmdb = pytest.importorskip("lmdb")
    shutil.copytree(words, tmp_path / "ours")
    shard = sorted(p for p in (tmp_path / "ours").iterdir() if (p / "data.mdb").exists())[0]  # samples 0..59
    env = lmdb.open(str(shard), map_size=1 << 26)
    with env.begin(write=True) as txn:
        txn.delete(b"label-000000002")
    env.close()
    with pytest.raises(UserError, match=f"{shard} has no label for sample 2; run `fontsynth verify"):
        ShardDataset(tmp_path / "ours")[1]

