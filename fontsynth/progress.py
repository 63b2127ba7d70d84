"""One progress bar style for all long work: count, rate, ETA (rich, which typer brings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
def progress_bar(label: str, total: int, unit: str, enabled: bool = True, done: int = 0) -> Iterator[Callable[[int], None]]:
    """Yields `advance(k)`; draws `label  [bar]  done/total  pct  rate unit/s  elapsed  ETA` on stderr."""
    if not enabled:
        yield lambda k: None
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
    with Progress(*columns, transient=False) as progress:
        task = progress.add_task(label, total=total, completed=done, rate="")

        def advance(k: int) -> None:
            progress.update(task, advance=k)
            speed = progress.tasks[0].speed
            progress.update(task, rate=f"{speed:,.0f} {unit}/s" if speed else "")

        yield advance
