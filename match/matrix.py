"""Matrix: the operations of the compute graph. Read `autograd.py` first.

Each operation does three things: it computes its value with List2D (Matrix does no arithmetic
of its own), defines `backward(g)`, a closure that adds each input's share of the gradient, and
returns `_result(...)`, a new node that remembers its inputs and that closure.

The operations come in two groups:

- *Primitives* have a hand-written backward. Every closure has the same shape: a one-line
  comment giving the derivative, then one `_accumulate` per input. An `if x.requires_grad:` guard
  before an accumulate skips computing a gradient nobody needs (common for a constant operand:
  `x * 2`, a target, a mask).
- *Composites* are one or a few lines of other operations, with no backward of their own: the
  chain rule through their parts gives the gradient for free. Write a new op this way first.

Shapes are always 2D, and binary operations broadcast; `_accumulate` sums a stretched input's
gradient back to its shape.

One `where(cond, input, other)`, below: on matrices it records a node, on values (a List2D, as
in a closure) it is `List2D.where` and returns values; `Matrix.where(cond, other)` is torch's
method spelling of the same call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .autograd import Backward, Node
from .checks import check_flag, plain_scalar
from .grad_mode import is_grad_enabled
from .list2d import INF, List2D
from .shapes import (
    Number,
    Shape,
    broadcast_shape,
    check_dim,
    cumulative,
    format_rows,
    normalize_key,
    size_args,
)
from .torch_surface import (
    TorchMethods,
    ValuesIndices,
    check_positions_compare,
    torch_index,
    torch_key,
)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)  # erf's derivative at 0


def _result(
    op: str,
    value: List2D,
    inputs: tuple[Matrix, ...],
    backward: Backward,
    saved: tuple[List2D, ...] = (),
) -> Matrix:
    """The Matrix an operation returns: every op makes its result here.

    It joins the graph (remembers inputs and closure) only while recording and when an input
    tracks gradients; otherwise it keeps no references at all. `saved` lists the values the
    closure reads, so that backward can refuse one changed in place since.
    """
    out = Matrix(value, requires_grad=False)
    out.op = op
    if is_grad_enabled():
        for m in inputs:
            if m.requires_grad:
                out._record(inputs, backward, saved)
                break
    return out


class Matrix(Node, TorchMethods):
    """A 2D matrix of floats that records the operations made with it, so gradients can flow back.

    `data` holds the values and `grad` the gradient (both List2D). A Matrix made by a
    constructor (`mat`, `randn`, ...) tracks gradients unless `requires_grad=False`; the result of
    an operation tracks them when any input does (outside `no_grad`).
    """

    __array_ufunc__ = None  # numpy scalars on the left defer to Matrix: np.float64(2) * m works
    _integer = False  # True for positions (argmax, arange, multinomial): tolist gives ints
    _vector = False  # True for a (1, n) row that is a 1-D tensor in torch: dim() is 1

    def __init__(
        self,
        data: List2D | Sequence[Sequence[Number]],
        requires_grad: bool = True,
        name: str | None = None,
    ) -> None:
        """A leaf holding a List2D (shared, not copied) or a copy of nested lists."""
        if not isinstance(data, List2D):
            data = List2D.from_2d_list(data, "Matrix")
        if requires_grad is not True and requires_grad is not False:
            check_flag(requires_grad, "Matrix", "requires_grad")
        super().__init__(data, requires_grad, name)

    def __getstate__(self) -> dict[str, Any]:
        """What pickle and `copy.deepcopy` keep: the values, requires_grad, name and a leaf's
        grad, but not the graph (its backward closures cannot be pickled), so a result comes
        back as a leaf without a grad, as torch pickles one."""
        grad = self._grad if self.is_leaf else None
        kept = {"data": self.data, "requires_grad": self.requires_grad, "name": self.name}
        return {**kept, "_grad": grad, **vars(self)}  # vars: attributes set by the user

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A leaf from `__getstate__`'s dict."""
        state = dict(state)
        Node.__init__(self, state.pop("data"), state.pop("requires_grad"), state.pop("name"))
        for key, value in state.items():
            setattr(self, key, value)

    # -- properties and conversion ----------------------------------------------------------
    @property
    def shape(self) -> Shape:
        """(nrow, ncol)."""
        return self.data.nrow, self.data.ncol

    @property
    def nrow(self) -> int:
        """Number of rows."""
        return self.data.nrow

    @property
    def ncol(self) -> int:
        """Number of columns."""
        return self.data.ncol

    @property
    def vals(self) -> Any:
        """The raw values, `data.vals` (rows of floats on the python backend)."""
        return self.data.vals

    def __len__(self) -> int:
        return self.data.nrow

    def item(self) -> float:
        """The value of a 1x1 Matrix as a Python float (an int for positions, as torch)."""
        value = self.data.item()
        return int(value) if self._integer else value

    def numel(self) -> int:
        """The number of elements, nrow * ncol."""
        return self.data.nrow * self.data.ncol

    def size(self, dim: int | None = None) -> Any:
        """The shape (nrow, ncol), or its size along dim."""
        return self.shape if dim is None else self.shape[check_dim(dim, "size", False)]

    def dim(self) -> int:
        """2: Match's matrices are 2D; 1 for a (1, n) row that stands for a torch vector (a
        bias, a norm's weight, `zeros(n)`), so that nanoGPT's `p.dim() >= 2` groups as torch."""
        return 1 if self._vector else 2

    def float(self) -> Matrix:
        """Match computes in float64 only: self, or a float copy of a matrix of positions."""
        return Matrix(self.data, requires_grad=False) if self._integer else self

    double = float

    def __bool__(self) -> bool:
        """Truth of a 1x1 matrix; larger ones are ambiguous (as in torch) and raise."""
        if self.shape != (1, 1):
            raise RuntimeError(
                f"bool: the truth value of a {self.shape} Matrix is ambiguous; "
                "use (m != 0).sum().item() > 0 for any, or .min().item() != 0 for all"
            )
        return bool(self.data.item())

    def __float__(self) -> float:
        return self.__scalar("float")

    def __int__(self) -> int:
        return int(self.__scalar("int"))

    def __scalar(self, op: str) -> float:
        """The value of a 1x1 matrix; an error naming op (float, int) for any other shape."""
        if self.shape != (1, 1):
            raise ValueError(f"{op}: only a 1x1 matrix converts to a number, got {self.shape}")
        return self.data.item()

    def __index__(self) -> int:
        value = self.data.item()
        if not value.is_integer():
            raise TypeError(f"index: only an integer-valued 1x1 Matrix is an index, got {value}")
        return int(value)

    def tolist(self) -> list[list[Any]]:
        """The values as plain nested Python lists (of ints for positions, as torch)."""
        rows = self.data.tolist()
        return [[int(x) for x in row] for row in rows] if self._integer else rows

    def __repr__(self) -> str:
        extra = f", op={self.op}" if self.op else ""
        extra += ", requires_grad=True" if self.requires_grad and not self.op else ""
        extra += f", name={self.name!r}" if self.name else ""
        text = format_rows(self.tolist()).replace("\n", "\n       ")
        return f"Matrix({text}, shape={self.shape}{extra})"

    def detach(self) -> Matrix:
        """The same values (shared `data`) cut from the graph, tracking no gradient."""
        return Matrix(self.data, requires_grad=False, name=self.name)

    def requires_grad_(self, requires_grad: bool = True) -> Matrix:
        """Switch gradient tracking of this leaf on or off, in place."""
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"requires_grad_: requires_grad must be a bool, got {type(requires_grad).__name__}"
            )
        if not self.is_leaf:
            raise RuntimeError(f"requires_grad_: only leaf matrices can change it ({self.op})")
        self.requires_grad = bool(requires_grad)
        return self

    # -- in place: only where no graph is recorded (autograd records no in-place changes) ----
    def __in_place(self, op: str) -> List2D:
        if self.requires_grad and is_grad_enabled():
            raise RuntimeError(
                f"{op}: a matrix that requires grad cannot be changed in place while gradients "
                "are recorded; use `with match.no_grad():` (as for parameter updates)"
            )
        return self.data

    def fill_(self, value: Number) -> Matrix:
        """Set every element to value, in place."""
        self.__in_place("fill_").fill_(value)
        return self

    def zero_(self) -> Matrix:
        """Set every element to 0, in place."""
        self.__in_place("zero_").fill_(0.0)
        return self

    def normal_(self, mean: Number = 0.0, std: Number = 1.0) -> Matrix:
        """Fill with samples of N(mean, std^2), in place (see `match.manual_seed`)."""
        self.__in_place("normal_").normal_(mean, std)
        return self

    def uniform_(self, a: Number = 0.0, b: Number = 1.0) -> Matrix:
        """Fill with samples of the uniform distribution on [a, b), in place."""
        self.__in_place("uniform_").uniform_(a, b)
        return self

    def to_backend(self, name: str | None = None) -> Matrix:
        """A leaf copy on another backend (default: the active one); see `match.accel`."""
        return Matrix(self.data.to_backend(name), requires_grad=self.requires_grad, name=self.name)

    def _operand(self, other: Any, op: str) -> Matrix:
        """Numbers (numpy and torch scalars too) and List2Ds become constant matrices; anything
        else is a TypeError."""
        if isinstance(other, Matrix):
            return other
        other = plain_scalar(other)
        if isinstance(other, bool):  # as torch: m + True is m + 1
            other = float(other)
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Matrix(self.data.new_full(1, 1, other), requires_grad=False)
        if isinstance(other, List2D):
            return Matrix(other, requires_grad=False)
        raise TypeError(
            f"{op}: unsupported operand type {type(other).__name__} for a Matrix "
            "(expected Matrix, List2D or number)"
        )

    # =========================================================================================
    # Primitives: a value and a hand-written backward
    # =========================================================================================

    def __add__(self, rhs: Matrix | Number) -> Matrix:
        """self + rhs."""
        rhs = self._operand(rhs, "add")

        def backward(g: List2D) -> None:
            # d(a + b)/da = 1, d(a + b)/db = 1
            self._accumulate(g)
            rhs._accumulate(g)

        return _result("add", self.data + rhs.data, (self, rhs), backward)

    def __mul__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self * rhs."""
        rhs = self._operand(rhs, "mul")
        a, b = self.data, rhs.data

        def backward(g: List2D) -> None:
            # d(a * b)/da = b, d(a * b)/db = a
            if self.requires_grad:
                self._accumulate(g * b)
            if rhs.requires_grad:
                rhs._accumulate(g * a)

        return _result("mul", a * b, (self, rhs), backward, saved=(a, b))

    def __truediv__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self / rhs (inf or nan where dividing by zero, as in IEEE arithmetic)."""
        rhs = self._operand(rhs, "div")
        a, b = self.data, rhs.data

        def backward(g: List2D) -> None:
            # d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2 (grouped as torch groups it, so that
            # infinities and overflow give torch's answer)
            if self.requires_grad:
                self._accumulate(g / b)
            if rhs.requires_grad:
                rhs._accumulate(-g * (a / b / b))

        return _result("div", a / b, (self, rhs), backward, saved=(a, b))

    def __pow__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self ** rhs (a number or a Matrix exponent). A number exponent gives
        torch's answer for a number: x ** 0.5 is sqrt(x), so (-inf) ** 0.5 is nan."""
        number = isinstance(rhs, (int, float)) and not isinstance(rhs, bool)
        power = float(rhs) if number else None
        rhs = self._operand(rhs, "pow")
        a, b = self.data, rhs.data
        if power is None:
            power = b
        out = a**power

        def backward(g: List2D) -> None:
            # d(a^b)/da = b a^(b-1), 0 where b is 0; d(a^b)/db = a^b log(a), 0 where a is 0
            # and b >= 0 (torch's masks)
            if self.requires_grad:
                self._accumulate(where(b, g * (b * a ** (power - 1.0)), 0.0))
            if rhs.requires_grad:
                rhs._accumulate(g * where((a == 0.0) * (b >= 0.0), 0.0, out * a.log()))

        return _result("pow", out, (self, rhs), backward, saved=(a, b, out))

    def __neg__(self) -> Matrix:
        """-self."""

        def backward(g: List2D) -> None:
            # d(-a)/da = -1
            self._accumulate(-g)

        return _result("neg", -self.data, (self,), backward)

    def __matmul__(self, rhs: Matrix) -> Matrix:
        """Matrix product: (n, k) @ (k, m) -> (n, m)."""
        if not isinstance(rhs, Matrix):
            raise TypeError(f"matmul: expected a Matrix, got {type(rhs).__name__}")
        a, b = self.data, rhs.data

        def backward(g: List2D) -> None:
            # d(A @ B)/dA = G @ B^T, d(A @ B)/dB = A^T @ G
            if self.requires_grad:
                self._accumulate(g.matmul_t(b))
            if rhs.requires_grad:
                rhs._accumulate(a.t_matmul(g))

        return _result("matmul", a @ b, (self, rhs), backward, saved=(a, b))

    @property
    def T(self) -> Matrix:
        """The transpose."""

        def backward(g: List2D) -> None:
            # the gradient of a transpose is the transposed gradient
            self._accumulate(g.T)

        return _result("transpose", self.data.T, (self,), backward)

    def exp(self) -> Matrix:
        """e^x, elementwise."""
        out = self.data.exp()

        def backward(g: List2D) -> None:
            # d e^x/dx = e^x
            self._accumulate(g * out)

        return _result("exp", out, (self,), backward, saved=(out,))

    def log(self) -> Matrix:
        """Natural logarithm, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d log(x)/dx = 1 / x
            self._accumulate(g / x)

        return _result("log", x.log(), (self,), backward, saved=(x,))

    def log1p(self) -> Matrix:
        """log(1 + x), elementwise, accurate when x is tiny."""
        x = self.data

        def backward(g: List2D) -> None:
            # d log(1 + x)/dx = 1 / (1 + x)
            self._accumulate(g / (x + 1.0))

        return _result("log1p", x.log1p(), (self,), backward, saved=(x,))

    def sqrt(self) -> Matrix:
        """Square root, elementwise."""
        out = self.data.sqrt()

        def backward(g: List2D) -> None:
            # d sqrt(x)/dx = 1 / (2 sqrt(x))
            self._accumulate(g / (2.0 * out))

        return _result("sqrt", out, (self,), backward, saved=(out,))

    def abs(self) -> Matrix:
        """|x|, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d|x|/dx = sign(x) (0 at 0, as in torch)
            self._accumulate(g * x.sign())

        return _result("abs", x.abs(), (self,), backward, saved=(x,))

    def tanh(self) -> Matrix:
        """Hyperbolic tangent, elementwise."""
        out = self.data.tanh()

        def backward(g: List2D) -> None:
            # d tanh(x)/dx = 1 - tanh(x)^2
            self._accumulate(g * (1.0 - out * out))

        return _result("tanh", out, (self,), backward, saved=(out,))

    def sigmoid(self) -> Matrix:
        """1 / (1 + e^-x), elementwise. A primitive for stability: composed of exp and division,
        x = -1000 would give e^1000 = inf and a nan gradient."""
        out = self.data.sigmoid()

        def backward(g: List2D) -> None:
            # d sigmoid(x)/dx = s (1 - s)
            self._accumulate(g * out * (1.0 - out))

        return _result("sigmoid", out, (self,), backward, saved=(out,))

    def relu(self) -> Matrix:
        """max(x, 0), elementwise (nan stays nan, as in torch)."""
        x = self.data

        def backward(g: List2D) -> None:
            # d relu(x)/dx = 0 where x <= 0, else 1 (so nan passes g on, as torch); `where`, not
            # a product with a 0/1 mask, so that an infinite g gives 0 there, not inf * 0 = nan
            self._accumulate(where(x <= 0.0, 0.0, g))

        return _result("relu", x.relu(), (self,), backward, saved=(x,))

    def sin(self) -> Matrix:
        """Sine, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d sin(x)/dx = cos(x)
            self._accumulate(g * x.cos())

        return _result("sin", x.sin(), (self,), backward, saved=(x,))

    def cos(self) -> Matrix:
        """Cosine, elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d cos(x)/dx = -sin(x)
            self._accumulate(-g * x.sin())

        return _result("cos", x.cos(), (self,), backward, saved=(x,))

    def erf(self) -> Matrix:
        """The error function, elementwise (exact GELU needs it)."""
        x = self.data

        def backward(g: List2D) -> None:
            # d erf(x)/dx = 2 / sqrt(pi) * e^(-x^2)
            self._accumulate(g * (-(x * x)).exp() * _TWO_OVER_SQRT_PI)

        return _result("erf", x.erf(), (self,), backward, saved=(x,))

    def sum(self, dim: int | None = None, keepdim: bool = True) -> Matrix:
        """Sum of all elements (1x1), down each column (dim=0, 1xN) or along each row (dim=1,
        Nx1). Results stay 2D, so `keepdim` is accepted for torch's sake and changes nothing."""

        def backward(g: List2D) -> None:
            # d(sum x)/dx_i = 1: every element gets the gradient of its sum
            self._accumulate(g.broadcast_to(*self.shape))

        return _result("sum", self.data.sum(dim), (self,), backward)

    def max(self, dim: Any = None, keepdim: bool = True) -> Any:
        """Largest element overall (1x1), or `(values, indices)` over dim, as torch; `max(other)`
        is `maximum`. Ties: the full max shares the gradient evenly among the tied elements;
        max over dim gives it to the first one (both as torch)."""
        if isinstance(dim, Matrix):
            return maximum(self, dim)
        dim = check_dim(dim, "max")
        value = self.__extreme("max", dim)
        return value if dim is None else ValuesIndices(value, self.argmax(dim))

    def min(self, dim: Any = None, keepdim: bool = True) -> Any:
        """Smallest element overall, or `(values, indices)` over dim (ties as for max)."""
        if isinstance(dim, Matrix):
            return minimum(self, dim)
        dim = check_dim(dim, "min")
        value = self.__extreme("min", dim)
        return value if dim is None else ValuesIndices(value, self.argmin(dim))

    def __extreme(self, op: str, dim: int | None) -> Matrix:
        x = self.data
        value = x.max(dim) if op == "max" else x.min(dim)
        if dim is None:
            # nan == nan is false: a nan result is "chosen" at the nan elements, as torch
            chosen = (x == value) + (x != x) * (value != value)
            chosen = chosen / chosen.sum()
        else:  # a one-hot of the first max: its position compared with every position
            first = x.argmax(dim) if op == "max" else x.argmin(dim)
            positions = range(x.shape[dim])
            along = [[float(j) for j in positions]] if dim == 1 else [[float(i)] for i in positions]
            chosen = x.new_rows(along) == first

        def backward(g: List2D) -> None:
            # d max(x)/dx_i = 1 for the chosen element (or a share of 1 among ties), else 0
            self._accumulate(g * chosen)

        return _result(op, value, (self,), backward)

    def softmax(self, dim: int = 1) -> Matrix:
        """exp(x) / sum(exp(x)) along dim (default 1: each row sums to 1). Hand-written for
        speed: one node instead of five."""
        out = self.data.softmax(dim)
        dim = check_dim(dim, "softmax")

        def backward(g: List2D) -> None:
            # dx = s * (g - sum(g * s)) along dim: the softmax Jacobian applied to g
            self._accumulate(out * (g - (g * out).sum(dim)))

        return _result("softmax", out, (self,), backward, saved=(out,))

    def log_softmax(self, dim: int = 1) -> Matrix:
        """log(softmax(x)) along dim, computed stably. Hand-written for speed, as softmax."""
        out = self.data.log_softmax(dim)
        dim = check_dim(dim, "log_softmax")

        def backward(g: List2D) -> None:
            # dx = g - softmax(x) * sum(g) along dim
            self._accumulate(g - out.exp() * g.sum(dim))

        return _result("log_softmax", out, (self,), backward, saved=(out,))

    def reshape(self, *shape: Any) -> Matrix:
        """The same values in a new shape (row-major order): `reshape(n, m)` or `reshape((n, m))`;
        one size may be -1. `reshape(-1)` (or `reshape(n)`) is the (1, n) row, torch's 1-D."""
        return self.__reshape(shape, "reshape")

    def __reshape(self, shape: tuple[Any, ...], op: str) -> Matrix:
        """reshape and view: errors name op. One size (torch's 1-D `view(-1)`) is a row."""
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list)):
            shape = (1, shape[0])
        nrow, ncol = size_args(shape, op)

        def backward(g: List2D) -> None:
            # reshaping moves values without changing them: reshape the gradient back
            self._accumulate(g.reshape(*self.shape))

        out = _result("reshape", self.data.reshape(nrow, ncol, op), (self,), backward)
        out._integer = self._integer  # positions stay positions (`targets.view(B * T)`)
        return out

    def __getitem__(self, key: Any) -> Matrix:
        """m[i] (row i, 1xN), m[i, j] (1x1), m[a:b], m[::-1] (negative steps work), m[:, j]
        (Nx1), m[[i, k, i]] (gather: repeated rows add their gradients), a matrix of positions
        (`X[ix]`) and a 0/1 mask of m's shape (`m[m > 0]`, the picked elements as a row)."""
        if isinstance(key, Matrix) and (key.shape == self.shape or self.nrow == 1):
            return torch_index(self, key)  # m[mask], or the elements of a vector: Y[ix]
        key = torch_key(key, self.shape, "index")
        rows, cols = normalize_key(key, *self.shape, "index")  # once: later changes to key
        # cannot reach the backward

        def backward(g: List2D) -> None:
            # each selected element passes its gradient back to where it came from
            self._accumulate(g.index_add(*self.shape, rows, cols))

        out = _result("index", self.data.take(rows, cols), (self,), backward)
        out._integer = self._integer  # positions picked from positions are positions
        return out

    # =========================================================================================
    # Composites: built from the operations above, no backward of their own
    # =========================================================================================

    def __radd__(self, lhs: Number) -> Matrix:
        return self + lhs

    def __sub__(self, rhs: Matrix | Number) -> Matrix:
        """self - rhs, as self + (-rhs)."""
        rhs = self._operand(rhs, "sub")
        broadcast_shape(self.shape, rhs.shape, "sub")  # so that an error names sub, not add
        return self + -rhs

    def __rsub__(self, lhs: Number) -> Matrix:
        return -self + lhs

    def __rmul__(self, lhs: Number) -> Matrix:
        return self * lhs

    def __rtruediv__(self, lhs: Number) -> Matrix:
        return self._operand(lhs, "div") / self

    def __rpow__(self, lhs: Number) -> Matrix:
        return self._operand(lhs, "pow") ** self

    def mean(self, dim: int | None = None, keepdim: bool = True) -> Matrix:
        """Mean over all elements or over dim (as for sum)."""
        dim = check_dim(dim, "mean")  # checked first so the error names mean, not sum
        return self.sum(dim) / self.data.count(dim)

    def var(self, dim: int | None = None, correction: int = 1, keepdim: bool = True) -> Matrix:
        """Variance over all elements or over dim: sum((x - mean)^2) / (n - correction).
        correction=1 (the default) is unbiased; n - correction <= 0 gives nan, as in torch."""
        dim = check_dim(dim, "var")
        if not isinstance(correction, (int, float)) or isinstance(correction, bool):
            raise TypeError(f"var: correction must be a number, got {type(correction).__name__}")
        centred = self - self.mean(dim)
        return (centred * centred).sum(dim) / max(self.data.count(dim) - correction, 0.0)

    def leaky_relu(self, negative_slope: float = 0.01) -> Matrix:
        """x where x > 0, else negative_slope * x."""
        slope = _number(negative_slope, "leaky_relu", "negative_slope")
        return where(self > 0.0, self, self * slope)

    def clamp(self, min: Number | None = None, max: Number | None = None) -> Matrix:
        """Each element limited to [min, max] (None: open). The gradient passes where min <= x
        <= max, as in torch; when min > max every element is max."""
        limited = self.data.clamp(min, max)
        low = -INF if min is None else min
        high = INF if max is None else max
        inside = (self.data >= low) * (self.data <= high)
        return where(inside, self, limited)

    def softplus(self, beta: float = 1.0, threshold: float = 20.0) -> Matrix:
        """log(1 + e^(beta x)) / beta, and x itself where beta x > threshold, as torch computes
        it. The branch `where` does not take still gets a zero gradient times its local
        derivative, so that branch sees 0 instead of a large beta x: e^(beta x) stays finite,
        and 0 * inf = nan never happens. A nan x takes the smooth branch, so its gradient is
        nan, as torch's."""
        beta = _number(beta, "softplus", "beta")
        threshold = _number(threshold, "softplus", "threshold")
        scaled = self * beta
        linear = scaled > threshold
        smooth = where(linear, 0.0, scaled).exp().log1p() / beta
        return where(linear, self, smooth)

    def argmax(self, dim: int | None = None, keepdim: bool = True) -> Matrix:
        """Position of the largest element (flat when dim is None); `tolist()` gives ints."""
        return positions(self.data.argmax(dim))

    def argmin(self, dim: int | None = None, keepdim: bool = True) -> Matrix:
        """Position of the smallest element (flat when dim is None); `tolist()` gives ints."""
        return positions(self.data.argmin(dim))

    def linear(self, weight: Matrix, bias: Matrix | None = None) -> Matrix:
        """self @ weight.T + bias, as torch.nn.functional.linear (weight is out x in)."""
        if not isinstance(weight, Matrix) or not isinstance(bias, (Matrix, type(None))):
            raise TypeError("linear: weight and bias must be Matrices")
        if weight.ncol != self.ncol:
            raise ValueError(
                f"linear: cannot multiply {self.shape} by weight.T, weight {weight.shape}"
            )
        out = self @ weight.T
        return out if bias is None else out + bias

    def clone(self) -> Matrix:
        """A copy that stays in the graph (x * 1 copies every value, -0.0 and nan included)."""
        return self * 1.0

    def view(self, *shape: Any) -> Matrix:
        """The same as reshape: `m.view(3, 2)` or `m.view((3, 2))`."""
        return self.__reshape(shape, "view")

    def flatten(self) -> Matrix:
        """All elements in one row, (1, nrow * ncol), in row-major order."""
        return self.reshape(1, -1)

    def masked_fill(self, mask: Matrix | List2D, value: Number) -> Matrix:
        """value where mask is non-zero (a comparison result or a 0/1 matrix), else self."""
        mask_data = mask.data if isinstance(mask, Matrix) else mask
        if not isinstance(mask_data, List2D):
            raise TypeError(f"masked_fill: mask must be a Matrix, got {type(mask).__name__}")
        if any(m not in (1, n) for m, n in zip(mask_data.shape, self.shape)):
            raise ValueError(
                f"masked_fill: mask shape {mask_data.shape} does not broadcast to {self.shape}"
            )
        return where(mask, _number(value, "masked_fill", "value"), self)

    def where(self, condition: Matrix | List2D, other: Matrix | Number) -> Matrix:
        """self where condition is non-zero, else other (torch's `x.where(condition, y)`)."""
        return where(condition, self, other)

    def tril(self, diagonal: int = 0) -> Matrix:
        """The lower triangle: zeros above the given diagonal (0 is the main one)."""
        return where(self.__triangle(diagonal, "tril"), self, 0.0)

    def triu(self, diagonal: int = 0) -> Matrix:
        """The upper triangle: zeros below the given diagonal (0 is the main one)."""
        return where(1.0 - self.__triangle(diagonal, "triu", shift=-1), self, 0.0)

    def __triangle(self, diagonal: int, op: str, shift: int = 0) -> List2D:
        """1.0 where column - row <= diagonal: a column of row numbers against a row of column
        numbers, compared with broadcasting (no Python loop over the elements)."""
        if not isinstance(diagonal, int) or isinstance(diagonal, bool):
            raise TypeError(f"{op}: diagonal must be an int, got {type(diagonal).__name__}")
        rows = self.data.new_rows([[float(i + diagonal + shift)] for i in range(self.nrow)])
        cols = self.data.new_rows([[float(j) for j in range(self.ncol)]])
        return cols <= rows

    def gather(self, dim: int, index: Any) -> Matrix:
        """out[i][j] = self[index[i][j]][j] (dim=0) or self[i][index[i][j]] (dim=1), as
        torch.gather. Composed: each column of positions becomes a one-hot mask (one broadcast
        comparison), and summing `where(mask, self, 0)` picks the elements (where, not a product
        with the mask, so that an inf elsewhere in the row cannot turn the sum into nan)."""
        dim = check_dim(dim, "gather", allow_none=False)
        if dim == 0:
            return self.T.gather(1, _index_rows(index, "gather").T).T
        index = _index_rows(index, "gather")
        nrow, ncol = index.shape
        if nrow > self.nrow or any(not 0 <= i < self.ncol for row in index.tolist() for i in row):
            raise IndexError(
                f"gather: index of shape {index.shape} with values outside 0 .. {self.ncol - 1}, "
                f"or more rows than the input's {self.shape}"
            )
        source = self if nrow == self.nrow else self[:nrow]
        columns = self.data.new_rows([[float(j) for j in range(self.ncol)]])
        picked = [where(columns == index[:, j], source, 0.0).sum(1) for j in range(ncol)]
        return picked[0] if ncol == 1 else cat(picked, 1)

    # -- comparisons: 0/1 matrices, with no gradient ----------------------------------------
    def __compare(self, rhs: Any, op: str) -> Matrix:
        check_positions_compare(self, rhs, op)
        other = self._operand(rhs, op).data
        return Matrix(getattr(self.data, f"__{op}__")(other), requires_grad=False)

    def __gt__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "gt")

    def __ge__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "ge")

    def __lt__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "lt")

    def __le__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "le")

    def __eq__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "eq")

    def __ne__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        return self.__compare(rhs, "ne")

    __hash__ = object.__hash__  # elementwise == must not make Matrix unhashable


