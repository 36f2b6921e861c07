"""Tutorial 4: fine-tuning, as the "transfer learning" tutorial writes it: freeze a trained body
with `requires_grad_(False)`, train only the head (the optimizer gets the parameters that still
require gradients), then save the state dict and load it into a fresh model."""

from __future__ import annotations

from typing import Any

from tests.tutorials import class_indices


def build(lib: Any, n_in: int = 4, n_hidden: int = 12, n_out: int = 2) -> Any:
    """The "pretrained" body and a new head."""
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.Linear(n_in, n_hidden), nn.Tanh(), nn.Linear(n_hidden, n_hidden), nn.Tanh()
            )
            self.head = nn.Linear(n_hidden, n_out)

        def forward(self, x: Any) -> Any:
            return self.head(self.body(x))

    return Classifier()


def finetune(
    lib: Any, model: Any, rows: list[list[float]], labels: list[int], steps: int = 8
) -> list[float]:
    """Freeze the body, train the head with SGD + momentum; returns every step's loss."""
    model.body.requires_grad_(False)
    optimizer = lib.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.1, momentum=0.9
    )
    loss_fn = lib.nn.CrossEntropyLoss()
    X = lib.tensor(rows, requires_grad=False)
    y = class_indices(lib, labels)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def save_and_reload(lib: Any, model: Any, path: str) -> Any:
    """torch.save(model.state_dict(), path), then a fresh model loads it."""
    lib.save(model.state_dict(), path)
    restored = build(lib)
    restored.load_state_dict(lib.load(path))
    return restored
