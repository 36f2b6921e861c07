"""List2D: a matrix stored as a list of rows of floats, and the math on it.

This module knows nothing about gradients. It is the calculator that `matrix.py` uses to compute
values and gradients. It has two parts:

1. `PythonKernels`: the math itself, written as plain functions over rows (`list[list[float]]`).
   These are the *kernels*. `match/accel.py` can swap in numpy or cupy versions of them.
2. `List2D`: the object you work with. It checks shapes and types, names the operation in every
   error message, and hands the raw rows to its kernels.

Shapes are always 2D, `(nrow, ncol)`. Binary operations broadcast like numpy does in 2D: a
dimension of size 1 (or a plain number) is stretched to match the other operand.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Callable, Iterable, Sequence
from itertools import accumulate, chain
from typing import Any, TypeAlias

Rows: TypeAlias = list[list[float]]
Number: TypeAlias = float | int
Shape: TypeAlias = tuple[int, int]
# A row selector after normalisation: explicit row numbers, plus a column slice.
Key: TypeAlias = tuple[list[int], slice]

INF = math.inf
NAN = math.nan


# ---------------------------------------------------------------------------------------------
# Scalar helpers. The fast path uses the C functions from `math`; when one of them raises (log of
# 0, exp overflow, 1/0) we redo the whole map with these safe versions, which return the IEEE
# results (inf, -inf, nan) that numpy and torch give.
# ---------------------------------------------------------------------------------------------


def _safe_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _safe_log(x: float) -> float:
    return math.log(x) if x > 0 else (-INF if x == 0 else NAN)


def _safe_sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else NAN


def _safe_div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return NAN
        return math.copysign(INF, x) * math.copysign(1.0, y)


def _safe_pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except OverflowError:
        odd = y == int(y) and int(y) % 2 == 1
        return math.copysign(INF, x) if odd else INF
    except ValueError:  # 0 ** negative is inf; a negative base with a fractional power is nan
        return INF if x == 0 else NAN


def _safe_sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN


def _safe_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: 1/(1+e^-x) = e^x/(1+e^x).
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _map(rows: Rows, fast: Callable[[float], float], safe: Callable[[float], float]) -> Rows:
    """Apply a scalar function to every element, falling back to its safe version on error."""
    try:
        return [list(map(fast, row)) for row in rows]
    except (ArithmeticError, ValueError):
        return [list(map(safe, row)) for row in rows]


def _argmax(seq: Sequence[float]) -> int:
    return max(range(len(seq)), key=seq.__getitem__)


def _argmin(seq: Sequence[float]) -> int:
    return min(range(len(seq)), key=seq.__getitem__)


# Matrix products. Python 3.12 added math.sumprod (a fused, extended-precision dot product);
# older Pythons sum the products. Both are kept so that tests can check them against each other.
def dot_rows_portable(rows: Iterable[Sequence[float]], cols: Sequence[Sequence[float]]) -> Rows:
    """Dot product of every row with every column (both given as sequences): `sum(map(mul))`."""
    mul = operator.mul
    return [[sum(map(mul, r, c)) for c in cols] for r in rows]


if hasattr(math, "sumprod"):

    def dot_rows_sumprod(rows: Iterable[Sequence[float]], cols: Sequence[Sequence[float]]) -> Rows:
        """Dot product of every row with every column, using `math.sumprod` (Python 3.12+)."""
        sumprod = math.sumprod
        return [[sumprod(r, c) for c in cols] for r in rows]

    dot_rows = dot_rows_sumprod
else:
    dot_rows = dot_rows_portable


# Elementwise binary functions by name. Comparisons give floats (1.0 / 0.0), not bools.
def _compare(fn: Callable[[float, float], bool]) -> Callable[[float, float], float]:
    return lambda x, y: 1.0 if fn(x, y) else 0.0


BINARY_FUNCTIONS: dict[str, tuple[Callable[[float, float], float], Callable[[float, float], Any]]]
BINARY_FUNCTIONS = {  # name: (fast function, safe function)
    "add": (operator.add, operator.add),
    "sub": (operator.sub, operator.sub),
    "mul": (operator.mul, operator.mul),
    "div": (operator.truediv, _safe_div),
    "pow": (math.pow, _safe_pow),
    "maximum": (max, max),
    "minimum": (min, min),
    "gt": (_compare(operator.gt),) * 2,
    "ge": (_compare(operator.ge),) * 2,
    "lt": (_compare(operator.lt),) * 2,
    "le": (_compare(operator.le),) * 2,
    "eq": (_compare(operator.eq),) * 2,
    "ne": (_compare(operator.ne),) * 2,
}


class PythonKernels:
    """The reference backend: every kernel in plain Python on lists of rows.

    A kernel takes raw values (here `list[list[float]]`) and returns new raw values; it never
    changes its inputs and never checks shapes (List2D did that already). `match.accel` provides
    the same methods on numpy or cupy arrays.
    """

    name = "python"

    # -- creation and conversion ------------------------------------------------------------
    def from_rows(self, rows: Rows) -> Rows:
        """Raw values from validated rows of floats (here: the rows themselves)."""
        return rows

    def to_rows(self, a: Rows) -> Rows:
        """Plain Python rows (a copy, so the caller may change it freely)."""
        return [list(row) for row in a]

    def shape(self, a: Rows) -> Shape:
        """(nrow, ncol) of raw values."""
        return len(a), len(a[0])

    def full(self, nrow: int, ncol: int, value: float) -> Rows:
        """An (nrow, ncol) matrix filled with value."""
        return [[value] * ncol for _ in range(nrow)]

    def copy(self, a: Rows) -> Rows:
        """A copy that shares nothing with a."""
        return [list(row) for row in a]

    # -- elementwise ------------------------------------------------------------------------
    def binary(self, name: str, a: Rows | float, b: Rows | float) -> Rows:
        """Elementwise `name(a, b)` with 2D broadcasting; either side may be a plain float."""
        fast, safe = BINARY_FUNCTIONS[name]
        try:
            return self._binary(fast, a, b)
        except (ArithmeticError, ValueError):
            return self._binary(safe, a, b)

    @staticmethod
    def _binary(fn: Callable[[float, float], float], a: Rows | float, b: Rows | float) -> Rows:
        if not isinstance(b, list):
            return [[fn(x, b) for x in row] for row in a]  # type: ignore[union-attr]
        if not isinstance(a, list):
            return [[fn(a, y) for y in row] for row in b]
        # Stretch a single row to the other operand's row count.
        if len(a) != len(b):
            a, b = (a * len(b), b) if len(a) == 1 else (a, b * len(a))
        out = []
        for ra, rb in zip(a, b):
            if len(ra) == len(rb):
                out.append(list(map(fn, ra, rb)))
            elif len(ra) == 1:  # stretch a single column
                x = ra[0]
                out.append([fn(x, y) for y in rb])
            else:
                y = rb[0]
                out.append([fn(x, y) for x in ra])
        return out

    def neg(self, a: Rows) -> Rows:
        """-a."""
        return [[-x for x in row] for row in a]

    def exp(self, a: Rows) -> Rows:
        """e ** a (inf on overflow)."""
        return _map(a, math.exp, _safe_exp)

    def log(self, a: Rows) -> Rows:
        """Natural log (-inf at 0, nan below)."""
        return _map(a, math.log, _safe_log)

    def sqrt(self, a: Rows) -> Rows:
        """Square root (nan below 0)."""
        return _map(a, math.sqrt, _safe_sqrt)

    def abs(self, a: Rows) -> Rows:
        """|a|."""
        return [list(map(abs, row)) for row in a]

    def sign(self, a: Rows) -> Rows:
        """-1, 0 or 1 by the sign of each element."""
        return [[(x > 0) - (x < 0) + 0.0 for x in row] for row in a]

    def tanh(self, a: Rows) -> Rows:
        """Hyperbolic tangent."""
        return [list(map(math.tanh, row)) for row in a]

    def sigmoid(self, a: Rows) -> Rows:
        """Logistic sigmoid 1 / (1 + e^-a), computed without overflow."""
        return [list(map(_sigmoid, row)) for row in a]

    def relu(self, a: Rows) -> Rows:
        """max(a, 0)."""
        return [[x if x > 0.0 else 0.0 for x in row] for row in a]

    def leaky_relu(self, a: Rows, slope: float) -> Rows:
        """a where a > 0, else slope * a."""
        return [[x if x > 0.0 else slope * x for x in row] for row in a]

    def softplus(self, a: Rows) -> Rows:
        """log(1 + e^a), written so that e^a never overflows."""
        return [
            [x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x)) for x in row]
            for row in a
        ]

    def sin(self, a: Rows) -> Rows:
        """Sine (nan for infinite input)."""
        return _map(a, math.sin, _safe_sin)

    def cos(self, a: Rows) -> Rows:
        """Cosine (nan for infinite input)."""
        return _map(a, math.cos, _safe_cos)

    def clamp(self, a: Rows, low: float, high: float) -> Rows:
        """Each element limited to [low, high] (use -inf / inf for no limit)."""
        return [[low if x < low else high if x > high else x for x in row] for row in a]

    # -- matrix products --------------------------------------------------------------------
    def matmul(self, a: Rows, b: Rows) -> Rows:
        """a @ b."""
        return dot_rows(a, list(zip(*b)))

    def matmul_t(self, a: Rows, b: Rows) -> Rows:
        """a @ b.T, without building b.T: rows of a dotted with rows of b."""
        return dot_rows(a, b)

    def t_matmul(self, a: Rows, b: Rows) -> Rows:
        """a.T @ b: columns of a dotted with columns of b."""
        return dot_rows(zip(*a), list(zip(*b)))

    # -- reductions (results stay 2D) -------------------------------------------------------
    @staticmethod
    def _reduce(a: Rows, dim: int | None, fn: Callable[[Sequence[float]], float]) -> Rows:
        if dim is None:
            return [[fn(list(chain.from_iterable(a)))]]
        if dim == 0:
            return [list(map(fn, zip(*a)))]
        return [[fn(row)] for row in a]

    def sum(self, a: Rows, dim: int | None) -> Rows:
        """Sum over everything (1x1), over rows (dim=0, 1xN) or over columns (dim=1, Nx1)."""
        return self._reduce(a, dim, sum)

    def max(self, a: Rows, dim: int | None) -> Rows:
        """Largest element, as for sum."""
        return self._reduce(a, dim, max)

    def min(self, a: Rows, dim: int | None) -> Rows:
        """Smallest element, as for sum."""
        return self._reduce(a, dim, min)

    def argmax(self, a: Rows, dim: int | None) -> Rows:
        """Index of the first largest element (a flat row-major index when dim is None)."""
        return [[float(i) for i in row] for row in self._reduce(a, dim, _argmax)]

    def argmin(self, a: Rows, dim: int | None) -> Rows:
        """Index of the first smallest element (a flat row-major index when dim is None)."""
        return [[float(i) for i in row] for row in self._reduce(a, dim, _argmin)]

    # -- shape ------------------------------------------------------------------------------
    def transpose(self, a: Rows) -> Rows:
        """Rows become columns."""
        return [list(col) for col in zip(*a)]

    def reshape(self, a: Rows, nrow: int, ncol: int) -> Rows:
        """The same elements in row-major order, cut into rows of ncol."""
        flat = list(chain.from_iterable(a))
        return [flat[i : i + ncol] for i in range(0, nrow * ncol, ncol)]

    def broadcast_to(self, a: Rows, nrow: int, ncol: int) -> Rows:
        """Stretch dimensions of size 1 to (nrow, ncol)."""
        rows = a * nrow if len(a) == 1 else a
        return [row * ncol if len(row) == 1 else list(row) for row in rows]

    def take(self, a: Rows, rows: list[int], cols: slice) -> Rows:
        """The given rows (repeats allowed), and within them the column slice."""
        return [a[i][cols] for i in rows]

    def put(self, a: Rows, rows: list[int], cols: slice, value: Rows) -> Rows:
        """A copy of a with value (already the selection's shape) written at rows/cols."""
        out = [list(row) for row in a]
        for i, new in zip(rows, value):
            out[i][cols] = new
        return out

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Rows) -> Rows:
        """Zeros of (nrow, ncol) with g added at rows/cols; repeated rows add up."""
        out = self.full(nrow, ncol, 0.0)
        positions = range(ncol)[cols]
        for i, grow in zip(rows, g):
            row = out[i]
            for j, v in zip(positions, grow):
                row[j] += v
        return out

    def cat(self, parts: list[Rows], dim: int) -> Rows:
        """Join matrices top to bottom (dim=0) or side by side (dim=1)."""
        if dim == 0:
            return [list(row) for part in parts for row in part]
        return [list(chain.from_iterable(rows)) for rows in zip(*parts)]


