"""`fontsynth publish`: a release folder that anyone can download, verify and load.

    release/
      README.md          dataset card: YAML front matter + generation config, statistics
      preview.png        a grid of random samples
      ATTRIBUTION.md     every font the released samples use, with its license
      licenses/          the license texts of those fonts
      catalog.json       the fonts (ids, class ids, licenses)
      data/              LMDB shards + manifest (format lmdb), or Parquet files (format parquet)
      SHA256SUMS         checksums of every file above (sha256sum -c SHA256SUMS)

Only a complete dataset that passes `verify` is published. A license policy drops the samples
drawn in fonts whose license the policy excludes (see fontsynth.licenses). The release is
assembled under a temporary name and renamed when complete; nothing is uploaded.
"""

from __future__ import annotations

import collections
import json
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from fontsynth import __version__
from fontsynth.catalog import CATALOG_FILE, Catalog
from fontsynth.corpus import describe_source, is_embedded
from fontsynth.dataset import Dataset
from fontsynth.errors import UserError, refuse_file
from fontsynth.extras import require
from fontsynth.fileio import atomic_write_json, sha256_file
from fontsynth.datasetview import label_statistics, preview_grid
from fontsynth.licenses import POLICIES, classify
from fontsynth.progress import progress_bar
from fontsynth.shards import CHECKSUMS_FILE, IMAGE_FIELDS, MANIFEST_FILE, RECORD_FIELDS, RELEASE_DATA, SUM_PREFIX, Manifest, SampleRecord, ShardWriter
from fontsynth.sources import attribution_markdown, entry_source
from fontsynth.verify import verify_dataset

FORMATS = ("lmdb", "parquet")
IMAGE_COLUMNS = {f: f.replace("-", "_") for f in IMAGE_FIELDS}  # Parquet column of each image field
PARQUET_ROWS = 10_000


@dataclass
class PublishJob:
    data: Path
    out: Path
    name: str
    license_policy: str = "strict"
    format: str = "lmdb"
    dataset_license: str = "other"
    languages: tuple[str, ...] | None = None  # the card's language codes; None: en for the embedded corpus, none given otherwise
    preview_count: int = 32
    show_progress: bool = True
    workers: int = 1  # processes verifying the dataset first


@dataclass
class PublishResult:
    out: Path
    samples: int
    excluded: int
    fonts: list[str] = field(default_factory=list)
    excluded_by_class: dict[str, int] = field(default_factory=dict)
    missing_license_texts: list[str] = field(default_factory=list)  # fonts whose license file was not found


def _check(job: PublishJob) -> None:
    if job.license_policy not in POLICIES:
        raise UserError(f"unknown license policy {job.license_policy!r}; choose one of: {', '.join(POLICIES)}")
    if job.format not in FORMATS:
        raise UserError(f"unknown format {job.format!r}; choose one of: {', '.join(FORMATS)}")
    if not job.name or "/" in job.name:
        raise UserError(f"--name {job.name!r} must be a plain dataset name")
    for code in job.languages or ():
        if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", code):
            raise UserError(f"--language {code!r} is not a language code; give ISO 639 codes such as en, de or pt-BR")
    out = Path(job.out)
    refuse_file(out)
    if out.exists() and any(out.iterdir()):
        raise UserError(f"--out {out} is not empty; choose a new folder for the release")
    if job.format == "parquet":
        require("pyarrow", "publish", "publishing as Parquet")


def publish(job: PublishJob) -> PublishResult:
    _check(job)
    report = verify_dataset(job.data, show_progress=job.show_progress, workers=job.workers)
    if not report.ok:
        raise UserError(f"{job.data} fails verification ({report.problems[0]}, {len(report.problems)} problems); run `fontsynth verify {job.data}`")
    ds = Dataset(job.data)
    if not ds.complete:
        raise UserError(f"{job.data} is incomplete; finish it with `fontsynth render ... --resume` before publishing")
    catalog = ds.catalog()
    license_class = {f.id: classify(f.license) for f in catalog.fonts}
    kept, excluded = [], collections.Counter()
    for index, font in ds.column("font"):
        cls = license_class[font.decode()]
        if cls in POLICIES[job.license_policy]:
            kept.append(index)
        else:
            excluded[cls] += 1
    if not kept:
        raise UserError(f"the {job.license_policy} license policy excludes every sample of {job.data}; choose --license-policy open or none")
    out = Path(job.out)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    (tmp / RELEASE_DATA).mkdir(parents=True)
    try:
        used = _write_data(ds, kept, tmp / RELEASE_DATA, job, catalog)
        missing = _write_fonts(catalog, used, tmp)
        preview_grid(ds, job.preview_count, 0, columns=2, indices=kept).save(tmp / "preview.png")
        stats = _statistics(ds, kept, used)
        (tmp / "README.md").write_text(dataset_card(job, ds.manifest, stats, dict(excluded)), encoding="utf-8")
        write_checksums(tmp)
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        ds.close()
    return PublishResult(out=out, samples=len(kept), excluded=sum(excluded.values()), fonts=sorted(used),
                         excluded_by_class=dict(excluded), missing_license_texts=missing)


