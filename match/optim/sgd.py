"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize (torch.optim.SGD)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..list2d import List2D
from ..matrix import Matrix
from .optimizer import Optimizer, arguments

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, torch's formula:

    g = grad (+ weight_decay * p);  buf = g first, then momentum * buf + (1 - dampening) g
    g = g + momentum * buf (nesterov) or buf;  p = p - lr * g
    """

    hyperparameters = {
        "lr": "rate",
        "momentum": "rate",
        "dampening": "number",
        "weight_decay": "rate",
        "nesterov": "flag",
        "maximize": "flag",
    }

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        """torch's defaults."""
        super().__init__(params, arguments(locals()))

    def _checked(self, settings: dict[str, Any]) -> dict[str, Any]:
        """Nesterov momentum needs a momentum and no dampening, as in torch."""
        settings = super()._checked(settings)
        if settings["nesterov"] and (settings["momentum"] <= 0 or settings["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={settings['momentum']}, dampening={settings['dampening']}"
            )
        return settings

    def _update(
        self, p: Matrix, grad: List2D, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        momentum = group["momentum"]
        if group["weight_decay"] != 0:
            grad = grad.add(p.data, alpha=group["weight_decay"])
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:  # the first step copies the gradient
                buf = state["momentum_buffer"] = grad.copy()
            else:  # buf = momentum * buf + (1 - dampening) * grad
                buf.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad.add(buf, alpha=momentum) if group["nesterov"] else buf
        p.data.set_(p.data.add(grad, alpha=-group["lr"]))  # p = p - lr * grad
