"""Muon (classifier.muon): the orthogonalisation by hand, which parameters it steps, its update
against a hand-computed one, AdamW for the rest as torch's AdamW, and a model it trains."""

import io
import math

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from classifier.muon import NEWTON_SCHULZ, Muon, newton_schulz_on_gram, orthogonalise  # noqa: E402
from classifier.registry import create_model  # noqa: E402
from classifier.training import TrainConfig, make_optimizer  # noqa: E402


@pytest.mark.parametrize("shape", [(8, 8), (16, 144), (144, 16), (64, 2000)])
def test_orthogonalise_keeps_the_singular_vectors_and_brings_the_values_near_one(shape):
    g = torch.Generator().manual_seed(sum(shape))
    m = torch.randn(*shape, generator=g) @ torch.diag(torch.logspace(0, 2, shape[1]))  # singular values over about two decades
    o = orthogonalise(m)
    assert o.shape == m.shape and o.dtype == torch.float32
    u, s, vh = torch.linalg.svd(m, full_matrices=False)
    inside = u.T @ o @ vh.T  # diagonal when o has m's singular vectors
    diagonal = torch.diagonal(inside)
    assert torch.allclose(inside, torch.diag(diagonal), atol=2e-3)
    big = s >= s[0] / 30  # five steps lift every value above a thirtieth of the largest into [0.6, 1.25]
    assert diagonal[big].min() > 0.6 and diagonal.max() < 1.25
    assert torch.allclose(orthogonalise(m, dtype=torch.bfloat16).float(), o, atol=0.05)


@pytest.mark.parametrize("shape", [(16, 144), (64, 2000), (3, 9)])
def test_the_gram_form_is_the_iteration_on_the_full_matrix(shape):
    """Five steps x <- a x + (b G + c G^2) x with G = x x^T, by hand on the n x m matrix, equal
    the iteration carried on the n x n Gram matrix."""
    g = torch.Generator().manual_seed(shape[1])
    x = torch.randn(*shape, generator=g) @ torch.diag(torch.logspace(0, 2, shape[1]))
    x = x / x.norm()
    a, b, c = NEWTON_SCHULZ
    full = x.double()
    for _ in range(5):
        gram = full @ full.T
        full = a * full + (b * gram + c * gram @ gram) @ full
    assert torch.allclose(newton_schulz_on_gram(x, 5).double(), full, atol=2e-5)
    assert not torch.allclose(newton_schulz_on_gram(x, 4).double(), full, atol=1e-2)  # the steps count
    # wide and tall matrices take it (a tall one transposed); each matches the float64 iteration closer in bf16 than before
    assert torch.allclose(orthogonalise(x), full.float(), atol=2e-5) and torch.allclose(orthogonalise(x.T), full.float().T, atol=2e-5)
    assert (orthogonalise(x, dtype=torch.bfloat16).double() - full).abs().max() < 0.03


def test_a_nearly_low_rank_momentum_stays_bounded_in_bf16():
    """Early momenta are nearly low-rank: their Gram matrix, rounded to bf16, would have negative
    eigenvalues that the Gram form multiplies by about 3.4 a step (singular values in the
    thousands); computed in float32 it keeps every singular value at most about 1."""
    g = torch.Generator().manual_seed(0)
    m = torch.randn(32, 2, generator=g) @ torch.randn(2, 256, generator=g) + 1e-4 * torch.randn(32, 256, generator=g)
    values = torch.linalg.svdvals(orthogonalise(m, dtype=torch.bfloat16).float())
    assert values.max() < 1.25 and values[:2].min() > 0.6


def test_muon_steps_the_hidden_weights_and_adamw_the_rest(monkeypatch):
    torch.manual_seed(0)
    model = create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=16, height=32, width=64, num_classes=3)
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon", lr=0.01, weight_decay=0.1))
    hidden, other, flat = optimizer.param_groups
    names = {id(p): n for n, p in model.named_parameters()}
    assert [names[id(p)] for p in other["params"]] == ["convs.0.weight", "classifier.6.weight"]  # the input layer and the head
    assert [names[id(p)] for p in hidden["params"]][:2] == ["convs.3.weight", "convs.6.weight"] and hidden["muon"]
    assert all(p.ndim == 1 for p in flat["params"]) and flat["weight_decay"] == 0 and not other["muon"]
    assert hidden["weight_decay"] == other["weight_decay"] == 0.1 and isinstance(optimizer, Muon)
    assert len(hidden["params"]) + len(other["params"]) + len(flat["params"]) == len(list(model.parameters()))
    import classifier.training as training

    monkeypatch.setattr(training, "native_cpu_bf16", lambda: True)  # the orthogonalisation computes as the step does
    assert all(g["bf16"] for g in make_optimizer(model, TrainConfig(optimizer="muon")).param_groups)
    assert not any(g["bf16"] for g in make_optimizer(model, TrainConfig(optimizer="muon", cpu_bf16=False)).param_groups)


