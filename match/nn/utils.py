"""Gradient clipping, as torch.nn.utils: applied between `backward()` and the optimizer's step."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..matrix import Matrix


def _with_grads(parameters: Matrix | Iterable[Matrix]) -> list[Matrix]:
    params = [parameters] if isinstance(parameters, Matrix) else list(parameters)
    return [p for p in params if p._grad is not None]


def clip_grad_norm_(
    parameters: Matrix | Iterable[Matrix],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale the gradients in place so that their joint norm is at most max_norm, as torch does
    (scale max_norm / (norm + 1e-6), only when below 1). Returns the norm before clipping.
    norm_type may be any p >= 1 or math.inf."""
    params = _with_grads(parameters)
    if not params:
        return 0.0
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = max(p._grad.abs().max().item() for p in params)
    else:
        norms = [((p._grad.abs() ** norm_type).sum() ** (1.0 / norm_type)).item() for p in params]
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for p in params:
            p.grad = p._grad * coef
    return total


def clip_grad_value_(parameters: Matrix | Iterable[Matrix], clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    for p in _with_grads(parameters):
        p.grad = p._grad.clamp(-clip_value, clip_value)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
