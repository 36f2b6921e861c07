"""match.nn.init against torch.nn.init: gains and fans exactly, the deterministic fills exactly,
and the random ones by their bounds and spread (the random streams differ, the distributions
must not); the fills and draws row by row, and the layers' own init. Runs on both backends
(`--backend numpy`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import nn
from match.list2d import rng
from match.nn import init
from tests.parity import assert_close

torch = pytest.importorskip("torch")
TI = torch.nn.init

BIG = (300, 200)  # (out_features, in_features): enough values for 1% estimates of the spread


def stats(values: Any) -> tuple[float, float, float]:
    """(mean, std, max |x|) of a Matrix or tensor."""
    flat = [x for row in values.tolist() for x in row]
    mean = math.fsum(flat) / len(flat)
    std = math.sqrt(math.fsum((x - mean) ** 2 for x in flat) / (len(flat) - 1))
    return mean, std, max(abs(x) for x in flat)


def pair(shape: tuple[int, int] = BIG) -> tuple[match.Matrix, Any]:
    match.manual_seed(0)
    torch.manual_seed(0)
    return match.zeros(*shape), torch.zeros(*shape, dtype=torch.float64)


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv1d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("selu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("leaky_relu", 0),
    ],
)
def test_calculate_gain_matches_torch(nonlinearity: str, param: float | None) -> None:
    assert init.calculate_gain(nonlinearity, param) == TI.calculate_gain(nonlinearity, param)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 7), (4, 4)])
def test_fans_match_torch(shape: tuple[int, int]) -> None:
    got = init._calculate_fan_in_and_fan_out(match.zeros(*shape))
    assert got == TI._calculate_fan_in_and_fan_out(torch.zeros(*shape))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_deterministic_fills_equal_torch(shape: tuple[int, int]) -> None:
    m, t = pair(shape)
    assert init.eye_(m) is m
    assert_close(m, TI.eye_(t), what="eye_")
    assert_close(init.constant_(m, -1.5), TI.constant_(t, -1.5), what="constant_")
    assert_close(init.zeros_(m), TI.zeros_(t), what="zeros_")
    assert_close(init.ones_(m), TI.ones_(t), what="ones_")


UNIFORMS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "uniform_": (lambda m: init.uniform_(m, -0.3, 0.7), lambda t: TI.uniform_(t, -0.3, 0.7)),
    "xavier_uniform_": (init.xavier_uniform_, TI.xavier_uniform_),
    "xavier_uniform_-gain": (
        lambda m: init.xavier_uniform_(m, gain=init.calculate_gain("tanh")),
        lambda t: TI.xavier_uniform_(t, gain=TI.calculate_gain("tanh")),
    ),
    "kaiming_uniform_": (init.kaiming_uniform_, TI.kaiming_uniform_),
    "kaiming_uniform_-linear": (
        lambda m: init.kaiming_uniform_(m, a=math.sqrt(5)),
        lambda t: TI.kaiming_uniform_(t, a=math.sqrt(5)),
    ),
    "kaiming_uniform_-fan_out-relu": (
        lambda m: init.kaiming_uniform_(m, mode="fan_out", nonlinearity="relu"),
        lambda t: TI.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
    ),
}
NORMALS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "normal_": (lambda m: init.normal_(m, 0.5, 2.0), lambda t: TI.normal_(t, 0.5, 2.0)),
    "xavier_normal_": (init.xavier_normal_, TI.xavier_normal_),
    "kaiming_normal_": (init.kaiming_normal_, TI.kaiming_normal_),
    "kaiming_normal_-fan_out-tanh": (
        lambda m: init.kaiming_normal_(m, mode="fan_out", nonlinearity="tanh"),
        lambda t: TI.kaiming_normal_(t, mode="fan_out", nonlinearity="tanh"),
    ),
    "kaiming_normal_-leaky": (
        lambda m: init.kaiming_normal_(m, a=0.1, nonlinearity="leaky_relu"),
        lambda t: TI.kaiming_normal_(t, a=0.1, nonlinearity="leaky_relu"),
    ),
    "trunc_normal_": (
        lambda m: init.trunc_normal_(m, 0.1, 0.5, -0.5, 0.6),
        lambda t: TI.trunc_normal_(t, 0.1, 0.5, -0.5, 0.6),
    ),
}


@pytest.mark.parametrize("name", sorted([*UNIFORMS, *NORMALS]))
def test_spread_matches_torch(name: str) -> None:
    m, t = pair()
    fill, fill_t = UNIFORMS.get(name) or NORMALS[name]
    assert fill(m) is m
    fill_t(t)
    mean, std, top = stats(m)
    mean_t, std_t, top_t = stats(t)
    assert std == pytest.approx(std_t, rel=0.02)
    assert abs(mean - mean_t) < 0.02 * std_t
    if name in UNIFORMS:  # both reach (nearly) the same bound and never pass it
        assert top == pytest.approx(top_t, rel=2e-3)


def test_trunc_normal_stays_inside() -> None:
    m = init.trunc_normal_(match.zeros(50, 40), mean=1.0, std=2.0, a=0.5, b=1.2)
    flat = [x for row in m.tolist() for x in row]
    assert min(flat) >= 0.5 and max(flat) <= 1.2
    far = init.trunc_normal_(match.zeros(5, 5), mean=0.0, std=1.0, a=8.0, b=9.0)  # deep tail
    assert all(8.0 <= x <= 9.0 for row in far.tolist() for x in row)


@pytest.mark.parametrize("shape", [(4, 4), (6, 3), (3, 6), (1, 5)])
def test_orthogonal_matches_torch_on_the_same_draws(shape: tuple[int, int]) -> None:
    """The same N(0, 1) draws through torch's recipe (QR, signs of R's diagonal) give our Q."""
    match.manual_seed(5)
    drawn = init.normal_(match.zeros(*shape)).tolist()
    match.manual_seed(5)
    got = init.orthogonal_(match.zeros(*shape), gain=2.0)
    a = torch.tensor(drawn, dtype=torch.float64)
    wide = shape[0] < shape[1]
    q, r = torch.linalg.qr(a.T if wide else a)
    q = q * torch.diagonal(r).sign()
    want = 2.0 * (q.T if wide else q)
    assert_close(got, want, rtol=1e-9, atol=1e-12, what="orthogonal_")
    small = min(shape)
    gram = got @ got.T if wide else got.T @ got
    assert_close(gram, 4.0 * torch.eye(small, dtype=torch.float64), atol=1e-12, what="Q^T Q")


def test_manual_seed_and_generator_repeat() -> None:
    match.manual_seed(1)
    a = init.kaiming_uniform_(match.zeros(3, 4)).tolist()
    match.manual_seed(1)
    assert init.kaiming_uniform_(match.zeros(3, 4)).tolist() == a
    b = init.xavier_normal_(match.zeros(3, 4), generator=random.Random(2)).tolist()
    assert init.xavier_normal_(match.zeros(3, 4), generator=random.Random(2)).tolist() == b


def test_init_works_on_parameters_of_a_model() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))

    def reset(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            init.xavier_uniform_(m.weight, gain=init.calculate_gain("tanh"))
            init.zeros_(m.bias)

    model.apply(reset)
    assert model[0].bias.tolist() == [[0.0] * 3]
    assert model[0].weight.requires_grad and model[0].weight.is_leaf
    model(match.ones(2, 4)).sum().backward()  # still trains
    assert model[0].weight.grad is not None


Z = match.zeros(2, 2)
BAD: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("gain-unknown", lambda: init.calculate_gain("swish"), ValueError, "calculate_gain"),
    ("gain-slope", lambda: init.calculate_gain("leaky_relu", "a"), ValueError, "calculate_gain"),
    ("kaiming-mode", lambda: init.kaiming_uniform_(Z, mode="x"), ValueError, "kaiming_uniform_"),
    (
        "kaiming-nonlinearity",
        lambda: init.kaiming_normal_(Z, nonlinearity="x"),
        ValueError,
        "calculate_gain",
    ),
    ("xavier-list", lambda: init.xavier_uniform_([[1.0]]), TypeError, "xavier_uniform_"),
    ("xavier-gain", lambda: init.xavier_normal_(Z, gain="a"), TypeError, "xavier_normal_"),
    ("eye-list", lambda: init.eye_([[1.0]]), TypeError, "eye_"),
    ("orthogonal-list", lambda: init.orthogonal_(3), TypeError, "orthogonal_"),
    ("trunc-std", lambda: init.trunc_normal_(Z, std=0.0), ValueError, "trunc_normal_"),
    ("trunc-range", lambda: init.trunc_normal_(Z, a=1.0, b=0.0), ValueError, "trunc_normal_"),
    (
        "fans-list",
        lambda: init._calculate_fan_in_and_fan_out([1]),
        TypeError,
        "_calculate_fan_in_and_fan_out",
    ),
]


@pytest.mark.parametrize(("call", "error", "name"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_names_the_call(call: Callable[[], Any], error: type, name: str) -> None:
    with pytest.raises(error, match=name):
        call()


# --- fills, draws row by row, the layers' own init -----------------------------------------------


@pytest.mark.parametrize(("name", "args"), [("zeros_", ()), ("ones_", ()), ("constant_", (-2.5,))])
def test_init_fills_match_torch(name: str, args: tuple) -> None:
    p = match.randn(3, 4)
    data = p.data
    assert getattr(nn.init, name)(p, *args) is p
    assert p.data is data  # in place
    assert_close(p, getattr(torch.nn.init, name)(torch.empty(3, 4, dtype=torch.float64), *args))


@pytest.mark.parametrize(
    ("name", "args", "draw"),
    [
        ("uniform_", (-0.5, 2.0), lambda r: r.uniform(-0.5, 2.0)),
        ("normal_", (1.0, 3.0), lambda r: r.gauss(1.0, 3.0)),
    ],
)
def test_init_random_draws_row_by_row(name: str, args: tuple, draw: object) -> None:
    fill = getattr(nn.init, name)
    p = match.zeros(3, 4)
    assert fill(p, *args, generator=random.Random(5)) is p
    r = random.Random(5)
    assert p.tolist() == [[draw(r) for _ in range(4)] for _ in range(3)]
    match.manual_seed(7)
    fill(p, *args)
    match.manual_seed(7)
    r = rng()
    assert p.tolist() == [[draw(r) for _ in range(4)] for _ in range(3)]


def test_init_random_moments() -> None:
    match.manual_seed(0)
    u = nn.init.uniform_(match.zeros(100, 100), -1.0, 3.0)
    assert u.min().item() >= -1.0 and u.max().item() < 3.0
    assert u.mean().item() == pytest.approx(1.0, abs=0.05)
    n = nn.init.normal_(match.zeros(100, 100), 2.0, 0.5)
    assert n.mean().item() == pytest.approx(2.0, abs=0.02)
    assert n.var().item() ** 0.5 == pytest.approx(0.5, abs=0.02)


def test_init_layers_draw_what_torch_style_init_gives() -> None:
    # Linear(3, 2) draws its weight, then its bias, from uniform(-1/sqrt(3), 1/sqrt(3)).
    match.manual_seed(4)
    layer = nn.Linear(3, 2)
    bound = 1.0 / math.sqrt(3)
    match.manual_seed(4)
    w = nn.init.uniform_(match.zeros(2, 3), -bound, bound)
    b = nn.init.uniform_(match.zeros(1, 2), -bound, bound)
    assert layer.weight.tolist() == w.tolist() and layer.bias.tolist() == b.tolist()


def test_init_errors() -> None:
    with pytest.raises(ValueError, match="uniform_: expected a <= b"):
        nn.init.uniform_(match.zeros(1, 1), 1.0, 0.0)
    with pytest.raises(ValueError, match="normal_: std must be at least 0"):
        nn.init.normal_(match.zeros(1, 1), 0.0, -1.0)
    with pytest.raises(TypeError, match="constant_: expected a Matrix, got list"):
        nn.init.constant_([[0.0]], 1.0)
