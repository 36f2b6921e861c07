"""torch.nn.functional's names in one module: `import match.nn.functional as F`.

The functions live beside their topic (losses in `loss_functions.py`, activations in
`activation_functional.py`, attention in `attention.py`). This module only gathers them, and no
other module of `match.nn` imports it, so the package has no import cycle.
"""

from __future__ import annotations

from ..matrix import Matrix
from .activation_functional import *  # noqa: F403
from .activation_functional import __all__ as _activations
from .activation_functional import _matrix
from .attention import scaled_dot_product_attention
from .layers import Dropout
from .loss_functions import *  # noqa: F403
from .loss_functions import __all__ as _losses
from .loss_functions import as_matrix, class_indices, constant, reduce  # noqa: F401  (helpers)


def dropout(input: Matrix, p: float = 0.5, training: bool = True, inplace: bool = False) -> Matrix:
    """`nn.Dropout(p)` applied once: in training zero each element with probability p and scale
    the rest by 1 / (1 - p); with training=False, the input itself (torch's default is True,
    unlike the module's eval switch)."""
    layer = Dropout(p, inplace=inplace)
    layer.training = bool(training)
    return layer(_matrix(input, "dropout"))


__all__ = [*_activations, *_losses, "dropout", "scaled_dot_product_attention"]
