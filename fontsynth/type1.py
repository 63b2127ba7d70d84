"""Subsetting Type 1 fonts (.pfb), which fontTools cannot subset.

A PFB file holds a cleartext PostScript header, an eexec-encrypted Private dictionary with
the `Subrs` array and the `CharStrings` dictionary, and a cleartext trailer. `subset_pfb`
drops the CharStrings a charset does not reach and empties (to a bare `return`) the Subrs
no kept charstring can call, then re-encrypts. Everything else stays byte for byte as the
font had it (header, Private dictionary, OtherSubrs, Subr numbering), so FreeType reads the
same hints and draws the kept glyphs as before; `fontsynth.fontpack` checks that it does,
glyph by glyph, before keeping a subset.

Which glyphs a character reaches: FreeType gives a Type 1 font a Unicode character map from
its glyph names (the Adobe Glyph List, `uniXXXX`, `uXXXX`; a suffix after '.' marks a
variant of the same character), and `seac` composites call two more glyphs by their
StandardEncoding codes. A Subr is kept when a kept charstring or kept Subr can call it
(`charstring_calls`), and Subrs 0-3 (flex and hint replacement) always are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fontTools.agl import toUnicode
from fontTools.encodings.StandardEncoding import StandardEncoding

EEXEC_KEY = 55665
CHARSTRING_KEY = 4330
ALWAYS_KEPT_SUBRS = range(4)  # flex (0-2) and hint replacement (3) by convention
RETURN = 11  # the charstring operator of an emptied Subr
SEAC = (12, 6)


class Type1Error(ValueError):
    """The file is not a Type 1 font this module can subset."""


def crypt(data: bytes, key: int, decrypting: bool) -> bytes:
    """Type 1 encryption (eexec or charstring key) of `data`, or its inverse: each byte is
    xored with the key's high byte, and the key moves on with the encrypted byte."""
    out = bytearray(len(data))
    r = key
    if decrypting:
        for i, cipher in enumerate(data):
            out[i] = cipher ^ (r >> 8)
            r = ((cipher + r) * 52845 + 22719) & 0xFFFF
    else:
        for i, plain in enumerate(data):
            out[i] = cipher = plain ^ (r >> 8)
            r = ((cipher + r) * 52845 + 22719) & 0xFFFF
    return bytes(out)


def pfb_segments(data: bytes) -> list[tuple[int, bytes]]:
    """The (type, bytes) segments of a PFB file: 1 cleartext, 2 binary (up to the EOF mark)."""
    segments: list[tuple[int, bytes]] = []
    at = 0
    while True:
        if at + 2 > len(data) or data[at] != 0x80:
            raise Type1Error("not a PFB file (no segment marker)")
        kind = data[at + 1]
        if kind == 3:
            return segments
        if kind not in (1, 2) or at + 6 > len(data):
            raise Type1Error(f"bad PFB segment type {kind}")
        length = int.from_bytes(data[at + 2:at + 6], "little")
        segments.append((kind, data[at + 6:at + 6 + length]))
        at += 6 + length


