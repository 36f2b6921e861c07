"""match.gradcheck: every op's backward and every function of match.nn.functional agree with
finite differences (guards find the ones with no case here); wrong backwards are caught."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

import match
from match import Function, GradcheckError, Matrix, gradcheck, mat

# Fixed inputs away from kinks: no zeros (abs, relu, clamp), no ties (max, min, maximum).
A = [[0.3, -1.2, 0.7], [1.5, -0.4, -0.9]]  # (2, 3), mixed signs
B = [[-0.6, 0.8, 1.1], [0.2, -1.3, 0.45]]  # (2, 3)
P = [[0.5, 1.7, 0.9], [2.2, 1.3, 0.35]]  # (2, 3), positive
ROW = [[0.25, -0.75, 1.35]]  # (1, 3)
COL = [[0.6], [-1.1]]  # (2, 1)
SQ = [[0.4, -0.3, 0.8], [1.2, 0.5, -0.7], [-0.2, 0.9, 0.1]]  # (3, 3)
W = [[0.3, -0.5, 0.8], [-0.1, 0.6, 0.2], [0.7, 0.4, -0.9], [0.05, -0.35, 0.55]]  # (4, 3)
BIAS = [[0.1, -0.2, 0.3, 0.4]]  # (1, 4)


def m(values: list[list[float]]) -> Matrix:
    return mat(values)


UNARY = {
    "neg": lambda a: -a,
    "transpose": lambda a: a.T,
    "exp": lambda a: a.exp(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(0.1),
    "abs": lambda a: a.abs(),
    "softplus": lambda a: a.softplus(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "erf": lambda a: a.erf(),
    "clamp": lambda a: a.clamp(-1.0, 1.0),
    "clamp_min": lambda a: a.clamp(min=-0.5),
    "clamp_max": lambda a: a.clamp(max=0.5),
    "sum": lambda a: a.sum(),
    "sum0": lambda a: a.sum(0),
    "sum1": lambda a: a.sum(1),
    "mean": lambda a: a.mean(),
    "mean0": lambda a: a.mean(0),
    "mean1": lambda a: a.mean(1),
    "max": lambda a: a.max(),
    "max0": lambda a: a.max(0).values,
    "max1": lambda a: a.max(1).values,
    "min": lambda a: a.min(),
    "min0": lambda a: a.min(0).values,
    "min1": lambda a: a.min(1).values,
    "var": lambda a: a.var(),
    "var0": lambda a: a.var(0),
    "var1": lambda a: a.var(1),
    "var_biased": lambda a: a.var(1, correction=0),
    "softmax0": lambda a: a.softmax(0),
    "softmax1": lambda a: a.softmax(1),
    "log_softmax0": lambda a: a.log_softmax(0),
    "log_softmax1": lambda a: a.log_softmax(1),
    "reshape": lambda a: a.reshape(3, 2),
    "reshape_flat": lambda a: a.reshape(1, -1),
    "index_row": lambda a: a[1],
    "index_element": lambda a: a[1, 2],
    "index_rows_slice": lambda a: a[0:1],
    "index_column": lambda a: a[:, 1],
    "index_block": lambda a: a[:, 1:3],
    "index_gather": lambda a: a[[1, 0, 1]],
    "index_negative": lambda a: a[-1],
    "add_number": lambda a: a + 2.5,
    "radd_number": lambda a: 2.5 + a,
    "sub_number": lambda a: a - 2.5,
    "rsub_number": lambda a: 2.5 - a,
    "mul_number": lambda a: a * -1.5,
    "rmul_number": lambda a: -1.5 * a,
    "div_number": lambda a: a / 4.0,
    "pow_number": lambda a: a**3,
    "maximum_number": lambda a: match.maximum(a, 0.1),
    "minimum_number": lambda a: match.minimum(a, 0.1),
    # torch's names, composed of the ops above (torch_surface.py, functions.py)
    "topk1": lambda a: a.topk(2, 1).values,
    "topk0_smallest": lambda a: a.topk(1, 0, largest=False).values,
    "sort1": lambda a: a.sort(1).values * m(B),
    "sort0_descending": lambda a: a.sort(0, descending=True).values * m(B),
    "cumsum0": lambda a: a.cumsum(0),
    "cumsum1": lambda a: a.cumsum(1),
    "std": lambda a: a.std(),
    "std1_biased": lambda a: a.std(1, unbiased=False),
    "norm": lambda a: a.norm(),
    "norm1_p3": lambda a: a.norm(3, dim=1),
    "norm0_p1": lambda a: a.norm(1, dim=0),
    "split1": lambda a: a.split([1, 2], dim=1)[1],
    "chunk0": lambda a: a.chunk(2, 0)[0],
    "squeeze_column": lambda a: a[:, 1:2].squeeze(1),
    "unsqueeze_row": lambda a: a[0].unsqueeze(1),
    "expand": lambda a: a[0].expand(3, -1),
    "logsumexp1": lambda a: match.logsumexp(a, 1),
}

POSITIVE = {
    "log": lambda a: a.log(),
    "sqrt": lambda a: a.sqrt(),
    "log1p": lambda a: a.log1p(),
    "pow_fraction": lambda a: a**1.5,
    "pow_negative": lambda a: a**-2.0,
    "rdiv_number": lambda a: 3.0 / a,
    "rpow_number_base": lambda a: 2.0**a,
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": lambda a, b: match.maximum(a, b),
    "minimum": lambda a, b: match.minimum(a, b),
    "cat0": lambda a, b: match.cat([a, b], 0),
    "cat1": lambda a, b: match.cat([a, b], 1),
    "cat_three": lambda a, b: match.cat([a, b, a], 1),
    "matmul_t": lambda a, b: a @ b.T,
    "chain": lambda a, b: ((a * b).tanh() @ a.T).sum(1).softmax(0),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_ops(name: str) -> None:
    assert gradcheck(UNARY[name], m(A), raise_exception=True)


@pytest.mark.parametrize("name", sorted(POSITIVE))
def test_ops_on_positive_inputs(name: str) -> None:
    assert gradcheck(POSITIVE[name], m(P), raise_exception=True)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_ops(name: str) -> None:
    fn = BINARY[name]
    b = m(P) if name == "div" else m(B)
    assert gradcheck(fn, m(A), b, raise_exception=True)


def test_pow_with_matrix_exponent() -> None:
    assert gradcheck(lambda a, b: a**b, m(P), m(B), raise_exception=True)


def test_matmul_and_square() -> None:
    assert gradcheck(lambda a, b: a @ b, m(A), m(SQ), raise_exception=True)
    assert gradcheck(lambda a: a @ a, m(SQ), raise_exception=True)


@pytest.mark.parametrize("with_bias", [False, True])
def test_linear(with_bias: bool) -> None:
    if with_bias:
        assert gradcheck(lambda x, w, b: x.linear(w, b), m(A), m(W), m(BIAS), raise_exception=True)
    else:
        assert gradcheck(lambda x, w: x.linear(w), m(A), m(W), raise_exception=True)


BROADCAST = {
    "row_add": (lambda a, r: a + r, ROW),
    "row_sub": (lambda a, r: r - a, ROW),
    "row_mul": (lambda a, r: a * r, ROW),
    "row_div": (lambda a, r: a / (r * r + 1.0), ROW),
    "col_add": (lambda a, c: a + c, COL),
    "col_mul": (lambda a, c: a * c, COL),
    "col_div": (lambda a, c: c / (a * a + 1.0), COL),
    "col_maximum": (lambda a, c: match.maximum(a, c), COL),
    "scalar_matrix": (lambda a, s: a * s - s, [[0.7]]),
    "row_times_col": (lambda r, c: r * c, COL),  # (1, 3) * (2, 1) -> (2, 3)
}


@pytest.mark.parametrize("name", sorted(BROADCAST))
def test_broadcasting(name: str) -> None:
    fn, other = BROADCAST[name]
    first = m(ROW) if name == "row_times_col" else m(A)
    assert gradcheck(fn, first, m(other), raise_exception=True)


def test_constant_inputs_pass_through() -> None:
    const = mat(B, requires_grad=False)
    assert gradcheck(lambda a, c, k: (a * c) ** k, m(A), const, 2, raise_exception=True)


def test_inputs_are_not_changed() -> None:
    a = m(A)
    gradcheck(lambda x: x.exp(), a)
    assert a.tolist() == A
    assert a._grad is None


# -- losses (match.nn.functional, where present) -------------------------------------------------

PROB = [[0.2, 0.7, 0.4], [0.9, 0.35, 0.6]]  # in (0, 1)
TARGET01 = [[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]]
LOSSES = {
    "mse_loss": lambda F, a: F.mse_loss(a, mat(B, requires_grad=False)),
    "l1_loss": lambda F, a: F.l1_loss(a, mat(B, requires_grad=False)),
    "huber_loss": lambda F, a: F.huber_loss(a, mat(B, requires_grad=False), delta=0.5),
    "smooth_l1_loss": lambda F, a: F.smooth_l1_loss(a, mat(B, requires_grad=False), beta=0.5),
    "binary_cross_entropy": lambda F, a: F.binary_cross_entropy(
        a.sigmoid(), mat(TARGET01, requires_grad=False)
    ),
    "binary_cross_entropy_with_logits": lambda F, a: F.binary_cross_entropy_with_logits(
        a, mat(TARGET01, requires_grad=False)
    ),
    "nll_loss": lambda F, a: F.nll_loss(a.log_softmax(1), [2, 0]),
    "cross_entropy": lambda F, a: F.cross_entropy(a, [2, 0]),
    "cross_entropy_sum": lambda F, a: F.cross_entropy(a, [1, 2], reduction="sum"),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses(name: str) -> None:
    functional = pytest.importorskip("match.nn.functional")
    if not hasattr(functional, name.removesuffix("_sum")):
        pytest.skip(f"match.nn.functional has no {name}")
    assert gradcheck(lambda a: LOSSES[name](functional, a), m(A), raise_exception=True)


# -- the rest of match.nn.functional: activations, distances and the other losses ---------------

LABELS = [1, -1]  # one label (1 or -1) per row of A
SIGNS = [[1.0, -1.0, 1.0], [-1.0, 1.0, 1.0]]
SHIFT = [[0.1, -0.2, 0.3]]  # (1, 3)


def _const(values: list[list[float]]) -> Matrix:
    return mat(values, requires_grad=False)


# name -> (function of the inputs, the inputs): every input takes a gradient
FUNCTIONAL: dict[str, tuple[Any, list[list[list[float]]]]] = {
    # match/nn/activation_functional.py
    "gelu": (lambda F, a: F.gelu(a), [A]),
    "silu": (lambda F, a: F.silu(a), [A]),
    "elu": (lambda F, a: F.elu(a, alpha=0.7), [A]),
    "softplus": (lambda F, a: F.softplus(a, beta=2.0), [A]),
    "mish": (lambda F, a: F.mish(a), [A]),
    "hardtanh": (lambda F, a: F.hardtanh(a), [A]),
    "relu6": (lambda F, a: F.relu6(a), [A]),
    "softsign": (lambda F, a: F.softsign(a), [A]),
    "hardsigmoid": (lambda F, a: F.hardsigmoid(a), [A]),
    "hardswish": (lambda F, a: F.hardswish(a), [A]),
    "prelu": (lambda F, a, w: F.prelu(a, w), [A, ROW]),
    "relu": (lambda F, a: F.relu(a), [A]),
    "leaky_relu": (lambda F, a: F.leaky_relu(a, 0.2), [A]),
    "sigmoid": (lambda F, a: F.sigmoid(a), [A]),
    "logsigmoid": (lambda F, a: F.logsigmoid(a), [A]),
    "tanh": (lambda F, a: F.tanh(a), [A]),
    "softmax": (lambda F, a: F.softmax(a, dim=1), [A]),
    "log_softmax": (lambda F, a: F.log_softmax(a, dim=0), [A]),
    "linear": (lambda F, a, w, b: F.linear(a, w, b), [A, W, BIAS]),
    "layer_norm": (lambda F, a, w, b: F.layer_norm(a, 3, w, b), [A, ROW, SHIFT]),
    # match/nn/loss_functions.py (the losses of LOSSES above are not repeated)
    "kl_div": (
        lambda F, a: F.kl_div(a.log_softmax(1), _const(PROB), reduction="batchmean"),
        [A],
    ),
    "poisson_nll_loss": (lambda F, a: F.poisson_nll_loss(a, _const(P), full=True), [A]),
    "gaussian_nll_loss": (lambda F, a, v: F.gaussian_nll_loss(a, _const(B), v), [A, P]),
    "normalize": (lambda F, a: F.normalize(a, p=3.0, dim=1), [A]),
    "cosine_similarity": (lambda F, a, b: F.cosine_similarity(a, b), [A, B]),
    "pairwise_distance": (lambda F, a, b: F.pairwise_distance(a, b), [A, B]),
    "cosine_embedding_loss": (lambda F, a, b: F.cosine_embedding_loss(a, b, LABELS), [A, B]),
    "margin_ranking_loss": (
        lambda F, a, b: F.margin_ranking_loss(a, b, LABELS, margin=0.1),
        [A, B],
    ),
    "hinge_embedding_loss": (lambda F, a: F.hinge_embedding_loss(a, LABELS), [A]),
    "soft_margin_loss": (lambda F, a: F.soft_margin_loss(a, _const(SIGNS)), [A]),
}
NOT_DIFFERENTIABLE = {"one_hot"}  # class indices in, a constant out


@pytest.mark.parametrize("name", sorted(FUNCTIONAL))
def test_functional(name: str) -> None:
    import match.nn.functional as functional

    fn, inputs = FUNCTIONAL[name]
    assert gradcheck(lambda *xs: fn(functional, *xs), *[m(v) for v in inputs], raise_exception=True)


# -- every op is covered --------------------------------------------------------------------------


# Ops whose gradcheck lives in another file, with the test that does it.
GRADCHECKED_ELSEWHERE = {
    "checkpoint": "tests/test_function.py::test_checkpoint_gradcheck_and_errors"
}


def _ops_in_source() -> set[str]:
    """Op names given to _result(...) as literals in any module of the library (matrix.py,
    nn/loss_functions.py, tools/function.py ...), plus the computed ones."""
    names = {"max", "min", "maximum", "minimum"}  # _result(op, ...) with op computed
    for path in Path(match.__file__).parent.rglob("*.py"):
        names |= set(re.findall(r'_result\(\s*"(\w+)"', path.read_text()))
    return names - set(GRADCHECKED_ELSEWHERE)


def _functions_in_source() -> set[str]:
    """The public functions that match.nn.functional takes from the modules defining them."""
    import match.nn.functional as functional

    root = Path(match.__file__).parent / "nn"
    names: set[str] = set()
    for path in (root / "activation_functional.py", root / "loss_functions.py"):
        tree = ast.parse(path.read_text())
        names |= {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    return (names & set(functional.__all__)) - NOT_DIFFERENTIABLE


def _ops_exercised() -> set[str]:
    from match.tools.gradcheck import _ops

    seen: set[str] = set()
    for fn in UNARY.values():
        seen |= set(_ops(fn(m(A))))
    for fn in POSITIVE.values():
        seen |= set(_ops(fn(m(P))))
    for fn in BINARY.values():
        seen |= set(_ops(fn(m(A), m(B))))
    for fn, other in BROADCAST.values():
        seen |= set(_ops(fn(m(A), m(other))))
    seen |= set(_ops(m(A) @ m(SQ))) | set(_ops(m(A).linear(m(W), m(BIAS))))
    try:
        import match.nn.functional as functional
    except ImportError:
        return seen
    for name, fn in LOSSES.items():
        if hasattr(functional, name.removesuffix("_sum")):
            seen |= set(_ops(fn(functional, m(A))))
    return seen


def test_every_op_in_the_library_is_gradchecked() -> None:
    missing = _ops_in_source() - _ops_exercised()
    assert not missing, f"add gradcheck cases for: {sorted(missing)}"


def test_every_function_of_nn_functional_is_gradchecked() -> None:
    covered = {name.removesuffix("_sum") for name in LOSSES} | set(FUNCTIONAL)
    missing = _functions_in_source() - covered
    assert not missing, f"add FUNCTIONAL (or LOSSES) cases for: {sorted(missing)}"


# -- catching mistakes --------------------------------------------------------------------------


class WrongSquare(Function):
    """x^2 with a deliberately wrong backward (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x


def test_wrong_backward_returns_false_and_warns() -> None:
    with pytest.warns(UserWarning, match=r"input 0 \(shape \(2, 3\)\).*element"):
        assert gradcheck(WrongSquare.apply, m(A)) is False


def test_wrong_backward_raises_with_details() -> None:
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda a, b: WrongSquare.apply(a) + b, m(B), m(A), raise_exception=True)
    text = str(info.value)
    assert "input 0" in text and "6 of 12 elements" in text and "WrongSquare" in text
    assert isinstance(info.value, RuntimeError)


def test_second_input_reported() -> None:
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(lambda a, b: a + WrongSquare.apply(b), m(A), m(B), raise_exception=True)


def test_softmax_mistake_is_caught_thanks_to_weighting() -> None:
    class BadSoftmax(Function):
        @staticmethod
        def forward(ctx, x):
            out = x.softmax(1)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, g):
            (s,) = ctx.saved_tensors
            return g * s * (1.0 - s)  # only the diagonal of the Jacobian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert gradcheck(BadSoftmax.apply, m(A)) is False


def test_correct_function_passes_silently() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda a: (a * a).sum(), m(A)) is True


def test_needs_a_matrix_requiring_grad() -> None:
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda a: a * 2, mat(A, requires_grad=False))


def test_fn_must_return_matrix() -> None:
    with pytest.raises(TypeError, match="must return a Matrix"):
        gradcheck(lambda a: 1.0, m(A))
