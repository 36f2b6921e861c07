"""Matrix: a List2D value plus the compute graph that made it (reverse-mode autodiff).

Every operation below does three things:

1. computes its value with List2D (Matrix itself does no arithmetic);
2. defines `backward(g)`, a small closure that receives g = d(loss)/d(output) and adds
   d(loss)/d(input) = g * d(output)/d(input) to each input's `grad` (the chain rule);
3. returns `_result(...)`, a new Matrix that remembers its inputs and that closure.

`loss.backward()` then visits the graph from the loss back to the inputs (reverse topological
order) and calls each closure once, after all gradient has reached its node.

Shapes are always 2D, and binary operations broadcast (a dimension of size 1 stretches); an
input that was stretched gets the sum of the gradient over the stretched dimension
(`List2D.sum_to`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias, TypeVar

from .list2d import INF, List2D, Number, Shape, cumulative, manual_seed

Backward: TypeAlias = Callable[[List2D], None]
F = TypeVar("F", bound=Callable[..., Any])

_log = logging.getLogger("match.trace")

# ---------------------------------------------------------------------------------------------
# Switches: gradient recording (no_grad) and the backward trace
# ---------------------------------------------------------------------------------------------

_grad_enabled = True
_trace_enabled = False


def is_grad_enabled() -> bool:
    """True unless inside `no_grad`."""
    return _grad_enabled


class no_grad:
    """Build no graph inside this block (or decorated function): for evaluation and updates.

    >>> with no_grad():
    ...     y = model(x)   # y.requires_grad is False and y remembers no inputs
    """

    _records = False  # what recording is switched to inside the block

    def __enter__(self) -> None:
        """Switch recording, remembering the previous state."""
        global _grad_enabled
        self.__previous = _grad_enabled
        _grad_enabled = self._records

    def __exit__(self, *exc: object) -> None:
        """Restore the previous state."""
        global _grad_enabled
        _grad_enabled = self.__previous

    def __call__(self, fn: F) -> F:
        """Use as a decorator: the function runs without recording."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class enable_grad(no_grad):
    """Record the graph inside this block even within `no_grad` (as torch.enable_grad)."""

    _records = True


@contextmanager
def trace(enabled: bool = True) -> Iterator[logging.Logger]:
    """Log every gradient step of backward (op name and shapes) to the 'match.trace' logger.

    Use as `with match.trace(): loss.backward()`. If logging is not configured, the lines go to
    standard error. Off by default, and then it costs one boolean test per backward call.
    """
    global _trace_enabled
    previous, _trace_enabled = _trace_enabled, enabled
    handler = None
    if enabled and not _log.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        _log.addHandler(handler)
    old_level = _log.level
    _log.setLevel(logging.INFO)
    try:
        yield _log
    finally:
        _trace_enabled = previous
        _log.setLevel(old_level)
        if handler is not None:
            _log.removeHandler(handler)


# ---------------------------------------------------------------------------------------------
# Matrix
# ---------------------------------------------------------------------------------------------


