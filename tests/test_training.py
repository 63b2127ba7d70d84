"""The shared trainer: overfitting, checkpoints, resume after a kill, schedule, data order."""

import csv
import math
import os
import signal
from dataclasses import replace

import pytest

torch = pytest.importorskip("torch")

from torch.utils.data import Dataset  # noqa: E402

from classifier.classification import ClassifierTask  # noqa: E402
from classifier.registry import create_model  # noqa: E402
from classifier.training import (  # noqa: E402
    RunFolder,
    StepBatches,
    TrainConfig,
    batch_positions,
    learning_rate,
    load_checkpoint,
    model_from_checkpoint,
    train,
    unwrap,
    uses_channels_last,
)
from fontsynth.errors import UserError  # noqa: E402

TINY = {"widths": (4, 8, 8, 8, 8), "depths": (1, 1, 1, 1, 1), "hidden": 32, "height": 32, "width": 64}


class Stripes(Dataset):
    """Class k: stripes of period k + 2 with a random phase and noise (seeded by index)."""

    def __init__(self, n: int, classes: int = 4):
        self.n, self.classes = n, classes

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        k = i % self.classes
        x = torch.arange(64) + torch.randint(0, 8, (1,), generator=g)
        row = ((x // (k + 2)) % 2).float()
        image = (row.expand(32, 64) * 0.8 + 0.2 * torch.rand(32, 64, generator=g)).unsqueeze(0)
        return {"image": image, "font": f"font{k}"}


def make(dropout=0.0, seed=0):
    torch.manual_seed(seed)
    return create_model("vgg16", **TINY, num_classes=4, dropout=dropout)


def task():
    return ClassifierTask([f"font{k}" for k in range(4)], {})


def config(**kw):
    base = dict(steps=8, batch_size=8, lr=3e-3, warmup_steps=2, val_every=4, log_every=2, checkpoint_every=3, workers=0, progress=False)
    return TrainConfig(**{**base, **kw})


def test_a_tiny_model_overfits_a_fixed_batch(tmp_path):
    data = Stripes(8)
    model = make()
    result = train(model, task(), data, data, config(steps=120, val_every=60, lr=3e-3, weight_decay=0.0), RunFolder(tmp_path), {"kind": "test"})
    assert result.last_metrics["val_top1"] == 1.0
    rows = list(csv.DictReader(open(tmp_path / "metrics.csv")))
    assert float(rows[-1]["train_loss"]) < 0.1 < float(rows[0]["train_loss"])
    assert (tmp_path / "curves.png").stat().st_size > 1000


def test_label_smoothing_spreads_each_target_over_every_class():
    class Fixed(torch.nn.Module):  # logits known by hand: log-probabilities log(0.5), log(0.25), log(0.25)
        def forward(self, images):
            return torch.log(torch.tensor([[0.5, 0.25, 0.25]]))

    batch = {"image": torch.zeros(1, 1, 4, 4), "font": ["b"]}
    for smoothing in (0.0, 0.3):
        loss, n = ClassifierTask(["a", "b", "c"], {}, smoothing).loss(Fixed(), batch, torch.device("cpu"))
        # target distribution: 1 - s on "b" plus s / 3 on each class
        expected = -((1 - smoothing + smoothing / 3) * math.log(0.25) + smoothing / 3 * (math.log(0.5) + math.log(0.25)))
        assert n == 1 and loss.item() == pytest.approx(expected, rel=1e-6)


def test_checkpoints_round_trip_to_identical_logits(tmp_path):
    data = Stripes(32)
    model = make()
    train(model, task(), data, data, config(), RunFolder(tmp_path), {"kind": "test"})
    payload = torch.load(tmp_path / "last.pt", weights_only=True)  # no code is unpickled
    assert payload["format"] == "fontsynth-checkpoint" and payload["format_version"] == 1 and payload["step"] == 8
    assert payload["tables"]["classes"] == [f"font{k}" for k in range(4)] and payload["model_config"]["hidden"] == 32
    loaded = model_from_checkpoint(load_checkpoint(tmp_path / "last.pt"))
    for (name, a), (_, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(a, b), name
    # the trainer put the weights in channels_last; in the same layout the logits are the same bits
    assert model.convs[3].weight.is_contiguous(memory_format=torch.channels_last) and not loaded.convs[3].weight.is_contiguous(memory_format=torch.channels_last)
    images = torch.stack([data[i]["image"] for i in range(6)])
    assert torch.equal(model.eval()(images), loaded.to(memory_format=torch.channels_last)(images))
    contiguous = make()
    train(contiguous, task(), data, data, config(channels_last=False), RunFolder(tmp_path / "nchw"), {"kind": "test"})
    assert not contiguous.convs[3].weight.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(contiguous.eval()(images), model_from_checkpoint(load_checkpoint(tmp_path / "nchw" / "last.pt"))(images))
    best = load_checkpoint(tmp_path)  # a run folder: best.pt
    assert "optimizer" not in best and best["best_score"] == max(r["val_top1"] for r in RunFolder(tmp_path).read_metrics() if not math.isnan(r["val_top1"]))


def test_channels_last_on_the_cpu_only_for_the_models_that_allow_it():
    import brush.model  # noqa: F401  (registers brush)

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    reader = create_model("trba", feature_channels=16, blocks=(1, 1, 1, 1), hidden=16, transformation="none")
    brush = create_model("brush", height=32, width=128, widths=(8, 16, 32), style_dim=32, d_widths=(8, 16))
    assert uses_channels_last(make(), config(), cpu) and uses_channels_last(reader, config(), cpu)
    assert not uses_channels_last(brush, config(), cpu)  # its stride-2 1x1 shortcuts hit a PyTorch CPU bug (see the docstring)
    assert uses_channels_last(brush, config(), cuda)
    assert not uses_channels_last(make(), config(channels_last=False), cpu) and not uses_channels_last(brush, config(channels_last=False), cuda)


class Killed(Exception):
    pass


@pytest.mark.parametrize("optimizer", ["adamw", "muon"])
def test_kill_and_resume_ends_with_the_weights_of_an_uninterrupted_run(tmp_path, optimizer):
    data = Stripes(40)  # 8 steps of 8 wrap around the 40 items: a second shuffled pass
    whole = make(dropout=0.3)
    c = config(optimizer=optimizer)
    train(whole, task(), data, data, c, RunFolder(tmp_path / "a"), {"kind": "test"})

    def kill_at_5(step):
        if step == 5:
            raise Killed  # as a SIGKILL: nothing saved after the step-3 checkpoint

    first = make(dropout=0.3)
    with pytest.raises(Killed):
        train(first, task(), data, data, c, RunFolder(tmp_path / "b"), {"kind": "test"}, on_step=kill_at_5)
    assert load_checkpoint(tmp_path / "b" / "last.pt")["step"] == 3
    resumed = make(dropout=0.3, seed=99)  # fresh weights: all state comes from last.pt
    result = train(resumed, task(), data, data, c, RunFolder(tmp_path / "b"), {"kind": "test"}, resume=True)
    assert result.step == 8
    for (name, a), (_, b) in zip(whole.state_dict().items(), resumed.state_dict().items()):
        assert torch.equal(a, b), name
    steps = [r["step"] for r in RunFolder(tmp_path / "b").read_metrics()]
    assert steps == sorted(set(steps)) and steps[-1] == 8  # rows logged after the checkpoint were redone, not duplicated


def test_ctrl_c_saves_the_current_step_and_resume_finishes(tmp_path):
    data = Stripes(16)

    def interrupt_at_4(step):
        if step == 4:
            os.kill(os.getpid(), signal.SIGINT)

    result = train(make(), task(), data, data, config(), RunFolder(tmp_path), {"kind": "test"}, on_step=interrupt_at_4)
    assert result.stopped_early and result.step == 5  # the signal lands after step 4's callback: step 5 finishes, then it stops
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 5
    assert train(make(), task(), data, data, config(), RunFolder(tmp_path), {"kind": "test"}, resume=True).step == 8


def test_a_signal_to_the_whole_process_group_saves_and_stops_with_loader_workers(tmp_path):
    """Ctrl-C in a terminal or a scheduler's SIGTERM reaches the loader workers too: they leave
    the signal to the trainer, which finishes its step and saves, instead of dying mid-batch and
    aborting the run with a DataLoader error."""
    data = Stripes(64)

    def signal_the_group_at_4(step):
        if step == 4:
            me = os.getpid()
            workers = [int(pid) for pid in open(f"/proc/{me}/task/{me}/children").read().split()]
            assert workers  # the loader's processes, as a group signal would reach them
            for pid in [*workers, me]:
                os.kill(pid, signal.SIGTERM)

    result = train(make(), task(), data, data, config(workers=1), RunFolder(tmp_path), {"kind": "test"}, on_step=signal_the_group_at_4)
    assert result.stopped_early and result.step == 5
    assert load_checkpoint(tmp_path / "last.pt")["step"] == 5


def test_resume_needs_a_last_checkpoint_and_a_run_folder_needs_a_checkpoint(tmp_path):
    with pytest.raises(UserError, match="last.pt does not exist"):
        train(make(), task(), Stripes(8), None, config(), RunFolder(tmp_path), {}, resume=True)
    with pytest.raises(UserError, match="holds no checkpoint"):
        load_checkpoint(tmp_path)
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(UserError, match="not a readable checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")


def test_learning_rate_warms_up_then_follows_the_cosine():
    c = TrainConfig(lr=1.0, warmup_steps=4, min_lr_ratio=0.1)
    assert [learning_rate(c, s, 0.0) for s in range(4)] == [0.25, 0.5, 0.75, 1.0]
    assert learning_rate(c, 10, 0.0) == 1.0
    assert learning_rate(c, 10, 0.5) == pytest.approx(0.1 + 0.9 * 0.5)
    assert learning_rate(c, 10, 1.0) == pytest.approx(0.1)
    assert learning_rate(c, 10, 7.0) == pytest.approx(0.1)  # past the end of a time budget


def test_the_linear_schedule_goes_straight_down_after_warmup():
    c = TrainConfig(lr=2.0, warmup_steps=2, min_lr_ratio=0.0, schedule="linear")
    assert [learning_rate(c, s, 0.0) for s in range(2)] == [1.0, 2.0]
    assert [learning_rate(c, 10, p) for p in (0.0, 0.25, 0.5, 1.0, 3.0)] == pytest.approx([2.0, 1.5, 1.0, 0.0, 0.0])
    assert learning_rate(replace(c, min_lr_ratio=0.1), 10, 0.5) == pytest.approx(2.0 * (0.1 + 0.9 * 0.5))
    with pytest.raises(ValueError, match="schedule must be cosine or linear"):
        TrainConfig(schedule="step")


def test_batches_are_a_pure_function_of_the_step_and_ranks_split_them():
    full = list(StepBatches(10, 4, seed=1, start=0, stop=6))
    assert list(StepBatches(10, 4, seed=1, start=3, stop=6)) == full[3:]  # resuming at step 3 reads the same batches
    seen = [i for b in full[:5] for i in b]  # 20 positions = two passes, each a permutation of 0..9
    assert sorted(seen[:10]) == list(range(10)) and sorted(seen[10:20]) == list(range(10)) and seen[:10] != seen[10:20]
    ranks = [list(StepBatches(10, 4, seed=1, start=0, stop=6, rank=r, world=2)) for r in range(2)]
    assert all(a + b == f for a, b, f in zip(ranks[0], ranks[1], full))
    assert list(StepBatches(5, 2, seed=0, start=0, stop=3, shuffle=False)) == [[0, 1], [2, 3], [4, 0]]
    assert batch_positions(3, 8, rank=1, world=2) == range(28, 32)


def test_bad_train_settings_are_refused():
    with pytest.raises(ValueError, match="optimizer"):
        TrainConfig(optimizer="lamb")
    with pytest.raises(ValueError, match="device"):
        TrainConfig(device="tpu")
    with pytest.raises(ValueError, match="lr must be positive"):
        TrainConfig(lr=0)
    with pytest.raises(ValueError, match="needs max_minutes"):
        TrainConfig(steps=0)


def test_a_time_budget_alone_ends_the_run_and_drops_the_presets_step_count(tmp_path):
    from classifier.runs import time_alone

    assert time_alone({}, {"max_minutes": 5}) == {"steps": 0}
    assert time_alone({"max_minutes": 5}, {}) == {"steps": 0}  # from --config
    assert time_alone({"steps": 20}, {"max_minutes": 5}) == {}  # both given: whichever comes first
    assert time_alone({"max_minutes": 5}, {"max_minutes": 0}) == {}  # the option turned the budget off
    assert time_alone({}, {}) == {}
    # steps 0: the schedule follows time and the budget ends the run, past any step count
    budget = config(steps=0, max_minutes=0.05, checkpoint_every=10_000)  # no checkpoint every 3 steps: > 8 steps even on a busy machine
    result = train(make(), task(), Stripes(16), None, budget, RunFolder(tmp_path), {"kind": "test"})
    assert result.elapsed_s >= 3.0 and result.step > 8 and not result.stopped_early
    rows = list(csv.DictReader(open(tmp_path / "metrics.csv")))
    assert float(rows[-1]["lr"]) < 0.2 * 3e-3  # the cosine reached its end with the time


def test_unwrap_finds_the_model_inside_wrappers_even_a_falsy_one():
    class Wrapper(torch.nn.Module):  # as DistributedDataParallel (.module) and torch.compile (._orig_mod)
        def __init__(self, inner, attribute):
            super().__init__()
            setattr(self, attribute, inner)

    empty = torch.nn.Sequential()  # len() == 0: falsy
    assert unwrap(Wrapper(empty, "module")) is empty  # `module or _orig_mod` would stop at the wrapper
    assert unwrap(Wrapper(Wrapper(empty, "_orig_mod"), "module")) is empty
    model = make()
    assert unwrap(model) is model


def test_autocast_bf16_on_cuda_and_on_cpus_with_native_bf16(monkeypatch):
    from classifier import training

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    for native in (True, False):
        monkeypatch.setattr(training, "native_cpu_bf16", lambda: native)
        assert training.autocast_bf16(TrainConfig(), cpu) is native  # the default: on where the CPU has it natively
        assert training.autocast_bf16(TrainConfig(cpu_bf16=False), cpu) is False
        assert training.autocast_bf16(TrainConfig(bf16=False), cpu) is False  # bf16 off is off everywhere
        assert training.autocast_bf16(TrainConfig(), cuda) is True and training.autocast_bf16(TrainConfig(cpu_bf16=False), cuda) is True
        assert training.autocast_bf16(TrainConfig(bf16=False), cuda) is False
    monkeypatch.undo()
    for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"):  # private torch API: a version without it means no
        monkeypatch.delattr(torch.cpu, name, raising=False)
    assert training.native_cpu_bf16() is False and training.autocast_bf16(TrainConfig(), cpu) is False
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True, raising=False)
    assert training.native_cpu_bf16() is True


def bf16_cases():
    """(model, task, batch) of each model, its every loss on: the step the trainer takes under bf16 autocast on CUDA."""
    import brush.model  # noqa: F401  (registers "brush")
    from brush.features import FeatureNet
    from brush.train import BrushTask, Frozen, LossConfig
    from classifier.recognizer.task import RecognizerTask

    g = torch.Generator().manual_seed(0)
    rand = lambda *shape: torch.rand(*shape, generator=g)  # noqa: E731
    trba = create_model("trba", feature_channels=32, blocks=(1, 1, 1, 1), hidden=16, charset="ab", width=64, max_length=5).eval().requires_grad_(False)
    vgg = make().eval().requires_grad_(False)
    pairs = {"image": rand(2, 3, 32, 64), "target": rand(2, 3, 32, 64), "content": rand(2, 1, 32, 64), "content-b": rand(2, 1, 32, 64),
             "mask": rand(2, 1, 32, 64), "mask-b": rand(2, 1, 32, 64), "background": rand(2, 3, 32, 64), "label-b": ["ab", "ba"]}
    everything = LossConfig(inversion=0.5, typeface=1.0, ocr=1.0, perceptual=1.0, gram=1.0)
    return {
        "classifier": (lambda: make(), task(), {"image": rand(4, 1, 32, 64), "font": ["font0", "font1", "font2", "font3"]}),
        "recognizer": (lambda: create_model("trba", **vars(trba.config)), RecognizerTask(trba.config),
                       {"image": rand(4, 1, 32, 64), "label": ["ab", "ba", "a", "bab"]}),
        "brush": (lambda: create_model("brush", height=32, width=64, widths=(8, 16), style_dim=16, d_widths=(8, 16), background=True),
                  BrushTask(everything, Frozen(classifier=vgg, recognizer=trba, features=FeatureNet(vgg, "tiny"))), pairs),
    }


@pytest.mark.parametrize("name", ["classifier", "recognizer", "brush"])
def test_each_models_training_step_runs_under_bf16_autocast_close_to_float32(name):
    """CUDA runs, and CPU runs where the CPU has native bf16, train under bf16 autocast; this runs
    the CPU's autocast whatever the CPU (dtype mixes, float32 islands such as the LSTMs and the losses)."""
    from classifier.training import make_optimizer, optimise_step, task_parts

    build, task_, batch = bf16_cases()[name]
    losses = {}
    for bf16 in (False, True):
        torch.manual_seed(0)
        model = build()
        parts = task_parts(task_, model)
        optimizers = {k: make_optimizer(p, TrainConfig(lr=1e-3)) for k, p in parts.items()}
        torch.manual_seed(1)  # the same inversion and draws in both runs
        for step in (0, 1):  # the second step runs on updated weights
            done = optimise_step(task_, model, parts, parts, optimizers, batch, torch.device("cpu"), step, bf16, 1.0)
            losses[bf16] = {**losses.get(bf16, {}), **{(k, step): float(loss) for k, (loss, _) in done.items()}}
        assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in model.parameters())
    assert losses[True].keys() == losses[False].keys()
    for part, loss in losses[False].items():
        assert math.isfinite(losses[True][part]) and losses[True][part] == pytest.approx(loss, rel=0.05, abs=1e-3), part


def test_a_torchrun_process_destroys_the_group_it_made_however_training_ends(tmp_path, monkeypatch):
    """A rank that exits with gloo's threads alive may abort at exit; the trainer destroys the
    process group it made, after a finished run and after an error. (Torchrun's environment says
    two processes; the group made is a real gloo group of this one process.)"""
    dist = torch.distributed
    real_init = dist.init_process_group
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "0")
    made = []

    def init_alone(backend):
        made.append(backend)
        real_init(backend, init_method=f"file://{tmp_path / f'store{len(made)}'}", rank=0, world_size=1)

    monkeypatch.setattr(dist, "init_process_group", init_alone)
    data = Stripes(16)
    with pytest.raises(UserError, match="multiple of the 2"):
        train(make(), task(), data, None, config(batch_size=3), RunFolder(tmp_path / "bad"), {"kind": "test"})
    assert made == ["gloo"] and not dist.is_initialized()
    result = train(make(), task(), data, None, config(steps=2, batch_size=4), RunFolder(tmp_path / "run"), {"kind": "test"})
    assert result.step == 2 and made == ["gloo", "gloo"] and not dist.is_initialized()


