"""The font catalog: every font file under a folder, checked once, with a stable id each.

`scan_fonts(root)` checks each file in an isolated child process (see `fontcheck`), groups
identical files, finds duplicate designs (same family+style, same PostScript name, or a
near-identical render of [A-Za-z0-9]), keeps one font per design and gives the kept fonts
class ids 0..K-1 in order of their ids. The same files give the same catalog on any machine.
Given the folder's earlier catalog (`previous`), a scan checks only the files that are new or
changed since, when the checker is the same (`fontcheck.checker_fingerprint`): the others'
results are read from it and only their glyph signatures drawn again, so a folder of thousands
of fonts that gained a few is scanned in seconds, to the catalog a full scan would write.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import math
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields, replace
from functools import partial
from pathlib import Path

import joblib
import numpy as np

from fontsynth.errors import UserError, require_at_least
from fontsynth.fonts import FONT_SUFFIXES, clean_name
from fontsynth.fileio import atomic_write_json, sha256_file
from fontsynth.fontcheck import OTHER_SCRIPTS, checker_fingerprint
from fontsynth.isolate import DEFAULT_MEMORY_MB, python_module_command, run_isolated
from fontsynth.progress import progress_bar
from fontsynth.sources import read_sources

CATALOG_FILE = "catalog.json"
FORMAT = "fontsynth-catalog"
FORMAT_VERSION = 1
# How fonts are grouped into designs (`mark_duplicates`). 1: likeness chained by union-find, a
# variable font's instances one design, Type 1 styles from FullName/Weight only (before
# 2026-12-07); 2: no chaining, an instance per design, Type 1 styles from FontName. A catalog of
# an older grouping still loads (data made from it keeps its classes) with a note to rescan.
GROUPING = 2
NEAR_DUPLICATE_SIMILARITY = 0.97


@dataclass
class FontEntry:
    """One face of one font file (or one named instance of a variable font)."""

    id: str
    path: str  # relative to the catalog root, posix
    sha256: str
    index: int = 0  # face index in a .ttc collection
    instance: str | None = None  # named instance of a variable font
    family: str = ""
    style: str = ""
    postscript_name: str = ""
    outline: str = ""
    variable: bool = False
    accepted: bool = False
    reason: str = ""  # why it was rejected
    ocr_clean: bool = False
    ocr_issues: list[str] = field(default_factory=list)
    latin_score: float = 0.0
    script: str = ""  # what an accepted font is for: "Latin", or without Latin letters another script ("Arabic", ...: fontcheck.OTHER_SCRIPTS)
    charset: list[list[int]] = field(default_factory=list)  # covered code point ranges (only glyphs FreeType drew at the scan)
    undrawable: list[list[int]] = field(default_factory=list)  # mapped code points FreeType fails to draw, draws blank, cannot shape, or draws as another character: left out of charset
    copies: list[str] = field(default_factory=list)  # other paths with identical bytes
    duplicate_of: str | None = None  # id of the font kept for this design
    aliases: list[str] = field(default_factory=list)  # ids of duplicates of this font
    class_id: int | None = None
    split: str | None = None  # train | val | test (held-out fonts), set by `fonts split`
    package: str = ""
    license: str = ""
    license_file: str = ""

    @property
    def distinct(self) -> bool:
        return self.accepted and self.duplicate_of is None

    def covers(self, text: str) -> bool:
        return all(_in_ranges(ord(c), self.charset) for c in set(text))

    def covers_each(self, chars: str) -> np.ndarray:
        """Whether the font covers each of `chars` (bools, in order): `covers` of every
        character at once, for coverage tables over thousands of fonts."""
        points = np.array([ord(c) for c in chars], np.int64)
        if not self.charset:
            return np.zeros(len(points), bool)
        ranges = np.asarray(self.charset, np.int64)
        k = np.minimum(np.searchsorted(ranges[:, 1], points), len(ranges) - 1)  # the first range ending at or after each
        return (ranges[k, 0] <= points) & (points <= ranges[k, 1])


ENTRY_FIELDS = fields(FontEntry)


def entry_json(entry: FontEntry) -> dict:
    """A catalog entry as its JSON object. Its lists are the entry's own, not copies
    (dataclasses.asdict copies every one: a third of a render's start on 10,000 fonts)."""
    return {f.name: getattr(entry, f.name) for f in ENTRY_FIELDS}


def check_catalog_output(path: Path) -> None:
    """A catalog written to -o replaces only a catalog (a file whose first bytes say so, or one
    named catalog.json, which a scan may rebuild however broken): a font, a pack, another file
    or a folder there is refused and left alone."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"-o {path} is a folder; pass the catalog file to write, e.g. {path / CATALOG_FILE}")
    if path.exists() and path.name != CATALOG_FILE:
        with open(path, "rb") as f:
            head = f.read(200)
        if f'"format": "{FORMAT}"'.encode() not in head:
            raise UserError(f"-o {path} exists and is not a font catalog: it is left alone; choose another -o")


def _in_ranges(cp: int, ranges: list[list[int]]) -> bool:
    lo, hi = 0, len(ranges)
    while lo < hi:
        mid = (lo + hi) // 2
        if ranges[mid][1] < cp:
            lo = mid + 1
        else:
            hi = mid
    return lo < len(ranges) and ranges[lo][0] <= cp


@dataclass
class Catalog:
    root: Path
    fonts: list[FontEntry]
    pack: str | None = None  # a font pack the fonts are read from (entry paths are its members); see fontpack
    grouping: int = GROUPING  # how its designs were grouped (see GROUPING)
    checker: str = ""  # fontcheck.checker_fingerprint() of the scan: a later scan may reuse its results under the same

    def usable(self, ocr_clean: bool = True, split: str | None = None) -> list[FontEntry]:
        """Fonts rendering may pick: accepted, one per design, OCR-clean unless told otherwise,
        in `split` when one is named."""
        return [f for f in self.fonts if f.distinct and (f.ocr_clean or not ocr_clean) and (split is None or f.split == split)]

    def for_rendering(self, fonts: list[FontEntry]) -> "Catalog":
        """A light copy holding only `fonts`, without what rendering never reads (charsets,
        aliases, copies): what each worker process receives."""
        return replace(self, fonts=[replace(f, charset=[], aliases=[], copies=[], ocr_issues=[]) for f in fonts])

    def stale_note(self, source: str) -> str | None:
        """A note for a catalog grouped the older way (`GROUPING`), naming `source` and the rescan."""
        if self.grouping >= GROUPING:
            return None
        return (f"{source} was scanned by an older fontsynth (it records no grouping), which may have grouped the weights of a "
                f"family (and a variable font's instances) into one design: fewer classes than the fonts hold. `fontsynth fonts scan` "
                f"regroups them (new class ids; data rendered before keeps its own catalog), then `fonts split` again if you split them")

    def by_id(self) -> dict[str, FontEntry]:
        return {f.id: f for f in self.fonts}

    def font_path(self, entry: FontEntry) -> Path:
        return self.root / entry.path

    def font_file(self, entry: FontEntry) -> str | io.BytesIO:
        """What FreeType opens for `entry`: its path, or its bytes when read from a font pack."""
        if self.pack is None or Path(entry.path).is_absolute():  # absolute: a font registered outside the catalog
            return str(self.root / entry.path)
        from fontsynth.fontpack import PACKS

        return io.BytesIO(PACKS.read(self.pack, entry.path))

    def summary(self) -> dict:
        return {
            "files": len({f.path for f in self.fonts} | {c for f in self.fonts for c in f.copies}),
            "faces": len(self.fonts),
            "accepted": sum(f.accepted for f in self.fonts),
            "rejected": sum(not f.accepted for f in self.fonts),
            "distinct": sum(f.distinct for f in self.fonts),
            "ocr_clean": sum(f.distinct and f.ocr_clean for f in self.fonts),
            "other_scripts": dict(sorted(Counter(f.script for f in self.fonts if f.distinct and f.script not in ("", "Latin")).items())),
        }

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "grouping": self.grouping,
            "checker": self.checker,
            "summary": self.summary(),
            "fonts": [entry_json(f) for f in self.fonts],
        }

    def save(self, path: Path) -> None:
        atomic_write_json(path, self.to_json())

    @classmethod
    def load(cls, path: Path, root: Path | None = None) -> "Catalog":
        """The catalog at `path` (or in the fonts folder `path`), its fonts under `root` (default:
        beside it). When `root` is a font pack (data made from one), the pack's own catalog,
        which `path` copies."""
        if root is not None and Path(root).is_file():
            from fontsynth.fontpack import load_pack

            return load_pack(Path(root))
        path = catalog_path(Path(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UserError(f"cannot read font catalog {path} ({e}); rebuild it with `fontsynth fonts scan`") from e
        return cls.from_json(data, root=(root or path.parent), source=str(path))

    @classmethod
    def from_json(cls, data: dict, root: Path, source: str = "the catalog") -> "Catalog":
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
            raise UserError(f"{source} is not a fontsynth catalog of format {FORMAT_VERSION}; rebuild it with `fontsynth fonts scan`")
        known = {f.name for f in fields(FontEntry)}
        fonts = [FontEntry(**{k: v for k, v in f.items() if k in known}) for f in data["fonts"]]
        for font in fonts:  # catalogs scanned before names were cleaned (a style of "Roman\n")
            font.family, font.style = clean_name(font.family), clean_name(font.style)
        return cls(root=Path(root), fonts=fonts, grouping=int(data.get("grouping", 1)), checker=str(data.get("checker", "")))


def font_files(root: Path) -> tuple[list[str], list[str]]:
    """(relative posix paths of the font files under `root`, sorted; those left out because their
    names are not valid UTF-8, as printable names): a catalog is JSON and cannot hold such a
    name, which stopped every scan and render with a UnicodeEncodeError."""
    from fontsynth.fileio import is_utf8, shown_name

    paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())
    return [p for p in paths if is_utf8(p)], [shown_name(p) for p in paths if not is_utf8(p)]


def find_font_files(root: Path) -> list[str]:
    """Relative posix paths of font files under `root`, sorted (`font_files`)."""
    return font_files(root)[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def font_id(sha256: str, index: int, instance: str | None) -> str:
    """Stable id from the file's bytes: same file, same id, whatever its name or location."""
    fid = sha256[:16]
    if index:
        fid += f"-{index}"
    if instance:
        fid += f"@{_slug(instance)}"
    return fid


def catalog_path(path: Path) -> Path:
    """`path`, or the catalog.json of the fonts folder `path` (a UserError when it has none)."""
    if not path.is_dir():
        return path
    if not (path / CATALOG_FILE).is_file():
        raise UserError(f"{path} is a folder without a font catalog ({CATALOG_FILE}); make one with `fontsynth fonts scan {path}`")
    return path / CATALOG_FILE


# What fontcheck.check_face records of a face, less its glyph signature: what a catalog entry keeps.
FACE_FIELDS = ("index", "instance", "family", "style", "postscript_name", "outline", "variable", "charset", "accepted",
               "reason", "ocr_clean", "ocr_issues", "latin_score", "script", "undrawable")


@dataclass
class Scan:
    """A scan's catalog, and how many files it checked and how many it took from the earlier catalog."""

    catalog: Catalog
    checked: int
    reused: int


def scan_fonts(root: Path, workers: int = 2, timeout: float = 30.0, show_progress: bool = True, command: list[str] | None = None,
               memory_mb: int | None = DEFAULT_MEMORY_MB, previous: Catalog | None = None) -> Catalog:
    """The catalog of `root` (not saved); see `scan`."""
    return scan(root, workers, timeout, show_progress, command, memory_mb, previous).catalog


def scan(root: Path, workers: int = 2, timeout: float = 30.0, show_progress: bool = True, command: list[str] | None = None,
         memory_mb: int | None = DEFAULT_MEMORY_MB, previous: Catalog | None = None) -> Scan:
    """Check every font file under `root` and build its catalog. Each file is checked in a child
    process capped at `timeout` seconds and `memory_mb` of memory, except files `previous` (an
    earlier catalog of the folder) checked with the same checker and whose bytes are unchanged:
    their results are taken from it and only their accepted faces' glyph signatures drawn again
    (in the same children). A file whose signatures cannot be drawn again is checked anew.
    With another `command` than fontcheck's (tests), nothing is reused, and the catalog records
    no checker."""
    root = Path(root)
    require_at_least(1, workers=workers)
    if not timeout > 0:  # else every font would be rejected as hanging, and the catalog written so
        raise UserError(f"--timeout must be more than 0 seconds (got {timeout})")
    if not root.is_dir():
        raise UserError(f"font folder {root} does not exist; pass --fonts with a folder of .ttf/.otf files")
    rel_paths, misnamed = font_files(root)
    if misnamed:
        print(f"warning: {len(misnamed)} font file{'s' * (len(misnamed) != 1)} left out: not a UTF-8 name, which a catalog cannot hold "
              f"(e.g. {misnamed[0]}); rename {'them' if len(misnamed) != 1 else 'it'} to use {'them' if len(misnamed) != 1 else 'it'}",
              file=sys.stderr)
    if not rel_paths:
        raise UserError(f"no font files (.ttf .otf .ttc .pfb) found under {root}; pass --fonts with a folder of fonts")
    checker = checker_fingerprint() if command is None else ""
    command = command or python_module_command("fontsynth.fontcheck")
    earlier = earlier_results(previous, checker)
    reused = {rel: copy.deepcopy(earlier[rel]) for rel in rel_paths if rel in earlier and sha256_file(root / rel) == earlier[rel]["sha256"]}
    tasks = {rel: {"path": str(root / rel)} for rel in rel_paths if rel not in reused}
    redraw = {rel: {"path": str(root / rel), "signatures": [[f["index"], f["instance"]] for f in result["faces"] if signed(f)]}
              for rel, result in first_of_each_file(reused).items() if any(signed(f) for f in result["faces"])}
    answers = run_checks(root, {**tasks, **redraw}, workers, timeout, command, memory_mb, show_progress)
    failed = {}  # files whose signatures could not be drawn again: checked anew, in one more pass
    for rel, task in redraw.items():
        accepted = [f for f in reused[rel]["faces"] if signed(f)]
        signatures = answers[rel].get("signatures") or []
        if len(signatures) != len(accepted) or not all(signatures):
            failed[rel] = {"path": task["path"]}
            del reused[rel]
        for face, signature in zip(accepted, signatures):
            face["signature"] = signature
    if failed:
        answers.update(run_checks(root, failed, workers, timeout, command, memory_mb, False))
    tasks.update(failed)
    fresh = {rel: answers[rel] for rel in tasks}
    check_systematic_failure(fresh)
    return Scan(build_catalog(root, rel_paths, {**reused, **fresh}, checker), checked=len(fresh), reused=len(reused))


def signed(face: dict) -> bool:
    """Whether a checked face has a glyph signature: every accepted face but those of other
    scripts (they have none, and group by name only)."""
    return face["accepted"] and face.get("script") not in OTHER_SCRIPTS


def earlier_results(previous: Catalog | None, checker: str) -> dict[str, dict]:
    """The check results `previous` holds, by relative path (its entries' copies included):
    {"sha256", "faces"} with each face's FACE_FIELDS (no signature); {} when there is no
    catalog, or another checker made it. A file whose check crashed or hung (no sha256) is left
    out: it is checked again. A file the parser could not read comes back as one rejected face,
    which gives the entry its error gave."""
    if previous is None or not checker or previous.checker != checker:
        return {}
    faces: dict[str, list[dict]] = defaultdict(list)
    for entry in previous.fonts:
        if entry.sha256:
            faces[entry.path].append({name: getattr(entry, name) for name in FACE_FIELDS})
    return {path: {"sha256": e.sha256, "faces": faces[e.path]} for e in previous.fonts if e.sha256 for path in (e.path, *e.copies)}


def first_of_each_file(results: dict[str, dict]) -> dict[str, dict]:
    """The results of the first path (in order) of each distinct content: the others are copies,
    listed under the first one's entry, whose faces the catalog never reads."""
    first: dict[str, str] = {}
    for rel in sorted(results):
        first.setdefault(results[rel]["sha256"], rel)
    return {rel: results[rel] for rel in first.values()}


def run_checks(root: Path, tasks: dict[str, dict], workers: int, timeout: float, command: list[str], memory_mb: int | None,
               show_progress: bool) -> dict[str, dict]:
    """The fontcheck children's answers to `tasks` (by relative path), in chunks over `workers`."""
    names = list(tasks)
    chunk = max(1, min(100, math.ceil(len(names) / (4 * max(1, workers)))))
    chunks = [names[i : i + chunk] for i in range(0, len(names), chunk)]
    answers: dict[str, dict] = {}
    parallel = joblib.Parallel(n_jobs=workers, return_as="generator_unordered")
    jobs = (joblib.delayed(_answers)(c, [tasks[name] for name in c], timeout, command, memory_mb) for c in chunks)
    with progress_bar("scanning fonts", len(names), "fonts", show_progress) as advance:
        for part in parallel(jobs):
            answers.update(part)
            advance(len(part))
    return answers


SYSTEMATIC_MIN_FILES = 10
SYSTEMATIC_SHARE = 0.5
# Errors that, from the parser, mean broken code rather than a broken font.
CODE_ERRORS = ("TypeError", "AttributeError", "NameError", "ImportError", "ModuleNotFoundError")


def check_systematic_failure(results: dict[str, dict]) -> None:
    """A UserError when most files failed the checks with the same error: a bug of ours or a
    broken installation (say, an incompatible Pillow), not a folder of bad fonts. Single bad
    fonts are rejected with their reason; this keeps a real bug from being written down as
    thousands of rejections."""
    if len(results) < SYSTEMATIC_MIN_FILES:
        return
    errors: Counter = Counter()
    for result in results.values():
        seen = {face.get("check_error") for face in result.get("faces", []) if face.get("check_error")}
        error = result.get("error", "")
        if error.startswith("not a readable font (") and error[len("not a readable font ("):].startswith(CODE_ERRORS):
            seen.add(error)
        errors.update(re.sub(r"\d+", "N", e) for e in seen)
    if errors:
        error, count = errors.most_common(1)[0]
        if count >= SYSTEMATIC_SHARE * len(results):
            raise UserError(f"{count} of {len(results)} font files failed the checks the same way ({error}); that is a bug in "
                            "fontsynth or a broken installation (Pillow, FreeType, fontTools), not bad fonts: no catalog was written. "
                            "Reinstall with `pip install -e .` and report it if it persists")


def _answers(rel: list[str], tasks: list[dict], timeout: float, command: list[str], memory_mb: int | None) -> dict[str, dict]:
    """Answers to one chunk of tasks (a joblib task), by relative path."""
    return dict(zip(rel, run_isolated(command, tasks, timeout, memory_mb)))


def build_catalog(root: Path, rel_paths: list[str], results: dict[str, dict], checker: str = "") -> Catalog:
    """Entries from per-file check results: one per distinct file content, duplicates marked."""
    sources = read_sources(root)
    by_hash: dict[str, list[str]] = defaultdict(list)
    entries: list[FontEntry] = []
    signatures: dict[str, np.ndarray] = {}
    for rel in rel_paths:
        result = results[rel]
        sha = result.get("sha256") or ""
        by_hash[sha].append(rel)
        if len(by_hash[sha]) > 1 and sha:
            continue  # an identical copy: listed under the first path's entry
        source = sources.get(rel)
        licence = {"package": source.package, "license": source.license, "license_file": source.license_file} if source else {}
        if "error" in result:
            entries.append(FontEntry(id=font_id(sha or "0" * 16, 0, None), path=rel, sha256=sha, reason=result["error"], **licence))
            continue
        for face in result["faces"]:
            signature = face.pop("signature", "")
            face.pop("check_error", None)
            entry = FontEntry(id=font_id(sha, face["index"], face["instance"]), path=rel, sha256=sha, **face, **licence)
            if signature:
                signatures[entry.id] = np.frombuffer(base64.b64decode(signature), np.uint8)  # 4x smaller than float
            entries.append(entry)
    for entry in entries:
        entry.copies = by_hash.get(entry.sha256, [entry.path])[1:] if entry.sha256 else []
    mark_duplicates(entries, signatures)
    assign_class_ids(entries)
    return Catalog(root=root, fonts=entries, checker=checker)


def near_duplicate_pairs(ids: list[str], vectors: np.ndarray, threshold: float) -> list[tuple[str, str, float]]:
    """(a, b, similarity) of the pairs whose glyph signatures have cosine similarity >= threshold
    (after centring), a before b in `ids`."""
    if len(ids) < 2:
        return []
    v = vectors.astype(np.float32)
    v -= v.mean(axis=1, keepdims=True)
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-6)
    pairs = []
    for start in range(0, len(ids), 1024):
        sims = v[start : start + 1024] @ v.T
        for a, b in zip(*np.nonzero(sims >= threshold)):
            i = start + int(a)
            if i < int(b):
                pairs.append((ids[i], ids[int(b)], float(sims[a, b])))
    return pairs


