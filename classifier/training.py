"""The one training loop every model uses (typeface classifier, recognizer, brush).

A model, a `Task` (its loss and its validation) and a data source plug into `train()`:

    run = RunFolder(out)
    train(model, task, train_data, val_data, TrainConfig(...), run, resume=False)

A model trained in parts (brush: generator and discriminator) gives `task.parts(model)`, one
optimizer each, and `task.losses(parts, batch, device, step)` yields (part, loss, images) in
order; each loss steps its part's optimizer before the next is computed (a GAN's D step, then
its G step against the updated D). A task whose loss is a weighted sum names its terms
(`task.term_names`) and leaves each step's weighted values in `task.terms` ({name: detached
scalar}): metrics.csv logs them as `<name>_term`, so a run shows which term dominates. Phases
(brush's content autoencoder first) are the task's choice of loss at `step`, not another loop.
`task.after_step(model, step)` (an EMA update) and `task.snapshot(model, folder, step)` (sample
grids at each validation) are optional hooks.

What it provides:
- A run folder: `config.json` (everything that defines the run), `metrics.csv` (one row per
  log step, validation columns filled at validation steps), `curves.png` redrawn at each
  validation, `last.pt` and `best.pt`.
- Checkpoints: `state_dict` + the model's registry name and JSON config + the task's tables
  (class table, charset) + format version, readable with `torch.load(weights_only=True)`.
  `last.pt` also holds the optimizer, the step, the elapsed time and the RNG state.
- Resume after a kill: from `last.pt`, the same step count and the same data order (batch k is
  a pure function of (seed, k)), so a resumed CPU run ends with the weights of an
  uninterrupted one. Ctrl-C or SIGTERM finishes the current step, saves `last.pt` and stops.
- AdamW, SGD or Muon, linear warmup then a cosine or linear decay (over `steps`, or over the time budget when
  `max_minutes` ends the run first; `steps` 0 lets time alone end it), gradient clipping,
  channels_last weights (on CUDA, and on the CPU for the models that declare
  `cpu_channels_last`), bf16 autocast on CUDA and on CPUs with native bf16 (AVX512-BF16 or AMX:
  1.3-1.5 times the steps of float32 in ten-minute runs there, BENCHMARKS.md), optional
  `torch.compile`, periodic validation, a progress bar with rate and ETA.
- `torchrun --nproc-per-node N`: DistributedDataParallel; `batch_size` is the global batch,
  each rank takes its own slice of every batch's indices; rank 0 validates and writes.
"""

from __future__ import annotations

import csv
import json
import math
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Sampler

from fontsynth.errors import UserError, WriteError, write_failed
from fontsynth.fileio import atomic_write_bytes

CHECKPOINT_FORMAT = "fontsynth-checkpoint"
CHECKPOINT_VERSION = 1
TRAIN_COLUMNS = ("step", "elapsed_s", "lr", "train_loss", "img_per_s")
UNLIMITED_STEPS = 2**62  # the step bound of a run that only its time budget ends (steps 0)


def uses_channels_last(model: nn.Module, config: TrainConfig, device: torch.device) -> bool:
    """Whether the trainer puts `model`'s weights in channels_last: with `config.channels_last`, on
    CUDA always, on the CPU only for models whose class sets `cpu_channels_last` (the typeface
    classifier and the recognizer, whose steps it speeds up there: BENCHMARKS.md). Not brush: PyTorch 2.14's CPU
    backward of a stride-2 1x1 convolution over fewer than 16 channels in channels_last corrupts
    the heap (a segfault or `free(): invalid next size`), and brush's encoder shortcuts are such
    convolutions."""
    return config.channels_last and (device.type == "cuda" or getattr(model, "cpu_channels_last", False))


