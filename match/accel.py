"""Accelerators: run the List2D kernels on numpy (CPU) or cupy (GPU) arrays instead of lists.

Match is pure Python by default and needs nothing installed. This module is the only place that
knows numpy or cupy exist, and it imports them only when you ask for them:

    import match
    match.accel.available()    # ['python', 'numpy'] when numpy is installed
    match.accel.use("numpy")   # matrices made from now on live in numpy arrays
    match.accel.current()      # 'numpy'

or set the environment variable `MATCH_ACCEL=numpy` before `import match` (pytest also takes
`--backend numpy`). Asking for a backend that is not installed (or cupy without a GPU) raises a
RuntimeError that says what to install, and changes nothing.

How it fits together: every List2D holds `.kernels` (the backend object it was made with) and
`.vals` (its raw values: lists of rows for python, a 2D float64 array here). List2D checks shapes
and types, then hands `.vals` to its kernels. `ArrayKernels` below is the same set of kernels as
`list2d.PythonKernels`, written once against an array module `xp` (numpy, or cupy, whose API
mirrors numpy's), so Matrix, nn, optim and user code run unchanged on every backend.

Rules that hold on every backend:

- Values are float64, and results agree with pure Python to about 1e-12 (sums may add in a
  different order).
- `.vals` gives rows you can index (`m.vals[i][j]`); `tolist()` always gives plain Python lists.
  Treat `.vals` as read-only: on an array backend, results may share memory with their inputs
  (a transpose or reshape is a view), which is safe because kernels never write into an array
  after making it (`m[i] = ...` and the in-place methods build a new array).
- Backends are never mixed silently. An operation between matrices on different backends
  raises a RuntimeError that names both; convert at the boundary with `m.to_backend("numpy")`
  (List2D, Matrix, and nn Modules all have it). Switching with `use()` changes only the
  matrices made afterwards.
- IEEE results, no warnings: 1/0 is inf, 0/0 and log(-1) are nan, as on the pure Python path.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
from collections.abc import Callable, Iterator
from typing import Any

from . import list2d

BACKENDS = ("python", "numpy", "cupy")

_INSTALL_HINTS = {
    "numpy": "install numpy (pip install numpy, or pip install 'match[numpy]')",
    "cupy": "install CuPy for your CUDA version (e.g. pip install cupy-cuda12x) on a machine "
    "with an NVIDIA GPU",
}

# Binary kernel names (see list2d.BINARY_FUNCTIONS) and the array-module ufuncs that do them.
_UFUNCS = {
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
    """The List2D kernels on 2D float64 arrays of an array module `xp` (numpy or cupy).

    Same methods and results as `list2d.PythonKernels` (read that class for what each kernel
    means); here each one is a few array calls. Kernels never modify their inputs.
    """

    def __init__(self, xp: Any, name: str) -> None:
        """Kernels over the array module `xp`, reported under `name` ('numpy' or 'cupy')."""
        self.xp = xp
        self.name = name
        self.float64 = xp.float64
        self._ufuncs = {op: getattr(xp, ufunc) for op, ufunc in _UFUNCS.items()}
        # numpy warns about 1/0, log(0), overflow...; pure Python gives the IEEE value quietly,
        # so every floating-point kernel runs under errstate(all="ignore"). cupy never warns.
        errstate = getattr(xp, "errstate", None)
        self._quiet: Callable[[], Any] = (
            (lambda: errstate(all="ignore")) if errstate is not None else contextlib.nullcontext
        )

    def __repr__(self) -> str:
        return f"ArrayKernels({self.xp.__name__}, {self.name!r})"

    # -- creation and conversion ------------------------------------------------------------
    def from_rows(self, rows: list[list[float]]) -> Any:
        """A 2D float64 array from validated rows of floats."""
        return self.xp.array(rows, dtype=self.float64)

    def to_rows(self, a: Any) -> list[list[float]]:
        """Plain Python rows of floats (copied off the device for cupy)."""
        return a.tolist()

    def shape(self, a: Any) -> tuple[int, int]:
        """(nrow, ncol) of an array."""
        return a.shape

    def full(self, nrow: int, ncol: int, value: float) -> Any:
        """An (nrow, ncol) array filled with value."""
        return self.xp.full((nrow, ncol), value, dtype=self.float64)

    def copy(self, a: Any) -> Any:
        """A copy that shares no memory with a."""
        return a.copy()

    # -- elementwise ------------------------------------------------------------------------
    def binary(self, name: str, a: Any, b: Any) -> Any:
        """Elementwise `name(a, b)` with broadcasting; either side may be a plain float."""
        if name in _COMPARISONS:
            return self._ufuncs[name](a, b).astype(self.float64)
        with self._quiet():
            return self._ufuncs[name](a, b)

    def neg(self, a: Any) -> Any:
        """-a."""
        return -a

    def exp(self, a: Any) -> Any:
        """e ** a (inf on overflow)."""
        with self._quiet():
            return self.xp.exp(a)

    def log(self, a: Any) -> Any:
        """Natural log (-inf at 0, nan below)."""
        with self._quiet():
            return self.xp.log(a)

    def sqrt(self, a: Any) -> Any:
        """Square root (nan below 0)."""
        with self._quiet():
            return self.xp.sqrt(a)

    def abs(self, a: Any) -> Any:
        """|a|."""
        return self.xp.abs(a)

    def sign(self, a: Any) -> Any:
        """-1, 0 or 1 by the sign of each element (0 for nan, as in pure Python)."""
        xp = self.xp
        return xp.greater(a, 0.0).astype(self.float64) - xp.less(a, 0.0)

    def tanh(self, a: Any) -> Any:
        """Hyperbolic tangent."""
        return self.xp.tanh(a)

    def sigmoid(self, a: Any) -> Any:
        """1 / (1 + e^-a) for a >= 0 and e^a / (1 + e^a) below: exp never overflows."""
        xp = self.xp
        with self._quiet():
            e = xp.exp(-xp.abs(a))
            return xp.where(a >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))

    def relu(self, a: Any) -> Any:
        """max(a, 0); nan gives 0 and -0.0 gives 0.0, as in pure Python."""
        out = self.xp.fmax(a, 0.0)  # fmax skips nan; much faster than where() on mixed signs
        out += 0.0  # -0.0 + 0.0 is 0.0 (out is our own new array)
        return out

    def leaky_relu(self, a: Any, slope: float) -> Any:
        """a where a > 0, else slope * a."""
        with self._quiet():
            return self.xp.where(a > 0.0, a, slope * a)

    def softplus(self, a: Any) -> Any:
        """log(1 + e^a) as max(a, 0) + log(1 + e^-|a|), so that e^a never overflows."""
        xp = self.xp
        with self._quiet():
            return xp.fmax(a, 0.0) + xp.log1p(xp.exp(-xp.abs(a)))

    def sin(self, a: Any) -> Any:
        """Sine."""
        with self._quiet():
            return self.xp.sin(a)

    def cos(self, a: Any) -> Any:
        """Cosine."""
        with self._quiet():
            return self.xp.cos(a)

    def clamp(self, a: Any, low: float, high: float) -> Any:
        """Each element limited to [low, high] (-inf / inf for no limit)."""
        return self.xp.clip(a, low, high)

    # -- matrix products (BLAS reads the transposed views directly: no copies) --------------
    def matmul(self, a: Any, b: Any) -> Any:
        """a @ b."""
        with self._quiet():
            return a @ b

    def matmul_t(self, a: Any, b: Any) -> Any:
        """a @ b.T."""
        with self._quiet():
            return a @ b.T

    def t_matmul(self, a: Any, b: Any) -> Any:
        """a.T @ b."""
        with self._quiet():
            return a.T @ b

    # -- reductions (results stay 2D) -------------------------------------------------------
    def sum(self, a: Any, dim: int | None) -> Any:
        """Sum over everything (1x1), over rows (dim=0, 1xN) or over columns (dim=1, Nx1)."""
        with self._quiet():
            return a.sum(axis=dim, keepdims=True)

    def max(self, a: Any, dim: int | None) -> Any:
        """Largest element, as for sum."""
        with self._quiet():
            return a.max(axis=dim, keepdims=True)

    def min(self, a: Any, dim: int | None) -> Any:
        """Smallest element, as for sum."""
        with self._quiet():
            return a.min(axis=dim, keepdims=True)

    def argmax(self, a: Any, dim: int | None) -> Any:
        """Index of the first largest element, as a float (flat index when dim is None)."""
        return self.xp.argmax(a, axis=dim, keepdims=True).astype(self.float64)

    def argmin(self, a: Any, dim: int | None) -> Any:
        """Index of the first smallest element, as a float (flat index when dim is None)."""
        return self.xp.argmin(a, axis=dim, keepdims=True).astype(self.float64)

    # -- shape ------------------------------------------------------------------------------
    def transpose(self, a: Any) -> Any:
        """Rows become columns (a view)."""
        return a.T

    def reshape(self, a: Any, nrow: int, ncol: int) -> Any:
        """The same elements in row-major order, cut into rows of ncol."""
        return a.reshape(nrow, ncol)

    def broadcast_to(self, a: Any, nrow: int, ncol: int) -> Any:
        """Stretch dimensions of size 1 to (nrow, ncol) (a real array, not a read-only view)."""
        return self.xp.broadcast_to(a, (nrow, ncol)).copy()

    def take(self, a: Any, rows: list[int], cols: slice) -> Any:
        """The given rows (repeats allowed), and within them the column slice."""
        return a[rows, cols]

    def put(self, a: Any, rows: list[int], cols: slice, value: Any) -> Any:
        """A copy of a with value (already the selection's shape) written at rows/cols."""
        out = a.copy()
        out[rows, cols] = value
        return out

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Any) -> Any:
        """Zeros of (nrow, ncol) with g added at rows/cols; repeated rows add up."""
        out = self.xp.zeros((nrow, ncol), dtype=self.float64)
        self.xp.add.at(out, (rows, cols), g)
        return out

    def cat(self, parts: list[Any], dim: int) -> Any:
        """Join arrays top to bottom (dim=0) or side by side (dim=1)."""
        return self.xp.concatenate(parts, axis=dim)


