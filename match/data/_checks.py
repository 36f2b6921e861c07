"""Input checks shared by the modules of `match.data`, so that each message is written once.

Every check takes ``caller``, the function or class the user called, and starts its message with
it (``DataLoader: batch_size must be a positive int, got 0``), so an error raised deep inside a
helper still says where the bad value went in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from ..list2d import plain_scalar


def check_positive_int(caller: str, name: str, value: Any) -> int:
    """Return ``value`` if it is an int >= 1: a TypeError for anything but an int (bools too: True
    as a sample count is almost surely a mistake), a ValueError for one below 1."""
    value = plain_scalar(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{caller}: {name} must be a positive int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{caller}: {name} must be a positive int, got {value}")
    return value


def check_number(caller: str, name: str, value: Any) -> float:
    """Return ``value`` if it is an int or float (bools excluded), else raise a TypeError naming
    the caller, before the value reaches arithmetic that would fail with a bare message."""
    value = plain_scalar(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{caller}: {name} must be a number, got {type(value).__name__}")
    return value


def check_non_negative(caller: str, name: str, value: Any) -> float:
    """Return ``value`` if it is a real number >= 0 (NaN is refused: it would poison every
    sample drawn with it), else raise a TypeError or ValueError naming the caller."""
    if not check_number(caller, name, value) >= 0:
        raise ValueError(f"{caller}: {name} must be >= 0, got {value}")
    return value


def check_bool(caller: str, name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool, else raise a TypeError naming the caller: a flag given
    as a string ("False") would otherwise count as true."""
    if not isinstance(value, bool):
        raise TypeError(f"{caller}: {name} must be True or False, got {type(value).__name__}")
    return value


def check_seed(caller: str, seed: Any) -> int | None:
    """Return ``seed`` if it is an int or None. ``random.Random`` also takes strings and floats,
    but a seed given as ``"0"`` is a typo that would silently give other data than ``0``."""
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TypeError(f"{caller}: seed must be an int or None, got {type(seed).__name__}")
    return seed


def check_generator(caller: str, generator: Any) -> random.Random | None:
    """Return ``generator`` if it is a ``random.Random`` or None: Match's stand-in for torch's
    ``torch.Generator``, which is refused by name so a ported line fails where it is written."""
    if generator is not None and not isinstance(generator, random.Random):
        raise TypeError(
            f"{caller}: generator must be a random.Random (e.g. random.Random(42)), "
            f"got {type(generator).__name__}"
        )
    return generator


def check_dataset(caller: str, dataset: Any) -> Any:
    """Return ``dataset`` if it has ``len()`` and ``[i]`` (a map-style dataset, as torch's
    DataLoader needs), else raise a TypeError naming the caller and the type given."""
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(
            f"{caller}: a dataset must support len() and [i] (a Dataset), "
            f"got {type(dataset).__name__}"
        )
    return dataset


def check_index(caller: str, index: Any, length: int) -> int:
    """Return ``index`` as a position in ``0 .. length - 1`` (negative ones count from the end),
    as Python lists and torch do; raise TypeError/IndexError naming the caller otherwise."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"{caller}: an index must be an int, got {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"{caller}: index {index} is out of range for {length} items")
    return index % length


def to_list(caller: str, name: str, values: Any) -> list[Any]:
    """Return ``values`` as a list; a Matrix (anything with ``.tolist()``) is converted."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{caller}: {name} must be a list (or a Matrix), got {type(values).__name__}"
        )
    return list(values)


def to_rows(caller: str, name: str, values: Any) -> list[list[float]]:
    """Return ``values`` as a list of equally long rows (copies of the input rows)."""
    rows = []
    for i, row in enumerate(to_list(caller, name, values)):
        if not isinstance(row, (list, tuple)):
            raise TypeError(
                f"{caller}: {name} must be a list of rows (lists), "
                f"but item {i} is {type(row).__name__}"
            )
        rows.append(list(row))
    if rows:
        width = len(rows[0])
        for i, row in enumerate(rows):
            if len(row) != width:
                raise ValueError(
                    f"{caller}: all rows of {name} must have the same length: "
                    f"row 0 has {width} values but row {i} has {len(row)}"
                )
    return rows


def check_same_length(caller: str, X: Sequence[Any], y: Sequence[Any]) -> None:
    """Raise a ValueError naming the caller and both lengths if X and y differ in length."""
    if len(X) != len(y):
        raise ValueError(
            f"{caller}: X and y must have the same number of samples, "
            f"got len(X)={len(X)} and len(y)={len(y)}"
        )


def copy_item(item: Any) -> Any:
    """Copy a row (a list) so that results never share lists with the input."""
    return list(item) if isinstance(item, (list, tuple)) else item