def find_root(parent: dict[str, str], x: str) -> str:
    """The root of `x` in the union-find forest `parent` (paths halved on the way)."""
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def keep_order(entry: FontEntry) -> tuple:
    """Which font of a design is kept (the smallest): OCR-clean, static, first path."""
    return (not entry.ocr_clean, entry.variable, entry.path, entry.id)


def mark_duplicates(entries: list[FontEntry], signatures: dict[str, np.ndarray]) -> None:
    """Group accepted fonts of one design; keep one (`keep_order`), alias the rest.

    Fonts of one name (family and style, or PostScript name and named instance: the instances of
    a variable font share its PostScript name) are one design. Otherwise a font is
    an alias of a kept font only if it looks like that font itself (glyph signatures at least
    NEAR_DUPLICATE_SIMILARITY alike): fonts are taken in `keep_order` and each joins the kept
    font it is most alike, or is kept. Likeness is not chained: the weights of a family are each
    alike their neighbours (Light ~ Regular ~ Medium ~ Bold), and chaining them made a whole
    variable family, Thin to Black, one design."""
    accepted = sorted((e for e in entries if e.accepted), key=keep_order)
    parent = {e.id: e.id for e in accepted}
    find = partial(find_root, parent)
    keys: dict[tuple, str] = {}
    for e in accepted:
        for key in (("name", e.family.lower(), e.style.lower()), ("ps", e.instance or "", e.postscript_name)):
            if key[-1]:
                if key in keys:
                    parent[find(e.id)] = find(keys[key])
                else:
                    keys[key] = e.id
    named: dict[str, list[FontEntry]] = defaultdict(list)
    for e in accepted:
        named[find(e.id)].append(e)
    ids = [e.id for e in accepted if e.id in signatures]
    alike: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for a, b, similarity in near_duplicate_pairs(ids, np.stack([signatures[i] for i in ids]), NEAR_DUPLICATE_SIMILARITY) if ids else []:
        alike[a].append((similarity, b))
        alike[b].append((similarity, a))
    designs: dict[str, list[FontEntry]] = {}  # by the id of the font kept (the first of the design in keep_order)
    for members in sorted(named.values(), key=lambda m: keep_order(m[0])):
        head = members[0].id
        joins = max(((s, other) for s, other in alike[head] if other in designs), default=None)
        designs.setdefault(joins[1] if joins else head, []).extend(members)
    for members in designs.values():
        keep = members[0]
        keep.aliases = sorted(e.id for e in members if e is not keep)
        for e in members:
            e.duplicate_of = None if e is keep else keep.id