@pytest.mark.parametrize("name", ["adamw", "sgd"])
def test_the_optimizer_is_fused_and_a_state_saved_unfused_resumes_unfused(name):
    """New runs step every parameter in one fused kernel; an optimizer state saved before (no
    `fused` flag) loads as it was saved, and the two implementations make the same update."""
    from classifier.training import make_optimizer

    config = TrainConfig(optimizer=name, lr=1e-2, weight_decay=0.1)
    fused_model, plain_model = make(seed=3), make(seed=3)
    fused = make_optimizer(fused_model, config)
    assert all(group["fused"] for group in fused.param_groups)
    old = torch.optim.SGD if name == "sgd" else torch.optim.AdamW  # what make_optimizer built before: no fused argument
    groups = [{k: v for k, v in group.items() if k != "fused"} for group in make_optimizer(plain_model, config).param_groups]
    saved = old(groups, lr=1e-2).state_dict()
    plain = make_optimizer(plain_model, config)
    plain.load_state_dict(saved)
    assert not any(group["fused"] for group in plain.param_groups)
    before = [p.detach().clone() for p in fused_model.parameters()]
    for model, optimizer in ((fused_model, fused), (plain_model, plain)):
        for group in optimizer.param_groups:
            group["lr"] = 1e-2
        for _ in range(2):
            optimizer.zero_grad()
            model(torch.rand(4, 1, 32, 64, generator=torch.Generator().manual_seed(5))).square().mean().backward()
            optimizer.step()
    moved = [not torch.equal(a, p) for a, p in zip(before, fused_model.parameters())]
    assert sum(moved) > len(moved) // 2
    for a, b in zip(fused_model.parameters(), plain_model.parameters()):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)


