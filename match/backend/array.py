"""The kernel contract on numpy (CPU) or cupy (GPU) arrays: the only module that uses them.

`ArrayKernels(xp, name)` is written once against an array module `xp`: numpy, or cupy, whose API
mirrors numpy's. Raw values are 2D float64 arrays. Each kernel is one or two array calls;
BLAS reads transposed views directly, so `matmul_t` and `t_matmul` copy nothing.

IEEE results, no warnings, in one place: numpy warns about 1/0, log(0) or overflow, where pure
Python (and torch) quietly give inf or nan, so every kernel that computes runs with numpy's
floating-point errors ignored (the `@_quiet` kernels). cupy never warns.
"""

from __future__ import annotations

import contextvars
import functools
import math
import operator
import threading
from collections.abc import Callable
from typing import Any

Array = Any

# Elements per block of the fused Adam step on numpy: its arrays (parameter, gradient, two
# moments, two temporaries) then fit a 2 MB L2 cache. Measured on a 784-256-10 MLP's Adam step:
# blocks of 4096 elements 1.03x, 16384 1.36x, 32768 1.37x the speed of one block (the whole
# array), and without the two scratch buffers, the whole array paid 750 page faults a step.
ADAM_BLOCK = 16384


def _sign(xp: Any, a: Array) -> Array:
    return xp.greater(a, 0.0).astype(xp.float64) - xp.less(a, 0.0)  # nan gives 0, as in torch


def _is_positive_zero(a: Array | float) -> bool:
    return isinstance(a, float) and a == 0.0 and math.copysign(1.0, a) > 0


def _keep(xp: Any, take: Array, a: Array) -> Array:
    """a where take (a bool array) holds, else +0.0: `where(take, a, 0.0)` for gradients (relu,
    maximum, where's own backward), as a bitwise and of a's bits with all ones or none.
    `where` takes a branch per element, which a random mask mispredicts half the time:
    measured 3 times slower at 1024x256. Exact: the kept floats keep every bit."""
    mask = take.astype(xp.uint64)
    xp.negative(mask, out=mask)  # 0 - 1 wraps around to all 64 bits set where take holds
    bits = xp.asarray(a, dtype=xp.float64).view(xp.uint64)  # a may be a float: where(c, 1.0, 0.0)
    return xp.bitwise_and(bits, mask).view(xp.float64)


def _sigmoid(xp: Any, a: Array) -> Array:
    e = xp.exp(-xp.abs(a))  # never overflows: 1 / (1 + e^-a) for a >= 0, e^a / (1 + e^a) below
    return xp.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _relu(xp: Any, a: Array) -> Array:
    # maximum keeps nan; which zero it gives on a tie is unspecified, so the zeros of a are copied
    # back (-0.0 stays -0.0, as in torch). 7 times faster than `where`, whose branches mispredict.
    out = xp.maximum(a, 0.0)
    xp.copyto(out, a, where=a == 0.0)
    return out


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


def _quiet(kernel: Callable[..., Array]) -> Callable[..., Array]:
    """Decorates a kernel that computes floating-point results: it runs with the backend's
    floating-point errors ignored (see `_IgnoreErrorsContext` at the bottom). The kernels that
    only move values need no decoration."""

    @functools.wraps(kernel)
    def quiet_kernel(self: ArrayKernels, *args: Any) -> Array:
        if _INSIDE_QUIET.get():  # called by a kernel: errors are already ignored
            return kernel(self, *args)
        return self._quiet.context.run(kernel, self, *args)

    return quiet_kernel


