"""Classifier metrics against hand-computed examples."""

import pytest

torch = pytest.importorskip("torch")

from classifier.evaluate import confused_pairs, nearest_neighbour_accuracy, per_class_accuracy, topk_accuracy  # noqa: E402


def test_topk_by_hand():
    logits = torch.tensor([
        [0.9, 0.5, 0.1, 0.0],  # target 0: top-1
        [0.1, 0.2, 0.9, 0.3],  # target 1: second... no: order 2, 3, 1 -> third
        [0.3, 0.9, 0.2, 0.1],  # target 0: second
        [0.0, 0.0, 0.0, 1.0],  # target -1: a font outside the class table, left out
    ])
    targets = torch.tensor([0, 1, 0, -1])
    acc = topk_accuracy(logits, targets, (1, 2, 3, 9))
    assert acc == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3), 3: 1.0, 9: 1.0}
    assert all(v != v for v in topk_accuracy(logits, torch.full((4,), -1), (1,)).values())  # nothing known: NaN


def test_nearest_neighbour_by_hand():
    emb = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9], [0.6, 0.8], [5.0, 0.2]])
    labels = ["a", "a", "b", "b", "b", "c"]
    # item 0 -> 5 (cosine 0.999, label c): wrong; 1 -> 5: wrong; 2 -> 3: right; 3 -> 2: right;
    # 4 -> 3 (cosine 0.86; 0.80 to item 2): right; item 5 is the only "c" and is not counted
    accuracy, n = nearest_neighbour_accuracy(emb, labels)
    assert (accuracy, n) == (pytest.approx(3 / 5), 5)
    assert nearest_neighbour_accuracy(emb[:2], ["x", "y"]) == (pytest.approx(float("nan"), nan_ok=True), 0)


def test_nearest_neighbour_in_blocks_equals_the_whole_matrix_and_reports_each_block():
    """2,500 items (three blocks of at most 1,024): the same answer as one full similarity
    matrix, and the progress callback told of every counted item with the total."""
    g = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 40, (2500,), generator=g)
    emb = torch.nn.functional.one_hot(labels, 40).float() + torch.randn(2500, 40, generator=g) * 0.25
    labels = labels.tolist()
    labels[7] = 99  # a label seen once: not counted
    x = torch.nn.functional.normalize(emb, dim=1)
    sim = x @ x.T
    sim.fill_diagonal_(-float("inf"))
    nearest = sim.argmax(dim=1).tolist()
    counted = [i for i in range(2500) if i != 7]
    expected = sum(labels[nearest[i]] == labels[i] for i in counted) / len(counted)
    calls = []
    accuracy, n = nearest_neighbour_accuracy(emb, labels, lambda k, total=None: calls.append((k, total)))
    assert (accuracy, n) == (pytest.approx(expected), 2499) and 0.3 < expected < 0.99
    assert [k for k, _ in calls] == [1024, 1024, 451] and {t for _, t in calls} == {2499}


def test_per_class_and_confusions_by_hand():
    predictions = torch.tensor([0, 1, 1, 2, 1, 0, 2])
    targets = torch.tensor([0, 0, 1, 1, 0, -1, 2])
    items, correct = per_class_accuracy(predictions, targets, 3)
    assert items == [3, 2, 1] and correct == [1, 1, 1]
    assert confused_pairs(predictions, targets) == [(0, 1, 2), (1, 2, 1)]


def _record(text="x", **style) -> str:
    import json

    return json.dumps({"index": 0, "text": text, "style": {"font": "f", **style}})


def test_style_slices_of_a_plain_style_and_of_one_with_effects():
    from fontsynth.style import Style, style_slices

    plain = style_slices(Style(font="f").to_dict())
    assert {v for k, v in plain.items() if k not in ("background", "font_size", "polarity")} == {"off"}
    assert (plain["background"], plain["font_size"], plain["polarity"]) == ("flat", "32", "dark on light")
    busy = style_slices(Style(font="f", stroke_width=2, perspective=[0.0] * 7 + [0.1], motion_blur=[3.0, 10.0], jpeg_quality=40,
                              invert=True, bg_kind="texture", distractors=[[0, 0.2, 0.0, 1]]).to_dict())
    assert [k for k, v in busy.items() if v == "on"] == ["stroke", "perspective", "motion_blur", "jpeg", "distractors"]
    assert (busy["background"], busy["polarity"]) == ("texture", "light on dark")
    assert style_slices({"font": "f", "a_later_field": 1}) == plain  # records of a newer version still slice


