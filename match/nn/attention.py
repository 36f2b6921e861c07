"""Single-head self-attention, written as the textbook formula on a (sequence, dim) matrix."""

from __future__ import annotations

import math

from ..matrix import Matrix
from .functional import constant
from .layers import Linear
from .module import Module


class SelfAttention(Module):
    """Single-head self-attention on a (sequence, dim) matrix.

    q, k, v = x Wq^T + bq, x Wk^T + bk, x Wv^T + bv  (Linear layers named `q`, `k`, `v`)
    a = softmax(q k^T / sqrt(dim) + mask) v          (mask: -inf above the diagonal if causal)
    y = a Wo^T + bo                                  (the output Linear, named `out`)

    The middle line equals torch.nn.functional.scaled_dot_product_attention(q, k, v,
    is_causal=causal).
    """

    def __init__(self, dim: int, causal: bool = False, bias: bool = True) -> None:
        """Four dim x dim Linear layers, with torch's Linear initialisation."""
        super().__init__()
        self.dim = dim
        self.causal = causal
        self.q = Linear(dim, dim, bias)
        self.k = Linear(dim, dim, bias)
        self.v = Linear(dim, dim, bias)
        self.out = Linear(dim, dim, bias)

    def forward(self, x: Matrix) -> Matrix:
        """x (sequence, dim) -> (sequence, dim)."""
        q, k, v = self.q(x), self.k(x), self.v(x)
        scores = (q @ k.T) * (1.0 / math.sqrt(self.dim))
        if self.causal:
            n = x.nrow
            mask = [[-math.inf if j > i else 0.0 for j in range(n)] for i in range(n)]
            scores = scores + constant(mask, scores.data)
        return self.out(scores.softmax(1) @ v)

    def extra_repr(self) -> str:
        """dim and causal."""
        return f"dim={self.dim}, causal={self.causal}"


__all__ = ["SelfAttention"]
