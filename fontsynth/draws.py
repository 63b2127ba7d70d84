"""The random numbers of one sample.

`sample_draws(seed, index)` seeds a generator from (seed, index) alone; `Draws` hands out its
uniform numbers in order and derives every other kind of choice from them. Same (seed, index),
same sample, anywhere.

The generator is the standard library's Mersenne Twister seeded with the string
"fontsynth:{seed}:{index}" (hashed with SHA-512 by `random.seed`). Python guarantees that this
seeding and `random()` give the same sequence in every version. It is used instead of a numpy
Generator because a sample needs ~70 scalar draws: seeding numpy costs ~15 us and each
Python-level fetch ~0.6 us, against ~5 us and ~0.05 us (a C call) here. Array-valued
randomness (noise images) is drawn later from per-sample seeds stored in the Style.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

DECIMALS = 4  # continuous choices are rounded: a Style's JSON stays short and exact
_SCALE = 10**DECIMALS


class Draws:
    def __init__(self, rng: random.Random):
        self.random = rng.random  # uniform in [0, 1); bound here so a draw is one C call

    def uniform(self, low: float, high: float) -> float:
        """Uniform in [low, high], rounded to DECIMALS places."""
        return round((low + (high - low) * self.random()) * _SCALE) / _SCALE  # round(x, 4) is 4x slower

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

    def seed(self) -> int:
        """A seed for array-valued randomness (noise images) rendered later."""
        return self.integer(0, 2**31 - 1)


def sample_draws(seed: int, index: int, redraw: int = 0) -> Draws:
    """The random stream of sample `index`: a function of (seed, index) alone. `redraw` k > 0
    gives the k-th fallback stream, used when the first draw hit a font FreeType failed on."""
    return Draws(random.Random(f"fontsynth:{seed}:{index}" if redraw == 0 else f"fontsynth:{seed}:{index}:redraw:{redraw}"))
