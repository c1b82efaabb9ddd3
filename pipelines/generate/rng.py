"""Seeded random numbers: named streams, vectorized draws, small Python-side draws.

Every draw comes from a stream whose key is a hash of (seed, names...): value i of a stream
depends only on its key and i. Nothing depends on the order in which streams are drawn, so
adding a draw in one place never shifts the values drawn elsewhere, and the same arguments
give the same files. Vectorized uniforms come from Arrow's seeded generator.
"""

from __future__ import annotations

import hashlib
import math
import random

import polars as pl
import pyarrow.compute as pc

_M64 = (1 << 64) - 1
_TINY = 2.0**-53


def _mix(z: int) -> int:
    """SplitMix64 finalizer."""
    z = (z + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def stream_key(seed: int, *parts: object) -> int:
    """A 64-bit key for one named stream (parts: str or int), stable across processes."""
    z = _mix(seed & _M64)
    for part in parts:
        if isinstance(part, int):
            v = part & _M64
        else:
            v = int.from_bytes(hashlib.blake2b(str(part).encode(), digest_size=8).digest(), "big")
        z = _mix(z ^ v)
    return z


class Draws:
    """Vectorized draws of length n for one key; each method takes a sub-stream name."""

    def __init__(self, key: int, n: int):
        self.key = key
        self.n = n

    def sub(self, *parts: object) -> Draws:
        return Draws(stream_key(self.key, *parts), self.n)

    def _uniform(self, *parts: object) -> pl.Series:
        """Uniform in (0, 1): Arrow draws in [0, 1), zero moved up to the smallest step."""
        values = pc.random(self.n, initializer=stream_key(self.key, *parts))
        return pl.from_arrow(values).clip(_TINY, 1.0)  # type: ignore[union-attr]

    def uniform(self, name: str) -> pl.Series:
        return self._uniform(name)

    def normal(self, name: str) -> pl.Series:
        u1, u2 = self._uniform(name, 1), self._uniform(name, 2)
        return pl.select((-2.0 * u1.log()).sqrt() * (2.0 * math.pi * u2).cos()).to_series()

    def integers(self, name: str, low: int, high: int) -> pl.Series:
        """Integers in [low, high)."""
        u = self._uniform(name)
        return pl.select(
            (u * (high - low)).floor().cast(pl.Int64).clip(0, high - low - 1) + low
        ).to_series()

    def choice(self, name: str, values: list, weights: list[float] | None = None) -> pl.Series:
        return pick(self.uniform(name), values, weights)


def pick(u: pl.Series, values: list, weights: list[float] | None = None) -> pl.Series:
    """Map uniforms to values by (optionally weighted) inverse CDF."""
    if weights is None:
        weights = [1.0] * len(values)
    total = float(sum(weights))
    cum, acc = [], 0.0
    for w in weights:
        acc += w / total
        cum.append(acc)
    cum[-1] = 1.0 + 1e-12
    k = pl.Series(cum).search_sorted(u, side="right")
    return pl.Series(values).gather(k.clip(0, len(values) - 1))


def pick_grouped(
    u: pl.Series, groups: pl.Series, tables: dict[str, tuple[list, list[float]]]
) -> pl.Series:
    """Like `pick`, with one (values, weights) table per group value."""
    result: pl.Series | None = None
    for group, (values, weights) in tables.items():
        mask = groups == group
        if not mask.any():
            continue
        idx = mask.arg_true()
        chosen = pick(u.filter(mask), values, weights)
        if result is None:
            result = pl.repeat(None, len(u), dtype=chosen.dtype, eager=True)
        result = result.scatter(idx, chosen)
    assert result is not None
    return result


def py_random(seed: int, *parts: object) -> random.Random:
    """A Python RNG for the small, per-item parts (registers, file choices)."""
    return random.Random(stream_key(seed, *parts))


def binomial(rnd: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if n < 400:
        return sum(rnd.random() < p for _ in range(n))
    mean = n * p
    sd = math.sqrt(mean * (1 - p))
    return max(0, min(n, round(rnd.gauss(mean, sd))))


def poisson(rnd: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rnd.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rnd.random()
    while p > limit:
        k += 1
        p *= rnd.random()
    return k
