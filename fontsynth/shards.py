"""LMDB shards: the on-disk contract, in one place.

A dataset folder holds `manifest.json`, `catalog.json` (the fonts used) and one LMDB
environment (a folder) per shard, `shard-00000`, `shard-00001`, ... Each shard is readable by
code that knows only the deep-text-recognition-benchmark layout:

    num-samples        number of samples, ASCII decimal
    image-%09d         encoded image (PNG, or JPEG when the sample's Style has JPEG artefacts)
    label-%09d         UTF-8 text

with 1-based indices. Beside them, under their own prefixes (all values bytes):

    meta-%09d          the sample's record as JSON: {"index", "text", "style", ...}; its
                       "style" re-renders the image exactly (`fontsynth replay`)
    font-%09d          catalog font id (ASCII); the class id is in catalog.json
    sum-%09d           BLAKE2b-128 of the sample's other fields (see sample_sum): lets
                       `fontsynth verify` name each damaged sample
    shard-info         JSON: first global index, count, fields, recipe, and the shard's
                       "classes" (sorted font ids it holds) and "charset" (every character of
                       its labels, sorted); the manifest holds their union over all shards;
                       "image_formats": how many of its images are png and jpeg

and for the `pairs` recipe (see fontsynth.recipes):

    target-%09d        text B in the same Style (PNG/JPEG, as image-); label-b-%09d its text,
                       meta-b-%09d its record (equal to meta- but for "text")
    content-%09d       text A in its standard content font (recipes.CONTENT_FONTS), black on white, grey PNG;
                       content-b-%09d text B
    mask-%09d          pixels text A touched (fill, outline, shadow) before degradations,
                       grey PNG 0/255; mask-b-%09d for text B
    background-%09d    the background alone: same crop and degradations, no text

A shard is written to `<name>.tmp-<pid>`, read back and checked, then renamed into place;
a folder named `shard-NNNNN` is always complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import lmdb

from fontsynth.errors import UserError, WriteError, write_failed
from fontsynth.style import Style

MANIFEST_FILE = "manifest.json"  # beside the shards: what was rendered, the finished shards, the class table
FORMAT = "fontsynth-shards"
FORMAT_VERSION = 2  # 2: shard checksums over the per-sample sums
RELEASE_DATA = "data"  # where `fontsynth publish` puts the shards inside a release folder
CHECKSUMS_FILE = "SHA256SUMS"  # a release's file list with sha256 sums (sha256sum -c reads it)
SHARD_PREFIX = "shard-"
MAP_SIZE = 1 << 40  # sparse on Linux: the file grows with the data
COMMIT_EVERY = 512


SUM_PREFIX = "sum"
# What each sample field holds, for readers that check or convert them (verify, publish).
IMAGE_FIELDS = ("image", "target", "content", "content-b", "mask", "mask-b", "background")
TEXT_FIELDS = ("label", "label-b", "font")
LABEL_FIELDS = ("label", "label-b")  # the texts drawn: their characters make the charset
RECORD_FIELDS = ("meta", "meta-b")  # JSON records with "index", "text", "style"


def read_manifest(root: Path) -> "Manifest":
    path = Path(root) / MANIFEST_FILE
    if not path.exists():
        raise UserError(f"{root} is not a fontsynth dataset (no {MANIFEST_FILE}); pass the --out folder of `fontsynth render`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise UserError(f"{path} is not valid JSON ({e}); the dataset is damaged") from e
    return Manifest.decode(data, str(path))


def sample_sum(fields: dict[str, bytes]) -> bytes:
    """Digest of one sample's fields (all but its own sum), in prefix order."""
    h = hashlib.blake2b(digest_size=16)
    for prefix in sorted(fields):
        if prefix != SUM_PREFIX:
            value = fields[prefix]
            h.update(prefix.encode() + b"\0" + len(value).to_bytes(8, "little"))
            h.update(value)
    return h.digest()


def shard_name(number: int) -> str:
    return f"{SHARD_PREFIX}{number:05d}"


def sample_key(prefix: str, local_index: int) -> bytes:
    """`image`, 1 -> b'image-000000001' (1-based, as DTRB)."""
    return f"{prefix}-{local_index:09d}".encode()


