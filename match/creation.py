"""Functions that make new matrices (leaves of the graph): `mat`, `zeros`, `randn`, ...

Each returns a Matrix that tracks gradients unless `requires_grad=False`, on the active backend
(see `match.accel`), except `*_like`, which follow their input's backend.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .checks import check_flag, check_number, check_positive_int, is_int, is_number
from .list2d import List2D, Number, rng, size_args
from .matrix import Matrix, positions


def mat(values: Sequence[Sequence[Number]], requires_grad: bool = True) -> Matrix:
    """A Matrix holding a copy of nested lists of numbers: `mat([[1, 2], [3, 4]])`."""
    return _from_values(values, requires_grad, "mat")


def tensor(values: Sequence[Sequence[Number]], requires_grad: bool = True) -> Matrix:
    """torch's name for `mat`, for code ported from PyTorch (errors say tensor)."""
    return _from_values(values, requires_grad, "tensor")


def _from_values(values: Any, requires_grad: bool, op: str) -> Matrix:
    """mat and tensor: a copy of a Matrix, a List2D, nested lists, a numpy array or a torch
    tensor; errors name op. As in torch, bools are numbers here (True is 1.0), a flat list
    or 1D array is one row (torch's 1D vector: Match keeps vectors as (1, n) rows) and a
    number or 0-d array is a (1, 1) matrix."""
    check_flag(requires_grad, op, "requires_grad")
    if isinstance(values, Matrix):
        values = values.data
    if isinstance(values, List2D):
        return Matrix(values.copy(), requires_grad=requires_grad)
    if hasattr(values, "tolist") and not isinstance(values, (list, tuple)):
        values = values.tolist()  # a numpy array or torch tensor, of any dtype
    if isinstance(values, (int, float)):
        values = [[values]]
    elif (
        isinstance(values, (list, tuple))
        and values
        and not isinstance(values[0], (list, tuple))
        and getattr(values[0], "ndim", 0) == 0  # rows that are 1D arrays go to check_rows
    ):
        values = [values]
    if isinstance(values, (list, tuple)):
        values = [_bools_as_floats(row) for row in values]
    return Matrix(List2D.from_2d_list(values, op), requires_grad=requires_grad)


def _bools_as_floats(row: Any) -> Any:
    """A row with its bools as 1.0 and 0.0 (torch.tensor([[True, 1.0]]) is float)."""
    if isinstance(row, (list, tuple)) and any(isinstance(x, bool) for x in row):
        return [float(x) if isinstance(x, bool) else x for x in row]
    return row


def arange(start: Number, end: Number | None = None, step: Number = 1) -> Matrix:
    """The row [start, start + step, ...] up to, not including, end, as a (1, n) matrix;
    `arange(5)` is 0 .. 4. With int arguments `tolist()` gives ints, as torch."""
    if end is None:
        start, end = 0, start
    start, end, step = (
        check_number(v, "arange", what)
        for v, what in ((start, "start"), (end, "end"), (step, "step"))
    )
    if step == 0 or not all(map(math.isfinite, (start, end, step))):
        raise ValueError(f"arange: need finite start, end and a non-zero step, got {step}")
    count = max(0, math.ceil((end - start) / step))
    if count == 0:
        raise ValueError(f"arange: the range [{start}, {end}) with step {step} is empty")
    row = List2D.from_2d_list([[start + i * step for i in range(count)]], "arange")
    whole = all(float(v).is_integer() for v in (start, step))
    return positions(row) if whole else Matrix(row, requires_grad=False)


def multinomial(probs: Matrix, num_samples: int, replacement: bool = False) -> Matrix:
    """num_samples category positions per row of `probs` (non-negative weights, need not sum to
    1), drawn with Match's generator (see `manual_seed`); without replacement a category is
    drawn at most once per row. Returns an (nrow, num_samples) matrix of positions."""
    if not isinstance(probs, Matrix):
        raise TypeError(f"multinomial: probs must be a Matrix, got {type(probs).__name__}")
    num_samples = check_positive_int(num_samples, "multinomial", "num_samples")
    check_flag(replacement, "multinomial", "replacement")
    rows = probs.tolist()
    if not replacement and num_samples > probs.ncol:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from "
            f"{probs.ncol} categories"
        )
    for row in rows:
        if not all(math.isfinite(p) and p >= 0 for p in row) or sum(row) <= 0:
            raise ValueError(
                "multinomial: each row of probs must be finite, non-negative weights with a "
                f"positive sum, got {row!r:.80}"
            )
    choices = rng().choices
    samples = []
    for row in rows:
        weights, drawn = list(row), []
        for _ in range(num_samples):
            pick = choices(range(len(weights)), weights)[0]
            drawn.append(float(pick))
            if not replacement:
                weights[pick] = 0.0  # drawn once: never again in this row
                if sum(weights) <= 0 and len(drawn) < num_samples:
                    raise ValueError("multinomial: fewer non-zero weights than num_samples")
        samples.append(drawn)
    return positions(probs.data.new_rows(samples))


