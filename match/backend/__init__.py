"""The backends: where List2D's arithmetic actually happens.

A *backend* is one object holding the kernels: plain functions from raw values to new raw values
(for the pure-Python backend, raw values are lists of rows of floats; for numpy and cupy, 2D
float64 arrays). `List2D` checks shapes and types, then calls its backend's kernels, so the layers
above cannot tell which backend runs. This file holds:

1. the contract, `Kernels`: every kernel a backend provides, with what it computes. The
   elementwise functions are named in two tables, `UNARY` and `BINARY`: a backend implements each
   row of them, and List2D gets one method per row;
2. the registry: `use`, `using`, `current`, `available`, `kernels_for`, and the `MATCH_ACCEL`
   environment variable (read when match is imported).

`python.py` is the reference backend (pure Python, always available); `array.py` runs the same
contract on numpy (CPU) or cupy (GPU), imported only when asked for. This package imports nothing
from the rest of Match.

Rules that hold on every backend:

- Values are float64; results agree with pure Python to about 1e-12 (sums may add in another order).
- IEEE results, no warnings and no exceptions: 1/0 is inf, 0/0 and log(-1) are nan, overflow is
  inf. Each backend enforces this in one place (`python.py`: a safe fallback per table row;
  `array.py`: numpy's error state, set around every kernel call).
- Kernels never modify their inputs, and never write into an array after returning it, so
  results may share memory with their inputs (a transpose may be a view). The one exception is
  the fused updates' in-place form (`binary_`, and `in_place=True`), which writes into its first
  argument: storage its caller owns, such as an optimizer's buffer.
- Backends are never mixed silently: List2D raises a RuntimeError naming both.
"""

from __future__ import annotations

import contextlib
import copyreg
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, NamedTuple, Protocol, TypeAlias

Raw: TypeAlias = Any  # a backend's raw values: list of rows, or a 2D array
Rows: TypeAlias = list[list[float]]
Shape: TypeAlias = tuple[int, int]


class AdamStep(NamedTuple):
    """The numbers of one Adam step at step t (see `Kernels.adam`)."""

    beta1: float
    beta2: float
    step_size: float  # lr / (1 - beta1^t)
    bias_correction2_sqrt: float  # sqrt(1 - beta2^t)
    eps: float


BACKENDS = ("python", "numpy", "cupy")

# The elementwise functions every backend implements, one row each: name -> what it computes.
UNARY: dict[str, str] = {
    "neg": "-x",
    "exp": "e^x (inf on overflow)",
    "log": "natural log (-inf at 0, nan below 0)",
    "log1p": "log(1 + x), accurate for tiny x (-inf at -1, nan below)",
    "sqrt": "square root (nan below 0)",
    "abs": "|x|",
    "sign": "-1, 0 or 1 by the sign of x (0 for -0.0; nan for nan)",
    "tanh": "hyperbolic tangent",
    "sigmoid": "1 / (1 + e^-x), without overflow for any x",
    "relu": "x where x > 0, else 0.0 (nan stays nan)",
    "sin": "sine (nan for +-inf)",
    "cos": "cosine (nan for +-inf)",
    "erf": "the error function 2/sqrt(pi) * integral of e^-t^2 from 0 to x (+-1 at +-inf)",
}
BINARY: dict[str, str] = {
    "add": "x + y",
    "sub": "x - y",
    "mul": "x * y",
    "div": "x / y (+-inf or nan when y is 0)",
    "pow": "x ** y (inf for 0 ** negative, nan for a negative base and a fractional power)",
    "maximum": "the larger of x and y (nan if either is nan)",
    "minimum": "the smaller of x and y (nan if either is nan)",
    "gt": "1.0 where x > y, else 0.0",
    "ge": "1.0 where x >= y, else 0.0",
    "lt": "1.0 where x < y, else 0.0",
    "le": "1.0 where x <= y, else 0.0",
    "eq": "1.0 where x == y, else 0.0",
    "ne": "1.0 where x != y, else 0.0",
}


