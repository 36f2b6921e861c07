"""Interruptions: a KeyboardInterrupt (Ctrl-C) injected, with `sys.settrace`, at every line of
the library's code that a call runs, one run per line. Each call below must be all or
nothing: gradient clipping, `Optimizer.load_state_dict`, `Module.load_state_dict`, the numpy
Adam kernel's buffers, `match.save`, `set_rng_state` and `backward()`."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import match
from match import nn, optim
from match.backend import AdamStep

LIBRARY = os.path.dirname(match.__file__) + os.sep
MAX_LINES = 20_000  # a guard: every call here runs far fewer lines


def interrupted_at(line: int, call: Callable[[], Any]) -> bool:
    """Run call with a KeyboardInterrupt raised at the line-th line it runs in the library;
    True if it was raised there (and caught here), False if call finished first."""
    count = 0

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        if event == "line":
            count += 1
            if count == line:
                raise KeyboardInterrupt  # Python unsets the trace function after this
        return local

    def start(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename.startswith(LIBRARY) else None

    sys.settrace(start)
    try:
        call()
    except KeyboardInterrupt:
        if count != line:
            raise
        return True
    finally:
        sys.settrace(None)
    return False


def every_line(
    setup: Callable[[], Any], call: Callable[[Any], Any], check: Callable[[Any, bool], None]
) -> int:
    """For line = 1, 2, ...: a fresh setup(), call(it) interrupted at that line, and check(it,
    interrupted), until a run finishes without reaching the line. Returns the lines tried."""
    for line in range(1, MAX_LINES):
        subject = setup()
        interrupted = interrupted_at(line, lambda subject=subject: call(subject))
        check(subject, interrupted)
        if not interrupted:
            return line - 1
    raise AssertionError("the call never finished")


def grads(params: list[Any]) -> list[Any]:
    return [p.grad.tolist() for p in params]


# -- gradient clipping ---------------------------------------------------------------------------


def model_with_grads() -> list[Any]:
    match.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    (model(match.randn(5, 3)) * 10.0).sum().backward()
    return list(model.parameters())


@pytest.mark.parametrize(
    "clip",
    [
        lambda ps: nn.utils.clip_grad_norm_(ps, max_norm=0.5),
        lambda ps: nn.utils.clip_grad_norm_(ps, max_norm=0.5, norm_type=float("inf")),
        lambda ps: nn.utils.clip_grad_value_(ps, clip_value=0.1),
    ],
    ids=["norm", "inf-norm", "value"],
)
def test_clipping_is_all_or_nothing(clip: Callable[[list[Any]], Any]) -> None:
    before = grads(model_with_grads())
    after_params = model_with_grads()
    clip(after_params)
    after = grads(after_params)
    assert after != before

    def check(params: list[Any], interrupted: bool) -> None:
        now = grads(params)
        assert now == after if not interrupted else now in (before, after)

    assert every_line(model_with_grads, clip, check) > 10


# -- Optimizer.load_state_dict -------------------------------------------------------------------


def trained_optimizer(lr: float, steps: int) -> Any:
    match.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=lr, betas=(0.8, 0.9))
    for _ in range(steps):
        opt.zero_grad()
        (model(match.randn(5, 3)) ** 2).sum().backward()
        opt.step()
    return opt


def test_optimizer_load_state_dict_is_all_or_nothing() -> None:
    saved = trained_optimizer(0.05, 3).state_dict()
    saved["param_groups"][0]["betas"] = [0.5, 0.6]
    before = trained_optimizer(0.01, 1).state_dict()
    assert saved != before

    def check(opt: Any, interrupted: bool) -> None:
        now = opt.state_dict()
        now["param_groups"][0]["betas"] = list(now["param_groups"][0]["betas"])
        want = {**before, "param_groups": [dict(g) for g in before["param_groups"]]}
        want["param_groups"][0]["betas"] = list(want["param_groups"][0]["betas"])
        assert now == saved if not interrupted else now in (want, saved)

    assert every_line(lambda: trained_optimizer(0.01, 1), lambda o: o.load_state_dict(saved), check)


# -- Module.load_state_dict ----------------------------------------------------------------------


def test_module_load_state_dict_is_all_or_nothing() -> None:
    def make(seed: int) -> nn.Module:
        match.manual_seed(seed)
        return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))

    saved = make(7).state_dict()
    before = make(8).state_dict()

    def check(model: nn.Module, interrupted: bool) -> None:
        now = model.state_dict()
        assert now == saved if not interrupted else now in (before, saved)

    assert every_line(lambda: make(8), lambda m: m.load_state_dict(saved), check) > 10


# -- the Adam kernels ----------------------------------------------------------------------------


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("backend", ["numpy"])  # the python backend has no fused Adam kernel
def test_the_adam_kernel_never_tears_a_buffer(
    backend: str, amsgrad: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small blocks (two rows each) so that the numpy kernel loops over five of them: an
    interrupt leaves each buffer all old or all new, never some rows of each."""
    if backend not in match.accel.available():
        pytest.skip(f"{backend} is not installed")
    if backend == "numpy":
        from match.backend import array

        monkeypatch.setattr(array, "ADAM_BLOCK", 8)
    hyper = AdamStep(0.9, 0.999, 0.01, 0.5, 1e-8)

    def setup() -> list[Any]:
        with match.accel.using(backend):
            match.manual_seed(2)
            p, g, m = (match.randn(10, 4).data for _ in range(3))
            v, mx = (match.rand(10, 4).data for _ in range(2))
        return [p, g, m, v, mx if amsgrad else None]

    def step(parts: list[Any]) -> Any:
        return parts[0].adam_step(*parts[1:], hyper)

    def buffers(parts: list[Any]) -> list[Any]:
        return [b.tolist() for b in parts[2:] if b is not None]

    old = buffers(setup())
    done = setup()
    step(done)
    new = buffers(done)

    def check(parts: list[Any], interrupted: bool) -> None:
        for now, was, will in zip(buffers(parts), old, new):
            assert now in (was, will)

    assert every_line(setup, step, check) > 5


