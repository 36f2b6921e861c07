"""Optimizer step time: the fused in-place updates against the old unfused ones, and torch.

Run: python bench/bench_optim.py [--repeats N] [--quick]   (about 30 s; numpy, torch optional)

For each backend found (python, numpy, cupy), one Adam step and one SGD-with-momentum step over
the parameters of an MLP (784-256-10 on numpy/cupy; 64-32-10 in pure Python, which is about 100
times slower per element), with fixed gradients:
- "old": the update Match used before the fused kernels, reimplemented inline below: every
  operator makes a new matrix, buffers are replaced instead of updated, the parameter is copied;
- "chain" (Adam only): the fused in-place List2D methods one after another, as Adam took its
  step before the one-kernel `adam` update (each method a pass over the whole parameter);
- "new": `match.optim.Adam` / `SGD`: buffers updated in place, fused kernels, no copy (Adam:
  the one `adam` kernel, in cache-sized blocks on numpy, a row at a time in pure Python);
- "torch": `torch.optim` (float64, 1 thread, single-tensor code path) on the same shapes.
Times are medians of interleaved repeats (time.perf_counter), in microseconds per step; the
ratios are measured side by side in the same run.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"  # before numpy (and torch) load their BLAS
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import match  # noqa: E402
from match import optim  # noqa: E402
from match.list2d import List2D  # noqa: E402

SHAPES = {
    "python": [(32, 64), (1, 32), (10, 32), (1, 10)],
    "array": [(256, 784), (1, 256), (10, 256), (1, 10)],
}


# -- the old updates, as match/optim.py wrote them before the fused kernels ---------------------
def old_lerp(start: List2D, end: List2D, weight: float) -> List2D:
    """torch.lerp from new matrices (three per call)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def adam_states(params: list[Any], states: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """(parameter, gradient, state, step) for each parameter: its state started, its step
    counted."""
    for p, state in zip(params, states):
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = p.data.new_full(*p.shape, 0.0)
            state["exp_avg_sq"] = p.data.new_full(*p.shape, 0.0)
        state["step"] += 1
        yield p, p._grad, state, state["step"]


def old_adam_step(params: list[Any], states: list[dict[str, Any]], lr: float = 1e-3) -> None:
    """The Adam update as it was: torch's formula, one new matrix per operator."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for p, g, state, step in adam_states(params, states):
        state["exp_avg"] = old_lerp(state["exp_avg"], g, 1 - beta1)
        state["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + (1 - beta2) * g * g
        step_size = lr / (1 - beta1**step)
        denom = state["exp_avg_sq"].sqrt() / (1 - beta2**step) ** 0.5 + eps
        p.data.copy_(p.data + (-step_size) * (state["exp_avg"] / denom))


def chain_adam_step(params: list[Any], states: list[dict[str, Any]], lr: float = 1e-3) -> None:
    """The Adam update before the fused `adam` kernel: a chain of fused in-place List2D methods,
    each a pass over the whole parameter (the same floats as the kernel, bit for bit)."""
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for p, g, state, step in adam_states(params, states):
        state["exp_avg"].lerp_(g, 1 - beta1)
        state["exp_avg_sq"].mul_(beta2).addcmul_(g, g, 1 - beta2)
        denom = state["exp_avg_sq"].sqrt().div_((1 - beta2**step) ** 0.5).add_(eps)
        p.data.set_(p.data.addcdiv(state["exp_avg"], denom, -lr / (1 - beta1**step)))


def old_sgd_step(params: list[Any], states: list[dict[str, Any]], lr: float = 1e-3) -> None:
    """SGD with momentum 0.9 as it was: the buffer replaced, the parameter copied."""
    momentum = 0.9
    for p, state in zip(params, states):
        g = p._grad
        buf = state.get("momentum_buffer")
        buf = g.copy() if buf is None else buf * momentum + 1.0 * g
        state["momentum_buffer"] = buf
        p.data.copy_(p.data + (-lr) * buf)


# -- timing ---------------------------------------------------------------------------------
def median_us(fns: dict[str, Callable[[], object]], repeats: int, inner: int) -> dict[str, float]:
    """Median microseconds per call of each function, the repeats interleaved."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(inner):
                fn()
            times[name].append((time.perf_counter() - start) / inner * 1e6)
    return {name: statistics.median(t) for name, t in times.items()}


def match_params(backend: str) -> list[Any]:
    """The MLP's parameters on a backend (seeded: every call gives the same), with gradients."""
    shapes = SHAPES["python" if backend == "python" else "array"]
    with match.accel.using(backend):
        match.manual_seed(0)
        params = [match.randn(*s) * 0.1 for s in shapes]
        params = [p.detach().requires_grad_() for p in params]
        for p in params:
            p._grad = List2D.randn(*p.shape) * 0.01
    return params


def torch_step(torch: Any, backend: str, name: str) -> Callable[[], object]:
    """torch's optimizer step over parameters of the same shapes."""
    shapes = SHAPES["python" if backend == "python" else "array"]
    params = [torch.randn(*s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for p in params:
        p.grad = torch.randn(*p.shape, dtype=torch.float64) * 0.01
    if name == "Adam":
        opt = torch.optim.Adam(params, lr=1e-3, foreach=False)
    else:
        opt = torch.optim.SGD(params, lr=1e-3, momentum=0.9, foreach=False)
    return opt.step


def main() -> None:
    """Print one row per backend and optimizer."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="interleaved repeats per row")
    parser.add_argument(
        "--quick", action="store_true", help="one repeat of one call per row (for tests)"
    )
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(f"Python {sys.version.split()[0]}, torch {torch.__version__ if torch else 'absent'}")
    print(f"{'backend':8} {'optimizer':10} {'old us':>9} {'new us':>9} {'old/new':>8}", end="")
    print(f" {'chain/new':>9}", end="")
    print(f" {'torch us':>9} {'new/torch':>9}" if torch else "")
    for backend in match.accel.available():
        inner = 1 if args.quick else 10 if backend == "python" else 30
        for name, old in (("Adam", old_adam_step), ("SGD", old_sgd_step)):
            old_params, new_params = match_params(backend), match_params(backend)
            states: list[dict[str, Any]] = [{} for _ in old_params]
            new_opt = (
                optim.Adam(new_params, lr=1e-3)
                if name == "Adam"
                else optim.SGD(new_params, lr=1e-3, momentum=0.9)
            )
            fns: dict[str, Callable[[], object]] = {
                "old": lambda o=old, p=old_params, s=states: o(p, s),
                "new": new_opt.step,
            }
            if name == "Adam":
                chain_params, chain_states = match_params(backend), [{} for _ in old_params]
                fns["chain"] = lambda p=chain_params, s=chain_states: chain_adam_step(p, s)
            if torch is not None:
                fns["torch"] = torch_step(torch, backend, name)
            us = median_us(fns, repeats, inner)
            row = f"{backend:8} {name:10} {us['old']:9.1f} {us['new']:9.1f} "
            row += f"{us['old'] / us['new']:7.2f}x"
            row += f" {us['chain'] / us['new']:8.2f}x" if "chain" in us else f" {'':>9}"
            if torch is not None:
                row += f" {us['torch']:9.1f} {us['new'] / us['torch']:8.2f}x"
            print(row)
            # the same updates: after the same number of steps, old and new agree
            for a, b in zip(old_params, new_params):
                for x, y in zip(sum(a.tolist(), []), sum(b.tolist(), [])):
                    if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-15):
                        raise RuntimeError(f"{backend} {name}: old and new disagree: {x} {y}")
    shapes = ", ".join(f"{backend}: {SHAPES[backend]}" for backend in SHAPES)
    print(f"(parameters of an MLP, {shapes}; old/new > 1 means the fused step is faster)")
    print("(chain/new: the chain of fused methods against the one Adam kernel)")


if __name__ == "__main__":
    main()