@dataclass(frozen=True)
class ShardRecord:
    """What the manifest says of a finished shard."""

    name: str
    start: int  # first global sample index
    count: int
    sha256: str  # over every sample's sum record, in order (see Digest)
    bytes: int
    classes: tuple[str, ...] = ()  # font ids in the shard (merged into the manifest, not listed per shard)
    charset: str = ""  # characters of its labels (likewise)
    redrawn: tuple = ()  # {"index", "font", "reason"}: samples drawn again because FreeType failed on a font (likewise)

    def to_json(self) -> dict:
        return {"name": self.name, "start": self.start, "count": self.count, "sha256": self.sha256, "bytes": self.bytes}

    @classmethod
    def from_json(cls, data: dict) -> "ShardRecord":
        return cls(data["name"], int(data["start"]), int(data["count"]), data["sha256"], int(data.get("bytes", 0)))


# Keys of the manifest that must match for --resume to continue a dataset.
IDENTITY_KEYS = ("recipe", "seed", "n", "shard_size", "config", "corpus", "catalog_sha256", "ocr_clean", "split", "backgrounds")


@dataclass
class Manifest:
    """manifest.json: what was rendered, with which tools, the finished shards (in sample
    order) and the class table. `encode`/`decode` are the only JSON (de)serialisation."""

    recipe: str
    seed: int
    n: int
    shard_size: int
    config: dict  # the resolved StyleConfig
    corpus: dict  # Corpus.describe()
    catalog_sha256: str  # of the catalog.json beside the shards
    fonts_dir: str  # the --fonts folder or pack the data was made from
    fonts_used: int
    preset: str = "default"
    ocr_clean: bool = True
    split: str | None = None
    backgrounds: dict | None = None
    tool_version: str = ""
    sample_version: int = 0
    encoder: str = ""
    complete: bool = False
    classes: list[str] | None = None  # font ids rendered, sorted: class id = position; None: not recorded (older datasets)
    charset: str | None = None  # every character of the labels, sorted; None likewise
    published: dict | None = None  # a release made by `fontsynth publish`: its name, policy, source size
    redrawn: list[dict] = field(default_factory=list)  # samples drawn again because FreeType failed on a font, by index
    shards: list[ShardRecord] = field(default_factory=list)

    @property
    def samples(self) -> int:
        return sum(s.count for s in self.shards)

    def identity(self) -> dict:
        return {key: getattr(self, key) for key in IDENTITY_KEYS}

    def add_shard(self, record: ShardRecord) -> None:
        """List a finished shard (kept in sample order) and merge its class table."""
        self.shards = sorted([*self.shards, record], key=lambda s: s.start)
        self.classes = sorted(set(self.classes or ()) | set(record.classes))
        self.charset = "".join(sorted(set(self.charset or "") | set(record.charset)))
        self.redrawn = sorted([*self.redrawn, *record.redrawn], key=lambda e: e["index"])

    def encode(self) -> dict:
        data = {"format": FORMAT, "format_version": FORMAT_VERSION, **asdict(self)}
        data["shards"] = [s.to_json() for s in self.shards]
        return data

    @classmethod
    def decode(cls, data: dict, source: str = MANIFEST_FILE) -> "Manifest":
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise UserError(f"{source} is not a {FORMAT} manifest of version {FORMAT_VERSION}")
        known = {f.name for f in fields(cls)}
        try:
            values = {k: v for k, v in data.items() if k in known}
            values["shards"] = [ShardRecord.from_json(s) for s in data.get("shards", [])]
            return cls(**values)
        except (TypeError, KeyError, ValueError) as e:
            raise UserError(f"{source} is damaged ({type(e).__name__}: {e}); render the dataset again") from e


@dataclass(frozen=True)
class SampleRecord:
    """A sample's `meta-%09d` record: its global index, text and Style (which re-renders it)."""

    index: int
    text: str
    style: Style
    source_index: int | None = None  # in a published release: the sample's index in the dataset it came from

    def encode(self) -> bytes:
        record = {"index": self.index, "text": self.text, "style": self.style.to_dict()}
        if self.source_index is not None:
            record["source_index"] = self.source_index
        return json.dumps(record, separators=(",", ":")).encode()

    @classmethod
    def decode(cls, data: bytes) -> "SampleRecord":
        record = json.loads(data)
        return cls(record["index"], record["text"], Style.from_dict(record["style"]), record.get("source_index"))


