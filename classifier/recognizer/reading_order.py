"""Reading order for CTC: a label's characters in the order they stand from left to right.

Labels are kept in logical order (the order text is typed and read). An attention decoder can
learn to read in any order, but CTC aligns a label with the image's columns from left to right,
so a right-to-left text (Hebrew, Arabic) must reach its loss in visual order, and what it reads
must be turned back: given Hebrew words in logical order a small CTC model read 1.7% of them
(BENCHMARKS.md, "Right-to-left words").

`visual_order` is the Unicode Bidirectional Algorithm (UAX #9) for one line, as the renderer
lays a label out (HarfBuzz through Raqm and FriBidi): the paragraph's direction from its first
strong character (P2-P3), weak types (W1-W7), paired brackets (N0), neutrals (N1-N2), implicit
levels (I1-I2), trailing whitespace (L1), reversal (L2) and mirroring (L4: the "(" that closes
a right-to-left run is drawn as ")", and so is written). Where it departs from UAX #9: explicit
embedding, override and isolate characters count as neutrals, and a combining mark, joiner or
other invisible format character stays after the character it follows (a cluster moves as
one, as the renderer draws it; UAX #9 leaves marks to the renderer, L3), so that
`logical_order` can put it back. Mirroring covers brackets and < > << >> < > <= >= (a
character outside that list keeps its code point).

`logical_order` turns a reading back: a text whose visual order it is. A line holding letters
of both directions can come from two texts that look the same ("abc DEF" with DEF Hebrew, and
"DEF abc"): it takes the direction of most of its strong letters.
"""

from __future__ import annotations

import functools
import unicodedata

