"""Random programs against torch (issue 10): hypothesis draws a chain of Matrix ops (elementwise,
broadcasting binary ops with fresh leaves, reductions over random dims, softmax, matmul, reshape
and indexing), runs it in Match on the active backend and in torch float64, and compares the
value and the gradient of every leaf at rtol 1e-7.

Leaves come from seeded uniform values (no ties, no kinks hit exactly), so every difference is a
bug. The default hypothesis profile ("ci", in conftest.py) is derandomised: runs repeat.
Set HYPOTHESIS_PROFILE=dev to explore new programs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import match
from match import Matrix
from tests.parity import SAME_CALL_ELEMENTWISE, assert_close, random_rows

hypothesis = pytest.importorskip("hypothesis")
torch = pytest.importorskip("torch")
st = hypothesis.strategies

DIMS = (None, 0, 1, -1, -2)


class Program:
    """Runs the same drawn steps in Match and torch, side by side, keeping every leaf."""

    def __init__(self, nrow: int, ncol: int, seed: int) -> None:
        self.leaves_match: list[Matrix] = []
        self.leaves_torch: list[Any] = []
        self.seed = seed
        self.x, self.t = self.leaf(nrow, ncol)

    def leaf(self, nrow: int, ncol: int, low: float = -2.0, high: float = 2.0) -> tuple[Any, Any]:
        """A fresh pair of leaves with the same seeded values."""
        self.seed += 1
        rows = random_rows(nrow, ncol, self.seed, low, high)
        m = match.mat(rows, requires_grad=True)
        t = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
        self.leaves_match.append(m)
        self.leaves_torch.append(t)
        return m, t

    @property
    def shape(self) -> tuple[int, int]:
        return self.x.shape

    def apply(self, fm: Callable[[Any], Any], ft: Callable[[Any], Any] | None = None) -> None:
        """One step: fm on the Match side, ft (default fm) on the torch side."""
        self.x, self.t = fm(self.x), (ft or fm)(self.t)


def positive(x: Any) -> Any:
    """A strictly positive value of x, smooth: x * x + 0.5."""
    return x * x + 0.5


UNARY: dict[str, Callable[[Any], Any]] = {
    **SAME_CALL_ELEMENTWISE,
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: positive(x).log(),
    "sqrt": lambda x: positive(x).sqrt(),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
    "rsub": lambda x: 1.5 - x,
    "rdiv": lambda x: 1.0 / positive(x),
    "pow": lambda x: positive(x) ** 1.5,
    "rpow": lambda x: 2.0 ** x.tanh(),
}


def torch_dim(dim: int | None) -> dict[str, Any]:
    return {} if dim is None else {"dim": dim, "keepdim": True}


def full(t: Any) -> Any:
    """torch's full reduction as a 1x1, as Match gives."""
    return t.reshape(1, 1)


