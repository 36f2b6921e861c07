"""Input checks shared by the modules of `match.data`, so that each message is written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _check_int(name: str, value: Any, minimum: int) -> None:
    """Raise if ``value`` is not an int (bools excluded) of at least ``minimum``."""
    # bool is a subclass of int, but True as a sample count is almost surely a mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")


def _check_non_negative(name: str, value: Any) -> None:
    """Raise if ``value`` is not a real number >= 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


def _to_list(values: Any, name: str) -> list[Any]:
    """Return ``values`` as a list; a Matrix (anything with ``.tolist()``) is converted."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list (or a Matrix), got {type(values).__name__}")
    return list(values)


def _to_rows(values: Any, name: str) -> list[list[float]]:
    """Return ``values`` as a list of equally long rows (copies of the input rows)."""
    rows = []
    for i, row in enumerate(_to_list(values, name)):
        if not isinstance(row, (list, tuple)):
            raise TypeError(
                f"{name} must be a list of rows (lists), but item {i} is {type(row).__name__}"
            )
        rows.append(list(row))
    if rows:
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(
                    f"all rows of {name} must have the same length: "
                    f"row 0 has {width} values but row {i} has {len(row)}"
                )
    return rows


def _check_same_length(X: Sequence[Any], y: Sequence[Any]) -> None:
    """Raise a ValueError naming both lengths if X and y differ in length."""
    if len(X) != len(y):
        raise ValueError(
            f"X and y must have the same number of samples, got len(X)={len(X)} and len(y)={len(y)}"
        )


def _copy(item: Any) -> Any:
    """Copy a row (a list) so that results never share lists with the input."""
    return list(item) if isinstance(item, (list, tuple)) else item


def check_positive_int(caller: str, name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 1 (bools excluded), else raise a ValueError naming the
    function the user called, e.g. ``DataLoader: batch_size must be a positive int, got 0``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{caller}: {name} must be a positive int, got {value!r}")
    return value


def check_bool(caller: str, name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise a TypeError naming the caller: a flag given
    as a string ("False") would otherwise count as true."""
    if not isinstance(value, bool):
        raise TypeError(f"{caller}: {name} must be True or False, got {type(value).__name__}")
    return value


def check_index(caller: str, index: Any, length: int) -> int:
    """Return ``index`` as a position in ``0 .. length - 1`` (negative ones count from the end),
    as Python lists and torch do; raise TypeError/IndexError naming the caller otherwise."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"{caller}: an index must be an int, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"{caller}: index {index} is out of range for {length} items")
    return index % length