def positions(value: List2D) -> Matrix:
    """A matrix of positions (argmax, arange, samples): no gradient, `tolist()` gives ints."""
    out = Matrix(value, requires_grad=False)
    out._integer = True
    return out


def _index_rows(index: Any, op: str) -> List2D:
    """Positions given as a Matrix, a List2D or nested lists of ints, as a List2D."""
    if isinstance(index, Matrix):
        index = index.data
    if not isinstance(index, List2D):
        index = List2D.from_2d_list(index, op)
    if any(not float(x).is_integer() for row in index.tolist() for x in row):
        raise TypeError(f"{op}: index must hold whole numbers, got {index!r:.80}")
    return index


def _number(value: Any, op: str, what: str) -> float:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{op}: {what} must be a number, got {type(value).__name__}")
    return float(value)


def _matrices(items: Any, op: str) -> list[Matrix]:
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{op}: expected a non-empty list of matrices")
    for m in items:
        if not isinstance(m, Matrix):
            raise TypeError(f"{op}: expected Matrix items, got {type(m).__name__}")
    return list(items)


# ---------------------------------------------------------------------------------------------
# Primitives of several matrices
# ---------------------------------------------------------------------------------------------


def cat(matrices: Sequence[Matrix], dim: int = 0) -> Matrix:
    """Join matrices top to bottom (dim=0) or side by side (dim=1)."""
    parts = _matrices(matrices, "cat")
    value = List2D.cat([m.data for m in parts], dim)
    dim = check_dim(dim, "cat", allow_none=False)
    starts = cumulative(m.shape[dim] for m in parts)

    def backward(g: List2D) -> None:
        # each input gets back its own block of the gradient
        for m, start, stop in zip(parts, starts, starts[1:]):
            if m.requires_grad:
                m._accumulate(g[start:stop] if dim == 0 else g[:, start:stop])

    return _result("cat", value, tuple(parts), backward)


