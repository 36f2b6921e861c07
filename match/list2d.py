"""List2D: a 2D matrix of floats and the math on it. No gradients here.

List2D is the calculator that `matrix.py` uses for values and gradients. It checks arguments,
shapes and backends, names the operation in every error, and then hands its raw values
(`.vals`) to its backend's kernels (`match.backend`), one line per operation. It never does
arithmetic itself, so the same List2D code runs on pure Python, numpy or cupy.

Shapes are always 2D, `(nrow, ncol)`. Binary operations broadcast as numpy does in 2D: a
dimension of size 1 (or a plain number) stretches to match the other operand. Reductions keep
two dimensions: `sum(0)` is (1, ncol), `sum(1)` is (nrow, 1), `sum()` is (1, 1).

The elementwise functions (`exp`, `log`, `relu`, ...) are one method each, calling the kernel
of their row of `match.backend.UNARY`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from . import backend
from .backend import AdamStep, Kernels
from .checks import check_number, plain_scalar
from .shapes import (
    Number,
    Rows,
    Shape,
    broadcast_shape,
    check_dim,
    check_rows,
    check_size,
    format_rows,
    is_number_like,
    normalize_key,
)

INF = math.inf
_new_object = object.__new__

# One random generator for the whole library, so that match.manual_seed makes runs repeatable.
_rng = random.Random()


def manual_seed(seed: int) -> None:
    """Seed the generator behind `randn`, `rand`, initialisation and dropout: runs repeat."""
    seed = plain_scalar(seed)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: the seed must be an int, got {type(seed).__name__}")
    _rng.seed(seed)


def rng() -> random.Random:
    """The library's random generator (seeded by `manual_seed`)."""
    return _rng


# ---------------------------------------------------------------------------------------------
# List2D
# ---------------------------------------------------------------------------------------------