class ArrayKernels:
    """The kernel contract (`match.backend.Kernels`) over the array module `xp`."""

    def __init__(self, xp: Any, name: str) -> None:
        """Kernels over `xp` (numpy or cupy), reported as backend `name`."""
        self.xp = xp
        self.name = name
        self.float64 = xp.float64
        self._ufuncs = {op: getattr(xp, ufunc) for op, ufunc in BINARY.items()}
        self._quiet = _quiet_runner(xp)

    def __repr__(self) -> str:
        return f"ArrayKernels({self.xp.__name__}, {self.name!r})"

    # -- creation and conversion ------------------------------------------------------------
    def from_rows(self, rows: list[list[float]]) -> Array:
        """A float64 array of the rows."""
        return self.xp.array(rows, dtype=self.float64)

    def to_rows(self, a: Array) -> list[list[float]]:
        """Python rows (copied off the device for cupy)."""
        return a.tolist()

    # (nrow, ncol): `a.shape`, read in C (every op's result asks for it: no Python frame)
    shape = staticmethod(operator.attrgetter("shape"))

    def full(self, nrow: int, ncol: int, value: float) -> Array:
        """An (nrow, ncol) array filled with value."""
        return self.xp.full((nrow, ncol), value, dtype=self.float64)

    def copy(self, a: Array) -> Array:
        """A copy sharing no memory with a."""
        return a.copy()

    # -- elementwise ------------------------------------------------------------------------
    @_quiet
    def unary(self, name: str, a: Array) -> Array:
        """UNARY[name] of every element."""
        return UNARY[name](self.xp, a)

    @_quiet
    def binary(self, name: str, a: Array | float, b: Array | float) -> Array:
        """BINARY[name] of a and b, broadcast; comparisons give 0.0/1.0."""
        if name == "pow" and isinstance(b, float) and b in (0.5, -0.5):  # torch's sqrt, rsqrt
            return self.xp.sqrt(a) if b > 0 else 1.0 / self.xp.sqrt(a)
        out = self._ufuncs[name](a, b)
        return out.astype(self.float64) if name in _COMPARISONS else out

    def where(self, cond: Array, a: Array | float, b: Array | float) -> Array:
        """a where cond is non-zero, else b (broadcast; a or b may be a float)."""
        if _is_positive_zero(b):
            return _keep(self.xp, cond != 0.0, a)
        if _is_positive_zero(a):
            return _keep(self.xp, cond == 0.0, b)
        return self.xp.where(cond != 0.0, a, b)

    # -- matrix products --------------------------------------------------------------------
    @_quiet
    def matmul(self, a: Array, b: Array) -> Array:
        """a @ b."""
        return a @ b

    @_quiet
    def matmul_t(self, a: Array, b: Array) -> Array:
        """a @ b.T (a view: no copy)."""
        return a @ b.T

    @_quiet
    def t_matmul(self, a: Array, b: Array) -> Array:
        """a.T @ b, computed as (b.T @ a).T (views: no copy). The result's transpose is
        contiguous: the gradient of a weight used as `x @ W.T` comes back through `.T` in W's
        own layout, which later elementwise kernels read fastest (measured: a 256x784
        gradient's copy 41 us against 432 us, and the optimizer's step on it faster)."""
        return (b.T @ a).T

    # -- reductions -------------------------------------------------------------------------
    @_quiet
    def sum(self, a: Array, dim: int | None) -> Array:
        """Sum over dim, kept 2D."""
        return a.sum(axis=dim, keepdims=True)

    @_quiet
    def max(self, a: Array, dim: int | None) -> Array:
        """Largest over dim (nan wins)."""
        return a.max(axis=dim, keepdims=True)

    @_quiet
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

    @_quiet
    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Array) -> Array:
        """Zeros with g added at rows/cols; `add.at` adds repeated rows up (cupy 12+)."""
        out = self.xp.zeros((nrow, ncol), dtype=self.float64)
        self.xp.add.at(out, (rows, cols), g)
        return out

    def cat(self, parts: list[Array], dim: int) -> Array:
        """Concatenate along dim."""
        return self.xp.concatenate(parts, axis=dim)

    # -- fused updates, for optimizers (see Kernels) ----------------------------------------
    # One temporary at most: the products land in it, then the sum goes to a or to it.
    @_quiet
    def binary_(self, name: str, a: Array, b: Array | float) -> Array:
        """BINARY[name] of a and b written into a."""
        return self._ufuncs[name](a, b, out=a)

    @_quiet
    def add_scaled(self, a: Array, b: Array, s: float, in_place: bool) -> Array:
        """a + s * b."""
        scaled = self.xp.multiply(b, s)
        return self.xp.add(a, scaled, out=a if in_place else scaled)

    @_quiet
    def addcmul(self, a: Array, b: Array, c: Array, value: float, in_place: bool) -> Array:
        """a + value * b * c."""
        scratch = self.xp.empty_like(a)
        return _addc(self.xp, self.xp.multiply, a, b, c, value, a if in_place else scratch, scratch)

    @_quiet
    def addcdiv(self, a: Array, b: Array, c: Array, value: float, in_place: bool) -> Array:
        """a + value * b / c."""
        scratch = self.xp.empty_like(a)
        return _addc(self.xp, self.xp.divide, a, b, c, value, a if in_place else scratch, scratch)

    @_quiet
    def lerp(self, a: Array, b: Array, weight: float, in_place: bool) -> Array:
        """torch's two-sided lerp."""
        scratch = self.xp.empty_like(a)
        return _lerp(self.xp, a, b, weight, a if in_place else scratch, scratch)

    @_quiet
    def adam(
        self,
        p: Array,
        grad: Array,
        exp_avg: Array,
        exp_avg_sq: Array,
        max_exp_avg_sq: Array | None,
        hyper: tuple[float, float, float, float, float],  # a match.backend.AdamStep
    ) -> Array:
        """One Adam step (see Kernels.adam): the updates above, on blocks of about ADAM_BLOCK
        elements (whole rows) that stay in the CPU's cache through the whole formula, with
        scratch buffers for every block's temporaries and new moments. One block on a GPU.

        Each block's new moments are computed into scratch first and then copied over the old
        ones, a copy that can be repeated. So an interrupt (Ctrl-C) half way never leaves a
        buffer torn between old rows and new: the handler finishes the remaining blocks, then
        lets the interrupt go on (the buffers hold the whole step; the parameter is not given
        its new value, since the interrupt reaches the caller instead of the result)."""
        xp = self.xp
        beta1, beta2, step_size, bias_sqrt, eps = hyper
        new_p = xp.empty_like(p)
        nrow, ncol = p.shape
        rows = max(1, ADAM_BLOCK // max(ncol, 1)) if xp.__name__ == "numpy" else nrow
        scratch = xp.empty((5, min(rows, nrow), ncol))
        starts = range(0, nrow, rows)

        def compute(start: int) -> None:  # reads the buffers, writes scratch and new_p only
            block = slice(start, start + rows)
            g, m, v = grad[block], exp_avg[block], exp_avg_sq[block]
            one, two, new_m, new_v, new_max = scratch[:, : g.shape[0]]
            m_part = xp.multiply(g, 1.0 - beta1, out=one)
            xp.add(xp.multiply(m, beta1, out=new_m), m_part, out=new_m)
            _addc(xp, xp.multiply, xp.multiply(v, beta2, out=new_v), g, g, 1.0 - beta2, new_v, one)
            if max_exp_avg_sq is not None:
                new_v = xp.maximum(max_exp_avg_sq[block], new_v, out=new_max)
            denom = xp.sqrt(new_v, out=one)
            denom /= bias_sqrt
            denom += eps
            _addc(xp, xp.divide, p[block], new_m, denom, -step_size, new_p[block], two)

        def commit(start: int) -> None:  # copies scratch into the buffers: safe to repeat
            block = slice(start, start + rows)
            n = grad[block].shape[0]
            exp_avg[block] = scratch[2, :n]
            exp_avg_sq[block] = scratch[3, :n]
            if max_exp_avg_sq is not None:
                max_exp_avg_sq[block] = scratch[4, :n]

        ready = done = -1  # the last block computed into scratch, the last one committed
        try:
            for start in starts:
                compute(start)
                ready = start
                commit(start)
                done = start
        except BaseException:
            for start in starts:  # finish the step, so that no buffer is left torn
                if start > done:
                    if start != ready:  # its buffers are untouched: commit comes after ready
                        compute(start)
                    commit(start)
            raise
        return new_p


# The fused updates, written into `out` (a, or a new array) with `scratch` (out, or another
# array of a's shape) for the one temporary.
def _addc(
    xp: Any, by: Any, a: Array, b: Array, c: Array, value: float, out: Array, scratch: Array
) -> Array:
    """a + value * b (times or divided by) c: addcmul with by=xp.multiply, addcdiv with divide."""
    term = xp.multiply(b, value, out=scratch)
    by(term, c, out=term)
    return xp.add(a, term, out=out)


def _lerp(xp: Any, a: Array, b: Array, weight: float, out: Array, scratch: Array) -> Array:
    step = xp.subtract(b, a, out=scratch)
    if abs(weight) < 0.5:
        step *= weight
        return xp.add(a, step, out=out)
    step *= 1.0 - weight
    return xp.subtract(b, step, out=out)


class _IgnoreErrorsContext(threading.local):
    """Per thread, a `contextvars.Context` in which numpy (2.0+) ignores floating-point errors.

    numpy 2 keeps its error state in a context variable, so it is set once, inside this
    context, and each kernel runs with `context.run(...)`: a tenth of the cost of entering and
    leaving `errstate` on every call (measured: 0.25 us against 1.6 us per kernel). One context
    per thread, because a context cannot be entered by two threads at once, nor twice by one:
    a kernel that calls a kernel finds `_INSIDE_QUIET` set and runs the inner one directly.
    """

    def __init__(self, xp: Any) -> None:
        self.context = contextvars.copy_context()
        self.context.run(xp.seterr, all="ignore")
        self.context.run(_INSIDE_QUIET.set, True)


_INSIDE_QUIET = contextvars.ContextVar("match_inside_quiet_context", default=False)


class _PerCallErrstate:
    """Before numpy 2 the error state is per thread, not per context: errstate on each call.
    Also serves an array module without errstate (cupy), where it simply calls the kernel.
    `.context.run` has the same shape as `_IgnoreErrorsContext`'s."""

    def __init__(self, xp: Any) -> None:
        self.context = self
        self._errstate = getattr(xp, "errstate", None)

    def run(self, kernel: Callable[..., Array], *args: Any) -> Array:
        """kernel(*args), under errstate(all="ignore") where the array module has one."""
        if self._errstate is None:
            return kernel(*args)
        with self._errstate(all="ignore"):
            return kernel(*args)


def _quiet_runner(xp: Any) -> Any:
    """How the kernels of `xp` ignore floating-point errors (see the two classes above)."""
    major = int(str(getattr(xp, "__version__", "0")).split(".")[0] or 0)
    if xp.__name__ == "numpy" and major >= 2:
        return _IgnoreErrorsContext(xp)
    return _PerCallErrstate(xp)