def assign_class_ids(entries: list[FontEntry]) -> None:
    for e in entries:
        e.class_id = None
    for class_id, e in enumerate(sorted((e for e in entries if e.distinct), key=lambda e: e.id)):
        e.class_id = class_id


SPLITS = ("train", "val", "test")


SPLIT_UNITS = ("design", "family")  # what `fonts split` holds out whole


def split_units(catalog: Catalog, by: str = "family") -> dict[str, str]:
    """The unit each kept font is held out with, by kept font id: its design (itself, with its
    aliases), or its family: every design sharing a family name with it, its aliases' families
    included (a clone under another name, such as Nimbus Roman for TeX Gyre Termes, joins the
    clone's family). A unit is named by its smallest font id."""
    if by not in SPLIT_UNITS:
        raise UserError(f"--by {by!r}: choose one of {', '.join(SPLIT_UNITS)}")
    kept = sorted(f.id for f in catalog.fonts if f.distinct)
    if by == "design":
        return {f: f for f in kept}
    parent = {f: f for f in kept}
    find = partial(find_root, parent)
    first: dict[str, str] = {}
    for f in catalog.fonts:
        design = f.id if f.distinct else f.duplicate_of
        if design in parent and f.family.strip():
            name = " ".join(f.family.lower().split())
            a, b = find(design), find(first.setdefault(name, design))
            parent[max(a, b)] = min(a, b)
    return {f: find(f) for f in kept}


