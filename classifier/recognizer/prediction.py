"""Stage 4: the attention decoder (Bahdanau attention with an LSTM cell, DTRB's "Attn") and
the CTC head (a linear layer per column)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from classifier.recognizer.labels import GO


class AttentionCell(nn.Module):
    def __init__(self, inputs: int, hidden: int, classes: int):
        super().__init__()
        self.i2h = nn.Linear(inputs, hidden, bias=False)
        self.h2h = nn.Linear(hidden, hidden)
        self.score = nn.Linear(hidden, 1, bias=False)
        self.rnn = nn.LSTMCell(inputs + classes, hidden)
        self.classes = classes

    def forward(self, state, keys: torch.Tensor, features: torch.Tensor, previous: torch.Tensor):
        """One step: attend over `features` (N x T x inputs) given the LSTM state, feed the
        context and the previous character (ids, N) to the LSTM cell."""
        h, _ = state
        weights = torch.softmax(self.score(torch.tanh(keys + self.h2h(h).unsqueeze(1))), dim=1)  # N x T x 1
        context = (weights * features).sum(dim=1)
        return self.rnn(torch.cat([context, F.one_hot(previous, self.classes).to(context.dtype)], 1), state)


class AttentionDecoder(nn.Module):
    def __init__(self, inputs: int, hidden: int, classes: int):
        super().__init__()
        self.cell = AttentionCell(inputs, hidden, classes)
        self.generator = nn.Linear(hidden, classes)
        self.hidden = hidden

    def forward(self, features: torch.Tensor, tokens: torch.Tensor | None, steps: int) -> torch.Tensor:
        """N x steps x classes logits. With `tokens` (N x steps+1, starting with [GO]) the
        previous character is the true one (teacher forcing); without, the predicted one."""
        with torch.autocast(features.device.type, enabled=False):
            features = features.float()
            n = features.shape[0]
            state = (features.new_zeros(n, self.hidden), features.new_zeros(n, self.hidden))
            keys = self.cell.i2h(features)
            previous = torch.full((n,), GO, dtype=torch.long, device=features.device)
            logits = []
            for t in range(steps):
                if tokens is not None:
                    previous = tokens[:, t]
                state = self.cell(state, keys, features, previous)
                logits.append(self.generator(state[0]))
                previous = logits[-1].argmax(dim=1)
            return torch.stack(logits, 1)
