"""Neural networks from Matrix operations, with torch.nn's names, defaults and numbers.

Read `module.py` first (how a model finds its parameters and names them), then the layer
files by topic. Submodules as in torch: `nn.functional` (the math of the losses), `nn.init`
(initialisation in place) and `nn.utils` (gradient clipping). Everything is 2D: rows are
examples, columns are features.
"""

from __future__ import annotations

from . import functional, init, utils
from .attention import MultiheadAttention, SelfAttention
from .layers import (
    BatchNorm1d,
    Dropout,
    Embedding,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Identity, IncompatibleKeys, Module, Sequential, StateDictError
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .utils import clip_grad_norm_, clip_grad_value_


def summary(model: Module, input_shape: tuple[int, int]) -> str:
    """A table of the model's layers, output shapes and parameter counts for an input of
    input_shape (see `match.tools.summary`)."""
    from ..tools.summary import summary as _summary  # lazy: the learning tools sit above nn

    return _summary(model, input_shape)


__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "GRU",
    "GRUCell",
    "HuberLoss",
    "Identity",
    "IncompatibleKeys",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "RNN",
    "RNNCell",
    "ReLU",
    "MultiheadAttention",
    "SelfAttention",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "StateDictError",
    "Tanh",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "clip_grad_norm_",
    "clip_grad_value_",
    "functional",
    "init",
    "summary",
    "utils",
]