class Kernels(Protocol):
    """The kernel contract. Shapes are checked by List2D before any kernel runs.

    `dim` is None (reduce everything to 1x1), 0 (down the rows, giving 1 x ncol) or 1 (across
    the columns, giving nrow x 1). Row selections are lists of row numbers (repeats allowed) and
    a column slice, already normalised to non-negative positions.
    """

    name: str  # 'python', 'numpy' or 'cupy'

    def from_rows(self, rows: Rows) -> Raw:
        """Raw values holding these (validated, non-empty, rectangular) rows of floats."""

    def to_rows(self, a: Raw) -> Rows:
        """Plain Python rows of floats, a fresh copy."""

    def shape(self, a: Raw) -> Shape:
        """(nrow, ncol)."""

    def full(self, nrow: int, ncol: int, value: float) -> Raw:
        """An (nrow, ncol) matrix filled with value."""

    def copy(self, a: Raw) -> Raw:
        """A copy sharing no memory with a."""

    def unary(self, name: str, a: Raw) -> Raw:
        """The elementwise function UNARY[name] of a."""

    def binary(self, name: str, a: Raw | float, b: Raw | float) -> Raw:
        """The elementwise function BINARY[name] of a and b, with 2D broadcasting (a dimension of
        size 1 stretches); either operand may be a plain float."""

    def where(self, cond: Raw, a: Raw, b: Raw) -> Raw:
        """a where cond is non-zero, else b; the three broadcast to one shape (checked)."""

    def matmul(self, a: Raw, b: Raw) -> Raw:
        """a @ b."""

    def matmul_t(self, a: Raw, b: Raw) -> Raw:
        """a @ b.T, without building b.T."""

    def t_matmul(self, a: Raw, b: Raw) -> Raw:
        """a.T @ b, without building a.T."""

    def sum(self, a: Raw, dim: int | None) -> Raw:
        """Sum over dim."""

    def max(self, a: Raw, dim: int | None) -> Raw:
        """Largest element over dim (nan if the group holds a nan)."""

    def min(self, a: Raw, dim: int | None) -> Raw:
        """Smallest element over dim (nan if the group holds a nan)."""

    def argmax(self, a: Raw, dim: int | None) -> Raw:
        """Position of the first largest element over dim, as a float (a flat row-major
        position when dim is None); a nan counts as the largest."""

    def argmin(self, a: Raw, dim: int | None) -> Raw:
        """As argmax, for the first smallest element (a nan counts as the smallest)."""

    def transpose(self, a: Raw) -> Raw:
        """Rows become columns."""

    def reshape(self, a: Raw, nrow: int, ncol: int) -> Raw:
        """The same elements in row-major order, cut into rows of ncol."""

    def broadcast_to(self, a: Raw, nrow: int, ncol: int) -> Raw:
        """Dimensions of size 1 stretched to (nrow, ncol)."""

    def take(self, a: Raw, rows: list[int], cols: slice) -> Raw:
        """The given rows, and within them the column slice."""

    def put(self, a: Raw, rows: list[int], cols: slice, value: Raw) -> Raw:
        """A copy of a with value (of the selection's shape) written at rows/cols."""

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice, g: Raw) -> Raw:
        """Zeros of (nrow, ncol) with g added at rows/cols; repeated rows add up."""

    def cat(self, parts: list[Raw], dim: int) -> Raw:
        """Parts joined top to bottom (dim=0) or side by side (dim=1)."""

    # -- fused updates, for optimizers -----------------------------------------------------
    # One pass each, where a chain of the kernels above would make a temporary per operator.
    # b and c have a's shape; s, value and weight are floats. With in_place=True the result is
    # written into a (storage the caller owns, such as an optimizer's buffer) and a is
    # returned; with in_place=False a is left alone and a new value is returned.

    def binary_(self, name: str, a: Raw, b: Raw | float) -> Raw:
        """BINARY[name] of a and b (a float, or of a's shape) written into a; returns a."""

    def add_scaled(self, a: Raw, b: Raw, s: float, in_place: bool) -> Raw:
        """a + s * b (torch's add with alpha)."""

    def addcmul(self, a: Raw, b: Raw, c: Raw, value: float, in_place: bool) -> Raw:
        """a + value * b * c (torch.addcmul)."""

    def addcdiv(self, a: Raw, b: Raw, c: Raw, value: float, in_place: bool) -> Raw:
        """a + value * b / c (torch.addcdiv; IEEE results where c is 0)."""

    def lerp(self, a: Raw, b: Raw, weight: float, in_place: bool) -> Raw:
        """torch.lerp: a + weight * (b - a) when |weight| < 0.5, else
        b - (b - a) * (1 - weight), so that weight 1 gives b exactly."""

    adam: Any
    """None, or a fused Adam step (a speed gain where a kernel call costs much more than its
    arithmetic, as on numpy): adam(p, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, hyper) returns
    the new p and writes the buffers in place, giving bit for bit what `match.optim.Adam`'s
    plain formula gives: m = beta1 m + (1 - beta1) grad, v = beta2 v + (1 - beta2) grad grad,
    v's running maximum under amsgrad (max_exp_avg_sq given, then standing for v), and
    p - step_size m / (sqrt(v) / bias_correction2_sqrt + eps), with hyper an `AdamStep`."""


# ---------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------

_INSTALL_HINTS = {
    "numpy": "install numpy (pip install numpy, or pip install 'match-autodiff[numpy]')",
    "cupy": "install CuPy for your CUDA version (e.g. pip install cupy-cuda12x) on a machine "
    "with an NVIDIA GPU",
}

