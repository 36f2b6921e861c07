"""match.nn's activations (activation.py, activation_functional.py) against torch float64:
values and gradients of every function and Module (the original ReLU, Sigmoid, Tanh, Softmax
and LogSoftmax too), reprs, and named errors for bad input.

Run on both backends: `pytest tests/test_activations.py` and `... --backend numpy`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import match
import match.nn.functional as F
from match import nn
from tests.parity import assert_close, check_against_torch, check_module, random_rows, tensor

torch = pytest.importorskip("torch")
TF = torch.nn.functional

# Away from every kink (0, +-1, +-3, 6) so that no test depends on a one-sided derivative ...
X = [
    [-7.5, -4.2, -2.6, -1.3, -0.45, 0.2, 0.8, 1.4],
    [2.2, 3.5, 7.1, -0.05, 0.07, 25.0, -30.0, 4.9],
]
# ... and exactly on them, where Match must give torch's choice of derivative too
KINKS = [[-3.0, -1.0, 0.0, 1.0, 3.0, 6.0, -0.0, 20.0]]

# name -> (match function, torch function); each is called on one input
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "gelu": (F.gelu, TF.gelu),
    "gelu-tanh": (
        lambda x: F.gelu(x, approximate="tanh"),
        lambda t: TF.gelu(t, approximate="tanh"),
    ),
    "silu": (F.silu, TF.silu),
    "elu": (F.elu, TF.elu),
    "elu-alpha": (lambda x: F.elu(x, alpha=0.3), lambda t: TF.elu(t, alpha=0.3)),
    "softplus": (F.softplus, TF.softplus),
    "softplus-beta": (
        lambda x: F.softplus(x, beta=2.0, threshold=5.0),
        lambda t: TF.softplus(t, beta=2.0, threshold=5.0),
    ),
    "mish": (F.mish, TF.mish),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "hardtanh-range": (
        lambda x: F.hardtanh(x, min_val=-3.0, max_val=6.0),
        lambda t: TF.hardtanh(t, min_val=-3.0, max_val=6.0),
    ),
    "relu6": (F.relu6, TF.relu6),
    "softsign": (F.softsign, TF.softsign),
    "hardsigmoid": (F.hardsigmoid, TF.hardsigmoid),
    "hardswish": (F.hardswish, TF.hardswish),
    "relu": (F.relu, TF.relu),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda t: TF.leaky_relu(t, 0.2)),
    "sigmoid": (F.sigmoid, torch.sigmoid),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "tanh": (F.tanh, torch.tanh),
    "softmax": (lambda x: F.softmax(x, dim=1), lambda t: TF.softmax(t, dim=1)),
    "softmax-dim0": (lambda x: F.softmax(x, dim=0), lambda t: TF.softmax(t, dim=0)),
    "softmax-implicit": (F.softmax, lambda t: TF.softmax(t, dim=1)),
    "log_softmax": (lambda x: F.log_softmax(x, dim=1), lambda t: TF.log_softmax(t, dim=1)),
    "log_softmax-dim0": (lambda x: F.log_softmax(x, 0), lambda t: TF.log_softmax(t, 0)),
}
# (name, Module, torch Module) for every new activation class
MODULES: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
    ("GELU", nn.GELU, torch.nn.GELU),
    ("GELU-tanh", lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    ("SiLU", nn.SiLU, torch.nn.SiLU),
    ("ELU", lambda: nn.ELU(alpha=0.7), lambda: torch.nn.ELU(alpha=0.7)),
    ("Softplus", lambda: nn.Softplus(0.5, 3.0), lambda: torch.nn.Softplus(0.5, 3.0)),
    ("Mish", nn.Mish, torch.nn.Mish),
    ("Hardtanh", lambda: nn.Hardtanh(-2.0, 0.5), lambda: torch.nn.Hardtanh(-2.0, 0.5)),
    ("ReLU6", nn.ReLU6, torch.nn.ReLU6),
    ("Softsign", nn.Softsign, torch.nn.Softsign),
    ("Hardsigmoid", nn.Hardsigmoid, torch.nn.Hardsigmoid),
    ("Hardswish", nn.Hardswish, torch.nn.Hardswish),
    ("PReLU", nn.PReLU, torch.nn.PReLU),
    ("LogSigmoid", nn.LogSigmoid, torch.nn.LogSigmoid),
]


@pytest.mark.parametrize("name", sorted(UNARY))
def test_functions_match_torch(name: str) -> None:
    match_fn, torch_fn = UNARY[name]
    check_against_torch(match_fn, torch_fn, X, what=name)
    check_against_torch(match_fn, torch_fn, random_rows(3, 4, seed=7, low=-5, high=5), what=name)


@pytest.mark.parametrize("name", sorted(n for n in UNARY if "softmax" not in n))
def test_functions_match_torch_on_the_kinks(name: str) -> None:
    match_fn, torch_fn = UNARY[name]
    check_against_torch(match_fn, torch_fn, KINKS, what=f"{name} at kinks")


@pytest.mark.parametrize("name", sorted(n for n in UNARY if "softmax" not in n))
def test_huge_inputs_give_finite_gradients(name: str) -> None:
    """Branches that `where` does not take must not turn the gradient into nan."""
    match_fn, torch_fn = UNARY[name]
    check_against_torch(match_fn, torch_fn, [[-800.0, -40.0, 40.0, 800.0]], what=name)


@pytest.mark.parametrize(("name", "make", "make_torch"), MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(name: str, make: Callable[[], Any], make_torch: Any) -> None:
    layer, torch_layer = make(), make_torch().double()
    assert repr(layer) == repr(torch_layer)
    x, t = match.mat(X), tensor(X)
    out, out_t = layer(x), torch_layer(t)
    assert_close(out, out_t, what=f"{name} value")
    upstream = random_rows(*out.shape, seed=3)
    out.backward(match.mat(upstream, requires_grad=False))
    out_t.backward(tensor(upstream, requires_grad=False))
    assert_close(x.grad, t.grad, what=f"{name} input grad")
    for (pname, p), (tname, tp) in zip(layer.named_parameters(), torch_layer.named_parameters()):
        assert pname == tname
        assert_close(p, tp, what=f"{name}.{pname}")
        assert_close(p.grad, tp.grad, what=f"{name}.{pname} grad")


def test_prelu_one_slope_per_column() -> None:
    layer, torch_layer = nn.PReLU(num_parameters=8, init=0.1), torch.nn.PReLU(8, 0.1).double()
    with match.no_grad():
        layer.weight.uniform_(-1.0, 1.0)
    torch_layer.weight.data = tensor(layer.weight.tolist()).reshape(-1)
    x, t = match.mat(X), tensor(X)
    layer(x).sum().backward()
    torch_layer(t).sum().backward()
    assert_close(x.grad, t.grad, what="prelu input grad")
    assert_close(layer.weight.grad, torch_layer.weight.grad, what="prelu weight grad")
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.shape == (1, 8)
    assert list(layer.state_dict()) == list(torch_layer.state_dict()) == ["weight"]


def test_prelu_function_with_a_matrix_weight() -> None:
    w = [[0.1, -0.3, 0.5, 0.2, 0.9, -0.4, 0.3, 0.25]]
    check_against_torch(F.prelu, lambda t, wt: TF.prelu(t, wt.reshape(-1)), X, w)
    check_against_torch(F.prelu, lambda t, wt: TF.prelu(t, wt.reshape(-1)), X, [[0.3]])


def test_linear_uses_torch_weight_layout() -> None:
    x, w, b = random_rows(4, 3, 1), random_rows(2, 3, 2), random_rows(1, 2, 3)
    check_against_torch(F.linear, lambda *t: TF.linear(t[0], t[1], t[2].reshape(-1)), x, w, b)
    check_against_torch(F.linear, TF.linear, x, w)


def test_dropout_function() -> None:
    x = match.mat(random_rows(4, 5, 0))
    assert F.dropout(x, 0.5, training=False) is x
    match.manual_seed(3)
    got = F.dropout(x, p=0.4)
    match.manual_seed(3)
    assert got.tolist() == nn.Dropout(0.4)(x).tolist()
    assert F.dropout(x, p=1.0).tolist() == [[0.0] * 5] * 4


def test_gelu_exact_and_tanh_differ_but_both_match_torch() -> None:
    x = match.mat([[1.0]])
    exact, approx = F.gelu(x).item(), F.gelu(x, "tanh").item()
    assert exact != approx and abs(exact - approx) < 1e-3
    assert exact == pytest.approx(TF.gelu(tensor([[1.0]])).item(), rel=1e-15)


def test_functional_has_torch_names() -> None:
    names = "relu leaky_relu gelu silu sigmoid tanh softmax log_softmax dropout linear elu"
    for name in (names + " softplus mish hardtanh prelu relu6 softsign hardswish").split():
        assert callable(getattr(F, name)), name
        assert hasattr(TF, name), name
    assert F.mse_loss is nn.functional.mse_loss  # the losses are still there


M = match.mat([[1.0, 2.0], [3.0, 4.0]])
BAD: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("gelu-approximate", lambda: F.gelu(M, "fast"), ValueError, "gelu"),
    ("GELU-approximate", lambda: nn.GELU("fast"), ValueError, "GELU"),
    ("gelu-list", lambda: F.gelu([[1.0]]), TypeError, "gelu"),
    ("GELU-list", lambda: nn.GELU()([[1.0]]), TypeError, "GELU"),
    ("silu-list", lambda: F.silu([[1.0]]), TypeError, "silu"),
    ("SiLU-list", lambda: nn.SiLU()([[1.0]]), TypeError, "SiLU"),
    ("Mish-list", lambda: nn.Mish()("x"), TypeError, "Mish"),
    ("ELU-alpha", lambda: nn.ELU(alpha="a"), TypeError, "ELU"),
    ("elu-alpha", lambda: F.elu(M, alpha=None), TypeError, "elu"),
    ("Softplus-beta", lambda: nn.Softplus(beta="a"), TypeError, "Softplus"),
    ("Softplus-threshold", lambda: nn.Softplus(threshold=None), TypeError, "Softplus"),
    ("Hardtanh-order", lambda: nn.Hardtanh(2.0, 1.0), ValueError, "Hardtanh"),
    ("hardtanh-order", lambda: F.hardtanh(M, 2.0, 1.0), ValueError, "hardtanh"),
    ("Hardtanh-str", lambda: nn.Hardtanh("a"), TypeError, "Hardtanh"),
    ("ReLU6-list", lambda: nn.ReLU6()([[1.0]]), TypeError, "ReLU6"),
    ("PReLU-zero", lambda: nn.PReLU(0), ValueError, "PReLU"),
    ("PReLU-float", lambda: nn.PReLU(1.5), TypeError, "PReLU"),
    ("PReLU-init", lambda: nn.PReLU(init="a"), TypeError, "PReLU"),
    ("PReLU-columns", lambda: nn.PReLU(3)(M), ValueError, "PReLU"),
    ("prelu-weight-shape", lambda: F.prelu(M, match.ones(1, 3)), ValueError, "prelu"),
    ("prelu-weight-list", lambda: F.prelu(M, [[0.25]]), TypeError, "prelu"),
    ("linear-list", lambda: F.linear([[1.0, 2.0]], M), TypeError, "linear"),
    ("linear-shape", lambda: F.linear(M, match.ones(2, 3)), ValueError, "linear"),
    ("relu-list", lambda: F.relu([[1.0]]), TypeError, "relu"),
    ("softmax-dim", lambda: F.softmax(M, dim=2), ValueError, "softmax"),
    ("leaky_relu-slope", lambda: F.leaky_relu(M, "a"), TypeError, "leaky_relu"),
    ("dropout-p", lambda: F.dropout(M, 1.5), ValueError, "ropout"),
    ("Softsign-list", lambda: nn.Softsign()(3), TypeError, "Softsign"),
    ("Hardswish-list", lambda: nn.Hardswish()(3), TypeError, "Hardswish"),
    ("Hardsigmoid-list", lambda: nn.Hardsigmoid()(3), TypeError, "Hardsigmoid"),
]


@pytest.mark.parametrize(("call", "error", "name"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_call(call: Callable[[], Any], error: type, name: str) -> None:
    with pytest.raises(error, match=name):
        call()


@pytest.mark.parametrize(
    "pair",
    [
        (nn.ReLU(), torch.nn.ReLU()),
        (nn.LeakyReLU(), torch.nn.LeakyReLU()),
        (nn.LeakyReLU(0.3), torch.nn.LeakyReLU(0.3)),
        (nn.Sigmoid(), torch.nn.Sigmoid()),
        (nn.Tanh(), torch.nn.Tanh()),
        (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
        (nn.Softmax(dim=0), torch.nn.Softmax(dim=0)),
        (nn.LogSoftmax(dim=1), torch.nn.LogSoftmax(dim=1)),
        (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
        (nn.Identity(), torch.nn.Identity()),
    ],
    ids=lambda p: repr(p[0]),
)
def test_activations_match_torch(pair: tuple) -> None:
    check_module(pair[0], pair[1], random_rows(4, 5, seed=3), what=repr(pair[0]))


@pytest.mark.parametrize("inplace", [False, True])
def test_inplace_activations_compute_out_of_place(inplace: bool) -> None:
    """`nn.ReLU(inplace=True)` and `nn.LeakyReLU(..., inplace=True)` give torch's result and
    gradient; Match leaves the input as it was (torch overwrites it), so a program that reads
    the input again after the layer would see its old values: the README says so."""
    for make, make_torch in [
        (lambda: nn.ReLU(inplace=inplace), lambda: torch.nn.ReLU(inplace=inplace)),
        (
            lambda: nn.LeakyReLU(0.1, inplace=inplace),
            lambda: torch.nn.LeakyReLU(0.1, inplace=inplace),
        ),
    ]:
        layer, torch_layer = make(), make_torch()
        assert layer.inplace is inplace and repr(layer) == repr(torch_layer)
        check_against_torch(
            lambda x, lay=layer: lay(x * 1.0),
            lambda t, lay=torch_layer: lay(t * 1.0),
            X,
        )
        x = match.mat(X, requires_grad=False)
        layer(x)
        assert x.tolist() == X
    with pytest.raises(TypeError, match="ReLU: inplace must be True or False"):
        nn.ReLU(inplace="yes")
