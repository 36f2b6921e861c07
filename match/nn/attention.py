"""Attention on one sequence: `scaled_dot_product_attention`, `MultiheadAttention` (torch's
parameter names, so a torch state dict loads) and the single-head `SelfAttention`.

Everything is 2D: a sequence is a (T, E) matrix, one row per position (torch's unbatched
form). All three share one core, `_attend`: softmax(q kᵀ * scale + mask) v, written from
Matrix ops, so backward needs no code of its own.

Masks. torch tells a boolean mask from a float one by its dtype; a Match matrix is always
float, so a mask whose values are all 0 or 1 (a comparison such as `match.ones(T, T).triu(1)
== 1`, or nested lists of bools) counts as boolean, and any other mask (typically 0 and -inf)
is added to the scores. Boolean masks mean what they mean in torch: in
`scaled_dot_product_attention` True marks the positions that *may* be attended to, in
`MultiheadAttention` True marks the positions that may *not*.
"""

from __future__ import annotations

import math
from typing import Any

from ..checks import check_flag, check_number, check_positive_int, check_real
from ..creation import zeros
from ..list2d import List2D
from ..matrix import Matrix, cat, where
from ..torch_surface import vector
from . import init
from .layers import Dropout, Linear
from .loss_functions import _on_backend_of
from .module import Module

NEG_INF = float("-inf")


# ---------------------------------------------------------------------------------------------
# Masks: every kind becomes one additive (T, S) constant
# ---------------------------------------------------------------------------------------------


def _mask_values(mask: Any, who: str, what: str) -> List2D:
    """A mask as a List2D: from a Matrix, a List2D, or nested lists of bools or numbers (a flat
    list is one row, as torch's 1D key_padding_mask)."""
    if isinstance(mask, Matrix):
        return mask.data
    if isinstance(mask, List2D):
        return mask
    if isinstance(mask, (list, tuple)) and mask:
        rows = mask if isinstance(mask[0], (list, tuple)) else [mask]
        try:
            return List2D.from_2d_list([[float(v) for v in row] for row in rows], who)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"{who}: {what} is not a matrix of bools or numbers ({error})"
            ) from None
    raise TypeError(
        f"{who}: {what} must be a Matrix or nested lists of bools or numbers, got "
        f"{type(mask).__name__}"
    )


def _is_boolean(values: List2D) -> bool:
    """True when every value is 0 or 1 (see the module docstring)."""
    return ((values == 0.0) + (values == 1.0)).min().item() == 1.0


def mask_bias(
    mask: Any, shape: tuple[int, int], true_blocks: bool, who: str, what: str, like: Matrix
) -> List2D:
    """The additive form of a mask that broadcasts to shape (T, S), on like's backend: a
    boolean mask gives -inf where attention is blocked (where it is 1 if true_blocks, else where
    it is 0) and 0 elsewhere; a float mask is returned as it is."""
    values = _mask_values(mask, who, what)
    if any(m not in (1, n) for m, n in zip(values.shape, shape)):
        raise ValueError(f"{who}: {what} of shape {values.shape} does not broadcast to {shape}")
    values = _on_backend_of(values, like.data)
    if not _is_boolean(values):
        return values
    blocked = values if true_blocks else 1.0 - values
    return List2D.where(blocked, NEG_INF, 0.0)


def causal_bias(nrow: int, ncol: int, like: Matrix) -> List2D:
    """-inf above the diagonal, 0 on and below it (torch's is_causal: row i sees columns
    0..i), from one broadcast comparison of a column of row numbers with a row of columns."""
    rows = like.data.new_rows([[float(i)] for i in range(nrow)])
    cols = like.data.new_rows([[float(j) for j in range(ncol)]])
    return List2D.where(cols > rows, NEG_INF, 0.0)


def _add(bias: List2D | None, more: List2D) -> List2D:
    return more if bias is None else bias + more


# ---------------------------------------------------------------------------------------------
# The core
# ---------------------------------------------------------------------------------------------


def _attend(
    q: Matrix, k: Matrix, v: Matrix, bias: List2D | None, dropout_p: float, scale: float
) -> tuple[Matrix, Matrix]:
    """(softmax(q kᵀ * scale + bias) v, the attention weights), dropout applied to the weights.

    A row that the bias blocks entirely gets zero weights (and zero gradient), as torch's
    scaled_dot_product_attention gives on the CPU, instead of the nan of a softmax over -inf.
    """
    scores = (q @ k.T) * scale
    dead = None
    if bias is not None:
        bias = bias.broadcast_to(*scores.shape)
        dead = (bias == NEG_INF).sum(1) == float(scores.ncol)
        if dead.max().item() == 1.0:  # keep the softmax finite there, then zero the row
            bias = List2D.where(dead, 0.0, bias)
        else:
            dead = None
        scores = scores + Matrix(bias, requires_grad=False)
    weights = scores.softmax(1)
    if dead is not None:
        weights = where(dead, 0.0, weights)
    if dropout_p > 0.0:
        weights = Dropout(dropout_p)(weights)
    return weights @ v, weights


