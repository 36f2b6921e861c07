"""The optimizers' API and state: parameter groups with their own settings, parameters without a
gradient, state_dict's layout (torch's), saving and resuming exactly, step with a closure, and
who owns the storage (buffers are written in place, parameters get fresh storage). The numbers
of the steps against torch are in tests/test_optim_torch.py, bad input in test_optim_errors.py."""

from __future__ import annotations

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


def test_a_parameter_without_gradient_gets_no_decay_or_momentum() -> None:
    a, b = match.ones(1, 2), match.ones(1, 2)
    opt = optim.SGD([a, b], lr=0.1, momentum=0.9, weight_decay=0.5)
    for _ in range(3):
        opt.zero_grad()
        (a * 2.0).sum().backward()
        opt.step()
    assert b.tolist() == [[1.0, 1.0]] and b not in opt.state


def test_parameters_get_fresh_storage() -> None:
    w = match.mat([[1.0, 2.0], [3.0, 4.0]])
    opt = optim.Adam([w], lr=0.1, amsgrad=True)
    (w * w).sum().backward()
    opt.step()
    seen = w.T.tolist()
    view = w.data.T  # on numpy, a view of w's storage
    (w * w).sum().backward()
    opt.step()
    assert view.tolist() == seen  # the step replaced w's storage, never wrote into it


def test_step_with_a_closure_returns_its_loss() -> None:
    w = match.mat([[1.0, -2.0]])
    opt = optim.SGD([w], lr=0.1)
    tw = torch.tensor([[1.0, -2.0]], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1)

    def closure() -> Any:
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    def tclosure() -> Any:
        topt.zero_grad()
        loss = (tw * tw).sum()
        loss.backward()
        return loss

    with match.no_grad():  # the closure records its graph all the same
        loss = opt.step(closure)
    assert loss.item() == topt.step(tclosure).item() == 5.0
    assert_close(w, tw, rtol=1e-15, what="after the step")
    with pytest.raises(TypeError, match="SGD.step: closure"):
        opt.step(3)


def _adam_steps(model: Any, optimizer: Any, steps: int) -> list[list[list[float]]]:
    x = match.mat([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], requires_grad=False)
    for _ in range(steps):
        optimizer.zero_grad()
        (model(x) ** 2).sum().backward()
        optimizer.step()
    return [p.tolist() for p in model.parameters()]


@pytest.mark.parametrize("together", [True, False], ids=["with_model", "alone"])
def test_deepcopy_of_an_optimizer_keeps_its_state_on_the_copied_parameters(together: bool) -> None:
    """Adam restarted without a word when the state was keyed by the old parameters' ids."""
    import copy

    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    _adam_steps(model, optimizer, 3)
    if together:
        twin_model, twin_opt = copy.deepcopy((model, optimizer))
        twin_params = twin_model.parameters()
    else:
        twin_opt = copy.deepcopy(optimizer)  # torch copies the parameters with it
        twin_params = twin_opt.param_groups[0]["params"]
        twin_model = copy.deepcopy(model)
        for p, q in zip(twin_model.parameters(), twin_params):
            p.data = q.data  # the copied model runs on the optimizer's copied parameters
    assert all(p in twin_opt.state for p in twin_params)
    assert all(twin_opt.state[q]["step"] == 3 for q in twin_params)
    expected = _adam_steps(model, optimizer, 2)
    if together:
        assert _adam_steps(twin_model, twin_opt, 2) == expected
    else:
        for _ in range(2):
            twin_opt.zero_grad()
            x = match.mat([[0.5, -1.0, 2.0], [1.5, 0.2, -0.3]], requires_grad=False)
            out = x.linear(twin_params[0], twin_params[1]).tanh().linear(*twin_params[2:])
            (out**2).sum().backward()
            twin_opt.step()
        assert [p.tolist() for p in twin_params] == expected
