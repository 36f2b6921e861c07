"""The match.nn package: its import paths, nn.functional.one_hot and nn.init, against torch."""

from __future__ import annotations

import importlib
import math
import random

import pytest

import match
from match import nn
from match.list2d import rng
from tests.parity import assert_close

torch = pytest.importorskip("torch")


def test_import_paths() -> None:
    F = importlib.import_module("match.nn.functional")
    assert nn.functional is F and F.cross_entropy is nn.functional.cross_entropy
    assert nn.utils is importlib.import_module("match.nn.utils")
    assert nn.init is importlib.import_module("match.nn.init")
    from match.nn.utils import clip_grad_norm_

    assert clip_grad_norm_ is nn.utils.clip_grad_norm_ is nn.clip_grad_norm_
    for name in nn.__all__:
        assert getattr(nn, name) is not None, name


# --------------------------------------------------------------------------------------
# nn.functional.one_hot
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("indices", "num_classes"), [([2, 0, 1, 2], -1), ([0, 3], 5), ([0], -1)])
def test_one_hot_matches_torch(indices: list[int], num_classes: int) -> None:
    got = nn.functional.one_hot(indices, num_classes)
    want = torch.nn.functional.one_hot(torch.tensor(indices), num_classes).double()
    assert_close(got, want, what="one_hot")
    assert got.requires_grad is False
    column = match.mat([[float(i)] for i in indices], requires_grad=False)
    assert nn.functional.one_hot(column, num_classes).tolist() == got.tolist()


@pytest.mark.parametrize(
    ("indices", "num_classes", "error", "message"),
    [
        ([3], 3, ValueError, r"one_hot: label 3 is outside 0 \.\. 2"),
        ([1, -1], -1, ValueError, r"one_hot: label -1 is outside"),
        ([1.5], -1, TypeError, r"one_hot: indices must be ints, got 1\.5"),
        ([1.0], -1, TypeError, r"one_hot: indices must be ints"),
        ([True], -1, TypeError, r"one_hot: indices must be ints"),
        ([], -1, ValueError, r"one_hot: indices is empty"),
        ([1], 0, ValueError, r"one_hot: num_classes must be -1 or at least 1"),
        ([1], 2.0, TypeError, r"one_hot: num_classes must be an int"),
        ("12", -1, TypeError, r"one_hot: indices must be a list"),
    ],
)
def test_one_hot_errors(indices: object, num_classes: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        nn.functional.one_hot(indices, num_classes)


def test_one_hot_matrix_entries_must_be_whole() -> None:
    with pytest.raises(TypeError, match="one_hot: indices must be ints, got 0.5"):
        nn.functional.one_hot(match.mat([[0.5]]))
    with pytest.raises(ValueError, match=r"one_hot: indices must be an \(N, 1\) matrix"):
        nn.functional.one_hot(match.mat([[0.0, 1.0]]))


# --------------------------------------------------------------------------------------
# nn.init
# --------------------------------------------------------------------------------------


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
