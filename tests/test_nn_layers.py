"""Tests for match.nn: Module mechanics, every layer and loss against torch in float64 (same
weights in, same outputs and gradients out), state dicts moving between Match and torch, and
nn.utils.clip_grad_norm_."""

from __future__ import annotations

import math
from collections import OrderedDict

import pytest

import match
from match import List2D, Matrix, nn
from tests.parity import assert_close, check_module, random_rows, tensor, to_torch

torch = pytest.importorskip("torch")
torch.set_num_threads(1)  # tiny tensors: thread start-up would dominate the run time
F = torch.nn.functional
D = torch.float64


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


class Net(nn.Module):
    """The original Match API: attributes and forward."""

    def __init__(self) -> None:
        super().__init__()
        self.linear1 = nn.Linear(3, 4)
        self.relu = nn.ReLU()
        self.linear2 = nn.Linear(4, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x: Matrix) -> Matrix:
        return self.sigmoid(self.linear2(self.relu(self.linear1(x))))


# --------------------------------------------------------------------------------------
# Module mechanics
# --------------------------------------------------------------------------------------


def test_original_w_b_aliases() -> None:
    # The original-API training loop itself is tested in test.py (TestOriginalAPI).
    match.manual_seed(1)
    model = Net()
    assert len(model.parameters()) == 4
    assert model.linear1.W is model.linear1.weight and model.linear1.b is model.linear1.bias
    assert model.linear1.W.shape == (4, 3) and model.linear1.b.shape == (1, 4)
    new = match.mat(random_rows(4, 3, seed=3))
    model.linear1.W = new
    assert model.linear1.weight is new


def test_parameters_found_in_lists_dicts_and_bare_matrices() -> None:
    class Custom(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.scale = match.ones(1, 2)
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2, bias=False)]
            self.heads = {"a": nn.Linear(2, 1)}
            self.constant = match.ones(1, 2, requires_grad=False)  # not a parameter
            self.note = "text"

        def forward(self, x: Matrix) -> Matrix:
            for layer in self.layers:
                x = layer(x) * self.scale
            return self.heads["a"](x)

    m = Custom()
    names = [n for n, _ in m.named_parameters()]
    assert names == [
        "scale",
        "layers.0.weight",
        "layers.0.bias",
        "layers.1.weight",
        "heads.a.weight",
        "heads.a.bias",
    ]
    assert [n for n, _ in m.named_children()] == ["layers.0", "layers.1", "heads.a"]
    assert [n for n, _ in m.named_modules()] == ["", "layers.0", "layers.1", "heads.a"]
    assert len(list(m.modules())) == 4 and len(list(m.children())) == 3
    m(match.mat([[1.0, 2.0]])).sum().backward()
    assert all(p._grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p._grad is None for p in m.parameters())


def test_names_and_order_match_torch_and_shared_parameters_count_once() -> None:
    shared = nn.Linear(2, 2)
    m = nn.Sequential(nn.Linear(3, 2), nn.ReLU(), shared, nn.Sequential(shared, nn.Linear(2, 1)))
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 2),
        torch.nn.ReLU(),
        ts := torch.nn.Linear(2, 2),
        torch.nn.Sequential(ts, torch.nn.Linear(2, 1)),
    )
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in m.named_modules()] == [n for n, _ in t.named_modules()]
    assert list(m.state_dict()) == list(t.state_dict())