# ---------------------------------------------------------------------------------------------
# Choosing a backend
# ---------------------------------------------------------------------------------------------

# One kernels object per backend: List2D tells backends apart by identity.
_kernels: dict[str, Any] = {"python": list2d.PYTHON}


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        raise ValueError(f"accel: unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name.strip().lower()


def _load(name: str) -> Any:
    """Import the array module for a backend, or raise a RuntimeError saying what to install."""
    try:
        xp = importlib.import_module(name)
    except ImportError as error:
        raise RuntimeError(
            f"accel: the '{name}' backend is not available: {name} is not installed; "
            f"{_INSTALL_HINTS[name]}"
        ) from error
    if name == "cupy":
        try:
            gpus = xp.cuda.runtime.getDeviceCount()
        except Exception as error:  # no driver, no device: CUDARuntimeError and friends
            raise RuntimeError(
                f"accel: the 'cupy' backend is not available: CuPy found no usable GPU "
                f"({error}); {_INSTALL_HINTS['cupy']}"
            ) from error
        if gpus < 1:
            raise RuntimeError(
                "accel: the 'cupy' backend is not available: no CUDA GPU found; "
                f"{_INSTALL_HINTS['cupy']}"
            )
    return xp


def kernels_for(name: str) -> Any:
    """The kernels object of a backend ('python', 'numpy' or 'cupy'), loading it if needed.

    Raises ValueError for an unknown name and RuntimeError for a backend that is not installed.
    """
    name = _check_name(name)
    if name not in _kernels:
        _kernels[name] = ArrayKernels(_load(name), name)
    return _kernels[name]


def use(name: str) -> str:
    """Make `name` the backend of the matrices created from now on; returns the previous name.

    Matrices that already exist stay where they are (convert them with `.to_backend()`). If the
    backend is not available this raises RuntimeError and nothing changes.
    """
    kernels = kernels_for(name)
    return list2d.set_active_kernels(kernels).name


@contextlib.contextmanager
def using(name: str) -> Iterator[str]:
    """`with match.accel.using("numpy"): ...` runs the block on that backend, then switches back."""
    previous = list2d.set_active_kernels(kernels_for(name))
    try:
        yield name
    finally:
        list2d.set_active_kernels(previous)


def current() -> str:
    """The name of the backend that new matrices use."""
    return list2d.active_kernels().name


def available() -> list[str]:
    """The backends that can be used here, 'python' first.

    numpy is looked up without being imported; cupy is imported to check that it sees a GPU.
    """
    names = ["python"]
    if "numpy" in _kernels or importlib.util.find_spec("numpy") is not None:
        names.append("numpy")
    if "cupy" in _kernels:
        names.append("cupy")
    elif importlib.util.find_spec("cupy") is not None:
        try:
            _load("cupy")
            names.append("cupy")
        except RuntimeError:
            pass
    return names


def _use_environment() -> None:
    """Apply MATCH_ACCEL (if set) when match is imported."""
    wanted = os.environ.get("MATCH_ACCEL", "").strip()
    if not wanted:
        return
    try:
        use(wanted)
    except (ValueError, RuntimeError) as error:
        raise RuntimeError(f"MATCH_ACCEL={wanted!r}: {error}") from error


_use_environment()

__all__ = ["ArrayKernels", "BACKENDS", "available", "current", "kernels_for", "use", "using"]
