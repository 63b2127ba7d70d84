"""Plan, run and resume a render: shards in parallel through joblib.

A run is planned from a `RenderJob` (everything checked before anything is written), then
each missing shard is written by one joblib task (locally, or on a dask or ray cluster, see
fontsynth.backends). The manifest lists finished shards and is rewritten after each one, so
`resume` skips them; it also adopts complete shard folders the manifest missed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import joblib
import lmdb

from fontsynth import __version__
from fontsynth.backends import check_backend, parallel_for
from fontsynth.catalog import CATALOG_FILE, Catalog, load_or_scan
from fontsynth.codec import ENCODER
from fontsynth.corpus import BadLine, default_corpus, keep_renderable, read_corpus_file
from fontsynth.effects.background import check_textures, list_textures
from fontsynth.errors import UserError, WriteError, refuse_file, require_at_least, require_utf8_paths, write_failed
from fontsynth.fileio import atomic_write_bytes, atomic_write_json, json_bytes
from fontsynth.progress import progress_bar
from fontsynth.recipes import CONTENT_FONTS, RECIPES, SAMPLE_VERSION, ContentFonts, FontPicker, SampleContext, SampleMaker
from fontsynth.shards import MANIFEST_FILE, SHARD_PREFIX, Manifest, ShardReader, ShardRecord, ShardWriter, checked_digest, folder_bytes, read_manifest, shard_name
from fontsynth.style import StyleConfig, check_backgrounds, preset

MAX_SHARD_SIZE = 10_000
PAIRS_CANVAS = (64, 256)  # default canvas of the pairs recipe (height, width)
MIN_SHARD_SIZE = 100


@dataclass
class RenderJob:
    fonts: Path
    out: Path | None  # None: no output folder (sampling only, as torchdata.RenderDataset)
    n: int
    seed: int = 0
    recipe: str = "words"
    preset: str = "default"
    config_file: Path | None = None
    size: str | None = None  # "64x256" (height x width) or "32" (height, natural width)
    corpus: Path | None = None  # texts, one per line, drawn as they are
    words: Path | None = None  # words, one per line, drawn in the default mix instead of the embedded words
    backgrounds: Path | None = None
    shard_size: int = 0  # 0: chosen from n
    workers: int = field(default_factory=joblib.cpu_count)  # one per CPU core (cgroup limits honoured)
    backend: str = "loky"  # loky (local processes), dask or ray (a cluster; --out on storage all workers share)
    scheduler: str | None = None  # dask scheduler address (tcp://host:8786) or ray address
    resume: bool = False
    overwrite: bool = False
    ocr_clean: bool = True
    split: str | None = None  # render only the fonts of this held-out split (train, val, test)
    catalog: Path | None = None
    show_progress: bool = True


@dataclass
class Plan:
    job: RenderJob
    sampling: Sampling  # what samples are made from, and what its inputs left out (bad lines, texts, backgrounds)
    catalog_json: bytes  # the whole catalog as written into the dataset folder (its sha256 is in the manifest)
    manifest: Manifest
    todo: list[tuple[int, int, int]]  # (shard number, start, count)

    @property
    def context(self) -> SampleContext:
        return self.sampling.context


def auto_shard_size(n: int) -> int:
    """About 64 shards for small runs (so workers share them), 10,000 samples at most."""
    return max(MIN_SHARD_SIZE, min(MAX_SHARD_SIZE, math.ceil(n / 64)))


def size_parts(size: str) -> list[int]:
    """`--size` HEIGHT or HEIGHTxWIDTH (any case) -> [height] or [height, width]."""
    try:
        parts = [int(p) for p in size.lower().split("x")]
        if len(parts) not in (1, 2) or min(parts) < 8:
            raise ValueError
    except ValueError:
        raise UserError(f"--size {size!r} is not HEIGHT or HEIGHTxWIDTH in pixels (each at least 8), e.g. 32 or 64x256") from None
    return parts


def parse_size(size: str | None, cfg: StyleConfig) -> StyleConfig:
    if size is None:
        return cfg
    parts = size_parts(size)
    return StyleConfig.from_dict({"height": parts[0], "width": parts[1] if len(parts) == 2 else 0}, base=cfg)


def load_config(job: RenderJob) -> StyleConfig:
    cfg = preset(job.preset)
    if job.config_file is not None:
        try:
            overrides = json.loads(Path(job.config_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise UserError(f"cannot read style config {job.config_file} ({e}); pass a JSON object of settings") from e
        if not isinstance(overrides, dict):
            raise UserError(f"style config {job.config_file} must be a JSON object of settings")
        cfg = StyleConfig.from_dict(overrides, base=cfg)
    return parse_size(job.size, cfg)


def _check_out(job: RenderJob) -> None:
    out = Path(job.out)
    require_utf8_paths(out=out)
    refuse_file(out)
    existing = [p for p in out.iterdir()] if out.exists() else []
    if existing and not (job.resume or job.overwrite):
        raise UserError(f"--out {out} is not empty; pass --resume to continue it, --overwrite to replace it, or another --out")
    if existing and not (out / MANIFEST_FILE).exists():
        raise UserError(f"--out {out} holds files but no {MANIFEST_FILE}: it is not a fontsynth dataset, so it is left alone; choose another --out")
    if job.resume and not existing:
        raise UserError(f"--resume: {out} holds no dataset to continue; drop --resume to start one")
    parent = out if out.exists() else next((p for p in out.parents if p.exists()), Path("."))
    try:
        os.rmdir(tempfile.mkdtemp(dir=parent, prefix=".fontsynth-probe-"))
    except OSError as e:
        raise UserError(f"--out {out} is not writable ({e.strerror}); choose a folder you can write to") from e


@dataclass
class Sampling:
    """What sample i is made from, built from a job's fonts, recipe, style and corpus options
    (not its output folder): shared by `plan` and the on-the-fly `torchdata.RenderDataset`."""

    context: SampleContext
    catalog: Catalog  # the whole catalog (written beside the data)
    config: StyleConfig
    fonts_used: int
    textures: list[str]
    bad_lines: list[BadLine] = field(default_factory=list)
    dropped_texts: list[str] = field(default_factory=list)
    rejected_textures: list[tuple[str, str]] = field(default_factory=list)  # (background image, reason)
    dropped_hint: str = ""  # what to do about dropped texts (any_font_hint)


def sized_for(recipe: str, cfg: StyleConfig, size: str | None) -> StyleConfig:
    """`cfg` (already at --size `size`, if given) as `recipe` draws it: pairs need a fixed
    canvas, PAIRS_CANVAS unless --size gave one (a natural-width --size is an error)."""
    if recipe == "pairs" and cfg.width <= 0:
        if size is not None:
            raise UserError(f"--recipe pairs needs a fixed canvas, HEIGHTxWIDTH (got --size {size}); e.g. --size 64x256")
        cfg = StyleConfig.from_dict({"height": PAIRS_CANVAS[0], "width": PAIRS_CANVAS[1]}, base=cfg)
    return cfg


def build_sampling(job: RenderJob) -> Sampling:
    """Check the job's sampling options and build the sample context. Writes nothing but a
    font catalog when the fonts folder has none yet."""
    if job.recipe not in RECIPES:
        raise UserError(f"unknown recipe {job.recipe!r}; choose one of: {', '.join(RECIPES)}")
    require_utf8_paths(fonts=job.fonts, backgrounds=job.backgrounds, corpus=job.corpus, words=job.words)
    cfg = sized_for(job.recipe, load_config(job), job.size)
    textures, rejected_textures = check_textures(job.backgrounds, list_textures(job.backgrounds), job.workers)
    check_backgrounds(cfg, bool(textures))
    catalog = load_or_scan(Path(job.fonts), job.catalog, workers=job.workers, show_progress=job.show_progress)
    splits = sorted({f.split for f in catalog.fonts if f.split})
    if job.split is not None and not splits:
        raise UserError(f"--split {job.split}: the catalog of {job.fonts} has no splits; make them with `fontsynth fonts split`")
    if job.split is not None and job.split not in splits:
        raise UserError(f"--split {job.split}: the catalog of {job.fonts} has no such split; choose one of: {', '.join(splits)}")
    usable = catalog.usable(job.ocr_clean, job.split)
    if not usable:
        kind = ("OCR-clean " if job.ocr_clean else "") + (f"{job.split}-split " if job.split else "")
        valid = catalog.usable(False, job.split)
        if job.ocr_clean and valid:  # fonts of other scripts, or without all punctuation
            raise UserError(f"no valid {kind}font in {job.fonts}: its {len(valid)} valid fonts are not OCR-clean (e.g. {valid[0].path}: "
                            f"{'; '.join(valid[0].ocr_issues)}); pass --any-font to render with them")
        raise UserError(f"no valid {kind}font in {job.fonts} ({catalog.summary()['rejected']} rejected); see `fontsynth fonts scan {job.fonts}` for reasons")
    bad: list[BadLine] = []
    if job.corpus is not None and job.words is not None:
        raise UserError(f"--corpus {job.corpus} and --words {job.words}: pass one (texts drawn as they are, or words for the default mix)")
    if job.corpus is not None or job.words is not None:
        corpus, bad = read_corpus_file(Path(job.corpus or job.words), words=job.words is not None)
    else:
        corpus = default_corpus()
    picker = FontPicker.build(usable, corpus.alphabet())
    fonts_cover = picker.covered_chars()
    contents = ContentFonts() if job.recipe == "pairs" else None
    try:
        corpus, dropped = keep_renderable(corpus, lambda t: set(t) <= fonts_cover and (contents is None or contents.covers(t)))
    except UserError as e:
        texts = corpus.lines or corpus.words
        raise UserError(f"{e}{any_font_hint(catalog, job, texts)}{content_font_hint(texts, fonts_cover)}") from None
    context = SampleContext.from_catalog(
        recipe=job.recipe, seed=job.seed, catalog=catalog, corpus=corpus, config=cfg, ocr_clean=job.ocr_clean, split=job.split,
        backgrounds=str(Path(job.backgrounds).resolve()) if job.backgrounds else None, textures=textures, picker=picker,
    )
    hint = any_font_hint(catalog, job, dropped) + content_font_hint(dropped, fonts_cover) if dropped else ""
    return Sampling(context, catalog, cfg, len(usable), textures, bad, dropped, rejected_textures, hint)


def skipped_texts_warning(dropped: list[str], hint: str, words: bool) -> str:
    """The warning line for the corpus texts (or words) no usable font covers."""
    kind = ("word" if words else "text") + ("" if len(dropped) == 1 else "s")
    return f"warning: {len(dropped)} {kind} skipped: no usable font covers them (e.g. {dropped[0]!r}){hint}"


def content_font_hint(texts: list[str], fonts_cover: set[str]) -> str:
    """When some of the left-out `texts` are covered by the fonts (`fonts_cover`), so the pairs'
    content fonts are what left them out: a clause saying so; else ""."""
    if not any(set(t) <= fonts_cover for t in texts):
        return ""
    return (f"; pairs are drawn only for texts one of the standard content fonts ({', '.join(f.name for f in CONTENT_FONTS)}) has every "
            "character of, as their content images are drawn in it")


def any_font_hint(catalog: Catalog, job: RenderJob, texts: list[str]) -> str:
    """When `texts` (of the first 50) are left out with OCR-clean fonts only but fonts that are not
    OCR-clean (fonts of other scripts, or without every punctuation mark) would draw some: a
    clause saying how many and to pass --any-font; else ""."""
    if not job.ocr_clean:
        return ""
    sample = texts[:50]
    n = sum(any(f.covers(t) for t in sample) for f in catalog.usable(False, job.split) if not f.ocr_clean)
    if not n:
        return ""
    fonts = f"{n} font that is" if n == 1 else f"{n} fonts that are"
    return f"; {fonts} not OCR-clean (of other scripts, or without every punctuation mark) would draw them: pass --any-font to render with them"


def plan(job: RenderJob) -> Plan:
    """Check every input and work out what is left to render. Writes nothing."""
    require_at_least(1, n=job.n, workers=job.workers)
    require_at_least(0, shard_size=job.shard_size)
    if job.resume and job.overwrite:
        raise UserError("--resume continues --out and --overwrite replaces it: pass one of them")
    check_backend(job.backend, job.scheduler)
    _check_out(job)
    sampling = build_sampling(job)
    context, catalog, cfg, textures = sampling.context, sampling.catalog, sampling.config, sampling.textures
    shard_size = job.shard_size or auto_shard_size(job.n)
    catalog_json = json_bytes(catalog.to_json())
    manifest = Manifest(
        recipe=job.recipe, seed=job.seed, n=job.n, shard_size=shard_size, preset=job.preset, config=cfg.to_dict(),
        corpus=context.corpus.describe(), catalog_sha256=hashlib.sha256(catalog_json).hexdigest(),
        fonts_dir=str(Path(job.fonts).resolve()), fonts_used=sampling.fonts_used, ocr_clean=job.ocr_clean, split=job.split,
        backgrounds={"dir": context.backgrounds, "files": textures} if textures else None,
        tool_version=__version__, sample_version=SAMPLE_VERSION, encoder=ENCODER, classes=[], charset="",
    )
    if job.resume:
        old = read_manifest(Path(job.out))
        if old.sample_version != SAMPLE_VERSION:
            raise UserError(f"--resume: {job.out} holds samples of sample version {old.sample_version} and this fontsynth draws version "
                            f"{SAMPLE_VERSION} (other samples for the same options); finish it with the fontsynth that began it, "
                            "or start it again with --overwrite")
        made = old.identity()
        made["config"] = {**StyleConfig().to_dict(), **(old.config or {})}  # settings added since (off by default) as they were
        for key, value in made.items():
            if value != getattr(manifest, key):
                raise UserError(f"--resume: {job.out} was made with another {key} than this command; rerun its original command, or use --overwrite")
        for record in _with_class_tables(Path(job.out), old):
            manifest.add_shard(record)
    done = {s.name for s in manifest.shards}
    todo = [
        (k, start, min(shard_size, job.n - start))
        for k, start in enumerate(range(0, job.n, shard_size))
        if shard_name(k) not in done
    ]
    return Plan(job=job, sampling=sampling, catalog_json=catalog_json, manifest=manifest, todo=todo)


class _WorkerMakers:
    """Per-process SampleMakers by context fingerprint, so a worker's font, glyph and texture
    caches stay warm from one shard to the next. A cache: it changes speed, never output."""

    def __init__(self) -> None:
        self.makers: dict[str, SampleMaker] = {}

    def get(self, context: SampleContext) -> SampleMaker:
        key = context.fingerprint()
        if key not in self.makers:
            self.makers = {key: SampleMaker(context)}  # one dataset at a time per worker
        return self.makers[key]


_MAKERS = _WorkerMakers()


def write_shard(context: SampleContext, out: str, number: int, start: int, count: int) -> ShardRecord:
    """Render samples start..start+count-1 into shard `number` (one joblib task)."""
    maker = _MAKERS.get(context)
    writer = ShardWriter(Path(out), number, start, {"recipe": context.recipe, "seed": context.seed})
    try:
        maker.take_redrawn()
        for index in range(start, start + count):
            writer.add(maker.make(index))
        return writer.finish(redrawn=maker.take_redrawn())
    except BaseException:
        writer.abort()
        raise


def _prepare_out(plan_: Plan) -> None:
    out = Path(plan_.job.out)
    if plan_.job.overwrite and not plan_.job.resume and out.exists():
        for p in out.iterdir():
            if p.name.startswith(SHARD_PREFIX):
                shutil.rmtree(p)
            elif p.name in (MANIFEST_FILE, CATALOG_FILE):
                p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    listed = {s.name for s in plan_.manifest.shards}
    expected = {shard_name(k): (start, count) for k, start, count in plan_.todo}
    for p in sorted(out.iterdir()):  # leftovers of an interrupted run
        if not p.name.startswith(SHARD_PREFIX) or p.name in listed:
            continue
        record = _adoptable(p, expected.get(p.name), plan_.context) if plan_.job.resume else None
        if record is None:
            shutil.rmtree(p)  # a temporary folder, or a shard this plan would not write
        else:
            plan_.manifest.add_shard(record)
            plan_.todo = [t for t in plan_.todo if shard_name(t[0]) != p.name]
    atomic_write_bytes(out / CATALOG_FILE, plan_.catalog_json)
    atomic_write_json(out / MANIFEST_FILE, plan_.manifest.encode())


def _with_class_tables(out: Path, old: Manifest) -> list[ShardRecord]:
    """The listed shards of a manifest being continued, with what the manifest keeps only as a
    union (class table, redraw events), read back from each shard's info."""
    records = []
    for s in old.shards:
        with ShardReader(out / s.name) as reader:
            classes, charset = reader.classes_and_charset()
            redrawn = tuple(reader.info.get("redrawn", ()))
        records.append(replace(s, classes=classes, charset=charset, redrawn=redrawn))
    return records


