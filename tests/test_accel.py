"""match.accel and the backends' kernels: switching backends, mixing them, missing ones, and
agreement with pure Python; the pure kernels' fast paths give the same bits as the plain ones,
and numpy's kernels give IEEE values without warnings or touching the caller's error state.

These tests run under every backend the suite is started with (`--backend numpy`, or
`MATCH_ACCEL=numpy`); each one restores the active backend when it ends. The cupy path is tested
without a GPU by giving `ArrayKernels` numpy under the name 'cupy' (cupy mirrors numpy's API).
"""

from __future__ import annotations

import math
import os
import random
import struct
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import match
from match import List2D, Matrix, accel, backend
from match.backend import python as pure
from match.backend.array import ArrayKernels
from match.backend.python import PythonKernels

ROOT = Path(__file__).resolve().parent.parent
TOL = 1e-12  # the promise: every backend agrees with pure Python to 1e-12 (relative)

try:
    import numpy
except ImportError:  # the pure-Python tests still run
    numpy = None  # type: ignore[assignment]

needs_numpy = pytest.mark.skipif(numpy is None, reason="numpy is not installed")


@pytest.fixture(autouse=True)
def restore_backend() -> Iterator[None]:
    """Every test leaves the active backend as it found it."""
    default, override = backend._default, backend._choice.override
    yield
    backend._default, backend._choice.override = default, override


PY = backend.kernels_for("python")


def fake_cupy() -> Any:
    """The cupy code path, run by numpy (cupy's API mirrors numpy's): no GPU needed."""
    return ArrayKernels(numpy, "cupy")


def on(kernels: Any, rows: list[list[float]]) -> List2D:
    """A List2D with these rows on the given kernels."""
    return List2D.wrap(kernels.from_rows([list(map(float, r)) for r in rows]), kernels)


def rows(
    nrow: int, ncol: int, seed: int, low: float = -2.0, high: float = 2.0
) -> list[list[float]]:
    r = random.Random(seed)
    return [[r.uniform(low, high) for _ in range(ncol)] for _ in range(nrow)]


def assert_agree(actual: Any, expected: Any, what: str = "") -> None:
    """Same shape, plain floats, equal to TOL (relative); nan matches nan, inf matches inf."""
    a = actual.tolist() if hasattr(actual, "tolist") else actual
    e = expected.tolist() if hasattr(expected, "tolist") else expected
    assert (len(a), len(a[0])) == (len(e), len(e[0])), f"{what}: shape"
    for i, (ra, re) in enumerate(zip(a, e)):
        for j, (x, y) in enumerate(zip(ra, re)):
            assert type(x) is float, f"{what}: tolist gave {type(x).__name__}, not float"
            if math.isnan(y):
                assert math.isnan(x), f"{what} ({i}, {j}): {x} != nan"
            elif math.isinf(y) or y == 0.0:
                assert x == y, f"{what} ({i}, {j}): {x} != {y}"
            else:
                assert abs(x - y) <= TOL * max(1.0, abs(y)), f"{what} ({i}, {j}): {x} != {y}"


