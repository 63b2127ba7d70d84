"""The bridge from fontsynth data to torch: the only fontsynth module that imports torch.

- `ShardDataset(root, fields, size, channels)`: a rendered dataset (a `fontsynth render --out`
  folder or a published LMDB release), map-style, positions 0..len-1 over the shards present.
- `RenderDataset(fonts, n, ...)`: the same samples rendered on the fly inside DataLoader
  workers, nothing written: item i equals item i of `fontsynth render` with the same options.

An item is a dict. Image fields (`image`, and for pairs `target`, `content`, `content-b`,
`mask`, `mask-b`, `background`) are float tensors C x H x W in [0, 1], prepared by
`fontsynth.canvas.fit_to_canvas` (the function inference uses too). `label` / `label-b` are
str, `font` the catalog font id, `class_id` its position in the dataset's class table,
`meta` / `meta-b` the JSON record as str, and `index` the global sample index.
With `crop` (a reader of windows, the typeface classifier), words wider than the canvas are cut
instead of squeezed: `"drawn"` one window per item at its own place (`canvas.drawn_place` of its
index: training), a tuple of places each image's windows stacked K x C x H x W (evaluation).
Both datasets also give `classes`, `charset` (the characters of the labels: those stored, or
those the stream's corpus can draw with its fonts) and `font_names` ({font id: family, style}).

Both datasets are picklable and safe under DataLoader workers started by fork or spawn: LMDB
environments and font caches are opened lazily in the process that reads, never inherited.
"""

from __future__ import annotations

import bisect
import copy
import io
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset as TorchDataset

from fontsynth.canvas import drawn_place, fit_to_canvas, fit_windows, parse_canvas, read_image, stretch_to_canvas
from fontsynth.codec import decode, own_png_rows
from fontsynth.dataset import dataset_root
from fontsynth.errors import UserError
from fontsynth.external import FIELDS as EXTERNAL_FIELDS
from fontsynth.external import UNREADABLE, external_parts, lmdb_labels
from fontsynth.pairfolder import FOLDERS, NEEDS, TEXTS_A, TEXTS_B, check_images, read_pair_image, read_texts
from fontsynth.shards import ENVIRONMENTS, IMAGE_FIELDS, LABEL_FIELDS, RECORD_FIELDS, Manifest, ShardReader, ShardRecord, read_manifest, sample_key

DERIVED_FIELDS = ("class_id", "index")  # computed, not stored
STORED_FIELDS = (*IMAGE_FIELDS, *LABEL_FIELDS, *RECORD_FIELDS, "font")
ONE_CHANNEL_FIELDS = ("content", "content-b", "mask", "mask-b")  # stored grey; one channel whatever `channels`


def decode_image(data: bytes) -> np.ndarray:
    """`codec.decode`, with our own PNGs' `Up` filter undone by torch (3x faster than numpy
    here: a DataLoader worker spends most of its time decoding). Same pixels, tested."""
    parsed = own_png_rows(data)
    if parsed is None:
        return decode(data)
    rows, channels = parsed
    image = torch.from_numpy(rows).cumsum(0, dtype=torch.uint8).numpy()
    return image.reshape(rows.shape[0], -1, 3) if channels == 3 else image


def image_tensor(image: np.ndarray, size: tuple[int, int], channels: int, place: float | None = None) -> torch.Tensor:
    """C x H x W float in [0, 1] of a uint8 image, fitted to `size` = (height, width) (a wide
    word squeezed, or with `place` its window there: `fit_to_canvas`)."""
    return as_tensor(fit_to_canvas(image, size[0], size[1], channels, place))


def as_tensor(fitted: np.ndarray) -> torch.Tensor:
    """C x H x W float in [0, 1] of a fitted uint8 H x W x C image."""
    return torch.from_numpy(fitted.transpose(2, 0, 1).astype(np.float32) / np.float32(255))


Crop = str | tuple[float, ...] | None  # how wide words are read: None squeezed, "drawn" or places (module docstring)


def check_crop(crop: Crop) -> Crop:
    if crop is None or crop == "drawn" or (isinstance(crop, tuple) and crop and all(0 <= p <= 1 for p in crop)):
        return crop
    raise ValueError(f"crop must be None, 'drawn' or a tuple of places in [0, 1], got {crop!r}")