def native_cpu_bf16() -> bool:
    """Whether this CPU computes in bf16 natively (AVX512-BF16 or AMX tiles), so bf16 autocast
    speeds its convolutions up; elsewhere oneDNN emulates bf16 and it would slow them down."""
    checks = (getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported"))  # private: absent in some versions
    return any(bool(check()) for check in checks if check is not None)


def autocast_bf16(config: TrainConfig, device: torch.device) -> bool:
    """Whether the trainer computes under bf16 autocast on `device`: on CUDA with `config.bf16`;
    on the CPU with `config.bf16` and `config.cpu_bf16`, where the CPU has native bf16."""
    if not config.bf16:
        return False
    return device.type == "cuda" or (device.type == "cpu" and config.cpu_bf16 and native_cpu_bf16())


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 10_000  # optimizer steps (the schedule's length); 0: no step limit, max_minutes ends the run
    max_minutes: float = 0.0  # stop after this much training time in all (0: no limit); the schedule then follows time
    batch_size: int = 64  # global: split over torchrun ranks
    lr: float = 1e-3
    optimizer: str = "adamw"  # adamw, sgd, or muon (Muon for hidden layers' weights, AdamW for the rest: classifier.muon)
    weight_decay: float = 0.05
    betas: tuple[float, ...] = (0.9, 0.999)  # adamw (GANs: (0.5, 0.99) or (0.0, 0.99))
    momentum: float = 0.9  # sgd's and muon's (Nesterov)
    muon_adamw_lr: float = 1.0  # with muon: the learning rate of its AdamW groups (input layer, head, biases, norms) as a multiple of lr
    warmup_steps: int = 200
    min_lr_ratio: float = 0.01  # the decay ends at lr * min_lr_ratio
    schedule: str = "cosine"  # the decay after warmup: cosine, or linear (straight down to lr * min_lr_ratio)
    grad_clip: float = 5.0  # max gradient norm; 0: off
    val_every: int = 500
    log_every: int = 20
    checkpoint_every: int = 500
    seed: int = 0
    device: str = "auto"  # auto, cpu, cuda
    workers: int = 2  # DataLoader processes
    bf16: bool = True  # autocast in bf16 on CUDA (and on the CPU, see cpu_bf16)
    cpu_bf16: bool = True  # with bf16: autocast on CPUs with native bf16 too (autocast_bf16); runs saved before it resume without
    channels_last: bool = True  # the model's weights in channels_last: on CUDA, and on the CPU where the model allows (uses_channels_last)
    compile: bool = False  # torch.compile the model
    progress: bool = True

    def __post_init__(self):
        if self.steps < 0 or self.batch_size < 1:
            raise ValueError(f"steps must be at least 0 and batch_size at least 1 (got {self.steps}, {self.batch_size})")
        if self.steps == 0 and self.max_minutes <= 0:
            raise ValueError("steps 0 (no step limit) needs max_minutes: a run must end somewhere")
        if self.optimizer not in ("adamw", "sgd", "muon"):
            raise ValueError(f"optimizer must be adamw, sgd or muon, got {self.optimizer!r}")
        if self.schedule not in ("cosine", "linear"):
            raise ValueError(f"schedule must be cosine or linear, got {self.schedule!r}")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be auto, cpu or cuda, got {self.device!r}")
        if not (self.lr > 0 and self.muon_adamw_lr > 0 and self.max_minutes >= 0 and self.workers >= 0 and self.grad_clip >= 0
                and 0 <= self.min_lr_ratio <= 1):
            raise ValueError("lr and muon_adamw_lr must be positive; max_minutes, workers and grad_clip non-negative; min_lr_ratio in [0, 1]")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ValueError(f"betas must be two numbers in [0, 1), got {self.betas}")
        if min(self.val_every, self.log_every, self.checkpoint_every) < 1 or self.warmup_steps < 0:
            raise ValueError("val_every, log_every and checkpoint_every must be at least 1, warmup_steps at least 0")


class Task(Protocol):
    """What a model brings to the trainer."""

    score: str  # the validation metric that picks best.pt (higher is better)
    metric_names: tuple[str, ...]  # validation metrics, in the order of metrics.csv

    def loss(self, model: nn.Module, batch: dict, device: torch.device) -> tuple[torch.Tensor, int]:
        """(scalar loss, number of images in the batch)."""

    def validate(self, model: nn.Module, loader: DataLoader, device: torch.device) -> dict[str, float]:
        """Validation metrics (all of metric_names) over `loader`; the model is in eval mode."""

    def tables(self) -> dict:
        """What a checkpoint needs besides weights and config (class table, charset), as JSON types."""


def task_parts(task: Task, model: nn.Module) -> dict[str, nn.Module]:
    """The separately optimised parts of `model` ({"model": model} unless the task names parts)."""
    return task.parts(model) if hasattr(task, "parts") else {"model": model}


def lr_scale(task: Task, step: int) -> float:
    """The task's own factor on the schedule's learning rate at `step` (1 unless the task has
    `lr_scale`: brush warms up again when its joint objective starts)."""
    return task.lr_scale(step) if hasattr(task, "lr_scale") else 1.0


def step_losses(task: Task, parts: dict[str, nn.Module], batch: dict, device: torch.device, step: int) -> Iterator[tuple[str, torch.Tensor, int]]:
    """(part, loss, images) in the order the parts are stepped."""
    if hasattr(task, "losses"):
        yield from task.losses(parts, batch, device, step)
    else:
        loss, images = task.loss(parts["model"], batch, device)
        yield "model", loss, images


# ---------------------------------------------------------------- schedule and data order


def learning_rate(config: TrainConfig, step: int, progress: float) -> float:
    """Linear warmup over `warmup_steps`, then `config.schedule` (cosine or linear) from lr to
    lr * min_lr_ratio as `progress` goes 0 -> 1."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    progress = min(max(progress, 0.0), 1.0)
    left = 0.5 * (1 + math.cos(math.pi * progress)) if config.schedule == "cosine" else 1 - progress
    return config.lr * (config.min_lr_ratio + (1 - config.min_lr_ratio) * left)


def batch_positions(step: int, batch_size: int, rank: int = 0, world: int = 1) -> range:
    """Positions in the endless sample stream that rank `rank` reads at `step`."""
    per_rank = batch_size // world
    first = step * batch_size + rank * per_rank
    return range(first, first + per_rank)


class StepBatches(Sampler):
    """Batches for steps start..stop-1: batch k is a pure function of (seed, k), whatever was read
    before, so a resumed run reads what an uninterrupted one would. With `shuffle`, each pass
    over the n items is a permutation seeded by (seed, pass); without it (on-the-fly rendering,
    where every index is a new sample), items are read in order and wrap around."""

    def __init__(self, n: int, batch_size: int, seed: int, start: int, stop: int, shuffle: bool = True, rank: int = 0, world: int = 1):
        self.n, self.batch_size, self.seed, self.start, self.stop = n, batch_size, seed, start, stop
        self.shuffle, self.rank, self.world = shuffle, rank, world
        self._epoch, self._perm = -1, None

    def __len__(self) -> int:
        return max(0, self.stop - self.start)

    def _item(self, position: int) -> int:
        epoch, within = divmod(position, self.n)
        if not self.shuffle:
            return within
        if epoch != self._epoch:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
            self._epoch, self._perm = epoch, torch.randperm(self.n, generator=g)
        return int(self._perm[within])

    def __iter__(self) -> Iterator[list[int]]:
        for step in range(self.start, self.stop):
            yield [self._item(p) for p in batch_positions(step, self.batch_size, self.rank, self.world)]


# ---------------------------------------------------------------- run folder and checkpoints


class RunFolder:
    """config.json, metrics.csv, curves.png, last.pt, best.pt in one folder that can be moved."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def last(self) -> Path:
        return self.path / "last.pt"

    @property
    def best(self) -> Path:
        return self.path / "best.pt"

    @property
    def metrics(self) -> Path:
        return self.path / "metrics.csv"

    def write_config(self, config: dict) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path / "config.json", json.dumps(config, indent=2, sort_keys=True).encode() + b"\n")

    def read_config(self) -> dict:
        try:
            return json.loads((self.path / "config.json").read_text())
        except (OSError, ValueError) as e:
            raise UserError(f"{self.path} is not a run folder ({e}); train into it first") from None

    def read_metrics(self) -> list[dict[str, float]]:
        if not self.metrics.exists():
            return []
        with open(self.metrics, newline="") as f:
            return [{k: float(v) if v != "" else float("nan") for k, v in row.items()} for row in csv.DictReader(f)]

    def write_metrics(self, rows: list[dict[str, float]], columns: list[str]) -> None:
        tmp = self.metrics.with_suffix(".tmp")
        with open(tmp, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _fmt(row.get(k)) for k in columns})
        tmp.replace(self.metrics)


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def save_checkpoint(path: Path, payload: dict) -> None:
    """`payload` as `path`, whole or not at all. A write that fails (a full disk: torch reports it
    as a RuntimeError, "unexpected pos") leaves the previous checkpoint, no temporary file, and
    one error line naming the file and the space left."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        torch.save(payload, tmp)
        tmp.replace(path)
    except (OSError, RuntimeError) as e:
        tmp.unlink(missing_ok=True)
        raise WriteError(f"{write_failed(path, e)}; then rerun with --resume to go on from the last checkpoint saved (if any)") from None


def folder_checkpoint(folder: Path) -> Path | None:
    """The checkpoint a run folder is read by: best.pt (chosen by validation), else last.pt; None if neither."""
    return next((p for p in (folder / "best.pt", folder / "last.pt") if p.exists()), None)


def checkpoint_file(path: str | Path) -> Path:
    """The checkpoint a run folder is read by (best.pt, else last.pt), or the file given."""
    path = Path(path)
    if path.is_dir():
        found = folder_checkpoint(path)
        if found is None:
            raise UserError(f"{path} holds no checkpoint (best.pt or last.pt); train into it first or pass another run folder")
        path = found
    return path


def scored_weights(path: str | Path, payload: dict) -> dict:
    """What an evaluation report says of the weights it scored: the checkpoint file (a run folder
    is read by best.pt, which validation chose) and its training step."""
    return {"checkpoint": str(checkpoint_file(path)), "step": payload.get("step")}


def load_checkpoint(path: str | Path) -> dict:
    """A checkpoint written by `train` (weights_only: no code is unpickled)."""
    path = checkpoint_file(path)
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise UserError(f"no checkpoint at {path}; pass a run folder or a .pt file written by training") from None
    except Exception as e:  # a damaged or foreign file: torch raises many types
        raise UserError(f"{path} is not a readable checkpoint ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})") from None
    if not is_checkpoint(payload):
        raise UserError(f"{path} is not a fontsynth checkpoint; pass a run folder written by fontsynth training")
    return checked_version(payload, path)


def is_checkpoint(payload) -> bool:
    return isinstance(payload, dict) and payload.get("format") == CHECKPOINT_FORMAT


def checked_version(payload: dict, path: str | Path) -> dict:
    """A checkpoint's payload, refused when a newer fontsynth wrote it."""
    if payload.get("format_version", 0) > CHECKPOINT_VERSION:
        raise UserError(f"{path} was written by a newer fontsynth (checkpoint format {payload['format_version']}); upgrade fontsynth")
    return payload


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside DistributedDataParallel and torch.compile wrappers."""
    while True:
        inner = getattr(model, "module", None)
        inner = inner if inner is not None else getattr(model, "_orig_mod", None)
        if inner is None:  # explicit None checks: a module with __len__ (Sequential) may be falsy
            return model
        model = inner


def model_from_checkpoint(payload: dict, source: str | Path = "the checkpoint") -> nn.Module:
    """The model a checkpoint holds, in eval mode on the CPU (`source` names it in errors)."""
    from classifier.registry import build_model, saved_config

    config = saved_config(payload["model"], payload["model_config"], source=f"checkpoint model config ({payload['model']})")
    model = build_model(payload["model"], config)
    load_weights(model, payload, source)
    return model.eval()


def load_weights(model: nn.Module, payload: dict, source: str | Path) -> None:
    """The checkpoint's weights into `model`; weights that do not fit (a checkpoint written by
    an older version of the model's code) are one clear error, not PyTorch's traceback."""
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as e:
        detail = " ".join(str(e).split())
        detail = detail if len(detail) <= 200 else detail[:200] + "..."
        raise UserError(f"{source}: the weights do not fit this version's {payload.get('model')!r} model ({detail}); "
                        f"it was written by an older fontsynth: train it again, or use the version that wrote it") from None


# ---------------------------------------------------------------- the loop


@dataclass
class RunResult:
    step: int
    elapsed_s: float
    best_score: float
    last_metrics: dict[str, float] = field(default_factory=dict)
    stopped_early: bool = False  # interrupted (Ctrl-C, SIGTERM): last.pt holds the state to resume from


@dataclass
class Distributed:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def distributed_from_env() -> Distributed:
    """The torchrun rank, if any (WORLD_SIZE > 1)."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Distributed()
    return Distributed(rank=int(os.environ["RANK"]), world=world, local_rank=int(os.environ.get("LOCAL_RANK", "0")))


