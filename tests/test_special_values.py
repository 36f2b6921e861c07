"""Special values through every op, forward and gradient (issue 10): nan, +-inf, -0.0, 1e308,
5e-324 and a few ordinary numbers, elementwise and in every pair for binary ops.

Both backends are computed in the same test (switching with `match.accel.using`) and must agree
exactly: nan == nan, and the sign of a zero counts. Each result must also equal torch float64,
except where DIFFERENCES says why not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import Matrix
from tests.parity import SAME_CALL_BINARY, SAME_CALL_ELEMENTWISE, assert_close

torch = pytest.importorskip("torch")
pytest.importorskip("numpy")

SPECIAL = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1e308, -1e308, 5e-324, 1.0, -1.0, 0.5, 2.0]
PAIRS = [(a, b) for a in SPECIAL for b in SPECIAL]

# (op, "value" or "grad") -> why Match differs from torch there. Python and numpy must still agree.
DIFFERENCES: dict[tuple[str, str], str] = {
    ("var", "grad"): "var is composed, sum((x - mean)^2) / (n - c): its gradient goes back through "
    "mean, so where 2 (x - mean) overflows (1e308) the mean's share makes inf - inf = nan; torch "
    "uses the closed form 2 (x - mean) / (n - c) and gives +-inf",
}
# ops whose python and numpy results may differ in the last bits of a finite value (specials,
# zeros' signs and nan must still agree exactly), and why
ROUNDING: dict[str, str] = {
    "log_softmax": "the gradient sums softmax * g; numpy and Python add in different orders",
}

Op = Callable[..., Any]
UNARY: dict[str, Op] = {
    **SAME_CALL_ELEMENTWISE,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "sqrt": lambda x: x.sqrt(),
    "softplus": lambda x: (
        x.softplus() if isinstance(x, Matrix) else torch.nn.functional.softplus(x)
    ),
    "leaky_relu": lambda x: (
        x.leaky_relu(0.1) if isinstance(x, Matrix) else torch.nn.functional.leaky_relu(x, 0.1)
    ),
    "clamp": lambda x: x.clamp(-1.0, 1.0),
    "pow3": lambda x: x**3.0,
    "pow_half": lambda x: x**0.5,  # a number exponent of 0.5 is sqrt: (-inf) ** 0.5 is nan
    "pow_two": lambda x: x**2,
    "rsub": lambda x: 1.0 - x,
    "rdiv": lambda x: 1.0 / x,
}
# reductions run over one row of special values mixed with ordinary ones
REDUCTIONS: dict[str, Op] = {
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
    "max": lambda x: x.max(),
    "min": lambda x: x.min(),
    "softmax": lambda x: x.softmax(dim=1),
    "log_softmax": lambda x: x.log_softmax(dim=1),
}
BINARY: dict[str, Op] = {
    **SAME_CALL_BINARY,
    "maximum": lambda a, b: match.maximum(a, b) if isinstance(a, Matrix) else torch.maximum(a, b),
    "minimum": lambda a, b: match.minimum(a, b) if isinstance(a, Matrix) else torch.minimum(a, b),
}


def same(x: float, y: float) -> bool:
    """Exactly equal: nan equals nan, and -0.0 differs from 0.0."""
    if x != x or y != y:
        return x != x and y != y
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def assert_same(
    a: list[list[float]], b: list[list[float]], what: str, rounding: bool = False
) -> None:
    """python and numpy gave the same floats, bit for bit (nan payloads aside); with rounding,
    finite non-zero values may differ in the last bits."""
    for i, (ra, rb) in enumerate(zip(a, b, strict=True)):
        for j, (x, y) in enumerate(zip(ra, rb, strict=True)):
            if rounding and math.isfinite(x) and x != 0.0 and math.isclose(x, y, rel_tol=1e-14):
                continue
            assert same(x, y), f"{what} ({i}, {j}): python {x!r} != numpy {y!r}"


def run_match(fn: Op, rows: list[list[list[float]]], backend: str) -> tuple[list, list]:
    """The value and the input gradients of fn on one backend."""
    with match.accel.using(backend):
        inputs = [match.mat(r, requires_grad=True) for r in rows]
        out = fn(*inputs)
        out.sum().backward()
        grads = [x.grad.tolist() if x.grad is not None else None for x in inputs]
        return out.tolist(), grads


def run_torch(fn: Op, rows: list[list[list[float]]]) -> tuple[Any, list]:
    """The same in torch float64."""
    inputs = [torch.tensor(r, dtype=torch.float64, requires_grad=True) for r in rows]
    out = fn(*inputs)
    out.sum().backward()
    return out, [x.grad for x in inputs]


def check(name: str, fn: Op, rows: list[list[list[float]]]) -> None:
    value_py, grads_py = run_match(fn, rows, "python")
    value_np, grads_np = run_match(fn, rows, "numpy")
    rounding = name in ROUNDING
    assert_same(value_py, value_np, f"{name} value", rounding)
    for k, (gp, gn) in enumerate(zip(grads_py, grads_np)):
        assert (gp is None) == (gn is None), f"{name} grad {k}: one backend has none"
        if gp is not None:
            assert_same(gp, gn, f"{name} grad {k}", rounding)
    value_t, grads_t = run_torch(fn, rows)
    if (name, "value") not in DIFFERENCES:
        assert_close(value_py, value_t, what=f"{name} value vs torch")
    if (name, "grad") not in DIFFERENCES:
        for k, (gp, gt) in enumerate(zip(grads_py, grads_t)):
            if gt is None:
                gt = torch.zeros(len(rows[k]), len(rows[k][0]), dtype=torch.float64)
            assert_close(gp, gt, what=f"{name} grad {k} vs torch")


@pytest.mark.parametrize("name", UNARY)
def test_unary(name: str) -> None:
    check(name, UNARY[name], [[SPECIAL]])


@pytest.mark.parametrize("value", SPECIAL, ids=repr)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction(name: str, value: float) -> None:
    check(name, REDUCTIONS[name], [[[1.0, value, -2.0, value]]])


@pytest.mark.parametrize("name", BINARY)
def test_binary(name: str) -> None:
    check(name, BINARY[name], [[[a for a, _ in PAIRS]], [[b for _, b in PAIRS]]])


@pytest.mark.parametrize("name", BINARY)
def test_binary_broadcast(name: str) -> None:
    """A column against a row: every pair, through the broadcasting gradient (a sum)."""
    check(name, BINARY[name], [[[a] for a in SPECIAL], [SPECIAL]])


@pytest.mark.parametrize("value", SPECIAL, ids=repr)
def test_matmul(value: float) -> None:
    check("matmul", lambda a, b: a @ b, [[[value, 1.0], [2.0, -0.0]], [[1.0, value], [-1.0, 3.0]]])


@pytest.mark.parametrize("value", SPECIAL, ids=repr)
def test_var(value: float) -> None:
    def var(x: Any) -> Any:
        return x.var(dim=1) if isinstance(x, Matrix) else x.var(dim=1, keepdim=True)

    check("var", var, [[[value, 1.0, -2.0], [3.0, value, value]]])


# The upstream gradient is special too: every input of SPECIAL (or pair of inputs, for binary
# ops) against every seed g of SPECIAL. An op whose backward multiplies g by a 0/1 mask turns an
# infinite g into inf * 0 = nan where torch's `where` gives 0 (relu and `where` did, until this
# test), and the grouping of a product decides between 0 and nan (pow: g * (b a^(b-1))).
def grad_with_seed(fn: Op, inputs: list[list[float]], backend: str | None) -> list[Any]:
    """The gradients of fn's inputs (each a row of SPECIAL values repeated once per seed), the
    backward pass seeded with every value of SPECIAL in turn; torch when backend is None."""
    rows = [[x for x in values for _ in SPECIAL] for values in inputs]
    seed = [[g for _ in inputs[0] for g in SPECIAL]]
    if backend is None:
        xs = [torch.tensor([row], dtype=torch.float64, requires_grad=True) for row in rows]
        fn(*xs).backward(torch.tensor(seed, dtype=torch.float64))
        return [x.grad for x in xs]
    with match.accel.using(backend):
        ms = [match.mat([row], requires_grad=True) for row in rows]
        fn(*ms).backward(match.mat(seed))
        return [m.grad.tolist() for m in ms]


def check_seeded(name: str, fn: Op, inputs: list[list[float]]) -> None:
    grads_py = grad_with_seed(fn, inputs, "python")
    grads_np = grad_with_seed(fn, inputs, "numpy")
    for k, (gp, gn, gt) in enumerate(zip(grads_py, grads_np, grad_with_seed(fn, inputs, None))):
        assert_same(gp, gn, f"{name} grad {k}", name in ROUNDING)
        if (name, "grad") not in DIFFERENCES:
            assert_close(gp, gt, what=f"{name} grad {k} vs torch")


@pytest.mark.parametrize("name", UNARY)
def test_unary_special_seed(name: str) -> None:
    check_seeded(name, UNARY[name], [SPECIAL])


@pytest.mark.parametrize("name", BINARY)
def test_binary_special_seed(name: str) -> None:
    check_seeded(name, BINARY[name], [[a for a, _ in PAIRS], [b for _, b in PAIRS]])
