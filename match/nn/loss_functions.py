"""The losses as functions (torch.nn.functional's names), `one_hot`, and the helpers the layers
share for turning targets and weights into constants. `match.nn.functional` re-exports them.

The loss Modules (`nn.MSELoss`, `nn.CrossEntropyLoss`, ...) only hold their settings and call
these functions, so each loss's math is written once. Every loss takes
`reduction='mean' | 'sum' | 'none'` as torch does; 'none' keeps the elementwise shape for the
regression and binary losses, and gives an (N, 1) column of per-sample losses for the
classification losses. Targets, weights and masks are constants: they are put on the input's
backend and get no gradient.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..checks import check_flag, check_int, check_real, plain_scalar
from ..list2d import List2D
from ..matrix import Matrix, _result, where
from ..shapes import check_dim
from ._checks import check_input, check_reduction

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
    if isinstance(x, (list, tuple)) or hasattr(x, "tolist"):  # a numpy array, a torch tensor
        data = List2D.from_2d_list(x, what)
        return Matrix(
            data if like is None else _on_backend_of(data, like.data), requires_grad=False
        )
    raise TypeError(f"{what}: expected a Matrix, List2D or nested lists, got {type(x).__name__}")


def reduce(loss: Matrix, reduction: str, who: str = "loss") -> Matrix:
    """Apply a torch reduction to an elementwise (or per-sample) loss."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    check_reduction(reduction, who)  # anything but 'none' raises here
    return loss


def _pair(input: Any, target: Any, who: str) -> tuple[Matrix, Matrix]:
    """The input (a Matrix) and the target (a Matrix, or nested lists made a constant on the
    input's backend) of an elementwise loss, checked to have the same shape."""
    input = check_input(input, who)
    if not isinstance(target, Matrix):
        target = as_matrix(target, who, input)
    if input.shape != target.shape:
        raise ValueError(
            f"{who}: input shape {input.shape} and target shape {target.shape} must be equal"
        )
    return input, target


def _row_as_column(indices: Any) -> Any:
    """torch's 1-D targets, which Match writes as a (1, N) row of positions (`tensor(labels,
    dtype=match.long)`, `randint`, `Y[ix]`), as the (N, 1) column the losses read."""
    if isinstance(indices, Matrix) and indices._integer and indices.nrow == 1:
        return Matrix(indices.data.T, requires_grad=False)
    return indices


def _index_column(indices: Any, what: str, who: str) -> Sequence[Any]:
    """The entries of a list (of numbers, or of 1-element lists) or of an (N, 1) Matrix/List2D;
    `what` names the argument in the errors. A 1D numpy array or torch tensor is a list, and
    numpy or torch integers (labels from `list(np_array)` are np.int64) are ints, as in torch."""
    indices = _row_as_column(indices)
    if isinstance(indices, (Matrix, List2D)):
        _check_index_shape(indices, what, who)
        return [row[0] for row in indices.tolist()]
    if hasattr(indices, "tolist") and getattr(indices, "ndim", None) in (1, 2):
        indices = indices.tolist()
    if isinstance(indices, (list, tuple)):
        if all(type(v) is int for v in indices):
            return indices
        indices = [plain_scalar(v) for v in indices]
        return [v[0] if isinstance(v, (list, tuple)) and len(v) == 1 else v for v in indices]
    raise TypeError(
        f"{who}: {what} must be a list of class indices or an (N, 1) Matrix, got "
        f"{type(indices).__name__}"
    )


def _check_index_shape(indices: Matrix | List2D, what: str, who: str) -> None:
    if indices.shape[1] != 1:
        raise ValueError(
            f"{who}: {what} must be an (N, 1) matrix of class indices, got shape {indices.shape}"
        )


def _check_count(count: int, n: int, who: str) -> None:
    if count != n:
        raise ValueError(f"{who}: expected {n} targets (one per row of the input), got {count}")


def _check_whole(v: Any, row: int, who: str) -> None:
    """A ValueError naming the row unless the target v is a whole number (an int or a float)."""
    whole = isinstance(v, int) or isinstance(v, float) and v.is_integer()
    if isinstance(v, bool) or not whole:
        raise ValueError(f"{who}: target {v!r} in row {row} is not a class index (an int)")


