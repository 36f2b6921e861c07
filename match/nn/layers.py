"""The feed-forward layers: Linear, the activations, Dropout and the normalisations.

Each has torch.nn's constructor arguments, defaults, initialisation and parameter names, so that
a state dict moves between Match and torch (reshape the (1, n) biases to torch's (n,)). Rows are
examples and columns are features throughout.
"""

from __future__ import annotations

import math
from typing import Any

from ..checks import check_flag, check_positive_int, check_real
from ..creation import zeros
from ..list2d import List2D, rng
from ..matrix import Matrix
from ..shapes import check_dim
from ..torch_surface import vector
from . import init, loss_functions
from ._checks import check_input
from .activation_functional import layer_norm
from .loss_functions import constant
from .module import Module
from .sparse import Embedding  # moved to sparse.py; this import path still works


class Linear(Module):
    """y = x W^T + b, with weight (out_features, in_features) and bias (1, out_features).

    Initialised as torch does (kaiming_uniform with a=sqrt(5)): weight and bias both from
    uniform(-1/sqrt(in_features), 1/sqrt(in_features)). `W` and `b` are aliases of `weight` and
    `bias` (the original Match names).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        """Create the weight (and bias) with torch's default initialisation."""
        super().__init__()
        self.in_features = check_positive_int(in_features, "Linear", "in_features")
        self.out_features = check_positive_int(out_features, "Linear", "out_features")
        check_flag(bias, "Linear", "bias")
        bound = 1.0 / math.sqrt(in_features)
        self.weight = init.uniform_(zeros(out_features, in_features), -bound, bound)
        self.bias: Matrix | None = (
            init.uniform_(zeros(out_features), -bound, bound) if bias else None
        )

    @property
    def W(self) -> Matrix:
        """Alias of `weight` (out_features, in_features)."""
        return self.weight

    @W.setter
    def W(self, value: Matrix) -> None:
        self.weight = value

    @property
    def b(self) -> Matrix | None:
        """Alias of `bias` (1, out_features)."""
        return self.bias

    @b.setter
    def b(self, value: Matrix | None) -> None:
        self.bias = value

    def forward(self, x: Matrix) -> Matrix:
        """x (N, in_features) -> (N, out_features): x @ W.T + b."""
        x = check_input(x, "Linear")
        if x.ncol != self.in_features:
            raise ValueError(
                f"Linear: expected {self.in_features} input features, got input of shape {x.shape}"
            )
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        """Sizes and bias flag."""
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class ReLU(Module):
    """max(x, 0), elementwise. `inplace=True` is accepted for torch's programs and computes
    out of place: the result is the same, and Match's graph keeps the input's values."""

    def __init__(self, inplace: bool = False) -> None:
        """inplace: accepted, see the class docstring."""
        super().__init__()
        self.inplace = check_flag(inplace, "ReLU", "inplace")

    def extra_repr(self) -> str:
        """`inplace=True` when given, as torch prints it."""
        return "inplace=True" if self.inplace else ""

    def forward(self, x: Matrix) -> Matrix:
        """relu(x)."""
        return check_input(x, "ReLU").relu()


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x. `inplace=True` is accepted and computes out of
    place, as `ReLU`'s."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        """Slope for negative inputs (torch's default 0.01); inplace: see `ReLU`."""
        super().__init__()
        self.negative_slope = check_real(negative_slope, "LeakyReLU", "negative_slope")
        self.inplace = check_flag(inplace, "LeakyReLU", "inplace")

    def forward(self, x: Matrix) -> Matrix:
        """leaky_relu(x)."""
        return check_input(x, "LeakyReLU").leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        """The slope."""
        inplace = ", inplace=True" if self.inplace else ""
        return f"negative_slope={self.negative_slope}{inplace}"


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise."""

    def forward(self, x: Matrix) -> Matrix:
        """sigmoid(x)."""
        return check_input(x, "Sigmoid").sigmoid()


class Tanh(Module):
    """Hyperbolic tangent, elementwise."""

    def forward(self, x: Matrix) -> Matrix:
        """tanh(x)."""
        return check_input(x, "Tanh").tanh()