def _adoptable(path: Path, span: tuple[int, int] | None, context: SampleContext) -> ShardRecord | None:
    """A finished shard folder the manifest missed (the run stopped between its rename and the
    manifest update): its record, if it is exactly the shard this plan would write."""
    if span is None or ".tmp-" in path.name:
        return None
    try:
        with ShardReader(path) as reader:
            info = reader.info
            if (info.get("start"), info.get("count"), info.get("seed"), info.get("recipe")) != (*span, context.seed, context.recipe):
                return None
            classes, charset = reader.classes_and_charset()
            redrawn = tuple(info.get("redrawn", ()))
        digest = checked_digest(path)
        return ShardRecord(path.name, span[0], span[1], digest, folder_bytes(path), classes, charset, redrawn) if digest else None
    except (lmdb.Error, ValueError, OSError):
        return None


def execute(plan_: Plan) -> Manifest:
    """Write every missing shard; return the final manifest."""
    job, manifest = plan_.job, plan_.manifest
    _prepare_out(plan_)
    out = Path(job.out)
    done = manifest.samples
    tasks = (joblib.delayed(write_shard)(plan_.context, str(out.resolve()), *t) for t in plan_.todo)
    try:
        with progress_bar("rendering", job.n, "img", job.show_progress, done=done) as advance, parallel_for(job.backend, job.workers, job.scheduler) as parallel:
            for record in parallel(tasks):
                manifest.add_shard(record)
                write_manifest(out, manifest)
                advance(record.count)
        manifest.complete = manifest.samples == job.n
        write_manifest(out, manifest)
    except WriteError as e:  # a shard (in a worker) or the manifest: what is finished stays
        raise WriteError(f"{e}; the finished shards are kept: rerun the same command with --resume") from None
    return manifest


def write_manifest(out: Path, manifest: Manifest) -> None:
    try:
        atomic_write_json(out / MANIFEST_FILE, manifest.encode())
    except OSError as e:
        raise write_failed(out / MANIFEST_FILE, e) from None


def render_dataset(job: RenderJob) -> Manifest:
    """Plan and run: the Python entry point of `fontsynth render`."""
    return execute(plan(job))