def _check_class(v: Any, row: int, num_classes: int, who: str, ignore_index: int | None) -> int:
    """One target as a class index, or the error naming its row (a ValueError for a value that is
    not a whole number, an IndexError for one out of range)."""
    _check_whole(v, row, who)
    i = int(v)
    if i != ignore_index and not 0 <= i < num_classes:
        raise IndexError(
            f"{who}: target index {i} in row {row} is out of range for {num_classes} classes"
        )
    return i


def class_indices(
    target: Any,
    n: int,
    num_classes: int,
    who: str,
    ignore_index: int | None = None,
    what: str = "target",
) -> list[int]:
    """Class indices from a list of N ints or an (N, 1) Matrix/List2D; checks count and range.

    A value outside [0, num_classes) (other than `ignore_index`) raises an IndexError naming it;
    `what` names the argument in the errors.
    """
    values = _index_column(target, what, who)
    _check_count(len(values), n, who)
    return [_check_class(v, row, num_classes, who, ignore_index) for row, v in enumerate(values)]


def _target_column(target: Any, like: List2D, who: str) -> List2D:
    """Class indices as an (N, 1) List2D of floats on like's backend. A Matrix or List2D target
    is used as it is (no Python loop over its rows); a list is converted once."""
    n = like.shape[0]
    target = _row_as_column(target)
    if isinstance(target, (Matrix, List2D)):
        _check_index_shape(target, "target", who)
        _check_count(target.shape[0], n, who)
        data = target.data if isinstance(target, Matrix) else target
        return _on_backend_of(data, like)
    values = _index_column(target, "target", who)
    _check_count(len(values), n, who)
    if not all(type(v) is int for v in values):  # one fast pass for the common case
        for row, v in enumerate(values):  # the range is checked on the backend, by class_mask
            _check_whole(v, row, who)
    return constant([[float(v) for v in values]], like).T  # one row is cheaper to build


def class_mask(
    column: List2D, num_classes: int, ignore_index: int, who: str
) -> tuple[List2D, float]:
    """The (N, C) one-hot mask of the target classes (0 on rows whose target is ignore_index),
    and the number of rows that count.

    Built by ONE broadcast comparison of the (N, 1) index column against the row 0 .. C-1, so it
    costs a few kernel calls and one read of a number at any batch size. A row that matches no
    class and is not ignored holds a bad target: only then are the rows read in Python, to name
    the first bad one.
    """
    n = column.shape[0]
    classes = column.new_rows([[float(j) for j in range(num_classes)]])
    mask = column == classes
    hits = mask.sum().item()  # a row matches at most one class
    ignored_is_class = 0 <= ignore_index < num_classes
    if hits != n:
        ignored = 0.0 if ignored_is_class else (column == float(ignore_index)).sum().item()
        if hits + ignored != n:
            for row, (v,) in enumerate(column.tolist()):
                _check_class(v, row, num_classes, who, ignore_index)
    if ignored_is_class:  # zero the ignored class's column: exactly the ignored rows' ones
        mask = mask * (classes != float(ignore_index))
        hits = mask.sum().item()
    return mask, hits


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
    input, target = _pair(input, target, "mse_loss")
    d = input - target
    return reduce(d * d, reduction, "mse_loss")


def l1_loss(input: Matrix, target: Any, reduction: str = "mean") -> Matrix:
    """Mean absolute error: |input - target|, reduced (gradient 0 where they are equal)."""
    input, target = _pair(input, target, "l1_loss")
    return reduce((input - target).abs(), reduction, "l1_loss")


def huber_loss(input: Matrix, target: Any, reduction: str = "mean", delta: float = 1.0) -> Matrix:
    """Huber loss: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta), d = input - target."""
    delta = check_real(delta, "huber_loss", "delta", 0.0, low_open=True)
    input, target = _pair(input, target, "huber_loss")
    d = input - target
    a = d.abs()
    small = a.data < delta  # a constant, so no gradient flows through the choice
    # where, not a product with the mask: d * d overflows for |d| > 1.34e154, and inf * 0 is nan
    loss = where(small, (d * d) * 0.5, (a - 0.5 * delta) * delta)
    return reduce(loss, reduction, "huber_loss")