@dataclass(frozen=True)
class SplitCounts:
    """What `split_fonts` made: kept fonts (designs) and units (families, or designs) per split."""

    designs: dict[str, int]
    units: dict[str, int]
    by: str

    def describe(self) -> str:
        """One line, e.g. "train 2, val 1, test 1 designs (2, 1, 1 families)"."""
        line = ", ".join(f"{name} {self.designs[name]}" for name in SPLITS) + " designs"
        return line if self.by == "design" else f"{line} ({', '.join(str(self.units[name]) for name in SPLITS)} families)"


def split_fonts(catalog: Catalog, val: float, test: float, seed: int = 0, by: str = "family") -> SplitCounts:
    """Assign held-out fonts: each unit (`split_units`: a family of designs, or a design, a kept
    font and its aliases) goes to one side. By family (the default since 2026-12-07) no held-out
    font has a weight or width of its family in training; by design 78% of the held-out
    OCR-clean Debian fonts did (BENCHMARKS.md), which flatters any "unseen fonts" figure.

    Units are ranked by sha256(seed, unit name); the first round(test*K) of the K units go to
    test, the next round(val*K) to val, the rest to train. Same fonts and seed, same split, on
    any machine.
    """
    if not (0 <= val < 1 and 0 <= test < 1 and val + test < 1):
        raise UserError(f"--val {val} and --test {test} must be fractions in [0, 1) that sum to less than 1")
    unit_of = split_units(catalog, by)
    units = sorted(set(unit_of.values()), key=lambda u: hashlib.sha256(f"{seed}:{u}".encode()).hexdigest())
    n_test, n_val = round(test * len(units)), round(val * len(units))
    unit_side = {u: "test" if i < n_test else "val" if i < n_test + n_val else "train" for i, u in enumerate(units)}
    side = {f: unit_side[u] for f, u in unit_of.items()}
    for f in catalog.fonts:
        f.split = side.get(f.id) or side.get(f.duplicate_of or "")
    return SplitCounts(designs={name: sum(1 for s in side.values() if s == name) for name in SPLITS},
                       units={name: sum(1 for s in unit_side.values() if s == name) for name in SPLITS}, by=by)


