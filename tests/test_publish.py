import json
import shutil

import pytest
from typer.testing import CliRunner

from fontmaker import FONTS
from fontsynth.catalog import scan_fonts
from fontsynth.cli import app
from fontsynth.dataset import Dataset
from fontsynth.errors import UserError
from fontsynth.licenses import POLICIES, classify
from fontsynth.pipeline import RenderJob, render_dataset
from fontsynth.publish import PublishJob, publish
from fontsynth.verify import check_checksums, verify_dataset

N = 40


@pytest.fixture(scope="module")
def mixed(small_fonts, tmp_path_factory):
    """A dataset whose fonts include one under a share-alike license (Karla relabelled GPL-2+)."""
    root = tmp_path_factory.mktemp("mixed")
    fonts = root / "fonts"
    shutil.copytree(small_fonts, fonts)
    shutil.copytree(FONTS / "licenses", fonts / "licenses")
    sources = json.loads((fonts / "sources.json").read_text())
    for entry in sources["fonts"]:
        if entry["file"] == "Karla-Regular.otf":
            entry["license"] = "GPL-2+"
    (fonts / "sources.json").write_text(json.dumps(sources))
    scan_fonts(fonts, workers=1, show_progress=False).save(fonts / "catalog.json")
    out = root / "data"
    render_dataset(RenderJob(fonts=fonts, out=out, n=N, seed=9, shard_size=15, workers=1, show_progress=False))
    return out


def fonts_of(ds):
    return {i: ds[i]["font"].decode() for i in ds.indices()}


def karla_id(data):
    return next(f["id"] for f in json.loads((data / "catalog.json").read_text())["fonts"] if f["path"] == "Karla-Regular.otf")


def test_lmdb_release_verifies_and_keeps_only_permitted_fonts(mixed, tmp_path):
    result = publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo", show_progress=False))
    source = Dataset(mixed)
    expected = [i for i, f in fonts_of(source).items() if f != karla_id(mixed)]
    assert result.samples == len(expected) and result.excluded == N - len(expected) > 0
    assert result.excluded_by_class == {"share-alike": N - len(expected)}
    release = Dataset(tmp_path / "rel" / "data")
    assert verify_dataset(tmp_path / "rel" / "data", show_progress=False).ok
    for new, old in enumerate(expected):
        assert release[new]["image"] == source[old]["image"] and release[new]["label"] == source[old]["label"]
        assert json.loads(release[new]["meta"])["source_index"] == old
    used = set(fonts_of(release).values())
    attribution = (tmp_path / "rel" / "ATTRIBUTION.md").read_text()
    listed = {row.split("|")[1].strip() for row in attribution.splitlines() if row.startswith("| ") and "." in row.split("|")[1]}
    paths = {f["id"]: f["path"] for f in json.loads((mixed / "catalog.json").read_text())["fonts"]}
    assert listed == {paths[i] for i in used} and "Karla-Regular.otf" not in listed
    assert result.missing_license_texts == []
    assert "licenses/ttf-bitstream-vera.txt" in attribution and (tmp_path / "rel" / "licenses" / "ttf-bitstream-vera.txt").is_file()
    assert (tmp_path / "rel" / "preview.png").stat().st_size > 0


def test_open_policy_keeps_share_alike_fonts(mixed, tmp_path):
    result = publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo", license_policy="open", show_progress=False))
    assert result.samples == N and result.excluded == 0


