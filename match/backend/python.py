"""The reference backend: every kernel in plain Python, on lists of rows of floats.

Read `Kernels` in `__init__.py` for the contract. Speed comes from idiom, not tricks: `map`,
`zip` and comprehensions run their loops in C, and the matrix product is one dot product per
(row, column) pair, done by `math.sumprod` on Python 3.12+ or `sum(map(mul, row, col))` before.

IEEE results, in one place: each elementwise row below is `(fast, safe)`. The fast function is
the C one from `math`, which raises on log(0), exp overflow or 1/0; when it raises, the kernel
redoes the whole map with the safe function, which returns the IEEE value (inf, -inf, nan) that
numpy and torch give.
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, repeat
from typing import TypeAlias

Rows: TypeAlias = list[list[float]]
Shape: TypeAlias = tuple[int, int]
Scalar1: TypeAlias = Callable[[float], float]
Scalar2: TypeAlias = Callable[[float, float], float]

INF = math.inf
NAN = math.nan


def _safe_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _safe_log(x: float) -> float:
    return math.log(x) if x > 0 else (-INF if x == 0 else NAN)


def _safe_log1p(x: float) -> float:
    return math.log1p(x) if x > -1 else (-INF if x == -1 else NAN)


def _safe_sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0 else NAN


def _safe_sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN


def _safe_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def _sign(x: float) -> float:
    return (x > 0) - (x < 0) + 0.0  # nan compares False both ways: 0.0, as torch gives


def _relu(x: float) -> float:
    return 0.0 if x < 0.0 else x  # keeps nan and -0.0, as torch does


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: 1 / (1 + e^-x) = e^x / (1 + e^x).
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _safe_div(x: float, y: float) -> float:
    try:
        return x / y
    except ZeroDivisionError:
        if x == 0 or x != x:
            return NAN
        return math.copysign(INF, x) * math.copysign(1.0, y)


def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y.is_integer() and int(y) % 2 == 1


def _safe_pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except OverflowError:
        return math.copysign(INF, x) if _odd_integer(y) else INF
    except ValueError:  # 0 ** negative is inf (keeping 0's sign for odd powers); else nan
        if x == 0:
            return math.copysign(INF, x) if _odd_integer(y) else INF
        return NAN


def _maximum(x: float, y: float) -> float:
    return x if x > y or x != x else y  # nan wins, as in torch


def _minimum(x: float, y: float) -> float:
    return x if x < y or x != x else y


# One row per elementwise function of the contract: name -> (fast, safe).
UNARY: dict[str, tuple[Scalar1, Scalar1]] = {
    "neg": (operator.neg, operator.neg),
    "exp": (math.exp, _safe_exp),
    "log": (math.log, _safe_log),
    "log1p": (math.log1p, _safe_log1p),
    "sqrt": (math.sqrt, _safe_sqrt),
    "abs": (abs, abs),
    "sign": (_sign, _sign),
    "tanh": (math.tanh, math.tanh),
    "sigmoid": (_sigmoid, _sigmoid),
    "relu": (_relu, _relu),
    "sin": (math.sin, _safe_sin),
    "cos": (math.cos, _safe_cos),
    "erf": (math.erf, math.erf),
}
BINARY: dict[str, tuple[Scalar2, Scalar2]] = {
    "add": (operator.add, operator.add),
    "sub": (operator.sub, operator.sub),
    "mul": (operator.mul, operator.mul),
    "div": (operator.truediv, _safe_div),
    "pow": (math.pow, _safe_pow),
    "maximum": (_maximum, _maximum),
    "minimum": (_minimum, _minimum),
}
# Comparisons give bools, which `binary` turns into 1.0 and 0.0 (all in C: `map(float, ...)`).
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
    "eq": operator.eq,
    "ne": operator.ne,
}


# Matrix products. Python 3.12 added math.sumprod (a fused, extended-precision dot product);
# older Pythons sum the products. Both are kept so that tests can check them against each other.
#
# Each dot product runs at the interpreter's own speed; memory barely counts. In the 784-128-10
# step of bench/bench_speed.py, x @ W1.T takes as long on the step's own operands as on one row
# pair repeated (always in L1): 26-30 ns per multiply-add on Python 3.11, 12-17 ns on 3.12-3.13.
# So cache blocking (tiles that fit L2), fresh copies of matmul_t's operands and a C loop over the
# columns (`map(sum, map(map, ...))`) gained nothing (within +-5%, the noise); a `for x, y in
# zip(r, c): s += x * y` loop is slower, and complex numbers that carry two products per
# multiplication are no faster (no fast path for complex in 3.11's sum). What pays is copying
# the columns that zip would leave scattered (see `columns`).
def dot_rows_portable(rows: Iterable[Sequence[float]], cols: Sequence[Sequence[float]]) -> Rows:
    """Every row dotted with every column: `sum(map(mul, r, c))`."""
    mul = operator.mul
    return [[sum(map(mul, r, c)) for c in cols] for r in rows]


if hasattr(math, "sumprod"):

    def dot_rows_sumprod(rows: Iterable[Sequence[float]], cols: Sequence[Sequence[float]]) -> Rows:
        """Every row dotted with every column, with `math.sumprod` (Python 3.12+)."""
        sumprod = math.sumprod
        return [[sumprod(r, c) for c in cols] for r in rows]

    dot_rows = dot_rows_sumprod
else:
    dot_rows = dot_rows_portable


# Columns for the products. `zip(*b)` gives tuples that point at b's floats wherever they were
# allocated; on a large operand the dot products then miss the cache on most elements. Columns
# copied into fresh floats, allocated one after the other, pay from about 128x128 elements on
# (measured: a.T @ b for 128x128 by 128x784 1.2-1.6x faster on Python 3.11-3.13; the whole
# step of bench/bench_speed.py's "pure" section gains up to 1.3-1.5x, by how scattered the
# floats are); below that the copy costs more than it saves. The copy is exact, bit for bit.
FRESH_COLUMNS_FROM = 128 * 128


def columns(b: Rows) -> list[Sequence[float]]:
    """The columns of b: tuples from zip, or for large b fresh lists of the same floats."""
    if len(b) * len(b[0]) < FRESH_COLUMNS_FROM:
        return list(zip(*b))
    return [array("d", col).tolist() for col in zip(*b)]


def fresh_rows(b: Rows) -> Rows:
    """The rows of b, for large b copied into fresh floats as `columns` copies: the rows of a
    transpose (`x @ W.T`'s backward reads W.T's rows) point at floats scattered over W."""
    if len(b) * len(b[0]) < FRESH_COLUMNS_FROM:
        return b
    return [array("d", row).tolist() for row in b]


def _has_nan(seq: Sequence[float]) -> bool:
    total = sum(seq)  # nan when seq holds a nan (or both inf and -inf): one fast C pass
    return total != total and any(x != x for x in seq)


def _first_nan(seq: Sequence[float]) -> int:
    return next(i for i, x in enumerate(seq) if x != x)


def _max(seq: Sequence[float]) -> float:
    return NAN if _has_nan(seq) else max(seq)


def _min(seq: Sequence[float]) -> float:
    return NAN if _has_nan(seq) else min(seq)


def _argmax(seq: Sequence[float]) -> float:
    if _has_nan(seq):
        return float(_first_nan(seq))
    return float(max(range(len(seq)), key=seq.__getitem__))


def _argmin(seq: Sequence[float]) -> float:
    if _has_nan(seq):
        return float(_first_nan(seq))
    return float(min(range(len(seq)), key=seq.__getitem__))


def _reduce(a: Rows, dim: int | None, fn: Callable[[Sequence[float]], float]) -> Rows:
    """fn over everything (1x1), down each column (dim=0, 1xN) or along each row (dim=1, Nx1)."""
    if dim is None:
        return [[fn(list(chain.from_iterable(a)))]]
    if dim == 0:
        return [list(map(fn, zip(*a)))]
    return [[fn(row)] for row in a]


class PythonKernels:
    """The kernel contract (`match.backend.Kernels`) in plain Python; raw values are rows."""

    name = "python"

    def __repr__(self) -> str:
        return "PythonKernels()"

    # -- creation and conversion ------------------------------------------------------------
    def from_rows(self, rows: Rows) -> Rows:
        """The rows themselves: List2D validated (and copied) them already."""
        return rows

    def to_rows(self, a: Rows) -> Rows:
        """A copy, so that the caller may change it freely."""
        return [list(row) for row in a]

    def shape(self, a: Rows) -> Shape:
        """(nrow, ncol)."""
        return len(a), len(a[0])

    def full(self, nrow: int, ncol: int, value: float) -> Rows:
        """An (nrow, ncol) matrix filled with value."""
        return [[value] * ncol for _ in range(nrow)]

    def copy(self, a: Rows) -> Rows:
        """A copy sharing nothing with a."""
        return [list(row) for row in a]

    # -- elementwise ------------------------------------------------------------------------
    def unary(self, name: str, a: Rows) -> Rows:
        """UNARY[name] of every element."""
        fast, safe = UNARY[name]
        try:
            return [list(map(fast, row)) for row in a]
        except (ArithmeticError, ValueError):
            return [list(map(safe, row)) for row in a]

    def binary(self, name: str, a: Rows | float, b: Rows | float) -> Rows:
        """BINARY[name] of the elements of a and b, broadcast."""
        if name == "pow" and b in (0.5, -0.5):  # torch's sqrt and rsqrt: (-inf) ** 0.5 is nan
            roots = self.unary("sqrt", a)  # type: ignore[arg-type]
            return roots if b > 0 else self.binary("div", 1.0, roots)
        if name in COMPARISONS:
            return [list(map(float, row)) for row in _broadcast_map(COMPARISONS[name], a, b)]
        fast, safe = BINARY[name]
        try:
            return _broadcast_map(fast, a, b)
        except (ArithmeticError, ValueError):
            return _broadcast_map(safe, a, b)

    def where(self, cond: Rows, a: Rows | float, b: Rows | float) -> Rows:
        """a where cond is non-zero, else b (broadcast; a or b may be a float)."""
        operands = [m if isinstance(m, list) else [[m]] for m in (cond, a, b)]
        nrow, ncol = max(map(len, operands)), max(len(m[0]) for m in operands)
        cond, a, b = [self.broadcast_to(m, nrow, ncol) for m in operands]
        return [[x if c else y for c, x, y in zip(*rows)] for rows in zip(cond, a, b)]

    # -- matrix products --------------------------------------------------------------------
    def matmul(self, a: Rows, b: Rows) -> Rows:
        """a @ b: rows of a dotted with the columns of b.

        The textbook version, three nested index loops, computes the same numbers about three
        times slower in CPython, because every `a[i][k]` is a Python-level lookup:

            out = [[0.0] * len(b[0]) for _ in a]
            for i in range(len(a)):
                for j in range(len(b[0])):
                    for k in range(len(b)):
                        out[i][j] += a[i][k] * b[k][j]
        """
        return dot_rows(a, columns(b))

    def matmul_t(self, a: Rows, b: Rows) -> Rows:
        """a @ b.T: rows of a dotted with rows of b, no transpose needed."""
        return dot_rows(a, fresh_rows(b))

    def t_matmul(self, a: Rows, b: Rows) -> Rows:
        """a.T @ b: columns of a dotted with columns of b."""
        return dot_rows(columns(a), columns(b))

    # -- reductions -------------------------------------------------------------------------
    def sum(self, a: Rows, dim: int | None) -> Rows:
        """Sum over dim."""
        return _reduce(a, dim, sum)

    def max(self, a: Rows, dim: int | None) -> Rows:
        """Largest over dim (nan wins)."""
        return _reduce(a, dim, _max)

    def min(self, a: Rows, dim: int | None) -> Rows:
        """Smallest over dim (nan wins)."""
        return _reduce(a, dim, _min)

    def argmax(self, a: Rows, dim: int | None) -> Rows:
        """Position of the first largest (or first nan) over dim."""
        return _reduce(a, dim, _argmax)

    def argmin(self, a: Rows, dim: int | None) -> Rows:
        """Position of the first smallest (or first nan) over dim."""
        return _reduce(a, dim, _argmin)

    # -- shape ------------------------------------------------------------------------------
    def transpose(self, a: Rows) -> Rows:
        """Rows become columns."""
        return [list(col) for col in zip(*a)]

    def reshape(self, a: Rows, nrow: int, ncol: int) -> Rows:
        """The elements in row-major order, cut into rows of ncol."""
        flat = list(chain.from_iterable(a))
        return [flat[i : i + ncol] for i in range(0, nrow * ncol, ncol)]

    def broadcast_to(self, a: Rows, nrow: int, ncol: int) -> Rows:
        """Dimensions of size 1 stretched to (nrow, ncol)."""
        rows = a * nrow if len(a) == 1 else a
        return [row * ncol if len(row) == 1 else list(row) for row in rows]

    def take(self, a: Rows, rows: list[int], cols: slice) -> Rows:
        """The given rows, and within them the column slice."""
        return [a[i][cols] for i in rows]

    def put(self, a: Rows, rows: list[int], cols: slice, value: Rows) -> Rows:
        """A copy of a with value written at rows/cols."""
        out = [list(row) for row in a]
        for i, new in zip(rows, value):
            out[i][cols] = new
        return out

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Rows) -> Rows:
        """Zeros with g added at rows/cols; repeated rows add up."""
        out = self.full(nrow, ncol, 0.0)
        positions = range(ncol)[cols]
        for i, grow in zip(rows, g):
            row = out[i]
            for j, v in zip(positions, grow):
                row[j] += v
        return out

    def cat(self, parts: list[Rows], dim: int) -> Rows:
        """Parts joined top to bottom (dim=0) or side by side (dim=1)."""
        if dim == 0:
            return [list(row) for part in parts for row in part]
        return [list(chain.from_iterable(rows)) for rows in zip(*parts)]

    # -- fused updates, for optimizers (see Kernels) ----------------------------------------
    # One comprehension each, where the chain of kernels would build a list per operator.
    def binary_(self, name: str, a: Rows, b: Rows | float) -> Rows:
        """BINARY[name] of a and b written into a."""
        return _into(a, self.binary(name, a, b))

    def add_scaled(self, a: Rows, b: Rows, s: float, in_place: bool) -> Rows:
        """a + s * b."""
        out = [[x + s * y for x, y in zip(ra, rb)] for ra, rb in zip(a, b)]
        return _into(a, out) if in_place else out

    def addcmul(self, a: Rows, b: Rows, c: Rows, value: float, in_place: bool) -> Rows:
        """a + value * b * c."""
        out = [[x + value * y * z for x, y, z in zip(*rows)] for rows in zip(a, b, c)]
        return _into(a, out) if in_place else out

    def addcdiv(self, a: Rows, b: Rows, c: Rows, value: float, in_place: bool) -> Rows:
        """a + value * b / c; a zero c redoes the pass with the IEEE-safe division."""
        try:
            out = [[x + value * y / z for x, y, z in zip(*rows)] for rows in zip(a, b, c)]
        except ZeroDivisionError:
            out = [[x + _safe_div(value * y, z) for x, y, z in zip(*rows)] for rows in zip(a, b, c)]
        return _into(a, out) if in_place else out

    def lerp(self, a: Rows, b: Rows, weight: float, in_place: bool) -> Rows:
        """torch's two-sided lerp."""
        out = [_lerp_row(ra, rb, weight) for ra, rb in zip(a, b)]
        return _into(a, out) if in_place else out

    adam = None  # no fused Adam step: the optimizer runs its plain formula (match.optim.adam)