def test_repr_prints_the_tree_like_torch() -> None:
    m = nn.Sequential(
        nn.Linear(3, 4),
        nn.ReLU(),
        nn.Dropout(0.1),
        nn.LayerNorm(4),
        nn.BatchNorm1d(4),
        nn.Sequential(nn.Linear(4, 2), nn.LogSoftmax(dim=1)),
        nn.Tanh(),
        nn.Sigmoid(),
        nn.LeakyReLU(0.2),
        nn.Softmax(dim=1),
        nn.Identity(),
    )
    t = torch.nn.Sequential(
        torch.nn.Linear(3, 4),
        torch.nn.ReLU(),
        torch.nn.Dropout(0.1),
        torch.nn.LayerNorm(4),
        torch.nn.BatchNorm1d(4),
        torch.nn.Sequential(torch.nn.Linear(4, 2), torch.nn.LogSoftmax(dim=1)),
        torch.nn.Tanh(),
        torch.nn.Sigmoid(),
        torch.nn.LeakyReLU(0.2),
        torch.nn.Softmax(dim=1),
        torch.nn.Identity(),
    )
    assert repr(m) == repr(t)
    for a, b in [
        (nn.Embedding(10, 3), torch.nn.Embedding(10, 3)),
        (nn.RNNCell(3, 4), torch.nn.RNNCell(3, 4)),
        (nn.RNNCell(3, 4, nonlinearity="relu"), torch.nn.RNNCell(3, 4, nonlinearity="relu")),
        (nn.GRUCell(3, 4), torch.nn.GRUCell(3, 4)),
        (nn.LSTMCell(3, 4, bias=False), torch.nn.LSTMCell(3, 4, bias=False)),
        (nn.MSELoss(), torch.nn.MSELoss()),
        (nn.CrossEntropyLoss(), torch.nn.CrossEntropyLoss()),
    ]:
        assert repr(a) == repr(b)


def test_train_eval_flags_reach_every_module() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(), nn.BatchNorm1d(2)))
    assert all(mod.training for mod in m.modules())
    assert m.eval() is m
    assert not any(mod.training for mod in m.modules())
    m.train()
    assert all(mod.training for mod in m.modules())


def test_sequential_indexing_len_iter_append() -> None:
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    s = nn.Sequential(a, b)
    s.append(c)
    assert len(s) == 3 and s[0] is a and s[-1] is c and list(s) == [a, b, c]
    assert isinstance(s[1:], nn.Sequential) and list(s[1:]) == [b, c]
    named = nn.Sequential(OrderedDict(first=a, act=b))
    assert list(named.state_dict()) == ["first.weight", "first.bias"]
    assert named(match.mat([[1.0, 2.0]])).shape == (1, 3)


def test_to_backend_keeps_values() -> None:
    m = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    before = m.state_dict()
    assert m.to_backend() is m
    assert m.state_dict() == before
    assert all(p.data.backend == match.accel.current() for p in m.parameters())


# --------------------------------------------------------------------------------------
# state_dict / load_state_dict and the export to torch
# --------------------------------------------------------------------------------------


def test_state_dict_is_plain_lists_and_exports_to_torch() -> None:
    match.manual_seed(5)
    m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = m.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(
        isinstance(v, list) and isinstance(v[0], list) and isinstance(v[0][0], float)
        for v in sd.values()
    )
    assert torch.tensor(sd["0.weight"]).shape == (4, 3)
    t = to_torch(
        m, torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    )
    x = random_rows(5, 3, seed=6)
    assert_close(m(match.mat(x)), t(tensor(x)), what="exported model")


def test_load_state_dict_from_torch_and_other_types() -> None:
    t = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2)).to(D)
    t.train()
    t(torch.randn(6, 3, dtype=D))  # move the running statistics away from 0 and 1
    m = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    m.load_state_dict(t.state_dict())  # tensors, 1D biases and a 0-d counter are accepted
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v.to(D).reshape(len(m.state_dict()[k]), -1), what=k)
    m2 = nn.Linear(3, 2)
    m2.load_state_dict({"weight": List2D.from_2d_list(m[0].weight.tolist()), "bias": m[0].bias})
    assert m2.state_dict() == m[0].state_dict()


