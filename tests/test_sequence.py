"""Sequence layers against torch float64: RNN, GRU, LSTM, their cells and Embedding: the same
weights (torch's state dict loaded into Match) give the same outputs, final states and every
gradient (inputs, initial states, parameters), at rtol 1e-7, on the active backend
(`--backend numpy` for the other)."""

from __future__ import annotations

import math
from typing import Any

import pytest

import match
from match import nn
from tests.parity import assert_close, backward_weighted_sum, random_rows, tensor, to_torch

torch = pytest.importorskip("torch")
D = torch.float64

KINDS = ["RNN", "RNN-relu", "GRU", "LSTM"]


def make(kind: str, **kwargs: Any) -> tuple[Any, Any]:
    """A torch module (float64, seeded) and a Match module loaded with its state dict."""
    torch.manual_seed(0)
    name, _, nl = kind.partition("-")
    if nl:
        kwargs["nonlinearity"] = nl
    t = getattr(torch.nn, name)(3, 4, **kwargs).to(D)
    m = getattr(nn, name)(3, 4, **kwargs)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m.load_state_dict(t.state_dict())
    return m, t


def states_of(kind: str, count: int, batch: int | None, seed: int) -> tuple[list, list]:
    """Initial states, Match form and torch form, with gradients tracked: for a batch a list of
    count (batch, 4) matrices and a (count, batch, 4) tensor; without, a (count, 4) matrix."""
    parts_m, parts_t = [], []
    for j in range(2 if kind == "LSTM" else 1):
        if batch is None:
            rows = random_rows(count, 4, seed=seed + j)
            parts_m.append(match.mat(rows))
            parts_t.append(tensor(rows))
        else:
            rows = [random_rows(batch, 4, seed=seed + 10 * j + i) for i in range(count)]
            parts_m.append([match.mat(r) for r in rows])
            parts_t.append(tensor(rows))
    return parts_m, parts_t


def compare(m: Any, t: Any, kind: str, batch: int | None, with_state: bool, seed: int = 1) -> None:
    """Run both on one random sequence of 5 steps, backward a random weighting of every
    output, and compare values and gradients."""
    count = m.num_layers * (2 if m.bidirectional else 1)
    if batch is None:
        x_rows = random_rows(5, 3, seed=seed)
        xm, xt = match.mat(x_rows), tensor(x_rows)
        leaves_m, leaves_t = [xm], [xt]
    else:
        x_rows = [random_rows(batch, 3, seed=seed + t) for t in range(5)]
        xm, xt = [match.mat(r) for r in x_rows], tensor(x_rows)
        leaves_m, leaves_t = list(xm), [xt]
    hm = ht = None
    if with_state:
        parts_m, parts_t = states_of(kind, count, batch, seed + 100)
        hm = tuple(parts_m) if kind == "LSTM" else parts_m[0]
        ht = tuple(parts_t) if kind == "LSTM" else parts_t[0]
        for p in parts_m:
            leaves_m.extend(p if isinstance(p, list) else [p])
        leaves_t.extend(parts_t)
    out_m, state_m = m(xm, hm)
    out_t, state_t = t(xt, ht)
    finals_m = list(state_m) if kind == "LSTM" else [state_m]
    finals_t = list(state_t) if kind == "LSTM" else [state_t]
    if batch is not None:  # lists of matrices against the torch tensor's first dimension
        assert isinstance(out_m, list) and len(out_m) == 5
        out_m = match.cat(out_m, 0)
        out_t = out_t.reshape(5 * batch, -1)
        finals_m = [match.cat(f, 0) for f in finals_m]
        finals_t = [f.reshape(count * batch, 4) for f in finals_t]
    results = [(out_m, out_t), *zip(finals_m, finals_t)]
    backward_weighted_sum(*zip(*results), seed=seed + 50, what=kind)
    if batch is None:
        grads_t = [leaf.grad for leaf in leaves_t]
    else:  # every (batch, .) matrix of a list against its slice of the torch tensor
        grads_t = list(leaves_t[0].grad)
        for leaf in leaves_t[1:]:
            grads_t.extend(leaf.grad)
    assert len(grads_t) == len(leaves_m)
    for k, (a, b) in enumerate(zip(leaves_m, grads_t)):
        assert_close(a.grad, b, what=f"{kind} grad of input or state {k}")
    tparams = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=f"{kind} grad {name}")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("batch", [None, 2])
def test_one_layer_matches_torch(kind: str, batch: int | None) -> None:
    m, t = make(kind)
    compare(m, t, kind, batch, with_state=False)
    m.zero_grad()
    t.zero_grad()
    compare(m, t, kind, batch, with_state=True, seed=7)