def _sequence(x: Any, who: str, what: str) -> Matrix:
    if not isinstance(x, Matrix):
        raise TypeError(
            f"{who}: {what} must be a Matrix (sequence, features), got {type(x).__name__}"
        )
    return x


def scaled_dot_product_attention(
    query: Matrix,
    key: Matrix,
    value: Matrix,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
) -> Matrix:
    """softmax(query keyᵀ * scale + mask) value, torch.nn.functional's function on one
    sequence: query (T, E), key (S, E), value (S, Ev) -> (T, Ev).

    scale defaults to 1 / sqrt(E). attn_mask (broadcasting to (T, S)) is boolean (True: may
    attend) or float (added); is_causal=True masks the positions after each row's own (and
    excludes attn_mask, as in torch). dropout_p drops attention weights whenever it is > 0 (the
    function has no training flag: pass 0.0 in evaluation, as torch code does).
    """
    who = "scaled_dot_product_attention"
    q, k, v = (_sequence(m, who, n) for m, n in ((query, "query"), (key, "key"), (value, "value")))
    if k.ncol != q.ncol or v.nrow != k.nrow:
        raise ValueError(
            f"{who}: expected query (T, E), key (S, E) and value (S, Ev), got {q.shape}, "
            f"{k.shape} and {v.shape}"
        )
    if check_flag(is_causal, who, "is_causal") and attn_mask is not None:
        raise ValueError(f"{who}: attn_mask must be None when is_causal=True")
    p = check_real(dropout_p, who, "dropout_p", 0.0, 1.0)
    scale = 1.0 / math.sqrt(q.ncol) if scale is None else check_number(scale, who, "scale")
    shape = (q.nrow, k.nrow)
    bias = None
    if attn_mask is not None:
        bias = mask_bias(attn_mask, shape, False, who, "attn_mask", q)
    if is_causal:
        bias = causal_bias(*shape, q)
    return _attend(q, k, v, bias, p, float(scale))[0]


# ---------------------------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------------------------


