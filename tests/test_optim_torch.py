"""The optimizers' numbers against torch.optim, and the fused update methods they use.

The same model, data and loss, stepped 50 times (and 25 times with a regression loss) by Match
and by torch (float64, the single-tensor code path): the parameters agree to rtol 1e-8, for every
option torch has (weight_decay, momentum, nesterov, amsgrad, maximize, centered, decoupled weight
decay ...); every optimizer's defaults are torch's. Then the fused List2D methods (`add`,
`addcmul_`, `addcdiv_`, `lerp_` ...) against torch's. The optimizers' API and state are in
tests/test_optim_state.py.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import match
from match import List2D, optim
from tests.parity import assert_close, assert_same_parameters, models, random_rows, train

torch = pytest.importorskip("torch")
STEPS = 50

CONFIGS = [
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True}),
    ("Adam", {"lr": 0.01, "maximize": True, "betas": (0.8, 0.95)}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("RMSprop", {"lr": 0.005, "momentum": 0.8, "centered": True, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "maximize": True}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.05, "lr_decay": 0.01, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.05, "initial_accumulator_value": 0.1, "eps": 1e-6}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.05, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.01, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.05}),
    ("RAdam", {"lr": 0.01, "weight_decay": 0.05, "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9), "maximize": True}),  # rectified from step 6
]


@pytest.fixture(autouse=True)
def torch_float64() -> Iterator[None]:
    """torch keeps NAdam's mu_product in the default dtype: float64 here, as Match's."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.mark.parametrize(
    "name,kwargs", CONFIGS, ids=[f"{n}-{'-'.join(k) or 'defaults'}" for n, k in CONFIGS]
)
def test_optimizer_matches_torch_after_50_steps(name: str, kwargs: dict) -> None:
    m, t = models(5)
    train(
        m,
        t,
        lambda mm: getattr(optim, name)(mm.parameters(), **kwargs),
        lambda tm: getattr(torch.optim, name)(tm.parameters(), foreach=False, **kwargs),
        steps=STEPS,
        classify=True,
    )
    assert_same_parameters(m, t, name)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam"])
def test_defaults_match_torch(name: str) -> None:
    ours = getattr(optim, name)([match.ones(1, 1)]).defaults
    theirs = getattr(torch.optim, name)([torch.ones(1, requires_grad=True)]).defaults
    for key, value in ours.items():
        assert theirs[key] == value, (name, key)


# --------------------------------------------------------------------------------------
# The fused List2D methods against torch's
# --------------------------------------------------------------------------------------

A, B, C = random_rows(3, 4, seed=7), random_rows(3, 4, seed=8), random_rows(3, 4, seed=9)


def both(rows: list[list[float]]) -> tuple[List2D, Any]:
    return List2D.from_2d_list(rows), torch.tensor(rows, dtype=torch.float64)


FUSED = {
    "add": (lambda a, b, c: a.add(b, alpha=-0.3), lambda a, b, c: a.add(b, alpha=-0.3)),
    "add_": (lambda a, b, c: a.add_(b, alpha=0.7), lambda a, b, c: a.add_(b, alpha=0.7)),
    "add_-number": (lambda a, b, c: a.add_(1e-3), lambda a, b, c: a.add_(1e-3)),
    "mul_": (lambda a, b, c: a.mul_(0.9), lambda a, b, c: a.mul_(0.9)),
    "mul_-matrix": (lambda a, b, c: a.mul_(b), lambda a, b, c: a.mul_(b)),
    "div_": (lambda a, b, c: a.div_(c), lambda a, b, c: a.div_(c)),
    "maximum_": (lambda a, b, c: a.maximum_(b), lambda a, b, c: torch.maximum(a, b, out=a)),
    "addcmul": (lambda a, b, c: a.addcmul(b, c, 0.1), lambda a, b, c: a.addcmul(b, c, value=0.1)),
    "addcmul_": (
        lambda a, b, c: a.addcmul_(b, c, 0.1),
        lambda a, b, c: a.addcmul_(b, c, value=0.1),
    ),
    "addcdiv": (lambda a, b, c: a.addcdiv(b, c, -2.0), lambda a, b, c: a.addcdiv(b, c, value=-2.0)),
    "addcdiv_": (
        lambda a, b, c: a.addcdiv_(b, c, 0.5),
        lambda a, b, c: a.addcdiv_(b, c, value=0.5),
    ),
    "lerp_-small": (lambda a, b, c: a.lerp_(b, 0.1), lambda a, b, c: a.lerp_(b, 0.1)),
    "lerp_-large": (lambda a, b, c: a.lerp_(b, 0.999), lambda a, b, c: a.lerp_(b, 0.999)),
}