PYTHON = PythonKernels()
_active_kernels: Any = PYTHON  # what new List2Ds use; match.accel changes it


def active_kernels() -> Any:
    """The kernels that newly created List2Ds use (see `match.accel`)."""
    return _active_kernels


def set_active_kernels(kernels: Any) -> Any:
    """Make `kernels` the backend for new List2Ds; returns the previous one (for match.accel)."""
    global _active_kernels
    previous, _active_kernels = _active_kernels, kernels
    return previous


# One random generator for the whole library, so that match.manual_seed makes runs repeatable.
_rng = random.Random()


def manual_seed(seed: int) -> None:
    """Seed the generator behind `randn`, `rand` and dropout, so that runs repeat exactly."""
    _rng.seed(seed)


def rng() -> random.Random:
    """The library's random generator (seeded by `manual_seed`)."""
    return _rng


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _check_rows(values: Any, op: str) -> Rows:
    """Validate nested lists of numbers and return them as fresh rows of floats."""
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op}: expected a non-empty list of rows, got {values!r:.60}")
    rows = []
    for i, row in enumerate(values):
        if not isinstance(row, (list, tuple)) or not row:
            raise ValueError(f"{op}: row {i} is not a non-empty list (got {row!r:.60})")
        for x in row:
            if not isinstance(x, (int, float)):
                raise TypeError(
                    f"{op}: element {x!r:.30} in row {i} is a {type(x).__name__}, not a number"
                )
        rows.append([float(x) for x in row])
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{op}: ragged rows: row 0 has {width} values, row {i} has {len(row)}")
    return rows


