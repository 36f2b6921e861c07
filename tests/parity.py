"""Helpers shared by the torch-parity tests: move values between Match and torch, compare them,
run a Module or an optimizer beside its torch twin.

Every comparison is in float64 at rtol 1e-7 (or tighter), as the project promises.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

import match
from match import List2D, Matrix, nn

try:
    import torch
except ImportError:  # the torch-free tests still run
    torch = None  # type: ignore[assignment]

RTOL = 1e-7
ATOL = 1e-10


# Elementwise ops written the same way for a Matrix and a torch tensor, defined for every input:
# the shared core of the op tables in test_properties.py and test_special_values.py.
SAME_CALL_ELEMENTWISE: dict[str, Callable[[Any], Any]] = {
    "neg": lambda x: -x,
    "abs": lambda x: x.abs(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "erf": lambda x: x.erf(),
    "square": lambda x: x * x,
}
SAME_CALL_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
}


def rows_of(x: Any) -> list[list[float]]:
    """Plain rows from a Matrix, a List2D, a torch tensor (1D becomes one row) or nested lists."""
    if isinstance(x, (Matrix, List2D)):
        return x.tolist()
    if torch is not None and isinstance(x, torch.Tensor):
        t = x.detach().to(torch.float64)
        if t.dim() == 0:
            t = t.reshape(1, 1)
        elif t.dim() == 1:
            t = t.reshape(1, -1)
        return t.tolist()
    if isinstance(x, (int, float)):
        return [[float(x)]]
    return [[float(v) for v in row] for row in x]


def assert_close(
    actual: Any, expected: Any, rtol: float = RTOL, atol: float = ATOL, what: str = ""
) -> None:
    """Fail unless the two agree elementwise to rtol/atol (shapes must match, NaNs must match)."""
    a, e = rows_of(actual), rows_of(expected)
    shape_a, shape_e = (len(a), len(a[0])), (len(e), len(e[0]))
    if shape_a != shape_e:
        raise AssertionError(f"{what}: shape {shape_a} != expected {shape_e}")
    for i, (ra, re) in enumerate(zip(a, e)):
        for j, (x, y) in enumerate(zip(ra, re)):
            if x != x and y != y:
                continue
            if x == y:  # also covers equal infinities
                continue
            if not abs(x - y) <= atol + rtol * abs(y):
                raise AssertionError(f"{what}: element ({i}, {j}): {x!r} != expected {y!r}")


def random_rows(
    nrow: int, ncol: int, seed: int, low: float = -2.0, high: float = 2.0
) -> list[list[float]]:
    """Reproducible uniform values for tests."""
    r = random.Random(seed)
    return [[r.uniform(low, high) for _ in range(ncol)] for _ in range(nrow)]


def tensor(rows: Sequence[Sequence[float]], requires_grad: bool = True) -> Any:
    """A float64 torch tensor from rows."""
    return torch.tensor(rows, dtype=torch.float64, requires_grad=requires_grad)


def check_against_torch(
    match_fn: Callable[..., Matrix],
    torch_fn: Callable[..., Any],
    *inputs: Sequence[Sequence[float]],
    seed: int = 0,
    rtol: float = RTOL,
    what: str = "",
) -> None:
    """Run both functions on the same inputs, then backward with the same random upstream
    gradient; compare the outputs and every input's gradient."""
    ms = [match.mat(rows) for rows in inputs]
    ts = [tensor(rows) for rows in inputs]
    out_m = match_fn(*ms)
    out_t = torch_fn(*ts)
    assert_close(out_m, out_t, rtol=rtol, what=f"{what} value")
    upstream = random_rows(*out_m.shape, seed=seed + 1000)
    out_m.backward(match.mat(upstream, requires_grad=False))
    out_t.backward(tensor(upstream, requires_grad=False).reshape(out_t.shape))
    for k, (m, t) in enumerate(zip(ms, ts)):
        expected = t.grad if t.grad is not None else torch.zeros_like(t)
        actual = m.grad if m.grad is not None else match.zeros_like(m)  # None: no gradient
        assert_close(actual, expected, rtol=rtol, what=f"{what} grad of input {k}")