@pytest.mark.parametrize("name", FUSED)
def test_fused_methods_match_torch(name: str) -> None:
    ours, theirs = FUSED[name]
    (a, ta), (b, tb), (c, tc) = both(A), both(B), both(C)
    version = a.version
    out, tout = ours(a, b, c), theirs(ta, tb, tc)
    assert_close(out, tout, rtol=1e-15, atol=1e-300, what=name)
    if name.endswith(("_", "-number", "-matrix", "-small", "-large")):
        assert out is a and a.version == version + 1  # written in place, a new version
        assert_close(a, ta, rtol=1e-15, atol=1e-300, what=name)
    else:
        assert out is not a and a.tolist() == A  # a new value; a unchanged
    assert b.tolist() == B and c.tolist() == C  # operands are only read


def test_addcdiv_by_zero_gives_ieee_values_without_warnings() -> None:
    a = List2D.from_2d_list([[1.0, 0.0, 2.0]])
    b = List2D.from_2d_list([[1.0, 0.0, -1.0]])
    zero = List2D.from_2d_list([[0.0, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = a.addcdiv(b, zero, 1.0).tolist()[0]
        a.addcdiv_(b, zero, 1.0)
    assert out[0] == float("inf") and out[1] != out[1] and out[2] == -float("inf")
    assert a.tolist()[0][0] == float("inf")


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda a: a.add_(List2D.zeros(2, 2)), ValueError),
        (lambda a: a.addcmul_(a, "x"), TypeError),
        (lambda a: a.lerp_(a, "x"), TypeError),
        (lambda a: a.addcdiv(a, a, None), TypeError),
        (lambda a: a.set_(List2D.zeros(1, 1)), ValueError),
    ],
)
def test_fused_methods_reject_bad_operands_and_change_nothing(call: Any, error: type) -> None:
    a = List2D.from_2d_list(A)
    with pytest.raises(error):
        call(a)
    assert a.tolist() == A and a.version == 0


# --- 25 steps with a regression loss, and the first four optimizers' defaults --------------------


CONFIGS_25 = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.01, "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05, "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("RMSprop", {}),
    (
        "RMSprop",
        {"lr": 0.005, "alpha": 0.9, "momentum": 0.8, "centered": True, "weight_decay": 0.01},
    ),
    ("RMSprop", {"lr": 0.005, "momentum": 0.5}),
]


@pytest.mark.parametrize(
    "name,kwargs", CONFIGS_25, ids=[f"{n}-{'-'.join(k) or 'defaults'}" for n, k in CONFIGS_25]
)
def test_optimizer_matches_torch_after_25_steps(name: str, kwargs: dict) -> None:
    m, t = models()
    train(
        m,
        t,
        lambda mm: getattr(optim, name)(mm.parameters(), **kwargs),
        lambda tm: getattr(torch.optim, name)(tm.parameters(), foreach=False, **kwargs),
        classify=name == "Adam",
    )
    assert_same_parameters(m, t, name)


def test_defaults_of_the_first_four_match_torch() -> None:
    p = [match.ones(1, 1)]
    tp = [torch.ones(1, requires_grad=True)]
    for name in ("SGD", "Adam", "AdamW", "RMSprop"):
        ours = getattr(optim, name)(p).defaults
        theirs = getattr(torch.optim, name)(tp).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)