def test_accuracy_by_slice_by_hand():
    from classifier.slices import accuracy_by_slice, hardest

    records = [_record(font_size=8, blur=0.5), _record("abcdefghij", font_size=24), _record("Oct 3, 1958", font_size=24, blur=1.0),
               _record(font_size=8)]
    by = accuracy_by_slice(records, [False, True, False, True])
    assert by["length"] == {"1-3": {"n": 2, "accuracy": 0.5}, "10-14": {"n": 2, "accuracy": 0.5}}
    assert by["words"] == {"1": {"n": 3, "accuracy": 2 / 3}, "3+": {"n": 1, "accuracy": 0.0}}  # "Oct 3, 1958": three
    assert by["blur"] == {"off": {"n": 2, "accuracy": 1.0}, "on": {"n": 2, "accuracy": 0.0}}
    assert list(by["font_size"]) == ["8", "24"]  # by number, not as text
    assert by["font_size"]["8"] == {"n": 2, "accuracy": 0.5} and by["stroke"] == {"off": {"n": 4, "accuracy": 0.5}}
    assert hardest(by, top=1) == [("blur", "on", {"n": 2, "accuracy": 0.0})]
    assert hardest(by, min_items=3)[0][2]["n"] == 4  # values of fewer items are left out
    with pytest.raises(ValueError, match="3 records for 4 results"):
        accuracy_by_slice(records[:3], [True] * 4)


def test_write_slices_writes_the_csv_and_a_bar_chart(tmp_path):
    from PIL import Image

    from classifier.slices import accuracy_by_slice, write_slices

    by = accuracy_by_slice([_record(stroke_width=1), _record()], [False, True])
    write_slices(by, 0.5, tmp_path, "top-1", column="top1")
    lines = (tmp_path / "effects.csv").read_text().splitlines()
    assert lines[0] == "slice,value,n,top1" and "stroke,on,1,0.0000" in lines and "stroke,off,1,1.0000" in lines
    assert len(lines) == 1 + sum(len(values) for values in by.values())
    with Image.open(tmp_path / "effects.png") as image:
        assert image.height > 16 * (len(lines) - 1)


def test_means_by_slice_of_several_metrics_by_hand(tmp_path):
    from classifier.slices import describe_hardest, means_by_slice, write_slices

    records = [_record("ab", blur=1.0), _record("abcd"), _record("abcdefghijk", blur=0.5)]
    by = means_by_slice(records, {"psnr": [10.0, None, 20.0], "rec": [True, False, True]})
    assert by["blur"] == {"off": {"n": 1, "psnr": None, "rec": 0.0}, "on": {"n": 2, "psnr": 15.0, "rec": 1.0}}
    assert by["length"]["10-14"] == {"n": 1, "psnr": 20.0, "rec": 1.0}
    assert describe_hardest(by, 3, key="psnr", percent=False) == "length 1-3 10.00 (n=1), background flat 15.00 (n=3), blur on 15.00 (n=2)"
    with pytest.raises(ValueError, match="rec"):
        means_by_slice(records, {"psnr": [1.0, 2.0, 3.0], "rec": [True]})
    write_slices(by, None, tmp_path, "recognition", key=None)  # the CSV of every metric, no chart
    lines = (tmp_path / "effects.csv").read_text().splitlines()
    assert lines[0] == "slice,value,n,psnr,rec" and "blur,off,1,,0.0000" in lines and "blur,on,2,15.0000,1.0000" in lines
    assert not (tmp_path / "effects.png").exists()


def test_curve_groups_keep_each_scale_on_a_chart_of_its_own(tmp_path):
    from PIL import Image

    from classifier.plots import curve_groups, write_curves

    nan = float("nan")
    rows = [{"step": 10, "elapsed_s": 1.0, "lr": 1e-3, "train_loss": 3.0, "generator_loss": 2.5, "target_term": 2.0, "ink_term": 0.5,
             "val_psnr": nan, "val_mse": nan, "val_box_iou": nan, "val_text_contrast": nan, "val_loss": nan},
            {"step": 20, "elapsed_s": 2.0, "lr": 5e-4, "train_loss": 2.0, "generator_loss": 1.5, "target_term": 1.0, "ink_term": 0.5,
             "val_psnr": 18.5, "val_mse": 0.016, "val_box_iou": 0.58, "val_text_contrast": -0.2, "val_loss": 1.7}]
    assert curve_groups(rows) == {"lr": ["lr"], "loss": ["train_loss", "generator_loss", "val_loss"], "weighted loss terms": ["target_term", "ink_term"],
                                  "val_psnr": ["val_psnr"], "validation": ["val_mse", "val_box_iou", "val_text_contrast"]}
    write_curves(rows, tmp_path / "curves.png")
    with Image.open(tmp_path / "curves.png") as sheet:  # five charts, two per row
        assert sheet.size == (2 * 420, 3 * 260)


def test_words_bucket_counts_space_separated_words():
    from classifier.slices import words_bucket

    assert [words_bucket(t) for t in ["x", "Jan8,", "two words", " padded  pair ", "Oct 3, 1958", "a b c d"]] == ["1", "1", "2", "2", "3+", "3+"]
