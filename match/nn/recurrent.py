"""Recurrent layers with torch's gate order and parameter names: the cells (one time step on a
(batch, features) matrix) and the sequence modules RNN, GRU and LSTM (many steps, many layers).

The math of one step is written once, in the `*_step` functions below, and both the cells and
the sequence modules call it. The weights stack the gates (weight_ih is (gates * hidden, input)),
as torch's do, so a torch state dict loads unchanged.

Sequences in 2D. torch's input is 3D (time, batch, features); Match takes either
- a list of T matrices, each (batch, input_size): one per time step (torch's batched form), and
  returns (a list of T outputs (batch, D * hidden_size), h_n) where h_n is a list of
  num_layers * D matrices (batch, hidden_size), in torch's order (layer 0 forward, layer 0
  reverse, layer 1 forward, ...): torch's (num_layers * D, batch, hidden) split along its first
  dim; or
- one (T, input_size) matrix: a single sequence (torch's unbatched 2D form), returning an
  output matrix (T, D * hidden_size) and h_n as a (num_layers * D, hidden_size) matrix, exactly
  torch's shapes.
D is 2 when bidirectional, else 1. An initial state takes the same form as h_n.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..checks import check_flag, check_positive_int, check_real
from ..creation import zeros
from ..matrix import Matrix, cat
from ..torch_surface import vector
from . import init
from .layers import Dropout
from .loss_functions import constant
from .module import Module

Weights = tuple[Matrix, Matrix, Matrix | None, Matrix | None]  # w_ih, w_hh, b_ih, b_hh


# ---------------------------------------------------------------------------------------------
# One time step: the only place the recurrences are written
# ---------------------------------------------------------------------------------------------


def _projections(x: Matrix, h: Matrix, weights: Weights) -> tuple[Matrix, Matrix]:
    """x W_ih^T + b_ih and h W_hh^T + b_hh, all gates at once."""
    w_ih, w_hh, b_ih, b_hh = weights
    return x.linear(w_ih, b_ih), h.linear(w_hh, b_hh)


def rnn_tanh_step(x: Matrix, h: Matrix, weights: Weights) -> Matrix:
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    gi, gh = _projections(x, h, weights)
    return (gi + gh).tanh()


def rnn_relu_step(x: Matrix, h: Matrix, weights: Weights) -> Matrix:
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    gi, gh = _projections(x, h, weights)
    return (gi + gh).relu()


def gru_step(x: Matrix, h: Matrix, weights: Weights) -> Matrix:
    """torch's GRU, gates in the order r, z, n:
    r = sigmoid(x W_ir + b_ir + h W_hr + b_hr), z likewise,
    n = tanh(x W_in + b_in + r * (h W_hn + b_hn)), h' = (1 - z) * n + z * h."""
    gi, gh = _projections(x, h, weights)
    H = h.ncol
    r = (gi[:, 0:H] + gh[:, 0:H]).sigmoid()
    z = (gi[:, H : 2 * H] + gh[:, H : 2 * H]).sigmoid()
    n = (gi[:, 2 * H :] + r * gh[:, 2 * H :]).tanh()
    return n + z * (h - n)


def lstm_step(x: Matrix, state: tuple[Matrix, Matrix], weights: Weights) -> tuple[Matrix, Matrix]:
    """torch's LSTM, gates in the order i, f, g, o:
    c' = f * c + i * g, h' = o * tanh(c'), with i, f, o sigmoids and g a tanh."""
    h, c = state
    gi, gh = _projections(x, h, weights)
    g = gi + gh
    H = h.ncol
    i = g[:, 0:H].sigmoid()
    f = g[:, H : 2 * H].sigmoid()
    cell = g[:, 2 * H : 3 * H].tanh()
    o = g[:, 3 * H :].sigmoid()
    c_next = f * c + i * cell
    return o * c_next.tanh(), c_next


RNN_STEPS: dict[str, Callable[[Matrix, Matrix, Weights], Matrix]] = {
    "tanh": rnn_tanh_step,
    "relu": rnn_relu_step,
}


def _nonlinearity(value: Any, who: str) -> str:
    if value not in RNN_STEPS:
        raise ValueError(f"{who}: nonlinearity must be 'tanh' or 'relu', got {value!r}")
    return str(value)


