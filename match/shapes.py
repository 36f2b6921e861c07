"""2D shapes, values and indices: reading and checking the arguments that say what a matrix
holds, how big it is and where in it to look. Shared by List2D and the layers above it; every
error names the function the user called (`op`). Imports nothing from Match but the generic
checks (`checks.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import accumulate
from typing import Any, TypeAlias

from .checks import is_number, plain_scalar

Rows: TypeAlias = list[list[float]]
Number: TypeAlias = float | int
Shape: TypeAlias = tuple[int, int]
Key: TypeAlias = tuple[list[int], slice]  # a normalised index: row positions, a column slice


def _plain_rows(values: Any) -> Any:
    """A numpy array or torch tensor (or rows that are 1D ones) as nested lists, via tolist()."""
    if hasattr(values, "tolist") and not isinstance(values, (list, tuple)):
        values = values.tolist()
    if isinstance(values, (list, tuple)) and values and hasattr(values[0], "tolist"):
        values = [row.tolist() if hasattr(row, "tolist") else row for row in values]
    return values


def is_number_like(x: Any) -> bool:
    """Whether x is a number, a numpy or torch scalar included (not a bool)."""
    return is_number(plain_scalar(x))


def check_rows(values: Any, op: str) -> Rows:
    """Nested lists of numbers (or a 2D numpy array or torch tensor), validated and returned as
    fresh rows of floats."""
    values = _plain_rows(values)
    if isinstance(values, (list, tuple)) and values and is_number_like(values[0]):
        values = [values]  # a flat list is one row, as a 1-D torch tensor is a row in Match
    if not isinstance(values, (list, tuple)) or not values:
        raise ValueError(f"{op}: expected a non-empty list of rows, got {values!r:.60}")
    rows = []
    for i, row in enumerate(values):
        if not isinstance(row, (list, tuple)) or not row:
            raise ValueError(f"{op}: row {i} is not a non-empty list (got {row!r:.60})")
        for x in row:
            if not is_number_like(x):
                raise TypeError(
                    f"{op}: element {x!r:.30} in row {i} is a {type(x).__name__}, not a number"
                )
        try:
            rows.append([float(x) for x in row])
        except OverflowError:
            raise ValueError(f"{op}: an integer in row {i} is too large for a float") from None
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(f"{op}: ragged rows: row 0 has {width} values, row {i} has {len(row)}")
    return rows


def check_size(nrow: Any, ncol: Any, op: str) -> None:
    """Sizes must be positive ints (Match has no empty matrices)."""
    ncol = plain_scalar(ncol)
    nrow = plain_scalar(nrow)
    for n in (nrow, ncol):
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"{op}: sizes must be ints, got {type(n).__name__}")
        if n < 1:
            raise ValueError(f"{op}: sizes must be at least 1, got ({nrow}, {ncol})")


def size_args(args: tuple[Any, ...], op: str) -> tuple[Any, Any]:
    """Two sizes given as f(n, m) or f((n, m)), as torch accepts both."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    if len(args) != 2:
        raise TypeError(f"{op}: expected two sizes (nrow, ncol), got {args!r:.60}")
    return args[0], args[1]


def check_dim(dim: Any, op: str, allow_none: bool = True) -> int | None:
    """dim as None, 0 or 1. Accepts -2 and -1 (counting from the end, as torch does); rejects
    bools, floats and anything else with an error naming op."""
    if dim is None and allow_none:
        return None
    dim = plain_scalar(dim)
    if isinstance(dim, int) and not isinstance(dim, bool) and -2 <= dim <= 1:
        return dim % 2
    allowed = "None, 0, 1, -1 or -2" if allow_none else "0, 1, -1 or -2"
    raise ValueError(f"{op}: dim must be {allowed}, got {dim!r}")


def broadcast_shape(a: Shape, b: Shape, op: str) -> Shape:
    """The shape of `op(a, b)` under 2D broadcasting, or a ValueError naming both shapes."""
    nrow = a[0] if b[0] == 1 else b[0] if a[0] == 1 or a[0] == b[0] else -1
    ncol = a[1] if b[1] == 1 else b[1] if a[1] == 1 or a[1] == b[1] else -1
    if nrow < 0 or ncol < 0:
        raise ValueError(f"{op}: shapes {a} and {b} cannot be broadcast together")
    return nrow, ncol


def normalize_key(key: Any, nrow: int, ncol: int, op: str) -> Key:
    """m[i], m[a:b], m[::-1], m[[i, k]], m[rows, cols] as (fresh row positions, column slice)."""
    if isinstance(key, tuple) and len(key) != 2:
        raise IndexError(f"{op}: a matrix takes one or two indices, got {len(key)}: {key!r:.60}")
    rows_key, cols_key = key if isinstance(key, tuple) else (key, slice(None))
    cols_key = plain_scalar(cols_key)
    if isinstance(cols_key, list):
        raise IndexError(f"{op}: columns take an int or a slice, not a list")
    rows = _positions(rows_key, nrow, "row", op)
    if isinstance(cols_key, int):
        first = _positions(cols_key, ncol, "column", op)[0]
        return rows, slice(first, first + 1)
    _positions(cols_key, ncol, "column", op)  # checks the slice selects something
    start, stop, step = cols_key.indices(ncol)
    # A negative step that runs past column 0 ends at stop=-1, which a slice would read as
    # "the last column": None says "through the start" instead.
    return rows, slice(start, stop if stop >= 0 else None, step)


def _positions(key: Any, size: int, what: str, op: str) -> list[int]:
    """Positions picked by an int, a slice or a list of ints (always a new list)."""
    key = plain_scalar(key)
    if hasattr(key, "tolist") and not isinstance(key, (int, list)):
        key = key.tolist()  # a 1D numpy array or torch tensor of positions
    if isinstance(key, list):
        key = [plain_scalar(i) for i in key]
    if isinstance(key, bool):
        raise IndexError(f"{op}: {what} index must be an int, slice or list, not bool")
    if isinstance(key, int):
        key = [key]
    if isinstance(key, slice):
        if key.step == 0:
            raise ValueError(f"{op}: {what} slice step cannot be zero")
        picked = list(range(size)[key])
        if not picked:
            raise IndexError(f"{op}: {what} slice {key} selects nothing from {size}")
        return picked
    if isinstance(key, list) and key:
        for i in key:
            if not isinstance(i, int) or isinstance(i, bool):
                raise IndexError(f"{op}: {what} indices must be ints, got {type(i).__name__}")
            if not -size <= i < size:
                raise IndexError(f"{op}: {what} index {i} is out of range for size {size}")
        return [i % size for i in key]
    raise IndexError(f"{op}: {what} index must be an int, slice or non-empty list, got {key!r:.40}")


def cumulative(sizes: Iterable[int]) -> list[int]:
    """Start offsets of consecutive blocks with these sizes: [2, 3] -> [0, 2, 5]."""
    return [0, *accumulate(sizes)]


def format_rows(rows: Rows, limit: int = 6) -> str:
    """Rows for a repr: rounded to 4 decimals, at most `limit` rows and columns, then `...`."""

    def row_text(row: list[float]) -> str:
        cells = [repr(round(x, 4)) for x in row[:limit]] + (["..."] if len(row) > limit else [])
        return "[" + ", ".join(cells) + "]"

    lines = [row_text(row) for row in rows[:limit]] + (["..."] if len(rows) > limit else [])
    return "[" + ",\n ".join(lines) + "]"
