"""Initialisation in place, with torch.nn.init's names, signatures and formulas.

Each function overwrites a Matrix's values and returns the same Matrix, as torch's do. Only the
values change, never the graph: torch runs these under no_grad, and here they write `data`
directly. Random values are drawn row by row from `match.list2d.rng()`, so `match.manual_seed`
makes them repeat, or from `generator` (a `random.Random`) when one is given.

The scaled initialisations (xavier_*, kaiming_*) use torch's fans for a weight of shape
(out_features, in_features): fan_in is the number of columns, fan_out the number of rows.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from statistics import NormalDist

from ..checks import is_number
from ..list2d import rng
from ..matrix import Matrix, _number


def _check(tensor: Matrix, who: str) -> None:
    if not isinstance(tensor, Matrix):
        raise TypeError(f"{who}: expected a Matrix, got {type(tensor).__name__}")


def _draw_(tensor: Matrix, draw: Callable[[], float]) -> Matrix:
    """Overwrite tensor's values with draw(), row by row (the order that manual_seed repeats)."""
    rows = [[draw() for _ in range(tensor.ncol)] for _ in range(tensor.nrow)]
    tensor.data.copy_(tensor.data.new_rows(rows))
    return tensor


def uniform_(
    tensor: Matrix, a: float = 0.0, b: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Fill tensor with values from the uniform distribution on [a, b)."""
    _check(tensor, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    r = rng() if generator is None else generator
    return _draw_(tensor, lambda: r.uniform(a, b))


def normal_(
    tensor: Matrix, mean: float = 0.0, std: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Fill tensor with values from the normal distribution N(mean, std^2)."""
    _check(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be at least 0, got {std}")
    r = rng() if generator is None else generator
    return _draw_(tensor, lambda: r.gauss(mean, std))


def constant_(tensor: Matrix, val: float) -> Matrix:
    """Fill tensor with val."""
    _check(tensor, "constant_")
    tensor.data.fill_(val)
    return tensor


def zeros_(tensor: Matrix) -> Matrix:
    """Fill tensor with 0.0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Matrix) -> Matrix:
    """Fill tensor with 1.0."""
    return constant_(tensor, 1.0)


def eye_(tensor: Matrix) -> Matrix:
    """Fill tensor with the identity: 1 where row == column, 0 elsewhere (any shape)."""
    _check(tensor, "eye_")
    rows = [[1.0 if i == j else 0.0 for j in range(tensor.ncol)] for i in range(tensor.nrow)]
    tensor.data.copy_(tensor.data.new_rows(rows))
    return tensor


# ---------------------------------------------------------------------------------------------
# Scaled initialisations: the spread depends on the layer's fans and the nonlinearity after it
# ---------------------------------------------------------------------------------------------

_GAINS: dict[str, float] = {
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "conv3d": 1.0,
    "conv_transpose1d": 1.0,
    "conv_transpose2d": 1.0,
    "conv_transpose3d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5.0 / 3.0,
    "relu": math.sqrt(2.0),
    "selu": 3.0 / 4.0,
}


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's recommended gain for a nonlinearity: the factor that keeps the variance of the
    activations steady through a layer followed by it (1 for linear and sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu with slope param, default 0.01,
    3/4 for selu)."""
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif is_number(param):
            slope = float(param)
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1.0 + slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(
            f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; choose one of "
            f"{', '.join(sorted([*_GAINS, 'leaky_relu']))}"
        )
    return _GAINS[nonlinearity]


def _calculate_fan_in_and_fan_out(tensor: Matrix) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out_features, in_features), torch's layout: fan_in is the
    number of columns (inputs to each unit), fan_out the number of rows."""
    _check(tensor, "_calculate_fan_in_and_fan_out")
    return tensor.ncol, tensor.nrow


def _calculate_correct_fan(tensor: Matrix, mode: str, who: str = "kaiming") -> int:
    """fan_in (mode='fan_in', keeps the forward pass's variance) or fan_out ('fan_out', keeps
    the backward pass's)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{who}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _xavier_std(tensor: Matrix, gain: float, who: str) -> float:
    """Glorot's std, gain * sqrt(2 / (fan_in + fan_out))."""
    _check(tensor, who)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return _number(gain, who, "gain") * math.sqrt(2.0 / (fan_in + fan_out))


def _kaiming_std(tensor: Matrix, a: float, mode: str, nonlinearity: str, who: str) -> float:
    """He's std, gain / sqrt(fan), with the gain of nonlinearity (slope a for leaky_relu)."""
    _check(tensor, who)
    fan = _calculate_correct_fan(tensor, mode, who)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def xavier_uniform_(
    tensor: Matrix, gain: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Glorot uniform: U(-b, b) with b = sqrt(3) * gain * sqrt(2 / (fan_in + fan_out)), which
    has the std of xavier_normal_."""
    bound = math.sqrt(3.0) * _xavier_std(tensor, gain, "xavier_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(
    tensor: Matrix, gain: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    return normal_(tensor, 0.0, _xavier_std(tensor, gain, "xavier_normal_"), generator)


def kaiming_uniform_(
    tensor: Matrix,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: random.Random | None = None,
) -> Matrix:
    """He uniform: U(-b, b) with b = sqrt(3) * gain / sqrt(fan); torch's defaults (a=0,
    leaky_relu) give gain sqrt(2). `Linear` uses a=sqrt(5), which gives b = 1/sqrt(fan_in)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_uniform_")
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(
    tensor: Matrix,
    a: float = 0.0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: random.Random | None = None,
) -> Matrix:
    """He normal: N(0, std^2) with std = gain / sqrt(fan)."""
    std = _kaiming_std(tensor, a, mode, nonlinearity, "kaiming_normal_")
    return normal_(tensor, 0.0, std, generator)


def trunc_normal_(
    tensor: Matrix,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: random.Random | None = None,
) -> Matrix:
    """N(mean, std^2) restricted to [a, b] (note: a and b are values, not numbers of stds, as
    in torch). Drawn as torch does, by the inverse CDF: a uniform value between cdf(a) and
    cdf(b), mapped back through the normal's inverse CDF, so no draw is ever rejected."""
    _check(tensor, "trunc_normal_")
    if not std > 0:
        raise ValueError(f"trunc_normal_: std must be positive, got {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    normal = NormalDist(mean, std)
    low, high = normal.cdf(a), normal.cdf(b)
    r = rng() if generator is None else generator
    tiny = math.ulp(0.0)  # inv_cdf needs a probability strictly inside (0, 1)

    def draw() -> float:
        p = min(max(r.uniform(low, high), tiny), 1.0 - 2**-53)
        return min(max(normal.inv_cdf(p), a), b)

    return _draw_(tensor, draw)


def orthogonal_(
    tensor: Matrix, gain: float = 1.0, generator: random.Random | None = None
) -> Matrix:
    """A (semi-)orthogonal matrix times gain, as torch makes it: the Q of the QR decomposition
    of a matrix of N(0, 1) values, with the signs that make R's diagonal positive. Tall
    matrices get orthonormal columns, wide ones orthonormal rows (Gram-Schmidt here, which gives
    that Q directly)."""
    _check(tensor, "orthogonal_")
    gain = _number(gain, "orthogonal_", "gain")
    r = rng() if generator is None else generator
    rows = [[r.gauss(0.0, 1.0) for _ in range(tensor.ncol)] for _ in range(tensor.nrow)]
    wide = tensor.nrow < tensor.ncol
    vectors = rows if wide else [list(col) for col in zip(*rows)]  # orthonormalise these
    basis: list[list[float]] = []
    for v in vectors:
        for q in basis:  # modified Gram-Schmidt: subtract each projection from the updated v
            dot = math.fsum(x * y for x, y in zip(v, q))
            v = [x - dot * y for x, y in zip(v, q)]
        norm = math.sqrt(math.fsum(x * x for x in v))
        basis.append([x / norm for x in v])
    q = basis if wide else [list(col) for col in zip(*basis)]
    tensor.data.copy_(tensor.data.new_rows([[gain * x for x in row] for row in q]))
    return tensor


__all__ = [
    "calculate_gain",
    "constant_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]