class Digest:
    """sha256 over (key, value) records in write order, length-prefixed so it is unambiguous.

    A shard's checksum is this digest over its `sum-%09d` records: each sum covers every field
    of its sample, so the checksum covers the whole shard while hashing each value once."""

    def __init__(self) -> None:
        self._h = hashlib.sha256()

    def update(self, key: bytes, value: bytes) -> None:
        self._h.update(len(key).to_bytes(4, "little") + key + len(value).to_bytes(8, "little"))
        self._h.update(value)

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def image_format(data: bytes) -> str:
    """png, jpeg or other, by an encoded image's first bytes."""
    return "png" if data[:4] == b"\x89PNG" else "jpeg" if data[:2] == b"\xff\xd8" else "other"


class ShardWriter:
    """Writes one shard to a temporary folder; `finish()` checks it and renames it into place."""

    def __init__(self, root: Path, number: int, start: int, info: dict):
        self.final = Path(root) / shard_name(number)
        self.tmp = Path(root) / f"{shard_name(number)}.tmp-{os.getpid()}"
        with self.writing():
            self._open(start, info)

    @contextmanager
    def writing(self):
        """LMDB's and the file system's errors while the shard is written (a full disk, a quota,
        an I/O error) as one WriteError naming the shard and the space left, not a traceback."""
        try:
            yield
        except (lmdb.Error, OSError) as e:
            raise write_failed(self.final, e) from None

    def _open(self, start: int, info: dict) -> None:
        if self.tmp.exists():
            shutil.rmtree(self.tmp)
        self.start = start
        self.info = info
        self.count = 0
        self.fields: list[str] = []
        self.fonts: set[str] = set()
        self.chars: set[str] = set()
        self.formats: dict[str, int] = {}  # of the image field: `fontsynth info` reads them here, not from 2 GB of images
        self.digest = Digest()
        self.env = lmdb.open(str(self.tmp), map_size=MAP_SIZE, subdir=True, meminit=False, sync=False, metasync=False)
        self.txn = self.env.begin(write=True)

    def add(self, fields: dict[str, bytes]) -> None:
        """One sample: `fields` maps key prefixes (`image`, `label`, `meta`, ...) to values."""
        fields = {**fields, SUM_PREFIX: sample_sum(fields)}
        self.count += 1
        if self.count == 1:
            self.fields = sorted(fields)
        elif sorted(fields) != self.fields:
            raise ValueError(f"sample {self.count} has fields {sorted(fields)}, the shard has {self.fields}")
        with self.writing():
            for prefix in self.fields:
                self.txn.put(sample_key(prefix, self.count), fields[prefix])
        if "font" in fields:
            self.fonts.add(fields["font"].decode())
        for prefix in LABEL_FIELDS:
            if prefix in fields:
                self.chars.update(fields[prefix].decode("utf-8"))
        if "image" in fields:
            kind = image_format(fields["image"])
            self.formats[kind] = self.formats.get(kind, 0) + 1
        self.digest.update(sample_key(SUM_PREFIX, self.count), fields[SUM_PREFIX])
        if self.count % COMMIT_EVERY == 0:
            with self.writing():
                self.txn.commit()
                self.txn = self.env.begin(write=True)

    def finish(self, redrawn: list[dict] | tuple = ()) -> ShardRecord:
        """Commit, check and rename the shard; `redrawn`: the samples drawn again because
        FreeType failed on a font (kept in shard-info and merged into the manifest)."""
        with self.writing():
            return self._finish(redrawn)

    def _finish(self, redrawn: list[dict] | tuple) -> ShardRecord:
        classes, charset = sorted(self.fonts), "".join(sorted(self.chars))
        info = {**self.info, "start": self.start, "count": self.count, "fields": self.fields, "classes": classes, "charset": charset,
                "image_formats": dict(sorted(self.formats.items()))}
        if redrawn:
            info["redrawn"] = list(redrawn)
        self.txn.put(b"num-samples", str(self.count).encode())
        self.txn.put(b"shard-info", json.dumps(info, sort_keys=True).encode())
        self.txn.commit()
        self.env.sync(True)
        self.env.close()
        lock = self.tmp / "lock.mdb"
        if lock.exists():
            lock.unlink()  # readers open with lock=False; a stale lock file only confuses
        digest = self.digest.hexdigest()
        if checked_digest(self.tmp) != digest:  # not a full disk: the bytes on it are not the bytes written
            raise WriteError(f"shard {self.final} reads back differently from what was written (a failing disk or memory?): "
                             "check the disk, or write elsewhere")
        if self.final.exists():
            shutil.rmtree(self.final)  # an unlisted leftover of an interrupted run: same content
        os.rename(self.tmp, self.final)
        _fsync_dir(self.final.parent)
        return ShardRecord(self.final.name, self.start, self.count, digest, folder_bytes(self.final), tuple(classes), charset, tuple(redrawn))

    def abort(self) -> None:
        try:
            self.txn.abort()
            self.env.close()
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class DamagedShard(UserError, ValueError):
    """A shard whose files cannot be read safely (one `error:` line in the CLI; verify reports it)."""


