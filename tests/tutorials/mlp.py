"""Tutorial 1: an MLP classifier, as the PyTorch "build the neural network" and "optimizing model
parameters" tutorials write it: nn.ModuleList, nn.Parameter, nn.init, TensorDataset + DataLoader,
and a learning-rate scheduler that watches the validation loss."""

from __future__ import annotations

from typing import Any

from tests.tutorials import class_indices, data_module


def build(lib: Any, n_in: int = 4, n_hidden: int = 16, n_out: int = 3, depth: int = 2) -> Any:
    """The model, initialised by the tutorial's own nn.init calls."""
    nn = lib.nn
    F = lib.nn.functional

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            sizes = [n_in] + [n_hidden] * depth
            self.layers = nn.ModuleList(
                [nn.Linear(fan_in, fan_out) for fan_in, fan_out in zip(sizes, sizes[1:])]
            )
            self.gain = nn.Parameter(lib.ones(1, n_hidden))  # torch.ones(n_hidden) in 1D torch
            self.head = nn.Linear(n_hidden, n_out)
            for layer in self.layers:
                nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)

        def forward(self, x: Any) -> Any:
            for layer in self.layers:
                x = F.relu(layer(x))
            return self.head(x * self.gain)

    return MLP()


def train(
    lib: Any, model: Any, rows: list[list[float]], labels: list[int], epochs: int = 4
) -> tuple[list[float], list[float]]:
    """SGD with momentum over a fixed split of the data; returns the loss of every step and
    the learning rate after every epoch."""
    data = data_module(lib)
    X = lib.tensor(rows, requires_grad=False)
    y = class_indices(lib, labels)
    dataset = data.TensorDataset(X, y)
    n_train = len(dataset) * 3 // 4
    train_set = data.Subset(dataset, range(n_train))
    val_set = data.Subset(dataset, range(n_train, len(dataset)))
    train_loader = data.DataLoader(train_set, batch_size=16, shuffle=False)
    val_loader = data.DataLoader(val_set, batch_size=16)

    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    # a short run: halve the rate as soon as the validation loss improves by less than 20%
    scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, factor=0.5, patience=0, threshold=0.2
    )

    losses, lrs = [], []
    for _ in range(epochs):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        with lib.no_grad():
            val_loss = sum(loss_fn(model(xb), yb).item() for xb, yb in val_loader)
        scheduler.step(val_loss / len(val_loader))
        lrs.append(optimizer.param_groups[0]["lr"])
    return losses, lrs
