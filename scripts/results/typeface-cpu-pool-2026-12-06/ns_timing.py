"""Muon's orthogonalisation of `small`'s hidden matrices, timed (bf16, five steps), and how close
the Gram form and the iteration on the full matrix come to the float32 iteration.

    python ns_timing.py
"""
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
import classifier.muon as muon  # noqa: E402

SHAPES = [(32, 144), (64, 288), (96, 576), (96, 864), (64, 64), (256, 5632), (256, 256)]


def timed(matrix: torch.Tensor) -> float:
    for _ in range(3):
        muon.orthogonalise(matrix, dtype=torch.bfloat16)
    start = time.perf_counter()
    for _ in range(20):
        muon.orthogonalise(matrix, dtype=torch.bfloat16)
    return (time.perf_counter() - start) / 20 * 1000


torch.manual_seed(0)
for shape in SHAPES:
    m = torch.randn(shape) @ torch.diag(torch.logspace(-3, 0, shape[1]))  # ill-conditioned, as momenta are
    reference = muon.orthogonalise(m, dtype=torch.float32)
    row = {}
    for name, ratio in (("gram form", muon.GRAM_FORM_RATIO), ("full matrix", 10**9)):
        saved, muon.GRAM_FORM_RATIO = muon.GRAM_FORM_RATIO, ratio
        error = ((muon.orthogonalise(m, dtype=torch.bfloat16).float() - reference).norm() / reference.norm()).item()
        row[name] = f"{timed(m):.2f} ms, relative error {error:.4f}"
        muon.GRAM_FORM_RATIO = saved
    print(shape, row)
