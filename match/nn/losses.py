"""The loss Modules: torch.nn's loss classes as thin wrappers around `match.nn.functional`.

A loss module only holds its settings (reduction, weights, ...); the math lives in the functional
form, so `CrossEntropyLoss()(x, y)` and `F.cross_entropy(x, y)` are one piece of code.
"""

from __future__ import annotations

from typing import Any

from ..matrix import Matrix
from . import functional
from .functional import REDUCTIONS
from .module import Module


def _constant_weight(weight: Any) -> Any:
    """Loss weights are constants: a Matrix is kept as its List2D so it is not a parameter."""
    return weight.data if isinstance(weight, Matrix) else weight


class _Loss(Module):
    """Base of the loss modules: holds and checks `reduction` ('mean', 'sum' or 'none')."""

    def __init__(self, reduction: str = "mean") -> None:
        """Check and keep the reduction."""
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                f"'none', got {reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        """Empty, as torch prints losses."""
        return ""


class MSELoss(_Loss):
    """Mean squared error (input - target)^2; `loss(prediction, target)`."""

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |input - target|."""

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        """torch's argument order: reduction, delta."""
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        """torch's argument order: reduction, beta."""
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities; logs clamped at -100 as in torch."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        """weight: optional elementwise weight (a number, a (1, C) row or the input's shape)."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, stable for any logit (see functional)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        """weight: elementwise weight; pos_weight: weight of positive examples per column."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.pos_weight = _constant_weight(pos_weight)

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) at the target classes."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        """weight: optional per-class weights (C values)."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.ignore_index = ignore_index

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss; target: list of N class indices or an (N, 1) Matrix."""
        return functional.nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class CrossEntropyLoss(_Loss):
    """log_softmax + NLLLoss on logits (N, C), with optional label smoothing and class weights.
    The target is a list of N class indices, an (N, 1) Matrix, or (N, C) class probabilities."""

    def __init__(
        self,
        weight: Any = None,
        ignore_index: int = -100,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        """torch's arguments and defaults."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "HuberLoss",
    "L1Loss",
    "MSELoss",
    "NLLLoss",
    "SmoothL1Loss",
]
