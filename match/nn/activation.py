"""The activation Modules beyond layers.py's: GELU, SiLU, ELU, Softplus, Mish, Hardtanh, ReLU6,
Softsign, Hardsigmoid, Hardswish, LogSigmoid and PReLU, with torch.nn's names, arguments and reprs.

Each checks its arguments when it is built (errors name the class) and calls the function of
the same name in `activation_functional.py`, where the math is.
"""

from __future__ import annotations

from collections.abc import Callable

from ..checks import check_positive_int
from ..creation import full
from ..matrix import Matrix, _number
from .activation_functional import (
    _approximate,
    _matrix,
    _range,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    prelu,
    silu,
    softplus,
    softsign,
)
from .module import Module, Parameter


class _Elementwise(Module):
    """An activation without settings: forward applies `function`, the math in
    activation_functional.py (`inplace` is accepted for torch's sake; Match always returns a
    new matrix)."""

    function: Callable[[Matrix], Matrix]

    def __init__(self, inplace: bool = False) -> None:
        """No settings."""
        super().__init__()
        self.inplace = inplace

    def forward(self, x: Matrix) -> Matrix:
        """function(x); an input that is not a Matrix is a TypeError naming the class."""
        return self.function(_matrix(x, type(self).__name__))


class GELU(Module):
    """Gaussian error linear unit, `gelu(x, approximate)`: 'none' (exact, with erf) or
    'tanh' (torch's tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        """approximate: 'none' or 'tanh'."""
        super().__init__()
        self.approximate = _approximate(approximate, "GELU")

    def forward(self, x: Matrix) -> Matrix:
        """gelu(x, approximate)."""
        return gelu(_matrix(x, "GELU"), self.approximate)

    def extra_repr(self) -> str:
        """The approximation, as torch prints it."""
        return f"approximate={self.approximate!r}"


class SiLU(_Elementwise):
    """x * sigmoid(x), elementwise."""

    function = staticmethod(silu)


class Mish(_Elementwise):
    """x * tanh(softplus(x)), elementwise."""

    function = staticmethod(mish)


class ELU(Module):
    """x where x > 0, else alpha (e^x - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        """alpha: the value approached as x goes to -inf is -alpha."""
        super().__init__()
        self.alpha = _number(alpha, "ELU", "alpha")
        self.inplace = inplace

    def forward(self, x: Matrix) -> Matrix:
        """elu(x, alpha)."""
        return elu(_matrix(x, "ELU"), self.alpha)

    def extra_repr(self) -> str:
        """alpha, as torch prints it."""
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold (torch's rule)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        """beta sharpens the curve; above threshold (in beta x) the result is x itself."""
        super().__init__()
        self.beta = _number(beta, "Softplus", "beta")
        self.threshold = _number(threshold, "Softplus", "threshold")

    def forward(self, x: Matrix) -> Matrix:
        """softplus(x, beta, threshold)."""
        return softplus(_matrix(x, "Softplus"), self.beta, self.threshold)

    def extra_repr(self) -> str:
        """beta and threshold, as torch prints them."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x limited to [min_val, max_val] (no gradient at or beyond the limits, as torch)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        """The limits; min_val must not exceed max_val."""
        super().__init__()
        self.min_val, self.max_val = _range(min_val, max_val, type(self).__name__)
        self.inplace = inplace

    def forward(self, x: Matrix) -> Matrix:
        """hardtanh(x, min_val, max_val)."""
        return hardtanh(_matrix(x, type(self).__name__), self.min_val, self.max_val)

    def extra_repr(self) -> str:
        """The limits, as torch prints them."""
        return f"min_val={self.min_val}, max_val={self.max_val}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): Hardtanh(0, 6)."""

    def __init__(self, inplace: bool = False) -> None:
        """No settings (the limits are 0 and 6)."""
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """Nothing: torch prints `ReLU6()`."""
        return ""


class LogSigmoid(_Elementwise):
    """log(sigmoid(x)), elementwise, computed stably (see `logsigmoid`)."""

    function = staticmethod(logsigmoid)


class Softsign(_Elementwise):
    """x / (1 + |x|), elementwise."""

    function = staticmethod(softsign)


class Hardsigmoid(_Elementwise):
    """relu6(x + 3) / 6, elementwise: a cheap sigmoid."""

    function = staticmethod(hardsigmoid)


class Hardswish(_Elementwise):
    """x * hardsigmoid(x), elementwise."""

    function = staticmethod(hardswish)


class PReLU(Module):
    """x where x > 0, else a * x, with the slope a learned: one for every column
    (num_parameters=C, torch's channel dim for 2D input) or one shared (num_parameters=1).

    `weight` is a (1, num_parameters) row filled with `init` (torch stores (num_parameters,):
    reshape it when moving a state dict, as for biases).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25) -> None:
        """num_parameters: 1 or the number of input columns; init: the starting slope."""
        super().__init__()
        self.num_parameters = check_positive_int(num_parameters, "PReLU", "num_parameters")
        self.weight = Parameter(full(num_parameters, fill_value=_number(init, "PReLU", "init")))

    def forward(self, x: Matrix) -> Matrix:
        """prelu(x, weight); x needs num_parameters columns unless num_parameters is 1."""
        x = _matrix(x, "PReLU")
        if self.num_parameters not in (1, x.ncol):
            raise ValueError(
                f"PReLU: expected {self.num_parameters} input columns (num_parameters), got "
                f"input of shape {x.shape}"
            )
        return prelu(x, self.weight)

    def extra_repr(self) -> str:
        """The number of slopes, as torch prints it."""
        return f"num_parameters={self.num_parameters}"


__all__ = [
    "ELU",
    "GELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LogSigmoid",
    "Mish",
    "PReLU",
    "ReLU6",
    "SiLU",
    "Softplus",
    "Softsign",
]
