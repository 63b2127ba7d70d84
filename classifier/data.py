"""Where every trainer's samples come from: rendered shards (`--data`, `--val-data`) or the
same samples rendered on the fly in loader workers (`--fonts ... --on-the-fly`).

On the fly, the first `val_samples` indices of the stream are held out for validation (unless
`--val-data` is given) and training reads indices from `val_samples` on, in order: every index
is a new sample, so nothing repeats until the stream wraps.
"""

from __future__ import annotations

import sys
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
    fonts: str | None = None  # fonts folder, catalog or pack: on the fly, what is rendered; with data (where the trainer
    # allows it: brush's contents in the style's font), where the data's fonts are now
    on_the_fly: bool = False
    render_preset: str = "default"
    render_config: str | None = None
    size: str | None = None  # render's --size (on the fly), e.g. "64x256"
    split: str | None = None  # render only this held-out split of the fonts (on the fly)
    corpus: str | None = None  # render's --corpus (on the fly)
    words: str | None = None  # render's --words (on the fly)
    any_font: bool = False  # render's --any-font (on the fly): every valid font, not only the OCR-clean ones
    val_samples: int = 2_000  # held-out indices of the stream (on the fly, without val_data)
    seed: int = 0  # render seed of the stream (on the fly)
    more_data: tuple[str, ...] = ()  # further datasets drawn beside `data` (a reader's repeated --data)
    data_weights: tuple[float, ...] = ()  # each dataset's share of the training draws (data, *more_data); () = by size

    def __post_init__(self):
        if self.val_samples < 0:
            raise ValueError(f"val_samples must be at least 0, got {self.val_samples}")
        if self.data_weights and len(self.data_weights) != 1 + len(self.more_data):
            raise ValueError(f"--data-weights gives {len(self.data_weights)} share(s) for {1 + len(self.more_data)} dataset(s); give one per --data")
        if any(not (0 < w < float("inf")) for w in self.data_weights):
            raise ValueError(f"--data-weights must all be above 0, got {', '.join(f'{w:g}' for w in self.data_weights)}")


MIX_PERIOD = 1000  # Mixture: draws per period, in which each dataset gets its share exactly


@dataclass(frozen=True)
class Crops:
    """How the training and the validation items read words wider than the canvas: each a
    `fontsynth.torchdata` `crop` (None: squeezed)."""

    train: object = None
    val: object = None