def check_data_size(path: Path) -> None:
    """DamagedShard when `path`/data.mdb is shorter than its own meta pages say: LMDB maps the
    file and reading a page past its end kills the process (SIGBUS), so this is checked first.
    The newer of the two meta pages (by transaction id) gives the last page in use."""
    data = Path(path) / "data.mdb"
    try:
        size = data.stat().st_size
        with open(data, "rb") as f:
            head = f.read(4096)
            page = struct.unpack_from("<I", head, 40)[0] if len(head) >= 152 else 0  # free DB's md_pad holds the page size
            metas = [head]
            if 0 < page <= 1 << 16:
                f.seek(page)
                metas.append(f.read(152))
    except OSError as e:
        raise DamagedShard(f"cannot read {data} ({e.strerror}); the shard is damaged: run `fontsynth verify`") from e
    if not 0 < page <= 1 << 16 or any(len(m) < 152 for m in metas):
        raise DamagedShard(f"{data} is truncated or not an LMDB file ({size} bytes); the shard is damaged: run `fontsynth verify`")
    newest = max(metas, key=lambda m: struct.unpack_from("<Q", m, 144)[0])  # mm_txnid
    last_page = struct.unpack_from("<Q", newest, 136)[0]  # mm_last_pg
    if size < (last_page + 1) * page:
        raise DamagedShard(f"{data} is truncated: {size} bytes, its pages need {(last_page + 1) * page}; "
                           "the shard is damaged: run `fontsynth verify`, then restore it or render it again")


def open_readonly(path: Path) -> lmdb.Environment:
    """A shard's LMDB environment for reading: no lock file, no readahead (random access).
    Its size is checked against its meta pages first (see check_data_size)."""
    check_data_size(path)
    return lmdb.open(str(path), readonly=True, lock=False, readahead=False, meminit=False, subdir=True)


class _SharedEnvironments:
    """py-lmdb allows one open Environment per path in a process: readers of one shard share it,
    counted, and the last to close closes it.

    Fork-safe: a child process (a DataLoader worker) never uses the environments it inherited;
    on its first acquire it closes them (its own copies of the maps) and opens its own."""

    def __init__(self) -> None:
        self._open: dict[str, list] = {}
        self._pid = os.getpid()

    def _forget_inherited(self) -> None:
        if self._pid != os.getpid():
            for env, _ in self._open.values():
                env.close()
            self._open, self._pid = {}, os.getpid()

    def acquire(self, path: Path) -> lmdb.Environment:
        self._forget_inherited()
        key = str(Path(path).resolve())
        if key not in self._open:
            self._open[key] = [open_readonly(Path(key)), 0]
        self._open[key][1] += 1
        return self._open[key][0]

    def release(self, path: Path) -> None:
        self._forget_inherited()
        key = str(Path(path).resolve())
        entry = self._open.get(key)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            entry[0].close()
            del self._open[key]


ENVIRONMENTS = _SharedEnvironments()
CHECK_CHUNK = 1000  # samples read back per opening of a shard


def checked_digest(path: Path) -> str | None:
    """The checksum of the shard at `path` after checking every sample against its sum;
    None when a sample is missing or does not match.

    The shard is reopened every CHECK_CHUNK samples: pages read through LMDB's memory map
    count in the process's RSS until the map is closed, so reading a 65 MB shard in one
    opening would add 65 MB to the worker's peak memory."""
    digest = Digest()
    with ShardReader(path) as reader:
        count = reader.count
    for first in range(1, count + 1, CHECK_CHUNK):
        with ShardReader(path) as reader:
            if not reader.checked_sums(first, min(first + CHECK_CHUNK, count + 1), digest):
                return None
    return digest.hexdigest()