def cropped_tensor(image: np.ndarray, size: tuple[int, int], channels: int, crop: Crop, index: int) -> torch.Tensor:
    """`image_tensor` by a dataset's `crop` (module docstring) for item `index`."""
    if isinstance(crop, tuple):
        return torch.stack([as_tensor(window) for window in fit_windows(image, size[0], size[1], channels, crop)])
    return image_tensor(image, size, channels, drawn_place(index) if crop == "drawn" else None)


LUMA = (0.299, 0.587, 0.114)  # ITU-R 601, as fit_to_canvas's grey conversion


def tensor_channels(images: torch.Tensor, channels: int) -> torch.Tensor:
    """N x C x H x W float images with `channels` channels (grey by luma, or grey repeated), differentiably."""
    if images.shape[1] == channels:
        return images
    if channels == 3:
        return images.expand(-1, 3, -1, -1)
    weights = torch.tensor(LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * weights).sum(dim=1, keepdim=True)


def fit_tensor(images: torch.Tensor, size: tuple[int, int], channels: int, places: tuple[float, ...] | None = None) -> torch.Tensor:
    """`fit_to_canvas` for float N x C x H x W batches, differentiable (brush feeds generated
    images to the frozen recognizer and classifier through it): the same channel conversion,
    resize to the canvas height keeping the aspect (squeezed when too wide; with `places`, the
    windows there instead, N x K x C x H x W as a dataset's `crop` of places gives, which a
    windows model reads as it reads such a dataset's items), right padding by repeating the last
    column. Equal to `image_tensor` up to interpolation rounding (tested). A batch that fits the
    canvas comes back N x C x H x W with or without `places`: K copies would cost K readings."""
    import torch.nn.functional as F

    height, width = size
    images = tensor_channels(images, channels)
    h, w = images.shape[-2:]
    natural_w = max(1, round(w * height / h))
    if places is not None and natural_w > width:
        resized = F.interpolate(images, size=(height, natural_w), mode="bilinear", align_corners=False, antialias=h > height)
        return torch.stack([resized[..., round(p * (natural_w - width)):][..., :width] for p in places], dim=1)
    if (h, w) == (height, width):
        return images
    new_w = min(width, natural_w)
    resized = F.interpolate(images, size=(height, new_w), mode="bilinear", align_corners=False, antialias=h > height)
    if new_w == width:
        return resized
    return F.pad(resized, (0, width - new_w, 0, 0), mode="replicate")


def check_fields(fields: Sequence[str], available: Sequence[str] | None = None) -> tuple[str, ...]:
    fields = tuple(fields)
    known = (*STORED_FIELDS, *DERIVED_FIELDS)
    unknown = [f for f in fields if f not in known]
    if unknown:
        raise UserError(f"unknown field(s) {', '.join(unknown)}; choose from: {', '.join(known)}")
    if available is not None:
        missing = [f for f in fields if f in STORED_FIELDS and f not in available]
        if missing:
            raise UserError(f"the dataset has no field(s) {', '.join(missing)} (it has {', '.join(available)}); "
                            "pair fields need `fontsynth render --recipe pairs`")
    return fields


def make_item(values: dict[str, bytes], fields: tuple[str, ...], index: int, class_of: dict[str, int],
              size: tuple[int, int], channels: int, crop: Crop = None) -> dict:
    """One item from a sample's stored bytes: the shared decoding of both datasets."""
    item: dict = {}
    for name in fields:
        if name == "index":
            item[name] = index
        elif name == "class_id":
            item[name] = class_of[values["font"].decode()]
        elif name in IMAGE_FIELDS:
            item[name] = cropped_tensor(decode_image(values[name]), size, 1 if name in ONE_CHANNEL_FIELDS else channels, crop, index)
        else:
            item[name] = values[name].decode("utf-8")
    return item


def stored_keys(fields: tuple[str, ...]) -> tuple[str, ...]:
    """The stored prefixes an item with `fields` reads (class_id reads the font id)."""
    need = [f for f in fields if f in STORED_FIELDS]
    if "class_id" in fields and "font" not in need:
        need.append("font")
    return tuple(need)


