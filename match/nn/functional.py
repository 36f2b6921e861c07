"""The stateless half of `match.nn`, as `torch.nn.functional`: the losses and `one_hot`.

The loss Modules (`nn.MSELoss`, `nn.CrossEntropyLoss`, ...) only hold their settings and call
these functions, so each loss's math is written once. Every loss takes
`reduction='mean' | 'sum' | 'none'` as torch does; 'none' keeps the elementwise shape for the
regression and binary losses, and gives an (N, 1) column of per-sample losses for the
classification losses. Targets, weights and masks are constants: they are put on the input's
backend and get no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..list2d import List2D
from ..matrix import Matrix, _result

REDUCTIONS = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def constant(rows: list[list[float]], like: List2D) -> List2D:
    """A List2D holding `rows`, on the same backend as `like` (for masks and constants)."""
    return like.new_rows(rows)


def _on_backend_of(data: List2D, like: List2D) -> List2D:
    """data, or a copy of it on like's backend when it is elsewhere (constants follow the input)."""
    return data if data.kernels is like.kernels else constant(data.tolist(), like)


def as_matrix(x: Any, what: str, like: Matrix | None = None) -> Matrix:
    """A Matrix from a Matrix (returned as is), a List2D or nested lists (constants, no grad)."""
    if isinstance(x, Matrix):
        return x
    if isinstance(x, List2D):
        return Matrix(x, requires_grad=False)
    if isinstance(x, (list, tuple)):
        data = List2D.from_2d_list(x)
        return Matrix(
            data if like is None else _on_backend_of(data, like.data), requires_grad=False
        )
    raise TypeError(f"{what}: expected a Matrix, List2D or nested lists, got {type(x).__name__}")


