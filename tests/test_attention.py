"""Attention layers: scaled_dot_product_attention, SelfAttention, MultiheadAttention and
TransformerEncoderLayer against torch
float64: the same weights (torch's state dict loaded into Match) give the same outputs,
attention weights and every gradient, at rtol 1e-7, on the active backend (`--backend numpy`
for the other). Masks come in torch's two kinds: boolean (0/1 here) and additive float."""

from __future__ import annotations

import math
from typing import Any

import pytest

import match
from match import nn
from match.nn import functional as F
from tests.parity import (
    assert_close,
    backward_weighted_sum,
    check_against_torch,
    check_module,
    random_rows,
    tensor,
    to_torch,
)

torch = pytest.importorskip("torch")
TF = torch.nn.functional
D = torch.float64

BOOL_MASK = [[1, 0, 1, 1, 0], [1, 1, 0, 0, 0], [0, 1, 1, 1, 1], [1, 1, 1, 1, 1]]
FLOAT_MASK = random_rows(4, 5, seed=9)


def as_bool(rows: list[list[int]], flip: bool = False) -> Any:
    """The 0/1 rows as a torch bool tensor (flip: True where the rows hold 0)."""
    t = torch.tensor(rows, dtype=torch.bool)
    return ~t if flip else t


SDPA_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "plain": ({}, {}),
    "causal": ({"is_causal": True}, {"is_causal": True}),
    "scale": ({"scale": 0.3}, {"scale": 0.3}),
    "bool-mask": ({"attn_mask": match.mat(BOOL_MASK, False)}, {"attn_mask": as_bool(BOOL_MASK)}),
    "bool-lists": (
        {"attn_mask": [[bool(v) for v in row] for row in BOOL_MASK]},
        {"attn_mask": as_bool(BOOL_MASK)},
    ),
    "float-mask": (
        {"attn_mask": match.mat(FLOAT_MASK, False)},
        {"attn_mask": tensor(FLOAT_MASK, False)},
    ),
    "row-mask": (
        {"attn_mask": match.mat([BOOL_MASK[0]], False)},
        {"attn_mask": as_bool([BOOL_MASK[0]])},
    ),
    "fully-masked-row": (
        {"attn_mask": match.mat([[0] * 5] + BOOL_MASK[1:], False)},
        {"attn_mask": as_bool([[0] * 5] + BOOL_MASK[1:])},
    ),
}


@pytest.mark.parametrize("label", list(SDPA_CASES))
def test_scaled_dot_product_attention_matches_torch(label: str) -> None:
    kw_m, kw_t = SDPA_CASES[label]
    q, k, v = random_rows(4, 3, seed=1), random_rows(5, 3, seed=2), random_rows(5, 2, seed=3)
    if label == "causal":  # torch's is_causal is top-left aligned: try a square one too
        check_against_torch(
            lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kw_m),
            lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, **kw_t),
            q,
            k[:4],
            v[:4],
            what=label,
        )
    check_against_torch(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kw_m),
        lambda a, b, c: TF.scaled_dot_product_attention(a, b, c, **kw_t),
        q,
        k,
        v,
        what=label,
    )


def test_sdpa_dropout() -> None:
    """p=1 drops every weight (as torch does); 0 < p < 1 draws from Match's generator."""
    q = match.randn(3, 2)
    assert F.scaled_dot_product_attention(q, q, q, dropout_p=1.0).tolist() == [[0.0, 0.0]] * 3
    match.manual_seed(0)
    a = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5)
    match.manual_seed(0)
    assert F.scaled_dot_product_attention(q, q, q, dropout_p=0.5).tolist() == a.tolist()


def load_mha(embed: int, heads: int, **kwargs: Any) -> tuple[Any, Any]:
    torch.manual_seed(0)
    t = torch.nn.MultiheadAttention(embed, heads, **kwargs).to(D)
    m = nn.MultiheadAttention(embed, heads, **kwargs)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m.load_state_dict(t.state_dict())
    return m, t


def compare_modules(
    m: Any, t: Any, inputs: list[list[list[float]]], call_m: Any, call_t: Any, what: str
) -> None:
    """Run call_m(m, *matrices) and call_t(t, *tensors) (each returning a list of results),
    backward a random weighting of all results, and compare values, input gradients and every
    parameter gradient."""
    xs_m = [match.mat(rows) for rows in inputs]
    xs_t = [tensor(rows) for rows in inputs]
    backward_weighted_sum(call_m(m, *xs_m), call_t(t, *xs_t), seed=70, what=what)
    for k, (a, b) in enumerate(zip(xs_m, xs_t)):
        assert_close(a.grad, b.grad, what=f"{what} grad of input {k}")
    tparams = dict(t.named_parameters())
    for name, p in m.named_parameters():
        assert_close(p.grad, tparams[name].grad.reshape(p.shape), what=f"{what} grad {name}")


