"""gradcheck: compare the gradients from backward with central finite differences.

Autodiff gives exact derivatives if every backward rule is right; finite differences give
approximate ones with no rules at all:

    d f / d x_k  ~  (f(x + eps e_k) - f(x - eps e_k)) / (2 eps)

so agreement between the two, element by element, is strong evidence that a backward is right.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable
from typing import Any

from ..autograd import graph_nodes
from ..grad_mode import no_grad
from ..list2d import List2D
from ..matrix import Matrix


class GradcheckError(RuntimeError):
    """Raised by `gradcheck(..., raise_exception=True)` when the gradients disagree."""


def _weights(shape: tuple[int, int], seed: int) -> Matrix:
    """Fixed random weights in [-1, 1) used to reduce a non-1x1 output to a number."""
    r = random.Random(seed)
    rows = [[r.uniform(-1.0, 1.0) for _ in range(shape[1])] for _ in range(shape[0])]
    return Matrix(List2D.from_2d_list(rows), requires_grad=False)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def gradcheck(
    fn: Callable[..., Matrix],
    *inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = False,
    seed: int = 0,
) -> bool:
    """True when backward's gradients of `fn(*inputs)` match finite differences.

    Every element of every Matrix input with `requires_grad=True` is checked; other arguments
    (numbers, matrices with requires_grad=False) pass through as constants. An element agrees
    when |backward - numeric| <= atol + rtol * |numeric|.

    `fn` must return a Matrix. A 1x1 output is used as it is; a larger one is reduced to the
    number `(out * W).sum()` with fixed random weights W in [-1, 1) (from `seed`), so that
    mistakes that a plain sum would hide (e.g. in softmax, whose outputs always sum to 1) are
    still caught.

    On disagreement it returns False and issues a `UserWarning` (see `warnings`) naming the
    input, the element, both values and the difference; with `raise_exception=True` it
    raises `GradcheckError` (a RuntimeError) with the same message instead.

    The inputs are not changed: the check runs on copies, in float64 (Python floats), so use
    a small `eps`, and pick points away from kinks (|x| at 0, relu at 0, ties in max).
    """
    if not callable(fn):
        raise TypeError(f"gradcheck: fn must be callable, got {type(fn).__name__}")
    positions = [i for i, a in enumerate(inputs) if isinstance(a, Matrix) and a.requires_grad]
    if not positions:
        raise ValueError("gradcheck: no input is a Matrix with requires_grad=True")
    values = {i: inputs[i].data.tolist() for i in positions}

    def call(rows: dict[int, list[list[float]]], requires_grad: bool) -> tuple[Matrix, list]:
        args = list(inputs)
        leaves = []
        for i in positions:
            args[i] = Matrix(List2D.from_2d_list(rows[i]), requires_grad=requires_grad)
            leaves.append(args[i])
        out = fn(*args)
        if not isinstance(out, Matrix):
            raise TypeError(f"gradcheck: fn must return a Matrix, got {type(out).__name__}")
        return out, leaves

    # analytic: one backward pass
    out, leaves = call(values, True)
    weights = None if out.shape == (1, 1) else _weights(out.shape, seed)

    def reduce(m: Matrix) -> Matrix:
        return m if weights is None else (m * weights).sum()

    scalar = reduce(out)
    ops = _ops(out)  # before backward frees the graph
    if scalar.requires_grad:
        scalar.backward()
    analytic = [(leaf.grad or leaf.data.new_full(*leaf.shape, 0.0)).tolist() for leaf in leaves]

    # numeric: two forward passes per element
    def f(rows: dict[int, list[list[float]]]) -> float:
        with no_grad():
            return reduce(call(rows, False)[0]).item()

    failures = []
    for k, i in enumerate(positions):
        base = values[i]
        for r, row in enumerate(base):
            for c, x in enumerate(row):
                row[c] = x + eps
                high = f(values)
                row[c] = x - eps
                low = f(values)
                row[c] = x
                numeric = (high - low) / (2.0 * eps)
                got = analytic[k][r][c]
                diff = abs(got - numeric)
                if not diff <= atol + rtol * abs(numeric):  # also catches nan
                    failures.append((i, (r, c), got, numeric, diff))
    if not failures:
        return True

    i, (r, c), got, numeric, diff = max(failures, key=lambda f: f[4] if f[4] == f[4] else 1e300)
    total = sum(len(values[j]) * len(values[j][0]) for j in positions)
    message = (
        f"gradcheck: gradients disagree for input {i} (shape {inputs[i].shape}) at element "
        f"({r}, {c}): backward gave {_fmt(got)}, finite differences gave {_fmt(numeric)} "
        f"(difference {_fmt(diff)}, allowed {_fmt(atol + rtol * abs(numeric))}); "
        f"{len(failures)} of {total} elements disagree"
        + (f"; ops in the graph: {', '.join(ops)}" if ops else "")
    )
    if raise_exception:
        raise GradcheckError(message)
    warnings.warn(message, stacklevel=2)
    return False


def _ops(root: Matrix) -> list[str]:
    """Names of the ops in root's graph (each once, in the order found)."""
    return list(dict.fromkeys(node.op for node in graph_nodes(root) if node.op))


__all__ = ["gradcheck", "GradcheckError"]
