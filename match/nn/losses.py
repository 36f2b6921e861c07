"""The loss Modules: torch.nn's loss classes as thin wrappers around `match.nn.functional`.

A loss module only holds its settings (reduction, weights, ...), checked when it is built; the
math lives in the functional form, so `CrossEntropyLoss()(x, y)` and `F.cross_entropy(x, y)` are
one piece of code. An error raised while computing the loss names the class first, then the
functional form that found it (`MSELoss: mse_loss: input shape (2, 2) and target ...`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..checks import check_flag, check_int, check_real
from ..list2d import List2D
from ..matrix import Matrix
from . import loss_functions as functional
from ._checks import check_input, check_reduction
from .module import Module


def _constant_weight(weight: Any, who: str) -> Any:
    """Loss weights are constants: a Matrix is kept as its List2D so it is not a parameter."""
    if weight is None or isinstance(weight, (List2D, list, tuple, int, float)):
        if isinstance(weight, bool):
            raise TypeError(f"{who}: weight must be a number, list or Matrix, got bool")
        return weight
    if isinstance(weight, Matrix):
        return weight.data
    raise TypeError(f"{who}: weight must be a list or a Matrix, got {type(weight).__name__}")


class _Loss(Module):
    """Base of the loss modules: holds and checks `reduction`, and runs the functional form
    (`compute`) so that its errors name this class."""

    compute: Callable[..., Matrix]
    reductions: tuple[str, ...] = ()  # accepted besides 'mean', 'sum' and 'none'

    def __init__(self, reduction: str = "mean") -> None:
        """Check and keep the reduction."""
        super().__init__()
        self.reduction = check_reduction(reduction, type(self).__name__, self.reductions)

    def forward(self, input: Matrix, target: Any, *more: Any) -> Matrix:
        """The loss of input against target (and `more` for the losses on pairs)."""
        who = type(self).__name__
        check_input(input, who)
        try:
            return self.compute(input, target, *more)
        except (TypeError, ValueError, IndexError) as e:
            if type(e) not in (TypeError, ValueError, IndexError) or str(e).startswith(who):
                raise
            raise type(e)(f"{who}: {e}") from None

    def extra_repr(self) -> str:
        """Empty, as torch prints losses."""
        return ""


class MSELoss(_Loss):
    """Mean squared error (input - target)^2; `loss(prediction, target)`."""

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Mean absolute error |input - target|."""

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.l1_loss(input, target, self.reduction)


class HuberLoss(_Loss):
    """0.5 d^2 for |d| < delta, else delta (|d| - 0.5 delta)."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        """torch's argument order: reduction, delta (> 0)."""
        super().__init__(reduction)
        self.delta = check_real(delta, "HuberLoss", "delta", 0.0, low_open=True)

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.huber_loss(input, target, self.reduction, self.delta)


class SmoothL1Loss(_Loss):
    """0.5 d^2 / beta for |d| < beta, else |d| - 0.5 beta."""

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        """torch's argument order: reduction, beta (>= 0; 0 gives L1)."""
        super().__init__(reduction)
        self.beta = check_real(beta, "SmoothL1Loss", "beta", 0.0)

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.smooth_l1_loss(input, target, self.reduction, self.beta)


class BCELoss(_Loss):
    """Binary cross entropy on probabilities; logs clamped at -100 as in torch."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        """weight: optional elementwise weight (a number, a (1, C) row or the input's shape)."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight, "BCELoss")

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, stable for any logit (see functional)."""

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        """weight: elementwise weight; pos_weight: weight of positive examples per column."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight, "BCEWithLogitsLoss")
        self.pos_weight = _constant_weight(pos_weight, "BCEWithLogitsLoss")

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.binary_cross_entropy_with_logits(
            input, target, self.weight, self.reduction, self.pos_weight
        )


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) at the target classes."""

    def __init__(
        self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean"
    ) -> None:
        """weight: optional per-class weights (C values); rows whose target is ignore_index
        count for nothing."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight, "NLLLoss")
        self.ignore_index = check_int(ignore_index, "NLLLoss", "ignore_index")

    def compute(self, input: Matrix, target: Any) -> Matrix:
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
        """torch's arguments and defaults; label_smoothing in [0, 1]."""
        super().__init__(reduction)
        self.weight = _constant_weight(weight, "CrossEntropyLoss")
        self.ignore_index = check_int(ignore_index, "CrossEntropyLoss", "ignore_index")
        self.label_smoothing = check_real(
            label_smoothing, "CrossEntropyLoss", "label_smoothing", 0.0, 1.0
        )

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.cross_entropy(
            input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing
        )