def test_load_state_dict_checks_everything_first_and_leaves_model_unchanged() -> None:
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    before = m.state_dict()
    good = {k: [[0.5] * len(v[0]) for _ in v] for k, v in before.items()}

    wrong_shape = dict(good, **{"1.weight": [[1.0, 2.0, 3.0]]})
    with pytest.raises(ValueError, match=r"1\.weight.*\(1, 3\).*\(1, 2\)"):
        m.load_state_dict(wrong_shape)
    assert m.state_dict() == before

    missing = {k: v for k, v in good.items() if k != "0.bias"}
    with pytest.raises(nn.StateDictError, match="missing keys.*0.bias"):
        m.load_state_dict(missing)
    with pytest.raises(RuntimeError, match="unexpected keys.*extra"):
        m.load_state_dict(dict(good, extra=[[1.0]]))
    with pytest.raises(ValueError, match="0.weight.*not a matrix"):
        m.load_state_dict(dict(good, **{"0.weight": [[1.0, "x"]]}))
    assert m.state_dict() == before

    result = m.load_state_dict(dict(missing, extra=[[1.0]]), strict=False)
    assert result.missing_keys == ["0.bias"] and result.unexpected_keys == ["extra"]
    assert m.state_dict()["0.weight"] == good["0.weight"]
    assert m.state_dict()["0.bias"] == before["0.bias"]


# --------------------------------------------------------------------------------------
# Layers against torch
# --------------------------------------------------------------------------------------


def test_linear_init_matches_torch_bounds_and_is_reproducible() -> None:
    match.manual_seed(0)
    a = nn.Linear(16, 64)
    match.manual_seed(0)
    b = nn.Linear(16, 64)
    assert a.state_dict() == b.state_dict()
    bound = 1 / math.sqrt(16)
    values = [v for row in a.weight.tolist() + a.bias.tolist() for v in row]
    assert all(-bound <= v <= bound for v in values)
    assert max(values) > 0.9 * bound and min(values) < -0.9 * bound
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_matches_torch() -> None:
    for bias in (True, False):
        m = nn.Linear(3, 4, bias=bias)
        t = to_torch(m, torch.nn.Linear(3, 4, bias=bias))
        check_module(m, t, random_rows(5, 3, seed=1), what=f"Linear bias={bias}")


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


def test_layernorm_matches_torch() -> None:
    m = nn.LayerNorm(5)
    m.weight.data = List2D.from_2d_list(random_rows(1, 5, seed=7))
    m.bias.data = List2D.from_2d_list(random_rows(1, 5, seed=8))
    check_module(m, to_torch(m, torch.nn.LayerNorm(5)), random_rows(4, 5, seed=9), what="LayerNorm")
    plain = nn.LayerNorm((5,), elementwise_affine=False)
    assert plain.parameters() == []
    check_module(
        plain,
        torch.nn.LayerNorm(5, elementwise_affine=False).to(D),
        random_rows(3, 5, seed=10),
        what="LayerNorm no affine",
    )


def test_batchnorm_matches_torch_in_training_and_eval() -> None:
    m = nn.BatchNorm1d(3)
    m.weight.data = List2D.from_2d_list(random_rows(1, 3, seed=11))
    t = to_torch(m, torch.nn.BatchNorm1d(3))
    for step in range(3):
        check_module(m, t, random_rows(6, 3, seed=20 + step), seed=step, what="BatchNorm train")
        for k, v in t.state_dict().items():
            assert_close(m.state_dict()[k], v.to(D).reshape(1, -1), what=f"buffer {k}")
    m.eval()
    t.eval()
    check_module(m, t, random_rows(2, 3, seed=30), what="BatchNorm eval")
    m.train()
    with pytest.raises(ValueError, match="more than 1 value"):
        m(match.mat([[1.0, 2.0, 3.0]]))


def test_batchnorm_cumulative_average_matches_torch() -> None:
    m = nn.BatchNorm1d(2, momentum=None, affine=False)
    t = torch.nn.BatchNorm1d(2, momentum=None, affine=False).to(D)
    for step in range(3):
        x = random_rows(4, 2, seed=40 + step)
        assert_close(m(match.mat(x)), t(tensor(x)), what="output")
    for k, v in t.state_dict().items():
        assert_close(m.state_dict()[k], v.to(D).reshape(1, -1), what=k)


