"""Ported: "Learning PyTorch with Examples", PyTorch: Tensors and autograd. A cubic fitted to
sin(x) with four scalars updated by hand under no_grad (`a -= learning_rate * a.grad`)."""

from __future__ import annotations

import math
from typing import Any


def run(lib: Any, start: list[float], steps: int = 40) -> tuple[list[float], list[float]]:
    """The tutorial's loop on 200 points; returns the losses and the final a, b, c, d."""
    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    a, b, c, d = (lib.tensor(v, requires_grad=True) for v in start)
    learning_rate = 1e-5  # the tutorial's 1e-6 for its 2000 points
    losses = []
    for _ in range(steps):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return losses, [a.item(), b.item(), c.item(), d.item()]
