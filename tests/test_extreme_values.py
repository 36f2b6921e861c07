"""Extreme values and foreign inputs, against torch in float64: zero vectors in normalize and
cosine_similarity, Embedding's padding row under an infinite gradient, Huber and smooth L1
past 1.34e154, cross entropy of logits +-1e308, centered RMSprop with gradients >= 1e200,
LayerNorm of a row whose variance overflows, cross entropy with one class and probabilities;
and numpy scalars and arrays, torch tensors and bools, accepted where torch accepts them."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

import match
from match import nn, optim
from match.nn import functional as F

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")


def T(rows: Any) -> Any:
    return torch.tensor(rows, dtype=torch.float64, requires_grad=True)


def same(ours: Any, theirs: Any) -> None:
    """Equal to torch's to 1e-12, nan where torch has nan."""
    a, b = list(_flat(ours)), list(_flat(theirs))
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert (math.isnan(x) and math.isnan(y)) or x == pytest.approx(y, rel=1e-12, abs=1e-300)


def _flat(value: Any) -> Any:
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flat(v)
    else:
        yield float(value)


WEIGHTS = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_normalize_of_a_zero_row_has_torch_gradient(p: float) -> None:
    x = [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]]
    t = T(x)
    (
        torch.nn.functional.normalize(t, p=p) * torch.tensor(WEIGHTS, dtype=torch.float64)
    ).sum().backward()
    m = match.mat(x)
    (F.normalize(m, p=p) * match.mat(WEIGHTS)).sum().backward()
    same(m.grad, t.grad)
    assert all(math.isfinite(v) for v in _flat(m.grad))