def _check_size(nrow: Any, ncol: Any, op: str) -> None:
    for n in (nrow, ncol):
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"{op}: sizes must be ints, got {type(n).__name__}")
        if n < 1:
            raise ValueError(f"{op}: sizes must be at least 1, got ({nrow}, {ncol})")


def _check_dim(dim: Any, op: str) -> None:
    if dim not in (None, 0, 1) or isinstance(dim, bool):
        raise ValueError(f"{op}: dim must be None, 0 or 1, got {dim!r}")


def broadcast_shape(a: Shape, b: Shape, op: str) -> Shape:
    """The shape of `op(a, b)` under 2D broadcasting, or a ValueError naming both shapes."""
    nrow = a[0] if b[0] == 1 else b[0] if a[0] == 1 or a[0] == b[0] else -1
    ncol = a[1] if b[1] == 1 else b[1] if a[1] == 1 or a[1] == b[1] else -1
    if nrow < 0 or ncol < 0:
        raise ValueError(f"{op}: shapes {a} and {b} cannot be broadcast together")
    return nrow, ncol


def parse_key(key: Any, nrow: int, ncol: int, op: str) -> Key:
    """Turn m[i], m[a:b], m[[i, k]], m[rows, cols] into (row numbers, column slice)."""
    rows_key, cols_key = key if isinstance(key, tuple) else (key, slice(None))
    if isinstance(rows_key, tuple) or isinstance(cols_key, tuple):
        raise IndexError(f"{op}: a matrix takes at most two indices, got {key!r}")
    if isinstance(cols_key, list):
        raise IndexError(f"{op}: columns take an int or a slice, not a list")
    rows = _positions(rows_key, nrow, "row", op)
    first_col = _positions(cols_key, ncol, "column", op)[0]
    if isinstance(cols_key, int):
        return rows, slice(first_col, first_col + 1)
    return rows, slice(*cols_key.indices(ncol))