class List2D:
    """A 2D matrix of floats with the math on it (no autodiff).

    `List2D.from_2d_list([[1, 2], [3, 4]])` holds given values; `List2D(nrow, ncol, 0.0)` is
    filled with one. `vals` holds the raw values (rows of floats on the python backend), `shape`
    is `(nrow, ncol)`, `kernels` the backend it lives on. Operations return new List2Ds. Methods
    with a trailing `_` change this one in place and bump `version`, which autodiff uses to spot
    values changed after an operation saved them.
    """

    __slots__ = ("vals", "nrow", "ncol", "kernels", "version", "borrowed")

    vals: Any
    nrow: int
    ncol: int
    kernels: Kernels
    version: int

    def __init__(
        self, nrow: int, ncol: int, val: Number | Sequence[Sequence[Number]] = 0.0
    ) -> None:
        """An (nrow, ncol) matrix filled with the number `val`, or holding the rows `val`."""
        check_size(nrow, ncol, "List2D")
        if is_number_like(val):
            rows = [[check_number(val, "List2D", "value")] * ncol for _ in range(nrow)]
        else:
            rows = check_rows(val, "List2D")
            if (len(rows), len(rows[0])) != (nrow, ncol):
                raise ValueError(
                    f"List2D: values have shape {(len(rows), len(rows[0]))}, "
                    f"expected {(nrow, ncol)}"
                )
        kernels = backend.active()
        self.__set(kernels.from_rows(rows), kernels, 0)

    def __set(self, raw: Any, kernels: Kernels, version: int) -> None:
        self.vals, self.kernels, self.version, self.borrowed = raw, kernels, version, False
        self.nrow, self.ncol = kernels.shape(raw)

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def wrap(cls, raw: Any, kernels: Kernels | None = None) -> List2D:
        """Wrap a kernel's raw result, unchecked (the kernels' callers use this)."""
        out = cls.__new__(cls)
        out.__set(raw, kernels or backend.active(), 0)
        return out

    @classmethod
    def from_2d_list(cls, vals: Sequence[Sequence[Number]], op: str = "from_2d_list") -> List2D:
        """A List2D holding a copy of `vals`: a non-empty list of equal-length rows of numbers."""
        return cls.wrap(backend.active().from_rows(check_rows(vals, op)))

    @classmethod
    def full(cls, nrow: int, ncol: int, value: Number, op: str = "full") -> List2D:
        """An (nrow, ncol) List2D filled with value; `op` names the caller in errors."""
        check_size(nrow, ncol, op)
        return cls.wrap(backend.active().full(nrow, ncol, check_number(value, op, "value")))

    @classmethod
    def zeros(cls, nrow: int, ncol: int) -> List2D:
        """An (nrow, ncol) List2D of zeros."""
        return cls.full(nrow, ncol, 0.0, "zeros")

    @classmethod
    def ones(cls, nrow: int, ncol: int) -> List2D:
        """An (nrow, ncol) List2D of ones."""
        return cls.full(nrow, ncol, 1.0, "ones")

    @classmethod
    def eye(cls, n: int) -> List2D:
        """The (n, n) identity matrix."""
        check_size(n, n, "eye")
        return cls.wrap(
            backend.active().from_rows([[float(i == j) for j in range(n)] for i in range(n)])
        )

    @classmethod
    def randn(cls, nrow: int, ncol: int) -> List2D:
        """Samples of the standard normal distribution (see `manual_seed`)."""
        check_size(nrow, ncol, "randn")
        gauss = _rng.gauss
        rows = [[gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)]
        return cls.wrap(backend.active().from_rows(rows))

    @classmethod
    def rand(cls, nrow: int, ncol: int) -> List2D:
        """Samples of the uniform distribution on [0, 1) (see `manual_seed`)."""
        check_size(nrow, ncol, "rand")
        uniform = _rng.random
        rows = [[uniform() for _ in range(ncol)] for _ in range(nrow)]
        return cls.wrap(backend.active().from_rows(rows))

    @classmethod
    def cat(cls, parts: Sequence[List2D], dim: int = 0, op: str = "cat") -> List2D:
        """Join List2Ds top to bottom (dim=0) or side by side (dim=1)."""
        if not isinstance(parts, (list, tuple)) or not parts:
            raise ValueError(f"{op}: expected a non-empty list of matrices")
        dim = check_dim(dim, op, allow_none=False)
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

    @staticmethod
    def where(cond: List2D, a: List2D | Number, b: List2D | Number) -> List2D:
        """a where cond is non-zero, else b, as torch.where; all three broadcast to one shape,
        and a or b may be a number (a gradient's mask: `where(x <= 0.0, 0.0, g)`)."""
        if not isinstance(cond, List2D):
            raise TypeError(f"where: condition must be a List2D, got {type(cond).__name__}")
        shape = cond.shape
        for m in (a, b):
            if isinstance(m, List2D):
                if m.kernels is not cond.kernels or m.shape != shape:
                    cond.__check_backend(m, "where")
                    shape = broadcast_shape(shape, m.shape, "where")
            elif type(m) is not float and not is_number_like(m):
                raise TypeError(f"where: expected a List2D or a number, got {type(m).__name__}")
        raw_a = a.vals if isinstance(a, List2D) else float(a)
        raw_b = b.vals if isinstance(b, List2D) else float(b)
        return cond.__new(cond.kernels.where(cond.vals, raw_a, raw_b))

    # -- internals --------------------------------------------------------------------------
    def __new(self, raw: Any) -> List2D:
        """A new List2D on this one's backend holding a kernel's result (every op's result)."""
        out = _new_object(List2D)
        out.vals, out.kernels, out.version, out.borrowed = raw, self.kernels, 0, False
        out.nrow, out.ncol = self.kernels.shape(raw)
        return out

    def borrow(self) -> List2D:
        """A new List2D on this one's storage, which copies it before its first change in place
        (copy on write): what autograd stores as a gradient, since `a + b` hands one gradient
        to both a and b, and `a.grad.mul_(10)` must not change `b.grad`."""
        out = self.__new(self.vals)
        out.borrowed = True
        return out

    def __own_storage(self) -> None:
        """Copy borrowed storage before a kernel writes into it (see `borrow`)."""
        if self.borrowed:
            self.vals, self.borrowed = self.kernels.copy(self.vals), False

    def __replace(self, raw: Any) -> List2D:
        """This List2D, changed in place: it holds raw (new values, or its own storage that a
        kernel wrote into) and gets a new version, which autodiff checks (see `_check_saved`)."""
        self.vals, self.version, self.borrowed = raw, self.version + 1, False
        self.nrow, self.ncol = self.kernels.shape(raw)
        return self

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
        if is_number_like(rhs):
            return check_number(rhs, op, "operand")
        raise TypeError(
            f"{op}: unsupported operand type {type(rhs).__name__} (expected List2D or number)"
        )

    def __binary(self, name: str, rhs: Any, reflected: bool = False) -> List2D:
        """The kernel `name` (a row of backend.BINARY) of self and rhs, broadcast."""
        if isinstance(rhs, List2D):
            if rhs.kernels is not self.kernels or rhs.nrow != self.nrow or rhs.ncol != self.ncol:
                self.__check_backend(rhs, name)
                broadcast_shape(self.shape, rhs.shape, name)
            other = rhs.vals
        elif type(rhs) is float:
            other = rhs
        else:
            other = self.__operand(rhs, name)  # an int, a numpy scalar ... or a TypeError
        a, b = (other, self.vals) if reflected else (self.vals, other)
        return self.__new(self.kernels.binary(name, a, b))

    def unary(self, name: str) -> List2D:
        """The elementwise function `backend.UNARY[name]` of every element."""
        return self.__new(self.kernels.unary(name, self.vals))

    # -- properties and conversion ----------------------------------------------------------
    @property
    def shape(self) -> Shape:
        """(nrow, ncol)."""
        return self.nrow, self.ncol

    @property
    def backend(self) -> str:
        """The name of the backend holding the values: 'python', 'numpy' or 'cupy'."""
        return self.kernels.name

    def tolist(self) -> Rows:
        """The values as plain Python lists of floats (always a copy)."""
        return self.kernels.to_rows(self.vals)

    def to_backend(self, name: str | None = None) -> List2D:
        """A copy on another backend (default: the active one); see `match.accel`."""
        kernels = backend.active() if name is None else backend.kernels_for(name, "to_backend")
        return List2D.wrap(kernels.from_rows(self.tolist()), kernels)

    def new_full(self, nrow: int, ncol: int, value: Number) -> List2D:
        """An (nrow, ncol) List2D filled with value, on this List2D's backend."""
        return self.__new(self.kernels.full(nrow, ncol, float(value)))

    def new_rows(self, rows: Rows) -> List2D:
        """A List2D of rows of floats (unchecked), on this List2D's backend."""
        return self.__new(self.kernels.from_rows(rows))

    def copy(self) -> List2D:
        """A copy that shares no storage with this one."""
        return self.__new(self.kernels.copy(self.vals))

    def __deepcopy__(self, memo: dict[int, Any]) -> List2D:
        """`copy.deepcopy` (of a model, say) copies the values but keeps the kernels object:
        backends are told apart by identity, so a copied backend would refuse to mix."""
        return self.copy()

    def __reduce__(self) -> tuple[Any, tuple[Rows, str]]:
        """pickle stores plain rows of floats and the backend's name, never an array: so a
        List2D pickled on numpy unpickles where numpy is missing (on the python backend; see
        `match.backend.unpickled`), and onto the live kernels object where it is present."""
        return List2D._unpickle, (self.tolist(), self.kernels.name)

    @classmethod
    def _unpickle(cls, rows: Rows, name: str) -> List2D:
        kernels = backend.unpickled(name)
        return cls.wrap(kernels.from_rows(check_rows(rows, "unpickle")), kernels)

    def item(self) -> float:
        """The value of a 1x1 List2D as a Python float."""
        if self.shape != (1, 1):
            raise ValueError(f"item: only a 1x1 matrix converts to a number, got {self.shape}")
        return float(self.tolist()[0][0])

    def __len__(self) -> int:
        return self.nrow

    def __repr__(self) -> str:
        return f"List2D({format_rows(self.tolist())}, shape={self.shape})"

    # -- in place (trailing underscore) -----------------------------------------------------
    def fill_(self, value: Number) -> List2D:
        """Set every element to value, in place."""
        self.__replace(
            self.kernels.full(self.nrow, self.ncol, check_number(value, "fill_", "value"))
        )
        return self

    def zeros_(self) -> List2D:
        """Set every element to 0.0, in place."""
        return self.fill_(0.0)

    def ones_(self) -> List2D:
        """Set every element to 1.0, in place."""
        return self.fill_(1.0)

    def normal_(self, mean: Number = 0.0, std: Number = 1.0) -> List2D:
        """Fill with samples of N(mean, std^2), in place, row by row (see `manual_seed`)."""
        mean, std = check_number(mean, "normal_", "mean"), check_number(std, "normal_", "std")
        if std < 0:
            raise ValueError(f"normal_: std must be at least 0, got {std}")
        gauss = _rng.gauss
        rows = [[gauss(mean, std) for _ in range(self.ncol)] for _ in range(self.nrow)]
        self.__replace(self.kernels.from_rows(rows))
        return self

    def uniform_(self, low: Number = 0.0, high: Number = 1.0) -> List2D:
        """Fill with samples of the uniform distribution on [low, high), in place, row by row."""
        low, high = check_number(low, "uniform_", "low"), check_number(high, "uniform_", "high")
        if low > high:
            raise ValueError(f"uniform_: low must not exceed high, got {low} > {high}")
        uniform = _rng.uniform
        rows = [[uniform(low, high) for _ in range(self.ncol)] for _ in range(self.nrow)]
        self.__replace(self.kernels.from_rows(rows))
        return self

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
        """Write value (a number, or a List2D broadcast to the selection's shape) at key."""
        rows, cols = normalize_key(key, self.nrow, self.ncol, "setitem")
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
        return self.__binary("add", rhs)

    def __radd__(self, lhs: Number) -> List2D:
        return self.__binary("add", lhs, reflected=True)

    def __sub__(self, rhs: Number | List2D) -> List2D:
        return self.__binary("sub", rhs)

    def __rsub__(self, lhs: Number) -> List2D:
        return self.__binary("sub", lhs, reflected=True)

    def __mul__(self, rhs: Number | List2D) -> List2D:
        return self.__binary("mul", rhs)

    def __rmul__(self, lhs: Number) -> List2D:
        return self.__binary("mul", lhs, reflected=True)

    def __truediv__(self, rhs: Number | List2D) -> List2D:
        return self.__binary("div", rhs)

    def __rtruediv__(self, lhs: Number) -> List2D:
        return self.__binary("div", lhs, reflected=True)

    def __pow__(self, rhs: Number | List2D) -> List2D:
        return self.__binary("pow", rhs)

    def __rpow__(self, lhs: Number) -> List2D:
        return self.__binary("pow", lhs, reflected=True)

    def __neg__(self) -> List2D:
        return self.unary("neg")

    def maximum(self, rhs: Number | List2D) -> List2D:
        """Elementwise larger of self and rhs (nan if either is nan)."""
        return self.__binary("maximum", rhs)

    def minimum(self, rhs: Number | List2D) -> List2D:
        """Elementwise smaller of self and rhs (nan if either is nan)."""
        return self.__binary("minimum", rhs)

    # Comparisons give 1.0 where true and 0.0 where false.
    def __gt__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("gt", rhs)

    def __ge__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("ge", rhs)

    def __lt__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("lt", rhs)

    def __le__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("le", rhs)

    def __eq__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("eq", rhs)

    def __ne__(self, rhs: Number | List2D) -> List2D:  # type: ignore[override]
        return self.__binary("ne", rhs)

    __hash__ = object.__hash__  # elementwise == must not make List2D unhashable

    def clamp(self, min: Number | None = None, max: Number | None = None) -> List2D:
        """Each element limited to [min, max]; None leaves a side open. When min > max every
        element becomes max, as in torch (max is applied last)."""
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min and max")
        low = -INF if min is None else check_number(min, "clamp", "min")
        high = INF if max is None else check_number(max, "clamp", "max")
        return self.maximum(low).minimum(high)

    # -- elementwise functions (one kernel each: match.backend.UNARY) ------------------------
    def exp(self) -> List2D:
        """e^x, elementwise (inf on overflow)."""
        return self.unary("exp")

    def log(self) -> List2D:
        """Natural logarithm, elementwise (-inf at 0, nan below 0)."""
        return self.unary("log")

    def log1p(self) -> List2D:
        """log(1 + x), elementwise, accurate for tiny x (-inf at -1, nan below)."""
        return self.unary("log1p")

    def sqrt(self) -> List2D:
        """Square root, elementwise (nan below 0)."""
        return self.unary("sqrt")

    def abs(self) -> List2D:
        """|x|, elementwise."""
        return self.unary("abs")

    def sign(self) -> List2D:
        """-1, 0 or 1 by the sign of each element (0 for -0.0, as torch; nan for nan)."""
        return self.unary("sign")

    def tanh(self) -> List2D:
        """Hyperbolic tangent, elementwise."""
        return self.unary("tanh")

    def sigmoid(self) -> List2D:
        """1 / (1 + e^-x), elementwise, without overflow for any x."""
        return self.unary("sigmoid")

    def relu(self) -> List2D:
        """x where x > 0, else 0.0, elementwise (nan stays nan, -0.0 stays -0.0)."""
        return self.unary("relu")

    def sin(self) -> List2D:
        """Sine, elementwise (nan at +-inf)."""
        return self.unary("sin")

    def cos(self) -> List2D:
        """Cosine, elementwise (nan at +-inf)."""
        return self.unary("cos")

    def erf(self) -> List2D:
        """The error function, elementwise (+-1 at +-inf)."""
        return self.unary("erf")

    # -- matrix products --------------------------------------------------------------------
    def __check_matmul(self, rhs: Any, op: str, inner: tuple[int, int]) -> None:
        if not isinstance(rhs, List2D):
            raise TypeError(f"{op}: expected a List2D, got {type(rhs).__name__}")
        self.__check_backend(rhs, op)
        if inner[0] != inner[1]:
            raise ValueError(f"{op}: cannot multiply {self.shape} by {rhs.shape}")

    def __matmul__(self, rhs: List2D) -> List2D:
        """Matrix product: (n, k) @ (k, m) -> (n, m)."""
        self.__check_matmul(rhs, "matmul", (self.ncol, getattr(rhs, "nrow", -1)))
        return self.__new(self.kernels.matmul(self.vals, rhs.vals))

    def matmul_t(self, rhs: List2D) -> List2D:
        """self @ rhs.T without building the transpose: (n, k), (m, k) -> (n, m)."""
        self.__check_matmul(rhs, "matmul_t", (self.ncol, getattr(rhs, "ncol", -1)))
        return self.__new(self.kernels.matmul_t(self.vals, rhs.vals))

    def t_matmul(self, rhs: List2D) -> List2D:
        """self.T @ rhs without building the transpose: (k, n), (k, m) -> (n, m)."""
        self.__check_matmul(rhs, "t_matmul", (self.nrow, getattr(rhs, "nrow", -1)))
        return self.__new(self.kernels.t_matmul(self.vals, rhs.vals))

    @property
    def T(self) -> List2D:
        """The transpose."""
        return self.__new(self.kernels.transpose(self.vals))

    # -- reductions -------------------------------------------------------------------------
    def sum(self, dim: int | None = None, op: str = "sum") -> List2D:
        """Sum of all elements (1x1), down each column (dim=0) or along each row (dim=1)."""
        return self.__new(self.kernels.sum(self.vals, check_dim(dim, op)))

    def count(self, dim: int | None = None) -> int:
        """How many elements a reduction over dim combines."""
        return self.nrow * self.ncol if dim is None else self.shape[dim]

    def mean(self, dim: int | None = None, op: str = "mean") -> List2D:
        """Mean over dim (as for sum)."""
        dim = check_dim(dim, op)
        return self.sum(dim) / self.count(dim)

    def var(self, dim: int | None = None, correction: int = 1) -> List2D:
        """sum((x - mean)^2) / (count - correction) over dim; correction=1 is unbiased. nan
        when count - correction <= 0, as in torch."""
        dim = check_dim(dim, "var")
        correction = check_number(correction, "var", "correction")
        centred = self - self.mean(dim)
        return (centred * centred).sum(dim) / max(self.count(dim) - correction, 0.0)

    def max(self, dim: int | None = None) -> List2D:
        """Largest element over dim (as for sum)."""
        return self.__new(self.kernels.max(self.vals, check_dim(dim, "max")))

    def min(self, dim: int | None = None) -> List2D:
        """Smallest element over dim (as for sum)."""
        return self.__new(self.kernels.min(self.vals, check_dim(dim, "min")))

    def argmax(self, dim: int | None = None) -> List2D:
        """Position of the first largest element over dim, as floats (flat when dim is None)."""
        return self.__new(self.kernels.argmax(self.vals, check_dim(dim, "argmax")))

    def argmin(self, dim: int | None = None) -> List2D:
        """Position of the first smallest element over dim, as floats (flat when dim is None)."""
        return self.__new(self.kernels.argmin(self.vals, check_dim(dim, "argmin")))

    def softmax(self, dim: int = 1) -> List2D:
        """exp(x) / sum(exp(x)) over dim, shifted by the max so that exp never overflows."""
        dim = check_dim(dim, "softmax")
        e = (self - self.max(dim)).exp()
        return e / e.sum(dim)

    def log_softmax(self, dim: int = 1) -> List2D:
        """log(softmax(x)) over dim, computed stably as (x - max) - log(sum(exp(x - max)))."""
        dim = check_dim(dim, "log_softmax")
        shifted = self - self.max(dim)
        return shifted - shifted.exp().sum(dim).log()

    # -- shape ------------------------------------------------------------------------------
    def reshape(self, nrow: int, ncol: int, op: str = "reshape") -> List2D:
        """The same elements (row-major order) in a new shape; one size may be -1. op names the
        function the user called in errors."""
        size = self.nrow * self.ncol
        nrow, ncol = plain_scalar(nrow), plain_scalar(ncol)
        if nrow == -1 and isinstance(ncol, int) and ncol > 0 and size % ncol == 0:
            nrow = size // ncol
        elif ncol == -1 and isinstance(nrow, int) and nrow > 0 and size % nrow == 0:
            ncol = size // nrow
        check_size(nrow, ncol, op)
        if nrow * ncol != size:
            raise ValueError(f"{op}: cannot reshape {self.shape} ({size} values) to {(nrow, ncol)}")
        return self.__new(self.kernels.reshape(self.vals, nrow, ncol))

    def broadcast_to(self, nrow: int, ncol: int) -> List2D:
        """Stretch dimensions of size 1 to (nrow, ncol)."""
        if self.shape == (nrow, ncol):
            return self
        if broadcast_shape(self.shape, (nrow, ncol), "broadcast_to") != (nrow, ncol):
            raise ValueError(f"broadcast_to: cannot broadcast {self.shape} to {(nrow, ncol)}")
        return self.__new(self.kernels.broadcast_to(self.vals, nrow, ncol))

    def sum_to(self, nrow: int, ncol: int) -> List2D:
        """Undo broadcasting: sum over each dimension that was stretched to give this shape."""
        out = self
        if nrow == 1 and out.nrow != 1:
            out = out.sum(0)
        if ncol == 1 and out.ncol != 1:
            out = out.sum(1)
        return out

    def __getitem__(self, key: Any) -> List2D:
        """m[i] (row i, 1xN), m[i, j] (1x1), m[a:b], m[::-1], m[:, j] (Nx1), m[[i, k, i]]."""
        return self.take(*normalize_key(key, self.nrow, self.ncol, "index"))

    def take(self, rows: list[int], cols: slice) -> List2D:
        """The elements at a normalised key (see `normalize_key`)."""
        return self.__new(self.kernels.take(self.vals, rows, cols))

    def index_add(self, nrow: int, ncol: int, rows: list[int], cols: slice) -> List2D:
        """Zeros of (nrow, ncol) with self added at a normalised key; repeated rows add up
        (the gradient of `take`)."""
        return self.__new(self.kernels.index_add(nrow, ncol, rows, cols, self.vals))

    # -- fused and in-place updates, for optimizers -----------------------------------------
    # torch's names. The `_` methods here write into this List2D's storage instead of
    # replacing it, so use them only on storage you own, such as an optimizer's buffers or a
    # fresh result: a view that shares it (a numpy transpose, say) would change too. Operands
    # are numbers or List2Ds of this one's shape (no broadcasting).
    def __same_shape(self, op: str, *others: Any) -> list[Any]:
        """The raw values of List2D operands of this shape and backend, checked."""
        for other in others:
            if not isinstance(other, List2D):
                raise TypeError(f"{op}: expected a List2D, got {type(other).__name__}")
            self.__check_backend(other, op)
            if other.shape != self.shape:
                raise ValueError(f"{op}: expected shape {self.shape}, got {other.shape}")
        return [other.vals for other in others]

    def __inplace_binary(self, name: str, other: Number | List2D, op: str) -> List2D:
        b = self.__operand(other, op)
        if isinstance(other, List2D):
            self.__same_shape(op, other)
        self.__own_storage()
        return self.__replace(self.kernels.binary_(name, self.vals, b))

    def __fused(
        self, kernel: str, op: str, operands: tuple[Any, ...], number: Any, what: str
    ) -> List2D:
        """The fused kernel's result: written in place for an op named with `_`, else new."""
        raws = self.__same_shape(op, *operands)
        scalar = check_number(number, op, what)
        in_place = op.endswith("_")
        if in_place:
            self.__own_storage()
        raw = getattr(self.kernels, kernel)(self.vals, *raws, scalar, in_place)
        return self.__replace(raw) if in_place else self.__new(raw)

    def add(self, other: List2D, alpha: Number = 1.0) -> List2D:
        """self + alpha * other, in one pass (torch.add with alpha); broadcasts as `+` does."""
        if isinstance(other, List2D) and other.shape != self.shape:
            broadcast_shape(self.shape, other.shape, "add")
            return self + other * check_number(alpha, "add", "alpha")  # same rounding
        return self.__fused("add_scaled", "add", (other,), alpha, "alpha")

    def add_(self, other: Number | List2D, alpha: Number = 1.0) -> List2D:
        """self += alpha * other, written in place."""
        if isinstance(other, List2D):
            return self.__fused("add_scaled", "add_", (other,), alpha, "alpha")
        scale = check_number(alpha, "add_", "alpha")
        return self.__inplace_binary("add", check_number(other, "add_", "other") * scale, "add_")

    def mul_(self, other: Number | List2D) -> List2D:
        """self *= other, written in place."""
        return self.__inplace_binary("mul", other, "mul_")

    def div_(self, other: Number | List2D) -> List2D:
        """self /= other, written in place."""
        return self.__inplace_binary("div", other, "div_")

    def maximum_(self, other: Number | List2D) -> List2D:
        """self = maximum(self, other), written in place (nan if either is nan)."""
        return self.__inplace_binary("maximum", other, "maximum_")

    def addcmul(self, tensor1: List2D, tensor2: List2D, value: Number = 1.0) -> List2D:
        """self + value * tensor1 * tensor2, in one pass (torch.addcmul)."""
        return self.__fused("addcmul", "addcmul", (tensor1, tensor2), value, "value")

    def addcmul_(self, tensor1: List2D, tensor2: List2D, value: Number = 1.0) -> List2D:
        """self += value * tensor1 * tensor2, written in place."""
        return self.__fused("addcmul", "addcmul_", (tensor1, tensor2), value, "value")

    def addcdiv(self, tensor1: List2D, tensor2: List2D, value: Number = 1.0) -> List2D:
        """self + value * tensor1 / tensor2, in one pass (torch.addcdiv)."""
        return self.__fused("addcdiv", "addcdiv", (tensor1, tensor2), value, "value")

    def addcdiv_(self, tensor1: List2D, tensor2: List2D, value: Number = 1.0) -> List2D:
        """self += value * tensor1 / tensor2, written in place."""
        return self.__fused("addcdiv", "addcdiv_", (tensor1, tensor2), value, "value")

    def lerp_(self, end: List2D, weight: Number) -> List2D:
        """self += weight * (end - self), written in place, with torch.lerp's rounding."""
        return self.__fused("lerp", "lerp_", (end,), weight, "weight")

    @property
    def has_fused_adam(self) -> bool:
        """Whether this List2D's backend has the fused Adam kernel (numpy and cupy do)."""
        return self.kernels.adam is not None

    def adam_step(
        self,
        grad: List2D,
        exp_avg: List2D,
        exp_avg_sq: List2D,
        max_exp_avg_sq: List2D | None,
        hyper: AdamStep,
    ) -> List2D:
        """The value of this parameter after one Adam step (a new List2D), in one fused kernel;
        the moment buffers, which the optimizer owns, are written in place. The plain version,
        which this equals bit for bit, is `match.optim.Adam._update`."""
        buffers = [exp_avg, exp_avg_sq] + ([] if max_exp_avg_sq is None else [max_exp_avg_sq])
        raws = self.__same_shape("Adam", grad, *buffers)
        for number, what in zip(hyper, AdamStep._fields):
            check_number(number, "Adam", what)
        if max_exp_avg_sq is None:
            raws.append(None)
        raw = self.kernels.adam(self.vals, *raws, hyper)
        for buffer in buffers:
            buffer.__replace(buffer.vals)
        return self.__new(raw)

    def set_(self, source: List2D) -> List2D:
        """Take source's storage as this List2D's, without a copy (torch's set_), in place: the
        way to install a fresh result, such as an optimizer's update of a parameter. source
        must not be written to afterwards."""
        if not isinstance(source, List2D) or source.shape != self.shape:
            self.__same_shape("set_", source)  # raises, naming what is wrong
        self.__check_backend(source, "set_")
        self.__replace(source.vals)
        return self

    # -- torch's names, for `.data` and `.grad` used as torch tensors ------------------------
    # `p.grad.norm()`, `p.grad.abs().max().item()`, `p.grad.zero_()`, `p.data.clone()`,
    # `p.data -= lr * p.grad`: values without a graph, as torch's `.data` and `.grad` are.
    # The in-place operators write into this List2D (a new version), so every Matrix that
    # holds it sees the change. A Matrix operand gives its values.
    def __in_place(self, op: str, value: List2D) -> List2D:
        if value.shape != self.shape:
            raise RuntimeError(
                f"{op}: the result has shape {value.shape}, which does not fit in this "
                f"{self.shape} List2D (an in-place result keeps its shape)"
            )
        return self.set_(value)

    def __iadd__(self, other: Any) -> List2D:
        return self.__in_place("+=", self + getattr(other, "data", other))

    def __isub__(self, other: Any) -> List2D:
        return self.__in_place("-=", self - getattr(other, "data", other))

    def __imul__(self, other: Any) -> List2D:
        return self.__in_place("*=", self * getattr(other, "data", other))

    def __itruediv__(self, other: Any) -> List2D:
        return self.__in_place("/=", self / getattr(other, "data", other))

    def sub_(self, other: Any, alpha: Number = 1.0) -> List2D:
        """self -= alpha * other, in place."""
        return self.__in_place("sub_", self - getattr(other, "data", other) * alpha)

    def clamp_(self, min: Number | None = None, max: Number | None = None) -> List2D:
        """Every element limited to [min, max], in place."""
        return self.set_(self.clamp(min, max))

    def zero_(self) -> List2D:
        """Set every element to 0.0, in place (torch's name for zeros_)."""
        return self.fill_(0.0)

    def clone(self) -> List2D:
        """A copy (torch's name for copy)."""
        return self.copy()

    def detach(self) -> List2D:
        """self: a List2D has no graph to cut."""
        return self

    @property
    def data(self) -> List2D:
        """self: torch's `x.grad.data` (a List2D already holds values without a graph)."""
        return self

    def norm(self, p: Number = 2) -> List2D:
        """The p-norm of all elements, as a 1x1 List2D: (sum |x|^p)^(1/p)."""
        p = check_number(p, "norm", "p")
        if p == INF:
            return self.abs().max()
        return (self.abs() ** p).sum() ** (1.0 / p) if p != 2 else (self * self).sum().sqrt()

    def numel(self) -> int:
        """The number of elements."""
        return self.nrow * self.ncol

    def dim(self) -> int:
        """2: Match's values are 2D."""
        return 2

    def size(self, dim: int | None = None) -> Any:
        """The shape, or its size along dim."""
        return self.shape if dim is None else self.shape[check_dim(dim, "size", False)]

    def __float__(self) -> float:
        return self.item()

    def __format__(self, spec: str) -> str:
        """f"{p.grad.norm():.4f}": a 1x1 List2D formats as its number."""
        if self.shape == (1, 1):
            return format(self.item(), spec)
        return format(repr(self), spec)


__all__ = ["List2D", "manual_seed", "rng"]
