"""The `fontsynth` command line: thin typer commands over library functions."""

from __future__ import annotations

import functools
import json
import signal
import sys
import time
from pathlib import Path
from typing import Optional

import joblib
import typer

from fontsynth.errors import NO_ROOM, UserError, require_at_least, user_message, write_failed
from fontsynth.fileio import shown_name

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Synthetic text images from fonts, into LMDB shards.")
fonts_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Fonts: fetch, scan into a catalog, split, pack, specimen report, attribution.")
app.add_typer(fonts_app, name="fonts")


def user_errors(fn=None, *, on_interrupt: str = ""):
    """Print a UserError as one line on stderr and exit 2; Ctrl-C (or SIGTERM, `run_app`) exits
    130 with "interrupted" and the command's `on_interrupt` hint, what is kept and how to go on."""
    if fn is None:
        return functools.partial(user_errors, on_interrupt=on_interrupt)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UserError as e:
            typer.echo(f"error: {user_message(e)}", err=True)
            raise typer.Exit(2) from e
        except OSError as e:
            if e.errno not in NO_ROOM:
                raise
            typer.echo(f"error: {write_failed(e.filename, e)}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("interrupted" + (f": {on_interrupt}" if on_interrupt else ""), err=True)
            raise typer.Exit(130) from None

    return wrapper


@app.command()
@user_errors(on_interrupt="finished shards are kept; rerun the same command with --resume")
def render(
    out: Path = typer.Option(..., "--out", "-o", help="Dataset folder to write (shards + manifest)."),
    fonts: Path = typer.Option(Path("fonts"), help="Folder of font files (its catalog.json is built when absent)."),
    n: int = typer.Option(1000, "--n", help="Number of samples."),
    seed: int = typer.Option(0, help="Master seed: sample i depends on (seed, i) only."),
    recipe: str = typer.Option("words", help="What a sample is: words, or pairs (two texts in one Style, for brush; 64x256 canvas by default)."),
    preset: str = typer.Option("default", help="Style preset: default, or clean (every effect off)."),
    config: Optional[Path] = typer.Option(None, help="JSON object of style settings overriding the preset."),
    size: Optional[str] = typer.Option(None, help="HEIGHT (natural width) or HEIGHTxWIDTH canvas, e.g. 32 or 64x256."),
    corpus: Optional[Path] = typer.Option(None, help="UTF-8 text file, one text per line, drawn as they are (default: embedded corpus)."),
    words: Optional[Path] = typer.Option(None, help="UTF-8 file of words, one per line, drawn in the default mix (casings, phrases, "
                                                    "punctuation, beside numbers, dates, codes) instead of the embedded words."),
    backgrounds: Optional[Path] = typer.Option(None, help="Folder of background images for texture backgrounds."),
    workers: int = typer.Option(joblib.cpu_count(), help="Parallel worker processes (default: one per CPU core)."),
    backend: str = typer.Option("loky", help="loky (local processes), dask or ray (a cluster; --out must be on storage every worker shares)."),
    scheduler: Optional[str] = typer.Option(None, help="dask scheduler address (tcp://host:8786) or ray address."),
    shard_size: int = typer.Option(0, help="Samples per shard (0: chosen from --n, at most 10,000)."),
    resume: bool = typer.Option(False, help="Continue an interrupted run in --out."),
    overwrite: bool = typer.Option(False, help="Replace the dataset in --out."),
    ocr_clean: bool = typer.Option(True, "--ocr-clean/--any-font", help="Use only OCR-clean fonts (default) or every distinct font."),
    split: Optional[str] = typer.Option(None, help="Use only the fonts of this split (train, val, test; see `fonts split`)."),
    catalog: Optional[Path] = typer.Option(None, help="Font catalog to use instead of FONTS/catalog.json."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Render word images into LMDB shards (parallel, deterministic, resumable)."""
    from fontsynth.pipeline import RenderJob, execute, plan, skipped_texts_warning

    job = RenderJob(
        fonts=fonts, out=out, n=n, seed=seed, recipe=recipe, preset=preset, config_file=config, size=size,
        corpus=corpus, words=words, backgrounds=backgrounds, workers=workers, backend=backend, scheduler=scheduler, shard_size=shard_size, resume=resume,
        overwrite=overwrite, ocr_clean=ocr_clean, split=split, catalog=catalog, show_progress=progress,
    )
    p = plan(job)
    skipped = p.sampling  # what the inputs left out
    for bad in skipped.bad_lines[:10]:
        typer.echo(f"warning: {corpus or words}:{bad.line}: {bad.reason}; line skipped", err=True)
    if len(skipped.bad_lines) > 10:
        typer.echo(f"warning: {len(skipped.bad_lines) - 10} more bad lines skipped", err=True)
    for name, reason in skipped.rejected_textures[:10]:
        typer.echo(f"warning: background {shown_name(name)} skipped: {reason}", err=True)
    if len(skipped.rejected_textures) > 10:
        typer.echo(f"warning: {len(skipped.rejected_textures) - 10} more background images skipped", err=True)
    if skipped.dropped_texts:
        typer.echo(skipped_texts_warning(skipped.dropped_texts, skipped.dropped_hint, words is not None), err=True)
    started = time.perf_counter()
    manifest = execute(p)
    seconds = time.perf_counter() - started
    rendered = sum(count for _, _, count in p.todo)  # this run's (a resume adopts what an earlier one finished)
    shards = len(manifest.shards)
    this_run = f"{rendered:,} rendered in {seconds:.1f} s ({rendered / max(seconds, 1e-9):,.0f} samples/s)" if rendered else "nothing left to render"
    typer.echo(f"{manifest.samples} samples in {shards} shard{'' if shards == 1 else 's'} at {out} (fonts: {manifest.fonts_used}, seed {seed}); {this_run}")
    if manifest.redrawn:
        fonts = sorted({e["font"] for e in manifest.redrawn})
        typer.echo(f"note: {len(manifest.redrawn)} samples were drawn again because FreeType failed on font(s) {', '.join(fonts)} "
                   f"(listed under \"redrawn\" in {out / 'manifest.json'}); rescan the fonts or remove those", err=True)


@app.command()
@user_errors
def info(data: Path = typer.Argument(..., help="Dataset folder, or a training run folder."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts, fonts used, label statistics and size on disk of a dataset; or of a training run:
    its model, data, plan and state, checkpoints, best validation, last metrics and evaluations."""
    from classifier.runinfo import is_run_folder, run_report
    from fontsynth.dataset import Dataset
    from fontsynth.datasetview import dataset_info
    from fontsynth.extras import require

    if is_run_folder(data):
        require("torch", "train", "info on a training run")
        typer.echo(run_report(data, as_json))
        return
    stats = dataset_info(Dataset(data))
    if as_json:
        typer.echo(json.dumps(stats, indent=1))
        return
    lab = stats["label_length"]
    typer.echo(
        f"{stats['path']}: {stats['samples']:,} of {stats['planned']:,} samples ({'complete' if stats['complete'] else 'INCOMPLETE'}), "
        f"{stats['shards']} shards, recipe {stats['recipe']}, seed {stats['seed']}\n"
        f"texts: {stats['texts']}\n"
        f"fonts used: {stats['fonts_used']}\n"
        f"labels: length {lab['min']}-{lab['max']} (mean {lab['mean']}), {stats['characters']} distinct characters, most common {stats['top_characters']!r}\n"
        f"images: {stats['image_formats']}\n"
        f"on disk: {stats['bytes_on_disk'] / 1e6:,.1f} MB ({stats['bytes_per_sample']:,.0f} bytes per sample)"
    )


@app.command()
@user_errors
def export(
    data: Path = typer.Argument(..., help="Dataset folder (or LMDB release): words or pairs."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write: images/ and gt.txt (words), or MOSTEL's training folders (pairs)."),
    overwrite: bool = typer.Option(False, help="Replace --out when it exists."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar on stderr."),
) -> None:
    """Write a dataset as files other tools read: words as images and a labels file (IMAGE<TAB>TEXT
    lines, gt.txt: DTRB's create_lmdb_dataset.py, PaddleOCR, eval-recognizer); pairs in
    MOSTEL's training layout (i_s, t_f, t_b, mask_s, mask_t, i_t, txt, i_t.txt, and i_s.txt with text A; brush train and brush eval read it)."""
    from fontsynth.export import export_dataset

    result = export_dataset(data, out, overwrite, progress)
    typer.echo(f"{result.count:,} samples and {result.labels} -> {out}")
    if result.spaced:
        typer.echo(f"note: {result.spaced:,} texts B hold spaces, which MOSTEL's own loader (it splits {result.labels} lines at whitespace) "
                   "cannot read; brush eval can. For MOSTEL, render pairs with a --corpus of single words", err=True)


@app.command()
@user_errors
def preview(
    data: Path = typer.Argument(..., help="Dataset folder."),
    output: Path = typer.Option(Path("preview.png"), "-o", "--output", help="PNG to write."),
    count: int = typer.Option(32, "--count", help="Samples to show."),
    seed: int = typer.Option(0, help="Which random samples."),
) -> None:
    """A PNG grid of random samples with their labels (pairs: style | target | content | mask | background)."""
    from fontsynth.dataset import Dataset
    from fontsynth.datasetview import preview_grid
    from fontsynth.fileio import check_image_output, write_image

    require_at_least(1, count=count)
    check_image_output(output)
    ds = Dataset(data)
    if len(ds) == 0:
        raise UserError(f"{data} has no finished shard yet")
    fields = ("image", "target", "content-b", "mask-b", "background") if ds.manifest.recipe == "pairs" else ("image",)
    write_image(preview_grid(ds, count, seed, columns=1 if len(fields) > 1 else 2, fields=fields), output)
    typer.echo(f"wrote {output}")


@app.command()
@user_errors
def replay(
    data: Path = typer.Argument(..., help="Dataset folder."),
    index: int = typer.Argument(..., help="Global sample index (0-based)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the re-rendered image here."),
    fonts: Optional[Path] = typer.Option(None, help="Font folder, if it moved since rendering."),
) -> None:
    """Re-render a stored sample from its Style and check it equals the stored image."""
    from fontsynth.dataset import Dataset
    from fontsynth.datasetview import replay as replay_sample

    ds = Dataset(data)
    try:
        stored, again = replay_sample(ds, index, fonts)
    except IndexError as e:
        raise UserError(str(e)) from e
    if output:
        output.write_bytes(again)
    if stored != again:
        typer.echo(f"sample {index}: re-rendered image DIFFERS from the stored one", err=True)
        raise typer.Exit(1)
    typer.echo(f"sample {index}: re-rendered image is identical to the stored one ({len(again)} bytes)")


@app.command()
@user_errors
def verify(
    data: Path = typer.Argument(..., help="Dataset folder, or a release folder made by `fontsynth publish`."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    workers: int = typer.Option(joblib.cpu_count(), help="Processes checking shards (default: one per CPU core)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: ok, samples, shards, files, bad_samples, problems, notes."),
) -> None:
    """Check every shard, sample and checksum against the manifest (and, for a release, every
    file against SHA256SUMS); exit 1 when anything is bad."""
    from fontsynth.verify import is_release, verify_dataset, verify_release

    require_at_least(1, workers=workers)
    check = verify_release if is_release(data) else verify_dataset
    report = check(data, show_progress=progress, workers=workers)
    if as_json:
        typer.echo(json.dumps(report.to_json()))
        if not report.ok:
            raise typer.Exit(1)
        return
    for note in report.notes:
        typer.echo(f"note: {note}", err=True)
    for problem in report.problems[:50]:
        typer.echo(f"bad: {problem}")
    if len(report.problems) > 50:
        typer.echo(f"... and {len(report.problems) - 50} more problems")
    if report.ok:
        checked = [f"{report.files:,} files match SHA256SUMS"] if report.files else []
        checked += [f"{report.samples:,} samples in {report.shards} shards verified"] if report.shards or not report.files else []
        typer.echo("ok: " + "; ".join(checked))
        return
    typer.echo(f"FAILED: {len(report.problems)} problems, {len(report.bad_samples())} bad samples (of {report.samples:,} checked)", err=True)
    raise typer.Exit(1)


@app.command()
@user_errors
def publish(
    data: Path = typer.Argument(..., help="Dataset folder (complete, and passing verify)."),
    out: Path = typer.Option(..., "--out", "-o", help="Release folder to create."),
    name: str = typer.Option(..., help="Dataset name for the card."),
    license_policy: str = typer.Option("strict", help="strict (permissive font licenses only), open (all but non-free), none."),
    data_format: str = typer.Option("lmdb", "--format", help="lmdb (the shards) or parquet (loads with datasets' load_dataset('parquet'))."),
    dataset_license: str = typer.Option("other", "--dataset-license", help="License of the dataset for the card's front matter."),
    language: Optional[list[str]] = typer.Option(None, help="Language code of the texts for the card, repeatable (default: en for the "
                                                            "embedded corpus, none for --corpus or --words texts)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    workers: int = typer.Option(joblib.cpu_count(), help="Processes verifying the dataset first (default: one per CPU core)."),
) -> None:
    """Write a release folder: data, dataset card, preview, font attribution and licenses, SHA256SUMS."""
    from fontsynth.publish import PublishJob, publish as publish_release

    require_at_least(1, workers=workers)
    result = publish_release(PublishJob(data=data, out=out, name=name, license_policy=license_policy, format=data_format,
                                        dataset_license=dataset_license, languages=tuple(language) if language else None,
                                        show_progress=progress, workers=workers))
    excluded = ", ".join(f"{n} {c}" for c, n in sorted(result.excluded_by_class.items())) or "none"
    if result.missing_license_texts:
        typer.echo(f"warning: no license text found for {len(result.missing_license_texts)} fonts (e.g. {result.missing_license_texts[0]}); "
                   "add it to the release's licenses/ before sharing", err=True)
    typer.echo(f"{result.samples:,} samples in {len(result.fonts)} fonts -> {result.out} (excluded by license: {excluded})")


@fonts_app.command("scan")
@user_errors
def fonts_scan(
    folder: Path = typer.Argument(..., help="Folder of font files (searched recursively)."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Catalog file (default: FOLDER/catalog.json)."),
    workers: int = typer.Option(joblib.cpu_count(), help="Parallel workers (default: one per CPU core)."),
    timeout: float = typer.Option(30.0, help="Seconds one font may take before it is rejected as hanging."),
    max_memory: int = typer.Option(2048, help="MB of memory the checker may use on one font before it is rejected."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
    recheck: bool = typer.Option(False, "--recheck", help="Check every file again, even those the existing catalog checked "
                                                          "(by default only new or changed files are, when the checker is unchanged)."),
) -> None:
    """Validate every font and write the catalog: ids, coverage, licenses, rejections with reasons."""
    from fontsynth.catalog import CATALOG_FILE, check_catalog_output, scan

    if max_memory < 256:
        raise UserError(f"--max-memory {max_memory} is too small: the checker itself needs about 400 MB; pass at least 512")
    path = output or folder / CATALOG_FILE
    check_catalog_output(path)
    earlier = earlier_catalog(path, folder)
    result = scan(folder, workers=workers, timeout=timeout, show_progress=progress and not as_json, memory_mb=max_memory,
                  previous=None if recheck else earlier)
    catalog = result.catalog
    split_before = sum(f.split is not None for f in earlier.fonts) if earlier else 0
    try:
        catalog.save(path)
    except OSError as e:
        raise UserError(f"cannot write catalog {path} ({e.strerror}); pass -o with a writable path") from e
    if split_before:
        typer.echo(f"note: the train/val/test split of {split_before} fonts in {path} (`fonts split`) is not kept by a new scan, "
                   f"whose designs may differ: run `fontsynth fonts split {path}` again", err=True)
    summary = {**catalog.summary(), "catalog": str(path), "checked": result.checked, "reused": result.reused}
    if as_json:
        typer.echo(json.dumps(summary))
        return
    for f in catalog.fonts:
        if not f.accepted:
            typer.echo(f"rejected {f.path}: {f.reason}", err=True)
    typer.echo(
        f"{summary['files']} files: {summary['accepted']} accepted, {summary['rejected']} rejected, "
        f"{summary['distinct']} distinct, {summary['ocr_clean']} OCR-clean -> {path}"
        + (f"; distinct fonts without Latin letters: {', '.join(f'{n} {s}' for s, n in summary['other_scripts'].items())} (render with --any-font)"
           if summary["other_scripts"] else "")
        + (f" ({result.reused} unchanged files taken from the earlier catalog, {result.checked} checked)" if result.reused else "")
    )


def earlier_catalog(path: Path, folder: Path):
    """The catalog at `path` (of `folder`'s fonts) a new scan may take results from; None when
    there is none or it cannot be read."""
    from fontsynth.catalog import Catalog

    try:
        return Catalog.load(path, root=folder) if path.exists() else None
    except UserError:
        return None


@fonts_app.command("split")
@user_errors
def fonts_split(
    catalog_file: Path = typer.Argument(..., help="catalog.json (or its fonts folder) or a font pack to split (rewritten in place unless -o)."),
    val: float = typer.Option(0.05, help="Share of families (or designs, --by) held out for validation."),
    test: float = typer.Option(0.05, help="Share of families (or designs, --by) held out for testing."),
    seed: int = typer.Option(0, help="Which families (or designs) are held out."),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Write the split catalog here instead."),
    by: str = typer.Option("family", help="What is held out whole: a family (every weight and width of it, and its clones: "
                                           "no sibling of a held-out font is trained on), or a design (a font and its aliases; "
                                           "the only way before 2026-12-07); --val and --test are shares of these."),
) -> None:
    """Hold out fonts for honest evaluation: train/val/test by design or family, aliases on one side."""
    from fontsynth.catalog import Catalog, catalog_path, check_catalog_output, split_fonts
    from fontsynth.fontpack import check_pack_output, is_pack, split_pack

    catalog_file = catalog_path(catalog_file)
    if is_pack(catalog_file):
        if output is not None:
            check_pack_output(output)
        counts = split_pack(catalog_file, val, test, seed, output, by)
    else:
        if output is not None:
            check_catalog_output(output)
        catalog = Catalog.load(catalog_file)
        counts = split_fonts(catalog, val, test, seed, by)
        catalog.save(output or catalog_file)
    typer.echo(f"{counts.describe()} -> {output or catalog_file}")


@fonts_app.command("report")
@user_errors
def fonts_report(
    catalog_file: Path = typer.Argument(..., help="catalog.json (or its fonts folder)"),
    output: Path = typer.Option(Path("fonts-report.png"), "-o", "--output", help="PNG specimen sheet (numbered pages when large)."),
    per_page: int = typer.Option(600, help="Fonts per page."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Specimen sheet: each font's name drawn in itself; rejected fonts with their reasons."""
    from fontsynth.catalog import Catalog
    from fontsynth.specimen import write_specimen

    from fontsynth.fileio import check_image_output

    require_at_least(1, per_page=per_page)
    check_image_output(output)
    pages = write_specimen(Catalog.load(catalog_file), output, per_page, progress)
    typer.echo(f"wrote {', '.join(str(p) for p in pages)}")


@fonts_app.command("attribution")
@user_errors
def fonts_attribution(
    catalog_file: Path = typer.Argument(..., help="catalog.json (or its fonts folder)"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="Markdown file (default: print)."),
    all_fonts: bool = typer.Option(False, "--all", help="List every accepted font, not only those rendering uses."),
) -> None:
    """The attribution list: every font with its family, license, source package and license text."""
    from fontsynth.catalog import Catalog
    from fontsynth.sources import attribution_markdown, entry_source

    catalog = Catalog.load(catalog_file)
    fonts = [f for f in catalog.fonts if f.accepted] if all_fonts else catalog.usable(ocr_clean=False)
    text = attribution_markdown([entry_source(f) for f in fonts])
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"{len(fonts)} fonts -> {output}")
    else:
        typer.echo(text, nl=False)


@fonts_app.command("pack")
@user_errors
def fonts_pack(
    fonts: Path = typer.Argument(..., help="Fonts folder (its catalog is built when absent) or a catalog.json."),
    output: Path = typer.Option(..., "-o", "--output", help="Pack file to write, e.g. fonts.pack."),
    charset: Optional[Path] = typer.Option(None, help="UTF-8 file of the characters to keep (default: printable ASCII)."),
    workers: int = typer.Option(joblib.cpu_count(), help="Parallel workers (subsetting; scanning if the folder has no catalog)."),
    ocr_clean: bool = typer.Option(True, "--ocr-clean/--any-font", help="Pack only OCR-clean fonts (default, what render uses) or every distinct font."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """One file holding every font render may pick, subset to a charset, with the catalog and the licenses.

    `render --fonts PACK` renders from it exactly what the folder renders. Subset fonts are
    modified fonts: some licenses restrict redistributing them; a pack is for your own machines."""
    from fontsynth.catalog import Catalog, load_or_scan
    from fontsynth.fontpack import DEFAULT_CHARSET, check_pack_output, write_pack

    require_at_least(1, workers=workers)
    check_pack_output(output)
    if fonts.is_file() and fonts.suffix == ".json":
        catalog = Catalog.load(fonts)
    else:
        catalog = load_or_scan(fonts, workers=workers, show_progress=progress)
    from fontsynth.fileio import read_charset_file

    chars = DEFAULT_CHARSET if charset is None else read_charset_file(charset)
    summary = write_pack(catalog, output, chars, show_progress=progress, workers=workers, ocr_clean=ocr_clean)
    for path in summary["kept_whole"]:
        typer.echo(f"note: fontTools cannot subset {path}; it is stored whole", err=True)
    if summary["all_glyphs"]:
        typer.echo(f"note: {len(summary['all_glyphs'])} fonts drew differently once subset; they keep all their glyphs", err=True)
    typer.echo(f"{summary['fonts']} fonts subset to {summary['charset']} characters: {summary['bytes'] / 1e6:.1f} MB "
               f"(from {summary['source_bytes'] / 1e6:.1f} MB of font files) -> {output}")


@fonts_app.command("fetch")
@user_errors(on_interrupt="fetched packages are kept; rerun the same command to continue")
def fonts_fetch(
    source: str = typer.Option("debian", help="debian (apt-get download + dpkg-deb) or pypi (fontpkg-* wheels)."),
    dest: Path = typer.Option(..., help="Folder to put the fonts in (resumable: rerun to continue)."),
    packages: Optional[Path] = typer.Option(None, help="Package list, one name per line (default: the shipped list)."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    """Fetch fonts and their licenses from the package registries, installing nothing."""
    from fontsynth.fetch import fetch_fonts

    sources = fetch_fonts(source, dest, packages, show_progress=progress)
    typer.echo(f"{len(sources)} font files from {len({s.package for s in sources})} packages in {dest} (licenses in {dest}/sources.json)")


def _model_commands() -> None:
    # train-classifier, eval-classifier, classify: declared in classifier.cli, which imports torch
    # only when one of them runs, so the data commands never pay for it.
    from classifier.cli import add_model_commands

    add_model_commands(app, user_errors)


_model_commands()


def interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def run_app(typer_app: typer.Typer, name: str) -> None:
    """Run a command line with SIGTERM taken as Ctrl-C (a `kill`, a container's stop, a
    scheduler's time limit): the command stops as on Ctrl-C, its worker processes are shut
    down with it and what is finished is kept. Without this, SIGTERM killed the parent alone and
    left its workers to finish the tasks they held (a font scan's checks ran on for minutes)."""
    signal.signal(signal.SIGTERM, interrupt)
    typer_app(prog_name=name)


def main() -> None:
    run_app(app, "fontsynth")


if __name__ == "__main__":
    sys.exit(main())
