"""Regression tests for the nn bugs of issue 11, each against torch float64 (values and gradients,
rtol 1e-7): ignore_index inside [0, C), clip_grad_norm_ with NaN gradients and its return value,
BatchNorm1d's repr, its batch-of-one check and num_batches_tracked on loading, and the checks of
the layers' and losses' hyperparameters (issue 10's table holds the rest)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import nn
from tests.parity import assert_close, random_rows, tensor

torch = pytest.importorskip("torch")
torch.set_num_threads(1)
D = torch.float64


# --- 1. ignore_index is a real class -----------------------------------------------------------
LOGITS = random_rows(6, 4, seed=31, low=-3.0, high=3.0)
TARGETS = [0, 2, 0, 3, 1, 0]  # PAD = 0 on three rows
WEIGHTS = [0.5, 2.0, 1.5, 1.0]


def run_loss(m_loss: nn.Module, t_loss: Any, target: Any, what: str) -> None:
    xm, xt = match.mat(LOGITS), tensor(LOGITS)
    lm, lt = m_loss(xm, target), t_loss(xt, torch.tensor(TARGETS))
    lt = lt.reshape(-1, 1) if lt.dim() == 1 else lt
    assert_close(lm, lt, what=f"{what} value")
    up = random_rows(*lm.shape, seed=32)
    lm.backward(match.mat(up))
    lt.backward(tensor(up, requires_grad=False).reshape(lt.shape))
    assert_close(xm.grad, xt.grad, what=f"{what} grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("ignore_index", [0, 3, -100])
def test_cross_entropy_ignore_index_inside_the_classes(
    reduction: str, weighted: bool, smoothing: float, ignore_index: int
) -> None:
    w = WEIGHTS if weighted else None
    wt = torch.tensor(WEIGHTS, dtype=D) if weighted else None
    column = match.mat([[float(t)] for t in TARGETS], requires_grad=False)
    for target in (TARGETS, column):
        run_loss(
            nn.CrossEntropyLoss(w, ignore_index, reduction, smoothing),
            torch.nn.CrossEntropyLoss(
                wt, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing
            ),
            target,
            f"CrossEntropyLoss(ignore_index={ignore_index})",
        )


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_ignore_index_zero(reduction: str, weighted: bool) -> None:
    w = WEIGHTS if weighted else None
    wt = torch.tensor(WEIGHTS, dtype=D) if weighted else None
    run_loss(
        nn.NLLLoss(w, 0, reduction),
        torch.nn.NLLLoss(wt, ignore_index=0, reduction=reduction),
        TARGETS,
        "NLLLoss(ignore_index=0)",
    )


def test_ignored_rows_get_no_gradient() -> None:
    x = match.mat(LOGITS)
    nn.CrossEntropyLoss(ignore_index=0)(x, TARGETS).backward()
    for row, target in zip(x.grad.tolist(), TARGETS):
        assert (target == 0) == all(g == 0.0 for g in row)


def test_every_row_ignored_gives_nan_mean_as_torch() -> None:
    lm = nn.CrossEntropyLoss(ignore_index=1)(match.mat(LOGITS[:2]), [1, 1])
    lt = torch.nn.CrossEntropyLoss(ignore_index=1)(tensor(LOGITS[:2]), torch.tensor([1, 1]))
    assert math.isnan(lm.item()) and math.isnan(lt.item())


def test_bad_target_is_found_without_reading_good_rows() -> None:
    x = match.mat(LOGITS)
    with pytest.raises(IndexError, match="cross_entropy: target index 7 in row 2"):
        nn.functional.cross_entropy(x, match.mat([[0.0], [1.0], [7.0], [1.0], [1.0], [0.0]]))
    with pytest.raises(ValueError, match="nll_loss: target 0.5 in row 0 is not a class index"):
        nn.functional.nll_loss(x, match.mat([[0.5], [1.0], [2.0], [1.0], [1.0], [0.0]]))
    with pytest.raises(ValueError, match="target nan in row 1"):
        nn.functional.nll_loss(x, match.mat([[0.0], [math.nan], [2.0], [1.0], [1.0], [0.0]]))


# --- 4. clip_grad_norm_ ------------------------------------------------------------------------
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


# --- 5. BatchNorm1d ----------------------------------------------------------------------------
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


# --- 6. hyperparameters ------------------------------------------------------------------------
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


def test_loss_errors_name_the_module_then_the_function() -> None:
    with pytest.raises(ValueError) as info:
        nn.MSELoss()(match.ones(2, 2), match.ones(1, 3))
    assert str(info.value).startswith("MSELoss: mse_loss: input shape (2, 2) and target shape")
    with pytest.raises(IndexError) as info:
        nn.CrossEntropyLoss()(match.ones(2, 2), [0, 5])
    assert str(info.value).startswith("CrossEntropyLoss: cross_entropy: target index 5 in row 1")