def test_embedding_matches_torch_and_checks_indices() -> None:
    match.manual_seed(2)
    m = nn.Embedding(6, 3)
    t = to_torch(m, torch.nn.Embedding(6, 3))
    for idx in ([1, 4, 1, 0], match.mat([[5.0], [1.0], [1.0]], requires_grad=False)):
        m.zero_grad()
        t.zero_grad()
        flat = [1, 4, 1, 0] if isinstance(idx, list) else [5, 1, 1]
        ym, yt = m(idx), t(torch.tensor(flat))
        assert_close(ym, yt, what="Embedding")
        up = random_rows(*ym.shape, seed=1)
        ym.backward(match.mat(up))
        yt.backward(torch.tensor(up, dtype=D))
        assert_close(m.weight.grad, t.weight.grad, what="Embedding grad")  # repeats add up
    with pytest.raises(IndexError, match="index 6"):
        m([0, 6])
    with pytest.raises(IndexError, match="index -1"):
        m([-1])
    match.manual_seed(3)
    big = [v for row in nn.Embedding(400, 10).weight.tolist() for v in row]
    mean = sum(big) / len(big)
    std = math.sqrt(sum((v - mean) ** 2 for v in big) / len(big))
    assert abs(mean) < 0.05 and abs(std - 1) < 0.05  # N(0, 1) as in torch


def run_cell(m: nn.Module, t: torch.nn.Module, x: list, state: tuple | None, lstm: bool) -> None:
    xm, xt = match.mat(x), tensor(x)
    if state is None:
        ym, yt = m(xm), t(xt)
        sm = st = ()
    else:
        sm = tuple(match.mat(s) for s in state)
        st = tuple(tensor(s) for s in state)
        ym = m(xm, sm if lstm else sm[0])
        yt = t(xt, st if lstm else st[0])
    ym = ym if lstm else (ym,)
    yt = yt if lstm else (yt,)
    total_m, total_t = None, 0
    for k, (a, b) in enumerate(zip(ym, yt)):
        assert_close(a, b, what=f"{type(m).__name__} output {k}")
        w = random_rows(*a.shape, seed=50 + k)
        term = (a * match.mat(w, requires_grad=False)).sum()
        total_m = term if total_m is None else total_m + term
        total_t = total_t + (b * torch.tensor(w, dtype=D)).sum()
    total_m.backward()
    total_t.backward()
    assert_close(xm.grad, xt.grad, what="input grad")
    for a, b in zip(sm, st):
        assert_close(a.grad, b.grad, what="state grad")
    tparams = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=f"grad {name}")


@pytest.mark.parametrize("kind", ["rnn", "rnn_relu", "gru", "lstm"])
def test_recurrent_cells_match_torch(kind: str) -> None:
    match.manual_seed(4)
    if kind.startswith("rnn"):
        nl = "relu" if kind == "rnn_relu" else "tanh"
        m, t = nn.RNNCell(3, 4, nonlinearity=nl), torch.nn.RNNCell(3, 4, nonlinearity=nl)
    elif kind == "gru":
        m, t = nn.GRUCell(3, 4), torch.nn.GRUCell(3, 4)
    else:
        m, t = nn.LSTMCell(3, 4), torch.nn.LSTMCell(3, 4)
    names = ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert [n for n, _ in m.named_parameters()] == names
    assert all(
        m.state_dict()[n] and torch.tensor(m.state_dict()[n]).numel() == getattr(t, n).numel()
        for n in names
    )
    bound = 1 / math.sqrt(4)
    assert all(abs(v) <= bound for p in m.parameters() for row in p.tolist() for v in row)
    t = to_torch(m, t)
    lstm = kind == "lstm"
    x = random_rows(2, 3, seed=5)
    run_cell(m, t, x, None, lstm)
    m.zero_grad()
    t.zero_grad()
    state = (
        (random_rows(2, 4, seed=6), random_rows(2, 4, seed=7))
        if lstm
        else (random_rows(2, 4, seed=6),)
    )
    run_cell(m, t, x, state, lstm)


def test_weights_move_from_torch_cells_to_match() -> None:
    t = torch.nn.GRUCell(2, 3).to(D)
    m = nn.GRUCell(2, 3)
    m.load_state_dict(t.state_dict())
    x = random_rows(4, 2, seed=8)
    assert_close(m(match.mat(x)), t(tensor(x)), what="GRU from torch")


