"""Argument checks shared by the sequence and attention layers, so that a bad size or rate is
refused at the door with a message naming the class the user called (never deep inside `zeros`
or `math.sqrt`)."""

from __future__ import annotations

from typing import Any

from ..list2d import plain_scalar


def positive_int(value: Any, what: str, who: str) -> int:
    """value as an int >= 1 (Match has no empty matrices); TypeError for a non-int (bools
    included), ValueError for zero or less, both naming `who` and the argument `what`."""
    value = plain_scalar(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{who}: {what} must be a positive int, got {value}")
    return value


def probability(value: Any, what: str, who: str) -> float:
    """value as a float in [0, 1] (a dropout rate); TypeError for a non-number, ValueError
    outside the range."""
    value = plain_scalar(value)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be a number in [0, 1], got {type(value).__name__}")
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{who}: {what} must be in [0, 1], got {value}")
    return float(value)


def flag(value: Any, what: str, who: str) -> bool:
    """value, which must be a bool (so that a misplaced positional argument is caught)."""
    if not isinstance(value, bool):
        raise TypeError(f"{who}: {what} must be a bool, got {type(value).__name__}")
    return value
