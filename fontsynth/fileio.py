"""Small file helpers: writes that are never seen half done."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """`data` as `path`, whole or not at all: a failed write (a full disk) leaves the old file
    and no temporary one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def json_bytes(obj: object) -> bytes:
    """The bytes atomic_write_json writes for `obj`."""
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def atomic_write_json(path: Path, obj: object) -> None:
    atomic_write_bytes(path, json_bytes(obj))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")


def is_utf8(name: str) -> bool:
    """Whether a file name decoded from the file system is valid UTF-8 (Python keeps the bytes of
    one that is not as surrogates, which no JSON file, catalog or manifest, can hold)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shown_name(name: str) -> str:
    """A file name as it can be printed: bytes that are not UTF-8 as \\xNN."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")


def check_image_output(path: Path, option: str = "-o", inputs: tuple = ()) -> None:
    """An error naming `option` unless `path` is a PNG or JPEG file name, and one when it names
    one of the command's `inputs` (paths or None), which the result would replace: an edit
    never writes over its original (checked before any work)."""
    from fontsynth.errors import UserError

    if Path(path).suffix.lower() not in IMAGE_SUFFIXES:
        raise UserError(f"{option} {path}: write .png, .jpg or .jpeg")
    if Path(path).resolve() in {Path(p).resolve() for p in inputs if p is not None}:
        raise UserError(f"{option} {path} is an input of this command; write the result elsewhere (the input is kept)")


def write_image(image, path: Path) -> None:
    """An image (a uint8 array or a PIL image) as PNG or JPEG by the file's extension, its
    folder made if needed, never seen half written; nothing is written for another extension."""
    from PIL import Image

    path = Path(path)
    check_image_output(path)
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    picture.save(tmp, format="PNG" if path.suffix.lower() == ".png" else "JPEG", quality=95)
    tmp.replace(path)


def read_charset_file(path: Path, option: str = "--charset") -> str:
    """The distinct characters of a UTF-8 text file (line breaks ignored), in file order; a
    UserError naming the file when it cannot be read or holds no character."""
    from fontsynth.errors import UserError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"cannot read {option} {path} ({e}); pass a UTF-8 text file of characters") from None
    chars = "".join(dict.fromkeys(c for c in text if c not in "\r\n"))
    if not chars:
        raise UserError(f"{option} {path} holds no character; pass a UTF-8 text file of characters")
    return chars
