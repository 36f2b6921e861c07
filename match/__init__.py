"""Match: a pure-Python, PyTorch-like automatic differentiation library on 2D matrices.

Read it top down: `autograd` (the graph and backward: start here to learn backpropagation),
`matrix` (the operations, each a value plus a gradient closure), `list2d` (List2D: values and
the math on them), `backend` (the kernels: the arithmetic itself, in pure Python or on numpy),
then `nn` and `optim` (models, losses, optimizers). The imports run bottom up, each module
using only those below it. `accel` chooses the backend; nothing above List2D can tell which
one runs.
"""

from typing import Any

from . import accel, autograd, data, functions, nn, optim
from .creation import (
    Generator,
    arange,
    eye,
    full,
    full_like,
    get_rng_state,
    linspace,
    mat,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, trace
from .list2d import List2D, manual_seed
from .matrix import Matrix, cat, maximum, minimum, stack, tril, triu, where
from .tools.function import Function, checkpoint, grad, value_and_grad
from .tools.gradcheck import GradcheckError, gradcheck
from .torch_surface import DTYPES, device, dtype

autograd.Function = Function  # torch.autograd.Function, for "Learning PyTorch with Examples"
globals().update({name: getattr(functions, name) for name in functions.__all__})  # match.sin
globals().update(DTYPES)  # match.float64, match.double, match.long, ... (torch's dtype names)
Tensor = Matrix

__version__ = "0.2.0"

__all__ = [
    *functions.__all__,
    *DTYPES,
    "Function",
    "Generator",
    "Tensor",
    "device",
    "dtype",
    "full_like",
    "linspace",
    "rand_like",
    "randint",
    "randn_like",
    "randperm",
    "GradcheckError",
    "List2D",
    "Matrix",
    "accel",
    "arange",
    "cat",
    "checkpoint",
    "data",
    "enable_grad",
    "eye",
    "full",
    "get_rng_state",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "load",
    "manual_seed",
    "mat",
    "maximum",
    "minimum",
    "multinomial",
    "nn",
    "no_grad",
    "ones",
    "ones_like",
    "optim",
    "rand",
    "randn",
    "save",
    "set_rng_state",
    "stack",
    "tensor",
    "trace",
    "tril",
    "triu",
    "value_and_grad",
    "viz",
    "where",
    "zeros",
    "zeros_like",
]


def __getattr__(name: str) -> Any:
    """`match.viz`, `match.save` and `match.load` are imported on first use: training needs none
    of them, and their imports are slow (viz needs subprocess and shutil, save and load json and
    pathlib), so `import match` stays cheap."""
    if name == "viz":
        from .tools import viz as value
    elif name in ("save", "load"):
        from . import serialize

        value = getattr(serialize, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups find it without calling this again
    return value
