"""Where every trainer's samples come from: rendered shards (`--data`, `--val-data`) or the
same samples rendered on the fly in loader workers (`--fonts ... --on-the-fly`).

On the fly, the first `val_samples` indices of the stream are held out for validation (unless
`--val-data` is given) and training reads indices from `val_samples` on, in order: every index
is a new sample, so nothing repeats until the stream wraps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from torch.utils.data import Dataset, Subset

from fontsynth.errors import UserError

STREAM_LENGTH = 10**12  # on-the-fly stream: indices are cheap, so effectively endless


@dataclass(frozen=True)
class DataConfig:
    data: str | None = None  # rendered dataset folder (or release)
    val_data: str | None = None
    fonts: str | None = None  # fonts folder, catalog or pack, with on_the_fly
    on_the_fly: bool = False
    render_preset: str = "default"
    render_config: str | None = None
    size: str | None = None  # render's --size (on the fly), e.g. "64x256"
    split: str | None = None  # render only this held-out split of the fonts (on the fly)
    corpus: str | None = None  # render's --corpus (on the fly)
    words: str | None = None  # render's --words (on the fly)
    val_samples: int = 2_000  # held-out indices of the stream (on the fly, without val_data)
    seed: int = 0  # render seed of the stream (on the fly)

    def __post_init__(self):
        if self.val_samples < 0:
            raise ValueError(f"val_samples must be at least 0, got {self.val_samples}")


@dataclass
class Sources:
    train: Dataset
    val: Dataset | None
    classes: list[str]  # the training data's class table (class id = position)
    charset: str
    font_names: dict[str, dict[str, str]]
    shuffle: bool  # shards: shuffled passes; on the fly: in order (every index is new)

    @property
    def on_the_fly(self) -> bool:
        return not self.shuffle


def open_sources(config: DataConfig, fields: Sequence[str], canvas: tuple[int, int], channels: int,
                 val_fields: Sequence[str] = (), render_size: str | None = None, val_canvas: tuple[int, int] | None = None) -> Sources:
    """The training and validation datasets a DataConfig names (errors name the option to fix);
    validation items also hold `val_fields` (what only validation reads, say a pair's background).
    On the fly, samples are rendered at `config.size`, else `render_size`, else the canvas.
    `--val-data` is prepared on `val_canvas` when given (the held-out stream indices, drawn as
    training draws, on the canvas)."""
    from fontsynth.torchdata import RenderDataset

    val_item_fields = tuple(dict.fromkeys((*fields, *val_fields)))

    if config.on_the_fly:
        if not config.fonts:
            raise UserError("--on-the-fly needs --fonts (a fonts folder, catalog.json or .pack)")
        from fontsynth.shards import IMAGE_FIELDS

        pair_fields = (set(IMAGE_FIELDS) - {"image"}) | {"label-b", "meta-b"}
        recipe = "pairs" if pair_fields & set(fields) else "words"
        def stream_of(chosen: Sequence[str]) -> RenderDataset:  # one stream: the same samples whatever the fields
            return RenderDataset(config.fonts, n=STREAM_LENGTH, seed=config.seed, preset=config.render_preset, config=config.render_config,
                                 recipe=recipe, size=config.size or render_size or f"{canvas[0]}x{canvas[1]}", split=config.split, canvas=canvas,
                                 fields=chosen, channels=channels, corpus=config.corpus, words=config.words)
        stream = stream_of(fields)
        held_out = 0 if config.val_data else config.val_samples
        train = Subset(stream, range(held_out, STREAM_LENGTH))
        val = open_dataset(config.val_data, val_item_fields, val_canvas or canvas, channels, "--val-data") if config.val_data else (
            Subset(stream_of(val_item_fields) if val_item_fields != tuple(fields) else stream, range(held_out)) if held_out else None)
        return Sources(train, val, stream.classes, stream.charset, stream.font_names, shuffle=False)
    if not config.data:
        raise UserError("no training data: pass --data DIR (a `fontsynth render` output) or --fonts FONTS --on-the-fly")
    if config.fonts:
        raise UserError("--fonts is for --on-the-fly rendering; with --data the fonts are the dataset's")
    if config.corpus or config.words:
        raise UserError(f"--{'corpus' if config.corpus else 'words'} is for --on-the-fly rendering; with --data the texts are the dataset's")
    train = open_dataset(config.data, fields, canvas, channels, "--data")
    val = open_dataset(config.val_data, val_item_fields, val_canvas or canvas, channels, "--val-data") if config.val_data else None
    names = dict(train.font_names)
    if val is not None:
        names.update({k: v for k, v in val.font_names.items() if k not in names})
    return Sources(train, val, train.classes, train.charset, names, shuffle=True)


def open_dataset(path: str, fields: Sequence[str], canvas: tuple[int, int], channels: int, option: str, optional: Sequence[str] = ()):
    """The dataset at `path`: a ShardDataset of a rendered dataset (with the `optional` fields
    it stores), or an ExternalDataset of DTRB-layout LMDBs or a labels file (`fontsynth.external`:
    images and their texts, for the recognizer; a labels file's texts may name fonts, for
    `eval-classifier`). Errors name the command-line `option` that gave `path`."""
    from fontsynth.external import is_external
    from fontsynth.shards import MANIFEST_FILE
    from fontsynth.torchdata import ExternalDataset, ShardDataset

    root = Path(path)
    if not root.exists():
        raise UserError(f"{option} {root} does not exist; render it with `fontsynth render --out {root}`")
    if not (root / MANIFEST_FILE).exists() and not any(root.glob(f"*/{MANIFEST_FILE}")):
        if is_external(root):
            try:
                return ExternalDataset(root, fields=fields, size=canvas, channels=channels, optional=optional)
            except UserError as e:
                raise UserError(f"{option}: {e}") from None
        raise UserError(f"{option} {root} is not a fontsynth dataset (no {MANIFEST_FILE}); pass the --out folder of `fontsynth render`, "
                        "a folder of DTRB-layout LMDBs or a labels file (IMAGE<TAB>TEXT lines)")
    return ShardDataset(root, fields=fields, size=canvas, channels=channels, optional=optional)


def first_items(dataset: Dataset, batch_size: int, workers: int, limit: int | None, label: str, progress: bool):
    """(batches of the first `limit` items of `dataset` in order (all without a limit), in a
    DataLoader tracked by a progress bar on stderr when `progress`; how many items): what every
    evaluation reads."""
    from torch.utils.data import DataLoader

    from fontsynth.progress import tracked

    n = len(dataset) if limit is None else min(limit, len(dataset))
    batches = [list(range(s, min(n, s + batch_size))) for s in range(0, n, batch_size)]
    loader = DataLoader(dataset, batch_sampler=batches, num_workers=workers)
    return tracked(loader, label, n, "images", progress, size=lambda b: len(next(iter(b.values())))), n
