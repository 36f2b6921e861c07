"""Recurrent cells: one time step on a (batch, features) matrix, with torch's gate order.

A sequence is a Python loop over the steps, written by the caller, so the unrolled graph is
plain to see. The weights stack the gates (weight_ih is (gates * hidden, input)), as torch's do,
so a torch cell's state dict loads unchanged.
"""

from __future__ import annotations

import math

from ..creation import zeros
from ..matrix import Matrix
from . import init
from .functional import constant
from .module import Module


class _CellBase(Module):
    """Shared setup: weight_ih (gates*H, in), weight_hh (gates*H, H), bias_ih and bias_hh
    (1, gates*H), all from uniform(-1/sqrt(H), 1/sqrt(H)) in that order, as torch does."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        """Create the four parameters (two without bias) with torch's initialisation."""
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        k = self.gates * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = init.uniform_(zeros(k, input_size), -bound, bound)
        self.weight_hh = init.uniform_(zeros(k, hidden_size), -bound, bound)
        self.bias_ih = init.uniform_(zeros(1, k), -bound, bound) if bias else None
        self.bias_hh = init.uniform_(zeros(1, k), -bound, bound) if bias else None

    def _zeros(self, x: Matrix) -> Matrix:
        """The default state: zeros of (batch, hidden_size), tracking no gradient."""
        return Matrix(
            constant([[0.0] * self.hidden_size for _ in range(x.nrow)], x.data), requires_grad=False
        )

    def _check(self, x: Matrix, h: Matrix) -> None:
        if x.ncol != self.input_size:
            raise ValueError(
                f"{type(self).__name__}: expected {self.input_size} input features, "
                f"got input of shape {x.shape}"
            )
        if h.shape != (x.nrow, self.hidden_size):
            raise ValueError(
                f"{type(self).__name__}: hidden state has shape {h.shape}, expected "
                f"{(x.nrow, self.hidden_size)}"
            )

    def _gates(self, x: Matrix, h: Matrix) -> tuple[Matrix, Matrix]:
        return x.linear(self.weight_ih, self.bias_ih), h.linear(self.weight_hh, self.bias_hh)

    def extra_repr(self) -> str:
        """Sizes."""
        extra = "" if self.bias_ih is not None else ", bias=False"
        return f"{self.input_size}, {self.hidden_size}{extra}"


class RNNCell(_CellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu with nonlinearity='relu')."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"
    ) -> None:
        """Create the weights as torch.nn.RNNCell does."""
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}"
            )
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        """Sizes (and the nonlinearity when it is not tanh)."""
        extra = super().extra_repr()
        if self.nonlinearity == "tanh":
            return extra
        return f"{extra}, nonlinearity={self.nonlinearity}"

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step: x (N, input_size), h (N, hidden_size) or None for zeros -> h'."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        gi, gh = self._gates(x, h)
        pre = gi + gh
        return pre.tanh() if self.nonlinearity == "tanh" else pre.relu()


class GRUCell(_CellBase):
    """Torch's GRU cell, gates in the order r, z, n:
    r = sigmoid(x W_ir + b_ir + h W_hr + b_hr), z likewise,
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h."""

    gates = 3

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step -> h'."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        gi, gh = self._gates(x, h)
        H = self.hidden_size
        r = (gi[:, 0:H] + gh[:, 0:H]).sigmoid()
        z = (gi[:, H : 2 * H] + gh[:, H : 2 * H]).sigmoid()
        n = (gi[:, 2 * H :] + r * gh[:, 2 * H :]).tanh()
        return n + z * (h - n)


class LSTMCell(_CellBase):
    """Torch's LSTM cell, gates in the order i, f, g, o:
    c' = f * c + i * g, h' = o * tanh(c'), with i, f, o sigmoids and g a tanh."""

    gates = 4

    def forward(self, x: Matrix, hx: tuple[Matrix, Matrix] | None = None) -> tuple[Matrix, Matrix]:
        """One step: hx = (h, c) or None for zeros -> (h', c')."""
        h, c = (self._zeros(x), self._zeros(x)) if hx is None else hx
        self._check(x, h)
        self._check(x, c)
        gi, gh = self._gates(x, h)
        g = gi + gh
        H = self.hidden_size
        i = g[:, 0:H].sigmoid()
        f = g[:, H : 2 * H].sigmoid()
        cell = g[:, 2 * H : 3 * H].tanh()
        o = g[:, 3 * H :].sigmoid()
        c_next = f * c + i * cell
        return o * c_next.tanh(), c_next


__all__ = ["GRUCell", "LSTMCell", "RNNCell"]
