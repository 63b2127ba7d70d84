"""Reading a rendered dataset: the manifest and its finished shards, by global sample index.

This is the interface the models (classifier, recognizer, brush) read through; it needs no
torch. `Dataset(path)[i]` gives the stored fields of sample i as bytes, keyed by prefix.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from pathlib import Path

from fontsynth.catalog import CATALOG_FILE, Catalog
from fontsynth.errors import UserError
from fontsynth.shards import MANIFEST_FILE, RELEASE_DATA, ShardReader, read_manifest

def dataset_root(path: Path) -> Path:
    """The dataset folder at `path`, or inside it when `path` is a release made by `publish`."""
    path = Path(path)
    inner = path / RELEASE_DATA
    if not (path / MANIFEST_FILE).exists() and (inner / MANIFEST_FILE).exists():
        return inner
    if not (path / MANIFEST_FILE).exists() and any(inner.glob("*.parquet")):
        raise UserError(f"{path} is a Parquet release; load it with datasets.load_dataset(\"parquet\", data_files=\"{inner}/*.parquet\") or pyarrow")
    return path


class Dataset:
    """The finished shards of a dataset folder (or of a published LMDB release), in index order."""

    def __init__(self, root: Path):
        self.root = dataset_root(root)
        self.manifest = read_manifest(self.root)
        self.shards = sorted(self.manifest.shards, key=lambda s: s.start)
        self._starts = [s.start for s in self.shards]
        self._readers: dict[str, ShardReader] = {}

    @property
    def complete(self) -> bool:
        return self.manifest.complete

    def __len__(self) -> int:
        return sum(s.count for s in self.shards)

    def indices(self) -> list[int]:
        """Global indices of the samples present (all of 0..n-1 when complete)."""
        return [i for s in self.shards for i in range(s.start, s.start + s.count)]

    def reader(self, name: str) -> ShardReader:
        if name not in self._readers:
            try:
                reader = ShardReader(self.root / name)
            except ValueError as e:
                raise UserError(f"{e}; the shard is damaged: check the dataset with `fontsynth verify {self.root}`") from None
            expected = next(s.count for s in self.shards if s.name == name)
            if reader.count != expected:
                reader.close()
                raise UserError(f"{self.root / name} says it holds {reader.count} samples but the manifest says {expected}; "
                                f"the shard is damaged or from another dataset: check it with `fontsynth verify {self.root}`")
            self._readers[name] = reader
        return self._readers[name]

    def locate(self, index: int) -> tuple[str, int]:
        """(shard name, 1-based local index) of global sample `index`."""
        k = bisect.bisect_right(self._starts, index) - 1
        if k < 0 or index >= self.shards[k].start + self.shards[k].count:
            raise IndexError(f"sample {index} is not in {self.root} (it has {len(self)} samples)")
        return self.shards[k].name, index - self.shards[k].start + 1

    def __getitem__(self, index: int) -> dict[str, bytes]:
        name, local = self.locate(index)
        return self.reader(name).sample(local)

    def column(self, prefix: str) -> Iterator[tuple[int, bytes | None]]:
        """(global index, value of field `prefix`) of every sample, shard by shard."""
        for shard in self.shards:
            for offset, value in enumerate(self.reader(shard.name).column(prefix)):
                yield shard.start + offset, value

    def catalog(self, fonts: Path | None = None) -> Catalog:
        """The catalog the data was made with, its fonts found in `fonts` or where they were."""
        root = Path(fonts) if fonts else Path(self.manifest.fonts_dir)
        return Catalog.load(self.root / CATALOG_FILE, root=root)

    def close(self) -> None:
        for r in self._readers.values():
            r.close()
        self._readers.clear()
