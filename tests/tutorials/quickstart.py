"""Ported: PyTorch's "Quickstart" (FashionMNIST there, the bundled 8x8 digits here): a
`NeuralNetwork(nn.Module)` with Flatten and a Sequential stack, DataLoader, the tutorial's
`train` and `test` loops, then `torch.save(model.state_dict())` and
`load_state_dict(torch.load(path, weights_only=True))`.

What changes: the labels are a list of ints (a 1-D int64 tensor in torch), and `pred.argmax(1)`
is an (n, 1) column in Match, so the count of right answers squeezes it to the (1, n) row of
torch's 1-D result (comparing the column with the labels raises, never broadcasts).
"""

from __future__ import annotations

from typing import Any

from tests.tutorials import class_indices, data_module


def build(lib: Any) -> Any:
    """The tutorial's network, 64 pixels in, 10 classes out."""
    nn = lib.nn

    class NeuralNetwork(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 10)
            )

        def forward(self, x: Any) -> Any:
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    return NeuralNetwork()


def labels_of(lib: Any, y: Any) -> Any:
    """A batch's labels as a row of positions (torch's batch already is a 1-D tensor)."""
    return y if lib.__name__ == "torch" else lib.tensor(y, dtype=lib.long, requires_grad=False)


def train_loop(lib: Any, dataloader: Any, model: Any, loss_fn: Any, optimizer: Any) -> list[float]:
    """The tutorial's `train`; returns every batch's loss."""
    model.train()
    losses = []
    for X, y in dataloader:
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    return losses


def test_loop(lib: Any, dataloader: Any, model: Any, loss_fn: Any) -> tuple[float, float]:
    """The tutorial's `test`: (accuracy, average loss)."""
    model.eval()
    size, num_batches = len(dataloader.dataset), len(dataloader)
    test_loss, correct = 0.0, 0.0
    with lib.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            guess = pred.argmax(1) if lib.__name__ == "torch" else pred.argmax(1).squeeze(1)
            correct += (guess == labels_of(lib, y)).type(lib.float64).sum().item()
    return correct / size, test_loss / num_batches


def run(lib: Any, model: Any, data: tuple[Any, ...], path: str, epochs: int = 3) -> list[float]:
    """Train and test for some epochs, save, load into a new model and test it; returns the
    losses, then each epoch's accuracy and test loss, then the reloaded model's."""
    X_train, y_train, X_test, y_test = data
    D = data_module(lib)
    train_data = D.TensorDataset(
        lib.tensor(X_train, requires_grad=False), class_indices(lib, y_train)
    )
    test_data = D.TensorDataset(lib.tensor(X_test, requires_grad=False), class_indices(lib, y_test))
    train_dataloader = D.DataLoader(train_data, batch_size=16)
    test_dataloader = D.DataLoader(test_data, batch_size=16)
    loss_fn = lib.nn.CrossEntropyLoss()
    optimizer = lib.optim.SGD(model.parameters(), lr=0.5)
    numbers = []
    for _ in range(epochs):
        numbers += train_loop(lib, train_dataloader, model, loss_fn, optimizer)
        numbers += test_loop(lib, test_dataloader, model, loss_fn)
    lib.save(model.state_dict(), path)
    model = build(lib)
    model.load_state_dict(lib.load(path, weights_only=True))
    numbers += test_loop(lib, test_dataloader, model, loss_fn)
    return numbers
