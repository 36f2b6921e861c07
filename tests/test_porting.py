"""Porting torch tutorials: deepcopy of a model, and position embeddings from a row."""

from __future__ import annotations

import copy

import torch

import match
from match import nn


def test_deepcopy_of_a_model_runs_and_shares_nothing() -> None:
    """torch tutorials copy models with copy.deepcopy (target networks, best-so-far weights)."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    twin = copy.deepcopy(model)
    x = match.randn(5, 3)
    assert twin(x).tolist() == model(x).tolist()
    twin[0].weight.data.fill_(0.0)
    assert model[0].weight.abs().sum().item() > 0  # the original is untouched
    loss = (twin(x) + model(x)).sum()  # both on the same backend: they mix
    loss.backward()
    assert model[0].weight.grad is not None


def test_embedding_takes_a_row_of_positions_like_torch_1d_input() -> None:
    """`pos = nn.Embedding(T, d)(match.arange(T))`, the position line of GPT tutorials."""
    emb = nn.Embedding(6, 3)
    ref = torch.nn.Embedding(6, 3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(emb.weight.tolist(), dtype=torch.float64))
    out = emb(match.arange(4))
    expected = ref(torch.arange(4))
    assert out.shape == (4, 3)
    assert out.tolist() == expected.tolist()
    out.sum().backward()
    expected.sum().backward()
    assert emb.weight.grad.tolist() == ref.weight.grad.tolist()