def test_muons_adamw_groups_step_at_their_share_of_the_learning_rate():
    """`muon_adamw_lr` scales the AdamW groups' rate, which the trainer sets every step; the
    Muon group keeps the full rate, and a state saved without the setting steps as before."""
    from classifier.training import set_learning_rate

    model = create_model("vgg16", widths=(4, 8, 8, 8, 8), depths=(1, 1, 1, 1, 1), hidden=16, height=32, width=64, num_classes=3)
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon", lr=0.01, muon_adamw_lr=0.125))
    set_learning_rate([optimizer], 0.004)
    assert [g["lr"] for g in optimizer.param_groups] == [0.004, 0.0005, 0.0005]
    head = model.classifier[6].weight
    head.grad = torch.ones_like(head)
    before = head.detach().clone()
    optimizer.step()  # AdamW's first step moves each weight by its lr (the gradient's sign)
    assert torch.allclose(before - head.detach(), torch.full_like(head, 0.0005), rtol=1e-3)
    old = make_optimizer(model, TrainConfig(optimizer="muon", lr=0.01))
    state = old.state_dict()
    for group in state["param_groups"]:
        group.pop("lr_scale", None)  # as runs saved before the setting hold it
    old.load_state_dict(state)
    set_learning_rate([old], 0.004)
    assert [g["lr"] for g in old.param_groups] == [0.004] * 3
    with pytest.raises(ValueError, match="muon_adamw_lr must be positive"):
        TrainConfig(muon_adamw_lr=0)


@pytest.mark.parametrize("channels", [(6, 10), (2, 20)])  # filters as a wide matrix (10 x 54) and a tall one (20 x 18)
def test_one_muon_step_by_hand(channels):
    """Nesterov momentum (first step: the gradient times 1 + momentum), orthogonalised, scaled to
    AdamW's RMS (0.2 sqrt(max(rows, cols))), with decoupled weight decay."""
    torch.manual_seed(1)
    conv = nn.Conv2d(*channels, 3)
    w0 = conv.weight.detach().clone()
    grad = torch.randn_like(w0)
    conv.weight.grad = grad.clone()
    optimizer = Muon([{"params": [conv.weight], "muon": True, "weight_decay": 0.5}], lr=0.01, momentum=0.9)
    optimizer.step()
    rows, cols = channels[1], channels[0] * 9
    update = orthogonalise(grad.reshape(rows, cols) * 1.9).reshape(w0.shape)
    expected = w0 * (1 - 0.01 * 0.5) - 0.01 * 0.2 * math.sqrt(max(rows, cols)) * update
    assert torch.allclose(conv.weight.detach(), expected, atol=1e-6)
    assert torch.allclose(optimizer.state[conv.weight]["momentum_buffer"], grad)


def test_the_other_parameters_step_as_torchs_adamw():
    torch.manual_seed(2)
    a, b = nn.Linear(5, 3), nn.Linear(5, 3)
    b.load_state_dict(a.state_dict())
    ours = Muon([{"params": list(a.parameters()), "muon": False, "weight_decay": 0.1}], lr=0.01, betas=(0.8, 0.99))
    theirs = torch.optim.AdamW(b.parameters(), lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)
    for k in range(3):
        x = torch.randn(4, 5, generator=torch.Generator().manual_seed(k))
        for model, optimizer in ((a, ours), (b, theirs)):
            optimizer.zero_grad()
            model(x).square().sum().backward()
            optimizer.step()
    for p, q in zip(a.parameters(), b.parameters()):
        assert torch.allclose(p, q, atol=1e-6)


def test_muon_trains_a_small_classifier_and_its_state_round_trips():
    """Eight classes of random images, 30 steps: the loss falls well below chance's; a state
    saved and loaded into a fresh optimizer continues exactly as the original."""
    g = torch.Generator().manual_seed(3)
    x, y = torch.rand(64, 1, 32, 64, generator=g), torch.arange(64) % 8
    torch.manual_seed(3)
    model = create_model("vgg16", widths=(8, 8, 16, 16, 16), depths=(1, 1, 1, 1, 1), hidden=32, height=32, width=64, num_classes=8,
                         dropout=0.0, batch_norm=True)
    optimizer = make_optimizer(model, TrainConfig(optimizer="muon", lr=0.01, weight_decay=0.0))

    def step(model, optimizer):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    losses = [step(model, optimizer) for _ in range(30)]
    assert losses[-1] < 0.3 * math.log(8) < losses[0]
    twin = create_model("vgg16", widths=(8, 8, 16, 16, 16), depths=(1, 1, 1, 1, 1), hidden=32, height=32, width=64, num_classes=8,
                        dropout=0.0, batch_norm=True)
    twin.load_state_dict(model.state_dict())
    twin_optimizer = make_optimizer(twin, TrainConfig(optimizer="muon", lr=0.01, weight_decay=0.0))
    saved = io.BytesIO()
    torch.save(optimizer.state_dict(), saved)  # as last.pt holds it
    twin_optimizer.load_state_dict(torch.load(io.BytesIO(saved.getvalue()), weights_only=True))
    step(model, optimizer), step(twin, twin_optimizer)
    for p, q in zip(model.parameters(), twin.parameters()):
        assert torch.equal(p, q)