@pytest.mark.parametrize("causal", [False, True])
def test_self_attention_matches_torch(causal: bool) -> None:
    match.manual_seed(6)
    dim, n = 4, 5
    m = nn.SelfAttention(dim, causal=causal)
    assert [name for name, _ in m.named_parameters()] == [
        "q.weight",
        "q.bias",
        "k.weight",
        "k.bias",
        "v.weight",
        "v.bias",
        "out.weight",
        "out.bias",
    ]

    class TorchAttention(torch.nn.Module):
        def __init__(self, sdpa: bool) -> None:
            super().__init__()
            self.sdpa = sdpa
            self.q, self.k, self.v, self.out = (torch.nn.Linear(dim, dim) for _ in range(4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            q, k, v = self.q(x), self.k(x), self.v(x)
            if self.sdpa:
                a = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=causal)[0]
            else:
                s = q @ k.T / math.sqrt(dim)
                if causal:
                    s = s.masked_fill(torch.ones(n, n).triu(1).bool(), -math.inf)
                a = s.softmax(dim=1) @ v
            return self.out(a)

    x = random_rows(n, dim, seed=9)
    for sdpa in (False, True):
        m.zero_grad()
        check_module(m, to_torch(m, TorchAttention(sdpa)), x, what=f"attention sdpa={sdpa}")
    if causal:  # the first position only sees itself: changing later rows leaves it unchanged
        x2 = [row[:] for row in x]
        x2[-1] = [9.0] * dim
        assert_close(m(match.mat(x))[0], m(match.mat(x2))[0], what="causal")


def test_dropout_scales_is_reproducible_and_off_in_eval() -> None:
    d = nn.Dropout(0.25)
    x = match.mat([[1.0] * 40 for _ in range(50)])
    match.manual_seed(7)
    a = d(x)
    match.manual_seed(7)
    b = d(x)
    assert a.tolist() == b.tolist()
    values = [v for row in a.tolist() for v in row]
    assert set(values) <= {0.0, 1 / 0.75}
    assert abs(values.count(0.0) / len(values) - 0.25) < 0.04
    a.sum().backward()
    assert x.grad.tolist() == a.tolist()  # the gradient is the scaled mask
    d.eval()
    assert d(x) is x
    d.train()
    assert nn.Dropout(0.0)(x) is x and nn.Dropout(1.0)(x).tolist() == (x * 0.0).tolist()
    with pytest.raises(ValueError):
        nn.Dropout(1.5)


def test_dropout_matches_torch_for_the_same_mask() -> None:
    x = random_rows(6, 5, seed=12)
    match.manual_seed(8)
    ym = nn.Dropout(0.4)(xm := match.mat(x))
    mask = torch.tensor([[0.0 if v == 0 else 1.0 for v in row] for row in ym.tolist()], dtype=D)
    xt = tensor(x)
    yt = xt * mask / (1 - 0.4)  # what torch's dropout computes for this mask
    assert_close(ym, yt, what="dropout")
    ym.sum().backward()
    yt.sum().backward()
    assert_close(xm.grad, xt.grad, what="dropout grad")


# --------------------------------------------------------------------------------------
# Losses against torch
# --------------------------------------------------------------------------------------


def check_loss(m_loss, t_loss, x_rows, target_m, target_t, what: str) -> None:
    xm, xt = match.mat(x_rows), tensor(x_rows)
    lm, lt = m_loss(xm, target_m), t_loss(xt, target_t)
    if lt.dim() == 1:
        lt = lt.reshape(-1, 1)
    assert_close(lm, lt, what=f"{what} value")
    up = random_rows(*lm.shape, seed=13)
    lm.backward(match.mat(up))
    lt.backward(torch.tensor(up, dtype=D).reshape(lt.shape))
    assert_close(xm.grad, xt.grad, what=f"{what} grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_match_torch(reduction: str) -> None:
    x, y = random_rows(4, 3, seed=14), random_rows(4, 3, seed=15, low=-3, high=3)
    y[0][0] = x[0][0]  # an exact tie: L1's gradient is 0 there, as in torch
    ym, yt = match.mat(y, requires_grad=False), tensor(y, requires_grad=False)
    for m_loss, t_loss in [
        (nn.MSELoss(reduction), torch.nn.MSELoss(reduction=reduction)),
        (nn.L1Loss(reduction), torch.nn.L1Loss(reduction=reduction)),
        (nn.HuberLoss(reduction), torch.nn.HuberLoss(reduction=reduction)),
        (nn.HuberLoss(reduction, delta=0.5), torch.nn.HuberLoss(reduction=reduction, delta=0.5)),
        (
            nn.SmoothL1Loss(reduction, beta=0.7),
            torch.nn.SmoothL1Loss(reduction=reduction, beta=0.7),
        ),
    ]:
        check_loss(m_loss, t_loss, x, ym, yt, repr(m_loss))


def test_mse_gradient_reaches_the_target_too() -> None:
    x, y = random_rows(3, 2, seed=16), random_rows(3, 2, seed=17)
    ym, yt = match.mat(y), tensor(y)
    check_loss(nn.MSELoss(), torch.nn.MSELoss(), x, ym, yt, "mse")
    assert_close(ym.grad, yt.grad, what="target grad")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_losses_match_torch(reduction: str) -> None:
    p = [[0.1, 0.9, 0.5], [0.0, 1.0, 0.3], [0.99, 0.01, 0.7]]  # includes exact 0 and 1
    y = [[0.0, 1.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.5]]
    ym, yt = match.mat(y, requires_grad=False), tensor(y, requires_grad=False)
    check_loss(
        nn.BCELoss(reduction=reduction), torch.nn.BCELoss(reduction=reduction), p, ym, yt, "BCE"
    )
    w = [[0.5, 2.0, 1.0]]
    check_loss(
        nn.BCELoss(weight=w, reduction=reduction),
        torch.nn.BCELoss(weight=tensor(w, False), reduction=reduction),
        p,
        ym,
        yt,
        "BCE w",
    )
    logits = [[1000.0, -1000.0, 0.0], [-40.0, 40.0, 3.0], [0.5, -2.0, 1e-9]]
    check_loss(
        nn.BCEWithLogitsLoss(reduction=reduction),
        torch.nn.BCEWithLogitsLoss(reduction=reduction),
        logits,
        ym,
        yt,
        "BCEWithLogits",
    )
    pw = [[2.0, 0.5, 3.0]]
    check_loss(
        nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=pw, weight=w),
        torch.nn.BCEWithLogitsLoss(
            reduction=reduction, pos_weight=tensor(pw, False)[0], weight=tensor(w, False)
        ),
        logits,
        ym,
        yt,
        "BCEWithLogits pos_weight",
    )


def test_bce_rejects_values_outside_0_1() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.BCELoss()(match.mat([[1.5]]), [[1.0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_classification_losses_match_torch(reduction: str) -> None:
    logits = random_rows(5, 4, seed=18, low=-3, high=3)
    targets = [2, 0, 3, 3, 1]
    tt = torch.tensor(targets)
    col = match.mat([[float(i)] for i in targets], requires_grad=False)
    w = [0.5, 1.0, 2.0, 1.5]
    wt = torch.tensor(w, dtype=D)
    cases = [
        (nn.CrossEntropyLoss(reduction=reduction), torch.nn.CrossEntropyLoss(reduction=reduction)),
        (
            nn.CrossEntropyLoss(weight=w, reduction=reduction),
            torch.nn.CrossEntropyLoss(weight=wt, reduction=reduction),
        ),
        (
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.2),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.2),
        ),
        (
            nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(weight=wt, reduction=reduction, label_smoothing=0.1),
        ),
        (nn.NLLLoss(reduction=reduction), torch.nn.NLLLoss(reduction=reduction)),
        (
            nn.NLLLoss(weight=w, reduction=reduction),
            torch.nn.NLLLoss(weight=wt, reduction=reduction),
        ),
    ]
    for m_loss, t_loss in cases:
        for target in (targets, col):
            check_loss(m_loss, t_loss, logits, target, tt, repr(m_loss))


def test_cross_entropy_ignore_index_and_probability_targets() -> None:
    logits = random_rows(4, 3, seed=19)
    targets = [1, -100, 2, 0]
    for smoothing in (0.0, 0.3):
        check_loss(
            nn.CrossEntropyLoss(label_smoothing=smoothing),
            torch.nn.CrossEntropyLoss(label_smoothing=smoothing),
            logits,
            targets,
            torch.tensor(targets),
            "ignore_index",
        )
        w = [0.5, 2.0, 1.5]
        for reduction in ("mean", "sum", "none"):
            check_loss(
                nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=smoothing),
                torch.nn.CrossEntropyLoss(
                    weight=torch.tensor(w, dtype=D), reduction=reduction, label_smoothing=smoothing
                ),
                logits,
                targets,
                torch.tensor(targets),
                "ignore_index weighted",
            )
    probs = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]]
    for reduction in ("mean", "none"):
        check_loss(
            nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(reduction=reduction, label_smoothing=0.1),
            logits,
            match.mat(probs, requires_grad=False),
            tensor(probs, False),
            "probabilities",
        )