def step(program: Program, kind: str, choice: int) -> None:
    """Apply one drawn step; choice picks the variant (dim, shape, index) for the current shape."""
    nrow, ncol = program.shape
    dim = DIMS[choice % len(DIMS)]
    if kind in UNARY:
        program.apply(UNARY[kind])
    elif kind in ("sum", "mean", "amax", "amin"):
        name = {"amax": "max", "amin": "min"}.get(kind, kind)

        def torch_reduce(t: Any) -> Any:
            out = getattr(t, kind)(**torch_dim(dim))
            return full(out) if dim is None else out

        def match_reduce(x: Matrix) -> Matrix:
            out = getattr(x, name)(dim)
            return out.values if isinstance(out, tuple) else out  # max(dim): (values, indices)

        program.apply(match_reduce, torch_reduce)
    elif kind == "var":
        count = nrow * ncol if dim is None else program.shape[dim]
        correction = 1 if count > 1 else 0

        def torch_var(t: Any) -> Any:
            out = t.var(correction=correction, **torch_dim(dim))
            return full(out) if dim is None else out

        program.apply(lambda x: x.var(dim, correction=correction), torch_var)
    elif kind in ("softmax", "log_softmax"):
        along = (0, 1, -1, -2)[choice % 4]
        program.apply(lambda x: getattr(x, kind)(dim=along))
    elif kind in ("add", "sub", "mul", "div", "maximum", "minimum", "where", "bpow"):
        shapes = [(nrow, ncol), (1, ncol), (nrow, 1), (1, 1)]
        other_m, other_t = program.leaf(*shapes[choice % 4])
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "add": lambda a, b: a + b,
            "sub": lambda a, b: b - a,
            "mul": lambda a, b: a * b,
            "div": lambda a, b: a / positive(b),
            "bpow": lambda a, b: positive(a) ** b.tanh(),
            "where": lambda a, b: (
                match.where(a > b, a, b) if isinstance(a, Matrix) else torch.where(a > b, a, b)
            ),
            "maximum": lambda a, b: (
                match.maximum(a, b) if isinstance(a, Matrix) else torch.maximum(a, b)
            ),
            "minimum": lambda a, b: (
                match.minimum(a, b) if isinstance(a, Matrix) else torch.minimum(a, b)
            ),
        }
        op = ops[kind]
        if choice % 2:  # the leaf on the left, broadcasting the other way
            program.apply(lambda x: op(other_m, x), lambda t: op(other_t, t))
        else:
            program.apply(lambda x: op(x, other_m), lambda t: op(t, other_t))
    elif kind == "matmul":
        width = 1 + choice % 3
        w_m, w_t = program.leaf(ncol, width)
        program.apply(lambda x: x @ w_m, lambda t: t @ w_t)
    elif kind == "reshape":
        program.apply(lambda x: x.reshape(ncol, nrow) if choice % 2 else x.reshape(1, -1))
    elif kind == "index":
        i = choice % nrow
        j = choice % ncol
        keys: list[Any] = [
            i,
            (slice(None), j),
            slice(i, None),
            (slice(None), slice(None, None, -1)),
            (slice(None, None, -1), slice(j, None)),
            [i, 0, i],
            (i, slice(None, None, -2)),
        ]
        key = keys[choice % len(keys)]
        program.apply(lambda x: x[key], lambda t: torch_take(t, key))
    else:  # pragma: no cover - a typo in KINDS
        raise AssertionError(kind)


def torch_take(t: Any, key: Any) -> Any:
    """Match's m[key] in torch: the rows and columns picked as Python lists pick them (so
    negative steps too, which torch's slices lack), always 2D."""
    rows, cols = key if isinstance(key, tuple) else (key, slice(None))

    def picked(k: Any, size: int) -> Any:
        positions = [k % size] if isinstance(k, int) else k if isinstance(k, list) else None
        if positions is None:
            positions = list(range(size))[k]
        return torch.tensor(positions, dtype=torch.long)

    return t.index_select(0, picked(rows, t.shape[0])).index_select(1, picked(cols, t.shape[1]))


KINDS = sorted(
    list(UNARY)
    + ["sum", "mean", "amax", "amin", "var", "softmax", "log_softmax"]
    + ["add", "sub", "mul", "div", "maximum", "minimum", "where", "bpow"]
    + ["matmul", "reshape", "index"]
)


@hypothesis.given(
    nrow=st.integers(1, 4),
    ncol=st.integers(1, 4),
    seed=st.integers(0, 10**6),
    steps=st.lists(
        st.tuples(st.sampled_from(KINDS), st.integers(0, 10**3)), min_size=1, max_size=6
    ),
)
def test_random_program(nrow: int, ncol: int, seed: int, steps: list[tuple[str, int]]) -> None:
    run_program(nrow, ncol, seed, steps)


def run_program(nrow: int, ncol: int, seed: int, steps: list[tuple[str, int]]) -> None:
    """Run the steps in Match and torch; compare the value and every leaf's gradient."""
    program = Program(nrow, ncol, seed)
    for kind, choice in steps:
        step(program, kind, choice)
    what = " -> ".join(f"{k}({c})" for k, c in steps)
    assert_close(program.x, program.t, what=f"value of {what}")
    weights = random_rows(*program.shape, seed=seed + 7)
    (program.x * match.mat(weights, requires_grad=False)).sum().backward()
    (program.t * torch.tensor(weights, dtype=torch.float64)).sum().backward()
    for k, (m, t) in enumerate(zip(program.leaves_match, program.leaves_torch)):
        if t.grad is None:
            t.grad = torch.zeros_like(t)
        grad = m.grad if m.grad is not None else match.zeros_like(m).data
        assert_close(grad, t.grad, what=f"gradient of leaf {k} in {what}")


@hypothesis.given(
    nrow=st.integers(1, 5),
    ncol=st.integers(1, 5),
    seed=st.integers(0, 10**6),
    kind=st.sampled_from(KINDS),
    choice=st.integers(0, 10**3),
)
def test_every_op_alone(nrow: int, ncol: int, seed: int, kind: str, choice: int) -> None:
    """One op at a time over random shapes: a failure here names the op directly."""
    run_program(nrow, ncol, seed, [(kind, choice)])