def _uniform(nrow: int, ncol: int, bound: float) -> Matrix:
    """A parameter drawn from uniform(-bound, bound), torch's init for every recurrent weight."""
    return init.uniform_(zeros(nrow, ncol), -bound, bound)


def _zero_state(batch: int, hidden_size: int, like: Matrix) -> Matrix:
    """The default state: zeros of (batch, hidden_size), on like's backend, tracking no
    gradient."""
    return Matrix(constant([[0.0] * hidden_size for _ in range(batch)], like.data), False)


def _check_shape(m: Any, shape: tuple[int, int], what: str, who: str) -> None:
    if not isinstance(m, Matrix):
        raise TypeError(f"{who}: {what} must be a Matrix, got {type(m).__name__}")
    if m.shape != shape:
        raise ValueError(f"{who}: {what} has shape {m.shape}, expected {shape}")


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


class _CellBase(Module):
    """Shared setup: weight_ih (gates*H, in), weight_hh (gates*H, H), bias_ih and bias_hh
    (1, gates*H), all from uniform(-1/sqrt(H), 1/sqrt(H)) in that order, as torch does."""

    gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True) -> None:
        """Create the four parameters (two without bias) with torch's initialisation."""
        super().__init__()
        who = type(self).__name__
        self.input_size = check_positive_int(input_size, who, "input_size")
        self.hidden_size = check_positive_int(hidden_size, who, "hidden_size")
        check_flag(bias, who, "bias")
        k = self.gates * hidden_size
        bound = 1.0 / math.sqrt(hidden_size)
        self.weight_ih = _uniform(k, input_size, bound)
        self.weight_hh = _uniform(k, hidden_size, bound)
        self.bias_ih = vector(_uniform(1, k, bound)) if bias else None
        self.bias_hh = vector(_uniform(1, k, bound)) if bias else None

    def _weights(self) -> Weights:
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh

    def _checked(self, x: Any, state: Sequence[Any]) -> None:
        """x (N, input_size) and every state matrix (N, hidden_size), or a named error."""
        who = type(self).__name__
        if not isinstance(x, Matrix):
            raise TypeError(f"{who}: input must be a Matrix, got {type(x).__name__}")
        if x.ncol != self.input_size:
            raise ValueError(
                f"{who}: expected {self.input_size} input features, got input of shape {x.shape}"
            )
        for s in state:
            _check_shape(s, (x.nrow, self.hidden_size), "hidden state", who)

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
        self.nonlinearity = _nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias)

    def extra_repr(self) -> str:
        """Sizes (and the nonlinearity when it is not tanh)."""
        extra = super().extra_repr()
        if self.nonlinearity == "tanh":
            return extra
        return f"{extra}, nonlinearity={self.nonlinearity}"

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step: x (N, input_size), h (N, hidden_size) or None for zeros -> h'."""
        self._checked(x, () if h is None else (h,))
        h = _zero_state(x.nrow, self.hidden_size, x) if h is None else h
        return RNN_STEPS[self.nonlinearity](x, h, self._weights())


class GRUCell(_CellBase):
    """torch's GRU cell (see `gru_step`)."""

    gates = 3

    def forward(self, x: Matrix, h: Matrix | None = None) -> Matrix:
        """One step -> h'."""
        self._checked(x, () if h is None else (h,))
        h = _zero_state(x.nrow, self.hidden_size, x) if h is None else h
        return gru_step(x, h, self._weights())


class LSTMCell(_CellBase):
    """torch's LSTM cell (see `lstm_step`)."""

    gates = 4

    def forward(self, x: Matrix, hx: tuple[Matrix, Matrix] | None = None) -> tuple[Matrix, Matrix]:
        """One step: hx = (h, c) or None for zeros -> (h', c')."""
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTMCell: hx must be a tuple (h, c) of matrices, or None")
        self._checked(x, () if hx is None else hx)
        if hx is None:
            hx = (_zero_state(x.nrow, self.hidden_size, x),) * 2
        return lstm_step(x, (hx[0], hx[1]), self._weights())


# ---------------------------------------------------------------------------------------------
# Sequence modules
# ---------------------------------------------------------------------------------------------


