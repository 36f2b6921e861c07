"""Functions that make new matrices (leaves of the graph): `mat`, `zeros`, `randn`, ...

Each returns a Matrix that tracks gradients unless `requires_grad=False`, on the active backend
(see `match.accel`), except `*_like`, which follow their input's backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .list2d import List2D, Number
from .matrix import Matrix


def _size(args: tuple[Any, ...], op: str) -> tuple[int, int]:
    """Accept f(n, m) and f((n, m))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if len(args) != 2:
        raise TypeError(f"{op}: expected two sizes (nrow, ncol), got {args!r:.60}")
    return args[0], args[1]


def mat(values: Sequence[Sequence[Number]], requires_grad: bool = True) -> Matrix:
    """A Matrix holding a copy of nested lists of numbers: `mat([[1, 2], [3, 4]])`."""
    if isinstance(values, Matrix):
        values = values.data
    if isinstance(values, List2D):
        return Matrix(values.copy(), requires_grad=requires_grad)
    return Matrix(List2D.from_2d_list(values, "mat"), requires_grad=requires_grad)


def full(*args: Any, fill_value: Number = 0.0, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix filled with one value: `full(2, 3, 7.0)`, `full((2, 3), 7.0)` (as
    torch) or `full(2, 3, fill_value=7.0)`."""
    count = 1 if args and isinstance(args[0], (tuple, list)) else 2
    size, rest = args[:count], args[count:]
    if len(rest) > 1:
        raise TypeError(f"full: expected a size and a fill value, got {args!r:.60}")
    if rest:
        fill_value = rest[0]
    nrow, ncol = _size(size, "full")
    return Matrix(List2D.full(nrow, ncol, fill_value, "full"), requires_grad=requires_grad)


def zeros(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of zeros."""
    return Matrix(List2D.full(*_size(size, "zeros"), 0.0, "zeros"), requires_grad=requires_grad)


def ones(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of ones."""
    return Matrix(List2D.full(*_size(size, "ones"), 1.0, "ones"), requires_grad=requires_grad)


def randn(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples of the standard normal distribution (repeatable after `manual_seed`)."""
    return Matrix(List2D.randn(*_size(size, "randn")), requires_grad=requires_grad)


def rand(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples of the uniform distribution on [0, 1) (repeatable after `manual_seed`)."""
    return Matrix(List2D.rand(*_size(size, "rand")), requires_grad=requires_grad)


def eye(n: int, requires_grad: bool = True) -> Matrix:
    """The (n, n) identity matrix."""
    return Matrix(List2D.eye(n), requires_grad=requires_grad)


def _like(m: Any, value: float, op: str, requires_grad: bool) -> Matrix:
    if not isinstance(m, Matrix):
        raise TypeError(f"{op}: expected a Matrix, got {type(m).__name__}")
    return Matrix(m.data.new_full(*m.shape, value), requires_grad=requires_grad)


def zeros_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Zeros of m's shape, on m's backend."""
    return _like(m, 0.0, "zeros_like", requires_grad)


def ones_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Ones of m's shape, on m's backend."""
    return _like(m, 1.0, "ones_like", requires_grad)
