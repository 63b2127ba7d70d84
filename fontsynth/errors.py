"""Errors a user can fix. The CLI prints their message on one line and exits non-zero."""

from pathlib import Path


class UserError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""


def require_at_least(minimum: int, **options: int | None) -> None:
    """A UserError naming the first option below `minimum`, spelt as on the command line:
    `require_at_least(1, batch_size=0)` -> "--batch-size must be at least 1 (got 0)". An option
    not given (None) passes."""
    for name, value in options.items():
        if value is not None and value < minimum:
            raise UserError(f"--{name.replace('_', '-')} must be at least {minimum} (got {value})")


def refuse_file(path: str | Path, option: str = "--out") -> None:
    """A UserError when `path`, given as the folder to write into, names a file."""
    if Path(path).exists() and not Path(path).is_dir():
        raise UserError(f"{option} {path} is a file; pass a folder")


def user_message(error: UserError) -> str:
    """What the CLI prints of `error`: its message; for one a DataLoader worker raised (torch
    raises it again in the main process as "Caught UserError in DataLoader worker process N.
    Original Traceback ...", the worker's traceback around the message), the message alone."""
    text = str(error)
    marker = f"{UserError.__name__}: "
    if text.startswith("Caught ") and marker in text:
        return text.rsplit(marker, 1)[1].strip()
    return text
