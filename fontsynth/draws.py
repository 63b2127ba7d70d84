"""The random numbers of one sample.

`sample_draws(seed, index)` seeds a generator from (seed, index) alone; `Draws` hands out its
uniform numbers in order, fetched in blocks (one numpy call instead of one per choice), and
derives every other kind of choice from them. Same (seed, index), same sample, anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()


class Draws:
    BLOCK = 64

    def __init__(self, rng: np.random.Generator):
        self._rng = rng
        self._u: list[float] = []
        self._i = 0

    def random(self) -> float:
        """Uniform in [0, 1)."""
        if self._i == len(self._u):
            self._u = self._rng.random(self.BLOCK).tolist()
            self._i = 0
        self._i += 1
        return self._u[self._i - 1]

    def uniform(self, low: float, high: float) -> float:
        return low + (high - low) * self.random()

    def integer(self, low: int, high: int) -> int:
        """Uniform in low..high-1."""
        return low + min(int(self.random() * (high - low)), high - low - 1)

    def coin(self, p: float) -> bool:
        return self.random() < p

    def sign(self) -> int:
        return 1 if self.random() < 0.5 else -1

    def choice(self, items: Sequence):
        return items[self.integer(0, len(items))]

    def weighted(self, weights: Sequence[float]) -> int:
        """An index drawn with probability proportional to `weights`."""
        r = self.random() * sum(weights)
        for i, w in enumerate(weights):
            r -= w
            if r < 0:
                return i
        return len(weights) - 1

    def normal(self, mean: float = 0.0, sigma: float = 1.0) -> float:
        return mean + sigma * _NORMAL.inv_cdf(min(max(self.random(), 1e-12), 1 - 1e-12))

    def seed(self) -> int:
        """A seed for array-valued randomness (noise images) rendered later."""
        return self.integer(0, 2**31 - 1)


def sample_draws(seed: int, index: int) -> Draws:
    """The random stream of sample `index`: a function of (seed, index) alone."""
    return Draws(np.random.default_rng([seed, index]))