MHA_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "plain": ({}, {}),
    "bool-mask": (  # True blocks here, so flip: no row may be blocked entirely
        {"attn_mask": 1.0 - match.mat(BOOL_MASK, False)},
        {"attn_mask": as_bool(BOOL_MASK, flip=True)},
    ),
    "float-mask": (
        {"attn_mask": match.mat(FLOAT_MASK, False)},
        {"attn_mask": tensor(FLOAT_MASK, False)},
    ),
    "key-padding": (
        {"key_padding_mask": [False, True, False, False, True]},
        {"key_padding_mask": torch.tensor([False, True, False, False, True])},
    ),
    "both-masks": (
        {"attn_mask": 1.0 - match.mat(BOOL_MASK, False), "key_padding_mask": [0, 0, 1, 0, 0]},
        {
            "attn_mask": as_bool(BOOL_MASK, flip=True),
            "key_padding_mask": torch.tensor([False, False, True, False, False]),
        },
    ),
    "per-head-weights": ({"average_attn_weights": False}, {"average_attn_weights": False}),
}


@pytest.mark.parametrize("label", list(MHA_CASES))
def test_multihead_attention_matches_torch(label: str) -> None:
    kw_m, kw_t = MHA_CASES[label]
    m, t = load_mha(6, 3)

    def call_m(mod: Any, q: Any, k: Any, v: Any) -> list:
        out, w = mod(q, k, v, **kw_m)
        return [out, *(w if isinstance(w, list) else [w])]

    def call_t(mod: Any, q: Any, k: Any, v: Any) -> list:
        out, w = mod(q, k, v, **kw_t)
        return [out, *(w if w.dim() == 3 else [w])]

    inputs = [random_rows(4, 6, seed=1), random_rows(5, 6, seed=2), random_rows(5, 6, seed=3)]
    compare_modules(m, t, inputs, call_m, call_t, f"MultiheadAttention {label}")


def test_multihead_self_attention_causal_one_head_no_bias() -> None:
    m, t = load_mha(4, 1, bias=False)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=D)
    compare_modules(
        m,
        t,
        [random_rows(5, 4, seed=4)],
        lambda mod, x: [mod(x, x, x, is_causal=True, need_weights=False)[0]],
        lambda mod, x: [mod(x, x, x, attn_mask=mask, is_causal=True, need_weights=False)[0]],
        "causal self-attention",
    )


def test_multihead_attention_init_and_eval_dropout() -> None:
    match.manual_seed(0)
    m = nn.MultiheadAttention(8, 2, dropout=0.5)
    bound = (6 / (8 + 24)) ** 0.5  # torch's xavier_uniform_ on the (3E, E) in_proj_weight
    values = [v for row in m.in_proj_weight.tolist() for v in row]
    assert max(abs(v) for v in values) <= bound and max(abs(v) for v in values) > 0.9 * bound
    assert m.in_proj_bias.tolist() == [[0.0] * 24] and m.out_proj.bias.tolist() == [[0.0] * 8]
    x = match.randn(3, 8)
    m.eval()
    assert m(x, x, x)[0].tolist() == m(x, x, x)[0].tolist()


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("mask", ["none", "causal", "padding"])
def test_transformer_encoder_layer_matches_torch(norm_first: bool, mask: str) -> None:
    torch.manual_seed(0)
    kwargs = {"dim_feedforward": 16, "norm_first": norm_first}
    t = torch.nn.TransformerEncoderLayer(8, 2, **kwargs).to(D).eval()
    m = nn.TransformerEncoderLayer(8, 2, **kwargs).eval()  # eval: dropout (0.1) off
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m.load_state_dict(t.state_dict())
    causal = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=D)
    padding = [False, False, True, False, True]
    kw_m: dict[str, Any] = {
        "none": {},
        "causal": {"src_mask": match.mat(causal.tolist(), False), "is_causal": True},
        "padding": {"src_key_padding_mask": padding},
    }[mask]
    kw_t: dict[str, Any] = {
        "none": {},
        "causal": {"src_mask": causal, "is_causal": True},
        "padding": {"src_key_padding_mask": torch.tensor(padding)},
    }[mask]
    compare_modules(
        m,
        t,
        [random_rows(5, 8, seed=6)],
        lambda mod, x: [mod(x, **kw_m)],
        lambda mod, x: [mod(x, **kw_t)],
        f"TransformerEncoderLayer norm_first={norm_first} {mask}",
    )