def test_a_tasks_lr_scale_multiplies_the_schedule(tmp_path):
    """A task may scale the schedule's learning rate by step (brush's second warmup): the lr
    logged is the schedule's times the task's factor."""
    class Halved(type(task())):
        def lr_scale(self, step):
            return 0.5 if step >= 4 else 1.0

    c = config(log_every=1)
    train(make(), Halved(["a", "b", "c", "d"], {}), Stripes(16), None, c, RunFolder(tmp_path), {"kind": "test"})
    logged = [r["lr"] for r in RunFolder(tmp_path).read_metrics()]
    expected = [learning_rate(c, s, s / c.steps) * (0.5 if s >= 4 else 1.0) for s in range(c.steps)]
    assert [float(v) for v in logged] == pytest.approx(expected, rel=1e-5)  # metrics.csv keeps 6 digits


def test_a_checkpoint_that_cannot_be_written_keeps_the_last_one_and_is_one_error_line(tmp_path, monkeypatch):
    """On a full disk torch.save fails part way with a RuntimeError ("unexpected pos"): the
    previous checkpoint stays whole, no .tmp is left, and the error names the file and what to do."""
    from classifier.training import save_checkpoint
    from fontsynth.errors import WriteError

    path = tmp_path / "last.pt"
    save_checkpoint(path, {"step": 1})
    real_save = torch.save

    def full_disk(obj, f):
        real_save({"step": 2, "padding": torch.zeros(1000)}, f)
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 331904 vs 331800")

    monkeypatch.setattr(torch, "save", full_disk)
    with pytest.raises(WriteError, match=r"cannot write .*last\.pt \(.*unexpected pos.*free on its disk\).*--resume"):
        save_checkpoint(path, {"step": 2})
    monkeypatch.undo()
    assert torch.load(path, weights_only=True) == {"step": 1} and sorted(p.name for p in tmp_path.iterdir()) == ["last.pt"]
