"""The Transformer encoder layer of "Attention Is All You Need" on one sequence (T, d_model),
torch.nn.TransformerEncoderLayer's arguments, submodule names and numbers, so a torch state
dict loads.

    post-norm (norm_first=False):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
    pre-norm  (norm_first=True):   x = x + sa(norm1(x));        x = x + ff(norm2(x))

where sa is self-attention followed by dropout1, and ff is
linear2(dropout(activation(linear1(x)))) followed by dropout2.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..checks import check_flag, check_number, check_positive_int, check_real
from ..matrix import Matrix
from .activation_functional import gelu
from .attention import MultiheadAttention
from .layers import Dropout, LayerNorm, Linear
from .module import Module


def _relu(x: Matrix) -> Matrix:
    return x.relu()


def _gelu(x: Matrix) -> Matrix:
    return gelu(x)


ACTIVATIONS: dict[str, Callable[[Matrix], Matrix]] = {"relu": _relu, "gelu": _gelu}


class TransformerEncoderLayer(Module):
    """Self-attention and a feed-forward block, each with a residual connection and LayerNorm
    (see the module docstring for the two orders).

    activation: 'relu', 'gelu' or any callable (a Module such as nn.GELU() becomes a child, as
    in torch). batch_first is accepted and ignored (a sequence is one (T, d_model) matrix).
    """

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: str | Callable[[Matrix], Matrix] = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
    ) -> None:
        """Submodules in torch's order: self_attn, linear1, dropout, linear2, norm1, norm2,
        dropout1, dropout2."""
        super().__init__()
        who = "TransformerEncoderLayer"
        check_positive_int(d_model, who, "d_model")
        check_positive_int(nhead, who, "nhead")
        check_positive_int(dim_feedforward, who, "dim_feedforward")
        check_real(dropout, who, "dropout", 0.0, 1.0)
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(
                    f"{who}: activation must be 'relu', 'gelu' or a callable, got {activation!r}"
                )
        elif not callable(activation):
            raise TypeError(
                f"{who}: activation must be 'relu', 'gelu' or a callable, got "
                f"{type(activation).__name__}"
            )
        check_number(layer_norm_eps, who, "layer_norm_eps")
        try:
            self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias)
        except ValueError as error:  # d_model not divisible by nhead, named for this class
            raise ValueError(f"{who}: {error}") from None
        self.linear1 = Linear(d_model, dim_feedforward, bias)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias)
        self.norm_first = check_flag(norm_first, who, "norm_first")
        self.batch_first = check_flag(batch_first, who, "batch_first")
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = ACTIVATIONS[activation] if isinstance(activation, str) else activation

    def forward(
        self,
        src: Matrix,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Matrix:
        """src (T, d_model) -> (T, d_model). src_mask (T, T) and src_key_padding_mask (T values)
        follow MultiheadAttention's rules (boolean True: may not attend); is_causal=True with no
        src_mask applies the causal mask."""
        if not isinstance(src, Matrix):
            raise TypeError(
                f"TransformerEncoderLayer: src must be a Matrix (T, d_model), got "
                f"{type(src).__name__}"
            )
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Matrix, mask: Any, padding: Any, is_causal: bool) -> Matrix:
        out, _ = self.self_attn(
            x,
            x,
            x,
            attn_mask=mask,
            key_padding_mask=padding,
            need_weights=False,
            is_causal=is_causal,
        )
        return self.dropout1(out)

    def _ff_block(self, x: Matrix) -> Matrix:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _deep_copy(module: Module) -> Module:
    """copy.deepcopy, keeping each matrix on its backend: the backend's kernels object is
    shared, never copied (a copied one would count as a different backend)."""
    memo: dict[int, Any] = {}
    for p in module.parameters():
        memo[id(p.data.kernels)] = p.data.kernels
    return copy.deepcopy(module, memo)


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer applied in turn (named layers.0, layers.1, ... as in
    torch), then the optional norm."""

    def __init__(
        self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None
    ) -> None:
        """Deep copies of encoder_layer, as torch makes them (so they start equal)."""
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise TypeError(
                f"TransformerEncoder: encoder_layer must be a Module, got "
                f"{type(encoder_layer).__name__}"
            )
        self.num_layers = check_positive_int(num_layers, "TransformerEncoder", "num_layers")
        self.layers = [_deep_copy(encoder_layer) for _ in range(num_layers)]
        self.norm = norm

    def forward(
        self,
        src: Matrix,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Matrix:
        """src (T, d_model) through every layer (and norm) -> (T, d_model)."""
        x = src
        for layer in self.layers:
            x = layer(x, mask, src_key_padding_mask, is_causal)
        return x if self.norm is None else self.norm(x)


__all__ = ["TransformerEncoder", "TransformerEncoderLayer"]