def _renumbered(fields: dict[str, bytes], new_index: int) -> dict[str, bytes]:
    """The sample's fields with its records pointing at its index in the release."""
    out = {k: v for k, v in fields.items() if k != SUM_PREFIX}
    for key in RECORD_FIELDS:
        if key in out:
            record = SampleRecord.decode(out[key])
            out[key] = replace(record, index=new_index, source_index=record.index).encode()
    return out


def _write_data(ds: Dataset, kept: list[int], dest: Path, job: PublishJob, catalog: Catalog) -> set[str]:
    used: set[str] = set()
    shard_size = ds.manifest.shard_size
    with progress_bar("publishing", len(kept), "samples", job.show_progress) as advance:
        if job.format == "lmdb":
            manifest = replace(ds.manifest, n=len(kept), shards=[], complete=True, classes=[], charset="",
                               published={"name": job.name, "license_policy": job.license_policy, "source_samples": len(ds)})
            for number, start in enumerate(range(0, len(kept), shard_size)):
                writer = ShardWriter(dest, number, start, {"recipe": ds.manifest.recipe, "seed": ds.manifest.seed})
                for new, index in enumerate(kept[start : start + shard_size], start=start):
                    fields = ds[index]
                    used.add(fields["font"].decode())
                    writer.add(_renumbered(fields, new))
                manifest.add_shard(writer.finish())
                advance(min(shard_size, len(kept) - start))
            atomic_write_json(dest / MANIFEST_FILE, manifest.encode())
            shutil.copyfile(ds.root / CATALOG_FILE, dest / CATALOG_FILE)
        else:
            used = _write_parquet(ds, kept, dest, catalog, advance)
    return used


