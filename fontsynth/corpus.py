"""Texts to render: the embedded default corpus, a user's file of texts (one per line, drawn as
they are), or a user's file of words (one per line, drawn in the default mix instead of the
embedded words: casings, phrases, punctuation, beside numbers, dates and codes).

Labels fit TRBA's defaults: at most 25 characters of printable ASCII in the default corpus.
A text is drawn with the sample's own random generator, so it depends on (seed, index) alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path

from fontsynth.draws import Draws
from fontsynth.errors import UserError

MAX_LENGTH = 25
EMBEDDED = "default"  # the embedded corpus's name (a user's corpus is named by its path)
SHORT = 4  # characters: a phrase of two such words fits a 32x100 canvas about as drawn
PRINTABLE = "".join(chr(c) for c in range(32, 127))  # the default corpus's characters
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
WRAPS = ["{},", "{}.", "{}!", "{}?", "{}:", "{};", "({})", "'{}'", '"{}"', "{}'s", "{}-{}", "{}&{}", "{} {}"]


def _data_text(name: str) -> str:
    return resources.files("fontsynth").joinpath(f"data/{name}").read_text(encoding="utf-8")


def blocked_words() -> frozenset[str]:
    """Profanity and slurs the default corpus never draws (lower case; `data/blocked-words.txt`)."""
    lines = _data_text("blocked-words.txt").splitlines()
    return frozenset(w.strip().lower() for w in lines if w.strip() and not w.startswith("#"))


def _default_words() -> list[str]:
    """The embedded word list (SCOWL, as published) without the blocked words, in any case."""
    blocked = blocked_words()
    return [w for w in _data_text("words.txt").split() if w.lower() not in blocked]


@dataclass
class Corpus:
    """A source of texts. `lines` empty means the generated default mix over `words` (the
    embedded list, or a user's `--words` file)."""

    name: str
    lines: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    sha256: str = ""

    @cached_property
    def short_words(self) -> list[str]:
        """The words of at most SHORT characters (found once per process)."""
        return [w for w in self.words if len(w) <= SHORT]

    def sample(self, rng: Draws) -> str:
        if self.lines:
            return self.lines[rng.integer(0, len(self.lines))]
        return default_text(rng, self.words, self.short_words)

    def alphabet(self) -> str:
        """Every character a text of this corpus can contain."""
        return "".join(sorted(set("".join(self.lines)) if self.lines else set(PRINTABLE) | set("".join(self.words))))

    def describe(self) -> dict:
        return {"name": self.name, "texts": len(self.lines) or None, "words": len(self.words) or None, "sha256": self.sha256}


def is_embedded(described: dict) -> bool:
    """Whether a `Corpus.describe()` record is of the embedded corpus (English, blocklisted)."""
    return described.get("name") == EMBEDDED and not described.get("texts")


def describe_source(described: dict) -> str:
    """One line for a dataset card: where a dataset's texts came from (`Corpus.describe()`)."""
    digest = f"sha256 {described.get('sha256', '')[:16]}..."
    if is_embedded(described):  # datasets made before the blocklist record no word count
        words = f"{described['words']:,} English words of SCOWL without profanity and slurs" if described.get("words") else "English words of SCOWL"
        return (f"the embedded mix ({words} in three casings and in phrases of two or three, punctuated words, numbers, "
                f"prices, dates, times, codes; {digest})")
    if described.get("texts"):
        return f"{described['texts']:,} texts of {described['name']}, drawn as they are ({digest})"
    if described.get("words"):
        return f"the embedded mix over {described['words']:,} words of {described['name']} ({digest})"
    return f"{described.get('name')} ({digest})"


def default_corpus() -> Corpus:
    words = _default_words()
    return Corpus(name=EMBEDDED, words=words, sha256=hashlib.sha256("\n".join(words).encode()).hexdigest())


def _cased(word: str, rng: Draws) -> str:
    r = rng.random()
    return word.lower() if r < 0.5 else word.capitalize() if r < 0.8 else word.upper()


def _number(rng: Draws) -> str:
    kind = rng.integer(0, 6)
    value = int(10 ** rng.uniform(0, 7))
    if kind == 0:
        return str(value)
    if kind == 1:
        return f"{value:,}"
    if kind == 2:
        return f"{rng.uniform(0, 1000):.{rng.integer(1, 4)}f}"
    if kind == 3:
        return f"{rng.uniform(0, 100):.{rng.integer(0, 2)}f}%"
    if kind == 4:
        return f"${rng.uniform(0, 10000):,.2f}"
    return f"-{value}"


def _date(rng: Draws) -> str:
    y, m, d = rng.integer(1950, 2040), rng.integer(1, 13), rng.integer(1, 29)
    hh, mm = rng.integer(0, 24), rng.integer(0, 60)
    forms = [
        f"{y}-{m:02d}-{d:02d}",
        f"{d:02d}/{m:02d}/{y}",
        f"{m}/{d}/{y % 100:02d}",
        f"{d:02d}.{m:02d}.{y}",
        f"{hh:02d}:{mm:02d}",
        f"{MONTHS[m - 1]} {d}, {y}",
        f"{d} {MONTHS[m - 1]} {y}",
    ]
    return forms[rng.integer(0, len(forms))]


def _code(rng: Draws) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    parts = ["".join(rng.choice(alphabet) for _ in range(rng.integer(2, 6))) for _ in range(rng.integer(1, 3))]
    return "-".join(parts)


def _phrase(rng: Draws, words: Sequence[str], short: Sequence[str]) -> str:
    """Two words (70%) or three, one space apart, in one casing (lower, Title or UPPER), drawn
    from `short` words 40% of the time (so that spaces are also seen in texts short enough not
    to be squeezed), else from all `words`; a third word that would make it longer than
    MAX_LENGTH is left off, and a pair that is too long gives its first word alone."""
    r = rng.random()
    case = str.lower if r < 0.5 else str.capitalize if r < 0.8 else str.upper
    pool = short if short and rng.random() < 0.4 else words
    count = 2 if rng.random() < 0.7 else 3
    drawn = [case(pool[rng.integer(0, len(pool))]) for _ in range(count)]
    while len(drawn) > 2 and len(" ".join(drawn)) > MAX_LENGTH:
        drawn.pop()
    text = " ".join(drawn)
    return text if len(text) <= MAX_LENGTH else drawn[0][:MAX_LENGTH]


def default_text(rng: Draws, words: Sequence[str], short: Sequence[str]) -> str:
    """The default mix: words in three casings (56%), phrases of two or three words (6%),
    punctuated words and word pairs (15%), numbers (11%), dates and times (8%), codes (4%)."""
    r = rng.random()
    if r < 0.56:
        return _cased(words[rng.integer(0, len(words))], rng)
    if r < 0.62:
        return _phrase(rng, words, short)
    if r < 0.77:
        pattern = WRAPS[rng.integer(0, len(WRAPS))]
        pair = [_cased(words[rng.integer(0, len(words))], rng) for _ in range(pattern.count("{}"))]
        text = pattern.format(*pair)
        return text if len(text) <= MAX_LENGTH else pair[0][: MAX_LENGTH]
    if r < 0.88:
        return _number(rng)
    if r < 0.96:
        return _date(rng)
    return _code(rng)


@dataclass
class BadLine:
    line: int
    reason: str


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _raw_lines(f, limit: int, block: int = 1 << 16):
    """(line number, bytes, or None for a line longer than `limit` bytes) for each line of a
    binary file, split as bytes.splitlines splits (\\n, \\r\\n, \\r), read `block` bytes at a
    time: a long line is skipped without ever being held whole, so a 1 GB line costs no memory."""
    number, carry, skipping = 0, b"", False
    while True:
        data = f.read(block)
        if not data:
            break
        data = carry + data
        hold = b""
        if data.endswith(b"\r"):  # may be the first half of \r\n: decide with the next block
            data, hold = data[:-1], b"\r"
        parts = _LINE_BREAK.split(data)
        carry = parts.pop()  # the unfinished last line
        for piece in parts:
            number += 1
            yield number, None if skipping or len(piece) > limit else piece
            skipping = False
        if len(carry) > limit:
            skipping, carry = True, b""
        carry += hold
    if skipping or carry:
        last = carry[:-1] if carry.endswith(b"\r") else carry
        yield number + 1, None if skipping or len(last) > limit else last


def read_corpus_file(path: Path, max_length: int = MAX_LENGTH, words: bool = False) -> tuple[Corpus, list[BadLine]]:
    """The usable lines of a UTF-8 file, and the bad ones with line numbers and reasons. Read as
    a stream: memory stays small whatever the file (a 1 GB line is one bad line). With `words`,
    each line is one word for the default mix (`--words`): a line with a space is bad."""
    option = "--words" if words else "--corpus"
    digest = hashlib.sha256()
    lines, bad = [], []
    limit = 4 * max_length + 8  # bytes: a longer line has more than max_length characters
    try:
        with open(path, "rb") as f:
            hashing = _Hashing(f, digest)
            for number, chunk in _raw_lines(hashing, limit):
                if chunk is None:
                    bad.append(BadLine(number, f"longer than {max_length} characters"))
                    continue
                try:
                    text = chunk.decode("utf-8").strip()
                except UnicodeDecodeError:
                    bad.append(BadLine(number, "not valid UTF-8"))
                    continue
                if not text:
                    bad.append(BadLine(number, "empty"))
                elif len(text) > max_length:
                    bad.append(BadLine(number, f"longer than {max_length} characters"))
                elif not text.isprintable():
                    bad.append(BadLine(number, "contains control characters"))
                elif words and " " in text:
                    bad.append(BadLine(number, "not one word (a space); texts of several words go in a --corpus file"))
                else:
                    lines.append(text)
    except OSError as e:
        raise UserError(f"cannot read {option} {path} ({e.strerror}); pass {option} with a UTF-8 text file") from e
    if not lines:
        what = f"word (1-{max_length} printable characters, no space, per line)" if words else f"line (UTF-8, 1-{max_length} printable characters per line)"
        raise UserError(f"{option} {path} has no usable {what}")
    if words:
        return Corpus(name=str(path), words=lines, sha256=digest.hexdigest()), bad
    return Corpus(name=str(path), lines=lines, sha256=digest.hexdigest()), bad


class _Hashing:
    """A binary file whose bytes are hashed as they are read."""

    def __init__(self, f, digest):
        self.f, self.digest = f, digest

    def read(self, size: int) -> bytes:
        data = self.f.read(size)
        self.digest.update(data)
        return data


def keep_renderable(corpus: Corpus, renderable: Callable[[str], bool]) -> tuple[Corpus, list[str]]:
    """Drop the lines (or words) that are not `renderable` (a character no usable font covers);
    return them too."""
    texts = corpus.lines or corpus.words
    ok = [renderable(t) for t in texts]
    keep = [t for t, k in zip(texts, ok) if k]
    if len(keep) == len(texts):
        return corpus, []
    dropped = [t for t, k in zip(texts, ok) if not k]
    if not keep:
        raise UserError(f"no text of corpus {corpus.name} can be rendered: no font covers their characters")
    kind = "lines" if corpus.lines else "words"
    return Corpus(name=corpus.name, sha256=corpus.sha256, **{kind: keep}), dropped