def font_names(fonts: list) -> dict[str, dict[str, str]]:
    """{font id: {"family", "style"}} from catalog entries (dicts or FontEntry)."""
    out = {}
    for f in fonts:
        f = f if isinstance(f, dict) else vars(f)
        out[f["id"]] = {"family": f.get("family", ""), "style": f.get("style", "")}
    return out


def dataset_font_names(root: Path) -> dict[str, dict[str, str]]:
    """Family and style of each font in a dataset folder's catalog.json ({} when there is none)."""
    from fontsynth.catalog import CATALOG_FILE

    try:
        return font_names(json.loads((root / CATALOG_FILE).read_text(encoding="utf-8")).get("fonts", []))
    except (OSError, ValueError):
        return {}


def class_table(root: Path, manifest: Manifest) -> tuple[list[str], str]:
    """(classes, charset) of a dataset: from its manifest, or (datasets rendered before
    manifests recorded them) by reading every shard's font ids and labels once."""
    if manifest.classes is not None and manifest.charset is not None:
        return list(manifest.classes), manifest.charset
    fonts: set[str] = set()
    chars: set[str] = set()
    for s in manifest.shards:
        with ShardReader(root / s.name) as reader:
            shard_fonts, shard_chars = reader.classes_and_charset()
        fonts.update(shard_fonts)
        chars.update(shard_chars)
    return sorted(fonts), "".join(sorted(chars))


class _ReadsLmdb(TorchDataset):
    """LMDB environments opened lazily in the process that reads, through the shared registry
    (a forked DataLoader worker reopens its own; pickling carries none)."""

    def __init__(self) -> None:
        self._envs: dict[Path, object] = {}
        self._pid = -1

    def _env_at(self, path: Path):
        if self._pid != os.getpid():  # a new process (forked worker): the shared registry reopens
            self._envs, self._pid = {}, os.getpid()
        if path not in self._envs:
            self._envs[path] = ENVIRONMENTS.acquire(path)
        return self._envs[path]

    def close(self) -> None:
        """Release the LMDBs this process opened (reopened on the next read)."""
        if self._pid == os.getpid():
            for path in self._envs:
                ENVIRONMENTS.release(path)
        self._envs = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_envs": {}, "_pid": -1}


class ShardDataset(_ReadsLmdb):
    """A rendered dataset as a map-style torch dataset (see the module docstring).

    `size` = (height, width) of the image tensors, `channels` 1 (grey) or 3 (RGB) for
    `image`, `target` and `background`; masks and content images are always one channel. `classes` and `charset` are the
    dataset's class table (class id = position) and the characters of its labels. `optional`
    fields are added to `fields` when the dataset stores them (evaluations take `meta` so).
    `crop`: how words wider than the canvas are read (module docstring)."""

    def __init__(self, root: str | Path, fields: Sequence[str] = ("image", "label"), size: str | tuple[int, int] = (32, 128),
                 channels: int = 1, optional: Sequence[str] = (), crop: Crop = None):
        super().__init__()
        self.root = dataset_root(Path(root))
        manifest = read_manifest(self.root)
        self.size = _canvas(size)
        self.crop = check_crop(crop)
        self.channels = _channels(channels)
        self.shards = sorted(manifest.shards, key=lambda s: s.start)
        self.recipe = manifest.recipe
        if not self.shards:
            raise UserError(f"{self.root} holds no finished shard yet; finish it with `fontsynth render ... --resume`")
        available = self._fields_of_first_shard()
        self.fields = check_fields(fields, available)
        self.fields += tuple(f for f in check_fields(optional) if f in available and f not in self.fields)
        self._keys = stored_keys(self.fields)
        self.classes, self.charset = class_table(self.root, manifest)
        self.class_of = {font: k for k, font in enumerate(self.classes)}
        self.font_names = dataset_font_names(self.root)
        self._offsets = np.cumsum([0] + [s.count for s in self.shards]).tolist()  # position of each shard's first sample

    def _fields_of_first_shard(self) -> list[str]:
        with ShardReader(self.root / self.shards[0].name) as reader:
            with reader.env.begin() as txn:
                return reader.prefixes(txn)

    def __len__(self) -> int:
        return self._offsets[-1]

    def locate(self, position: int) -> tuple[ShardRecord, int]:
        """(shard entry, 1-based local index) of item `position`."""
        if not 0 <= position < len(self):
            raise IndexError(f"position {position} is outside 0..{len(self) - 1}")
        k = bisect.bisect_right(self._offsets, position) - 1
        return self.shards[k], position - self._offsets[k] + 1

    def __getitem__(self, position: int) -> dict:
        shard, local = self.locate(position)
        with self._env_at(self.root / shard.name).begin() as txn:
            values = {key: txn.get(sample_key(key, local)) for key in self._keys}
        missing = [k for k, v in values.items() if v is None]
        if missing:
            raise UserError(f"{self.root / shard.name} has no {', '.join(missing)} for sample {local}; run `fontsynth verify {self.root}`")
        return make_item(values, self.fields, shard.start + local - 1, self.class_of, self.size, self.channels, self.crop)

    def describe(self) -> str:
        """What a run reads, in one line."""
        return f"{len(self):,} {self.recipe} of {self.root} ({len(self.shards)} shard{'s' * (len(self.shards) != 1)})"

    def labels(self) -> list[str]:
        """Every label, in item order (no image decoded)."""
        reader = ShardDataset(self.root, fields=("label",), size=self.size, channels=self.channels)
        return [reader[i]["label"] for i in range(len(reader))]