class _AlongDim(Module):
    """A layer that works along one dim (dim=None means 1, torch's choice for 2D input)."""

    def __init__(self, dim: int | None = None) -> None:
        """dim=1: along each row; dim=0: along each column."""
        super().__init__()
        check_dim(dim, type(self).__name__)
        self.dim = dim

    def extra_repr(self) -> str:
        """The dim."""
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """exp(x) / sum(exp(x)) along dim (dim=None means 1, torch's choice for 2D input)."""

    def forward(self, x: Matrix) -> Matrix:
        """softmax(x, dim)."""
        return check_input(x, "Softmax").softmax(1 if self.dim is None else self.dim)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along dim, computed stably (dim=None means 1)."""

    def forward(self, x: Matrix) -> Matrix:
        """log_softmax(x, dim)."""
        return check_input(x, "LogSoftmax").log_softmax(1 if self.dim is None else self.dim)


class Dropout(Module):
    """In training, zero each element with probability p and scale the rest by 1 / (1 - p);
    in eval mode, the identity. The mask comes from `match.list2d.rng()`, so `manual_seed`
    makes it repeat."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        """p: the probability of zeroing an element (`inplace` is accepted for torch's sake;
        Match always returns a new matrix)."""
        super().__init__()
        self.p = check_real(p, "Dropout", "p", 0.0, 1.0)
        self.inplace = check_flag(inplace, "Dropout", "inplace")

    def forward(self, x: Matrix) -> Matrix:
        """x * mask / (1 - p) in training, x in eval mode."""
        x = check_input(x, "Dropout")
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:
            return x * 0.0
        keep, scale, draw = 1.0 - self.p, 1.0 / (1.0 - self.p), rng().random
        rows = [[scale if draw() < keep else 0.0 for _ in range(x.ncol)] for _ in range(x.nrow)]
        return x * constant(rows, x.data)

    def extra_repr(self) -> str:
        """p and inplace, as torch prints them."""
        return f"p={self.p}, inplace={self.inplace}"


def _features(shape: Any, who: str) -> int:
    """normalized_shape as the number of features: an int or a 1-tuple of one."""
    if isinstance(shape, (list, tuple)):
        if len(shape) != 1:
            raise ValueError(
                f"{who}: only the last dimension can be normalised in 2D, got {tuple(shape)}"
            )
        shape = shape[0]
    return check_positive_int(shape, who, "normalized_shape")


class LayerNorm(Module):
    """Normalise each row to mean 0 and variance 1 (biased variance, eps added), then scale and
    shift by weight and bias, both (1, features), starting at 1 and 0."""

    def __init__(
        self,
        normalized_shape: int | tuple[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
    ) -> None:
        """normalized_shape: the number of features (columns)."""
        super().__init__()
        self.normalized_shape = (_features(normalized_shape, "LayerNorm"),)
        self.eps = check_real(eps, "LayerNorm", "eps")
        self.elementwise_affine = check_flag(elementwise_affine, "LayerNorm", "elementwise_affine")
        check_flag(bias, "LayerNorm", "bias")
        n = self.normalized_shape[0]
        self.weight = vector(Matrix(List2D.ones(1, n))) if elementwise_affine else None
        self.bias = vector(Matrix(List2D.zeros(1, n))) if elementwise_affine and bias else None

    def forward(self, x: Matrix) -> Matrix:
        """(x - mean) / sqrt(var + eps) * weight + bias, per row."""
        x = check_input(x, "LayerNorm")
        if x.ncol != self.normalized_shape[0]:
            raise ValueError(
                f"LayerNorm: expected {self.normalized_shape[0]} features, got "
                f"input of shape {x.shape}"
            )
        return layer_norm(x, x.ncol, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """Shape, eps, affine flag."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class BatchNorm1d(Module):
    """Normalise each column over the batch, then scale and shift by weight and bias (1, F).

    In training it uses the batch mean and biased variance, and updates the buffers
    running_mean and running_var (the unbiased variance) with
    `running = (1 - momentum) * running + momentum * batch` (momentum=None: a cumulative
    average); in eval mode it uses the running statistics. Buffers: running_mean (1, F),
    running_var (1, F), num_batches_tracked (1, 1), as in torch's state dict.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        bias: bool = True,
    ) -> None:
        """Create weight 1, bias 0 (bias=False: none), running_mean 0, running_var 1."""
        super().__init__()
        who = "BatchNorm1d"
        self.num_features = check_positive_int(num_features, who, "num_features")
        self.eps = check_real(eps, who, "eps")
        self.momentum = None if momentum is None else check_real(momentum, who, "momentum")
        self.affine = check_flag(affine, who, "affine")
        self.track_running_stats = check_flag(track_running_stats, who, "track_running_stats")
        check_flag(bias, who, "bias")
        self.weight = vector(Matrix(List2D.ones(1, num_features))) if affine else None
        self.bias = vector(Matrix(List2D.zeros(1, num_features))) if affine and bias else None
        tracking = track_running_stats
        self.register_buffer("running_mean", List2D.zeros(1, num_features) if tracking else None)
        self.register_buffer("running_var", List2D.ones(1, num_features) if tracking else None)
        self.register_buffer("num_batches_tracked", List2D.zeros(1, 1) if tracking else None)

    def forward(self, x: Matrix) -> Matrix:
        """Normalise x (N, num_features) per column."""
        x = check_input(x, "BatchNorm1d")
        if x.ncol != self.num_features:
            raise ValueError(
                f"BatchNorm1d: expected {self.num_features} features, got input of shape {x.shape}"
            )
        if self.training or not self.track_running_stats:
            n = x.nrow
            if n < 2:  # batch statistics of one row: torch refuses them, in eval mode too
                raise ValueError(
                    f"BatchNorm1d: expected more than 1 value per channel when "
                    f"training, got input of shape {x.shape}"
                )
            mean = x.mean(0)
            centred = x - mean
            var = (centred * centred).mean(0)
            y = centred / (var + self.eps).sqrt()
            if self.training and self.track_running_stats:
                self.num_batches_tracked = self.num_batches_tracked + 1.0
                f = (
                    1.0 / self.num_batches_tracked.item()
                    if self.momentum is None
                    else self.momentum
                )
                self.running_mean = f * mean.data + (1.0 - f) * self.running_mean
                self.running_var = f * (var.data * (n / (n - 1))) + (1.0 - f) * self.running_var
        else:
            y = (x - self.running_mean) / (self.running_var + self.eps).sqrt()
        if self.weight is not None:
            y = y * self.weight
        if self.bias is not None:
            y = y + self.bias
        return y

    def extra_repr(self) -> str:
        """Settings."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class CosineSimilarity(Module):
    """The cosine similarity of two inputs along dim (see `functional.cosine_similarity`)."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        """torch's arguments and defaults."""
        super().__init__()
        self.dim = check_dim(dim, "CosineSimilarity")
        self.eps = check_real(eps, "CosineSimilarity", "eps", 0.0)

    def forward(self, x1: Matrix, x2: Matrix) -> Matrix:
        """(N, 1) for dim=1, (1, C) for dim=0."""
        return loss_functions.cosine_similarity(x1, x2, self.dim, self.eps)


class PairwiseDistance(Module):
    """The p-norm distance between the rows of two inputs (see `functional.pairwise_distance`)."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        """torch's arguments and defaults."""
        super().__init__()
        self.norm = check_real(p, "PairwiseDistance", "p", 0.0, low_open=True)
        self.eps = check_real(eps, "PairwiseDistance", "eps")
        self.keepdim = check_flag(keepdim, "PairwiseDistance", "keepdim")

    def forward(self, x1: Matrix, x2: Matrix) -> Matrix:
        """An (N, 1) column of distances."""
        return loss_functions.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


__all__ = [
    "BatchNorm1d",
    "CosineSimilarity",
    "Dropout",
    "Embedding",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "PairwiseDistance",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Tanh",
]