def load_or_scan(fonts: Path, catalog_path: Path | None = None, workers: int = 2, show_progress: bool = True) -> Catalog:
    """The catalog of `fonts`: read from `fonts/catalog.json` when it matches the folder, else rebuilt.

    It matches when it lists exactly the folder's font files and every file modified after
    the catalog was written still has the sha256 the catalog recorded (a font replaced in
    place under the same name is noticed). A rebuilt catalog checks only the files that are new
    or changed (`scan`), and is saved beside the fonts when the folder is writable.
    """
    fonts = Path(fonts)
    if fonts.is_file():
        from fontsynth.fontpack import is_pack, load_pack

        if not is_pack(fonts):
            raise UserError(f"--fonts {fonts} is a file but not a font pack; pass a folder of fonts or a pack made by `fontsynth fonts pack`")
        return noted(load_pack(fonts), str(fonts))
    if not fonts.is_dir():
        raise UserError(f"font folder {fonts} does not exist; pass --fonts with a folder of .ttf/.otf files")
    path = Path(catalog_path) if catalog_path else fonts / CATALOG_FILE
    previous = None
    if path.exists():
        previous = Catalog.load(path, root=fonts)
        if catalog_path is not None or _matches(previous, fonts, path):
            return noted(previous, str(path))
    catalog = scan_fonts(fonts, workers=workers, show_progress=show_progress, previous=previous)
    try:
        catalog.save(path)
    except OSError:
        pass  # a read-only font folder: the catalog lives only in this run's output
    return catalog


def noted(catalog: Catalog, source: str) -> Catalog:
    """`catalog`, after its stale note (if any) on stderr."""
    note = catalog.stale_note(source)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return catalog


def _matches(catalog: Catalog, root: Path, catalog_file: Path) -> bool:
    files = set(find_font_files(root))
    hashes = {f.path: f.sha256 for f in catalog.fonts} | {c: f.sha256 for f in catalog.fonts for c in f.copies}
    if set(hashes) != files:
        return False
    written = catalog_file.stat().st_mtime_ns
    newer = [p for p in sorted(files) if (root / p).stat().st_mtime_ns > written]
    if not all(hashes[p] and sha256_file(root / p) == hashes[p] for p in newer):
        return False
    if newer:  # unchanged bytes (a fresh checkout or copy): skip the hashing next time
        try:
            os.utime(catalog_file)
        except OSError:
            pass
    return True
