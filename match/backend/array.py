"""The kernel contract on numpy (CPU) or cupy (GPU) arrays: the only module that uses them.

`ArrayKernels(xp, name)` is written once against an array module `xp`: numpy, or cupy, whose API
mirrors numpy's. Raw values are 2D float64 arrays. Each kernel is one or two array calls;
BLAS reads transposed views directly, so `matmul_t` and `t_matmul` copy nothing.

IEEE results, no warnings, in one place: numpy warns about 1/0, log(0) or overflow, where pure
Python (and torch) quietly give inf or nan, so every kernel that computes runs under
`errstate(all="ignore")` (see `_run_quietly` at the bottom). cupy never warns.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable
from typing import Any

Array = Any


def _sign(xp: Any, a: Array) -> Array:
    return xp.greater(a, 0.0).astype(xp.float64) - xp.less(a, 0.0)  # nan gives 0, as in torch


def _sigmoid(xp: Any, a: Array) -> Array:
    e = xp.exp(-xp.abs(a))  # never overflows: 1 / (1 + e^-a) for a >= 0, e^a / (1 + e^a) below
    return xp.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _relu(xp: Any, a: Array) -> Array:
    return xp.where(a < 0.0, 0.0, a)  # keeps nan and -0.0, as torch does


_erf_scalar = None  # math.erf as a numpy ufunc, made on first use


def _erf(xp: Any, a: Array) -> Array:
    # numpy has no erf. math.erf mapped over the array (np.frompyfunc) is exact to the last bit
    # of libm, so numpy agrees with pure Python exactly; it costs about 100 ns an element, 90 to
    # 170 times numpy's tanh, which only exact GELU pays (bench/bench_erf.py: 2.5 to 3 times the
    # tanh GELU, forward and backward). cupy has erf in cupyx.
    global _erf_scalar
    if xp.__name__ == "cupy":
        from cupyx.scipy.special import erf

        return erf(a)
    if _erf_scalar is None:
        _erf_scalar = xp.frompyfunc(math.erf, 1, 1)
    return _erf_scalar(a).astype(xp.float64)


# One row per elementwise function of the contract (match.backend.UNARY / BINARY).
UNARY: dict[str, Callable[[Any, Array], Array]] = {
    "neg": lambda xp, a: xp.negative(a),
    "exp": lambda xp, a: xp.exp(a),
    "log": lambda xp, a: xp.log(a),
    "log1p": lambda xp, a: xp.log1p(a),
    "sqrt": lambda xp, a: xp.sqrt(a),
    "abs": lambda xp, a: xp.abs(a),
    "sign": _sign,
    "tanh": lambda xp, a: xp.tanh(a),
    "sigmoid": _sigmoid,
    "relu": _relu,
    "sin": lambda xp, a: xp.sin(a),
    "cos": lambda xp, a: xp.cos(a),
    "erf": _erf,
}
BINARY: dict[str, str] = {  # name -> the array module's ufunc
    "add": "add",
    "sub": "subtract",
    "mul": "multiply",
    "div": "divide",
    "pow": "power",
    "maximum": "maximum",
    "minimum": "minimum",
    "gt": "greater",
    "ge": "greater_equal",
    "lt": "less",
    "le": "less_equal",
    "eq": "equal",
    "ne": "not_equal",
}
_COMPARISONS = frozenset({"gt", "ge", "lt", "le", "eq", "ne"})


class ArrayKernels:
    """The kernel contract (`match.backend.Kernels`) over the array module `xp`."""

    def __init__(self, xp: Any, name: str) -> None:
        """Kernels over `xp` (numpy or cupy), reported as backend `name`."""
        self.xp = xp
        self.name = name
        self.float64 = xp.float64
        self._ufuncs = {op: getattr(xp, ufunc) for op, ufunc in BINARY.items()}
        errstate = getattr(xp, "errstate", None)
        self._quiet: Callable[[], Any] = (
            (lambda: errstate(all="ignore")) if errstate is not None else contextlib.nullcontext
        )

    def __repr__(self) -> str:
        return f"ArrayKernels({self.xp.__name__}, {self.name!r})"

    # -- creation and conversion ------------------------------------------------------------
    def from_rows(self, rows: list[list[float]]) -> Array:
        """A float64 array of the rows."""
        return self.xp.array(rows, dtype=self.float64)

    def to_rows(self, a: Array) -> list[list[float]]:
        """Python rows (copied off the device for cupy)."""
        return a.tolist()

    def shape(self, a: Array) -> tuple[int, int]:
        """(nrow, ncol)."""
        return a.shape

    def full(self, nrow: int, ncol: int, value: float) -> Array:
        """An (nrow, ncol) array filled with value."""
        return self.xp.full((nrow, ncol), value, dtype=self.float64)

    def copy(self, a: Array) -> Array:
        """A copy sharing no memory with a."""
        return a.copy()

    # -- elementwise ------------------------------------------------------------------------
    def unary(self, name: str, a: Array) -> Array:
        """UNARY[name] of every element."""
        return UNARY[name](self.xp, a)

    def binary(self, name: str, a: Array | float, b: Array | float) -> Array:
        """BINARY[name] of a and b, broadcast; comparisons give 0.0/1.0."""
        out = self._ufuncs[name](a, b)
        return out.astype(self.float64) if name in _COMPARISONS else out

    def where(self, cond: Array, a: Array, b: Array) -> Array:
        """a where cond is non-zero, else b."""
        return self.xp.where(cond != 0.0, a, b)

    # -- matrix products --------------------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """a @ b."""
        return a @ b

    def matmul_t(self, a: Array, b: Array) -> Array:
        """a @ b.T (a view: no copy)."""
        return a @ b.T

    def t_matmul(self, a: Array, b: Array) -> Array:
        """a.T @ b (a view: no copy)."""
        return a.T @ b

    # -- reductions -------------------------------------------------------------------------
    def sum(self, a: Array, dim: int | None) -> Array:
        """Sum over dim, kept 2D."""
        return a.sum(axis=dim, keepdims=True)

    def max(self, a: Array, dim: int | None) -> Array:
        """Largest over dim (nan wins)."""
        return a.max(axis=dim, keepdims=True)

    def min(self, a: Array, dim: int | None) -> Array:
        """Smallest over dim (nan wins)."""
        return a.min(axis=dim, keepdims=True)

    def argmax(self, a: Array, dim: int | None) -> Array:
        """Position of the first largest (or first nan), as a float."""
        return self.xp.argmax(a, axis=dim, keepdims=True).astype(self.float64)

    def argmin(self, a: Array, dim: int | None) -> Array:
        """Position of the first smallest (or first nan), as a float."""
        return self.xp.argmin(a, axis=dim, keepdims=True).astype(self.float64)

    # -- shape ------------------------------------------------------------------------------
    def transpose(self, a: Array) -> Array:
        """A transposed view."""
        return a.T

    def reshape(self, a: Array, nrow: int, ncol: int) -> Array:
        """Row-major reshape."""
        return a.reshape(nrow, ncol)

    def broadcast_to(self, a: Array, nrow: int, ncol: int) -> Array:
        """A real (writable) array, not numpy's read-only broadcast view."""
        return self.xp.broadcast_to(a, (nrow, ncol)).copy()

    def take(self, a: Array, rows: list[int], cols: slice) -> Array:
        """Fancy indexing: a new array."""
        return a[rows, cols]

    def put(self, a: Array, rows: list[int], cols: slice, value: Array) -> Array:
        """A copy of a with value written at rows/cols."""
        out = a.copy()
        out[rows, cols] = value
        return out

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Array) -> Array:
        """Zeros with g added at rows/cols; `add.at` adds repeated rows up (cupy 12+)."""
        out = self.xp.zeros((nrow, ncol), dtype=self.float64)
        self.xp.add.at(out, (rows, cols), g)
        return out

    def cat(self, parts: list[Array], dim: int) -> Array:
        """Concatenate along dim."""
        return self.xp.concatenate(parts, axis=dim)


def _run_quietly(kernel: Callable[..., Array]) -> Callable[..., Array]:
    """The kernel, run under the backend's errstate(all="ignore")."""

    @functools.wraps(kernel)
    def quiet_kernel(self: ArrayKernels, *args: Any) -> Array:
        with self._quiet():
            return kernel(self, *args)

    return quiet_kernel


# The kernels that compute floating-point results (the others only move values).
for _name in ("unary", "binary", "matmul", "matmul_t", "t_matmul", "sum", "max", "min"):
    setattr(ArrayKernels, _name, _run_quietly(getattr(ArrayKernels, _name)))