class _RNNBase(Module):
    """The multi-layer, optionally bidirectional loop over time that RNN, GRU and LSTM share.

    Layer l > 0 reads the outputs of layer l - 1 (both directions side by side), after dropout
    in training mode when `dropout` > 0, as in torch. Parameters are named as torch's:
    weight_ih_l{l}, weight_hh_l{l}, bias_ih_l{l}, bias_hh_l{l}, then the same with `_reverse`
    for the backward direction.
    """

    gates = 1
    components = 1  # matrices in a state: h (an LSTM's h and c)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        """Create every layer's weights, each from uniform(-1/sqrt(H), 1/sqrt(H)).
        batch_first is accepted and has no effect: time is always the list (or the rows)."""
        super().__init__()
        who = type(self).__name__
        self.input_size = check_positive_int(input_size, who, "input_size")
        self.hidden_size = check_positive_int(hidden_size, who, "hidden_size")
        self.num_layers = check_positive_int(num_layers, who, "num_layers")
        self.bias = check_flag(bias, who, "bias")
        self.batch_first = check_flag(batch_first, who, "batch_first")
        self.dropout = check_real(dropout, who, "dropout", 0.0, 1.0)
        self.bidirectional = check_flag(bidirectional, who, "bidirectional")
        directions = 2 if bidirectional else 1
        k, bound = self.gates * hidden_size, 1.0 / math.sqrt(hidden_size)
        for layer in range(num_layers):
            width = input_size if layer == 0 else hidden_size * directions
            for suffix in self._suffixes()[:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}", _uniform(k, width, bound))
                setattr(self, f"weight_hh_l{layer}{suffix}", _uniform(k, hidden_size, bound))
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", vector(_uniform(1, k, bound)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", vector(_uniform(1, k, bound)))

    @staticmethod
    def _suffixes() -> tuple[str, str]:
        return ("", "_reverse")

    def _directions(self) -> int:
        return 2 if self.bidirectional else 1

    def _weights(self, layer: int, suffix: str) -> Weights:
        def get(name: str) -> Any:
            return getattr(self, f"{name}_l{layer}{suffix}", None)

        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    # -- what differs between RNN, GRU and LSTM ------------------------------------------------
    def _step(self, x: Matrix, state: Any, weights: Weights) -> Any:
        """One time step of one layer and direction (the recurrence of the subclass)."""
        raise NotImplementedError

    def _unpack(self, state: Any) -> list[Matrix]:
        """A state's matrices: [h] (an LSTM's [h, c]); the first is the layer's output."""
        return [state]

    def _pack(self, parts: list[Any]) -> Any:
        """The inverse of _unpack: h (an LSTM's (h, c))."""
        return parts[0]

    def _split(self, hx: Any, who: str) -> list[Any]:
        """The given initial state as [h] (an LSTM's [h, c])."""
        return [hx]

    # -- the loop -------------------------------------------------------------------------------
    def forward(self, input: Any, hx: Any = None) -> tuple[Any, Any]:
        """input: a list of T (batch, input_size) matrices or one (T, input_size) matrix;
        hx: the initial state in the same form as the returned h_n (None: zeros).
        Returns (output, h_n) (for LSTM, (output, (h_n, c_n))); see the module docstring."""
        who = type(self).__name__
        single = isinstance(input, Matrix)
        steps = self._steps(input, single, who)
        count, batch = self.num_layers * self._directions(), steps[0].nrow
        if hx is None:
            zero = _zero_state(batch, self.hidden_size, steps[0])
            starts = [[zero] * count] * self.components
        else:
            starts = [self._initial(h, single, count, batch, who) for h in self._split(hx, who)]
        states = [self._pack([part[i] for part in starts]) for i in range(count)]
        outputs, finals = self._run(steps, states)
        ends = [[self._unpack(s)[j] for s in finals] for j in range(len(starts))]
        if single:
            return cat(outputs, 0), self._pack([cat(end, 0) for end in ends])
        return outputs, self._pack(ends)

    def _steps(self, input: Any, single: bool, who: str) -> list[Matrix]:
        """The time steps as (batch, input_size) matrices, after checking them."""
        if single:
            steps = [input[t : t + 1] for t in range(input.nrow)]
        elif isinstance(input, (list, tuple)) and input:
            steps = list(input)
        else:
            raise TypeError(
                f"{who}: input must be a (T, input_size) Matrix or a non-empty list of "
                f"(batch, input_size) matrices, got {type(input).__name__}"
            )
        for t, x in enumerate(steps):
            if not isinstance(x, Matrix):
                raise TypeError(f"{who}: time step {t} must be a Matrix, got {type(x).__name__}")
            if x.shape != (steps[0].nrow, self.input_size):
                raise ValueError(
                    f"{who}: time step {t} has shape {x.shape}, expected "
                    f"{(steps[0].nrow, self.input_size)} (batch, input_size)"
                )
        return steps

    def _initial(self, h: Any, single: bool, count: int, batch: int, who: str) -> list[Matrix]:
        """One initial-state component as a list of count (batch, hidden_size) matrices."""
        if single:
            _check_shape(h, (count, self.hidden_size), "initial state", who)
            return [h[i : i + 1] for i in range(count)]
        if not isinstance(h, (list, tuple)) or len(h) != count:
            raise TypeError(
                f"{who}: the initial state must be a list of num_layers * directions = {count} "
                f"matrices (batch, hidden_size) for a list input"
            )
        for i, m in enumerate(h):
            _check_shape(m, (batch, self.hidden_size), f"initial state {i}", who)
        return list(h)

    def _run(self, steps: list[Matrix], states: list[Any]) -> tuple[list[Matrix], list[Any]]:
        """Every layer over every step; returns the last layer's outputs and the final states
        in torch's order."""
        layer_input, finals = steps, []
        for layer in range(self.num_layers):
            directions = []
            for d, suffix in enumerate(self._suffixes()[: self._directions()]):
                weights = self._weights(layer, suffix)
                state = states[layer * self._directions() + d]
                order = range(len(steps)) if d == 0 else reversed(range(len(steps)))
                outs: list[Any] = [None] * len(steps)
                for t in order:
                    state = self._step(layer_input[t], state, weights)
                    outs[t] = self._unpack(state)[0]
                finals.append(state)
                directions.append(outs)
            layer_input = (
                directions[0] if len(directions) == 1 else [cat(p, 1) for p in zip(*directions)]
            )
            if self.training and self.dropout > 0.0 and layer < self.num_layers - 1:
                layer_input = [Dropout(self.dropout)(y) for y in layer_input]
        return layer_input, finals

    def extra_repr(self) -> str:
        """Sizes, then the settings that differ from torch's defaults (as torch prints them)."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        for name, default in (
            ("bias", True),
            ("batch_first", False),
            ("dropout", 0.0),
            ("bidirectional", False),
        ):
            if getattr(self, name) != default:
                text += f", {name}={getattr(self, name)}"
        return text


class RNN(_RNNBase):
    """A multi-layer Elman RNN (tanh or relu), torch.nn.RNN's arguments and parameter names."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
    ) -> None:
        """See `_RNNBase`; nonlinearity is 'tanh' or 'relu'."""
        self.nonlinearity = _nonlinearity(nonlinearity, "RNN")
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional
        )

    def _step(self, x: Matrix, state: Any, weights: Weights) -> Any:
        return RNN_STEPS[self.nonlinearity](x, state, weights)


