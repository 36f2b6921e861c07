"""Regression tests for the semantics items of issue 10, each against torch float64 and on both
backends in the same test (switching with `match.accel.using`)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

import match
from tests.parity import assert_close

torch = pytest.importorskip("torch")
pytest.importorskip("numpy")
NAN, INF = math.nan, math.inf


@pytest.fixture(params=["python", "numpy"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    with match.accel.using(request.param):
        yield request.param


def grads(fn, *rows):  # type: ignore[no-untyped-def]
    """Value and gradients of fn in Match and torch, for comparison."""
    xs = [match.mat(r, requires_grad=True) for r in rows]
    ts = [torch.tensor(r, dtype=torch.float64, requires_grad=True) for r in rows]
    out_m, out_t = fn(*xs), fn(*ts)
    out_m.sum().backward()
    out_t.sum().backward()
    return out_m, out_t, [x.grad for x in xs], [t.grad for t in ts]


def assert_torch(fn, *rows) -> None:  # type: ignore[no-untyped-def]
    out_m, out_t, gm, gt = grads(fn, *rows)
    assert_close(out_m, out_t, what="value")
    for k, (a, b) in enumerate(zip(gm, gt)):
        assert_close(a, b, what=f"grad {k}")


@pytest.mark.parametrize(
    "base, exponent", [(0.0, 0.0), (0.0, 2.0), (0.0, 0.5), (2.0, 0.0), (-0.0, 3.0), (0.0, -1.0)]
)
def test_pow_gradients_at_base_and_exponent_zero(
    backend: str, base: float, exponent: float
) -> None:
    assert_torch(lambda a, b: a**b, [[base]], [[exponent]])


def test_negative_zero_and_minus_inf_powers_agree(backend: str) -> None:
    assert_torch(lambda a: a**-1.0, [[-0.0, 0.0]])
    # IEEE pow (and torch with a tensor exponent) gives inf; torch's scalar 0.5 takes a sqrt
    # fast path and gives nan. Match follows IEEE on both backends.
    out = match.mat([[-INF]]) ** 0.5
    expected = torch.pow(torch.tensor([[-INF]], dtype=torch.float64), torch.tensor([[0.5]]))
    assert out.tolist() == expected.tolist() == [[INF]]


def test_var_backward_with_no_degrees_of_freedom_is_nan(backend: str) -> None:
    x = match.mat([[1.0, 2.0]], requires_grad=True)
    x.var(dim=0).sum().backward()
    assert all(math.isnan(v) for v in x.grad.tolist()[0])


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_division_gradient_does_not_square_the_divisor(backend: str, scale: float) -> None:
    assert_torch(lambda a, b: a / b, [[scale, 3.0 * scale]], [[scale, 2.0 * scale]])


@pytest.mark.parametrize("op", ["max", "min"])
def test_full_reduction_ties_share_the_gradient(backend: str, op: str) -> None:
    assert_torch(lambda x: getattr(x, op)(), [[3.0, 1.0, 3.0], [1.0, 3.0, 1.0]])


@pytest.mark.parametrize("op", ["max", "min", "argmax", "argmin"])
def test_nan_propagates_like_torch(backend: str, op: str) -> None:
    rows = [[1.0, NAN, 2.0], [3.0, 0.0, NAN]]
    for dim in (None, 0, 1):
        m = getattr(match.mat(rows), op)(dim)
        t = torch.tensor(rows, dtype=torch.float64)
        expected = getattr(t, op)() if dim is None else getattr(t, op)(dim=dim, keepdim=True)
        if isinstance(expected, tuple):
            expected = expected[0]
        assert_close(m, expected.to(torch.float64), what=f"{op}(dim={dim})")


def test_nan_through_relu_maximum_minimum(backend: str) -> None:
    assert_torch(lambda x: x.relu(), [[NAN, -1.0, 2.0]])
    for name in ("maximum", "minimum"):

        def pick(a, b, name=name):  # type: ignore[no-untyped-def]
            module = torch if isinstance(a, torch.Tensor) else match
            return getattr(module, name)(a, b)

        assert_torch(pick, [[NAN, 1.0, 2.0, 2.0]], [[1.0, NAN, 2.0, 1.0]])


def test_clamp_with_min_above_max_gives_max(backend: str) -> None:
    assert_torch(lambda x: x.clamp(2.0, 1.0), [[1.0, 2.0, 3.0]])


@pytest.mark.parametrize(
    "key",
    [
        (slice(None), slice(None, None, -1)),
        (slice(None), slice(2, None, -2)),
        (slice(None, None, -1), 0),
        slice(None, None, -2),
    ],
    ids=str,
)
def test_negative_steps_select_like_python_lists(backend: str, key: object) -> None:
    """Match supports negative steps (torch raises): rows and columns picked as list(...)[key]."""
    rows = [[float(3 * i + j) for j in range(3)] for i in range(3)]
    x = match.mat(rows, requires_grad=True)
    r, c = key if isinstance(key, tuple) else (key, slice(None))
    pick = lambda k, n: [k] if isinstance(k, int) else list(range(n))[k]  # noqa: E731
    expected = [[rows[i][j] for j in pick(c, 3)] for i in pick(r, 3)]
    out = x[key]
    assert out.tolist() == expected
    out.sum().backward()
    chosen = {(i, j) for i in pick(r, 3) for j in pick(c, 3)}
    assert x.grad.tolist() == [[float((i, j) in chosen) for j in range(3)] for i in range(3)]


def test_gather_and_index_copy_their_index_lists(backend: str) -> None:
    x = match.mat([[1.0, 2.0, 3.0]], requires_grad=True)
    index = [[0, 2]]
    y = x.gather(1, index)
    index[0][0] = 1
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 1.0]]
    x = match.mat([[1.0], [2.0], [3.0]], requires_grad=True)
    rows = [0, 2]
    y = x[rows]
    rows[0] = 1
    y.sum().backward()
    assert x.grad.tolist() == [[1.0], [0.0], [1.0]]


@pytest.mark.parametrize("dim", [2, -3, 1.0, True, "a", [0]], ids=repr)
@pytest.mark.parametrize("op", ["sum", "mean", "var", "max", "argmin", "softmax"])
def test_one_dim_validator_names_the_op(backend: str, op: str, dim: object) -> None:
    with pytest.raises(ValueError, match=f"^{op}: dim must be None, 0, 1, -1 or -2"):
        getattr(match.ones(2, 2), op)(dim=dim)


def test_gradient_from_another_backend_is_refused_at_the_door(backend: str) -> None:
    other = "numpy" if backend == "python" else "python"
    x = match.ones(1, 2, requires_grad=True)
    y = x * 2.0
    with match.accel.using(other):
        foreign = match.ones(1, 2, requires_grad=False)
    with pytest.raises(RuntimeError, match="^backward: the gradient is on"):
        y.backward(gradient=foreign)
    with pytest.raises(RuntimeError, match="^grad: the gradient is on"):
        x.grad = foreign.data
    assert x.grad is None
