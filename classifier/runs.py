"""Starting or resuming a training run, the same way for every model.

Settings come in layers: the preset's, then `--config FILE` ({"model": {...}, "train": {...},
"data": {...}} and the sections a model adds, such as brush's "losses"; unknown keys refused),
then the command line's options. A model plugs in
through a `TrainerSpec`: its kind, registry name, presets, the dataset fields it reads, and
`prepare`, which fits the model config to the data (class table, charset) and builds the task.
`--resume` reuses the run's saved settings; only `RESUMABLE` train settings may change."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from classifier.data import Crops, DataConfig, Sources, open_sources
from classifier.registry import config_from_dict, create_model, entry, saved_config
from classifier.training import RunFolder, RunResult, Task, TrainConfig, seed_everything, train
from fontsynth.errors import UserError, refuse_file

TRAIN_LEGACY = {"cpu_bf16": False, "schedule": "cosine"}  # train settings added since runs were saved: the value a run saved before them used
RESUMABLE = ("steps", "max_minutes", "workers", "device", "progress")  # what a --resume may change


@dataclass(frozen=True)
class TrainRequest:
    """What a train command asks for (None / empty: not given on the command line)."""

    out: Path
    preset: str
    data: dict | None = None  # DataConfig fields given on the command line
    train: dict | None = None  # TrainConfig fields given on the command line
    config_file: Path | None = None
    resume: bool = False
    options: dict = field(default_factory=dict)  # model-specific options (JSON types), saved with the run


@dataclass
class Prepared:
    model_config: Any
    task: Task
    train_data: Dataset
    summary: dict  # written into config.json
    after_build: Callable | None = None  # model -> None, e.g. loading --init weights
    wrap: Callable[[Dataset], Dataset] | None = None  # applied to the training and validation data (brush's contents in the style's font)


@dataclass(frozen=True)
class TrainerSpec:
    kind: str  # "typeface-classifier", "recognizer"
    model: str  # registry name
    presets: dict[str, dict[str, dict]]
    fields: tuple[str, ...]
    prepare: Callable[[Any, Sources, dict, bool], Prepared]  # (model config, sources, options, resuming)
    sections: dict[str, type] = field(default_factory=dict)  # more config sections (dataclass per name), given to prepare in options
    val_fields: tuple[str, ...] = ()  # what validation reads besides `fields` (training never loads them)
    model_fields: Callable[[Any], tuple[str, ...]] | None = None  # model config -> what training also reads for it (brush's background branch)
    optional_fields: tuple[str, ...] = ()  # what training reads where the data holds it (brush: text A's content, which MOSTEL's layout lacks); `prepare` sees `Sources.fields`
    canvas: Callable[[Any], tuple[tuple[int, int], str | None]] | None = None  # model config -> (the canvas data are prepared on,
    # the on-the-fly render's default --size, None: that canvas); default: the model's height x width (own-width training differs)
    val_canvas: Callable[[Any], tuple[int, int]] | None = None  # model config -> the canvas --val-data is prepared on (default: the
    # training canvas); the recognizer's is eval's, so that validation's figures are what eval reports
    crop: Callable[[Any], Crops] | None = None  # model config -> how training and validation read words wider than the canvas
    # (the classifier's windows; default: squeezed)
    data_fonts: Callable[[Any], bool] | None = None  # model config -> whether --fonts may come with --data (where the data's
    # fonts are now: brush's contents in the style's font); default: never
    legacy: dict[str, dict] = field(default_factory=dict)  # per section: settings added since runs were saved, each with the
    # value a run saved before it used (today's default may differ), so that --resume goes on as the run began

    def __post_init__(self):
        for name, values in self.legacy.items():
            known = {f.name for f in fields(self.sections[name])} if name in self.sections else set()
            unknown = sorted(set(values) - known)
            if unknown:
                raise ValueError(f"{self.kind}: legacy values for {', '.join(unknown)}, not settings of a section {name!r}")


def read_config_file(path: str | Path | None, sections: tuple[str, ...] = ("model", "train", "data")) -> dict[str, dict]:
    """--config FILE: {"model": {...}, "train": {...}, "data": {...}}; anything else refused."""
    if path is None:
        return {}
    try:
        values = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"cannot read --config {path} ({e}); pass a JSON file like {{\"train\": {{\"lr\": 0.001}}}}") from None
    if not isinstance(values, dict) or any(not isinstance(v, dict) for v in values.values()):
        raise UserError(f"--config {path} must be a JSON object of sections ({', '.join(sections)}), each an object of settings")
    unknown = sorted(set(values) - set(sections))
    if unknown:
        raise UserError(f"--config {path}: unknown section(s) {', '.join(unknown)}; known: {', '.join(sections)}")
    return values


def layered(config_type, *layers: tuple[dict, str]):
    """config_type's defaults with each (values, source) layer applied in order."""
    config = config_type()
    for values, source in layers:
        config = config_from_dict(config_type, values, base=config, source=source)
    return config


