"""Input checks that only `match.data` needs (datasets, generators, samples given as lists).

The generic argument checks (sizes, flags, seeds, numbers) are in `match/checks.py`. These take
their arguments in its order, `(value, who, ...)`, where ``who`` is the function or class the user
called and starts every message (``DataLoader: X must be a list (or a Matrix), got int``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any


def check_generator(generator: Any, caller: str) -> random.Random | None:
    """Return ``generator`` if it is a ``random.Random`` or None: Match's stand-in for torch's
    ``torch.Generator``, which is refused by name so a ported line fails where it is written."""
    if generator is not None and not isinstance(generator, random.Random):
        raise TypeError(
            f"{caller}: generator must be a random.Random (e.g. random.Random(42)), "
            f"got {type(generator).__name__}"
        )
    return generator


def check_dataset(dataset: Any, caller: str) -> Any:
    """Return ``dataset`` if it has ``len()`` and ``[i]`` (a map-style dataset, as torch's
    DataLoader needs), else raise a TypeError naming the caller and the type given."""
    if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
        raise TypeError(
            f"{caller}: a dataset must support len() and [i] (a Dataset), "
            f"got {type(dataset).__name__}"
        )
    return dataset


def to_list(values: Any, caller: str, name: str) -> list[Any]:
    """Return ``values`` as a list; a Matrix (anything with ``.tolist()``) is converted."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(
            f"{caller}: {name} must be a list (or a Matrix), got {type(values).__name__}"
        )
    return list(values)


def to_rows(values: Any, caller: str, name: str) -> list[list[float]]:
    """Return ``values`` as a list of equally long rows (copies of the input rows)."""
    rows = []
    for i, row in enumerate(to_list(values, caller, name)):
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


def check_same_length(X: Sequence[Any], y: Sequence[Any], caller: str) -> None:
    """Raise a ValueError naming the caller and both lengths if X and y differ in length."""
    if len(X) != len(y):
        raise ValueError(
            f"{caller}: X and y must have the same number of samples, "
            f"got len(X)={len(X)} and len(y)={len(y)}"
        )


def copy_item(item: Any) -> Any:
    """Copy a row (a list) so that results never share lists with the input."""
    return list(item) if isinstance(item, (list, tuple)) else item