class RenderDataset(TorchDataset):
    """Samples 0..n-1 of `fontsynth render` with the same options, rendered when asked for.

    `fonts` is a fonts folder or catalog as `render --fonts`; `preset`, `config` (a JSON file),
    `size` (render's --size, e.g. "64x256" or "32"), `recipe`, `split`, `corpus`, `words`,
    `backgrounds` and `ocr_clean` (False: render's --any-font) are render's options. `canvas` is the tensor size (height, width); it
    defaults to `size` when that is HEIGHTxWIDTH (a natural-width `size` with `crop` gives wide
    words to read in windows). The class table is every font the sampling may pick, sorted by id."""

    def __init__(self, fonts: str | Path, n: int, seed: int = 0, preset: str = "default", config: str | Path | None = None,
                 recipe: str = "words", size: str | None = None, split: str | None = None, canvas: str | tuple[int, int] | None = None,
                 fields: Sequence[str] | None = None, channels: int = 1, corpus: str | Path | None = None,
                 backgrounds: str | Path | None = None, show_progress: bool = False, words: str | Path | None = None,
                 crop: Crop = None, ocr_clean: bool = True):
        from fontsynth.pipeline import RenderJob, build_sampling

        if n <= 0:
            raise UserError(f"n must be at least 1 (got {n})")
        job = RenderJob(fonts=Path(fonts), out=None, n=n, seed=seed, recipe=recipe, preset=preset,
                        config_file=Path(config) if config else None, size=size, corpus=Path(corpus) if corpus else None,
                        words=Path(words) if words else None,
                        backgrounds=Path(backgrounds) if backgrounds else None, split=split, ocr_clean=ocr_clean, workers=1,
                        show_progress=show_progress)
        sampling = build_sampling(job)
        self.n = n
        self.classes = list(sampling.context.picker.ids)
        self.charset = "".join(sorted(set(sampling.context.corpus.alphabet()) & sampling.context.picker.covered_chars()))
        self.class_of = {font: k for k, font in enumerate(self.classes)}
        self.font_names = font_names(sampling.catalog.fonts)
        self.skipped = (sampling.dropped_texts, sampling.dropped_hint)  # corpus texts no usable font covers, and what to do
        self._draw(sampling.context, size, canvas, fields, channels, crop)

    def _draw(self, context, size: str | None, canvas, fields, channels: int, crop: Crop) -> None:
        """Set what each item is made of and how: the context (its config at `size`), the
        tensor canvas, the fields, the channels and the crop."""
        cfg = context.config
        if canvas is None:
            if cfg.width <= 0:
                raise UserError(f"size {size!r} gives words of natural width; pass canvas=(height, width) for the tensors")
            canvas = (cfg.height, cfg.width)
        self.context = context
        self.size = _canvas(canvas)
        self.channels = _channels(channels)
        self.crop = check_crop(crop)
        default_fields = ("image", "label") if context.recipe == "words" else ("image", "label", "target", "label-b", "content-b")
        self.fields = check_fields(fields or default_fields)
        self._maker = None
        self._pid = -1

    def drawn_at(self, size: str | None = None, canvas: str | tuple[int, int] | None = None, fields: Sequence[str] | None = None,
                 crop: Crop = None) -> "RenderDataset":
        """The same stream (fonts, texts, styles, class table) with its samples drawn at render's
        `size` (None: as this one), put on `canvas`, with `fields` and `crop`: what a
        RenderDataset built with those options gives, without loading the fonts again."""
        from fontsynth.pipeline import parse_size, sized_for

        config = sized_for(self.context.recipe, parse_size(size, self.context.config), size)
        other = copy.copy(self)
        other._draw(replace(self.context, config=config), size, canvas, fields or self.fields, self.channels, crop)
        return other

    def __len__(self) -> int:
        return self.n

    def _sample_maker(self):
        from fontsynth.recipes import SampleMaker

        if self._maker is None or self._pid != os.getpid():
            self._maker, self._pid = SampleMaker(self.context), os.getpid()
        return self._maker

    def __getitem__(self, index: int) -> dict:
        if not 0 <= index < self.n:
            raise IndexError(f"index {index} is outside 0..{self.n - 1}")
        return make_item(self._sample_maker().make(index), self.fields, index, self.class_of, self.size, self.channels, self.crop)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_maker": None, "_pid": -1}