class MultiheadAttention(Module):
    """torch.nn.MultiheadAttention on one sequence: query (T, E), key and value (S, E).

    The projections are stacked as torch's: in_proj_weight (3E, E) and in_proj_bias (1, 3E) hold
    the query, key and value projections in that order, and out_proj is a Linear(E, E). Head h
    works on columns h*E/H .. (h+1)*E/H of the projections. kdim/vdim other than E,
    add_bias_kv and add_zero_attn are not supported; batch_first is accepted and ignored.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
    ) -> None:
        """Weights as torch makes them: in_proj_weight from xavier_uniform, in_proj_bias and
        out_proj.bias zeros, out_proj.weight Linear's default."""
        super().__init__()
        who = "MultiheadAttention"
        self.embed_dim = check_positive_int(embed_dim, who, "embed_dim")
        self.num_heads = check_positive_int(num_heads, who, "num_heads")
        if embed_dim % num_heads:
            raise ValueError(
                f"{who}: embed_dim must be divisible by num_heads, got {embed_dim} and {num_heads}"
            )
        self.dropout = check_real(dropout, who, "dropout", 0.0, 1.0)
        self.batch_first = check_flag(batch_first, who, "batch_first")
        bias_kv = check_flag(add_bias_kv, who, "add_bias_kv")
        if bias_kv or check_flag(add_zero_attn, who, "add_zero_attn"):
            raise ValueError(f"{who}: add_bias_kv and add_zero_attn are not supported")
        if kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise ValueError(f"{who}: kdim and vdim must equal embed_dim, got {kdim} and {vdim}")
        self.head_dim = embed_dim // num_heads
        bound = math.sqrt(6.0 / (embed_dim + 3 * embed_dim))  # torch's xavier_uniform_ (gain 1)
        self.in_proj_weight = init.uniform_(zeros(3 * embed_dim, embed_dim), -bound, bound)
        self.in_proj_bias = (
            vector(Matrix(List2D.zeros(1, 3 * embed_dim)))
            if check_flag(bias, who, "bias")
            else None
        )
        self.out_proj = Linear(embed_dim, embed_dim, bias)
        if bias:
            self.out_proj.bias = vector(Matrix(List2D.zeros(1, embed_dim)))

    def _project(self, x: Matrix, part: int) -> Matrix:
        """x times the query (part 0), key (1) or value (2) block of the stacked projection."""
        E = self.embed_dim
        w = self.in_proj_weight[part * E : (part + 1) * E]
        b = None if self.in_proj_bias is None else self.in_proj_bias[:, part * E : (part + 1) * E]
        return x.linear(w, b)

    def forward(
        self,
        query: Matrix,
        key: Matrix,
        value: Matrix,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Matrix, Any]:
        """(output (T, E), weights): weights is the (T, S) attention averaged over the heads, or
        a list of num_heads (T, S) matrices with average_attn_weights=False, or None with
        need_weights=False.

        attn_mask (T, S) and key_padding_mask (S values, or a (1, S) matrix) are boolean (True:
        may not attend) or float (added). is_causal=True with no attn_mask applies the causal
        mask (torch requires the mask itself and treats is_causal as a hint: passing both works
        the same here).
        """
        who = "MultiheadAttention"
        q, k, v = (
            _sequence(m, who, n) for m, n in ((query, "query"), (key, "key"), (value, "value"))
        )
        E = self.embed_dim
        if q.ncol != E or k.ncol != E or v.shape != k.shape:
            raise ValueError(
                f"{who}: expected query (T, {E}) and key, value (S, {E}), got {q.shape}, "
                f"{k.shape} and {v.shape}"
            )
        shape = (q.nrow, k.nrow)
        bias = None
        if attn_mask is not None:
            bias = mask_bias(attn_mask, shape, True, who, "attn_mask", q)
        elif check_flag(is_causal, who, "is_causal"):
            bias = causal_bias(*shape, q)
        if key_padding_mask is not None:
            padding = mask_bias(key_padding_mask, (1, k.nrow), True, who, "key_padding_mask", q)
            bias = _add(bias, padding)
        q, k, v = self._project(q, 0), self._project(k, 1), self._project(v, 2)
        p = self.dropout if self.training else 0.0
        d = self.head_dim
        heads = [
            _attend(
                q[:, h * d : (h + 1) * d],
                k[:, h * d : (h + 1) * d],
                v[:, h * d : (h + 1) * d],
                bias,
                p,
                1.0 / math.sqrt(d),
            )
            for h in range(self.num_heads)
        ]
        out = self.out_proj(cat([o for o, _ in heads], 1) if len(heads) > 1 else heads[0][0])
        if not need_weights:
            return out, None
        weights = [w for _, w in heads]
        if not average_attn_weights:
            return out, weights
        total = weights[0]
        for w in weights[1:]:
            total = total + w
        return out, total / float(self.num_heads)

    def extra_repr(self) -> str:
        """The sizes (torch prints only the out_proj child)."""
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}"


class SelfAttention(Module):
    """Single-head self-attention on a (sequence, dim) matrix.

    q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv  (Linear layers named `q`, `k`, `v`)
    a = softmax(q k^T / sqrt(dim) + mask) v          (mask: -inf above the diagonal if causal)
    y = a Wo^T + bo                                  (the output Linear, named `out`)

    The middle line is `scaled_dot_product_attention(q, k, v, is_causal=causal)`.
    """

    def __init__(self, dim: int, causal: bool = False, bias: bool = True) -> None:
        """Four dim x dim Linear layers, with torch's Linear initialisation."""
        super().__init__()
        self.dim = check_positive_int(dim, "SelfAttention", "dim")
        self.causal = check_flag(causal, "SelfAttention", "causal")
        self.q = Linear(dim, dim, bias)
        self.k = Linear(dim, dim, bias)
        self.v = Linear(dim, dim, bias)
        self.out = Linear(dim, dim, bias)

    def forward(self, x: Matrix) -> Matrix:
        """x (sequence, dim) -> (sequence, dim)."""
        x = _sequence(x, "SelfAttention", "input")
        if x.ncol != self.dim:
            raise ValueError(
                f"SelfAttention: expected {self.dim} features, got input of shape {x.shape}"
            )
        attended = scaled_dot_product_attention(
            self.q(x), self.k(x), self.v(x), is_causal=self.causal
        )
        return self.out(attended)

    def extra_repr(self) -> str:
        """dim and causal."""
        return f"dim={self.dim}, causal={self.causal}"


__all__ = ["MultiheadAttention", "SelfAttention", "scaled_dot_product_attention"]