def time_alone(*given: dict) -> dict:
    """{"steps": 0} (no step limit, past the preset's) when the user's train settings, lowest
    precedence first (--config, then options), give a time budget and no step count; else {}."""
    budgets = [g["max_minutes"] for g in given if "max_minutes" in g]
    timed = bool(budgets) and budgets[-1] > 0 and not any("steps" in g for g in given)
    return {"steps": 0} if timed else {}


def saved_sections(spec: TrainerSpec, saved: dict) -> dict:
    """The model's own config sections (brush's "losses") as a run folder saved them; a setting
    the saved section lacks takes its legacy value, else today's default."""
    return {name: config_from_dict(kind, {**spec.legacy.get(name, {}), **saved.get(name, {})}, source=f"saved {name} config")
            for name, kind in spec.sections.items()}


def start_run(spec: TrainerSpec, request: TrainRequest, on_step=None) -> RunResult:
    run = RunFolder(request.out)
    given_train = dict(request.train or {})
    model_type = entry(spec.model).config_type
    if request.resume:
        saved = run.read_config()
        if saved.get("kind") != spec.kind:
            raise UserError(f"{run.path} is not a {spec.kind} run; resume it with its own command")
        changed = sorted(k for k in given_train if k not in RESUMABLE and given_train[k] != saved["train"].get(k))
        if changed or request.data or request.config_file or request.options:
            raise UserError(f"--resume continues {run.path} with its saved settings; only {', '.join(RESUMABLE)} may change "
                            f"(got {', '.join(changed) or 'data, --config or model options'})")
        model_config = saved_config(spec.model, saved["model_config"], source="saved model config")
        data_config = config_from_dict(DataConfig, saved["data"], source="saved data config")
        train_config = config_from_dict(TrainConfig, {**TRAIN_LEGACY, **saved["train"], **given_train}, source="resumed train config")
        options, preset = saved.get("options", {}), saved.get("preset")
        extra = saved_sections(spec, saved)
    else:
        refuse_file(run.path)
        if run.last.exists():
            raise UserError(f"{run.path} already holds a run; continue it with --resume or choose another --out")
        if request.preset not in spec.presets:
            raise UserError(f"unknown preset {request.preset!r}; choose one of: {', '.join(spec.presets)}")
        p = spec.presets[request.preset]
        file = read_config_file(request.config_file, ("model", "train", "data", *spec.sections))
        src = f"--config {request.config_file}"
        data_config = layered(DataConfig, (p.get("data", {}), f"preset {request.preset}"), (file.get("data", {}), f"{src}: data"),
                              (request.data or {}, "option"))
        train_config = layered(TrainConfig, (p.get("train", {}), f"preset {request.preset}"), (file.get("train", {}), f"{src}: train"),
                               (given_train, "option"), (time_alone(file.get("train", {}), given_train), "a time budget without steps"))
        model_config = layered(model_type, (p.get("model", {}), f"preset {request.preset}"), (file.get("model", {}), f"{src}: model"))
        options, preset = request.options, request.preset
        extra = {name: layered(kind, (p.get(name, {}), f"preset {request.preset}"), (file.get(name, {}), f"{src}: {name}"))
                 for name, kind in spec.sections.items()}
    fields = (*spec.fields, *(spec.model_fields(model_config) if spec.model_fields else ()))
    canvas, render_size = spec.canvas(model_config) if spec.canvas else ((model_config.height, model_config.width), None)
    val_canvas = spec.val_canvas(model_config) if spec.val_canvas else None
    crop = spec.crop(model_config) if spec.crop else Crops()
    sources = open_sources(data_config, fields, canvas, model_config.in_channels, spec.val_fields, render_size, val_canvas,
                           spec.optional_fields, crop, bool(spec.data_fonts and spec.data_fonts(model_config)))
    for role, dataset in (("training data", sources.train), ("validation data", sources.val)):
        if hasattr(dataset, "describe"):  # a dataset on disk (the on-the-fly stream says what it draws as it starts)
            print(f"{role}: {dataset.describe()}")
    prepared = spec.prepare(model_config, sources, {**options, **extra}, request.resume)
    run_config = {"kind": spec.kind, "model": spec.model, "preset": preset, "model_config": asdict(prepared.model_config),
                  "data": asdict(data_config), "options": options, **{k: asdict(v) for k, v in extra.items()}, **prepared.summary}
    seed_everything(train_config.seed)
    model = create_model(spec.model, **asdict(prepared.model_config))
    if prepared.after_build is not None and not request.resume:
        prepared.after_build(model)
    train_data, val_data = prepared.train_data, sources.val
    if prepared.wrap is not None:
        train_data, val_data = prepared.wrap(train_data), (prepared.wrap(val_data) if val_data is not None else None)
    return train(model, prepared.task, train_data, val_data, train_config, run, run_config, resume=request.resume,
                 shuffle=sources.shuffle, on_step=on_step)