def _canvas(size: str | tuple[int, int]) -> tuple[int, int]:
    try:
        return parse_canvas(size)
    except ValueError as e:
        raise UserError(str(e)) from None


def _channels(channels: int) -> int:
    if channels not in (1, 3):
        raise UserError(f"channels must be 1 (grey) or 3 (RGB), got {channels}")
    return channels


class ExternalDataset(_ReadsLmdb):
    """A word-image dataset made by another tool (`fontsynth.external`: DTRB-layout LMDBs or a
    labels file), map-style, with `ShardDataset`'s item contract for the fields it can hold:
    `image` (decoded as `classify` and `recognize` decode a file), `label`, `index`, and for a
    labels file `font`: its text column read as a font (as given, or renamed by `name_fonts`,
    e.g. family and style to catalog ids). An image that does not decode gives a blank image and
    the label and font `external.UNREADABLE`, which the readers count as left out by that
    reason. `classes` is empty; `charset` is read on first use. `crop` as `ShardDataset`'s."""

    def __init__(self, root: str | Path, fields: Sequence[str] = ("image", "label"), size: str | tuple[int, int] = (32, 128),
                 channels: int = 1, optional: Sequence[str] = (), crop: Crop = None):
        super().__init__()
        self.root = Path(root)
        fields = tuple(fields)
        allowed = (*EXTERNAL_FIELDS, "font") if self.root.is_file() else EXTERNAL_FIELDS  # a labels file's text may name fonts
        unknown = [f for f in fields if f not in allowed]
        if unknown:
            raise UserError(f"{self.root} is a dataset of images and texts made by another tool: it has no field(s) {', '.join(unknown)}: "
                            "the recognizer reads such data, the typeface classifier a labels file of IMAGE<TAB>FONT lines, brush "
                            "`fontsynth render --recipe pairs` data or a benchmark folder in MOSTEL's layout")
        self.fields = fields + tuple(f for f in optional if f in allowed and f not in fields)
        self.size = _canvas(size)
        self.channels = _channels(channels)
        self.crop = check_crop(crop)
        self.parts = external_parts(self.root)
        self._offsets = np.cumsum([0] + [p.count for p in self.parts]).tolist()
        self.classes: list[str] = []
        self.class_of: dict[str, int] = {}
        self.font_names: dict[str, dict[str, str]] = {}
        self.font_ids: dict[str, str] = {}  # the `font` of a text column value, where `name_fonts` gave one
        self._charset: str | None = None
        self._labels: list[str] | None = None  # read once, on first use (a large LMDB's take seconds); never pickled

    def __getstate__(self) -> dict:
        return {**super().__getstate__(), "_labels": None}

    def __len__(self) -> int:
        return self._offsets[-1]

    def describe(self) -> str:
        """What a run reads, in one line: each LMDB (path under the root) or the labels file, with its count."""
        if self.parts[0].entries is not None:
            return f"{len(self):,} images of the labels file {self.root}"
        parts = ", ".join(f"{name} {p.count:,}" for name, p in zip(self.part_names(), self.parts))
        return f"{len(self):,} images of {len(self.parts)} DTRB-layout LMDB{'s' * (len(self.parts) != 1)} under {self.root}: {parts}"

    def part_names(self) -> list[str]:
        """Each part's name: an LMDB's path under the root (its folder name when it is the root), or the labels file's name."""
        return [p.path.relative_to(self.root).as_posix() if p.path != self.root else p.path.name for p in self.parts]

    def part_of(self, position: int) -> int:
        """The part (index into `parts`) that holds item `position`."""
        return bisect.bisect_right(self._offsets, position) - 1

    def name_fonts(self, font_ids: dict[str, str]) -> None:
        """Read the text column value t as the font `font_ids[t]` (as given where it has none)."""
        self.font_ids = dict(font_ids)

    def labels(self) -> list[str]:
        """Every label, in item order (no image decoded; read once, then kept)."""
        if self._labels is None:
            self._labels = [text for part in self.parts
                            for text in ([t for _, t in part.entries] if part.entries is not None
                                         else lmdb_labels(self._env_at(part.path), part.count))]
        return list(self._labels)

    @property
    def charset(self) -> str:
        if self._charset is None:
            self._charset = "".join(sorted({c for text in self.labels() for c in text}))
        return self._charset

    def _raw(self, position: int) -> tuple[bytes | Path | None, str]:
        """(the image's bytes or path, its label) of item `position`."""
        if not 0 <= position < len(self):
            raise IndexError(f"position {position} is outside 0..{len(self) - 1}")
        k = bisect.bisect_right(self._offsets, position) - 1
        part, local = self.parts[k], position - self._offsets[k]
        if part.entries is not None:
            image, text = part.entries[local]
            return image, text
        with self._env_at(part.path).begin() as txn:
            data, label = txn.get(sample_key("image", local + 1)), txn.get(sample_key("label", local + 1))
        return data, (label or b"").decode("utf-8", errors="replace")

    def __getitem__(self, position: int) -> dict:
        item: dict = {}
        source, label = None, ""
        if {"image", "label", "font"} & set(self.fields):
            source, label = self._raw(position)
        if "image" in self.fields:
            try:
                if source is None:
                    raise ValueError("no image stored")
                pixels = read_image(source if isinstance(source, Path) else io.BytesIO(source))
            except ValueError:
                pixels, label = np.full((self.size[0], self.size[1]), 255, np.uint8), UNREADABLE
            item["image"] = cropped_tensor(pixels, self.size, self.channels, self.crop, position)
        for name in self.fields:
            if name == "label":
                item[name] = label
            elif name == "font":
                item[name] = self.font_ids.get(label, label)
            elif name == "index":
                item[name] = position
        return {name: item[name] for name in self.fields}