def _check_reduction(reduction: str, who: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{who}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def reduce(loss: Matrix, reduction: str, who: str = "loss") -> Matrix:
    """Apply a torch reduction to an elementwise (or per-sample) loss."""
    _check_reduction(reduction, who)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _same_shape(input: Matrix, target: Matrix, who: str) -> None:
    if input.shape != target.shape:
        raise ValueError(
            f"{who}: input shape {input.shape} and target shape {target.shape} must be equal"
        )


def _index_column(indices: Any, what: str, who: str) -> Sequence[Any]:
    """The entries of a list (of numbers, or of 1-element lists) or of an (N, 1) Matrix/List2D;
    `what` names the argument in the errors."""
    if isinstance(indices, (Matrix, List2D)):
        if indices.shape[1] != 1:
            raise ValueError(
                f"{who}: {what} must be an (N, 1) matrix of class indices, got shape "
                f"{indices.shape}"
            )
        return [row[0] for row in indices.tolist()]
    if isinstance(indices, (list, tuple)):
        return [v[0] if isinstance(v, (list, tuple)) and len(v) == 1 else v for v in indices]
    raise TypeError(
        f"{who}: {what} must be a list of class indices or an (N, 1) Matrix, got "
        f"{type(indices).__name__}"
    )


def class_indices(
    target: Any, n: int, num_classes: int, who: str, ignore_index: int | None = None
) -> list[int]:
    """Class indices from a list of N ints or an (N, 1) Matrix/List2D; checks count and range.

    A value outside [0, num_classes) (other than `ignore_index`) raises an IndexError naming it.
    """
    values = _index_column(target, "target", who)
    if len(values) != n:
        raise ValueError(
            f"{who}: expected {n} targets (one per row of the input), got {len(values)}"
        )
    out = []
    for row, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != int(v):
            raise ValueError(f"{who}: target {v!r} in row {row} is not a class index (an int)")
        i = int(v)
        if i != ignore_index and not 0 <= i < num_classes:
            raise IndexError(
                f"{who}: target index {i} in row {row} is out of range for {num_classes} classes"
            )
        out.append(i)
    return out


def _weight_row(weight: Any, ncol: int, like: List2D, who: str) -> List2D:
    """Class or feature weights as a (1, ncol) List2D on like's backend."""
    if isinstance(weight, Matrix):
        weight = weight.data
    if isinstance(weight, List2D):
        rows = weight.tolist()
    elif isinstance(weight, (list, tuple)):
        rows = [list(weight)] if weight and not isinstance(weight[0], (list, tuple)) else weight
    else:
        raise TypeError(
            f"{who}: weight must be a list, List2D or Matrix, got {type(weight).__name__}"
        )
    flat = [float(v) for row in rows for v in row]
    if len(flat) != ncol:
        raise ValueError(f"{who}: weight has {len(flat)} values, expected {ncol}")
    return constant([flat], like)


def _elementwise_weight(weight: Any, shape: tuple[int, int], like: List2D, who: str) -> List2D:
    """A weight that broadcasts against `shape`: a number, a (1, C) row or the full shape."""
    if isinstance(weight, (int, float)):
        return constant([[float(weight)]], like)
    if isinstance(weight, Matrix):
        weight = weight.data
    if isinstance(weight, List2D):
        w = weight
    elif isinstance(weight, (list, tuple)) and weight and not isinstance(weight[0], (list, tuple)):
        w = constant([[float(v) for v in weight]], like)
    else:
        w = constant(List2D.from_2d_list(weight).tolist(), like)
    w = _on_backend_of(w, like)
    for a, b in zip(w.shape, shape):
        if a not in (1, b):
            raise ValueError(f"{who}: weight of shape {w.shape} does not broadcast to {shape}")
    return w


# ---------------------------------------------------------------------------------------------
# Regression losses
# ---------------------------------------------------------------------------------------------


def mse_loss(input: Matrix, target: Any, reduction: str = "mean") -> Matrix:
    """Mean squared error: (input - target)^2, reduced."""
    target = as_matrix(target, "mse_loss", input)
    _same_shape(input, target, "mse_loss")
    d = input - target
    return reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Matrix, target: Any, reduction: str = "mean") -> Matrix:
    """Mean absolute error: |input - target|, reduced (gradient 0 where they are equal)."""
    target = as_matrix(target, "l1_loss", input)
    _same_shape(input, target, "l1_loss")
    return reduce((input - target).abs(), reduction, "l1_loss")


def huber_loss(input: Matrix, target: Any, reduction: str = "mean", delta: float = 1.0) -> Matrix:
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = as_matrix(target, "huber_loss", input)
    _same_shape(input, target, "huber_loss")
    d = input - target
    a = d.abs()
    small = a.data < delta  # 0/1 mask: a constant, so no gradient flows through the choice
    loss = (d * d) * (small * 0.5) + (a - 0.5 * delta) * ((1.0 - small) * delta)
    return reduce(loss, reduction, "huber_loss")


