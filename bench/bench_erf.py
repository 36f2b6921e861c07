"""The cost of `erf` (exact GELU) next to `tanh` (GELU's tanh approximation), per backend.

    python bench/bench_erf.py [--size 500] [--repeat 5]

numpy has no erf, so the numpy backend maps `math.erf` over the array (`np.frompyfunc`): exact
to the last bit, and equal to pure Python's, but element by element in Python. This script
times, side by side on one (size, size) matrix, the kernels `erf` and `tanh` and the two GELUs
forward + backward, and prints the ratios (best of --repeat runs).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import match  # noqa: E402
import match.nn.functional as F  # noqa: E402


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    """The shortest of `repeat` timings of fn(), in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def gelu_step(x: match.Matrix, approximate: str) -> None:
    """GELU forward and backward."""
    x.grad = None
    F.gelu(x, approximate).sum().backward()


def measure(size: int, repeat: int) -> tuple[float, float, float, float]:
    """(erf, tanh, exact GELU, tanh GELU) best times on the active backend."""
    match.manual_seed(0)
    x = match.randn(size, size)
    return (
        best_of(repeat, lambda: x.data.erf()),
        best_of(repeat, lambda: x.data.tanh()),
        best_of(repeat, lambda: gelu_step(x, "none")),
        best_of(repeat, lambda: gelu_step(x, "tanh")),
    )


def main() -> None:
    """Time erf against tanh on every installed backend and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="a 50x50 matrix, one repeat: a smoke run (for tests)"
    )
    args = parser.parse_args()
    if args.quick:
        args.size, args.repeat = 50, 1
    backends = [b for b in ("python", "numpy") if b in match.accel.available()]
    header = ("backend", "erf", "tanh", "ratio", "gelu", "gelu-tanh", "ratio")
    print("{:8} {:>9} {:>9} {:>6} {:>9} {:>10} {:>6}".format(*header))
    for backend in backends:
        with match.accel.using(backend):
            erf, tanh, exact, approx = measure(args.size, args.repeat)
        print(
            f"{backend:8} {erf:8.4f}s {tanh:8.4f}s {erf / tanh:5.1f}x "
            f"{exact:8.4f}s {approx:9.4f}s {exact / approx:5.2f}x"
        )


if __name__ == "__main__":
    main()