class Matrix:
    """A 2D matrix that records the operations made with it, so that gradients can flow back.

    `data` holds the values and `grad` the accumulated gradient (both `List2D`). A Matrix made
    by a constructor (`mat`, `randn`, ...) tracks gradients unless `requires_grad=False`; the
    result of an operation tracks them when any input does (and `no_grad` is not active).
    """

    def __init__(
        self,
        data: List2D | Sequence[Sequence[Number]],
        requires_grad: bool = True,
        children: tuple[Matrix, ...] = (),
        op: str = "",
        name: str | None = None,
    ) -> None:
        """Wrap a List2D (or nested lists) as a leaf Matrix; `children` are its inputs."""
        self.data = data if isinstance(data, List2D) else List2D.from_2d_list(data)
        self.requires_grad = bool(requires_grad)
        self.op = op
        self.name = name
        self._grad: List2D | None = None
        self._children = children
        self._backward: Backward | None = None
        self._saved: tuple[tuple[List2D, int], ...] = ()
        self._freed = False

    # -- basic properties -------------------------------------------------------------------
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
    def grad(self) -> List2D:
        """d(output)/d(self) after backward; zeros before. Accumulates over backward calls."""
        if self._grad is None:
            self._grad = self.data.new_full(*self.shape, 0.0)
        return self._grad

    @grad.setter
    def grad(self, value: List2D | None) -> None:
        if value is not None and not isinstance(value, List2D):
            raise TypeError(f"grad: expected a List2D or None, got {type(value).__name__}")
        if value is not None and value.shape != self.shape:
            raise ValueError(f"grad: gradient shape {value.shape} does not match {self.shape}")
        self._grad = value

    @property
    def is_leaf(self) -> bool:
        """True for matrices made by constructors (or detach), False for results of ops."""
        return not self._children and not self._freed

    @property
    def vals(self) -> Any:
        """The rows of the values (shortcut for `data.vals`)."""
        return self.data.vals

    def __len__(self) -> int:
        """Number of rows."""
        return self.data.nrow

    def item(self) -> float:
        """The value of a 1x1 Matrix as a Python float."""
        if self.shape != (1, 1):
            raise ValueError(f"item: only a 1x1 Matrix converts to a number, got {self.shape}")
        return self.data.item()

    def tolist(self) -> list[list[float]]:
        """The values as plain nested Python lists."""
        return self.data.tolist()

    def __repr__(self) -> str:
        """Values (rounded, long matrices shortened), shape, and the op that made it."""
        rows = self.tolist()
        shown = [
            [round(x, 4) for x in row[:6]] + (["..."] if len(row) > 6 else []) for row in rows[:6]
        ]
        text = ",\n       ".join(str(r) for r in shown) + (",\n       ..." if len(rows) > 6 else "")
        extra = f", op={self.op}" if self.op else ""
        extra += ", requires_grad=True" if self.requires_grad and not self.op else ""
        extra += f", name={self.name!r}" if self.name else ""
        return f"Matrix([{text}], shape={self.shape}{extra})"

    def detach(self) -> Matrix:
        """The same values, cut from the graph (shares `data`, tracks no gradient)."""
        return Matrix(self.data, requires_grad=False, name=self.name)

    def requires_grad_(self, requires_grad: bool = True) -> Matrix:
        """Switch gradient tracking of this leaf on or off, in place."""
        if not self.is_leaf:
            raise RuntimeError(f"requires_grad_: only leaf matrices can change it ({self.op})")
        self.requires_grad = bool(requires_grad)
        return self

    def zero_grad(self) -> None:
        """Reset the gradient to zeros."""
        self._grad = None

    def to_backend(self, name: str | None = None) -> Matrix:
        """A leaf copy on another backend (default: the active one); see `match.accel`."""
        return Matrix(self.data.to_backend(name), requires_grad=self.requires_grad, name=self.name)

    # -- backpropagation --------------------------------------------------------------------
    def _accumulate(self, g: List2D) -> None:
        """Add g (summed back over broadcast dimensions) to this matrix's gradient."""
        if not self.requires_grad:
            return
        if g.shape != self.shape:
            g = g.sum_to(*self.shape)
        if self._grad is None:
            # A List2D object of its own: add passes g on unchanged, and an in-place change to
            # one matrix's .grad must not reach another's (sharing the storage is fine, since
            # in-place methods replace .vals rather than write into it).
            self._grad = List2D.wrap(g.vals, g.kernels)
        else:
            self._grad = self._grad + g

    def backward(self, gradient: Matrix | List2D | None = None, retain_graph: bool = False) -> None:
        """Compute d(self)/d(x) for every x in the graph that tracks gradients.

        `gradient` seeds the pass (ones when omitted). The graph is freed afterwards unless
        `retain_graph=True`. Leaves accumulate gradients into `.grad` over calls (call
        `zero_grad` between steps); results of ops hold the gradient of the latest pass.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: this {self.shape} matrix does not require grad and has no graph "
                "(was it made under no_grad, or from inputs with requires_grad=False?)"
            )
        seed = self.__seed(gradient)
        order = self.__topological_order()
        for node in order:  # intermediates hold this pass's gradient; leaves accumulate
            if node._children:
                node._grad = None
        self._accumulate(seed)
        tracing = _trace_enabled  # read once: the trace costs nothing when off
        for node in reversed(order):
            if node._backward is None or node._grad is None:
                continue
            for value, version in node._saved:
                if value.version != version:
                    raise RuntimeError(
                        f"backward: a value saved by '{node.op}' {node.shape} was changed in "
                        f"place (version {version} -> {value.version}) after it was used; "
                        "make a copy instead of modifying it in place"
                    )
            if tracing:
                inputs = ", ".join(f"{c.op or _leaf_kind(c)} {c.shape}" for c in node._children)
                _log.info("backward %s %s -> %s", node.op, node.shape, inputs)
            node._backward(node._grad)
        if not retain_graph:
            for node in order:
                if node._children:
                    node._children, node._backward, node._saved = (), None, ()
                    node._freed = True

    def __seed(self, gradient: Matrix | List2D | None) -> List2D:
        if gradient is None:
            return self.data.new_full(*self.shape, 1.0)
        seed = gradient.data if isinstance(gradient, Matrix) else gradient
        if not isinstance(seed, List2D):
            raise TypeError(
                f"backward: gradient must be a Matrix or List2D, got {type(gradient).__name__}"
            )
        if seed.shape != self.shape:
            raise ValueError(f"backward: gradient shape {seed.shape} does not match {self.shape}")
        return seed

    def __topological_order(self) -> list[Matrix]:
        """Nodes that track gradients, each after all of its inputs (iterative depth-first)."""
        order: list[Matrix] = []
        visited: set[int] = set()
        stack: list[tuple[Matrix, bool]] = [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            if node._freed:
                raise RuntimeError(
                    f"backward: the graph through '{node.op}' {node.shape} was already freed by "
                    "an earlier backward; pass retain_graph=True to the first backward call"
                )
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((c, False) for c in node._children if c.requires_grad)
        return order

    # -- operands ---------------------------------------------------------------------------
    def _operand(self, other: Any, op: str) -> Matrix:
        """Numbers and List2Ds become constant matrices; anything else is a TypeError."""
        if isinstance(other, Matrix):
            return other
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return Matrix(self.data.new_full(1, 1, other), requires_grad=False)
        if isinstance(other, List2D):
            return Matrix(other, requires_grad=False)
        raise TypeError(
            f"{op}: unsupported operand type {type(other).__name__} for a Matrix "
            "(expected Matrix, List2D or number)"
        )

    # -- arithmetic -------------------------------------------------------------------------
    def __add__(self, rhs: Matrix | Number) -> Matrix:
        """self + rhs (broadcast)."""
        rhs = self._operand(rhs, "add")

        def backward(g: List2D) -> None:
            # d(a + b)/da = 1, d(a + b)/db = 1
            self._accumulate(g)
            rhs._accumulate(g)

        return _result("add", self.data + rhs.data, (self, rhs), backward)

    def __radd__(self, lhs: Number) -> Matrix:
        """lhs + self."""
        return self + lhs

    def __sub__(self, rhs: Matrix | Number) -> Matrix:
        """self - rhs (broadcast)."""
        rhs = self._operand(rhs, "sub")

        def backward(g: List2D) -> None:
            # d(a - b)/da = 1, d(a - b)/db = -1
            self._accumulate(g)
            if rhs.requires_grad:
                rhs._accumulate(-g)

        return _result("sub", self.data - rhs.data, (self, rhs), backward)

    def __rsub__(self, lhs: Number) -> Matrix:
        """lhs - self."""
        return self._operand(lhs, "sub") - self

    def __mul__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self * rhs (broadcast)."""
        rhs = self._operand(rhs, "mul")
        a, b = self.data, rhs.data

        def backward(g: List2D) -> None:
            # d(a * b)/da = b, d(a * b)/db = a
            if self.requires_grad:
                self._accumulate(g * b)
            if rhs.requires_grad:
                rhs._accumulate(g * a)

        return _result("mul", a * b, (self, rhs), backward, saved=(a, b))

    def __rmul__(self, lhs: Number) -> Matrix:
        """lhs * self."""
        return self * lhs

    def __truediv__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self / rhs (broadcast)."""
        rhs = self._operand(rhs, "div")
        a, b = self.data, rhs.data

        def backward(g: List2D) -> None:
            # d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2
            if self.requires_grad:
                self._accumulate(g / b)
            if rhs.requires_grad:
                rhs._accumulate(-g * a / (b * b))

        return _result("div", a / b, (self, rhs), backward, saved=(a, b))

    def __rtruediv__(self, lhs: Number) -> Matrix:
        """lhs / self."""
        return self._operand(lhs, "div") / self

    def __pow__(self, rhs: Matrix | Number) -> Matrix:
        """Elementwise self ** rhs (a number or a Matrix exponent)."""
        rhs = self._operand(rhs, "pow")
        a, b = self.data, rhs.data
        out = a**b

        def backward(g: List2D) -> None:
            # d(a^b)/da = b * a^(b - 1), d(a^b)/db = a^b * log(a)
            if self.requires_grad:
                self._accumulate(g * b * a ** (b - 1.0))
            if rhs.requires_grad:
                rhs._accumulate(g * out * a.log())

        return _result("pow", out, (self, rhs), backward, saved=(a, b, out))

    def __rpow__(self, lhs: Number) -> Matrix:
        """lhs ** self (a number base)."""
        return self._operand(lhs, "pow") ** self

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

    def linear(self, weight: Matrix, bias: Matrix | None = None) -> Matrix:
        """self @ weight.T + bias in one step, as torch.nn.functional.linear (weight: out x in).

        Fusing the transpose saves building weight.T in the forward and backward passes.
        """
        if not isinstance(weight, Matrix) or not isinstance(bias, (Matrix, type(None))):
            raise TypeError("linear: weight and bias must be Matrices")
        x, w = self.data, weight.data
        out = x.matmul_t(w)
        if bias is not None:
            out = out + bias.data
        parents = (self, weight) if bias is None else (self, weight, bias)

        def backward(g: List2D) -> None:
            # y = x W^T + b:  dy/dx = G @ W,  dy/dW = G^T @ x,  dy/db = column sums of G
            if self.requires_grad:
                self._accumulate(g @ w)
            if weight.requires_grad:
                weight._accumulate(g.t_matmul(x))
            if bias is not None:
                bias._accumulate(g)

        return _result("linear", out, parents, backward, saved=(x, w))

    @property
    def T(self) -> Matrix:
        """The transpose."""

        def backward(g: List2D) -> None:
            # the gradient of a transpose is the transposed gradient
            self._accumulate(g.T)

        return _result("transpose", self.data.T, (self,), backward)

    # -- elementwise functions --------------------------------------------------------------
    def exp(self) -> Matrix:
        """e ** x, elementwise."""
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
        """Logistic sigmoid 1 / (1 + e^-x), elementwise."""
        out = self.data.sigmoid()

        def backward(g: List2D) -> None:
            # d sigmoid(x)/dx = s (1 - s)
            self._accumulate(g * out * (1.0 - out))

        return _result("sigmoid", out, (self,), backward, saved=(out,))

    def relu(self) -> Matrix:
        """max(x, 0), elementwise."""
        x = self.data

        def backward(g: List2D) -> None:
            # d relu(x)/dx = 1 where x > 0, else 0
            self._accumulate(g * (x > 0.0))

        return _result("relu", x.relu(), (self,), backward, saved=(x,))

    def leaky_relu(self, negative_slope: float = 0.01) -> Matrix:
        """x where x > 0, else negative_slope * x."""
        x = self.data

        def backward(g: List2D) -> None:
            # d/dx = 1 where x > 0, else negative_slope
            positive = x > 0.0
            self._accumulate(g * (positive + (1.0 - positive) * negative_slope))

        return _result("leaky_relu", x.leaky_relu(negative_slope), (self,), backward, saved=(x,))

    def softplus(self) -> Matrix:
        """log(1 + e^x), elementwise (a smooth relu)."""
        x = self.data

        def backward(g: List2D) -> None:
            # d softplus(x)/dx = sigmoid(x)
            self._accumulate(g * x.sigmoid())

        return _result("softplus", x.softplus(), (self,), backward, saved=(x,))

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

    def clamp(self, min: Number | None = None, max: Number | None = None) -> Matrix:
        """Each element limited to [min, max]; None leaves that side open."""
        x = self.data
        out = x.clamp(min, max)
        low = -INF if min is None else min
        high = INF if max is None else max

        def backward(g: List2D) -> None:
            # d/dx = 1 where min <= x <= max, else 0
            self._accumulate(g * (x >= low) * (x <= high))

        return _result("clamp", out, (self,), backward, saved=(x,))

    # -- reductions -------------------------------------------------------------------------
    def sum(self, dim: int | None = None) -> Matrix:
        """Sum over all elements (1x1), over rows (dim=0 -> 1xN) or columns (dim=1 -> Nx1)."""

        def backward(g: List2D) -> None:
            # d(sum x)/dx_i = 1: every element gets the gradient of its sum
            self._accumulate(g.broadcast_to(*self.shape))

        return _result("sum", self.data.sum(dim), (self,), backward)

    def mean(self, dim: int | None = None) -> Matrix:
        """Mean over all elements or over dim (as for sum)."""
        n = self.data.count(dim)

        def backward(g: List2D) -> None:
            # d(mean x)/dx_i = 1 / n
            self._accumulate((g / n).broadcast_to(*self.shape))

        return _result("mean", self.data.mean(dim), (self,), backward)

    def var(self, dim: int | None = None, correction: int = 1) -> Matrix:
        """Variance over all elements or over dim; correction=1 (default) is unbiased."""
        x = self.data
        centred = x - x.mean(dim)

        def backward(g: List2D) -> None:
            # d var/dx_i = 2 (x_i - mean) / (n - correction)
            self._accumulate(g * centred * (2.0 / (x.count(dim) - correction)))

        return _result("var", x.var(dim, correction), (self,), backward, saved=(x,))

    def __extreme(self, op: str, dim: int | None, value: List2D) -> Matrix:
        """max or min: the gradient goes to the (first) chosen element of each group."""
        x = self.data
        index = x.argmax(dim) if op == "max" else x.argmin(dim)

        def backward(g: List2D) -> None:
            # d max(x)/dx_i = 1 for the chosen element, 0 for the others
            self._accumulate(g.broadcast_to(*self.shape) * _one_hot(index, dim, self.shape))

        return _result(op, value, (self,), backward, saved=(x,))

    def max(self, dim: int | None = None) -> Matrix:
        """Largest element overall or over dim (the gradient goes to the first maximum)."""
        return self.__extreme("max", dim, self.data.max(dim))

    def min(self, dim: int | None = None) -> Matrix:
        """Smallest element overall or over dim (the gradient goes to the first minimum)."""
        return self.__extreme("min", dim, self.data.min(dim))

    def argmax(self, dim: int | None = None) -> Matrix:
        """Index of the largest element as a float (flat index when dim is None); no gradient."""
        return Matrix(self.data.argmax(dim), requires_grad=False)

    def argmin(self, dim: int | None = None) -> Matrix:
        """Index of the smallest element as a float (flat index when dim is None); no gradient."""
        return Matrix(self.data.argmin(dim), requires_grad=False)

    def softmax(self, dim: int = 1) -> Matrix:
        """exp(x) / sum(exp(x)) along dim (default 1: each row sums to 1)."""
        out = self.data.softmax(dim)

        def backward(g: List2D) -> None:
            # dx = s * (g - sum(g * s)) along dim (the softmax Jacobian applied to g)
            self._accumulate(out * (g - (g * out).sum(dim)))

        return _result("softmax", out, (self,), backward, saved=(out,))

    def log_softmax(self, dim: int = 1) -> Matrix:
        """log(softmax(x)) along dim, computed stably."""
        out = self.data.log_softmax(dim)

        def backward(g: List2D) -> None:
            # dx = g - softmax(x) * sum(g) along dim
            self._accumulate(g - out.exp() * g.sum(dim))

        return _result("log_softmax", out, (self,), backward, saved=(out,))

    # -- shape and indexing -----------------------------------------------------------------
    def reshape(self, nrow: int, ncol: int) -> Matrix:
        """The same values in a new shape (row-major order); one size may be -1."""

        def backward(g: List2D) -> None:
            # reshaping moves values without changing them: reshape the gradient back
            self._accumulate(g.reshape(*self.shape))

        return _result("reshape", self.data.reshape(nrow, ncol), (self,), backward)

    def __getitem__(self, key: Any) -> Matrix:
        """m[i] (row i as 1xN), m[i, j] (1x1), m[a:b] (rows), m[:, j] (Nx1), m[[i, k]] (gather)."""

        def backward(g: List2D) -> None:
            # each selected element passes its gradient back to where it came from
            self._accumulate(g.index_add(*self.shape, key))

        return _result("index", self.data[key], (self,), backward)

    # -- comparisons (0/1 matrices, no gradient) --------------------------------------------
    def __compare(self, rhs: Any, op: str, fn: Callable[[List2D, Any], List2D]) -> Matrix:
        return Matrix(fn(self.data, self._operand(rhs, op).data), requires_grad=False)

    def __gt__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self > rhs, else 0.0."""
        return self.__compare(rhs, "gt", List2D.__gt__)

    def __ge__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self >= rhs, else 0.0."""
        return self.__compare(rhs, "ge", List2D.__ge__)

    def __lt__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self < rhs, else 0.0."""
        return self.__compare(rhs, "lt", List2D.__lt__)

    def __le__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self <= rhs, else 0.0."""
        return self.__compare(rhs, "le", List2D.__le__)

    def __eq__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self == rhs, else 0.0."""
        return self.__compare(rhs, "eq", List2D.__eq__)

    def __ne__(self, rhs: Matrix | Number) -> Matrix:  # type: ignore[override]
        """1.0 where self != rhs, else 0.0."""
        return self.__compare(rhs, "ne", List2D.__ne__)

    __hash__ = object.__hash__  # elementwise == must not make Matrix unhashable