@pytest.mark.parametrize("kind", KINDS)
def test_two_layers_bidirectional_matches_torch(kind: str) -> None:
    m, t = make(kind, num_layers=2, bidirectional=True)
    compare(m, t, kind, None, with_state=True)
    m.zero_grad()
    t.zero_grad()
    compare(m, t, kind, 3, with_state=False, seed=3)


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_without_bias_and_three_layers_matches_torch(kind: str) -> None:
    m, t = make(kind, num_layers=3, bias=False)
    assert "bias_ih_l0" not in m.state_dict()
    compare(m, t, kind, 2, with_state=True)


def test_dropout_between_layers() -> None:
    """p=1 zeroes layer 0's output in training in both libraries (a draw-free comparison);
    eval mode and the last layer never drop."""
    m, t = make("GRU", num_layers=2, dropout=1.0)
    compare(m, t, "GRU", 2, with_state=True)
    m.eval()
    t.eval()
    m.zero_grad()
    t.zero_grad()
    compare(m, t, "GRU", 2, with_state=True, seed=5)
    match.manual_seed(1)
    half = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = match.randn(6, 3)
    a, b = half(x)[0], half(x)[0]
    assert a.tolist() != b.tolist()  # a fresh mask for each call in training
    half.eval()
    assert half(x)[0].tolist() == half(x)[0].tolist()


def test_sequence_module_shares_the_cells_math() -> None:
    """A one-layer GRU over a list of steps equals GRUCell applied in a loop."""
    match.manual_seed(3)
    seq = nn.GRU(3, 4)
    cell = nn.GRUCell(3, 4)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in seq.state_dict().items()})
    steps = [match.randn(2, 3) for _ in range(4)]
    outputs, h_n = seq(steps)
    h = None
    for x, out in zip(steps, outputs):
        h = cell(x, h)
        assert out.tolist() == h.tolist()
    assert h_n[0].tolist() == h.tolist()


def test_shapes_and_repr() -> None:
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    out, (h, c) = m(match.randn(5, 3))
    assert out.shape == (5, 8) and h.shape == (4, 4) and c.shape == (4, 4)
    outs, (hs, cs) = m([match.randn(2, 3) for _ in range(5)])
    assert [o.shape for o in outs] == [(2, 8)] * 5 and [x.shape for x in hs + cs] == [(2, 4)] * 8
    for a, b in [
        (nn.RNN(3, 4), torch.nn.RNN(3, 4)),
        (nn.RNN(3, 4, 2, nonlinearity="relu"), torch.nn.RNN(3, 4, 2, nonlinearity="relu")),
        (nn.GRU(3, 4, 2, bias=False, dropout=0.5), torch.nn.GRU(3, 4, 2, bias=False, dropout=0.5)),
        (nn.LSTM(3, 4, bidirectional=True), torch.nn.LSTM(3, 4, bidirectional=True)),
    ]:
        assert repr(a) == repr(b)


def test_torch_init_bounds() -> None:
    match.manual_seed(0)
    m = nn.GRU(3, 16, num_layers=2)
    values = [v for p in m.parameters() for row in p.tolist() for v in row]
    assert max(abs(v) for v in values) <= 0.25 and max(abs(v) for v in values) > 0.2


BAD_SEQUENCE_CALLS: dict[str, tuple[Any, type[Exception]]] = {
    "input-size-str": (lambda: nn.GRU("3", 4), TypeError),
    "hidden-size-zero": (lambda: nn.LSTM(3, 0), ValueError),
    "num-layers-float": (lambda: nn.RNN(3, 4, 1.0), TypeError),
    "dropout-range": (lambda: nn.GRU(3, 4, dropout=1.5), ValueError),
    "bidirectional-str": (lambda: nn.GRU(3, 4, bidirectional="yes"), TypeError),
    "nonlinearity": (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), ValueError),
    "input-features": (lambda: nn.GRU(3, 4)(match.randn(5, 2)), ValueError),
    "input-empty-list": (lambda: nn.GRU(3, 4)([]), TypeError),
    "input-str": (lambda: nn.GRU(3, 4)("abc"), TypeError),
    "step-not-matrix": (lambda: nn.GRU(3, 4)([match.randn(2, 3), [[1.0]]]), TypeError),
    "step-batch": (lambda: nn.GRU(3, 4)([match.randn(2, 3), match.randn(1, 3)]), ValueError),
    "state-shape": (lambda: nn.GRU(3, 4)(match.randn(5, 3), match.randn(2, 4)), ValueError),
    "state-count": (lambda: nn.RNN(3, 4)([match.randn(2, 3)], [match.randn(2, 4)] * 2), TypeError),
    "lstm-proj-size": (lambda: nn.LSTM(3, 4, proj_size=2), ValueError),
    "lstm-state-not-pair": (lambda: nn.LSTM(3, 4)(match.randn(5, 3), match.randn(1, 4)), TypeError),
}


@pytest.mark.parametrize("label", list(BAD_SEQUENCE_CALLS))
def test_bad_input_names_the_class(label: str) -> None:
    call, error = BAD_SEQUENCE_CALLS[label]
    with pytest.raises(error, match=r"^(RNN|GRU|LSTM):"):
        call()


