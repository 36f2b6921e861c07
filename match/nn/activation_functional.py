"""The activations as functions, with torch.nn.functional's names and arguments.

`match.nn.functional` re-exports every function here, and the activation Modules
(`activation.py`, `layers.py`) call them. `dropout` is in `functional.py`, which sits above
the Modules and may use `nn.Dropout`.

All are composites of Matrix operations: the chain rule through their parts gives the gradient,
so none has a backward of its own. Where torch's derivative at a kink differs from what the
composite gives, the composite is written so that it matches torch (see `hardtanh`). `relu`,
`sigmoid`, `softmax` and the others that layers.py has as Modules are here as
functions too, and `linear` with torch's weight layout.
"""

from __future__ import annotations

import math
from typing import Any

from ..matrix import Matrix, _number, where

_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO_OVER_PI = math.sqrt(2.0 / math.pi)
GELU_APPROXIMATIONS = ("none", "tanh")


# ---------------------------------------------------------------------------------------------
# Argument checks, shared by the functions and the classes (who: the name the user called)
# ---------------------------------------------------------------------------------------------


def _matrix(x: Any, who: str) -> Matrix:
    if not isinstance(x, Matrix):
        raise TypeError(f"{who}: expected a Matrix, got {type(x).__name__}")
    return x


def _approximate(value: Any, who: str) -> str:
    if value not in GELU_APPROXIMATIONS:
        raise ValueError(f"{who}: approximate must be 'none' or 'tanh', got {value!r}")
    return value


def _range(min_val: Any, max_val: Any, who: str) -> tuple[float, float]:
    low, high = _number(min_val, who, "min_val"), _number(max_val, who, "max_val")
    if low > high:
        raise ValueError(f"{who}: min_val must be at most max_val, got {low} and {high}")
    return low, high


# ---------------------------------------------------------------------------------------------
# The functions
# ---------------------------------------------------------------------------------------------


def gelu(input: Matrix, approximate: str = "none") -> Matrix:
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt 2)) exactly, or with
    approximate='tanh' torch's 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = _matrix(input, "gelu")
    if _approximate(approximate, "gelu") == "tanh":
        inner = (x + x * x * x * 0.044715) * _SQRT_TWO_OVER_PI
        return x * 0.5 * (inner.tanh() + 1.0)
    return x * 0.5 * ((x * _SQRT_HALF).erf() + 1.0)


def silu(input: Matrix, inplace: bool = False) -> Matrix:
    """x * sigmoid(x) (also called swish)."""
    x = _matrix(input, "silu")
    return x * x.sigmoid()


def elu(input: Matrix, alpha: float = 1.0, inplace: bool = False) -> Matrix:
    """x where x > 0, else alpha (e^x - 1). The clamp keeps e^x finite in the branch that
    `where` does not take, whose gradient (times 0) would otherwise be inf * 0 = nan."""
    x = _matrix(input, "elu")
    alpha = _number(alpha, "elu", "alpha")
    return where(x > 0.0, x, (x.clamp(max=0.0).exp() - 1.0) * alpha)