def test_transformer_encoder_layer_gelu_matches_torch() -> None:
    if not hasattr(F, "gelu"):
        pytest.skip("match.nn.functional.gelu is not in this version")
    torch.manual_seed(0)
    t = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation="gelu").to(D)
    m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation="gelu")
    m.load_state_dict(t.state_dict())
    compare_modules(
        m, t, [random_rows(3, 4, seed=8)], lambda mod, x: [mod(x)], lambda mod, x: [mod(x)], "gelu"
    )


def test_transformer_encoder_layer_callable_activation_and_stack() -> None:
    torch.manual_seed(0)
    layer_t = torch.nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=torch.tanh)
    t = torch.nn.TransformerEncoder(layer_t, 2, enable_nested_tensor=False).to(D)
    layer_m = nn.TransformerEncoderLayer(4, 2, 8, dropout=0.0, activation=lambda x: x.tanh())
    m = nn.TransformerEncoder(layer_m, 2)
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in t.named_parameters()]
    m.load_state_dict(t.state_dict())
    compare_modules(
        m, t, [random_rows(3, 4, seed=9)], lambda mod, x: [mod(x)], lambda mod, x: [mod(x)], "stack"
    )


BAD_CALLS: dict[str, tuple[Any, type[Exception], str]] = {
    "sdpa-not-matrix": (
        lambda: F.scaled_dot_product_attention([[1.0]], match.ones(1, 1), match.ones(1, 1)),
        TypeError,
        "scaled_dot_product_attention",
    ),
    "sdpa-shapes": (
        lambda: F.scaled_dot_product_attention(
            match.ones(2, 3), match.ones(2, 2), match.ones(2, 2)
        ),
        ValueError,
        "scaled_dot_product_attention",
    ),
    "sdpa-mask-and-causal": (
        lambda: F.scaled_dot_product_attention(
            match.ones(2, 2), match.ones(2, 2), match.ones(2, 2), [[1, 1], [1, 1]], is_causal=True
        ),
        ValueError,
        "scaled_dot_product_attention",
    ),
    "sdpa-mask-shape": (
        lambda: F.scaled_dot_product_attention(
            match.ones(2, 2), match.ones(2, 2), match.ones(2, 2), match.ones(3, 2)
        ),
        ValueError,
        "scaled_dot_product_attention",
    ),
    "sdpa-mask-str": (
        lambda: F.scaled_dot_product_attention(
            match.ones(2, 2), match.ones(2, 2), match.ones(2, 2), "causal"
        ),
        TypeError,
        "scaled_dot_product_attention",
    ),
    "sdpa-dropout": (
        lambda: F.scaled_dot_product_attention(
            match.ones(2, 2), match.ones(2, 2), match.ones(2, 2), dropout_p=2.0
        ),
        ValueError,
        "scaled_dot_product_attention",
    ),
    "mha-divisible": (lambda: nn.MultiheadAttention(6, 4), ValueError, "MultiheadAttention"),
    "mha-heads-str": (lambda: nn.MultiheadAttention(6, "2"), TypeError, "MultiheadAttention"),
    "mha-kdim": (lambda: nn.MultiheadAttention(6, 2, kdim=3), ValueError, "MultiheadAttention"),
    "mha-input-shape": (
        lambda: nn.MultiheadAttention(4, 2)(match.ones(3, 3), match.ones(3, 3), match.ones(3, 3)),
        ValueError,
        "MultiheadAttention",
    ),
    "mha-padding-length": (
        lambda: nn.MultiheadAttention(2, 1)(
            match.ones(3, 2), match.ones(3, 2), match.ones(3, 2), key_padding_mask=[0, 1]
        ),
        ValueError,
        "MultiheadAttention",
    ),
    "encoder-activation": (
        lambda: nn.TransformerEncoderLayer(4, 2, activation="swish"),
        ValueError,
        "TransformerEncoderLayer",
    ),
    "encoder-divisible": (
        lambda: nn.TransformerEncoderLayer(6, 4),
        ValueError,
        "TransformerEncoderLayer",
    ),
    "encoder-src-list": (
        lambda: nn.TransformerEncoderLayer(2, 1, 4)([[1.0, 2.0]]),
        TypeError,
        "TransformerEncoderLayer",
    ),
    "encoder-layers-zero": (
        lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(2, 1, 4), 0),
        ValueError,
        "TransformerEncoder",
    ),
}


@pytest.mark.parametrize("label", list(BAD_CALLS))
def test_bad_input_names_the_function(label: str) -> None:
    call, error, name = BAD_CALLS[label]
    with pytest.raises(error, match=rf"^{name}:"):
        call()


# --- SelfAttention -------------------------------------------------------------------------------


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
                a = TF.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=causal)[0]
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
