"""Every learning-rate scheduler against torch.optim.lr_scheduler: the same optimizer settings
give the same learning rates, bit for bit (==, not approx), over 60 steps; momentum and betas
too where OneCycleLR cycles them; the first schedulers over two parameter groups, against torch
to rtol 1e-12. Then saving and resuming a scheduler."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import match
from match import optim
from match.optim import lr_scheduler
from match.serialize import load, save

torch = pytest.importorskip("torch")
STEPS = 60


def optimizers(name: str = "SGD", **kwargs: Any) -> tuple[Any, Any]:
    """A Match and a torch optimizer with two param groups (lr 0.1 and 0.3)."""
    groups_m = [{"params": [match.ones(1, 1)]}, {"params": [match.ones(1, 1)], "lr": 0.3}]
    groups_t = [
        {"params": [torch.ones(1, requires_grad=True)]},
        {"params": [torch.ones(1, requires_grad=True)], "lr": 0.3},
    ]
    return (
        getattr(optim, name)(groups_m, lr=0.1, **kwargs),
        getattr(torch.optim, name)(groups_t, lr=0.1, **kwargs),
    )


def same_run(
    make_m: Callable[[Any], Any],
    make_t: Callable[[Any], Any],
    opt: str = "SGD",
    metrics: list[float] | None = None,
    keys: tuple[str, ...] = ("lr",),
    **opt_kwargs: Any,
) -> None:
    opt_m, opt_t = optimizers(opt, **opt_kwargs)
    sched_m, sched_t = make_m(opt_m), make_t(opt_t)
    for step in range(STEPS):
        for key in keys:
            ours = [g[key] for g in opt_m.param_groups]
            theirs = [g[key] for g in opt_t.param_groups]
            assert ours == theirs, (step, key, ours, theirs)
        assert sched_m.get_last_lr() == sched_t.get_last_lr(), step
        opt_t.step()
        opt_m.step()
        if metrics is None:
            sched_m.step()
            sched_t.step()
        else:
            sched_m.step(metrics[step])
            sched_t.step(metrics[step])


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "StepLR": ("StepLR", {"step_size": 7, "gamma": 0.5}),
    "MultiStepLR": ("MultiStepLR", {"milestones": [3, 10, 10, 31], "gamma": 0.3}),
    "ExponentialLR": ("ExponentialLR", {"gamma": 0.93}),
    "CosineAnnealingLR": ("CosineAnnealingLR", {"T_max": 13, "eta_min": 0.01}),
    "LinearLR": ("LinearLR", {}),
    "LinearLR-decay": ("LinearLR", {"start_factor": 1.0, "end_factor": 0.05, "total_iters": 40}),
    "OneCycleLR": ("OneCycleLR", {"max_lr": 1.0, "total_steps": STEPS}),
    "OneCycleLR-three-phase-linear": (
        "OneCycleLR",
        {
            "max_lr": [0.5, 2.0],
            "epochs": 6,
            "steps_per_epoch": 10,
            "three_phase": True,
            "anneal_strategy": "linear",
            "div_factor": 10.0,
            "final_div_factor": 100.0,
            "pct_start": 0.25,
        },
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_scheduler_matches_torch_bit_for_bit(case: str) -> None:
    name, kwargs = CASES[case]
    keys = ("lr", "momentum") if name == "OneCycleLR" else ("lr",)
    same_run(
        lambda o: getattr(lr_scheduler, name)(o, **kwargs),
        lambda o: getattr(torch.optim.lr_scheduler, name)(o, **kwargs),
        keys=keys,
        momentum=0.9,
    )


def test_one_cycle_cycles_adam_beta1() -> None:
    same_run(
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=STEPS),
        lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=STEPS),
        opt="Adam",
        keys=("lr", "betas"),
    )


def test_lambda_lr_with_one_function_per_group() -> None:
    fns = [lambda e: 0.95**e, lambda e: 1.0 / (1 + e)]
    same_run(
        lambda o: lr_scheduler.LambdaLR(o, fns),
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, fns),
    )


@pytest.mark.parametrize("milestones", [[5], [4, 20]])
def test_sequential_lr(milestones: list[int]) -> None:
    def make(lib: Any) -> Callable[[Any], Any]:
        def build(o: Any) -> Any:
            parts = [
                lib.LinearLR(o, start_factor=0.1, total_iters=5),
                lib.CosineAnnealingLR(o, T_max=15),
                lib.ExponentialLR(o, gamma=0.9),
            ][: len(milestones) + 1]
            return lib.SequentialLR(o, parts, milestones)

        return build

    same_run(make(lr_scheduler), make(torch.optim.lr_scheduler))


# A metric that improves, stalls, improves a little (less than the threshold), and recovers.
METRICS = [1.0 / (1 + i) for i in range(10)] + [0.09] * 15 + [0.0899999] * 10
METRICS += [0.05 - 0.001 * i for i in range(10)] + [0.04] * 15


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 3},
        {"patience": 2, "cooldown": 3, "factor": 0.5, "min_lr": [0.01, 0.02]},
        {"mode": "max", "threshold_mode": "abs", "threshold": 0.01, "patience": 0},
        {"threshold_mode": "abs", "patience": 1, "min_lr": 0.004, "eps": 1e-3},
    ],
)
def test_reduce_lr_on_plateau(kwargs: dict) -> None:
    same_run(
        lambda o: lr_scheduler.ReduceLROnPlateau(o, **kwargs),
        lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, **kwargs),
        metrics=METRICS,
    )


def test_reduce_lr_on_plateau_takes_a_1x1_matrix() -> None:
    opt, _ = optimizers()
    sched = lr_scheduler.ReduceLROnPlateau(opt, patience=0)
    sched.step(match.mat([[1.0]]))
    sched.step(match.mat([[2.0]]))
    assert sched.get_last_lr() == [0.1 * 0.1, 0.3 * 0.1]


@pytest.mark.parametrize(
    "make",
    [
        lambda o: lr_scheduler.StepLR(o, step_size=4),
        lambda o: lr_scheduler.MultiStepLR(o, milestones=[2, 5, 5]),
        lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=6),
        lambda o: lr_scheduler.SequentialLR(
            o, [lr_scheduler.LinearLR(o), lr_scheduler.ExponentialLR(o, 0.9)], [3]
        ),
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1),
    ],
    ids=["StepLR", "MultiStepLR", "CosineAnnealingLR", "SequentialLR", "ReduceLROnPlateau"],
)
def test_resume_through_a_json_file(make: Callable[[Any], Any], tmp_path: Path) -> None:
    def advance(sched: Any, steps: range) -> list[list[float]]:
        seen = []
        for i in steps:
            if isinstance(sched, lr_scheduler.ReduceLROnPlateau):
                sched.step(METRICS[i])
            else:
                sched.step()
            seen.append(sched.get_last_lr())
        return seen

    opt, _ = optimizers()
    straight = advance(make(opt), range(20))
    first_opt, _ = optimizers()
    first = make(first_opt)
    advance(first, range(8))
    save({"optimizer": first_opt.state_dict(), "scheduler": first.state_dict()}, tmp_path / "c")
    ckpt = load(tmp_path / "c")
    opt2, _ = optimizers()
    resumed = make(opt2)
    opt2.load_state_dict(ckpt["optimizer"])
    resumed.load_state_dict(ckpt["scheduler"])
    assert advance(resumed, range(8, 20)) == straight[8:]


def test_cosine_closed_form() -> None:
    opt = optim.SGD([match.ones(1, 1)], lr=1.0)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    for t in range(9):
        assert sched.get_last_lr()[0] == pytest.approx(
            0.1 + 0.9 * (1 + math.cos(math.pi * t / 8)) / 2, rel=1e-12
        )
        sched.step()


def test_one_cycle_refuses_to_run_past_total_steps() -> None:
    opt, _ = optimizers()
    sched = lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=3)
    for _ in range(3):
        sched.step()
    with pytest.raises(ValueError, match="OneCycleLR"):
        sched.step()


# --- the first schedulers, two parameter groups, to rtol 1e-12 -----------------------------------


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


def test_cosine_closed_form_through_match_optim() -> None:
    opt = optim.SGD([match.ones(1, 1)], lr=1.0)
    sched = optim.CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    for t in range(9):
        expected = 0.1 + 0.9 * (1 + math.cos(math.pi * t / 8)) / 2
        assert sched.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
        sched.step()
