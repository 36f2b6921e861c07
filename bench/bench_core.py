"""Pure-Python speed: Match's kernels against the textbook triple-index loop, side by side.

Run: python bench/bench_core.py [--quick]   (about 20 s; --quick: a second, figures mean nothing)

Reports two ratios measured in the same run:
1. a 128x128 List2D matmul against the triple loop `out[i][j] += a[i][k] * b[k][j]`;
2. one MLP train step (batch 64, 64-32-10, MSE, SGD) on Match's kernels against the same step
   with the matrix products and elementwise maps swapped for index-loop versions.
Numbers are the median of several interleaved repeats (time.perf_counter).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import match  # noqa: E402
from match.backend.python import BINARY, COMPARISONS, UNARY, PythonKernels, Rows  # noqa: E402
from match.list2d import List2D  # noqa: E402


class TextbookKernels(PythonKernels):
    """Index loops, as a first implementation would write them (the baseline to beat)."""

    name = "textbook"

    def matmul(self, a: Rows, b: Rows) -> Rows:
        """Triple loop."""
        n, k, m = len(a), len(b), len(b[0])
        out = [[0.0] * m for _ in range(n)]
        for i in range(n):
            for j in range(m):
                for t in range(k):
                    out[i][j] += a[i][t] * b[t][j]
        return out

    def matmul_t(self, a: Rows, b: Rows) -> Rows:
        """a @ b.T as transpose then triple loop."""
        return self.matmul(a, self.transpose(b))

    def t_matmul(self, a: Rows, b: Rows) -> Rows:
        """a.T @ b as transpose then triple loop."""
        return self.matmul(self.transpose(a), b)

    def transpose(self, a: Rows) -> Rows:
        """Index loop transpose."""
        return [[a[i][j] for i in range(len(a))] for j in range(len(a[0]))]

    def binary(self, name: str, a: Any, b: Any) -> Rows:
        """Index loops with broadcasting by modulo."""
        fn = BINARY[name][1] if name in BINARY else _as_float(COMPARISONS[name])
        a = a if isinstance(a, list) else [[a]]
        b = b if isinstance(b, list) else [[b]]
        n, m = max(len(a), len(b)), max(len(a[0]), len(b[0]))
        return [
            [fn(a[i % len(a)][j % len(a[0])], b[i % len(b)][j % len(b[0])]) for j in range(m)]
            for i in range(n)
        ]

    def unary(self, name: str, a: Rows) -> Rows:
        """Index loops."""
        fn = UNARY[name][1]
        return [[fn(a[i][j]) for j in range(len(a[0]))] for i in range(len(a))]


def _as_float(compare: Callable[[float, float], bool]) -> Callable[[float, float], float]:
    """A comparison giving 1.0 or 0.0, as the kernels' comparisons do."""
    return lambda x, y: float(compare(x, y))


def timeit(fn: Callable[[], object], repeats: int) -> list[float]:
    """Wall times of `repeats` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def train_step_fn(kernels: PythonKernels) -> Callable[[], object]:
    """One MLP step (64-32-10, batch 64, MSE, SGD) whose matrices live on `kernels`."""
    with match.accel.using(kernels):
        match.manual_seed(0)
        x = match.randn(64, 64, requires_grad=False)
        y = match.randn(64, 10, requires_grad=False)
        w1, b1 = match.randn(32, 64) * 0.1, match.zeros(1, 32)
        w2, b2 = match.randn(10, 32) * 0.1, match.zeros(1, 10)
        params = [m.detach().requires_grad_() for m in (w1, b1, w2, b2)]

    def step() -> float:
        w1_, b1_, w2_, b2_ = params
        out = x.linear(w1_, b1_).relu().linear(w2_, b2_)
        loss = ((out - y) ** 2).mean()
        for p in params:
            p.zero_grad()
        loss.backward()
        for p in params:
            p.data = p.data - 0.01 * p.grad
        return loss.item()

    return step


def main() -> None:
    """Print the two side-by-side comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one round (for tests)")
    quick = parser.parse_args().quick
    rounds, n = (1, 32) if quick else (3, 128)
    print(f"Python {platform.python_version()} ({sys.implementation.name})")
    fast, slow = PythonKernels(), TextbookKernels()

    match.manual_seed(1)
    a, b = List2D.randn(n, n), List2D.randn(n, n)
    t_fast, t_slow = [], []
    for _ in range(rounds):  # interleave so that machine noise hits both alike
        t_fast += timeit(lambda: fast.matmul(a.vals, b.vals), 3)
        t_slow += timeit(lambda: slow.matmul(a.vals, b.vals), 1)
    mf, ms = statistics.median(t_fast), statistics.median(t_slow)
    print(
        f"matmul {n}x{n}      match {mf * 1e3:8.1f} ms   triple loop {ms * 1e3:8.1f} ms   "
        f"speed-up {ms / mf:5.1f}x"
    )

    step_fast, step_slow = train_step_fn(fast), train_step_fn(slow)
    s_fast, s_slow = [], []
    for _ in range(rounds):
        s_fast += timeit(step_fast, 3)
        s_slow += timeit(step_slow, 1)
    sf, ss = statistics.median(s_fast), statistics.median(s_slow)
    print(
        f"MLP train step      match {sf * 1e3:8.1f} ms   triple loop {ss * 1e3:8.1f} ms   "
        f"speed-up {ss / sf:5.1f}x"
    )
    print("(batch 64, 64-32-10, MSE, SGD; targets: matmul >= 3x, train step >= 2x)")


if __name__ == "__main__":
    main()
