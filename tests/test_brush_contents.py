"""brush with contents in the style's own font (`content_font` "style", brush.contents): the
drawing, the datasets it wraps, the font matching, and train / eval / edit on tiny data."""

import json
import pickle
import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from PIL import Image  # noqa: E402
from torch.utils.data import Subset  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from brush.cli import app  # noqa: E402
from conftest import specimen_means_by_hand  # noqa: E402
from brush.edit import Editor  # noqa: E402
from brush.contents import SPECIMENS, FontMatcher, StyleFontContents, drawn_tensor, font_by_name, fonts_of  # noqa: E402
from fontsynth.catalog import scan_fonts  # noqa: E402
from fontsynth.corpus import default_corpus  # noqa: E402
from fontsynth.catalog import Catalog  # noqa: E402
from fontsynth.errors import UserError  # noqa: E402
from fontsynth.recipes import CONTENT_FONT_ID, ContentRenderer, FontPicker, SampleContext, SampleMaker, content_style  # noqa: E402
from fontsynth.specimen import word_specimens  # noqa: E402
from fontsynth.style import StyleConfig, preset  # noqa: E402
from fontsynth.torchdata import decode_image  # noqa: E402
from fontsynth.render import Renderer  # noqa: E402
from fontsynth.torchdata import RenderDataset, ShardDataset  # noqa: E402

runner = CliRunner()
FAST = ["--preset", "smoke", "--workers", "0", "--no-progress", "--device", "cpu"]
PAIR_FIELDS = ("image", "target", "content", "content-b", "label", "label-b", "font")


def invoke(*args, cli=app):
    return runner.invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def pairs(brush_pairs):
    return brush_pairs


