"""Adagrad (torch.optim.Adagrad)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..list2d import List2D
from ..matrix import Matrix
from .optimizer import Optimizer, arguments

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, torch's formula: sum = sum + g^2; p = p - clr g / (sqrt(sum) + eps), with the
    decayed rate clr = lr / (1 + (t - 1) lr_decay) at step t."""

    hyperparameters = {
        "lr": "rate",
        "lr_decay": "rate",
        "weight_decay": "rate",
        "initial_accumulator_value": "rate",
        "eps": "rate",
        "maximize": "flag",
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults. The sums start at initial_accumulator_value."""
        super().__init__(params, arguments(locals()))

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if not state:
            state["step"] = 0.0
            state["sum"] = p.data.new_full(*p.shape, group["initial_accumulator_value"])
        state["step"] += 1
        if group["weight_decay"] != 0:
            grad = grad.add(p.data, alpha=group["weight_decay"])
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        std = state["sum"].addcmul_(grad, grad, 1).sqrt().add_(group["eps"])
        p.data.set_(p.data.addcdiv(grad, std, -clr))  # p = p - clr * grad / std