def test_class_index_errors() -> None:
    x = match.mat(random_rows(3, 4, seed=20))
    with pytest.raises(IndexError, match="index 4"):
        nn.CrossEntropyLoss()(x, [0, 4, 1])
    with pytest.raises(IndexError, match="index -2"):
        nn.NLLLoss()(x, [0, -2, 1])
    with pytest.raises(ValueError, match="expected 3 targets"):
        nn.CrossEntropyLoss()(x, [0, 1])
    with pytest.raises(ValueError, match="not a class index"):
        nn.CrossEntropyLoss()(x, [0, 1.5, 1])
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


# --------------------------------------------------------------------------------------
# nn.utils
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_matches_torch(norm_type: float) -> None:
    match.manual_seed(9)
    m = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    t = to_torch(
        m, torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    )
    x = random_rows(5, 3, seed=21)
    (m(match.mat(x)) * 10.0).sum().backward()
    (t(tensor(x)) * 10.0).sum().backward()
    for max_norm in (0.5, 1e6):
        total_m = nn.utils.clip_grad_norm_(m.parameters(), max_norm, norm_type)
        total_t = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type)
        assert total_m.shape == (1, 1)  # a 1x1 Matrix, as torch returns a tensor
        assert float(total_m) == pytest.approx(total_t.item(), rel=1e-12)
        tparams = dict(t.named_parameters())
        for name, p in m.named_parameters():
            assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=name)
    assert float(nn.utils.clip_grad_norm_([match.ones(1, 1)], 1.0)) == 0.0  # no gradients yet


