"""Match: a pure-Python, PyTorch-like automatic differentiation library on 2D matrices."""

from . import nn
from .list2d import List2D, manual_seed
from .matrix import (
    Matrix,
    cat,
    eye,
    full,
    is_grad_enabled,
    mat,
    maximum,
    minimum,
    no_grad,
    ones,
    ones_like,
    rand,
    randn,
    trace,
    zeros,
    zeros_like,
)

__version__ = "0.1.0"
