"""Neural networks from Matrix operations, with torch.nn's names, defaults and numbers.

Read `module.py` first (how a model finds its parameters and names them), then the layer
files by topic. Submodules as in torch: `nn.functional` (the math of the losses), `nn.init`
(initialisation in place) and `nn.utils` (gradient clipping). Everything is 2D: rows are
examples, columns are features.
"""

from __future__ import annotations

from . import functional, init, utils
from .activation import (
    ELU,
    GELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LogSigmoid,
    Mish,
    PReLU,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from .attention import MultiheadAttention, SelfAttention
from .container import Flatten, Identity, ModuleDict, ModuleList, ParameterList, Sequential
from .layers import (
    BatchNorm1d,
    CosineSimilarity,
    Dropout,
    Embedding,
    LayerNorm,
    LeakyReLU,
    Linear,
    LogSoftmax,
    PairwiseDistance,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
)
from .module import IncompatibleKeys, Module, Parameter, RemovableHandle, StateDictError
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
    "CosineEmbeddingLoss",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "GRU",
    "GRUCell",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "HuberLoss",
    "Identity",
    "IncompatibleKeys",
    "KLDivLoss",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "LogSigmoid",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MarginRankingLoss",
    "Module",
    "NLLLoss",
    "PairwiseDistance",
    "PoissonNLLLoss",
    "RNN",
    "RNNCell",
    "ReLU",
    "MultiheadAttention",
    "SelfAttention",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "SoftMarginLoss",
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
    # issue 11's torch surface
    "ELU",
    "Flatten",
    "GELU",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Mish",
    "ModuleDict",
    "ModuleList",
    "PReLU",
    "Parameter",
    "ParameterList",
    "ReLU6",
    "RemovableHandle",
    "SiLU",
    "Softplus",
    "Softsign",
]