def smooth_l1_loss(
    input: Matrix, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Matrix:
    """Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta=0 gives L1)."""
    if beta == 0:
        return l1_loss(input, target, reduction)
    target = as_matrix(target, "smooth_l1_loss", input)
    _same_shape(input, target, "smooth_l1_loss")
    d = input - target
    a = d.abs()
    small = a.data < beta
    loss = (d * d) * (small * (0.5 / beta)) + (a - 0.5 * beta) * (1.0 - small)
    return reduce(loss, reduction, "smooth_l1_loss")


# ---------------------------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------------------------


def _log1p(e: List2D) -> List2D:
    """log(1 + e), accurate for tiny e (Kahan's trick: log(u) * e / (u - 1) with u = 1 + e)."""
    u = 1.0 + e
    d = u - 1.0
    exact = d == 0.0  # 1 + e rounded to 1: then log1p(e) = e to working precision
    return u.log() * (e / (d + exact)) * (1.0 - exact) + e * exact


def binary_cross_entropy(
    input: Matrix, target: Any, weight: Any = None, reduction: str = "mean"
) -> Matrix:
    """-(y log(x) + (1 - y) log(1 - x)) for probabilities x in [0, 1], each log clamped at -100
    as in torch (so x = 0 or 1 gives a finite loss). The target gets no gradient."""
    target = as_matrix(target, "binary_cross_entropy", input)
    _same_shape(input, target, "binary_cross_entropy")
    x, y = input.data, target.data
    outside = ((x < 0.0) + (x > 1.0)).sum().item()
    if outside or (x != x).sum().item():
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    value = -(y * x.log().maximum(-100.0) + (1.0 - y) * (1.0 - x).log().maximum(-100.0))

    def backward(g: List2D) -> None:
        # torch's formula: d/dx = (x - y) / max(x (1 - x), 1e-12)
        input._accumulate(g * (x - y) / (x * (1.0 - x)).maximum(1e-12))

    loss = _result("binary_cross_entropy", value, (input,), backward, saved=(x, y))
    if weight is not None:
        loss = loss * _elementwise_weight(weight, input.shape, x, "binary_cross_entropy")
    return reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(
    input: Matrix, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Matrix:
    """Sigmoid + binary cross entropy in one stable step, for logits x and targets y:
    (1 - y) x + l (log(1 + e^-|x|) + max(-x, 0)), with l = 1 + (pos_weight - 1) y (l = 1 without
    pos_weight); without pos_weight this is max(x, 0) - x y + log(1 + e^-|x|). Finite for logits
    of +-1000. `pos_weight` is a number or a (1, C) row weighting the positive examples."""
    target = as_matrix(target, "binary_cross_entropy_with_logits", input)
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    x, y = input.data, target.data
    softplus_neg = _log1p((-x.abs()).exp()) + (-x).relu()  # log(1 + e^-x), stably
    lw: List2D | float = 1.0
    if pos_weight is not None:
        pw = _elementwise_weight(pos_weight, input.shape, x, "binary_cross_entropy_with_logits")
        lw = 1.0 + (pw - 1.0) * y
    value = (1.0 - y) * x + lw * softplus_neg

    def backward(g: List2D) -> None:
        # d/dx = (1 - y) - l * sigmoid(-x)  (= sigmoid(x) - y without pos_weight)
        input._accumulate(g * ((1.0 - y) - lw * (-x).sigmoid()))

    loss = _result("binary_cross_entropy_with_logits", value, (input,), backward, saved=(x, y))
    if weight is not None:
        loss = loss * _elementwise_weight(
            weight, input.shape, x, "binary_cross_entropy_with_logits"
        )
    return reduce(loss, reduction, "binary_cross_entropy_with_logits")


# ---------------------------------------------------------------------------------------------
# Multi-class classification
# ---------------------------------------------------------------------------------------------


def one_hot(indices: Any, num_classes: int = -1) -> Matrix:
    """torch.nn.functional.one_hot in 2D: row i is 0.0 everywhere but 1.0 at column indices[i].

    `indices` holds N class indices: a list of ints, or an (N, 1) Matrix or List2D of whole
    numbers. num_classes=-1 means max(indices) + 1. The result is an (N, num_classes) Matrix of
    floats (torch gives ints; Match has only floats) that tracks no gradient.
    """
    values = _index_column(indices, "indices", "one_hot")
    in_matrix = isinstance(indices, (Matrix, List2D))  # whose entries are floats
    for v in values:
        if isinstance(v, bool) or not (isinstance(v, int) or in_matrix and float(v).is_integer()):
            raise TypeError(f"one_hot: indices must be ints, got {v!r}")
    idx = [int(v) for v in values]
    if not idx:
        raise ValueError("one_hot: indices is empty")
    if isinstance(num_classes, bool) or not isinstance(num_classes, int):
        raise TypeError(f"one_hot: num_classes must be an int, got {type(num_classes).__name__}")
    if num_classes == -1:
        num_classes = max(max(idx) + 1, 1)
    elif num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be -1 or at least 1, got {num_classes}")
    rows = [[0.0] * num_classes for _ in idx]
    for row, i in zip(rows, idx):
        if not 0 <= i < num_classes:
            raise ValueError(f"one_hot: label {i} is outside 0 .. {num_classes - 1}")
        row[i] = 1.0
    return Matrix(List2D.from_2d_list(rows), requires_grad=False)


def nll_loss(
    input: Matrix,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Matrix:
    """Negative log-likelihood: -w[y_i] * input[i, y_i] for log-probabilities `input` (N, C) and
    class indices y. 'mean' divides by the sum of the weights of the rows that count (rows whose
    target is `ignore_index` count for nothing); 'none' gives an (N, 1) column."""
    _check_reduction(reduction, "nll_loss")
    n, c = input.shape
    idx = class_indices(target, n, c, "nll_loss", ignore_index)
    counted = [0 <= i < c for i in idx]  # False only where the target is ignore_index
    mask = _on_backend_of(
        one_hot([i if k else 0 for i, k in zip(idx, counted)], c).data, input.data
    )
    if not all(counted):  # an ignored row adds nothing to the loss or to the mean's divisor
        mask = mask * constant([[float(k)] for k in counted], input.data)
    if weight is not None:
        mask = mask * _weight_row(weight, c, input.data, "nll_loss")
    per_row = -(input * mask).sum(1)  # (N, 1): -w_y * logp_y, 0 for ignored rows
    if reduction == "none":
        return per_row
    total = per_row.sum()
    if reduction == "sum":
        return total
    return total / mask.sum().item()


def cross_entropy(
    input: Matrix,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Matrix:
    """Cross entropy of logits `input` (N, C) against class indices (a list of N ints or an
    (N, 1) Matrix) or against class probabilities (an (N, C) Matrix, as in torch).

    Equal to nll_loss(log_softmax(input)) when label_smoothing is 0; with label smoothing e the
    loss is (1 - e) * nll + e / C * sum over classes of -w_c logp_c, reduced as torch does.
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    n, c = input.shape
    logp = input.log_softmax(1)
    if isinstance(target, (Matrix, List2D)) and target.shape == (n, c) and c > 1:
        return _cross_entropy_probabilities(logp, target, weight, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight, ignore_index, reduction)
    if label_smoothing == 0.0:
        return nll
    idx = class_indices(target, n, c, "cross_entropy", ignore_index)
    logp_w = logp
    if weight is not None:
        logp_w = logp * _weight_row(weight, c, input.data, "cross_entropy")
    counted = constant([[0.0 if i == ignore_index else 1.0] for i in idx], input.data)
    smooth = -logp_w.sum(1) * counted  # (N, 1)
    if reduction == "mean":
        if weight is not None:
            w = _weight_row(weight, c, input.data, "cross_entropy").tolist()[0]
            smooth = smooth.sum() / sum(w[i] for i in idx if i != ignore_index)
        else:  # torch divides by the number of rows that count
            smooth = smooth.sum() / sum(1 for i in idx if i != ignore_index)
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1.0 - label_smoothing) * nll + smooth * (label_smoothing / c)


def _cross_entropy_probabilities(
    logp: Matrix, target: Any, weight: Any, reduction: str, label_smoothing: float
) -> Matrix:
    """Cross entropy against (N, C) class probabilities: -sum_c w_c p_c logp_c per row."""
    n, c = logp.shape
    p = _on_backend_of(target.data if isinstance(target, Matrix) else target, logp.data)
    if label_smoothing:
        p = p * (1.0 - label_smoothing) + label_smoothing / c
    if weight is not None:
        p = p * _weight_row(weight, c, logp.data, "cross_entropy")
    per_row = -(logp * p).sum(1)
    if reduction == "mean":
        return per_row.sum() / n
    return reduce(per_row, reduction, "cross_entropy")


__all__ = [
    "mse_loss",
    "l1_loss",
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "one_hot",
]

from .attention import scaled_dot_product_attention  # noqa: E402, F401  (torch.nn.functional name)
