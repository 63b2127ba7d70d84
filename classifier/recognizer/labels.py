"""Label converters as pure functions (attention and CTC), and label checks.

Attention tokens: 0 = [GO] (also padding, ignored by the loss), 1 = [s] (end of text),
2.. = the charset's characters in order. A batch is N x (max_length + 2): [GO] c1 .. cn [s] 0 ..
CTC tokens: 0 = blank, 1.. = the characters; targets are concatenated with their lengths. CTC
labels are in visual order (`reading_order`): a right-to-left text is encoded as it is drawn,
from left to right, and a reading turned back into the order text is typed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import torch

from classifier.recognizer.reading_order import logical_order, reads_as_typed, visual_order
from fontsynth.external import UNREADABLE

GO, END = 0, 1
ATTN_OFFSET = 2
CTC_BLANK, CTC_OFFSET = 0, 1
PRINTABLE_ASCII = "".join(map(chr, range(0x20, 0x7F)))  # space to tilde: the default charset


def ctc_steps(text: str) -> int:
    """The fewest CTC columns that can spell `text`: one per character, plus a blank between
    each pair of equal neighbours as drawn (CTC merges repeats that no blank separates)."""
    drawn = visual_order(text)
    return len(drawn) + sum(a == b for a, b in zip(drawn, drawn[1:]))


def label_problem(text: str, charset: str | set[str], max_length: int, ctc_columns: int = 0) -> str | None:
    """Why `text` cannot be a training label (None when it can): empty, too long, characters
    outside the charset, or (CTC models, `ctc_columns` > 0) more CTC steps than the model has
    columns: CTC's loss is infinite there, and PyTorch's `zero_infinity` would skip it silently.
    An external dataset's item whose image does not decode has the label `external.UNREADABLE`."""
    if text == UNREADABLE:
        return "image does not decode"
    if not text:
        return "empty"
    if len(text) > max_length:
        return f"longer than {max_length}"
    if any(c not in charset for c in text) or (not reads_as_typed(text) and any(c not in charset for c in visual_order(text))):
        return "characters outside the charset"  # or the mirror image a right-to-left run draws one as
    if ctc_columns and ctc_steps(text) > ctc_columns:
        return f"more than CTC's {ctc_columns} columns hold"
    return None


def count_problems(texts: Sequence[str], charset: str, max_length: int, ctc_columns: int = 0) -> tuple[list[int], Counter]:
    """(positions of usable labels, Counter of reasons for the others)."""
    allowed = set(charset)
    keep, reasons = [], Counter()
    for i, text in enumerate(texts):
        problem = label_problem(text, allowed, max_length, ctc_columns)
        if problem is None:
            keep.append(i)
        else:
            reasons[problem] += 1
    return keep, reasons


def usable_labels(texts: Sequence[str], config) -> tuple[list[int], Counter]:
    """Positions of the `texts` a model of `config` (a RecognizerConfig) can learn or score, and
    the others by reason: its charset, maximum length and, for CTC, its columns."""
    return count_problems(texts, config.charset, config.max_length, config.ctc_columns)


def encode_attention(texts: Sequence[str], charset: str, max_length: int) -> torch.Tensor:
    """N x (max_length + 2) token ids: [GO] chars [s] then padding (0)."""
    index = {c: k + ATTN_OFFSET for k, c in enumerate(charset)}
    out = torch.zeros(len(texts), max_length + 2, dtype=torch.long)
    for row, text in enumerate(texts):
        if len(text) > max_length:
            raise ValueError(f"label {text!r} is longer than {max_length}")
        ids = [index[c] for c in text] + [END]
        out[row, 1:len(ids) + 1] = torch.tensor(ids)
    return out


def decode_attention(tokens: torch.Tensor, charset: str) -> list[str]:
    """Texts from N x T predicted token ids (the first [s] ends a text; [GO] is skipped)."""
    texts = []
    for row in tokens.tolist():
        chars = []
        for t in row:
            if t == END:
                break
            if t >= ATTN_OFFSET:
                chars.append(charset[t - ATTN_OFFSET])
        texts.append("".join(chars))
    return texts


def encode_ctc(texts: Sequence[str], charset: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(concatenated targets, lengths) for torch's ctc_loss: each text in visual order."""
    index = {c: k + CTC_OFFSET for k, c in enumerate(charset)}
    targets = [index[c] for text in texts for c in visual_order(text)]
    return torch.tensor(targets, dtype=torch.long), torch.tensor([len(t) for t in texts], dtype=torch.long)


def decode_ctc(tokens: torch.Tensor, charset: str) -> list[str]:
    """Greedy CTC decoding of N x T token ids: repeats collapsed, blanks removed, the columns'
    visual order turned back into the order text is typed (`reading_order.logical_order`)."""
    texts = []
    for row in tokens.tolist():
        chars, previous = [], CTC_BLANK
        for t in row:
            if t != previous and t != CTC_BLANK:
                chars.append(charset[t - CTC_OFFSET])
            previous = t
        texts.append(logical_order("".join(chars)))
    return texts


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions cost 1)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