# --- Embedding -------------------------------------------------------------------------------
EMBEDDING_SETTINGS: list[dict[str, Any]] = [
    {},
    {"padding_idx": 1},
    {"padding_idx": -1, "scale_grad_by_freq": True},
    {"scale_grad_by_freq": True},
    {"max_norm": 1.0},
    {"max_norm": 0.5, "norm_type": 1.0, "padding_idx": 0},
]


@pytest.mark.parametrize("settings", EMBEDDING_SETTINGS, ids=str)
def test_embedding_matches_torch(settings: dict[str, Any]) -> None:
    torch.manual_seed(0)
    t = torch.nn.Embedding(5, 3, **settings).to(D)
    m = nn.Embedding(5, 3, **settings)
    assert repr(m) == repr(t)
    m.load_state_dict(t.state_dict())
    for step, idx in enumerate(([1, 4, 1, 0, 3, 4], match.mat([[2.0], [4.0], [4.0]], False))):
        m.zero_grad()
        t.zero_grad()
        flat = idx if isinstance(idx, list) else [int(r[0]) for r in idx.tolist()]
        out_m, out_t = m(idx), t(torch.tensor(flat))
        assert_close(out_m, out_t, what="Embedding output")
        up = random_rows(*out_m.shape, seed=step)
        out_m.backward(match.mat(up))
        out_t.backward(tensor(up, requires_grad=False))
        assert_close(m.weight.grad, t.weight.grad, what="Embedding weight grad")
        assert_close(m.weight, t.weight, what="Embedding weight after renorm")


def test_embedding_padding_row_starts_at_zero() -> None:
    match.manual_seed(0)
    m = nn.Embedding(4, 3, padding_idx=-2)
    assert m.padding_idx == 2 and m.weight.tolist()[2] == [0.0, 0.0, 0.0]
    assert all(v != 0.0 for i, row in enumerate(m.weight.tolist()) if i != 2 for v in row)


def test_embedding_from_pretrained() -> None:
    rows = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    frozen = nn.Embedding.from_pretrained(match.mat(rows), padding_idx=0)
    assert frozen(match.mat([[1.0], [2.0]], False)).tolist() == rows[1:]
    assert not frozen.weight.requires_grad and frozen.weight.tolist() == rows  # padding kept
    if hasattr(nn, "Parameter"):  # frozen parameters stay in the state dict (issue 11 bug 2)
        assert list(frozen.state_dict()) == ["weight"]
    tuned = nn.Embedding.from_pretrained(rows, freeze=False)
    tuned([0, 0]).sum().backward()
    assert tuned.weight.grad.tolist() == [[2.0, 2.0], [0.0, 0.0], [0.0, 0.0]]
    t = torch.nn.Embedding.from_pretrained(torch.tensor(rows, dtype=D), padding_idx=0)
    assert repr(frozen) == repr(t)


BAD_EMBEDDING_CALLS: dict[str, tuple[Any, type[Exception]]] = {
    "padding-range": (lambda: nn.Embedding(3, 2, padding_idx=3), ValueError),
    "padding-negative-range": (lambda: nn.Embedding(3, 2, padding_idx=-4), ValueError),
    "padding-float": (lambda: nn.Embedding(3, 2, padding_idx=1.0), TypeError),
    "max-norm-negative": (lambda: nn.Embedding(3, 2, max_norm=-1.0), ValueError),
    "max-norm-str": (lambda: nn.Embedding(3, 2, max_norm="1"), TypeError),
    "sparse": (lambda: nn.Embedding(3, 2, sparse=True), ValueError),
    "pretrained-str": (lambda: nn.Embedding.from_pretrained("abc"), TypeError),
    "indices-number": (lambda: nn.Embedding(3, 2)(1), TypeError),
}


@pytest.mark.parametrize("label", list(BAD_EMBEDDING_CALLS))
def test_embedding_bad_input_names_the_class(label: str) -> None:
    call, error = BAD_EMBEDDING_CALLS[label]
    with pytest.raises(error, match=r"^Embedding"):
        call()


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


# --- the cells: RNNCell, GRUCell, LSTMCell -------------------------------------------------------


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


def test_embedding_takes_a_row_of_positions_like_torch_1d_input() -> None:
    """`pos = nn.Embedding(T, d)(match.arange(T))`, the position line of GPT tutorials."""
    emb = nn.Embedding(6, 3)
    ref = torch.nn.Embedding(6, 3).double()
    with torch.no_grad():
        ref.weight.copy_(torch.tensor(emb.weight.tolist(), dtype=torch.float64))
    out = emb(match.arange(4))
    expected = ref(torch.arange(4))
    assert out.shape == (4, 3)
    assert out.tolist() == expected.tolist()
    out.sum().backward()
    expected.sum().backward()
    assert emb.weight.grad.tolist() == ref.weight.grad.tolist()