class PairFolderDataset(TorchDataset):
    """Pairs as image folders in MOSTEL's layout (`fontsynth.pairfolder`: a `fontsynth export` of
    pairs, a scene-text-editing training set), map-style, with `ShardDataset`'s item contract for
    the pair fields: each image read from its folder and resized to the canvas exactly, as
    `brush edit` prepares a crop and MOSTEL's loader its images (`fontsynth.canvas.
    stretch_to_canvas`: a pair's images stay aligned whatever their sizes, and a crop narrower
    than the canvas is not padded, which `brush edit` would not match); `label-b` from i_t.txt
    and `label` (text A) from i_s.txt; `content-b` and `content` drawn from those texts by the
    standard content font for the style image's size (`ContentRenderer.draw_for`: exactly as
    `brush edit` draws them, and as `--recipe pairs` stores them where the image has the
    canvas' aspect; `i_t/` is not read, its font is another tool's). `crop` is taken as every
    reader takes it and must be None: stretched pairs have no overhang to read in windows. Pairs
    with a text no standard content font draws are left out, counted by reason in `left_out`."""

    def __init__(self, root: str | Path, fields: Sequence[str] = ("image", "label-b"), size: str | tuple[int, int] = (64, 256),
                 channels: int = 1, optional: Sequence[str] = (), crop: Crop = None):
        from fontsynth.recipes import ContentRenderer

        self.root = Path(root)
        self.size = _canvas(size)
        self.channels = _channels(channels)
        if check_crop(crop) is not None:
            raise ValueError(f"pairs in MOSTEL's layout are stretched to the canvas, so there is nothing to read in windows (crop={crop!r})")
        has_a = (self.root / TEXTS_A).is_file()
        available = ["image", "label-b", "content-b", "index", *(f for f in NEEDS if f in FOLDERS and (self.root / FOLDERS[f]).is_dir())]
        available += ["label", "content"] if has_a else []
        fields = tuple(fields)
        unknown = [f for f in fields if f not in (*available, *NEEDS)]
        if unknown:
            raise UserError(f"{self.root} is a folder of pairs in MOSTEL's layout: it has no field(s) {', '.join(unknown)}; brush trains "
                            "and evaluates on such folders")
        lacking = [f for f in fields if f not in available]
        if lacking:
            raise UserError(f"{self.root} has no {NEEDS[lacking[0]]}")
        self.fields = fields + tuple(f for f in optional if f in available and f not in fields)
        texts_b = read_texts(self.root / TEXTS_B)
        texts_a = dict(read_texts(self.root / TEXTS_A)) if {"label", "content"} & set(self.fields) else {}
        if texts_a:
            unnamed = [name for name, _ in texts_b if name not in texts_a]
            if unnamed:
                raise UserError(f"{self.root / TEXTS_A} has no text A for {len(unnamed):,} image(s) of {TEXTS_B}, the first {unnamed[0]}")
        font = ContentRenderer()
        self.left_out: dict[str, int] = {}
        self.cases: list[tuple[str, str, str]] = []  # (name, text B, text A or "")
        for name, text_b in texts_b:
            text_a = texts_a.get(name, "")
            reason = ("text B no content font draws" if font.missing(text_b) else
                      "text A no content font draws" if "content" in self.fields and font.missing(text_a) else None)
            if reason:
                self.left_out[reason] = self.left_out.get(reason, 0) + 1
            else:
                self.cases.append((name, text_b, text_a))
        if not self.cases:
            raise UserError(f"{self.root / TEXTS_B}: no standard content font draws any of its texts; pairs need texts one of them covers")
        for field in self.fields:
            if field in FOLDERS and field != "content-b":
                check_images(self.root, FOLDERS[field], [name for name, _, _ in self.cases])
        self.recipe = "pairs"
        self.classes: list[str] = []
        self.class_of: dict[str, int] = {}
        self.font_names: dict[str, dict[str, str]] = {}
        self.charset = "".join(sorted({c for _, b, a in self.cases for c in b + a}))
        self._content = font  # the content fonts; a loader process opens its own (__getstate__)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_content": None}

    def __len__(self) -> int:
        return len(self.cases)

    def describe(self) -> str:
        """What a run reads, in one line (with the pairs left out, by reason)."""
        out = "".join(f"; left out: {n:,} with a {reason}" for reason, n in self.left_out.items())
        return f"{len(self):,} pairs in MOSTEL's layout under {self.root}{out}"

    def labels(self) -> list[str]:
        """Every text B, in item order."""
        return [b for _, b, _ in self.cases]

    def __getitem__(self, position: int) -> dict:
        from fontsynth.recipes import ContentRenderer

        self._content = self._content or ContentRenderer()
        name, text_b, text_a = self.cases[position]
        drawn = {"content": text_a, "content-b": text_b}  # drawn for the style image's size, as `brush edit` draws them
        read = {field: self._read(field, name) for field in self.fields if field in FOLDERS and field not in drawn}
        if drawn.keys() & set(self.fields) and "image" not in read:
            read["image"] = self._read("image", name)
        item: dict = {}
        for field in self.fields:
            one = 1 if field in ONE_CHANNEL_FIELDS else self.channels
            if field in drawn:
                item[field] = image_tensor(self._content.draw_for(drawn[field], *self.size, read["image"].shape[:2]), self.size, one)
            elif field in read:
                item[field] = as_tensor(stretch_to_canvas(read[field], *self.size, one))
            else:
                item[field] = {"label": text_a, "label-b": text_b, "index": position}[field]
        return item

    def _read(self, field: str, name: str) -> np.ndarray:
        return read_pair_image(self.root / FOLDERS[field] / name)
