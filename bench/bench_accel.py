"""Accelerator speed: Match on the numpy backend against torch (CPU) and against raw numpy.

Run: python bench/bench_accel.py [--threads N]     (about 15 s; needs numpy, torch optional)

Reports, all measured in the same run with the runs interleaved:
1. one MLP train step (batch 256, 784-256-10, MSE, SGD, float64) built from Matrix ops on the
   numpy backend, against the same step in torch on the CPU (target: at most 1.0x torch);
2. a 1024x1024 matmul plus its backward (the two gradient products) against the same three
   products in raw numpy (target: at most 1.05x);
3. the per-op overhead on 8x8 matrices: microseconds per op for Match (List2D, and Matrix with
   the graph recorded) against the raw numpy call.

Threads: numpy's BLAS and torch run with the same thread count, 1 by default (--threads N).
The BLAS thread variables are set before numpy is imported, and torch.set_num_threads(N).
Times are time.perf_counter; each row gives the min and median of several repeats.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def parse_args() -> argparse.Namespace:
    """Read the command-line options: BLAS / torch threads and timed repeats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats per row")
    parser.add_argument("--quick", action="store_true", help="one repeat, few calls (for tests)")
    args = parser.parse_args()
    if args.quick:
        args.repeats = 1
    return args


ARGS = parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)  # before numpy (and torch) load their BLAS

sys.path.insert(0, ROOT)

try:
    import numpy as np
except ImportError:  # one line, not a traceback: this benchmark is about the numpy backend
    sys.exit("bench_accel: needs numpy (pip install numpy); it times Match's numpy backend")

import match  # noqa: E402
from match import List2D, accel  # noqa: E402

try:
    import torch
except ImportError:
    torch = None  # type: ignore[assignment]

Timing = tuple[float, float]  # (min, median) in seconds


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int, number: int
) -> dict[str, Timing]:
    """Time each fn `number` times per repeat, alternating between fns every repeat."""
    for fn in fns.values():  # warm up
        fn()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: (min(s), statistics.median(s)) for name, s in samples.items()}


def mlp(repeats: int) -> dict[str, Timing]:
    """One train step, batch 256, 784-256-10, float64: Match on numpy vs torch CPU."""
    rng = np.random.default_rng(0)
    xs, ys = rng.standard_normal((256, 784)), rng.random((256, 10))
    w1, w2 = rng.standard_normal((256, 784)) * 0.03, rng.standard_normal((10, 256)) * 0.06
    b1, b2 = np.zeros((1, 256)), np.zeros((1, 10))
    lr = 0.01

    x, y = match.mat(xs.tolist(), requires_grad=False), match.mat(ys.tolist(), requires_grad=False)
    params = [match.mat(p.tolist()) for p in (w1, b1, w2, b2)]

    def match_step() -> None:
        W1, B1, W2, B2 = params
        h = x.linear(W1, B1).relu()
        out = h.linear(W2, B2)
        loss = ((out - y) ** 2).mean()
        for p in params:
            p.zero_grad()
        loss.backward()
        for p in params:
            p.data = p.data - lr * p.grad

    fns: dict[str, Callable[[], object]] = {"match (numpy)": match_step}
    if torch is not None:
        tx, ty = torch.from_numpy(xs), torch.from_numpy(ys)
        tparams = [torch.tensor(p, requires_grad=True) for p in (w1, b1[0], w2, b2[0])]
        linear = torch.nn.functional.linear

        def torch_step() -> None:
            W1, B1, W2, B2 = tparams
            h = linear(tx, W1, B1).relu()
            out = linear(h, W2, B2)
            loss = ((out - ty) ** 2).mean()
            for p in tparams:
                p.grad = None
            loss.backward()
            for p in tparams:
                p.data = p.data - lr * p.grad

        fns["torch (cpu)"] = torch_step
    return interleaved(fns, repeats, number=1 if ARGS.quick else 10)


