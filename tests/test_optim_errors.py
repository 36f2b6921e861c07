"""Bad input to match.optim: every optimizer and scheduler refuses it with the exception torch
users expect and a message that names the class the user called (issue 10), and a failed
`load_state_dict` leaves the optimizer as it was. (Hostile state from a file:
tests/test_hostile_files.py.)"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import nn, optim
from match.optim import lr_scheduler
from tests.parity import (
    TRAIN_X,
    TRAIN_Y,
)

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam"]
WITH_BETAS = ["Adam", "AdamW", "NAdam", "RAdam"]
WITH_EPS = ["Adam", "AdamW", "RMSprop", "Adagrad", "NAdam", "RAdam"]


def param() -> list[Any]:
    return [match.ones(2, 2)]


def sgd() -> optim.SGD:
    return optim.SGD(param(), lr=0.1, momentum=0.9)


CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = []
for name in OPTIMIZERS:
    make = getattr(optim, name)
    CASES += [
        (f"{name}-lr-str", lambda m=make: m(param(), lr="x"), TypeError, "lr must be a number"),
        (f"{name}-lr-negative", lambda m=make: m(param(), lr=-1.0), ValueError, "lr must be >= 0"),
        (f"{name}-lr-nan", lambda m=make: m(param(), lr=float("nan")), ValueError, "finite"),
        (f"{name}-lr-bool", lambda m=make: m(param(), lr=True), TypeError, "lr"),
        (f"{name}-wd-negative", lambda m=make: m(param(), weight_decay=-1), ValueError, "weight_"),
        (f"{name}-maximize-int", lambda m=make: m(param(), maximize=1), TypeError, "maximize"),
        (f"{name}-params-empty", lambda m=make: m([]), ValueError, "empty"),
        (f"{name}-params-matrix", lambda m=make: m(match.ones(2, 2)), TypeError, "wrap it"),
        (f"{name}-params-int", lambda m=make: m(3), TypeError, "iterable"),
        (f"{name}-params-str", lambda m=make: m(["a"]), TypeError, "str"),
        (f"{name}-non-leaf", lambda m=make: m([match.ones(2, 2) * 2.0]), ValueError, "non-leaf"),
        (
            f"{name}-group-lr-str",
            lambda m=make: m([{"params": param(), "lr": "x"}]),
            TypeError,
            "lr must be a number",
        ),
        (
            f"{name}-zero_grad-str",
            lambda m=make: m(param()).zero_grad("yes"),
            TypeError,
            "zero_grad: set_to_none",
        ),
        (
            f"{name}-load_state_dict-str",
            lambda m=make: m(param()).load_state_dict("a"),
            ValueError,
            "load_state_dict",
        ),
    ]
for name in WITH_BETAS:
    make = getattr(optim, name)
    CASES += [
        (f"{name}-betas-one", lambda m=make: m(param(), betas=(0.9,)), ValueError, "pair"),
        (f"{name}-betas-float", lambda m=make: m(param(), betas=0.9), TypeError, "pair"),
        (f"{name}-betas-range", lambda m=make: m(param(), betas=(1.0, 0.9)), ValueError, "[0, 1)"),
        (f"{name}-betas-str", lambda m=make: m(param(), betas=(0.9, "a")), TypeError, "betas[1]"),
    ]
for name in WITH_EPS:
    make = getattr(optim, name)
    CASES.append((f"{name}-eps-negative", lambda m=make: m(param(), eps=-1.0), ValueError, "eps"))
CASES += [
    ("SGD-momentum-negative", lambda: optim.SGD(param(), momentum=-0.5), ValueError, "momentum"),
    ("SGD-nesterov-alone", lambda: optim.SGD(param(), nesterov=True), ValueError, "Nesterov"),
    ("SGD-nesterov-int", lambda: optim.SGD(param(), momentum=0.9, nesterov=1), TypeError, "nest"),
    ("Adam-amsgrad-str", lambda: optim.Adam(param(), amsgrad="yes"), TypeError, "amsgrad"),
    ("RMSprop-alpha-negative", lambda: optim.RMSprop(param(), alpha=-1.0), ValueError, "alpha"),
    ("RMSprop-centered-none", lambda: optim.RMSprop(param(), centered=None), TypeError, "center"),
    ("Adagrad-lr_decay-negative", lambda: optim.Adagrad(param(), lr_decay=-1), ValueError, "lr_d"),
    (
        "Adagrad-initial-negative",
        lambda: optim.Adagrad(param(), initial_accumulator_value=-1.0),
        ValueError,
        "initial_accumulator_value",
    ),
    ("NAdam-momentum_decay", lambda: optim.NAdam(param(), momentum_decay=-1), ValueError, "mom"),
    # schedulers
    ("StepLR-not-optimizer", lambda: lr_scheduler.StepLR(3, step_size=1), TypeError, "Optimizer"),
    ("StepLR-step_size-zero", lambda: lr_scheduler.StepLR(sgd(), 0), ValueError, "step_size"),
    ("StepLR-step_size-float", lambda: lr_scheduler.StepLR(sgd(), 1.5), TypeError, "step_size"),
    ("StepLR-gamma-str", lambda: lr_scheduler.StepLR(sgd(), 2, gamma="a"), TypeError, "gamma"),
    ("StepLR-last_epoch", lambda: lr_scheduler.StepLR(sgd(), 2, last_epoch=-5), ValueError, "last"),
    ("ExponentialLR-gamma-str", lambda: lr_scheduler.ExponentialLR(sgd(), "a"), TypeError, "gam"),
    ("Cosine-T_max-zero", lambda: lr_scheduler.CosineAnnealingLR(sgd(), 0), ValueError, "T_max"),
    ("Cosine-eta_min-str", lambda: lr_scheduler.CosineAnnealingLR(sgd(), 5, "a"), TypeError, "eta"),
    ("LambdaLR-not-callable", lambda: lr_scheduler.LambdaLR(sgd(), 0.5), TypeError, "function"),
    ("LambdaLR-count", lambda: lr_scheduler.LambdaLR(sgd(), [abs, abs]), ValueError, "lr_lambdas"),
    ("MultiStepLR-str", lambda: lr_scheduler.MultiStepLR(sgd(), "ab"), TypeError, "milestones"),
    ("MultiStepLR-float", lambda: lr_scheduler.MultiStepLR(sgd(), [1.5]), TypeError, "milestone"),
    ("LinearLR-start-zero", lambda: lr_scheduler.LinearLR(sgd(), 0.0), ValueError, "start_factor"),
    ("LinearLR-end-big", lambda: lr_scheduler.LinearLR(sgd(), 0.5, 1.5), ValueError, "end_factor"),
    ("LinearLR-iters", lambda: lr_scheduler.LinearLR(sgd(), total_iters=0), ValueError, "total_it"),
    ("OneCycleLR-no-steps", lambda: lr_scheduler.OneCycleLR(sgd(), 1.0), ValueError, "total_steps"),
    ("OneCycleLR-steps-zero", lambda: lr_scheduler.OneCycleLR(sgd(), 1.0, 0), ValueError, "total"),
    (
        "OneCycleLR-pct",
        lambda: lr_scheduler.OneCycleLR(sgd(), 1.0, 10, pct_start=1.5),
        ValueError,
        "pct_start",
    ),
    (
        "OneCycleLR-anneal",
        lambda: lr_scheduler.OneCycleLR(sgd(), 1.0, 10, anneal_strategy="exp"),
        ValueError,
        "anneal_strategy",
    ),
    ("OneCycleLR-max_lr", lambda: lr_scheduler.OneCycleLR(sgd(), [1.0, 2.0], 10), ValueError, "2"),
    (
        "OneCycleLR-no-momentum",
        lambda: lr_scheduler.OneCycleLR(optim.Adagrad(param()), 1.0, 10),
        ValueError,
        "cycle_momentum",
    ),
    ("Plateau-mode", lambda: lr_scheduler.ReduceLROnPlateau(sgd(), "up"), ValueError, "mode"),
    (
        "Plateau-threshold_mode",
        lambda: lr_scheduler.ReduceLROnPlateau(sgd(), threshold_mode="x"),
        ValueError,
        "threshold_mode",
    ),
    ("Plateau-factor", lambda: lr_scheduler.ReduceLROnPlateau(sgd(), factor=1.0), ValueError, "fa"),
    (
        "Plateau-patience",
        lambda: lr_scheduler.ReduceLROnPlateau(sgd(), patience=-1),
        ValueError,
        "pa",
    ),
    (
        "Plateau-min_lr",
        lambda: lr_scheduler.ReduceLROnPlateau(sgd(), min_lr=[0.1, 0.2]),
        ValueError,
        "min_lrs",
    ),
    ("Plateau-metric", lambda: lr_scheduler.ReduceLROnPlateau(sgd()).step("a"), TypeError, "metr"),
    ("SequentialLR-empty", lambda: lr_scheduler.SequentialLR(sgd(), [], []), ValueError, "empty"),
    (
        "SequentialLR-milestones",
        lambda: (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.LinearLR(o)], [3]))(sgd()),
        ValueError,
        "milestones",
    ),
    (
        "SequentialLR-other-optimizer",
        lambda: lr_scheduler.SequentialLR(sgd(), [lr_scheduler.LinearLR(sgd())], []),
        ValueError,
        "another optimizer",
    ),
    (
        "SequentialLR-plateau",
        lambda: (lambda o: lr_scheduler.SequentialLR(o, [lr_scheduler.ReduceLROnPlateau(o)], []))(
            sgd()
        ),
        TypeError,
        "ReduceLROnPlateau",
    ),
]


@pytest.mark.parametrize("call,error,text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_by_name(
    request: pytest.FixtureRequest, call: Callable[[], Any], error: type, text: str
) -> None:
    ident = request.node.callspec.id
    called = ident.split("-")[0]
    called = {"Cosine": "CosineAnnealingLR", "Plateau": "ReduceLROnPlateau"}.get(called, called)
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert text in message, message
    if not ident.endswith("load_state_dict-str"):
        assert called in message, message


def trained_optimizer(name: str, **kwargs: Any) -> tuple[optim.Optimizer, nn.Module]:
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2))
    opt = getattr(optim, name)(model.parameters(), **kwargs)
    for _ in range(2):
        opt.zero_grad()
        model(match.randn(4, 3)).sum().backward()
        opt.step()
    return opt, model


def corrupt(sd: dict, where: Callable[[dict], None]) -> dict:
    bad = copy.deepcopy(sd)
    where(bad)
    return bad


LOAD_CASES: dict[str, tuple[str, Callable[[dict], None], type[Exception]]] = {
    "buffer-shape": ("Adam", lambda d: d["state"][0].update(exp_avg=[[1.0]]), ValueError),
    "buffer-str": ("Adam", lambda d: d["state"][0].update(exp_avg="x"), TypeError),
    "step-negative": ("Adam", lambda d: d["state"][1].update(step=-1), ValueError),
    "step-fraction": ("RMSprop", lambda d: d["state"][1].update(step=1.5), ValueError),
    "lr-str": ("SGD", lambda d: d["param_groups"][0].update(lr="x"), TypeError),
    "betas-range": ("Adam", lambda d: d["param_groups"][0].update(betas=[1.5, 0.9]), ValueError),
    "flag-int": ("Adam", lambda d: d["param_groups"][0].update(amsgrad=1), TypeError),
    "mu_product-str": ("NAdam", lambda d: d["state"][0].update(mu_product="x"), TypeError),
    "unknown-parameter": ("Adagrad", lambda d: d["state"].update({7: {}}), ValueError),
    "params-count": ("SGD", lambda d: d["param_groups"][0]["params"].pop(), ValueError),
    "state-not-dict": ("SGD", lambda d: d.update(state=[]), TypeError),
}


@pytest.mark.parametrize("case", LOAD_CASES)
def test_failed_load_state_dict_changes_nothing(case: str) -> None:
    name, damage, error = LOAD_CASES[case]
    kwargs = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    opt, _ = trained_optimizer(name, **kwargs)
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(error, match="load_state_dict"):
        opt.load_state_dict(corrupt(before, damage))
    assert opt.state_dict() == before


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([])
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([match.ones(1, 1)], nesterov=True)
    with pytest.raises(TypeError):
        optim.SGD(match.ones(1, 1))
    p = match.ones(1, 1)
    with pytest.raises(ValueError, match="more than one"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))


def test_load_state_dict_rejects_mismatches() -> None:
    match.manual_seed(0)  # the model of parity.models, without its torch twin (no torch here)
    m = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
    xm = match.mat(TRAIN_X, requires_grad=False)
    nn.MSELoss()(m(xm), match.mat(TRAIN_Y, requires_grad=False)).backward()
    opt.step()
    sd = opt.state_dict()
    other = optim.SGD(m[0].parameters(), lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="parameters"):
        other.load_state_dict(sd)
    bad = {"state": {"0": {"momentum_buffer": [[1.0]]}}, "param_groups": sd["param_groups"]}
    with pytest.raises(ValueError, match="shape"):
        opt.load_state_dict(bad)
    assert opt.state_dict() == sd  # unchanged