def test_cosine_similarity_of_zero_rows_has_torch_gradient() -> None:
    a, b = [[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], [[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]
    t1, t2 = T(a), T(b)
    torch.nn.functional.cosine_similarity(t1, t2).sum().backward()
    m1, m2 = match.mat(a), match.mat(b)
    F.cosine_similarity(m1, m2).sum().backward()
    same(m1.grad, t1.grad)
    same(m2.grad, t2.grad)


@pytest.mark.parametrize("scale_grad_by_freq", [False, True])
def test_embedding_padding_row_stays_zero_under_an_infinite_gradient(
    scale_grad_by_freq: bool,
) -> None:
    theirs = torch.nn.Embedding(4, 3, padding_idx=0, scale_grad_by_freq=scale_grad_by_freq)
    theirs = theirs.double()
    ours = nn.Embedding(4, 3, padding_idx=0, scale_grad_by_freq=scale_grad_by_freq)
    ours.weight.data.copy_(match.mat(theirs.weight.tolist()).data)
    idx = [0, 1, 2, 0, 1]
    t_opt = torch.optim.SGD(theirs.parameters(), lr=0.1)
    opt = optim.SGD(ours.parameters(), lr=0.1)
    (theirs(torch.tensor(idx)) * 1e308 * 10).sum().backward()
    (ours(idx) * 1e308 * 10).sum().backward()
    t_opt.step()
    opt.step()
    assert ours.weight.tolist()[0] == [0.0, 0.0, 0.0] == theirs.weight.tolist()[0]
    same(ours.weight, theirs.weight)


@pytest.mark.parametrize("d", [1e155, 1e200, 1e300, -1e300])
@pytest.mark.parametrize("name", ["huber_loss", "smooth_l1_loss"])
def test_huber_and_smooth_l1_past_the_square_overflow(d: float, name: str) -> None:
    row = [[d, 0.5, -3.0]]
    t = T(row)
    loss_t = getattr(torch.nn.functional, name)(t, torch.zeros(1, 3, dtype=torch.float64))
    loss_t.backward()
    m = match.mat(row)
    loss = getattr(F, name)(m, match.zeros(1, 3))
    loss.backward()
    same(loss, loss_t)
    same(m.grad, t.grad)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("target", [[0, 1], [1, 0], [0, 0]])
def test_cross_entropy_of_logits_at_the_float_limits(
    target: list[int], label_smoothing: float
) -> None:
    x = [[1e308, -1e308], [-1e308, 1e308]]
    t = T(x)
    loss_t = torch.nn.functional.cross_entropy(
        t, torch.tensor(target), label_smoothing=label_smoothing
    )
    loss_t.backward()
    m = match.mat(x)
    loss = F.cross_entropy(m, target, label_smoothing=label_smoothing)
    loss.backward()
    same(loss, loss_t)
    same(m.grad, t.grad)


def test_nll_loss_with_minus_infinite_log_probabilities() -> None:
    x = [[0.0, -math.inf], [-math.inf, 0.0]]
    t = T(x)
    torch.nn.functional.nll_loss(t, torch.tensor([0, 1])).backward()
    m = match.mat(x)
    F.nll_loss(m, [0, 1]).backward()
    same(m.grad, t.grad)


@pytest.mark.parametrize("momentum", [0.0, 0.5])
@pytest.mark.parametrize("g", [1e200, 1e250, 1e300])
def test_centered_rmsprop_with_huge_gradients(g: float, momentum: float) -> None:
    tp = T([[1.0, 2.0, 3.0]])
    t_opt = torch.optim.RMSprop([tp], lr=0.01, centered=True, momentum=momentum)
    mp = match.mat([[1.0, 2.0, 3.0]])
    opt = optim.RMSprop([mp], lr=0.01, centered=True, momentum=momentum)
    for grad in ([[g, -g, 1.0]], [[1.0, g, -g]], [[0.5, 0.5, 0.5]]):
        tp.grad = torch.tensor(grad, dtype=torch.float64)
        mp.grad = match.mat(grad).data
        t_opt.step()
        opt.step()
        same(mp, tp)


@pytest.mark.parametrize(
    "row", [[1e200, 0.0, 0.0], [1e300, 1e300, -1e300], [1e160, 0.0, 0.0], [1e200, 1e200, 1.1e200]]
)
def test_layer_norm_of_a_row_whose_variance_overflows_is_nan(row: list[float]) -> None:
    theirs = torch.nn.functional.layer_norm(torch.tensor([row], dtype=torch.float64), (3,))
    ours = F.layer_norm(match.mat([row]), 3)
    same(ours, theirs)
    assert all(math.isnan(v) for v in _flat(ours))


def test_layer_norm_of_ordinary_rows_is_unchanged() -> None:
    rows = [[1.0, 2.0, 4.0], [-3.0, 0.5, 0.0]]
    theirs = torch.nn.functional.layer_norm(T(rows), (3,))
    same(F.layer_norm(match.mat(rows), 3), theirs)


@pytest.mark.parametrize("probabilities", [[[1.0], [0.5]], [[0.0], [1.0]]])
def test_cross_entropy_with_one_class_and_probabilities(probabilities: list) -> None:
    x = [[0.3], [0.7]]
    t = T(x)
    loss_t = torch.nn.CrossEntropyLoss()(t, torch.tensor(probabilities, dtype=torch.float64))
    loss_t.backward()
    m = match.mat(x)
    loss = nn.CrossEntropyLoss()(m, match.mat(probabilities, requires_grad=False))
    loss.backward()
    same(loss, loss_t)
    same(m.grad, t.grad)


# -- numpy, torch and bools as inputs ------------------------------------------------------------

i64, f32 = np.int64, np.float32


def M() -> match.Matrix:
    return match.mat([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]])


def result(value: Any) -> Any:
    """What a call gave, comparable: values for matrices, repr for the rest."""
    if isinstance(value, (match.Matrix, match.List2D)):
        return value.tolist()
    if isinstance(value, nn.Module):
        return repr(value)
    return value if isinstance(value, (int, float, list, tuple, type(None))) else type(value)


SEEDED = {"randn", "dropout", "linear", "embedding", "multinomial", "seed"}

# name: (the call with numpy / torch / bool inputs, the same call with plain Python values)
CASES: dict[str, tuple[Callable[[], Any], Callable[[], Any]]] = {
    "mat-np2d": (lambda: match.mat(np.array([[1.0, 2.0]])), lambda: match.mat([[1.0, 2.0]])),
    "mat-np-int": (lambda: match.mat(np.array([[1, 2]])), lambda: match.mat([[1.0, 2.0]])),
    "mat-torch2d": (
        lambda: match.mat(torch.tensor([[1.0, 2.0]], dtype=torch.float64)),
        lambda: match.mat([[1.0, 2.0]]),
    ),
    "tensor-torch32": (
        lambda: match.tensor(torch.tensor([[0.5, 2.0]])),
        lambda: match.tensor([[0.5, 2.0]]),
    ),
    "mat-np1d-is-a-row": (lambda: match.mat(np.array([1.0, 2.0])), lambda: match.mat([[1.0, 2.0]])),
    "mat-list1d-is-a-row": (lambda: match.mat([1.0, 2.0]), lambda: match.mat([[1.0, 2.0]])),
    "mat-list-of-np-scalars": (
        lambda: match.mat(list(np.array([1.0, 2.0]))),
        lambda: match.mat([[1.0, 2.0]]),
    ),
    "mat-number": (lambda: match.mat(np.float64(2.5)), lambda: match.mat([[2.5]])),
    "mat-rows-of-np": (
        lambda: match.mat([np.array([1.0, 2.0]), np.array([3.0, 4.0])]),
        lambda: match.mat([[1.0, 2.0], [3.0, 4.0]]),
    ),
    "mat-np-scalars": (lambda: match.mat([[i64(1), f32(2.5)]]), lambda: match.mat([[1, 2.5]])),
    "mat-bools": (lambda: match.mat([[True, 1.0]]), lambda: match.mat([[1.0, 1.0]])),
    "mat-np-bools": (
        lambda: match.mat(np.array([[True, False]])),
        lambda: match.mat([[1.0, 0.0]]),
    ),
    "add-i64": (lambda: M() + i64(2), lambda: M() + 2),
    "radd-i64": (lambda: i64(2) + M(), lambda: 2 + M()),
    "mul-f32": (lambda: M() * f32(2), lambda: M() * 2.0),
    "rmul-f32": (lambda: f32(2) * M(), lambda: 2.0 * M()),
    "pow-i64": (lambda: M() ** i64(2), lambda: M() ** 2),
    "add-torch0d": (lambda: M() + torch.tensor(2.0), lambda: M() + 2.0),
    "add-np0d": (lambda: M() + np.array(2.0), lambda: M() + 2.0),
    "add-bool": (lambda: M() + True, lambda: M() + 1.0),
    "index-i64": (lambda: M()[i64(1)], lambda: M()[1]),
    "index-list-i64": (lambda: M()[[i64(0), 1]], lambda: M()[[0, 1]]),
    "index-col-i64": (lambda: M()[:, i64(2)], lambda: M()[:, 2]),
    "index-np-array": (lambda: M()[np.array([1, 0])], lambda: M()[[1, 0]]),
    "index-torch-array": (lambda: M()[torch.tensor([1, 0])], lambda: M()[[1, 0]]),
    "zeros-i64": (lambda: match.zeros(i64(2), 3), lambda: match.zeros(2, 3)),
    "randn-i64": (lambda: match.randn(i64(2), i64(3)), lambda: match.randn(2, 3)),
    "full-f32": (lambda: match.full((2, 2), f32(1.5)), lambda: match.full((2, 2), 1.5)),
    "arange-i64": (lambda: match.arange(i64(5)), lambda: match.arange(5)),
    "sum-dim-i64": (lambda: M().sum(dim=i64(1)), lambda: M().sum(dim=1)),
    "softmax-dim-i64": (lambda: M().softmax(dim=i64(1)), lambda: M().softmax(dim=1)),
    "reshape-i64": (lambda: M().reshape(i64(3), -1), lambda: M().reshape(3, -1)),
    "clamp-f32": (lambda: M().clamp(min=f32(0)), lambda: M().clamp(min=0.0)),
    "linear-i64": (lambda: nn.Linear(i64(3), i64(2))(M()), lambda: nn.Linear(3, 2)(M())),
    "embedding-i64": (
        lambda: nn.Embedding(i64(5), 2)([i64(1), i64(2)]),
        lambda: nn.Embedding(5, 2)([1, 2]),
    ),
    "embedding-np": (
        lambda: nn.Embedding(5, 2)(np.array([1, 2])),
        lambda: nn.Embedding(5, 2)([1, 2]),
    ),
    "embedding-torch": (
        lambda: nn.Embedding(5, 2)(torch.tensor([1, 2])),
        lambda: nn.Embedding(5, 2)([1, 2]),
    ),
    "dropout-f32": (lambda: nn.Dropout(f32(0.5))(M()), lambda: nn.Dropout(0.5)(M())),
    "leaky-f32": (lambda: nn.LeakyReLU(f32(0.25))(M()), lambda: nn.LeakyReLU(0.25)(M())),
    "ce-list-np": (
        lambda: F.cross_entropy(M(), list(np.array([0, 2]))),
        lambda: F.cross_entropy(M(), [0, 2]),
    ),
    "ce-np": (
        lambda: F.cross_entropy(M(), np.array([0, 2])),
        lambda: F.cross_entropy(M(), [0, 2]),
    ),
    "ce-torch": (
        lambda: F.cross_entropy(M(), torch.tensor([0, 2])),
        lambda: F.cross_entropy(M(), [0, 2]),
    ),
    "CE-module-list-np": (
        lambda: nn.CrossEntropyLoss()(M(), list(np.array([0, 2]))),
        lambda: nn.CrossEntropyLoss()(M(), [0, 2]),
    ),
    "nll-list-np": (
        lambda: F.nll_loss(M(), list(np.array([0, 2]))),
        lambda: F.nll_loss(M(), [0, 2]),
    ),
    "ce-ignore-i64": (
        lambda: F.cross_entropy(M(), [0, 2], ignore_index=i64(2)),
        lambda: F.cross_entropy(M(), [0, 2], ignore_index=2),
    ),
    "mse-np-target": (
        lambda: F.mse_loss(M(), np.zeros((2, 3))),
        lambda: F.mse_loss(M(), [[0.0] * 3] * 2),
    ),
    "one-hot-np": (lambda: F.one_hot(np.array([0, 2]), 3), lambda: F.one_hot([0, 2], 3)),
    "sgd-lr-f32": (
        lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr=f32(0.5)).param_groups[0]["lr"],
        lambda: 0.5,
    ),
    "adam-betas-f32": (
        lambda: optim.Adam(nn.Linear(2, 2).parameters(), betas=(f32(0.5), 0.999)).defaults["betas"],
        lambda: (0.5, 0.999),
    ),
    "steplr-i64": (
        lambda: (
            optim.StepLR(
                optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), step_size=i64(2)
            ).step_size
        ),
        lambda: 2,
    ),
    "clip-f32": (
        lambda: nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), max_norm=f32(1.0)),
        lambda: nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), max_norm=1.0),
    ),
    "seed-i64": (
        lambda: (match.manual_seed(i64(3)), match.randn(1, 2))[1],
        lambda: (match.manual_seed(3), match.randn(1, 2))[1],
    ),
    "init-const-f32": (
        lambda: nn.init.constant_(match.zeros(2, 2), f32(0.5)),
        lambda: nn.init.constant_(match.zeros(2, 2), 0.5),
    ),
    "multinomial-i64": (
        lambda: match.multinomial(match.mat([[0.5, 0.5]]), i64(1)),
        lambda: match.multinomial(match.mat([[0.5, 0.5]]), 1),
    ),
    "layernorm-i64": (lambda: nn.LayerNorm(i64(3))(M()), lambda: nn.LayerNorm(3)(M())),
    "normalize-dim-i64": (lambda: F.normalize(M(), dim=i64(1)), lambda: F.normalize(M(), dim=1)),
    "gather-np": (
        lambda: M().gather(1, np.array([[0], [1]])),
        lambda: M().gather(1, [[0], [1]]),
    ),
    "where-i64": (
        lambda: match.where(M().data > 0, M(), i64(0)),
        lambda: match.where(M().data > 0, M(), 0),
    ),
    "cat-dim-i64": (
        lambda: match.cat([M(), M()], dim=i64(0)),
        lambda: match.cat([M(), M()], dim=0),
    ),
    "loader-i64": (
        lambda: len(match.data.DataLoader(*match.data.make_moons(10, seed=0), batch_size=i64(4))),
        lambda: len(match.data.DataLoader(*match.data.make_moons(10, seed=0), batch_size=4)),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_numpy_torch_and_bool_inputs_give_what_plain_values_give(name: str) -> None:
    foreign, plain = CASES[name]
    match.manual_seed(0)
    got = result(foreign())
    match.manual_seed(0)
    want = result(plain())
    assert got == want


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: match.zeros(True, 2), TypeError, "sizes must be ints"),
        (lambda: match.zeros(np.float64(2.0), 2), TypeError, "sizes must be ints"),
        (lambda: M()[np.float64(1.0)], IndexError, "index must be an int"),
        (lambda: M()[[np.bool_(True)]], IndexError, "not bool|must be ints"),
        (lambda: F.cross_entropy(M(), list(np.array([0.5, 1.0]))), ValueError, "not a class"),
        (lambda: nn.Linear(np.float32(3.0), 2), TypeError, "in_features"),
        (lambda: optim.SGD(nn.Linear(2, 2).parameters(), lr=np.bool_(True)), TypeError, "lr"),
        (lambda: match.mat(np.array([[1.0, 2.0], [3.0, 4.0]])[:, :0]), ValueError, "non-empty"),
        (lambda: match.mat([["a", 1.0]]), TypeError, "not a number"),
        (lambda: M() + np.array([1.0, 2.0]), TypeError, "unsupported operand"),
    ],
)
def test_genuinely_bad_inputs_still_raise(
    call: Callable[[], Any], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        call()
