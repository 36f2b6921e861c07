"""Argument checks shared by the layers, losses and clipping functions of `match.nn`.

One function per kind of check, so that every layer refuses bad input the same way: with a
TypeError for the wrong type and a ValueError for a value out of range, and a message that starts
with the name the user called (`Linear: in_features must be a positive int, got -1`). Each check
runs before anything is built or changed.
"""

from __future__ import annotations

import math
from typing import Any

from ..list2d import List2D, check_dim, plain_scalar
from ..matrix import Matrix

REDUCTIONS = ("mean", "sum", "none")


def check_positive_int(value: Any, who: str, what: str) -> int:
    """A size: an int of at least 1 (Match has no empty matrices), not a bool."""
    value = plain_scalar(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{who}: {what} must be a positive int, got {value}")
    return value


def check_int(value: Any, who: str, what: str) -> int:
    """Any int, not a bool (such as ignore_index)."""
    value = plain_scalar(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be an int, got {type(value).__name__}")
    return value


def check_real(
    value: Any,
    who: str,
    what: str,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
) -> float:
    """A real number (not a bool) in [low, high], or in (low, high] with low_open; as a float."""
    value = plain_scalar(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be a number, got {type(value).__name__}")
    value = float(value)
    below = value <= low if low_open else value < low
    if below or value > high or value != value:
        bounds = f"{'(' if low_open else '['}{low}, {high}]"
        raise ValueError(f"{who}: {what} must be in {bounds}, got {value}")
    return value


def check_flag(value: Any, who: str, what: str) -> bool:
    """A bool argument (torch's flags such as bias, affine, log_target)."""
    if not isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be True or False, got {value!r:.30}")
    return value


def check_reduction(reduction: Any, who: str, extra: tuple[str, ...] = ()) -> str:
    """'mean', 'sum' or 'none' (plus `extra`, e.g. KLDivLoss's 'batchmean')."""
    allowed = REDUCTIONS + extra
    if not isinstance(reduction, str) or reduction not in allowed:
        names = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{who}: reduction must be one of {names}, got {reduction!r:.30}")
    return reduction


def check_dim_argument(dim: Any, who: str, allow_none: bool = True) -> int | None:
    """A dim argument: 0, 1, -1 or -2 (and None when allowed), with who in the error."""
    dim = plain_scalar(dim)
    return check_dim(dim, who, allow_none)


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
