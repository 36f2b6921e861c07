"""Gradient clipping, as torch.nn.utils: applied between `backward()` and the optimizer's step."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..checks import check_flag, check_real
from ..creation import zeros
from ..matrix import Matrix


def _with_grads(parameters: Matrix | Iterable[Matrix], who: str) -> list[Matrix]:
    """The parameters that hold a gradient; anything but Matrices is refused, naming who."""
    if isinstance(parameters, Matrix):
        params = [parameters]
    else:
        try:
            params = list(parameters)
        except TypeError:
            raise TypeError(
                f"{who}: parameters must be a Matrix or an iterable of them, got "
                f"{type(parameters).__name__}"
            ) from None
    for p in params:
        if not isinstance(p, Matrix):
            raise TypeError(f"{who}: parameters must be Matrices, got a {type(p).__name__}")
    return [p for p in params if p._grad is not None]


def _set_grads(params: list[Matrix], grads: list[Any]) -> None:
    """Give each parameter its new gradient, all or nothing: an interrupt (Ctrl-C) half way
    puts back the gradients already replaced, so that none is left clipped while others
    are not."""
    old = [p._grad for p in params]
    try:
        for p, grad in zip(params, grads):
            p.grad = grad
    except BaseException:
        for p, grad in zip(params, old):
            p._grad = grad
        raise


def clip_grad_norm_(
    parameters: Matrix | Iterable[Matrix],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Matrix:
    """Scale the gradients in place so that their joint norm is at most max_norm, as torch does
    (scale max_norm / (norm + 1e-6), only when below 1; a NaN norm scales every gradient by NaN,
    unless error_if_nonfinite raises first). norm_type may be any p > 0 or math.inf; `foreach`
    is accepted for torch's sake and ignored.

    Returns the norm before clipping as a 1x1 Matrix, as torch returns a tensor: `float(norm)`
    or `norm.item()` gives the number.
    """
    who = "clip_grad_norm_"
    max_norm = check_real(max_norm, who, "max_norm")
    norm_type = check_real(norm_type, who, "norm_type", 0.0, low_open=True)
    check_flag(error_if_nonfinite, who, "error_if_nonfinite")
    params = _with_grads(parameters, who)
    if not params:
        return zeros(1, 1)
    if norm_type == math.inf:
        maxes = [p._grad.abs().max().item() for p in params]
        total = math.nan if any(m != m for m in maxes) else max(maxes)  # NaN wins, as in torch
    else:
        norms = [((p._grad.abs() ** norm_type).sum() ** (1.0 / norm_type)).item() for p in params]
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"{who}: the total norm of order {norm_type} of the gradients is non-finite, so it "
            "cannot be clipped (set error_if_nonfinite=False to scale them by it anyway)"
        )
    coef = max_norm / (total + 1e-6)
    if coef < 1.0 or coef != coef:  # torch multiplies by min(coef, 1): NaN stays NaN
        _set_grads(params, [p._grad * coef for p in params])
    return Matrix(params[0]._grad.new_full(1, 1, total), requires_grad=False)


def clip_grad_value_(
    parameters: Matrix | Iterable[Matrix], clip_value: float, foreach: Any = None
) -> None:
    """Clamp every gradient element to [-clip_value, clip_value], in place (`foreach` is
    accepted for torch's sake and ignored)."""
    clip_value = check_real(clip_value, "clip_grad_value_", "clip_value")
    params = _with_grads(parameters, "clip_grad_value_")
    _set_grads(params, [p._grad.clamp(-clip_value, clip_value) for p in params])


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
