"""Tutorial 5: an autoencoder, as the autoencoder tutorials write it: an encoder squeezes each
8x8 digit to 4 numbers, a decoder ending in Sigmoid rebuilds the pixels (scaled to [0, 1]), and
nn.BCELoss compares the two."""

from __future__ import annotations

from typing import Any

from tests.tutorials import data_module


def build(lib: Any, n_pixels: int = 64, n_code: int = 4) -> Any:
    """Encoder and decoder as two Sequentials."""
    nn = lib.nn

    class AutoEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = nn.Sequential(nn.Linear(n_pixels, 16), nn.ReLU(), nn.Linear(16, n_code))
            self.decoder = nn.Sequential(
                nn.Linear(n_code, 16), nn.ReLU(), nn.Linear(16, n_pixels), nn.Sigmoid()
            )

        def forward(self, x: Any) -> Any:
            return self.decoder(self.encoder(x))

    return AutoEncoder()


def train(lib: Any, model: Any, images: list[list[float]], epochs: int = 2) -> list[float]:
    """Adam over minibatches of images; returns every step's loss."""
    data = data_module(lib)
    loader = data.DataLoader(
        data.TensorDataset(lib.tensor(images, requires_grad=False)), batch_size=8, shuffle=False
    )
    loss_fn = lib.nn.BCELoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(epochs):
        for (xb,) in loader:
            loss = loss_fn(model(xb), xb)
            loss.backward()  # the PyTorch quickstart's order: backward, step, zero_grad
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
    return losses
