"""One small registry for every model: `create_model(name, **overrides)`, `list_models()`.

A model is registered with its dataclass config. `create_model` builds the config from the
defaults plus overrides (unknown keys refused, values checked by the config's own
`__post_init__`), and the model keeps it as `model.config`, so a checkpoint can store
`config_to_dict(model.config)` and rebuild the same model with no flags re-typed.

Registered models follow one contract: `forward(images) -> logits` (or the model's output),
`model.config` the dataclass that built it, and `model.name` its registry name.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass

from fontsynth.errors import UserError


@dataclass(frozen=True)
class Entry:
    name: str
    config_type: type
    build: Callable  # config -> nn.Module
    summary: str
    legacy: dict = dataclasses.field(default_factory=dict)  # fields added later: the value a config saved before them meant
    removed: dict = dataclasses.field(default_factory=dict)  # fields removed since: the value today's model still means


_MODELS: dict[str, Entry] = {}


def register(name: str, config_type: type, summary: str = "", legacy: dict | None = None, removed: dict | None = None):
    """Decorator: `@register("vgg16", VGGConfig)` on a function or class taking the config.
    `legacy`: for each config field added after models were saved, the value that reproduces
    what those models did; `removed`: for each field since removed, the value with which a saved
    config still means today's model (see `saved_config`)."""

    def wrap(build: Callable) -> Callable:
        if name in _MODELS:
            raise ValueError(f"model {name!r} is registered twice")
        fields = {f.name for f in dataclasses.fields(config_type)}
        unknown, still_there = sorted(set(legacy or {}) - fields), sorted(set(removed or {}) & fields)
        if unknown or still_there:
            raise ValueError(f"model {name!r}: legacy values for unknown field(s) {', '.join(unknown) or '-'}; "
                             f"removed fields still in the config: {', '.join(still_there) or '-'}")
        _MODELS[name] = Entry(name, config_type, build, summary or (build.__doc__ or "").strip().split("\n")[0], dict(legacy or {}),
                              dict(removed or {}))
        return build

    return wrap


def _load_builtin_models() -> None:
    # The modules that register themselves; imported on first use so `import classifier.registry` stays light.
    import classifier.recognizer.model  # noqa: F401
    import classifier.typeface  # noqa: F401


def list_models() -> list[str]:
    _load_builtin_models()
    return sorted(_MODELS)


def entry(name: str) -> Entry:
    _load_builtin_models()
    if name not in _MODELS:
        raise UserError(f"unknown model {name!r}; known models: {', '.join(sorted(_MODELS))}")
    return _MODELS[name]


def make_config(name: str, **overrides):
    """The default config of `name` with `overrides` applied (unknown keys refused)."""
    return config_from_dict(entry(name).config_type, overrides, base=entry(name).config_type())


def create_model(name: str, **overrides):
    """Build model `name` from its default config plus `overrides`."""
    config = make_config(name, **overrides)
    return build_model(name, config)


def build_model(name: str, config):
    model = entry(name).build(config)
    model.config = config
    model.name = name
    return model


def saved_config(name: str, values: dict, source: str = "saved config"):
    """The config of model `name` as a checkpoint or run folder saved it. A field the saved
    dict lacks was added since: it takes its legacy value (what the saved model did), not
    today's default, so older runs still load and mean what they meant. A field since removed is
    dropped when it holds the value today's model means; with another value the saved model
    cannot be rebuilt, and that is one error naming the field."""
    spec = entry(name)
    gone = {key: value for key, value in values.items() if key in spec.removed}
    for key, value in gone.items():
        if value != spec.removed[key]:
            raise UserError(f"{source}: {key} = {value!r}, an option since removed from model {name!r}; "
                            f"load it with the fontsynth version that trained it")
    kept = {key: value for key, value in values.items() if key not in gone}
    return config_from_dict(spec.config_type, {**spec.legacy, **kept}, source=source)


def config_to_dict(config) -> dict:
    """A config as plain JSON types (tuples become lists)."""
    return dataclasses.asdict(config)


def config_from_dict(config_type: type, values: dict, base=None, source: str = "config"):
    """`config_type` from `base` (or the defaults) with `values` applied; unknown keys and wrong
    types are one UserError naming the key."""
    base = base if base is not None else config_type()
    known = {f.name: f for f in dataclasses.fields(config_type)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise UserError(f"{source}: unknown key(s) {', '.join(unknown)}; known keys: {', '.join(sorted(known))}")
    hints = typing.get_type_hints(config_type)
    changes = {key: _coerce(value, hints[key], f"{source}: {key}") for key, value in values.items()}
    try:
        return dataclasses.replace(base, **changes)
    except (TypeError, ValueError) as e:
        raise UserError(f"{source}: {e}") from None


def _coerce(value, hint, where: str):
    """JSON value -> the field's type (lists to tuples, ints to floats); anything else refused."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return _coerce(value, args[0], where)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise UserError(f"{where} must be a list, got {value!r}")
        args = typing.get_args(hint)
        item = args[0] if args else object
        return tuple(_coerce(v, item, where) for v in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise UserError(f"{where} must be true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise UserError(f"{where} must be a whole number, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UserError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise UserError(f"{where} must be a string, got {value!r}")
        return value
    return value