# -- match.save and set_rng_state ----------------------------------------------------------------


def test_save_is_all_or_nothing_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.json"
    new = {"w": [[1.0, 2.0]], "step": 2}

    def setup() -> Path:
        match.save({"w": [[0.0, 0.0]], "step": 1}, path)
        return path

    def check(p: Path, interrupted: bool) -> None:
        assert os.listdir(tmp_path) == ["ckpt.json"]
        now = match.load(p)
        assert now == new if not interrupted else now in ({"w": [[0.0, 0.0]], "step": 1}, new)

    assert every_line(setup, lambda p: match.save(new, p), check) > 20


def test_set_rng_state_is_all_or_nothing() -> None:
    match.manual_seed(4)
    target = match.get_rng_state()

    def setup() -> dict:
        match.manual_seed(5)
        return match.get_rng_state()

    def check(before: dict, interrupted: bool) -> None:
        now = match.get_rng_state()
        assert now == target if not interrupted else now in (before, target)

    assert every_line(setup, lambda _: match.set_rng_state(target), check) > 5


# -- backward ------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend_name", ["python", "numpy"])
def test_an_interrupted_backward_cannot_count_a_gradient_twice(backend_name: str) -> None:
    """Ctrl-C at any line of backward: either nothing was added yet and a retry gives the plain
    gradient, or the graph was freed all the same and a retry raises (as torch's does:
    'backward through the graph a second time'), never adding some gradients twice."""
    if backend_name not in match.accel.available():
        pytest.skip(f"{backend_name} is not installed")

    def setup() -> tuple[Any, Any]:
        with match.accel.using(backend_name):
            w = match.mat([[1.0, -2.0], [0.5, 3.0]])
            x = match.mat([[0.3, 0.7]], requires_grad=False)
            loss = ((x @ w).relu() * (x @ w) + w.sum()).sum()
        return w, loss

    expected, loss = setup()
    loss.backward()
    plain = expected.grad.tolist()

    def check(subject: tuple[Any, Any], interrupted: bool) -> None:
        w, loss = subject
        if interrupted:
            try:
                loss.backward()  # a retry: nothing added yet, or the graph is gone
            except RuntimeError as e:
                assert "already freed" in str(e)
                return
        assert w.grad.tolist() == plain

    tried = every_line(setup, lambda subject: subject[1].backward(), check)
    assert tried > 20