def test_parquet_release_loads_with_the_same_samples(mixed, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo", format="parquet", license_policy="none", show_progress=False))
    table = pq.read_table(sorted((tmp_path / "rel" / "data").glob("*.parquet")))
    source = Dataset(mixed)
    assert table.num_rows == N
    rows = table.to_pylist()
    for row in rows:
        sample = source[row["source_index"]]
        assert row["image"]["bytes"] == sample["image"] and row["label"] == sample["label"].decode()
        assert row["font_id"] == sample["font"].decode() and json.loads(row["style"]) == json.loads(sample["meta"])["style"]
    assert json.loads(table.schema.metadata[b"huggingface"])["info"]["features"]["image"] == {"_type": "Image"}
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset("parquet", data_files=str(tmp_path / "rel" / "data" / "*.parquet"), split="train")
    assert loaded[0]["label"] == rows[0]["label"] and loaded[0]["image"].size[1] == 32


def test_the_card_names_the_texts_and_their_languages():
    from fontsynth.corpus import Corpus, default_corpus, describe_source
    from fontsynth.publish import card_languages

    default = default_corpus().describe()
    assert card_languages(None, default) == ["language:", "- en"]
    words = Corpus(name="de.txt", words=["Haus", "Baum"], sha256="ab" * 32).describe()
    assert card_languages(None, words) == []  # a user's words: fontsynth does not know their language
    assert card_languages(("de", "fr"), words) == ["language:", "- de", "- fr"]
    assert card_languages(None, Corpus(name="default", lines=["Hallo"]).describe()) == []  # a file named default is a user's
    assert describe_source(words) == f"the embedded mix over 2 words of de.txt (sha256 {'ab' * 8}...)"
    texts = Corpus(name="lines.txt", lines=["a b", "c"], sha256="cd" * 32).describe()
    assert describe_source(texts) == f"2 texts of lines.txt, drawn as they are (sha256 {'cd' * 8}...)"
    old = {"name": "default", "texts": None, "sha256": "ef" * 32}  # a manifest from before the blocklist
    assert "profanity" not in describe_source(old) and "English words of SCOWL" in describe_source(old)


def test_a_language_that_is_no_code_is_refused(mixed, tmp_path):
    result = CliRunner().invoke(app, ["publish", str(mixed), "--out", str(tmp_path / "rel"), "--name", "x", "--language", "English",
                                      "--no-progress"])
    assert result.exit_code == 2 and "--language 'English' is not a language code" in result.output
    assert not (tmp_path / "rel").exists()


def test_card_and_checksums(mixed, tmp_path):
    publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo-set", dataset_license="cc-by-4.0", show_progress=False))
    card = (tmp_path / "rel" / "README.md").read_text()
    front = card.split("---")[1]
    assert "license: cc-by-4.0" in front and "- image-to-text" in front and "- n<1K" in front and "- en" in front
    assert '"p_rotation"' in card and "seed 9" in card
    assert "- texts: the embedded mix (74,487 English words of SCOWL without profanity and slurs" in card
    assert check_checksums(tmp_path / "rel") == []
    readme = tmp_path / "rel" / "README.md"
    readme.write_text(readme.read_text() + "tampered")
    assert check_checksums(tmp_path / "rel") == ["README.md"]


def test_publish_refuses_bad_requests_and_leaves_nothing(mixed, tmp_path):
    with pytest.raises(UserError, match="unknown license policy"):
        publish(PublishJob(data=mixed, out=tmp_path / "a", name="x", license_policy="lax", show_progress=False))
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty"):
        publish(PublishJob(data=mixed, out=tmp_path / "full", name="x", show_progress=False))
    with pytest.raises(UserError, match="is a file; pass a folder"):
        publish(PublishJob(data=mixed, out=tmp_path / "full" / "keep.txt", name="x", show_progress=False))
    broken = tmp_path / "broken"
    shutil.copytree(mixed, broken)
    shutil.rmtree(broken / "shard-00001")
    result = CliRunner().invoke(app, ["publish", str(broken), "--out", str(tmp_path / "b"), "--name", "x", "--no-progress"])
    assert result.exit_code == 2 and "fails verification" in result.output
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert not list(tmp_path.glob(".*tmp-*"))


@pytest.mark.parametrize("text, cls", [
    ("OFL-1.1", "permissive"), ("ofl lppl", "permissive"), ("GPL-2+FE", "permissive"),
    ("GPL-3+FontException or OFL-1.1", "permissive"), ("AGPL-3 with Font exception", "permissive"),
    ("GPL-2+", "share-alike"), ("CC-BY-SA-4.0-Int", "share-alike"), ("lppl gpl", "permissive"),
    ("other-free", "unknown"), ("", "unknown"), ("CC-BY-NC-4.0", "restricted"), ("OFL-1.1 (from text)", "permissive"),
    ("SIL Open Font License, Version 1.0", "permissive"), ("public-domain", "permissive"), ("Bitstream", "permissive"),
])
def test_license_classes(text, cls):
    assert classify(text) == cls


def test_policies():
    def allowed(text, policy):
        return classify(text) in POLICIES[policy]

    assert allowed("OFL-1.1", "strict") and not allowed("GPL-2+", "strict") and not allowed("", "strict")
    assert allowed("GPL-2+", "open") and allowed("other-free", "open") and not allowed("CC-BY-NC-4.0", "open")
    assert allowed("CC-BY-NC-4.0", "none")


def test_verify_checks_a_downloaded_release_file_by_file_and_sample_by_sample(mixed, tmp_path):
    from fontsynth.verify import verify_release

    rel = tmp_path / "rel"
    publish(PublishJob(data=mixed, out=rel, name="demo-set", show_progress=False))
    result = CliRunner().invoke(app, ["verify", str(rel), "--no-progress"])
    assert result.exit_code == 0 and "files match SHA256SUMS" in result.output and "samples in" in result.output
    (rel / "notes.txt").write_text("mine")
    shard = sorted((rel / "data").glob("shard-*"))[0] / "data.mdb"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    report = verify_release(rel, show_progress=False)
    assert [(p.shard, p.what) for p in report.problems] == [
        (f"data/{shard.parent.name}/data.mdb", "differs from SHA256SUMS or is missing"),
        (shard.parent.name, "not opened: its files differ from SHA256SUMS"),
    ]
    assert "notes.txt is not listed in SHA256SUMS" in report.notes
    result = CliRunner().invoke(app, ["verify", str(rel), "--no-progress"])
    assert result.exit_code == 1 and "differs from SHA256SUMS" in result.output


def test_a_release_opens_as_a_dataset_and_a_parquet_release_says_how_to_load_it(mixed, tmp_path):
    publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo-set", show_progress=False))
    released, original = Dataset(tmp_path / "rel"), Dataset(mixed)
    first = released[released.indices()[0]]
    assert len(released) > 0 and first["image"] == original[json.loads(first["meta"])["index"]]["image"]
    pytest.importorskip("pyarrow")
    publish(PublishJob(data=mixed, out=tmp_path / "pq", name="demo-set", format="parquet", show_progress=False))
    with pytest.raises(UserError, match="Parquet release; load it with datasets.load_dataset"):
        Dataset(tmp_path / "pq")


def test_verify_dataset_of_a_release_folder_checks_its_shards(mixed, tmp_path):
    """verify_dataset(<release>) found the shards in the wrong folder and called each missing."""
    from fontsynth.verify import verify_dataset

    publish(PublishJob(data=mixed, out=tmp_path / "rel", name="demo-set", show_progress=False))
    report = verify_dataset(tmp_path / "rel", show_progress=False)
    assert report.ok and report.samples == len(Dataset(tmp_path / "rel")) > 0