def stack(matrices: Sequence[Matrix], dim: int = 0) -> Matrix:
    """Rows (1 x N matrices) stacked into a k x N matrix (dim=0), or side by side as columns of
    an N x k matrix (dim=1): torch.stack for the 1D tensors Match writes as rows."""
    parts = _matrices(matrices, "stack")
    dim = check_dim(dim, "stack", allow_none=False)
    for m in parts:
        if m.nrow != 1 or m.shape != parts[0].shape:
            raise ValueError(
                f"stack: expected rows (1 x N matrices) of one shape, got {parts[0].shape} and "
                f"{m.shape}"
            )
    return cat(parts, 0) if dim == 0 else cat([m.T for m in parts], 1)


def tril(m: Matrix, diagonal: int = 0) -> Matrix:
    """The lower triangle of m (see `Matrix.tril`)."""
    return _matrices([m], "tril")[0].tril(diagonal)


def triu(m: Matrix, diagonal: int = 0) -> Matrix:
    """The upper triangle of m (see `Matrix.triu`)."""
    return _matrices([m], "triu")[0].triu(diagonal)


def where(condition: Matrix | List2D, input: Matrix | Number, other: Matrix | Number) -> Matrix:
    """input where condition is non-zero, else other (all three broadcast), as torch.where.

    The condition gets no gradient. Beware the classic trap: the branch not taken still gets a
    zero gradient times its local derivative, so keep that branch finite (see `softplus`).

    Called with values (a List2D branch and no Matrix, as gradient closures call it), it is
    `List2D.where` and returns a List2D: so a closure's text works on values today and on
    matrices when a backward pass is itself recorded.
    """
    values = isinstance(input, List2D) or isinstance(other, List2D)
    if values and not isinstance(input, Matrix) and not isinstance(other, Matrix):
        return List2D.where(condition, input, other)  # type: ignore[return-value]
    if isinstance(condition, Matrix):
        condition = condition.data
    if not isinstance(condition, List2D):
        raise TypeError(f"where: condition must be a Matrix, got {type(condition).__name__}")
    anchor = input if isinstance(input, Matrix) else other
    if not isinstance(anchor, Matrix):
        anchor = Matrix(condition, requires_grad=False)
    a, b = anchor._operand(input, "where"), anchor._operand(other, "where")
    value = List2D.where(condition, a.data, b.data)

    def backward(g: List2D) -> None:
        # d/d(input) = 1 where the condition holds, d/d(other) = 1 elsewhere (selected with
        # `where`: a product with a 0/1 mask would turn an infinite g into nan)
        if a.requires_grad:
            a._accumulate(where(condition, g, 0.0))
        if b.requires_grad:
            b._accumulate(where(condition, 0.0, g))

    return _result("where", value, (a, b), backward)