# ---------------------------------------------------------------------------------------------
# Choosing a backend
# ---------------------------------------------------------------------------------------------


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "MATCH_ACCEL"}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_match_loads_no_numpy() -> None:
    result = run_python(
        "import sys, match\n"
        "m = match.randn(3, 3); (m @ m).sum().backward()\n"
        "print(match.accel.current(), 'numpy' in sys.modules, 'cupy' in sys.modules)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["python", "False", "False"]


@needs_numpy
def test_environment_variable_picks_backend_at_import() -> None:
    result = run_python(
        "import match; print(match.accel.current(), match.ones(2, 2).data.backend)",
        MATCH_ACCEL="numpy",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["numpy", "numpy"]


def test_environment_variable_with_a_bad_backend_fails_clearly() -> None:
    result = run_python("import match; print(match.accel.current())", MATCH_ACCEL="fortran")
    assert result.returncode == 0 and result.stdout.strip() == "python"
    assert result.stderr.count("\n") == 1, result.stderr  # one line, no traceback
    assert "MATCH_ACCEL='fortran'" in result.stderr and "python, numpy, cupy" in result.stderr
    env_run = subprocess.run(
        [sys.executable, "-m", "match", "--epochs", "1"],
        cwd=ROOT,
        env={**os.environ, "MATCH_ACCEL": "fortran"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert env_run.returncode == 2 and "MATCH_ACCEL='fortran'" in env_run.stderr


def test_current_and_available() -> None:
    names = accel.available()
    assert names[0] == "python" and set(names) <= set(accel.BACKENDS)
    assert ("numpy" in names) == (numpy is not None)
    assert accel.current() in names


def test_use_switches_new_matrices_only() -> None:
    for name in accel.available():
        before = match.ones(1, 2)
        previous = accel.use(name)
        assert accel.current() == name
        assert match.ones(1, 2).data.backend == name
        assert List2D.eye(2).backend == List2D.randn(2, 2).backend == name
        assert before.data.backend == previous  # existing matrices stay where they are


def test_using_restores_the_previous_backend() -> None:
    start = accel.current()
    with accel.using("python"):
        assert accel.current() == "python"
    assert accel.current() == start


def test_unknown_backend_is_a_value_error() -> None:
    start = accel.current()
    with pytest.raises(ValueError, match="unknown backend 'tpu'.*python, numpy, cupy"):
        accel.use("tpu")
    assert accel.current() == start


def test_missing_numpy_raises_and_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    start = accel.current()
    monkeypatch.delitem(backend._loaded, "numpy", raising=False)
    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now fails
    with pytest.raises(RuntimeError, match="'numpy' backend is not available.*pip install numpy"):
        accel.use("numpy")
    assert accel.current() == start
    assert "numpy" not in accel.available() or "numpy" in backend._loaded


def test_missing_cupy_raises_and_changes_nothing() -> None:
    if "cupy" in accel.available():
        pytest.skip("cupy and a GPU are present here")
    start = accel.current()
    with pytest.raises(RuntimeError, match="'cupy' backend is not available.*cupy-cuda12x"):
        accel.use("cupy")
    assert accel.current() == start


def test_backend_option_is_applied_before_tests(request: pytest.FixtureRequest) -> None:
    chosen = request.config.getoption("--backend") or os.environ.get("MATCH_ACCEL") or "python"
    assert accel.current() == chosen.strip().lower()
    assert match.zeros(1, 1).data.backend == accel.current()


# ---------------------------------------------------------------------------------------------
# Mixing backends: raise, naming both; convert with .to_backend()
# ---------------------------------------------------------------------------------------------


@needs_numpy
@pytest.mark.parametrize("pair", [("python", "numpy"), ("numpy", "python"), ("numpy", "cupy")])
def test_mixing_backends_raises_naming_both(pair: tuple[str, str]) -> None:
    kernels = {"python": PY, "numpy": accel.kernels_for("numpy"), "cupy": fake_cupy()}
    a = on(kernels[pair[0]], [[1.0, 2.0], [3.0, 4.0]])
    b = on(kernels[pair[1]], [[1.0, 2.0], [3.0, 4.0]])
    both = f"'{pair[0]}' backend.*'{pair[1]}' backend.*to_backend"
    for op in (
        lambda: a + b,
        lambda: a * b,
        lambda: a @ b,
        lambda: a.matmul_t(b),
        lambda: List2D.cat([a, b]),
        lambda: a.copy_(b),
        lambda: a.maximum(b),
    ):
        with pytest.raises(RuntimeError, match=both):
            op()
    ma, mb = Matrix(a), Matrix(b)
    with pytest.raises(RuntimeError, match=both):
        ma + mb
    with pytest.raises(RuntimeError, match=both):
        ma.linear(mb)


@needs_numpy
def test_to_backend_converts_at_the_boundary() -> None:
    with accel.using("python"):
        x = match.mat([[1.0, -2.0], [3.0, 0.5]])
    y = x.to_backend("numpy")
    assert y.data.backend == "numpy" and y.requires_grad and y.is_leaf
    assert y.tolist() == x.tolist()
    w = match.mat([[0.5, 1.0], [2.0, -1.0]]).to_backend("numpy")
    (y @ w).relu().sum().backward()
    assert y.grad.backend == "numpy"
    back = y.grad.to_backend("python")
    assert back.backend == "python" and isinstance(back.vals, list)
    with accel.using("numpy"):
        assert x.data.to_backend().backend == "numpy"  # default: the active backend


# ---------------------------------------------------------------------------------------------
# ArrayKernels: same methods and same results as PythonKernels
# ---------------------------------------------------------------------------------------------


def kernel_names(cls: type) -> set[str]:
    return {n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))}


def test_array_kernels_have_every_python_kernel() -> None:
    missing = kernel_names(PythonKernels) ^ kernel_names(ArrayKernels)
    assert missing == {"adam"}, f"ArrayKernels lacks {sorted(missing - {'adam'})}"
    assert PythonKernels.adam is None  # the one optional kernel (see Kernels.adam)


def array_backends() -> list[Any]:
    if numpy is None:
        return []
    return [accel.kernels_for("numpy"), fake_cupy()]


array_kernels = pytest.mark.parametrize("kernels", array_backends(), ids=lambda k: k.name)


SPECIAL = [[0.0, -0.0, 1.0, -1.0, 2.5], [math.inf, -math.inf, math.nan, 1e308, -1e-310]]


@needs_numpy
@array_kernels
def test_elementwise_kernels_agree_with_python(kernels: Any) -> None:
    py = PY
    values = rows(3, 5, 1) + [[0.0, -0.0, 1.0, -1.0, 2.5]]
    positive = rows(3, 4, 2, 0.1, 3.0) + [[0.0, 1.0, 4.0, 1e-300]]
    for name in backend.UNARY:
        r = positive if name in ("log", "log1p", "sqrt") else values
        assert_agree(kernels.unary(name, kernels.from_rows(r)), py.unary(name, r), name)
    cond, other = [[1.0, 0.0, 1.0, 0.0, 1.0]] * 4, rows(4, 5, 3)
    assert_agree(
        kernels.where(*(kernels.from_rows(r) for r in (cond, values, other))),
        py.where(cond, values, other),
        "where",
    )


@needs_numpy
@array_kernels
def test_special_values_give_ieee_results_without_warnings(kernels: Any) -> None:
    py = PY
    a = kernels.from_rows(SPECIAL)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy must not warn where pure Python is quiet
        for name in backend.UNARY:
            assert_agree(kernels.unary(name, a), py.unary(name, SPECIAL), name)
        for name in backend.BINARY:
            assert_agree(
                kernels.binary(name, a, a[::-1]), py.binary(name, SPECIAL, SPECIAL[::-1]), name
            )
            for scalar in (0.0, -1.5):
                assert_agree(
                    kernels.binary(name, a, scalar),
                    py.binary(name, SPECIAL, scalar),
                    f"{name} by {scalar}",
                )
                assert_agree(
                    kernels.binary(name, scalar, a),
                    py.binary(name, scalar, SPECIAL),
                    f"{scalar} {name}",
                )
        assert_agree(kernels.sum(a, 1), py.sum(SPECIAL, 1), "sum")
        for name in ("max", "min", "argmax", "argmin"):
            for dim in (None, 0, 1):
                assert_agree(getattr(kernels, name)(a, dim), getattr(py, name)(SPECIAL, dim), name)
        assert math.copysign(1.0, kernels.unary("relu", a).tolist()[0][1]) == -1.0  # as torch
        assert math.isnan(kernels.max(a, None).tolist()[0][0])  # nan wins, as in torch


@needs_numpy
@array_kernels
def test_binary_kernels_broadcast_like_python(kernels: Any) -> None:
    py = PY
    shapes = [
        ((3, 4), (3, 4)),
        ((3, 4), (1, 4)),
        ((3, 4), (3, 1)),
        ((3, 4), (1, 1)),
        ((1, 4), (3, 1)),
        ((3, 1), (1, 4)),
    ]
    for k, (sa, sb) in enumerate(shapes):
        ra, rb = rows(*sa, seed=k, low=0.5, high=2.0), rows(*sb, seed=k + 50, low=0.5, high=2.0)
        a, b = kernels.from_rows(ra), kernels.from_rows(rb)
        for name in backend.BINARY:
            assert_agree(kernels.binary(name, a, b), py.binary(name, ra, rb), f"{name} {sa} {sb}")
    ties = [[1.0, 2.0, 3.0]]
    for name in ("gt", "ge", "lt", "le", "eq", "ne"):
        assert_agree(
            kernels.binary(name, kernels.from_rows(ties), 2.0), py.binary(name, ties, 2.0), name
        )
    neg = [[-8.0, -2.0]]
    assert math.isnan(kernels.binary("pow", kernels.from_rows(neg), 1 / 3).tolist()[0][0])
    assert kernels.binary("pow", kernels.from_rows(neg), 2.0).tolist() == [[64.0, 4.0]]


@needs_numpy
@array_kernels
def test_products_reductions_and_shapes_agree_with_python(kernels: Any) -> None:
    py = PY
    ra, rb, rc = rows(4, 3, 1), rows(3, 5, 2), rows(4, 5, 3)
    a, b, c = kernels.from_rows(ra), kernels.from_rows(rb), kernels.from_rows(rc)
    assert_agree(kernels.matmul(a, b), py.matmul(ra, rb), "matmul")
    assert_agree(kernels.matmul_t(c, b), py.matmul_t(rc, rb), "matmul_t")
    assert_agree(kernels.t_matmul(a, c), py.t_matmul(ra, rc), "t_matmul")
    ties = [[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]]
    for dim in (None, 0, 1):
        for name in ("sum", "max", "min", "argmax", "argmin"):
            for r in (rc, ties):
                assert_agree(
                    getattr(kernels, name)(kernels.from_rows(r), dim),
                    getattr(py, name)(r, dim),
                    f"{name} dim={dim}",
                )
    assert_agree(kernels.transpose(a), py.transpose(ra), "transpose")
    assert_agree(kernels.reshape(a, 2, 6), py.reshape(ra, 2, 6), "reshape")
    assert_agree(
        kernels.reshape(kernels.transpose(a), 6, 2),
        py.reshape(py.transpose(ra), 6, 2),
        "reshape of a transpose",
    )
    col, row = [[1.0], [2.0]], [[1.0, 2.0, 3.0]]
    assert_agree(kernels.broadcast_to(kernels.from_rows(col), 2, 3), py.broadcast_to(col, 2, 3))
    assert_agree(kernels.broadcast_to(kernels.from_rows(row), 2, 3), py.broadcast_to(row, 2, 3))
    assert_agree(kernels.take(c, [3, 0, 3], slice(1, 4)), py.take(rc, [3, 0, 3], slice(1, 4)))
    value = rows(3, 2, 9)
    assert_agree(
        kernels.put(c, [0, 2, 3], slice(0, 4, 2), kernels.from_rows(value)),
        py.put(rc, [0, 2, 3], slice(0, 4, 2), value),
        "put",
    )
    assert_agree(
        kernels.index_add(4, 5, [1, 3, 1], slice(1, 3), kernels.from_rows(value)),
        py.index_add(4, 5, [1, 3, 1], slice(1, 3), value),
        "index_add",
    )
    for dim in (0, 1):
        parts = [rc, rows(4, 5, 7)] if dim else [rc, rows(2, 5, 7)]
        assert_agree(kernels.cat([kernels.from_rows(p) for p in parts], dim), py.cat(parts, dim))
    assert kernels.shape(c) == (4, 5) and all(type(n) is int for n in kernels.shape(c))
    assert_agree(kernels.full(2, 3, 1.5), py.full(2, 3, 1.5), "full")
    assert_agree(kernels.copy(a), ra, "copy")
    assert kernels.to_rows(a) == ra


@needs_numpy
@array_kernels
def test_kernels_never_change_their_inputs(kernels: Any) -> None:
    r = rows(3, 4, 5)
    a = kernels.from_rows(r)
    broadcast = kernels.broadcast_to(kernels.from_rows([[1.0, 2.0, 3.0, 4.0]]), 3, 4)
    broadcast[0, 0] = 9.0  # a real array: writable, and only its first row changes
    assert broadcast.tolist()[1][0] == 1.0
    kernels.put(a, [0], slice(0, 4), kernels.full(1, 4, 7.0))
    kernels.index_add(3, 4, [0, 0], slice(0, 4), a[:2])
    assert a.tolist() == r


# ---------------------------------------------------------------------------------------------
# List2D and Matrix on array backends
# ---------------------------------------------------------------------------------------------


@needs_numpy
@pytest.mark.parametrize("kernels", array_backends(), ids=lambda k: k.name)
def test_list2d_interface_is_the_same(kernels: Any) -> None:
    backend.use(kernels)
    m = List2D(2, 3, 0.5)
    assert m.backend == kernels.name and m.shape == (2, 3)
    assert m.vals[1][2] == 0.5 and m.tolist() == [[0.5] * 3] * 2
    assert str(m.vals.dtype) == "float64"
    assert all(
        str(x.vals.dtype) == "float64"
        for x in (
            List2D.from_2d_list([[1, 2]]),
            List2D.eye(2),
            List2D.randn(2, 2),
            List2D.rand(2, 2),
            List2D.full(1, 1, 3),
            List2D.zeros(2, 2).argmax(0),
        )
    )
    assert type(m.item() if m.shape == (1, 1) else m.sum().item()) is float
    saved = m.T  # may share memory with m
    version = m.version
    m[0, 1] = 9.0
    m[1] = List2D.from_2d_list([[5.0, 6.0, 7.0]])
    assert m.tolist() == [[0.5, 9.0, 0.5], [5.0, 6.0, 7.0]] and m.version == version + 2
    assert saved.tolist() == [[0.5, 0.5]] * 3  # in-place writes never reach shared arrays
    m.fill_(2.0)
    assert m.tolist() == [[2.0] * 3] * 2 and saved.tolist() == [[0.5, 0.5]] * 3
    assert repr(List2D.from_2d_list([[1.0]])) == "List2D([[1.0]], shape=(1, 1))"


def mlp_step(seed: int) -> list[list[list[float]]]:
    """One training step of a small MLP built from Matrix ops; returns every value it touches."""
    match.manual_seed(seed)
    x = match.randn(8, 5, requires_grad=False)
    y = match.rand(8, 3, requires_grad=False)
    w1, b1 = match.randn(6, 5), match.randn(1, 6)
    w2, b2 = match.randn(3, 6), match.randn(1, 3)
    h = x.linear(w1, b1).relu()
    out = h.linear(w2, b2)
    loss = ((out - y) ** 2).mean() + out.softmax().max(1).values.sum() * 0.1 + out[[0, 2, 2]].sum()
    loss = loss + (h.sigmoid() * h.tanh()).var() + match.cat([h, out], 1).abs().mean()
    loss.backward()
    params = [w1, b1, w2, b2]
    for p in params:
        p.data = p.data - 0.1 * p.grad
    return [loss.tolist()] + [p.tolist() for p in params] + [p.grad.tolist() for p in params]


@needs_numpy
@pytest.mark.parametrize("kernels", array_backends(), ids=lambda k: k.name)
def test_training_step_agrees_with_pure_python(kernels: Any) -> None:
    backend.use(PY)
    expected = mlp_step(3)
    backend.use(kernels)
    actual = mlp_step(3)
    for k, (a, e) in enumerate(zip(actual, expected)):
        assert_agree(a, e, f"value {k}")


@needs_numpy
def test_fake_cupy_is_its_own_backend() -> None:
    cupy = fake_cupy()
    backend.use(cupy)
    m = match.ones(2, 2)
    assert m.data.backend == "cupy" and accel.current() == "cupy"
    with pytest.raises(RuntimeError, match="'cupy' backend.*'numpy' backend"):
        m + match.ones(2, 2).to_backend("numpy")


def test_every_backend_table_has_exactly_the_contracts_rows() -> None:
    from match.backend import array, python

    assert set(python.UNARY) == set(array.UNARY) == set(backend.UNARY)
    assert set(python.BINARY) | set(python.COMPARISONS) == set(array.BINARY) == set(backend.BINARY)
    for name in backend.UNARY:
        if name != "neg":  # -m is List2D.__neg__
            assert callable(getattr(List2D, name)), f"List2D has no {name} method"


@needs_numpy
@array_kernels
def test_fused_update_kernels_agree_with_python_in_both_forms(kernels: Any) -> None:
    py = PY
    b, c = rows(2, 5, 11), SPECIAL[::-1]  # c holds 0 and -0: IEEE division, no warnings
    calls = {
        "add_scaled": lambda k, a, x, y, in_place: k.add_scaled(a, x, -0.5, in_place),
        "addcmul": lambda k, a, x, y, in_place: k.addcmul(a, x, y, 0.25, in_place),
        "addcdiv": lambda k, a, x, y, in_place: k.addcdiv(a, x, y, -2.0, in_place),
        "lerp-small": lambda k, a, x, y, in_place: k.lerp(a, x, 0.1, in_place),
        "lerp-large": lambda k, a, x, y, in_place: k.lerp(a, x, 0.9, in_place),
        "binary_": lambda k, a, x, y, in_place: k.binary_("div", a, y),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, call in calls.items():
            for in_place in (False, True):
                a_py, a = [list(r) for r in SPECIAL], kernels.from_rows(SPECIAL)
                expected = call(py, a_py, b, c, in_place)
                out = call(kernels, a, kernels.from_rows(b), kernels.from_rows(c), in_place)
                assert_agree(out, expected, f"{name} in_place={in_place}")
                if in_place or name == "binary_":  # written into a, and a returned
                    assert out is a and expected is a_py
                    assert_agree(a, expected, name)
                else:  # a new value; a left alone
                    assert_agree(a, SPECIAL, name)
                    assert_agree(a_py, SPECIAL, name)


def adam_plain(
    p: List2D, g: List2D, m: List2D, v: List2D, v_max: List2D | None, hyper: backend.AdamStep
) -> tuple[List2D, ...]:
    """Adam's step as `match.optim.Adam` writes it, in List2D arithmetic: what the fused `adam`
    kernel must equal, bit for bit. Returns p, m, v, v_max."""
    beta1, beta2, step_size, bias_sqrt, eps = hyper
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    if v_max is None:
        return p - step_size * m / (v.sqrt() / bias_sqrt + eps), m, v, None
    v_max = v_max.maximum(v)
    return p - step_size * m / (v_max.sqrt() / bias_sqrt + eps), m, v, v_max


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("shape", [(3, 4), (40, 1000), (2, 20000)], ids=str)
@pytest.mark.parametrize("name", ["numpy", "fake cupy"])
def test_fused_adam_kernel_equals_the_plain_formula(
    name: str, shape: tuple[int, int], amsgrad: bool
) -> None:
    """Bit for bit, over several of numpy's cache-sized blocks (40 rows of 1000; rows of 20000,
    longer than a block), with nan and inf in the gradient and eps = 0 so that some
    denominators are 0 (IEEE results, no warnings). The python backend has no fused kernel."""
    if numpy is None:
        pytest.skip("numpy is not installed")
    k = accel.kernels_for("numpy") if name == "numpy" else fake_cupy()
    nrow, ncol = shape
    start = [rows(nrow, ncol, seed) for seed in range(4)]  # p, grad, m, v (v made >= 0 below)
    start[3] = [[abs(x) for x in row] for row in start[3]]
    start[1][0][:4] = [math.nan, math.inf, -math.inf, 0.0]
    start[2][0][3] = start[3][0][3] = 0.0  # m = v = g = 0 and eps = 0: 0 / 0
    for hyper in (
        backend.AdamStep(0.9, 0.999, 1e-3, 0.3, 1e-8),
        backend.AdamStep(0.6, 0.5, 2.0, 1.0, 0.0),
    ):
        fused = [k.from_rows([list(r) for r in values]) for values in start]
        plain = [List2D.wrap(k.from_rows([list(r) for r in values]), k) for values in start]
        v_max = k.from_rows(start[3]) if amsgrad else None
        plain_max = List2D.wrap(k.from_rows(start[3]), k) if amsgrad else None
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            new_p = k.adam(*fused, v_max, hyper)
            expected = adam_plain(*plain, plain_max, hyper)
        assert same_bits(k.to_rows(new_p), expected[0].tolist()), "p"
        assert same_bits(k.to_rows(fused[0]), start[0]), "p (unchanged)"
        for what, i in (("m", 2), ("v", 3)):
            assert same_bits(k.to_rows(fused[i]), expected[i - 1].tolist()), what
        if amsgrad:
            assert same_bits(k.to_rows(v_max), expected[3].tolist()), "v_max"


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_takes_the_same_steps_fused_and_plain(monkeypatch, amsgrad: bool) -> None:
    """The optimizer itself, 5 steps on numpy, with and without the fused kernel."""
    if numpy is None:
        pytest.skip("numpy is not installed")
    results = []
    for fused in (True, False):
        monkeypatch.setattr(List2D, "has_fused_adam", fused)
        with accel.using("numpy"):
            match.manual_seed(0)
            w = match.randn(30, 700)
            opt = match.optim.Adam([w], lr=0.01, amsgrad=amsgrad, weight_decay=0.1)
            for _ in range(5):
                opt.zero_grad()
                ((w * w).sin() * w).sum().backward()
                opt.step()
        results.append(w.tolist())
    assert same_bits(*results)


def same_bits(a: list[list[float]], b: list[list[float]]) -> bool:
    """Equal float for float, nan equal to nan, -0.0 unequal to 0.0."""
    return all(
        (x != x and y != y) or (x == y and math.copysign(1.0, x) == math.copysign(1.0, y))
        for ra, rb in zip(a, b, strict=True)
        for x, y in zip(ra, rb, strict=True)
    )


def test_adam_step_checks_its_operands_by_name() -> None:
    if numpy is None:
        pytest.skip("numpy is not installed")
    with accel.using("numpy"):
        p, g, m, v = (List2D.zeros(2, 3) for _ in range(4))
        wrong = List2D.zeros(3, 2)
    hyper = backend.AdamStep(0.9, 0.999, 1e-3, 0.5, 1e-8)
    with pytest.raises(ValueError, match=r"Adam: expected shape \(2, 3\), got \(3, 2\)"):
        p.adam_step(g, wrong, g, None, hyper)
    with pytest.raises(TypeError, match="Adam: expected a List2D, got list"):
        p.adam_step(g, [[0.0]], g, None, hyper)
    with pytest.raises(TypeError, match="Adam.*eps"):
        p.adam_step(g, g, g, None, backend.AdamStep(0.9, 0.999, 1e-3, 0.5, "x"))
    versions = (m.version, v.version)
    p.adam_step(g, m, v, None, hyper)
    assert (m.version, v.version) == (versions[0] + 1, versions[1] + 1)  # written in place


# -- the pure kernels' fast paths and numpy's quiet errors keep results and behaviour --------


def bits(rows: Any) -> list[list[bytes]]:
    """Each float's 8 bytes, so that -0.0 != 0.0 and nan payloads count."""
    return [[struct.pack("<d", x) for x in row] for row in rows]


def gauss_rows(nrow: int, ncol: int, seed: int) -> list[list[float]]:
    """Gaussian rows with a few special values sprinkled in."""
    rng = random.Random(seed)
    out = [[rng.gauss(0.0, 1.0) for _ in range(ncol)] for _ in range(nrow)]
    out[0][0], out[1][2], out[2][1] = -0.0, math.inf, -1e-300
    return out


@pytest.mark.parametrize("shape", [(3, 4), (130, 127), (200, 90)])
def test_columns_hold_the_same_floats(shape: tuple[int, int]) -> None:
    b = gauss_rows(*shape, seed=1)
    b[-1][-1] = math.nan
    assert bits(pure.columns(b)) == bits(zip(*b))
    fresh = shape[0] * shape[1] >= pure.FRESH_COLUMNS_FROM
    assert all(isinstance(col, list if fresh else tuple) for col in pure.columns(b))


@pytest.mark.parametrize("n", [7, 128, 140])
def test_products_are_bit_identical_to_zip_columns(n: int) -> None:
    kernels = pure.PythonKernels()
    a, b, c = (
        gauss_rows(n, 130, seed=2),
        gauss_rows(130, 64, seed=3),
        gauss_rows(n, 64, seed=4),
    )
    assert bits(kernels.matmul(a, b)) == bits(pure.dot_rows(a, list(zip(*b))))
    assert bits(kernels.t_matmul(a, c)) == bits(pure.dot_rows(zip(*a), list(zip(*c))))


def quiet_kernels_agree(kernels: Any) -> None:
    """log(0), 1/0, 0/0 and overflow give IEEE values, with no warning and the caller's numpy
    error state left as it was."""
    before = numpy.geterr()
    zero = kernels.from_rows([[0.0, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert kernels.unary("log", zero)[0, 0] == -math.inf
        assert kernels.binary("div", 1.0, zero)[0, 0] == math.inf
        assert math.isnan(kernels.binary("div", zero, zero)[0, 0])
        assert kernels.binary("mul", zero, 10.0)[0, 1] == math.inf
    assert numpy.geterr() == before


@needs_numpy
def test_numpy_kernels_are_quiet_and_leave_the_error_state() -> None:
    from match.backend.array import ArrayKernels

    quiet_kernels_agree(ArrayKernels(numpy, "numpy"))
    with numpy.errstate(all="raise"):  # the caller's own setting holds outside the kernels
        quiet_kernels_agree(ArrayKernels(numpy, "numpy"))
        with pytest.raises(FloatingPointError):
            numpy.log(numpy.zeros(1))


@needs_numpy
def test_numpy_kernels_are_quiet_in_every_thread() -> None:
    from match.backend.array import ArrayKernels

    kernels = ArrayKernels(numpy, "numpy")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                quiet_kernels_agree(kernels)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@needs_numpy
def test_per_call_errstate_fallback_is_quiet() -> None:
    """The path for numpy before 2.0 (error state per thread): errstate on each call."""
    from match.backend.array import ArrayKernels, _PerCallErrstate

    kernels = ArrayKernels(numpy, "numpy")
    kernels._quiet = _PerCallErrstate(numpy)
    quiet_kernels_agree(kernels)


@needs_numpy
def test_a_quiet_kernel_may_call_another() -> None:
    """A kernel added later (a fused update, say) may call the others: no context entered twice."""
    from match.backend.array import ArrayKernels, _quiet

    class Fused(ArrayKernels):
        def log_div(self, a: Any, b: Any) -> Any:
            return self.binary("div", self.unary("log", a), b)

    Fused.log_div = _quiet(Fused.log_div)  # type: ignore[method-assign]
    kernels = Fused(numpy, "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = kernels.log_div(kernels.from_rows([[0.0, 1.0]]), 0.0)
    assert out[0, 0] == -math.inf and math.isnan(out[0, 1])