def write_pfb(segments: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for kind, body in segments:
        out += bytes((0x80, kind)) + len(body).to_bytes(4, "little") + body
    return bytes(out + b"\x80\x03")


@dataclass
class Entry:
    """One Subr or CharString in the decrypted Private dictionary: `span` covers
    `dup 5 23 RD <bytes> NP` (or `/name 23 RD <bytes> ND`)."""

    key: int | str  # Subr number or glyph name
    span: tuple[int, int]
    read_token: bytes  # RD or -|
    body_at: int  # where the charstring starts
    body: bytes  # the charstring, encrypted as stored
    end_token: bytes  # NP, ND, |- or |


SUBRS = re.compile(rb"/Subrs\s+(\d+)\s+array")
SUBR = re.compile(rb"\s*dup\s+(\d+)\s+(\d+)\s+(\S+)\s")
CHARSTRINGS = re.compile(rb"/CharStrings\s+(\d+)\s+dict\s+dup\s+begin")
CHARSTRING = re.compile(rb"\s*/([^\s/\[\]{}()<>%]+)\s+(\d+)\s+(\S+)\s")
END_TOKEN = re.compile(rb"\s*(\S+)")
LEN_IV = re.compile(rb"/lenIV\s+(-?\d+)\s+def")


def read_entries(private: bytes, start: int, pattern: re.Pattern, numbered: bool) -> tuple[list[Entry], int]:
    """The entries from `start` on, and where they stop (at the first text that is not one)."""
    entries: list[Entry] = []
    at = start
    while (m := pattern.match(private, at)) is not None:
        length = int(m.group(2))
        body_end = m.end() + length
        end = END_TOKEN.match(private, body_end)
        if body_end > len(private) or end is None:
            raise Type1Error("a charstring runs past the end of the font")
        key = int(m.group(1)) if numbered else m.group(1).decode("latin-1")
        entries.append(Entry(key, (m.start() + len(m.group(0)) - len(m.group(0).lstrip()), end.end()), m.group(3),
                             m.end(), private[m.end():body_end], end.group(1)))
        at = end.end()
    return entries, at


CALLSUBR, CALLOTHERSUBR, POP, DIV = 10, (12, 16), (12, 17), (12, 12)


def charstring_calls(body: bytes, len_iv: int) -> tuple[set[int], tuple[int, int] | None]:
    """The Subrs a charstring can call and its `seac` (base, accent) codes.

    The operand stack is followed through `callsubr`, `callothersubr` and `pop` (the
    hint-replacement idiom `n 1 3 callothersubr pop callsubr`). Values a Subr may take from
    its caller's stack (`14 4 callsubr`, Subr 4 doing the hint replacement with 14) or leave
    for it (on the stack at `return`) count as calls too; when a `callsubr` operand cannot be
    told (computed, or left by a caller), every non-negative integer the charstring pushes
    counts as a call."""
    code = crypt(body, CHARSTRING_KEY, True)[len_iv:] if len_iv >= 0 else body
    numbers: set[int] = set()
    calls: set[int] = set()
    unknown_call = False
    stack: list[int | None] = []
    othersubr_args: list[int | None] = []
    seac = None
    i = 0
    while i < len(code):
        v = code[i]
        if v >= 32:
            if v <= 246:
                n, i = v - 139, i + 1
            elif v <= 250:
                n, i = ((v - 247) * 256 + code[i + 1] + 108 if i + 1 < len(code) else 0), i + 2
            elif v <= 254:
                n, i = (-(v - 251) * 256 - code[i + 1] - 108 if i + 1 < len(code) else 0), i + 2
            else:
                n, i = int.from_bytes(code[i + 1:i + 5], "big", signed=True), i + 5
            stack.append(n)
            if n >= 0:
                numbers.add(n)
            continue
        op = (12, code[i + 1]) if v == 12 and i + 1 < len(code) else v
        i += 2 if v == 12 else 1
        if op == CALLSUBR:
            top = stack.pop() if stack else None
            if top is None:
                unknown_call = True
            else:
                calls.add(top)
            calls.update(x for x in stack if x is not None and x >= 0)
        elif op == RETURN:
            calls.update(x for x in stack if x is not None and x >= 0)
            stack.clear()
        elif op == CALLOTHERSUBR:
            count = stack[-2] if len(stack) >= 2 else None
            del stack[-2:]
            if count is None or not 0 <= count <= len(stack):
                stack.clear()
                othersubr_args = []
            else:  # arg1 ... argn move to the PostScript stack, arg1 on top: `pop` gives arg1 first
                othersubr_args = stack[len(stack) - count:]
                del stack[len(stack) - count:]
        elif op == POP:
            stack.append(othersubr_args.pop(0) if othersubr_args else None)
        elif op == DIV:
            del stack[-2:]
            stack.append(None)
        elif op == SEAC:
            if len(stack) >= 2 and None not in stack[-2:]:
                seac = (stack[-2], stack[-1])
            stack.clear()
        else:
            stack.clear()
    return (calls | numbers) if unknown_call else calls, seac


def glyph_char(name: str) -> str:
    """The character FreeType maps glyph `name` to ('' for none): Adobe Glyph List names,
    `uniXXXX`, `uXXXX`; a suffix after '.' names a variant of the same character."""
    text = toUnicode(name)
    return text if len(text) == 1 else ""


def reached_glyphs(names: list[str], charset: str) -> set[str]:
    """The glyphs FreeType's Unicode map can give to `charset`'s characters (variants too: one
    is used when the plain name is missing), and .notdef."""
    chars = set(charset) - {""}
    return {".notdef"} | {name for name in names if glyph_char(name) in chars}


@dataclass
class Type1Font:
    """A PFB file taken apart: its segments, the decrypted Private part and its entries."""

    segments: list[tuple[int, bytes]]
    binary: range  # positions in `segments` of the encrypted part
    private: bytes  # the encrypted part, eexec-decrypted
    len_iv: int  # random bytes before each charstring; -1: charstrings not encrypted
    subrs: list[Entry]
    glyphs: list[Entry]
    glyph_count: tuple[int, int]  # where the CharStrings dictionary's size is written in `private`

    @classmethod
    def parse(cls, data: bytes, eexec_encrypted: bool = True) -> "Type1Font":
        """`data` as a PFB file; `eexec_encrypted=False` reads the form `decrypted` writes."""
        segments = pfb_segments(data)
        kinds = [kind for kind, _ in segments]
        if not kinds or kinds[0] != 1 or 2 not in kinds:
            raise Type1Error("a PFB file must start with cleartext and hold an encrypted part")
        first = kinds.index(2)
        last = len(kinds) - 1 - kinds[::-1].index(2)
        if any(kind != 2 for kind in kinds[first:last + 1]):
            raise Type1Error("cleartext between the encrypted parts of a PFB file")
        private = b"".join(body for _, body in segments[first:last + 1])
        private = crypt(private, EEXEC_KEY, True) if eexec_encrypted else private
        len_iv = LEN_IV.search(private)
        subrs_match = SUBRS.search(private)
        subrs, after_subrs = read_entries(private, subrs_match.end(), SUBR, True) if subrs_match else ([], 0)
        charstrings = CHARSTRINGS.search(private, after_subrs)
        if charstrings is None:
            raise Type1Error("no CharStrings dictionary in the encrypted part")
        glyphs, _ = read_entries(private, charstrings.end(), CHARSTRING, False)
        if not glyphs:
            raise Type1Error("an empty CharStrings dictionary")
        return cls(segments, range(first, last + 1), private, int(len_iv.group(1)) if len_iv else 4, subrs, glyphs,
                   charstrings.span(1))

    def with_private(self, private: bytes) -> bytes:
        """The PFB file with `private` eexec-encrypted as its encrypted part."""
        return self.with_binary(crypt(private, EEXEC_KEY, False))

    def with_binary(self, binary: bytes) -> bytes:
        """The PFB file with `binary` as its encrypted part, cut into segments of the lengths
        the file had (the last one taking the rest); segments a shorter binary leaves empty
        (a subset's) are left out rather than written as zero-length segments."""
        segments = list(self.segments)
        at = 0
        for k in self.binary:
            length = len(segments[k][1]) if k != self.binary[-1] else len(binary) - at
            segments[k] = (2, binary[at:at + length])
            at += length
        return write_pfb([(kind, body) for kind, body in segments if kind != 2 or body])

    def charstrings_crypted(self, decrypting: bool) -> bytes:
        """`private` with every Subr and CharString decrypted (or encrypted) by the charstring key."""
        if self.len_iv < 0:
            return self.private
        out = bytearray(self.private)
        for entry in self.subrs + self.glyphs:
            out[entry.body_at:entry.body_at + len(entry.body)] = crypt(entry.body, CHARSTRING_KEY, decrypting)
        return bytes(out)


def decrypted(data: bytes) -> bytes:
    """The PFB font `data` with its encrypted part and every charstring decrypted. Not a font
    FreeType reads, but it compresses (encrypted bytes do not): a pack stores Type 1 fonts so,
    at about half the size. `encrypted` gives the font back byte for byte."""
    font = Type1Font.parse(data)
    return font.with_binary(font.charstrings_crypted(True))


def encrypted(plain: bytes) -> bytes:
    """The PFB font that `decrypted` made `plain` of."""
    font = Type1Font.parse(plain, eexec_encrypted=False)
    return font.with_private(font.charstrings_crypted(False))


def subset_pfb(data: bytes, charset: str) -> bytes:
    """The PFB font `data` keeping only what `charset` reaches (see the module docstring)."""
    font = Type1Font.parse(data)
    private, len_iv, subrs, glyphs = font.private, font.len_iv, font.subrs, font.glyphs
    by_name = {g.key: g for g in glyphs}
    kept = reached_glyphs(list(by_name), charset) & set(by_name)
    called: set[int] = set(ALWAYS_KEPT_SUBRS)
    pending = sorted(kept)
    while pending:  # seac components
        found, seac = charstring_calls(by_name[pending.pop()].body, len_iv)
        called |= found
        for code in seac or ():
            name = StandardEncoding[code] if 0 <= code < 256 else None
            if name in by_name and name not in kept:
                kept.add(name)
                pending.append(name)
    subr_by_number = {s.key: s for s in subrs}
    pending_subrs = sorted(n for n in called if n in subr_by_number)
    kept_subrs: set[int] = set()
    while pending_subrs:
        number = pending_subrs.pop()
        if number in kept_subrs:
            continue
        kept_subrs.add(number)
        found, _ = charstring_calls(subr_by_number[number].body, len_iv)
        pending_subrs.extend(n for n in found if n in subr_by_number and n not in kept_subrs)

    empty = crypt(bytes(max(len_iv, 0)) + bytes((RETURN,)), CHARSTRING_KEY, False) if len_iv >= 0 else bytes((RETURN,))
    edits: list[tuple[tuple[int, int], bytes]] = []
    for subr in subrs:
        if subr.key not in kept_subrs:
            edits.append((subr.span, b"dup %d %d %s %s %s" % (subr.key, len(empty), subr.read_token, empty, subr.end_token)))
    for glyph in glyphs:
        if glyph.key not in kept:
            edits.append((glyph.span, b""))
    edits.append((font.glyph_count, str(len(kept)).encode()))
    out = bytearray()
    at = 0
    for (start, end), text in sorted(edits):
        out += private[at:start] + text
        at = end
    out += private[at:]
    return font.with_private(bytes(out))