_loaded: dict[str, Kernels] = {}  # one kernels object per backend: List2D compares by identity


class _Choice(threading.local):
    """The backend for new matrices: a process-wide default, and a per-thread `using` override."""

    override: Kernels | None = None


_choice = _Choice()
_default: Kernels  # set by _start() below: the python backend, or MATCH_ACCEL's


def _check_name(name: Any, op: str) -> str:
    if not isinstance(name, str) or name.strip().lower() not in BACKENDS:
        raise ValueError(f"{op}: unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name.strip().lower()


def _import_array_module(name: str) -> Any:
    """numpy or cupy, or a RuntimeError saying what to install."""
    import importlib  # here, not at `import match`, which needs no array module

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


def kernels_for(name: str | Kernels, op: str = "kernels_for") -> Kernels:
    """The kernels of a backend ('python', 'numpy' or 'cupy'), loading it on first use.

    Raises ValueError for an unknown name and RuntimeError for a backend not installed here.
    A kernels object is returned as it is: `use` and `using` take your own backend too. op
    names the function the user called in errors.
    """
    if not isinstance(name, str) and hasattr(name, "name") and hasattr(name, "unary"):
        return name
    name = _check_name(name, op)
    if name not in _loaded:
        from .array import ArrayKernels  # the only import of the array module

        _loaded[name] = ArrayKernels(_import_array_module(name), name)
        copyreg.pickle(ArrayKernels, _pickle_by_name)  # its module cannot be pickled
    return _loaded[name]


def _pickle_by_name(kernels: Kernels) -> tuple[Any, tuple[str]]:
    """How pickle stores a kernels object: by its backend's name (registered with copyreg for
    each class of kernels the registry makes, in `_start` and `kernels_for`)."""
    return unpickled, (kernels.name,)


def unpickled(name: str) -> Kernels:
    """The live kernels of backend `name`, for pickle (kernels and List2Ds pickle by their
    backend's name, since backends are told apart by identity). A backend not available here
    (numpy not installed, cupy without a GPU) gives the python backend: the values are the
    same float64 numbers, so a model pickled on numpy unpickles, and runs, without numpy."""
    try:
        return kernels_for(name, "unpickle")
    except RuntimeError:
        return _loaded["python"]


def active() -> Kernels:
    """The kernels that new List2Ds use in this thread."""
    return _choice.override or _default


def use(name: str | Kernels) -> str:
    """Make `name` the backend of matrices created from now on, in every thread; returns the
    previous name. Existing matrices stay where they are (convert them with `.to_backend()`).
    If the backend is not available this raises RuntimeError and changes nothing."""
    global _default
    kernels = kernels_for(name, "use")
    previous, _default = _default.name, kernels
    return previous


@contextlib.contextmanager
def using(name: str | Kernels) -> Iterator[str]:
    """`with match.accel.using("numpy"): ...` runs the block on that backend, in this thread
    only (like torch's per-thread modes), then switches back."""
    kernels = kernels_for(name, "using")
    previous, _choice.override = _choice.override, kernels
    try:
        yield kernels.name
    finally:
        _choice.override = previous


def current() -> str:
    """The name of the backend that new matrices use in this thread."""
    return active().name


def available() -> list[str]:
    """The backends usable here, 'python' first. numpy is looked up without being imported;
    cupy is imported, to check that it sees a GPU."""
    import importlib.util  # here, not at `import match`

    names = ["python"]
    if "numpy" in _loaded or importlib.util.find_spec("numpy") is not None:
        names.append("numpy")
    if "cupy" in _loaded:
        names.append("cupy")
    elif importlib.util.find_spec("cupy") is not None:
        with contextlib.suppress(RuntimeError):
            _import_array_module("cupy")
            names.append("cupy")
    return names


environment_error: str | None = None  # why MATCH_ACCEL could not be applied, if it was not


def _start() -> None:
    """Register the python backend, then apply MATCH_ACCEL (if set).

    A bad MATCH_ACCEL does not make `import match` fail with a traceback: Match says so in one
    line on standard error and stays on the python backend (`python -m match` exits with it).
    """
    global _default, environment_error
    from .python import PythonKernels

    _loaded["python"] = _default = PythonKernels()
    copyreg.pickle(PythonKernels, _pickle_by_name)  # unpickled: the live object, not a twin
    wanted = os.environ.get("MATCH_ACCEL", "").strip()
    if wanted:
        try:
            use(wanted)
        except (ValueError, RuntimeError) as error:
            environment_error = f"MATCH_ACCEL={wanted!r}: {error}; using the python backend"
            print(f"match: {environment_error}", file=sys.stderr)


_start()

__all__ = [
    "BACKENDS",
    "AdamStep",
    "BINARY",
    "UNARY",
    "Kernels",
    "active",
    "available",
    "current",
    "kernels_for",
    "use",
    "using",
]
