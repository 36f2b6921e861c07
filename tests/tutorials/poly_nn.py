"""Ported: "Learning PyTorch with Examples", PyTorch: nn. The cubic as `nn.Linear(3, 1)` on
the powers of x, trained by hand: `for param in model.parameters(): param -= lr * param.grad`
(the loop that, before in-place arithmetic, left a Match model unchanged)."""

from __future__ import annotations

import math
from typing import Any


def build(lib: Any) -> Any:
    """nn.Sequential(nn.Linear(3, 1)); the tutorial's Flatten(0, 1) is applied in `run`."""
    return lib.nn.Sequential(lib.nn.Linear(3, 1))


def run(lib: Any, model: Any, steps: int = 40) -> list[float]:
    """The tutorial's loop; returns the losses."""
    x = lib.linspace(-math.pi, math.pi, 200)
    y = lib.sin(x)
    p = lib.tensor([1, 2, 3], requires_grad=False)  # Match's tensor() tracks by default
    xx = x.unsqueeze(-1).pow(p)
    loss_fn = lib.nn.MSELoss(reduction="sum")
    learning_rate = 1e-5  # the tutorial's 1e-6 for its 2000 points
    losses = []
    for _ in range(steps):
        y_pred = model(xx).squeeze(-1)  # torch: nn.Flatten(0, 1); a (1, n) row in Match
        loss = loss_fn(y_pred, y)
        losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with lib.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return losses