def pick_device(name: str, dist: Distributed = Distributed()) -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for but torch sees no CUDA GPU; use --device cpu (or auto)")
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda", dist.local_rank)


def seed_everything(seed: int) -> None:
    torch.manual_seed(seed)


def leave_stop_signals_to_the_trainer(_worker_id: int) -> None:
    """In a loader worker: ignore SIGINT and SIGTERM. Ctrl-C in a terminal and a scheduler's
    SIGTERM reach every process of the group; a worker killed mid-batch made the trainer abort
    with a DataLoader error instead of finishing its step and saving. The trainer stops on the
    signal and shuts its workers down (they also leave when it dies)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


class _StopRequest:
    """SIGINT / SIGTERM set a flag the loop checks after each step; a second Ctrl-C stops at once."""

    def __init__(self):
        self.requested = False
        self._old: dict[int, Any] = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread: no handlers
                pass
        return self

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def optimise_step(task: Task, model: nn.Module, parts: dict[str, nn.Module], targets: dict[str, nn.Module],
                  optimizers: dict[str, torch.optim.Optimizer], batch: dict, device: torch.device, step: int, bf16: bool,
                  grad_clip: float) -> dict[str, tuple[torch.Tensor, int]]:
    """One training step: each part's loss (computed under autocast when `bf16`) steps that
    part's optimizer, in the task's order; then the task's `after_step`. `targets` are the parts
    as called (wrapped for DDP or compiled), `parts` the modules themselves. Returns {part:
    (detached loss, images)}."""
    done: dict[str, tuple[torch.Tensor, int]] = {}
    losses = step_losses(task, targets, batch, device, step)
    while True:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            item = next(losses, None)
        if item is None:
            break
        name, loss, images = item
        optimizers[name].zero_grad(set_to_none=True)
        loss.backward()
        if grad_clip:
            nn.utils.clip_grad_norm_(parts[name].parameters(), grad_clip)
        optimizers[name].step()
        done[name] = (loss.detach().float(), images)
    if hasattr(task, "after_step"):
        task.after_step(model, step)
    return done


def set_learning_rate(optimizers: Iterable[torch.optim.Optimizer], lr: float) -> None:
    """Every parameter group's learning rate for this step: `lr`, times the group's `lr_scale`
    where it has one (Muon's AdamW groups: `muon_adamw_lr`)."""
    for optimizer in optimizers:
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """AdamW, SGD or Muon (`classifier.muon`); no weight decay on biases and normalisation
    weights (1-D parameters).

    The fused implementation (one kernel for every parameter) where the parameters allow it:
    on the 2-core CPU the AdamW step of `small` takes 1.0 ms instead of 3.5 (BENCHMARKS.md). A
    resumed run keeps the implementation it was saved with (the flag travels in the optimizer's
    state)."""
    decay = [p for p in model.parameters() if p.requires_grad and p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.ndim <= 1]
    params = decay + no_decay
    if config.optimizer == "muon":
        from classifier.muon import Muon, muon_groups

        devices = {p.device for p in params}
        return Muon(muon_groups(decay, no_decay, config.weight_decay, config.muon_adamw_lr), lr=config.lr, betas=tuple(config.betas), momentum=config.momentum,
                    bf16=len(devices) == 1 and autocast_bf16(config, devices.pop()))  # bf16 where the step computes in it
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    fused = bool(params) and all(p.device.type in ("cpu", "cuda") and p.is_floating_point() for p in params)
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum, nesterov=True, fused=fused or None)
    return torch.optim.AdamW(groups, lr=config.lr, betas=tuple(config.betas), fused=fused or None)


