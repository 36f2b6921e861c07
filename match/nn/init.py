"""Initialisation in place, with torch.nn.init's names and signatures.

Each function overwrites a Matrix's values and returns the same Matrix, as torch's do. Only the
values change, never the graph: torch runs these under no_grad, and here they write `data`
directly. Random values are drawn row by row from `match.list2d.rng()`, so `match.manual_seed`
makes them repeat, or from `generator` (a `random.Random`) when one is given.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from ..list2d import rng
from ..matrix import Matrix


def _check(tensor: Matrix, who: str) -> None:
    if not isinstance(tensor, Matrix):
        raise TypeError(f"{who}: expected a Matrix, got {type(tensor).__name__}")


def _draw_(tensor: Matrix, draw: Callable[[], float]) -> Matrix:
    """Overwrite tensor's values with draw(), row by row (the order that manual_seed repeats)."""
    rows = [[draw() for _ in range(tensor.ncol)] for _ in range(tensor.nrow)]
    tensor.data.copy_(tensor.data.new_rows(rows))
    return tensor


def uniform_(
    tensor: Matrix, a: float = 0.0, b: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Fill tensor with values from the uniform distribution on [a, b)."""
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    r = rng() if generator is None else generator
    return _draw_(tensor, lambda: r.uniform(a, b))


def normal_(
    tensor: Matrix, mean: float = 0.0, std: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Fill tensor with values from the normal distribution N(mean, std^2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be at least 0, got {std}")
    r = rng() if generator is None else generator
    return _draw_(tensor, lambda: r.gauss(mean, std))


def constant_(tensor: Matrix, val: float) -> Matrix:
    """Fill tensor with val."""
    _check(tensor, "constant_")
    tensor.data.fill_(val)
    return tensor


def zeros_(tensor: Matrix) -> Matrix:
    """Fill tensor with 0.0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Matrix) -> Matrix:
    """Fill tensor with 1.0."""
    return constant_(tensor, 1.0)


__all__ = ["constant_", "normal_", "ones_", "uniform_", "zeros_"]
