"""One progress bar style for all long work: count, rate, ETA (rich, which typer brings)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextmanager
def progress_bar(label: str, total: int, unit: str, enabled: bool = True, done: int = 0) -> Iterator[Callable[..., None]]:
    """Yields `advance(k, total=None)`; draws `label  [bar]  done/total  pct  rate unit/s  elapsed  ETA`
    on stderr. `total` may change as the work goes (a run limited by time re-estimates its steps)."""
    if not enabled:
        yield lambda k, total=None: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    # stdout stays for results (--json): printed while the bar runs, they pass above it only when
    # stdout is the terminal too; rich would otherwise send them to its console, stderr
    with Progress(*columns, transient=False, console=Console(stderr=True), redirect_stdout=_is_terminal(sys.stdout)) as progress:
        task = progress.add_task(label, total=total, completed=done, rate="")

        def advance(k: int, total: int | None = None) -> None:
            progress.update(task, advance=k, **({"total": total} if total is not None else {}))
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:,.0f} {unit}/s" if speed else "")

        yield advance


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced stream without isatty, or a closed one
        return False


def tracked(batches: Iterable, label: str, total: int, unit: str, enabled: bool = True, size: Callable[[object], int] = len) -> Iterator:
    """The items of `batches`, one `progress_bar` step of `size(item)` after each (an evaluation's
    loader: `size` counts the images of a batch)."""
    with progress_bar(label, total, unit, enabled) as advance:
        for item in batches:
            yield item
            advance(size(item))