def _rng_state(device: torch.device) -> dict:
    state = {"torch": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda"] = torch.cuda.get_rng_state(device)
    return state


def _set_rng_state(state: dict, device: torch.device) -> None:
    torch.set_rng_state(state["torch"])
    if device.type == "cuda" and "cuda" in state:
        torch.cuda.set_rng_state(state["cuda"], device)


def train(model: nn.Module, task: Task, train_data: Dataset, val_data: Dataset | None, config: TrainConfig, run: RunFolder,
          run_config: dict, resume: bool = False, shuffle: bool = True, on_step: Callable[[int], None] | None = None) -> RunResult:
    """Train `model` on `train_data`; see the module docstring. `run_config` is written as
    config.json (with `train` = `config`). `on_step(step)` is called after every step (tests
    use it to simulate a kill).

    Under torchrun the process group is made here and destroyed when training ends, however it
    ends: a process that exits with gloo's threads still running may abort at exit ("terminate
    called without an active exception"), failing a run that had finished."""
    dist = distributed_from_env()
    device = pick_device(config.device, dist)
    owns_group = dist.world > 1 and not torch.distributed.is_initialized()
    if owns_group:
        torch.distributed.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        return _train(model, task, train_data, val_data, config, run, run_config, resume, shuffle, on_step, dist, device)
    finally:
        if owns_group and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()


def _train(model: nn.Module, task: Task, train_data: Dataset, val_data: Dataset | None, config: TrainConfig, run: RunFolder,
           run_config: dict, resume: bool, shuffle: bool, on_step: Callable[[int], None] | None, dist: Distributed,
           device: torch.device) -> RunResult:
    if config.batch_size % dist.world:
        raise UserError(f"--batch-size {config.batch_size} must be a multiple of the {dist.world} torchrun processes")
    if len(train_data) == 0:
        raise UserError("the training data is empty")
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.set_device(device)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True

    bf16 = autocast_bf16(config, device)
    model.to(device)
    if uses_channels_last(model, config, device):
        model.to(memory_format=torch.channels_last)
    parts = task_parts(task, model)
    optimizers = {name: make_optimizer(part, config) for name, part in parts.items()}
    step, elapsed_before, best = 0, 0.0, -math.inf
    rows: list[dict[str, float]] = []
    part_columns = [f"{name}_loss" for name in parts] if len(parts) > 1 else []
    term_columns = [f"{name}_term" for name in getattr(task, "term_names", ())]
    columns = [*TRAIN_COLUMNS, *part_columns, *term_columns, *task.metric_names]
    if resume:
        if not run.last.exists():
            raise UserError(f"--resume: {run.last} does not exist; start the run without --resume")
        payload = load_checkpoint(run.last)
        load_weights(model, payload, run.last)
        states = payload.get("optimizers") or {"model": payload["optimizer"]}
        for name, optimizer in optimizers.items():
            optimizer.load_state_dict(states[name])
        step, elapsed_before, best = payload["step"], payload["elapsed_s"], payload["best_score"]
        _set_rng_state(payload["rng"], device)
        rows = [r for r in run.read_metrics() if r["step"] <= step]  # rows logged after the checkpoint are redone
    elif dist.main:
        run.write_config({**run_config, "train": asdict(config)})
    if dist.main:
        run.write_metrics(rows, columns)

    def wrapped(part: nn.Module) -> nn.Module:
        if config.compile:
            part = torch.compile(part)
        if dist.world > 1:
            from torch.nn.parallel import DistributedDataParallel

            part = DistributedDataParallel(part, device_ids=[device.index] if cuda else None)
        return part

    targets = {name: wrapped(part) for name, part in parts.items()}

    def loader_for(data: Dataset, sampler: Sampler) -> DataLoader:
        return DataLoader(data, batch_sampler=sampler, num_workers=config.workers, pin_memory=cuda,
                          prefetch_factor=4 if config.workers else None, persistent_workers=False,
                          generator=torch.Generator().manual_seed(config.seed), worker_init_fn=leave_stop_signals_to_the_trainer)

    last_step = config.steps or UNLIMITED_STEPS
    batches = StepBatches(len(train_data), config.batch_size, config.seed, step, last_step, shuffle, dist.rank, dist.world)
    val_loader = None
    if val_data is not None and len(val_data) and dist.main:
        n_val = len(val_data)
        val_steps = math.ceil(n_val / config.batch_size)
        val_loader = loader_for(val_data, [list(range(k * config.batch_size, min(n_val, (k + 1) * config.batch_size))) for k in range(val_steps)])

    budget = config.max_minutes * 60
    start_time = time.perf_counter()
    window_loss, window_images, window_start = {name: 0.0 for name in parts}, 0, time.perf_counter()
    window_terms: dict[str, list] = {}  # term -> [weighted sum, images] over the steps that had it
    last_metrics: dict[str, float] = {}
    stopped = False

    def elapsed() -> float:
        return elapsed_before + time.perf_counter() - start_time

    def checkpoint(path: Path, with_optimizer: bool) -> None:
        payload = {
            "format": CHECKPOINT_FORMAT, "format_version": CHECKPOINT_VERSION,
            "model": getattr(model, "name", type(model).__name__),
            "model_config": asdict(model.config), "tables": task.tables(), "run": run_config,
            "state_dict": model.state_dict(), "step": step, "elapsed_s": elapsed(), "best_score": best,
            "metrics": last_metrics,
        }
        if with_optimizer:
            payload |= {"optimizers": {name: opt.state_dict() for name, opt in optimizers.items()}, "rng": _rng_state(device)}
        save_checkpoint(path, payload)

    def validate_now() -> None:
        nonlocal best, last_metrics
        model.eval()
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
            last_metrics = task.validate(model, val_loader, device)
        model.train()
        rows[-1].update(last_metrics)
        if last_metrics[task.score] > best:
            best = last_metrics[task.score]
            checkpoint(run.best, with_optimizer=False)
        if hasattr(task, "snapshot"):
            task.snapshot(model, run.path, step)
        from classifier.plots import write_curves

        write_curves(rows, run.path / "curves.png")

    from fontsynth.progress import progress_bar

    model.train()
    with _StopRequest() as stop, progress_bar("train", config.steps or 1, "steps", enabled=config.progress and dist.main, done=step) as advance:
        for batch in loader_for(train_data, batches):
            lr = learning_rate(config, step, max(step / last_step, elapsed() / budget if budget else 0.0)) * lr_scale(task, step)
            set_learning_rate(optimizers.values(), lr)
            stepped = optimise_step(task, model, parts, targets, optimizers, batch, device, step, bf16, config.grad_clip)
            for name, (loss, images) in stepped.items():
                window_loss[name] = window_loss[name] + loss * images  # stays on the device: no sync per step
            step += 1
            images = next(iter(stepped.values()))[1]
            window_images += images
            for name, value in getattr(task, "terms", {}).items():
                total = window_terms.setdefault(name, [0.0, 0])
                total[0], total[1] = total[0] + value * images, total[1] + images
            advance(1, total=None if config.steps else max(step, round(step * budget / max(elapsed(), 1e-9))))
            out_of_time, interrupted = _agree((bool(budget) and elapsed() >= budget, stop.requested), dist, device)
            final = step >= last_step or out_of_time or interrupted
            log_now = final or any(step % every == 0 for every in (config.log_every, config.val_every, config.checkpoint_every))
            if dist.main and log_now:
                now = time.perf_counter()
                per_part = {f"{name}_loss": float(total) / max(window_images, 1) for name, total in window_loss.items()}
                per_term = {f"{name}_term": float(total) / max(count, 1) for name, (total, count) in window_terms.items()}
                rows.append({"step": step, "elapsed_s": round(elapsed(), 2), "lr": lr, "train_loss": sum(per_part.values()),
                             "img_per_s": window_images * dist.world / max(now - window_start, 1e-9), **per_part, **per_term})
                window_loss, window_images, window_start, window_terms = {name: 0.0 for name in parts}, 0, now, {}
                if val_loader is not None and not interrupted and (step % config.val_every == 0 or final):
                    validate_now()
                run.write_metrics(rows, columns)
                if step % config.checkpoint_every == 0 or final:
                    checkpoint(run.last, with_optimizer=True)
            if on_step is not None:
                on_step(step)
            if final:
                stopped = interrupted
                break
    if dist.main and rows:
        from classifier.plots import write_curves

        write_curves(rows, run.path / "curves.png")
    if dist.world > 1:
        torch.distributed.barrier()
    return RunResult(step=step, elapsed_s=elapsed(), best_score=best, last_metrics=last_metrics, stopped_early=stopped)


def _agree(flags: tuple[bool, ...], dist: Distributed, device: torch.device) -> tuple[bool, ...]:
    """Rank 0's flags on every rank (a time budget or a stop request ends all ranks at the same step)."""
    if dist.world == 1:
        return flags
    value = torch.tensor([int(f) for f in flags], device=device)
    torch.distributed.broadcast(value, src=0)
    return tuple(bool(v) for v in value.tolist())