class KLDivLoss(_Loss):
    """KL divergence of log-probabilities `input` from `target` (probabilities, or
    log-probabilities with log_target=True). Use reduction='batchmean' for the true KL
    divergence per sample; 'mean' (torch's default) divides by the number of elements."""

    reductions = ("batchmean",)

    def __init__(self, reduction: str = "mean", log_target: bool = False) -> None:
        """torch's arguments and defaults."""
        super().__init__(reduction)
        self.log_target = check_flag(log_target, "KLDivLoss", "log_target")

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.kl_div(input, target, self.reduction, self.log_target)


class PoissonNLLLoss(_Loss):
    """Poisson negative log-likelihood of counts; see `functional.poisson_nll_loss`."""

    def __init__(
        self,
        log_input: bool = True,
        full: bool = False,
        eps: float = 1e-8,
        reduction: str = "mean",
    ) -> None:
        """torch's arguments and defaults."""
        super().__init__(reduction)
        self.log_input = check_flag(log_input, "PoissonNLLLoss", "log_input")
        self.full = check_flag(full, "PoissonNLLLoss", "full")
        self.eps = check_real(eps, "PoissonNLLLoss", "eps", 0.0)

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.poisson_nll_loss(
            input, target, self.log_input, self.full, self.eps, self.reduction
        )


class GaussianNLLLoss(_Loss):
    """Gaussian negative log-likelihood; called as `loss(input, target, var)`."""

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        """torch's keyword-only arguments and defaults."""
        super().__init__(reduction)
        self.full = check_flag(full, "GaussianNLLLoss", "full")
        self.eps = check_real(eps, "GaussianNLLLoss", "eps", 0.0)

    def compute(self, input: Matrix, target: Any, var: Matrix | float) -> Matrix:
        """The reduced loss."""
        return functional.gaussian_nll_loss(input, target, var, self.full, self.eps, self.reduction)


class _MarginLoss(_Loss):
    """A loss with a margin argument (torch's order: margin, then reduction)."""

    default_margin = 0.0

    def __init__(self, margin: float | None = None, reduction: str = "mean") -> None:
        """margin: a number (the class's default when None)."""
        super().__init__(reduction)
        margin = self.default_margin if margin is None else margin
        self.margin = check_real(margin, type(self).__name__, "margin")


class CosineEmbeddingLoss(_MarginLoss):
    """`loss(x1, x2, y)`: 1 - cos for pairs labelled 1, max(0, cos - margin) for pairs
    labelled -1; y is a list of N labels or an (N, 1) column."""

    def compute(self, input1: Matrix, input2: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.cosine_embedding_loss(input1, input2, target, self.margin, self.reduction)


class MarginRankingLoss(_MarginLoss):
    """`loss(x1, x2, y)`: max(0, -y (x1 - x2) + margin); y = 1 asks x1 to rank higher."""

    def compute(self, input1: Matrix, input2: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.margin_ranking_loss(input1, input2, target, self.margin, self.reduction)


class HingeEmbeddingLoss(_MarginLoss):
    """x for targets 1, max(0, margin - x) for targets -1 (margin defaults to 1)."""

    default_margin = 1.0

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.hinge_embedding_loss(input, target, self.margin, self.reduction)


class SoftMarginLoss(_Loss):
    """log(1 + exp(-y x)) for labels 1 and -1."""

    def compute(self, input: Matrix, target: Any) -> Matrix:
        """The reduced loss."""
        return functional.soft_margin_loss(input, target, self.reduction)


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CosineEmbeddingLoss",
    "CrossEntropyLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "KLDivLoss",
    "L1Loss",
    "MSELoss",
    "MarginRankingLoss",
    "NLLLoss",
    "PoissonNLLLoss",
    "SmoothL1Loss",
    "SoftMarginLoss",
]