def _positions(key: Any, size: int, what: str, op: str) -> list[int]:
    """Row (or column) numbers picked by an int, a slice or a list of ints."""
    if isinstance(key, bool):
        raise IndexError(f"{op}: {what} index must be an int, slice or list, not bool")
    if isinstance(key, int):
        key = [key]
    if isinstance(key, slice):
        picked = list(range(size)[key])
        if not picked:
            raise IndexError(f"{op}: {what} slice {key} selects nothing from {size}")
        return picked
    if isinstance(key, list) and key:
        for i in key:
            if not isinstance(i, int) or isinstance(i, bool):
                raise IndexError(f"{op}: {what} indices must be ints, got {type(i).__name__}")
            if not -size <= i < size:
                raise IndexError(f"{op}: {what} index {i} is out of range for size {size}")
        return [i % size for i in key]
    raise IndexError(f"{op}: {what} index must be an int, slice or non-empty list, got {key!r:.40}")


class List2D:
    """A 2D matrix of floats with the math on it (no autodiff).

    Create one from nested lists with `List2D.from_2d_list([[1, 2], [3, 4]])`, or filled with a
    value with `List2D(nrow, ncol, 0.0)`. `vals` holds the rows; `shape` is `(nrow, ncol)`.
    Operations return new List2Ds; methods with a trailing `_` change this one in place (and bump
    `version`, which autodiff uses to detect values changed after they were saved).
    """

    vals: Any
    nrow: int
    ncol: int
    kernels: Any
    version: int

    def __init__(
        self, nrow: int, ncol: int, val: Number | Sequence[Sequence[Number]] = 0.0
    ) -> None:
        """An (nrow, ncol) matrix filled with the number `val`, or holding the rows `val`."""
        _check_size(nrow, ncol, "List2D")
        if isinstance(val, (int, float)) and not isinstance(val, bool):
            rows = [[float(val)] * ncol for _ in range(nrow)]
        else:
            rows = _check_rows(val, "List2D")
            if (len(rows), len(rows[0])) != (nrow, ncol):
                raise ValueError(
                    f"List2D: values have shape {(len(rows), len(rows[0]))}, "
                    f"expected {(nrow, ncol)}"
                )
        self.kernels = _active_kernels
        self.__assign(self.kernels.from_rows(rows))
        self.version = 0

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def wrap(cls, raw: Any, kernels: Any = None) -> List2D:
        """Wrap raw kernel values without checking them (used by kernels' callers)."""
        out = cls.__new__(cls)
        out.kernels = kernels if kernels is not None else _active_kernels
        out.vals = raw
        out.nrow, out.ncol = out.kernels.shape(raw)
        out.version = 0
        return out

    @classmethod
    def from_2d_list(cls, vals: Sequence[Sequence[Number]]) -> List2D:
        """A List2D holding a copy of `vals` (a non-empty list of equal-length rows of numbers)."""
        rows = _check_rows(vals, "from_2d_list")
        return cls.wrap(_active_kernels.from_rows(rows))

    @classmethod
    def full(cls, nrow: int, ncol: int, value: Number) -> List2D:
        """An (nrow, ncol) List2D filled with value."""
        _check_size(nrow, ncol, "full")
        return cls.wrap(_active_kernels.full(nrow, ncol, float(value)))

    @classmethod
    def zeros(cls, nrow: int, ncol: int) -> List2D:
        """An (nrow, ncol) List2D of zeros."""
        return cls.full(nrow, ncol, 0.0)

    @classmethod
    def ones(cls, nrow: int, ncol: int) -> List2D:
        """An (nrow, ncol) List2D of ones."""
        return cls.full(nrow, ncol, 1.0)

    @classmethod
    def eye(cls, n: int) -> List2D:
        """The (n, n) identity matrix."""
        _check_size(n, n, "eye")
        rows = [[0.0] * n for _ in range(n)]
        for i in range(n):
            rows[i][i] = 1.0
        return cls.wrap(_active_kernels.from_rows(rows))

    @classmethod
    def randn(cls, nrow: int, ncol: int) -> List2D:
        """Samples from the standard normal distribution (see `manual_seed`)."""
        _check_size(nrow, ncol, "randn")
        gauss = _rng.gauss
        return cls.wrap(
            _active_kernels.from_rows([[gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)])
        )

    @classmethod
    def rand(cls, nrow: int, ncol: int) -> List2D:
        """Samples from the uniform distribution on [0, 1) (see `manual_seed`)."""
        _check_size(nrow, ncol, "rand")
        uniform = _rng.random
        return cls.wrap(
            _active_kernels.from_rows([[uniform() for _ in range(ncol)] for _ in range(nrow)])
        )

    @classmethod
    def cat(cls, parts: Sequence[List2D], dim: int = 0, op: str = "cat") -> List2D:
        """Join List2Ds top to bottom (dim=0) or side by side (dim=1)."""
        if not isinstance(parts, (list, tuple)) or not parts:
            raise ValueError(f"{op}: expected a non-empty list of matrices")
        if dim not in (0, 1) or isinstance(dim, bool):
            raise ValueError(f"{op}: dim must be 0 or 1, got {dim!r}")
        first = parts[0]
        for p in parts:
            if not isinstance(p, List2D):
                raise TypeError(f"{op}: expected matrices, got {type(p).__name__}")
            first.__check_backend(p, op)
            if p.shape[1 - dim] != first.shape[1 - dim]:
                side = "columns" if dim == 0 else "rows"
                raise ValueError(
                    f"{op}: along dim={dim} all parts need the same number of {side}, "
                    f"got {first.shape} and {p.shape}"
                )
        return first.__new(first.kernels.cat([p.vals for p in parts], dim))

    # -- internals --------------------------------------------------------------------------
    def __assign(self, raw: Any) -> None:
        self.vals = raw
        self.nrow, self.ncol = self.kernels.shape(raw)

    def __new(self, raw: Any) -> List2D:
        """A new List2D on this one's backend."""
        return List2D.wrap(raw, self.kernels)

    def __replace(self, raw: Any) -> None:
        """In-place change: new values, and a new version number."""
        self.__assign(raw)
        self.version += 1

    def __check_backend(self, other: List2D, op: str) -> None:
        if other.kernels is not self.kernels:
            raise RuntimeError(
                f"{op}: cannot mix a matrix on the '{self.kernels.name}' backend with one on "
                f"the '{other.kernels.name}' backend; convert one with .to_backend()"
            )

    def __operand(self, rhs: Any, op: str) -> Any:
        """The raw value of the other operand: a float, or a List2D's values."""
        if isinstance(rhs, List2D):
            self.__check_backend(rhs, op)
            return rhs.vals
        if isinstance(rhs, (int, float)) and not isinstance(rhs, bool):
            return float(rhs)
        raise TypeError(
            f"{op}: unsupported operand type {type(rhs).__name__} (expected List2D or number)"
        )

    def __binary(self, name: str, rhs: Any, reflected: bool = False) -> List2D:
        other = self.__operand(rhs, name)
        if isinstance(rhs, List2D):
            broadcast_shape(self.shape, rhs.shape, name)
        a, b = (other, self.vals) if reflected else (self.vals, other)
        return self.__new(self.kernels.binary(name, a, b))

    # -- properties and conversion ----------------------------------------------------------
    @property
    def shape(self) -> Shape:
        """(nrow, ncol)."""
        return self.nrow, self.ncol

    @property
    def backend(self) -> str:
        """Name of the backend that holds these values ('python', 'numpy' or 'cupy')."""
        return self.kernels.name

    def tolist(self) -> Rows:
        """The values as plain Python lists of floats (always a copy)."""
        return self.kernels.to_rows(self.vals)

    def to_backend(self, name: str | None = None) -> List2D:
        """A copy on another backend (default: the active one); see `match.accel`."""
        kernels = _active_kernels
        if name is not None:
            from . import accel  # only needed when converting between backends

            kernels = accel.kernels_for(name)
        return List2D.wrap(kernels.from_rows(self.tolist()), kernels)

    def new_full(self, nrow: int, ncol: int, value: Number) -> List2D:
        """An (nrow, ncol) List2D filled with value, on this List2D's backend."""
        return self.__new(self.kernels.full(nrow, ncol, float(value)))

    def new_rows(self, rows: Rows) -> List2D:
        """A List2D holding rows of floats (not checked), on this List2D's backend."""
        return self.__new(self.kernels.from_rows(rows))

    def copy(self) -> List2D:
        """A copy that shares no storage with this one."""
        return self.__new(self.kernels.copy(self.vals))

    def item(self) -> float:
        """The single value of a 1x1 List2D."""
        if self.shape != (1, 1):
            raise ValueError(f"item: only a 1x1 matrix converts to a number, got {self.shape}")
        return float(self.tolist()[0][0])

    def __len__(self) -> int:
        """Number of rows."""
        return self.nrow

    def __repr__(self) -> str:
        """Values and shape."""
        return f"List2D({self.tolist()}, shape={self.shape})"

    # -- in place (trailing underscore) -----------------------------------------------------
    def fill_(self, value: Number) -> List2D:
        """Set every element to value, in place."""
        self.__replace(self.kernels.full(self.nrow, self.ncol, float(value)))
        return self

    def zeros_(self) -> List2D:
        """Set every element to 0.0, in place."""
        return self.fill_(0.0)

    def ones_(self) -> List2D:
        """Set every element to 1.0, in place."""
        return self.fill_(1.0)

    def copy_(self, src: List2D) -> List2D:
        """Copy src's values (same shape) into this List2D, in place."""
        if not isinstance(src, List2D):
            raise TypeError(f"copy_: expected a List2D, got {type(src).__name__}")
        self.__check_backend(src, "copy_")
        if src.shape != self.shape:
            raise ValueError(f"copy_: cannot copy {src.shape} into {self.shape}")
        self.__replace(self.kernels.copy(src.vals))
        return self

    def __setitem__(self, key: Any, value: Number | List2D) -> None:
        """Write value (a number or a List2D of the selection's shape, broadcast) at key."""
        rows, cols = parse_key(key, self.nrow, self.ncol, "setitem")
        target = (len(rows), len(range(self.ncol)[cols]))
        other = self.__operand(value, "setitem")
        if isinstance(value, List2D):
            if broadcast_shape(target, value.shape, "setitem") != target:
                raise ValueError(f"setitem: cannot write {value.shape} into {target}")
            other = self.kernels.broadcast_to(other, *target)
        else:
            other = self.kernels.full(*target, other)
        self.__replace(self.kernels.put(self.vals, rows, cols, other))

    # -- elementwise arithmetic (numbers allowed on either side) ----------------------------
    def __add__(self, rhs: Number | List2D) -> List2D:
        """self + rhs."""
        return self.__binary("add", rhs)

    def __radd__(self, lhs: Number) -> List2D:
        """lhs + self."""
        return self.__binary("add", lhs, reflected=True)

    def __sub__(self, rhs: Number | List2D) -> List2D:
        """self - rhs."""
        return self.__binary("sub", rhs)

    def __rsub__(self, lhs: Number) -> List2D:
        """lhs - self."""
        return self.__binary("sub", lhs, reflected=True)

    def __mul__(self, rhs: Number | List2D) -> List2D:
        """Elementwise self * rhs."""
        return self.__binary("mul", rhs)

    def __rmul__(self, lhs: Number) -> List2D:
        """lhs * self."""
        return self.__binary("mul", lhs, reflected=True)

    def __truediv__(self, rhs: Number | List2D) -> List2D:
        """self / rhs (inf or nan where dividing by zero, as in IEEE arithmetic)."""
        return self.__binary("div", rhs)

    def __rtruediv__(self, lhs: Number) -> List2D:
        """lhs / self."""
        return self.__binary("div", lhs, reflected=True)

    def __pow__(self, rhs: Number | List2D) -> List2D:
        """self ** rhs, elementwise."""
        return self.__binary("pow", rhs)

    def __rpow__(self, lhs: Number) -> List2D:
        """lhs ** self."""
        return self.__binary("pow", lhs, reflected=True)

    def __neg__(self) -> List2D:
        """-self."""
        return self.__new(self.kernels.neg(self.vals))

    def maximum(self, rhs: Number | List2D) -> List2D:
        """Elementwise larger of self and rhs."""
        return self.__binary("maximum", rhs)

    def minimum(self, rhs: Number | List2D) -> List2D:
        """Elementwise smaller of self and rhs."""
        return self.__binary("minimum", rhs)

    # Comparisons give 1.0 where true and 0.0 where false.
    def __gt__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self > rhs."""
        return self.__binary("gt", rhs)

    def __ge__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self >= rhs."""
        return self.__binary("ge", rhs)

    def __lt__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self < rhs."""
        return self.__binary("lt", rhs)

    def __le__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self <= rhs."""
        return self.__binary("le", rhs)

    def __eq__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self == rhs."""
        return self.__binary("eq", rhs)

    def __ne__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        """1.0 where self != rhs."""
        return self.__binary("ne", rhs)

    __hash__ = object.__hash__  # elementwise == must not make List2D unhashable

    # -- elementwise functions --------------------------------------------------------------
    def exp(self) -> List2D:
        """e ** x for each element."""
        return self.__new(self.kernels.exp(self.vals))

    def log(self) -> List2D:
        """Natural logarithm of each element."""
        return self.__new(self.kernels.log(self.vals))

    def sqrt(self) -> List2D:
        """Square root of each element."""
        return self.__new(self.kernels.sqrt(self.vals))

    def abs(self) -> List2D:
        """Absolute value of each element."""
        return self.__new(self.kernels.abs(self.vals))

    def sign(self) -> List2D:
        """-1.0, 0.0 or 1.0 by the sign of each element."""
        return self.__new(self.kernels.sign(self.vals))

    def tanh(self) -> List2D:
        """Hyperbolic tangent of each element."""
        return self.__new(self.kernels.tanh(self.vals))

    def sigmoid(self) -> List2D:
        """Logistic sigmoid 1 / (1 + e^-x) of each element."""
        return self.__new(self.kernels.sigmoid(self.vals))

    def relu(self) -> List2D:
        """max(x, 0) for each element."""
        return self.__new(self.kernels.relu(self.vals))

    def leaky_relu(self, negative_slope: float = 0.01) -> List2D:
        """x where x > 0, else negative_slope * x."""
        return self.__new(self.kernels.leaky_relu(self.vals, float(negative_slope)))

    def softplus(self) -> List2D:
        """log(1 + e^x) for each element (a smooth relu)."""
        return self.__new(self.kernels.softplus(self.vals))

    def sin(self) -> List2D:
        """Sine of each element."""
        return self.__new(self.kernels.sin(self.vals))

    def cos(self) -> List2D:
        """Cosine of each element."""
        return self.__new(self.kernels.cos(self.vals))

    def clamp(self, min: Number | None = None, max: Number | None = None) -> List2D:
        """Each element limited to [min, max]; None means no limit on that side."""
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        low = -INF if min is None else float(min)
        high = INF if max is None else float(max)
        return self.__new(self.kernels.clamp(self.vals, low, high))

    # -- matrix products --------------------------------------------------------------------
    def __check_matmul(self, rhs: Any, op: str, inner: tuple[int, int]) -> None:
        if not isinstance(rhs, List2D):
            raise TypeError(f"{op}: expected a List2D, got {type(rhs).__name__}")
        self.__check_backend(rhs, op)
        if inner[0] != inner[1]:
            raise ValueError(f"{op}: cannot multiply {self.shape} by {rhs.shape}")

    def __matmul__(self, rhs: List2D) -> List2D:
        """Matrix product self @ rhs: (n, k) @ (k, m) -> (n, m)."""
        self.__check_matmul(rhs, "matmul", (self.ncol, getattr(rhs, "nrow", -1)))
        return self.__new(self.kernels.matmul(self.vals, rhs.vals))

    def matmul_t(self, rhs: List2D) -> List2D:
        """self @ rhs.T without transposing: (n, k) @ (m, k).T -> (n, m)."""
        self.__check_matmul(rhs, "matmul_t", (self.ncol, getattr(rhs, "ncol", -1)))
        return self.__new(self.kernels.matmul_t(self.vals, rhs.vals))

    def t_matmul(self, rhs: List2D) -> List2D:
        """self.T @ rhs without transposing: (k, n).T @ (k, m) -> (n, m)."""
        self.__check_matmul(rhs, "t_matmul", (self.nrow, getattr(rhs, "nrow", -1)))
        return self.__new(self.kernels.t_matmul(self.vals, rhs.vals))

    @property
    def T(self) -> List2D:
        """The transpose."""
        return self.__new(self.kernels.transpose(self.vals))

    # -- reductions -------------------------------------------------------------------------
    def sum(self, dim: int | None = None) -> List2D:
        """Sum of all elements (1x1), of each column (dim=0, 1xN) or each row (dim=1, Nx1)."""
        _check_dim(dim, "sum")
        return self.__new(self.kernels.sum(self.vals, dim))

    def count(self, dim: int | None = None) -> int:
        """How many elements a reduction over dim combines."""
        return self.nrow * self.ncol if dim is None else self.shape[dim]

    def mean(self, dim: int | None = None) -> List2D:
        """Mean of all elements, or over dim (as for sum)."""
        _check_dim(dim, "mean")
        return self.sum(dim) / self.count(dim)

    def var(self, dim: int | None = None, correction: int = 1) -> List2D:
        """Variance: sum((x - mean)^2) / (count - correction); correction=1 is unbiased."""
        _check_dim(dim, "var")
        centred = self - self.mean(dim)
        return (centred * centred).sum(dim) / (self.count(dim) - correction)

    def max(self, dim: int | None = None) -> List2D:
        """Largest element overall or over dim (as for sum)."""
        _check_dim(dim, "max")
        return self.__new(self.kernels.max(self.vals, dim))

    def min(self, dim: int | None = None) -> List2D:
        """Smallest element overall or over dim (as for sum)."""
        _check_dim(dim, "min")
        return self.__new(self.kernels.min(self.vals, dim))

    def argmax(self, dim: int | None = None) -> List2D:
        """Index of the largest element (flat row-major index when dim is None), as floats."""
        _check_dim(dim, "argmax")
        return self.__new(self.kernels.argmax(self.vals, dim))

    def argmin(self, dim: int | None = None) -> List2D:
        """Index of the smallest element (flat row-major index when dim is None), as floats."""
        _check_dim(dim, "argmin")
        return self.__new(self.kernels.argmin(self.vals, dim))

    def softmax(self, dim: int = 1) -> List2D:
        """exp(x) / sum(exp(x)) over dim, shifted by the max so that exp never overflows."""
        _check_dim(dim, "softmax")
        e = (self - self.max(dim)).exp()
        return e / e.sum(dim)

    def log_softmax(self, dim: int = 1) -> List2D:
        """log(softmax(x)) computed stably as (x - max) - log(sum(exp(x - max)))."""
        _check_dim(dim, "log_softmax")
        shifted = self - self.max(dim)
        return shifted - shifted.exp().sum(dim).log()

    # -- shape ------------------------------------------------------------------------------
    def reshape(self, nrow: int, ncol: int) -> List2D:
        """The same elements (row-major order) in a new shape; one size may be -1."""
        size = self.nrow * self.ncol
        if nrow == -1 and isinstance(ncol, int) and ncol > 0 and size % ncol == 0:
            nrow = size // ncol
        elif ncol == -1 and isinstance(nrow, int) and nrow > 0 and size % nrow == 0:
            ncol = size // nrow
        _check_size(nrow, ncol, "reshape")
        if nrow * ncol != size:
            raise ValueError(
                f"reshape: cannot reshape {self.shape} ({size} values) to {(nrow, ncol)}"
            )
        return self.__new(self.kernels.reshape(self.vals, nrow, ncol))

    def broadcast_to(self, nrow: int, ncol: int) -> List2D:
        """Stretch dimensions of size 1 to (nrow, ncol)."""
        if broadcast_shape(self.shape, (nrow, ncol), "broadcast_to") != (nrow, ncol):
            raise ValueError(f"broadcast_to: cannot broadcast {self.shape} to {(nrow, ncol)}")
        return self.__new(self.kernels.broadcast_to(self.vals, nrow, ncol))

    def sum_to(self, nrow: int, ncol: int) -> List2D:
        """Undo broadcasting: sum over the dimensions that were stretched to give this shape."""
        out = self
        if nrow == 1 and out.nrow != 1:
            out = out.sum(0)
        if ncol == 1 and out.ncol != 1:
            out = out.sum(1)
        return out

    def __getitem__(self, key: Any) -> List2D:
        """m[i] (row i as 1xN), m[i, j] (1x1), m[a:b], m[:, j] (Nx1), m[[i, k, i]] (gather)."""
        rows, cols = parse_key(key, self.nrow, self.ncol, "index")
        return self.__new(self.kernels.take(self.vals, rows, cols))

    def index_add(self, nrow: int, ncol: int, key: Any) -> List2D:
        """Zeros of (nrow, ncol) with self added at the positions `key` selects (the gradient
        of indexing: repeated rows add up)."""
        rows, cols = parse_key(key, nrow, ncol, "index")
        return self.__new(self.kernels.index_add(nrow, ncol, rows, cols, self.vals))


def cumulative(sizes: Iterable[int]) -> list[int]:
    """Start offsets of consecutive blocks with these sizes: [2, 3] -> [0, 2, 5]."""
    return [0, *accumulate(sizes)]


__all__ = [
    "List2D",
    "PythonKernels",
    "PYTHON",
    "manual_seed",
    "broadcast_shape",
    "cumulative",
    "dot_rows_portable",
]