class GRU(_RNNBase):
    """A multi-layer GRU (see `gru_step`), torch.nn.GRU's arguments and parameter names."""

    gates = 3

    def _step(self, x: Matrix, state: Any, weights: Weights) -> Any:
        return gru_step(x, state, weights)


class LSTM(_RNNBase):
    """A multi-layer LSTM (see `lstm_step`), torch.nn.LSTM's arguments and parameter names.
    The state is a pair (h, c): forward returns (output, (h_n, c_n)) and takes hx=(h_0, c_0).
    torch's proj_size is accepted only as 0."""

    gates = 4
    components = 2

    def __init__(self, *args: Any, proj_size: int = 0, **kwargs: Any) -> None:
        """The arguments of `_RNNBase`; proj_size (keyword) must be 0."""
        if proj_size != 0:
            raise ValueError(f"LSTM: proj_size is not supported (only 0), got {proj_size!r}")
        super().__init__(*args, **kwargs)

    def _step(self, x: Matrix, state: Any, weights: Weights) -> Any:
        return lstm_step(x, state, weights)

    def _unpack(self, state: Any) -> list[Matrix]:
        return list(state)

    def _pack(self, parts: list[Any]) -> Any:
        return (parts[0], parts[1])

    def _split(self, hx: Any, who: str) -> list[Any]:
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"{who}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        return [hx[0], hx[1]]


__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]
