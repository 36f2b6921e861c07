"""Checks that only `match.nn` needs: a layer's input and a loss's reduction. The generic
argument checks (sizes, rates, flags) are in `match/checks.py`."""

from __future__ import annotations

from typing import Any

from ..checks import check_choice
from ..list2d import List2D
from ..matrix import Matrix

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(reduction: Any, who: str, extra: tuple[str, ...] = ()) -> str:
    """'mean', 'sum' or 'none' (plus `extra`, e.g. KLDivLoss's 'batchmean')."""
    return check_choice(reduction, who, "reduction", REDUCTIONS + extra)


def check_input(x: Any, who: str) -> Matrix:
    """A layer's or loss's input: a Matrix (a List2D becomes a constant Matrix). Lists are refused,
    as torch refuses them: build the input with `match.mat` or `match.tensor`."""
    if isinstance(x, Matrix):
        return x
    if isinstance(x, List2D):
        return Matrix(x, requires_grad=False)
    raise TypeError(
        f"{who}: input must be a Matrix, got {type(x).__name__} (use match.tensor(...) for lists)"
    )