def full(*args: Any, fill_value: Number = 0.0, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix filled with one value: `full(2, 3, 7.0)`, `full((2, 3), 7.0)` (as
    torch) or `full(2, 3, fill_value=7.0)`."""
    check_flag(requires_grad, "full", "requires_grad")
    count = 1 if args and isinstance(args[0], (tuple, list)) else 2
    size, rest = args[:count], args[count:]
    if len(rest) > 1:
        raise TypeError(f"full: expected a size and a fill value, got {args!r:.60}")
    if rest:
        fill_value = rest[0]
    nrow, ncol = size_args(size, "full")
    return Matrix(List2D.full(nrow, ncol, fill_value, "full"), requires_grad=requires_grad)


def zeros(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of zeros."""
    check_flag(requires_grad, "zeros", "requires_grad")
    return Matrix(List2D.full(*size_args(size, "zeros"), 0.0, "zeros"), requires_grad=requires_grad)


def ones(*size: Any, requires_grad: bool = True) -> Matrix:
    """An (nrow, ncol) Matrix of ones."""
    check_flag(requires_grad, "ones", "requires_grad")
    return Matrix(List2D.full(*size_args(size, "ones"), 1.0, "ones"), requires_grad=requires_grad)


def randn(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples of the standard normal distribution (repeatable after `manual_seed`)."""
    check_flag(requires_grad, "randn", "requires_grad")
    return Matrix(List2D.randn(*size_args(size, "randn")), requires_grad=requires_grad)


def rand(*size: Any, requires_grad: bool = True) -> Matrix:
    """Samples of the uniform distribution on [0, 1) (repeatable after `manual_seed`)."""
    check_flag(requires_grad, "rand", "requires_grad")
    return Matrix(List2D.rand(*size_args(size, "rand")), requires_grad=requires_grad)


def eye(n: int, requires_grad: bool = True) -> Matrix:
    """The (n, n) identity matrix."""
    check_flag(requires_grad, "eye", "requires_grad")
    return Matrix(List2D.eye(n), requires_grad=requires_grad)


def _like(m: Any, value: float, op: str, requires_grad: bool) -> Matrix:
    """A constant Matrix of m's shape on m's backend; errors name op (zeros_like, ones_like)."""
    check_flag(requires_grad, op, "requires_grad")
    if not isinstance(m, Matrix):
        raise TypeError(f"{op}: expected a Matrix, got {type(m).__name__}")
    return Matrix(m.data.new_full(*m.shape, value), requires_grad=requires_grad)


def zeros_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Zeros of m's shape, on m's backend."""
    return _like(m, 0.0, "zeros_like", requires_grad)


def ones_like(m: Matrix, requires_grad: bool = True) -> Matrix:
    """Ones of m's shape, on m's backend."""
    return _like(m, 1.0, "ones_like", requires_grad)


# -- the generator's state ---------------------------------------------------------------------
# torch.get_rng_state returns a byte tensor; Match's state is JSON-ready (match.save stores it),
# so that a checkpoint can hold it and a resumed run draws the same dropout masks and batches.

_MT_WORDS = 624  # the Mersenne Twister's state: 624 32-bit words, then a position in them


def get_rng_state() -> dict[str, Any]:
    """The state of Match's random generator (the one `manual_seed` seeds), as a dict of plain
    numbers: save it in a checkpoint and give it to `set_rng_state` to draw the same numbers
    again (torch's get_rng_state)."""
    version, internal, gauss_next = rng().getstate()
    return {"version": version, "internal": list(internal), "gauss_next": gauss_next}


def set_rng_state(state: Any) -> None:
    """Restore what `get_rng_state` returned (also after `match.save` / `match.load`), or a
    `random.Random().getstate()` tuple. Checks everything first: a TypeError or ValueError
    names what is wrong, and the generator is left as it was."""
    op = "set_rng_state"
    if isinstance(state, tuple) and len(state) == 3:
        state = dict(zip(("version", "internal", "gauss_next"), state))
    if not isinstance(state, dict) or set(state) != {"version", "internal", "gauss_next"}:
        raise TypeError(
            f"{op}: expected what get_rng_state returned, a dict with 'version', 'internal' "
            f"and 'gauss_next', got {type(state).__name__} {state!r:.60}"
        )
    if state["version"] != 3 or isinstance(state["version"], bool):
        raise ValueError(f"{op}: unknown generator state version {state['version']!r:.20}")
    words = state["internal"]
    if not isinstance(words, (list, tuple)) or len(words) != _MT_WORDS + 1:
        raise ValueError(f"{op}: 'internal' must be a list of {_MT_WORDS + 1} ints")
    for i, word in enumerate(words):
        if not is_int(word):
            raise TypeError(f"{op}: 'internal'[{i}] must be an int, got {type(word).__name__}")
        top = _MT_WORDS if i == _MT_WORDS else 2**32 - 1
        if not 0 <= word <= top:
            raise ValueError(f"{op}: 'internal'[{i}] is {word}, outside 0..{top}")
    gauss_next = state["gauss_next"]
    if gauss_next is not None and (not is_number(gauss_next)):
        raise TypeError(f"{op}: 'gauss_next' must be None or a number, got {gauss_next!r:.30}")
    gauss_next = None if gauss_next is None else float(gauss_next)
    rng().setstate((3, tuple(words), gauss_next))
