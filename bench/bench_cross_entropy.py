"""Cross entropy with integer targets: the one-hot mask built by one broadcast comparison (new)
against the mask built from Python lists, row by row (the old path, reimplemented here), side by
side in one run, forward plus backward, at batch 16 and 256 with 10 classes, on each backend
that is installed, and torch's CPU time for scale.

Run: python bench/bench_cross_entropy.py [--quick]       (about 20 s; --quick: a smoke run)

Targets come as an (N, 1) Matrix of class indices (what a DataLoader gives) and as a Python
list. Numbers are medians of interleaved repeats (time.perf_counter), 1 BLAS thread.
"""

from __future__ import annotations

import argparse
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before numpy or torch is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import match  # noqa: E402
from match import Matrix, nn  # noqa: E402
from match.nn.functional import class_indices  # noqa: E402

CLASSES = 10


def old_cross_entropy(logits: Matrix, target: Any) -> Matrix:
    """The path before the change: indices read into Python, validated one by one, and the
    one-hot mask built as Python rows, then moved to the backend."""
    n, c = logits.shape
    logp = logits.log_softmax(1)
    idx = class_indices(target, n, c, "nll_loss", -100)
    counted = [0 <= i < c for i in idx]
    rows = [[0.0] * c for _ in idx]
    for row, i, k in zip(rows, idx, counted):
        if k:
            row[i] = 1.0
    mask = logp.data.new_rows(rows)
    per_row = -(logp * mask).sum(1)
    return per_row.sum() / mask.sum().item()


def median_us(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of fn in microseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def step(loss: Callable[[Matrix, Any], Matrix], logits: Matrix, target: Any) -> None:
    """Forward and backward once."""
    logits.zero_grad()
    loss(logits, target).backward()


def bench_backend(name: str, batch: int, repeats: int) -> None:
    """Print old, new and their ratio for both target forms on one backend."""
    rng = random.Random(batch)
    with match.accel.using(name):
        rows = [[rng.gauss(0.0, 1.0) for _ in range(CLASSES)] for _ in range(batch)]
        labels = [rng.randrange(CLASSES) for _ in range(batch)]
        logits = match.mat(rows, requires_grad=True)
        forms = {"Matrix": match.mat([[float(i)] for i in labels]), "list": labels}
        new = nn.functional.cross_entropy
        for form, target in forms.items():
            assert (
                abs(new(logits, target).item() - old_cross_entropy(logits, target).item()) < 1e-12
            )
            old_times, new_times = [], []
            for _ in range(5):  # interleaved rounds, so drift hits both alike
                for loss, times in ((old_cross_entropy, old_times), (new, new_times)):
                    times.append(median_us(lambda f=loss, t=target: step(f, logits, t), repeats))
            old_us, new_us = statistics.median(old_times), statistics.median(new_times)
            print(
                f"{name:>7} {batch:>6} {form:>7} {old_us:>10.1f} {new_us:>10.1f} "
                f"{old_us / new_us:>9.2f}x"
            )


def bench_torch(batch: int, repeats: int) -> None:
    """torch's CPU time for the same step, for scale."""
    try:
        import torch
    except ImportError:
        return
    torch.set_num_threads(1)
    logits = torch.randn(batch, CLASSES, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, CLASSES, (batch,))

    def run() -> None:
        logits.grad = None
        torch.nn.functional.cross_entropy(logits, target).backward()

    us = statistics.median(median_us(run, repeats) for _ in range(5))
    print(f"{'torch':>7} {batch:>6} {'tensor':>7} {'':>10} {us:>10.1f}")


def main() -> None:
    """The table (--quick: two repeats, a smoke run for the tests)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two repeats per row (for tests)")
    quick = parser.parse_args().quick
    print(f"cross_entropy forward+backward, {CLASSES} classes, microseconds (median)")
    print(f"{'backend':>7} {'batch':>6} {'target':>7} {'old':>10} {'new':>10} {'old/new':>10}")
    for batch in (16, 256):
        repeats = 2 if quick else 60 if batch == 16 else 20
        for name in match.accel.available():
            if name != "cupy":
                bench_backend(name, batch, repeats)
        bench_torch(batch, repeats)


if __name__ == "__main__":
    main()
