"""Memory held by the graph, with and without match.checkpoint, for a deep MLP.

    python bench/bench_checkpoint.py [--depth 24] [--width 64] [--batch 32] [--segment 4]

Between forward and backward, autodiff keeps every intermediate value that a backward rule
needs. `checkpoint(segment, h)` keeps only each segment's output and recomputes the inside
during backward. This script builds the same MLP twice (plain, and checkpointed every
`--segment` layers) and prints side by side:

- Matrix / List2D objects alive after forward (counted with `gc`),
- memory allocated and still held after forward, and the peak over forward + backward
  (`tracemalloc`),
- the time of forward + backward (checkpointing pays one extra forward),

and checks that both give the same gradients.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import match  # noqa: E402
from match import List2D, Matrix, checkpoint  # noqa: E402


def make_params(depth: int, width: int) -> list[tuple[Matrix, Matrix]]:
    """Seeded (weight, bias) pairs for `depth` linear layers of size `width` x `width`."""
    match.manual_seed(0)
    scale = 1.0 / width**0.5
    return [
        (Matrix(match.randn(width, width).data * scale), match.zeros(1, width))
        for _ in range(depth)
    ]


def layer(h: Matrix, w: Matrix, b: Matrix) -> Matrix:
    """One linear layer followed by tanh."""
    return h.linear(w, b).tanh()


def forward(x: Matrix, params: list[tuple[Matrix, Matrix]], segment: int) -> Matrix:
    """Mean squared output of the MLP, checkpointed every `segment` layers (plain if <= 0)."""
    h = x
    if segment <= 0:  # plain: one graph for the whole network
        for w, b in params:
            h = layer(h, w, b)
    else:
        for start in range(0, len(params), segment):
            chunk = params[start : start + segment]
            flat = [m for wb in chunk for m in wb]

            def run(h_in: Matrix, *ps: Matrix, n: int = len(chunk)) -> Matrix:
                for k in range(n):
                    h_in = layer(h_in, ps[2 * k], ps[2 * k + 1])
                return h_in

            h = checkpoint(run, h, *flat)
    return (h * h).mean()


def count_alive() -> tuple[int, int]:
    """Count the Matrix and List2D objects alive after a garbage collection."""
    gc.collect()
    objects = gc.get_objects()
    return (
        sum(isinstance(o, Matrix) for o in objects),
        sum(isinstance(o, List2D) for o in objects),
    )


def measure(args: argparse.Namespace, segment: int) -> dict:
    """Run forward and backward once; return object counts, memory, time, grads and loss."""
    params = make_params(args.depth, args.width)
    match.manual_seed(1)
    x = match.randn(args.batch, args.width, requires_grad=False)
    gc.collect()
    base_matrices, base_lists = count_alive()
    tracemalloc.start()
    t0 = time.perf_counter()
    loss = forward(x, params, segment)
    held = tracemalloc.get_traced_memory()[0]
    matrices, lists = count_alive()
    loss.backward()
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "matrices": matrices - base_matrices,
        "lists": lists - base_lists,
        "held": held,
        "peak": peak,
        "seconds": seconds,
        "grads": [p.grad.tolist() for wb in params for p in wb],
        "loss": loss.item(),
    }


def main() -> None:
    """Measure the plain and the checkpointed MLP and print them side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=24)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--segment", type=int, default=4)
    parser.add_argument("--quick", action="store_true", help="a tiny model (for tests)")
    args = parser.parse_args()
    if args.quick:
        args.depth, args.width, args.batch = 4, 8, 4

    plain = measure(args, 0)
    ckpt = measure(args, args.segment)
    worst = max(
        abs(a - b)
        for ga, gb in zip(plain["grads"], ckpt["grads"])
        for ra, rb in zip(ga, gb)
        for a, b in zip(ra, rb)
    )

    print(
        f"MLP: {args.depth} layers of linear({args.width}, {args.width}) + tanh, "
        f"batch {args.batch}; checkpoint every {args.segment} layers"
    )
    print(f"{'':36}{'plain':>14}{'checkpointed':>14}{'ratio':>8}")
    rows = [
        ("Matrix objects alive after forward", "matrices", "{:,}"),
        ("List2D objects alive after forward", "lists", "{:,}"),
        ("memory held after forward (KiB)", "held", "{:,.0f}"),
        ("peak memory, forward+backward (KiB)", "peak", "{:,.0f}"),
        ("time, forward+backward (s)", "seconds", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        a, b = plain[key], ckpt[key]
        if key in ("held", "peak"):
            a, b = a / 1024, b / 1024
        ratio = f"{b / a:.2f}x" if a else "-"
        print(f"{label:36}{fmt.format(a):>14}{fmt.format(b):>14}{ratio:>8}")
    print(f"same loss: {plain['loss'] == ckpt['loss']}; largest gradient difference: {worst:.2e}")
    if worst > 1e-9:
        raise SystemExit("gradients differ")


if __name__ == "__main__":
    main()