RIGHT_TO_LEFT = frozenset(("R", "AL", "AN"))  # classes without which a text reads as typed
NEUTRALS = frozenset(("B", "S", "WS", "ON"))
RIGHT_TO_LEFT_WORDS = frozenset(("R", "AL", "WS"))  # a text of these alone (with a letter: not reads_as_typed) is reversed whole
EXPLICIT = frozenset(("LRE", "LRO", "RLE", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"))
OTHER_MIRRORS = "<>\u00ab\u00bb\u2039\u203a\u2264\u2265"  # pairs: < >, << >>, < >, <= >=
INVERSE_TRIES = 3  # logical_order: layouts undone per paragraph direction
BRACKET_STACK = 63  # UAX #9 BD16: deeper bracket nesting stops the pairing
CANONICAL_BRACKETS = {"\u2329": "\u3008", "\u232a": "\u3009"}  # angle brackets with a canonical equivalent


@functools.cache
def brackets() -> tuple[dict[str, str], dict[str, str]]:
    """(opening bracket -> its closing one, every mirrored character -> its mirror image).
    Python's unicodedata has no Bidi_Paired_Bracket: the 64 pairs are the mirrored opening
    punctuation (Ps) and the closing one (Pe) right after it, one or two code points on."""
    pairs = {}
    for code in range(0x10000):
        c = chr(code)
        if unicodedata.category(c) == "Ps" and unicodedata.mirrored(c):
            pairs[c] = next(chr(code + k) for k in (1, 2) if unicodedata.category(chr(code + k)) == "Pe")
    mirrors = {**pairs, **{b: a for a, b in pairs.items()}}
    for a, b in zip(OTHER_MIRRORS[::2], OTHER_MIRRORS[1::2]):
        mirrors[a], mirrors[b] = b, a
    return pairs, mirrors


def reads_as_typed(text: str) -> bool:
    """Whether `text`'s visual order is its logical order: it holds no right-to-left letter
    and no Arabic digit."""
    return not any(unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in text)


def drawn_charset(charset: str) -> str:
    """`charset` and, when it holds a right-to-left letter, the mirror images of its brackets and
    other mirrored characters (a "(" closing a right-to-left run is drawn, and labelled for CTC,
    as ")")."""
    if reads_as_typed(charset):
        return charset
    _, mirrors = brackets()
    return "".join(dict.fromkeys(charset + "".join(mirrors[c] for c in charset if c in mirrors)))


def clusters(text: str) -> list[str]:
    """`text` cut before each character but combining marks and invisible format characters
    (bidi class BN: joiners), which stay with the one before them."""
    out: list[str] = []
    for c in text:
        if out and (unicodedata.category(c) in ("Mn", "Mc", "Me") or unicodedata.bidirectional(c) == "BN"):
            out[-1] += c
        else:
            out.append(c)
    return out


def paragraph_level(text: str) -> int:
    """P2-P3: 1 when the first strong character of `text` (a combining mark's letter) is
    right-to-left, else 0."""
    types = (unicodedata.bidirectional(u[0]) for u in clusters(text))
    return next((int(t != "L") for t in types if t in ("L", "R", "AL")), 0)


def strong(t: str) -> str | None:
    """The direction a resolved type counts as for N0-N1 (numbers count as right-to-left)."""
    return "L" if t == "L" else "R" if t in ("R", "EN", "AN") else None


def weak_types(types: list[str], e: str) -> list[str]:
    """W1-W7 over one run whose start and end take the embedding direction `e`."""
    t = ["ON" if x in EXPLICIT else x for x in types]
    n = len(t)
    for i in range(n):  # W1: a mark without a base takes the direction before it
        if t[i] == "NSM":
            t[i] = t[i - 1] if i else e
    last = e
    for i in range(n):  # W2: a European number after Arabic letters is an Arabic one
        if t[i] in ("L", "R", "AL"):
            last = t[i]
        elif t[i] == "EN" and last == "AL":
            t[i] = "AN"
    t = ["R" if x == "AL" else x for x in t]  # W3
    for i in range(1, n - 1):  # W4: one separator between two numbers of a kind joins them
        if (t[i] == "ES" and t[i - 1] == t[i + 1] == "EN") or (t[i] == "CS" and t[i - 1] == t[i + 1] and t[i - 1] in ("EN", "AN")):
            t[i] = t[i - 1]
    i = 0
    while i < n:  # W5: terminators beside a European number join it
        j = i
        while j < n and t[j] == "ET":
            j += 1
        if j > i and ((i and t[i - 1] == "EN") or (j < n and t[j] == "EN")):
            t[i:j] = ["EN"] * (j - i)
        i = max(j, i + 1)
    t = ["ON" if x in ("ES", "ET", "CS") else x for x in t]  # W6
    last = e
    for i in range(n):  # W7: a European number after Latin letters is Latin
        if t[i] in ("L", "R"):
            last = t[i]
        elif t[i] == "EN" and last == "L":
            t[i] = "L"
    return t


def bracket_pairs(bases: list[str], t: list[str]) -> list[tuple[int, int]]:
    """BD16: (opening, closing) positions of the paired brackets, by opening position."""
    opening, _ = brackets()
    closing = {CANONICAL_BRACKETS.get(c, c) for c in opening.values()}
    stack: list[tuple[str, int]] = []
    pairs = []
    for i, c in enumerate(bases):
        if t[i] != "ON":
            continue
        c = CANONICAL_BRACKETS.get(c, c)
        if c in opening:
            if len(stack) == BRACKET_STACK:
                break
            stack.append((CANONICAL_BRACKETS.get(opening[c], opening[c]), i))
        elif c in closing:
            for k in range(len(stack) - 1, -1, -1):
                if stack[k][0] == c:
                    pairs.append((stack[k][1], i))
                    del stack[k:]
                    break
    return sorted(pairs)


def neutral_types(bases: list[str], t: list[str], e: str) -> list[str]:
    """N0 (paired brackets), then N1-N2: the neutrals between two strong runs of one direction
    take it, the others the embedding direction `e`."""
    t = list(t)
    for o, c in bracket_pairs(bases, t):
        inside = {strong(x) for x in t[o + 1:c]} - {None}
        if e in inside:
            t[o] = t[c] = e
        elif inside:
            before = next((s for s in map(strong, reversed(t[:o])) if s), e)
            t[o] = t[c] = before
    n, i = len(t), 0
    while i < n:
        if t[i] not in NEUTRALS:
            i += 1
            continue
        j = i
        while j < n and t[j] in NEUTRALS:
            j += 1
        before = strong(t[i - 1]) if i else e
        after = strong(t[j]) if j < n else e
        t[i:j] = [before if before == after else e] * (j - i)
        i = j
    return t


def resolved_levels(bases: list[str], base: int) -> list[int]:
    """The embedding level of each of `bases` (one character per cluster) in a paragraph of
    level `base` (0 left to right, 1 right to left)."""
    original = [unicodedata.bidirectional(c) or "L" for c in bases]
    e = "R" if base else "L"
    t = neutral_types(bases, weak_types(original, e), e)
    if base:  # I2
        levels = [base + (x in ("L", "EN", "AN")) for x in t]
    else:  # I1
        levels = [2 if x in ("EN", "AN") else int(x == "R") for x in t]
    trailing = True
    for i in range(len(bases) - 1, -1, -1):  # L1: separators, and the whitespace before them or at the end
        if original[i] in ("S", "B"):
            levels[i], trailing = base, True
        elif original[i] in ("WS", "BN") or original[i] in EXPLICIT:
            if trailing:
                levels[i] = base
        else:
            trailing = False
    return levels


def layout(text: str, base: int) -> tuple[list[str], list[int], list[int]]:
    """(the clusters of `text`, their levels in a paragraph of level `base`, and the position in
    `text` of the cluster drawn at each place from left to right: L2)."""
    units = clusters(text)
    levels = resolved_levels([u[0] for u in units], base)
    order = list(range(len(units)))
    odd = [level for level in levels if level % 2]
    for level in range(max(levels, default=0), min(odd, default=1 << 30) - 1, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return units, levels, order


def mirrored(unit: str, level: int) -> str:
    """L4: a cluster at a right-to-left level starts with the mirror image of its character."""
    if not level % 2:
        return unit
    _, mirrors = brackets()
    return mirrors.get(unit[0], unit[0]) + unit[1:]


def reordered(text: str, base: int) -> str:
    """`text` laid out from left to right in a paragraph of level `base` (L2 and L4)."""
    units, levels, order = layout(text, base)
    return "".join(mirrored(units[k], levels[k]) for k in order)


def laid_back(visual: str, text: str) -> str:
    """The text that, laid out as `text` is (same clusters, levels and order), is drawn as
    `visual`: the inverse of `text`'s layout applied to `visual`."""
    units, levels, order = layout(text, paragraph_level(text))
    drawn = clusters(visual)
    if len(drawn) != len(units):
        return text
    back = [""] * len(units)
    for place, k in enumerate(order):
        back[k] = mirrored(drawn[place], levels[k])
    return "".join(back)


@functools.lru_cache(maxsize=1 << 16)  # a training step asks for each label twice (its check, its encoding)
def visual_order(text: str) -> str:
    """The characters of `text` in the order they are drawn from left to right (the label a
    CTC model learns from); `text` itself when it reads as typed."""
    if reads_as_typed(text):
        return text
    units = clusters(text)
    if {unicodedata.bidirectional(u[0]) for u in units} <= RIGHT_TO_LEFT_WORDS:  # every cluster at level 1: a tenth of the time
        return "".join(reversed(units))
    return reordered(text, paragraph_level(text))


def logical_order(visual: str) -> str:
    """A text whose `visual_order` is `visual` (what a CTC model read, turned back): of the two
    paragraph directions, first the one of most of its strong letters (right to left on a tie),
    then the other. Laying `visual` out again gives the text in most cases; where a rule that
    looks back (W2, W7: what a number follows) sees other letters in the drawn order than in the
    text, the layout of that guess, or of `visual` read whole in the paragraph's direction,
    undone, gives it. When none gives back `visual` (a reading no text is drawn as), the first
    guess."""
    if reads_as_typed(visual):
        return visual
    kinds = [unicodedata.bidirectional(c) for c in visual]
    rtl = sum(k in ("R", "AL") for k in kinds)
    bases = (1, 0) if rtl >= kinds.count("L") else (0, 1)
    units = clusters(visual)
    whole = {0: visual, 1: "".join(mirrored(u, 1) for u in reversed(units))}  # every cluster at the paragraph's level
    for base in bases:
        for text in (reordered(visual, base), whole[base]):
            for _ in range(INVERSE_TRIES):
                if visual_order(text) == visual:
                    return text
                text = laid_back(visual, text)
    return reordered(visual, bases[0])
