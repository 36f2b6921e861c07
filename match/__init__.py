"""Match: a pure-Python, PyTorch-like automatic differentiation library on 2D matrices.

The layers, bottom up: `list2d` (List2D: values and math), `matrix` (Matrix: the compute graph
and gradients), `nn` and `optim` (models, losses, optimizers). `accel` can move List2D's math to
numpy or cupy; nothing else changes.
"""

from typing import Any

from . import accel, nn, optim
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
from .tools.function import Function, checkpoint, grad, value_and_grad
from .tools.gradcheck import GradcheckError, gradcheck

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


def __getattr__(name: str) -> Any:
    """`match.viz` is imported on first use: it needs subprocess and shutil, training does not."""
    if name == "viz":
        from .tools import viz

        globals()["viz"] = viz  # later lookups find it without calling this again
        return viz
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