def backward_weighted_sum(
    results_m: Sequence[Matrix], results_t: Sequence[Any], seed: int = 0, what: str = ""
) -> None:
    """Compare each Match result with its torch twin, then backward the same random weighting
    of all of them in both libraries (so every result's gradient path is exercised)."""
    total_m: Any = None
    total_t: Any = 0.0
    for k, (a, b) in enumerate(zip(results_m, results_t, strict=True)):
        assert_close(a, b, what=f"{what} result {k}")
        w = random_rows(*a.shape, seed=seed + k)
        term = (a * match.mat(w, requires_grad=False)).sum()
        total_m = term if total_m is None else total_m + term
        total_t = total_t + (b * tensor(w, requires_grad=False).reshape(b.shape)).sum()
    total_m.backward()
    total_t.backward()


def to_torch(m: Any, t: Any) -> Any:
    """Load the Match module's state dict into the (float64) torch module: the export path.
    Returns the torch module."""
    t = t.to(torch.float64)
    shapes = t.state_dict()
    t.load_state_dict(
        {
            k: torch.tensor(v, dtype=torch.float64).reshape(shapes[k].shape).to(shapes[k].dtype)
            for k, v in m.state_dict().items()
        }
    )
    return t


def check_module(m: Any, t: Any, x_rows: list[list[float]], seed: int = 0, what: str = "") -> None:
    """Same input through both; same upstream gradient back; compare outputs, the input's
    gradient and every parameter's gradient (by name)."""
    xm, xt = match.mat(x_rows), tensor(x_rows)
    ym, yt = m(xm), t(xt)
    assert_close(ym, yt, what=f"{what} output")
    up = random_rows(*ym.shape, seed=seed + 1)
    ym.backward(match.mat(up, requires_grad=False))
    yt.backward(torch.tensor(up, dtype=torch.float64).reshape(yt.shape))
    assert_close(xm.grad, xt.grad, what=f"{what} input grad")
    tparams = dict(t.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert names == list(tparams), what
    for name, p in m.named_parameters():
        assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=f"{what} grad {name}")


# -- optimizers: a Match MLP and its torch twin, trained side by side ------------------------------

F64 = torch.float64 if torch is not None else None
TRAIN_X = random_rows(8, 3, seed=1)
TRAIN_Y = random_rows(8, 2, seed=2)
TRAIN_LABELS = [0, 1, 1, 0, 1, 0, 0, 1]


def models(seed: int = 0) -> tuple[Any, Any]:
    """A small Match MLP and a float64 torch copy with the same weights."""
    match.manual_seed(seed)
    m = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    t = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).to(F64)
    shapes = t.state_dict()
    t.load_state_dict(
        {k: torch.tensor(v, dtype=F64).reshape(shapes[k].shape) for k, v in m.state_dict().items()}
    )
    return m, t


def train(
    m: Any, t: Any, make_m: Any, make_t: Any, steps: int = 25, classify: bool = False
) -> None:
    """Step both models with the optimizers make_m and make_t build, on TRAIN_X: cross-entropy
    on TRAIN_LABELS if classify, else mean squared error against TRAIN_Y."""
    opt_m, opt_t = make_m(m), make_t(t)
    xm, xt = match.mat(TRAIN_X, requires_grad=False), tensor(TRAIN_X, requires_grad=False)
    for _ in range(steps):
        opt_m.zero_grad()
        opt_t.zero_grad()
        if classify:
            loss_m = nn.CrossEntropyLoss()(m(xm), TRAIN_LABELS)
            loss_t = torch.nn.CrossEntropyLoss()(t(xt), torch.tensor(TRAIN_LABELS))
        else:
            loss_m = nn.MSELoss()(m(xm), match.mat(TRAIN_Y, requires_grad=False))
            loss_t = torch.nn.MSELoss()(t(xt), tensor(TRAIN_Y, requires_grad=False))
        loss_m.backward()
        loss_t.backward()
        opt_m.step()
        opt_t.step()


def assert_same_parameters(m: Any, t: Any, what: str) -> None:
    """Every parameter of the Match model equals its torch twin's, to rtol 1e-8."""
    tparams = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(
            p, tparams[name].reshape(p.shape), rtol=1e-8, atol=1e-12, what=f"{what} {name}"
        )
