"""Ported: "Learning PyTorch with Examples", Defining new autograd functions: the Legendre
polynomial P3 as a `torch.autograd.Function` with its own forward and backward."""

from __future__ import annotations

import math
from typing import Any


def run(lib: Any, start: list[float], steps: int = 40) -> tuple[list[float], list[float]]:
    """The tutorial's loop; returns the losses and the final a, b, c, d."""

    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx: Any, input: Any) -> Any:
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx: Any, grad_output: Any) -> Any:
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(v, requires_grad=True) for v in start)
    learning_rate = 5e-6
    losses = []
    for _ in range(steps):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= learning_rate * p.grad
                p.grad = None
    return losses, [a.item(), b.item(), c.item(), d.item()]