def matmul(repeats: int) -> dict[str, Timing]:
    """C = A @ B for 1024x1024, and its backward dA = G @ B.T, dB = A.T @ G."""
    rng = np.random.default_rng(1)
    n = 128 if ARGS.quick else 1024  # --quick: the same code on a small matrix
    an, bn, gn = (rng.standard_normal((n, n)) for _ in range(3))
    a, b = match.mat(an.tolist()), match.mat(bn.tolist())
    g = List2D.from_2d_list(gn.tolist())

    def match_fn() -> None:
        a.zero_grad()
        b.zero_grad()
        (a @ b).backward(g)

    grads: list[np.ndarray] = []  # kept until the next step, as Match keeps .grad

    def numpy_fn() -> None:
        grads.clear()
        an @ bn
        grads.extend((gn @ bn.T, an.T @ gn))

    match_fn()
    assert np.allclose(a.grad.vals, gn @ bn.T, rtol=1e-12, atol=1e-9)
    return interleaved({"match (numpy)": match_fn, "raw numpy": numpy_fn}, repeats, number=1)


def overhead(repeats: int) -> dict[str, Timing]:
    """Per-op cost on 8x8: Match's add and matmul against the raw numpy calls."""
    rng = np.random.default_rng(2)
    an, bn = rng.standard_normal((8, 8)), rng.standard_normal((8, 8))
    la, lb = List2D.from_2d_list(an.tolist()), List2D.from_2d_list(bn.tolist())
    ma, mb = match.mat(an.tolist()), match.mat(bn.tolist())
    with accel.using("python"):
        pa, pb = List2D.from_2d_list(an.tolist()), List2D.from_2d_list(bn.tolist())
    fns: dict[str, Callable[[], object]] = {
        "add: raw numpy a + b": lambda: an + bn,
        "add: List2D (numpy)": lambda: la + lb,
        "add: Matrix (numpy, graph)": lambda: ma + mb,
        "add: List2D (python)": lambda: pa + pb,
        "matmul: raw numpy a @ b": lambda: an @ bn,
        "matmul: List2D (numpy)": lambda: la @ lb,
        "matmul: Matrix (numpy, graph)": lambda: ma @ mb,
        "matmul: List2D (python)": lambda: pa @ pb,
    }
    return interleaved(fns, repeats, number=10 if ARGS.quick else 2000)


def ratio(t: dict[str, Timing], num: str, den: str) -> str:
    """Median time of `num` over `den` (and the ratio of the minimums), or n/a if missing."""
    if num not in t or den not in t:
        return "n/a"
    return f"{t[num][1] / t[den][1]:.2f}x (min {t[num][0] / t[den][0]:.2f}x)"


def main() -> None:
    """Run the three benchmarks and print their timings and ratios."""
    accel.use("numpy")
    started = time.perf_counter()
    torch_note = "torch missing: skipped"
    if torch is not None:
        torch.set_num_threads(ARGS.threads)
        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} thread(s)"
    print(
        f"numpy {np.__version__}, BLAS threads {ARGS.threads}; {torch_note}; "
        f"{ARGS.repeats} repeats, interleaved"
    )

    results: dict[str, dict[str, Timing]] = {}
    units = {"MLP step 256x784-256-10": "ms", "matmul 1024 + backward": "ms", "per-op 8x8": "us"}
    for title, fn in zip(units, (mlp, matmul, overhead)):
        results[title] = fn(ARGS.repeats)
    scale = {"ms": 1e3, "us": 1e6}
    print(f"\n{'benchmark':26} {'run':32} {'min':>10} {'median':>10}")
    for title, timings in results.items():
        u = units[title]
        for name, (lo, med) in timings.items():
            print(f"{title:26} {name:32} {lo * scale[u]:8.3f}{u} {med * scale[u]:8.3f}{u}")

    o = results["per-op 8x8"]
    print("\nratios (median; target in brackets):")
    print(
        f"  MLP step, Match numpy / torch cpu   [<= 1.00x]: "
        f"{ratio(results['MLP step 256x784-256-10'], 'match (numpy)', 'torch (cpu)')}"
    )
    print(
        f"  matmul 1024 + backward / raw numpy  [<= 1.05x]: "
        f"{ratio(results['matmul 1024 + backward'], 'match (numpy)', 'raw numpy')}"
    )
    for op in ("add", "matmul"):
        raw = o[f"{op}: raw numpy a {'+' if op == 'add' else '@'} b"][1]
        print(
            f"  {op} 8x8 overhead above raw numpy: "
            f"List2D {(o[f'{op}: List2D (numpy)'][1] - raw) * 1e6:.2f} us, "
            f"Matrix {(o[f'{op}: Matrix (numpy, graph)'][1] - raw) * 1e6:.2f} us per op"
        )
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
