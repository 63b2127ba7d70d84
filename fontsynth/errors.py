"""Errors a user can fix. The CLI prints their message on one line and exits non-zero."""

import errno
import shutil
from pathlib import Path


class UserError(Exception):
    """Bad input or environment: the message says what is wrong and what to do."""


class WriteError(UserError):
    """Output that could not be written (a full disk, a quota, an I/O error)."""


# The OSErrors any command reports as a WriteError line instead of a traceback.
NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


def write_failed(path: str | Path | None, error: BaseException) -> WriteError:
    """The one line for a failed write at `path` (None: an open file, which the error does not
    name): the error, the space left on that disk, what to do."""
    reason = getattr(error, "strerror", None) or str(error)
    free = free_space(Path(path)) if path is not None else ""
    where = path if path is not None else "the output"
    return WriteError(f"cannot write {where} ({reason}{f'; {free} free on its disk' if free else ''}): free some space or write elsewhere")


def free_space(path: Path) -> str:
    """The free space on the disk holding `path` (or its nearest existing parent), e.g. "1.4 MB"; "" when unknown."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                free = shutil.disk_usage(folder).free
            except OSError:
                return ""
            for unit, size in (("GB", 1e9), ("MB", 1e6)):
                if free >= size or unit == "MB":
                    return f"{free / size:.1f} {unit}"
    return ""


def require_utf8_paths(**options: "str | Path | None") -> None:
    """A UserError naming the first option (spelt as on the command line) whose path, made
    absolute, is not valid UTF-8: the dataset's JSON files record it and cannot hold its bytes
    (a UnicodeEncodeError traceback at the end of the work). An option not given (None) passes."""
    from fontsynth.fileio import is_utf8, shown_name

    for name, value in options.items():
        if value is not None and not is_utf8(str(Path(value).absolute())):
            raise UserError(f"--{name.replace('_', '-')} {shown_name(str(value))}: its path is not valid UTF-8, which the dataset's "
                            "JSON files cannot record; rename it (or a folder above it)")


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