def _broadcast_map(fn: Scalar2, a: Rows | float, b: Rows | float) -> Rows:
    """fn over pairs of elements, stretching a plain float, a single row or a single column.
    Each row is one `map` (a loop in C); `repeat` stretches a number or a column's value."""
    if not isinstance(b, list):
        return [list(map(fn, row, repeat(b))) for row in a]  # type: ignore[union-attr]
    if not isinstance(a, list):
        return [list(map(fn, repeat(a), row)) for row in b]
    if len(a) != len(b):  # one side is a single row: repeat it (the rows are only read)
        a, b = (a * len(b), b) if len(a) == 1 else (a, b * len(a))
    if len(a[0]) == len(b[0]):
        return [list(map(fn, ra, rb)) for ra, rb in zip(a, b)]
    if len(a[0]) == 1:  # a single column on the left
        return [list(map(fn, repeat(ra[0]), rb)) for ra, rb in zip(a, b)]
    return [list(map(fn, ra, repeat(rb[0]))) for ra, rb in zip(a, b)]


# Used by the fused updates (the last block of PythonKernels).
def _lerp_row(ra: list[float], rb: list[float], weight: float) -> list[float]:
    """torch's lerp of two rows: a + w (b - a) when |w| < 0.5, else b - (b - a)(1 - w)."""
    if abs(weight) < 0.5:
        return [x + weight * (y - x) for x, y in zip(ra, rb)]
    rest = 1.0 - weight
    return [y - (y - x) * rest for x, y in zip(ra, rb)]


def _into(a: Rows, rows: Rows) -> Rows:
    """a, its rows replaced by rows (in place: holders of a see the new values)."""
    a[:] = rows
    return a