def _leaf_kind(m: Matrix) -> str:
    """How the trace names a matrix that no op made."""
    return "leaf" if m.requires_grad else "constant"


def graph_nodes(root: Matrix) -> list[Matrix]:
    """Every matrix in the graph that produced root: root first, then depth-first, each once."""
    seen: set[int] = set()
    nodes: list[Matrix] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(reversed(node._children))
    return nodes


def _one_hot(index: List2D, dim: int | None, shape: Shape) -> List2D:
    """A 0/1 mask of `shape` with a 1 at each index chosen by argmax/argmin over dim."""
    nrow, ncol = shape
    positions = [int(i) for row in index.tolist() for i in row]
    if dim is None:
        flat = positions[0]
        rows, cols = [flat // ncol], [flat % ncol]
    elif dim == 0:
        rows, cols = positions, list(range(ncol))
    else:
        rows, cols = list(range(nrow)), positions
    mask = [[0.0] * ncol for _ in range(nrow)]
    for i, j in zip(rows, cols):
        mask[i][j] = 1.0
    return index.new_rows(mask)


def _result(
    op: str,
    value: List2D,
    inputs: tuple[Matrix, ...],
    backward: Backward,
    saved: tuple[List2D, ...] = (),
) -> Matrix:
    """A new Matrix made by `op`; it joins the graph when recording and an input tracks grad.

    `saved` lists the values the backward closure reads; their versions are checked at
    backward time so that a value changed in place is reported instead of used silently.
    """
    out = Matrix.__new__(Matrix)
    out.data, out.op, out.name = value, op, None
    out._grad, out._freed = None, False
    if _grad_enabled and any(m.requires_grad for m in inputs):
        out.requires_grad = True
        out._children, out._backward = inputs, backward
        out._saved = tuple((v, v.version) for v in saved)
    else:  # keep no references: nothing will backpropagate through this result
        out.requires_grad = False
        out._children, out._backward, out._saved = (), None, ()
    return out


# ---------------------------------------------------------------------------------------------
# Functions that make matrices
# ---------------------------------------------------------------------------------------------


def _size(args: tuple[Any, ...], op: str) -> tuple[int, int]:
    """Accept f(n, m) and f((n, m))."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if len(args) != 2:
        raise TypeError(f"{op}: expected two sizes (nrow, ncol), got {args!r}")
    return args[0], args[1]


def mat(values: Sequence[Sequence[Number]], requires_grad: bool = True) -> Matrix:
    """A Matrix from nested lists of numbers: `mat([[1, 2], [3, 4]])`."""
    if isinstance(values, Matrix):
        values = values.tolist()
    if isinstance(values, List2D):
        return Matrix(values.copy(), requires_grad=requires_grad)
    return Matrix(List2D.from_2d_list(values), requires_grad=requires_grad)


def full(*size: Any, fill_value: Number = 0.0, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix filled with fill_value: `full(2, 3, fill_value=7.0)`."""
    if len(size) == 3:  # full(n, m, value), the positional form
        *size, fill_value = size  # type: ignore[assignment]
    return Matrix(List2D.full(*_size(size, "full"), fill_value), requires_grad=requires_grad)


def zeros(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of zeros."""
    return Matrix(List2D.zeros(*_size(size, "zeros")), requires_grad=requires_grad)


def ones(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of ones."""
    return Matrix(List2D.ones(*_size(size, "ones")), requires_grad=requires_grad)


def randn(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples from the standard normal distribution (repeatable after `manual_seed`)."""
    return Matrix(List2D.randn(*_size(size, "randn")), requires_grad=requires_grad)


def rand(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples from the uniform distribution on [0, 1) (repeatable after `manual_seed`)."""
    return Matrix(List2D.rand(*_size(size, "rand")), requires_grad=requires_grad)


def eye(n: int, requires_grad: bool = True) -> Matrix:
    """The (n, n) identity matrix."""
    return Matrix(List2D.eye(n), requires_grad=requires_grad)


def zeros_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Zeros with the shape of m."""
    return zeros(*m.shape, requires_grad=requires_grad)


def ones_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Ones with the shape of m."""
    return ones(*m.shape, requires_grad=requires_grad)


def _matrices(items: Any, op: str) -> list[Matrix]:
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{op}: expected a non-empty list of matrices")
    for m in items:
        if not isinstance(m, Matrix):
            raise TypeError(f"{op}: expected Matrix items, got {type(m).__name__}")
    return list(items)


def cat(matrices: Sequence[Matrix], dim: int = 0) -> Matrix:
    """Join matrices top to bottom (dim=0) or side by side (dim=1)."""
    parts = _matrices(matrices, "cat")
    value = List2D.cat([m.data for m in parts], dim)
    starts = cumulative(m.shape[dim] for m in parts)

    def backward(g: List2D) -> None:
        # each input gets back its own block of the gradient
        for m, start, stop in zip(parts, starts, starts[1:]):
            if m.requires_grad:
                m._accumulate(g[start:stop] if dim == 0 else g[:, start:stop])

    return _result("cat", value, tuple(parts), backward)


def _pick(op: str, a: Matrix, b: Matrix | Number) -> Matrix:
    """maximum / minimum: each element comes from one side; ties split the gradient in half."""
    b = a._operand(b, op)
    x, y = a.data, b.data
    value = x.maximum(y) if op == "maximum" else x.minimum(y)

    def backward(g: List2D) -> None:
        # d/da = 1 where a wins, 1/2 on ties, 0 where b wins (and the mirror for b)
        a_wins = (x > y) if op == "maximum" else (x < y)
        share = a_wins + (x == y) * 0.5
        if a.requires_grad:
            a._accumulate(g * share)
        if b.requires_grad:
            b._accumulate(g * (1.0 - share))

    return _result(op, value, (a, b), backward, saved=(x, y))


def maximum(a: Matrix, b: Matrix | Number) -> Matrix:
    """Elementwise larger of a and b (broadcast)."""
    return _pick("maximum", _matrices([a], "maximum")[0], b)


def minimum(a: Matrix, b: Matrix | Number) -> Matrix:
    """Elementwise smaller of a and b (broadcast)."""
    return _pick("minimum", _matrices([a], "minimum")[0], b)


__all__ = [
    "Matrix",
    "mat",
    "full",
    "zeros",
    "ones",
    "randn",
    "rand",
    "eye",
    "zeros_like",
    "ones_like",
    "cat",
    "graph_nodes",
    "maximum",
    "minimum",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "trace",
    "manual_seed",
]
