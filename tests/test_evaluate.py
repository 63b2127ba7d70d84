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


def test_per_class_and_confusions_by_hand():
    predictions = torch.tensor([0, 1, 1, 2, 1, 0, 2])
    targets = torch.tensor([0, 0, 1, 1, 0, -1, 2])
    items, correct = per_class_accuracy(predictions, targets, 3)
    assert items == [3, 2, 1] and correct == [1, 1, 1]
    assert confused_pairs(predictions, targets) == [(0, 1, 2), (1, 2, 1)]
