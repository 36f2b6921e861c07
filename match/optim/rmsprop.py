"""RMSprop, plain, centered and with momentum (torch.optim.RMSprop)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..list2d import List2D
from ..matrix import Matrix
from .optimizer import Optimizer, arguments

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop, torch's formula: v = alpha v + (1 - alpha) g^2; with centered, the running mean
    of g is subtracted from v; p = p - lr g / (sqrt(v) + eps), through a momentum buffer when
    momentum > 0."""

    hyperparameters = {
        "lr": "rate",
        "alpha": "rate",
        "eps": "rate",
        "weight_decay": "rate",
        "momentum": "rate",
        "centered": "flag",
        "maximize": "flag",
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        super().__init__(params, arguments(locals()))

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        if not state:
            state["step"] = 0.0
            state["square_avg"] = p.data.new_full(*p.shape, 0.0)
            if momentum > 0:
                state["momentum_buffer"] = p.data.new_full(*p.shape, 0.0)
            if group["centered"]:
                state["grad_avg"] = p.data.new_full(*p.shape, 0.0)
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad.add(p.data, alpha=group["weight_decay"])
        square_avg = state["square_avg"].mul_(alpha).addcmul_(grad, grad, 1 - alpha)
        if group["centered"]:  # avg = sqrt(square_avg - grad_avg^2)
            grad_avg = state["grad_avg"].lerp_(grad, 1 - alpha)
            avg = square_avg.addcmul(grad_avg, grad_avg, -1)
            # torch computes this with a fused multiply-add, which keeps square_avg = inf when
            # grad_avg^2 overflows too (gradients >= 1e200) where inf - inf would be nan
            overflowed = (square_avg == math.inf) * (grad_avg.abs() < math.inf)
            avg = List2D.where(overflowed, square_avg, avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg.add_(eps)
        if momentum > 0:  # buf = momentum * buf + grad / avg;  p = p - lr * buf
            buf = state["momentum_buffer"].mul_(momentum).addcdiv_(grad, avg)
            p.data.set_(p.data.add(buf, alpha=-group["lr"]))
        else:  # p = p - lr * grad / avg
            p.data.set_(p.data.addcdiv(grad, avg, -group["lr"]))
