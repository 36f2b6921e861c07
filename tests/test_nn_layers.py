"""Tests for match.nn: Module mechanics, every layer and loss against torch in float64 (same
weights in, same outputs and gradients out), state dicts moving between Match and torch, and
nn.utils.clip_grad_norm_."""

from __future__ import annotations

import math

import pytest

import match
from match import List2D, nn
from tests.parity import assert_close, check_module, random_rows, tensor, to_torch

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up would dominate the run time
F = torch.nn.functional
D = torch.float64


# --------------------------------------------------------------------------------------
# Layers against torch
# --------------------------------------------------------------------------------------


def test_linear_init_matches_torch_bounds_and_is_reproducible() -> None:
    match.manual_seed(0)
    a = nn.Linear(16, 64)
    match.manual_seed(0)
    b = nn.Linear(16, 64)
    assert a.state_dict() == b.state_dict()
    bound = 1 / math.sqrt(16)
    values = [v for row in a.weight.tolist() + a.bias.tolist() for v in row]
    assert all(-bound <= v <= bound for v in values)
    assert max(values) > 0.9 * bound and min(values) < -0.9 * bound
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_matches_torch() -> None:
    for bias in (True, False):
        m = nn.Linear(3, 4, bias=bias)
        t = to_torch(m, torch.nn.Linear(3, 4, bias=bias))
        check_module(m, t, random_rows(5, 3, seed=1), what=f"Linear bias={bias}")


def test_layernorm_matches_torch() -> None:
    m = nn.LayerNorm(5)
    m.weight.data = List2D.from_2d_list(random_rows(1, 5, seed=7))
    m.bias.data = List2D.from_2d_list(random_rows(1, 5, seed=8))
    check_module(m, to_torch(m, torch.nn.LayerNorm(5)), random_rows(4, 5, seed=9), what="LayerNorm")
    plain = nn.LayerNorm((5,), elementwise_affine=False)
    assert plain.parameters() == []
    check_module(
        plain,
        torch.nn.LayerNorm(5, elementwise_affine=False).to(D),
        random_rows(3, 5, seed=10),
        what="LayerNorm no affine",
    )


def test_batchnorm_matches_torch_in_training_and_eval() -> None:
    m = nn.BatchNorm1d(3)
    m.weight.data = List2D.from_2d_list(random_rows(1, 3, seed=11))
    t = to_torch(m, torch.nn.BatchNorm1d(3))
    for step in range(3):
        check_module(m, t, random_rows(6, 3, seed=20 + step), seed=step, what="BatchNorm train")
        for k, v in t.state_dict().items():
            assert_close(m.state_dict()[k], v.to(D).reshape(1, -1), what=f"buffer {k}")
    m.eval()
    t.eval()
    check_module(m, t, random_rows(2, 3, seed=30), what="BatchNorm eval")
    m.train()
    with pytest.raises(ValueError, match="more than 1 value"):
        m(match.mat([[1.0, 2.0, 3.0]]))


def test_batchnorm_cumulative_average_matches_torch() -> None:
    m = nn.BatchNorm1d(2, momentum=None, affine=False)
    t = torch.nn.BatchNorm1d(2, momentum=None, affine=False).to(D)
    for step in range(3):
        x = random_rows(4, 2, seed=40 + step)
        assert_close(m(match.mat(x)), t(tensor(x)), what="output")
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v.to(D).reshape(1, -1), what=k)


def test_dropout_scales_is_reproducible_and_off_in_eval() -> None:
    d = nn.Dropout(0.25)
    x = match.mat([[1.0] * 40 for _ in range(50)])
    match.manual_seed(7)
    a = d(x)
    match.manual_seed(7)
    b = d(x)
    assert a.tolist() == b.tolist()
    values = [v for row in a.tolist() for v in row]
    assert set(values) <= {0.0, 1 / 0.75}
    assert abs(values.count(0.0) / len(values) - 0.25) < 0.04
    a.sum().backward()
    assert x.grad.tolist() == a.tolist()  # the gradient is the scaled mask
    d.eval()
    assert d(x) is x
    d.train()
    assert nn.Dropout(0.0)(x) is x and nn.Dropout(1.0)(x).tolist() == (x * 0.0).tolist()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_matches_torch_for_the_same_mask() -> None:
    x = random_rows(6, 5, seed=12)
    match.manual_seed(8)
    ym = nn.Dropout(0.4)(xm := match.mat(x))
    mask = torch.tensor([[0.0 if v == 0 else 1.0 for v in row] for row in ym.tolist()], dtype=D)
    xt = tensor(x)
    yt = xt * mask / (1 - 0.4)  # what torch's dropout computes for this mask
    assert_close(ym, yt, what="dropout")
    ym.sum().backward()
    yt.sum().backward()
    assert_close(xm.grad, xt.grad, what="dropout grad")


# --------------------------------------------------------------------------------------
# nn.utils
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type: float) -> None:
    match.manual_seed(9)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    t = to_torch(
        m, torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    )
    x = random_rows(5, 3, seed=21)
    (m(match.mat(x)) * 10.0).sum().backward()
    (t(tensor(x)) * 10.0).sum().backward()
    for max_norm in (0.5, 1e6):
        total_m = nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type)
        total_t = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type)
        assert total_m.shape == (1, 1)  # a 1x1 Matrix, as torch returns a tensor
        assert float(total_m) == pytest.approx(total_t.item(), rel=1e-12)
        tparams = dict(t.named_parameters())
        for name, p in m.named_parameters():
            assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=name)
    assert float(nn.utils.clip_grad_norm_([match.ones(1, 1)], 1.0)) == 0.0  # no gradients yet


def test_clip_grad_value() -> None:
    p = match.mat([[1.0, -2.0]])
    (p * match.mat([[3.0, 3.0]])).sum().backward()
    nn.utils.clip_grad_value_(p, 0.5)
    assert p.grad.tolist() == [[0.5, 0.5]]
