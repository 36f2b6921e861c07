"""Embedding: a lookup table of rows, torch.nn.Embedding's arguments, initialisation and
gradients (in torch it lives in torch/nn/modules/sparse.py, hence the name)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..checks import check_flag, check_int, check_positive_int, check_real
from ..creation import zeros
from ..grad_mode import no_grad
from ..list2d import List2D
from ..matrix import Matrix, where
from . import init
from .loss_functions import as_matrix, class_indices, constant
from .module import Module


class Embedding(Module):
    """A lookup table: index i gives row i of weight (num_embeddings, embedding_dim), which
    starts as N(0, 1) as in torch. Input: a list of ints or an (N, 1) Matrix of indices;
    output: (N, embedding_dim). Built on the gather op `weight[list]`, so repeated indices add
    their gradients.

    padding_idx: that row starts at zeros and never gets a gradient (a negative value counts
    from the end). max_norm: each row looked up whose norm_type-norm exceeds max_norm is scaled
    down to it, in place, before the lookup (torch's renorm, with its 1e-7). scale_grad_by_freq:
    each row's gradient is divided by how often its index occurs in the input. sparse gradients
    do not exist in Match: sparse=True raises.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
    ) -> None:
        """Create the table from N(0, 1) with the padding row zeroed (or take `_weight`, as
        `from_pretrained` does, leaving its padding row as it is)."""
        super().__init__()
        self.num_embeddings = check_positive_int(num_embeddings, "Embedding", "num_embeddings")
        self.embedding_dim = check_positive_int(embedding_dim, "Embedding", "embedding_dim")
        padding_idx = check_int(padding_idx, "Embedding", "padding_idx", allow_none=True)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings ({num_embeddings}), "
                    f"got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if max_norm is not None:
            max_norm = check_real(max_norm, "Embedding", "max_norm", 0.0, low_open=True)
        self.max_norm = max_norm
        self.norm_type = check_real(norm_type, "Embedding", "norm_type", 0.0, low_open=True)
        self.scale_grad_by_freq = check_flag(scale_grad_by_freq, "Embedding", "scale_grad_by_freq")
        if check_flag(sparse, "Embedding", "sparse"):
            raise ValueError("Embedding: sparse=True is not supported (Match has dense gradients)")
        self.sparse = False
        if _weight is None:
            self.weight = init.normal_(zeros(num_embeddings, embedding_dim))
            if padding_idx is not None:
                with no_grad():
                    self.weight.data[self.padding_idx] = 0.0
        else:
            values = as_matrix(_weight, "Embedding").data
            if values.shape != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {values.shape}, expected "
                    f"{(num_embeddings, embedding_dim)}"
                )
            self.weight = Matrix(values.copy())  # registered as a parameter, then frozen,
            self.weight.requires_grad_(not _freeze)  # so a frozen table stays in state_dict

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding a copy of `embeddings` (a Matrix, List2D or nested lists, one
        row per index); freeze=True (torch's default) makes the weight track no gradient."""
        values = as_matrix(embeddings, "Embedding.from_pretrained").data
        return cls(
            *values.shape,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=values,
            _freeze=check_flag(freeze, "Embedding.from_pretrained", "freeze"),
        )

    def _renorm_(self, indices: list[int]) -> None:
        """Scale the rows at indices whose norm exceeds max_norm down to it, in place."""
        data = self.weight.data
        norms = (data.abs() ** self.norm_type).sum(1) ** (1.0 / self.norm_type)
        used = set(indices)
        looked_up = data.new_rows([[1.0 if i in used else 0.0] for i in range(data.shape[0])])
        too_long = (norms > self.max_norm) * looked_up
        scale = List2D.where(too_long, self.max_norm / (norms + 1e-7), 1.0)
        with no_grad():
            data.copy_(data * scale)

    def forward(self, indices: Any) -> Matrix:
        """The rows of weight picked by indices, (N, embedding_dim)."""
        if hasattr(indices, "tolist") and not isinstance(indices, (Matrix, List2D)):
            indices = indices.tolist()  # a 1D numpy array or torch tensor, as torch takes
        if not isinstance(indices, (list, tuple, Matrix, List2D)):
            raise TypeError(
                f"Embedding: indices must be a list of ints, an (N, 1) column or a (1, N) row, got "
                f"{type(indices).__name__}"
            )
        if isinstance(indices, (Matrix, List2D)) and indices.shape[0] == 1:
            indices = indices.tolist()[0]  # a (1, n) row, e.g. match.arange(n): torch's 1D input
        idx = class_indices(indices, len(indices), self.num_embeddings, "Embedding", what="indices")
        if self.max_norm is not None:
            self._renorm_(idx)
        picked = self.weight[idx]
        counts = Counter(idx) if self.scale_grad_by_freq else None
        factors = [
            0.0 if i == self.padding_idx else 1.0 / counts[i] if counts else 1.0 for i in idx
        ]
        if all(f == 1.0 for f in factors) or not picked.requires_grad:
            return picked
        # Only the gradient changes, row by row: picked - fixed is exactly zero, so the value
        # is `fixed` unchanged while d(out)/d(picked) is the row's factor (0 for padding).
        fixed = picked.detach()
        if counts is not None:
            scale = Matrix(constant([[f] for f in factors], picked.data), requires_grad=False)
            picked = fixed + (picked - fixed) * scale
        # The padding rows by where, not times 0, so that their gradient is exactly 0 even when
        # the one coming back is inf or nan (torch's embedding backward skips those rows)
        keep = constant([[float(i != self.padding_idx)] for i in idx], picked.data)
        return where(keep, picked, fixed)

    def extra_repr(self) -> str:
        """Sizes, then the settings that differ from torch's defaults."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2.0:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        return text


__all__ = ["Embedding"]
