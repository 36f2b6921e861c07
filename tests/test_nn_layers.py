"""match.nn's layers against torch in float64 (same weights in, same outputs and gradients out):
Linear, LayerNorm and F.layer_norm, BatchNorm1d, Dropout, one_hot; nn.utils' gradient clipping;
and the checks of the layers', losses' and clip functions' hyperparameters. Activations, losses,
sequence and attention layers, init and the Module mechanics have files of their own."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

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


# --- clip_grad_norm_ with nan and inf gradients, its return value --------------------------------


def grads_of(rows: list[list[list[float]]]) -> tuple[list[match.Matrix], list[Any]]:
    """Match and torch parameters holding the given gradients."""
    ms, ts = [], []
    for g in rows:
        m = match.zeros(len(g), len(g[0]), requires_grad=True)
        m.grad = match.mat(g).data  # grad holds the List2D
        t = torch.zeros(len(g), len(g[0]), dtype=D, requires_grad=True)
        t.grad = torch.tensor(g, dtype=D)
        ms.append(m)
        ts.append(t)
    return ms, ts


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_with_a_nan_scales_everything_by_nan(norm_type: float) -> None:
    ms, ts = grads_of([[[1.0, math.nan]], [[3.0], [4.0]]])
    total_m = nn.utils.clip_grad_norm_(ms, 1.0, norm_type)
    total_t = torch.nn.utils.clip_grad_norm_(ts, 1.0, norm_type)
    assert math.isnan(float(total_m)) and math.isnan(total_t.item())
    for m, t in zip(ms, ts):
        assert_close(m.grad, t.grad, what="nan-scaled grad")
        assert all(math.isnan(v) for row in m.grad.tolist() for v in row)


def test_clip_grad_norm_returns_a_1x1_matrix_and_accepts_foreach() -> None:
    ms, ts = grads_of([[[3.0, 4.0]], [[12.0]]])
    total_m = nn.utils.clip_grad_norm_(ms, 1.0, foreach=True)
    total_t = torch.nn.utils.clip_grad_norm_(ts, 1.0, foreach=True)
    assert isinstance(total_m, match.Matrix) and total_m.shape == (1, 1)
    assert float(total_m) == total_m.item() == pytest.approx(total_t.item(), rel=1e-12)
    assert not total_m.requires_grad
    for m, t in zip(ms, ts):
        assert_close(m.grad, t.grad, what="clipped grad")


def test_clip_grad_norm_error_if_nonfinite() -> None:
    ms, _ = grads_of([[[math.inf, 1.0]]])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm"):
        nn.utils.clip_grad_norm_(ms, 1.0, error_if_nonfinite=True)
    assert ms[0].grad.tolist() == [[math.inf, 1.0]]  # nothing changed


# --- BatchNorm1d: repr, a batch of one, num_batches_tracked on loading ---------------------------


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"affine": False}, {"track_running_stats": False}, {"bias": False}, {"momentum": None}],
)
def test_batchnorm_repr_is_torchs(kwargs: dict[str, Any]) -> None:
    assert repr(nn.BatchNorm1d(3, **kwargs)) == repr(torch.nn.BatchNorm1d(3, **kwargs))


def test_batchnorm_without_running_stats_refuses_one_row_in_eval() -> None:
    m = nn.BatchNorm1d(3, track_running_stats=False).eval()
    t = torch.nn.BatchNorm1d(3, track_running_stats=False).to(D).eval()
    with pytest.raises(ValueError, match="Expected more than 1 value per channel"):
        t(torch.ones(1, 3))
    with pytest.raises(ValueError, match="BatchNorm1d: expected more than 1 value per channel"):
        m(match.ones(1, 3))
    x = random_rows(4, 3, seed=33)  # more rows: the batch statistics, as torch
    assert_close(m(match.mat(x)), t(tensor(x)), what="eval without running stats")


@pytest.mark.parametrize("strict", [True, False])
def test_missing_num_batches_tracked_is_not_reported(strict: bool) -> None:
    m = nn.BatchNorm1d(2)
    m(match.mat(random_rows(4, 2, seed=34)))  # one step: the counter is 1
    state = m.state_dict()
    del state["num_batches_tracked"]
    t = torch.nn.BatchNorm1d(2)
    want = t.load_state_dict({k: torch.tensor(v).reshape(-1) for k, v in state.items()}, strict)
    got = m.load_state_dict(state, strict)
    assert got.missing_keys == want.missing_keys == []
    assert got.unexpected_keys == want.unexpected_keys == []
    assert m.num_batches_tracked.tolist() == [[1.0]]  # kept


# --- hyperparameters of layers, losses and the clip functions ------------------------------------


@pytest.mark.parametrize(
    "call,error,message",
    [
        (
            lambda: nn.Linear(-1, 2),
            ValueError,
            "Linear: in_features must be a positive int, got -1",
        ),
        (lambda: nn.Linear(2, 2, bias=None), TypeError, "Linear: bias must be True or False"),
        (lambda: nn.BatchNorm1d(2, eps="a"), TypeError, "BatchNorm1d: eps must be a number"),
        (lambda: nn.BatchNorm1d(2, affine=1), TypeError, "BatchNorm1d: affine must be True"),
        (lambda: nn.LayerNorm((2, 3)), ValueError, "LayerNorm: only the last dimension"),
        (lambda: nn.Dropout(math.nan), ValueError, "Dropout: p must be in [0.0, 1.0]"),
        (lambda: nn.Dropout(0.5, inplace="no"), TypeError, "Dropout: inplace"),
        (lambda: nn.LeakyReLU(None), TypeError, "LeakyReLU: negative_slope must be a number"),
        (lambda: nn.Softmax(dim=1.0), ValueError, "Softmax: dim must be"),
        (lambda: nn.HuberLoss(delta=0.0), ValueError, "HuberLoss: delta must be in (0.0, inf]"),
        (lambda: nn.SmoothL1Loss(beta="1"), TypeError, "SmoothL1Loss: beta must be a number"),
        (lambda: nn.NLLLoss(ignore_index=0.5), TypeError, "NLLLoss: ignore_index must be an int"),
        (lambda: nn.CrossEntropyLoss(weight="w"), TypeError, "CrossEntropyLoss: weight"),
        (
            lambda: nn.CrossEntropyLoss(label_smoothing=-0.1),
            ValueError,
            "CrossEntropyLoss: label_smoothing must be in [0.0, 1.0], got -0.1",
        ),
        (lambda: nn.MSELoss("avg"), ValueError, "MSELoss: reduction must be one of 'mean'"),
        (
            lambda: nn.utils.clip_grad_norm_(3, 1.0),
            TypeError,
            "clip_grad_norm_: parameters must be a Matrix or an iterable",
        ),
        (
            lambda: nn.utils.clip_grad_norm_([3], 1.0),
            TypeError,
            "clip_grad_norm_: parameters must be Matrices",
        ),
        (
            lambda: nn.utils.clip_grad_norm_([], 1.0, norm_type=0),
            ValueError,
            "clip_grad_norm_: norm_type",
        ),
        (
            lambda: nn.utils.clip_grad_value_([], None),
            TypeError,
            "clip_grad_value_: clip_value must be a number",
        ),
    ],
)
def test_hyperparameters_are_checked(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --- nn.functional.one_hot -----------------------------------------------------------------------


@pytest.mark.parametrize(("indices", "num_classes"), [([2, 0, 1, 2], -1), ([0, 3], 5), ([0], -1)])
def test_one_hot_matches_torch(indices: list[int], num_classes: int) -> None:
    got = nn.functional.one_hot(indices, num_classes)
    want = torch.nn.functional.one_hot(torch.tensor(indices), num_classes).double()
    assert_close(got, want, what="one_hot")
    assert got.requires_grad is False
    column = match.mat([[float(i)] for i in indices], requires_grad=False)
    assert nn.functional.one_hot(column, num_classes).tolist() == got.tolist()


@pytest.mark.parametrize(
    ("indices", "num_classes", "error", "message"),
    [
        ([3], 3, ValueError, r"one_hot: label 3 is outside 0 \.\. 2"),
        ([1, -1], -1, ValueError, r"one_hot: label -1 is outside"),
        ([1.5], -1, TypeError, r"one_hot: indices must be ints, got 1\.5"),
        ([1.0], -1, TypeError, r"one_hot: indices must be ints"),
        ([True], -1, TypeError, r"one_hot: indices must be ints"),
        ([], -1, ValueError, r"one_hot: indices is empty"),
        ([1], 0, ValueError, r"one_hot: num_classes must be -1 or at least 1"),
        ([1], 2.0, TypeError, r"one_hot: num_classes must be an int"),
        ("12", -1, TypeError, r"one_hot: indices must be a list"),
    ],
)
def test_one_hot_errors(indices: object, num_classes: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        nn.functional.one_hot(indices, num_classes)


def test_one_hot_matrix_entries_must_be_whole() -> None:
    with pytest.raises(TypeError, match="one_hot: indices must be ints, got 0.5"):
        nn.functional.one_hot(match.mat([[0.5]]))
    with pytest.raises(ValueError, match=r"one_hot: indices must be an \(N, 1\) matrix"):
        nn.functional.one_hot(match.mat([[0.0, 1.0]]))


# --- F.layer_norm --------------------------------------------------------------------------------


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
