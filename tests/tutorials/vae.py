"""Ported: the VAE of pytorch/examples (vae/main.py), on 8x8 digits: fc1 -> (fc21, fc22) for
mu and logvar, `reparameterize` (std = exp(0.5 * logvar), z = mu + eps * std), a sigmoid
decoder, and the loss `BCE(reduction='sum') + KLD` with
`KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())`, trained with Adam.

What changes: eps. `torch.randn_like(std)` draws from torch's generator, so the noise is drawn
once and passed in (the same numbers for both libraries).
"""

from __future__ import annotations

from typing import Any


def build(lib: Any, n_in: int = 64, n_hidden: int = 24, n_latent: int = 4) -> Any:
    """The example's VAE, smaller."""
    nn, F = lib.nn, lib.nn.functional

    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc1 = nn.Linear(n_in, n_hidden)
            self.fc21 = nn.Linear(n_hidden, n_latent)
            self.fc22 = nn.Linear(n_hidden, n_latent)
            self.fc3 = nn.Linear(n_latent, n_hidden)
            self.fc4 = nn.Linear(n_hidden, n_in)

        def encode(self, x: Any) -> tuple[Any, Any]:
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def reparameterize(self, mu: Any, logvar: Any, eps: Any) -> Any:
            std = lib.exp(0.5 * logvar)
            return mu + eps * std  # eps = torch.randn_like(std) in the example

        def decode(self, z: Any) -> Any:
            h3 = F.relu(self.fc3(z))
            return lib.sigmoid(self.fc4(h3))

        def forward(self, x: Any, eps: Any) -> tuple[Any, Any, Any]:
            mu, logvar = self.encode(x.view(-1, n_in))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    return VAE()


def loss_function(lib: Any, recon_x: Any, x: Any, mu: Any, logvar: Any) -> Any:
    """Reconstruction + KL divergence, summed over all elements."""
    BCE = lib.nn.functional.binary_cross_entropy(recon_x, x.view(-1, 64), reduction="sum")
    KLD = -0.5 * lib.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


def run(
    lib: Any, model: Any, images: list[list[float]], noise: list[list[list[float]]]
) -> list[float]:
    """One step per batch of 8 images, each with its drawn eps; returns the losses."""
    optimizer = lib.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    losses = []
    for step, eps_rows in enumerate(noise):
        data = lib.tensor(images[8 * step : 8 * step + 8], requires_grad=False)
        eps = lib.tensor(eps_rows, requires_grad=False)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data, eps)
        loss = loss_function(lib, recon_batch, data, mu, logvar)
        loss.backward()
        optimizer.step()
        losses.append(loss.item() / len(data))
    return losses