def _pick(op: str, a: Matrix, b: Matrix | Number) -> Matrix:
    b = a._operand(b, op)
    x, y = a.data, b.data
    value = x.maximum(y) if op == "maximum" else x.minimum(y)
    a_wins, b_wins = ((x > y), (x < y)) if op == "maximum" else ((x < y), (x > y))
    share = 1.0 - (x == y) * 0.5  # each side's share of g: 1, or 1/2 on a tie
    # torch's masks: a side gets 0 only where the other wins, so a nan sends g to both sides

    def backward(g: List2D) -> None:
        # d/da = 1 unless b wins, 1/2 on ties (and the mirror for b), as torch
        shared = g * share
        if a.requires_grad:
            a._accumulate(where(b_wins, 0.0, shared))
        if b.requires_grad:
            b._accumulate(where(a_wins, 0.0, shared))

    return _result(op, value, (a, b), backward)


def maximum(a: Matrix, b: Matrix | Number) -> Matrix:
    """Elementwise larger of a and b (broadcast; nan if either is nan)."""
    return _pick("maximum", _matrices([a], "maximum")[0], b)


def minimum(a: Matrix, b: Matrix | Number) -> Matrix:
    """Elementwise smaller of a and b (broadcast; nan if either is nan)."""
    return _pick("minimum", _matrices([a], "minimum")[0], b)