class ShardReader:
    """Read-only access to one shard (LMDB opened readonly, lock=False, readahead=False)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.env = ENVIRONMENTS.acquire(self.path)
        self._closed = False
        with self.env.begin() as txn:
            raw = txn.get(b"num-samples")
            info = txn.get(b"shard-info")
        if raw is None:
            raise ValueError(f"{self.path} has no num-samples key")
        try:
            self.count = int(raw)
        except ValueError:
            raise ValueError(f"{self.path} has a damaged num-samples key ({raw[:20]!r})") from None
        self.info = json.loads(info) if info else {}

    def __len__(self) -> int:
        return self.count

    def sample(self, local_index: int) -> dict[str, bytes]:
        """All fields of one sample (1-based), keyed by prefix."""
        with self.env.begin() as txn:
            return self._sample(txn, self.prefixes(txn), local_index)

    @staticmethod
    def _sample(txn, prefixes: list[str], local_index: int) -> dict[str, bytes]:
        out = {}
        for prefix in prefixes:
            value = txn.get(sample_key(prefix, local_index))
            if value is not None:
                out[prefix] = value
        return out

    def column(self, prefix: str) -> Iterator[bytes | None]:
        """The `prefix` field of every sample in order (None where absent), in one transaction."""
        with self.env.begin() as txn:
            for i in range(1, self.count + 1):
                yield txn.get(sample_key(prefix, i))

    def image_formats(self) -> dict[str, int]:
        """How many of the shard's images are png, jpeg (or other): from shard-info, or
        (shards written before it recorded them, other tools' LMDBs) by each image's first bytes."""
        if "image_formats" in self.info:
            return dict(self.info["image_formats"])
        counts: dict[str, int] = {}
        for value in self.column("image"):
            if value is not None:
                counts[image_format(value)] = counts.get(image_format(value), 0) + 1
        return counts

    def prefixes(self, txn) -> list[str]:
        """Key prefixes of every sample (from shard-info; else found by scanning the keys)."""
        if "fields" in self.info:
            return list(self.info["fields"])
        first = sample_key("", 1)
        return sorted({k[: -len(first)].decode() for k, _ in txn.cursor() if k.endswith(first)})

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        """Every sample record (not the shard's own keys) in write order: sample, then prefix."""
        with self.env.begin() as txn:
            prefixes = self.prefixes(txn)
            for i in range(1, self.count + 1):
                for prefix, value in self._sample(txn, prefixes, i).items():
                    yield sample_key(prefix, i), value

    def classes_and_charset(self) -> tuple[tuple[str, ...], str]:
        """The shard's font ids and label characters: from shard-info, or (shards written
        before they were recorded) by reading every font and label."""
        if "classes" in self.info and "charset" in self.info:
            return tuple(self.info["classes"]), self.info["charset"]
        fonts = {v.decode() for v in self.column("font") if v is not None}
        chars = {c for prefix in LABEL_FIELDS for v in self.column(prefix) if v is not None for c in v.decode("utf-8")}
        return tuple(sorted(fonts)), "".join(sorted(chars))

    def sums_digest(self) -> str:
        """The shard checksum from the stored sums (what the manifest records)."""
        digest = Digest()
        for i, value in enumerate(self.column(SUM_PREFIX), 1):
            digest.update(sample_key(SUM_PREFIX, i), value or b"")
        return digest.hexdigest()

    def checked_sums(self, first: int, stop: int, digest: Digest) -> bool:
        """Check samples first..stop-1 (1-based) against their sums, adding the sums to
        `digest`; False when one is missing or does not match."""
        with self.env.begin() as txn:
            prefixes = self.prefixes(txn)
            for i in range(first, stop):
                fields = self._sample(txn, prefixes, i)
                stored = fields.get(SUM_PREFIX)
                if stored is None or sample_sum(fields) != stored:
                    return False
                digest.update(sample_key(SUM_PREFIX, i), stored)
        return True

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            ENVIRONMENTS.release(self.path)

    def __enter__(self) -> "ShardReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