def smooth_l1_loss(
    input: Matrix, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Matrix:
    """Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (beta=0 gives L1)."""
    if check_real(beta, "smooth_l1_loss", "beta", 0.0) == 0.0:
        return l1_loss(input, target, reduction)
    input, target = _pair(input, target, "smooth_l1_loss")
    d = input - target
    a = d.abs()
    small = a.data < beta
    loss = where(small, (d * d) * (0.5 / beta), a - 0.5 * beta)  # where: see huber_loss
    return reduce(loss, reduction, "smooth_l1_loss")


# ---------------------------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------------------------


def binary_cross_entropy(
    input: Matrix, target: Any, weight: Any = None, reduction: str = "mean"
) -> Matrix:
    """-(y log(x) + (1 - y) log(1 - x)) for probabilities x in [0, 1], each log clamped at -100
    as in torch (so x = 0 or 1 gives a finite loss). The target gets no gradient."""
    input, target = _pair(input, target, "binary_cross_entropy")
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
    input, target = _pair(input, target, "binary_cross_entropy_with_logits")
    x, y = input.data, target.data
    softplus_neg = (-x.abs()).exp().log1p() + (-x).relu()  # log(1 + e^-x), stably
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
    num_classes = check_int(num_classes, "one_hot", "num_classes")
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
    return _class_index_loss(input, target, weight, ignore_index, reduction, 0.0, "nll_loss")


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
    who = "cross_entropy"
    input = check_input(input, who)
    check_reduction(reduction, who)
    check_real(label_smoothing, who, "label_smoothing", 0.0, 1.0)
    n, c = input.shape
    # An (N, C) matrix of floats holds probabilities, as torch's float target; with one class
    # it is an (N, 1) column, as class indices are: those are positions (Matrix._integer).
    if (
        isinstance(target, (Matrix, List2D))
        and target.shape == (n, c)
        and (c > 1 or not getattr(target, "_integer", False))
    ):
        logp = input.log_softmax(1)
        return _cross_entropy_probabilities(logp, target, weight, reduction, label_smoothing)
    return _class_index_loss(input, target, weight, ignore_index, reduction, label_smoothing, who)


def _class_index_loss(
    input: Matrix,
    target: Any,
    weight: Any,
    ignore_index: int,
    reduction: str,
    label_smoothing: float,
    who: str,
) -> Matrix:
    """nll_loss (who='nll_loss', input = log-probabilities) or cross_entropy (input = logits,
    optional label smoothing e) against class indices, as torch computes them:

    per row: (1 - e) * w_y * -logp_y + e / C * sum_c w_c * -logp_c, 0 on ignored rows;
    'mean' divides the sum by the total weight w_y of the rows that count.
    """
    input = check_input(input, who)
    check_reduction(reduction, who)
    check_int(ignore_index, who, "ignore_index")
    n, c = input.shape
    mask, counted = class_mask(_target_column(target, input.data, who), c, ignore_index, who)
    # Everything that is not the input is folded into one constant coefficient per element,
    # so the graph is one product and one sum (backward: the upstream gradient times coef).
    coef = mask  # w_y at (i, y_i), 0 elsewhere and on ignored rows
    if weight is not None:
        class_weight = _weight_row(weight, c, input.data, who)
        coef = mask * class_weight
        counted = coef.sum().item()  # 'mean' divides by the weights of the rows that count
    if label_smoothing:  # plus e / C * w_c on every class of a row that counts
        spread = mask.sum(1) * (label_smoothing / c)
        coef = (1.0 - label_smoothing) * coef + (
            spread if weight is None else spread * class_weight
        )
    # Pick with where, so that a -inf log-probability where coef is 0 gives 0, not nan: nll_loss
    # takes any log-probabilities, and log_softmax of logits 1e308 and -1e308 has a -inf
    logp = input if who == "nll_loss" else input.log_softmax(1)
    picked = logp.where(coef != 0.0, 0.0) * coef
    if reduction == "none":
        return -picked.sum(1)
    total = -picked.sum()
    return total if reduction == "sum" else total / counted


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


# ---------------------------------------------------------------------------------------------
# Distributions: KL divergence, Poisson and Gaussian negative log-likelihood
# ---------------------------------------------------------------------------------------------


def kl_div(input: Matrix, target: Any, reduction: str = "mean", log_target: bool = False) -> Matrix:
    """KL divergence of log-probabilities `input` from `target`, pointwise
    target * (log(target) - input), 0 where target is 0 (log_target=True: target holds
    log-probabilities, and the pointwise loss is exp(target) * (target - input)).

    reduction='batchmean' divides the sum by the number of rows: the KL divergence per sample,
    which is what the maths means; 'mean' divides by the number of elements (torch's default).
    """
    who = "kl_div"
    check_reduction(reduction, who, ("batchmean",))
    check_flag(log_target, who, "log_target")
    input, target = _pair(input, target, who)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # xlogy(t, t): the log reads 1 where t is 0, so that branch stays finite (no nan grad)
        loss = target * target.where(target.data != 0.0, 1.0).log() - target * input
    if reduction == "batchmean":
        return loss.sum() / input.nrow
    return reduce(loss, reduction, who)


def poisson_nll_loss(
    input: Matrix,
    target: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Matrix:
    """Poisson negative log-likelihood of counts `target` with rate exp(input) (log_input=True):
    exp(input) - target * input, or with rate input: input - target * log(input + eps).
    full=True adds Stirling's term t log t - t + 0.5 log(2 pi t) where the target exceeds 1."""
    who = "poisson_nll_loss"
    check_reduction(reduction, who)
    check_flag(log_input, who, "log_input")
    check_flag(full, who, "full")
    eps = check_real(eps, who, "eps", 0.0)
    input, target = _pair(input, target, who)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        big = target.data > 1.0  # the term is 0 elsewhere; 2.0 keeps that branch finite
        t = target.where(big, 2.0)
        stirling = t * t.log() - t + 0.5 * (t * (2.0 * math.pi)).log()
        loss = loss + stirling.where(big, 0.0)
    return reduce(loss, reduction, who)


def gaussian_nll_loss(
    input: Matrix,
    target: Any,
    var: Matrix | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Matrix:
    """Gaussian negative log-likelihood of `target` under mean `input` and variance `var`:
    0.5 * (log(var) + (input - target)^2 / var), plus 0.5 log(2 pi) with full=True.

    var has the input's shape, one column (one variance per row: (N, 1)), or is a number.
    As in torch, var is clamped at eps for the value, while its gradient passes as if unclamped.
    """
    who = "gaussian_nll_loss"
    check_reduction(reduction, who)
    check_flag(full, who, "full")
    eps = check_real(eps, who, "eps", 0.0)
    input, target = _pair(input, target, who)
    if not isinstance(var, Matrix):
        var = Matrix(input.data.new_full(1, 1, check_real(var, who, "var", 0.0)), False)
    if var.nrow not in (1, input.nrow) or var.ncol not in (1, input.ncol):
        raise ValueError(f"{who}: var of shape {var.shape} does not fit input of {input.shape}")
    if (var.data < 0.0).sum().item():
        raise ValueError(f"{who}: var has a negative entry")
    clamped = var + (var.data.maximum(eps) - var.data)  # torch clamps in place under no_grad
    d = input - target
    loss = 0.5 * (clamped.log() + d * d / clamped)
    if full:
        loss = loss + 0.5 * math.log(2.0 * math.pi)
    return reduce(loss, reduction, who)


# ---------------------------------------------------------------------------------------------
# Similarity and distance, and the losses on pairs built from them
# ---------------------------------------------------------------------------------------------


def _norm(x: Matrix, p: float, dim: int, who: str) -> Matrix:
    """The p-norm along dim, kept as a column (dim=1) or a row (dim=0)."""
    p = check_real(p, who, "p", 0.0, low_open=True)
    if p == math.inf:
        return x.abs().max(dim).values
    total = (x * x).sum(dim) if p == 2.0 else (x.abs() ** p).sum(dim)
    # At a zero vector the root's derivative is infinite and its input's is 0, so the chain
    # gives 0 * inf = nan: the root is taken of 1 there instead and the result masked to 0,
    # which gives torch's gradient, 0 (the norm's subgradient at 0).
    zero = total.data == 0.0
    root = (total + zero).sqrt() if p == 2.0 else (total + zero) ** (1.0 / p)
    return root * (1.0 - zero)


def normalize(input: Matrix, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Matrix:
    """input / max(||input||_p, eps) along dim: each row (dim=1) scaled to unit norm."""
    input = check_input(input, "normalize")
    dim = check_dim(dim, "normalize", allow_none=False)
    eps = check_real(eps, "normalize", "eps", 0.0)
    return input / _norm(input, p, dim, "normalize").clamp(min=eps)


def cosine_similarity(x1: Matrix, x2: Matrix, dim: int = 1, eps: float = 1e-8) -> Matrix:
    """The cosine of the angle between x1 and x2 along dim (rows for dim=1, giving (N, 1)):
    sum(x1 / max(||x1||, eps) * x2 / max(||x2||, eps)), each norm clamped as torch does."""
    who = "cosine_similarity"
    x1, x2 = check_input(x1, who), check_input(x2, who)
    dim = check_dim(dim, who, allow_none=False)
    eps = check_real(eps, who, "eps", 0.0)
    return (
        x1
        / _norm(x1, 2.0, dim, who).clamp(min=eps)
        * (x2 / _norm(x2, 2.0, dim, who).clamp(min=eps))
    ).sum(dim)


def pairwise_distance(
    x1: Matrix, x2: Matrix, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Matrix:
    """||x1 - x2 + eps||_p per row, an (N, 1) column (`keepdim` is accepted: Match is 2D)."""
    who = "pairwise_distance"
    x1, x2 = check_input(x1, who), check_input(x2, who)
    eps = check_real(eps, who, "eps")
    check_flag(keepdim, who, "keepdim")
    return _norm(x1 - x2 + eps, p, 1, who)


def _labels(target: Any, shape: tuple[int, int], like: Matrix, who: str) -> List2D:
    """Labels (such as 1 and -1) as a constant that broadcasts to shape: a flat list of N
    numbers becomes an (N, 1) column, as torch's 1D target of N samples."""
    if isinstance(target, (list, tuple)) and target and not isinstance(target[0], (list, tuple)):
        target = [[v] for v in target]
    labels = as_matrix(target, who, like).data
    if any(a not in (1, b) for a, b in zip(labels.shape, shape)):
        raise ValueError(f"{who}: target of shape {labels.shape} does not fit {shape}")
    return _on_backend_of(labels, like.data)


def cosine_embedding_loss(
    input1: Matrix, input2: Matrix, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Matrix:
    """Per row: 1 - cos(x1, x2) where the target is 1, max(0, cos(x1, x2) - margin) where it is
    -1; cos is torch's here: x1.x2 / sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12)). Gives (N, 1)."""
    who = "cosine_embedding_loss"
    check_reduction(reduction, who)
    margin = check_real(margin, who, "margin")
    x1, x2 = check_input(input1, who), check_input(input2, who)
    if x1.shape != x2.shape:
        raise ValueError(f"{who}: input1 shape {x1.shape} and input2 shape {x2.shape} differ")
    y = _labels(target, (x1.nrow, 1), x1, who)
    cos = (x1 * x2).sum(1) / (((x1 * x1).sum(1) + 1e-12) * ((x2 * x2).sum(1) + 1e-12)).sqrt()
    loss = (1.0 - cos).where(y == 1.0, 0.0) + (cos - margin).clamp(min=0.0).where(y == -1.0, 0.0)
    return reduce(loss, reduction, who)


def margin_ranking_loss(
    input1: Matrix, input2: Matrix, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Matrix:
    """max(0, -target * (input1 - input2) + margin): target 1 asks input1 to rank higher."""
    who = "margin_ranking_loss"
    check_reduction(reduction, who)
    margin = check_real(margin, who, "margin")
    x1, x2 = _pair(input1, input2, who)
    y = _labels(target, x1.shape, x1, who)
    return reduce((-(x1 - x2) * y + margin).clamp(min=0.0), reduction, who)


def hinge_embedding_loss(
    input: Matrix, target: Any, margin: float = 1.0, reduction: str = "mean"
) -> Matrix:
    """input where the target is 1, max(0, margin - input) where it is -1 (input is usually a
    distance between a pair, target says whether the pair is alike)."""
    who = "hinge_embedding_loss"
    check_reduction(reduction, who)
    margin = check_real(margin, who, "margin")
    input = check_input(input, who)
    y = _labels(target, input.shape, input, who)
    loss = (margin - input).clamp(min=0.0).where(y != 1.0, 0.0) + input.where(y != -1.0, 0.0)
    return reduce(loss, reduction, who)


def soft_margin_loss(input: Matrix, target: Any, reduction: str = "mean") -> Matrix:
    """log(1 + exp(-target * input)) for labels 1 and -1: a smooth hinge (torch's formula)."""
    input, target = _pair(input, target, "soft_margin_loss")
    return reduce((-(input * target)).exp().log1p(), reduction, "soft_margin_loss")


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
    "kl_div",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "normalize",
    "cosine_similarity",
    "pairwise_distance",
    "cosine_embedding_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
]
