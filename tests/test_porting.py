"""Porting torch tutorials: deepcopy of a model, position embeddings from a row, F.layer_norm."""

from __future__ import annotations

import copy

import pytest

import match
from match import nn

torch = pytest.importorskip("torch")


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


def test_functional_layer_norm_matches_torch() -> None:
    """F.layer_norm with and without an affine part, values and gradients (nn.LayerNorm uses it)."""
    import match.nn.functional as F

    rows = [[1.0, -2.0, 0.5, 3.0], [0.1, 0.2, -0.3, 4.0]]
    w_rows, b_rows = [[1.5, -0.5, 2.0, 1.0]], [[0.1, 0.0, -0.2, 0.3]]
    x, w, b = match.mat(rows), match.mat(w_rows), match.mat(b_rows)
    xt = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w_rows[0], dtype=torch.float64, requires_grad=True)
    bt = torch.tensor(b_rows[0], dtype=torch.float64, requires_grad=True)
    out = F.layer_norm(x, (4,), w, b)
    ref = torch.nn.functional.layer_norm(xt, (4,), wt, bt)
    torch.testing.assert_close(
        torch.tensor(out.tolist(), dtype=torch.float64), ref.detach(), rtol=1e-7, atol=1e-12
    )
    (out * out).sum().backward()
    (ref * ref).sum().backward()
    for mine, theirs in ((x, xt), (w, wt), (b, bt)):
        got = torch.tensor(mine.grad.tolist(), dtype=torch.float64).reshape(theirs.shape)
        torch.testing.assert_close(got, theirs.grad, rtol=1e-7, atol=1e-12)
    plain = F.layer_norm(match.mat(rows), 4)
    torch.testing.assert_close(
        torch.tensor(plain.tolist(), dtype=torch.float64),
        torch.nn.functional.layer_norm(torch.tensor(rows, dtype=torch.float64), (4,)),
        rtol=1e-7,
        atol=1e-12,
    )