class Mixture(Dataset):
    """Several datasets drawn in fixed shares (DTRB's `--batch_ratio`, made explicit): index i is
    a pure function of i, so shuffled passes, resumes and torchrun ranks read as for one dataset.

    Every MIX_PERIOD consecutive indices hold each dataset's share of draws (largest remainders,
    at least one), spread evenly through the period; dataset k's c-th draw overall is its item
    c mod len_k, so a small dataset repeats and a large one is read in order within a pass. A
    pass (`len`) is long enough to read every item of every dataset at least once."""

    def __init__(self, parts: Sequence[Dataset], weights: Sequence[float], names: Sequence[str] = ()):
        assert len(parts) == len(weights) >= 1 and all(w > 0 for w in weights), (len(parts), weights)
        self.parts, self.names = list(parts), list(names) or [f"dataset {k}" for k in range(len(parts))]
        total = sum(weights)
        self.shares = [w / total for w in weights]
        self.counts = _largest_remainders(self.shares, MIX_PERIOD)
        slots = sorted(((j + 0.5) / n, k) for k, n in enumerate(self.counts) for j in range(n))  # evenly spread
        self.pattern = [k for _, k in slots]
        seen = [0] * len(parts)
        self.rank = []
        for k in self.pattern:
            self.rank.append(seen[k])
            seen[k] += 1
        self.periods = max(-(-len(p) // n) for p, n in zip(self.parts, self.counts))

    def __len__(self) -> int:
        return self.periods * MIX_PERIOD

    def locate(self, index: int) -> tuple[int, int]:
        """(dataset, item) of mixture index `index`."""
        period, slot = divmod(index, MIX_PERIOD)
        k = self.pattern[slot]
        return k, (period * self.counts[k] + self.rank[slot]) % len(self.parts[k])

    def __getitem__(self, index: int):
        k, item = self.locate(index)
        return self.parts[k][item]

    def restricted(self, keep: Sequence[Sequence[int]]) -> "Mixture":
        """The same shares over each dataset's items `keep[k]` only."""
        return Mixture([Subset(p, list(kept)) for p, kept in zip(self.parts, keep)], self.shares, self.names)

    def describe(self) -> str:
        return "; ".join(f"{share:.0%} of the draws from {getattr(p, 'describe', lambda: name)()}"
                         for share, p, name in zip(self.shares, self.parts, self.names))


def _largest_remainders(shares: Sequence[float], total: int) -> list[int]:
    """Whole counts summing to `total` in proportion to `shares` (Hamilton's method), each at least 1."""
    exact = [s * total for s in shares]
    counts = [max(1, int(e)) for e in exact]
    order = sorted(range(len(shares)), key=lambda k: exact[k] - int(exact[k]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:  # the minimum of 1 overshot: take from the largest
        counts[max(range(len(counts)), key=lambda k: counts[k])] -= 1
    return counts


@dataclass
class Sources:
    train: Dataset
    val: Dataset | None
    classes: list[str]  # the training data's class table (class id = position)
    charset: str
    font_names: dict[str, dict[str, str]]
    shuffle: bool  # shards: shuffled passes; on the fly: in order (every index is new)
    fields: tuple[str, ...] = ()  # what a training item holds: the fields asked for and the optional ones the data has
    data_fonts: str | None = None  # --fonts given with --data: where the data's fonts are now (None: where each dataset says)

    @property
    def on_the_fly(self) -> bool:
        return not self.shuffle


def open_sources(config: DataConfig, fields: Sequence[str], canvas: tuple[int, int], channels: int,
                 val_fields: Sequence[str] = (), render_size: str | None = None, val_canvas: tuple[int, int] | None = None,
                 optional: Sequence[str] = (), crop: Crops = Crops(), data_fonts: bool = False) -> Sources:
    """The training and validation datasets a DataConfig names (errors name the option to fix);
    validation items also hold `val_fields` (what only validation reads, say a pair's background),
    and training items the `optional` fields where the training data holds them (`Sources.fields`).
    On the fly, samples are rendered at `config.size`, else `render_size`, else the canvas.
    With `val_canvas` (a reader whose evaluation prepares images on a canvas of its own), the
    validation is what that evaluation would report: `--val-data` is prepared on it, and the
    held-out stream indices are drawn at their natural width (render's `--size HEIGHT`) on it;
    without, both are prepared as training draws. `crop`: how the training and the validation
    items read words wider than the canvas (`fontsynth.torchdata`'s `crop`). `data_fonts`: --fonts
    may come with --data, to say where the data's fonts are now (`Sources.data_fonts`)."""
    from fontsynth.torchdata import RenderDataset

    val_item_fields = tuple(dict.fromkeys((*fields, *val_fields)))

    if config.on_the_fly:
        if not config.fonts:
            raise UserError("--on-the-fly needs --fonts (a fonts folder, catalog.json or .pack)")
        from fontsynth.pipeline import size_parts
        from fontsynth.shards import IMAGE_FIELDS

        pair_fields = (set(IMAGE_FIELDS) - {"image"}) | {"label-b", "meta-b"}
        recipe = "pairs" if pair_fields & set(fields) else "words"
        size = config.size or render_size or f"{canvas[0]}x{canvas[1]}"

        # one stream: the same samples whatever the fields, the size they are drawn at and the canvas they are put on
        stream = RenderDataset(config.fonts, n=STREAM_LENGTH, seed=config.seed, preset=config.render_preset, config=config.render_config,
                               recipe=recipe, size=size, split=config.split, canvas=canvas,
                               fields=(*fields, *(optional if recipe == "pairs" else ())),  # a stream of pairs draws every pair field
                               channels=channels, corpus=config.corpus, words=config.words, crop=crop.train, ocr_clean=not config.any_font)
        if stream.skipped[0]:
            from fontsynth.pipeline import skipped_texts_warning

            print(skipped_texts_warning(*stream.skipped, words=config.words is not None), file=sys.stderr)
        held_out = 0 if config.val_data else config.val_samples
        train = Subset(stream, range(held_out, STREAM_LENGTH))
        if config.val_data:
            val = training_dataset(config.val_data, val_item_fields, val_canvas or canvas, channels, "--val-data", crop=crop.val)
        elif not held_out:
            val = None
        elif val_canvas:
            val = Subset(stream.drawn_at(str(size_parts(size)[0]), val_canvas, val_item_fields, crop.val), range(held_out))
        else:
            same = val_item_fields == tuple(fields) and crop.val == crop.train
            val = Subset(stream if same else stream.drawn_at(size, canvas, val_item_fields, crop.val), range(held_out))
        return Sources(train, val, stream.classes, stream.charset, stream.font_names, shuffle=False, fields=stream.fields)
    if not config.data:
        raise UserError("no training data: pass --data DIR (a `fontsynth render` output) or --fonts FONTS --on-the-fly")
    if config.fonts and not data_fonts:
        raise UserError("--fonts is for --on-the-fly rendering; with --data the fonts are the dataset's")
    if config.corpus or config.words:
        raise UserError(f"--{'corpus' if config.corpus else 'words'} is for --on-the-fly rendering; with --data the texts are the dataset's")
    if config.any_font:
        raise UserError("--any-font is for --on-the-fly rendering; with --data the fonts are the dataset's")
    paths = (config.data, *config.more_data)
    parts = [training_dataset(path, fields, canvas, channels, "--data", optional, crop.train) for path in paths]
    held = tuple(f for f in parts[0].fields if all(f in p.fields for p in parts))
    val = training_dataset(config.val_data, val_item_fields, val_canvas or canvas, channels, "--val-data", crop=crop.val) if config.val_data else None
    names = {}
    for d in (*parts, *([val] if val is not None else [])):
        names.update({k: v for k, v in d.font_names.items() if k not in names})
    if len(parts) == 1:
        train = parts[0]
        return Sources(train, val, train.classes, train.charset, names, shuffle=True, fields=held, data_fonts=config.fonts)
    if "target" in fields:
        raise UserError("several --data are for the readers (the recognizer and the typeface classifier); brush trains on one dataset of pairs")
    weights = config.data_weights or tuple(float(len(p)) for p in parts)
    charset = "".join(sorted(set().union(*(p.charset for p in parts))))
    classes = sorted(set().union(*(getattr(p, "classes", ()) for p in parts)))  # every font of them (class id = position)
    return Sources(Mixture(parts, weights, paths), val, classes, charset, names, shuffle=True, fields=held)


def training_dataset(path: str, fields: Sequence[str], canvas: tuple[int, int], channels: int, option: str, optional: Sequence[str] = (),
                     crop=None):
    """`open_dataset` for training or validation: what the typeface classifier trains on (`font`)
    must be rendered data, whose fonts are catalog ids; a labels file of font names is for
    `eval-classifier` only (its texts would be read as fonts no class holds)."""
    from fontsynth.torchdata import ShardDataset

    dataset = open_dataset(path, fields, canvas, channels, option, optional, crop)
    if "font" in fields and not isinstance(dataset, ShardDataset):
        raise UserError(f"{option} {path} is data made by another tool; the typeface classifier trains and validates on "
                        "`fontsynth render` output (each image's font id), and scores a labels file of fonts with eval-classifier")
    return dataset


def open_dataset(path: str, fields: Sequence[str], canvas: tuple[int, int], channels: int, option: str, optional: Sequence[str] = (),
                 crop=None):
    """The dataset at `path`: a ShardDataset of a rendered dataset (with the `optional` fields
    it stores), a PairFolderDataset of pairs in MOSTEL's layout (`fontsynth.pairfolder`, for
    brush), or an ExternalDataset of DTRB-layout LMDBs or a labels file (`fontsynth.external`:
    images and their texts, for the recognizer; a labels file's texts may name fonts, for
    `eval-classifier`). Errors name the command-line `option` that gave `path`. `crop`: how
    words wider than the canvas are read (`fontsynth.torchdata`)."""
    from fontsynth.external import is_external
    from fontsynth.pairfolder import is_pair_folder
    from fontsynth.shards import MANIFEST_FILE
    from fontsynth.torchdata import ExternalDataset, PairFolderDataset, ShardDataset

    root = Path(path)
    if not root.exists():
        raise UserError(f"{option} {root} does not exist; render it with `fontsynth render --out {root}`")
    if not (root / MANIFEST_FILE).exists() and not any(root.glob(f"*/{MANIFEST_FILE}")):
        reader = PairFolderDataset if is_pair_folder(root) else ExternalDataset if is_external(root) else None
        if reader is not None:
            try:
                return reader(root, fields=fields, size=canvas, channels=channels, optional=optional, crop=crop)
            except UserError as e:
                raise UserError(f"{option}: {e}") from None
        raise UserError(f"{option} {root} is not a fontsynth dataset (no {MANIFEST_FILE}); pass the --out folder of `fontsynth render`, "
                        "a folder of DTRB-layout LMDBs, a labels file (IMAGE<TAB>TEXT lines) or pairs in MOSTEL's layout (i_s/, i_t.txt, ...)")
    return ShardDataset(root, fields=fields, size=canvas, channels=channels, optional=optional, crop=crop)


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