def softplus(input: Matrix, beta: float = 1.0, threshold: float = 20.0) -> Matrix:
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold (Matrix.softplus)."""
    return _matrix(input, "softplus").softplus(beta, threshold)


def mish(input: Matrix, inplace: bool = False) -> Matrix:
    """x * tanh(softplus(x))."""
    x = _matrix(input, "mish")
    return x * x.softplus().tanh()


def hardtanh(
    input: Matrix, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Matrix:
    """x limited to [min_val, max_val]. Not `clamp`: torch's hardtanh passes no gradient at the
    limits themselves (clamp passes it there), so the gradient flows only strictly inside."""
    x = _matrix(input, "hardtanh")
    low, high = _range(min_val, max_val, "hardtanh")
    return where((x > low) * (x < high), x, x.detach().clamp(low, high))


def relu6(input: Matrix, inplace: bool = False) -> Matrix:
    """min(max(x, 0), 6): hardtanh(x, 0, 6)."""
    return hardtanh(_matrix(input, "relu6"), 0.0, 6.0)


def softsign(input: Matrix) -> Matrix:
    """x / (1 + |x|)."""
    x = _matrix(input, "softsign")
    return x / (x.abs() + 1.0)


def hardsigmoid(input: Matrix, inplace: bool = False) -> Matrix:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return relu6(_matrix(input, "hardsigmoid") + 3.0) / 6.0


def hardswish(input: Matrix, inplace: bool = False) -> Matrix:
    """x * hardsigmoid(x)."""
    x = _matrix(input, "hardswish")
    return x * hardsigmoid(x)


def prelu(input: Matrix, weight: Matrix) -> Matrix:
    """x where x > 0, else weight * x; weight is (1, 1) (one slope) or (1, C) (one per column,
    torch's channel dim for 2D input)."""
    x = _matrix(input, "prelu")
    weight = _matrix(weight, "prelu")
    if weight.nrow != 1 or weight.ncol not in (1, x.ncol):
        raise ValueError(
            f"prelu: weight must be (1, 1) or (1, {x.ncol}) for input {x.shape}, got {weight.shape}"
        )
    return where(x > 0.0, x, x * weight)


def relu(input: Matrix, inplace: bool = False) -> Matrix:
    """max(x, 0) (Matrix.relu)."""
    return _matrix(input, "relu").relu()


def leaky_relu(input: Matrix, negative_slope: float = 0.01, inplace: bool = False) -> Matrix:
    """x where x > 0, else negative_slope * x (Matrix.leaky_relu)."""
    return _matrix(input, "leaky_relu").leaky_relu(_number(negative_slope, "leaky_relu", "slope"))


def sigmoid(input: Matrix) -> Matrix:
    """1 / (1 + e^-x) (Matrix.sigmoid)."""
    return _matrix(input, "sigmoid").sigmoid()


def logsigmoid(input: Matrix) -> Matrix:
    """log(sigmoid(x)), computed stably as -softplus(-x): min(x, 0) - log(1 + e^-|x|), so a
    large negative x gives x (not log(0) = -inf); its gradient is 1 - sigmoid(x)."""
    return -(-_matrix(input, "logsigmoid")).softplus()


def tanh(input: Matrix) -> Matrix:
    """Hyperbolic tangent (Matrix.tanh)."""
    return _matrix(input, "tanh").tanh()


def softmax(input: Matrix, dim: int | None = None) -> Matrix:
    """exp(x) / sum(exp(x)) along dim; dim=None means 1, torch's implicit choice for 2D input."""
    return _matrix(input, "softmax").softmax(1 if dim is None else dim)


def log_softmax(input: Matrix, dim: int | None = None) -> Matrix:
    """log(softmax(x)) along dim, computed stably; dim=None means 1."""
    return _matrix(input, "log_softmax").log_softmax(1 if dim is None else dim)


def linear(input: Matrix, weight: Matrix, bias: Matrix | None = None) -> Matrix:
    """input @ weight.T + bias, with torch's weight layout (out_features, in_features) and the
    bias a (1, out_features) row (Matrix.linear, one fused node)."""
    x = _matrix(input, "linear")
    weight = _matrix(weight, "linear")
    if weight.ncol != x.ncol:
        raise ValueError(
            f"linear: input {x.shape} needs a weight of {x.ncol} columns (out_features, "
            f"in_features), got weight {weight.shape}"
        )
    if bias is not None and _matrix(bias, "linear").shape != (1, weight.nrow):
        raise ValueError(f"linear: bias must be (1, {weight.nrow}), got {bias.shape}")
    return x.linear(weight, bias)


def layer_norm(
    input: Matrix,
    normalized_shape: int | tuple[int, ...] | list[int],
    weight: Matrix | None = None,
    bias: Matrix | None = None,
    eps: float = 1e-5,
) -> Matrix:
    """(x - mean) / sqrt(var + eps) * weight + bias over each row, with the biased variance, as
    torch; normalized_shape must be the number of columns (2D: only the last dim normalises)."""
    x = _matrix(input, "layer_norm")
    size = normalized_shape if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if size not in (x.ncol, (x.ncol,)):
        raise ValueError(
            f"layer_norm: normalized_shape {normalized_shape!r} must be the number of columns "
            f"of the input {x.shape}"
        )
    centred = x - x.mean(1)
    var = (centred * centred).mean(1)
    # A row whose variance overflows has no normalised value: nan (inf - inf), as torch gives,
    # where centred / inf would read 0. A constant, added to the value only.
    y = centred / (var + eps).sqrt() + (var.data - var.data)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


__all__ = [
    "elu",
    "gelu",
    "hardsigmoid",
    "hardswish",
    "hardtanh",
    "layer_norm",
    "leaky_relu",
    "linear",
    "log_softmax",
    "logsigmoid",
    "mish",
    "prelu",
    "relu",
    "relu6",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "softsign",
    "tanh",
]
