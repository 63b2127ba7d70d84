"""Stage 3: two stacked bidirectional LSTMs over the feature columns (DTRB's "BiLSTM")."""

from __future__ import annotations

import torch
from torch import nn


class BidirectionalLSTM(nn.Module):
    def __init__(self, inputs: int, hidden: int, outputs: int):
        super().__init__()
        self.rnn = nn.LSTM(inputs, hidden, bidirectional=True, batch_first=True)
        self.linear = nn.Linear(hidden * 2, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # N x T x inputs -> N x T x outputs
        self.rnn.flatten_parameters()
        return self.linear(self.rnn(x)[0])


class BiLSTM(nn.Module):
    def __init__(self, inputs: int, hidden: int):
        super().__init__()
        self.layers = nn.Sequential(BidirectionalLSTM(inputs, hidden, hidden), BidirectionalLSTM(hidden, hidden, hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with torch.autocast(x.device.type, enabled=False):  # LSTMs in float32: cuDNN's bf16 LSTM is not everywhere
            return self.layers(x.float())