def test_clip_grad_value() -> None:
    p = match.mat([[1.0, -2.0]])
    (p * match.mat([[3.0, 3.0]])).sum().backward()
    nn.utils.clip_grad_value_(p, 0.5)
    assert p.grad.tolist() == [[0.5, 0.5]]


def test_to_backend_numpy_trains_like_python() -> None:
    pytest.importorskip("numpy")
    from match import optim

    def run(backend: str | None) -> dict:
        match.manual_seed(10)
        m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Tanh(), nn.Linear(4, 2))
        x = match.mat(random_rows(6, 3, seed=22), requires_grad=False)
        if backend:
            m.to_backend(backend)
            x = x.to_backend(backend)
            assert all(p.data.backend == backend for p in m.parameters())
            assert all(b.backend == backend for b in m.buffers())
        # SGD, not Adam: the bias before BatchNorm has a gradient of pure rounding noise, which
        # Adam would normalise into differences between the backends
        opt = optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(5):
            opt.zero_grad()
            nn.CrossEntropyLoss()(m(x), [0, 1, 1, 0, 1, 0]).backward()
            opt.step()
        return m.to_backend("python").state_dict() if backend else m.state_dict()

    expected, got = run(None), run("numpy")
    for key in expected:
        assert_close(got[key], expected[key], rtol=1e-10, what=key)