@pytest.fixture(scope="module")
def run(pairs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("own-font-runs")
    config = folder / "style.json"
    config.write_text(json.dumps({"model": {"content_font": "style"}}))
    result = invoke("train", "--data", pairs / "train", "--val-data", pairs / "test", "--out", folder / "brush", "--features", "random",
                    "--steps", "4", "--config", config, *FAST)
    assert result.exit_code == 0, result.output
    return folder / "brush"


@pytest.fixture(scope="module")
def typeface(pairs_typeface):
    return pairs_typeface


def test_the_content_renderer_draws_a_catalog_font_laid_out_as_the_standard_one(small_catalog):
    content = ContentRenderer(small_catalog)
    font = next(f.id for f in small_catalog.fonts if "Dancing" in f.family)
    drawn = content.draw("Hello", 32, 128, font=font)
    by_hand = Renderer(small_catalog).layers("Hello", content_style(32, 128, font)).image[..., 0]
    assert np.array_equal(drawn, by_hand) and drawn.shape == (32, 128)
    standard = content.draw("Hello", 32, 128)
    assert np.array_equal(standard, ContentRenderer().draw("Hello", 32, 128)) and not np.array_equal(drawn, standard)
    assert content_style(32, 128).font == CONTENT_FONT_ID
    # coverage is the named font's: the script face lacks the macron A that Karla draws
    karla = next(f.id for f in small_catalog.fonts if f.family == "Karla")
    assert content.missing("aĀ", font) == "Ā" and content.missing("aĀ", karla) == "" and content.missing("a\u4e2d") == "\u4e2d"


def test_pairs_get_their_contents_drawn_in_their_own_font(pairs, small_catalog):
    plain = ShardDataset(pairs / "train", fields=PAIR_FIELDS, size=(32, 128), channels=3)
    wrapped = StyleFontContents(plain)
    assert len(wrapped) == len(plain) and wrapped.classes == plain.classes and wrapped.describe() == plain.describe()
    content = ContentRenderer(small_catalog)
    fonts = set()
    for i in range(len(plain)):
        a, b = plain[i], wrapped[i]
        for field in ("image", "target"):
            assert torch.equal(a[field], b[field])
        for field, text in (("content-b", "label-b"), ("content", "label")):
            assert torch.equal(b[field], drawn_tensor(content.draw(a[text], 32, 128, font=a["font"])))
        fonts.add(a["font"])
    assert len(fonts) > 1  # several fonts, each drawn in its own
    assert not torch.equal(plain[0]["content-b"], wrapped[0]["content-b"])  # not the standard font's drawing
    again = pickle.loads(pickle.dumps(wrapped))  # as a DataLoader worker gets it: the renderer opened there
    assert torch.equal(again[3]["content-b"], wrapped[3]["content-b"])


def test_on_the_fly_pairs_are_drawn_from_the_streams_fonts_as_the_rendered_ones(pairs, small_fonts):
    fields = ("image", "content-b", "label-b", "font")
    stream = Subset(RenderDataset(small_fonts, n=8, seed=1, recipe="pairs", size="32x128", fields=fields, channels=3), range(8))
    assert isinstance(fonts_of(stream), Catalog)
    rendered = StyleFontContents(ShardDataset(pairs / "test", fields=fields, size=(32, 128), channels=3))
    on_the_fly = StyleFontContents(stream)
    for i in range(8):
        assert torch.equal(on_the_fly[i]["content-b"], rendered[i]["content-b"])


def fonts_gone(data, copy):
    """A copy of rendered `data` whose manifest names fonts that are not there (data moved to another machine)."""
    shutil.copytree(data, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["fonts_dir"] = str(copy.parent / "gone")
    (copy / "manifest.json").write_text(json.dumps(manifest))
    return copy


def test_pairs_whose_fonts_are_unknown_or_gone_are_refused(pairs, tmp_path):
    moved = fonts_gone(pairs / "test", tmp_path / "pairs")
    with pytest.raises(UserError, match="gone, which are not there"):
        StyleFontContents(ShardDataset(moved, fields=("image", "font"), size=(32, 128)))
    with pytest.raises(UserError, match="do not say their fonts"):
        fonts_of(object())


def test_fonts_are_named_by_id_family_or_file(small_catalog):
    vera = next(f for f in small_catalog.fonts if f.path == "Vera.ttf")
    for name in (vera.id, "Bitstream Vera Sans Roman", "bitstream vera sans", "Vera", "vera.ttf"):
        assert font_by_name(name, small_catalog) == vera.id, name
    assert font_by_name("Verdana", small_catalog) is None


def test_the_matcher_picks_the_most_likely_font_that_covers_the_text(small_fonts, small_catalog, typeface):
    with pytest.raises(UserError, match="give --font NAME"):
        FontMatcher(small_fonts)
    with pytest.raises(UserError, match="not one font of"):
        FontMatcher(small_fonts, font="Verdana")
    named = FontMatcher(small_fonts, font="Karla-Regular")
    karla = font_by_name("Karla-Regular", small_catalog)
    assert named.pick([np.zeros((32, 128), np.uint8)] * 2, ["ab", "cd"]) == [karla, karla]
    matcher = FontMatcher(small_fonts, classifier=typeface, device="cpu")
    images = [np.full((32, 128), v, np.uint8) for v in (0, 128, 255)]
    ranked = matcher.ranked(images)
    with torch.no_grad():
        logits = torch.cat([matcher.classifier.model(b) for b in matcher.classifier.batches(images)])
    for row, scores in zip(ranked, logits):
        assert sorted(row) == sorted(matcher.classifier.classes)  # every trained font is in the catalog
        assert [scores[matcher.classifier.classes.index(f)] for f in row] == sorted(scores.tolist(), reverse=True)
    # a text the first choice cannot draw goes to the next one that can
    script = font_by_name("DancingScript-Regular", small_catalog)
    matcher.ranked = lambda images: [[script, karla]]
    assert matcher.pick([images[0]], ["Āb"]) == [karla]
    assert matcher.missing("Āb") == "" and matcher.missing("a\u4e2d") == "\u4e2d"  # Karla draws Ā; no font draws 中
    assert matcher.pick([images[0]], ["abc"]) == [script]
    with pytest.raises(UserError, match="covers"):
        matcher.pick([images[0]], ["\u4e2d"])


def test_a_specimen_is_the_word_sample_a_render_of_that_font_alone_makes(small_catalog):
    config = StyleConfig.from_dict({"height": 32, "width": 128}, base=preset("default"))
    corpus = default_corpus()
    drawn = word_specimens(small_catalog, [f.id for f in small_catalog.usable(ocr_clean=False)], 3, (32, 128))
    assert len(drawn) == len(small_catalog.usable(ocr_clean=False))
    for entry in small_catalog.usable(ocr_clean=False):
        alone = SampleMaker(SampleContext.from_catalog("words", 0, small_catalog, corpus, config, ocr_clean=False,
                                                       picker=FontPicker.build([entry], corpus.alphabet())))
        for i, image in enumerate(drawn[entry.id]):
            sample = alone.make(i)
            assert sample["font"].decode() == entry.id and np.array_equal(image, decode_image(sample["image"]))
    assert not np.array_equal(*(drawn[f.id][0] for f in small_catalog.usable(ocr_clean=False)[:2]))


def test_matching_by_specimens_ranks_every_font_by_embedding_unseen_ones_included(typeface, tmp_path):
    from tests.conftest import FONTS, SMALL_SET

    folder = tmp_path / "fonts"
    folder.mkdir()
    for name in (*SMALL_SET, "Cabin-Bold.otf", "Comfortaa-Regular.ttf"):  # two designs the classifier never saw
        shutil.copyfile(FONTS / name, folder / name)
    scan_fonts(folder, workers=1, show_progress=False).save(folder / "catalog.json")
    matcher = FontMatcher(folder, classifier=typeface, device="cpu", by="specimens")
    every = sorted(f.id for f in matcher.catalog.usable(ocr_clean=False))
    assert len(set(every) - set(matcher.classifier.classes)) == 2 and sorted(matcher.candidates()) == every
    specimens, means = specimen_means_by_hand(matcher.classifier, matcher.catalog, every, SPECIMENS)
    unit = lambda x: x / x.norm(dim=-1, keepdim=True)  # noqa: E731
    styles = [specimens[f][0] for f in every] + [np.full((32, 128), 200, np.uint8)]
    by_hand = (unit(matcher.classifier.embed(styles)) @ means.T).argsort(dim=1, descending=True)
    assert matcher.ranked(styles) == [[every[j] for j in row] for row in by_hand.tolist()]
    with pytest.raises(UserError, match="--match-by 'nearest'"):
        FontMatcher(folder, classifier=typeface, by="nearest")


def test_training_with_own_font_contents_saves_it_and_shows_them(run):
    config = json.loads((run / "config.json").read_text())
    assert config["model_config"]["content_font"] == "style"
    assert list((run / "samples").glob("*.png"))


def test_eval_draws_each_pairs_own_font_or_the_matched_one(run, pairs, typeface, tmp_path):
    common = ("--data", pairs / "test", "--json", "--workers", "0", "--no-tesseract", "--no-progress", "--device", "cpu")
    own = invoke("eval", run, *common, "--out", tmp_path / "own")
    assert own.exit_code == 0, own.output
    assert json.loads(own.stdout)["content_font"] == {"font": "own"}
    matched = invoke("eval", run, *common, "--out", tmp_path / "matched", "--match-font", typeface)
    assert matched.exit_code == 0, matched.output
    report = json.loads(matched.stdout)
    assert report["content_font"]["font"] == "matched" and report["content_font"]["classifier"] == str(typeface)
    assert 0 <= report["content_font"]["own_share"] <= 1
    if report["content_font"]["own_share"] < 1:  # some pairs drawn in another font than their own: other outputs
        assert report["psnr"] != json.loads(own.stdout)["psnr"]
    by_specimens = invoke("eval", run, *common, "--out", tmp_path / "specimens", "--match-font", typeface, "--match-by", "specimens")
    assert by_specimens.exit_code == 0, by_specimens.output
    assert json.loads(by_specimens.stdout)["content_font"]["by"] == "specimens" and report["content_font"]["by"] == "classes"
    alone = invoke("eval", run, *common, "--out", tmp_path / "alone", "--match-by", "specimens")
    assert alone.exit_code == 2 and "give --match-font RUN too" in alone.output


def test_edit_draws_the_new_text_in_the_font_given_or_matched(run, pairs, typeface, tmp_path):
    item = ShardDataset(pairs / "test", fields=("image",), size=(32, 128), channels=3)[0]
    word = tmp_path / "word.png"
    Image.fromarray((item["image"].permute(1, 2, 0).numpy() * 255).astype(np.uint8)).save(word)
    outputs = {}
    for name, option in (("vera", ["--font", "Vera"]), ("script", ["--font", "DancingScript-Regular"]), ("matched", ["--classifier", typeface]),
                         ("specimens", ["--classifier", typeface, "--match-by", "specimens"])):
        result = invoke("edit", word, "--text", "Hello", "-o", tmp_path / f"{name}.png", "--model", run, "--device", "cpu", *option)
        assert result.exit_code == 0, result.output
        outputs[name] = np.asarray(Image.open(tmp_path / f"{name}.png"))
    assert outputs["vera"].shape == outputs["script"].shape and not np.array_equal(outputs["vera"], outputs["script"])
    none = invoke("edit", word, "--text", "Hello", "-o", tmp_path / "x.png", "--model", run, "--device", "cpu")
    assert none.exit_code == 2 and "error:" in none.output and "--font NAME" in none.output and not (tmp_path / "x.png").exists()
    missing = invoke("edit", word, "--text", "\u4e2d", "-o", tmp_path / "x.png", "--model", run, "--device", "cpu", "--font", "Vera")
    assert missing.exit_code == 2 and "cannot draw" in missing.output
    jobs = tmp_path / "jobs.jsonl"  # a text no font the classifier matches can draw: refused before anything is written
    jobs.write_text(json.dumps({"image": "word.png", "output": "a.png", "text": "Hello"}) + "\n"
                    + json.dumps({"image": "word.png", "output": "b.png", "text": "\u4e2d"}) + "\n")
    refused = invoke("edit", "--jobs", jobs, "--model", run, "--device", "cpu", "--classifier", typeface, "--no-progress")
    assert refused.exit_code == 2 and "none of the fonts the classifier matches from draws" in refused.output
    assert not (tmp_path / "a.png").exists()


def test_a_standard_model_refuses_font_options(pairs, tmp_path, small_fonts):
    out = tmp_path / "standard"
    trained = invoke("train", "--data", pairs / "train", "--out", out, "--features", "random", "--steps", "1", *FAST)
    assert trained.exit_code == 0, trained.output
    word = tmp_path / "word.png"
    Image.fromarray(np.full((32, 128, 3), 200, np.uint8)).save(word)
    result = invoke("edit", word, "--text", "Hi", "-o", tmp_path / "x.png", "--model", out, "--device", "cpu", "--font", "Vera")
    assert result.exit_code == 2 and "standard content font" in result.output
    evaluated = invoke("eval", out, "--data", pairs / "test", "--no-tesseract", "--workers", "0", "--device", "cpu", "--match-font", out)
    assert evaluated.exit_code == 2 and "error: --match-font, --match-by and --fonts are for" in evaluated.output


def test_pairs_whose_fonts_moved_train_evaluate_and_edit_with_fonts_saying_where(pairs, small_fonts, tmp_path):
    train, test = fonts_gone(pairs / "train", tmp_path / "train"), fonts_gone(pairs / "test", tmp_path / "test")
    config = tmp_path / "style.json"
    config.write_text(json.dumps({"model": {"content_font": "style"}}))
    common = ("--data", train, "--val-data", test, "--features", "random", "--steps", "1", *FAST)
    refused = invoke("train", *common, "--out", tmp_path / "refused", "--config", config)
    assert refused.exit_code == 2 and "which are not there" in refused.output and not (tmp_path / "refused" / "last.pt").exists()
    standard = invoke("train", *common, "--out", tmp_path / "standard", "--fonts", small_fonts)
    assert standard.exit_code == 2 and "--fonts is for --on-the-fly" in standard.output
    out = tmp_path / "brush"
    trained = invoke("train", *common, "--out", out, "--config", config, "--fonts", small_fonts)
    assert trained.exit_code == 0, trained.output
    assert json.loads((out / "config.json").read_text())["data"]["fonts"] == str(small_fonts)
    resumed = invoke("train", "--out", out, "--resume", "--steps", "2", "--workers", "0", "--no-progress", "--device", "cpu")
    assert resumed.exit_code == 0, resumed.output
    evals = ("--data", test, "--json", "--workers", "0", "--no-tesseract", "--no-progress", "--device", "cpu")
    lost = invoke("eval", out, *evals, "--out", tmp_path / "lost")
    assert lost.exit_code == 2 and "which are not there" in lost.output
    found = invoke("eval", out, *evals, "--out", tmp_path / "found", "--fonts", small_fonts)
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)["content_font"] == {"font": "own"}
    editor = Editor(out, "cpu", font="Vera")  # the fonts of the edit: the run's --fonts
    assert editor.matcher.catalog.fonts and editor.edit(np.full((32, 128, 3), 220, np.uint8), "Hi").shape == (32, 128, 3)


def test_a_run_trained_with_a_classifier_matches_fonts_with_it_by_default(pairs, typeface, tmp_path):
    config = tmp_path / "style.json"
    config.write_text(json.dumps({"model": {"content_font": "style"}}))
    out = tmp_path / "brush"
    trained = invoke("train", "--data", pairs / "train", "--out", out, "--classifier", typeface, "--steps", "1", "--config", config, *FAST)
    assert trained.exit_code == 0, trained.output
    editor = Editor(out, "cpu")
    assert editor.matcher.classifier_path == str(typeface.resolve()) and editor.matcher.font is None
    word = np.full((32, 128, 3), 220, np.uint8)
    assert editor.edit(word, "Hi").shape == word.shape


def test_a_benchmark_folder_is_edited_in_the_matched_font(run, pairs, typeface, tmp_path):
    from fontsynth.dataset import Dataset

    ds = Dataset(pairs / "test")
    bench = tmp_path / "bench"
    for folder in ("i_s", "t_f"):
        (bench / folder).mkdir(parents=True)
    for i in range(4):
        (bench / "i_s" / f"{i}.png").write_bytes(ds[i]["image"])
        (bench / "t_f" / f"{i}.png").write_bytes(ds[i]["target"])
    (bench / "i_t.txt").write_text("".join(f"{i}.png {ds[i]['label-b'].decode()}\n" for i in range(4)))
    common = ("--data", bench, "--json", "--workers", "0", "--no-tesseract", "--no-progress", "--device", "cpu")
    result = invoke("eval", run, *common, "--out", tmp_path / "ev", "--match-font", typeface)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["content_font"] == {"font": "matched", "classifier": str(typeface), "by": "classes"}
    refused = invoke("eval", run, *common, "--out", tmp_path / "ev2")  # the run trained without a classifier
    assert refused.exit_code == 2 and "needs a typeface classifier; pass --match-font RUN" in refused.output


def test_on_the_fly_training_draws_from_its_fonts_and_edits_find_them(small_fonts, small_catalog, tmp_path):
    config = tmp_path / "style.json"
    config.write_text(json.dumps({"model": {"content_font": "style"}}))
    out = tmp_path / "brush"
    trained = invoke("train", "--fonts", small_fonts, "--on-the-fly", "--size", "32x128", "--out", out, "--features", "random",
                     "--steps", "2", "--config", config, *FAST)
    assert trained.exit_code == 0, trained.output
    editor = Editor(out, "cpu", font="Karla-Regular")  # --fonts defaults to the run's
    crop = np.full((32, 128, 3), 220, np.uint8)
    karla = font_by_name("Karla-Regular", small_catalog)
    assert np.array_equal(editor.content_for(crop, "Hi"), ContentRenderer(small_catalog).draw_for("Hi", 32, 128, (32, 128), karla))


def test_the_font_matching_script_scores_each_way_against_the_true_fonts(pairs, small_fonts, typeface, tmp_path):
    import importlib.util
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "scripts" / "font_matching.py"
    spec = importlib.util.spec_from_file_location("font_matching", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ranked = [["a", "b"], ["b", "a"], ["c", "a", "b", "d", "e", "f"], ["f", "e", "d", "c", "b", "a"]]
    scored = module.score(ranked, ["a", "a", "c", "a"], seen={"a"})
    assert scored == {"all": {"n": 4, "top1": 0.5, "top5": 0.75}, "seen": {"n": 3, "top1": 1 / 3, "top5": 2 / 3},
                      "unseen": {"n": 1, "top1": 1.0, "top5": 1.0}}
    out = tmp_path / "match.json"
    subprocess.run([sys.executable, str(script), "--classifier", str(typeface), "--fonts", str(small_fonts), "--data", str(pairs / "test"),
                    "--limit", "6", "--out", str(out)], check=True, capture_output=True)
    report = json.loads(out.read_text())
    assert report["n"] == 6
    for by in ("classes", "specimens"):
        assert report[by]["all"]["n"] == 6 and 0 <= report[by]["all"]["top1"] <= report[by]["all"]["top5"] <= 1
