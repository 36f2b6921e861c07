"""Argument checks: one function per kind of argument, shared by the whole library.

Every check is called the same way, `check_xxx(value, who, what, ...)`:

- `value` is the argument as the user gave it;
- `who` is the function or class the user called (`"Linear"`, `"DataLoader"`, `"mat"`), so that
  a check running deep inside a helper still names the place where the bad value went in;
- `what` is the argument's name (`"in_features"`), and any further parameters say what is
  allowed (bounds, choices).

A check returns the value (made plain: a numpy or torch scalar becomes the Python number it
holds, as torch accepts them) or raises, before anything is built or changed: a TypeError for
the wrong type, a ValueError for a value out of range, each starting with `who` and `what`
(`Linear: in_features must be a positive int, got -1`). Bools are refused where a number is
wanted: `True` as a size or a rate is almost surely a misplaced argument.

This module imports nothing from Match, so every module, `list2d.py` at the bottom included, may
use it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def plain_scalar(x: Any) -> Any:
    """A numpy or torch scalar (np.int64, np.float32, np.bool_, a 0-d array or tensor) as the
    Python int, float or bool it holds, so that the checks accept it where torch does (labels
    from `list(np_array)` are np.int64); anything else as it is. Duck-typed: Match imports
    neither numpy nor torch."""
    if type(x) in (int, float, bool) or getattr(x, "ndim", None) != 0:
        return x
    return x.tolist() if hasattr(x, "tolist") else x


def is_int(x: Any) -> bool:
    """Whether x is an int and not a bool (bool is a subclass of int in Python)."""
    return isinstance(x, int) and not isinstance(x, bool)


def is_number(x: Any) -> bool:
    """Whether x is an int or a float and not a bool."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _wrong_type(value: Any, who: str, what: str, wanted: str) -> TypeError:
    """The one TypeError message of every check: `who: what must be wanted, got type`."""
    return TypeError(f"{who}: {what} must be {wanted}, got {type(value).__name__}")


def check_flag(value: Any, who: str, what: str) -> bool:
    """A bool (torch's flags: bias, shuffle, requires_grad, ...). Nothing else counts, so that a
    flag given as a string ("False") or a misplaced positional argument is caught."""
    if not isinstance(value, bool):
        raise _wrong_type(value, who, what, "True or False")
    return value


def check_int(
    value: Any, who: str, what: str, low: int | None = None, allow_none: bool = False
) -> int | None:
    """An int (not a bool) of at least `low` when given; None too with allow_none (a seed, a
    limit that None lifts)."""
    value = plain_scalar(value)
    if value is None and allow_none:
        return None
    if not is_int(value):
        raise _wrong_type(value, who, what, "an int or None" if allow_none else "an int")
    if low is not None and value < low:
        raise ValueError(f"{who}: {what} must be at least {low}, got {value}")
    return value


def check_positive_int(value: Any, who: str, what: str) -> int:
    """A size or a count: an int of at least 1 (Match has no empty matrices), not a bool."""
    value = plain_scalar(value)
    if not is_int(value):
        raise _wrong_type(value, who, what, "a positive int")
    if value < 1:
        raise ValueError(f"{who}: {what} must be a positive int, got {value}")
    return value


def check_index(value: Any, who: str, what: str, size: int) -> int:
    """A position among `size` items, as Python lists and torch read one: an int (not a bool)
    in -size .. size - 1, negative ones counting from the end; returned in 0 .. size - 1. Out of
    range is an IndexError."""
    value = plain_scalar(value)
    if not is_int(value):
        raise _wrong_type(value, who, what, "an int")
    if not -size <= value < size:
        raise IndexError(f"{who}: index {value} is out of range for {size} items")
    return value % size


def check_number(value: Any, who: str, what: str) -> float:
    """A real number (an int or a float, not a bool) as a float; nan and inf pass (see
    `check_finite` and `check_real`). An int too large for a float is a ValueError."""
    value = plain_scalar(value)
    if not is_number(value):
        raise _wrong_type(value, who, what, "a number")
    try:
        return float(value)
    except OverflowError:
        raise ValueError(f"{who}: {what} {value} is too large for a float") from None


def check_finite(value: Any, who: str, what: str) -> float:
    """A finite real number, as a float."""
    number = check_number(value, who, what)
    if not math.isfinite(number):
        raise ValueError(f"{who}: {what} must be finite, got {number}")
    return number


def check_non_negative(value: Any, who: str, what: str) -> float:
    """A real number >= 0 (inf included), as a float. NaN is refused: it would poison every
    value computed with it."""
    number = check_number(value, who, what)
    if not number >= 0:
        raise ValueError(f"{who}: {what} must be >= 0, got {plain_scalar(value)}")
    return number


def check_real(
    value: Any,
    who: str,
    what: str,
    low: float = -math.inf,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A real number in the interval from low to high (each end closed unless said open), as a
    float; NaN is never in it. The message writes the interval with its ends as given:
    `p must be in [0.0, 1.0], got 2`."""
    number = check_number(value, who, what)
    above_low = number > low if low_open else number >= low
    below_high = number < high if high_open else number <= high
    if not (above_low and below_high):
        bounds = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{who}: {what} must be in {bounds}, got {plain_scalar(value)}")
    return number


def check_choice(value: Any, who: str, what: str, choices: Sequence[str]) -> str:
    """One of the strings in `choices` (a mode such as reduction='mean')."""
    if not isinstance(value, str) or value not in choices:
        names = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{who}: {what} must be one of {names}, got {value!r:.30}")
    return value
