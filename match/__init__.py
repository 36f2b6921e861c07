"""Match: a pure-Python, PyTorch-like automatic differentiation library on 2D matrices.

The layers, bottom up: `list2d` (List2D: values and math), `matrix` (Matrix: the compute graph
and gradients), `nn` and `optim` (models, losses, optimizers). `accel` can move List2D's math to
numpy or cupy; nothing else changes.
"""

from . import accel, nn, optim, viz
from .function import Function, checkpoint, grad, value_and_grad
from .gradcheck import GradcheckError, gradcheck
from .list2d import List2D, manual_seed
from .matrix import (
    Matrix,
    cat,
    enable_grad,
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
from .serialize import load, save

__version__ = "0.1.0"

__all__ = [
    "Function",
    "GradcheckError",
    "List2D",
    "Matrix",
    "accel",
    "cat",
    "checkpoint",
    "enable_grad",
    "eye",
    "full",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "manual_seed",
    "mat",
    "maximum",
    "minimum",
    "nn",
    "optim",
    "load",
    "save",
    "no_grad",
    "ones",
    "ones_like",
    "rand",
    "randn",
    "trace",
    "value_and_grad",
    "viz",
    "zeros",
    "zeros_like",
]