def _write_parquet(ds: Dataset, kept: list[int], dest: Path, catalog: Catalog, advance) -> set[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    fonts = catalog.by_id()
    first = ds[kept[0]]
    images = [c for f, c in IMAGE_COLUMNS.items() if f in first]
    image_type = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    schema = pa.schema(
        [(c, image_type) for c in images]
        + [("label", pa.string())] + ([("label_b", pa.string())] if "label-b" in first else [])
        + [("font_id", pa.string()), ("font_family", pa.string()), ("font_license", pa.string()), ("class_id", pa.int64()),
           ("style", pa.string()), ("index", pa.int64()), ("source_index", pa.int64())]
    )
    features = {c: {"_type": "Image"} for c in images}
    features.update({c: {"dtype": "string", "_type": "Value"} for c in ("label", "label_b", "font_id", "font_family", "font_license", "style") if c in schema.names})
    features.update({c: {"dtype": "int64", "_type": "Value"} for c in ("class_id", "index", "source_index")})
    schema = schema.with_metadata({b"huggingface": json.dumps({"info": {"features": features}}).encode()})
    used: set[str] = set()
    parts = (len(kept) + PARQUET_ROWS - 1) // PARQUET_ROWS
    for part in range(parts):
        chunk = kept[part * PARQUET_ROWS : (part + 1) * PARQUET_ROWS]
        rows: dict[str, list] = {name: [] for name in schema.names}
        for new, index in enumerate(chunk, start=part * PARQUET_ROWS):
            s = ds[index]
            font = fonts[s["font"].decode()]
            used.add(font.id)
            for field_name, column in IMAGE_COLUMNS.items():
                if column in rows:
                    rows[column].append({"bytes": s[field_name], "path": None})
            rows["label"].append(s["label"].decode("utf-8"))
            if "label_b" in rows:
                rows["label_b"].append(s["label-b"].decode("utf-8"))
            rows["font_id"].append(font.id)
            rows["font_family"].append(f"{font.family} {font.style}".strip())
            rows["font_license"].append(font.license)
            rows["class_id"].append(font.class_id)
            rows["style"].append(json.dumps(SampleRecord.decode(s["meta"]).style.to_dict(), sort_keys=True))
            rows["index"].append(new)
            rows["source_index"].append(index)
        pq.write_table(pa.table(rows, schema=schema), dest / f"train-{part:05d}-of-{parts:05d}.parquet")
        advance(len(chunk))
    return used


def _release_license_path(license_file: str) -> str:
    """Where a font's license text goes in the release: licenses/<its path in the font folder>."""
    parts = PurePosixPath(license_file).parts
    return PurePosixPath("licenses", *(parts[1:] if parts and parts[0] == "licenses" else parts)).as_posix()


def _write_fonts(catalog: Catalog, used: set[str], dest: Path) -> list[str]:
    """ATTRIBUTION.md, licenses/ and catalog.json for the fonts used; returns the fonts whose
    license text was not found."""
    fonts = [f for f in catalog.fonts if f.id in used]
    sources, missing = [], []
    for f in fonts:
        source = entry_source(f)
        if f.license_file and (catalog.root / f.license_file).is_file():
            target = dest / _release_license_path(f.license_file)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(catalog.root / f.license_file, target)
            source = replace(source, license_file=_release_license_path(f.license_file))
        else:
            missing.append(f.path)
        sources.append(source)
    (dest / "ATTRIBUTION.md").write_text(
        f"# Fonts used in this dataset\n\n{len(fonts)} fonts; license texts are in `licenses/`.\n\n" + attribution_markdown(sources).split("\n", 2)[2],
        encoding="utf-8",
    )
    catalog_json = catalog.to_json()
    catalog_json["fonts"] = [f for f in catalog_json["fonts"] if f["id"] in used]
    atomic_write_json(dest / CATALOG_FILE, catalog_json)
    return missing


def _statistics(ds: Dataset, kept: list[int], used: set[str]) -> dict:
    keep = set(kept)
    lengths, chars = label_statistics(v.decode("utf-8") for i, v in ds.column("label") if i in keep)
    return {"samples": len(kept), "fonts": len(used), "lengths": dict(sorted(lengths.items())), "characters": chars.most_common()}


def size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M"


def card_languages(languages: tuple[str, ...] | None, corpus: dict) -> list[str]:
    """The card's `language:` lines: the codes given, else en for the embedded (English) corpus;
    for a user's texts or words, whose language fontsynth does not know, none."""
    codes = list(languages) if languages is not None else (["en"] if is_embedded(corpus) else [])
    return ["language:", *[f"- {c}" for c in codes]] if codes else []


def dataset_card(job: PublishJob, manifest: Manifest, stats: dict, excluded: dict[str, int]) -> str:
    pairs = manifest.recipe == "pairs"
    tasks = ["image-to-text", "image-to-image"] if pairs else ["image-to-text", "image-classification"]
    front = "\n".join([
        "---", f"license: {job.dataset_license}", "task_categories:", *[f"- {t}" for t in tasks],
        *card_languages(job.languages, manifest.corpus), "size_categories:", f"- {size_category(stats['samples'])}",
        "tags:", "- ocr", "- synthetic", "- fonts", "- text-recognition", f"pretty_name: {job.name}",
        "configs:", "- config_name: default", "  data_files:", "  - split: train",
        f"    path: {'data/*.parquet' if job.format == 'parquet' else 'data/**'}", "---",
    ])
    hist = " | ".join(f"{k}: {v}" for k, v in stats["lengths"].items())
    chars = " ".join(f"`{c}` {n}" for c, n in stats["characters"][:60])
    load = (
        "```python\nfrom datasets import load_dataset\nds = load_dataset(\"parquet\", data_files=\"data/*.parquet\", split=\"train\")\n```"
        if job.format == "parquet" else
        "```python\nfrom fontsynth.dataset import Dataset\nds = Dataset(\"data\")   # ds[i] -> {\"image\": bytes, \"label\": bytes, ...}\n```\n"
        "The shards use the deep-text-recognition-benchmark LMDB layout (`num-samples`, `image-%09d`, `label-%09d`), so its loaders read them as they are."
    )
    excluded_text = ", ".join(f"{n} in {c} fonts" for c, n in sorted(excluded.items())) or "none"
    return f"""{front}

# {job.name}

Synthetic text images rendered by fontsynth {__version__} (recipe `{manifest.recipe}`), {stats['samples']:,} samples
in {stats['fonts']} fonts. Every sample stores the Style record that re-renders it exactly.

![preview](preview.png)

## Loading

{load}

## How it was made

- tool: fontsynth {manifest.tool_version}, recipe `{manifest.recipe}`, preset `{manifest.preset}`, seed {manifest.seed}
- texts: {describe_source(manifest.corpus)}
- font catalog sha256: {manifest.catalog_sha256[:16]}..., OCR-clean fonts only: {manifest.ocr_clean}, split: {manifest.split}
- license policy `{job.license_policy}`: samples excluded: {excluded_text}

Style configuration:

```json
{json.dumps(manifest.config, indent=1)}
```

## Statistics

- samples: {stats['samples']:,}; fonts: {stats['fonts']}
- label lengths (characters: samples): {hist}
- characters (most common first): {chars}

## Fonts and licenses

`ATTRIBUTION.md` lists every font these images use, with its license and source package;
`licenses/` holds the license texts. Check `SHA256SUMS` after download: `sha256sum -c SHA256SUMS`.
"""


def write_checksums(root: Path) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.name != CHECKSUMS_FILE)
    lines = [f"{sha256_file(p)}  {p.relative_to(root).as_posix()}" for p in files]
    (root / CHECKSUMS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
