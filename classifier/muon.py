"""Muon (Keller Jordan et al., 2024): momentum orthogonalised by a Newton-Schulz iteration for
the weight matrices of hidden layers, AdamW for every other parameter, in one optimizer.

A hidden layer's update is the orthogonal factor U V^T of its (Nesterov) momentum M = U S V^T:
every direction the gradient points in moves by the same amount, so rare directions are not
drowned by the dominant ones. A convolution's filters count as the matrix out x (in * kh * kw).
The update is scaled by 0.2 * sqrt(max(rows, cols)) so that its RMS matches AdamW's (Moonshot's
"Muon is scalable for LLM training"): one learning rate serves both kinds of parameter, and the
trainer's warmup and cosine apply to both. Biases, normalisation weights, the input layer and
the output head (`muon_groups` decides) keep AdamW, as Muon's authors advise; their groups
carry an `lr_scale` (`TrainConfig.muon_adamw_lr`, default 1) that the trainer multiplies their
rate by: the classifier's `small` steps them at an eighth, Adam's usual 1e-3 (BENCHMARKS.md).

torch.optim.Muon takes 2-D parameters only and would need a second optimizer beside it; this one
keeps the trainer's contract (one optimizer per part, its state in `last.pt`)."""

from __future__ import annotations

import math

import torch
from torch.optim.adamw import adamw

NEWTON_SCHULZ = (3.4445, -4.7750, 2.0315)  # the quintic's coefficients, as in Muon's reference
NEWTON_SCHULZ_STEPS = 5
GRAM_FORM_RATIO = 3  # a matrix this many times wider than tall (or more) is orthogonalised through its Gram matrix


def orthogonalise(matrix: torch.Tensor, steps: int = NEWTON_SCHULZ_STEPS, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """About U V^T for `matrix` = U S V^T (2-D): Muon's quintic Newton-Schulz iteration, which
    pushes every singular value into roughly [0.7, 1.2] in five steps (not exactly to 1: speed
    over precision), computed in `dtype` on the shorter side (bf16 where the hardware has it:
    19 ms against 74 for `small`'s largest matrix on one CPU thread, as Muon's reference does on GPUs).
    A matrix at least `GRAM_FORM_RATIO` times wider than tall goes through `newton_schulz_on_gram`."""
    assert matrix.ndim == 2, f"expected a matrix, got shape {tuple(matrix.shape)}"
    a, b, c = NEWTON_SCHULZ
    x = matrix.to(dtype)
    wide = x.shape[0] <= x.shape[1]
    x = x if wide else x.T
    x = x / (x.norm() + 1e-7)  # spectral norm at most 1
    if x.shape[1] >= GRAM_FORM_RATIO * x.shape[0]:
        x = newton_schulz_on_gram(x, steps)
    else:
        for _ in range(steps):
            gram = x @ x.T
            x = a * x + (b * gram + c * gram @ gram) @ x
    return x if wide else x.T


def newton_schulz_on_gram(x: torch.Tensor, steps: int) -> torch.Tensor:
    """The same iteration for a wide `x` (n x m, m several times n, spectral norm at most 1),
    carried on n x n matrices (Gram Newton-Schulz, Dao AI Lab 2026): every iterate is Q x with Q a
    polynomial in G = x x^T, so Q commutes with G, the iterate's Gram matrix is Q G Q and the step
    x <- p(x x^T) x is Q <- p(Q G Q) Q. Two products of x's size in all instead of two per step
    (`small`'s 256 x 5,632 hidden layer: 10 ms against 16.5 on two CPU threads); the n x n iteration
    runs in float32, which keeps it stable (the half-precision Gram form needs restarts) and
    closer to the exact result than the bf16 iteration on x."""
    a, b, c = NEWTON_SCHULZ
    full = x.float()
    gram = full @ full.T  # in float32: a Gram matrix rounded to bf16 has spurious negative eigenvalues, which the iteration blows up
    eye = torch.eye(gram.shape[0], device=gram.device)
    q = eye
    for _ in range(steps):
        s = q @ gram @ q
        q = (a * eye + b * s + c * s @ s) @ q
    return q.to(x.dtype) @ x


def muon_groups(weights: list[torch.Tensor], flat: list[torch.Tensor], weight_decay: float, adamw_lr: float = 1.0) -> list[dict]:
    """Parameter groups for `Muon` from a model's multi-dimensional `weights` in model order and
    its `flat` ones (biases, normalisation weights): the hidden layers' weights (all but the first
    and the last: the input layer and the output head) for Muon, then those two (AdamW, decayed),
    then the flat ones (AdamW, not decayed)."""
    edges = weights[:1] + weights[1:][-1:]
    return [{"params": weights[1:-1], "weight_decay": weight_decay, "muon": True},
            {"params": edges, "weight_decay": weight_decay, "muon": False, "lr_scale": adamw_lr},
            {"params": flat, "weight_decay": 0.0, "muon": False, "lr_scale": adamw_lr}]


class Muon(torch.optim.Optimizer):
    """Muon for the groups with `muon` true, AdamW (torch's implementation) for the others; one
    `lr` for both (see the module docstring). `momentum` is Muon's (Nesterov), `betas` AdamW's;
    `bf16` runs the orthogonalisation in bf16."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), momentum: float = 0.95,
                 eps: float = 1e-8, weight_decay: float = 0.0, bf16: bool = False):
        if not (lr > 0 and 0 <= momentum < 1 and len(betas) == 2 and all(0 <= b < 1 for b in betas)):
            raise ValueError(f"lr must be positive, momentum and betas in [0, 1); got {lr}, {momentum}, {betas}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), momentum=momentum, eps=eps, weight_decay=weight_decay, muon=False,
                                      bf16=bf16))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                (self._muon_step if group["muon"] else self._adamw_step)(group, params)
        return loss

    def _muon_step(self, group: dict, params: list[torch.Tensor]) -> None:
        lr, mu, decay = group["lr"], group["momentum"], group["weight_decay"]
        for p in params:
            state = self.state[p]
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            buffer = state["momentum_buffer"]
            buffer.mul_(mu).add_(p.grad)
            update = orthogonalise(p.grad.add(buffer, alpha=mu).reshape(p.shape[0], -1),
                                   dtype=torch.bfloat16 if group["bf16"] else torch.float32)
            if decay:
                p.mul_(1 - lr * decay)
            p.add_(update.reshape(p.shape).to(p.dtype), alpha=-lr * 0.2 * math.sqrt(max(update.shape)))

    def _adamw_step(self, group: dict, params: list[torch.Tensor]) -> None:
        for p in params:
            state = self.state[p]
            if "step" not in state:
                state["step"] = torch.tensor(0.0)
                state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        beta1, beta2 = group["betas"]
        adamw(params, [p.grad for p in params], [self.state[p]["exp_avg"] for p in params], [self.state[p]["exp_avg_sq"] for p in params],
              [], [self.state[p]["step"] for p in params], foreach=False, amsgrad=False, beta1=beta1, beta2=beta2, lr=group["lr"],
              weight_decay=group["weight_decay"], eps=group["eps"], maximize=False)
