"""torch's module-level functions, `match.sin(x)`, `match.sum(x, 1)`, `match.mm(a, b)` ...: each
calls the Matrix method of the same name, so a program written with `torch.` in front of its
math runs after the import change. Also the namespaces `match.cuda` and `match.accelerator`
(no GPU: Match runs on the CPU) and torch's small helpers (`is_tensor`, `from_numpy`, `numel`).
"""

from __future__ import annotations

import types
from typing import Any

from .matrix import Matrix


def _matrix(x: Any, op: str) -> Matrix:
    if not isinstance(x, Matrix):
        raise TypeError(f"{op}: expected a Matrix, got {type(x).__name__} (make one: match.tensor)")
    return x


def _method(name: str) -> Any:
    """match.name(x, *args, **kwargs) = x.name(*args, **kwargs), as torch.name."""

    def function(input: Matrix, *args: Any, **kwargs: Any) -> Any:
        return getattr(_matrix(input, name), name)(*args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`input.{name}(...)`, under torch's module-level name."
    return function


_NAMES = [
    "exp",
    "log",
    "log1p",
    "log10",
    "log2",
    "sqrt",
    "abs",
    "tanh",
    "sigmoid",
    "relu",
    "sin",
    "cos",
    "erf",
    "square",
    "sum",
    "mean",
    "var",
    "std",
    "norm",
    "argmax",
    "argmin",
    "softmax",
    "log_softmax",
    "clamp",
    "transpose",
    "t",
    "topk",
    "sort",
    "argsort",
    "cumsum",
    "reshape",
    "flatten",
    "clone",
    "detach",
    "squeeze",
    "unsqueeze",
    "split",
    "chunk",
    "numel",
    "gather",
    "masked_fill",
    "tril",
    "triu",
]

for _name in _NAMES:
    globals()[_name] = _method(_name)


def sign(input: Matrix) -> Matrix:
    """-1, 0 or 1 by the sign of each element (see `Matrix.sign`)."""
    return _matrix(input, "sign").sign()


def max(input: Matrix, dim: Any = None, keepdim: bool = True) -> Any:
    """torch.max: the largest element (1x1), `(values, indices)` over dim, or the elementwise
    larger of two matrices (`match.max(a, b)` is `maximum`)."""
    return _matrix(input, "max").max(dim)


def min(input: Matrix, dim: Any = None, keepdim: bool = True) -> Any:
    """torch.min: as `max`, for the smallest."""
    return _matrix(input, "min").min(dim)


def mm(input: Matrix, mat2: Matrix) -> Matrix:
    """The matrix product input @ mat2."""
    return _matrix(input, "mm") @ mat2


matmul = mm


def pow(input: Any, exponent: Any) -> Matrix:
    """input ** exponent (either may be a number)."""
    if not isinstance(input, Matrix):
        return _matrix(exponent, "pow").__rpow__(input)
    return input**exponent


def add(input: Matrix, other: Any, alpha: float = 1.0) -> Matrix:
    """input + alpha * other."""
    return _matrix(input, "add") + other * alpha


def sub(input: Matrix, other: Any, alpha: float = 1.0) -> Matrix:
    """input - alpha * other."""
    return _matrix(input, "sub") - other * alpha


def mul(input: Matrix, other: Any) -> Matrix:
    """input * other, elementwise."""
    return _matrix(input, "mul") * other


def div(input: Matrix, other: Any) -> Matrix:
    """input / other, elementwise."""
    return _matrix(input, "div") / other


def clip(input: Matrix, min: Any = None, max: Any = None) -> Matrix:
    """torch's other name for clamp."""
    return _matrix(input, "clip").clamp(min, max)


def logsumexp(input: Matrix, dim: int, keepdim: bool = True) -> Matrix:
    """log(sum(exp(x))) along dim, computed stably: the max is taken out first (as a constant,
    so that the gradient is softmax's)."""
    x = _matrix(input, "logsumexp")
    top = x.max(dim).values.detach()
    return (x - top).exp().sum(dim).log() + top


def is_tensor(obj: Any) -> bool:
    """Whether obj is a Matrix (Match's tensor)."""
    return isinstance(obj, Matrix)


def from_numpy(array: Any) -> Matrix:
    """A Matrix of a numpy array's values (copied; a 1-D array is a (1, n) row), requiring no
    gradient as torch's from_numpy does."""
    from .creation import tensor

    return tensor(array, requires_grad=False)


def _not_available() -> bool:
    """False: Match's matrices live on the CPU (use match.accel for numpy or cupy kernels)."""
    return False


cuda = types.SimpleNamespace(is_available=_not_available, device_count=lambda: 0)
accelerator = types.SimpleNamespace(is_available=_not_available)
backends = types.SimpleNamespace(mps=types.SimpleNamespace(is_available=_not_available))

__all__ = [
    *_NAMES,
    "accelerator",
    "add",
    "sign",
    "backends",
    "clip",
    "cuda",
    "div",
    "from_numpy",
    "is_tensor",
    "logsumexp",
    "matmul",
    "max",
    "min",
    "mm",
    "mul",
    "pow",
    "sub",
]
