"""Tests for match.optim: every optimizer against torch.optim (same model, data and loss; the
parameters after 25 steps agree to rtol 1e-8), parameter groups, saving and resuming, and the
learning-rate schedulers' sequences."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import match
from match import nn, optim
from match.serialize import load, save
from tests.parity import (
    TRAIN_X,
    TRAIN_Y,
    assert_close,
    assert_same_parameters,
    models,
    train,
)

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up would dominate the run time
D = torch.float64
STEPS = 25


CONFIGS = [
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
    "name,kwargs", CONFIGS, ids=[f"{n}-{'-'.join(k) or 'defaults'}" for n, k in CONFIGS]
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


def test_defaults_match_torch() -> None:
    p = [match.ones(1, 1)]
    tp = [torch.ones(1, requires_grad=True)]
    for name in ("SGD", "Adam", "AdamW", "RMSprop"):
        ours = getattr(optim, name)(p).defaults
        theirs = getattr(torch.optim, name)(tp).defaults
        for key, value in ours.items():
            assert theirs[key] == value, (name, key)


def test_param_groups_with_their_own_settings() -> None:
    m, t = models(3)
    train(
        m,
        t,
        lambda mm: optim.SGD(
            [{"params": mm[0].parameters(), "lr": 0.2}, {"params": mm[2].parameters()}],
            lr=0.05,
            momentum=0.9,
        ),
        lambda tm: torch.optim.SGD(
            [{"params": tm[0].parameters(), "lr": 0.2}, {"params": tm[2].parameters()}],
            lr=0.05,
            momentum=0.9,
            foreach=False,
        ),
    )
    assert_same_parameters(m, t, "groups")
    opt = optim.Adam([{"params": m[0].parameters(), "lr": 0.5}, {"params": m[2].parameters()}])
    assert [g["lr"] for g in opt.param_groups] == [0.5, 1e-3]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)


def test_parameters_without_gradient_are_skipped() -> None:
    a, b = match.ones(1, 2), match.ones(1, 2)
    opt = optim.Adam([a, b], lr=0.1)
    (a * 2.0).sum().backward()
    opt.step()
    assert b.tolist() == [[1.0, 1.0]] and a.tolist() != [[1.0, 1.0]]
    assert len(opt.state) == 1 and opt.state[a]["step"] == 1
    opt.zero_grad()
    assert a._grad is None


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


@pytest.mark.parametrize(
    "name,kwargs",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("RMSprop", {"momentum": 0.5, "centered": True}),
        ("Adagrad", {"lr": 0.05, "lr_decay": 0.01}),
        ("NAdam", {"lr": 0.01}),
        ("RAdam", {"lr": 0.01, "betas": (0.9, 0.9)}),
    ],
)
def test_resume_from_saved_state_is_exact(name: str, kwargs: dict, tmp_path: Path) -> None:
    cls = getattr(optim, name)
    xm, ym = match.mat(TRAIN_X, requires_grad=False), match.mat(TRAIN_Y, requires_grad=False)

    def run(model: nn.Module, opt: optim.Optimizer, steps: int) -> None:
        for _ in range(steps):
            opt.zero_grad()
            nn.MSELoss()(model(xm), ym).backward()
            opt.step()

    straight, _ = models(4)
    opt = cls(straight.parameters(), **kwargs)
    run(straight, opt, 20)

    first, _ = models(4)
    opt1 = cls(first.parameters(), **kwargs)
    run(first, opt1, 10)
    save({"model": first.state_dict(), "optimizer": opt1.state_dict()}, tmp_path / "ckpt.json")

    resumed, _ = models(99)  # different initial weights: everything comes from the file
    opt2 = cls(resumed.parameters(), **kwargs)
    ckpt = load(tmp_path / "ckpt.json")
    resumed.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    run(resumed, opt2, 10)
    assert resumed.state_dict() == straight.state_dict()


def test_optimizer_state_dict_layout_matches_torch() -> None:
    m, t = models()
    made = {}

    def make_m(mm: nn.Module) -> optim.Optimizer:
        made["m"] = optim.Adam(mm.parameters())
        return made["m"]

    def make_t(tm: Any) -> Any:
        made["t"] = torch.optim.Adam(tm.parameters(), foreach=False)
        return made["t"]

    train(m, t, make_m, make_t, steps=2)
    ours, theirs = made["m"].state_dict(), made["t"].state_dict()
    assert ours["param_groups"][0]["params"] == theirs["param_groups"][0]["params"] == [0, 1, 2, 3]
    assert set(ours["param_groups"][0]) <= set(theirs["param_groups"][0])
    assert list(ours["state"]) == list(theirs["state"])
    for i, st in ours["state"].items():
        assert set(st) == set(theirs["state"][i])
        assert st["step"] == theirs["state"][i]["step"].item() == 2
        assert_close(
            st["exp_avg_sq"],
            theirs["state"][i]["exp_avg_sq"].reshape(len(st["exp_avg_sq"]), -1),
            what=f"exp_avg_sq {i}",
        )


def test_load_state_dict_rejects_mismatches() -> None:
    m, _ = models()
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


# --------------------------------------------------------------------------------------
# Schedulers
# --------------------------------------------------------------------------------------


SCHEDULERS = [
    ("StepLR", {"step_size": 3}),
    ("StepLR", {"step_size": 2, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
]


@pytest.mark.parametrize(
    "name,kwargs", SCHEDULERS, ids=[f"{n}-{sorted(k.items())}" for n, k in SCHEDULERS]
)
def test_scheduler_matches_torch(name: str, kwargs: dict) -> None:
    opt_m = optim.SGD(
        [{"params": [match.ones(1, 1)]}, {"params": [match.ones(1, 1)], "lr": 0.3}], lr=0.1
    )
    opt_t = torch.optim.SGD(
        [
            {"params": [torch.ones(1, requires_grad=True)]},
            {"params": [torch.ones(1, requires_grad=True)], "lr": 0.3},
        ],
        lr=0.1,
    )
    sched_m = getattr(optim, name)(opt_m, **kwargs)
    sched_t = getattr(torch.optim.lr_scheduler, name)(opt_t, **kwargs)
    for epoch in range(30):  # past T_max, where cosine turns back up
        assert sched_m.get_last_lr() == pytest.approx(
            sched_t.get_last_lr(), rel=1e-12, abs=1e-15
        ), epoch
        assert [g["lr"] for g in opt_m.param_groups] == sched_m.get_last_lr()
        opt_t.step()
        sched_m.step()
        sched_t.step()


def test_cosine_closed_form() -> None:
    opt = optim.SGD([match.ones(1, 1)], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    for t in range(9):
        expected = 0.1 + 0.9 * (1 + math.cos(math.pi * t / 8)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
        sched.step()
